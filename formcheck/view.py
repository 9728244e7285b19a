"""Camera view (side, front, oblique) and which side of the body faces the camera.

The view comes from MediaPipe's world landmarks: the hip and shoulder axes (left to right)
point across the image when the person faces the camera and into the image when they stand
(or lie) side-on. ``yaw`` is the angle of those axes out of the image plane: 0 = front,
90 = side. It works standing or lying, whatever the body's orientation in the image.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from formcheck.landmarks import Frame
from formcheck.landmarks import PoseLandmark as L

VIEWS = ("side", "front", "oblique")

#: Once a view is read, the yaw must pass its boundary by this much (deg) to read another: a
#: median yaw drifting about a boundary flipped the view rep by rep within one shot (a real
#: front-on hip abduction, mirrored, read 22-28 deg: three reps front, three oblique, the
#: front-only checks made on half of them). The same band as the bridge's reading (20-30 deg).
VIEW_BAND_DEG = 5.0


@dataclass(frozen=True)
class ViewEstimate:
    """Attributes:
    view: "side", "front", "oblique", or "unknown" before enough frames were seen.
    yaw_deg: angle of the body's left-right axis out of the image plane (0 front, 90 side).
    near_side: "left" or "right": the body side nearer the camera (by world depth).
    """

    view: str
    yaw_deg: float
    near_side: str


def frame_yaw(frame: Frame) -> tuple[float, float]:
    """(yaw in degrees, left-minus-right depth in metres) for one frame; NaN when unknown."""
    w = frame.world
    yaws = []
    for a, b in ((L.LEFT_HIP, L.RIGHT_HIP), (L.LEFT_SHOULDER, L.RIGHT_SHOULDER)):
        v = w[b] - w[a]
        n = float(np.linalg.norm(v))
        if np.isfinite(n) and n > 1e-6:
            yaws.append(np.degrees(np.arcsin(min(1.0, abs(float(v[2])) / n))))
    dz = (
        float(
            np.nanmean(
                [
                    w[L.LEFT_HIP, 2] - w[L.RIGHT_HIP, 2],
                    w[L.LEFT_SHOULDER, 2] - w[L.RIGHT_SHOULDER, 2],
                ]
            )
        )
        if yaws
        else np.nan
    )
    return (float(np.mean(yaws)) if yaws else np.nan), dz


def classify_yaw(yaw_deg: float, front_below: float = 25.0, side_above: float = 50.0,
                 was: str = "unknown") -> str:
    """The view a yaw reads as; ``was``: the view read before, kept within VIEW_BAND_DEG of a
    boundary it would cross."""
    if not np.isfinite(yaw_deg):
        return "unknown"
    band = VIEW_BAND_DEG if was in VIEWS else 0.0
    front = front_below + (band if was == "front" else -band)
    side = side_above - (band if was == "side" else -band)
    if yaw_deg < front:
        return "front"
    if yaw_deg > side:
        return "side"
    return "oblique"


class ViewTracker:
    """Running view estimate over the last ``window_s`` seconds (median, so brief errors pass)."""

    def __init__(self, window_s: float = 3.0) -> None:
        self.window_s = window_s
        self._hist: deque[tuple[float, float, float]] = deque()
        self._view = "unknown"  # the view read last (see VIEW_BAND_DEG)
        self._yaw = float("nan")  # the median yaw it was read from

    def update(self, frame: Frame) -> ViewEstimate:
        yaw, dz = frame_yaw(frame)
        if np.isfinite(yaw):
            self._hist.append((frame.t_s, yaw, dz))
        while self._hist and self._hist[0][0] < frame.t_s - self.window_s:
            self._hist.popleft()
        if len(self._hist) >= 3:
            self._yaw = float(np.median([y for _, y, _ in self._hist]))
            self._view = classify_yaw(self._yaw, was=self._view)
        return self.estimate

    @property
    def estimate(self) -> ViewEstimate:
        if len(self._hist) < 3:
            return ViewEstimate("unknown", float("nan"), "left")
        dz = float(np.nanmedian([d for _, _, d in self._hist]))
        # MediaPipe world z grows away from the camera: the side with the smaller z is nearer.
        return ViewEstimate(self._view, self._yaw, "right" if dz > 0 else "left")
