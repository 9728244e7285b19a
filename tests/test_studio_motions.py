"""Unit tests of the studio's pure-numpy motions (no torch, anny or renderer needed)."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.studio.geometry import (
    Skeleton,
    align,
    angle_deg,
    fk_joints,
    hip_line_deg,
    rot_x,
)
from formcheck.studio.motions import (
    FAULTS,
    Motion,
    MotionParams,
    bridge_line_side,
    clamshell_opening,
    make_motion,
)
from formcheck.studio.truth import frame_angles, rep_metrics

SKEL = Skeleton()


def _truth(m: Motion) -> tuple[dict[str, np.ndarray], list[dict]]:
    frames = [fk_joints(SKEL, p) for p in m.poses]
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
              "heels_lifting": [6], "incomplete_lockout": [7]}
    m = make_motion(MotionParams(exercise="squat", reps=8, faults=faults, fps=10), SKEL)
    _, reps = _truth(m)
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
    assert set(FAULTS) == {"squat", "bridge", "clamshell"}


def test_studio_imports_without_heavy_deps() -> None:
    import subprocess
    import sys

    code = (
        "import sys, formcheck.studio.cli, formcheck.studio.catalog, formcheck.studio.truth, "
        "formcheck.studio.render, formcheck.studio.body; "
        "bad = [m for m in ('torch', 'anny', 'pyrender', 'trimesh') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
