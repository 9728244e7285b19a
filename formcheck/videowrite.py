"""The annotated video: H.264 in MP4 through PyAV, so it plays in browsers and on phones.

OpenCV's writer gives MPEG-4 Part 2 wherever its FFmpeg lacks an H.264 encoder (as in the
pip wheels), which browsers do not play. PyAV's wheels carry libx264: frames are written
as H.264 (yuv420p, even width and height, "faststart" so playback starts before the whole
file is read), at a constant quality (CRF 20) that keeps overlay text crisp.

Frames are encoded as they come (nothing is buffered here beyond the encoder's look-ahead,
which is small with the ``veryfast`` preset and zero-latency tuning off). The file is
written under a hidden temporary name beside the destination and renamed only once complete;
:meth:`AnnotatedWriter.abort` (or leaving the ``with`` block by an exception) removes it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Any

import cv2  # before av: PyAV's libraries loaded first make a later OpenCV (Qt) window hang
import numpy as np

MAX_SIDE = 1280  # the annotated video's long side at most (pixels): memory and size stay small
CRF = 20  # x264 constant quality: lower is better; 20 keeps 1-2 px text edges clean


def output_size(width: int, height: int, max_side: int = MAX_SIDE) -> tuple[int, int]:
    """(w, h) of the annotated video: long side at most ``max_side``, both even (yuv420p)."""
    scale = min(1.0, max_side / max(width, height))
    w = max(2, round(width * scale) // 2 * 2)
    h = max(2, round(height * scale) // 2 * 2)
    return w, h


class AnnotatedWriter:
    """Writes BGR frames of any size to ``dest`` as H.264 MP4, resized to ``size``.

    Args:
        dest: the final file name; it appears only when :meth:`close` succeeds.
        fps: frames per second of the input.
        size: (width, height) of the video, even numbers (see :func:`output_size`).
        mode: file permissions given to the finished file.

    Raises:
        OSError: the temporary file cannot be made or written (e.g. the disk is full).
    """

    def __init__(self, dest: Path, fps: float, size: tuple[int, int], mode: int = 0o644) -> None:
        import av

        self.dest = Path(dest)
        self.size = size
        self.mode = mode
        self.frames = 0
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.dest.stem}.", suffix=".mp4", dir=self.dest.parent)
        os.close(fd)
        self.tmp: Path | None = Path(tmp)
        rate = Fraction(fps if fps and fps > 0 else 30.0).limit_denominator(1001)
        try:
            self._out: Any = av.open(tmp, "w", format="mp4", options={"movflags": "+faststart"})
            self._stream = self._out.add_stream("libx264", rate=rate)
            self._stream.width, self._stream.height = size
            self._stream.pix_fmt = "yuv420p"
            # Few threads and a short look-ahead: the encoder holds a handful of frames, not dozens.
            self._stream.options = {
                "crf": str(CRF), "preset": "veryfast", "threads": "2", "rc-lookahead": "8"
            }
            self._time_base = Fraction(1, 1) / rate
        except BaseException:
            self.abort()
            raise

    def write(self, bgr: np.ndarray) -> None:
        """Encode one (h, w, 3) uint8 BGR frame (resized to the video's size if it differs)."""
        import av

        w, h = self.size
        if bgr.shape[1] != w or bgr.shape[0] != h:
            bgr = cv2.resize(bgr, (w, h), interpolation=cv2.INTER_AREA)
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(bgr), format="bgr24")
        frame.pts = self.frames
        frame.time_base = self._time_base
        self.frames += 1
        for packet in self._stream.encode(frame):
            self._out.mux(packet)

    def close(self) -> Path:
        """Flush, finish the file and rename it to ``dest``; returns ``dest``."""
        if self.tmp is None:
            raise ValueError("The writer is already closed.")
        try:
            for packet in self._stream.encode(None):
                self._out.mux(packet)
            self._out.close()
            os.chmod(self.tmp, self.mode)
            os.replace(self.tmp, self.dest)
        except BaseException:
            self.abort()
            raise
        self.tmp = None
        return self.dest

    def abort(self) -> None:
        """Stop and remove the unfinished file; safe to call more than once."""
        out = getattr(self, "_out", None)
        if out is not None:
            with contextlib.suppress(Exception):  # already failing; the file goes anyway
                out.close()
            self._out = None
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)
            self.tmp = None

    def __enter__(self) -> AnnotatedWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:
            self.abort()
