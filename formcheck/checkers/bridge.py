"""Glute bridge: the shoulder-hip-knee line at the top, and the time held there.

The hip line is measured in the image from the side (180 = straight; below = hips low;
above = pushed past straight), on the body side nearer the camera.
"""

from __future__ import annotations

import numpy as np

from formcheck.checkers.base import Checker, RepData
from formcheck.checkers.common import (
    LYING_MIN_DEG,
    SIDES,
    around,
    knees_3d,
    nanmean,
    stat,
    torso_tilt,
    w3,
    xy,
)
from formcheck.definitions import Check, ExerciseDef
from formcheck.geometry import angle, signed_line_angle
from formcheck.landmarks import Frame
from formcheck.landmarks import PoseLandmark as L
from formcheck.view import ViewEstimate

# The hip line is read in 3D when the camera is nearer the feet than this (yaw, deg; the view
# estimate's "front" ends at 25), in the picture again past FRONT_LEAVE_DEG.
FRONT_ENTER_DEG = 20.0
FRONT_LEAVE_DEG = 30.0
RECLINED_MIN_DEG = 25.0  # torso this far from vertical, hips at knee height or lower: a hip thrust
# Stretching the legs out along the floor opens the shoulder-hip-knee line from about 120 to 180
# deg as a bridge does, but with the knees straight and the hips on the floor: not a bridge. A
# bridge keeps a foot on the floor and its knee bent: at the top the more bent knee read 52-104
# deg in 3D on every rep of the real clips (45 reps, 7 clips, videos and traces), a straight leg
# near 180. A movement whose more bent knee reads past LEGS_OUT_KNEE_DEG at its top is no rep.
LEGS_OUT_KNEE_DEG = 150.0


class BridgeChecker(Checker):
    name = "bridge"

    def __init__(self, definition: ExerciseDef) -> None:
        super().__init__(definition)
        self._front: bool | None = None  # the hip line is read in 3D (seen from the feet)
        self._near: str | None = None  # the leg whose hip line the picture is read on

    def signals(self, frame: Frame, view: ViewEstimate) -> dict[str, float]:
        lines = {
            n: float(signed_line_angle(xy(frame, s["shoulder"]), xy(frame, s["hip"]), xy(frame, s["knee"])))
            for n, s in SIDES.items()
        }
        hip3d = nanmean(
            *[
                float(angle(w3(frame, s["shoulder"]), w3(frame, s["hip"]), w3(frame, s["knee"])))
                for s in SIDES.values()
            ]
        )
        # From the front (at the feet) the hip line is read in 3D. Which reading is chosen
        # only before counting starts: a lifting body's yaw estimate drifts (17 to 38 deg in
        # one studio rep from chest height at 60 deg) and a switch while counting would break a
        # rep off. A cut or a pause in counting lets it choose again.
        # Near the boundary a band keeps the choice: read in 3D under FRONT_ENTER_DEG of yaw, in
        # the picture past FRONT_LEAVE_DEG (a synthetic camera at 25 deg flipped it 3 times in
        # 0.3 s, each flip starting the wait for the start position again).
        # The picture's line is read on the leg nearer the camera, chosen then too: lifting the
        # hips turns MediaPipe's depth estimate, and from 30 deg off the feet the nearer side it
        # gave flipped twice in one rep; the other leg's line read 25-30 deg apart, a jump
        # taken for a cut in the video.
        if self.phase == "setup" and np.isfinite(view.yaw_deg):
            if view.yaw_deg < FRONT_ENTER_DEG:
                self._front = True
            elif view.yaw_deg > FRONT_LEAVE_DEG or self._front is None:
                self._front = False
        if self.phase == "setup" or self._near is None:
            self._near = view.near_side
        near = lines[self._near]
        if not np.isfinite(near):
            near = nanmean(*lines.values())
        front = bool(self._front)
        # The more bent knee (3D).
        bent = min((k for k in knees_3d(frame) if np.isfinite(k)), default=float("nan"))
        return {
            "hip_line_deg": hip3d if front else near, "hip3d_deg": hip3d, "_basis": float(front),
            "knee3d_bent_deg": bent,
        }  # fmt: skip

    def measured_side(self, view: ViewEstimate) -> str:
        return self._near if self._near is not None else view.near_side

    @property
    def hold_readable(self) -> bool:
        # MediaPipe's 3D hip angle moves half as far as the picture's from the side (rest to
        # top 111-123 -> 145-163 against 132-158 -> 181-206 deg, studio): the band at the top
        # then takes in much of the way up and down (holds read 1.7 s long from above).
        return not self._front

    def distrust(self, check: Check, data: RepData, metrics: dict[str, float] | None = None) -> str | None:
        if check.metric == "hold_s" and not self.hold_readable:
            return f"Film from the side, not from your feet or above, to check {check.label}."
        return super().distrust(check, data, metrics)

    def valid(self, frame: Frame, sig: dict[str, float]) -> bool:
        # Lying down (the torso closer to horizontal than vertical in the image), or reclined
        # against a bench with the hips no higher than the knees (the bottom of a hip thrust).
        if not np.isfinite(sig.get(self.c.signal, np.nan)):
            return False
        tilt = torso_tilt(frame)
        if tilt > LYING_MIN_DEG:
            return True
        hip_y = nanmean(float(xy(frame, L.LEFT_HIP)[1]), float(xy(frame, L.RIGHT_HIP)[1]))
        knee_y = nanmean(float(xy(frame, L.LEFT_KNEE)[1]), float(xy(frame, L.RIGHT_KNEE)[1]))
        return bool(tilt > RECLINED_MIN_DEG and hip_y >= knee_y)

    def reject(self, data: RepData) -> str | None:
        top = around(data.sig["knee3d_bent_deg"], data.peak_i)
        if np.isfinite(top).any() and float(np.nanmedian(top)) > LEGS_OUT_KNEE_DEG:
            return "The legs stretched out along the floor: that was not a bridge."
        return None

    def metrics(self, data: RepData) -> dict[str, float]:
        s = data.sig["hip_line_deg"]
        top = stat(s, "max", 90)
        t = data.t
        return {
            "hip_line_top_deg": top,
            "hip3d_top_deg": stat(data.sig["hip3d_deg"], "max", 90),
            "rise_s": float(t[data.reach_i] - t[0]),
        }
