"""How seconds are written for people, the same in every place that shows them (rep table,
reports, dashboard, plots, live window, annotated video).

Tenths, and hundredths under one second: a 0.27 s drop flagged against the squat's 0.3 s limit
must not read "0.3 s" beside its fault. Whole seconds from 100 up.
"""

from __future__ import annotations

import math


def seconds_value(v: float) -> str:
    """``v`` seconds as a number without the unit: "0.27", "1.5", "123"; a dash when unknown."""
    if not math.isfinite(v):
        return "\u2013"
    nd = 2 if abs(v) < 1 else 1 if abs(v) < 100 else 0
    return no_minus_zero(f"{v:.{nd}f}")


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
