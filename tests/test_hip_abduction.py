"""Standing hip abduction against synthetic sets with known reps, sides and faults."""

from __future__ import annotations

import pytest

from formcheck.pipeline import score_sequence
from testkit import synthetic
from testkit.synthetic import assert_matches

RX = {"hold_s": 2.0}  # holds are only checked when prescribed
FAULTS = ["trunk_lean", "knee_bent", "short_hold"]


def score(seq, rx=None):
    return score_sequence(seq, "hip_abduction", RX if rx is None else rx)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("sides", [("left",), ("right",)])
def test_clean_set_counted_exactly(seed, sides):
    seq, truth = synthetic.hip_abduction(reps=5, sides=sides, seed=seed)
    session = score(seq)
    assert session.view == "front"
    assert_matches(session, truth)
    assert all(not r.faults for r in session.reps)
    assert session.skipped_checks == {}
    for rep, tr in zip(session.reps, truth.reps, strict=True):
        assert rep.metrics["leg_angle_max_deg"] == pytest.approx(tr.key_deg, abs=3.0)


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_in_exactly_its_reps(fault):
    seq, truth = synthetic.hip_abduction(reps=5, faults={1: [fault], 3: [fault]})
    session = score(seq)
    assert_matches(session, truth)
    assert [r.index - 1 for r in session.reps if fault in r.fault_codes] == [1, 3]


def test_faults_on_either_leg_taking_turns():
    seq, truth = synthetic.hip_abduction(
        reps=3, sides=("left", "right"), alternate=True,
        faults={1: ["trunk_lean"], 2: ["knee_bent"], 5: ["trunk_lean", "knee_bent"]},
    )  # fmt: skip
    assert [r.side for r in truth.reps] == ["left", "right"] * 3
    assert_matches(score(seq), truth)


def test_per_side_counts():
    seq, truth = synthetic.hip_abduction(reps=4, sides=("right", "left"))
    session = score(seq)
    assert_matches(session, truth)
    assert session.reps_by_side() == {"right": 4, "left": 4}


def test_hold_checked_only_when_prescribed():
    seq, _ = synthetic.hip_abduction(reps=3, faults={0: ["short_hold"], 1: ["short_hold"], 2: ["short_hold"]})
    assert not any("short_hold" in r.fault_codes for r in score(seq, {}).reps)
    assert all("short_hold" in r.fault_codes for r in score(seq).reps)


def test_from_an_angle_the_front_only_checks_say_why():
    seq, truth = synthetic.hip_abduction(reps=3, view="oblique", faults={1: ["trunk_lean", "knee_bent"]})
    session = score(seq)
    assert session.view == "oblique"
    assert len(session.reps) == truth.count()  # the legs still open in the picture
    assert not any(r.faults for r in session.reps)  # a lean or a bend is not judged from here
    skipped = session.skipped_checks
    assert skipped["trunk_lean"] == "Film from the front to check standing straight."
    assert skipped["knee_bent"] == "Film from the front to check leg straight."
    assert "short_hold" not in skipped


def test_from_the_side_nothing_is_claimed():
    seq, _ = synthetic.hip_abduction(reps=3, view="side")
    session = score(seq)
    assert session.view == "side"
    assert session.reps == []  # the leg moves toward the camera: no rep can be seen
    assert set(session.skipped_checks) == {"trunk_lean", "knee_bent", "short_hold"}
    assert all(reason.startswith("Film from the front") for reason in session.skipped_checks.values())


def test_feet_on_the_floor_are_not_reps():
    """A wide squat from the front opens the hip-to-ankle lines too, but no foot leaves the floor."""
    seq, _ = synthetic.squat(reps=3, view="front")
    assert score(seq).reps == []


@pytest.mark.parametrize("degrade", [{"noise": 0.006}, {"drop_frames": 0.05, "seed": 3}])
def test_noise_and_dropped_frames_keep_counts(degrade):
    seq, _ = synthetic.hip_abduction(reps=4, sides=("left", "right"), alternate=True, **degrade)
    session = score(seq)
    assert session.reps_by_side() == {"left": 4, "right": 4}
