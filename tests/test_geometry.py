"""Joint geometry against hand-computed answers."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.geometry import (
    angle,
    angle_from_vertical,
    angle_to_horizontal,
    distance,
    midpoint,
    segment_distance,
    signed_line_angle,
    vector_angle,
)

NAN = float("nan")


@pytest.mark.parametrize(
    ("a", "b", "c", "expected"),
    [
        ((1, 0), (0, 0), (0, 1), 90.0),  # right angle
        ((-1, 0), (0, 0), (1, 0), 180.0),  # straight
        ((1, 0), (0, 0), (1, 0), 0.0),  # folded back
        ((1, 0), (0, 0), (1, 1), 45.0),
        ((1, 0), (0, 0), (-1, 1), 135.0),
        ((4, 0), (0, 0), (4, 3), np.degrees(np.arctan2(3, 4))),  # 3-4-5 triangle
        ((0, 3), (0, 0), (4, 0), 90.0),
        ((1, 0), (0, 0), (0.5, np.sqrt(3) / 2), 60.0),
        ((1, 0, 0), (0, 0, 0), (0, 0, 1), 90.0),  # 3D
        ((1, 1, 0), (0, 0, 0), (0, 1, 1), 60.0),
    ],
)
def test_angle(a, b, c, expected):
    assert float(angle(np.array(a), np.array(b), np.array(c))) == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize(
    ("a", "b", "c", "expected"),
    [
        ((0, 0), (1, 0), (2, 0), 180.0),  # on the line
        ((0, 0), (1, 1), (2, 0), 90.0),  # b below the line (image y grows down): sag
        ((0, 0), (1, -1), (2, 0), 270.0),  # b above the line
        ((0, 0), (1, 1), (2, 2), 180.0),  # sloped straight line
        ((2, 0), (1, -1), (0, 0), 270.0),  # order of a and c does not matter
        ((0, 0), (3, -np.sqrt(3)), (6, 0), 240.0),  # 30 deg above on each side
        ((0, 0), (3, np.sqrt(3)), (6, 0), 120.0),
    ],
)
def test_signed_line_angle(a, b, c, expected):
    got = float(signed_line_angle(np.array(a, float), np.array(b, float), np.array(c, float)))
    assert got == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize(
    ("lower", "upper", "expected"),
    [
        ((0, 1), (0, 0), 0.0),  # straight up the image (y down)
        ((0, 0), (0, 1), 180.0),  # straight down
        ((0, 0), (1, 0), 90.0),  # horizontal
        ((0, 0), (-1, 0), 90.0),
        ((0, 1), (1, 0), 45.0),
        ((0, 4), (3, 0), np.degrees(np.arctan2(3, 4))),  # 3-4-5
    ],
)
def test_angle_from_vertical(lower, upper, expected):
    got = float(angle_from_vertical(np.array(lower, float), np.array(upper, float)))
    assert got == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize(
    ("p", "q", "expected"),
    [
        ((0, 0), (1, 0), 0.0),
        ((1, 0), (0, 0), 0.0),
        ((0, 0), (0, 1), 90.0),
        ((0, 0), (1, -1), 45.0),
        ((0, 0), (-1, 1), 45.0),
        ((0, 0), (4, 3), np.degrees(np.arctan2(3, 4))),
    ],
)
def test_angle_to_horizontal(p, q, expected):
    got = float(angle_to_horizontal(np.array(p, float), np.array(q, float)))
    assert got == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize(
    ("p", "q", "expected"),
    [((0, 0), (3, 4), 5.0), ((1, 1), (1, 1), 0.0), ((0, 0, 0), (1, 2, 2), 3.0), ((-1, 0), (2, 4), 5.0)],
)
def test_distance(p, q, expected):
    assert float(distance(np.array(p, float), np.array(q, float))) == pytest.approx(expected)


def test_vector_angle_and_midpoint():
    assert float(vector_angle(np.array([1.0, 0]), np.array([0, 2.0]))) == pytest.approx(90)
    np.testing.assert_allclose(midpoint(np.array([0.0, 0]), np.array([2.0, 4])), [1, 2])


P = np.array([0.0, 0.0])
M = np.array([NAN, 0.0])


@pytest.mark.parametrize(
    "call",
    [
        lambda: angle(M, P, np.array([1.0, 0])),
        lambda: angle(np.array([1.0, 0]), M, P),
        lambda: signed_line_angle(P, M, np.array([1.0, 0])),
        lambda: angle_from_vertical(M, P),
        lambda: angle_to_horizontal(P, M),
        lambda: distance(P, M),
        lambda: vector_angle(M, P),
    ],
)
def test_nan_in_nan_out(call):
    assert np.isnan(call())


@pytest.mark.parametrize(
    "call",
    [
        lambda: angle(P, P, np.array([1.0, 0])),  # a == b
        lambda: angle(np.array([1.0, 0]), P, P),  # c == b
        lambda: signed_line_angle(P, P, np.array([1.0, 0])),
        lambda: angle_from_vertical(P, P),
        lambda: angle_to_horizontal(P, P),
        lambda: vector_angle(np.zeros(3), np.ones(3)),
    ],
)
def test_zero_length_segment_is_nan(call):
    with np.errstate(all="raise"):  # and no floating point warnings leak out
        assert np.isnan(call())


def test_broadcasting_over_time():
    t = np.linspace(0, np.pi, 7)
    # (T, 2): a point on the unit circle against the +x axis -> the angle equals t.
    a = np.stack([np.cos(t), np.sin(t)], -1)
    b = np.zeros((7, 2))
    c = np.array([1.0, 0.0])  # broadcasts against (T, 2)
    got = angle(a, b, c)
    assert got.shape == (7,)
    np.testing.assert_allclose(got, np.degrees(t), atol=1e-6)
    a3 = np.concatenate([a, np.zeros((7, 1))], -1)
    assert angle(a3, np.zeros(3), np.array([1.0, 0, 0])).shape == (7,)
    # A missing row only spoils its own result.
    a[3] = np.nan
    got = angle(a, b, c)
    assert np.isnan(got[3]) and np.isfinite(np.delete(got, 3)).all()
    assert distance(a, b).shape == (7,)
    assert angle_from_vertical(b, a).shape == (7,)
    assert angle_to_horizontal(b, a).shape == (7,)
    assert signed_line_angle(np.zeros((7, 2)), a, np.ones((7, 2))).shape == (7,)
    # (T, N, D) works too.
    many = np.random.default_rng(0).normal(size=(5, 4, 3))
    assert angle(many, many * 0, many[::-1]).shape == (5, 4)


def test_segment_distance() -> None:
    """To the segment (0,0)-(2,0): beside its middle, past an end, on it; NaN when missing."""
    a, b = np.array([0.0, 0.0]), np.array([2.0, 0.0])
    p = np.array([[1.0, 3.0], [5.0, 4.0], [0.5, 0.0], [np.nan, 0.0]])
    np.testing.assert_allclose(segment_distance(p, a, b), [3.0, 5.0, 0.0, np.nan])
    assert segment_distance(np.array([3.0, 4.0]), a, a) == pytest.approx(5.0)  # a point
