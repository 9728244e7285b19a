"""Unit tests of the studio's held stretches (pure numpy: no torch, anny or renderer needed):
the kneeling hip flexor stretch and the double hip rotation, their holds and planted faults."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.definitions import load
from formcheck_studio.catalog import CATALOG, _summary
from formcheck_studio.geometry import Skeleton, fk_joints
from formcheck_studio.motions import FAULTS, Motion, MotionParams, make_motion
from formcheck_studio.motions_holds import (
    HOLDS,
    knee_drop_deg,
    kneeling_in_position,
    knees_down_in_position,
)
from formcheck_studio.truth import frame_angles, rep_metrics

SKEL = Skeleton()
RX_HOLD_S = 7.0  # the samples' prescribed hold


def _truth(m: Motion) -> tuple[dict[str, np.ndarray], list[dict]]:  # type: ignore[type-arg]
    frames = [fk_joints(SKEL, p) for p in m.poses]
    j3 = {k: np.stack([f[k] for f in frames]) for k in frames[0]}
    ant = np.stack([p.segment_rotation("pelvis") @ np.array([0.0, -1.0, 0.0]) for p in m.poses])
    angles = frame_angles(m.params.exercise, j3, ant)
    return j3, rep_metrics(m.params.exercise, m.reps, m.t, j3, angles)


def _each_fault(ex: str, side: str) -> Motion:
    """A clean hold, then each fault alone on its own hold, then a clean one."""
    names = sorted(FAULTS[ex])
    faults = {f: [i + 2] for i, f in enumerate(names)}
    return make_motion(MotionParams(exercise=ex, reps=len(names) + 2, side=side, faults=faults, fps=10), SKEL)


@pytest.mark.parametrize("ex", HOLDS)
def test_faults_are_the_checks_codes(ex: str) -> None:
    assert set(FAULTS[ex]) == {c.code for c in load(ex).checks}
    assert load(ex).counting.mode == "hold"


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("ex", HOLDS)
def test_planted_faults_are_well_past_their_limits(ex: str, side: str) -> None:
    """Each check's truth metric (median over the hold, as the checker takes it) is well past
    its limit on the hold with the fault and well inside it on every other hold; the short hold
    is well under the prescription yet long enough to count, the others over it."""
    m = _each_fault(ex, side)
    _, reps = _truth(m)
    d = load(ex)
    rx = {**d.prescription, "hold_s": RX_HOLD_S}
    for c in d.checks:
        if c.code == "short_hold":
            continue
        limit = c.threshold + (float(rx[c.relative_to]) if c.relative_to else 0.0)
        for r in reps:
            v = r["metrics"][c.metric]
            past = v - limit if c.fault_when == "above" else limit - v
            if c.code in r["faults"]:
                assert past >= 0.3 * c.threshold or past >= 10.0, (c.code, r["index"], v)
            else:
                assert past <= -10.0, (c.code, r["index"], v)
    for r in reps:
        held = r["metrics"]["hold_s"]
        if "short_hold" in r["faults"]:
            assert d.counting.min_hold_s + 1.0 <= held <= 0.6 * RX_HOLD_S, held
        else:
            assert held >= RX_HOLD_S + 1.0, (r["index"], held)
        # In the position only around the still hold: in by its start, out by its end.
        assert r["metrics"]["in_position_start_s"] <= r["hold_start_s"]
        assert r["metrics"]["in_position_end_s"] >= r["hold_end_s"]


@pytest.mark.parametrize("side", ["left", "right"])
def test_hip_flexor_stretch_holds(side: str) -> None:
    m = _each_fault("hip_flexor_stretch", side)
    j3, reps = _truth(m)
    other = "right" if side == "left" else "left"
    assert [r["side"] for r in reps] == [side, other, side, other, side]
    # Tall kneeling (both knees down) at the start, between holds and at the end: not the
    # stretch's position.
    for t in (0.0, *(0.5 * (a.end_s + b.start_s) for a, b in zip(m.reps, m.reps[1:], strict=False)), m.t[-1]):
        j = fk_joints(SKEL, m.poses[int(np.argmin(np.abs(m.t - t)))])
        assert not kneeling_in_position(j)
        assert abs(j["left_knee"][2] - j["right_knee"][2]) < 1e-6
    for r, plan in zip(reps, m.reps, strict=True):
        j = fk_joints(SKEL, m.poses[int(np.argmin(np.abs(m.t - plan.peak_s)))])
        assert kneeling_in_position(j)
        # The kneeling leg is the hold's side: its knee is the lower one.
        front = "right" if r["side"] == "left" else "left"
        assert j[f"{front}_knee"][2] - j[f"{r['side']}_knee"][2] > 0.3
        if "front_knee" not in r["faults"]:
            assert r["metrics"]["front_knee_deg"] == pytest.approx(90.0, abs=1.0)
    # Nothing goes through the floor, and the kneeling knees stay on it.
    low = min(float(v[:, 2].min()) for v in j3.values())
    assert low > 0.0
    assert min(j3["left_knee"][:, 2].min(), j3["right_knee"][:, 2].min()) < 0.06


@pytest.mark.parametrize("side", ["left", "right"])
def test_double_hip_rotation_holds(side: str) -> None:
    m = _each_fault("double_hip_rotation", side)
    j3, reps = _truth(m)
    other = "right" if side == "left" else "left"
    assert [r["side"] for r in reps] == [side, other, side, other]
    assert not knees_down_in_position(fk_joints(SKEL, m.poses[0]))
    for r, plan in zip(reps, m.reps, strict=True):
        j = fk_joints(SKEL, m.poses[int(np.argmin(np.abs(m.t - plan.peak_s)))])
        assert knees_down_in_position(j)
        # Signed + toward the person's left, as the checker's side.
        assert (knee_drop_deg(j) > 0) == (r["side"] == "left")
        assert r["metrics"]["knee_drop_deg"] == pytest.approx(m.params.value("depth"), abs=3.0)
        # Clean holds: both shoulders stay on the floor.
        lifted = abs(j["left_shoulder"][2] - j["right_shoulder"][2])
        assert (lifted > 0.15) == ("shoulders_lift" in r["faults"])
    assert min(float(v[:, 2].min()) for v in j3.values()) > -0.01


@pytest.mark.parametrize("ex", HOLDS)
def test_hold_samples_are_short_and_prescribed(ex: str) -> None:
    """The catalog's samples of a held stretch are under 25 s, carry the prescription they are
    judged by, plant only faults their view can check, and between them plant every fault
    checkable from their views and a clean hold."""
    checks = {c.code: c for c in load(ex).checks}
    clips = [c for c in CATALOG if _summary(c)[0] == ex]
    assert clips
    planted: set[str] = set()
    checkable: set[str] = set()
    clean = 0
    for c in clips:
        _, view, _, faults, seconds = _summary(c)
        assert seconds < 25.0, c.name
        assert float(c.args[c.args.index("--rx-hold") + 1]) == RX_HOLD_S
        here = {f for fs in faults for f in fs}
        assert all(view in checks[f].views for f in here), (c.name, here)
        planted |= here
        checkable |= {code for code, chk in checks.items() if view in chk.views}
        clean += sum(not fs for fs in faults)
    assert planted == checkable
    assert clean >= 1
