"""Pure, vectorised joint geometry. Every function takes arrays of points with shape (..., D)
and returns NaN (never raises) where any input point is missing.

Image points are in frame heights with y pointing down (see ``landmarks``); angles are degrees.
"""

from __future__ import annotations

import math

import numpy as np

_EPS = 1e-9


def _points(*ps: object) -> list[list[float]] | None:
    """The points as lists of floats when each is one point (a 1-D array), else None: one point
    at a time (a checker's per-frame signals) is measured in plain floats, numpy's per-call cost
    being most of the time for arrays of two or three numbers. Same formulas, same order."""
    out = []
    for p in ps:
        if type(p) is not np.ndarray or p.ndim != 1:
            return None
        out.append(p.tolist())
    return out


def _acos_deg(cos: float) -> np.ndarray:
    """arccos in degrees of one cosine, clipped to [-1, 1]; NaN for a non-finite one (an
    infinite point), as numpy's path gives."""
    if not math.isfinite(cos):
        return np.array(np.nan)
    return np.array(math.degrees(math.acos(min(1.0, max(-1.0, cos)))))


def _norm(v: np.ndarray) -> np.ndarray:
    return np.sqrt(np.sum(v * v, axis=-1))


def angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Interior angle a-b-c at ``b`` in degrees, 0..180 (180 = straight line).

    Args:
        a, b, c: (..., D) points, D = 2 or 3.
    Returns:
        (...,) degrees; NaN where a point is missing or a segment has zero length.
    """
    one = _points(a, b, c)
    if one is not None and len(one[0]) == len(one[1]) == len(one[2]):
        pa, pb, pc = one
        u1 = [x - y for x, y in zip(pa, pb, strict=True)]
        v1 = [x - y for x, y in zip(pc, pb, strict=True)]
        n_u, n_v = math.sqrt(sum(x * x for x in u1)), math.sqrt(sum(x * x for x in v1))
        if not (n_u > _EPS and n_v > _EPS):
            return np.array(np.nan)
        return _acos_deg(sum(x * y for x, y in zip(u1, v1, strict=True)) / (n_u * n_v))
    u = np.asarray(a, np.float64) - np.asarray(b, np.float64)
    v = np.asarray(c, np.float64) - np.asarray(b, np.float64)
    nu, nv = _norm(u), _norm(v)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.sum(u * v, axis=-1) / (nu * nv)
        out = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
    return np.where((nu > _EPS) & (nv > _EPS), out, np.nan)


def signed_line_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle a-b-c at ``b`` in 2D image points, 0..360, read from below the line a-c.

    180 means a, b, c lie on one straight line. Below 180, ``b`` sags below the line a-c
    (larger image y); above 180, ``b`` rises above it. For a bridge seen from the side with
    a = shoulder, b = hip, c = knee: < 180 is hips low, > 180 is hips pushed past the line.
    """
    a2 = np.asarray(a, np.float64)[..., :2]
    b2 = np.asarray(b, np.float64)[..., :2]
    c2 = np.asarray(c, np.float64)[..., :2]
    inner = angle(a2, b2, c2)
    d = c2 - a2
    # Perpendicular to a->c, oriented to point up the image (negative y).
    n = np.stack([d[..., 1], -d[..., 0]], axis=-1)
    n = np.where((n[..., 1:2] > 0), -n, n)
    above = np.sum((b2 - a2) * n, axis=-1) > 0
    return np.where(above, 360.0 - inner, inner)


def angle_from_vertical(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Angle in degrees (0..180) of the segment lower->upper from straight up in the image."""
    one = _points(lower, upper)
    if one is not None and min(len(one[0]), len(one[1])) >= 2:
        dx, dy = one[1][0] - one[0][0], one[1][1] - one[0][1]
        n1 = math.sqrt(dx * dx + dy * dy)
        return _acos_deg(-dy / n1) if n1 > _EPS else np.array(np.nan)
    d = np.asarray(upper, np.float64)[..., :2] - np.asarray(lower, np.float64)[..., :2]
    n = _norm(d)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.degrees(np.arccos(np.clip(-d[..., 1] / n, -1.0, 1.0)))
    return np.where(n > _EPS, out, np.nan)


def angle_to_horizontal(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Angle in degrees (0..90) between the image segment p-q and the horizontal."""
    d = np.asarray(q, np.float64)[..., :2] - np.asarray(p, np.float64)[..., :2]
    with np.errstate(invalid="ignore"):
        out = np.degrees(np.arctan2(np.abs(d[..., 1]), np.abs(d[..., 0])))
    return np.where(_norm(d) > _EPS, out, np.nan)


def distance(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Euclidean distance between points (..., D); NaN if either is missing."""
    one = _points(p, q)
    if one is not None and len(one[0]) == len(one[1]):
        gap = math.sqrt(sum((x - y) * (x - y) for x, y in zip(one[0], one[1], strict=True)))
        return np.float64(gap)  # type: ignore[return-value]  # a numpy scalar, as before
    return _norm(np.asarray(p, np.float64) - np.asarray(q, np.float64))


def segment_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance from points p to the segments a-b (all (..., D)); NaN if any is missing. A
    segment of zero length is its point."""
    p, a, b = (np.asarray(v, np.float64) for v in (p, a, b))
    ab = b - a
    den = np.sum(ab * ab, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = np.clip(np.where(den > _EPS, np.sum((p - a) * ab, axis=-1) / den, 0.0), 0.0, 1.0)
    return _norm(p - (a + u[..., None] * ab))


def vector_angle(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Angle in degrees (0..180) between vectors u and v (..., D)."""
    zero = np.zeros_like(np.asarray(u, np.float64))
    return angle(np.asarray(u, np.float64), zero, np.asarray(v, np.float64))


def midpoint(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    return (np.asarray(p, np.float64) + np.asarray(q, np.float64)) / 2.0
