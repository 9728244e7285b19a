"""A recorded clip's annotated video, drawn a moment late so that it shows what was known a
moment later.

The checker can tell a rep is over only once the person has settled (``SETTLE_S`` after its end;
longer for a rep found by looking back, and after a slow rise while the person is still coming
up, ``SETTLE_MORE_S``: such a rep's count goes up when it is known, up to that much late), so
a live count goes up a little after the rep. A
recorded video need not: its frames are held for ``HINDSIGHT_S`` and each is drawn with the reps
that had ended by its own time, so the count goes up on the frame the rep ended in, and the rep's
cue (which the checker gives once it knows the rep) comes up with it.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Sequence
from typing import Generic, TypeVar

from formcheck.checkers.base import SETTLE_S, CheckerState, Rep, reps_by_side

HINDSIGHT_S = SETTLE_S + 0.4  # a rep is known SETTLE_S after its end, and a few frames later at most

T = TypeVar("T")


class Delay(Generic[T]):
    """Items held until ``delay_s`` of stream time has passed after them."""

    def __init__(self, delay_s: float = HINDSIGHT_S) -> None:
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

    def held(self) -> list[T]:
        """The items still held, oldest first."""
        return [item for _, item in self._q]

    def drain(self) -> list[tuple[float, T]]:
        """Every item still held with its time, oldest first (the stream ended)."""
        out = list(self._q)
        self._q.clear()
        return out


def as_known_later(
    state: CheckerState, reps: Sequence[Rep], t_s: float, later: Sequence[CheckerState] = ()
) -> CheckerState:
    """``state``, drawn on the frame at ``t_s``, with the rep count of every rep that had ended
    by then, as known now, and the last of those reps' cue when one of the ``later`` states (the
    checker's states of the frames after it, oldest first) gives it. (The frame's own time:
    while the cut detector holds frames back, the checker's clock in ``state`` runs behind it.)"""
    done = [r for r in reps if r.end_s <= t_s + 1e-6]
    if len(done) <= state.reps:
        return state
    last = done[-1].index
    cue = next((s for s in later if s.cue_rep == last and s.cue), None)
    if cue is None or state.cue_rep == last:
        return dataclasses.replace(state, reps=len(done), reps_by_side=reps_by_side(done))
    return dataclasses.replace(
        state, reps=len(done), reps_by_side=reps_by_side(done), cue=cue.cue, cue_rep=last
    )
