"""Scoring: pose frames -> smoothing -> checker -> session, one frame at a time.

The same :class:`Scorer` serves a video file, a saved landmark trace and (later) a webcam:
it holds no frames, only the checker's small state and per-frame traces, so memory stays
flat however long the input.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from formcheck.checkers import make_checker
from formcheck.checkers.base import MAX_MISSING_S, Checker, CheckerState, Event, Rep
from formcheck.cuts import CutDetector, Verdict
from formcheck.errors import FormcheckError, NoPersonError
from formcheck.hindsight import MARGIN_S, Delay, as_known_later
from formcheck.landmarks import Frame, PoseSequence, mask_low_visibility
from formcheck.session import Session, default_mode
from formcheck.smoothing import FrameSmoother
from formcheck.track import PersonTracker, distinct

if TYPE_CHECKING:
    from formcheck.definitions import ExerciseDef
    from formcheck.pose import Detector
    from formcheck.videowrite import AnnotatedWriter

MIN_VISIBILITY = 0.5
IN_PICTURE = (0.01, 0.99)  # normalised coordinates of a point that lies inside the picture
ANNOTATE_MAX_SIDE = 1280  # the annotated video's long side at most: memory stays flat at any size
# Frames a second the pose model looks at in a video file (see formcheck.video.frame_stride):
# rehab movements are slow, a rep takes a second or more.
ANALYSIS_FPS = 15.0


def _body_shown(image: np.ndarray, required: tuple[int, ...]) -> tuple[bool, bool]:
    """Whether the required points are inside the frame, and whether at least one body side is
    clearly visible (in a side view the far leg is hidden behind the near one: that is not
    "out of frame"; from the feet of someone lying on their side, both sides are hidden).
    """
    req = image[list(required)]
    inside = bool(((req[:, :2] >= -0.02) & (req[:, :2] <= 1.02)).all())
    left = [i for i in required if i % 2 == 1]
    right = [i for i in required if i % 2 == 0]
    seen = any(bool((image[side, 3] >= MIN_VISIBILITY).all()) for side in (left, right))
    return inside, seen


def to_frame(image: np.ndarray, world: np.ndarray, t_s: float, aspect: float) -> Frame:
    """A checker frame from MediaPipe arrays (33, 4): low-visibility points become NaN."""
    im = mask_low_visibility(image, MIN_VISIBILITY)
    wo = np.array(world, np.float32, copy=True)
    wo[~(im[:, 3] >= MIN_VISIBILITY), :3] = np.nan
    xy = im[:, :2] * np.array([aspect, 1.0], np.float32)
    raw = np.asarray(image, np.float32)
    inside = np.asarray(((raw[:, :2] >= IN_PICTURE[0]) & (raw[:, :2] <= IN_PICTURE[1])).all(axis=1))
    seen = np.where(inside, np.nan_to_num(raw[:, 3]), 0.0).astype(np.float32)
    faint = np.where((raw[:, 3] < MIN_VISIBILITY)[:, None], raw[:, :2] * np.array([aspect, 1.0]), np.nan)
    return Frame(t_s, xy, im[:, 3].copy(), wo[:, :3], seen, faint.astype(np.float32), ~inside)


class Scorer:
    """Feeds frames to a checker and gathers what a session needs.

    Args:
        exercise: an exercise's name (see ``formcheck exercises``).
        prescription: overrides of the exercise's default targets.
    """

    def __init__(self, exercise: str, prescription: dict[str, Any] | None = None) -> None:
        self.checker: Checker = make_checker(exercise, prescription)
        self.exercise = exercise
        self._smooth = FrameSmoother()
        self._required = self.checker.d.required_landmarks
        self.n_frames = 0
        self.n_detected = 0
        self.n_crowded = 0
        self.n_cut = 0  # frames with a needed point out of the picture
        self.n_hidden = 0  # frames with every needed point in it, but neither body side clearly seen
        # Stretches (start, end, s) in which the person, seen before and after, was not found:
        # counting paused in those of MAX_MISSING_S and more (see unseen_warning).
        self.unseen: list[tuple[float, float]] = []
        self._seen_t: float | None = None  # when the person was last found
        self._lost_t: float | None = None  # when they were lost while counting (last seen then)
        self._began = False  # counting has begun (the person was once in the start position)
        self.trace_t: list[float] = []
        self.trace_key: list[float] = []
        self.trace_sig: list[float] = []
        self.events: list[Event] = []
        self._cuts: CutDetector | None = None
        self._tracker: PersonTracker | None = None
        self.image = np.full((33, 4), np.nan, np.float32)  # the followed person's raw landmarks
        self.world = np.full((33, 4), np.nan, np.float32)  # and their 3D ones
        self._analysed: tuple[float, np.ndarray, np.ndarray, int] | None = None  # see update_analysed
        # Frames held back since the body jumped (image, world, t_s, aspect, people seen): see
        # _release.
        self._held: list[tuple[np.ndarray, np.ndarray, float, float, int]] = []
        # Frames in which the person followed was missed while others were seen (t_s, aspect,
        # people seen): see _resolve_waiting.
        self._waiting: list[tuple[float, float, int]] = []

    def _start(self, aspect: float) -> None:
        if self._tracker is None or self._cuts is None:  # the picture's shape is known from here
            self._tracker = PersonTracker(aspect, self.checker.d.lying, self.checker.d.pattern)
            self._cuts = CutDetector(aspect)

    def follow(self, people_image: np.ndarray, people_world: np.ndarray, t_s: float,
               aspect: float) -> tuple[np.ndarray, np.ndarray, int]:
        """The image and world landmarks (33, 4) of the person to follow among everyone seen
        ((P, 33, 4) each; :class:`~formcheck.track.PersonTracker`), NaN if nobody, and P."""
        self._start(aspect)
        assert self._tracker is not None
        keep = distinct(people_image, aspect)  # one person found twice is one
        if len(keep) < len(people_image):
            people_image, people_world = people_image[keep], people_world[keep]
        i = self._tracker.pick(people_image, t_s)
        if i < 0:
            nobody = np.full((33, 4), np.nan, np.float32)
            return nobody, nobody, len(people_image)
        return people_image[i], people_world[i], len(people_image)

    def update_analysed(self, people: tuple[np.ndarray, np.ndarray], t_s: float, aspect: float,
                        skipped_t_s: tuple[float, ...] = ()) -> list[Event]:
        """Feed one frame the pose model looked at, after the frames before it that it did not
        (at times ``skipped_t_s``, since the previous analysed frame): those get landmarks
        interpolated between the two analysed frames (:mod:`formcheck.inbetween`), so the
        checker sees every frame at its own time. ``people``: everyone seen, as in
        :meth:`update`. Returns the events of all the frames fed."""
        from formcheck.inbetween import between

        image, world, n = self.follow(people[0], people[1], t_s, aspect)
        events: list[Event] = []
        last = self._analysed
        for t in skipped_t_s:
            if last is None:
                continue
            t0, im0, wo0, n0 = last
            w = (t - t0) / (t_s - t0) if t_s > t0 else 0.0
            im, wo = between((im0, wo0), (image, world), w, aspect)
            events += self.update(im, wo, t, aspect, n_people=n0)
        self._analysed = (t_s, image, world, n)
        return events + self.update(image, world, t_s, aspect, n_people=n)

    def update(
        self,
        image: np.ndarray,
        world: np.ndarray,
        t_s: float,
        aspect: float,
        n_people: int = 1,
        people: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> list[Event]:
        """Feed one frame of raw MediaPipe landmarks; returns the checker's events.

        ``people``: everyone seen, (P, 33, 4) image and world landmarks; when given, the
        person to follow is chosen among them (:class:`~formcheck.track.PersonTracker`) and
        ``image``/``world`` are ignored.
        """
        self._start(aspect)
        events: list[Event] = []
        if people is not None:
            image, world, n_people = self.follow(people[0], people[1], t_s, aspect)
            tracker = self._tracker
            assert tracker is not None
            if tracker.missing or (self._waiting and n_people == 0):
                # The person followed is not seen this frame, others are (or nobody is, after
                # that): whether they come back or someone else is followed from now on, the
                # next frames tell.
                self._waiting.append((t_s, aspect, n_people))
                self.image = self.world = np.full((33, 4), np.nan, np.float32)
                return []
            events += self._resolve_waiting(tracker.changed, t_s, aspect)
            tracker.changed = False
        return events + self._step(image, world, t_s, aspect, n_people)

    def _step(self, image: np.ndarray, world: np.ndarray, t_s: float, aspect: float,
              n_people: int) -> list[Event]:
        """One frame of the followed person (NaN: nobody) through the cut detector."""
        assert self._cuts is not None
        verdict = self._cuts.update(image, t_s)
        if verdict == "held":  # the body jumped: a glitch or a cut, as the next frames tell
            self._held.append((image, world, t_s, aspect, n_people))
            self.image = self.world = np.full((33, 4), np.nan, np.float32)
            return []
        return self._release(verdict) + self._feed(image, world, t_s, aspect, n_people)

    def _resolve_waiting(self, switched: bool, t_s: float = 0.0, aspect: float = 1.0) -> list[Event]:
        """Feed the frames in which the person followed was missed. Followed again: they were
        hidden or missed by the model, so those frames had nobody in them. Another person
        followed from now on (the first one lost for a second, or standing still while another
        moves in the exercise's pattern): as after a cut, at the first of them, a rep under way
        is not the new person's, and the cut detector starts afresh from them (after a second
        without anyone it would not compare the two, and a rep could run from one person into
        the other)."""
        waiting, self._waiting = self._waiting, []
        events: list[Event] = []
        if switched:
            t0, aspect0 = (waiting[0][0], waiting[0][1]) if waiting else (t_s, aspect)
            events += self._release("cut") if self._held else []
            self._cuts = CutDetector(aspect0)
            self._smooth.reset()
            done = self.checker.cut(t0)
            self.events += done
            events += done
        nobody = np.full((33, 4), np.nan, np.float32)
        for t, a, n in waiting:
            events += self._step(nobody, nobody, t, a, n)
        return events

    def flush(self) -> list[Event]:
        """The stream ended: feed any frames still held after a jump (as after a cut: nothing
        came to tell otherwise) and let the checker finish a rep settling."""
        events = self._resolve_waiting(False)
        events += self._release("kept" if self._cuts is not None and self._cuts.spike_held else "cut")
        done = self.checker.finish()
        self.events += done
        return events + done

    def _release(self, verdict: Verdict) -> list[Event]:
        """Feed the frames held since a jump: a cut at the first of them ("cut"), as they are
        (the body moved on: "kept"), or else (a glitch, the body back where it was) as frames in
        which nobody was seen."""
        if not self._held:
            return []
        held, self._held = self._held, []
        events: list[Event] = []
        cut = verdict == "cut"
        if cut:
            self._smooth.reset()
            events += self.checker.cut(held[0][2])
            self.events += events
        nobody = np.full((33, 4), np.nan, np.float32)
        for image, world, t_s, aspect, n_people in held:
            if cut or verdict == "kept":
                events += self._feed(image, world, t_s, aspect, n_people)
            else:
                events += self._feed(nobody, nobody, t_s, aspect, 1)
        if verdict == "same":
            self.checker.glitch(held[0][2])
        return events

    def _feed(self, image: np.ndarray, world: np.ndarray, t_s: float, aspect: float,
              n_people: int) -> list[Event]:
        """One frame to the checker, and into the counts and traces."""
        self.n_frames += 1
        self.image, self.world = image, world
        frame = to_frame(image, world, t_s, aspect)
        if frame.detected:
            self.n_detected += 1
            if n_people > 1:
                self.n_crowded += 1
            inside, seen = _body_shown(image, self._required)
            self.n_cut += not inside
            self.n_hidden += inside and not seen
            if self._lost_t is not None and t_s - self._lost_t > MAX_MISSING_S:
                self.unseen.append((self._lost_t, t_s))
            self._seen_t, self._lost_t = t_s, None
        elif self._lost_t is None and self._seen_t is not None and self._began:
            # A frame without the person once counting has begun (not while walking in; not
            # in the live window's pause, see away): a stall of the camera, with no frame at
            # all, is no loss.
            self._lost_t = self._seen_t
        events = self.checker.update(self._smooth(frame))
        self._began = self._began or self.checker.phase != "setup"
        self.events += events
        self.trace_t.append(round(t_s, 3))
        self.trace_key.append(self.checker.key_value)  # as measured; the live number may be blank
        self.trace_sig.append(self.checker.signal_value)
        return events

    def away(self) -> None:
        """The person is out of the picture on purpose (the live window's pause): the time
        until they are back is not a loss to tell them about."""
        self._seen_t = self._lost_t = None

    def snapshot(self, stills: dict[str, bytes] | None = None) -> Snapshot:
        """What a session needs, copied now, without finishing the checker (counting goes on):
        the live recorder saves a set as it happens from these."""
        ch = self.checker
        n = len(self.trace_t)  # the three traces are appended together; copy equal lengths
        return Snapshot(
            reps=list(ch.reps),
            skipped=ch.skipped_checks(),
            view=ch.views.estimate.view,
            n_frames=self.n_frames,
            n_detected=self.n_detected,
            n_crowded=self.n_crowded,
            n_cut=self.n_cut,
            n_hidden=self.n_hidden,
            trace_t=self.trace_t[:n],
            trace_key=self.trace_key[:n],
            trace_sig=self.trace_sig[:n],
            followed=self._tracker.description() if self._tracker is not None else None,
            follow=self._tracker.record() if self._tracker is not None else None,
            no_reps=None if ch.reps else ch.no_reps_reason(),
            notes=list(ch.notes),
            unseen=list(self.unseen),
            stills=dict(stills or {}),
        )

    def finish(
        self,
        source: str,
        fps: float,
        extra_warnings: list[str] | None = None,
        ended: str = "complete",
    ) -> Session:
        """Close the stream and build the session. Raises NoPersonError if nobody was seen."""
        self.flush()
        if self.n_frames and self.n_detected == 0:
            raise NoPersonError(f"No person was found in {source}.")
        snap = self.snapshot()
        snap.extra_warnings = list(extra_warnings or [])
        d = self.checker.d
        return build_session(
            snap, exercise=self.exercise, source=source, fps=fps, prescription=dict(self.checker.rx),
            key_label=d.key_label, ended=ended,
        )


@dataclass
class Snapshot:
    """Copies of a scorer's counts, reps and traces at one moment (see :meth:`Scorer.snapshot`)."""

    reps: list[Rep]
    skipped: dict[str, str]
    view: str
    n_frames: int
    n_detected: int
    n_crowded: int
    n_cut: int
    trace_t: list[float]
    trace_key: list[float]
    trace_sig: list[float]
    followed: str | None = None  # whom the tracker followed, when several people were seen
    follow: dict[str, Any] | None = None  # the same for the session file (PersonTracker.record)
    no_reps: str | None = None  # why there are no reps, when there are none
    extra_warnings: list[str] = field(default_factory=list)
    stills: dict[str, bytes] = field(default_factory=dict)
    spoken: list[dict[str, Any]] = field(default_factory=list)  # what a live voice said
    n_hidden: int = 0  # frames in which neither body side was clearly seen
    unseen: list[tuple[float, float]] = field(default_factory=list)  # see Scorer.unseen
    notes: list[str] = field(default_factory=list)  # what the checker saw and did not count


def build_session(
    snap: Snapshot,
    *,
    exercise: str,
    source: str,
    fps: float,
    prescription: dict[str, Any],
    key_label: str,
    ended: str,
    created: str | None = None,
    session_type: type[Session] = Session,
    **extra: Any,
) -> Session:
    """The one way a session is built, offline (:meth:`Scorer.finish`) and live (the recorder):
    reps, checks skipped, warnings, the view seen most, and the traces, from a snapshot."""
    warnings = list(snap.extra_warnings) + quality_warnings(
        snap.n_frames, snap.n_detected, snap.n_crowded, snap.n_cut, len(snap.reps), snap.followed,
        snap.no_reps, snap.n_hidden, snap.unseen,
    )
    warnings += snap.notes
    views = [r.view for r in snap.reps] or [snap.view]
    view = max(dict.fromkeys(views), key=views.count)  # ties: the first seen, in any process
    when: dict[str, Any] = {"created": created} if created is not None else {}
    return session_type(
        exercise=exercise,
        source=source,
        view=view,
        fps=fps,
        n_frames=snap.n_frames,
        duration_s=snap.trace_t[-1] if snap.trace_t else 0.0,
        reps=list(snap.reps),
        skipped_checks=dict(snap.skipped),
        warnings=warnings,
        prescription=dict(prescription),
        key_label=key_label,
        ended=ended,
        trace={
            "t_s": list[float | None](snap.trace_t),
            "key_deg": _clean(snap.trace_key),
            "signal": _clean(snap.trace_sig),
        },
        stills=dict(snap.stills),
        followed=None if snap.follow is None else dict(snap.follow),
        **when,
        **extra,
    )


def quality_warnings(
    n_frames: int,
    n_detected: int,
    n_crowded: int,
    n_cut: int,
    n_reps: int,
    followed: str | None = None,
    no_reps: str | None = None,
    n_hidden: int = 0,
    unseen: Sequence[tuple[float, float]] = (),
) -> list[str]:
    """Sentences about what may make a session less trustworthy (seen too little, crowded, cut)."""
    if n_frames == 0:
        return ["The input has no frames."]
    out = []
    if n_detected < 0.5 * n_frames:
        out.append(
            f"A person was seen in only {100 * n_detected // n_frames}% of frames: film in good light, "
            "with your whole body in the picture."
        )
    elif said := unseen_warning(unseen):
        out.append(said)
    if n_crowded > 0.05 * max(1, n_detected):
        out.append(followed or "More than one person was in view; the largest one was scored.")
    if n_cut > 0.2 * max(1, n_detected):
        out.append("Part of the body was often out of frame; step back so the whole body shows.")
    elif n_cut + n_hidden > 0.2 * max(1, n_detected):
        # In the picture, but neither side of the body clearly seen: small in the picture, dark,
        # or filmed end-on (from the feet of someone lying on their side).
        out.append(
            "Part of the body was often not clearly seen: film closer, in good light, from the view "
            "the exercise asks for, with your whole body in view."
        )
    if not n_reps and n_detected:
        out.append(no_reps or "No complete reps were found.")
    return out


#: A stretch without the person longer than this is someone stepping away between sets (or a
#: clip's cut-away to a title or a talk), not a set lost to the camera: not told.
UNSEEN_AWAY_S = 10.0


def unseen_warning(unseen: Sequence[tuple[float, float]]) -> str | None:
    """One sentence when the person, seen before and after, was not found for a second or more
    in the middle of the set (counting paused then: a rep there is not counted, and nothing
    else said so). Real film loses the person this way when the head leaves a close shot (the
    pose model finds a person by the head) or in the dark. Stretches of UNSEEN_AWAY_S and more
    are someone stepping away, not told."""
    lost = [(a, b) for a, b in unseen if b - a < UNSEEN_AWAY_S]
    if not lost:
        return None
    total = sum(b - a for a, b in lost)
    first = f"{lost[0][0]:.0f} s"
    when = f"for {total:.0f} s from {first}" if len(lost) == 1 else (
        f"{len(lost)} times, {total:.0f} s in all, first at {first}"
    )
    return (
        f"You were not seen {when}, and nothing was counted then: keep your whole body, head "
        "included, in the picture, in good light."
    )


def _clean(vals: list[float]) -> list[float | None]:
    return [None if not np.isfinite(v) else round(float(v), 2) for v in vals]


def score_sequence(
    seq: PoseSequence,
    exercise: str,
    prescription: dict[str, Any] | None = None,
    source: str = "trace",
    stride: int = 1,
    analysed: np.ndarray | None = None,
) -> Session:
    """Score a landmark trace (e.g. a saved ``.npz``).

    ``stride`` > 1: as if the pose model had looked at every ``stride``-th frame only, the
    frames between filled in as :meth:`Scorer.update_analysed` does (what
    ``score_video(analysis_fps=...)`` does with a video). ``analysed``: likewise, for the
    frames this mask picks (a frame after the last one picked is not scored).
    """
    scorer = Scorer(exercise, prescription)
    if analysed is None and stride > 1:
        analysed = np.arange(len(seq)) % stride == 0
    if analysed is not None:
        t_s = seq.t_ms.astype(np.float64) / 1000.0
        skipped: list[float] = []
        for i in range(len(seq)):
            if not analysed[i]:
                skipped.append(float(t_s[i]))
                continue
            scorer.update_analysed(seq.people(i), float(t_s[i]), seq.aspect, tuple(skipped))
            skipped = []
        return scorer.finish(source, seq.fps)
    for i in range(len(seq)):
        people = seq.people(i) if seq.people_image is not None else None
        scorer.update(seq.image[i], seq.world[i], float(seq.t_ms[i]) / 1000.0, seq.aspect, people=people)
    return scorer.finish(source, seq.fps)


@contextlib.contextmanager
def _opencv_on_one_thread() -> Iterator[None]:
    """OpenCV on one thread while a file's frames are read and scored, as it was after. Its
    own threads (reducing frames, drawing) would only compete with the pose models and the
    decoder for the same cores: on one thread the same pixels cost about a third less CPU (a
    960x544 frame's reduction to 640 wide: 3.5 ms instead of 4.5 ms on 2 cores). The setting
    is process-wide."""
    before = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(before)


def score_video(
    path: Path,
    exercise: str,
    *,
    prescription: dict[str, Any] | None = None,
    model: Path | None = None,
    annotate_to: Path | None = None,
    landmarks_to: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    pose_workers: int | None = None,
    estimators: Sequence[Detector] | None = None,
    analysis_fps: float | None = None,
    follow: bool = False,
) -> Session:
    """Score one video file.

    Args:
        annotate_to: also write an annotated mp4 here (skeleton, angle, count, cue).
        landmarks_to: also save the raw landmark trace here (``.npz``, re-scorable).
        progress: called as ``progress(frames_done, frames_total)``.
        pose_workers: pose models working side by side (None: one per CPU, see
            :func:`formcheck.pose.default_pose_workers`); the landmarks are the same for any
            number.
        estimators: pose models kept open by the caller across videos (a cluster actor's,
            :mod:`formcheck.cluster`), used instead of loading ``model`` for this video.
        analysis_fps: let the pose model look at about this many frames a second
            (:func:`formcheck.video.frame_stride`; e.g. :data:`ANALYSIS_FPS`), the checker
            getting the frames between interpolated (:meth:`Scorer.update_analysed`); None:
            every frame. About half the work on a 30 fps file; the annotated video and the
            saved landmarks then hold the analysed frames only.
        follow: follow the person from frame to frame and look for everyone about once a
            second (:mod:`formcheck.follow`): about 40% less work a frame, on one core; with
            neither ``annotate_to`` nor ``landmarks_to``, the follower looks at every other
            frame where the body's path is nearly straight
            (:func:`formcheck.follow.follow_frames`).
    Raises:
        MissingInputError, BadVideoError, NoPersonError, UsageError (a bad model path).
    """
    from formcheck.pose import PoseOptions, iter_poses
    from formcheck.posture import PostureTally
    from formcheck.stills import StillKeeper
    from formcheck.video import frame_stride, probe

    stride = frame_stride(probe(path).fps, analysis_fps) if analysis_fps else 1

    scorer = Scorer(exercise, prescription)
    lying = scorer.checker.d.lying
    options = (PoseOptions(head_right=lying, follow=follow) if model is None or estimators is not None
               else PoseOptions(model_path=Path(model), head_right=lying, follow=follow))
    owned: list[Detector] = []  # a following estimator made here, closed here
    if follow and estimators is None:
        from formcheck.follow import FollowingEstimator

        owned.append(FollowingEstimator(options))
        estimators = owned
    keeper = StillKeeper(scorer.checker.d)
    posture = PostureTally()
    writer: AnnotatedWriter | None = None
    images: list[np.ndarray] = []
    worlds: list[np.ndarray] = []
    people_images: list[np.ndarray] = []
    people_worlds: list[np.ndarray] = []
    t_ms: list[int] = []
    late: Delay[HeldFrame] = Delay(scorer.checker.report_lag_s + MARGIN_S)
    try:
        with _opencv_on_one_thread(), iter_poses(
                path, options=options, keep_full=annotate_to is not None, workers=pose_workers,
                full_max_side=ANNOTATE_MAX_SIDE, stride=stride, estimators=estimators,
                adaptive=follow and annotate_to is None and landmarks_to is None) as poses:
            info = poses.info
            aspect = info.width / info.height
            for _, frame, pose in poses:
                t_s = frame.t_ms / 1000.0
                # The frames a reduced rate or the follower left out, if any, come before it.
                skipped = tuple(t / 1000.0 for t in frame.skipped_t_ms)
                events = scorer.update_analysed((pose.people_image, pose.people_world), t_s,
                                                aspect, skipped)
                keeper.offer(t_s, frame.rgb_small, scorer.image)
                posture.offer(scorer.image, aspect, scorer.world)
                for ev in events:
                    if ev.rep is not None:
                        keeper.capture(ev.rep)
                if landmarks_to is not None:
                    images.append(pose.image)
                    worlds.append(pose.world)
                    people_images.append(pose.people_image)
                    people_worlds.append(pose.people_world)
                    t_ms.append(frame.t_ms)
                if annotate_to is not None and frame.full_bgr is not None:
                    if writer is None:
                        writer = _open_writer(annotate_to, info.fps / stride, frame.full_bgr.shape)
                    # Drawn a moment late, with the reps known by then (formcheck/hindsight.py).
                    ready = late.push(t_s, (frame.full_bgr, scorer.image.copy(), scorer.checker.state))
                    _draw_frames(writer, ready, scorer.checker.reps, scorer.checker.d)
                if progress is not None:
                    progress(frame.index + 1, info.n_frames)
            extra = [poses.error] if poses.truncated and poses.error else []
        session = scorer.finish(str(path), info.fps, extra)
        session.analysis = {"analysed_fps": round(info.fps / stride, 3), "following": bool(follow)}
        for rep in session.reps:  # a rep that completed as the video ended
            keeper.capture(rep)
        session.stills = dict(keeper.stills)
        hint = posture.hint(scorer.checker.d) if not session.reps else None
        if hint:  # standing when lying was expected, or the other way round
            session.warnings.append(hint)
        if writer is not None:
            _draw_frames(writer, late.drain(), session.reps, scorer.checker.d)
            _write_annotated(writer, None)
            writer = None
        if landmarks_to is not None and images:
            seq = PoseSequence(
                np.stack(images),
                np.stack(worlds),
                np.array(t_ms),
                info.fps,
                info.width,
                info.height,
                _pad_people(people_images),
                _pad_people(people_worlds),
            )
            fd, tmp = tempfile.mkstemp(prefix=".landmarks.", suffix=".npz", dir=landmarks_to.parent)
            os.close(fd)
            try:
                seq.save(tmp)
                os.chmod(tmp, default_mode())
                os.replace(tmp, landmarks_to)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return session
    finally:
        if writer is not None:
            writer.abort()
        for estimator in owned:
            estimator.close()


def _pad_people(per_frame: list[np.ndarray]) -> np.ndarray:
    """(T, P, 33, 4) from per-frame (p_t, 33, 4) arrays, NaN where a frame had fewer people."""
    p = max((len(a) for a in per_frame), default=0)
    out = np.full((len(per_frame), max(p, 1), 33, 4), np.nan, np.float32)
    for i, a in enumerate(per_frame):
        out[i, : len(a)] = a
    return out


def _open_writer(dest: Path, fps: float, shape: tuple[int, ...]) -> AnnotatedWriter:
    """An H.264 writer for the annotated video (long side at most ANNOTATE_MAX_SIDE, written
    under a temporary name); a disk that cannot take it ends in one sentence."""
    from formcheck.videowrite import AnnotatedWriter, output_size

    h, w = shape[:2]
    try:
        return AnnotatedWriter(dest, fps, output_size(w, h, ANNOTATE_MAX_SIDE), default_mode())
    except OSError as e:
        raise FormcheckError(f"Cannot write the annotated video {dest}: {_why(e)}.") from None


HeldFrame = tuple[np.ndarray, np.ndarray, "CheckerState"]  # picture, landmarks, the checker's state then


def _draw_frames(writer: AnnotatedWriter, frames: list[tuple[float, HeldFrame]], reps: Sequence[Rep],
                 d: ExerciseDef) -> None:
    """Draw and write frames (time, picture, landmarks, the checker's state then), each with
    the reps that had ended by its time and the last one's cue."""
    if not frames:
        return
    from formcheck.annotate import annotate, cue_joints

    for t_s, (bgr, image, state) in frames:
        st = as_known_later(state, reps, t_s)
        _write_annotated(writer, annotate(bgr, image, st, d.title, cue_joints(d, st.cue)))


def _write_annotated(writer: AnnotatedWriter, img: np.ndarray | None) -> None:
    """Write one frame (None: finish the file and rename it); OSError -> one sentence."""
    try:
        if img is None:
            writer.close()
        else:
            writer.write(img)
    except OSError as e:
        writer.abort()
        raise FormcheckError(f"Cannot write the annotated video {writer.dest}: {_why(e)}.") from None


def _why(e: OSError) -> str:
    import errno

    if e.errno == errno.ENOSPC:
        return "the disk is full"
    return str(e.strerror or e).rstrip(".").lower()
