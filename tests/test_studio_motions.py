"""Unit tests of the studio's pure-numpy motions (no torch, anny or renderer needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import studio

from formcheck.definitions import load
from formcheck_studio.geometry import (
    Skeleton,
    align,
    angle_deg,
    fk_joints,
    hip_line_deg,
    rot_x,
    vector_angle_deg,
)
from formcheck_studio.motions import (
    EXERCISES,
    FAULTS,
    VARIANTS,
    Motion,
    MotionParams,
    bridge_line_side,
    clamshell_opening,
    leg_lift_deg,
    leg_spread_deg,
    make_motion,
    trunk_rise_deg,
)
from formcheck_studio.motions_all_fours import KNEES_BACK_DEG, thigh_angles
from formcheck_studio.truth import frame_angles, rep_metrics

SKEL = Skeleton()


def _truth(m: Motion) -> tuple[dict[str, np.ndarray], list[dict]]:
    frames = [fk_joints(SKEL, p, wrists=True) for p in m.poses]
    j3 = {k: np.stack([f[k] for f in frames]) for k in frames[0]}
    ant = np.stack([p.segment_rotation("pelvis") @ np.array([0.0, -1.0, 0.0]) for p in m.poses])
    angles = frame_angles(m.params.exercise, j3, ant)
    return j3, rep_metrics(m.params.exercise, m.reps, m.t, j3, angles)


def _frame(m: Motion, t: float) -> int:
    return int(np.argmin(np.abs(m.t - t)))


def test_align_and_angles() -> None:
    a, b = np.array([0.0, 0.0, 1.0]), np.array([1.0, 1.0, 0.0])
    r = align(a, b)
    assert np.allclose(r @ a, b / np.linalg.norm(b))
    assert np.allclose(r @ r.T, np.eye(3))
    assert angle_deg([0, 1], [0, 0], [1, 0]) == pytest.approx(90.0)
    # Hip past the shoulder-knee line on the front side reads above 180.
    assert hip_line_deg([0, 0], [1, 0.1], [2, 0], np.array([0, 1.0])) == pytest.approx(
        360 - angle_deg([0, 0], [1, 0.1], [2, 0])
    )
    assert hip_line_deg([0, 0], [1, -0.1], [2, 0], np.array([0, 1.0])) < 180
    assert rot_x(90) @ np.array([0, 0, 1.0]) == pytest.approx([0, -1, 0])


@pytest.mark.parametrize("depth", [85.0, 95.0])
def test_squat_reaches_depth_at_each_peak(depth: float) -> None:
    m = make_motion(MotionParams(exercise="squat", reps=3, depth=depth), SKEL)
    for r in m.reps:
        j = fk_joints(SKEL, m.poses[_frame(m, r.peak_s)])
        for s in ("left", "right"):
            k = angle_deg(j[f"{s}_hip"], j[f"{s}_knee"], j[f"{s}_ankle"])
            assert k == pytest.approx(depth, abs=0.05)
    # Standing straight before the first rep, feet on the floor.
    j0 = fk_joints(SKEL, m.poses[0])
    assert angle_deg(j0["left_hip"], j0["left_knee"], j0["left_ankle"]) > 178
    assert min(j0["left_heel"][2], j0["left_toe"][2]) == pytest.approx(
        j0["left_heel"][2] - SKEL.heel_l[2] + SKEL.sole_z, abs=0.03
    )


def test_rep_intervals_match_parameters() -> None:
    p = MotionParams(
        exercise="squat", reps=4, descent_s=1.2, ascent_s=1.8, hold_s=0.5, rest_s=0.7,
        lead_in_s=1.5, pause_after=2, pause_s=2.0, tail_s=1.0, fps=25,
    )
    m = make_motion(p, SKEL)
    starts = [r.start_s for r in m.reps]
    assert starts[0] == pytest.approx(1.5)
    per = 1.2 + 0.5 + 1.8
    assert np.diff(starts) == pytest.approx([per + 0.7, per + 0.7 + 2.0, per + 0.7])
    for r in m.reps:
        assert r.peak_start_s - r.start_s == pytest.approx(1.2)
        assert r.hold_s == pytest.approx(0.5)
        assert r.end_s - r.peak_end_s == pytest.approx(1.8)
    assert m.n_frames == round((m.reps[-1].end_s + 1.0) * 25)
    assert m.t[1] - m.t[0] == pytest.approx(1 / 25)


def test_squat_faults_apply_to_named_reps_only() -> None:
    faults = {"shallow": [2], "knees_past_toes": [3], "trunk_lean": [4], "knees_caving": [5],
              "heels_lifting": [6], "incomplete_lockout": [7], "too_fast": [8]}
    m = make_motion(MotionParams(exercise="squat", reps=9, faults=faults, fps=10), SKEL)
    _, reps = _truth(m)
    assert [r["index"] for r in reps] == list(range(1, 10))
    for r in reps:
        f, mt = r["faults"], r["metrics"]
        assert f == [k for k, v in faults.items() if r["index"] in v]
        assert (mt["knee_angle_min_deg"] >= 120) == ("shallow" in f)
        if "shallow" not in f:
            assert 80 <= mt["knee_angle_min_deg"] <= 90
        assert (mt["knee_ahead_of_toe_m"] >= 0.08) == ("knees_past_toes" in f)
        if "knees_past_toes" not in f and "heels_lifting" not in f:
            assert mt["knee_ahead_of_toe_m"] <= 0.0  # rising onto the toes tilts the shin a little
        assert (mt["trunk_lean_max_deg"] >= 50) == ("trunk_lean" in f)
        if "trunk_lean" not in f:
            assert mt["trunk_lean_max_deg"] <= 35
        assert (mt["knee_gap_m"] < mt["ankle_gap_m"] - 0.1) == ("knees_caving" in f)
        if "knees_caving" not in f:
            assert mt["knee_gap_m"] >= mt["ankle_gap_m"]
        assert (mt["heel_lift_m"] >= 0.04) == ("heels_lifting" in f)
        assert (mt["knee_angle_end_deg"] < 160) == ("incomplete_lockout" in f)
        assert mt["descent_s"] == pytest.approx(0.12 if "too_fast" in f else 1.5)


def test_narrow_stance_is_clip_wide() -> None:
    with pytest.raises(ValueError):
        make_motion(MotionParams(exercise="squat", reps=3, faults={"narrow_stance": [2]}))
    m = make_motion(MotionParams(exercise="squat", reps=2, faults={"narrow_stance": [1, 2]}))
    j = fk_joints(SKEL, m.poses[0])
    assert abs(j["left_ankle"][0] - j["right_ankle"][0]) < 0.16


def test_bridge_top_lines_and_holds() -> None:
    p = MotionParams(exercise="bridge", reps=4,
                     faults={"hips_low": [2], "overarch": [3], "short_hold": [4]}, fps=10)
    m = make_motion(p, SKEL)
    _, reps = _truth(m)
    for r, rp in zip(reps, m.reps, strict=True):
        side = bridge_line_side(SKEL, m.poses[_frame(m, rp.peak_s)])
        top3d = r["metrics"]["hip_line_max_deg"]
        if "hips_low" in r["faults"]:
            assert side == pytest.approx(150, abs=0.1) and top3d <= 155
        elif "overarch" in r["faults"]:
            assert side == pytest.approx(203, abs=0.1) and top3d >= 200
        else:
            assert side == pytest.approx(180, abs=0.1) and 175 <= top3d <= 185
        assert r["metrics"]["hold_s"] == pytest.approx(0.5 if "short_hold" in r["faults"] else 2.5)


def test_clamshell_faults() -> None:
    faults = {"feet_apart": [2], "pelvis_roll": [3], "small_opening": [4], "short_hold": [5]}
    p = MotionParams(exercise="clamshell", reps=6, side="left", faults=faults, fps=10)
    m = make_motion(p, SKEL)
    assert m.lying_side == "right"
    _, reps = _truth(m)
    for r, rp in zip(reps, m.reps, strict=True):
        f, mt = r["faults"], r["metrics"]
        assert r["side"] == "left"
        op = clamshell_opening(SKEL, m.poses[_frame(m, rp.peak_s)])
        if "small_opening" in f:
            assert op <= 15
        else:
            assert op >= 40
        assert (mt["ankle_gap_increase_m"] >= 0.12) == ("feet_apart" in f)
        assert (mt["pelvis_roll_max_deg"] >= 25) == ("pelvis_roll" in f)
        assert mt["hold_s"] == pytest.approx(0.2 if "short_hold" in f else 1.0)
    # Closed: knees and feet together.
    j = fk_joints(SKEL, m.poses[0])
    assert np.linalg.norm(j["left_ankle"] - j["right_ankle"]) < 0.12


def test_lead_ins_end_in_start_position() -> None:
    walk = make_motion(MotionParams(exercise="squat", reps=1, lead_in="walk_in", lead_in_s=3.0))
    still = make_motion(MotionParams(exercise="squat", reps=1, lead_in="still", lead_in_s=3.0))
    k = _frame(walk, 3.0)
    a, b = fk_joints(SKEL, walk.poses[k]), fk_joints(SKEL, still.poses[k])
    for n in a:
        assert np.allclose(a[n], b[n], atol=1e-9)
    # Walking: starts well behind the mark.
    assert fk_joints(SKEL, walk.poses[0])["left_hip"][1] > 1.0
    settle = make_motion(MotionParams(exercise="bridge", reps=1, lead_in="settle", lead_in_s=2))
    j0 = fk_joints(SKEL, settle.poses[0])
    assert angle_deg(j0["left_hip"], j0["left_knee"], j0["left_ankle"]) > 160


def test_deterministic_and_validates() -> None:
    p = MotionParams(exercise="clamshell", reps=2, faults={"pelvis_roll": [1]})
    a, b = make_motion(p), make_motion(p)
    assert all(np.array_equal(x.root, y.root) for x, y in zip(a.poses, b.poses, strict=True))
    with pytest.raises(ValueError):
        make_motion(MotionParams(exercise="bridge", faults={"shallow": [1]}))
    with pytest.raises(ValueError):
        make_motion(MotionParams(exercise="squat", reps=2, faults={"shallow": [3]}))
    assert set(FAULTS) == set(EXERCISES)


def test_studio_samples_go_to_the_checkouts_samples_folder(capsys: pytest.CaptureFixture[str]) -> None:
    """``formcheck studio samples`` with no ``--out`` writes the committed set: the checkout's
    own ``samples/`` (the studio lives in ``formcheck_studio/`` at the checkout's top)."""
    from formcheck_studio import cli

    assert Path(__file__).resolve().parents[1] / "samples" == cli._REPO / "samples"
    with pytest.raises(SystemExit):
        cli.main(["samples", "--help"])
    assert "--out" in capsys.readouterr().out


def test_studio_imports_without_heavy_deps() -> None:
    import subprocess
    import sys

    code = (
        "import sys, formcheck_studio.cli, formcheck_studio.catalog, formcheck_studio.truth, "
        "formcheck_studio.render, formcheck_studio.body; "
        "bad = [m for m in ('torch', 'anny', 'pyrender', 'trimesh') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- the hip set

ADDED = ("hip_abduction", "side_leg_raise", "marching_bridge", "lateral_walk", "donkey_kick", "fire_hydrant")


CLIP_WIDE = {"narrow_stance"}  # a stance is planted on every rep or none (see below)


def _each_fault(ex: str, side: str) -> Motion:
    """A clip of ``ex``: a clean rep, then each fault alone on its own rep, then a clean one."""
    names = sorted(set(FAULTS[ex]) - CLIP_WIDE)
    faults = {f: [i + 2] for i, f in enumerate(names)}
    return make_motion(MotionParams(exercise=ex, reps=len(names) + 2, side=side, faults=faults, fps=10), SKEL)


@pytest.mark.parametrize("ex", ADDED)
def test_faults_are_the_checks_codes(ex: str) -> None:
    """The studio plants exactly the faults formcheck checks for the exercise."""
    assert set(FAULTS[ex]) == {c.code for c in load(ex).checks}


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("ex", ADDED)
def test_planted_faults_are_well_past_their_limits(ex: str, side: str) -> None:
    """Each check's truth metric is well past its limit on the rep with the fault and well inside
    it on every other rep (a fault on the limit is a coin toss: it tests nothing)."""
    m = _each_fault(ex, side)
    _, reps = _truth(m)
    checks = [c for c in load(ex).checks if c.relative_to is None]
    assert checks
    for c in checks:
        for r in reps:
            v = r["metrics"][c.metric]
            past = v - c.threshold if c.fault_when == "above" else c.threshold - v
            margin = 0.3 * abs(c.threshold) if c.threshold else 2.0
            if c.code in r["faults"]:
                assert past >= margin, (c.code, r["index"], v)
            else:
                assert past <= -margin, (c.code, r["index"], v)
    # Relative checks (the hold): short on its rep only.
    for r, plan in zip(reps, m.reps, strict=True):
        assert r["metrics"]["hold_s"] == pytest.approx(plan.hold_s)
        if "short_hold" in FAULTS[ex]:
            assert (plan.hold_s < 0.5 * m.params.value("hold_s")) == ("short_hold" in r["faults"])


@pytest.mark.parametrize("side", ["left", "right"])
def test_hip_abduction(side: str) -> None:
    m = _each_fault("hip_abduction", side)
    j3, reps = _truth(m)
    other = "right" if side == "left" else "left"
    for r, plan in zip(reps, m.reps, strict=True):
        assert r["side"] == side
        assert r["metrics"]["leg_angle_max_deg"] == pytest.approx(40.0, abs=0.5)
        pk = fk_joints(SKEL, m.poses[_frame(m, plan.peak_s)])
        assert leg_spread_deg(pk) == pytest.approx(40.0, abs=0.5)
        # The working foot is the one off the floor.
        assert pk[f"{side}_ankle"][2] - pk[f"{other}_ankle"][2] > 0.05
    # Feet together at rest (a few degrees below zero), the standing foot never moves.
    assert -6.0 < leg_spread_deg(fk_joints(SKEL, m.poses[0])) < 0.0
    assert np.ptp(j3[f"{other}_ankle"], axis=0).max() < 1e-9


@pytest.mark.parametrize("side", ["left", "right"])
def test_side_leg_raise(side: str) -> None:
    m = _each_fault("side_leg_raise", side)
    assert m.lying_side == ("left" if side == "right" else "right")
    _, reps = _truth(m)
    d = load("side_leg_raise")
    j0 = fk_joints(SKEL, m.poses[0])
    # The working leg is the top one, resting with its foot on the floor (as low as the bottom
    # foot), well below level.
    assert j0[f"{side}_hip"][2] > j0[f"{'left' if side == 'right' else 'right'}_hip"][2] + 0.15
    rest = leg_lift_deg(j0[f"{side}_hip"], j0[f"{side}_ankle"])
    assert rest < -20.0
    for r in reps:
        assert r["side"] == side
        # Every rep, the low lift too, rises far enough from rest to be counted.
        rise = r["metrics"]["leg_lift_top_deg"] - r["metrics"]["leg_lift_rest_deg"]
        assert rise >= d.counting.min_excursion + 1.0
        if "low_lift" not in r["faults"]:
            assert r["metrics"]["leg_lift_top_deg"] >= 8.0


@pytest.mark.parametrize("first", ["left", "right"])
def test_marching_bridge_steps(first: str) -> None:
    m = make_motion(MotionParams(exercise="marching_bridge", reps=5, side=first,
                                 faults={"hips_drop": [4]}, fps=10), SKEL)
    j3, reps = _truth(m)
    other = "right" if first == "left" else "left"
    assert [r["side"] for r in reps] == [first, other, first, other, first]
    for r, plan in zip(reps, m.reps, strict=True):
        assert r["metrics"]["foot_lift_m"] == pytest.approx(0.10, abs=1e-6)
        i = np.flatnonzero((m.t >= plan.start_s) & (m.t <= plan.end_s))
        still = "right" if r["side"] == "left" else "left"
        assert np.ptp(j3[f"{still}_ankle"][i], axis=0).max() < 1e-6  # the other foot stays down
        # Hips up through every step, the drop included (the checker's hips-up rule is 8 deg).
        assert min(trunk_rise_deg({k: v[n] for k, v in j3.items()}) for n in i) >= 9.0
    # Lying flat before the bridge and after it.
    for k in (0, -1):
        assert trunk_rise_deg(fk_joints(SKEL, m.poses[k])) < 0.0


@pytest.mark.parametrize("first", ["left", "right"])
def test_lateral_walk_steps(first: str) -> None:
    m = make_motion(MotionParams(exercise="lateral_walk", reps=5, side=first,
                                 faults={"feet_together": [2]}, fps=10), SKEL)
    j3, reps = _truth(m)
    back = "right" if first == "left" else "left"
    assert [r["side"] for r in reps] == [first, first, first, back, back]
    hips = 0.5 * (j3["left_hip"][:, 0] + j3["right_hip"][:, 0])
    for r, plan in zip(reps, m.reps, strict=True):
        # The hips go the step's way (the person's left is +X).
        moved = hips[_frame(m, plan.end_s)] - hips[_frame(m, plan.start_s)]
        assert moved * (1 if r["side"] == "left" else -1) > 0.15
        assert r["metrics"]["stance_max_pct"] > 55.0
    # Feet on the floor between steps, legs straight standing.
    j0 = fk_joints(SKEL, m.poses[0])
    assert angle_deg(j0["left_hip"], j0["left_knee"], j0["left_ankle"]) > 170
    assert j3["left_ankle"][:, 2].min() == pytest.approx(j0["left_ankle"][2], abs=1e-6)


# --------------------------------------------------------------------------- hip hinge, lunge

STANDING_ADDED = ("hip_hinge", "lunge")


def _past(check, value: float, rx: dict[str, float]) -> float:  # type: ignore[no-untyped-def]
    """How far ``value`` lies past the check's limit under prescription ``rx`` (negative: inside)."""
    lim = check.limit(rx)
    return value - lim if check.fault_when == "above" else lim - value


@pytest.mark.parametrize("ex", STANDING_ADDED)
def test_standing_faults_are_the_checks_codes(ex: str) -> None:
    """Every check the studio can plant is one of the exercise's checks, and every check is
    planted in the exercise or one of its variants (the lunge's ``straight_leg_bent`` in the side
    lunge only)."""
    codes = {c.code for c in load(ex).checks}
    variants = {f for v in VARIANTS.get(ex, {}).values() for f in v}
    assert set(FAULTS[ex]) | variants <= codes
    assert codes == set(FAULTS[ex]) | variants


# Prescriptions under which every planted check is active (the hinge's depth and the lunge's
# hold are checked only when prescribed), as the robustness sweep scores them.
_RX = {"hip_hinge": {"min_hinge_deg": 80.0}, "lunge": {"hold_s": 0.6}}
# Margins past the limit (units of each metric) a planted fault must clear and a clean rep
# must stay inside by: a fault on the limit is a coin toss for any measurement.
_MARGIN = {"squatting": 20.0, "shallow": 10.0, "knee_past_toes": 0.1, "trunk_lean": 10.0,
           "knee_caving": 0.08, "narrow_stance": 0.08}  # fmt: skip


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("ex", STANDING_ADDED)
def test_standing_planted_faults_well_past_their_limits(ex: str, side: str) -> None:
    m = _each_fault(ex, side)
    _, reps = _truth(m)
    d = load(ex)
    rx = {**d.prescription, **_RX[ex]}
    checks = [c for c in d.checks if c.code in FAULTS[ex] and c.code != "short_hold"]
    assert checks
    for c in checks:
        for r in reps:
            past = _past(c, r["metrics"][c.metric], rx)
            if c.code in r["faults"]:
                assert past >= _MARGIN[c.code], (c.code, r["index"], r["metrics"][c.metric])
            else:
                assert past <= -_MARGIN[c.code], (c.code, r["index"], r["metrics"][c.metric])
    for r, plan in zip(reps, m.reps, strict=True):
        assert r["metrics"]["hold_s"] == pytest.approx(plan.hold_s)
        if "short_hold" in FAULTS[ex]:
            assert (plan.hold_s < 0.5 * m.params.value("hold_s")) == ("short_hold" in r["faults"])


def test_hip_hinge_narrow_stance_is_planted_on_every_rep_past_its_limit() -> None:
    check = next(c for c in load("hip_hinge").checks if c.code == "narrow_stance")
    p = MotionParams(exercise="hip_hinge", reps=2, faults={"narrow_stance": [1, 2]}, fps=10)
    narrow = make_motion(p, SKEL)
    _, reps = _truth(narrow)
    assert all(_past(check, r["metrics"]["stance_ratio"], {}) >= _MARGIN["narrow_stance"] for r in reps)
    with pytest.raises(ValueError, match="clip-wide"):
        MotionParams(exercise="hip_hinge", reps=2, faults={"narrow_stance": [1]}).validate()


def test_hip_hinge_counts_and_stays_on_its_feet() -> None:
    m = _each_fault("hip_hinge", "right")
    j3, reps = _truth(m)
    d = load("hip_hinge")
    for r in reps:
        assert r["side"] is None
        # Every rep hinges far enough from standing to be counted.
        assert r["metrics"]["hinge_max_deg"] >= d.counting.min_excursion + 10.0
        if "shallow" not in r["faults"]:
            assert r["metrics"]["trunk_lean_max_deg"] >= 75.0
    # Both feet flat and still; standing straight before the first rep.
    for k in ("left_ankle", "right_ankle", "left_toe", "right_heel"):
        assert np.ptp(j3[k], axis=0).max() < 1e-9
    j0 = fk_joints(SKEL, m.poses[0])
    assert angle_deg(j0["left_hip"], j0["left_knee"], j0["left_ankle"]) > 175
    # Hips back at the bottom of a clean hinge: behind the ankles by a hand's width or more.
    pk = fk_joints(SKEL, m.poses[_frame(m, m.reps[0].peak_s)])
    assert pk["left_hip"][1] - pk["left_ankle"][1] > 0.1


@pytest.mark.parametrize("first", ["left", "right"])
def test_lunge_legs_take_turns_front_foot_planted(first: str) -> None:
    m = _each_fault("lunge", first)
    j3, reps = _truth(m)
    other = "right" if first == "left" else "left"
    assert [r["side"] for r in reps] == [first, other] * (len(reps) // 2) + [first] * (len(reps) % 2)
    d = load("lunge")
    floor = min(float(j3[k][:, 2].min()) for k in j3)
    for r, plan in zip(reps, m.reps, strict=True):
        i = np.flatnonzero((m.t >= plan.start_s) & (m.t <= plan.end_s))
        f, b = r["side"], ("right" if r["side"] == "left" else "left")
        # The working leg's foot never moves; the other steps back and lifts its heel.
        assert np.ptp(j3[f"{f}_ankle"][i], axis=0).max() < 1e-9
        pk = fk_joints(SKEL, m.poses[_frame(m, plan.peak_s)])
        assert pk[f"{b}_ankle"][1] - pk[f"{f}_ankle"][1] > 0.45
        assert pk[f"{b}_heel"][2] > pk[f"{f}_heel"][2] + 0.03
        # Deep enough to be counted (the hips drop well past the count's least).
        assert 100.0 - r["metrics"]["hip_height_min_pct"] >= d.counting.min_excursion + 4.0
        # The back knee lowers toward the floor, never into it.
        assert r["metrics"]["back_knee_min_deg"] < 150.5
        assert float(j3[f"{b}_knee"][i, 2].min()) > floor + 0.03
        if not set(r["faults"]) & {"shallow", "knee_past_toes"}:
            assert r["metrics"]["knee_min_deg"] == pytest.approx(90.0, abs=1.0)
    # Standing with the feet together before the first rep, knees straight (soft: about 175).
    j0 = fk_joints(SKEL, m.poses[0])
    assert angle_deg(j0["left_hip"], j0["left_knee"], j0["left_ankle"]) > 170
    assert abs(j0["left_ankle"][1] - j0["right_ankle"][1]) < 1e-9
# --------------------------------------------------------------------------- on hands and knees


def _rest_offsets(j: dict[str, np.ndarray]) -> list[float]:
    """Each arm (shoulder to wrist) and thigh (hip to knee) from straight down, deg."""
    return [
        vector_angle_deg(j[f"{s}_{b}"] - j[f"{s}_{a}"], np.array([0.0, 0.0, -1.0]))
        for s in ("left", "right")
        for a, b in (("shoulder", "wrist"), ("hip", "knee"))
    ]


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("ex", ["donkey_kick", "fire_hydrant"])
def test_all_fours(ex: str, side: str) -> None:
    m = _each_fault(ex, side)
    j3, reps = _truth(m)
    other = "right" if side == "left" else "left"
    # The start: wrists under the shoulders, knees under the hips, knees bent 90 deg, the trunk
    # near level (the shoulders a little higher: the arms are longer than the thighs).
    j0 = {k: v[0] for k, v in j3.items()}
    assert max(_rest_offsets(j0)) < 0.5
    for s in ("left", "right"):
        assert angle_deg(j0[f"{s}_hip"], j0[f"{s}_knee"], j0[f"{s}_ankle"]) == pytest.approx(90.0, abs=0.5)
    sh = 0.5 * (j0["left_shoulder"] + j0["right_shoulder"])
    hp = 0.5 * (j0["left_hip"] + j0["right_hip"])
    assert abs(np.degrees(np.arctan2(sh[2] - hp[2], sh[1] - hp[1]))) < 12.0
    # The working knee stays bent 90 deg; the standing knee stays on the floor, where it knelt,
    # and the hands stay flat on the floor.
    for n in range(m.n_frames):
        j = {k: v[n] for k, v in j3.items()}
        bend = angle_deg(j[f"{side}_hip"], j[f"{side}_knee"], j[f"{side}_ankle"])
        assert bend == pytest.approx(90.0, abs=0.5)
    assert np.ptp(j3[f"{other}_knee"][:, [0, 2]], axis=0).max() < 1e-9
    assert np.ptp(j3["left_wrist"][:, 2]) < 1e-9
    across = "out" if ex == "donkey_kick" else "back"
    depth = m.params.value("depth")
    for r, plan in zip(reps, m.reps, strict=True):
        assert r["side"] == side
        mt = r["metrics"]
        assert mt["lift_max_deg"] - mt["lift_rest_deg"] >= load(ex).counting.min_excursion + 20.0
        pk = _frame(m, plan.peak_s)
        # The other reading hardly moves: a kick is not a lift to the side, nor a lift a kick.
        i0 = _frame(m, plan.start_s)
        assert abs(m_angle(j3, side, across, pk) - m_angle(j3, side, across, i0)) < 5.0
        if "low_back_arch" not in r["faults"]:
            assert mt["lift_max_deg"] == pytest.approx(depth, abs=0.5)
        # The working thigh moves, the other hangs straight under its hip (but for a shift, or
        # the knees set back with a faulty start).
        hang = vector_angle_deg(j3[f"{other}_knee"][pk] - j3[f"{other}_hip"][pk], np.array([0.0, 0.0, -1.0]))
        if "hip_shift" in r["faults"]:
            assert hang > 20.0
        else:
            assert hang == pytest.approx(KNEES_BACK_DEG if "start_position" in r["faults"] else 0.0, abs=0.5)


def m_angle(j3: dict[str, np.ndarray], side: str, move: str, i: int) -> float:
    back, out = thigh_angles({k: v[i : i + 1] for k, v in j3.items()}, side)
    return float((back if move == "back" else out)[0])


def test_faulty_start_holds_through_the_rest_before_its_rep() -> None:
    p = MotionParams(exercise="donkey_kick", reps=3, faults={"start_position": [2]}, fps=10)
    m = make_motion(p, SKEL)
    j3, _ = _truth(m)
    r1, r2, r3 = m.reps
    at = {k: {n: v[_frame(m, t)] for n, v in j3.items()} for k, t in (
        ("before", 0.5 * (r1.end_s + r2.start_s) + 0.3), ("during", r2.peak_s),
        ("after", r3.start_s - 0.1), ("first", r1.start_s))}
    assert max(_rest_offsets(at["before"])) > 55.0 and max(_rest_offsets(at["during"])) > 55.0
    assert max(_rest_offsets(at["after"])) < 0.5 and max(_rest_offsets(at["first"])) < 0.5


# --------------------------------------------------------------------------- side lunge


def _side_lunges(first: str) -> Motion:
    p = MotionParams(exercise="lunge", variant="side", reps=4, side=first,
                     faults={"straight_leg_bent": [3]}, fps=10)  # fmt: skip
    return make_motion(p, SKEL)


def test_side_lunge_faults_only_in_the_side_variant() -> None:
    with pytest.raises(ValueError, match="straight_leg_bent"):
        MotionParams(exercise="lunge", reps=2, faults={"straight_leg_bent": [1]}).validate()
    with pytest.raises(ValueError, match="shallow"):
        MotionParams(exercise="lunge", variant="side", reps=2, faults={"shallow": [1]}).validate()
    with pytest.raises(ValueError, match="variant"):
        MotionParams(exercise="squat", variant="side").validate()


@pytest.mark.parametrize("first", ["left", "right"])
def test_side_lunge_bent_leg_well_past_the_limit_clean_well_inside(first: str) -> None:
    m = _side_lunges(first)
    j3, reps = _truth(m)
    d = load("lunge")
    check = next(c for c in d.checks if c.code == "straight_leg_bent")
    rx = dict(d.prescription)
    other = "right" if first == "left" else "left"
    assert [r["side"] for r in reps] == [first, other, first, other]
    for r, plan in zip(reps, m.reps, strict=True):
        mt = r["metrics"]
        past = _past(check, mt[check.metric], rx)
        if "straight_leg_bent" in r["faults"]:
            assert past >= 25.0, mt  # twice the limit: 60 deg
        else:
            assert past <= -25.0, mt  # the other leg straight: under 5 deg
        # A side lunge as the checker knows one: the feet over 1.5 shoulder widths apart, deep
        # enough (working knee at 90, well inside the shallow limit of 115) to be counted.
        assert mt["stance_ratio"] > 2.0
        assert mt["knee_min_deg"] == pytest.approx(90.0, abs=1.0)
        assert 100.0 - mt["hip_height_min_pct"] >= d.counting.min_excursion + 10.0
        # Both feet stay flat where they stood; the hips go toward the bent leg, back and down.
        i = np.flatnonzero((m.t >= plan.start_s) & (m.t <= plan.end_s))
        for k in ("left_ankle", "right_ankle", "left_toe", "right_heel"):
            assert np.ptp(j3[k][i], axis=0).max() < 1e-9
        pk = _frame(m, plan.peak_s)
        hip = 0.5 * (j3["left_hip"][pk] + j3["right_hip"][pk])
        toward = 1.0 if r["side"] == "left" else -1.0  # the left side is toward +X
        assert toward * hip[0] > 0.05
        assert hip[1] - j3["left_ankle"][pk][1] > 0.1
        # The working knee over its foot across the body, not caving in.
        assert abs(mt["knee_inside"]) < 0.05
    j0 = fk_joints(SKEL, m.poses[0])
    for s in ("left", "right"):
        assert angle_deg(j0[f"{s}_hip"], j0[f"{s}_knee"], j0[f"{s}_ankle"]) > 170


@studio
@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--exercise", "hip_hinge", "--rx", "min_hinge=80"], "Unknown prescription value 'min_hinge'"),
        (["--exercise", "hip_hinge", "--rx", "min_hinge_deg=lots"], "expected a number, got 'lots'"),
        (["--exercise", "squat", "--fault", "nope=1"], "unknown squat fault 'nope'"),
    ],
)
def test_studio_render_refuses_a_bad_value_in_one_sentence(args: list[str], says: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Before rendering anything: a mistyped prescription name used to fail only when the clip
    was scored, and a bad value or fault ended in a traceback."""
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "formcheck", "studio", "render", *args, "--name", "x"]
    cmd += ["--out", str(tmp_path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert says in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert not list(tmp_path.iterdir())
