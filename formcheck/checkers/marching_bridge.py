"""Marching bridge: hips held up in a bridge while the feet lift in turn, like steps.

Filmed from the side. A step is one foot rising from the floor and coming back down. Each
ankle's height in the picture is taken against its own resting level (both feet down, hips
up), learnt between steps, in thigh lengths: the far foot sits a little higher in the picture
than the near one from a camera above the floor, and that offset must not read as a lift. The
counting signal is the higher of the two rises; the step's side is the foot that rose. The
hips sinking during a step shows as the shoulder-to-hip line's rise in the picture falling.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from formcheck.checkers.base import Checker, RepData
from formcheck.checkers.common import SIDES, lying_down, nanmean, stat, w3, xy
from formcheck.geometry import distance, midpoint
from formcheck.landmarks import Frame
from formcheck.landmarks import PoseLandmark as L
from formcheck.view import ViewEstimate

# Hips up: the shoulder-to-hip line rising at least this far above level in the picture (the hips
# 7 cm off the floor over a 0.5 m trunk). Lying with the hips down it reads 0-5 deg (shoulders
# and buttocks on the floor); a bridge's top about 25 (shoulders to knees straight, knees 0.45 m
# up). Low enough that hips sinking during a step, the fault to flag, are still in the exercise.
HIPS_UP_MIN_DEG = 8.0
REST_FRAMES = 90  # each ankle's resting level: the median of its last frames with both feet down
# Side-on, the far foot is partly hidden behind the near leg: rendered studio steps read its
# ankle at MediaPipe visibility 0.43-0.46 at the top of a step (0.71-0.73 resting), under the
# 0.5 floor (formcheck/pipeline.py), though the point sits where the foot is. A faint ankle
# (Frame.faint) seen at least FAR_MIN_VIS is still used when the leg keeps its shape: its
# distance from its clearly seen hip in the picture stays within LEG_BAND of its resting length.
# A foot lifted 10 cm shortened that line to 0.79-0.93 of resting in the renders (the hip flexes,
# the knee bends a little more); a point the model misplaces off the leg does not keep it.
FAR_MIN_VIS = 0.35
LEG_BAND = (0.7, 1.1)


def _rise_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Angle (deg) by which the line from ``a`` to ``b`` rises above level in the picture."""
    v = b - a
    if not np.isfinite(v).all() or not np.hypot(*v) > 0:
        return float("nan")
    return float(np.degrees(np.arctan2(-v[1], abs(v[0]))))


class MarchingBridgeChecker(Checker):
    name = "marching_bridge"

    def __init__(self, definition) -> None:  # type: ignore[no-untyped-def]
        super().__init__(definition)
        self.on_cut()

    def on_cut(self) -> None:
        self._feet: dict[str, deque[float]] = {k: deque(maxlen=REST_FRAMES) for k in ("l", "r")}
        self._legs: dict[str, deque[float]] = {k: deque(maxlen=REST_FRAMES) for k in ("l", "r")}

    def _ankle(self, frame: Frame, k: str, resting: bool) -> np.ndarray:
        """Leg ``k``'s ankle in the picture: clearly seen, or moderately seen on a leg that keeps
        its resting length from the hip (see FAR_MIN_VIS); NaN otherwise."""
        sd = SIDES["left" if k == "l" else "right"]
        hip, ankle = xy(frame, sd["hip"]), xy(frame, sd["ankle"])
        leg = float(distance(hip, ankle))
        if np.isfinite(leg):
            if resting:
                self._legs[k].append(leg)
            return ankle
        if frame.faint is None or not frame.visibility[sd["ankle"]] >= FAR_MIN_VIS or not self._legs[k]:
            return ankle
        guess = frame.faint[sd["ankle"]].astype(np.float64)
        ratio = float(distance(hip, guess)) / float(np.median(self._legs[k]))
        return guess if LEG_BAND[0] <= ratio <= LEG_BAND[1] else ankle

    def signals(self, frame: Frame, view: ViewEstimate) -> dict[str, float]:
        hip = midpoint(xy(frame, L.LEFT_HIP), xy(frame, L.RIGHT_HIP))
        sh = midpoint(xy(frame, L.LEFT_SHOULDER), xy(frame, L.RIGHT_SHOULDER))
        thigh = nanmean(*[float(distance(xy(frame, s["hip"]), xy(frame, s["knee"]))) for s in SIDES.values()])
        # Hips up, from the world landmarks (the picture shrinks the rise from an angle: a 24 deg
        # bridge read 8-12 in the picture from 45 deg); world y points down.
        v = midpoint(w3(frame, L.LEFT_HIP), w3(frame, L.RIGHT_HIP)) - midpoint(
            w3(frame, L.LEFT_SHOULDER), w3(frame, L.RIGHT_SHOULDER)
        )
        ok = np.isfinite(v).all()
        rise3d = float(np.degrees(np.arctan2(-v[1], np.hypot(v[0], v[2])))) if ok else np.nan
        out: dict[str, float] = {"trunk_rise_deg": _rise_deg(sh, hip), "trunk_rise3d_deg": rise3d}
        resting = self.phase in ("setup", "rest")
        for k in ("l", "r"):
            y = float(self._ankle(frame, k, resting)[1])
            out[f"ankle_{k}_y"] = y
            if resting and np.isfinite(y):
                self._feet[k].append(y)
            base = float(np.median(self._feet[k])) if self._feet[k] else y
            out[f"lift_{k}_pct"] = 100.0 * (base - y) / thigh if thigh > 0 else np.nan
        lifts = [out["lift_l_pct"], out["lift_r_pct"]]
        out["foot_lift_pct"] = float(np.nanmax(lifts)) if np.isfinite(lifts).any() else np.nan
        return out

    def valid(self, frame: Frame, sig: dict[str, float]) -> bool:
        rise = sig.get("trunk_rise3d_deg", np.nan)
        up = (rise if np.isfinite(rise) else sig.get("trunk_rise_deg", np.nan)) >= HIPS_UP_MIN_DEG
        return bool(np.isfinite(sig.get(self.c.signal, np.nan)) and up and lying_down(frame))

    def side(self, data: RepData) -> str | None:
        lifts = {k: stat(data.sig[f"lift_{k}_pct"], "max", 90) for k in ("l", "r")}
        if not all(np.isfinite(v) for v in lifts.values()):
            return None
        return "left" if lifts["l"] > lifts["r"] else "right"

    def metrics(self, data: RepData) -> dict[str, float]:
        s = data.sig
        before = data.before("trunk_rise_deg")
        return {
            "foot_lift_top_pct": stat(s["foot_lift_pct"], "max", 90),
            "hips_drop_deg": before - stat(s["trunk_rise_deg"], "min", 10),
            "lift_s": float(data.t[data.reach_i] - data.t[0]),
        }
