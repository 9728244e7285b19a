"""testkit.evaluate.at_rate and thinned: a full-rate sequence as a slower camera would have filmed it."""

from __future__ import annotations

import numpy as np
import pytest

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


def test_the_rate_benchmarks_refined_pass_analyses_what_it_says() -> None:
    """benchmarks/rate.py --refine: every frame analysed scores as the full rate does; the
    reduced rate alone as score_sequence(stride=...) does; a window around each rep's start,
    peak and end adds those frames and no others, and the share it reports is theirs."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from rate import refined

    from formcheck.pipeline import score_sequence
    from testkit import synthetic

    seq, _ = synthetic.squat(reps=3)
    full = score_sequence(seq, "squat")
    every = score_sequence(seq, "squat", analysed=np.ones(len(seq), bool))
    assert [r.to_dict() for r in every.reps] == [r.to_dict() for r in full.reps]
    half = np.zeros(len(seq), bool)
    half[::2] = True
    half[-1] = True  # the last frame is always looked at
    assert ([r.to_dict() for r in score_sequence(seq, "squat", analysed=half).reps]
            == [r.to_dict() for r in score_sequence(seq, "squat", stride=2).reps])
    first = score_sequence(seq, "squat", stride=2)  # the reduced-rate pass
    t_s = seq.t_ms / 1000.0

    def near(w: float) -> np.ndarray:
        out = np.zeros(len(seq), bool)
        for r in first.reps:
            for at in (r.start_s, r.peak_s, r.end_s):
                out |= np.abs(t_s - at) <= w
        return out

    _, share0 = refined(seq, "squat", "trace", 2, 0.0)
    some, share = refined(seq, "squat", "trace", 2, 0.2)
    assert share0 == pytest.approx((half | near(0.0)).mean())
    assert share == pytest.approx((half | near(0.2)).mean()) and share0 < share < 1.0
    assert len(some.reps) == len(full.reps) == 3
