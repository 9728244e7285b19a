"""How numbers are written for people, the same in every place that shows them (rep table,
reports, dashboard, plots, live window, annotated video), and the number a check judges.

Tenths of seconds, and hundredths under one second: a 0.27 s drop flagged against the squat's
0.3 s limit must not read "0.3 s" beside its fault. Whole seconds from 100 up. Degrees and
percentages whole. A check compares the value as written (:func:`as_shown`) with its limit, so
what is flagged reads past the limit wherever it is shown.
"""

from __future__ import annotations

import math


def decimals(v: float, unit: str) -> int:
    """How many decimals a value in ``unit`` is written with, in every place: seconds in tenths
    (hundredths under one, whole from 100), degrees and percentages whole, other numbers
    (ratios, shin lengths) to two decimals under 10, one under 100, none above."""
    if unit == "s":
        return 2 if abs(v) < 1 else 1 if abs(v) < 100 else 0
    if unit in ("°", "%"):
        return 0
    return 2 if abs(v) < 10 else 1 if abs(v) < 100 else 0


def value_text(v: float, unit: str) -> str:
    """``v`` written as a number without its unit ("95", "0.27", "1.43"); a dash when unknown."""
    if not math.isfinite(v):
        return "\u2013"
    return no_minus_zero(f"{v:.{decimals(v, unit)}f}")


def as_shown(v: float, unit: str) -> float:
    """``v`` as a person reads it, rounded as :func:`value_text` writes it (NaN stays NaN). A
    check judges this number, so a value flagged past its limit never reads as on the limit
    ("30°" flagged "above 30°", "0.30 s" flagged "under 0.3 s")."""
    return float(value_text(v, unit)) if math.isfinite(v) else v


def past(v: float, limit: float, when: str, unit: str | None = None) -> bool:
    """Whether ``v`` is past ``limit`` (``when`` "above" or "below"), as measured and, with a
    ``unit``, also as written (stored to 3 decimals, rounded as :func:`value_text` writes it): what
    is called past its limit reads past it wherever it is shown. NaN is never past."""

    def beyond(x: float) -> bool:
        return x > limit if when == "above" else x < limit

    return beyond(v) and (unit is None or beyond(as_shown(round(v, 3), unit)))


def seconds_value(v: float) -> str:
    """``v`` seconds as a number without the unit: "0.27", "1.5", "123"; a dash when unknown."""
    return value_text(v, "s")


def no_minus_zero(text: str) -> str:
    """``text`` (a formatted number) without its minus sign when it reads as zero: "-0.00" -> "0.00"."""
    return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text) else text


def seconds(v: float) -> str:
    """``v`` seconds with the unit: "0.27 s", "1.5 s"."""
    text = seconds_value(v)
    return text if text == "\u2013" else f"{text} s"


def hold_text(held_s: float | None, target_s: float) -> str:
    """The live window's and annotated video's hold: "hold 0.80 / 1.5 s" (held so far, of the
    prescribed hold, written as prescribed), "hold 1.5 s" before it starts."""
    if held_s is None:
        return f"hold {target_s:g} s"
    return f"hold {seconds_value(held_s)} / {target_s:g} s"
