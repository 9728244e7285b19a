"""One Euro filter behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.landmarks import Frame
from formcheck.smoothing import FrameSmoother, OneEuroFilter

FPS = 30.0


def run(f: OneEuroFilter, xs, fps: float = FPS) -> np.ndarray:
    return np.array([f(np.asarray(x, float), i / fps) for i, x in enumerate(xs)])


def test_constant_stays_constant():
    out = run(OneEuroFilter(), [np.array([0.3, -2.0, 7.5])] * 60)
    np.testing.assert_allclose(out, np.tile([0.3, -2.0, 7.5], (60, 1)))


def test_jitter_reduced_on_still_point():
    rng = np.random.default_rng(1)
    xs = 0.5 + rng.normal(0, 0.01, size=(300, 4))
    out = run(OneEuroFilter(), xs)
    assert out[30:].var(axis=0).max() < 0.3 * xs[30:].var(axis=0).min()
    assert np.abs(out[30:].mean(axis=0) - 0.5).max() < 0.005


def test_step_is_followed():
    xs = np.r_[np.zeros(30), np.ones(60)]
    out = run(OneEuroFilter(), xs)
    assert out[29] == 0.0
    assert out[30] > 0.1  # starts moving at once
    assert np.abs(out[30 + 15 :] - 1.0).max() < 0.05  # within 15 frames (0.5 s)
    assert np.all(np.diff(out) >= -1e-12)  # no overshoot back


def test_nan_gap_restarts_cleanly():
    f = OneEuroFilter(max_gap_s=0.5)
    out = run(f, np.r_[np.zeros(30), np.full(30, np.nan), np.full(10, 5.0)])
    assert np.isnan(out[30:60]).all()
    assert out[60] == 5.0  # restarts from the new value, no drag from the old one
    np.testing.assert_allclose(out[60:], 5.0)


def test_short_gap_keeps_state_and_elements_independent():
    f = OneEuroFilter(max_gap_s=0.5)
    xs = np.zeros((40, 2))
    xs[10:13, 0] = np.nan  # a 0.1 s gap in one element only
    out = run(f, xs)
    assert np.isnan(out[10:13, 0]).all() and np.isfinite(out[10:13, 1]).all()
    np.testing.assert_allclose(out[13:], 0.0)


def test_shape_preserved():
    f = OneEuroFilter()
    for t in range(3):
        y = f(np.ones((33, 3)), t / FPS)
        assert y.shape == (33, 3)
    assert f(np.ones(5), 1.0).shape == (5,)  # a new shape restarts


def test_bad_parameters():
    with pytest.raises(ValueError):
        OneEuroFilter(min_cutoff_hz=0)
    with pytest.raises(ValueError):
        OneEuroFilter(beta=-1)


def test_frame_smoother_keeps_frame_shape():
    sm = FrameSmoother()
    fr = Frame(0.0, np.ones((33, 2), np.float32), np.ones(33, np.float32), np.ones((33, 3), np.float32))
    out = sm(fr)
    assert out.xy.shape == (33, 2) and out.world.shape == (33, 3) and out.t_s == 0.0
    out = sm(Frame.missing(0.1))
    assert np.isnan(out.xy).all()


def test_no_path_is_invented_across_dropped_frames():
    """Two or more frames without the point: the filter restarts from the next value seen,
    rather than drawing a smooth path through frames nobody saw; one dropped frame is bridged."""
    dt = 1 / 30
    for dropped, restarts in ((1, False), (2, True), (5, True)):
        f = OneEuroFilter(min_cutoff_hz=1.0, beta=0.0)
        for i in range(30):
            f(np.array([0.0]), i * dt)
        t = 30 * dt
        for _ in range(dropped):
            f(np.array([np.nan]), t)
            t += dt
        out = float(f(np.array([1.0]), t)[0])
        assert (out == 1.0) is restarts, (dropped, out)
        if not restarts:
            assert 0.0 < out < 1.0
