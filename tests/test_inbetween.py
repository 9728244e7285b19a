"""Reduced analysis rate: interpolated frames between analysed ones, the reader's stride, and
scoring a trace at a reduced rate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from formcheck.inbetween import between
from formcheck.pipeline import score_sequence
from formcheck.video import FrameReader, frame_stride
from testkit import synthetic
from tests.test_video import write_video


def _pose(dx: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """A standing pose's image and world landmarks (33, 4), moved right by ``dx``."""
    seq, _ = synthetic.squat(reps=1)
    image, world = seq.image[0].copy(), seq.world[0].copy()
    image[:, 0] += dx
    return image, world


def test_between_interpolates_point_by_point() -> None:
    a, b = _pose(), _pose(0.02)
    im, wo = between(a, b, 0.25, 16 / 9)
    seen = np.isfinite(a[0][:, 0])
    assert np.allclose(im[seen, 0], a[0][seen, 0] + 0.005, atol=1e-6)
    assert np.allclose(wo[seen], a[1][seen], atol=1e-6)


def test_between_keeps_nan_where_either_is_missing() -> None:
    a, b = _pose(), _pose(0.01)
    b[0][0] = np.nan
    im, _ = between(a, b, 0.5, 16 / 9)
    assert np.isnan(im[0]).all()
    assert np.isfinite(im[23]).all()


def test_between_does_not_interpolate_across_a_jump_or_nobody() -> None:
    a = _pose()
    far = _pose(0.5)  # half the picture away: a cut, or someone else
    assert between(a, far, 0.5, 16 / 9)[0] is a[0]
    nobody = (np.full((33, 4), np.nan, np.float32), np.full((33, 4), np.nan, np.float32))
    assert between(a, nobody, 0.5, 16 / 9)[0] is a[0]
    assert np.isnan(between(nobody, a, 0.5, 16 / 9)[0]).all()


@pytest.mark.parametrize(("fps", "rate", "k"), [
    (30.0, 15.0, 2), (60.0, 15.0, 4), (25.0, 15.0, 2), (24.0, 15.0, 2), (15.0, 15.0, 1),
    (10.0, 15.0, 1), (30.0, None, 1), (30.0, 0.0, 1), (50.0, 15.0, 3),
])
def test_frame_stride(fps: float, rate: float | None, k: int) -> None:
    assert frame_stride(fps, rate) == k


def test_reader_stride_hands_out_every_kth_frame_with_the_skipped_times(tmp_path: Path) -> None:
    clip = write_video(tmp_path / "clip.mp4", n=31)
    with FrameReader(clip) as reader:
        every = list(reader)
    with FrameReader(clip, stride=3) as reader:
        some = list(reader)
    assert [f.index for f in some] == list(range(0, 31, 3))
    for f in some:
        assert np.array_equal(f.rgb_small, every[f.index].rgb_small)
        assert f.t_ms == every[f.index].t_ms
    times = [t for f in some for t in (*f.skipped_t_ms, f.t_ms)]
    assert times == [f.t_ms for f in every][: len(times)]  # frames after the last one dropped
    assert some[0].skipped_t_ms == ()
    assert all(len(f.skipped_t_ms) == 2 for f in some[1:])


def test_reader_rejects_a_bad_stride(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="stride"):
        FrameReader(write_video(tmp_path / "clip.mp4"), stride=0)


@pytest.mark.parametrize("stride", [2, 4])
def test_a_trace_scored_at_a_reduced_rate_keeps_reps_and_faults(stride: int) -> None:
    seq, truth = synthetic.squat(reps=4, fps=60.0, faults={1: ["shallow"], 2: ["trunk_lean"]})
    full = score_sequence(seq, "squat")
    reduced = score_sequence(seq, "squat", stride=stride)
    assert [r.fault_codes for r in full.reps] == [list(r.faults) for r in truth.reps]
    assert [r.fault_codes for r in reduced.reps] == [r.fault_codes for r in full.reps]
    assert reduced.n_frames == full.n_frames - (len(seq) - 1) % stride  # every frame is fed


@pytest.mark.parametrize(("fps", "stride"), [(30.0, 2), (60.0, 2), (60.0, 4)])
def test_a_reduced_rate_reads_the_same_depth_without_jitter(fps: float, stride: int) -> None:
    # With the landmarks' jitter, one rep's depth varies by about 2 degrees from rep to rep at
    # full rate already; without it, what the reduced rate changes shows.
    seq, _ = synthetic.squat(reps=3, fps=fps, noise=0.0)
    full = score_sequence(seq, "squat")
    reduced = score_sequence(seq, "squat", stride=stride)
    assert len(reduced.reps) == len(full.reps) == 3
    for a, b in zip(full.reps, reduced.reps, strict=True):
        assert abs(a.metrics["knee_min_deg"] - b.metrics["knee_min_deg"]) < 0.5
