"""The set-up guide: one cue at a time until the checker is ready to count.

Steps, in order; the first one not met gives the cue:

1. someone in view;
2. head and feet in the picture ("Step back until your head and feet are in view.");
3. the view the exercise is filmed from (its TOML's ``setup_views``, asked for in the words
   of ``setup_turn``), from :mod:`formcheck.view` via the checker's own view tracker;
4. the start position (the checker's word on it: its counting signal inside ``rest_range``, or
   its ``rest_signal`` inside ``rest_signal_range``);
5. "Hold still." until the checker itself says it is ready.

The guide only advises: "ready" is the checker's own event, so counting starts exactly when it
does in offline scoring. A cue changes only after the new one has held for ``debounce_s``, so
it does not flicker.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from formcheck.definitions import ExerciseDef

HEAD = (0, 2, 5, 7, 8)  # nose, eyes, ears
FEET = (27, 28, 29, 30, 31, 32)  # ankles, heels, toes
MIN_VISIBILITY = 0.5

STEP_CUES = (
    "Step into view of the camera.",
    "Step back until your head and feet are in view.",
)
HOLD_STILL = "Hold still."
N_STEPS = 5


@dataclass(frozen=True)
class GuideState:
    """Attributes:
    cue: the one set-up cue to show and say (None once counting).
    step: 1-based number of the step being worked on (``N_STEPS`` = hold still).
    """

    cue: str | None
    step: int


def _in_view(image: np.ndarray, idx: tuple[int, ...]) -> bool:
    pts = image[list(idx)]
    ok = (
        (pts[:, 3] >= MIN_VISIBILITY)
        & (pts[:, 0] >= 0.0)
        & (pts[:, 0] <= 1.0)
        & (pts[:, 1] >= 0.0)
        & (pts[:, 1] <= 1.0)
    )
    return bool(ok.any())


class SetupGuide:
    """Set-up cues for one exercise. Call :meth:`update` once per analysed frame."""

    def __init__(self, definition: ExerciseDef, debounce_s: float = 0.5) -> None:
        self.d = definition
        # The view(s) the exercise is filmed from, the words asking for them, and the words
        # asking for the start position: all from the exercise's TOML.
        self.views, self.turn_cue = set(definition.setup_views), definition.setup_turn
        self.start_cue = definition.setup_start
        self.rest_range = definition.counting.rest_range
        self.debounce_s = debounce_s
        self._shown = GuideState(None, 0)  # nothing shown yet: the first assessment shows at once
        self._pending: GuideState | None = None
        self._pending_since = 0.0

    def assess(
        self, image: np.ndarray, n_people: int, view: str, signal: float, at_start: bool | None = None,
        unclear: str | None = None,
    ) -> GuideState:
        """The first unmet step for one frame, without debouncing.

        Args:
            image: (33, 4) raw MediaPipe image landmarks (normalised x, y, z, visibility).
            n_people: people detected.
            view: the checker's current view estimate ("side", "front", "oblique", "unknown").
            signal: the checker's counting signal this frame (NaN when unknown).
            at_start: the checker's own word on the start position this frame
                (:attr:`formcheck.checkers.base.Checker.at_start`, which also reads the
                exercise's ``rest_signal``); None: ``signal`` in the rest range.
            unclear: the checker's words when it could not tell the position this frame
                (:attr:`formcheck.checkers.base.Checker.unclear_cue`), said instead of asking
                for the start position.
        """
        if n_people <= 0 or not np.isfinite(image[:, 3]).any():
            return GuideState(STEP_CUES[0], 1)
        if not (_in_view(image, HEAD) and _in_view(image, FEET)):
            return GuideState(STEP_CUES[1], 2)
        if view != "unknown" and view not in self.views:
            return GuideState(self.turn_cue, 3)
        lo, hi = self.rest_range
        if at_start is None:
            at_start = math.isfinite(signal) and lo <= signal <= hi
        if not at_start:
            return GuideState(unclear or self.start_cue, 4)
        return GuideState(HOLD_STILL, N_STEPS)

    def update(
        self, t_s: float, phase: str, image: np.ndarray, n_people: int, view: str, signal: float,
        at_start: bool | None = None, unclear: str | None = None,
    ) -> GuideState:
        """The debounced guide state; ``cue`` None while the checker is counting."""
        if phase != "setup":
            self._pending = None
            self._shown = GuideState(None, N_STEPS)
            return self._shown
        now = self.assess(image, n_people, view, signal, at_start, unclear)
        if now == self._shown or self._shown.cue is None:
            self._pending = None
            self._shown = now
        elif self._pending != now:
            self._pending, self._pending_since = now, t_s
        elif t_s - self._pending_since >= self.debounce_s:
            self._shown, self._pending = now, None
        return self._shown
