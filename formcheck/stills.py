"""Stills of the moments faults happened, captured while a session is recorded.

A :class:`StillKeeper` keeps small JPEG frames (with the skeleton drawn on) of the last
minute or so, a few per second, in a bounded ring. When a rep completes, each of its faults
takes the kept frame nearest the moment it happened (the rep's bottom or top, or its end
for a check of how it finished). No video is kept: only those few stills are saved.
"""

from __future__ import annotations

from collections import deque

import cv2
import numpy as np

from formcheck.checkers.base import Rep
from formcheck.definitions import ExerciseDef

STILL_WIDTH = 360  # px; enough to see the posture in a report, about 10-20 kB a still
EVERY_S = 0.2  # one still kept per this many seconds
JPEG_QUALITY = 80
MAX_GAP_S = 1.0  # a kept frame further than this from a fault's moment does not show it


def still_key(rep_index: int, code: str) -> str:
    """The key of one fault's still in ``Session.stills``: "3:shallow"."""
    return f"{rep_index}:{code}"


def fault_moment(rep: Rep, code: str, definition: ExerciseDef) -> float:
    """When, in seconds from the start, the fault ``code`` of ``rep`` shows best."""
    moment = next((c.moment for c in definition.checks if c.code == code), "peak")
    return {"start": rep.start_s, "end": rep.end_s}.get(moment, rep.peak_s)


class StillKeeper:
    """A ring of recent small JPEG frames, and the stills taken from it for faults.

    Args:
        definition: the exercise (which moment of a rep shows each fault).
        span_s: how far back frames are kept (longer than the longest rep plus settling).
    Attributes:
        stills: ``still_key(rep, code)`` -> JPEG bytes, for every fault captured so far.
    """

    def __init__(self, definition: ExerciseDef, span_s: float | None = None) -> None:
        self.d = definition
        self.span_s = span_s if span_s is not None else definition.counting.max_rep_s + 5.0
        self._ring: deque[tuple[float, bytes]] = deque()
        self.stills: dict[str, bytes] = {}

    def wants(self, t_s: float) -> bool:
        """Whether a frame at ``t_s`` would be kept (so callers can skip preparing it)."""
        return not self._ring or t_s - self._ring[-1][0] >= EVERY_S

    def offer(self, t_s: float, rgb: np.ndarray, image_lm: np.ndarray | None = None) -> None:
        """Keep this frame (RGB, any size) if it is time for one; drops frames past the span."""
        if not self.wants(t_s):
            return
        self._ring.append((t_s, encode_still(rgb, image_lm)))
        while self._ring and self._ring[0][0] < t_s - self.span_s:
            self._ring.popleft()

    def nearest(self, t_s: float) -> bytes | None:
        """The kept frame nearest ``t_s``, or None when none is within MAX_GAP_S of it."""
        if not self._ring:
            return None
        t, jpeg = min(self._ring, key=lambda item: abs(item[0] - t_s))
        return jpeg if abs(t - t_s) <= MAX_GAP_S else None

    def capture(self, rep: Rep) -> None:
        """Take a still for each fault of a rep that has just completed (once per fault)."""
        for f in rep.faults:
            if still_key(rep.index, f.code) in self.stills:
                continue
            jpeg = self.nearest(fault_moment(rep, f.code, self.d))
            if jpeg is not None:
                self.stills[still_key(rep.index, f.code)] = jpeg


def encode_still(rgb: np.ndarray, image_lm: np.ndarray | None = None) -> bytes:
    """A JPEG of ``rgb`` reduced to STILL_WIDTH wide, with the skeleton drawn when given."""
    from formcheck.skeleton import draw_skeleton

    h, w = rgb.shape[:2]
    sw = min(STILL_WIDTH, w)
    sh = max(1, round(h * sw / w))
    small = cv2.resize(rgb, (sw, sh), interpolation=cv2.INTER_AREA) if sw != w else rgb.copy()
    bgr = cv2.cvtColor(small, cv2.COLOR_RGB2BGR)
    if image_lm is not None:
        draw_skeleton(bgr, image_lm)
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise ValueError("could not encode a still")
    return buf.tobytes()
