"""Frame sources for the live loop: a camera, or a video file played as a camera would.

Each source reads on its own thread and hands every frame to a :class:`FrameSlot`, which keeps
only the newest one: a consumer that is busy when a frame arrives misses it (a *drop*), it never
works through a backlog, so the picture never falls behind the person. Frames carry their
capture time from the monotonic clock (``time.monotonic``).

A :class:`FileSource` paces a video file in real time (frame *i* is delivered at
``start + i / fps``) and, when it falls behind by more than a frame, skips frames without
converting them, as a camera that keeps running while nobody reads it.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from formcheck.errors import CameraError, MissingInputError
from formcheck.video import probe

NO_FRAME_S = 2.0  # a camera silent this long has stopped (s)
FIRST_FRAME_S = 6.0  # a camera gets this long to send its first frame (s)


@dataclass(frozen=True)
class Captured:
    """One frame from a source.

    Attributes:
        seq: 0, 1, 2, ... in delivery order; a gap seen by a consumer is frames it missed.
        t_cap: monotonic time (s) the frame was delivered.
        bgr: (h, w, 3) uint8 BGR frame; shared by every consumer, so never drawn on in place.
    """

    seq: int
    t_cap: float
    bgr: np.ndarray


class FrameSlot:
    """Holds only the newest frame. ``put`` never blocks; ``wait_newer`` waits for a newer one."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: Captured | None = None
        self._closed = False

    def put(self, frame: Captured) -> None:
        with self._cond:
            self._frame = frame
            self._cond.notify_all()

    def latest(self) -> Captured | None:
        return self._frame

    def close(self) -> None:
        """Wake every waiter; ``wait_newer`` returns None from now on once nothing is newer."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def wait_newer(self, seq: int, timeout: float) -> Captured | None:
        """The newest frame if its ``seq`` is above ``seq`` (waiting up to ``timeout`` s), else None."""
        with self._cond:
            self._cond.wait_for(
                lambda: self._closed or (self._frame is not None and self._frame.seq > seq),
                timeout,
            )
            f = self._frame
            return f if f is not None and f.seq > seq else None


class Source:
    """Base of the frame sources: a thread filling :attr:`slot`.

    Attributes:
        slot: where frames are delivered.
        name: for messages and the session's ``source`` ("camera 0", or the file path).
        fps: nominal frames per second.
        width, height: frame size in pixels.
        delivered: frames put into the slot.
        skipped: frames the source itself skipped because it was behind real time (files only).
        ended: set when the source stops delivering (end of file, camera lost, stop()).
        end_reason: "eof", "lost" or "stopped" once ``ended`` is set.
        message: one sentence about why it ended (for "eof" and "lost").
    """

    name: str = ""

    def __init__(self) -> None:
        self.slot = FrameSlot()
        self.fps = 30.0
        self.width = 0
        self.height = 0
        self.delivered = 0
        self.skipped = 0
        self.ended = threading.Event()
        self.end_reason: str | None = None
        self.message: str | None = None
        self.truncated = False  # a file that broke off before its end (not a normal end)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._seq = 0

    @property
    def started(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        """Start delivering frames (a camera is opened here: CameraError if it cannot be)."""
        self._thread = threading.Thread(target=self._body, name="formcheck-capture", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and release the device or file; safe to call more than once."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=3.0)
        self.slot.close()

    def _deliver(self, bgr: np.ndarray) -> None:
        self.slot.put(Captured(self._seq, time.monotonic(), bgr))
        self._seq += 1
        self.delivered += 1

    def _end(self, reason: str, message: str | None = None) -> None:
        if self.end_reason is None:
            self.end_reason = "stopped" if self._stop.is_set() else reason
            self.message = message
        self.ended.set()
        self.slot.close()

    def _body(self) -> None:
        raise NotImplementedError


class FileSource(Source):
    """A video file played as a camera: real-time pacing, frames skipped when behind.

    Args:
        path: the video; checked with :func:`formcheck.video.probe` (the same errors and
            messages as ``formcheck score``).
        realtime: pace delivery to the file's frame rate (False: as fast as possible, every
            frame; for tests).
        loop: start again at the end (for long benchmark runs).

    Raises:
        MissingInputError, BadVideoError.
    """

    def __init__(self, path: str | Path, *, realtime: bool = True, loop: bool = False) -> None:
        super().__init__()
        self.path = Path(path)
        info = probe(self.path)
        self.name = str(path)
        self.fps = info.fps
        self.width, self.height = info.width, info.height
        self.n_frames = info.n_frames
        self.realtime = realtime
        self.loop = loop

    def _open(self) -> cv2.VideoCapture:
        os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
        cap = cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG)  # rotation tags applied by FFmpeg
        if not cap.isOpened():
            raise OSError(f"{self.path} can no longer be opened.")
        return cap

    def _body(self) -> None:
        try:
            cap = self._open()
        except OSError as e:
            self._end("lost", str(e))
            return
        period = 1.0 / self.fps
        t0 = time.monotonic()
        i = 0  # frames of the timeline so far (across loops)
        in_file = 0
        try:
            while not self._stop.is_set():
                try:
                    ok = cap.grab()
                except cv2.error:
                    ok = False
                if not ok:
                    if self.loop and in_file > 0:
                        cap.release()
                        cap = self._open()
                        in_file = 0
                        continue
                    short = self.n_frames > 0 and in_file < self.n_frames - max(2, self.n_frames // 100)
                    why = "breaks off (damaged or cut file)" if short else "ended"
                    self.truncated = short
                    self._end("eof", f"The video {self.path.name} {why}.")
                    return
                in_file += 1
                due = t0 + i * period
                i += 1
                if self.realtime and time.monotonic() > due + period:
                    self.skipped += 1  # the next frame is already due: this one is never seen
                    continue
                ok, bgr = cap.retrieve()
                if not ok or bgr is None:
                    continue
                if self.realtime:
                    wait = due - time.monotonic()
                    if wait > 0 and self._stop.wait(wait):
                        break
                self._deliver(bgr)
            self._end("stopped")
        except Exception as e:  # pragma: no cover - reported, not raised, from a thread
            self._end("lost", f"Reading {self.path.name} failed: {e}.")
        finally:
            cap.release()


class CameraSource(Source):
    """A camera by index (0 = the default webcam), asking for 1280x720 at 30 fps.

    Raises (at :meth:`start`):
        CameraError: no camera at that index, a camera that cannot be opened (busy), or one
            that sends no first frame.
    """

    def __init__(self, index: int, width: int = 1280, height: int = 720, fps: float = 30.0) -> None:
        super().__init__()
        self.index = index
        self.name = f"camera {index}"
        self._want = (width, height, fps)
        self._cap: cv2.VideoCapture | None = None

    def _open(self) -> cv2.VideoCapture:
        i = self.index
        if sys.platform.startswith("linux"):
            if not Path(f"/dev/video{i}").exists():
                raise CameraError(f"No camera found at index {i}.")
            backend = cv2.CAP_V4L2
        else:
            backend = cv2.CAP_ANY
        level = cv2.utils.logging.getLogLevel()
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
        try:
            cap = cv2.VideoCapture(i, backend)
        finally:
            cv2.utils.logging.setLogLevel(level)
        if not cap.isOpened():
            cap.release()
            if sys.platform.startswith("linux"):
                raise CameraError(
                    f"The camera at index {i} cannot be opened: it may be busy in another program."
                )
            raise CameraError(f"No camera found at index {i}.")
        w, h, fps = self._want
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, w)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, h)
        cap.set(cv2.CAP_PROP_FPS, fps)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        return cap

    def start(self) -> None:
        self._cap = self._open()
        super().start()
        deadline = time.monotonic() + FIRST_FRAME_S
        while self.delivered == 0 and not self.ended.is_set() and time.monotonic() < deadline:
            time.sleep(0.02)
        if self.delivered == 0:
            self.stop()
            raise CameraError(
                f"The camera at index {self.index} sends no picture: it may be busy in another program."
            )
        got = self._cap.get(cv2.CAP_PROP_FPS) if self._cap is not None else 0
        self.fps = float(got) if 1.0 <= got <= 240.0 else 30.0

    def _body(self) -> None:
        cap = self._cap
        assert cap is not None
        last_ok = time.monotonic()
        try:
            while not self._stop.is_set():
                try:
                    ok, bgr = cap.read()
                except cv2.error:
                    ok, bgr = False, None
                if ok and bgr is not None and bgr.size:
                    if self.delivered == 0:
                        self.height, self.width = bgr.shape[:2]
                    last_ok = time.monotonic()
                    self._deliver(bgr)
                    continue
                if time.monotonic() - last_ok > NO_FRAME_S:
                    self._end("lost", f"The camera at index {self.index} stopped sending frames.")
                    return
                time.sleep(0.01)
            self._end("stopped")
        finally:
            cap.release()


def open_source(spec: str, *, realtime: bool = True, loop: bool = False) -> Source:
    """A source from ``--camera``: a number is a camera index, anything else a video file.

    Raises:
        CameraError, MissingInputError, BadVideoError.
    """
    s = str(spec).strip()
    if s.isdigit():
        return CameraSource(int(s))
    if not Path(s).exists():  # the same sentence as ``formcheck score``
        raise MissingInputError(f"No such file or folder: {s}.")
    return FileSource(s, realtime=realtime, loop=loop)
