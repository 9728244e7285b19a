"""Small helpers the exercise checkers share: landmark access and robust per-rep statistics."""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from formcheck.geometry import angle, distance, midpoint, segment_distance
from formcheck.landmarks import Frame
from formcheck.landmarks import PoseLandmark as L

MIN_VIS = 0.5
LYING_MIN_DEG = 45.0  # torso tilt from vertical above which a person counts as lying down
LEGS_LYING_MIN_DEG = 50.0  # hips-to-ankles line this far from vertical: legs along the floor

SIDES = {
    "left": {
        "shoulder": L.LEFT_SHOULDER,
        "wrist": L.LEFT_WRIST,
        "hip": L.LEFT_HIP,
        "knee": L.LEFT_KNEE,
        "ankle": L.LEFT_ANKLE,
        "heel": L.LEFT_HEEL,
        "toe": L.LEFT_FOOT_INDEX,
    },
    "right": {
        "shoulder": L.RIGHT_SHOULDER,
        "wrist": L.RIGHT_WRIST,
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


def knees_3d(frame: Frame) -> list[float]:
    """Each knee's 3D angle (hip-knee-ankle, 180 = straight), in SIDES order; NaN where unseen."""
    return [
        float(angle(w3(frame, s["hip"]), w3(frame, s["knee"]), w3(frame, s["ankle"]))) for s in SIDES.values()
    ]


def feet_spread_3d(frame: Frame) -> tuple[float, float]:
    """The feet's spread in MediaPipe's world landmarks, in shoulder widths: across the body (the
    ankles' gap along the hips' line) and along it (the rest of the gap); NaN where unseen."""
    gap = w3(frame, L.RIGHT_ANKLE) - w3(frame, L.LEFT_ANKLE)
    hips = w3(frame, L.RIGHT_HIP) - w3(frame, L.LEFT_HIP)
    sh3 = float(distance(w3(frame, L.LEFT_SHOULDER), w3(frame, L.RIGHT_SHOULDER)))
    n = float(np.linalg.norm(hips))
    across = float(np.dot(gap, hips / n)) if n > 0 else np.nan
    along = float(np.linalg.norm(gap - across * hips / n)) if n > 0 else np.nan
    return (abs(across) / sh3, along / sh3) if sh3 > 0 else (np.nan, np.nan)


def nanmean(*vals: float) -> float:
    """Mean of the values that are not NaN; NaN when none is finite."""
    vs = [float(v) for v in vals]
    if not any(math.isfinite(v) for v in vs):
        return float("nan")
    kept = [v for v in vs if v == v]
    return sum(kept) / len(kept)


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


def lying_down(frame: Frame) -> bool:
    """Lying on the floor: the torso closer to horizontal than vertical in the picture, or,
    propped up on a forearm, the legs lying along the floor (hips to ankles well away from
    vertical, as they never are standing, sitting or kneeling)."""
    from formcheck.geometry import angle_from_vertical, midpoint

    if torso_tilt(frame) > LYING_MIN_DEG:
        return True
    hip = midpoint(xy(frame, L.LEFT_HIP), xy(frame, L.RIGHT_HIP))
    ankle = midpoint(xy(frame, L.LEFT_ANKLE), xy(frame, L.RIGHT_ANKLE))
    return bool(angle_from_vertical(ankle, hip) > LEGS_LYING_MIN_DEG)


def hip_axis_tilt(frame: Frame) -> float:
    """Angle (deg, signed) of the hip axis (left hip to right hip, world landmarks) out of the
    picture's plane. Lying on the side facing the camera the axis is upright in the picture;
    rolling the pelvis back turns it toward or away from the camera."""
    hv = w3(frame, L.RIGHT_HIP) - w3(frame, L.LEFT_HIP)
    n = float(np.linalg.norm(hv))
    return float(np.degrees(np.arcsin(np.clip(hv[2] / n, -1, 1)))) if n > 0 else float("nan")


# A leg hides a joint behind it when, in the picture, the joint lies within this far of the leg's
# axis (hip to knee, knee to ankle), in metres at the hips' distance from the camera: a thigh's
# radius (mid-thigh circumference 45-60 cm in adults: 7-9.5 cm, and the bent knee's bulk about
# as wide) and the joint's own rounded outline (a shoulder's surface lies about 5 cm out from its
# joint centre), so past it the joint's outline stands clear of the leg. The legs being nearer
# the camera than the hips, they look larger than this scale makes them: the rule errs toward
# "seen". MediaPipe moves a hidden joint to the leg's edge rather than leaving it behind the leg:
# in the studio, from the feet at hip height, a shoulder under the lowered thigh (its true centre
# 1 cm from the thigh's axis) was placed 8 cm from it, with visibility 1.0.
LEG_COVER_M = 0.13


def behind_legs(frame: Frame, joints: tuple[int, ...]) -> float:
    """1.0 when a leg nearer the camera covers any of ``joints`` in the picture (see
    LEG_COVER_M), 0.0 when none is covered, NaN when it cannot be told for any (the joints or the
    hips not seen). The picture's metres are the hips': their width in the picture over their
    width in the world landmarks, which holds while the hip line lies across the picture (e.g.
    lying on the back, filmed from the feet). A leg counts as nearer when its two ends are, on
    average, in MediaPipe's depth; MediaPipe's visibility is no help here: it reads a joint
    behind the knees as clearly seen."""
    hips_m = float(np.linalg.norm(w3(frame, L.LEFT_HIP) - w3(frame, L.RIGHT_HIP)))
    hips_pic = float(np.linalg.norm(xy(frame, L.LEFT_HIP) - xy(frame, L.RIGHT_HIP)))
    if not (hips_m > 0 and hips_pic > 0):
        return float("nan")
    reach = LEG_COVER_M * hips_pic / hips_m  # frame heights
    segments = [
        (a, b) for sd in SIDES.values() for a, b in ((sd["hip"], sd["knee"]), (sd["knee"], sd["ankle"]))
    ]
    told = False
    for idx in joints:
        p, z = xy(frame, idx), w3(frame, idx)[2]
        if not (np.isfinite(p).all() and np.isfinite(z)):
            continue
        told = True
        for a, b in segments:
            near = (w3(frame, a)[2] + w3(frame, b)[2]) / 2 < z
            if near and segment_distance(p, xy(frame, a), xy(frame, b)) < reach:
                return 1.0
    return 0.0 if told else float("nan")


def knee_bend(knee_rest: float, knee_top: float, shin_rest: float, shin_top: float) -> float:
    """How far (deg) a knee bent from rest: the picture's knee angle closing (a bend in the
    picture's plane), or the shin shortening against the thigh, ``shin_*`` being shin over
    thigh length in the picture (a bend toward or away from the camera: cos of the bend)."""
    in_plane = knee_rest - knee_top
    ratio = shin_top / shin_rest
    out_plane = float(np.degrees(np.arccos(np.clip(ratio, -1.0, 1.0)))) if np.isfinite(ratio) else np.nan
    bend = np.array([in_plane, out_plane])
    return float(np.nanmax(bend)) if np.isfinite(bend).any() else float("nan")


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


# -- on hands and knees -----------------------------------------------------------------------
# On all fours the hips and shoulders are at about the same height and the knees hang a thigh's
# length below the hips; standing or kneeling upright, the shoulders are a torso's length above
# the hips (more than the thigh's drop); lying, the knees are level with the hips or above them.
# Shoulders-over-hips height against the lower knee's drop below the hips, per frame of the real
# traces (5th-95th percentile): 0.18-0.39 on hands and knees, 0.73 and up standing (squats, leg
# lifts). The limit sits between.
ALL_FOURS_MAX_RISE = 0.6
# Lying on the side the hips are stacked, a hip width apart up and down the picture: 0.44-1.08 of
# the lower knee's drop (clamshells); on all fours the hip axis is level and they differ in height
# only by perspective and the pelvis tipping with a lifted leg: 0.02-0.30.
HIPS_LEVEL_MAX = 0.5


def _unit2(v: np.ndarray) -> np.ndarray:
    n = float(np.hypot(*v))
    return v / n if np.isfinite(n) and n > 0 else np.full(2, np.nan)


def _down2(axis: np.ndarray) -> np.ndarray:
    """Unit image vector perpendicular to ``axis`` (2,), pointing down the picture."""
    d = _unit2(np.array([-axis[1], axis[0]]))
    return -d if d[1] < 0 else d


def either_point(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Midpoint of two image points, or the one seen; NaN when neither is."""
    fa, fb = np.isfinite(a).all(), np.isfinite(b).all()
    return (a + b) / 2 if fa and fb else a if fa else b


def _deg(along: float, down: float) -> float:
    if not (np.isfinite(along) and np.isfinite(down)) or (along == 0 and down == 0):
        return float("nan")
    return float(np.degrees(np.arctan2(along, down)))


def all_fours(frame: Frame) -> bool:
    """True when the pose is on hands and knees, from the picture: the lower knee hangs below
    the hips while the shoulders stay near the hips' height (not upright, not lying down) and
    the hips are level (not stacked, as lying on the side)."""
    hip = either_point(xy(frame, L.LEFT_HIP), xy(frame, L.RIGHT_HIP))
    sh = either_point(xy(frame, L.LEFT_SHOULDER), xy(frame, L.RIGHT_SHOULDER))
    knees = np.array([xy(frame, L.LEFT_KNEE)[1], xy(frame, L.RIGHT_KNEE)[1]])
    if not (np.isfinite(hip).all() and np.isfinite(sh).all() and np.isfinite(knees).any()):
        return False
    drop = float(np.nanmax(knees) - hip[1])  # image y grows downwards
    if not (drop > 0 and abs(float(sh[1] - hip[1])) < ALL_FOURS_MAX_RISE * drop):
        return False
    stacked = abs(float(xy(frame, L.LEFT_HIP)[1] - xy(frame, L.RIGHT_HIP)[1]))
    return not stacked >= HIPS_LEVEL_MAX * drop  # one hip unseen: not judged on it


def thigh_readings(frame: Frame) -> dict[str, float]:
    """Where each thigh (hip to knee) points on hands and knees, in degrees from hanging
    straight down: ``back_<l|r>_2d`` toward the feet along the body (a kick; 90 is in line with
    the back), read in the picture from the perpendicular to the shoulders-to-hips line (so a
    rolled camera drops out); ``out_<l|r>_2d`` out to the side (a lift to the side), read in the
    picture from its vertical; ``back_<l|r>_3d`` and ``out_<l|r>_3d`` the same in MediaPipe's
    world landmarks, against the camera's down made square to the hips-to-shoulders line (not
    against the hip axis, which tilts with the lifted leg). NaN where a point is missing."""
    out: dict[str, float] = {}
    hl, hr = xy(frame, L.LEFT_HIP), xy(frame, L.RIGHT_HIP)
    sl, sr = xy(frame, L.LEFT_SHOULDER), xy(frame, L.RIGHT_SHOULDER)
    fwd2 = _unit2(midpoint(sl, sr) - midpoint(hl, hr))
    down_f = _down2(fwd2)
    left_x = float(np.sign(hl[0] - hr[0])) if np.isfinite(hl[0] - hr[0]) and hl[0] != hr[0] else np.nan
    wl, wr = w3(frame, L.LEFT_HIP), w3(frame, L.RIGHT_HIP)
    fwd = midpoint(w3(frame, L.LEFT_SHOULDER), w3(frame, L.RIGHT_SHOULDER)) - midpoint(wl, wr)
    n = float(np.linalg.norm(fwd))
    fwd = fwd / n if n > 0 else np.full(3, np.nan)
    down = np.array([0.0, 1.0, 0.0]) - fwd[1] * fwd  # the camera's down, square to the body line
    m = float(np.linalg.norm(down))
    down = down / m if m > 0 else np.full(3, np.nan)
    lat = np.cross(down, fwd)
    lat = lat * float(np.sign(np.dot(lat, wl - wr)))  # toward the left hip
    for k, sgn, hip_i, knee_i in (
        ("l", 1.0, L.LEFT_HIP, L.LEFT_KNEE),
        ("r", -1.0, L.RIGHT_HIP, L.RIGHT_KNEE),
    ):
        t2 = xy(frame, knee_i) - xy(frame, hip_i)
        out[f"back_{k}_2d"] = _deg(-float(np.dot(t2, fwd2)), float(np.dot(t2, down_f)))
        # Out of the body's fore-and-aft plane (asin of the share of the thigh that points out),
        # so a thigh kicked back and up, with next to nothing to the side, reads near 0.
        out[f"out_{k}_2d"] = _deg(sgn * left_x * float(t2[0]), abs(float(t2[1])))
        t3 = w3(frame, knee_i) - w3(frame, hip_i)
        out[f"back_{k}_3d"] = _deg(-float(np.dot(t3, fwd)), float(np.dot(t3, down)))
        out[f"out_{k}_3d"] = _deg(
            sgn * float(np.dot(t3, lat)), float(np.hypot(np.dot(t3, down), np.dot(t3, fwd)))
        )
    return out
