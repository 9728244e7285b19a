"""What real film does to a set, on synthetic sequences: cuts, clips that start mid-rep or
end mid-return, a second person, body parts out of the picture, a camera on the floor, frames
dropped under load; and what the person sees meanwhile (cue and hold timer)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from formcheck.checkers import carry, make_checker
from formcheck.cuts import MAX_BODY_SPEED, MAX_GAP_S, CutDetector, body_points, body_speed
from formcheck.definitions import load
from formcheck.landmarks import PoseSequence
from formcheck.pipeline import Scorer, score_sequence
from formcheck.session import session_from_dict
from formcheck.track import PersonTracker
from testkit import synthetic

ROOT = Path(__file__).resolve().parents[1]


def _slice(seq: PoseSequence, t0: float, t1: float = np.inf) -> PoseSequence:
    t = seq.t_ms / 1000.0
    keep = (t >= t0) & (t <= t1)
    return PoseSequence(
        seq.image[keep], seq.world[keep], seq.t_ms[keep] - seq.t_ms[keep][0], seq.fps, seq.width, seq.height
    )


# -- cuts -----------------------------------------------------------------------------------
def test_body_speed_of_a_still_and_a_jumping_body() -> None:
    seq, _ = synthetic.squat(reps=1, noise=0.0)
    a = body_points(seq.image[10], aspect=seq.aspect)
    assert body_speed(a, a, 1 / 30) == 0.0
    moved = a + np.array([0.5, 0.0])  # half a body height sideways in one frame: a cut
    assert body_speed(a, moved, 1 / 30) > MAX_BODY_SPEED
    # The same move over 2 s is walking, not a cut.
    assert body_speed(a, moved, 2.0) < MAX_BODY_SPEED


def _verdicts(det: CutDetector, image: np.ndarray, t_ms: np.ndarray) -> list[str]:
    return [det.update(image[i], t_ms[i] / 1000) for i in range(len(image))]


def test_cut_detector_holds_a_jump_then_calls_it_a_cut_once_it_lasts() -> None:
    seq, _ = synthetic.squat(reps=2)
    image = seq.image.copy()
    image[60:, :, 0] += 0.3  # the shot changes at frame 60
    v = _verdicts(CutDetector(seq.aspect), image, seq.t_ms)
    t = seq.t_ms / 1000
    first_after = int(np.flatnonzero(t - t[59] > MAX_GAP_S)[0])  # the body never came back
    assert [i for i, x in enumerate(v) if x == "cut"] == [first_after]
    assert [i for i, x in enumerate(v) if x == "held"] == list(range(60, first_after))


def test_a_cut_at_12_frames_a_second_is_told_from_a_quick_movement() -> None:
    """Between frames 1/12 s apart the speed limit allows 0.3 body sizes, more than a hard cut
    moved a real bridge (0.19). A step that far from a body moving slowly before and after is
    still a cut; a body moving that fast for several frames is not."""
    seq, truth = synthetic.squat(reps=3, fps=12.0)
    t = seq.t_ms / 1000
    k = int(np.searchsorted(t, truth.reps[1].peak_s))  # the shot changes at the second's bottom
    a = body_points(seq.image[k - 1], aspect=seq.aspect)
    size = float(np.ptp(a[np.isfinite(a).all(1)], 0).max())
    shift = 0.2 * size / seq.aspect  # 0.2 body sizes across, in the picture's x
    image = seq.image.copy()
    image[k:, :, 0] += shift
    b = body_points(image[k], aspect=seq.aspect)
    assert body_speed(a, b, t[k] - t[k - 1]) < MAX_BODY_SPEED  # the speed limit alone lets it by
    v = _verdicts(CutDetector(seq.aspect), image, seq.t_ms)
    assert v.count("cut") == 1 and v[k] == "held" and "kept" not in v
    cut = PoseSequence(image, seq.world, seq.t_ms, seq.fps, seq.width, seq.height)
    reps = score_sequence(cut, "squat").reps
    # The next shot plainly goes on with the rep (carry.py), so it counts, but its frames come
    # from two pictures and nothing is judged from them.
    assert len(reps) == 3
    split = next(r for r in reps if r.start_s < t[k] < r.end_s)
    assert "cut to another shot" in split.skipped["shallow"] and not split.faults
    # The same step every frame for half a second (someone crossing the picture quickly): no cut.
    image = seq.image.copy()
    for j in range(6):
        image[k + j :, :, 0] += shift
    v = _verdicts(CutDetector(seq.aspect), image, seq.t_ms)
    assert "cut" not in v


def _standing_at(x: float, size: float = 0.5) -> np.ndarray:
    """Landmarks (33, 4) of a body ``size`` frame heights tall, its centre line at ``x``:
    shoulders, hips, knees and ankles only."""
    image = np.full((33, 4), np.nan, np.float32)
    for idx, dx, dy in ((11, -0.05, 0.0), (12, 0.05, 0.0), (23, -0.04, 0.4), (24, 0.04, 0.4),
                        (25, -0.04, 0.7), (26, 0.04, 0.7), (27, -0.04, 1.0), (28, 0.04, 1.0)):
        image[idx] = (x + dx, 0.2 + dy * size, 0.0, 0.99)
    return image


def _verdicts_of(xs: list[float | None], t: list[float]) -> list[str]:
    det = CutDetector(1.0)
    nobody = np.full((33, 4), np.nan, np.float32)
    return [det.update(_standing_at(x) if x is not None else nobody, ti) for x, ti in zip(xs, t, strict=True)]


def test_the_quick_step_rule_holds_only_what_it_should() -> None:
    """The low-frame-rate rule (cuts.SPIKE_RATIO): a real cut just after a quick step is still a
    cut; a step, a glitch away and back is no cut; a quick step and then nobody, or the stream's
    end, keeps the frames; repeated pictures (6 fps content in a 12 fps file) and 30 fps
    timestamps rounded to milliseconds never make a step a cut."""
    body = 0.5  # body size (frame heights) of _standing_at
    slow = [0.3 + 0.005 * i for i in range(6)]
    b = slow[-1]
    t12 = [i / 12 for i in range(12)]
    cut = _verdicts_of(slow + [b + 0.15 * body] + [b + 0.65 * body] * 5, t12)
    assert cut.count("cut") == 1 and "kept" not in cut
    back = _verdicts_of(slow + [b + 0.15 * body, b + 0.75 * body] + [b + 0.15 * body] * 4, t12)
    assert "cut" not in back
    gone = _verdicts_of(slow + [b + 0.15 * body] + [None] * 5, t12)
    assert "cut" not in gone and "kept" in gone
    scorer = Scorer("squat")
    for x, ti in zip([*slow, b + 0.15 * body], t12[:7], strict=True):
        scorer.update(_standing_at(x), _standing_at(x), ti, 1.0)
    assert scorer._held and not any("cut away" in e.message for e in scorer.flush())
    dup = [0.3 + 0.026 * body * 2.5 * (i // 2) * 2 for i in range(16)]  # each picture twice
    assert set(_verdicts_of(dup, [i / 12 for i in range(16)])) == {"same"}
    ms = [round(i * 1000 / 30) / 1000 for i in range(12)]  # 33 or 34 ms apart
    steps = [0.3] * 2 + [0.3 + 0.121 * body] * 10  # moved 34 ms after the last: under the limit
    assert "cut" not in _verdicts_of(steps, ms)


def test_a_body_thrown_out_of_place_for_a_moment_is_no_cut() -> None:
    """MediaPipe sometimes throws the whole skeleton out of place for a few frames and back (a
    studio bridge with the head out of the picture: three frames, then one with nobody): those
    frames are dropped, not taken for a cut, and the rep under way still counts."""
    seq, truth = synthetic.bridge(reps=3)
    t = seq.t_ms / 1000
    r = truth.reps[1]
    i = int(np.searchsorted(t, r.peak_s))
    image = seq.image.copy()
    image[i : i + 3, :, :2] += np.array([0.3, -0.2])  # three frames half a body away...
    image[i + 3] = np.nan  # ...one with nobody, then back
    v = _verdicts(CutDetector(seq.aspect), image, seq.t_ms)
    assert "cut" not in v and v[i : i + 4] == ["held"] * 4 and v[i + 4] == "same"
    glitched = PoseSequence(image, seq.world, seq.t_ms, seq.fps, seq.width, seq.height)
    session = score_sequence(glitched, "bridge")
    assert len(session.reps) == 3
    rep = next(rep for rep in session.reps if rep.start_s < r.peak_s < rep.end_s)
    # Its measurements are not trusted: the pose model was not steady during it.
    assert rep.skipped and all("jumped in the picture for a moment" in why for why in rep.skipped.values())
    assert not rep.faults
    # On screen, from the glitch to the rep's end, the key number and hold timer are blank as
    # the table leaves them; the next rep shows both again.
    scorer = Scorer("bridge")
    shown: list[tuple[float, float, float | None]] = []
    for k in range(len(seq)):
        scorer.update(image[k], seq.world[k], float(t[k]), seq.aspect)
        st = scorer.checker.state
        shown.append((float(t[k]), st.key_deg, st.hold_s))
    after = [(kd, h) for tt, kd, h in shown if t[i + 4] <= tt < rep.end_s]
    assert after and all(not np.isfinite(kd) and h is None for kd, h in after)
    nxt = truth.reps[2]
    assert any(np.isfinite(kd) for tt, kd, _ in shown if nxt.start_s < tt < nxt.end_s)
    assert any(h is not None for tt, _, h in shown if nxt.start_s < tt < nxt.end_s)
    # Back in the first frame past MAX_GAP_S from the last one used: still no cut.
    image = seq.image.copy()
    back = int(np.flatnonzero(t - t[i - 1] > MAX_GAP_S)[0])
    image[i:back, :, :2] += np.array([0.3, -0.2])
    v = _verdicts(CutDetector(seq.aspect), image, seq.t_ms)
    assert "cut" not in v and v[i:back] == ["held"] * (back - i) and v[back] == "same"
    # Moved for good: a cut at the first moved frame; the rep under way is lost, as before, and
    # the scorer's events say so.
    image[i:, :, :2] = seq.image[i:, :, :2] + np.array([0.3, -0.2])
    v = _verdicts(CutDetector(seq.aspect), image, seq.t_ms)
    assert v.count("cut") == 1 and set(v[i : v.index("cut")]) == {"held"}
    scorer = Scorer("bridge")
    for k in range(len(seq)):
        scorer.update(image[k], seq.world[k], float(seq.t_ms[k]) / 1000, seq.aspect)
    cut = scorer.finish("clip", seq.fps)
    assert len(cut.reps) == 2
    partials = [e for e in scorer.events if e.kind == "partial"]
    assert any("cut away" in e.message and abs(e.t_s - t[i]) < 1e-6 for e in partials)
    assert scorer.n_frames == len(seq)  # every held frame fed once


def test_a_rep_cut_in_the_middle_is_not_counted() -> None:
    """An angle in the picture (the bridge's hip line) does not compare across shots: a rep
    under way at a cut is dropped."""
    assert not load("bridge").counting.same_in_any_view
    seq, truth = synthetic.bridge(reps=3)
    r = truth.reps[1]
    i = int(np.searchsorted(seq.t_ms / 1000, r.peak_s))
    image = seq.image.copy()
    image[i:, :, 0] += 0.25  # a cut at the top of rep 2: its return is another shot
    cut = PoseSequence(image, seq.world, seq.t_ms, seq.fps, seq.width, seq.height)
    session = score_sequence(cut, "bridge")
    assert len(session.reps) == 2
    assert all(not (rep.start_s < r.peak_s < rep.end_s) for rep in session.reps)


def _closer_shot(seq: PoseSequence, cut_s: float, resume_s: float | None = None) -> PoseSequence:
    """``seq`` up to ``cut_s``, then a hard cut to a closer camera (the person 1.4 times as large
    and further right in the picture) showing the movement from ``resume_s`` (default: from the
    cut on, the same moment) to the end."""
    t = seq.t_ms / 1000.0
    before = t < cut_s
    after = t >= (cut_s if resume_s is None else resume_s)
    image = seq.image[after].copy()
    image[..., :2] = (image[..., :2] - 0.5) * 1.4 + np.array([0.62, 0.45])
    step_ms = np.round(1000 / seq.fps * np.arange(1, int(after.sum()) + 1))
    t_ms = np.concatenate([seq.t_ms[before], seq.t_ms[before][-1] + step_ms]).astype(np.int64)
    image = np.concatenate([seq.image[before], image])
    world = np.concatenate([seq.world[before], seq.world[after]])
    return PoseSequence(image, world, t_ms, seq.fps, seq.width, seq.height)


def _set(exercise: str) -> tuple[PoseSequence, synthetic.Truth]:
    if exercise == "lunge":
        return synthetic.lunge(reps=3, view="side", sides=("left",))
    return synthetic.squat(reps=3, view="side")


@pytest.mark.parametrize("exercise", ["lunge", "squat"])
def test_a_rep_that_goes_down_in_one_shot_and_up_in_the_next_counts(exercise: str) -> None:
    """Hip height against standing reads the same in any shot (``same_in_any_view``): a rep
    half way down at a cut to a closer camera, still down after it, is one rep. The squat's
    walking test compares the feet's places within each shot, not across the cut."""
    seq, truth = _set(exercise)
    r = truth.reps[1]
    cut_s = r.start_s + 0.7 * (r.peak_s - r.start_s)  # on the way down
    session = score_sequence(_closer_shot(seq, cut_s), exercise)
    assert len(session.reps) == truth.count()
    across = session.reps[1]
    assert across.start_s < cut_s < across.end_s
    assert across.faults == []
    if exercise == "lunge":
        assert across.side == "left"
    # Its frames come from two cameras: counted, not judged (the checks made on the first rep).
    d = load(exercise)
    judged = {c.code for c in d.checks if c.active(d.prescription)} - session.reps[0].skipped.keys()
    assert judged and all("cut to another shot" in across.skipped[code] for code in judged)


@pytest.mark.parametrize("exercise", ["lunge", "squat"])
def test_a_cut_to_another_moment_of_the_set_still_drops_the_rep(exercise: str) -> None:
    """Down before the cut, standing after it (the rest of the rep was edited out): the phase
    jumped, so the rep under way is not counted and the set goes on from the new shot."""
    seq, truth = _set(exercise)
    r = truth.reps[1]
    cut_s = r.start_s + 0.7 * (r.peak_s - r.start_s)
    session = score_sequence(_closer_shot(seq, cut_s, resume_s=r.end_s + 0.3), exercise)
    assert len(session.reps) == truth.count() - 1
    assert all(not (rep.start_s < cut_s < rep.end_s) for rep in session.reps)


@pytest.mark.parametrize(
    ("gap_s", "d_before", "d_after", "joined"),
    [
        (0.04, 39.0, 50.0, True),  # the real lunge's cut (formcheck's pose run)
        (0.04, 41.0, 61.0, True),  # the same cut in the labelled trace
        (0.04, 39.0, 3.0, False),  # standing after the cut: the way back was not seen
        (0.04, 3.0, 39.0, False),  # not yet out of the start position before it
        (0.04, 20.0, 55.0, False),  # far deeper: another moment of the movement
        (1.00, 39.0, 45.0, False),  # the next shot starts later
    ],
)
def test_when_a_rep_goes_on_across_a_cut(gap_s: float, d_before: float, d_after: float, joined: bool) -> None:
    c = carry.Carried((), 100.0, 7.0, d_before)
    assert carry.joins(c, 7.0 + gap_s, d_after, start_delta=7.0) is joined


# -- start and end of a clip -----------------------------------------------------------------
@pytest.mark.parametrize("exercise", ["squat", "bridge"])
def test_a_clip_that_starts_as_the_first_rep_starts_counts_it(exercise: str) -> None:
    gen = synthetic.squat if exercise == "squat" else synthetic.bridge
    seq, truth = gen(reps=3, view="side")
    start = truth.reps[0].start_s + 0.05  # no still start position before the first rep
    clip = _slice(seq, start)
    session = score_sequence(clip, exercise)
    assert len(session.reps) == 3
    assert session.reps[0].start_s < 0.5


def test_settling_into_position_is_not_a_rep() -> None:
    seq, truth = synthetic.bridge(reps=3, settle_in=True)
    assert len(score_sequence(seq, "bridge").reps) == truth.count()


def test_a_last_rep_cut_short_on_its_way_back_counts_and_is_not_judged_on_its_end() -> None:
    seq, truth = synthetic.squat(reps=3, view="side")
    last = truth.reps[-1]
    clip = _slice(seq, 0.0, last.peak_s + 0.8 * (last.end_s - last.peak_s))  # 80% of the way up
    session = score_sequence(clip, "squat")
    assert len(session.reps) == 3
    assert "incomplete_lockout" not in session.reps[-1].fault_codes
    assert "Keep filming" in session.reps[-1].skipped["incomplete_lockout"]
    # Stopped near the bottom, it is not a rep.
    early = _slice(seq, 0.0, last.peak_s + 0.2 * (last.end_s - last.peak_s))
    assert len(score_sequence(early, "squat").reps) == 2


def test_a_full_stand_filmed_before_the_video_ends_is_judged() -> None:
    """The video ends a moment after the last rep, too soon to wait for the person to settle:
    a stand already at the prescribed one is judged (more frames could only show it higher);
    one still short of it is not, and the person is asked to keep filming."""
    seq, truth = synthetic.squat(reps=3, view="side")
    last = truth.reps[-1]
    session = score_sequence(_slice(seq, 0.0, last.end_s + 0.2), "squat")
    assert len(session.reps) == 3
    assert "incomplete_lockout" not in session.reps[-1].skipped
    assert "incomplete_lockout" not in session.reps[-1].fault_codes
    short, short_truth = synthetic.squat(reps=3, view="side", faults={2: ["incomplete_lockout"]},
                                         lockout_knee_deg=145)
    cut = score_sequence(_slice(short, 0.0, short_truth.reps[-1].end_s + 0.2), "squat")
    assert len(cut.reps) == 3
    assert "Keep filming for a few seconds" in cut.reps[-1].skipped["incomplete_lockout"]


# -- a second person ---------------------------------------------------------------------------
def test_tracker_stays_with_the_person_it_follows() -> None:
    seq, truth = synthetic.squat(reps=3, view="side")
    sc = Scorer("squat")
    other = seq.image.copy()
    other[..., 0] = other[..., 0] * 1.3 - 0.05  # a larger person beside them
    for i in range(len(seq)):
        # From frame 30 the other person is in view and listed first (the larger).
        if i >= 30:
            people = (np.stack([other[i], seq.image[i]]), np.stack([seq.world[i], seq.world[i]]))
        else:
            people = (seq.image[i : i + 1], seq.world[i : i + 1])
        sc.update(seq.image[i], seq.world[i], seq.t_ms[i] / 1000, seq.aspect, people=people)
        assert np.allclose(sc.image, seq.image[i], equal_nan=True)
    session = sc.finish("two", seq.fps)
    assert len(session.reps) == truth.count()
    assert any("followed the person" in w for w in session.warnings)


def test_a_one_frame_throw_does_not_hand_the_person_to_a_ghost() -> None:
    """The pose model throws the body a fifth of its size away for one frame, the only pose
    seen then; next frames it sees the person back where they were and a ghost pose where the
    throw put them (a real bridge filmed close did). The tracker stays with the person, matched
    by where they were over the last frames, not by the thrown one."""
    seq, truth = synthetic.bridge(reps=3)
    t = seq.t_ms / 1000
    k = int(np.searchsorted(t, truth.reps[1].peak_s))
    a = body_points(seq.image[k], aspect=seq.aspect)
    size = float(np.ptp(a[np.isfinite(a).all(1)], 0).max())
    ghost = seq.image.copy()
    ghost[..., 0] -= 0.22 * size / seq.aspect
    sc = Scorer("bridge")
    for i in range(len(seq)):
        if i == k:  # thrown: the only pose seen
            people = (ghost[i : i + 1], seq.world[i : i + 1])
        elif k < i <= k + 3:  # the ghost, listed first, and the person back in place
            people = (np.stack([ghost[i], seq.image[i]]), np.stack([seq.world[i], seq.world[i]]))
        else:
            people = (seq.image[i : i + 1], seq.world[i : i + 1])
        sc.update(seq.image[i], seq.world[i], float(t[i]), seq.aspect, people=people)
        if k < i <= k + 3:
            assert np.allclose(sc.image, seq.image[i], equal_nan=True)
    assert len(sc.finish("ghost", seq.fps).reps) == truth.count()


def test_tracker_first_choice_fits_the_exercise_posture() -> None:
    standing, _ = synthetic.squat(reps=1)
    lying, _ = synthetic.bridge(reps=1)
    big_standing = standing.image[5].copy()
    people = np.stack([big_standing, lying.image[5]])
    assert PersonTracker(lying.aspect, lying=True).pick(people, 0.0) == 1
    assert PersonTracker(lying.aspect, lying=False).pick(people, 0.0) == 0


def _with_a_bystander(exercise: str, seq, scale: float = 1.4, dx: float = 0.25):  # type: ignore[no-untyped-def]
    """The exerciser shrunk to the left of the picture, and a larger person standing still at
    its right in the posture the first frame shows (listed first, as the larger)."""
    ex = seq.image.copy()
    ex[..., 0] = 0.3 + (ex[..., 0] - 0.5) * 0.7
    ex[..., 1] = 0.5 + (ex[..., 1] - 0.5) * 0.7
    still = np.repeat(seq.image[:1], len(seq), axis=0).copy()
    still[..., 0] = 0.5 + dx + (still[..., 0] - 0.5) * scale
    still[..., 1] = 0.5 + (still[..., 1] - 0.5) * scale
    still[..., :2] += np.random.default_rng(0).normal(0.0, 0.002, still[..., :2].shape)
    world = np.stack([np.repeat(seq.world[:1], len(seq), axis=0), seq.world], axis=1)
    return np.stack([still, ex], axis=1), world


@pytest.mark.parametrize("exercise", ["squat", "bridge", "clamshell"])
def test_the_person_moving_in_the_exercise_is_followed_not_the_larger_bystander(exercise) -> None:  # type: ignore[no-untyped-def]
    """A larger person stands (or lies) still beside the one exercising: formcheck moves to the
    one whose joints move in the exercise's pattern, counts their reps and says so."""
    make = {"squat": synthetic.squat, "bridge": synthetic.bridge, "clamshell": synthetic.clamshell}[exercise]
    seq, truth = make(reps=4)
    people_image, people_world = _with_a_bystander(exercise, seq)
    sc = Scorer(exercise, {"hold_s": 1.0} if exercise == "clamshell" else None)
    for i in range(len(seq)):
        people = (people_image[i], people_world[i])
        sc.update(people_image[i, 0], people_world[i, 0], seq.t_ms[i] / 1000, seq.aspect, people=people)
    session = sc.finish("bystander", seq.fps)
    # The bystander is followed until the exerciser has been seen moving for a moment, so the
    # first rep may be missed; the rest are counted.
    assert truth.count() - 1 <= len(session.reps) <= truth.count()
    assert any("the one doing the exercise" in w and "on the left" in w for w in session.warnings)


def test_two_people_exercising_the_followed_one_is_kept() -> None:
    """Both people squat: the tracker stays with the one it chose."""
    seq, _ = synthetic.squat(reps=3)
    other = seq.image.copy()
    other[..., 0] = other[..., 0] * 1.3 - 0.05
    tracker = PersonTracker(seq.aspect, lying=False)
    picks = [tracker.pick(np.stack([other[i], seq.image[i]]), seq.t_ms[i] / 1000) for i in range(len(seq))]
    assert set(picks) == {picks[0]}
    assert tracker.switches == 0


# -- trust ----------------------------------------------------------------------------------------
def test_feet_out_of_the_picture_means_heels_not_checked() -> None:
    seq, _ = synthetic.squat(reps=3, view="side", faults={1: ["heels_lifting"]})
    image = seq.image.copy()
    image[:, 29:33, 1] = 1.05  # heels and toes below the bottom edge: the model's guess
    cut_off = PoseSequence(image, seq.world, seq.t_ms, seq.fps, seq.width, seq.height)
    session = score_sequence(cut_off, "squat")
    assert all("heels_lifting" not in r.fault_codes for r in session.reps)
    assert "in the picture" in session.skipped_checks["heels_lifting"]


def test_feet_seen_faintly_in_the_picture_are_not_asked_into_it() -> None:
    """Feet in the picture but seen faintly (small, dark, or hidden behind the other leg): the
    reason asks to film closer in good light, not to keep the feet in the picture, which would
    puzzle someone whose feet plainly are (the real front-on prisoner squat's ankles)."""
    seq, _ = synthetic.squat(reps=3, view="side", faults={1: ["heels_lifting"]})
    image = seq.image.copy()
    image[:, 29:33, 3] = 0.6  # heels and toes found, in the picture, but not clearly seen
    faint = PoseSequence(image, seq.world, seq.t_ms, seq.fps, seq.width, seq.height)
    session = score_sequence(faint, "squat")
    assert all("heels_lifting" not in r.fault_codes for r in session.reps)
    why = session.skipped_checks["heels_lifting"]
    assert why.startswith("Your heels were not seen clearly: film a little closer"), why


def test_a_camera_on_the_floor_means_side_angles_not_checked() -> None:
    seq, _ = synthetic.squat(reps=3, view="side", faults={1: ["shallow"]})
    world = seq.world.copy()
    a = np.radians(-12.0)  # the body leans away from the camera in its world landmarks
    rot = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    world[..., :3] = world[..., :3] @ rot.T
    low = PoseSequence(seq.image, world, seq.t_ms, seq.fps, seq.width, seq.height)
    session = score_sequence(low, "squat")
    assert len(session.reps) == 3
    assert all("shallow" not in r.fault_codes for r in session.reps)
    assert "not from the floor" in session.skipped_checks["shallow"]
    assert "too_fast" not in session.skipped_checks  # tempo does not depend on the camera


# -- what the person sees --------------------------------------------------------------------------
def test_bridge_cue_never_contradicts_the_hip_line_on_screen() -> None:
    seq, _ = synthetic.bridge(reps=4, faults={0: ["hips_low"], 1: ["overarch"]})
    sc = Scorer("bridge")
    shown: list[tuple[int | None, str]] = []
    for i in range(len(seq)):
        sc.update(seq.image[i], seq.world[i], seq.t_ms[i] / 1000, seq.aspect)
        st = sc.checker.state
        if st.cue and st.phase != "setup":
            shown.append((st.cue_rep, st.cue))
            if "higher" in st.cue:
                assert not st.key_deg > 190, (st.t_s, st.key_deg, st.cue)
    reps = sc.finish("b", seq.fps).reps
    by_rep = {n: {c for m, c in shown if m == n} for n in {m for m, _ in shown}}
    for rep in reps:
        assert by_rep.get(rep.index, set()) == {f.message for f in rep.faults[:1]}


def test_hold_timer_ends_on_the_saved_hold_even_with_frames_dropped() -> None:
    seq, truth = synthetic.bridge(reps=3, hold_s=3.0)
    for keep_every in (1, 3):  # all frames, then a loaded machine analysing every third
        sub = PoseSequence(
            seq.image[::keep_every],
            seq.world[::keep_every],
            seq.t_ms[::keep_every],
            seq.fps,
            seq.width,
            seq.height,
        )
        sc = Scorer("bridge")
        last_shown: dict[int, float] = {}
        for i in range(len(sub)):
            sc.update(sub.image[i], sub.world[i], sub.t_ms[i] / 1000, sub.aspect)
            st = sc.checker.state
            if st.hold_s is not None and st.cue_rep is not None and st.phase != "active":
                last_shown[st.cue_rep] = st.hold_s
        reps = sc.finish("b", sub.fps).reps
        assert len(reps) == 3
        for rep, want in zip(reps, truth.reps, strict=True):
            assert last_shown[rep.index] == rep.metrics["hold_s"]
            assert abs(rep.metrics["hold_s"] - want.hold_s) < 0.6, (keep_every, rep.metrics)


def test_checker_state_has_no_cue_during_a_rep() -> None:
    seq, _ = synthetic.squat(reps=3, view="side", faults={0: ["shallow"], 1: ["shallow"]})
    checker = make_checker("squat")
    for fr in seq.frames():
        checker.update(fr)
        st = checker.state
        if st.phase == "active":
            assert st.cue is None


# -- GIFs ---------------------------------------------------------------------------------------------
def test_an_animated_gif_is_scored_and_a_still_one_refused(tmp_path: Path) -> None:
    import cv2
    from PIL import Image

    cap = cv2.VideoCapture(str(ROOT / "samples" / "squat_side_clean.mp4"))
    frames = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        frames.append(Image.fromarray(cv2.cvtColor(f, cv2.COLOR_BGR2RGB)).resize((320, 240)))
    gif = tmp_path / "clip" / "squat.gif"
    gif.parent.mkdir()
    frames[0].save(gif, save_all=True, append_images=frames[1::2], duration=67, loop=0)
    frames[0].save(tmp_path / "clip" / "still.gif")
    cmd = [
        sys.executable,
        "-m",
        "formcheck",
        "score",
        str(gif.parent),
        "-e",
        "squat",
        "--json",
        "--no-store",
        "--out",
        str(tmp_path / "out"),
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert res.returncode == 6, res.stderr  # one scored, one refused
    assert "Traceback" not in res.stderr
    import json

    out = json.loads(res.stdout)
    assert [len(s["reps"]) for s in out["sessions"]] == [3]
    assert any("still GIF" in e["message"] for e in out["errors"]), out["errors"]


# -- no reps, with a reason ----------------------------------------------------------------------
def test_no_reps_says_why() -> None:
    squat, _ = synthetic.squat(reps=3)
    as_bridge = score_sequence(squat, "bridge")
    assert not as_bridge.reps
    assert any("never saw you in the glute bridge position" in w for w in as_bridge.warnings)
    seq, truth = synthetic.squat(reps=1, lead_in_s=3.0)
    still = _slice(seq, 0.0, truth.reps[0].start_s - 0.1)  # standing still, no rep
    idle = score_sequence(still, "squat")
    assert not idle.reps
    assert any(w.startswith("No reps") for w in idle.warnings), idle.warnings


@pytest.mark.e2e
def test_bridge_sample_never_shows_hips_higher_over_a_high_hip_line() -> None:
    """The tester's case: on the bridge sample the screen showed 204 deg under "Lift your hips
    higher". Every frame's state, as the annotated video and live window draw it."""
    from testkit.posecache import sample_poses

    seq = sample_poses(ROOT / "samples" / "bridge_side_faults.mp4", lying=True)
    sc = Scorer("bridge")
    seen: dict[int, set[str]] = {}
    for i in range(len(seq)):
        sc.update(seq.image[i], seq.world[i], seq.t_ms[i] / 1000, seq.aspect)
        st = sc.checker.state
        if st.cue_line and "higher" in st.cue_line:
            assert not st.key_deg > 190, (st.t_s, st.key_deg, st.cue_line)
        if st.cue and st.cue_rep is not None:
            seen.setdefault(st.cue_rep, set()).add(st.cue)
    reps = sc.finish("bridge_side_faults", seq.fps).reps
    assert [r.fault_codes for r in reps] == [["hips_low"], ["overarch"], []]
    assert seen == {r.index: {r.faults[0].message} for r in reps if r.faults}


@pytest.mark.parametrize("visibility, counted", [(0.5, 3), (0.95, 0)])
def test_a_faint_foot_does_not_make_a_squat_a_kneel(visibility: float, counted: int) -> None:
    """From a camera looking down at an angle, MediaPipe's guess of a faintly seen far ankle
    (visibility 0.5) laid that shin along the floor at the bottom of every squat: the kneeling
    and one-foot rules then dropped the reps (studio, chest height, 60 deg). Only a shin and
    feet seen clearly can show kneeling or a lifted foot; seen clearly, they still do."""
    seq, truth = synthetic.squat(reps=3, view="front", noise=0.0)
    image = seq.image.copy()
    t = seq.t_ms / 1000
    for r in truth.reps:
        low = (t > r.peak_s - 0.3) & (t < r.peak_s + 0.3)
        knee = image[low, 25, :2]
        image[low, 27, :2] = knee + np.array([0.05 / seq.aspect, 0.015])  # the shin 73 deg from vertical
        # Faint a little longer than it is misplaced: smoothing brings it back over a few frames.
        image[(t > r.peak_s - 0.6) & (t < r.peak_s + 0.6), 27, 3] = visibility
    session = score_sequence(
        PoseSequence(image, seq.world, seq.t_ms, seq.fps, seq.width, seq.height), "squat"
    )
    assert len(session.reps) == counted


@pytest.mark.parametrize("always, counted", [(True, 3), (False, 0)])
def test_one_foot_lifted_is_told_against_the_feet_at_rest(always: bool, counted: int) -> None:
    """From a camera looking down, the far foot stands higher in the picture than the near one
    (by 0.3 leg lengths from 2.2 m at 75 deg, studio): both are on the floor, as at rest. A foot
    is lifted only when the difference grows beyond what it was at rest."""
    seq, truth = synthetic.squat(reps=3, view="front", noise=0.0)
    image = seq.image.copy()
    t = seq.t_ms / 1000
    foot = [27, 29, 31]  # left ankle, heel, toe
    lift = np.zeros(len(t), bool)
    for r in truth.reps:
        lift |= (t > r.start_s) & (t < r.end_s)
    rows = np.ones(len(t), bool) if always else lift
    image[np.ix_(rows, foot, [1])] -= 0.1  # 0.4 standing leg lengths higher in the picture
    session = score_sequence(
        PoseSequence(image, seq.world, seq.t_ms, seq.fps, seq.width, seq.height), "squat"
    )
    assert len(session.reps) == counted


def _side_by_side(a: PoseSequence, b: PoseSequence, shift: float = 0.5) -> PoseSequence:
    """Two people in one picture: ``a`` on the left half, ``b`` (drawn smaller, as if a step
    further off) on the right, both as the pose model reports everyone it sees, in no fixed
    order."""
    n = min(len(a), len(b))
    left = a.image[:n].copy()
    left[..., 0] = left[..., 0] * 0.5
    right = b.image[:n].copy()
    right[..., 0] = right[..., 0] * 0.45 + shift
    right[..., 1] = 0.05 + right[..., 1] * 0.9
    # In the order the pose model happens to list them, which changes from frame to frame.
    swap = np.random.default_rng(0).random(n) < 0.5
    people_image = np.where(swap[:, None, None, None], np.stack([right, left], 1), np.stack([left, right], 1))
    world = np.stack([a.world[:n], b.world[:n]], 1)
    people_world = np.where(swap[:, None, None, None], world[:, ::-1], world)
    return PoseSequence(
        left, a.world[:n], a.t_ms[:n], a.fps, a.width, a.height,
        people_image=people_image, people_world=people_world,
    )  # fmt: skip


def test_two_people_squatting_out_of_step_are_not_merged_and_the_result_says_who() -> None:
    """Two people squat side by side, out of step (different tempos, 3 and 4 reps): the count
    is the followed person's own, not a merge of both, and the session says whom it followed,
    in words and in its file (where among the people, their box in the picture, why)."""
    a, _ = synthetic.squat(reps=3, descent_s=1.2, ascent_s=1.0, rest_s=1.6, tail_s=3.0)
    b, _ = synthetic.squat(reps=4, descent_s=0.8, ascent_s=0.7, rest_s=0.9, seed=1, lead_in_s=2.2)
    both = _side_by_side(a, b)
    session = score_sequence(both, "squat")
    assert len(session.reps) == 3  # the larger person on the left, followed all along
    rec = session.followed
    assert rec is not None
    assert rec["people_max"] == 2 and rec["crowded_share"] > 0.9
    assert rec["place"] == "on the left of the two"
    assert rec["chosen_by"] == "the largest in the picture" and rec["switches"] == 0
    x0, _, x1, _ = rec["box"]
    assert 0.0 <= x0 < x1 <= 0.5  # inside the left half, where that person is
    said = [w for w in session.warnings if "More than one person" in w]
    assert said == ["More than one person was in view; formcheck followed the person on the left of the two."]
    again = session_from_dict(json.loads(json.dumps(session.to_dict())))
    assert again.followed == rec


def test_three_people_the_middle_one_is_named_by_place() -> None:
    tracker = PersonTracker(1.0, lying=False)
    seq, _ = synthetic.squat(reps=1)
    for i in range(30):
        people = []
        for shift in (0.0, 0.33, 0.66):
            p = seq.image[i].copy()
            p[:, 0] = p[:, 0] * 0.3 + shift
            people.append(p)
        people[1][:, :2] = 0.5 + (people[1][:, :2] - 0.5) * 1.2  # the middle one is largest
        tracker.pick(np.stack(people), i / 30)
    assert tracker.record()["place"] == "second from the left of the three"  # type: ignore[index]
    assert "second from the left of the three" in (tracker.description() or "")


def test_a_session_file_with_a_malformed_followed_record_is_refused() -> None:
    seq, _ = synthetic.squat(reps=2)
    d = score_sequence(seq, "squat").to_dict()
    assert d["followed"] is None  # a trace of one person: not known
    d["followed"] = {"box": [0.1, 0.2]}
    with pytest.raises(ValueError, match="box"):
        session_from_dict(d)


@pytest.mark.parametrize(("hidden_s", "lost"), [(0.0, ()), (0.3, ()), (0.6, (2,))])
def test_someone_walking_past_in_front_does_not_take_the_count(
    hidden_s: float, lost: tuple[int, ...]
) -> None:
    """A person walks across the picture in front of someone squatting and, for ``hidden_s``,
    hides them at the bottom of rep 2: the pose model then reports only the one walking past.
    The squatter stays the one followed (nobody is followed while hidden, and the one walking
    past is not taken for them as they cross), so their count is theirs: a rep hidden for
    0.3 s counts; hidden for 0.6 s of its 2.2 it is too hidden to count (the checker's rule)."""
    a, truth = synthetic.squat(reps=5, view="side", seed=1)
    b, _ = synthetic.squat(reps=8, view="side", rest_s=0.3, lead_in_s=0.3, seed=2)
    n = min(len(a), len(b))
    t = a.t_ms[:n] / 1000
    squatter = a.image[:n].copy()
    squatter[..., :2] = 0.5 + (squatter[..., :2] - 0.5) * 0.5
    squatter[..., 0] -= 0.2
    walker = b.image[:n].copy()
    x = np.interp(t, [0, 4, 9, 99], [1.5, 1.0, -0.5, -0.5])  # from the right to the left
    walker[..., 0] = x[:, None] + (walker[..., 0] - 0.5) * 0.6
    walker[..., 1] = 0.5 + (walker[..., 1] - 0.5) * 0.6
    sc = Scorer("squat")
    for i in range(n):
        people = [(walker[i], b.world[i])] if -0.2 < x[i] < 1.2 else []
        if not 6.0 <= t[i] < 6.0 + hidden_s:  # rep 2's bottom is at 6.0 s
            people.append((squatter[i], a.world[i]))
        if people:
            image, world = np.stack([p[0] for p in people]), np.stack([p[1] for p in people])
            sc.update(image[0], world[0], float(t[i]), a.aspect, people=(image, world))
    session = sc.finish("walk-past", a.fps)
    kept = [r for r in truth.reps if r.index + 1 not in lost]
    assert len(session.reps) == len(kept) == 5 - len(lost)
    for rep, want in zip(session.reps, kept, strict=True):
        assert abs(rep.peak_s - want.peak_s) < 0.5


def test_one_person_found_twice_is_one_person() -> None:
    """The pose model can report one body twice (two overlapping crops; the real good morning
    mirrored did, mid-rep). The copy, off by the model's own noise, is the same person: not a
    second person in the session's record, and not a new track that the next frame's one pose
    is matched to (which read as a change of person, a cut, and lost the rep under way). Here
    a copy of the squatter, 0.4% of the picture away, is reported in four frames on the way
    down of each rep, listed first."""
    seq, truth = synthetic.squat(reps=3, view="side", seed=3)
    t = seq.t_ms / 1000
    copies = {
        int(np.argmin(np.abs(t - (r.start_s + f * (r.peak_s - r.start_s)))))
        for r in truth.reps for f in (0.3, 0.5, 0.7, 0.9)
    }
    sc = Scorer("squat")
    for i in range(len(seq)):
        image, world = seq.image[i][None], seq.world[i][None]
        if i in copies:
            twin = image[0].copy()
            twin[:, :2] += 0.004
            image, world = np.stack([twin, image[0]]), np.stack([world[0], world[0]])
        sc.update(image[0], world[0], float(t[i]), seq.aspect, people=(image, world))
    session = sc.finish("twice", seq.fps)
    assert len(session.reps) == 3
    assert session.followed is not None and session.followed["people_max"] == 1
    assert not any("More than one person" in w for w in session.warnings)


def test_a_track_made_anew_for_the_same_body_is_no_change_of_person() -> None:
    """A second pose of the squatter (a copy off by 0.15 body sizes, taken for someone else)
    leaves a track of its own; then the pose model throws the squatter's body aside (0.25 body
    sizes) for three frames mid-rep and, when it comes back, the nearer track is the copy's.
    The body is where the one followed was a few frames before, and that one is not seen now:
    the same person, so no change of person and no cut. Nor is the track left behind, whose
    hips "moved" only in the one jump, someone walking past (which would leave the squatter
    unfollowed): the rep under way counts. The real portrait bridge framed closer lost five
    of six reps this way."""
    seq, truth = synthetic.squat(reps=3, view="side", seed=4)
    t = seq.t_ms / 1000
    size = float(np.nanmax(seq.image[0, [11, 12, 23, 24, 25, 26, 27, 28], 1])
                 - np.nanmin(seq.image[0, [11, 12, 23, 24, 25, 26, 27, 28], 1]))
    mid = truth.reps[1]
    throw_t = mid.start_s + 0.5 * (mid.peak_s - mid.start_s)
    throw = set(np.flatnonzero((t >= throw_t) & (t < throw_t + 0.1))[:3])
    copy_i = int(np.argmin(np.abs(t - (throw_t - 0.4))))
    sc = Scorer("squat")
    for i in range(len(seq)):
        image, world = seq.image[i].copy(), seq.world[i]
        if i in throw:
            image[:, 0] += 0.25 * size
        people = [image]
        if i == copy_i:
            twin = image.copy()
            twin[:, 0] -= 0.15 * size
            people = [twin, image]
        sc.update(people[0], world, float(t[i]), seq.aspect,
                  people=(np.stack(people), np.stack([world] * len(people))))
    session = sc.finish("thrown", seq.fps)
    assert len(session.reps) == 3


@pytest.mark.parametrize("fps", [30.0, 8.0, 3.0])
def test_a_walking_pace_is_steady_movement_not_one_jump(fps: float) -> None:
    """The pace the walk-past rule compares (the hips' velocity over the last half second, or
    the last three frames at a few frames a second): someone walking at 0.5 picture widths a
    second reads that at 30, 8 or 3 frames a second; a body standing still that the pose
    model threw aside in its last frame reads no pace at all (the two ends' difference read
    the jump as a walk). At 3 frames a second three frames are all there is, and one thrown
    frame among them cannot be told from a step: only the walk is asked of it."""
    from formcheck.track import _Track

    def track(xs: np.ndarray) -> _Track:
        pts = np.zeros((8, 2))
        tr = _Track(pts, 0.0)
        for i, x in enumerate(xs):
            p = pts.copy()
            p[:, 0] = x
            p[:, 1] = np.linspace(0.2, 0.9, 8)
            tr.add(p, i / fps, float("nan"))
        return tr

    n = max(4, int(fps))
    t = np.arange(n) / fps
    assert track(0.2 + 0.5 * t).pace()[0] == pytest.approx(0.5, rel=0.05)
    if fps >= 8:
        thrown = np.full(n, 0.5)
        thrown[-1] = 0.7
        assert abs(track(thrown).pace()[0]) < 0.05
