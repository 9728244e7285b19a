"""A rep that crosses a cut between two shots: counted when both shots show the same moment.

Edited videos cut between shots, sometimes in the middle of a rep (a lunge goes down in a wide
shot and comes up in a close-up). A rep under way at a cut is normally dropped: its whole
movement was not seen. A physiotherapist watching the video still counts it when the two shots
plainly show one movement: the person was on the way down before the cut and is still down
after it. formcheck joins the two parts into one rep when all of these hold:

- the counting signal means the same in any view (``same_in_any_view`` in the exercise's
  ``[counting]``: e.g. hip height as a share of standing height, measured against each shot's
  own standing reference; not an angle in the picture, which a new camera angle changes), so
  the values before and after the cut can be compared;
- the last measured frame before the cut and the first after it are at most ``MAX_GAP_S``
  apart (a hard cut, not a shot that starts later);
- both frames are inside the rep, out of the start position by at least the exercise's
  ``start_delta`` (down before, still down after: no return to the start was missed);
- and they agree: the depth into the rep after the cut (the distance from the start
  position) is at least ``MIN_DEPTH_RATIO`` of the depth before it and at most its inverse.
  The same moment reads somewhat differently in two shots, since each is measured against its
  own reference (see ``MIN_DEPTH_RATIO``); a reading that halves or doubles is another moment
  of the movement.

Otherwise the rep is dropped, as before. The joined rep is then counted like any other: it must
go out by ``min_excursion`` and come back, and its checks are made from the frames of both
shots, each measured in its own view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# Over the real clips, a hard cut's last frame before and first frame after are one frame apart
# (1/60-1/10 s); 0.25 s is the cut detector's own longest comparison (formcheck/cuts.py).
MAX_GAP_S = 0.25

# The real reverse lunge cut from a wide side view to a low front-oblique close-up in its
# descent (realdata lunge_reverse_lunge_side_then_closeup) read 39% of standing hip height
# before the cut and 50% one frame (1/25 s) after it in formcheck's own pose run, 41% and 61% in
# the labelled MediaPipe trace; about 4% of either is the descent in that 1/25 s. Reading 1.5
# times as deep in the second shot is then within what two shots make of one moment; half or
# twice as deep is past it.
MIN_DEPTH_RATIO = 0.5

Row = tuple[float, bool, dict[str, float]]  # time, measurable, signals

#: Set (1.0) on the frames of a joined rep that came from the shot before the cut: places in
#: the picture compare only within one shot (:meth:`formcheck.checkers.base.RepData.shots`).
SHOT_BEFORE = "_shot_before"


@dataclass(frozen=True)
class Carried:
    """The part of a rep seen before a cut, kept until the next shot shows whether it goes on."""

    frames: tuple[Row, ...]  # from the rest before the rep to the cut
    rest: float  # the counting signal's start position in the shot before the cut
    t_last: float  # the last frame before the cut whose signal was measured
    d_last: float  # its distance from the start position, into the rep (signal units)


def carry(
    frames: list[Row], rest: float, signal: str, away: Callable[[float, float], float]
) -> Carried | None:
    """The rep so far (``frames``), or None when no frame of it was measured. ``away(s, rest)``:
    how far signal value ``s`` lies from ``rest`` into the rep."""
    for t, ok, row in reversed(frames):
        s = row.get(signal, np.nan)
        if ok and np.isfinite(s):
            return Carried(tuple(frames), rest, t, away(s, rest))
    return None


def joins(c: Carried, t_first: float, d_first: float, start_delta: float) -> bool:
    """True when the first measured frame after the cut (``t_first``, ``d_first`` from the new
    shot's start position) continues the carried rep (see the module's rules)."""
    if not (0.0 < t_first - c.t_last <= MAX_GAP_S and np.isfinite(d_first)):
        return False
    inside = c.d_last >= start_delta and d_first >= start_delta
    return bool(inside and min(c.d_last, d_first) >= MIN_DEPTH_RATIO * max(c.d_last, d_first))


def rebased(c: Carried, rest: float, signal: str) -> list[Row]:
    """The carried frames with the counting signal moved to the new shot's start position
    (``rest``), keeping each frame's distance from the start as it was measured, and marked as
    the shot before (``SHOT_BEFORE``)."""
    shift = rest - c.rest
    out: list[Row] = []
    for t, ok, row in c.frames:
        row = {**row, SHOT_BEFORE: 1.0}
        if signal in row:
            row[signal] += shift
        out.append((t, ok, row))
    return out
