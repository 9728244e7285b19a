"""The readable rep table printed at the end of ``formcheck score``."""

from __future__ import annotations

import math

from formcheck.session import Session

# Per exercise: (metric, column title, format) shown in the table.
COLUMNS = {
    "squat": [
        ("knee_min_deg", "knee", "{:.0f}°"),
        ("trunk_lean_max_deg", "trunk", "{:.0f}°"),
        ("descent_s", "down", "{:.1f}s"),
        ("ascent_s", "up", "{:.1f}s"),
    ],
    "bridge": [("hip_line_top_deg", "hip line", "{:.0f}°"), ("hold_s", "hold", "{:.1f}s")],
    "clamshell": [("opening_max_deg", "opening", "{:.0f}°"), ("hold_s", "hold", "{:.1f}s")],
}


def _fmt(v: float | None, f: str) -> str:
    return "-" if v is None or not math.isfinite(v) else f.format(v)


def rep_table(s: Session) -> str:
    cols = COLUMNS.get(s.exercise, [])
    head = ["rep", "time", *[c[1] for c in cols], "to work on"]
    rows = []
    for r in s.reps:
        side = f" {r.side[0].upper()}" if r.side else ""
        rows.append(
            [
                f"{r.index}{side}",
                f"{r.start_s:5.1f}-{r.end_s:.1f}s",
                *[_fmt(r.metrics.get(m), f) for m, _, f in cols],
                ", ".join(f.code for f in r.faults) or "good",
            ]
        )
    widths = [
        max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(head)
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def session_text(s: Session, written: list[str]) -> str:
    by_side = s.reps_by_side()
    count = f"{len(s.reps)} reps" + (
        f" ({', '.join(f'{k} {v}' for k, v in sorted(by_side.items()))})" if by_side else ""
    )
    out = [f"{s.source}: {s.exercise}, {s.view} view, {count}"]
    if s.reps:
        out.append(rep_table(s))
    cues: dict[str, str] = {}
    for r in s.reps:
        for f in r.faults:
            cues.setdefault(f.code, f"{f.message} (doc {f.source})")
    if cues:
        out.append("Cues: " + " ".join(cues.values()))
    for code, why in s.skipped_checks.items():
        out.append(f"Not checked ({code}): {why}")
    for w in s.warnings:
        out.append(f"Note: {w}")
    if written:
        out.append("Saved: " + ", ".join(written))
    return "\n".join(out)
