"""Lunges against synthetic sets with known reps, sides and faults."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from formcheck.checkers import make_checker
from formcheck.landmarks import PoseLandmark as L
from formcheck.pipeline import score_sequence
from testkit import synthetic
from testkit.synthetic import assert_matches

RX = {"hold_s": 1.0}  # the low lunge's hold is only checked when prescribed


def score(seq, rx=None):
    return score_sequence(seq, "lunge", RX if rx is None else rx)


@pytest.mark.parametrize(
    ("kind", "view", "sides"),
    [
        ("reverse", "side", ("right",)),
        ("reverse", "side", ("left",)),  # the far leg works: still counted on its side
        ("reverse", "front", ("left",)),
        ("reverse", "oblique", ("right",)),
        ("side", "front", ("left",)),
        ("side", "front", ("right",)),
    ],
)
def test_clean_set_counted_exactly_on_its_side(kind, view, sides):
    seq, truth = synthetic.lunge(reps=4, kind=kind, view=view, sides=sides)
    session = score(seq)
    assert session.view == view
    assert_matches(session, truth)
    assert all(not r.faults for r in session.reps)
    assert session.reps_by_side() == {sides[0]: 4}


def test_alternating_legs_counted_per_side():
    seq, truth = synthetic.lunge(reps=3, sides=("left", "right"), alternate=True, view="side")
    session = score(seq)
    assert_matches(session, truth)
    assert session.reps_by_side() == {"left": 3, "right": 3}


@pytest.mark.parametrize(
    ("fault", "kind", "view"),
    [
        ("shallow", "reverse", "side"),
        ("knee_past_toes", "reverse", "side"),
        ("trunk_lean", "reverse", "side"),
        ("trunk_lean", "reverse", "oblique"),
        ("knee_caving", "reverse", "front"),
        ("knee_caving", "side", "front"),
        ("straight_leg_bent", "side", "oblique45"),
        ("short_hold", "reverse", "side"),
        ("short_hold", "side", "front"),
    ],
)
def test_fault_in_exactly_its_reps(fault, kind, view):
    # From the side the near leg (the person's right: the camera is at their right) works, so
    # its foot is seen clearly. The side lunge's other leg is judged from about 45 deg round
    # (see below): 42 here, past the check's 40 and short of the 44 where this generator starts
    # hiding the far side.
    yaw = 42.0 if view == "oblique45" else None
    seq, truth = synthetic.lunge(
        reps=4,
        kind=kind,
        view=view.removesuffix("45"),
        sides=("right",),
        faults={1: [fault], 3: [fault]},
        rest_s=1.5,
        azimuth_deg=yaw,
    )
    session = score(seq)
    assert_matches(session, truth)
    assert [r.index - 1 for r in session.reps if fault in r.fault_codes] == [1, 3]


def test_hold_checked_only_when_prescribed():
    seq, _ = synthetic.lunge(reps=2, faults={0: ["short_hold"], 1: ["short_hold"]})
    assert not any(r.faults for r in score(seq, {}).reps)
    assert all("short_hold" in r.fault_codes for r in score(seq).reps)


def test_side_view_checks_not_made_from_the_front():
    seq, truth = synthetic.lunge(reps=3, view="front", faults={1: ["knee_past_toes", "trunk_lean"]})
    session = score(seq)
    assert len(session.reps) == truth.count()
    assert not any(r.faults for r in session.reps)
    skipped = session.skipped_checks
    assert skipped["knee_past_toes"] == "Film from the side to check knee behind the toes."
    assert skipped["trunk_lean"] == "Film from the side or an angle to check upper body upright."


def test_front_view_checks_not_made_from_the_side():
    seq, _ = synthetic.lunge(reps=3, kind="side", view="side", sides=("right",))
    session = score(seq)
    skipped = session.skipped_checks
    assert skipped["knee_caving"] == "Film from the front to check knee in line with the foot."
    assert (
        skipped["straight_leg_bent"]
        == "In a side lunge, film from about 45 degrees to your side to check other leg straight."
    )
    # A side lunge leans over the bent knee as 004 asks: its lean is not judged.
    assert skipped["trunk_lean"].startswith("With the other leg straight, the upper body leans over")


@pytest.mark.parametrize("view", ["front", "oblique"])
def test_side_lunge_straight_leg_not_judged_from_the_front(view: str) -> None:
    """From the front the other knee bends toward the camera, which the picture hides: the check
    is not made (and says where to film from), even on the bent reps; nor from a small angle."""
    seq, _ = synthetic.lunge(
        reps=3, kind="side", view=view, sides=("right",), faults={1: ["straight_leg_bent"]}
    )
    session = score(seq)
    assert len(session.reps) == 3
    assert not any(r.faults for r in session.reps)
    # Seen from 37 deg round, under two thirds of a forward bend shows.
    where = "In a side lunge, film" if view == "front" else "Film"
    want = f"{where} from about 45 degrees to your side to check other leg straight."
    assert session.skipped_checks["straight_leg_bent"] == want


@pytest.mark.parametrize(("view", "depth"), [("front", 88.0), ("oblique", 88.0), ("oblique", 100.0)])
def test_the_back_knee_of_a_lunge_is_not_the_straight_leg(view: str, depth: float) -> None:
    """A back lunge is no side lunge, from the front or at 42 deg, where its stride spreads the
    feet across the picture too (1.5 shoulder widths) and a shallower lunge's back knee reads
    straighter than a side lunge's bent leg needs (120 deg): the feet's 3D spread is along the
    body, not across it."""
    yaw = 42.0 if view == "oblique" else None
    seq, _ = synthetic.lunge(reps=3, kind="reverse", view=view, azimuth_deg=yaw, depth_knee_deg=depth)
    session = score(seq)
    assert not any(r.faults for r in session.reps)
    why = (
        "In a side lunge, film from about"
        if view == "front"
        else "Other leg straight is checked in side lunges only"
    )
    assert session.skipped_checks["straight_leg_bent"].startswith(why)


def test_far_foot_not_judged_from_the_side():
    """From the side with the far leg in front, its foot is half hidden: knee over toes is not judged."""
    seq, _ = synthetic.lunge(reps=3, view="side", sides=("left",), faults={1: ["knee_past_toes"]})
    session = score(seq)
    assert not any(r.faults for r in session.reps)
    assert session.skipped_checks["knee_past_toes"].startswith("Keep your front foot in the picture")


def test_camera_on_the_floor_judges_no_angles():
    seq, truth = synthetic.lunge(
        reps=3, view="side", sides=("right",), camera_height=0.15, faults={1: ["shallow"]}
    )
    session = score(seq)
    assert len(session.reps) == truth.count()
    assert not any(r.faults for r in session.reps)  # the shallow rep too: not judged from there
    skipped = session.skipped_checks
    for code in ("shallow", "knee_past_toes", "trunk_lean"):
        assert skipped[code].startswith("Film from about hip height"), skipped


def test_a_leg_lift_is_no_lunge():
    """The hips barely drop and no knee bends: nothing is counted."""
    seq, _ = synthetic.hip_abduction(reps=3)
    assert score(seq).reps == []


@pytest.mark.parametrize("degrade", [{"noise": 0.006}, {"drop_frames": 0.05, "seed": 3}])
def test_noise_and_dropped_frames_keep_counts(degrade):
    seq, _ = synthetic.lunge(reps=3, sides=("left", "right"), alternate=True, view="side", **degrade)
    assert score(seq).reps_by_side() == {"left": 3, "right": 3}


def test_front_knee_judged_with_the_back_foot_hidden():
    """From the front a deep reverse lunge hides the back foot behind the front leg (MediaPipe's
    visibility of it fell to 0.1-0.3 on the studio's lunges): the front knee's tracking and
    depth are still judged, on the bent leg alone."""
    faults = {1: ["knee_caving"], 3: ["knee_caving"]}
    seq, truth = synthetic.lunge(reps=4, view="front", sides=("left",), faults=faults)
    seq.image[:, 28, 3] = 0.6  # the right (back) ankle: found, but not clearly seen
    session = score(seq)
    assert_matches(session, truth)
    assert [r.index - 1 for r in session.reps if "knee_caving" in r.fault_codes] == [1, 3]
    assert all("shallow" not in r.skipped and "knee_caving" not in r.skipped for r in session.reps)


@pytest.mark.parametrize(("kind", "shown"), [("side", False), ("reverse", True)])
def test_knee_on_show_only_where_it_is_read(kind: str, shown: bool) -> None:
    """From the front a side lunge's knee angle (from thigh and shin heights) is not judged, so
    the live number shows "--" through the set, as the table's blank depth; a reverse lunge's
    knee is shown."""
    seq, _ = synthetic.lunge(reps=2, kind=kind, view="front", sides=("right",))
    _, texts = synthetic.shown_keys("lunge", seq)
    numbers = [t for t in texts if not t.endswith("--")]
    assert bool(numbers) == shown, sorted(set(texts))[:5]


def test_a_hidden_foot_stays_where_it_was_seen() -> None:
    """Pair: a point hidden (NaN) is placed at the last gap seen from its partner, for keep_s;
    after that, or with both hidden, it stays hidden."""
    from formcheck.checkers.lunge import Pair

    pair = Pair(keep_s=2.0)
    left, right = np.array([0.40, 0.80]), np.array([0.55, 0.70])
    assert all(
        np.array_equal(a, b) for a, b in zip(pair.update(left, right, 0.0), (left, right), strict=True)
    )
    hidden = np.full(2, np.nan)
    _, filled_r = pair.update(np.array([0.42, 0.80]), hidden, 1.0)  # the left moved a little
    assert np.allclose(filled_r, [0.57, 0.70])
    assert np.isnan(pair.update(np.array([0.42, 0.80]), hidden, 3.5)[1]).all()  # too long ago
    assert all(np.isnan(p).all() for p in pair.update(hidden, hidden, 1.5))


def test_back_foot_hidden_at_the_bottom_keeps_the_count() -> None:
    """Filmed from the front and above, the back ankle drops out of sight at the bottom of each
    rep (MediaPipe's visibility under 0.5): hip height above the feet must not jump, and the
    reps are found as they were done."""
    seq, truth = synthetic.lunge(reps=3, kind="reverse", view="front", sides=("right",), camera_height=2.2)
    t = seq.t_ms / 1000.0
    back_ankle = 27  # the left ankle: the right leg works, the left steps back
    for r in truth.reps:
        bottom = (t >= r.peak_s - 0.6) & (t <= r.peak_s + 0.6)
        seq.image[bottom, back_ankle, 3] = 0.2
        seq.world[bottom, back_ankle, 3] = 0.2
    session = score(seq)
    # Counted, and each rep begins when it did (with the ankle dropped, hip height above the
    # front ankle alone jumped at the bottom and the reps began 0.5-0.8 s late).
    assert_matches(session, truth)


def test_gaps_between_the_feet_forgotten_after_a_pause() -> None:
    """Out of view past the pause limit, the person may come back nearer or further: the last
    gap seen between the feet is not used for a foot hidden on return."""
    seq, _ = synthetic.lunge(reps=1, kind="reverse", view="front", sides=("right",))
    checker = make_checker("lunge")
    for i in range(30):  # standing, both feet seen
        checker.update(seq.frame(i))
    assert np.isfinite(checker._ankles._gap).all()
    t0 = seq.t_ms[29] / 1000.0
    gone = seq.frame(30)
    for k in range(1, 60):  # 2 s out of view
        checker.update(dataclasses.replace(gone, t_s=t0 + k / 30.0, xy=np.full_like(gone.xy, np.nan)))
    assert np.isnan(checker._ankles._gap).all()


@pytest.mark.parametrize(("camera_height", "judged"), [(1.0, True), (2.1, False)])
def test_front_depth_judged_only_from_about_hip_height(camera_height: float, judged: bool) -> None:
    """From the front the front knee's angle comes from thigh and shin heights. A camera looking
    down (2.1 m, 19 deg at the hips) still sees a level thigh pointing at it keep tan(19 deg) of
    its standing height, so a clean 95 deg rep over an upright shin read 116, past the 115 limit:
    depth is not judged from there, and says where to film from. From 1.0 m it is, and a shallow
    rep is still found. (No noise: the picture's jitter in an upright shin's height reads it
    tilted, the knee more bent.)"""
    seq, truth = synthetic.lunge(
        reps=3,
        view="front",
        sides=("right",),
        camera_height=camera_height,
        depth_knee_deg=95.0,
        shin_deg=0.0,
        faults={1: ["shallow"]},
        noise=0.0,
    )
    session = score(seq)
    assert len(session.reps) == truth.count()
    shallow = [r.index - 1 for r in session.reps if "shallow" in r.fault_codes]
    assert shallow == ([1] if judged else [])
    reasons = {r.skipped.get("shallow") for r in session.reps}
    assert reasons == ({None} if judged else {"Film from about hip height, not from above, to check depth."})
    # An untrusted depth is not reported either (the table's and the reports' depth is blank).
    assert all(np.isfinite(r.metrics["knee_min_deg"]) == judged for r in session.reps)


@pytest.mark.parametrize(("camera_height", "shown"), [(1.0, True), (2.1, False)])
def test_live_knee_hidden_where_depth_is_not_judged_from_above(camera_height: float, shown: bool) -> None:
    """The live knee number agrees with the table: from a camera looking down on a front lunge
    (2.1 m) its depth is not judged, so once a rest has shown the camera's pitch the number
    shows "--" through the reps; from 1.0 m it is shown."""
    seq, _ = synthetic.lunge(reps=2, view="front", sides=("right",), camera_height=camera_height, noise=0.0)
    _, texts = synthetic.shown_keys("lunge", seq)
    later = texts[len(texts) // 3 :]  # after the first rest
    numbers = [t for t in later if not t.endswith("--")]
    assert bool(numbers) == shown, sorted(set(later))[:5]


def test_side_on_depth_needs_the_bent_leg_seen() -> None:
    """Side-on, the bent (front) leg may be the far one, partly hidden behind the other: its
    knee's depth is judged only when that leg is clearly seen, as from the front."""
    far, _ = synthetic.lunge(reps=2, view="side", sides=("left",), faults={0: ["shallow"]})
    near, _ = synthetic.lunge(reps=2, view="side", sides=("right",), faults={0: ["shallow"]})
    s_far, s_near = score_sequence(far, "lunge"), score_sequence(near, "lunge")
    assert len(s_far.reps) == len(s_near.reps) == 2
    assert all("leg nearer the camera in front" in r.skipped["shallow"] for r in s_far.reps)
    assert [r.fault_codes for r in s_near.reps] == [["shallow"], []]


def test_a_near_bent_leg_not_seen_is_not_blamed_on_the_lead_leg() -> None:
    """Side-on with the leg nearer the camera bent but not clearly seen (a close-up, poor light),
    the reason asks to keep that leg in the picture, not to lead with the other leg."""
    near, _ = synthetic.lunge(reps=2, view="side", sides=("right",), faults={0: ["shallow"]})
    legs = [L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX]
    for arr in (near.image, near.world):
        arr[:, legs, 3] = 0.3  # under the visibility a point needs to count as seen
    s = score_sequence(near, "lunge")
    assert len(s.reps) == 2 and all(r.view == "side" for r in s.reps)
    assert all(r.skipped["shallow"].startswith("Keep your bent leg in the picture") for r in s.reps)
