"""Standing hip abduction: leg out to the side and back, trunk upright, knee straight, hold.

Filmed from the front. Each leg's angle is the picture's angle of its hip-to-ankle line from
the vertical, outward positive; the counting signal is their sum, the angle between the legs
(any tilt of the camera adds to one leg what it takes from the other, so it drops out). The
working leg is the one whose ankle rises. A lean of the trunk to the standing side shows in the
picture from the front as the hip-to-shoulder line and the shoulder line both tilting; a bent
knee as the knee's angle in the picture (bending in the picture's plane) or as the shin
shortening against the thigh (bending toward or away from the camera).

Hips facing forward (003) is not checked: a turn of the pelvis or the leg about the vertical
moves the joints toward or away from a camera in front, which only MediaPipe's depth estimate
sees, and that reads too loosely to judge (see README, "What each check means").
"""

from __future__ import annotations

import numpy as np

from formcheck.checkers.base import HOLD_BAND_DEG, Checker, RepData
from formcheck.checkers.common import SIDES, knee_bend, stat, torso_tilt, xy
from formcheck.geometry import angle, distance, midpoint
from formcheck.landmarks import Frame
from formcheck.landmarks import PoseLandmark as L
from formcheck.view import ViewEstimate

# Standing: the torso within this of vertical in the picture. A lean to the side while lifting
# the leg stays well inside it (40 deg on the real clip with the strongest lean).
UPRIGHT_MAX_DEG = 50.0
# A leg out to the side lifts its foot: at 20 deg (under half the normal 45 deg range) by
# 1 - cos 20 = 6% of the leg's length, the standing leg staying put. Feet on the floor stay level
# within 3% (real clips, standing between reps, MediaPipe's jitter). Less rise than this at the
# top is a squat, a shift of weight or a step, not a leg lifted to the side.
FOOT_RISE_MIN = 0.05
WALK_LIMIT = 0.5  # the standing foot moving sideways more than this many leg lengths: a step


def _lateral(v: np.ndarray, outward: float) -> float:
    """Angle (deg) of image vector ``v`` (hip to ankle) from straight down, positive toward
    ``outward`` (+1: image x growing, -1: image x shrinking)."""
    if not np.isfinite(v).all() or not np.hypot(*v) > 0:
        return float("nan")
    return float(np.degrees(np.arctan2(outward * v[0], v[1])))


class HipAbductionChecker(Checker):
    name = "hip_abduction"

    def signals(self, frame: Frame, view: ViewEstimate) -> dict[str, float]:
        hl, hr = xy(frame, L.LEFT_HIP), xy(frame, L.RIGHT_HIP)
        # The person's left in the picture: on the image right when they face the camera.
        across = float(hl[0] - hr[0])
        left_out = 1.0 if across >= 0 else -1.0
        if not np.isfinite(across):
            left_out = float("nan")
        out: dict[str, float] = {"torso_tilt": torso_tilt(frame)}
        legs = {}
        for name, sd, sgn in (("l", SIDES["left"], 1.0), ("r", SIDES["right"], -1.0)):
            hip, knee, ankle = xy(frame, sd["hip"]), xy(frame, sd["knee"]), xy(frame, sd["ankle"])
            legs[name] = _lateral(ankle - hip, sgn * left_out)
            thigh, shin = float(distance(hip, knee)), float(distance(knee, ankle))
            out[f"leg_{name}_deg"] = legs[name]
            out[f"knee_{name}_deg"] = float(angle(hip, knee, ankle))
            out[f"shin_{name}"] = shin / thigh if thigh > 0 else np.nan
            out[f"ankle_{name}_y"] = float(ankle[1])
            out[f"ankle_{name}_x"] = float(ankle[0])
            out[f"leg_{name}_len"] = thigh + shin
        # The angle between the legs: how far apart the feet are beyond the hips, in degrees.
        out["leg_angle_deg"] = legs["l"] + legs["r"]
        # As shown to the person: feet together is 0 (the ankles a little inside the hips read
        # a few degrees below, which means nothing to them).
        out["leg_out_deg"] = max(0.0, out["leg_angle_deg"]) if np.isfinite(out["leg_angle_deg"]) else np.nan
        # Trunk: hip-to-shoulder line from vertical (positive: shoulders toward the person's
        # left) and the shoulder line from horizontal (positive: the left shoulder lower).
        sh_l, sh_r = xy(frame, L.LEFT_SHOULDER), xy(frame, L.RIGHT_SHOULDER)
        v = midpoint(sh_l, sh_r) - midpoint(hl, hr)
        out["trunk_deg"] = float(np.degrees(np.arctan2(left_out * v[0], -v[1])))
        s = sh_l - sh_r
        out["shoulder_tilt_deg"] = float(np.degrees(np.arctan2(s[1], left_out * s[0])))
        return out

    def valid(self, frame: Frame, sig: dict[str, float]) -> bool:
        upright = sig.get("torso_tilt", 90.0) < UPRIGHT_MAX_DEG
        return bool(np.isfinite(sig.get(self.c.signal, np.nan)) and upright)

    def side(self, data: RepData) -> str | None:
        """The working leg: the one whose ankle rose more (image y falls) from the rep's start."""
        rise = self._rises(data)
        if not all(np.isfinite(r) for r in rise.values()):
            return None
        return "left" if rise["l"] > rise["r"] else "right"

    def _top(self, data: RepData) -> np.ndarray:
        """Frames at the top of the rep: within HOLD_BAND_DEG of its widest leg angle."""
        a = data.sig["leg_angle_deg"]
        top = stat(a, "max", 90)
        return np.isfinite(a) & (a >= top - HOLD_BAND_DEG)

    def _rises(self, data: RepData) -> dict[str, float]:
        top = self._top(data)
        leg = stat(np.concatenate([data.sig["leg_l_len"], data.sig["leg_r_len"]]), "median")
        return {
            k: (data.before(f"ankle_{k}_y") - stat(data.sig[f"ankle_{k}_y"][top], "median")) / leg
            for k in ("l", "r")
        }

    def metrics(self, data: RepData) -> dict[str, float]:
        s = data.sig
        top = self._top(data)
        side = self.side(data)
        k = "l" if side == "left" else "r"
        # Toward the standing side: the person's right when the left leg works.
        toward = -1.0 if side == "left" else 1.0
        trunk = toward * (stat(s["trunk_deg"][top], "median") - data.before("trunk_deg"))
        # The shoulder line tilts down toward the standing side as the trunk leans that way.
        tilt_top = stat(s["shoulder_tilt_deg"][top], "median")
        tilt = toward * (tilt_top - data.before("shoulder_tilt_deg"))
        # A bent knee: bending in the picture's plane closes the picture's knee angle; bending
        # toward or away from the camera shortens the shin against the thigh (cos of the bend).
        bend = knee_bend(
            data.before(f"knee_{k}_deg"), stat(s[f"knee_{k}_deg"][top], "median"),
            data.before(f"shin_{k}"), stat(s[f"shin_{k}"][top], "median"),
        )  # fmt: skip
        return {
            "leg_angle_max_deg": stat(s["leg_angle_deg"], "max", 90),
            # Both lines must show it: the trunk line alone also tilts when the hips shift
            # sideways under level shoulders, the shoulder line alone when an arm reaches out.
            "trunk_lean_deg": float(min(trunk, tilt)) if np.isfinite([trunk, tilt]).all() else np.nan,
            "trunk_line_deg": trunk,
            "shoulder_drop_deg": tilt,
            "knee_bend_deg": bend,
            "raise_s": float(data.t[data.reach_i] - data.t[0]),
        }

    def reject(self, data: RepData) -> str | None:
        rise = self._rises(data)
        if all(np.isfinite(r) for r in rise.values()) and max(rise.values()) < FOOT_RISE_MIN:
            return "Both feet stayed on the floor: that was not a leg lifted to the side."
        side = self.side(data)
        if side is not None:
            stand = "r" if side == "left" else "l"
            x, leg = data.sig[f"ankle_{stand}_x"], data.sig[f"leg_{stand}_len"]
            seen = np.isfinite(x).sum() >= 2 and np.isfinite(leg).any()
            if seen and (np.nanmax(x) - np.nanmin(x)) / np.nanmedian(leg) > WALK_LIMIT:
                return "The standing foot moved: that looked like a step, not a leg lift."
        return None
