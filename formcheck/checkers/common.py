"""Small helpers the exercise checkers share: landmark access and robust per-rep statistics."""

from __future__ import annotations

import numpy as np

from formcheck.landmarks import Frame
from formcheck.landmarks import PoseLandmark as L

MIN_VIS = 0.5

SIDES = {
    "left": {
        "shoulder": L.LEFT_SHOULDER,
        "hip": L.LEFT_HIP,
        "knee": L.LEFT_KNEE,
        "ankle": L.LEFT_ANKLE,
        "heel": L.LEFT_HEEL,
        "toe": L.LEFT_FOOT_INDEX,
    },
    "right": {
        "shoulder": L.RIGHT_SHOULDER,
        "hip": L.RIGHT_HIP,
        "knee": L.RIGHT_KNEE,
        "ankle": L.RIGHT_ANKLE,
        "heel": L.RIGHT_HEEL,
        "toe": L.RIGHT_FOOT_INDEX,
    },
}


def xy(frame: Frame, idx: int) -> np.ndarray:
    """Image point (2,) in frame heights; NaN when missing or barely visible."""
    if not frame.visibility[idx] >= MIN_VIS:
        return np.full(2, np.nan)
    return frame.xy[idx].astype(np.float64)


def w3(frame: Frame, idx: int) -> np.ndarray:
    """World point (3,) in metres; NaN when missing or barely visible."""
    if not frame.visibility[idx] >= MIN_VIS:
        return np.full(3, np.nan)
    return frame.world[idx].astype(np.float64)


def visible(frame: Frame, *idx: int) -> bool:
    return bool(all(frame.visibility[i] >= MIN_VIS for i in idx))


def nanmean(*vals: float) -> float:
    arr = np.array(vals, np.float64)
    return float(np.nanmean(arr)) if np.isfinite(arr).any() else float("nan")


def stat(a: np.ndarray, fn: str, q: float | None = None) -> float:
    """NaN-safe min/max/median of a rep's samples; NaN when nothing was measured."""
    a = a[np.isfinite(a)]
    if a.size == 0:
        return float("nan")
    if fn == "min":
        return float(np.percentile(a, q if q is not None else 0))
    if fn == "max":
        return float(np.percentile(a, q if q is not None else 100))
    return float(np.median(a))


def around(a: np.ndarray, i: int, half: int = 2) -> np.ndarray:
    """Samples within ``half`` frames of index ``i`` (a short window at the peak)."""
    return a[max(0, i - half) : i + half + 1]


def torso_tilt(frame: Frame) -> float:
    """Angle of the hip-to-shoulder line from vertical in the image (0 upright, 90 lying)."""
    from formcheck.geometry import angle_from_vertical, midpoint

    hip = midpoint(xy(frame, L.LEFT_HIP), xy(frame, L.RIGHT_HIP))
    sh = midpoint(xy(frame, L.LEFT_SHOULDER), xy(frame, L.RIGHT_SHOULDER))
    if not np.isfinite(hip).all():
        hip = np.nanmean([xy(frame, L.LEFT_HIP), xy(frame, L.RIGHT_HIP)], axis=0)
    if not np.isfinite(sh).all():
        sh = np.nanmean([xy(frame, L.LEFT_SHOULDER), xy(frame, L.RIGHT_SHOULDER)], axis=0)
    return float(angle_from_vertical(hip, sh))
