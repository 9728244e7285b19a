"""Hip hinge against synthetic sets with known reps and faults, from every view."""

from __future__ import annotations

import pytest

from formcheck.pipeline import score_sequence
from testkit import synthetic
from testkit.synthetic import assert_matches

RX = {"min_hinge_deg": 80.0}  # depth is only checked when prescribed
FAULTS = ["squatting", "shallow"]


def score(seq, rx=None):
    return score_sequence(seq, "hip_hinge", RX if rx is None else rx)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("view", ["side", "front", "oblique"])
def test_clean_set_counted_exactly(seed, view):
    seq, truth = synthetic.hip_hinge(reps=5, view=view, seed=seed)
    session = score(seq)
    assert session.view == view
    assert_matches(session, truth)
    assert all(not r.faults for r in session.reps)
    for rep, tr in zip(session.reps, truth.reps, strict=True):
        assert rep.metrics["trunk_lean_max_deg"] == pytest.approx(tr.key_deg, abs=3.0)


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_in_exactly_its_reps(fault):
    seq, truth = synthetic.hip_hinge(reps=5, faults={1: [fault], 3: [fault]})
    session = score(seq)
    assert_matches(session, truth)
    assert [r.index - 1 for r in session.reps if fault in r.fault_codes] == [1, 3]


def test_both_faults_in_one_set():
    seq, truth = synthetic.hip_hinge(
        reps=4, faults={0: ["shallow"], 2: ["squatting"], 3: ["squatting", "shallow"]}
    )
    assert_matches(score(seq), truth)


def test_depth_checked_only_when_prescribed():
    seq, _ = synthetic.hip_hinge(reps=3, faults={0: ["shallow"], 1: ["shallow"], 2: ["shallow"]})
    session = score(seq, {})
    assert len(session.reps) == 3
    assert not any(r.faults for r in session.reps)
    assert "shallow" not in session.skipped_checks  # not asked for, so not "not checked" either
    assert all("shallow" in r.fault_codes for r in score(seq).reps)


@pytest.mark.parametrize("view", ["front", "oblique"])
def test_knees_are_judged_only_from_the_side(view):
    """From the front or an angle the knee bend is not judged: a squatting rep is counted, its
    depth judged, and the knees listed as not checked with what to do."""
    seq, truth = synthetic.hip_hinge(reps=3, view=view, faults={1: ["squatting"], 2: ["shallow"]})
    session = score(seq)
    assert session.view == view
    assert len(session.reps) == truth.count()
    assert [r.fault_codes for r in session.reps] == [[], [], ["shallow"]]
    assert session.skipped_checks["squatting"] == "Film from the side to check hips back, knees soft."
    unseen = {"squatting"} if view == "front" else {"squatting", "narrow_stance"}
    assert set(session.skipped_checks) == unseen


def test_camera_on_the_floor_judges_nothing():
    seq, truth = synthetic.hip_hinge(reps=3, camera_height=0.2, faults={1: ["squatting"]})
    session = score(seq)
    assert len(session.reps) == truth.count()  # the 3D lean still counts
    assert not any(r.faults for r in session.reps)
    assert session.skipped_checks == {
        "squatting": "Film from about hip height, not from the floor, to check hips back, knees soft.",
        "shallow": "Film from about hip height, not from the floor, to check torso toward horizontal.",
        "narrow_stance": "Film from the front to check stance width.",
    }


def test_feet_together_flagged_from_the_front():
    """000: "stand with your feet slightly wider than hip-width apart". Feet together (ankles
    7 cm apart) read about 0.19 shoulder widths (limit 0.4), 000's stance (26 cm) about 0.72."""
    seq, truth = synthetic.hip_hinge(reps=3, view="front", faults={i: ["narrow_stance"] for i in range(3)})
    session = score(seq)
    assert_matches(session, truth)
    assert len(session.reps) == 3
    assert all(r.fault_codes == ["narrow_stance"] for r in session.reps)
    assert all(r.metrics["stance_ratio"] == pytest.approx(0.19, abs=0.05) for r in session.reps)
    clean = score(synthetic.hip_hinge(reps=3, view="front")[0])
    assert len(clean.reps) == 3
    assert not any(r.faults for r in clean.reps)
    assert all(r.metrics["stance_ratio"] == pytest.approx(0.72, abs=0.08) for r in clean.reps)


@pytest.mark.parametrize("view", ["side", "oblique"])
def test_stance_is_judged_from_the_front_only(view):
    """From the side the feet's gap shrinks to nothing; from an angle a foot a little ahead of
    the other or the chest turned moves the picture's reading by a third or more."""
    seq, _ = synthetic.hip_hinge(reps=3, view=view, faults={i: ["narrow_stance"] for i in range(3)})
    session = score(seq)
    assert len(session.reps) == 3
    assert not any(r.faults for r in session.reps)
    assert "narrow_stance" in session.skipped_checks


@pytest.mark.parametrize(
    "pose", [{"stagger_m": 0.2}, {"stagger_m": -0.2}, {"chest_turn_deg": 20.0}, {"chest_turn_deg": -20.0}]
)
def test_a_hip_width_stance_staggered_or_turned_is_not_called_narrow(pose):
    """Feet under the hips (ankles 18 cm apart, 0.5 shoulder widths), one foot 20 cm ahead or
    the chest turned by 20 deg, the camera 20 deg round from the front: the picture's gap alone
    reads about 0.35 with the right foot ahead; the world's gap along the hips' line does not
    shrink, and the wider reading counts (a turn that makes the view oblique is not judged)."""
    seq, _ = synthetic.hip_hinge(reps=3, view="front", foot_half_m=0.09, azimuth_deg=20.0, **pose)
    session = score(seq)
    assert len(session.reps) == 3
    assert not any(r.faults for r in session.reps), [r.metrics["stance_ratio"] for r in session.reps]
    judged = [r.metrics["stance_ratio"] for r in session.reps if r.view == "front"]
    assert all(v > 0.45 for v in judged)
    assert judged or "chest_turn_deg" in pose


def test_a_single_leg_hinge_with_the_free_foot_hidden_is_not_judged_for_stance():
    """The free foot beside the standing one at rest, hidden behind the trunk at the bottom:
    whether it left the floor is unknown, so the stance is not judged (its feet-together start
    would read narrow)."""
    free = (28, 30, 32)  # right ankle, heel, toe
    hidden = tuple((1.5 + i * 3.9 + 0.9, 1.5 + i * 3.9 + 2.4, free) for i in range(3))
    seq, _ = synthetic.hip_hinge(reps=3, view="front", single_leg="left", occlude=hidden, foot_half_m=0.035)
    session = score(seq)
    assert len(session.reps) == 3
    assert not any("narrow_stance" in r.fault_codes for r in session.reps)
    assert all(r.metrics["stance_ratio"] != r.metrics["stance_ratio"] for r in session.reps)  # NaN


def test_halfway_back_up_counts_each_rep():
    """000's rep: "raise your body halfway back up and then return to full forward hinge"."""
    seq, truth = synthetic.hip_hinge(reps=5, half_way=True)
    session = score(seq)
    assert len(session.reps) == truth.count()
    assert not any(r.faults for r in session.reps)


@pytest.mark.parametrize(("view", "stance"), [("side", "left"), ("side", "right"), ("oblique", "right")])
def test_single_leg_hinge_counts_on_the_standing_leg(view, stance):
    """The free leg swings back in line with the trunk: its straight knee reads as a deep bend
    from thigh and shin heights, so only the standing leg's knee is judged."""
    seq, truth = synthetic.hip_hinge(reps=4, view=view, single_leg=stance)
    session = score(seq)
    assert_matches(session, truth)
    assert all(r.side == stance for r in session.reps)


@pytest.mark.parametrize("degrade", [{"noise": 0.006}, {"drop_frames": 0.05, "seed": 3}])
def test_noise_and_dropped_frames_keep_counts(degrade):
    seq, truth = synthetic.hip_hinge(reps=5, view="oblique", **degrade)
    session = score(seq)
    assert len(session.reps) == truth.count()
    assert not any(r.faults for r in session.reps)


def test_standing_still_and_a_hip_abduction_are_not_hinges():
    seq, _ = synthetic.hip_abduction(reps=3)
    assert score(seq).reps == []



def _standing_hinge(seq) -> float:  # type: ignore[no-untyped-def]
    """The hinge signal of the sequence's first frame (standing)."""
    from formcheck.checkers import make_checker
    from formcheck.pipeline import to_frame

    checker = make_checker("hip_hinge")
    frame = to_frame(seq.image[0], seq.world[0], 0.0, seq.width / seq.height)
    return float(checker.signals(frame, checker.views.update(frame))["hinge_deg"])


def test_after_a_pause_the_start_position_it_paused_from_resumes_counting(monkeypatch):
    """A camera that reads the standing trunk near the edge of the start position's range (from
    above the head a standing trunk leans 35 deg in the picture) may read it just past the edge
    after a pause in the same shot (the person in view, their hinge not measurable for 1.5 s);
    the set goes on from the start position it paused from. Not after nobody was in view: the
    camera may have been moved meanwhile: then the reps show the start position again."""
    from formcheck.checkers.hip_hinge import HipHingeChecker

    seq, truth = synthetic.hip_hinge(reps=4, rest_s=3.0)
    gap = (truth.reps[1].end_s + 0.3, truth.reps[1].end_s + 1.8)
    # Standing reads 1 deg inside hip_hinge.toml's rest_range (up to 35) before the pause and
    # 2 deg past it after.
    offset = 35.0 - 1.0 - _standing_hinge(seq)
    signals = HipHingeChecker.signals

    def read_high(self, frame, view):  # type: ignore[no-untyped-def]
        out = signals(self, frame, view)
        hidden = gap[0] <= frame.t_s < gap[1]
        out["hinge_deg"] = float("nan") if hidden else out["hinge_deg"] + offset + 3.0 * (frame.t_s > gap[1])
        return out

    monkeypatch.setattr(HipHingeChecker, "signals", read_high)
    session = score(seq)
    assert len(session.reps) == 4, [(r.start_s, r.end_s) for r in session.reps]
    # Nobody seen: the start position paused from is not resumed (the camera may have been
    # moved). The next hinge, out and back to the same stand, shows the start position again
    # (formcheck/checkers/shown_rest.py): it is not counted itself (counting was paused), the
    # one after it is.
    gone = score(synthetic.missing(seq, *gap)).reps
    peaks = [r.peak_s for r in truth.reps]
    assert [min(range(4), key=lambda i: abs(peaks[i] - r.peak_s)) for r in gone] == [0, 1, 3]
