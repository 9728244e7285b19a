"""Fire hydrant: on hands and knees, the bent knee lifts out to the side and back down.

Counted on the working thigh's angle out of the body's fore-and-aft plane (0 hanging under the
hip, 90 out level with it). From in front or behind, the thigh goes out across the picture and
the angle is read there; from the side or an angle it moves toward the camera, and the angle is
read in MediaPipe's world landmarks.

A shift of the weight onto the standing knee shows from in front or behind as the hips sliding
sideways toward it in the picture, measured against that knee (so a camera that moves drops
out), in hip widths. See ``exercises/fire_hydrant.toml``.
"""

from __future__ import annotations

import numpy as np

from formcheck.checkers.all_fours import AllFoursChecker
from formcheck.checkers.base import RepData
from formcheck.checkers.common import stat


class FireHydrantChecker(AllFoursChecker):
    name = "fire_hydrant"
    MOVE = "out"
    PICTURE_VIEWS = ("front",)

    def metrics(self, data: RepData) -> dict[str, float]:
        out = super().metrics(data)
        out["hip_shift_ratio"] = self._hip_shift(data)
        return out

    def reject(self, data: RepData) -> str | None:
        if self.kicked_back(data):
            return "The thigh went back along the body, not out to the side: not a side lift."
        return None

    def _hip_shift(self, data: RepData) -> float:
        """How far the hips moved toward the standing knee, from rest to the top, over the
        width of the hips at rest (in the picture)."""
        k = self.working(data)
        if k is None:
            return float("nan")
        stand = "r" if k == "l" else "l"
        top = self._top(data)
        rel = data.sig["hips_x"] - data.sig[f"knee_{stand}_x"]  # hips from the standing knee
        rel_pre = data.pre.get("hips_x", data.sig["hips_x"][:3]) - data.pre.get(
            f"knee_{stand}_x", data.sig[f"knee_{stand}_x"][:3]
        )
        rest = stat(rel_pre, "median")
        if not np.isfinite(rest):
            rest = stat(rel[:3], "median")
        # Toward the standing side: from the working knee to the standing one, at rest.
        way = np.sign(data.before(f"knee_{stand}_x") - data.before(f"knee_{k}_x"))
        width = data.before("hip_width")
        toward = (stat(rel[top], "median") - rest) * way
        return float(toward / width) if width > 0 else float("nan")
