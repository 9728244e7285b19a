"""Which person to follow when the pose model sees more than one.

A physiotherapist kneeling beside the patient, a class, someone walking past: the person
exercising is the one to score, and the same one from frame to frame. Each frame the tracker
keeps the person whose shoulders, hips, knees and ankles are nearest where the followed
person was (in body sizes); when nobody has been followed for a while it takes the person
whose posture fits the exercise (lying down for a bridge or clamshell, upright otherwise),
and among those the largest.
"""

from __future__ import annotations

import numpy as np

from formcheck.checkers.common import LYING_MIN_DEG
from formcheck.cuts import body_points, body_size

LOST_S = 1.0  # after this long without the followed person, choose afresh


def _torso_tilt(points: np.ndarray) -> float:
    """Torso angle from vertical (deg) from body points (8, 2): shoulders 0-1, hips 2-3."""
    sh, hp = np.nanmean(points[0:2], 0), np.nanmean(points[2:4], 0)
    v = sh - hp
    if not np.isfinite(v).all() or not np.hypot(*v) > 0:
        return float("nan")
    return float(np.degrees(np.arctan2(abs(v[0]), abs(v[1]))))


class PersonTracker:
    """Picks, frame by frame, the index of the person to follow among those seen.

    Args:
        aspect: frame width / height.
        lying: the exercise is done lying down (True) or upright (False).
    """

    def __init__(self, aspect: float, lying: bool) -> None:
        self.aspect = aspect
        self.lying = lying
        self._last: np.ndarray | None = None
        self._last_t = -np.inf
        self.crowded_frames = 0  # frames with more than one person
        self.where: list[float] = []  # x (0-1) of the followed person in crowded frames

    def pick(self, people_image: np.ndarray, t_s: float) -> int:
        """Index into ``people_image`` (P, 33, 4) of the person to follow; -1 if nobody."""
        n = len(people_image)
        if n == 0:
            return -1
        pts = [body_points(p, aspect=self.aspect) for p in people_image]
        if n == 1:
            best = 0
        elif self._last is not None and t_s - self._last_t <= LOST_S:
            best = int(np.argmin([self._distance(p) for p in pts]))
        else:
            best = self._first_choice(pts)
        if n > 1:
            self.crowded_frames += 1
            x = np.nanmean(people_image[best, [23, 24], 0])
            if np.isfinite(x):
                self.where.append(float(x))
        if np.isfinite(pts[best]).all(1).sum() >= 3:
            self._last, self._last_t = pts[best], t_s
        return best

    def _distance(self, p: np.ndarray) -> float:
        assert self._last is not None
        both = np.isfinite(p).all(1) & np.isfinite(self._last).all(1)
        size = max(body_size(self._last), 1e-6)
        if both.sum() < 2:
            return np.inf
        return float(np.median(np.linalg.norm(p[both] - self._last[both], axis=1))) / size

    def _first_choice(self, pts: list[np.ndarray]) -> int:
        """The largest person in the exercise's posture (the largest of all if nobody is)."""
        fits = []
        for i, p in enumerate(pts):
            tilt = _torso_tilt(p)
            lying = np.isfinite(tilt) and tilt > LYING_MIN_DEG
            fits.append((bool(lying) == self.lying, body_size(p), -i))
        return int(-max(fits)[2])

    def description(self) -> str | None:
        """Words about whom was followed, when more than one person was in view; else None."""
        if not self.crowded_frames or not self.where:
            return None
        x = float(np.median(self.where))
        place = "on the left" if x < 0.4 else "on the right" if x > 0.6 else "in the middle"
        return f"More than one person was in view; formcheck followed the person {place} of the picture."
