"""The camera view from MediaPipe's world landmarks (formcheck/view.py): read with a band about
each boundary, so a yaw drifting about one does not flip the view from rep to rep."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.landmarks import N_LANDMARKS, Frame
from formcheck.landmarks import PoseLandmark as L
from formcheck.view import VIEW_BAND_DEG, ViewTracker, classify_yaw


def _facing(yaw_deg: float, t_s: float) -> Frame:
    """A frame whose hip and shoulder lines are turned ``yaw_deg`` out of the picture."""
    world = np.full((N_LANDMARKS, 3), np.nan, np.float32)
    a = np.radians(yaw_deg)
    for left, right, y in ((L.LEFT_HIP, L.RIGHT_HIP, 0.0), (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, -0.5)):
        world[left] = (-0.15 * np.cos(a), y, -0.15 * np.sin(a))
        world[right] = (0.15 * np.cos(a), y, 0.15 * np.sin(a))
    xy = np.full((N_LANDMARKS, 2), 0.5, np.float32)
    return Frame(t_s, xy, np.ones(N_LANDMARKS, np.float32), world)


def _views(yaws: list[float], fps: float = 30.0) -> list[str]:
    tracker = ViewTracker()
    return [tracker.update(_facing(y, i / fps)).view for i, y in enumerate(yaws)]


def test_a_yaw_about_a_boundary_keeps_the_view_it_began_with(monkeypatch: pytest.MonkeyPatch) -> None:
    # Facing the camera, MediaPipe's yaw reading 22-28 deg (a real front-on clip, mirrored).
    hover = [22.0, 28.0, 24.0, 27.0, 26.0, 23.0] * 40
    assert set(_views(hover)[2:]) == {"front"}
    # Without the band the same readings turn the view to oblique as the median reaches 25.
    monkeypatch.setattr("formcheck.view.VIEW_BAND_DEG", 0.0)
    assert set(_views(hover)[2:]) == {"front", "oblique"}


def test_a_real_turn_changes_the_view_once_past_the_band() -> None:
    turn = [10.0] * 60 + [40.0] * 150 + [10.0] * 150
    views = _views(turn)
    assert views[59] == "front" and views[209] == "oblique" and views[-1] == "front"
    assert classify_yaw(25.0 + VIEW_BAND_DEG - 0.1, was="front") == "front"
    assert classify_yaw(25.0 + VIEW_BAND_DEG + 0.1, was="front") == "oblique"
    assert classify_yaw(25.0 - VIEW_BAND_DEG + 0.1, was="oblique") == "oblique"
    assert classify_yaw(50.0 - VIEW_BAND_DEG + 0.1, was="side") == "side"
    assert classify_yaw(27.0) == "oblique"  # no view before: the plain boundaries
