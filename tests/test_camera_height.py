"""Camera height from the picture's perspective (formcheck/checkers/base.py, LOW_PERSPECTIVE).

From the front MediaPipe's depth can read a camera on the floor as level (its tilt of the
standing body lies along the camera's axis, with the body's own lean). These tests take the
synthetic hinge, whose world landmarks tilt exactly with the camera, and level them the way
MediaPipe's front-view depth does, so that only the picture can tell the floor from hip height.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from formcheck.checkers.base import HIGH_PERSPECTIVE, LOW_PERSPECTIVE, _perspective
from formcheck.landmarks import PoseSequence
from formcheck.pipeline import score_sequence
from testkit import synthetic

RX = {"min_hinge_deg": 80.0}  # makes the hinge's depth check (camera = "level") active
FLOOR = "Film from about hip height, not from the floor, to check torso toward horizontal."


def _levelled(seq: PoseSequence) -> PoseSequence:
    """The world landmarks turned about the left-right axis so that standing, the shoulders sit
    straight over the ankles (no camera tilt left in them)."""
    w = seq.world.astype(np.float64).copy()
    sh = np.nanmean(w[:10, [11, 12], :3], axis=(0, 1))
    an = np.nanmean(w[:10, [27, 28], :3], axis=(0, 1))
    v = sh - an
    a = np.arctan2(-v[2], -v[1])  # the tilt camera_height reads
    c, s = np.cos(-a), np.sin(-a)
    y, z = w[..., 1].copy(), w[..., 2].copy()
    w[..., 1], w[..., 2] = c * y - s * z, s * y + c * z
    return dataclasses.replace(seq, world=w.astype(np.float32))


def _frames(seq: PoseSequence) -> list:
    return list(seq.frames())


@pytest.mark.parametrize(("height", "low"), [(0.15, True), (0.9, False), (1.3, False)])
def test_perspective_ratio_tells_a_floor_camera(height: float, low: bool) -> None:
    seq, _ = synthetic.hip_hinge(reps=1, view="front", camera_height=height)
    standing = [_perspective(f) for f in _frames(seq)[:20]]
    ratio = float(np.nanmedian(standing))
    assert (ratio > LOW_PERSPECTIVE) == low, ratio


@pytest.mark.parametrize("height", [0.9, 1.3, 1.8])
def test_perspective_ratio_reads_hip_and_chest_cameras_as_not_above(height: float) -> None:
    """The ratio falls as the camera rises (0.77-0.80 from above on real and studio clips); a
    camera at hip or chest height, or a little above, must not be taken for one looking down."""
    seq, _ = synthetic.hip_hinge(reps=1, view="front", camera_height=height)
    ratio = float(np.nanmedian([_perspective(f) for f in _frames(seq)[:20]]))
    assert HIGH_PERSPECTIVE < ratio < LOW_PERSPECTIVE, ratio


def test_floor_camera_in_front_is_not_trusted_when_the_depth_reads_level() -> None:
    seq, _ = synthetic.hip_hinge(reps=3, view="front", camera_height=0.15, faults={2: ["shallow"]})
    session = score_sequence(_levelled(seq), "hip_hinge", RX)
    assert len(session.reps) >= 2
    assert not any(r.faults for r in session.reps)
    assert session.skipped_checks.get("shallow") == FLOOR


def test_hip_height_camera_in_front_is_judged() -> None:
    seq, truth = synthetic.hip_hinge(reps=3, view="front", camera_height=0.9, faults={2: ["shallow"]})
    session = score_sequence(_levelled(seq), "hip_hinge", RX)
    assert len(session.reps) == truth.count()
    assert [r.fault_codes for r in session.reps] == [[], [], ["shallow"]]
    assert "shallow" not in session.skipped_checks


def test_body_pitch_does_not_mix_one_ankle_with_both_shoulders() -> None:
    """Side-on, the far ankle comes and goes. With both ankles and both shoulders seen, the
    body's lean toward the camera is read between their midpoints; a frame with one ankle hidden
    gives no reading: the near ankle against the shoulders' midpoint would read the shoulders
    being wider than the feet, across the line of sight, as a lean (3.4 deg here; 10-13 deg
    between such frames and the others on a real clip, enough to call a level camera low)."""
    from formcheck.checkers.base import _body_pitch
    from formcheck.landmarks import Frame

    lean = np.radians(6.0)  # the top 6 deg toward the camera: a camera a little above
    up = np.array([0.0, -np.cos(lean), -np.sin(lean)])  # world y down, z away from the camera
    world = np.full((33, 3), np.nan, np.float32)
    for idx, z in ((11, -0.2), (12, 0.2), (27, -0.1), (28, 0.1)):  # side-on: left nearer
        world[idx] = np.array([0.0, 0.9, z]) + (1.4 * up if idx in (11, 12) else 0.0)
    xy, vis = np.zeros((33, 2), np.float32), np.full(33, 0.99, np.float32)
    assert _body_pitch(Frame(0.0, xy, vis, world.copy())) == pytest.approx(6.0, abs=0.1)
    world[27] = np.nan  # the far (left) ankle hidden
    assert np.isnan(_body_pitch(Frame(0.0, xy, vis, world)))


@pytest.mark.parametrize(("height", "blank"), [(0.15, True), (1.0, False)])
def test_the_live_number_is_blank_where_the_table_does_not_judge_it(height: float, blank: bool) -> None:
    """The live key number agrees with the table: from a camera on the floor a lunge's depth
    is not judged, and once a rest (or the rep itself) has shown the camera's height the live
    knee number is blank too, through the reps that follow; from hip height it shows."""
    from formcheck.pipeline import Scorer

    seq, truth = synthetic.lunge(reps=3, view="side", camera_height=height, sides=("right",))
    scorer = Scorer("lunge")
    shown = []
    for i in range(len(seq)):
        scorer.update(seq.image[i], seq.world[i], float(seq.t_ms[i]) / 1000.0, seq.aspect)
        shown.append(scorer.checker.state.key_deg)
    session = scorer.finish("synthetic", seq.fps)
    assert len(session.reps) == truth.count()
    t, live = seq.t_ms / 1000.0, np.array(shown, np.float64)
    later = (t >= session.reps[1].start_s) & (t <= session.reps[-1].end_s)  # reps 2 and 3
    assert ("shallow" in session.skipped_checks) == blank
    # The rep's own number is reported only where it is judged (table, reports, exports).
    depth = [r.metrics["knee_min_deg"] for r in session.reps]
    assert np.isfinite(depth).all() != blank
    if blank:
        assert "from the floor" in session.skipped_checks["shallow"]
        assert not np.isfinite(live[later]).any()
    else:
        assert np.isfinite(live[later]).mean() > 0.9


def test_live_key_number_blank_where_its_joints_are_not_seen_clearly() -> None:
    """The live number agrees with the table when the legs are seen only faintly (a dark room,
    a close-up): depth is not judged, its column is blank, and the number live shows "--";
    the same squats seen clearly show it."""
    from formcheck.landmarks import PoseLandmark as L

    seq, _ = synthetic.squat(reps=2, view="side", seed=3)
    _, clear = synthetic.shown_keys("squat", seq)
    legs = [L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE]
    seq.image[:, legs, 3] = 0.65  # used for the picture (over 0.5), not clearly seen (under 0.8)
    s = score_sequence(seq, "squat")
    assert len(s.reps) == 2
    assert all(not np.isfinite(r.metrics["knee_min_deg"]) for r in s.reps)
    # In the picture, faintly: film closer (not "keep them in the picture")
    assert all(r.skipped["shallow"].startswith("Your hips were not seen clearly: film") for r in s.reps)
    _, faint = synthetic.shown_keys("squat", seq)
    later = len(faint) // 3  # after the first rest
    assert all(t.endswith("--") for t in faint[later:]), sorted(set(faint[later:]))[:5]
    assert not all(t.endswith("--") for t in clear[later:])
