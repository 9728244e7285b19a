"""Checkers against synthetic sets with known reps and faults (testkit.synthetic)."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.checkers import make_checker
from formcheck.geometry import angle
from formcheck.landmarks import PoseLandmark as L
from formcheck.landmarks import PoseSequence
from formcheck.pipeline import score_sequence
from testkit import synthetic
from testkit.synthetic import assert_matches

GEN = {"squat": synthetic.squat, "bridge": synthetic.bridge, "clamshell": synthetic.clamshell}
VIEWS = [("squat", "side"), ("squat", "front"), ("squat", "oblique"), ("bridge", "side"),
         ("clamshell", "front")]  # fmt: skip
# Faults each view can see (from exercises/*.toml) and that the generator builds.
FAULTS = {
    ("squat", "side"): ["shallow", "knees_past_toes", "trunk_lean", "heels_lifting",
                        "incomplete_lockout", "too_fast"],
    ("squat", "front"): ["shallow", "knees_caving", "narrow_stance", "too_fast"],
    ("squat", "oblique"): ["trunk_lean", "too_fast"],  # depth needs a side or front view
    ("bridge", "side"): ["hips_low", "overarch", "short_hold"],
    ("clamshell", "front"): ["small_opening", "feet_apart", "short_hold"],  # pelvis_roll: from above
}  # fmt: skip
RX = {"clamshell": {"hold_s": 1.0}}  # clamshell holds are only checked when prescribed


def score(exercise, seq, rx=None):
    return score_sequence(seq, exercise, rx if rx is not None else RX.get(exercise))


def make(exercise, view, **kw):
    return GEN[exercise](view=view, **kw)


@pytest.mark.parametrize(("exercise", "view"), VIEWS)
@pytest.mark.parametrize("seed", [0, 1])
def test_clean_set(exercise, view, seed):
    seq, truth = make(exercise, view, reps=5, seed=seed)
    session = score(exercise, seq)
    assert session.view == view
    assert_matches(session, truth)
    assert all(not r.faults for r in session.reps)
    assert session.warnings == []


@pytest.mark.parametrize(
    ("exercise", "view", "fault"), [(e, v, f) for (e, v), fs in FAULTS.items() for f in fs]
)
def test_fault_in_exactly_its_reps(exercise, view, fault):
    seq, truth = make(exercise, view, reps=5, faults={1: [fault], 3: [fault]})
    session = score(exercise, seq)
    assert_matches(session, truth)
    assert [r.index - 1 for r in session.reps if fault in r.fault_codes] == [1, 3]


@pytest.mark.parametrize(("exercise", "view"), [("squat", "side"), ("squat", "front")])
def test_several_faults_in_one_rep(exercise, view):
    fs = FAULTS[(exercise, view)]
    seq, truth = make(exercise, view, reps=3, faults={1: [f for f in fs if f != "too_fast"][:2]})
    assert_matches(score(exercise, seq), truth)


@pytest.mark.parametrize(("exercise", "view"), VIEWS)
@pytest.mark.parametrize(
    "degrade",
    [
        {"noise": 0.006},
        {"drop_frames": 0.05, "seed": 3},
        {"drop_frames": 0.05, "seed": 4, "noise": 0.005},
    ],
)
def test_noise_and_dropped_frames_keep_counts(exercise, view, degrade):
    seq, truth = make(exercise, view, reps=5, **degrade)
    session = score(exercise, seq)
    assert len(session.reps) == truth.count()
    assert session.reps_by_side() == {
        s: truth.count(s) for s in {r.side for r in truth.reps} if s is not None
    }


@pytest.mark.parametrize(("exercise", "view"), VIEWS)
def test_brief_visibility_loss_keeps_counts(exercise, view):
    _, truth = make(exercise, view, reps=4)
    r = truth.reps[1]
    knees = (L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE)
    occlude = ((r.start_s + 0.2, r.start_s + 0.5, knees),)  # 0.3 s, mid-movement
    seq, truth = make(exercise, view, reps=4, occlude=occlude)
    assert len(score(exercise, seq).reps) == truth.count()
    # The whole person gone for 0.4 s between reps: counting goes on.
    gap = (truth.reps[2].end_s + 0.2, truth.reps[2].end_s + 0.6)
    seq2 = synthetic.missing(make(exercise, view, reps=4)[0], *gap)
    assert len(score(exercise, seq2).reps) == truth.count()


@pytest.mark.parametrize(
    ("exercise", "view", "extra"),
    [
        ("squat", "side", {"walk_in": True, "walk_out": True}),
        ("squat", "front", {"walk_in": True, "walk_out": True}),
        ("squat", "side", {"lead_in_s": 6.0, "tail_s": 6.0}),
        ("bridge", "side", {"settle_in": True, "get_up": True}),
        ("bridge", "side", {"lead_in_s": 6.0, "tail_s": 6.0}),
        ("clamshell", "front", {"get_up": True}),
        ("clamshell", "front", {"lead_in_s": 6.0, "tail_s": 6.0}),
    ],
)
def test_lead_in_and_leaving_add_no_reps(exercise, view, extra):
    seq, truth = make(exercise, view, reps=3, **extra)
    session = score(exercise, seq)
    assert_matches(session, truth)


def test_walk_in_really_walks():
    """The walking lead-in starts with nobody in the frame, then the person enters."""
    seq, _ = synthetic.squat(reps=1, walk_in=True, walk_out=True)
    detected = [fr.detected for fr in seq.frames()]
    assert not detected[0] and not detected[-1] and any(detected)


@pytest.mark.parametrize("sides", [("left",), ("right",)])
def test_clamshell_pelvis_roll_seen_from_above(sides):
    """A pelvis roll shows in MediaPipe's depth only to a camera looking down on the hips: from
    there it is found in exactly its reps; from hip height it is not checked, and says why."""
    faults = {1: ["pelvis_roll"], 3: ["pelvis_roll"]}
    seq, truth = synthetic.clamshell(reps=5, sides=sides, camera="above", faults=faults)
    session = score("clamshell", seq)
    assert len(session.reps) == truth.count()
    assert [r.index - 1 for r in session.reps if "pelvis_roll" in r.fault_codes] == [1, 3]
    seq, _ = synthetic.clamshell(reps=5, sides=sides, faults=faults)
    level = score("clamshell", seq)
    assert not any("pelvis_roll" in r.fault_codes for r in level.reps)
    assert level.skipped_checks["pelvis_roll"].startswith("Film from above")


def test_clamshell_counts_per_side():
    seq, truth = synthetic.clamshell(reps=3, sides=("left", "right"))
    session = score("clamshell", seq)
    assert session.reps_by_side() == {"left": 3, "right": 3}
    assert [r.side for r in session.reps] == ["left"] * 3 + ["right"] * 3
    assert_matches(session, truth)
    seq, truth = synthetic.clamshell(reps=2, sides=("right", "left"), faults={1: ["feet_apart"]})
    session = score("clamshell", seq)
    assert [r.side for r in session.reps] == ["right", "right", "left", "left"]
    assert_matches(session, truth)


@pytest.mark.parametrize(
    ("exercise", "view", "skipped"),
    [
        ("squat", "side", {"knees_caving", "narrow_stance"}),
        ("squat", "front", {"knees_past_toes", "trunk_lean", "heels_lifting", "incomplete_lockout"}),
        ("squat", "oblique", {"knees_past_toes", "heels_lifting", "incomplete_lockout",
                              "knees_caving", "narrow_stance"}),
        ("bridge", "side", set()),
        ("clamshell", "front", {"pelvis_roll"}),
    ],
)  # fmt: skip
def test_checks_invalid_for_view_are_skipped_with_reason(exercise, view, skipped):
    seq, _ = make(exercise, view, reps=2)
    checker = make_checker(exercise)
    for fr in seq.frames():
        checker.update(fr)
    checker.finish()
    assert len(checker.reps) == 2
    got = checker.skipped_checks()
    assert set(got) == skipped
    by_code = {c.code: c for c in checker.d.checks}
    for code, reason in got.items():
        if by_code[code].camera == "above":  # the view allows it; the camera's height does not
            assert reason == f"Film from above, looking down at your hips, to check {by_code[code].label}."
            continue
        assert reason == by_code[code].skip_reason()
        assert all(v in reason for v in ("the " + x for x in by_code[code].views if x != "oblique"))
    assert set(score(exercise, seq).skipped_checks) == skipped


def test_skipped_checks_before_any_rep():
    seq, _ = synthetic.squat(reps=1, view="front")
    checker = make_checker("squat")
    for i in range(30):  # lead-in only
        checker.update(seq.frame(i))
    assert not checker.reps
    assert set(checker.skipped_checks()) == {
        "knees_past_toes", "trunk_lean", "heels_lifting", "incomplete_lockout",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("exercise", "hold"),
    [("bridge", 3.0), ("bridge", 2.0), ("bridge", 1.2), ("clamshell", 1.0), ("clamshell", 2.5)],
)
def test_hold_time_measured(exercise, hold):
    view = "side" if exercise == "bridge" else "front"
    for seed in (0, 1):
        # Mild jitter: with stronger jitter the clamshell hold breaks up (see the xfail below).
        seq, truth = make(exercise, view, reps=3, hold_s=hold, seed=seed, noise=0.002)
        session = score(exercise, seq)
        assert len(session.reps) == 3
        for rep, tr in zip(session.reps, truth.reps, strict=True):
            # A clamshell's first rep comes before the camera's angle to the thighs is known, so
            # it is timed on the picture's angle (which the perspective enlarges), the rest on
            # the true opening: a little more leeway for that one.
            first = exercise == "clamshell" and rep.index == 1
            assert rep.metrics["hold_s"] == pytest.approx(tr.hold_s, abs=0.3 if first else 0.2)


def test_depth_is_measured():
    seq, _ = synthetic.squat(reps=3, depth_knee_deg=95.0)
    reps = score("squat", seq).reps
    assert len(reps) == 3  # (without it, a set counted as none passed)
    for rep in reps:
        assert rep.metrics["knee_min_deg"] == pytest.approx(95.0, abs=5.0)


def test_lockout_just_short_is_flagged_and_counted():
    seq, truth = synthetic.squat(reps=4, faults={2: ["incomplete_lockout"]}, lockout_knee_deg=157)
    assert_matches(score("squat", seq), truth)


@pytest.mark.parametrize(("ascent_s", "fps"), [(3.0, 30.0), (4.0, 30.0), (5.0, 30.0), (6.0, 25.0),
                                              (7.0, 25.0), (8.0, 60.0)])
def test_slow_rise_to_a_full_stand_is_not_told_to_stand_up(ascent_s: float, fps: float) -> None:
    """A slow, controlled rise (document 003) is still on its way up 0.6 s after the rep's end;
    the rep waits for the stand, so its top is read where the person stopped rising (before,
    every rep rising over 3 s or more read 20-35 deg short and was flagged). Over 6 s and more
    the hips hardly rise while the knee still straightens: the wait follows the knee and hip
    angles too (``settle_on``); on the hips alone these three were flagged 1, 2 and 1 times."""
    seq, truth = synthetic.squat(reps=4, descent_s=2.0, ascent_s=ascent_s, fps=fps)
    session = score("squat", seq)
    assert len(session.reps) == truth.count() == 4
    assert [r.fault_codes for r in session.reps] == [[]] * 4, [r.metrics for r in session.reps]
    # Read where the rise ended, at or above the prescribed full stand (the 6 and 7 s rises
    # hesitate for half a second at 161-164 deg on their way up: see SETTLE_ON_S).
    assert all(r.metrics["lockout_deg"] >= 170 for r in session.reps), [r.metrics for r in session.reps]


def test_slow_rise_to_a_short_stand_is_still_flagged() -> None:
    seq, truth = synthetic.squat(reps=4, descent_s=2.0, ascent_s=4.0, faults={2: ["incomplete_lockout"]},
                                 lockout_knee_deg=145)
    session = score("squat", seq)
    assert len(session.reps) == truth.count() == 4
    assert [r.fault_codes for r in session.reps] == [[], [], ["incomplete_lockout"], []]


# -- known bugs ------------------------------------------------------------------------------
def test_incomplete_lockout_at_145_deg_counts_and_flags():
    seq, truth = synthetic.squat(reps=5, faults={1: ["incomplete_lockout"]}, lockout_knee_deg=145)
    session = score("squat", seq)
    assert len(session.reps) == truth.count() == 5
    assert "incomplete_lockout" in session.reps[1].fault_codes


def test_too_fast_detected_without_pause_between_reps():
    seq, truth = synthetic.squat(reps=5, rest_s=0.0, faults={2: ["too_fast"]})
    session = score("squat", seq)
    assert len(session.reps) == 5
    rep = session.reps[2]
    assert rep.start_s == pytest.approx(truth.reps[2].start_s, abs=0.3)
    assert "too_fast" in rep.fault_codes


def test_rep_after_incomplete_lockout_starts_when_it_descends():
    seq, truth = synthetic.squat(reps=4, faults={1: ["incomplete_lockout"], 2: ["too_fast"]})
    session = score("squat", seq)
    assert len(session.reps) == 4
    assert session.reps[2].start_s == pytest.approx(truth.reps[2].start_s, abs=0.3)
    assert "too_fast" in session.reps[2].fault_codes


def test_clamshell_hold_robust_to_jitter():
    for seed in range(3):
        seq, truth = synthetic.clamshell(reps=3, hold_s=2.5, noise=0.005, seed=seed)
        session = score("clamshell", seq, {"hold_s": 2.0})
        assert len(session.reps) == 3
        for rep, tr in zip(session.reps, truth.reps, strict=True):
            assert rep.metrics["hold_s"] == pytest.approx(tr.hold_s, abs=0.3)
            assert "short_hold" not in rep.fault_codes


def test_oblique_view_checks_depth_from_thigh_and_shin_heights():
    """From an angle the image knee angle lies, but the heights of thigh and shin do not."""
    seq, truth = make("squat", "oblique", reps=3, faults={1: ["shallow"]})
    session = score("squat", seq)
    assert [r.fault_codes for r in session.reps] == [[], ["shallow"], []]
    assert "shallow" not in session.skipped_checks
    for rep, want in zip(session.reps, truth.reps, strict=True):
        assert abs(rep.metrics["knee_min_deg"] - want.key_deg) < 8.0, (rep.metrics, want)


def test_rep_whose_way_back_was_not_seen_is_not_counted():
    """Detection drops out for 0.4 s from just after the bottom of a rep until the person has
    nearly stood up: that rep's return was never seen, so it is not counted (the rest of the rep
    was seen: it is not "too hidden"); the reps around it are."""
    seq, truth = synthetic.squat(reps=3, view="side", ascent_s=0.6)
    mid = truth.reps[1]
    t = seq.t_ms / 1000.0
    gone = (t > mid.peak_s + 0.1) & (t < mid.end_s - 0.1)
    seq.image[gone] = float("nan")
    seq.world[gone] = float("nan")
    reps = score_sequence(seq, "squat").reps
    assert len(reps) == 2
    for rep, tr in zip(reps, (truth.reps[0], truth.reps[2]), strict=True):
        assert tr.start_s - 0.4 <= rep.peak_s <= tr.end_s, (rep, tr)
    # The same rep with its return in view counts.
    whole, _ = synthetic.squat(reps=3, view="side", ascent_s=0.6)
    assert len(score_sequence(whole, "squat").reps) == 3


@pytest.mark.parametrize(
    ("t", "d", "step", "seen"),
    [
        ([0.0, 0.1, 0.2, 0.25, 0.3], [1.0, 10.0, 9.0, 5.0, 0.5], 1 / 30, True),  # a frame on the way
        ([0.0, 0.1, 0.2, 0.333, 0.4], [1.0, 10.0, 9.0, 0.5, 0.4], 1 / 30, True),  # left-out frames
        ([0.0, 0.133, 0.267, 0.4, 0.533], [1.0, 10.0, 9.0, 0.5, 0.4], 0.133, False),  # 7.5 fps film
        ([0.0, 0.033, 0.067, 0.1, 0.133], [1.0, 10.0, 9.0, 0.5, 0.4], 1 / 30, False),  # 30 fps film
        ([0.0, 0.1, 0.2, 0.25, 0.333], [1.0, 10.0, 9.0, np.nan, 0.5], 1 / 30, False),  # unseen frame
        ([0.0, 0.1, 0.2, 0.8, 0.9], [1.0, 10.0, 9.0, 0.5, 0.4], 1 / 30, False),  # a 0.6 s pause
    ],
)
def test_way_back_seen(t: list[float], d: list[float], step: float, seen: bool) -> None:
    """The rule itself: a return between two frames counts as seen only with frames left out
    between them (by the shortest step fed so far), no frame without a reading, and no pause."""
    from formcheck.checkers.base import _way_back_seen

    assert _way_back_seen(np.array(t), np.array(d), 1, 0.2, step) is seen


@pytest.mark.parametrize(
    ("t", "d", "step", "seen"),
    [
        ([0.0, 0.1, 0.2, 0.3], [0.0, 4.0, 9.0, 10.0], 1 / 30, True),  # a frame on the way out
        ([0.0, 0.033, 0.067, 0.1], [0.0, 10.0, 9.5, 9.0], 1 / 30, False),  # leapt at 30 fps
        ([0.0, 0.033, 0.067, 0.1], [0.0, 8.5, 10.0, 9.0], 1 / 30, False),  # leapt past 4/5
        ([0.0, 0.125, 0.25, 0.375], [0.0, 10.0, 9.5, 9.0], 0.125, False),  # leapt at 8 fps
        ([0.0, 0.2, 0.233, 0.267], [0.0, 10.0, 9.5, 9.0], 1 / 30, True),  # left-out frames
        ([0.0, 0.033, 0.067, 0.1], [6.0, 10.0, 9.5, 9.0], 1 / 30, True),  # start not seen
    ],
)
def test_way_out_seen(t: list[float], d: list[float], step: float, seen: bool) -> None:
    """The way out, as the way back: a rise from the start position to (four fifths of) the
    peak between two neighbouring frames of the film is a leap of the reading, not a body
    moving; between analysed frames with frames left out, it may have happened unseen. A rep
    whose start was not seen (the clip began mid-rep) is not asked."""
    from formcheck.checkers.base import _way_out_seen

    peak_i = int(np.argmax(d))
    assert _way_out_seen(np.array(t), np.array(d), peak_i, step) is seen


@pytest.mark.parametrize(("rise_s", "counted"), [(None, 3), (0.0, 2), (0.2, 3)])
def test_a_reading_that_leaps_open_is_not_a_rep(rise_s: float | None, counted: int) -> None:
    """The middle clamshell's opening is cut out of the film, so its reading leaps from closed
    to the top between two frames and then closes as a rep does (as a dark or blurred frame
    throws the model, then it settles back). Between neighbouring frames of a 30 fps film
    (``rise_s`` 0) that is not a movement: the rep is not counted. Kept (None), or with the
    rise falling between analysed frames 0.2 s apart (frames left out), it counts. Fed to the
    checker as the model gave them: the pipeline's smoothing would draw the leap as a ramp
    here, but it restarts after points the model lost (as in the dark real clip this is
    from), and then the leap arrives whole."""
    seq, truth = synthetic.clamshell(reps=3)
    if rise_s is not None:
        mid = truth.reps[1]
        t = seq.t_ms / 1000.0
        top = mid.peak_s + mid.hold_s / 2  # the middle of the hold at the top
        keep = (t <= mid.start_s) | (t >= top)
        last, first = np.flatnonzero(t <= mid.start_s)[-1], np.flatnonzero(t >= top)[0]
        t_ms = seq.t_ms.astype(np.float64).copy()
        t_ms[first:] -= (t[first] - t[last] - max(rise_s, 1 / seq.fps)) * 1000.0
        seq = PoseSequence(seq.image[keep], seq.world[keep], t_ms[keep], seq.fps, seq.width, seq.height)
    checker = make_checker("clamshell")
    for fr in seq.frames():
        checker.update(fr)
    checker.finish()
    assert len(checker.reps) == counted


@pytest.mark.parametrize(
    ("every", "gap_s", "counted"),
    [(1, 0.35, 3), (1, 0.133, 3), (1, 1 / 30, 2), (4, 0.133, 2), (4, 0.35, 3)],
)
def test_return_between_sparse_frames_counts_not_between_film_frames(every: int, gap_s: float, counted: int):
    """The middle rep's way back falls between two frames ``gap_s`` apart, in a film of 30 (or
    7.5) frames a second. Frames left out between them (a busy live loop analysing sparsely)
    step over a quick return: the person came back, and the rep counts. The same two frames as
    neighbours in the film (1/30 s apart at 30 fps, 0.133 s at 7.5: a cut, a dissolve or the
    camera moving, from the bottom to standing; the cut detector takes these) did not show a
    return: not counted. (The rule itself: test_way_back_seen.)"""
    seq, truth = synthetic.squat(reps=3, view="side", ascent_s=0.6)
    mid = truth.reps[1]
    t = seq.t_ms / 1000.0
    a, b = mid.peak_s + 0.15, mid.end_s - 0.1  # still 85% down; 7% from standing
    keep = ((t <= a) | (t >= b)) & (np.arange(len(t)) % every == 0)
    last, first = np.flatnonzero(keep & (t <= a))[-1], np.flatnonzero(keep & (t >= b))[0]
    t_ms = seq.t_ms.astype(np.float64).copy()
    t_ms[first:] -= (t[first] - t[last] - gap_s) * 1000.0
    fps = seq.fps / every
    sparse = PoseSequence(seq.image[keep], seq.world[keep], t_ms[keep], fps, seq.width, seq.height)
    assert len(score_sequence(sparse, "squat").reps) == counted


@pytest.mark.parametrize(("told", "counted"), [(None, 2), (1 / 30, 3)])
def test_evenly_left_out_frames_count_the_return_once_the_source_step_is_told(told, counted):
    """A busy live loop analysing every 4th frame of a 30 fps camera, evenly: the checker is
    fed frames 0.133 s apart, and a clamshell's quick close (from over 80% open to under 20%)
    falls between two of them. Fed only those, the checker cannot tell them from neighbouring
    frames of a 7.5 fps film (a return not seen: the rep is dropped). The live loop tells it
    the camera's own interval (:meth:`Checker.source_step`, from the frames it left out), and
    the rep counts, as it does from unevenly spaced frames."""
    from formcheck.pipeline import Scorer

    seq, truth = synthetic.clamshell(reps=3)
    mid = truth.reps[1]
    t = seq.t_ms / 1000.0
    a, b = mid.peak_s + 1.3, mid.end_s - 0.15  # still 90% open; under 20%
    keep = ((t <= a) | (t >= b)) & (np.arange(len(t)) % 4 == 0)
    last, first = np.flatnonzero(keep & (t <= a))[-1], np.flatnonzero(keep & (t >= b))[0]
    t_ms = seq.t_ms.astype(np.float64).copy()
    t_ms[first:] -= (t[first] - t[last] - 4 / 30) * 1000.0  # one even step over the close
    scorer = Scorer("clamshell")
    if told is not None:
        scorer.checker.source_step(told)
    for i in np.flatnonzero(keep):
        scorer.update(seq.image[i], seq.world[i], float(t_ms[i]) / 1000.0, seq.aspect)
    assert len(scorer.finish("trace", seq.fps / 4).reps) == counted


@pytest.mark.parametrize("seed", [0, 1])
def test_squat_stopped_short_still_counts_and_is_flagged_shallow(seed: int) -> None:
    """A 50 deg knee bend (knee 130) is a squat stopped short: each counts, and each is told
    to go deeper (formerly 12% of hip height was needed to count, which such reps miss)."""
    seq, _ = synthetic.squat(reps=3, depth_knee_deg=130.0, seed=seed)
    s = score_sequence(seq, "squat")
    assert len(s.reps) == 3
    assert all(r.fault_codes == ["shallow"] for r in s.reps)


def test_squat_knee_bend_of_30_degrees_is_not_a_rep() -> None:
    seq, _ = synthetic.squat(reps=3, depth_knee_deg=150.0)
    assert not score_sequence(seq, "squat").reps


def test_quick_shallow_squat_is_a_squat_not_a_bounce() -> None:
    """Shallow squats (knee 125) going down in 0.5 s: squats stopped short, not landings from
    a jump (a landing gives way in under 0.25 s), and not too fast: their way down is timed
    to within a tenth of their own drop from the bottom, as a deep squat's is."""
    seq, _ = synthetic.squat(reps=3, depth_knee_deg=125.0, descent_s=0.5, ascent_s=0.5)
    s = score_sequence(seq, "squat")
    assert len(s.reps) == 3
    assert all(r.fault_codes == ["shallow"] for r in s.reps)
    assert all(r.metrics["descent_s"] >= 0.3 for r in s.reps)


@pytest.mark.parametrize(
    ("exercise", "appears_s", "told"),
    [("squat", None, False), ("squat", 0.0, True), ("squat", 1.0, False), ("bridge", 0.0, False)],
)
def test_a_movement_under_way_at_the_start_is_told(
    exercise: str, appears_s: float | None, told: bool
) -> None:
    """A clip that begins at the bottom of a squat (cut from a longer set) shows only that
    rep's way up: not a rep (its way down was not seen), but the session says so, so that a
    count one short is explained. Not said of the whole clip (``None``), nor when the person
    is first measurable a second after the first frame (more likely getting into position
    than mid-rep), nor on the floor (getting down into a bridge reads like the way back of a
    rep)."""
    seq, truth = (synthetic.squat(reps=3, view="side") if exercise == "squat"
                  else synthetic.bridge(reps=3, view="side"))
    if appears_s is not None:
        t = seq.t_ms / 1000.0
        keep = t >= truth.reps[0].peak_s
        image, world = seq.image[keep].copy(), seq.world[keep].copy()
        image[: round(appears_s * seq.fps)] = np.nan
        world[: round(appears_s * seq.fps)] = np.nan
        t_ms = seq.t_ms[keep] - seq.t_ms[keep][0]
        seq = PoseSequence(image, world, t_ms, seq.fps, seq.width, seq.height)
    s = score_sequence(seq, exercise)
    assert len(s.reps) == (2 if appears_s is not None else 3)
    said = [w for w in s.warnings if w.startswith("A movement already under way at the start")]
    assert bool(said) == told, s.warnings


@pytest.mark.parametrize(("back", "counted"), [(0.2, 2), (0.6, 3)])
def test_a_rep_mostly_back_when_the_shot_ends_counts(back: float, counted: int) -> None:
    """The video cuts away (0.5 s of it gone, so the next shot does not carry the rep on) when
    rep 2 of 3 is ``back`` of the way up from its bottom (by the knee angle). More than half
    way back (0.6; not yet back within the squat's return_fraction, which already ended reps
    at a cut), a person who saw the way down, the bottom and most of the way up counts it, as
    at the end of a clip; its end checks (a full stand) are not made. Barely begun on the way
    up (0.2), it is not counted."""
    seq, truth = synthetic.squat(reps=3, view="side", ascent_s=1.0)
    mid = truth.reps[1]
    t = seq.t_ms / 1000.0
    im = seq.image
    knee = np.array([angle(im[i, L.LEFT_HIP, :2], im[i, L.LEFT_KNEE, :2], im[i, L.LEFT_ANKLE, :2])
                     for i in range(len(seq))])
    rep2 = (t >= mid.start_s) & (t <= mid.end_s)
    bottom = int(np.flatnonzero(rep2)[np.argmin(knee[rep2])])
    stand = float(np.nanmax(knee[t < truth.reps[0].start_s]))
    up = np.flatnonzero((np.arange(len(t)) > bottom) & rep2
                        & (knee - knee[bottom] >= back * (stand - knee[bottom])))
    t_cut = float(t[up[0]])
    checker = make_checker("squat")
    cut_done = False
    for fr in seq.frames():
        if fr.t_s >= t_cut and not cut_done:
            checker.cut(fr.t_s)
            cut_done = True
        if t_cut <= fr.t_s < t_cut + 0.5:
            continue
        checker.update(fr)
    checker.finish()
    assert len(checker.reps) == counted
    if counted == 3:  # the stand at its end was not seen: not judged
        rep = checker.reps[1]
        assert rep.skipped.get("incomplete_lockout", "").startswith("The end of this rep was not seen")
        assert "incomplete_lockout" not in rep.fault_codes
