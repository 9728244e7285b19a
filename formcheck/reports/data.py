"""What a clinician's report says, computed from the session store as plain data.

:func:`session_report` and :func:`patient_report` return JSON-ready dicts; the HTML report,
the dashboard and the JSON/CSV exports all render these same dicts, so every number a
clinician reads comes from one place. Missing values are None (NaN in the store).
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from formcheck import __version__
from formcheck.definitions import DOCUMENTS, ExerciseDef, MetricSpec, load
from formcheck.errors import FormcheckError, UsageError
from formcheck.store.db import Store

REPORT_FORMAT = "formcheck-report"
REPORT_VERSION = 1


def _v(x: Any, nd: int = 2) -> float | None:
    """A finite float rounded to ``nd`` places, or None."""
    if x is None:
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return round(f, nd) if math.isfinite(f) else None


def _mean(vals: list[float | None]) -> float | None:
    ok = [v for v in vals if v is not None]
    return _v(sum(ok) / len(ok)) if ok else None


def local_dt(iso: str) -> datetime:
    """A stored UTC time as the viewer's local time."""
    dt = datetime.fromisoformat(iso)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone()


def _definition(exercise: str) -> ExerciseDef | None:
    try:
        return load(exercise)
    except FormcheckError:
        return None


def _columns(d: ExerciseDef | None, reps: list[dict[str, Any]]) -> list[MetricSpec]:
    if d is not None and d.report is not None:
        return list(d.report.columns)
    names: list[str] = []
    for r in reps:
        names += [m for m in r["metrics"] if m not in names]
    return [MetricSpec(n, n.replace("_", " ")) for n in names]


def _rom(d: ExerciseDef | None, s: dict[str, Any]) -> dict[str, Any] | None:
    """The range-of-motion metric per rep, its target and the fault limits on it."""
    if d is None or d.report is None:
        return None
    spec = d.report.spec(d.report.rom)
    rx = {**d.prescription, **s["prescription"]}
    limits = [
        {"code": c.code, "label": c.label, "value": _v(c.limit(rx)), "when": c.fault_when}
        for c in d.checks
        if c.metric == spec.name and c.active(rx)
    ]
    return {
        "metric": spec.name,
        "label": spec.label,
        "unit": spec.unit,
        "better": d.report.better,
        "target": _v(rx.get(d.target)),
        "limits": limits,
        "reps": [r["index"] for r in s["reps"]],
        "sides": [r["side"] for r in s["reps"]],
        "values": [_v(r["metrics"].get(spec.name)) for r in s["reps"]],
    }


def _fault_moment(d: ExerciseDef | None, rep: dict[str, Any], code: str) -> float:
    moment = "peak"
    if d is not None:
        moment = next((c.moment for c in d.checks if c.code == code), "peak")
    return float(rep[{"start": "start_s", "end": "end_s"}.get(moment, "peak_s")])


def _check_label(d: ExerciseDef | None, code: str) -> str:
    if d is None:
        return code.replace("_", " ")
    return next((c.label for c in d.checks if c.code == code), code.replace("_", " "))


def _sets_that_day(store: Store, s: dict[str, Any]) -> int:
    """This session's set number that day: sessions of the exercise up to it, on its local date."""
    day = local_dt(s["created"]).date()
    start, end = day_bounds(day, day)
    same = [
        x
        for x in store.sessions(s["patient"]["id"], start, end)
        if x["exercise"] == s["exercise"] and (x["created"], x["id"]) <= (s["created"], s["id"])
    ]
    return len(same)


def day_bounds(first: date, last: date) -> tuple[str, str]:
    """UTC ISO bounds [start, end) covering local days ``first`` .. ``last``."""
    start = datetime.combine(first, time.min).astimezone().astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time.min).astimezone().astimezone(UTC)
    return start.isoformat(timespec="seconds"), end.isoformat(timespec="seconds")


def session_report(store: Store, session_id: int, *, with_stills: bool = True) -> dict[str, Any]:
    """Everything a one-session report shows (see the module docstring)."""
    s = store.session(session_id)
    d = _definition(s["exercise"])
    rx = {**(d.prescription if d else {}), **s["prescription"]}
    reps_rx = int(rx.get("reps", 0) or 0)
    per_side = bool(d and d.counting.per_side)
    sides: dict[str, int] = {}
    for r in s["reps"]:
        key = (r["side"] or "both") if per_side else "both"
        sides[key] = sides.get(key, 0) + 1
    by_side = [{"side": k, "done": n, "prescribed": reps_rx} for k, n in sorted(sides.items())]
    if not by_side:
        by_side = [{"side": "both", "done": 0, "prescribed": reps_rx}]

    faults_by_code: dict[str, dict[str, Any]] = {}
    reps_out = []
    for r in s["reps"]:
        fl = []
        for f in r["faults"]:
            described = {
                "code": f["code"],
                "label": _check_label(d, f["code"]),
                "cue": f["message"],
                "source": f["source"],
                "document": DOCUMENTS.get(f["source"], f["source"]),
                "quote": f["quote"],
            }
            entry = faults_by_code.setdefault(f["code"], {**described, "count": 0, "reps": []})
            entry["count"] += 1
            entry["reps"].append(r["index"])
            still = store.still(f["id"]) if (with_stills and f["has_still"]) else None
            fl.append(
                {
                    **described,
                    "value": _v(f["value"], 3),
                    "limit": _v(f["limit"], 3),
                    "at_s": _v(_fault_moment(d, r, f["code"])),
                    "fault_id": f["id"],
                    "has_still": f["has_still"],
                    "still_jpeg": still,
                }
            )
        reps_out.append(
            {
                "index": r["index"],
                "side": r["side"],
                "start_s": _v(r["start_s"]),
                "peak_s": _v(r["peak_s"]),
                "end_s": _v(r["end_s"]),
                "view": r["view"],
                "metrics": {k: _v(v, 3) for k, v in r["metrics"].items()},
                "faults": fl,
            }
        )
    holds = [r["metrics"].get("hold_s") for r in reps_out if "hold_s" in r["metrics"]]
    hold = None
    if holds:
        hold_ok = [h for h in holds if h is not None]
        hold = {
            "target_s": _v(rx.get("hold_s")),
            "mean_s": _mean(hold_ok),
            "min_s": _v(min(hold_ok)) if hold_ok else None,
            "max_s": _v(max(hold_ok)) if hold_ok else None,
            "n_short": faults_by_code.get("short_hold", {}).get("count", 0),
        }
    n_faulty = sum(1 for r in reps_out if r["faults"])
    t = s["trace"]["t_s"]
    key = s["trace"]["key_deg"]
    cols = _columns(d, s["reps"])
    created = local_dt(s["created"])
    return {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "kind": "session",
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "formcheck_version": __version__,
        "patient": s["patient"],
        "session": {
            "id": s["id"],
            "exercise": s["exercise"],
            "title": d.title if d else s["exercise"],
            "created": s["created"],
            "local_time": created.strftime("%Y-%m-%d %H:%M"),
            "date": created.date().isoformat(),
            "origin": s["origin"],
            "source": s["source"],
            "view": s["view"],
            "duration_s": _v(s["duration_s"], 1),
            "ended": s["ended"],
            "pain_before": s["pain_before"],
            "pain_after": s["pain_after"],
            "warnings": s["warnings"],
            "skipped_checks": [
                {"code": c, "label": _check_label(d, c), "reason": why}
                for c, why in s["skipped_checks"].items()
            ],
        },
        "prescription": {k: _v(v) for k, v in rx.items()},
        "summary": {
            "reps_done": len(reps_out),
            "reps_prescribed": reps_rx,
            "per_side": per_side,
            "by_side": by_side,
            "set_number": _sets_that_day(store, s),
            "sets_prescribed": int(rx.get("sets", 1) or 1),
            "hold": hold,
            "clean_reps": len(reps_out) - n_faulty,
            "faulty_reps": n_faulty,
            "faults": sorted(faults_by_code.values(), key=lambda f: -f["count"]),
        },
        "rom": _rom(d, s),
        # Metrics this view could not measure in any rep (e.g. stance width from the side) are left out.
        "columns": [
            {"name": c.name, "label": c.label, "unit": c.unit}
            for c in cols
            if any(_v(r["metrics"].get(c.name)) is not None for r in s["reps"])
        ],
        "reps": reps_out,
        "trace": {
            "label": s["key_label"] or (d.key_label if d else ""),
            "target": _v(rx.get(d.target)) if d else None,
            "t_s": [_v(x, 3) for x in t],
            "key_deg": [_v(x, 1) for x in key],
        },
    }


def parse_day(text: str | None, what: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{what} must be a date like 2026-11-01, not {text!r}.") from None


def session_point(store: Store, row: dict[str, Any]) -> dict[str, Any]:
    """One session's numbers for a trend: ROM mean and best, hold, fault rate, pain."""
    rep = session_report(store, row["id"], with_stills=False)
    rom = rep["rom"]
    vals = [v for v in (rom["values"] if rom else []) if v is not None]
    best = None
    if vals and rom:
        if rom["better"] == "lower":
            best = min(vals)
        elif rom["better"] == "higher":
            best = max(vals)
        else:
            best = min(vals, key=lambda v: abs(v - (rom["target"] or 0.0)))
    n = rep["summary"]["reps_done"]
    hold = rep["summary"]["hold"]
    return {
        "session_id": row["id"],
        "created": row["created"],
        "local_time": rep["session"]["local_time"],
        "date": rep["session"]["date"],
        "exercise": row["exercise"],
        "title": rep["session"]["title"],
        "view": row["view"],
        "reps_done": n,
        "reps_prescribed": rep["summary"]["reps_prescribed"],
        "rom_mean": _mean(list(vals)),
        "rom_best": _v(best),
        "hold_mean_s": hold["mean_s"] if hold else None,
        "fault_rate": _v(rep["summary"]["faulty_reps"] / n, 3) if n else None,
        "faulty_reps": rep["summary"]["faulty_reps"],
        "pain_before": row["pain_before"],
        "pain_after": row["pain_after"],
        "ended": row["ended"],
    }


def _adherence(days_done: set[date], per_week: float, first: date, last: date) -> dict[str, Any]:
    """Days with a session against days prescribed (``per_week`` a week), in all and per week."""
    n_days = (last - first).days + 1
    prescribed = per_week * n_days / 7.0
    weeks = []
    wk = first - timedelta(days=first.weekday())
    while wk <= last:
        lo, hi = max(wk, first), min(wk + timedelta(days=6), last)
        span = (hi - lo).days + 1
        done = sum(1 for dd in days_done if lo <= dd <= hi)
        weeks.append(
            {
                "week_of": wk.isoformat(),
                "days_done": done,
                "days_prescribed": _v(per_week * span / 7.0, 1),
            }
        )
        wk += timedelta(days=7)
    return {
        "sessions_per_week": _v(per_week, 1),
        "days_done": len(days_done),
        "days_prescribed": _v(prescribed, 1),
        "percent": _v(100.0 * len(days_done) / prescribed, 0) if prescribed > 0 else None,
        "weeks": weeks,
    }


def patient_report(
    store: Store, patient: str | int, first: date | None = None, last: date | None = None
) -> dict[str, Any]:
    """A patient's sessions over a period, with trends and adherence per exercise.

    ``patient`` is a name (any case) or a patient id.

    The period runs from ``first`` (default: the day of their first session) to ``last``
    (default: today), local days, both included.
    """
    p = store.patient(patient)
    today = datetime.now().astimezone().date()
    if first is None:
        all_rows = store.sessions(p["id"])  # only to find the first day
        first = local_dt(all_rows[0]["created"]).date() if all_rows else today
    if last is None:
        last = max(today, first)
    if last < first:
        raise UsageError(f"--to ({last}) is before --from ({first}).")
    start, end = day_bounds(first, last)
    rows = store.sessions(p["id"], start, end)
    points = [session_point(store, r) for r in rows]
    exercises = []
    for ex in sorted({r["exercise"] for r in rows}):
        d = _definition(ex)
        pts = [x for x in points if x["exercise"] == ex]
        rx = store.prescription_in_force(p["id"], ex, end)
        per_week = float(
            (rx or {}).get("sessions_per_week", d.prescription.get("sessions_per_week", 7.0) if d else 7.0)
        )
        days = {date.fromisoformat(x["date"]) for x in pts}
        rom = _rom(d, {"prescription": rx or {}, "reps": []}) if d else None
        exercises.append(
            {
                "exercise": ex,
                "title": d.title if d else ex,
                "rom": None
                if rom is None
                else {k: rom[k] for k in ("metric", "label", "unit", "better", "target", "limits")},
                "hold_target_s": _v({**(d.prescription if d else {}), **(rx or {})}.get("hold_s")),
                "points": pts,
                "adherence": _adherence(days, per_week, first, last),
                "fault_rate": _v(sum(x["faulty_reps"] for x in pts) / n, 3)
                if (n := sum(x["reps_done"] for x in pts))
                else None,
            }
        )
    return {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "kind": "patient",
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "formcheck_version": __version__,
        "patient": {"id": p["id"], "name": p["name"]},
        "from": first.isoformat(),
        "to": last.isoformat(),
        "sessions": points,
        "exercises": exercises,
    }
