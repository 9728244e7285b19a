"""The studio robustness sweep (benchmarks/robustness.py): its grid, and its small slice run
through the whole pipeline. Rendering needs the studio extra (torch, anny, pyrender); those
tests are skipped without it. Renders are cached in ~/.cache/formcheck/robustness (or
$FORMCHECK_ROBUSTNESS_CACHE), so only the first run renders."""

from __future__ import annotations

import argparse
import sys
from functools import cache
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import robustness
from conftest import studio

from formcheck_studio.args import add_render_args, params
from formcheck_studio.motions import FAULTS


def test_full_grid_covers_every_camera_body_tempo_and_fault() -> None:
    cells = robustness.grid("full")
    assert len(cells) == len(set(cells)) == 240
    assert len({c.key for c in cells}) == 240
    for ex in ("squat", "bridge", "clamshell"):
        mine = [c for c in cells if c.exercise == ex]
        planted = {f for c in mine for f in c.faults()}
        assert planted == set(FAULTS[ex]), ex
        for h in robustness.HEIGHTS:
            for y in robustness.YAWS:
                cam = [c for c in mine if (c.height, c.yaw, c.framing) == (h, y, "whole")]
                assert {c.body for c in cam} == set(robustness.BODIES)
                assert {c.tempo for c in cam} == {"slow", "quick"}
        assert {c.framing for c in mine} == set(robustness.FRAMINGS)


@pytest.mark.parametrize("ex", ["donkey_kick", "fire_hydrant"])
def test_exercises_outside_the_default_sweep_have_their_grid(ex: str) -> None:
    """``--exercise donkey_kick`` (not in the default sweep): the same 80 cameras, every fault."""
    cells = robustness.grid("full", [ex])
    assert len(cells) == 80 and {c.exercise for c in cells} == {ex}
    assert {f for c in cells for f in c.faults()} == set(FAULTS[ex])
    assert ex in robustness.TEMPOS and ex not in robustness.SWEPT
    for c in cells[:4]:
        p = argparse.ArgumentParser()
        add_render_args(p)
        mp, _ = params(p.parse_args(c.args()))
        assert mp.exercise == ex
        if not any(len(v) == mp.reps for v in mp.faults.values()):  # not clip-wide
            assert mp.rep_faults(2) == []


def test_cells_are_valid_studio_commands() -> None:
    for c in robustness.grid("full") + robustness.grid("small"):
        p = argparse.ArgumentParser()
        add_render_args(p)
        mp, rp = params(p.parse_args(c.args()))
        assert mp.reps == 3 and rp.yaw == c.yaw and rp.framing == c.framing  # type: ignore[attr-defined]
        # Every clip has a clean rep unless a fault is clip-wide.
        if not any(len(v) == mp.reps for v in mp.faults.values()):
            assert mp.rep_faults(2) == []


@pytest.mark.parametrize("ex", ["hip_hinge", "lunge"])
def test_hinge_and_lunge_grids_plant_every_studio_fault(ex: str) -> None:
    """Outside the default sweep, but ``--exercise hip_hinge`` / ``lunge`` make full grids whose
    cells are valid studio commands, planting every fault the studio renders, each under a
    prescription that makes its check active."""
    from formcheck.definitions import load

    cells = robustness.grid("full", [ex])
    assert len(cells) == len({c.key for c in cells}) == 80
    assert {f for c in cells for f in c.faults()} == set(FAULTS[ex])
    d = load(ex).with_prescription(robustness.PRESCRIPTIONS[ex])
    active = {c.code for c in d.checks if c.active(d.prescription)}
    assert set(FAULTS[ex]) <= active
    for c in cells:
        p = argparse.ArgumentParser()
        add_render_args(p)
        mp, _ = params(p.parse_args(c.args()))
        assert mp.exercise == ex
        if not any(len(v) == mp.reps for v in mp.faults.values()):  # not clip-wide
            assert mp.rep_faults(2) == []


# Cells of the small slice where a check that declares itself valid flags a clean rep, with
# what it measured (filled from the sweep's findings; thresholds are not tuned to pass).
KNOWN_FALSE_FAULTS: dict[str, str] = {}


def _cell_id(c: robustness.Cell) -> str:
    return f"{c.exercise}-{c.height}-{c.yaw}-{c.framing}"


SMALL = robustness.grid("small")


@cache
def _result(cell: robustness.Cell) -> robustness.CellResult:
    return robustness.score_cell(cell)


def _marks(cell: robustness.Cell) -> list[pytest.MarkDecorator]:
    reason = KNOWN_FALSE_FAULTS.get(_cell_id(cell))
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


@studio
@pytest.mark.e2e
@pytest.mark.parametrize("cell", SMALL, ids=[_cell_id(c) for c in SMALL])
def test_small_slice_cell_runs(cell: robustness.Cell) -> None:
    r = _result(cell)
    assert r.error is None, r.error
    assert r.expected == 3
    assert r.scored_reps >= 1
    assert robustness.row(r)  # printable


@studio
@pytest.mark.e2e
@pytest.mark.parametrize(
    "cell", [pytest.param(c, marks=_marks(c)) for c in SMALL], ids=[_cell_id(c) for c in SMALL]
)
def test_valid_checks_flag_no_clean_rep(cell: robustness.Cell) -> None:
    """Wherever a check says it is valid, it must be right: no fault on a clean rep."""
    r = _result(cell)
    assert r.error is None, r.error
    wrong = [w for w in r.wrong if w["verdict"].startswith("false") and not w["truth_faults"]]
    assert not wrong, "\n".join(
        f"rep {w['rep']}: {w['check']} {w['metric']} {w['value']} (limit {w['limit']}), "
        f"truth {w['truth_metric']} {w['truth']}"
        for w in wrong
    )


@studio
@pytest.mark.e2e
@pytest.mark.parametrize("cell", SMALL, ids=[_cell_id(c) for c in SMALL])
def test_valid_checks_miss_no_fault_and_read_within_their_stated_error(cell: robustness.Cell) -> None:
    """Wherever a check says it is valid, it finds the planted fault, and its angle is as far
    from the truth as its stated error for the rep's view allows (the TOML's ``error``)."""
    r = _result(cell)
    assert r.error is None, r.error
    assert not r.missed, r.missed
    assert not r.beyond, (r.beyond, r.metric_err, r.metric_view)


@studio
@pytest.mark.e2e
def test_a_number_beyond_its_stated_error_is_counted(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The count the sweep keeps against the stated error can fail: with every stated error
    cut to a tenth of a degree, the squat cell's knee angles are beyond it."""
    from formcheck.definitions import Check

    cell = next(c for c in SMALL if c.exercise == "squat")
    assert not robustness.score_cell(cell).beyond
    monkeypatch.setattr(Check, "stated_error", lambda self, view: 0.1 - 0.5)
    assert robustness.score_cell(cell).beyond.get("shallow", 0) >= 1


def test_heel_lift_truth_is_the_foot_pitch_from_the_start_to_the_bottom() -> None:
    """The squat's heel check reads the foot's tilt at the bottom against its tilt at rest, so
    its truth does too: a heel raised 0.1 m on a 0.25 m foot is a 23.6 deg lift."""
    heel0, toe0 = [0.0, 0.0, 0.03], [0.0, -0.25, 0.03]
    up = 0.1
    heel1 = [0.0, -(0.25 - (0.25**2 - up**2) ** 0.5), 0.03 + up]
    frames = {"t_s": [0.0, 1.0], "joints3d": {
        "left_heel": [heel0, heel1], "right_heel": [heel0, heel1],
        "left_toe": [toe0, toe0], "right_toe": [toe0, toe0],
    }}  # fmt: skip
    got = robustness._heel_lift({"start_s": 0.0, "peak_s": 1.0}, {"frames": frames})
    assert got == pytest.approx(23.58, abs=0.01)
    flat = {"t_s": [0.0, 1.0], "joints3d": {k: [v[0], v[0]] for k, v in frames["joints3d"].items()}}
    assert robustness._heel_lift({"start_s": 0.0, "peak_s": 1.0}, {"frames": flat}) == 0.0


def test_hold_exercises_grid() -> None:
    """The held stretches, swept on request: every fault planted, and every cell a valid studio
    command with a clean hold."""
    for ex in ("hip_flexor_stretch", "double_hip_rotation"):
        cells = robustness.grid("full", [ex])
        assert len(cells) == 80
        assert {f for c in cells for f in c.faults()} == set(FAULTS[ex]), ex
        for c in cells[:6]:
            p = argparse.ArgumentParser()
            add_render_args(p)
            mp, _ = params(p.parse_args(c.args()))
            assert mp.exercise == ex and mp.rep_faults(2) == []
        assert robustness.PRESCRIPTIONS[ex]["hold_s"] < robustness.TEMPOS[ex]["quick"][2]


def test_hour_slice_sweeps_every_exercise_and_fault() -> None:
    """``--slice hour``: every studio exercise, 20 cells each, all taken from the full grid (so
    their renders are shared), seeing every height, every 15-degree angle, every framing, both
    bodies and both tempos, and planting every fault the studio renders under a prescription
    that makes its check active."""
    from formcheck.definitions import load
    from formcheck_studio.motions import EXERCISES

    assert set(robustness.PLANS) == set(EXERCISES) == set(robustness.TEMPOS)
    hour = robustness.grid("hour", EXERCISES)
    cover = set(robustness.HOUR_COVER)
    assert len(hour) == len({c.key for c in hour}) == 20 * len(EXERCISES) + len(cover)
    assert cover <= set(hour)
    for ex in EXERCISES:
        mine = [c for c in hour if c.exercise == ex and c not in cover]
        assert len(mine) == 20, ex
        assert set(mine) <= set(robustness.grid("full", [ex])), ex
        assert {c.height for c in mine} == set(robustness.HEIGHTS)
        assert {c.yaw for c in mine} == set(robustness.YAWS)
        assert {c.framing for c in mine} == set(robustness.FRAMINGS)
        assert {c.body for c in mine} == set(robustness.BODIES)
        assert {c.tempo for c in mine} == {"slow", "quick"}
        assert {f for c in mine for f in c.faults()} == set(FAULTS[ex]), ex
        d = load(ex).with_prescription(robustness.PRESCRIPTIONS.get(ex, {}))
        assert set(FAULTS[ex]) <= {c.code for c in d.checks if c.active(d.prescription)}, ex
        for c in mine:
            p = argparse.ArgumentParser()
            add_render_args(p)
            mp, _ = params(p.parse_args(c.args()))
            assert mp.exercise == ex
            if not any(len(v) == mp.reps for v in mp.faults.values()):  # not clip-wide
                assert mp.rep_faults(2) == []


def test_the_hour_slice_plants_each_uncovered_fault_where_its_check_is_made() -> None:
    """The cover cells plant the faults the 20 cells per exercise planted only where their
    checks are not made, from a camera that makes them (side-on at hip height for the squat's
    heels and stand, from the front for stances and knees, from above for the pelvis roll)."""
    planted = {(c.exercise, f, c.height, c.yaw) for c in robustness.HOUR_COVER for f in c.faults()}
    assert ("squat", "heels_lifting", "hip", 90) in planted
    assert ("squat", "incomplete_lockout", "hip", 90) in planted
    assert ("squat", "narrow_stance", "chest", 0) in planted
    assert ("lunge", "knee_caving", "hip", 0) in planted
    assert ("side_leg_raise", "pelvis_roll", "overhead", 0) in planted
    for c in robustness.HOUR_COVER:
        assert c.framing == "whole" and c.reps == 3


def test_incomplete_lockout_truth_is_the_checks_shortfall() -> None:
    """The squat's lockout check measures how far a rep's stand falls short of the person's own
    full stand (``stand_short_deg``), so its truth must too: the end angle itself (180 deg)
    would make every clean rep a true fault, and the check would never be judged."""
    reps = [{"metrics": {"knee_angle_end_deg": e}} for e in (179.0, 150.0, 175.0)]
    truth = {"exercise": "squat", "reps": reps}
    short = [robustness._truth_value("incomplete_lockout", r, truth) for r in reps]
    assert short == [0.0, 29.0, 0.0]
    from formcheck.definitions import load

    check = next(c for c in load("squat").checks if c.code == "incomplete_lockout")
    rx = load("squat").prescription
    assert [check.is_fault(v, rx) for v in short] == [False, True, False]


def test_a_sweep_clears_what_a_killed_one_left_half_written(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import time

    gone_pid = subprocess.Popen(["true"])  # a process that has ended
    gone_pid.wait()
    half = tmp_path / f".tmp-0123456789abcdef-{gone_pid.pid}"
    half.mkdir()
    (half / "0123456789abcdef.mp4").write_bytes(b"half")
    pose = tmp_path / f".tmp-{gone_pid.pid}-0123456789abcdef.fedcba9876543210.pose.npz"
    pose.write_bytes(b"half")
    mine = tmp_path / f".tmp-fedcba9876543210-{os.getpid()}"
    mine.mkdir()
    kept = tmp_path / "0123456789abcdef.json"
    kept.write_text("{}")
    fresh = tmp_path / f".tmp-00112233445566ff-{gone_pid.pid}"  # another machine's, maybe
    fresh.mkdir()
    other = tmp_path / f".tmp-notes-{gone_pid.pid}"  # not a name a sweep writes
    other.mkdir()
    link = tmp_path / f".tmp-aabbccddeeff0011-{gone_pid.pid}"
    link.symlink_to(kept)
    old = time.time() - 2 * robustness.STALE_S
    for p in (half, pose, mine, other):
        os.utime(p, (old, old))
    os.utime(link, (old, old), follow_symlinks=False)
    assert sorted(robustness.clear_stale(tmp_path)) == sorted([half, pose])
    assert not half.exists() and not pose.exists()
    assert mine.is_dir() and kept.is_file() and fresh.is_dir() and other.is_dir() and link.is_symlink()



def test_an_interrupted_sweep_resumes_where_it_stopped(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``--resume`` scores only the cells not yet saved in the ``--json`` file, in the slice's
    order; nothing saved (or no file yet): all of them."""
    cells = robustness.grid("small", robustness.SWEPT)
    saved = tmp_path / "sweep.jsonl"
    assert robustness.pending(cells, saved) == cells
    saved.write_text("".join(robustness.to_json(robustness.CellResult(c)) + "\n" for c in cells[1:-1]))
    assert robustness.pending(cells, saved) == [cells[0], cells[-1]]
