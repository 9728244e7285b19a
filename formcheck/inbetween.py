"""Landmarks for the frames the pose model did not look at, from the frames around them.

At a reduced analysis rate (``formcheck score --analysis-fps``) the pose model sees every
k-th frame. The checker still gets every frame, at its own time, so that smoothing, speeds and
holds keep the file's time base: a frame in between gets the landmarks of the analysed frames
before and after it, interpolated linearly in time, point by point (NaN where either is NaN).
Across a cut, or a jump to someone else, nothing is interpolated: the frames in between keep
the earlier picture, so the change shows at the analysed frame where it was seen.
"""

from __future__ import annotations

import numpy as np

from formcheck.cuts import body_points, body_size

JUMP_MAX = 0.5  # body sizes the body's points may move between two analysed frames


def _jumped(a: np.ndarray, b: np.ndarray, aspect: float) -> bool:
    """The body's points (shoulders, hips, knees, ankles) moved more than ``JUMP_MAX`` body
    sizes from image landmarks ``a`` to ``b`` (33, 4), or too few are seen in both to tell."""
    p, q = body_points(a, aspect=aspect), body_points(b, aspect=aspect)
    both = np.isfinite(p).all(1) & np.isfinite(q).all(1)
    if both.sum() < 2:
        return True
    moved = float(np.median(np.linalg.norm(p[both] - q[both], axis=1)))
    return moved > JUMP_MAX * max(body_size(p), 1e-6)


def between(before: tuple[np.ndarray, np.ndarray], after: tuple[np.ndarray, np.ndarray],
            w: float, aspect: float) -> tuple[np.ndarray, np.ndarray]:
    """Image and world landmarks (33, 4) a fraction ``w`` (0-1) of the way from ``before`` to
    ``after`` (each an (image, world) pair of one analysed frame); ``before`` itself when
    either was nobody or the body jumped between them."""
    (ia, wa), (ib, wb) = before, after
    if not (np.isfinite(ia[:, 0]).any() and np.isfinite(ib[:, 0]).any()) or _jumped(ia, ib, aspect):
        return ia, wa
    w32 = np.float32(w)
    return ((1 - w32) * ia + w32 * ib).astype(np.float32), ((1 - w32) * wa + w32 * wb).astype(np.float32)
