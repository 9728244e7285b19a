"""Decode only the frames that will be looked at: H.264 read at a reduced rate.

At a reduced analysis rate (every k-th frame, :func:`formcheck.video.frame_stride`),
:class:`~formcheck.video.FrameReader` still decodes every frame, because a video can only be
decoded in order. Not quite: an H.264 frame that no other frame refers to (``nal_ref_idc`` 0 in
its slices, most B-frames) can be left out without disturbing the others. Files from encoders
set to B-frames (most files from the web, many cameras') hold about one such frame in two; on
HD video decoding is about half of what scoring costs, so leaving out those the model does not
look at matters.

:class:`SkimReader` is a ``FrameReader`` that reads the packets with PyAV and hands out the
same frames, every k-th one, with the same pixels (FFmpeg's conversion, then the same
reduction) and the same timestamps, so that the landmarks, and every answer, stay the same; an
unreferenced frame that is not handed out is never decoded, its timestamp still riding on the
next frame handed out (``DecodedFrame.skipped_t_ms``). Which frames those are depends on the
encoder: where reference frames and B-frames alternate, half the frames are left out when the
reference frames fall on the grid of every k-th frame, none when the B-frames do. Anything it
cannot read this way (another codec, a container without presentation times) is read by
``FrameReader`` itself.
"""

from __future__ import annotations

import bisect
from collections import deque
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from formcheck.video import (
    _ROTATE_CODE,
    DecodedFrame,
    FrameReader,
    _End,
    _Timestamps,
    reduced_size,
)

#: Packets read ahead of the one being decoded or left out: more than any B-frame reordering
#: spans, so that a frame's place in display order is known by then.
LOOKAHEAD = 16
_SLICE_TYPES = frozenset({1, 2, 5})  # coded slice, slice data partition A, IDR slice


def h264_unreferenced(data: bytes, length_size: int) -> bool:
    """Whether an H.264 access unit is a frame no other frame refers to: it holds slices, all
    with ``nal_ref_idc`` 0. ``length_size``: bytes of each NAL unit's length prefix (MP4 and
    Matroska, from the ``avcC`` record); 0 for start codes (Annex B, MPEG-TS)."""
    units = _nal_units(data, length_size)
    seen = False
    for header in units:
        if header & 0x1F in _SLICE_TYPES:
            if header & 0x60:
                return False
            seen = True
    return seen


def _nal_units(data: bytes, length_size: int) -> list[int]:
    """The first byte (the header) of each NAL unit of an access unit."""
    heads: list[int] = []
    n = len(data)
    if length_size:
        pos = 0
        while pos + length_size < n:
            size = int.from_bytes(data[pos:pos + length_size], "big")
            pos += length_size
            if size <= 0 or pos + size > n:
                return []  # not what it says: decode it
            heads.append(data[pos])
            pos += size
        return heads
    pos = data.find(b"\x00\x00\x01")
    while 0 <= pos < n - 3:
        heads.append(data[pos + 3])
        pos = data.find(b"\x00\x00\x01", pos + 3)
    return heads


class _Slots:
    """The timestamps (the stream's units) of the video's frames in display order, as their
    packets are read; those well behind are forgotten, so memory stays flat."""

    def __init__(self) -> None:
        self.pts: list[int] = []
        self.base = 0  # display index of pts[0]

    def add(self, pts: int) -> None:
        i = bisect.bisect_left(self.pts, pts)
        if i == len(self.pts) or self.pts[i] != pts:  # a repeated timestamp is one frame
            self.pts.insert(i, pts)

    def index(self, pts: int) -> int | None:
        """The display index of the frame shown at ``pts``, None if unknown or forgotten."""
        i = bisect.bisect_left(self.pts, pts)
        return self.base + i if i < len(self.pts) and self.pts[i] == pts else None

    def at(self, index: int) -> int:
        return self.pts[index - self.base]

    @property
    def known(self) -> int:
        return self.base + len(self.pts)

    def forget_before(self, index: int) -> None:
        drop = index - self.base - 64  # keep a margin for late packets
        if drop > 1024:
            del self.pts[:drop]
            self.base += drop


class SkimReader(FrameReader):
    """A :class:`~formcheck.video.FrameReader` at a reduced rate (``stride`` 2 or more) that
    decodes H.264 frames nobody refers to only when it hands them out (see the module notes).
    Same arguments and attributes; ``decode_threads`` are FFmpeg's decoding threads here too.

    Attributes:
        skimmed: True once the file is read this way (H.264 with timestamps), False when
            ``FrameReader`` read it.
        decoded: frames decoded (the others were left out).
    """

    def __init__(self, path: str | Path, **kwargs: Any) -> None:
        super().__init__(path, **kwargs)
        if self.stride < 2:
            raise ValueError("SkimReader reads at a reduced rate: give a stride of 2 or more")
        self.skimmed = False
        self.decoded = 0
        self._to_rgb: Any = None  # FFmpeg's conversions, made once (av.video.reformatter)
        self._to_bgr: Any = None

    def _decode(self) -> None:
        """Thread body: skim the file if it can be, else decode it as ``FrameReader`` does."""
        import av

        end = _End()
        container: Any = None
        try:
            try:
                container = av.open(str(self.info.path))
                stream = container.streams.best("video")
            except (av.FFmpegError, OSError, ValueError):
                stream = None
            if stream is None or not _skimmable(stream, container):
                if container is not None:
                    container.close()
                    container = None
                super()._decode()
                return
            self.skimmed = True
            end = self._skim(container, stream)
        except Exception as exc:  # a bug: re-raised in the consumer's thread
            end = _End(exc=exc)
        finally:
            if container is not None:
                container.close()
        self._put(end)

    def _skim(self, container: Any, stream: Any) -> _End:
        import av

        info = self.info
        ctx = stream.codec_context
        ctx.thread_count = self.decode_threads
        extra = bytes(ctx.extradata or b"")
        length_size = (extra[4] & 3) + 1 if extra[:1] == b"\x01" and len(extra) > 4 else 0
        unit = float(stream.time_base)
        start = stream.start_time or 0

        def ms(pts: int) -> float:  # as OpenCV reads the time: seconds first, to the last bit
            return (pts - start) * unit * 1000.0

        rotate = _ROTATE_CODE.get(info.rotation)
        stamps = _Timestamps(info.fps)
        slots = _Slots()
        emitted = 0  # display index of the next frame whose timestamp is not yet handed out
        last = -1  # display index of the last frame decoded
        window: deque[tuple[Any, bool]] = deque()  # packets read ahead, and whether referenced

        def hand_out(frame: Any) -> bool:
            """Hand out a decoded frame if it is on the grid; False if asked to stop."""
            nonlocal emitted, last
            j = None if frame.pts is None else slots.index(frame.pts)
            last = max(last, -1 if j is None else j)
            if j is None or j % self.stride or j < emitted:
                return True
            skipped = tuple(stamps.next(i, ms(slots.at(i))) for i in range(emitted, j))
            t_ms = stamps.next(j, ms(frame.pts))
            emitted = j + 1
            rgb, full = self._convert(frame, rotate)
            return self._put(DecodedFrame(j, t_ms, rgb, full, skipped))

        def send(packet: Any, referenced: bool) -> bool:
            """Decode a packet unless its frame is unreferenced and off the grid; False if
            asked to stop. Raises av.FFmpegError where the decoder refuses it."""
            if not referenced and packet.pts is not None and not packet.is_discard:
                j = slots.index(packet.pts)
                if j is not None and j % self.stride:
                    return True  # nobody refers to it and it is not handed out: left out
            frames = packet.decode()
            for frame in frames:
                self.decoded += 1
                if not hand_out(frame):
                    return False
            return True

        try:
            for packet in container.demux(stream):
                if self._stop.is_set():
                    return _End()
                if packet.size == 0:  # the demuxer's last, empty packet: drained below
                    continue
                referenced = not h264_unreferenced(bytes(packet), length_size)
                if packet.pts is not None and not packet.is_discard:
                    slots.add(packet.pts)
                window.append((packet, referenced))
                if len(window) > LOOKAHEAD:
                    if not send(*window.popleft()):
                        return _End()
                    slots.forget_before(emitted)
            while window:
                if not send(*window.popleft()):
                    return _End()
            for frame in ctx.decode(None):  # the frames the decoder still holds
                self.decoded += 1
                if not hand_out(frame):
                    return _End()
        except av.FFmpegError:
            pass  # damaged from here on: reading stops, as OpenCV's does
        if self._stop.is_set():
            return _End()
        expected, found = info.n_frames, last + 1  # as FrameReader counts: up to the last decoded
        if expected > 0 and found < expected - max(2, int(0.01 * expected)):
            return _End(True, f"{info.path} ends early: only {found} of {expected} frames could "
                              "be decoded (truncated or damaged file).")
        return _End()

    def _convert(self, frame: Any, rotate: int | None) -> tuple[np.ndarray, np.ndarray | None]:
        """The reduced upright RGB frame for the pose model and, with ``keep_full``, the upright
        BGR one for drawing: the same pixels as ``FrameReader``'s (FFmpeg's conversion to RGB
        rather than BGR, then the same reduction: channels do not mix in it)."""
        if self._to_rgb is None:
            from av.video.reformatter import VideoReformatter

            self._to_rgb, self._to_bgr = VideoReformatter(), VideoReformatter()
        # One converter kept for the whole file, working on this thread alone: the same pixels
        # as frame.to_ndarray(format="rgb24"), which makes FFmpeg's converter (and its threads)
        # afresh for every frame, at about half the CPU.
        rgb = self._to_rgb.reformat(frame, format="rgb24", threads=1).to_ndarray()
        h, w = rgb.shape[:2]
        size = reduced_size(w, h, self.max_side)
        small = rgb if size == (w, h) else cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        if rotate is not None:
            small = cv2.rotate(small, rotate)
        full = None
        if self.keep_full:
            bgr = self._to_bgr.reformat(frame, format="bgr24", threads=1).to_ndarray()
            fsize = reduced_size(w, h, self.full_max_side) if self.full_max_side else (w, h)
            if fsize != (w, h):
                bgr = cv2.resize(bgr, fsize, interpolation=cv2.INTER_AREA)
            full = cv2.rotate(bgr, rotate) if rotate is not None else bgr
        return np.ascontiguousarray(small), full


#: Containers whose packets carry presentation timestamps (the order frames are shown in).
_TIMED_FORMATS = ("mov", "mp4", "m4a", "3gp", "matroska", "webm", "mpegts")


def _skimmable(stream: Any, container: Any) -> bool:
    """H.264 in a container that gives every packet its presentation time."""
    formats = set(str(container.format.name).split(","))
    return stream.codec_context.name == "h264" and bool(formats & set(_TIMED_FORMATS))
