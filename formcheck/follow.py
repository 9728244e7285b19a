"""Follow one person from frame to frame, and look for everyone only about once a second.

MediaPipe's pose landmarker in IMAGE mode runs two models on every frame: a person detector,
then the landmark model on the region the detector found. In VIDEO mode with one person it
runs the detector only when it has lost the person, and otherwise takes the region from the
last frame's landmarks: about 40% less work a frame. Alone, VIDEO mode never notices a second
person, and can hold on to a region that no longer fits. :class:`FollowingEstimator` pairs it
with an IMAGE-mode model (two people looked for) that looks at one frame about every
:data:`SCOUT_EVERY_S` seconds:

- when the IMAGE model sees two or more people, every frame of the next :data:`CROWD_S`
  seconds is looked at by the IMAGE model alone, exactly as without following, so
  :class:`formcheck.track.PersonTracker` can choose whom to follow;
- when it sees one person where the follower last had them (within :data:`AGREE_MAX` body
  sizes of the follower's pose a frame or two before, enough joints seen in both to tell), the
  IMAGE model's pose is the frame's and the follower does not look at it: one look instead of
  two (``spared``). The frame after may be left out as usual, so the follower's next look
  may take its region from four frames back (a look every 0.27 s at 15 frames a second);
  looking at it as well lost a handheld jump squat three reps on real film;
- when it sees one person and the followed pose is somewhere else (further apart than
  :data:`AGREE_MAX` body sizes), following starts afresh from the detector, and the IMAGE
  model's pose is the frame's;
- when the picture is mirrored or not from one frame to the next (lying exercises,
  :mod:`formcheck.orient`), following starts afresh too.

MediaPipe also smooths the landmarks it follows over time (a filter that lags behind quick
movements, and lags more the slower the movement). formcheck smooths its own signals where
a check needs it; the pose stage must give each frame's own landmarks. The VIDEO-mode model is
therefore handed its frames' timestamps stretched 100,000 times (:data:`UNSMOOTH`), which
leaves its filter nothing to smooth over: on the same frames the followed landmarks then lie
as close to IMAGE mode's as the region of one frame's differs from the other's (on a studio
squat, a median 1 px at 480). The landmarks' visibility is still smoothed from frame to frame
(that filter counts frames, not time), so it follows a change of how well a joint is seen a
few frames late.

What it costs in accuracy, measured (README, *Speed against the usual loop*): the followed
region reads knee and hip angles a few degrees straighter than IMAGE mode's on the studio
samples, and counts are exact on fewer real clips. It is ``formcheck score --fast``, not the
default.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from formcheck.cuts import body_points, body_size
from formcheck.pose import PoseEstimator, PoseOptions, PoseResult

if TYPE_CHECKING:
    from formcheck.orient import Orienter
    from formcheck.video import DecodedFrame

#: The IMAGE-mode model looks for everyone in the picture about this often (seconds).
SCOUT_EVERY_S = 1.0
#: After it has seen two or more people, every frame is looked at on its own this long (s).
CROWD_S = 3.0
#: The followed pose and the detector's are the same person's when their shoulders, hips,
#: knees and ankles lie within this many body sizes of each other (median).
AGREE_MAX = 0.2
#: VIDEO-mode timestamps are stretched this many times (see the module notes). MediaPipe's
#: filter reads them in nanoseconds as 64-bit integers: 25 hours of video fit.
UNSMOOTH = 100_000
#: A frame looked at out of order (see :func:`follow_frames`) is handed to the follower at least
#: this long (ms, stretched) after the frame before it, as if in order.
OUT_OF_ORDER_MS = 33 * UNSMOOTH
#: :func:`follow_frames` looks at every other frame handed out, and at the one between two
#: looks too where a straight line between them may place the body off by more than this share
#: of its size (any of the shoulders, hips, knees and ankles) ...
REFINE_OFF = 0.01
#: ... or where it moved more than this share of its size between them.
REFINE_MOVE = 0.08
#: ... when frames are handed out at least this often (a second): below it, at every one.
REFINE_MIN_FPS = 11.5


class FollowingEstimator:
    """A VIDEO-mode model following one person, checked by an IMAGE-mode one; frames in order.

    Has :class:`~formcheck.pose.PoseEstimator`'s ``detect`` and ``close``; use as a context
    manager. ``options`` are the IMAGE-mode model's (``num_poses`` people looked for); the
    follower looks for one.

    Attributes:
        scouted: frames the IMAGE-mode model looked at.
        restarts: times following started afresh from the detector.
        spared: scouted frames the follower did not look at, the detector having found the
            person where the follower last had them.
    """

    #: Frames must come in order, to this one estimator alone (see PoseStream).
    follows = True

    def __init__(self, options: PoseOptions | None = None) -> None:
        base = options if options is not None else PoseOptions()
        self.options = base
        self._scout = PoseEstimator(PoseOptions(
            model_path=base.model_path, num_poses=max(2, base.num_poses),
            min_detection_confidence=base.min_detection_confidence,
            min_presence_confidence=base.min_presence_confidence))
        self._follower_options = PoseOptions(
            model_path=base.model_path, num_poses=1, tracking=True,
            min_detection_confidence=base.min_detection_confidence,
            min_presence_confidence=base.min_presence_confidence,
            min_tracking_confidence=base.min_tracking_confidence)
        try:
            self._follower = PoseEstimator(self._follower_options)
        except BaseException:
            self._scout.close()
            raise
        self._last_scout_ms: float = -np.inf
        self._crowd_until_ms: float = -np.inf
        self._mirror: bool | None = None
        self._following = False  # the follower holds a region from the frame before
        self._used = False  # the follower has seen a frame since it was made
        self._shape: tuple[int, ...] = ()
        self._last: PoseResult | None = None  # the follower's last pose, while it follows
        self.scouted = 0
        self.restarts = 0
        self.spared = 0

    def __enter__(self) -> FollowingEstimator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def reset(self) -> None:
        """Forget the video before: the next frame may be another video's first."""
        if self._used:
            self._restart()
            self.restarts -= 1  # not a restart within a video
        self._last_scout_ms = -np.inf
        self._crowd_until_ms = -np.inf
        self._mirror, self._shape = None, ()
        self.scouted = self.restarts = self.spared = 0

    def close(self) -> None:
        """Release both models; safe to call more than once."""
        try:
            self._scout.close()
        finally:
            self._follower.close()

    def detect(self, rgb: np.ndarray, t_ms: int, mirror: bool = False) -> PoseResult:
        """Landmarks of the person in one frame; see :meth:`PoseEstimator.detect`."""
        if self._following and (mirror != self._mirror or rgb.shape != self._shape):
            self._restart()
        self._mirror, self._shape = mirror, rgb.shape
        crowded = t_ms < self._crowd_until_ms
        if crowded or t_ms - self._last_scout_ms >= SCOUT_EVERY_S * 1000.0:
            scout = self._look(rgb, t_ms, mirror)
            if scout.n_people >= 2:  # (still) more than one person: look at every frame
                self._crowd_until_ms = t_ms + CROWD_S * 1000.0
                if self._following:
                    self._restart()
                return scout
            if crowded:
                return scout
            aspect = rgb.shape[1] / max(1, rgb.shape[0])
            last = self._last
            if (scout.n_people == 1 and self._following and last is not None
                    and _same_person(scout, last, aspect, undecided=False)):
                # The detector finds the person where the follower last had them (a frame or
                # two ago): the follower goes on from its region, and this frame is the
                # detector's; one look instead of two.
                self.spared += 1
                return scout
            followed = self._follow(rgb, t_ms, mirror)
            if scout.n_people == 1 and (not followed.detected
                                        or not _same_person(scout, followed, aspect)):
                if followed.detected:
                    self._restart()
                return scout
            # The detector seeing nobody where the follower still finds the person (lying
            # people are found less surely by the detector) keeps the followed pose.
            return followed
        return self._follow(rgb, t_ms, mirror)

    def _look(self, rgb: np.ndarray, t_ms: int, mirror: bool) -> PoseResult:
        self._last_scout_ms = t_ms
        self.scouted += 1
        return self._scout.detect(rgb, t_ms, mirror)

    def steady(self, t_ms: int) -> bool:
        """Whether the follower holds one person, with nobody else seen lately: a frame at
        ``t_ms`` may then be left out (see :func:`follow_frames`)."""
        return self._following and t_ms >= self._crowd_until_ms

    def looks(self, frames: Iterable[DecodedFrame], orienter: Orienter | None = None,
              fps: float = 0.0) -> Iterator[tuple[DecodedFrame, PoseResult]]:
        """:func:`follow_frames` with this estimator: the frames looked at and their poses."""
        return follow_frames(frames, self, orienter, fps)

    def _follow(self, rgb: np.ndarray, t_ms: int, mirror: bool) -> PoseResult:
        t = int(t_ms) * UNSMOOTH
        last = self._follower.last_t_ms
        if last is not None and t <= last:  # out of order: a gap as wide as in order
            t = last + OUT_OF_ORDER_MS
        pose = self._follower.detect(rgb, t, mirror)
        self._following = pose.detected
        self._last = pose if pose.detected else None
        self._used = True
        return pose

    def _restart(self) -> None:
        """Start following afresh from the detector: a new follower (a tenth of a second to
        load). Showing the old one a blank frame drops its region but not all it carries (the
        landmarks' visibility, smoothed from frame to frame)."""
        fresh = PoseEstimator(self._follower_options)
        old, self._follower = self._follower, fresh
        old.close()
        self._following = self._used = False
        self._last = None
        self.restarts += 1


def follow_frames(frames: Iterable[DecodedFrame], estimator: FollowingEstimator,
                  orienter: Orienter | None = None, fps: float = 0.0
                  ) -> Iterator[tuple[DecodedFrame, PoseResult]]:
    """``(frame, pose)`` for the frames of ``frames`` (handed out ``fps`` a second, in order)
    the estimator looks at, in order: every other one while it follows one person steadily,
    and the one left out between two looks as well where a straight line between them would
    place the body badly (:func:`_off_line`; looked at just after the later one, its region
    taken from it). A frame left out is not yielded: its time (and those it carried) rides on
    the next frame yielded (``DecodedFrame.skipped_t_ms``), as a reader's stride does.

    With an ``orienter``, each look is mirrored as it decides from the looks before (its lag
    counted in looks), and it observes every pose in the order looked at.
    """
    looks = 0

    def look(frame: DecodedFrame) -> PoseResult:
        nonlocal looks
        mirror = orienter.mirror_for(looks) if orienter is not None else False
        pose = estimator.detect(frame.rgb_small, frame.t_ms, mirror)
        looks += 1
        if orienter is not None:
            orienter.observe(pose.image)
        return pose

    may_skip = fps >= REFINE_MIN_FPS
    seen: list[tuple[int, PoseResult]] = []  # the last two looks in time order: (t_ms, pose)
    held: DecodedFrame | None = None
    aspect = 1.0
    for frame in frames:
        aspect = frame.rgb_small.shape[1] / max(1, frame.rgb_small.shape[0])
        if (may_skip and held is None and seen and seen[-1][1].n_people == 1
                and estimator.steady(frame.t_ms)):
            held = frame
            continue
        pose = look(frame)
        if held is not None:
            if _off_line(seen, (frame.t_ms, pose), held.t_ms, aspect):
                middle = look(held)
                seen = [*seen[-1:], (held.t_ms, middle)]
                yield held, middle
            else:
                frame = replace(frame, skipped_t_ms=(*held.skipped_t_ms, held.t_ms, *frame.skipped_t_ms))
            held = None
        seen = [*seen[-1:], (frame.t_ms, pose)]
        yield frame, pose
    if held is not None:
        yield held, look(held)


def _off_line(before: list[tuple[int, PoseResult]], after: tuple[int, PoseResult], t_ms: int,
              aspect: float) -> bool:
    """Whether the body at ``t_ms``, between the last look ``before`` and the look ``after``
    ((t_ms, pose) each), may lie off the straight line between them by more than
    :data:`REFINE_OFF` of its size (the bend of the path through the last three looks, a turn
    at the end of a movement), or moved more than :data:`REFINE_MOVE` of its size between
    them; True when not one person is seen in each, well enough to tell."""
    ta, tb = before[-1][0], after[0]
    pts = [body_points(p.image, 0.5, aspect) if p.n_people == 1 else None for _, p in (*before, after)]
    if len(pts) < 3 or any(p is None for p in pts):
        return True
    pp, pa, pb = pts[-3:]
    assert pp is not None and pa is not None and pb is not None
    both = np.isfinite(pp).all(1) & np.isfinite(pa).all(1) & np.isfinite(pb).all(1)
    if both.sum() < 3:
        return True
    size = max(body_size(pa[both]), body_size(pb[both]))
    if size <= 0:
        return True
    tp = before[-2][0]
    pp, pa, pb = pp[both], pa[both], pb[both]
    if float(np.max(np.hypot(*(pb - pa).T))) > REFINE_MOVE * size:
        return True
    # A path bending at acc (per ms^2) lies up to acc * (tb - ta)^2 / 8 off the chord.
    acc = 2.0 * ((pb - pa) / max(1, tb - ta) - (pa - pp) / max(1, ta - tp)) / max(1, tb - tp)
    off = float(np.max(np.hypot(*acc.T))) * (tb - ta) ** 2 / 8.0
    return off > REFINE_OFF * size


def _same_person(a: PoseResult, b: PoseResult, aspect: float = 1.0,
                 undecided: bool = True) -> bool:
    """Whether two poses of one frame lie on the same body (median joint distance in body
    sizes at most :data:`AGREE_MAX`); ``undecided`` when too few joints are seen in both to
    tell. ``aspect``: the frame's width over its height."""
    pa, pb = body_points(a.image, 0.5, aspect), body_points(b.image, 0.5, aspect)
    both = np.isfinite(pa).all(1) & np.isfinite(pb).all(1)
    if both.sum() < 3:
        return undecided
    size = max(body_size(pa[both]), body_size(pb[both]))
    if size <= 0:
        return undecided
    return float(np.median(np.hypot(*(pa[both] - pb[both]).T))) <= AGREE_MAX * size
