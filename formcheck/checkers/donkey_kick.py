"""Donkey kick: on hands and knees, the working thigh goes back and up, in line with the body.

Counted on the working thigh's angle from hanging straight down, toward the feet along the body
(90 deg: in line with the back). From the side or an angle it is read in the picture, against
the perpendicular to the shoulders-to-hips line; from in front or behind, where the thigh moves
toward or away from the camera, in MediaPipe's world landmarks.

A thigh raised above the line of the body by more than the hip's own range of extension lifts
only by tipping the pelvis forward, that is by arching the low back: that is what the
``low_back_arch`` check measures (the back itself has no landmarks). See
``exercises/donkey_kick.toml``.
"""

from __future__ import annotations

import numpy as np

from formcheck.checkers.all_fours import AllFoursChecker
from formcheck.checkers.base import RepData
from formcheck.checkers.common import stat

IN_LINE_DEG = 90.0  # the thigh in line with the shoulders-to-hips line, from hanging down


class DonkeyKickChecker(AllFoursChecker):
    name = "donkey_kick"
    MOVE = "back"
    PICTURE_VIEWS = ("side", "oblique")

    def metrics(self, data: RepData) -> dict[str, float]:
        out = super().metrics(data)
        top = self._top(data)
        legs = np.vstack([data.sig["back_l_2d"], data.sig["back_r_2d"]])
        with np.errstate(all="ignore"):
            both_nan = ~np.isfinite(legs).any(axis=0)
            highest = np.where(
                both_nan, np.nan, np.nanmax(np.where(np.isfinite(legs), legs, -np.inf), axis=0)
            )
        out["above_line_deg"] = stat(highest[top], "median") - IN_LINE_DEG
        return out

    def reject(self, data: RepData) -> str | None:
        if self.kicked_back(data) is False:
            return "The knee went out to the side, not back in line with the body: not a kick."
        return None
