"""Donkey kick and fire hydrant (on hands and knees) against synthetic sets with known reps,
sides and faults."""

from __future__ import annotations

import pytest

from formcheck.pipeline import score_sequence
from testkit import synthetic
from testkit.synthetic import assert_matches

MAKE = {"donkey_kick": synthetic.donkey_kick, "fire_hydrant": synthetic.fire_hydrant}
VIEW = {"donkey_kick": "side", "fire_hydrant": "front"}  # where the movement lies in the picture


@pytest.mark.parametrize("exercise", sorted(MAKE))
@pytest.mark.parametrize("sides", [("left",), ("right",)])
def test_clean_set_counted_exactly(exercise, sides):
    seq, truth = MAKE[exercise](reps=4, sides=sides)
    session = score_sequence(seq, exercise)
    assert session.view == VIEW[exercise]
    assert_matches(session, truth)
    assert all(not r.faults for r in session.reps)


@pytest.mark.parametrize(
    ("exercise", "fault", "view"),
    [
        ("donkey_kick", "low_back_arch", "side"),
        ("donkey_kick", "start_position", "side"),
        ("fire_hydrant", "hip_shift", "front"),
        ("fire_hydrant", "start_position", "side"),
    ],
)
def test_fault_in_exactly_its_reps(exercise, fault, view):
    seq, truth = MAKE[exercise](reps=5, view=view, faults={1: [fault], 3: [fault]})
    session = score_sequence(seq, exercise)
    assert_matches(session, truth)
    assert [r.index - 1 for r in session.reps if fault in r.fault_codes] == [1, 3]


@pytest.mark.parametrize("exercise", sorted(MAKE))
def test_per_side_counts_taking_turns(exercise):
    seq, truth = MAKE[exercise](reps=3, sides=("left", "right"), alternate=True)
    session = score_sequence(seq, exercise)
    assert_matches(session, truth)
    assert session.reps_by_side() == {"left": 3, "right": 3}


def test_kick_from_in_front_is_counted_but_not_judged():
    """From in front the thigh swings toward the camera: counted in the world landmarks, but the
    body line and the start position lie out of the picture."""
    seq, truth = synthetic.donkey_kick(reps=3, view="front", faults={1: ["low_back_arch", "start_position"]})
    session = score_sequence(seq, "donkey_kick")
    assert session.view == "front"
    assert len(session.reps) == truth.count()
    assert not any(r.faults for r in session.reps)
    assert session.skipped_checks == {
        "start_position": "Film from the side to check start position.",
        "low_back_arch": "Film from the side to check low back.",
    }


@pytest.mark.parametrize("view", ["side", "oblique"])
def test_hydrant_from_the_side_or_an_angle_is_counted_but_the_shift_not_judged(view):
    seq, _ = synthetic.fire_hydrant(reps=3, view=view, sides=("right",), faults={1: ["hip_shift"]})
    session = score_sequence(seq, "fire_hydrant")
    assert session.view == view
    assert [r.side for r in session.reps] == ["right"] * 3
    assert not any("hip_shift" in r.fault_codes for r in session.reps)
    assert session.skipped_checks["hip_shift"] == "Film from the front to check weight still."


def test_a_kick_is_not_a_hydrant_and_standing_is_neither():
    kick, _ = synthetic.donkey_kick(reps=3, view="front")
    assert score_sequence(kick, "fire_hydrant").reps == []  # the thigh goes back, not out
    for view in ("side", "front"):
        lift, _ = synthetic.fire_hydrant(reps=3, view=view)
        assert score_sequence(lift, "donkey_kick").reps == []  # the thigh goes out, not back
    squat, _ = synthetic.squat(reps=3, view="side")
    assert score_sequence(squat, "donkey_kick").reps == []  # not on hands and knees


@pytest.mark.parametrize("exercise", sorted(MAKE))
@pytest.mark.parametrize("degrade", [{"noise": 0.006}, {"drop_frames": 0.05, "seed": 3}])
def test_noise_and_dropped_frames_keep_counts(exercise, degrade):
    seq, _ = MAKE[exercise](reps=3, sides=("left", "right"), alternate=True, **degrade)
    assert score_sequence(seq, exercise).reps_by_side() == {"left": 3, "right": 3}


def test_no_reps_on_all_fours_suggests_these_exercises():
    """Scored as a squat, a person on hands and knees (level torso, knees a thigh below the
    hips) is told which exercises fit."""
    import numpy as np

    from formcheck.definitions import load
    from formcheck.posture import PostureTally

    lm = np.full((33, 4), np.nan, np.float32)
    for i, p in [(11, (0.7, 0.5)), (12, (0.7, 0.5)), (23, (0.5, 0.5)), (24, (0.5, 0.5)),
                 (25, (0.5, 0.68)), (26, (0.5, 0.68))]:  # fmt: skip
        lm[i] = (*p, 0.0, 0.99)
    tally = PostureTally()
    for _ in range(10):
        tally.offer(lm, 1.0)
    hint = tally.hint(load("squat"))
    assert hint is not None
    assert hint == (
        "No reps found: the person was on hands and knees throughout. "
        "Is this a donkey kick or a fire hydrant? Try --exercise donkey_kick or fire_hydrant."
    )


def _frame(
    points: dict[int, tuple[float, float]], world: dict[int, tuple[float, float, float]] | None = None
):
    """A checker frame with the given image points (frame heights) and world points (metres)."""
    import numpy as np

    from formcheck.landmarks import Frame

    xy = np.full((33, 2), np.nan, np.float32)
    wo = np.full((33, 3), np.nan, np.float32)
    vis = np.zeros(33, np.float32)
    for i, p in points.items():
        xy[i], vis[i] = p, 0.99
    for i, p in (world or {}).items():
        wo[i] = p
    return Frame(0.0, xy, vis, wo)


def test_thigh_readings_against_hand_computed_angles():
    """From the side, head to the right: shoulders level with the hips; the left thigh kicked
    back in line with the body, the right hanging straight down. In the world (camera axes, y
    down, z away) the left thigh points straight out to the person's left, away from the camera."""
    from formcheck.checkers.common import all_fours, thigh_readings

    img = {11: (1.0, 0.5), 12: (1.0, 0.5), 23: (0.5, 0.5), 24: (0.5, 0.5), 25: (0.1, 0.5), 26: (0.5, 0.9)}
    world = {11: (0.5, 0.0, 0.1), 12: (0.5, 0.0, -0.1), 23: (0.0, 0.0, 0.1), 24: (0.0, 0.0, -0.1),
             25: (0.0, 0.0, 0.5), 26: (0.0, 0.4, -0.1)}  # fmt: skip
    r = thigh_readings(_frame(img, world))
    assert r["back_l_2d"] == pytest.approx(90.0)
    assert r["back_r_2d"] == pytest.approx(0.0)
    assert r["out_r_2d"] != r["out_r_2d"]  # NaN: in profile the picture has no left and right
    assert r["out_l_3d"] == pytest.approx(90.0)  # straight out to the left
    assert r["back_l_3d"] != r["back_l_3d"]  # NaN: neither down nor along the body, no kick angle
    assert r["out_r_3d"] == pytest.approx(0.0, abs=1e-6) and r["back_r_3d"] == pytest.approx(0.0, abs=1e-6)
    assert all_fours(_frame(img, world))


def test_on_all_fours_is_neither_standing_nor_lying_on_the_side():
    from formcheck.checkers.common import all_fours

    standing = {
        11: (0.5, 0.3),
        12: (0.6, 0.3),
        23: (0.52, 0.6),
        24: (0.58, 0.6),
        25: (0.52, 0.8),
        26: (0.58, 0.8),
    }
    side_lying = {
        11: (0.2, 0.5),
        12: (0.2, 0.4),
        23: (0.6, 0.55),
        24: (0.6, 0.4),
        25: (0.8, 0.6),
        26: (0.8, 0.5),
    }
    assert not all_fours(_frame(standing))
    assert not all_fours(_frame(side_lying))
    assert not all_fours(_frame({}))  # nobody: never in the position


@pytest.mark.parametrize("view", ["oblique", "side", "front"])
def test_kicks_into_hydrants_count_only_the_chosen_movement(view):
    """004's "donkey kick into fire hydrant": kicks, then lifts to the side, in one set."""
    import numpy as np

    from formcheck.landmarks import PoseSequence

    kicks, _ = synthetic.donkey_kick(reps=3, view=view, tail_s=1.0)
    lifts, _ = synthetic.fire_hydrant(reps=3, view=view, lead_in_s=1.0)
    t = np.concatenate([kicks.t_ms, lifts.t_ms + kicks.t_ms[-1] + round(1000 / kicks.fps)])
    both = PoseSequence(
        np.concatenate([kicks.image, lifts.image]), np.concatenate([kicks.world, lifts.world]),
        t, kicks.fps, kicks.width, kicks.height,
    )  # fmt: skip
    assert len(score_sequence(both, "donkey_kick").reps) == 3
    assert len(score_sequence(both, "fire_hydrant").reps) == 3


def _knees_on_the_lifted_leg(seq, lifted: str):  # type: ignore[no-untyped-def]
    """``seq`` with the supporting knee put on the lifted one in the picture wherever that thigh
    is raised (MediaPipe does this when the lifted leg hides the other from the side)."""

    from formcheck.landmarks import PoseLandmark as L

    up, down = (L.LEFT_KNEE, L.RIGHT_KNEE) if lifted == "left" else (L.RIGHT_KNEE, L.LEFT_KNEE)
    hip = L.LEFT_HIP if lifted == "left" else L.RIGHT_HIP
    img = seq.image.copy()
    raised = img[:, hip, 1] - img[:, up, 1] > -0.5 * (img[:, down, 1] - img[:, hip, 1])
    img[raised, down] = img[raised, up]
    seq.image = img
    return seq, int(raised.sum())


def test_a_kick_hiding_the_other_knee_still_counts():
    """Mid-kick the picture may not read as all fours (the supporting knee put on the lifted
    leg, so no knee hangs below the hips); the posture of the rest before holds over while the
    shoulders and hips stay put."""
    seq, truth = synthetic.donkey_kick(reps=4, sides=("left",))
    seq, n = _knees_on_the_lifted_leg(seq, "left")
    assert n > 4 * 10  # most of every kick
    session = score_sequence(seq, "donkey_kick")
    assert len(session.reps) == truth.count()


def test_rising_from_all_fours_does_not_hold_the_posture_over():
    """Kneeling up from all fours moves the shoulders by a trunk's length: the frames after are
    no longer the posture, so a thigh swung then is not a kick. The posture holds over only
    mid-rep."""
    from formcheck.checkers import make_checker
    from formcheck.landmarks import PoseLandmark as L
    from formcheck.pipeline import to_frame

    seq, _ = synthetic.donkey_kick(reps=1, sides=("left",))
    checker = make_checker("donkey_kick")
    aspect = seq.width / seq.height
    frame = to_frame(seq.image[0], seq.world[0], 0.0, aspect)
    assert checker.valid(frame, {checker.c.signal: 0.0})
    img = seq.image[0].copy()
    trunk = abs(img[L.LEFT_SHOULDER, 0] - img[L.LEFT_HIP, 0])
    img[[L.LEFT_KNEE, L.RIGHT_KNEE], 1] = img[L.LEFT_HIP, 1]  # no knee below the hips
    for i in (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.NOSE):
        img[i, 1] -= trunk  # the shoulders a trunk's length up
    risen = to_frame(img, seq.world[0], 0.5, aspect)
    checker.phase = "active"  # mid-rep
    assert not checker.valid(risen, {checker.c.signal: 0.0})
    img[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.NOSE], 1] += trunk  # back down: held over
    still = to_frame(img, seq.world[0], 1.0, aspect)
    assert checker.valid(still, {checker.c.signal: 0.0})
    checker.phase = "rest"  # but a rep starts only from the posture itself
    assert not checker.valid(still, {checker.c.signal: 0.0})


def _trunk_lift(theta_deg: float, view: str):  # type: ignore[no-untyped-def]
    """On all fours, legs still, the trunk lifted about the hips by ``theta_deg`` (toward tall
    kneeling) over 1 s, held 0.5 s, and lowered again."""
    import numpy as np

    s = synthetic
    fps, lead, rise, hold, tail = 30.0, 3.0, 1.0, 0.5, 3.0
    t = np.arange(0, lead + 2 * rise + hold + tail, 1 / fps)
    up = s._ease(np.clip((t - lead) / rise, 0, 1)) - s._ease(np.clip((t - lead - rise - hold) / rise, 0, 1))
    th = np.radians(theta_deg) * up
    p = s.all_fours_pose(len(t))
    pivot = np.tile([0.0, s.Q_HIP_Y, 0.0], (len(t), 1))
    for k in list(p):
        if k.startswith(("shoulder", "elbow", "wrist", "head")):
            p[k] = s._rotate(p[k], pivot, [1.0, 0.0, 0.0], -th)
        if k in ("face", "crown"):
            p[k] = s._rotate(p[k], np.zeros((len(t), 3)), [1.0, 0.0, 0.0], -th)
    target = np.array([0.0, 0.35, 0.1])
    return s._render(
        s._assemble(p), t, s._camera(view, 2.2, 0.6, target), target, fps=fps, width=1280, height=720,
        noise=0.003, drop_frames=0.0, occlude=(), rng=np.random.default_rng(0),
    )  # fmt: skip


@pytest.mark.parametrize(("view", "theta"), [("side", 45.0), ("oblique", 30.0), ("oblique", 45.0)])
def test_lifting_the_trunk_on_all_fours_is_not_a_kick(view, theta):
    """The kick is read against the shoulders-to-hips line, so lifting the trunk with the
    thighs still reads as a kick; the posture held over mid-rep must not let it through."""
    assert score_sequence(_trunk_lift(theta, view), "donkey_kick").reps == []
