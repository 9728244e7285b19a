"""A recorded clip's annotated video, drawn a moment late so that it shows what was known a
moment later.

The checker can tell a rep is over only once the person has settled (``SETTLE_S`` after its end;
after a slow rise while the person is still coming up, up to ``SETTLE_MORE_S`` more), and a hold
only once the person has been out of the position for ``BREAK_S`` (a dip back into it continues
the hold), so a live count goes up a little after the rep, and a held stretch's "Timer paused"
stays up until the hold is over. A recorded video need not: its frames are held for the
checker's ``report_lag_s`` (and a few frames more, :data:`MARGIN_S`) and each is drawn with the
reps that had ended by its own time, so the count goes up on the frame the rep ended in, and the
rep's cue (the one the checker gives when it reports the rep) comes up with it.

The frames held are at most :data:`formcheck.pipeline.ANNOTATE_MAX_SIDE` pixels on their long
side: about 4 s of them, a few hundred MB at 1280x720, whatever the video's length.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Sequence
from typing import Generic, TypeVar

from formcheck.checkers.base import CheckerState, Rep, reps_by_side

MARGIN_S = 0.4  # the frames a cut or a jump of the body holds back before the checker sees them

T = TypeVar("T")


class Delay(Generic[T]):
    """Items held until ``delay_s`` of stream time has passed after them."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self._q: deque[tuple[float, T]] = deque()

    def push(self, t_s: float, item: T) -> list[tuple[float, T]]:
        """Hold ``item`` (at time ``t_s``); returns the items now old enough with their times,
        oldest first."""
        self._q.append((t_s, item))
        out = []
        while self._q and self._q[0][0] < t_s - self.delay_s:
            out.append(self._q.popleft())
        return out

    def drain(self) -> list[tuple[float, T]]:
        """Every item still held with its time, oldest first (the stream ended)."""
        out = list(self._q)
        self._q.clear()
        return out


def as_known_later(state: CheckerState, reps: Sequence[Rep], t_s: float) -> CheckerState:
    """``state``, drawn on the frame at ``t_s``, with the rep count of every rep that had ended
    by then, as known now, and the last of those reps' cue (its first fault's, or none: the
    live state's cue then was about a rep or hold still under way). (The frame's own time:
    while the cut detector holds frames back, the checker's clock in ``state`` runs behind it.)"""
    done = [r for r in reps if r.end_s <= t_s + 1e-6]
    if len(done) <= state.reps:
        return state
    last = done[-1]
    cue = last.faults[0].message if last.faults else None
    return dataclasses.replace(
        state, reps=len(done), reps_by_side=reps_by_side(done), cue=cue, cue_rep=last.index
    )
