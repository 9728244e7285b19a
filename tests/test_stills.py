"""Fault stills: a bounded ring of recent frames, and one still per fault at its moment."""

from __future__ import annotations

import cv2
import numpy as np

from formcheck.checkers.base import Fault, Rep
from formcheck.definitions import load
from formcheck.stills import EVERY_S, MAX_GAP_S, StillKeeper, fault_moment, still_key


def _frame(value: int) -> np.ndarray:
    return np.full((120, 160, 3), value, np.uint8)


def _brightness(jpeg: bytes | None) -> float:
    assert jpeg is not None
    return float(cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_GRAYSCALE).mean())


def _rep(index: int, peak_s: float, end_s: float, codes: list[str]) -> Rep:
    faults = [Fault(c, "cue", "004", "quote", 1.0, 0.0) for c in codes]
    return Rep(index, None, peak_s - 1.0, peak_s, end_s, "side", {}, faults)


def test_ring_keeps_a_few_frames_a_second_within_its_span() -> None:
    keeper = StillKeeper(load("squat"), span_s=4.0)
    for i in range(300):  # 10 s at 30 fps
        keeper.offer(i / 30, _frame(i % 250))
    kept = [t for t, _ in keeper._ring]
    assert kept[-1] - kept[0] <= 4.0
    assert np.diff(kept).min() >= EVERY_S - 1e-9
    assert keeper.nearest(9.5) is not None
    assert keeper.nearest(2.0) is None  # dropped from the ring long ago
    assert keeper.nearest(10.0 + MAX_GAP_S + 0.1) is None  # no frame near enough to show it


def test_each_fault_gets_the_frame_of_its_own_moment_once() -> None:
    d = load("squat")
    keeper = StillKeeper(d)
    for i in range(90):  # 3 s; brightness rises with time
        keeper.offer(i / 30, _frame(2 * i))
    rep = _rep(1, peak_s=1.0, end_s=2.6, codes=["shallow", "incomplete_lockout"])
    assert fault_moment(rep, "incomplete_lockout", d) == 2.6  # checked when standing back up
    keeper.capture(rep)
    low, high = keeper.stills[still_key(1, "shallow")], keeper.stills[still_key(1, "incomplete_lockout")]
    assert _brightness(low) < _brightness(high)
    first = dict(keeper.stills)
    for i in range(90, 120):
        keeper.offer(i / 30, _frame(250))
    keeper.capture(rep)  # a second call (e.g. at the end of the set) keeps the stills taken
    assert keeper.stills == first
