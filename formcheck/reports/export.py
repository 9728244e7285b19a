"""CSV and JSON exports of a report's data (the same numbers the HTML report shows)."""

from __future__ import annotations

import json
from typing import Any

from formcheck.safecsv import rows_to_csv


def to_json(report: dict[str, Any]) -> str:
    """The report as JSON, without the stills (they belong in the HTML)."""
    return json.dumps(_without_stills(report), indent=1, allow_nan=False) + "\n"


def _without_stills(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _without_stills(v) for k, v in x.items() if k != "still_jpeg"}
    if isinstance(x, list):
        return [_without_stills(v) for v in x]
    return x


def _cell(v: Any) -> Any:
    return "" if v is None else v


class _Rows:
    """Collects rows; :func:`formcheck.safecsv.rows_to_csv` makes them safe CSV."""

    def __init__(self) -> None:
        self.rows: list[list[Any]] = []

    def writerow(self, row: list[Any]) -> None:
        self.rows.append(row)

    def text(self) -> str:
        return rows_to_csv(self.rows)


def to_csv(report: dict[str, Any]) -> str:
    """One row per rep (a session report) or per session (a patient report)."""
    w = _Rows()
    if report["kind"] == "session":
        s = report["session"]
        cols = [c["name"] for c in report["columns"]]
        w.writerow(
            [
                "patient",
                "session",
                "date",
                "exercise",
                "rep",
                "side",
                "start_s",
                "peak_s",
                "end_s",
                "view",
                *cols,
                "faults",
                "sources",
                "not_checked",
            ]
        )
        for r in report["reps"]:
            w.writerow(
                [
                    report["patient"]["name"],
                    s["id"],
                    s["local_time"],
                    s["exercise"],
                    r["index"],
                    _cell(r["side"]),
                    _cell(r["start_s"]),
                    _cell(r["peak_s"]),
                    _cell(r["end_s"]),
                    r["view"],
                    *[_cell(r["metrics"].get(c)) for c in cols],
                    ";".join(f["code"] for f in r["faults"]),
                    ";".join(f["source"] for f in r["faults"]),
                    ";".join(c["code"] for c in r.get("skipped", [])),
                ]
            )
        return w.text()
    keys = [
        "session_id",
        "date",
        "local_time",
        "exercise",
        "view",
        "reps_done",
        "reps_prescribed",
        "rom_mean",
        "rom_best",
        "hold_mean_s",
        "checked_reps",
        "fault_rate",
        "pain_before",
        "pain_after",
        "ended",
        "rom_median",  # added after the others: columns read by position keep their place
        "rom_min",
        "rom_max",
        "reps_total",  # every rep; reps_done is per side for a one-sided exercise (the side with fewer)
    ]
    sides = ["left", "right"]  # a one-sided exercise's reps per side (blank for one done with both)
    w.writerow(["patient", *keys, *[f"reps_{s}" for s in sides]])
    for p in report["sessions"]:
        done = {b["side"]: b["done"] for b in p.get("by_side", [])} if p.get("per_side") else {}
        per = [_cell(done.get(s)) for s in sides]
        w.writerow([report["patient"]["name"], *[_cell(p.get(k)) for k in keys], *per])
    return w.text()
