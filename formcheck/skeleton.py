"""The skeleton drawn over a picture: lines between the joints, a dot on each.

Apart from :mod:`formcheck.annotate` (which draws text too, through Pillow) so that the stills
of a session (:mod:`formcheck.stills`) are drawn without importing Pillow at every start.
"""

from __future__ import annotations

import cv2
import numpy as np

from formcheck.landmarks import SKELETON_EDGES

GREEN = (90, 200, 90)
WHITE = (255, 255, 255)


def draw_skeleton(img: np.ndarray, image_lm: np.ndarray, min_visibility: float = 0.5) -> None:
    """Draw landmarks (33, 4) normalised x, y, z, visibility onto ``img`` in place."""
    h, w = img.shape[:2]
    pts = image_lm[:, :2] * np.array([w, h])
    ok = np.isfinite(pts).all(axis=1) & (image_lm[:, 3] >= min_visibility)
    lw = max(2, round(min(h, w) / 160))
    for a, b in SKELETON_EDGES:
        if ok[a] and ok[b]:
            cv2.line(
                img,
                tuple(int(v) for v in pts[a]),
                tuple(int(v) for v in pts[b]),
                WHITE,
                lw,
                cv2.LINE_AA,
            )
    for i in range(11, 33):
        if ok[i]:
            cv2.circle(img, tuple(int(v) for v in pts[i]), lw + 1, GREEN, -1, cv2.LINE_AA)
