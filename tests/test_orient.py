"""formcheck.orient: a lying person is shown to the pose model with the head on the right."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.definitions import load
from formcheck.landmarks import N_LANDMARKS, PoseLandmark
from formcheck.orient import LAG, MIRROR_INDEX, SWITCH_AFTER, Orienter, head_left, unmirror
from formcheck.pose import PoseEstimator, PoseOptions, pose_sequence

L = PoseLandmark
SAMPLES = Path(__file__).resolve().parents[1] / "samples"
ASPECT = 4 / 3


def pose(shoulder_xy: tuple[float, float], hip_xy: tuple[float, float]) -> np.ndarray:
    """(33, 4) landmarks with only shoulders and hips set (both sides at the same place)."""
    lm = np.full((N_LANDMARKS, 4), np.nan, np.float32)
    for i in (L.LEFT_SHOULDER, L.RIGHT_SHOULDER):
        lm[i] = (*shoulder_xy, 0.0, 0.9)
    for i in (L.LEFT_HIP, L.RIGHT_HIP):
        lm[i] = (*hip_xy, 0.0, 0.9)
    return lm


HEAD_LEFT = pose((0.3, 0.6), (0.5, 0.55))
HEAD_RIGHT = pose((0.7, 0.6), (0.5, 0.55))
STANDING = pose((0.5, 0.3), (0.52, 0.55))


def test_mirror_index_swaps_every_left_with_its_right() -> None:
    assert MIRROR_INDEX[L.NOSE] == L.NOSE
    assert MIRROR_INDEX[L.LEFT_HIP] == L.RIGHT_HIP and MIRROR_INDEX[L.RIGHT_HIP] == L.LEFT_HIP
    assert MIRROR_INDEX[L.LEFT_FOOT_INDEX] == L.RIGHT_FOOT_INDEX
    assert np.array_equal(MIRROR_INDEX[MIRROR_INDEX], np.arange(N_LANDMARKS))  # an involution
    assert sorted(MIRROR_INDEX.tolist()) == list(range(N_LANDMARKS))
    names = [L(i).name for i in range(N_LANDMARKS)]
    for i, j in enumerate(MIRROR_INDEX):
        assert names[j] == names[i].replace("LEFT", "#").replace("RIGHT", "LEFT").replace("#", "RIGHT")


def test_unmirror_maps_back_and_is_its_own_inverse() -> None:
    rng = np.random.default_rng(0)
    image = rng.uniform(0, 1, (N_LANDMARKS, 4)).astype(np.float32)
    world = rng.uniform(-1, 1, (N_LANDMARKS, 4)).astype(np.float32)
    im, wo = unmirror(image, world)
    assert im[L.LEFT_HIP, 0] == pytest.approx(1 - image[L.RIGHT_HIP, 0])
    assert im[L.LEFT_HIP, 1] == image[L.RIGHT_HIP, 1]
    assert im[L.LEFT_HIP, 3] == image[L.RIGHT_HIP, 3]
    assert wo[L.LEFT_HIP, 0] == -world[L.RIGHT_HIP, 0]
    assert wo[L.LEFT_HIP, 2] == world[L.RIGHT_HIP, 2]
    back_im, back_wo = unmirror(im, wo)
    np.testing.assert_allclose(back_im, image, atol=1e-6)
    np.testing.assert_array_equal(back_wo, world)


def test_head_left() -> None:
    assert head_left(HEAD_LEFT, ASPECT) is True
    assert head_left(HEAD_RIGHT, ASPECT) is False
    assert head_left(STANDING, ASPECT) is None
    assert head_left(np.full((N_LANDMARKS, 4), np.nan, np.float32), ASPECT) is None
    # 45 degrees in pixels is not lying: the aspect counts.
    diag = pose((0.5 - 0.1 / ASPECT, 0.45), (0.5, 0.55))
    assert head_left(diag, ASPECT) is None
    # One shoulder and one hip are enough.
    one_side = HEAD_LEFT.copy()
    one_side[[L.RIGHT_SHOULDER, L.RIGHT_HIP]] = np.nan
    assert head_left(one_side, ASPECT) is True


def test_orienter_turns_round_only_after_a_run_of_poses() -> None:
    o = Orienter(ASPECT)
    for _ in range(SWITCH_AFTER - 1):
        o.observe(HEAD_LEFT)
    assert not o.mirror
    o.observe(HEAD_RIGHT)  # one pose the other way starts the count again
    for _ in range(SWITCH_AFTER - 1):
        o.observe(HEAD_LEFT)
    assert not o.mirror
    o.observe(STANDING)  # standing and missing poses neither count nor reset
    o.observe(np.full((N_LANDMARKS, 4), np.nan, np.float32))
    o.observe(HEAD_LEFT)
    assert o.mirror
    for _ in range(SWITCH_AFTER - 1):
        o.observe(HEAD_RIGHT)
    assert o.mirror
    o.observe(HEAD_RIGHT)
    assert not o.mirror


def test_orienter_disabled_never_mirrors() -> None:
    o = Orienter(ASPECT, enabled=False)
    for _ in range(3 * SWITCH_AFTER):
        o.observe(HEAD_LEFT)
    assert not o.mirror and o.mirror_for(3 * SWITCH_AFTER) is False


def test_mirror_for_uses_only_poses_lag_frames_back() -> None:
    lag = 3
    o = Orienter(ASPECT, lag=lag)
    assert o.mirror_for(0) is False and o.mirror_for(lag - 1) is False  # nothing may count yet
    with pytest.raises(ValueError):
        o.mirror_for(lag)  # frame 0 not observed yet
    decisions = []  # o.mirror after each frame's pose
    asked = []
    for frame in range(SWITCH_AFTER + 6):
        asked.append(o.mirror_for(frame + lag - 1))  # as detect_frames asks: lag - 1 ahead
        o.observe(HEAD_LEFT)
        decisions.append(o.mirror)
        assert o.mirror_for(frame + lag) is decisions[frame]
    assert decisions == [False] * (SWITCH_AFTER - 1) + [True] * 7
    assert asked == [False, *decisions[:-1]]  # frame f + lag - 1 follows the pose of frame f - 1
    with pytest.raises(ValueError):
        o.mirror_for(o.seen + lag)


def test_only_exercises_done_lying_turn_the_picture() -> None:
    assert load("bridge").lying and load("clamshell").lying
    assert not load("squat").lying


# -- the real model --------------------------------------------------------------------------


def _first_frame(video: Path, index: int) -> np.ndarray:
    cap = cv2.VideoCapture(str(video))
    cap.set(cv2.CAP_PROP_POS_FRAMES, index)
    ok, bgr = cap.read()
    cap.release()
    assert ok
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


BRIDGE = SAMPLES / "bridge_side_faults.mp4"  # filmed with the head on the left
needs_bridge = pytest.mark.skipif(not BRIDGE.is_file(), reason="samples/bridge_side_faults.mp4 missing")


@needs_bridge
def test_mirrored_detection_comes_back_as_filmed() -> None:
    rgb = _first_frame(BRIDGE, 200)
    with PoseEstimator() as est:
        plain = est.detect(rgb, 0)
        mirrored = est.detect(rgb, 0, mirror=True)
    assert plain.detected and mirrored.detected
    body = [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_KNEE,
            L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE]
    # The same joints in the same places (a few percent of the frame apart at most): left is
    # still left, and x is in the filmed picture.
    gap = np.abs(plain.image[body, :2] - mirrored.image[body, :2])
    assert gap.max() < 0.05, gap
    assert np.abs(plain.world[body, :3] - mirrored.world[body, :3]).max() < 0.15
    assert head_left(mirrored.image, 4 / 3) is True


@needs_bridge
def test_lying_clip_is_turned_round_and_the_same_for_any_number_of_models() -> None:
    truth = json.loads(BRIDGE.with_suffix(".json").read_text())
    assert truth["facing"] == "left"  # the head is on the left of the picture
    opts = PoseOptions(head_right=True)
    one = pose_sequence(BRIDGE, options=opts, workers=1)
    two = pose_sequence(BRIDGE, options=opts, workers=2)
    np.testing.assert_array_equal(one.image, two.image)
    np.testing.assert_array_equal(one.world, two.world)
    plain = pose_sequence(BRIDGE, workers=2)
    turned = np.any(one.image != plain.image, axis=(1, 2))
    # From a few frames in (the lag plus the run that decides) every frame was seen mirrored.
    first = int(np.argmax(turned))
    assert first <= LAG + SWITCH_AFTER + 5
    assert turned[first:].mean() > 0.95
