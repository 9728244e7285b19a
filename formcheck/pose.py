"""Pose landmarks from frames: MediaPipe's PoseLandmarker, as numpy arrays.

This is the only module that touches MediaPipe's result types. :class:`PoseEstimator` takes one
RGB frame and a timestamp and returns a :class:`PoseResult` of float32 arrays with NaN where
nobody is seen; :func:`iter_poses` runs it over a video file while
:class:`~formcheck.video.FrameReader` decodes the next frames on its own thread;
:func:`pose_sequence` collects a whole video into a :class:`~formcheck.landmarks.PoseSequence`.

By default MediaPipe runs in IMAGE mode: the person detector and the landmark model on every
frame, each frame on its own. With two people looked for, VIDEO mode also runs the detector on
every frame while it sees one person, and gives bit for bit the same landmarks (checked on all
the studio samples); but an IMAGE-mode frame depends on no other, so :func:`iter_poses` spreads
the frames of a video over one model per CPU (MediaPipe's CPU inference keeps to one core),
which nearly doubles the frame rate on two cores. VIDEO mode with one person
(``PoseOptions(num_poses=1, tracking=True)``) skips the detector while it can follow the last
pose: about 40% less work a frame, but the followed region drifts; on the studio samples it
misses a squat and a shallow-squat fault, and reads rep knee depth about 1 degree and bridge
hip lines about 2.5 degrees further from the truth.

A reader with a ``stride`` (``iter_poses(stride=k)``) hands the models every k-th frame only:
the frames between are decoded, as a video must be, but not converted or looked at; the
landmarks of the frames looked at are the same as at full rate, since an IMAGE-mode frame
depends on no other (with an orienter, its decisions then lag k times as long).
:func:`formcheck.pipeline.score_video` uses this for ``analysis_fps``.

For exercises done lying down (``PoseOptions.head_right``) a person lying with the head on
the left is shown to the model mirrored, where it places the joints better, and the landmarks
are mirrored back (:mod:`formcheck.orient`).

The model runs at 256 px internally, so frames are handed over with their long side reduced to
640 px: this saves a few milliseconds a frame on HD video and does not change the landmarks.
"""

from __future__ import annotations

import contextlib
import functools
import os
import queue
import sys
import threading
from collections import deque
from collections.abc import Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

import numpy as np

from formcheck.errors import UsageError
from formcheck.landmarks import N_LANDMARKS, PoseSequence
from formcheck.mediapipe_import import mp
from formcheck.orient import Orienter, unmirror
from formcheck.video import DecodedFrame, FrameReader, VideoInfo

if TYPE_CHECKING:  # the classes by name for the type checker (``vision`` below is a value)
    from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerResult

BaseOptions = mp.tasks.BaseOptions
vision = mp.tasks.vision

DEFAULT_MODEL: Path = Path(__file__).resolve().parent / "models" / "pose_landmarker_full.task"

# MediaPipe logs one harmless warning to stderr ("Using NORM_RECT without IMAGE_DIMENSIONS is
# only supported for the square ROI"; the pose ROI is square) at the first pose found in a
# process. Calls are silenced until then.
_first_pose_pending = True

# A landmark counts towards a person's bounding box (to pick the largest person) from this
# visibility on; if none reaches it, all landmarks count.
_BBOX_MIN_VISIBILITY = 0.5


def _check_unit(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise UsageError(f"{name} must be between 0 and 1, got {value}.")


@dataclass(frozen=True)
class PoseOptions:
    """Settings of the pose model.

    Attributes:
        model_path: a MediaPipe pose landmarker ``.task`` bundle (default: the bundled "full"
            model).
        num_poses: most people detected per frame; the largest is reported (>= 1). Several let
            a helper walking through the picture, or a class, be told apart from the person
            exercising. Four: with two, three people squatting side by side (real film) read
            as two who changed from frame to frame, and nothing was counted ("cut away
            mid-rep" three times); with four, all three are seen. A person more costs one more
            landmark model run that frame; no frame of the 40 real videos has more than two
            people, so they cost nothing more.
        min_detection_confidence: score (0-1) the person detector needs to report a person.
        min_presence_confidence: score (0-1) the landmark model needs to report a pose present.
        min_tracking_confidence: score (0-1) under which tracking is dropped and the detector is
            run again on the next frame (``tracking`` only).
        head_right: for exercises done lying down: show the model a person lying with the
            head on the left mirrored, head on the right, where it places the joints better
            (see :mod:`formcheck.orient`); landmarks come back as filmed. Not with ``tracking``.
        tracking: run MediaPipe in VIDEO mode, following people from frame to frame: frames
            must then come in order with increasing timestamps, and a video is read by one
            model. Only faster with ``num_poses=1``, and less accurate (see the module notes).
            Off: IMAGE mode, every frame on its own.
        follow: follow the person from frame to frame and look for everyone about once a
            second: about 40% less work a frame; a video is read by one model pair, frames in
            order. Not with ``tracking``. The stream then needs the
            :class:`formcheck.follow.FollowingEstimator` given as its ``estimators``.

    Raises:
        UsageError: a model path that does not exist or is not a ``.task`` file, or a value out
            of range.
    """

    model_path: Path = DEFAULT_MODEL
    num_poses: int = 4
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    tracking: bool = False
    head_right: bool = False
    follow: bool = False

    def __post_init__(self) -> None:
        path = Path(self.model_path)
        object.__setattr__(self, "model_path", path)
        if path.suffix.lower() != ".task":
            raise UsageError(f"Model {path} is not a MediaPipe .task file.")
        if not path.is_file():
            raise UsageError(f"Model file {path} does not exist.")
        if path != DEFAULT_MODEL:
            check_model(path)
        if self.follow and self.tracking:
            raise UsageError("follow and tracking are two ways of following: choose one.")
        if self.num_poses < 1:
            raise UsageError(f"num_poses must be at least 1, got {self.num_poses}.")
        _check_unit("min_detection_confidence", self.min_detection_confidence)
        _check_unit("min_presence_confidence", self.min_presence_confidence)
        _check_unit("min_tracking_confidence", self.min_tracking_confidence)


# The two models inside a pose landmarker .task bundle (a zip).
_MODEL_ENTRIES = ("pose_detector.tflite", "pose_landmarks_detector.tflite")


def check_model(path: Path) -> None:
    """Make sure ``path`` is a pose landmarker bundle that loads and runs, before any work.

    A zip without the two models, or with other models in their place (swapped, or another
    task's), otherwise fails with MediaPipe's own errors at the first frame. The check loads
    the bundle and runs it once on a blank image; it is done once per file and process.

    Raises:
        UsageError: one sentence saying what is wrong with the file.
    """
    st = path.stat()
    _check_model(path.resolve(), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _check_model(path: Path, _size: int, _mtime_ns: int) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError):
        raise UsageError(
            f"Cannot load pose model {path}: it is not a MediaPipe .task file (a zip)."
        ) from None
    missing = [n for n in _MODEL_ENTRIES if n not in names]
    if missing:
        raise UsageError(
            f"Cannot load pose model {path}: it does not hold {' or '.join(missing)}."
        )
    landmarker = None
    try:
        with _native_stderr_silenced():
            landmarker = vision.PoseLandmarker.create_from_options(
                vision.PoseLandmarkerOptions(
                    base_options=BaseOptions(model_asset_path=str(path)),
                    running_mode=vision.RunningMode.IMAGE,
                )
            )
            blank = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.zeros((64, 64, 3), np.uint8))
            landmarker.detect(blank)
    except Exception:  # MediaPipe raises RuntimeError, ValueError, FileNotFoundError, TypeError...
        raise UsageError(
            f"Cannot load pose model {path}: its models do not run as a pose landmarker "
            "(swapped, or made for another task?)."
        ) from None
    finally:
        if landmarker is not None:
            with _native_stderr_silenced(), contextlib.suppress(Exception):
                landmarker.close()


def _nan_landmarks() -> np.ndarray:
    return np.full((N_LANDMARKS, 4), np.nan, np.float32)


@dataclass
class PoseResult:
    """The pose of the largest person in one frame.

    Attributes:
        image: (33, 4) float32: x, y normalised to the frame width and height (0-1, may fall
            slightly outside), z (MediaPipe's depth, roughly the scale of x, hip-centred), and
            visibility (0-1). All NaN when nobody is seen; visibility NaN when MediaPipe gives none.
        world: (33, 4) float32: x, y, z in metres, hip-centred (x right, y down, z away from the
            camera), and the same visibility as ``image``. All NaN when nobody is seen.
        n_people: people detected in the frame (0 .. ``PoseOptions.num_poses``).
        people_image: (n_people, 33, 4) float32: every person seen, largest first (``image``
            is the first); :class:`formcheck.track.PersonTracker` picks whom to follow.
        people_world: (n_people, 33, 4) float32: their world landmarks.
    """

    image: np.ndarray = field(default_factory=_nan_landmarks)
    world: np.ndarray = field(default_factory=_nan_landmarks)
    n_people: int = 0
    people_image: np.ndarray = field(default_factory=lambda: np.empty((0, N_LANDMARKS, 4), np.float32))
    people_world: np.ndarray = field(default_factory=lambda: np.empty((0, N_LANDMARKS, 4), np.float32))

    @property
    def detected(self) -> bool:
        return self.n_people > 0


def _to_array(landmarks: list) -> np.ndarray:  # list of MediaPipe (Normalized)Landmark
    """(33, 4) float32 x, y, z, visibility from MediaPipe landmark objects; None -> NaN."""
    out = _nan_landmarks()
    for i, lm in enumerate(landmarks[:N_LANDMARKS]):
        out[i] = (
            np.nan if lm.x is None else lm.x,
            np.nan if lm.y is None else lm.y,
            np.nan if lm.z is None else lm.z,
            np.nan if lm.visibility is None else lm.visibility,
        )
    return out


def bbox_area(image: np.ndarray) -> float:
    """Area of the box around a pose's visible landmarks, in normalised units (0 if none).

    Args:
        image: (33, 4) normalised x, y, z, visibility.
    """
    xy = image[:, :2]
    visible = image[:, 3] >= _BBOX_MIN_VISIBILITY
    pts = xy[visible] if visible.any() else xy
    pts = pts[np.isfinite(pts).all(axis=1)]
    if len(pts) == 0:
        return 0.0
    span = pts.max(axis=0) - pts.min(axis=0)
    return float(span[0] * span[1])


_stderr_lock = threading.Lock()


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Send the C++ libraries' stderr (TFLite and glog start-up chatter) to /dev/null meanwhile.

    Python errors are unaffected: they are raised as exceptions carrying their message.
    """
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, ValueError, OSError):  # no real stderr (e.g. pytest capture)
        yield
        return
    with _stderr_lock:  # two threads swapping fd 2 at once could leave it on /dev/null
        sys.stderr.flush()
        saved = os.dup(fd)
        try:
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), fd)
            yield
        finally:
            os.dup2(saved, fd)
            os.close(saved)


class Detector(Protocol):
    """What reads a pose from a frame: :class:`PoseEstimator`, or
    :class:`formcheck.follow.FollowingEstimator`."""

    options: PoseOptions

    def detect(self, rgb: np.ndarray, t_ms: int, mirror: bool = False) -> PoseResult: ...

    def close(self) -> None: ...


class PoseEstimator:
    """MediaPipe PoseLandmarker for one stream of frames; use as a context manager.

    In IMAGE mode (the default) each frame is looked at on its own. With
    ``PoseOptions.tracking`` (VIDEO mode) one estimator follows one video or camera stream: feed
    frames in order with increasing timestamps. One estimator must not be used by two threads at
    once; use one each. ``close()`` releases the model (also done on leaving a ``with`` block).

    Raises:
        UsageError: the model file cannot be loaded as a pose landmarker.
    """

    def __init__(self, options: PoseOptions | None = None) -> None:
        self.options = options if options is not None else PoseOptions()
        o = self.options
        mp_options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(o.model_path)),
            running_mode=vision.RunningMode.VIDEO if o.tracking else vision.RunningMode.IMAGE,
            num_poses=o.num_poses,
            min_pose_detection_confidence=o.min_detection_confidence,
            min_pose_presence_confidence=o.min_presence_confidence,
            min_tracking_confidence=o.min_tracking_confidence,
        )
        try:
            with _native_stderr_silenced():
                self._landmarker: PoseLandmarker | None = (
                    vision.PoseLandmarker.create_from_options(mp_options)
                )
        except (ValueError, RuntimeError) as exc:
            raise UsageError(f"Cannot load pose model {o.model_path}: {exc}") from exc
        self.last_t_ms: int | None = None

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the model; safe to call more than once."""
        if self._landmarker is not None:
            with _native_stderr_silenced():  # "DestroyAccelerator" chatter
                self._landmarker.close()
            self._landmarker = None

    def detect(self, rgb: np.ndarray, t_ms: int, mirror: bool = False) -> PoseResult:
        """Landmarks of the largest person in one frame.

        Args:
            rgb: (h, w, 3) uint8 RGB image. A long side of about 640 px is plenty (the model
                works at 256 px); larger frames only cost time.
            t_ms: the frame's timestamp in milliseconds; only tracking (VIDEO mode) uses it.
                MediaPipe's VIDEO mode refuses a timestamp that does not increase; such a
                timestamp (a repeated clock reading, say) is moved to 1 ms after the previous
                one, and the one used is kept in ``last_t_ms``.
            mirror: show the model the frame mirrored left to right; the landmarks are mirrored
                back (:func:`formcheck.orient.unmirror`), so they describe ``rgb`` as given.

        Returns:
            the :class:`PoseResult`; when several people are seen, the one whose visible
            landmarks span the largest box, with ``n_people`` counting them all.

        Raises:
            ValueError: ``rgb`` is not an (h, w, 3) uint8 array.
            RuntimeError: the estimator was closed.
        """
        if self._landmarker is None:
            raise RuntimeError("PoseEstimator.detect() called after close().")
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"rgb must be an (h, w, 3) uint8 array, got {rgb.shape} {rgb.dtype}")
        t = int(t_ms)
        if self.last_t_ms is not None and t <= self.last_t_ms:
            t = self.last_t_ms + 1
        self.last_t_ms = t
        pixels = rgb[:, ::-1] if mirror else rgb
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(pixels))
        global _first_pose_pending
        if _first_pose_pending:
            with _native_stderr_silenced():
                result = self._run(image, t)
            _first_pose_pending = not result.pose_landmarks
        else:
            result = self._run(image, t)
        pose = _pick_largest(result.pose_landmarks, result.pose_world_landmarks)
        if mirror and pose.detected:
            pose.image, pose.world = unmirror(pose.image, pose.world)
            for i in range(pose.n_people):
                im, wo = unmirror(pose.people_image[i], pose.people_world[i])
                pose.people_image[i], pose.people_world[i] = im, wo
        return pose

    def _run(self, image: mp.Image, t_ms: int) -> PoseLandmarkerResult:
        assert self._landmarker is not None
        if self.options.tracking:
            return self._landmarker.detect_for_video(image, t_ms)
        return self._landmarker.detect(image)


def _pick_largest(poses: list, world_poses: list) -> PoseResult:
    """PoseResult of MediaPipe's poses (lists of landmark lists), the largest first."""
    n = len(poses)
    if n == 0:
        return PoseResult()
    images = [_to_array(p) for p in poses]
    worlds = []
    for i, image in enumerate(images):
        world = _to_array(world_poses[i]) if i < len(world_poses) else _nan_landmarks()
        world[:, 3] = image[:, 3]  # world landmarks carry the same visibility; keep one source
        worlds.append(world)
    order = sorted(range(n), key=lambda i: -bbox_area(images[i])) if n > 1 else [0]
    people_image = np.stack([images[i] for i in order])
    people_world = np.stack([worlds[i] for i in order])
    return PoseResult(people_image[0].copy(), people_world[0].copy(), n, people_image, people_world)


# Pose models a video file is spread over, at most (each holds its own copy of the model).
_MAX_WORKERS = 4


def default_pose_workers() -> int:
    """Pose models that score a video file side by side: one per CPU, 1 to 4.

    MediaPipe's CPU inference keeps to one core, so on two cores a second model nearly doubles
    the frame rate; decoding and scoring fit in between.
    """
    return max(1, min(_MAX_WORKERS, os.cpu_count() or 1))


def _detect_with(free: queue.SimpleQueue[Detector], frame: DecodedFrame,
                 mirror: bool) -> PoseResult:
    """Pose of ``frame`` from whichever estimator is free (put back afterwards)."""
    estimator = free.get()
    try:
        return estimator.detect(frame.rgb_small, frame.t_ms, mirror)
    finally:
        free.put(estimator)


def detect_frames(frames: Iterable[DecodedFrame], estimators: Sequence[Detector],
                  orienter: Orienter | None = None
                  ) -> Generator[tuple[DecodedFrame, PoseResult], None, None]:
    """``(frame, pose)`` for each of ``frames``, in order, from ``estimators`` side by side.

    Each estimator works on a thread of its own, up to two frames each ahead of the caller, so
    inference overlaps whatever produces the frames and whatever the caller does with a pose.
    IMAGE-mode estimators take any free frame; give a tracking (VIDEO-mode) estimator alone, so
    that it sees the frames in order. Leaving the loop early waits for the frames in hand.

    With an ``orienter`` each frame is mirrored or not as it decides
    (:meth:`~formcheck.orient.Orienter.mirror_for`), and it observes every pose in order; at most
    ``orienter.lag - 1`` frames are then in flight, so the decisions, and the landmarks, do not
    depend on how many estimators there are.
    """
    if not estimators:
        raise ValueError("detect_frames needs at least one estimator")
    free: queue.SimpleQueue[Detector] = queue.SimpleQueue()
    for estimator in estimators:
        free.put(estimator)
    ahead = 2 * len(estimators)
    if orienter is not None:
        ahead = max(1, min(ahead, orienter.lag - 1))
    pending: deque[tuple[DecodedFrame, Future[PoseResult]]] = deque()
    pool = ThreadPoolExecutor(len(estimators), thread_name_prefix="formcheck-pose")
    try:
        for n, frame in enumerate(frames):  # n, not frame.index: a reader may skip frames
            mirror = orienter.mirror_for(n) if orienter is not None else False
            pending.append((frame, pool.submit(_detect_with, free, frame, mirror)))
            if len(pending) > ahead:
                yield _settle(pending.popleft(), orienter)
        while pending:
            yield _settle(pending.popleft(), orienter)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _settle(item: tuple[DecodedFrame, Future[PoseResult]], orienter: Orienter | None
            ) -> tuple[DecodedFrame, PoseResult]:
    """Wait for one frame's pose, and let the orienter see it."""
    frame, future = item
    pose = future.result()
    if orienter is not None:
        orienter.observe(pose.image)
    return frame, pose


_T = TypeVar("_T")


def _run_ahead(items: Iterator[_T], depth: int = 2) -> Generator[_T, None, None]:
    """The items of ``items``, made on a thread of their own up to ``depth`` ahead of the
    caller (an exception raised there is raised here). Leaving the loop early waits for the
    item in hand."""
    q: queue.Queue[tuple[bool, _T | BaseException | None]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(done: bool, item: _T | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                q.put((done, item), timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put(False, item):
                    return
            put(True, None)
        except BaseException as exc:  # re-raised in the caller's thread
            put(True, exc)
        finally:
            close = getattr(items, "close", None)
            if close is not None:  # a generator left early: its own cleanup, on this thread
                close()

    thread = threading.Thread(target=run, name="formcheck-pose", daemon=True)
    thread.start()
    try:
        while True:
            done, item = q.get()
            if done:
                if isinstance(item, BaseException):
                    raise item
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        thread.join()


class PoseStream:
    """Poses of every frame of a video file, decoded on a background thread.

    Iterate to get ``(info, frame, result)`` tuples in frame order: ``info`` is the same
    :class:`~formcheck.video.VideoInfo` each time (also available as ``.info`` before iterating),
    ``frame`` the :class:`~formcheck.video.DecodedFrame` (``full_bgr`` set with ``keep_full``),
    ``result`` its :class:`PoseResult`. Use as a context manager, or iterate to the end, to
    release the decoder thread and the models. Iterable once.

    The pose model runs on ``workers`` threads of their own, each with its own model, a few
    frames ahead of the caller (:func:`detect_frames`). In IMAGE mode every frame is looked at on
    its own, so the results are the same for any number of workers; with
    ``PoseOptions.tracking`` or ``follow`` there is one worker, taking the frames in order.
    ``estimators``: IMAGE-mode models the caller keeps open across videos (a cluster worker's),
    or one :class:`formcheck.follow.FollowingEstimator` (reset between videos) with ``follow``;
    they are used instead of loading ``options``' model, and left open when the stream closes.
    At a reduced rate (``stride`` > 1) the file is read by :class:`formcheck.skim.SkimReader`:
    the same frames as :class:`~formcheck.video.FrameReader` hands out, but H.264 frames that
    no other frame refers to are not decoded unless they are looked at. ``adaptive`` (with
    ``follow``): the follower looks at every other frame handed out where the movement lets it
    (:func:`formcheck.follow.follow_frames`); the frames left out are not yielded, their times
    ride on the next frame's ``skipped_t_ms``.

    Attributes:
        info: the video's :class:`VideoInfo`.
        workers: pose models working side by side.
        truncated: True if the video ended early (damaged or cut file); see ``error``.
        error: one sentence about a truncated video, else None.

    Raises (at construction):
        MissingInputError, BadVideoError: see :func:`formcheck.video.probe`.
        UsageError: the model cannot be loaded.
        ValueError: ``workers`` below 1; ``estimators`` empty, in VIDEO mode (tracking), or
            following (:class:`formcheck.follow.FollowingEstimator`) when ``options`` do not
            say ``follow`` or the other way round.
    """

    def __init__(self, path: str | Path, *, options: PoseOptions | None = None,
                 max_side: int = 640, keep_full: bool = False,
                 decode_threads: int | None = None, workers: int | None = None,
                 full_max_side: int = 0, stride: int = 1,
                 estimators: Sequence[Detector] | None = None, adaptive: bool = False) -> None:
        options = options if options is not None else PoseOptions()
        self.adaptive = adaptive
        if workers is not None and workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        if estimators is not None and not estimators:
            raise ValueError("estimators: at least one pose model")
        if estimators is not None and any(e.options.tracking for e in estimators):
            raise ValueError("estimators: IMAGE-mode models only (tracking=False)")
        following = [getattr(e, "follows", False) for e in (estimators or [])]
        if len(following) > 1 and any(following):
            raise ValueError("estimators: a following estimator reads a video alone")
        if any(following) != options.follow:
            raise ValueError("PoseOptions.follow wants a formcheck.follow.FollowingEstimator as "
                             "estimators, and only it")
        in_order = options.tracking or options.follow  # one model (pair) sees every frame
        if estimators is not None:
            self.workers = len(estimators)
        else:
            self.workers = 1 if in_order else (workers or default_pose_workers())
        reader: type[FrameReader] = FrameReader
        if stride > 1:  # the same frames, fewer decoded
            from formcheck.skim import SkimReader

            reader = SkimReader
        self._reader = reader(path, max_side=max_side, keep_full=keep_full,
                              decode_threads=decode_threads, full_max_side=full_max_side,
                              stride=stride)
        self.info = self._reader.info
        self._orienter = (
            Orienter(self.info.width / self.info.height)
            if options.head_right and not options.tracking else None
        )
        self._owned: list[Detector] = []  # closed with the stream; borrowed ones are not
        self._estimators: list[Detector] = list(estimators or [])
        try:
            while len(self._estimators) < self.workers:
                self._owned.append(PoseEstimator(options))
                self._estimators.append(self._owned[-1])
        except BaseException:
            self.close()
            raise

    @property
    def truncated(self) -> bool:
        return self._reader.truncated

    @property
    def error(self) -> str | None:
        return self._reader.error

    def __enter__(self) -> PoseStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop decoding and release the models it loaded; safe to call more than once."""
        self._reader.close()
        for estimator in self._owned:
            estimator.close()

    def __iter__(self) -> Iterator[tuple[VideoInfo, DecodedFrame, PoseResult]]:
        frames = iter(self._reader)
        return self._poses(frames)

    def _poses(self, frames: Iterator[DecodedFrame]
               ) -> Iterator[tuple[VideoInfo, DecodedFrame, PoseResult]]:
        follower = self._estimators[0]
        poses: Generator[tuple[DecodedFrame, PoseResult], None, None]
        looks = getattr(follower, "looks", None) if self.adaptive else None
        if looks is not None:
            # The follower looks at every other frame where the body's path is nearly straight
            # (formcheck.follow.follow_frames; found by its method, so that this module, which
            # formcheck.follow builds on, does not import it).
            fps = self.info.fps / self._reader.stride
            poses = _run_ahead(looks(frames, self._orienter, fps))
        else:
            poses = detect_frames(frames, self._estimators, self._orienter)
        try:
            for frame, pose in poses:
                yield self.info, frame, pose
        finally:
            poses.close()  # waits for the frames in the models' hands before they are closed
            self.close()


def iter_poses(path: str | Path, *, options: PoseOptions | None = None, max_side: int = 640,
               keep_full: bool = False, decode_threads: int | None = None,
               workers: int | None = None, full_max_side: int = 0, stride: int = 1,
               estimators: Sequence[Detector] | None = None, adaptive: bool = False) -> PoseStream:
    """Run the pose model over a video file; see :class:`PoseStream` (iterate it for
    ``(info, frame, result)`` tuples). ``max_side``, ``keep_full``, ``full_max_side``,
    ``decode_threads`` and ``stride`` (every how many frames one is looked at) are
    :class:`~formcheck.video.FrameReader`'s; ``workers`` is the number of pose models working
    side by side (None: :func:`default_pose_workers`; always 1 with ``PoseOptions.tracking``);
    ``estimators``: models kept open by the caller, used instead; ``adaptive``: see
    :class:`PoseStream`.

    Example::

        with iter_poses("squat.mp4") as poses:
            for info, frame, pose in poses:
                ...
    """
    return PoseStream(path, options=options, max_side=max_side, keep_full=keep_full,
                      decode_threads=decode_threads, workers=workers, full_max_side=full_max_side,
                      stride=stride, estimators=estimators, adaptive=adaptive)


def pose_sequence(path: str | Path, *, options: PoseOptions | None = None,
                  max_side: int = 640, workers: int | None = None, stride: int = 1) -> PoseSequence:
    """The whole pose track of a video file as a :class:`~formcheck.landmarks.PoseSequence`.

    Frames where nobody is seen are NaN. A truncated video gives the frames before the break.
    ``workers``: pose models side by side (see :func:`iter_poses`). ``stride``: only every
    ``stride``-th frame (see :class:`~formcheck.video.FrameReader`).
    """
    images: list[np.ndarray] = []
    worlds: list[np.ndarray] = []
    t_ms: list[int] = []
    with iter_poses(path, options=options, max_side=max_side, workers=workers,
                    stride=stride) as poses:
        info = poses.info
        for _, frame, pose in poses:
            images.append(pose.image)
            worlds.append(pose.world)
            t_ms.append(frame.t_ms)
    empty = np.empty((0, N_LANDMARKS, 4), np.float32)
    return PoseSequence(
        np.stack(images) if images else empty,
        np.stack(worlds) if worlds else empty,
        np.asarray(t_ms, np.int64),
        info.fps, info.width, info.height,
    )
