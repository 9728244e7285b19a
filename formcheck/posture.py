"""Standing or lying: the person's posture over a video, for a hint when no reps are found.

Scoring a bridge video as a squat finds no reps; rather than leave "0 reps" unexplained, the
torso's tilt from vertical over the whole video says whether the person stood or lay, and a
lying person's knees (raised above the hips in a bridge, level with them in a clamshell, hanging
below them on hands and knees) say which floor exercise it likely was. Constant memory: a fixed
histogram per measure.
"""

from __future__ import annotations

import math

import numpy as np

from formcheck.definitions import ExerciseDef, available, load

STANDING_MAX_DEG = 35.0  # median torso tilt below this: upright
LYING_MIN_DEG = 60.0  # above this: lying
KNEES_UP = 0.35  # knees above the hips by this share of the torso length: knees raised (bridge)
# Knees below the hips by this share: on hands and knees (the thigh hangs down, about 0.8 of the
# torso's length; lying on the side the knees are level with the hips).
KNEES_DOWN = 0.4


class PostureTally:
    """Per-frame torso tilt and knee height, summarised by their medians (1-degree bins)."""

    def __init__(self) -> None:
        self.tilt = np.zeros(91, np.int64)  # degrees from vertical, 0..90
        # The torso's tilt from the camera's vertical in MediaPipe's 3D landmarks: filmed from
        # the feet, someone lying on their side looks upright in the picture (tilt 5-15 deg in
        # the studio) while in 3D they lean 47-57 deg, never the under-20 of a person standing.
        self.tilt3d = np.zeros(91, np.int64)
        self.knees = np.zeros(201, np.int64)  # knee height over the hips / torso length, -1..1 in 0.01

    def offer(
        self, image_lm: np.ndarray, aspect: float, world: np.ndarray | None = None,
        min_visibility: float = 0.5,
    ) -> None:
        """One frame's raw image landmarks (33, 4): x, y normalised, visibility; ``aspect`` w/h;
        ``world``: its 3D landmarks (33, 3+), when known."""
        lm = image_lm
        if not np.isfinite(lm[[11, 12, 23, 24, 25, 26], :2]).all():
            return
        vis = lm[:, 3]
        xy = lm[:, :2] * np.array([aspect, 1.0])
        sh, hip = xy[[11, 12]].mean(axis=0), xy[[23, 24]].mean(axis=0)
        if not (vis[[11, 12]].max() >= min_visibility and vis[[23, 24]].max() >= min_visibility):
            return
        v = sh - hip
        length = float(np.hypot(*v))
        if length < 1e-6:
            return
        tilt = math.degrees(math.atan2(abs(float(v[0])), abs(float(v[1]))))
        self.tilt[min(90, round(tilt))] += 1
        if world is not None and np.isfinite(world[[11, 12, 23, 24], :3]).all():
            w = world[[11, 12], :3].mean(axis=0) - world[[23, 24], :3].mean(axis=0)
            n = float(np.linalg.norm(w))
            if n > 1e-6:
                self.tilt3d[min(90, round(math.degrees(math.acos(min(1.0, abs(float(w[1])) / n)))))] += 1
        knee_vis = vis[[25, 26]]
        if knee_vis.max() >= min_visibility:
            knee = xy[25] if knee_vis[0] >= knee_vis[1] else xy[26]
            up = float(hip[1] - knee[1]) / length  # image y grows downwards
            self.knees[int(np.clip(round(up * 100), -100, 100)) + 100] += 1

    @staticmethod
    def _median(hist: np.ndarray) -> float:
        n = int(hist.sum())
        if n == 0:
            return math.nan
        return float(np.searchsorted(np.cumsum(hist), (n + 1) / 2))

    @property
    def tilt_deg(self) -> float:
        """Median torso tilt from vertical (degrees), NaN if never seen."""
        return self._median(self.tilt)

    @property
    def knees_up(self) -> float:
        """Median knee height above the hips, in torso lengths, NaN if never seen."""
        m = self._median(self.knees)
        return (m - 100) / 100 if math.isfinite(m) else math.nan

    def hint(self, d: ExerciseDef) -> str | None:
        """A sentence when the posture does not fit exercise ``d`` (standing vs lying), else None."""
        tilt = self.tilt_deg
        if not math.isfinite(tilt):
            return None
        if d.lying and tilt < STANDING_MAX_DEG and not self._median(self.tilt3d) >= STANDING_MAX_DEG:
            return _ask("was upright", [n for n in available() if not load(n).lying])
        if not d.lying and tilt > LYING_MIN_DEG:
            names = [n for n in available() if load(n).lying]
            up = self.knees_up
            # Knees raised above the hips: on the back with the feet planted (a bridge); level
            # with them: on the side (a clamshell); hanging below them: on hands and knees.
            on = None
            if math.isfinite(up) and up > KNEES_UP:
                on = "back"
            elif math.isfinite(up) and up < -KNEES_DOWN:
                on = "hands_knees"
            elif math.isfinite(up) and up < KNEES_UP / 2:
                on = "side"
            names = [n for n in names if on is None or load(n).lying_on == on] or names
            return _ask("was on hands and knees" if on == "hands_knees" else "lay down", names)
        return None


def _a(words: str) -> str:
    return ("an " if words[:1] in "aeiou" else "a ") + words


def _ask(did: str, names: list[str]) -> str | None:
    if not names:
        return None
    which = _either([_a(load(n).title.lower()) for n in names])
    return f"No reps found: the person {did} throughout. Is this {which}? Try --exercise {_either(names)}."


def _either(words: list[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
