"""The table ``formcheck score`` prints: words not codes, one cue a line, aligned columns,
no numbers for checks the view skipped, skipped checks grouped, a hint for the wrong exercise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from formcheck.checkers.base import Fault, Rep
from formcheck.definitions import load
from formcheck.posture import PostureTally
from formcheck.report_text import rep_table, session_text
from formcheck.session import Session
from testkit import synthetic

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def _fault(code: str) -> Fault:
    c = next(c for c in load("squat").checks if c.code == code)
    return Fault(code, c.cue, c.source, c.quote, 1.0, 0.5)


def _session(view: str = "side") -> Session:
    m = {"knee_min_deg": 93.0, "trunk_lean_max_deg": 27.0, "descent_s": 1.0, "ascent_s": 0.7}
    reps = [
        Rep(1, None, 1.1, 2.0, 3.2, view, dict(m), []),
        Rep(2, None, 10.5, 11.0, 12.1, view, dict(m), [_fault("knees_past_toes"), _fault("heels_lifting")]),
    ]
    d = load("squat")
    skipped = {c.code: c.skip_reason() for c in d.checks if view not in c.views}
    return Session("squat", "clip.mp4", view, 30.0, 400, 13.0, reps, skipped, [], dict(d.prescription))


def test_faults_are_named_in_words_and_each_cue_has_its_line() -> None:
    text = session_text(_session(), [])
    assert "knees_past_toes" not in text and "heels_lifting" not in text
    assert "knees over toes, heels down" in text
    lines = text.splitlines()
    cues = [ln for ln in lines if ln.startswith("  - ")]
    assert len(cues) == 2
    assert cues[0].endswith("Sit back so your knees stay behind your toes. (doc 004)")


def test_columns_line_up_with_their_headers() -> None:
    head, *rows = rep_table(_session()).splitlines()
    for title in ("time", "knee", "trunk"):
        end = head.index(title) + len(title)  # numbers are right-aligned under their title
        for row in rows:
            assert row[end - 1] != " " and (end == len(row) or row[end] == " "), (title, row)
    assert rows[1].split()[0] == "2" and "10.5–12.1 s" in rows[1]


def test_front_view_shows_no_unchecked_trunk_angle() -> None:
    table = rep_table(_session("front"))
    head, *rows = table.splitlines()
    col = head.index("trunk") + len("trunk") - 1
    assert all(row[col] == "-" for row in rows)
    assert "27°" not in table and "93°" in table


def test_skipped_checks_are_one_line_per_reason() -> None:
    skipped = [ln for ln in session_text(_session("front"), []).splitlines() if ln.startswith("Not checked")]
    assert skipped == [
        "Not checked: knees over toes, heels down, full stand (film from the side).",
        "Not checked: back angle (film from the side or an angle).",
    ]


def _pose(tilt_deg: float, knee_up: float) -> np.ndarray:
    """Landmarks of a torso tilted ``tilt_deg`` from vertical with knees ``knee_up`` torso
    lengths above the hips (normalised image coordinates, aspect 1)."""
    lm = np.full((33, 4), np.nan, np.float32)
    hip = np.array([0.5, 0.6])
    a = np.radians(tilt_deg)
    sh = hip + 0.2 * np.array([np.sin(a), -np.cos(a)])
    knee = np.array([0.35, 0.6 - knee_up * 0.2])
    for i, p in [(11, sh), (12, sh), (23, hip), (24, hip), (25, knee), (26, knee)]:
        lm[i] = (*p, 0.0, 0.99)
    return lm


@pytest.mark.parametrize(
    ("exercise", "tilt", "knee_up", "want"),
    [
        ("squat", 85, 0.8,
         "Is this a glute bridge, a double hip rotation or a marching bridge? "
         "Try --exercise bridge, double_hip_rotation or marching_bridge."),
        ("squat", 85, 0.0,
         "Is this a clamshell or a side-lying leg raise? Try --exercise clamshell or side_leg_raise."),
        ("bridge", 5, -1.0,
         "Is this a standing hip abduction, a kneeling hip flexor stretch, a hip hinge, a banded side "
         "walk, a lunge or a squat? Try --exercise hip_abduction, hip_flexor_stretch, hip_hinge, "
         "lateral_walk, lunge or squat."),
        ("squat", 10, -1.0, None),  # standing for a squat: no hint
        ("bridge", 80, 0.8, None),
    ],
)
def test_posture_hint_for_the_wrong_exercise(
    exercise: str, tilt: float, knee_up: float, want: str | None
) -> None:
    tally = PostureTally()
    for _ in range(30):
        tally.offer(_pose(tilt, knee_up), 1.0)
    tally.offer(_pose(10 if tilt > 45 else 85, knee_up), 1.0)  # a moment of something else
    hint = tally.hint(load(exercise))
    assert hint == want or (want is not None and hint is not None and hint.endswith(want))


def _formcheck(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("formcheck")
    cmd = [str(exe)] if exe.is_file() else [sys.executable, "-m", "formcheck"]
    return subprocess.run(
        [*cmd, *args], cwd=cwd, capture_output=True, text=True, env=dict(os.environ), timeout=600
    )


@pytest.mark.e2e
def test_several_files_progress_and_input_order_and_bridge_hint(tmp_path: Path) -> None:
    clips = [SAMPLES / "squat_side_clean.mp4", SAMPLES / "bridge_side_clean.mp4"]
    if not all(c.is_file() for c in clips):
        pytest.skip("bundled samples missing")
    r = _formcheck(
        "score",
        *map(str, clips),
        "-e",
        "squat",
        "--jobs",
        "2",
        "--no-store",
        "--out",
        str(tmp_path / "o"),
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    progress = [ln for ln in r.stderr.splitlines() if ln.startswith("[")]
    assert [ln[:5] for ln in progress] == ["[1/2]", "[2/2]"]
    assert {ln.split("] ")[1].split(":")[0] for ln in progress} == {c.name for c in clips}
    heads = [ln for ln in r.stdout.splitlines() if ln.endswith(" reps") and ": squat," in ln]
    assert [h.split(":")[0] for h in heads] == [str(c) for c in clips]
    hint = (
        "Is this a glute bridge, a double hip rotation or a marching bridge? "
        "Try --exercise bridge, double_hip_rotation or marching_bridge."
    )
    assert hint in r.stdout


def test_a_value_that_rounds_to_zero_shows_no_minus_sign() -> None:
    from formcheck.report_text import _fmt

    assert _fmt(-0.3, "°") == "0°"
    assert _fmt(-4.2, "°") == "-4°"
    assert _fmt(-0.004, "s") == "0.00 s"


def test_seconds_under_one_do_not_round_onto_a_limit() -> None:
    """A 0.27 s drop flagged against the squat's 0.3 s limit read "0.3 s" beside "tempo": the
    rep table, the reports' numbers and their hold cards write seconds one way."""
    from formcheck.report_text import _fmt
    from formcheck.reports.html import _env, num
    from formcheck.units import hold_text, seconds, seconds_value

    for v, text in ((0.266, "0.27 s"), (1.26, "1.3 s"), (0.47, "0.47 s"), (123.4, "123 s")):
        assert _fmt(v, "s") == num(v, "s") == _env().filters["secs"](v) == seconds(v) == text
    assert seconds_value(0.47) == "0.47"
    # The live window and annotated video: a 1.5 s hold prescribed read "/ 2 s" ({:.0f}).
    assert hold_text(0.8, 1.5) == "hold 0.80 / 1.5 s" and hold_text(12.34, 30.0) == "hold 12.3 / 30 s"
    assert hold_text(None, 1.5) == "hold 1.5 s"
    assert seconds(float("nan")) == "\u2013"


def test_a_rep_no_check_could_judge_is_not_called_good() -> None:
    s = _session()
    d = load("squat")
    s.reps[0].skipped = {c.code: c.skip_reason() for c in d.checks}  # e.g. seen from nowhere useful
    rows = rep_table(s).splitlines()[1:]
    assert rows[0].endswith("not checked") and "good" not in rows[0]
    s.reps[0].skipped = {"heels_lifting": "Film from the side to check heel lift."}
    assert rep_table(s).splitlines()[1].endswith("good")  # the other checks were made


def test_one_rep_is_one_rep() -> None:
    s = _session()
    s.reps = s.reps[:1]
    assert session_text(s, []).splitlines()[0].endswith("side view, 1 rep")
    s.reps = []
    assert session_text(s, []).splitlines()[0].endswith("side view, 0 reps")


def _world(tilt3d: float) -> np.ndarray:
    """World landmarks (33, 4) whose torso leans ``tilt3d`` degrees from the camera's vertical."""
    w = np.full((33, 4), np.nan, np.float32)
    a = np.radians(tilt3d)
    up = np.array([0.0, -np.cos(a), np.sin(a)]) * 0.5  # y down, z away
    for i in (11, 12):
        w[i] = (*up, 0.9)
    for i in (23, 24):
        w[i] = (0.0, 0.0, 0.0, 0.9)
    return w


@pytest.mark.parametrize(("tilt3d", "hinted"), [(5.0, True), (52.0, False)])
def test_upright_hint_needs_the_3d_torso_to_agree(tilt3d: float, hinted: bool) -> None:
    """Someone lying on their side filmed from the feet looks upright in the picture, but leans
    about 50 deg in 3D: "the person was upright" is said only when 3D agrees."""
    tally = PostureTally()
    for _ in range(30):
        tally.offer(_pose(5, 0.0), 1.0, _world(tilt3d))
    assert (tally.hint(load("clamshell")) is not None) is hinted


def test_hidden_is_told_apart_from_out_of_frame() -> None:
    from formcheck.pipeline import quality_warnings

    out = quality_warnings(100, 100, 0, 50, 3, n_hidden=0)
    assert out == ["Part of the body was often out of frame; step back so the whole body shows."]
    hidden = quality_warnings(100, 100, 0, 5, 3, n_hidden=40)
    assert hidden == [
        "Part of the body was often not clearly seen: film closer, in good light, from the view "
        "the exercise asks for, with your whole body in view."
    ]
    assert quality_warnings(100, 100, 0, 5, 3, n_hidden=10) == []


def test_a_person_seen_in_few_frames_is_told_what_to_do() -> None:
    from formcheck.pipeline import quality_warnings

    out = quality_warnings(100, 32, 0, 0, 0, no_reps="No reps.")
    assert out[0] == (
        "A person was seen in only 32% of frames: film in good light, with your whole body in the picture."
    )
    assert quality_warnings(100, 60, 0, 0, 3) == []


@pytest.mark.parametrize(("gap_s", "told"), [(0.0, False), (0.6, False), (2.5, True), (12.0, False)])
def test_a_person_lost_mid_set_is_told_when_and_what_to_do(gap_s: float, told: bool) -> None:
    """The pose model finds nobody for a while in the middle of a set (a close shot that loses
    the head, a dark moment): counting pauses after a second, and a rep there is lost. The
    session says so, once, with when and what to do; a moment's loss (under a second) is not
    told, nor a long absence (someone stepping away between sets)."""
    from formcheck.pipeline import score_sequence

    seq, _ = synthetic.squat(reps=15, rest_s=1.0)  # 49 s: a 12 s gap leaves 3/4 of it seen
    t = seq.t_ms.astype(np.float64) / 1000.0
    if gap_s:
        gone = (t >= 6.0) & (t < 6.0 + gap_s)
        seq.image[gone] = np.nan
        seq.world[gone] = np.nan
    warnings = score_sequence(seq, "squat").warnings
    said = [w for w in warnings if w.startswith("You were not seen")]
    assert not any("seen in only" in w for w in warnings), warnings  # that sentence is not the one
    assert bool(said) is told, warnings
    if told:
        assert said == [
            "You were not seen for 3 s from 6 s, and nothing was counted then: keep your whole "
            "body, head included, in the picture, in good light."
        ]


def test_stretches_lost_several_times_are_added_up() -> None:
    from formcheck.pipeline import unseen_warning

    assert unseen_warning([(8.2, 9.4), (11.0, 12.9), (20.0, 45.0)]) == (
        "You were not seen 2 times, 3 s in all, first at 8 s, and nothing was counted then: keep "
        "your whole body, head included, in the picture, in good light."
    )
    assert unseen_warning([(20.0, 45.0)]) is None  # stepped away between sets
