"""The readable rep table printed at the end of ``formcheck score`` (and ``formcheck live``).

It uses the same words as the reports: a fault is named by its check's label ("knees over
toes"), each cue has its own line, and a metric is shown only for a rep whose view let one of
its checks run (a front view shows no trunk angle). Checks skipped for the same reason are
listed on one line.
"""

from __future__ import annotations

import math

from formcheck.definitions import CEILING, CLINICIAN, Check, ExerciseDef, load
from formcheck.session import Session
from formcheck.units import value_text


def _columns(d: ExerciseDef | None) -> list[tuple[str, str, str]]:
    """(metric, column title, unit) of the exercise's short table (its TOML's report.brief)."""
    if d is None or d.report is None:
        return []
    return [(m.name, m.label, m.unit) for m in d.report.brief]


def _fmt(v: float | None, unit: str) -> str:
    """A value with its unit, written as everywhere else (formcheck.units): "95°", "0.27 s"."""
    if v is None or not math.isfinite(v):
        return "-"
    text = value_text(v, unit)  # no "-0°"
    return text + unit if unit in ("°", "%") else f"{text} {unit}" if unit else text


def _definition(exercise: str) -> ExerciseDef | None:
    try:
        return load(exercise)
    except Exception:  # an unknown exercise in an old file: codes stand in for words
        return None


def _label(d: ExerciseDef | None, code: str) -> str:
    if code == CEILING:
        return "past the set limit"
    check = _check(d, code)
    return check.label if check is not None else code.replace("_", " ")


def _check(d: ExerciseDef | None, code: str) -> Check | None:
    return next((c for c in d.checks if c.code == code), None) if d is not None else None


def shown_in_view(d: ExerciseDef | None, metric: str, view: str) -> bool:
    """False when every check of ``metric`` needs another camera view than ``view`` (the
    number was not checked, so it is not shown); True for metrics no check uses."""
    if d is None:
        return True
    checks = [c for c in d.checks if c.metric == metric]
    return not checks or any(view in c.views for c in checks)


def unchecked(d: ExerciseDef | None, s: Session, skipped: dict[str, str]) -> bool:
    """True when none of a rep's checks could be made (every active check in ``skipped``)."""
    return d is not None and d.unchecked({**d.prescription, **s.prescription}, skipped)


def _verdict(d: ExerciseDef | None, s: Session, skipped: dict[str, str]) -> str:
    """A rep without faults: "good", or "not checked" when none of its checks could be made."""
    return "not checked" if unchecked(d, s, skipped) else "good"


def rep_table(s: Session) -> str:
    d = _definition(s.exercise)
    cols = _columns(d)
    head = [word_of(d), "time", *[c[1] for c in cols], "to work on"]
    right = [True, True, *[True] * len(cols), False]  # numbers right-aligned, words left
    rows = []
    for r in s.reps:
        side = f" {r.side[0].upper()}" if r.side else ""
        rows.append(
            [
                f"{r.index}{side}",
                f"{r.start_s:.1f}–{r.end_s:.1f} s",
                *[
                    _fmt(r.metrics.get(m), f) if shown_in_view(d, m, r.view) else "-"
                    for m, _, f in cols
                ],
                ", ".join(_label(d, f.code) for f in r.faults) or _verdict(d, s, r.skipped),
            ]
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(head)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True)
        ).rstrip()

    return "\n".join([line(head), *(line(row) for row in rows)])


def _by_reason(d: ExerciseDef | None, skipped: dict[str, str]) -> dict[str, list[str]]:
    """Checks not made grouped by reason, each reason without the check's own name and in
    lower case: {"film from the front": ["knee tracking", "stance width"]}."""
    out: dict[str, list[str]] = {}
    for code, why in skipped.items():
        label = _label(d, code)
        why = why.rstrip(".").removesuffix(f" to check {label}").removesuffix(f", so {label} was not checked")
        why = why.rstrip(",").strip()
        out.setdefault(why[:1].lower() + why[1:], []).append(label)
    return out


def skipped_lines(s: Session, d: ExerciseDef | None = None) -> list[str]:
    """One short line per reason a check was not made in any rep: "Not checked: stance width,
    knee tracking (film from the front)."."""
    d = d if d is not None else _definition(s.exercise)
    said = same_in_every_rep(s.skipped_checks, [r.skipped for r in s.reps])
    return [
        f"Not checked: {', '.join(labels)} ({why})." if why else f"Not checked: {', '.join(labels)}."
        for why, labels in _by_reason(d, said).items()
    ]


def not_judged_lines(d: ExerciseDef | None) -> list[str]:
    """One line per document cue formcheck never judges from video, with what to do instead:
    "Not judged from video: hips facing forward (doc 003). Watch your hips in a mirror: ..."."""
    if d is None:
        return []
    return [f"Not judged from video: {u.label} (doc {u.source}). {u.instead}" for u in d.not_judged]


def rep_numbers(idx: list[int], word: str = "rep") -> str:
    """Rep numbers in words, runs of three or more joined by an en dash: "Rep 3", "Reps 2 and
    5", "Reps 4-6", "Reps 1-11 and 13-16" ("Hold 2" with ``word`` "hold")."""
    word = word.capitalize()
    if len(idx) == 1:
        return f"{word} {idx[0]}"
    parts: list[str] = []
    start = prev = idx[0]
    for i in [*idx[1:], None]:
        if i is not None and i == prev + 1:
            prev = i
            continue
        parts += [f"{start}–{prev}"] if prev - start >= 2 else list(map(str, range(start, prev + 1)))
        if i is not None:
            start = prev = i
    return f"{word}s " + (parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + f" and {parts[-1]}")


def not_checked_phrase(d: ExerciseDef | None, skipped: dict[str, str]) -> str:
    """Checks not made and why, short, each reason said once: "depth (lunge with the leg
    nearer the camera in front, or turn round); knee behind the toes, upper body upright (the
    video cut to another shot during this rep)"."""
    return "; ".join(
        f"{', '.join(labels)} ({why})" if why else ", ".join(labels)
        for why, labels in _by_reason(d, skipped).items()
    )


def same_in_every_rep(session_skipped: dict[str, str], reps_skipped: list[dict[str, str]]) -> dict[str, str]:
    """The checks not made in any rep for one same reason: said once for the session. (A check
    no rep made, for reasons that differ from rep to rep, is said rep by rep.)"""
    return {c: why for c, why in session_skipped.items() if all(r.get(c, why) == why for r in reps_skipped)}


def own_skipped(rep_skipped: dict[str, str], said: dict[str, str]) -> dict[str, str]:
    """A rep's checks not made that the session's line (``said``) does not already say."""
    return {c: why for c, why in rep_skipped.items() if c not in said}


def rep_skipped_lines_of(
    d: ExerciseDef | None, session_skipped: dict[str, str], reps: list[tuple[int, dict[str, str]]]
) -> list[str]:
    """Checks some reps could not make (those no rep made for one reason are the session's
    line, :func:`skipped_lines`), one line per set of reps with the same ones: "Reps 4 and 5,
    not checked: depth (lunge with the leg nearer the camera in front, or turn round).".
    ``reps``: each rep's number and its checks not made."""
    said = same_in_every_rep(session_skipped, [skipped for _, skipped in reps])
    groups: dict[tuple[tuple[str, str], ...], list[int]] = {}
    for index, skipped in reps:
        own = tuple(own_skipped(skipped, said).items())
        if own:
            groups.setdefault(own, []).append(index)
    word = word_of(d)
    return [
        f"{rep_numbers(i, word)}, not checked: {not_checked_phrase(d, dict(o))}." for o, i in groups.items()
    ]


def rep_skipped_lines(s: Session, d: ExerciseDef | None = None) -> list[str]:
    """:func:`rep_skipped_lines_of` for a session."""
    d = d if d is not None else _definition(s.exercise)
    return rep_skipped_lines_of(d, s.skipped_checks, [(r.index, r.skipped) for r in s.reps])


def reps_text(n: int, word: str = "rep") -> str:
    """"1 rep", "3 reps"; "2 holds" for a held stretch (``word``: ExerciseDef.unit_word)."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def word_of(d: ExerciseDef | None) -> str:
    """What one counted unit is called: "rep", or "hold" for a held stretch ("rep" for an
    exercise this version does not know)."""
    return d.unit_word if d is not None else "rep"


def unit_word(exercise: str) -> str:
    """:func:`word_of` the exercise named ``exercise``."""
    return word_of(_definition(exercise))


def session_text(s: Session, written: list[str]) -> str:
    d = _definition(s.exercise)
    by_side = s.reps_by_side()
    count = reps_text(len(s.reps), word_of(d)) + (
        f" ({', '.join(f'{k} {v}' for k, v in sorted(by_side.items()))})" if by_side else ""
    )
    out = [f"{s.source}: {s.exercise}, {s.view} view, {count}"]
    if s.reps:
        out.append(rep_table(s))
    cues: dict[str, str] = {}
    for r in s.reps:
        for f in r.faults:
            where = "your clinician" if f.source == CLINICIAN else f"doc {f.source}"
            cues.setdefault(f.code, f"{f.message} ({where})")
    if cues:
        out.append("Cues:")
        out += [f"  - {_label(d, code)}: {cue}" for code, cue in cues.items()]
    out += skipped_lines(s, d)
    out += rep_skipped_lines(s, d)
    if s.reps:  # with no reps the words about why come first, and are enough
        out += not_judged_lines(d)
    for w in s.warnings:
        out.append(f"Note: {w}")
    if written:
        out.append("Saved: " + ", ".join(written))
    return "\n".join(out)
