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
from formcheck.definitions import CEILING, DOCUMENT_TITLES, ExerciseDef, MetricSpec, load
from formcheck.errors import FormcheckError, UsageError
from formcheck.report_text import not_checked_phrase, rep_skipped_lines_of, same_in_every_rep, word_of
from formcheck.store.db import Store
from formcheck.units import past

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


def ceiling_side(d: ExerciseDef | None) -> str | None:
    """Which side of a clinician's limit is too far (see :attr:`ExerciseDef.ceiling_side`)."""
    return d.ceiling_side if d is not None else None


def in_band(value: float | None, limits: list[dict[str, Any]], unit: str = "") -> bool | None:
    """Whether a range-of-motion value lies inside every fault limit on it (None: not measured):
    outside only when past a limit both as measured and as written in ``unit``, as the checks
    judge it (:meth:`formcheck.definitions.Check.is_fault`). None too where no limit is set on
    it (a measure shown, not judged): there is nothing to be inside."""
    set_ = [lim for lim in limits if lim["value"] is not None]
    if value is None or not set_:
        return None
    return not any(past(value, lim["value"], lim["when"], unit) for lim in set_)


def _rom(d: ExerciseDef | None, s: dict[str, Any], rx: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The range-of-motion metric per rep, its target and the fault limits on it."""
    if d is None or d.report is None:
        return None
    spec = d.report.spec(d.report.rom)
    rx = rx if rx is not None else {**d.prescription, **s["prescription"]}
    limits = [
        {"code": c.code, "label": c.label, "value": _v(c.limit(rx)), "when": c.fault_when}
        for c in d.checks
        if c.metric == spec.name and c.active(rx)
    ]
    when = ceiling_side(d)
    if when and rx.get("ceiling"):
        limits.append({"code": CEILING, "label": "the set limit", "value": _v(rx["ceiling"]), "when": when})
    values = [_v(r["metrics"].get(spec.name), 3) for r in s["reps"]]  # as stored and judged
    return {
        "metric": spec.name,
        "label": spec.label,
        "unit": spec.unit,
        "better": d.report.better,
        "counted": d.unit_word,  # "rep", or "hold" for a held stretch (the plot's words)
        "target": _v(rx.get(d.target)),
        "limits": limits,
        "judged": any(lim["value"] is not None for lim in limits),  # else shown, not judged
        "reps": [r["index"] for r in s["reps"]],
        "sides": [r["side"] for r in s["reps"]],
        "values": values,
        # Median and range: a mean of reps on both sides of a two-sided target (a bridge's hip
        # line too low on one rep, overarched on another) would read as on target.
        "spread": _spread([v for v in values if v is not None]),
        "in_band": [in_band(v, limits, spec.unit) for v in values],
    }


def _fault_moment(d: ExerciseDef | None, rep: dict[str, Any], code: str) -> float:
    moment = "peak"
    if d is not None:
        moment = next((c.moment for c in d.checks if c.code == code), "peak")
    return float(rep[{"start": "start_s", "end": "end_s"}.get(moment, "peak_s")])


def _not_judged(d: ExerciseDef | None) -> list[dict[str, str]]:
    """The exercise's document cues formcheck does not judge from video (``[not_judged]``)."""
    if d is None:
        return []
    return [
        {"code": u.code, "label": u.label, "source": u.source,
         "document": DOCUMENT_TITLES.get(u.source, u.source), "quote": u.quote, "why": u.why,
         "instead": u.instead}
        for u in d.not_judged
    ]  # fmt: skip


def _check_label(d: ExerciseDef | None, code: str) -> str:
    if code == CEILING:
        return "past the set limit"
    if d is None:
        return code.replace("_", " ")
    return next((c.label for c in d.checks if c.code == code), code.replace("_", " "))


def _past_ceiling(d: ExerciseDef | None, rx: dict[str, Any], s: dict[str, Any]) -> None:
    """Add the fault of going past a clinician's limit (``rx["ceiling"]``) to each rep of session
    ``s`` that did, where the session was scored before that limit was set. A session scored
    with the limit was judged by its checker (``ExerciseDef.ceiling_check``), with the camera's
    trust rules; here, too, a limit is judged only in the views where that check is trusted."""
    limit = rx.get("ceiling")
    if d is None or not limit or s["prescription"].get("ceiling"):
        return
    check = d.ceiling_check(float(limit))
    if check is None:
        return
    # Where the session could not measure the range of motion (not seen clearly, a camera on the
    # floor), its own check on it was not made: nor is the limit.
    unmade = {c.code for c in d.checks if c.metric == check.metric} & set(s.get("skipped_checks", {}))
    if unmade:
        return
    for r in s["reps"]:
        v = _v(r["metrics"].get(check.metric), 3)
        if (r.get("view") or s.get("view")) not in check.views or v is None or not check.is_fault(v, rx):
            continue
        if any(f["code"] == CEILING for f in r["faults"]):
            continue
        r["faults"].append(
            {
                "id": None,
                "code": CEILING,
                "message": check.cue,
                "source": check.source,
                "quote": check.quote,
                "value": v,
                "limit": limit,
                "has_still": False,
            }
        )


def set_key(row: dict[str, Any]) -> tuple[str, str]:
    """What makes a session a set of its own: a live set is one, and scoring the same video
    again is the same set (so re-scoring does not add sets)."""
    return (row["origin"], row["source"]) if row["origin"] != "live" else ("live", str(row["created"]))


def _sets_that_day(store: Store, s: dict[str, Any]) -> tuple[int, int]:
    """This session's set number that day, and the number of sets of the exercise that day
    (a video scored twice is one set), on its local date."""
    day = local_dt(s["created"]).date()
    start, end = day_bounds(day, day)
    keys: list[tuple[str, str]] = []
    mine = set_key(s)
    for x in store.sessions(s["patient"]["id"], start, end):
        if x["exercise"] == s["exercise"] and set_key(x) not in keys:
            keys.append(set_key(x))
    return keys.index(mine) + 1 if mine in keys else len(keys) + 1, max(len(keys), 1)


def prescription_on(store: Store, patient_id: int, exercise: str, at: str) -> dict[str, Any]:
    """The exercise's defaults with the patient's prescription in force at ``at`` (ISO) over them."""
    d = _definition(exercise)
    return {**(d.prescription if d else {}), **(store.prescription_in_force(patient_id, exercise, at) or {})}


def day_end(day: date) -> str:
    """The last second of local day ``day`` as UTC ISO: what is in force that day is in force then."""
    end = datetime.combine(day + timedelta(days=1), time.min).astimezone() - timedelta(seconds=1)
    return end.astimezone(UTC).isoformat(timespec="seconds")


def day_bounds(first: date, last: date) -> tuple[str, str]:
    """UTC ISO bounds [start, end) covering local days ``first`` .. ``last``."""
    start = datetime.combine(first, time.min).astimezone().astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time.min).astimezone().astimezone(UTC)
    return start.isoformat(timespec="seconds"), end.isoformat(timespec="seconds")


def session_report(store: Store, session_id: int, *, with_stills: bool = True) -> dict[str, Any]:
    """Everything a one-session report shows (see the module docstring)."""
    s = store.session(session_id)
    d = _definition(s["exercise"])
    # What the session was scored with (its faults were judged against it), and over it the
    # prescription in force that day (the clinician's reps, sets and sessions a week).
    rx = {**(d.prescription if d else {}), **s["prescription"]}
    in_force = store.prescription_in_force(s["patient"]["id"], s["exercise"], s["created"]) or {}
    rx.update(
        {k: v for k, v in in_force.items() if k in ("reps", "sets", "sessions_per_week", "hold_s", "ceiling")}
    )
    if s["prescription"].get("ceiling"):  # judged with its own limit: the chart shows that one
        rx["ceiling"] = s["prescription"]["ceiling"]
    _past_ceiling(d, rx, s)
    reps_rx = int(rx.get("reps", 0) or 0)
    per_side = bool(d and d.counting.per_side)
    sides: dict[str, int] = {}
    for r in s["reps"]:
        side_key = _side_key(r, per_side)
        sides[side_key] = sides.get(side_key, 0) + 1
    by_side = [{"side": k, "done": n, "prescribed": reps_rx} for k, n in sorted(sides.items())]
    if not by_side:
        by_side = [{"side": "both", "done": 0, "prescribed": reps_rx}]

    faults_by_code: dict[str, dict[str, Any]] = {}
    reps_out = []
    judged_rx = {**(d.prescription if d else {}), **s["prescription"]}  # the checks it was scored with
    said = same_in_every_rep(s["skipped_checks"], [r["skipped"] for r in s["reps"]])  # said once
    for r in s["reps"]:
        fl = []
        for f in r["faults"]:
            described = {
                "code": f["code"],
                "label": _check_label(d, f["code"]),
                "cue": f["message"],
                "source": f["source"],
                "document": "your clinician's prescription"
                if f["source"] == "clinician"
                else DOCUMENT_TITLES.get(f["source"], f["source"]),
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
                # checks this rep could not make, and why; none made at all: not checked
                "skipped": [
                    {"code": c, "label": _check_label(d, c), "reason": why} for c, why in r["skipped"].items()
                ],
                "unchecked": not fl and d is not None and d.unchecked(judged_rx, r["skipped"]),
            }
        )
    holds = [r["metrics"].get("hold_s") for r in reps_out if "hold_s" in r["metrics"]]
    hold = None
    if holds:
        hold_ok = [h for h in holds if h is not None]
        hold = {
            # A hold of 0 s prescribed is no hold prescribed: no target to show (None, as unset).
            "target_s": _v(rx.get("hold_s")) or None,
            "mean_s": _mean(hold_ok),
            "min_s": _v(min(hold_ok)) if hold_ok else None,
            "max_s": _v(max(hold_ok)) if hold_ok else None,
            "n_short": faults_by_code.get("short_hold", {}).get("count", 0),
            "label": _check_label(d, "short_hold")
            if d and "short_hold" in {c.code for c in d.checks}
            else "hold",  # "hold at the top", "hold at the bottom" (the exercise's words)
        }
    n_faulty = sum(1 for r in reps_out if r["faults"])
    n_unchecked = sum(1 for r in reps_out if r["unchecked"])
    for b in by_side:  # reps whose form could be checked, per side
        b["checked"] = sum(1 for r in reps_out if _side_key(r, per_side) == b["side"] and not r["unchecked"])
    t = s["trace"]["t_s"]
    key = _untrusted_blank(d, s["reps"], t, s["trace"]["key_deg"])
    cols = _columns(d, s["reps"])
    created = local_dt(s["created"])
    set_number, sets_that_day = _sets_that_day(store, s)
    rom = _rom(d, s, rx)
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
            "unit": word_of(d),  # what is counted: "rep", or "hold" for a stretch
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
            "skipped_text": not_checked_phrase(d, said),  # not made in any rep, for one reason, in words
            "rep_skipped_lines": rep_skipped_lines_of(
                d, s["skipped_checks"], [(r["index"], r["skipped"]) for r in s["reps"]]
            ),
            # Document cues never judged from video, with what to do instead.
            "not_judged": _not_judged(d),
        },
        "prescription": {k: _v(v) for k, v in rx.items()},
        "summary": {
            "reps_done": len(reps_out),
            "reps_prescribed": reps_rx,
            "per_side": per_side,
            "by_side": by_side,
            "set_number": set_number,
            "sets_that_day": sets_that_day,
            "sets_prescribed": int(rx.get("sets", 1) or 1),
            "hold": hold,
            "clean_reps": len(reps_out) - n_faulty - n_unchecked,  # checked, and without a fault
            "faulty_reps": n_faulty,
            "unchecked_reps": n_unchecked,  # none of their checks could be made (see each rep's skipped)
            "checked_reps": len(reps_out) - n_unchecked,
            "faults": sorted(faults_by_code.values(), key=lambda f: -f["count"]),
        },
        "rom": rom,
        "symmetry": symmetry(rom, reps_rx) if per_side else None,
        "notes": [
            {**n, "local_time": local_dt(n["created"]).strftime("%Y-%m-%d %H:%M")}
            for n in store.notes(s["id"])
        ],
        # Metrics this view could not measure in any rep (e.g. stance width from the side) are left out.
        "columns": [
            {"name": c.name, "label": c.label, "unit": c.unit, "signs": c.signs}
            for c in cols
            if any(_v(r["metrics"].get(c.name)) is not None for r in s["reps"])
        ],
        "reps": reps_out,
        "trace": {
            "label": s["key_label"] or (d.key_label if d else ""),
            "unit": d.key_unit if d else "°",
            "target": _v(rx.get(d.target)) if d else None,
            "t_s": [_v(x, 3) for x in t],
            "key_deg": [_v(x, 1) for x in key],
        },
    }


def reps_against_rx(summary: dict[str, Any], reps_rx: int | None = None) -> list[dict[str, Any]]:
    """Reps done against the prescription, as the session report's cards count them: per side
    for a one-sided exercise (the prescription is per side), else one row, side "both".

    ``summary`` is a session report's summary; ``reps_rx`` the reps prescribed (default: the
    session's). A one-sided exercise always has a left and a right row: a side without reps is
    0 of its prescription (its set was not done). A set is done when every row is
    (:func:`set_done`); the patient report, its CSV, adherence and the dashboard all count
    with this, so they agree with the session report."""
    rx = summary["reps_prescribed"] if reps_rx is None else reps_rx
    rows = [{"side": b["side"], "done": int(b["done"]), "prescribed": rx} for b in summary["by_side"]]
    if not summary["per_side"]:
        return rows
    # A rep whose side could not be told counts for neither side's set.
    rows = [b for b in rows if b["side"] in ("left", "right")]
    for side in ("left", "right"):
        if side not in {b["side"] for b in rows}:
            rows.append({"side": side, "done": 0, "prescribed": rx})
    return sorted(rows, key=lambda b: str(b["side"]))


def set_done(summary: dict[str, Any], reps_rx: int | None = None) -> bool:
    """Whether a session is a complete set: it has reps, and every side's are the prescribed."""
    rows = reps_against_rx(summary, reps_rx)
    return summary["reps_done"] > 0 and all(b["done"] >= b["prescribed"] for b in rows)


def _side_key(rep: dict[str, Any], per_side: bool) -> str:
    """The side a rep counts for in the report: its own for a one-sided exercise, else "both"."""
    return (rep["side"] or "both") if per_side else "both"


def _untrusted_blank(
    d: ExerciseDef | None, reps: list[dict[str, Any]], t: list[float], key: list[float | None]
) -> list[float | None]:
    """The key angle's trace with the reps whose measure of it was left blank (not trusted
    from that camera, see the rep's checks not made) blanked too: the chart shows no number
    the table does not."""
    rom = d.report.rom if d and d.report else None
    if rom is None:
        return list(key)
    out = list(key)
    for r in reps:
        if rom in r["metrics"] and _v(r["metrics"][rom]) is None:  # NaN or None: left blank
            for i, ti in enumerate(t):
                if ti is not None and r["start_s"] <= ti <= r["end_s"]:
                    out[i] = None
    return out


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
    sides = reps_against_rx(rep["summary"])
    return {
        "session_id": row["id"],
        "created": row["created"],
        "local_time": rep["session"]["local_time"],
        "date": rep["session"]["date"],
        "exercise": row["exercise"],
        "title": rep["session"]["title"],
        "view": row["view"],
        # Against the prescription as the session report counts: for a one-sided exercise, per
        # side (the side with fewer reps, as a set is done when both sides are); ``by_side`` has
        # each side and ``reps_total`` every rep.
        "reps_done": min(b["done"] for b in sides) if rep["summary"]["per_side"] else n,
        "reps_prescribed": rep["summary"]["reps_prescribed"],
        "reps_total": n,
        "per_side": rep["summary"]["per_side"],
        "by_side": sides,
        "rom_mean": _mean(list(vals)),
        "rom_median": rom["spread"]["median"] if rom else None,
        "rom_best": _v(best),
        "rom_min": rom["spread"]["min"] if rom else None,
        "rom_max": rom["spread"]["max"] if rom else None,
        "in_band": _v(sum(b for b in band) / len(band), 3)
        if (band := [b for b in (rom["in_band"] if rom else []) if b is not None])
        else None,
        "hold_mean_s": hold["mean_s"] if hold else None,
        "fault_rate": _v(rep["summary"]["faulty_reps"] / checked, 3)
        if (checked := rep["summary"]["checked_reps"])
        else None,
        "faulty_reps": rep["summary"]["faulty_reps"],
        "checked_reps": checked,
        "pain_before": row["pain_before"],
        "pain_after": row["pain_after"],
        "ended": row["ended"],
    }


def _spread(vals: list[float]) -> dict[str, float | None]:
    """Median, lowest and highest of a day's values (None when there are none)."""
    if not vals:
        return {"median": None, "min": None, "max": None}
    v = sorted(vals)
    mid = len(v) // 2
    med = v[mid] if len(v) % 2 else (v[mid - 1] + v[mid]) / 2
    return {"median": _v(med), "min": _v(v[0]), "max": _v(v[-1])}


def symmetry(rom: dict[str, Any] | None, reps_rx: int) -> list[dict[str, Any]] | None:
    """Per side of a one-sided exercise: reps done against prescribed, and the range of motion
    (median, lowest, highest, share of reps inside the target band)."""
    if not rom:
        return None
    sides: dict[str, list[int]] = {}
    for i, side in enumerate(rom["sides"]):
        sides.setdefault(side or "both", []).append(i)
    out = []
    for side in sorted(sides):
        idx = sides[side]
        vals = [rom["values"][i] for i in idx if rom["values"][i] is not None]
        band = [rom["in_band"][i] for i in idx if rom["in_band"][i] is not None]
        out.append(
            {
                "side": side,
                "reps": len(idx),
                "prescribed": reps_rx,
                "measured": len(vals),  # reps whose range of motion could be measured
                **_spread(vals),
                "in_band": _v(sum(band) / len(band), 3) if band else None,
            }
        )
    return out


def _week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def day_series(
    store: Store, patient_id: int, exercise: str, rows: list[dict[str, Any]], first: date, last: date
) -> dict[str, Any]:
    """Per local day of ``first`` .. ``last``: what was done and seen, judged against the
    prescription in force that day, and adherence per week from those days.

    A day is adherent when it has at least the prescribed number of sets with at least the
    prescribed reps each (per side, for a one-sided exercise). Several sessions on one day are
    that day's sets; a video scored twice is one set (:func:`set_key`).
    """
    by_day: dict[date, list[dict[str, Any]]] = {}
    for r in rows:
        if r["exercise"] == exercise:
            by_day.setdefault(local_dt(r["created"]).date(), []).append(r)
    days = []
    day = first
    while day <= last:
        rx = prescription_on(store, patient_id, exercise, day_end(day))
        reps_rx = int(rx.get("reps", 0) or 0)
        sets_rx = int(rx.get("sets", 1) or 1)
        per_week = float(rx.get("sessions_per_week", 7.0) or 0.0)
        todays = by_day.get(day, [])
        entry: dict[str, Any] = {
            "date": day.isoformat(),
            "prescribed": {"reps": reps_rx, "sets": sets_rx, "sessions_per_week": _v(per_week, 1)},
            "sessions": [r["id"] for r in todays],
            "sets": 0,
            "complete_sets": 0,
            "adherent": False,
        }
        if todays:
            latest: dict[tuple[str, str], dict[str, Any]] = {}
            for r in todays:
                latest[set_key(r)] = r  # a video scored again: its newest scoring counts
            reports = [session_report(store, r["id"], with_stills=False) for r in latest.values()]
            complete = 0
            vals: list[float] = []
            band: list[bool] = []
            holds: list[float] = []
            n_reps = n_checked = n_faulty = 0
            for rep in reports:
                # per side for a one-sided exercise (one side only: the other side's set was not done)
                complete += set_done(rep["summary"], reps_rx)
                if rep["rom"]:
                    vals += [v for v in rep["rom"]["values"] if v is not None]
                    band += [b for b in rep["rom"]["in_band"] if b is not None]
                holds += [
                    r["metrics"]["hold_s"] for r in rep["reps"] if r["metrics"].get("hold_s") is not None
                ]
                n_reps += rep["summary"]["reps_done"]
                n_checked += rep["summary"]["checked_reps"]
                n_faulty += rep["summary"]["faulty_reps"]
            pains_after = [r["pain_after"] for r in todays if r["pain_after"] is not None]
            pains_before = [r["pain_before"] for r in todays if r["pain_before"] is not None]
            entry.update(
                {
                    "sets": len(latest),
                    "complete_sets": complete,
                    "adherent": complete >= sets_rx,
                    "reps": n_reps,
                    "rom": _spread(vals),
                    "in_band": _v(sum(band) / len(band), 3) if band else None,
                    "hold": _spread(holds),
                    "fault_rate": _v(n_faulty / n_checked, 3) if n_checked else None,  # of reps checked
                    "pain_before": max(pains_before) if pains_before else None,
                    "pain_after": max(pains_after) if pains_after else None,
                }
            )
        entry["due"] = _v(per_week / 7.0, 3)
        days.append(entry)
        day += timedelta(days=1)
    weeks: dict[date, dict[str, Any]] = {}
    for e in days:
        wk = _week_start(date.fromisoformat(e["date"]))
        w = weeks.setdefault(
            wk, {"week_of": wk.isoformat(), "days_done": 0, "days_with_sets": 0, "days_prescribed": 0.0}
        )
        w["days_done"] += e["adherent"]
        w["days_with_sets"] += e["sets"] > 0
        w["days_prescribed"] += e["due"]
    week_list = [{**w, "days_prescribed": _v(w["days_prescribed"], 1)} for w in weeks.values()]
    done = sum(e["adherent"] for e in days)
    prescribed = sum(e["due"] for e in days)
    return {
        "days": [e for e in days if e["sets"]],
        "calendar": [{"date": e["date"], "due": e["due"], "adherent": e["adherent"]} for e in days],
        "adherence": {
            "days_done": done,
            "days_with_sets": sum(e["sets"] > 0 for e in days),
            "days_prescribed": _v(prescribed, 1),
            "percent": _v(min(100.0, 100.0 * done / prescribed), 0) if prescribed > 0 else None,
            "weeks": week_list,
            "current": days[-1]["prescribed"] if days else None,
        },
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
        rx = store.prescription_in_force(p["id"], ex, day_end(last))
        series = day_series(store, p["id"], ex, rows, first, last)
        rom = _rom(d, {"prescription": rx or {}, "reps": []}) if d else None
        exercises.append(
            {
                "exercise": ex,
                "title": d.title if d else ex,
                "unit": word_of(d),  # "hold" for a held stretch
                "rom": None
                if rom is None
                else {k: rom[k] for k in ("metric", "label", "unit", "better", "target", "limits")},
                # a hold of 0 s prescribed is no hold prescribed: None, as in the session report
                "hold_target_s": _v({**(d.prescription if d else {}), **(rx or {})}.get("hold_s")) or None,
                "points": pts,
                "days": series["days"],
                "adherence": series["adherence"],
                "per_side": bool(d and d.counting.per_side),
                "not_judged": _not_judged(d),  # document cues not judged from video
                "fault_rate": _v(sum(x["faulty_reps"] for x in pts) / n, 3)
                if (n := sum(x["checked_reps"] for x in pts))
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


PAIN_RISE = 2  # pain after exercise up by this much (0-10) is worth a look
PAIN_HIGH = 7  # ... and so is pain after exercise at this or more, twice running
# ... and pain after exercise at this or more even once (a first session included). On the 0-10
# scale 7-10 is the "severe" band (the usual cut points, e.g. Serlin et al. 1995); one 7 at its
# edge may be a bad day, which the twice-running rule waits for, but 8 or more is well inside it.
PAIN_SEVERE = 8
NEW_FAULT_DAYS = 7  # faults seen in this many days and not in the four weeks before are new
PROGRAMME_DAYS = 14  # exercises done in this many days make up a patient's programme on the dashboard


def pain_flag(pains: list[tuple[str, int]]) -> str | None:
    """A short sentence when pain after exercise, oldest first ``(date, score)``, needs a look:
    the latest is ``PAIN_RISE`` or more above the lowest of the two weeks before it, or the last
    two are ``PAIN_HIGH`` or more, or the latest is ``PAIN_SEVERE`` or more. None otherwise."""
    if not pains:
        return None
    last_day, last = pains[-1]
    if len(pains) >= 2 and pains[-2][1] >= PAIN_HIGH and last >= PAIN_HIGH:
        return f"Pain after exercise has stayed at {PAIN_HIGH} or more ({pains[-2][1]}, then {last})."
    if last >= PAIN_SEVERE:
        return f"Pain after exercise was {last} out of 10."
    lo = date.fromisoformat(last_day) - timedelta(days=14)
    before = [p for d, p in pains[:-1] if date.fromisoformat(d) >= lo]
    if before and last - min(before) >= PAIN_RISE:
        return f"Pain after exercise went up from {min(before)} to {last}."
    return None


def _days_done(calendars: list[list[dict[str, Any]]], today: date) -> tuple[int, float, int]:
    """A patient's days, over all their exercises (one calendar each, from the day the exercise
    joined the programme): days done, days prescribed, and days missed before today (today is
    not over).

    A day's share of the prescription is its most frequent exercise's (1 for a daily one); it is
    done when every daily exercise had its prescribed sets that day, or, with none daily, when
    any exercise had. Days prescribed are fractional for fewer than 7 days a week.
    """
    by_date: dict[str, list[dict[str, Any]]] = {}
    for cal in calendars:
        for d in cal:
            by_date.setdefault(d["date"], []).append(d)
    done = 0
    due = due_past = 0.0
    done_past = 0
    for day in sorted(by_date):
        days = by_date[day]
        share = max(d["due"] or 0.0 for d in days)
        daily = [d for d in days if (d["due"] or 0.0) >= 1.0]
        ok = all(d["adherent"] for d in daily) if daily else any(d["adherent"] for d in days)
        ok = ok and share > 0
        done += ok
        due += share
        if date.fromisoformat(day) < today:
            done_past += ok
            due_past += share
    missed = max(0, math.floor(due_past + 0.5) - done_past)  # half a day up, as people round
    return done, due, missed


def attention(store: Store, today: date | None = None) -> list[dict[str, Any]]:
    """Per patient, what a clinician checks first: last session, adherence this week against the
    prescription in force, pain after exercise and its flag, new faults, days missed; sorted with
    those who most need a look first (``need``, higher first)."""
    today = today or datetime.now().astimezone().date()
    week0 = _week_start(today)
    out = []
    for p in store.patients():
        rows = store.sessions(p["id"])
        if not rows:
            continue
        pains: list[tuple[str, int]] = []
        by_day: dict[str, int] = {}
        for r in rows:
            if r["pain_after"] is not None:
                day = local_dt(r["created"]).date().isoformat()
                by_day[day] = max(by_day.get(day, 0), int(r["pain_after"]))
        pains = sorted(by_day.items())
        flag = pain_flag(pains)
        row_days = [local_dt(r["created"]).date() for r in rows]
        recent_rows = [r for r, on in zip(rows, row_days, strict=True) if on >= week0 - timedelta(days=28)]
        # The programme: the exercises done in the last PROGRAMME_DAYS (one tried once and left
        # is not), else the last one done; each from the day it was first done, so no day before
        # it is missed.
        since = today - timedelta(days=PROGRAMME_DAYS - 1)
        first_day: dict[str, date] = {}  # each exercise's first day (rows are oldest first)
        for r, on in zip(rows, row_days, strict=True):
            first_day.setdefault(r["exercise"], on)
        exercises = sorted({r["exercise"] for r, on in zip(rows, row_days, strict=True) if on >= since})
        exercises = exercises or [rows[-1]["exercise"]]
        calendars = []
        for ex in exercises:
            start = max(week0, first_day[ex])
            calendars.append(day_series(store, p["id"], ex, recent_rows, start, today)["calendar"])
        done, due, missed = _days_done(calendars, today)
        new_since = today - timedelta(days=NEW_FAULT_DAYS - 1)
        seen_before: set[str] = set()
        seen_now: dict[str, str] = {}
        for r in recent_rows:
            if not r["n_faulty_reps"]:
                continue
            s = store.session(r["id"])
            d = _definition(r["exercise"])
            codes = {(f["code"], _check_label(d, f["code"])) for rep in s["reps"] for f in rep["faults"]}
            recent = local_dt(r["created"]).date() >= new_since
            for code, label in codes:
                key = f"{r['exercise']}:{code}"
                if recent:
                    seen_now.setdefault(key, label)
                else:
                    seen_before.add(key)
        new_faults = sorted({label for key, label in seen_now.items() if key not in seen_before})
        last_day = local_dt(rows[-1]["created"]).date()
        idle = (today - last_day).days
        need = (100 if flag else 0) + 10 * min(idle, 14) + 15 * missed + 5 * len(new_faults)
        out.append(
            {
                "patient": {"id": p["id"], "name": p["name"]},
                "last": rows[-1]["created"],
                "last_day": last_day.isoformat(),
                "days_since": idle,
                "exercises": exercises,
                "week": {"days_done": done, "days_prescribed": _v(due, 1)},
                "missed": missed,
                "pain": [v for _, v in pains[-5:]],
                "pain_flag": flag,
                "new_faults": new_faults,
                "need": need,
            }
        )
    out.sort(key=lambda x: (-x["need"], x["patient"]["name"].lower()))
    return out
