"""Side-lying clamshell: knee opening, feet together, hips stacked, hold, working side.

Filmed facing the camera while lying on one side. The opening is the image angle between
the thighs; the working (top) leg is the one whose hip is higher in the image. Pelvis roll
is the turn of the hip axis (world landmarks) between rest and the top of the rep.
"""

from __future__ import annotations

import numpy as np

from formcheck.checkers.base import HOLD_BAND_DEG, Checker, RepData
from formcheck.checkers.common import LYING_MIN_DEG, nanmean, stat, torso_tilt, w3, xy
from formcheck.geometry import distance, vector_angle
from formcheck.landmarks import Frame
from formcheck.landmarks import PoseLandmark as L
from formcheck.view import ViewEstimate


class ClamshellChecker(Checker):
    name = "clamshell"

    def signals(self, frame: Frame, view: ViewEstimate) -> dict[str, float]:
        hl, hr = xy(frame, L.LEFT_HIP), xy(frame, L.RIGHT_HIP)
        kl, kr = xy(frame, L.LEFT_KNEE), xy(frame, L.RIGHT_KNEE)
        opening = float(vector_angle(kl - hl, kr - hr))
        # From an angle the image opening is not the opening (109 deg in the picture for 45 deg
        # on the studio's oblique clip): there the world landmarks' 3D angle is used (48 deg).
        # From the front the image angle is nearer the truth than MediaPipe's depth.
        opening3d = float(vector_angle(w3(frame, L.LEFT_KNEE) - w3(frame, L.LEFT_HIP),
                                       w3(frame, L.RIGHT_KNEE) - w3(frame, L.RIGHT_HIP)))
        # Feet gap in world metres over world thigh length: the thighs point toward the camera,
        # so their image length shrinks and an image ratio would overstate the gap.
        wl, wr = w3(frame, L.LEFT_HIP), w3(frame, L.RIGHT_HIP)
        thigh = nanmean(
            float(distance(wl, w3(frame, L.LEFT_KNEE))), float(distance(wr, w3(frame, L.RIGHT_KNEE)))
        )
        feet = float(distance(w3(frame, L.LEFT_ANKLE), w3(frame, L.RIGHT_ANKLE)))
        hv = w3(frame, L.RIGHT_HIP) - w3(frame, L.LEFT_HIP)
        n = float(np.linalg.norm(hv))
        hip_tilt = float(np.degrees(np.arcsin(np.clip(hv[2] / n, -1, 1)))) if n > 0 else np.nan
        return {
            "opening_deg": opening,
            "opening3d_deg": opening3d,
            "opening_true_deg": opening3d if view.view == "oblique" else opening,
            "feet_gap": feet / thigh if thigh > 0 else np.nan,
            "hip_tilt_deg": hip_tilt,  # hip axis out of the image plane, signed
            "left_hip_y": float(hl[1]),
            "right_hip_y": float(hr[1]),
        }

    def valid(self, frame: Frame, sig: dict[str, float]) -> bool:
        # Lying down: the torso is closer to horizontal than vertical in the image.
        return bool(np.isfinite(sig.get(self.c.signal, np.nan))) and torso_tilt(frame) > LYING_MIN_DEG

    def metrics(self, data: RepData) -> dict[str, float]:
        s = data.sig
        top = stat(s["opening_deg"], "max", 90)
        true_top = stat(s["opening3d_deg" if data.view.view == "oblique" else "opening_deg"], "max", 90)
        near_top = np.isfinite(s["opening_deg"]) & (s["opening_deg"] >= top - HOLD_BAND_DEG)
        tilt_rest = stat(data.pre.get("hip_tilt_deg", s["hip_tilt_deg"][:3]), "median")
        if not np.isfinite(tilt_rest):
            tilt_rest = stat(s["hip_tilt_deg"][:3], "median")
        tilt_top = stat(s["hip_tilt_deg"][near_top], "median")
        return {
            "opening_max_deg": true_top,
            "feet_gap_ratio": stat(s["feet_gap"][near_top], "median"),
            "pelvis_roll_deg": abs(tilt_top - tilt_rest),
        }

    def side(self, data: RepData) -> str | None:
        ly, ry = np.nanmedian(data.sig["left_hip_y"]), np.nanmedian(data.sig["right_hip_y"])
        if not (np.isfinite(ly) and np.isfinite(ry)):
            return None
        return "left" if ly < ry else "right"  # the top hip is higher in the image
