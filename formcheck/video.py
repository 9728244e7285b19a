"""Video files in, upright RGB frames out, decoded on a background thread.

:func:`probe` checks a path and reads its size, frame rate and rotation, turning every way a file
can be wrong into one :class:`~formcheck.errors.FormcheckError` sentence. :class:`FrameReader`
decodes on its own thread into a small bounded queue, so decoding overlaps pose inference; each
:class:`DecodedFrame` carries a reduced RGB copy for the pose model and, on request, the full
resolution BGR frame for drawing.

Rotation: phone videos store frames sideways plus a rotation tag. OpenCV 5's FFmpeg backend
rotates by itself (``CAP_PROP_ORIENTATION_AUTO`` is on by default), and reports the tag in
``CAP_PROP_ORIENTATION_META``. This module turns the automatic rotation off and rotates itself,
*after* reducing the frame, which is cheaper; the result is identical to FFmpeg's own upright
output (tested against ``ffmpeg``).
"""

from __future__ import annotations

import math
import os
import queue
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

import cv2
import numpy as np

from formcheck.errors import BadVideoError, MissingInputError, name_is_utf8, shown

# Leading bytes of still-image formats. FFmpeg happily opens an image as a one-frame "video"
# whatever its file name says, so these are told apart before OpenCV sees them.
_IMAGE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"BM", "a BMP image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
)

# Rotation tag (degrees clockwise, OpenCV's CAP_PROP_ORIENTATION_META) -> cv2.rotate code.
_ROTATE_CODE: dict[int, int] = {
    90: cv2.ROTATE_90_CLOCKWISE,
    180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_COUNTERCLOCKWISE,
}

_DEFAULT_FPS = 30.0  # used when a file reports no usable frame rate


@dataclass(frozen=True)
class VideoInfo:
    """What :func:`probe` learnt about a video file.

    Attributes:
        path: the file.
        fps: frames per second (container's average; 30 if the file gives none).
        n_frames: frame count from the container, 0 if unknown. It can be an estimate
            (duration x fps) for some containers.
        width: display width in pixels, after rotation.
        height: display height in pixels, after rotation.
        rotation: degrees (0, 90, 180 or 270) the stored frames are turned clockwise to come out
            upright, from the file's rotation metadata; 0 when there is none.
    """

    path: Path
    fps: float
    n_frames: int
    width: int
    height: int
    rotation: int


@dataclass
class DecodedFrame:
    """One decoded frame.

    Attributes:
        index: 0-based frame number in decoding order.
        t_ms: timestamp in milliseconds, strictly increasing from frame to frame (what MediaPipe's
            VIDEO mode needs). The container's presentation time (OpenCV's
            ``CAP_PROP_POS_MSEC``) when it is sane, else ``index * 1000 / fps`` (see
            ``_Timestamps``).
        rgb_small: (h, w, 3) uint8 RGB, C-contiguous, upright, long side reduced to at most
            ``max_side`` pixels (never enlarged).
        full_bgr: (height, width, 3) uint8 BGR at full resolution, upright; only with
            ``keep_full=True``, else None.
        skipped_t_ms: timestamps of the frames decoded since the previous frame handed out
            but not handed out themselves (``FrameReader(stride=k)`` hands out every k-th).
    """

    index: int
    t_ms: int
    rgb_small: np.ndarray
    full_bgr: np.ndarray | None = None
    skipped_t_ms: tuple[int, ...] = ()


def _image_kind(head: bytes) -> str | None:
    """Name of the still-image format whose signature starts ``head``, or None."""
    for magic, kind in _IMAGE_MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "a WebP image"
    return None


def _is_gif(head: bytes) -> bool:
    return head.startswith((b"GIF87a", b"GIF89a"))


def gif_frames(path: Path, limit: int = 2) -> int:
    """Frames in a GIF file, counted up to ``limit`` (an animated GIF is scored like a video)."""
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    n = 0
    try:
        while n < limit and cap.isOpened():
            ok, _ = cap.read()
            if not ok:
                break
            n += 1
    finally:
        cap.release()
    return n


def _looks_like_text(head: bytes) -> bool:
    """True if ``head`` is non-empty and decodes as UTF-8 text without control characters."""
    if not head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # The cut at the end of ``head`` may split a character; retry without the last 3 bytes.
        try:
            text = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return all(c.isprintable() or c in "\r\n\t" for c in text)


def _check_file(path: Path) -> None:
    """Raise the right error for a path that is missing, not a file, empty, text or an image."""
    if not path.exists():
        raise MissingInputError(f"No such file: {path}.")
    if not name_is_utf8(path):
        # OpenCV crashes (SIGSEGV) on a path that is not valid UTF-8: never hand it one.
        raise BadVideoError(
            f"{shown(path)} is not valid UTF-8 (its file or folder name); rename it to score it."
        )
    if path.is_dir():
        raise BadVideoError(f"{path} is a folder, not a video file.")
    if path.is_fifo() or path.is_socket():  # reading one could wait forever
        raise BadVideoError(f"{path} is a pipe or socket, not a video file.")
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise BadVideoError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    if not head:
        raise BadVideoError(f"{path} is empty (0 bytes), not a video.")
    kind = _image_kind(head)
    if kind is not None:
        raise BadVideoError(f"{path} is {kind}, not a video.")
    if _is_gif(head) and gif_frames(path) < 2:
        raise BadVideoError(f"{path} is a still GIF image, not an animation or a video.")
    if _looks_like_text(head):
        raise BadVideoError(f"{path} is a text file, not a video.")


def _quiet_ffmpeg() -> None:
    """Keep FFmpeg's own log lines ("moov atom not found", "partial file") off the terminal.

    formcheck reports those cases in one sentence of its own. OpenCV reads the variable once,
    when it first uses FFmpeg (a VideoCapture or VideoWriter), hence the call at import as well
    as before each open. A value the user set wins (-8 is AV_LOG_QUIET; 16 shows errors).
    """
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")


_quiet_ffmpeg()


def _is_mp4_family(path: Path) -> bool:
    """True if the file starts like an MP4/MOV/3GP container (an ``ftyp`` box)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
    except OSError:
        return False
    return head[4:8] == b"ftyp"


def _has_no_video_track(path: Path) -> bool:
    """True if the file holds tracks, none of them video (an audio-only MP4, M4A or Matroska).

    Only asked once OpenCV could not open the file, to tell "no video" from "damaged".
    """
    try:
        with path.open("rb") as fh:
            if _is_mp4_family(path):
                kinds = _mp4_track_kinds(fh, os.fstat(fh.fileno()).st_size)
                return kinds is not None and bool(kinds) and b"vide" not in kinds
            head = fh.read(1 << 20)
    except OSError:
        return False
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # Matroska/WebM: TrackType elements, 1 video, 2 audio
        return b"\x83\x81\x02" in head and b"\x83\x81\x01" not in head
    return False


def _mp4_track_kinds(fh: BinaryIO, size: int) -> set[bytes] | None:
    """Handler types (b"vide", b"soun"...) of the tracks of an MP4/MOV; None without a whole
    ``moov`` box (a file cut short)."""

    def boxes(data: bytes) -> Iterator[tuple[bytes, bytes]]:
        pos = 0
        while pos + 8 <= len(data):
            n, kind = struct.unpack(">I4s", data[pos : pos + 8])
            if n < 8 or pos + n > len(data):
                return
            yield kind, data[pos + 8 : pos + n]
            pos += n

    pos = 0
    while pos + 8 <= size:
        fh.seek(pos)
        head = fh.read(16)
        n, kind = struct.unpack(">I4s", head[:8])
        start = 8
        if n == 1 and len(head) == 16:
            n, start = struct.unpack(">Q", head[8:16])[0], 16
        elif n == 0:
            n = size - pos
        if n < start:
            return None
        if kind == b"moov":
            if pos + n > size or n > 64 << 20:
                return None
            fh.seek(pos + start)
            kinds = set()
            for k, trak in boxes(fh.read(n - start)):
                if k == b"trak":
                    for k2, mdia in boxes(trak):
                        if k2 == b"mdia":
                            kinds |= {hd[8:12] for k3, hd in boxes(mdia) if k3 == b"hdlr"}
            return kinds
        pos += n
    return None


def default_decode_threads() -> int:
    """FFmpeg decoding threads: CPU count - 1, at least 1.

    A MediaPipe pose model runs on a single thread. With one model and FFmpeg's default (one
    decoding thread per core), a 2-core machine has three busy threads on two cores, and the
    scheduler takes time from inference, the bottleneck. With one model per core (what
    :func:`formcheck.pose.iter_poses` runs) every core is busy anyway; there one decoding thread
    scores a 1080p video as fast as FFmpeg's default.
    """
    return max(1, (os.cpu_count() or 2) - 1)


def _open_capture(path: Path, threads: int = 0) -> cv2.VideoCapture:
    """Open ``path`` with OpenCV's FFmpeg backend, automatic rotation off; BadVideoError if not.

    ``threads``: FFmpeg decoding threads, 0 for FFmpeg's default.
    """
    _quiet_ffmpeg()
    params = [cv2.CAP_PROP_N_THREADS, threads] if threads > 0 else []
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # OpenCV's "can't open" WARN
    try:
        cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG, params)
    except cv2.error as exc:  # pragma: no cover - OpenCV reports failure by isOpened() in practice
        raise BadVideoError(f"{path} is not a video formcheck can read ({exc}).") from exc
    finally:
        cv2.utils.logging.setLogLevel(level)
    if not cap.isOpened():
        cap.release()
        if _has_no_video_track(path):
            raise BadVideoError(f"{path} has no video, only sound: there is nothing to score.")
        if _is_mp4_family(path):
            raise BadVideoError(
                f"{path} cannot be read: the MP4/MOV file is damaged or incomplete "
                "(cut short while recording or copying?)."
            )
        raise BadVideoError(
            f"{path} is not a video formcheck can read (unknown format, or damaged)."
        )
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
    return cap


def _rotation(cap: cv2.VideoCapture) -> int:
    """Rotation metadata of an open capture, snapped to 0/90/180/270 degrees clockwise."""
    meta = cap.get(cv2.CAP_PROP_ORIENTATION_META)
    if not math.isfinite(meta):
        return 0
    return (round(meta / 90.0) * 90) % 360


def _auto_rotating(cap: cv2.VideoCapture) -> bool:
    """True if OpenCV still rotates frames itself (could not switch that off): then don't."""
    return cap.get(cv2.CAP_PROP_ORIENTATION_AUTO) > 0


def _fps(cap: cv2.VideoCapture) -> float:
    fps = cap.get(cv2.CAP_PROP_FPS)
    # Some files report 0, NaN or absurd rates (1000 fps for a timebase); fall back to 30.
    return float(fps) if math.isfinite(fps) and 1.0 <= fps <= 480.0 else _DEFAULT_FPS


def _n_frames(cap: cv2.VideoCapture) -> int:
    n = cap.get(cv2.CAP_PROP_FRAME_COUNT)
    return int(n) if math.isfinite(n) and 0 < n < 1e9 else 0


# What probe() learnt of the last files it opened, by file, size and modification time: a file
# is probed by the scorer and again by its frame reader, and opening an HD video with FFmpeg and
# decoding its first frame costs some 70 ms of CPU.
_PROBED: dict[tuple[str, int, int], VideoInfo] = {}
_PROBED_MAX = 16
_PROBED_LOCK = threading.Lock()


def probe(path: str | Path) -> VideoInfo:
    """Check that ``path`` is a readable video and describe it.

    Decodes the first frame, so an empty or undecodable video is caught here rather than halfway
    through scoring. A file probed before and unchanged since (same size and modification time)
    is not opened again.

    Raises:
        MissingInputError: the path does not exist.
        BadVideoError: a folder, an empty file, a text file, an image, a file FFmpeg cannot open,
            or a video with no decodable frame.
    """
    p = Path(path)
    _check_file(p)
    try:
        st = p.stat()
        key: tuple[str, int, int] | None = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    except OSError:
        key = None
    with _PROBED_LOCK:
        known = _PROBED.get(key) if key is not None else None
    if known is not None:
        return replace(known, path=p)
    info = _probe(p)
    if key is not None:
        with _PROBED_LOCK:
            if len(_PROBED) >= _PROBED_MAX:
                _PROBED.pop(next(iter(_PROBED)))
            _PROBED[key] = info
    return info


def _probe(p: Path) -> VideoInfo:
    cap = _open_capture(p)
    try:
        try:
            ok, frame = cap.read()
        except cv2.error as exc:
            raise BadVideoError(f"{p} is damaged: its first frame cannot be decoded.") from exc
        if not ok or frame is None or frame.size == 0:
            raise BadVideoError(f"{p} has no video frames (empty or damaged video).")
        rotation = _rotation(cap)
        h, w = frame.shape[:2]
        if rotation in (90, 270) and not _auto_rotating(cap):
            w, h = h, w
        return VideoInfo(p, _fps(cap), _n_frames(cap), int(w), int(h), rotation)
    finally:
        cap.release()


def reduced_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """(w, h) with the long side at most ``max_side`` pixels, aspect kept; never enlarged."""
    long_side = max(width, height)
    if long_side <= max_side:
        return width, height
    scale = max_side / long_side
    return max(1, round(width * scale)), max(1, round(height * scale))


def frame_stride(fps: float, analysis_fps: float | None) -> int:
    """Every how many frames one is analysed to look at about ``analysis_fps`` frames a second.

    ``round(fps / analysis_fps)``, at least 1: a 30 fps file gives 2 (15 a second), 60 fps 4,
    24 or 25 fps 2 (12 or 12.5 a second); a file at or under the rate is analysed whole.
    None or 0: every frame.
    """
    if not analysis_fps or analysis_fps <= 0 or not math.isfinite(fps):
        return 1
    return max(1, round(fps / analysis_fps))


class _Timestamps:
    """Strictly increasing millisecond timestamps: container times when sane, else frame clock.

    A container time is sane when it is finite, not negative, after the previous timestamp and
    at most ``MAX_GAP_MS`` after it. A variable-frame-rate phone video thus keeps its real
    timing however far it drifts from ``index * 1000 / fps``. An insane one is replaced by the
    frame clock ``index * 1000 / fps`` shifted by the drift of the last sane time, so a single
    bad value leaves no jump; with no sane time at all this is plain ``index * 1000 / fps``.
    """

    MAX_GAP_MS = 5000.0

    def __init__(self, fps: float) -> None:
        self.fps = fps
        self.last = -1
        self.offset = 0.0  # container time - frame clock, at the last sane container time

    def next(self, index: int, pos_ms: float) -> int:
        by_index = index * 1000.0 / self.fps
        if (math.isfinite(pos_ms) and pos_ms >= 0 and pos_ms > self.last
                and pos_ms - max(self.last, 0) <= self.MAX_GAP_MS):
            t = round(pos_ms)
            self.offset = pos_ms - by_index
        else:
            t = round(by_index + self.offset)
        t = max(t, self.last + 1)
        self.last = t
        return t


class _End:
    """Queue sentinel: decoding ended; carries why."""

    def __init__(self, truncated: bool = False, error: str | None = None,
                 exc: BaseException | None = None) -> None:
        self.truncated = truncated
        self.error = error
        self.exc = exc


class FrameReader:
    """Decode a video on a background thread; iterate to get :class:`DecodedFrame` in order.

    Use as a context manager (or call :meth:`close`); breaking out of the loop early stops the
    thread too::

        with FrameReader(path, max_side=640) as reader:
            for frame in reader:
                ...
            if reader.truncated:
                print(reader.error)

    Args:
        path: the video file; checked with :func:`probe` at construction (so errors come early).
        max_side: long side of ``rgb_small`` in pixels (frames are never enlarged).
        keep_full: also hand out the full-resolution BGR frame (more memory and copying).
        full_max_side: with ``keep_full``, reduce that frame to this long side (0: full size),
            so frames in the queue stay small whatever the video's resolution.
        queue_size: frames decoded ahead at most; bounds memory.
        decode_threads: FFmpeg decoding threads; None for :func:`default_decode_threads`
            (one fewer than the CPUs, so decoding does not slow down pose inference), 0 for
            FFmpeg's own default.
        stride: hand out every ``stride``-th frame (the first, then every ``stride``-th);
            the frames between are decoded (a video can only be decoded in order) but not
            converted, and their timestamps ride on the next frame (``skipped_t_ms``). Frames
            after the last one handed out are dropped. See :func:`frame_stride`.

    Attributes:
        info: the :class:`VideoInfo` of the file.
        truncated: True once iteration ended early because the file stops or breaks mid-way
            (fewer frames than the container announced, or a decoding error).
        error: one sentence saying what went wrong when ``truncated``, else None.
        frames_read: frames handed out so far.

    A reader can be iterated once.
    """

    def __init__(self, path: str | Path, *, max_side: int = 640, keep_full: bool = False,
                 queue_size: int = 8, decode_threads: int | None = None,
                 full_max_side: int = 0, stride: int = 1) -> None:
        if max_side < 16:
            raise ValueError(f"max_side must be at least 16 pixels, got {max_side}")
        if stride < 1:
            raise ValueError(f"stride must be at least 1, got {stride}")
        self.stride = stride
        if queue_size < 1:
            raise ValueError(f"queue_size must be at least 1, got {queue_size}")
        self.info = probe(path)
        self.max_side = max_side
        self.keep_full = keep_full
        self.full_max_side = full_max_side
        self.decode_threads = (
            default_decode_threads() if decode_threads is None else max(0, decode_threads)
        )
        self.truncated = False
        self.error: str | None = None
        self.frames_read = 0
        self._queue: queue.Queue[DecodedFrame | _End] = queue.Queue(maxsize=queue_size)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = False

    # -- context manager -------------------------------------------------------------------------
    def __enter__(self) -> FrameReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the decoding thread and wait for it; safe to call more than once."""
        self._stop.set()
        thread = self._thread
        if thread is None:
            return
        while thread.is_alive():
            self._drain()  # unblock a producer waiting on a full queue
            thread.join(timeout=0.05)
        self._drain()
        self._thread = None

    def _drain(self) -> None:
        try:
            while True:
                self._queue.get_nowait()
        except queue.Empty:
            pass

    # -- iteration -------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[DecodedFrame]:
        if self._started:
            raise RuntimeError("A FrameReader can be iterated only once; make a new one.")
        self._started = True
        self._thread = threading.Thread(target=self._decode, name="formcheck-decode", daemon=True)
        self._thread.start()
        return self._frames()

    def _frames(self) -> Iterator[DecodedFrame]:
        try:
            while True:
                item = self._queue.get()
                if isinstance(item, _End):
                    if item.exc is not None:
                        raise item.exc
                    self.truncated = item.truncated
                    self.error = item.error
                    return
                self.frames_read += 1
                yield item
        finally:
            self.close()

    def _put(self, item: DecodedFrame | _End) -> bool:
        """Put into the queue, waiting while it is full; False if asked to stop meanwhile."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _decode(self) -> None:
        """Thread body: decode every frame into the queue, then an :class:`_End`."""
        end = _End()
        cap: cv2.VideoCapture | None = None
        try:
            cap = _open_capture(self.info.path, self.decode_threads)
            end = self._decode_frames(cap)
        except BadVideoError as exc:  # file changed or vanished since probe()
            end = _End(True, exc.message)
        except Exception as exc:  # a bug: re-raised in the consumer's thread
            end = _End(exc=exc)
        finally:
            if cap is not None:
                cap.release()
            self._put(end)

    def _decode_frames(self, cap: cv2.VideoCapture) -> _End:
        info = self.info
        rotate = None if _auto_rotating(cap) else _ROTATE_CODE.get(info.rotation)
        stamps = _Timestamps(info.fps)
        index = 0
        skipped: list[int] = []
        while not self._stop.is_set():
            if index % self.stride:  # decoded, not converted: only its timestamp is kept
                try:
                    ok = cap.grab()
                except cv2.error:
                    return _End(True, f"{info.path} is damaged: decoding failed at frame {index}.")
                if not ok:
                    break
                skipped.append(stamps.next(index, cap.get(cv2.CAP_PROP_POS_MSEC)))
                index += 1
                continue
            try:
                ok, bgr = cap.read()
            except cv2.error:
                return _End(True, f"{info.path} is damaged: decoding failed at frame {index}.")
            if not ok or bgr is None:
                break
            # Reduce first, then rotate the small frame: cheaper than the other way round.
            h, w = bgr.shape[:2]
            size = reduced_size(w, h, self.max_side)
            small = bgr if size == (w, h) else cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
            if rotate is not None:
                small = cv2.rotate(small, rotate)
            rgb = np.ascontiguousarray(cv2.cvtColor(small, cv2.COLOR_BGR2RGB))
            full = None
            if self.keep_full:
                fsize = reduced_size(w, h, self.full_max_side) if self.full_max_side else (w, h)
                if fsize != (w, h):
                    bgr = cv2.resize(bgr, fsize, interpolation=cv2.INTER_AREA)
                full = cv2.rotate(bgr, rotate) if rotate is not None else bgr
            t_ms = stamps.next(index, cap.get(cv2.CAP_PROP_POS_MSEC))
            if not self._put(DecodedFrame(index, t_ms, rgb, full, tuple(skipped))):
                return _End()
            skipped.clear()
            index += 1
        if self._stop.is_set():
            return _End()
        expected = info.n_frames
        if expected > 0 and index < expected - max(2, int(0.01 * expected)):
            msg = (f"{info.path} ends early: only {index} of {expected} frames could be decoded "
                   "(truncated or damaged file).")
            return _End(True, msg)
        return _End()
