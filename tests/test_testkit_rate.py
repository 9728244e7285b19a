"""testkit.evaluate.at_rate and thinned: a full-rate sequence as a slower camera would have filmed it."""

from __future__ import annotations

import numpy as np

from formcheck.landmarks import PoseSequence
from testkit.evaluate import at_rate, thinned


def _seq(n: int, fps: float) -> PoseSequence:
    image = np.zeros((n, 33, 4))
    image[:, 0, 0] = np.arange(n)  # each frame knows its index
    t_ms = np.round(np.arange(n) * 1000.0 / fps).astype(np.int64)
    return PoseSequence(image, np.zeros((n, 33, 4)), t_ms, fps, 640, 480)


def test_the_frame_nearest_each_tick_is_kept_once() -> None:
    out = at_rate(_seq(91, 30.0), 12)  # 3 s at 30 fps
    idx = out.image[:, 0, 0].astype(int)
    # A 12 fps clock ticks every 2.5 frames: each tick's frame is the one nearest it (within
    # half a frame; times are whole milliseconds), timed at its tick as a 12 fps camera times
    # its frames, and the frames between ticks are left out.
    ticks = np.arange(37) * 1000 / 12
    src_t = np.round(idx * 1000 / 30)
    assert np.abs(src_t - ticks).max() <= 1000 / 30 / 2 + 0.5
    assert np.abs(out.t_ms - ticks).max() <= 0.5
    assert len(idx) == 37 and set(np.diff(idx).tolist()) == {2, 3}
    assert out.fps == 12.0 and len(np.unique(idx)) == len(idx)


def test_a_camera_as_slow_or_slower_is_left_as_it_is() -> None:
    seq = _seq(30, 10.0)
    assert at_rate(seq, 12) is seq
    assert len(at_rate(_seq(60, 24.0), 12)) == 30


def test_everyone_seen_goes_with_the_frames_picked() -> None:
    """The picked frames keep everyone the model saw in them (a second person, for who is
    followed), frame for frame; thinned likewise."""
    seq = _seq(91, 30.0)
    people = np.zeros((91, 2, 33, 4))
    people[:, 1, 0, 0] = np.arange(91) + 1000  # the second person knows the frame too
    seq = PoseSequence(seq.image, seq.world, seq.t_ms, seq.fps, 640, 480, people, people.copy())
    for out in (at_rate(seq, 12), thinned(seq, 3)):
        assert out.people_image is not None and out.people_world is not None
        assert np.array_equal(out.people_image[:, 1, 0, 0] - 1000, out.image[:, 0, 0])
        assert np.array_equal(out.people_world[:, 1, 0, 0] - 1000, out.image[:, 0, 0])
    assert np.array_equal(thinned(seq, 3).t_ms, seq.t_ms[::3]) and thinned(seq, 3).fps == 10.0
