"""Two trust rules for lying and moving bodies (formcheck/checkers/base.py):

- lying on the back, a camera looking down across the body (ACROSS_TILT_MAX_DEG): the double
  hip rotation's timer and shoulders take the camera's up for the room's, so from above at the
  side they are not judged;
- a rep whose counting signal moved faster than a real rep moves it (``steady_speed``) was read
  unsteadily, and its checks are not made.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from formcheck.checkers import make_checker
from formcheck.checkers.base import ACROSS_TILT_MAX_DEG, HEAD_POINTS, RepData
from formcheck.landmarks import PoseSequence
from formcheck.pipeline import score_sequence
from formcheck.view import ViewEstimate
from testkit import synthetic

RX = {"hold_s": 40.0}  # longer than the synthetic holds: every hold is short where judged
ABOVE = "Film from low down, not from above, to check hold time."
HEAD_OUT = "Keep your head in the picture too, to check hold time."


def _looking_down(seq: PoseSequence, pitch_deg: float) -> PoseSequence:
    """The world landmarks as a camera beside the body, pitched down by ``pitch_deg``, sees them:
    turned about the camera's left-right axis (x), which lies along the body from the side."""
    w = seq.world.astype(np.float64).copy()
    a = np.radians(pitch_deg)
    c, s = np.cos(a), np.sin(a)
    y, z = w[..., 1].copy(), w[..., 2].copy()
    w[..., 1], w[..., 2] = c * y - s * z, s * y + c * z
    return dataclasses.replace(seq, world=w.astype(np.float32))


def test_double_hip_rotation_from_a_level_side_camera_is_timed_and_judged() -> None:
    seq, _ = synthetic.double_hip_rotation(holds=(("left", 31.0), ("right", 31.0)), view="side")
    session = score_sequence(_looking_down(seq, 10.0), "double_hip_rotation", RX)
    assert len(session.reps) == 2
    assert all(r.fault_codes == ["short_hold"] for r in session.reps)


def test_double_hip_rotation_from_above_at_the_side_is_not_judged() -> None:
    seq, _ = synthetic.double_hip_rotation(holds=(("left", 31.0), ("right", 31.0)), view="side")
    session = score_sequence(_looking_down(seq, ACROSS_TILT_MAX_DEG + 25.0), "double_hip_rotation", RX)
    assert session.reps, "the holds are still timed"
    assert not any(r.faults for r in session.reps)
    assert all(r.skipped.get("short_hold") == ABOVE for r in session.reps)


def test_head_out_of_the_picture_is_said_before_the_camera_height() -> None:
    """With the head out of the picture MediaPipe guesses the shoulders' depth, so a tilted
    shoulder line may be the guess, not a camera looking down: the person is told to bring the
    head into view (they can do that at once), and the check is still not made."""
    seq, _ = synthetic.double_hip_rotation(holds=(("left", 31.0), ("right", 31.0)), view="side")
    seq = _looking_down(seq, ACROSS_TILT_MAX_DEG + 25.0)
    image = seq.image.copy()
    image[:, list(HEAD_POINTS), 0] = 1.05  # the head beyond the picture's right edge
    session = score_sequence(dataclasses.replace(seq, image=image), "double_hip_rotation", RX)
    assert session.reps
    assert not any(r.faults for r in session.reps)
    assert all(r.skipped.get("short_hold") == HEAD_OUT for r in session.reps)


def _rep(signal: np.ndarray, fps: float = 30.0) -> RepData:
    t = np.arange(len(signal)) / fps
    sig = {"hip_line_deg": signal}
    view = ViewEstimate("side", 90.0, "left")
    return RepData(t, np.ones(len(t), bool), sig, {}, {}, int(np.argmax(signal)), view)


def test_a_rep_read_unsteadily_is_not_judged() -> None:
    checker = make_checker("bridge")
    limit = checker.c.steady_speed
    smooth = np.concatenate([np.linspace(135, 180, 30), np.full(60, 180.0), np.linspace(180, 135, 30)])
    # Up in a second (45 deg/s), as real bridges rise (33-145 deg/s at the fastest): steady.
    assert not checker._unsteady(_rep(smooth))
    flipped = smooth.copy()
    flipped[3:] += limit * 0.2 * 1.3  # the reading flips by 1.3 times the limit over 0.2 s
    flipped[-3:] = smooth[-3:]
    assert checker._unsteady(_rep(flipped))
    hold = next(c for c in checker.d.checks if c.code == "short_hold")
    reason = checker.distrust(hold, _rep(flipped))
    assert reason is not None and "jumped about" in reason and "film from the side" in reason
    assert checker.distrust(hold, _rep(smooth)) is None
