"""Cuts in a video: the body jumps further between two frames than a body can move.

Edited videos (tutorials, social media clips) cut between shots; a person can also be
swapped for another between frames. Either way, landmarks before and after belong to
different pictures, and a movement spanning them was not seen. Movement is measured as the
median displacement of the shoulders, hips, knees and ankles, in body sizes (the larger
bounding-box side of those points), per 1/30 s.

``MAX_BODY_SPEED``: across the 42 real clips in ../shared/realdata (squats, jump squats,
lunges, step-ups, bridges, kicks; 10-60 fps; handheld and static cameras), real movement
peaked at 0.068 body sizes per 1/30 s, while hard cuts moved the body 0.13-0.68. The limit
is about twice the fastest real movement.

A swap of the person's left and right labels (the legs alone, or the whole body) is no cut:
side-on, MediaPipe often swaps which leg it calls left, and with the legs apart (a lunge's split
stance) the knees and ankles then jump by half a body size (0.12-0.28 body sizes per 1/30 s
over the real side-on lunges, 0.02-0.11 when compared swapped back). Movement is the smallest
of the three readings; a hard cut moves the body whichever way it is labelled. Nor is a jump of
the legs alone, the torso staying put (``MIN_TORSO_SPEED``).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

MAX_BODY_SPEED = 0.12  # body sizes per 1/30 s
MAX_GAP_S = 0.25  # frames further apart than this are not compared
_CORE = (11, 12, 23, 24, 25, 26, 27, 28)
REF_DT = 1.0 / 30.0  # speeds are in body sizes per this long
# Orders of _CORE with the left and right labels swapped: the legs only, and the whole body.
_SWAPS = ((0, 1, 2, 3, 5, 4, 7, 6), (1, 0, 3, 2, 5, 4, 7, 6))
_TORSO = (0, 1, 2, 3)  # shoulders and hips in _CORE
# A cut moves the torso too: hard cuts in the real clips moved the shoulders and hips 0.09-0.68
# body sizes per 1/30 s, while MediaPipe losing the legs of a split stance for a frame (knees and
# ankles jumping 0.12-0.22) moved them 0.002-0.03. Half the cut limit lies between.
MIN_TORSO_SPEED = 0.06


def body_points(image: np.ndarray, min_visibility: float = 0.5, aspect: float = 1.0) -> np.ndarray:
    """(8, 2) shoulder, hip, knee and ankle positions (aspect-corrected), NaN where unseen."""
    pts = np.asarray(image, np.float64)[list(_CORE)]
    xy = pts[:, :2] * np.array([aspect, 1.0])
    return np.where((pts[:, 3] >= min_visibility)[:, None], xy, np.nan)


def body_size(points: np.ndarray) -> float:
    """The larger side of the box around the points seen (0 with fewer than two)."""
    ok = np.isfinite(points).all(1)
    return float(np.ptp(points[ok], 0).max()) if ok.sum() >= 2 else 0.0


def body_speed(prev: np.ndarray, cur: np.ndarray, dt: float, only: tuple[int, ...] | None = None) -> float:
    """Median displacement of the points seen in both (or of those of them in ``only``), in body
    sizes per 1/30 s (NaN if unknown)."""
    both = np.isfinite(prev).all(1) & np.isfinite(cur).all(1)
    if both.sum() < 3 or dt <= 0:
        return float("nan")
    size = max(body_size(prev[both]), body_size(cur[both]))
    moved = both.copy()
    if only is not None:
        moved[[i for i in range(len(moved)) if i not in only]] = False
    if size <= 0 or moved.sum() < 2:
        return float("nan")
    step = float(np.median(np.linalg.norm(cur[moved] - prev[moved], axis=1)))
    return step / size * REF_DT / max(dt, REF_DT)


def jumped(prev: np.ndarray, cur: np.ndarray, dt: float, speed: float | None = None) -> bool:
    """Body points (8, 2) moved further in ``dt`` seconds than a body can: the test of a cut.
    ``speed``: their :func:`body_speed`, when already read."""
    if speed is None:
        speed = body_speed(prev, cur, dt)
    if speed <= MAX_BODY_SPEED:  # the usual frame: no need to look further
        return False
    return _past_limit(prev, cur, dt)


def _past_limit(prev: np.ndarray, cur: np.ndarray, dt: float, scale: float = 1.0) -> bool:
    """The body's speed, times ``scale``, past MAX_BODY_SPEED however it is labelled (see the
    module notes), and its torso's past MIN_TORSO_SPEED (an unknown torso speed does not veto)."""
    orders = [prev] + [prev[list(o)] for o in _SWAPS]
    speeds = np.array([body_speed(p, cur, dt) for p in orders]) * scale
    torso = body_speed(prev, cur, dt, only=_TORSO) * scale
    moved = bool(np.isfinite(speeds).any() and np.nanmin(speeds) > MAX_BODY_SPEED)
    return moved and not torso <= MIN_TORSO_SPEED


# Below 30 frames a second the speed limit lets through what a cut does: 0.12 body sizes per
# 1/30 s allows 0.3 between two frames at 12 fps, where a real bridge clip's hard cut moved the
# body 0.19 and a cross-dissolve (one frame lost between the shots) 0.34. A body speeds up and
# slows down over several frames, so such a step still shows as one no body takes: further than
# a frame's limit (MAX_BODY_SPEED body sizes per frame interval it spans), SPIKE_RATIO times as
# fast as the step before, and the body no faster than 1/SPIKE_RATIO of it after, whichever way
# that is. Only in a stream whose frames come at most SPIKE_MAX_FPS a second (its shortest
# interval so far): at 30 frames a second any such step is already a jump, and a frame rate read
# from rounded timestamps must not make it one.
SPIKE_RATIO = 2.0
SPIKE_MAX_FPS = 20.0

Verdict = Literal["same", "held", "cut", "kept"]


def _long_step(prev: np.ndarray, cur: np.ndarray, dt: float, spans: float = 1.0) -> bool:
    """The body moved further than ``spans`` frames' limit (MAX_BODY_SPEED body sizes each) in
    this one step: :func:`jumped`'s test in distance rather than speed, between frames further
    apart than 1/30 s."""
    return _past_limit(prev, cur, dt, max(dt, REF_DT) / REF_DT / spans)  # speeds to distances


class CutDetector:
    """Fed raw landmarks frame by frame; says when the picture jumped (a cut).

    A cut changes the picture for good; MediaPipe misplacing the body for a few frames (a
    glitch: the whole skeleton thrown onto the thigh, or half a body away, then back) changes
    it for those frames only. So a jump is held until the frames after it tell which:

    - ``"held"``: the body is away from where it was before the jump; do not use this frame;
    - ``"same"``: the usual frame, or the body back within a frame's move (``MAX_BODY_SPEED``)
      of where it was before the jump (the held frames were a glitch, and stay unused);
    - ``"cut"``: the body is still away once ``MAX_GAP_S`` has passed since the last frame
      used, the longest this detector compares over (and not back in this frame either): the
      picture changed at the first held frame, and this frame may be used;
    - ``"kept"``: below 20 frames a second, a step held as a possible cut (``SPIKE_RATIO``) was
      the body moving on (or nobody was seen to tell): the held frames are used as they are.

    Studio clips without any cut lost whole reps to such glitches (a bridge filmed with the
    head out of the picture: three frames with the shoulders on the thigh, one with nobody,
    then the body back); in a real cut the new shot lasts.
    """

    def __init__(self, aspect: float = 1.0) -> None:
        self.aspect = aspect
        self._prev: np.ndarray | None = None  # the body in the last frame used
        self._prev_t = 0.0
        self._held: tuple[np.ndarray, float] | None = None  # the latest body seen since a jump
        self._speed = float("nan")  # of the last step moved into a frame used (see body_speed)
        self._spike = float("nan")  # speed of a held step that was a spike, not a jump
        self._interval = float("inf")  # the shortest time between two frames seen one after the other
        self._spike_body: np.ndarray | None = None  # where a spike put the body, if it then jumped

    def update(self, image: np.ndarray, t_s: float) -> Verdict:
        cur = body_points(image, aspect=self.aspect)
        seen = bool(np.isfinite(cur).all(1).sum() >= 3)
        near = self._prev is not None and t_s - self._prev_t <= MAX_GAP_S
        if self._held is not None:
            # Back after a jump, in the window or in the first frame past it: within a frame's
            # move of where it was (a speed allowed over a longer time would let a new shot's
            # body a few frames on pass for the old one).
            # After a spike and then a jump from there, back where the spike put it is back too
            # (the frames between were the glitch; the spike frame goes with them).
            starts = [self._prev] + ([self._spike_body] if self._spike_body is not None else [])
            if seen and any(not jumped(b, cur, REF_DT) for b in starts):  # type: ignore[arg-type]
                return self._use(cur, t_s, float("nan"), "same")
            if seen and np.isfinite(self._spike):  # a spike: did the body go on as fast?
                held, held_t = self._held
                on = body_speed(held, cur, t_s - held_t)
                on_jump = jumped(held, cur, t_s - held_t, on)
                if on * SPIKE_RATIO > self._spike and not on_jump:
                    return self._use(cur, t_s, on, "kept")
                self._spike = float("nan")  # it stopped there (or jumped on): a jump, as any other
                if on_jump:
                    self._spike_body = held
            if near:
                if seen:
                    self._held = (cur, t_s)
                return "held"
            if np.isfinite(self._spike):  # nobody seen since a spike: nothing says it was a cut
                return self._use(*self._held, float("nan"), "kept")
            self._prev, self._prev_t = (cur, t_s) if seen else self._held
            self._held, self._speed, self._spike, self._spike_body = None, float("nan"), float("nan"), None
            return "cut"
        if not seen:
            return "same"
        if near:
            dt = t_s - self._prev_t
            speed = body_speed(self._prev, cur, dt)  # type: ignore[arg-type]
            if jumped(self._prev, cur, dt, speed):  # type: ignore[arg-type]
                self._held = (cur, t_s)
                return "held"
            if self._spiked(cur, dt, speed):
                self._held, self._spike = (cur, t_s), speed
                return "held"
            self._interval = min(self._interval, dt) if dt > 0 else self._interval
            return self._use(cur, t_s, speed, "same")
        return self._use(cur, t_s, float("nan"), "same")

    def _spiked(self, cur: np.ndarray, dt: float, speed: float) -> bool:
        """A step no body takes, in a stream at most SPIKE_MAX_FPS a second (see SPIKE_RATIO)."""
        if not self._interval >= 1.0 / SPIKE_MAX_FPS or not speed > SPIKE_RATIO * self._speed:
            return False
        spans = max(1.0, round(dt / self._interval))  # frame intervals (one lost frame: two)
        step = speed * max(dt, REF_DT) / REF_DT
        return step > MAX_BODY_SPEED * spans and _long_step(self._prev, cur, dt, spans)  # type: ignore[arg-type]

    @property
    def spike_held(self) -> bool:
        """Frames are held after a spike, not a jump: at the stream's end they are used as
        they are (nothing came to show a cut)."""
        return self._held is not None and bool(np.isfinite(self._spike))

    def _use(self, cur: np.ndarray, t_s: float, speed: float, verdict: Verdict) -> Verdict:
        """This frame's body is the one the next are compared with. A step of exactly nothing
        (a repeated picture) says nothing of the body's speed: the last known one is kept."""
        self._prev, self._prev_t = cur, t_s
        if speed != 0.0:
            self._speed = speed
        self._held, self._spike, self._spike_body = None, float("nan"), None
        return verdict
