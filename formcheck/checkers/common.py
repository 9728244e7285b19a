"""Small helpers the exercise checkers share: landmark access and robust per-rep statistics."""

from __future__ import annotations

from collections import deque

import numpy as np

from formcheck.landmarks import Frame
from formcheck.landmarks import PoseLandmark as L

MIN_VIS = 0.5
LYING_MIN_DEG = 45.0  # torso tilt from vertical above which a person counts as lying down

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


def longest_run(mask: np.ndarray, t: np.ndarray, max_gap_s: float = 0.2) -> float:
    """Longest time (s) ``mask`` holds, bridging dips shorter than ``max_gap_s``.

    A single jittery frame must not cut a held position in two, and frames that were never
    looked at (a live loop dropping frames on a busy machine) are no dip: only frames seen
    outside the position break a hold.
    """
    if len(t) == 0:
        return 0.0
    best = 0.0
    start: float | None = None
    last_true: float | None = None
    dipped = False  # a frame outside the position was seen since last_true
    for m, tt in zip(mask, t, strict=True):
        if not m:
            dipped = True
            continue
        if start is None or last_true is None or (dipped and tt - last_true > max_gap_s):
            start = tt
        dipped = False
        last_true = tt
        best = max(best, tt - start)
    if best > 0 or mask.any():
        # Count the last frame's duration too (one frame interval).
        step = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
        best += step
    return float(best)


def rolling_median(a: np.ndarray, t: np.ndarray, window_s: float = 0.3) -> np.ndarray:
    """Centred running median over about ``window_s`` seconds (NaN-aware), same shape as ``a``."""
    if len(a) < 3:
        return a.copy()
    step = float(np.median(np.diff(t))) or 1.0 / 30
    half = max(1, round(window_s / step / 2))
    padded = np.pad(a.astype(np.float64), half, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmedian(windows, axis=1)


def hold_time(signal: np.ndarray, t: np.ndarray, top: float, band: float) -> float:
    """Seconds the (median-filtered) signal stays within ``band`` of its top plateau.

    The plateau level is the median of the frames near ``top`` (a high percentile), so
    jitter that lifts the percentile does not shrink the hold.
    """
    smooth = rolling_median(signal, t)
    ok = np.isfinite(smooth)
    near = ok & (smooth >= top - band)
    level = float(np.median(smooth[near])) if near.any() else top
    return longest_run(ok & (smooth >= level - band), t)


REF_WINDOW_S = 20.0  # standing references come from the last this many seconds
REF_PERCENTILE = 90.0


class StandingRef:
    """Size of a body part when extended (standing): a high percentile over a recent window.

    A percentile rather than the maximum, so a single jittery frame does not inflate it; a
    window, so it follows a person who steps closer or further away.
    """

    def __init__(self) -> None:
        self._t: deque[float] = deque()
        self._v: deque[float] = deque()
        self.value = float("nan")
        self._n = 0

    def update(self, x: float, t: float) -> float:
        if np.isfinite(x):
            self._t.append(t)
            self._v.append(x)
        while self._t and self._t[0] < t - REF_WINDOW_S:
            self._t.popleft()
            self._v.popleft()
        self._n += 1
        if self._v and (self._n % 5 == 0 or not np.isfinite(self.value)):
            self.value = float(np.percentile(np.fromiter(self._v, float), REF_PERCENTILE))
        return self.value


def tilt_from_length(length: float, full: float) -> float:
    """Angle (deg) from vertical of a segment whose height in the picture is ``length`` and
    whose height standing (upright) is ``full``."""
    if not (np.isfinite(length) and np.isfinite(full) and full > 0):
        return float("nan")
    return float(np.degrees(np.arccos(float(np.clip(length / full, -1.0, 1.0)))))
