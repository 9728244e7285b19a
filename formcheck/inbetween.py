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

from formcheck.cuts import REF_DT, body_points, jumped


def _jumped(a: np.ndarray, b: np.ndarray, aspect: float) -> bool:
    """From image landmarks ``a`` to ``b`` (33, 4) the body moved further than it can between
    two frames of a 30 fps video (:func:`formcheck.cuts.jumped`): spread over the frames
    between, such a jump would no longer look like one."""
    p, q = body_points(a, aspect=aspect), body_points(b, aspect=aspect)
    if min(np.isfinite(p).all(1).sum(), np.isfinite(q).all(1).sum()) < 3:
        return False
    return jumped(p, q, REF_DT)


def between(before: tuple[np.ndarray, np.ndarray], after: tuple[np.ndarray, np.ndarray],
            w: float, aspect: float) -> tuple[np.ndarray, np.ndarray]:
    """Image and world landmarks (33, 4) a fraction ``w`` (0-1) of the way from ``before`` to
    ``after`` (each an (image, world) pair of one analysed frame); ``before`` itself when
    either was nobody or the body jumped between them (a cut)."""
    (ia, wa), (ib, wb) = before, after
    if not (np.isfinite(ia[:, 0]).any() and np.isfinite(ib[:, 0]).any()) or _jumped(ia, ib, aspect):
        return ia, wa
    w32 = np.float32(w)
    return ((1 - w32) * ia + w32 * ib).astype(np.float32), ((1 - w32) * wa + w32 * wb).astype(np.float32)
