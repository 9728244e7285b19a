"""Side-lying leg raise: top leg up to hip height and a little above, straight, hips stacked.

Filmed from the front while lying on one side. The top leg is the one whose hip is higher in
the picture. Its rise is the picture's angle of its hip-to-ankle line above level: below zero
resting on the bottom leg or the floor, zero at hip height. From the front the leg lies across
the picture, so level stays level whatever the camera's pitch, and a camera looking down
shortens a rise only by the cosine of its pitch. A bent knee shows as the
picture's knee angle closing or the shin shortening against the thigh, a roll of the pelvis as
the hip axis turning out of the picture's plane (world landmarks, as for the clamshell).
"""

from __future__ import annotations

import numpy as np

from formcheck.checkers.base import HOLD_BAND_DEG, Checker, RepData
from formcheck.checkers.common import SIDES, hip_axis_tilt, knee_bend, lying_down, stat, w3, xy
from formcheck.definitions import Check
from formcheck.geometry import angle, distance
from formcheck.landmarks import Frame
from formcheck.view import ViewEstimate


def _rise(hip: np.ndarray, ankle: np.ndarray) -> float:
    """Angle (deg) of the hip-to-ankle line above level in the picture (image y grows down)."""
    v = ankle - hip
    if not np.isfinite(v).all() or not np.hypot(*v) > 0:
        return float("nan")
    return float(np.degrees(np.arctan2(-v[1], abs(v[0]))))


# The picture shows the leg's rise and a bend of its knee truly only when the leg lies across
# it. Out of the picture's plane (world landmarks) the top thigh read 0-4 deg on a real clip
# filmed from the front (the whole leg 1-6); a camera turned 37 deg toward the feet reads 37. From 15 deg, a
# knee bent 45 deg straight back no longer shortens the shin in the picture (cos 30 / cos 15).
LEG_ACROSS_MAX_DEG = 15.0
PICTURE_METRICS = ("leg_lift_top_deg", "knee_bend_deg")


def _out_of_picture(a: np.ndarray, b: np.ndarray) -> float:
    """Angle (deg) of the line from ``a`` to ``b`` out of the picture's plane (world landmarks)."""
    v = b - a
    n = float(np.linalg.norm(v))
    return float(np.degrees(np.arcsin(min(1.0, abs(v[2]) / n)))) if n > 0 else float("nan")


class SideLegRaiseChecker(Checker):
    name = "side_leg_raise"

    def signals(self, frame: Frame, view: ViewEstimate) -> dict[str, float]:
        out: dict[str, float] = {"hip_tilt_deg": hip_axis_tilt(frame)}
        for k, sd in (("l", SIDES["left"]), ("r", SIDES["right"])):
            hip, knee, ankle = xy(frame, sd["hip"]), xy(frame, sd["knee"]), xy(frame, sd["ankle"])
            thigh, shin = float(distance(hip, knee)), float(distance(knee, ankle))
            out[f"lift_{k}_deg"] = _rise(hip, ankle)
            out[f"knee_{k}_deg"] = float(angle(hip, knee, ankle))
            out[f"shin_{k}"] = shin / thigh if thigh > 0 else np.nan
            out[f"hip_{k}_y"] = float(hip[1])
        # The top leg: the one whose hip is higher in the picture.
        hl, hr = out["hip_l_y"], out["hip_r_y"]
        top = "l" if hl < hr else "r" if hr < hl else None
        out["leg_lift_deg"] = out[f"lift_{top}_deg"] if top else float("nan")
        sd = SIDES["left" if top == "l" else "right"]
        # The thigh, not the whole leg: a bent knee takes the shin out of the plane by itself.
        out["leg_depth_deg"] = _out_of_picture(w3(frame, sd["hip"]), w3(frame, sd["knee"])) if top else np.nan
        return out

    def valid(self, frame: Frame, sig: dict[str, float]) -> bool:
        return bool(np.isfinite(sig.get(self.c.signal, np.nan)) and lying_down(frame))

    def side(self, data: RepData) -> str | None:
        ly, ry = stat(data.sig["hip_l_y"], "median"), stat(data.sig["hip_r_y"], "median")
        if not (np.isfinite(ly) and np.isfinite(ry)):
            return None
        return "left" if ly < ry else "right"  # the top hip is higher in the picture

    def metrics(self, data: RepData) -> dict[str, float]:
        s = data.sig
        lift = s["leg_lift_deg"]
        peak = stat(lift, "max", 90)
        top = np.isfinite(lift) & (lift >= peak - HOLD_BAND_DEG)
        k = "l" if self.side(data) == "left" else "r"
        bend = knee_bend(
            data.before(f"knee_{k}_deg"), stat(s[f"knee_{k}_deg"][top], "median"),
            data.before(f"shin_{k}"), stat(s[f"shin_{k}"][top], "median"),
        )  # fmt: skip
        roll = stat(s["hip_tilt_deg"][top], "median") - data.before("hip_tilt_deg")
        return {
            "leg_lift_top_deg": peak,
            "knee_bend_deg": bend,
            "pelvis_roll_deg": abs(roll),
            "raise_s": float(data.t[data.reach_i] - data.t[0]),
            "leg_depth_deg": stat(s["leg_depth_deg"][top], "median"),
        }

    def distrust(self, check: Check, data: RepData, metrics: dict[str, float] | None = None) -> str | None:
        doubt = super().distrust(check, data, metrics)
        if doubt or check.metric not in PICTURE_METRICS or metrics is None:
            return doubt
        if metrics.get("leg_depth_deg", 0.0) > LEG_ACROSS_MAX_DEG:
            return f"Film from straight in front, square to your body, to check {check.label}."
        return None
