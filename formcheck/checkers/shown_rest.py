"""A start position the reps themselves show, where the camera reads it outside its range.

Counting begins once the person holds the start position still for a moment
(:meth:`formcheck.checkers.base.Checker._setup_step`), and the start position is known by a range
of the counting signal (``rest_range``, or ``rest_signal_range`` for a second signal). Some
cameras read a true start position outside that range: side-on from chest height MediaPipe reads
a bridge's hips-down line, 129 deg in truth, as 156 deg in the picture and 135-143 in 3D, past
both ranges' ends (155 and 135). The ranges cannot simply widen: the top of a bridge reads as low
as 143 in 3D, and a hold at the top would then pass for the start.

A physiotherapist needs no range to see where a set starts: the person rests, moves out by a
rep's size in the exercise's direction, and comes back to rest where they were. That is what this
module looks for, before the start position was ever recognised:

- the person is still somewhere: the signal within ``STILL_STD`` over ``READY_S``, as for the
  start position itself, and not on the move (its last third of that time within
  ``start_delta / 3`` of its first: a bridge rising over a second moves 7 deg in 0.3 s, yet its
  spread is within ``STILL_STD``). That is a candidate rest;
- from there the signal goes out by at least the exercise's ``min_excursion`` *in the rep's
  direction* (a bridge's hips up, a squat's hips down). A hold at the top is then no candidate:
  from it, the way back down goes against the rep's direction;
- and the person is still again near the candidate: within ``start_delta / 3`` of it on the
  far side, and on the rep's side no further than the checker's own end of a rep
  (``return_fraction`` of the way out), since a rest read 4 deg higher after a rep is still that
  rest (the bridge above reads 134.5-143 in 3D from one rest to the next).

Only a place near the exercise's ranges can be a candidate: within ``start_delta`` (the step
that starts a rep) of ``rest_range`` or ``rest_signal_range``. The misreadings this is for are
1-8 deg out; a knee-to-chest stretch (a bridge's hip line at 70) or sitting is another posture,
not a start position read badly. The way out is read on the median of three frames, so one
glitched frame is no rep's excursion.

Then the candidate is the start position, and the movement out and back is looked at as a rep
(:meth:`~formcheck.checkers.base.Checker._lookback`): it must pass every test a rep passes. A
still position further from a rep than the candidate (the person settled lower) replaces it; one
further into a rep (a hold at the top) does not.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

# The start position's own test of stillness (formcheck/checkers/base.py, _setup_step).
READY_S = 0.3  # time still in the start position before counting begins (s)
STILL_STD = 6.0


class ShownRest:
    """Feed every frame of the set-up phase; :meth:`feed` returns the start position once the
    reps have shown it (NaN until then).

    Args:
        direction: +1 when a rep raises the counting signal, -1 when it lowers it.
        min_excursion: the least a rep moves the signal (the exercise's ``min_excursion``).
        start_delta: the exercise's ``start_delta``; a return within a third of it is a return.
        return_fraction: the exercise's ``return_fraction``: a return may stop this share of the
            way out short of the candidate.
    """

    def __init__(self, direction: float, min_excursion: float, start_delta: float,
                 return_fraction: float = 0.3) -> None:
        self._sgn = direction
        self._min = min_excursion
        self._near = start_delta / 3
        self._back = return_fraction
        self._window: deque[tuple[float, float]] = deque()  # (t, signal) of the last READY_S
        self.candidate = math.nan  # where the person was last still, before any rep from it
        self.since = math.nan  # when the person began to be still there (s)
        self._out = 0.0  # the furthest into a rep from the candidate since (signal units)

    def reset(self) -> None:
        """Another picture, or counting paused: what was seen before says nothing now."""
        self._window.clear()
        self.candidate = self.since = math.nan
        self._out = 0.0

    def feed(self, t: float, ok: bool, s: float, near_range: bool = True) -> float:
        """One frame (``ok``: the person measurable in the exercise's posture; ``s``: the counting
        signal; ``near_range``: the frame is near the exercise's start position ranges, so its
        place may be a candidate). Returns the start position shown, or NaN."""
        if not (ok and np.isfinite(s)):
            self._window.clear()  # stillness must be seen without a break
            return math.nan
        self._window.append((t, s))
        while len(self._window) > 1 and t - self._window[1][0] >= READY_S:
            self._window.popleft()
        if np.isfinite(self.candidate):  # the median of three frames: one glitch is no rep
            recent = float(np.median([v for _, v in list(self._window)[-3:]]))
            self._out = max(self._out, self._sgn * (recent - self.candidate))
        t0 = self._window[0][0]
        vals = np.array([v for _, v in self._window])
        if t - t0 < READY_S or float(np.std(vals)) >= STILL_STD:
            return math.nan
        third = max(1, len(vals) // 3)
        if abs(float(np.median(vals[-third:]) - np.median(vals[:third]))) >= self._near:
            return math.nan  # on the move: a slow rep's way out is within STILL_STD too
        still = float(np.median(vals))
        if not np.isfinite(self.candidate):
            if near_range:
                self.candidate, self.since, self._out = still, t0, 0.0
            return math.nan
        into = self._sgn * (still - self.candidate)
        if self._out >= self._min and -self._near < into <= max(self._near, self._back * self._out):
            return still  # out by a rep and back: the start position
        if abs(into) < self._near:
            return math.nan  # still where the candidate is: it stands
        if near_range and (self._out < self._min or into < 0):
            # No rep from the candidate yet, or the person settled further from a rep: here.
            self.candidate, self.since, self._out = still, t0, 0.0
        return math.nan  # still further into a rep (a hold at the top): the candidate stands
