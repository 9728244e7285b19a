"""Banded side walk: steps to the side, counted per direction, feet kept apart.

Filmed from the front. A step is the feet going apart (the lead foot out) and back in (the
trailing foot following): the counting signal is the ankles' distance apart across the
picture, in leg lengths. The step's direction is where the hips went over it, along the
person's own left-right axis (the line from the right hip to the left one), so it does not
matter which way the picture is mirrored.
"""

from __future__ import annotations

import numpy as np

from formcheck.checkers.base import Checker, RepData
from formcheck.checkers.common import nanmean, stat, torso_tilt, xy
from formcheck.geometry import distance, midpoint
from formcheck.landmarks import Frame
from formcheck.landmarks import PoseLandmark as L
from formcheck.view import ViewEstimate

UPRIGHT_MAX_DEG = 45.0  # standing: the torso nearer vertical than horizontal in the picture


class LateralWalkChecker(Checker):
    name = "lateral_walk"

    def signals(self, frame: Frame, view: ViewEstimate) -> dict[str, float]:
        al, ar = xy(frame, L.LEFT_ANKLE), xy(frame, L.RIGHT_ANKLE)
        hl, hr = xy(frame, L.LEFT_HIP), xy(frame, L.RIGHT_HIP)
        leg = nanmean(float(distance(hl, al)), float(distance(hr, ar)))
        gap = float(abs(al[0] - ar[0]))  # across the picture: the step's direction
        shoulders = float(abs(xy(frame, L.LEFT_SHOULDER)[0] - xy(frame, L.RIGHT_SHOULDER)[0]))
        hips = midpoint(hl, hr)
        across = hl - hr  # toward the person's left
        n = float(np.hypot(*across))
        return {
            "stance_pct": 100.0 * gap / leg if leg > 0 else np.nan,
            "stance_sh": gap / shoulders if shoulders > 0 else np.nan,
            "hips_x": float(hips[0]),
            "left_x": float(across[0] / n) if n > 0 else np.nan,  # the person's left, along image x
            "torso_tilt": torso_tilt(frame),
        }

    def valid(self, frame: Frame, sig: dict[str, float]) -> bool:
        upright = sig.get("torso_tilt", 90.0) < UPRIGHT_MAX_DEG
        return bool(np.isfinite(sig.get(self.c.signal, np.nan)) and upright)

    def side(self, data: RepData) -> str | None:
        """The direction of the step: toward the person's left or right."""
        x = data.sig["hips_x"]
        seen = np.flatnonzero(np.isfinite(x))
        left = stat(data.sig["left_x"], "median")
        if len(seen) < 2 or not np.isfinite(left) or left == 0:
            return None
        moved = (x[seen[-1]] - x[seen[0]]) * np.sign(left)
        return "left" if moved > 0 else "right"

    def metrics(self, data: RepData) -> dict[str, float]:
        s = data.sig
        return {
            "stance_max_pct": stat(s["stance_pct"], "max", 90),
            # Where the trailing foot landed: the stance after the step, in shoulder widths.
            "stance_min_sh": stat(data.post.get("stance_sh", np.array([])), "median"),
            "step_s": float(data.t[-1] - data.t[0]),
        }
