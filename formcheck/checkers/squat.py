"""Squat: depth, knees over toes, back angle, knee tracking, stance, heels, full stand, tempo.

Counting uses the 3D knee angle from world landmarks, which reads the same in any view.
Side-view checks use the image-plane angles of the leg nearer the camera, which MediaPipe
places more precisely than depth.
"""

from __future__ import annotations

import numpy as np

from formcheck.checkers.base import Checker, RepData
from formcheck.checkers.common import SIDES, around, nanmean, stat, torso_tilt, w3, xy
from formcheck.geometry import angle, angle_from_vertical, angle_to_horizontal, distance, midpoint
from formcheck.landmarks import Frame
from formcheck.landmarks import PoseLandmark as L
from formcheck.view import ViewEstimate

WALK_LIMIT = 0.5  # feet moving sideways more than this many leg lengths: not a squat
UPRIGHT_MAX_DEG = 70.0  # torso tilt beyond this is bending over or lying, not squatting


def _along_foot(v: np.ndarray, heel: np.ndarray, toe: np.ndarray) -> float:
    """Component of image vector ``v`` along the heel-to-toe direction (the floor line).

    Measuring along the foot instead of the image x axis keeps the knee-over-toes test true
    when the camera is tilted.
    """
    f = toe - heel
    n = float(np.hypot(*f))
    return float(np.dot(v, f) / n) if n > 0 else float("nan")


def _foot_pitch(heel: np.ndarray, toe: np.ndarray) -> float:
    """Angle of the heel-to-toe line in the image, degrees, positive when the heel is higher."""
    f = toe - heel
    if not np.isfinite(f).all() or not np.hypot(*f) > 0:
        return float("nan")
    return float(np.degrees(np.arctan2(f[1], abs(f[0]))))


class SquatChecker(Checker):
    name = "squat"

    def signals(self, frame: Frame, view: ViewEstimate) -> dict[str, float]:
        knees3d = [
            float(angle(w3(frame, s["hip"]), w3(frame, s["knee"]), w3(frame, s["ankle"])))
            for s in SIDES.values()
        ]
        knee3d = nanmean(*knees3d)
        near = SIDES[view.near_side]
        hip, knee, ankle = xy(frame, near["hip"]), xy(frame, near["knee"]), xy(frame, near["ankle"])
        heel, toe, sh = xy(frame, near["heel"]), xy(frame, near["toe"]), xy(frame, near["shoulder"])
        knee2d = float(angle(hip, knee, ankle))
        shin = float(distance(knee, ankle))
        thigh = float(distance(hip, knee))
        sh_mid = midpoint(xy(frame, L.LEFT_SHOULDER), xy(frame, L.RIGHT_SHOULDER))
        hip_mid = midpoint(xy(frame, L.LEFT_HIP), xy(frame, L.RIGHT_HIP))
        a_l, a_r = xy(frame, L.LEFT_ANKLE), xy(frame, L.RIGHT_ANKLE)
        k_l, k_r = xy(frame, L.LEFT_KNEE), xy(frame, L.RIGHT_KNEE)
        ankle_gap = float(distance(a_l, a_r))
        shoulders = float(distance(xy(frame, L.LEFT_SHOULDER), xy(frame, L.RIGHT_SHOULDER)))
        side = view.view == "side"
        if side:
            trunk = float(angle_from_vertical(hip, sh))
        else:  # world y points down
            wh = midpoint(w3(frame, L.LEFT_HIP), w3(frame, L.RIGHT_HIP))
            ws = midpoint(w3(frame, L.LEFT_SHOULDER), w3(frame, L.RIGHT_SHOULDER))
            v = ws - wh
            trunk = float(np.degrees(np.arccos(np.clip(-v[1] / np.linalg.norm(v), -1, 1))))
        return {
            "knee3d_deg": knee3d,
            "knee_deg": knee2d if side else knee3d,
            "knee2d_deg": knee2d,
            "hip2d_deg": float(angle(sh, hip, knee)),
            "thigh_deg": float(angle_to_horizontal(hip, knee)),
            "trunk_deg": trunk,
            "knee_ahead": _along_foot(knee - toe, heel, toe) / shin if shin > 0 else np.nan,
            "foot_pitch": _foot_pitch(heel, toe),
            "knee_gap": float(distance(k_l, k_r)) / ankle_gap if ankle_gap > 0 else np.nan,
            "stance": ankle_gap / shoulders if shoulders > 0 else np.nan,
            "ankle_x": float(midpoint(a_l, a_r)[0]),
            "leg_len": thigh + shin,
            "hip_y": float(hip_mid[1]),
            "trunk_len": float(distance(sh_mid, hip_mid)),
        }

    def valid(self, frame: Frame, sig: dict[str, float]) -> bool:
        return bool(np.isfinite(sig.get(self.c.signal, np.nan))) and torso_tilt(frame) < UPRIGHT_MAX_DEG

    def metrics(self, data: RepData) -> dict[str, float]:
        s, pre, post, pk = data.sig, data.pre, data.post, data.peak_i
        side = data.view.view == "side"
        knee = s["knee2d_deg"] if side else s["knee3d_deg"]
        # Frames in the bottom half of the rep (by 3D knee bend): where depth faults show.
        k3 = s["knee3d_deg"]
        bottom = (
            k3 <= np.nanmin(k3) + 0.5 * (np.nanmax(k3) - np.nanmin(k3)) if np.isfinite(k3).any() else k3 > 0
        )
        top_knee = np.concatenate([s["knee2d_deg"][-3:], post.get("knee2d_deg", np.array([]))])
        top_hip = np.concatenate([s["hip2d_deg"][-3:], post.get("hip2d_deg", np.array([]))])
        pitch_rest = pre.get("foot_pitch", np.array([]))
        heel_base = stat(pitch_rest if np.isfinite(pitch_rest).sum() >= 3 else s["foot_pitch"][:3], "median")
        stance_src = (
            pre["stance"]
            if pre.get("stance") is not None and np.isfinite(pre["stance"]).sum() >= 3
            else s["stance"][:5]
        )
        t0, tp, t1 = data.t[0], data.t[pk], data.t[-1]
        return {
            "knee_min_deg": stat(knee, "min", 2),
            "knee3d_min_deg": stat(k3, "min", 2),
            "thigh_min_deg": stat(around(s["thigh_deg"], pk, 3), "min") if side else np.nan,
            "knee_past_toes": stat(s["knee_ahead"][bottom], "max", 90) if side else np.nan,
            "trunk_lean_max_deg": stat(s["trunk_deg"][bottom], "max", 90),
            "knee_gap_ratio_min": stat(s["knee_gap"][bottom], "min", 10) if not side else np.nan,
            "stance_ratio": stat(stance_src, "median") if not side else np.nan,
            "heel_lift_deg": stat(s["foot_pitch"][bottom], "max", 90) - heel_base if side else np.nan,
            "lockout_deg": min(stat(top_knee, "max"), stat(top_hip, "max")) if side else np.nan,
            "descent_s": float(data.t[data.reach_i] - t0),
            "ascent_s": float(t1 - tp),
        }

    def reject(self, data: RepData) -> str | None:
        x, leg = data.sig["ankle_x"], data.sig["leg_len"]
        if np.isfinite(x).sum() >= 2 and np.isfinite(leg).any():
            travel = (np.nanmax(x) - np.nanmin(x)) / np.nanmedian(leg)
            if travel > WALK_LIMIT:
                return "Feet moved: that looked like a step, not a squat."
        return None
