"""Document cues formcheck does not judge from video (``[not_judged.NAME]`` in an exercise's
TOML) are data: validated on load, quoted from their documents, and said to the person and the
clinician with what to do instead, in the terminal's summary, both reports and the live end screen."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from formcheck.checkers.base import Rep
from formcheck.definitions import DOCUMENTS, UnjudgedCue, _exercises_dir, available, load, parse
from formcheck.report_text import session_text
from formcheck.session import Session

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
SAMPLE = ROOT / "samples" / "hip_abduction_front_faults.mp4"


def _raw(name: str) -> dict[str, Any]:
    with (_exercises_dir() / f"{name}.toml").open("rb") as f:
        return tomllib.load(f)


def _empty_session(exercise: str) -> Session:
    return Session(exercise, "clip.mp4", "front", 30.0, 0, 0.0, [], {}, [], {})


def _session(exercise: str) -> Session:
    """A session with one rep (the summary names the cues after a set with reps)."""
    rep = Rep(1, None, 0.5, 1.0, 1.5, "front", {}, [])
    return dataclasses.replace(_empty_session(exercise), reps=[rep])


# The cues the exercise issue names that no camera-made measurement here can be trusted for
# (see the head of each TOML for the evidence): each is listed, never silently dropped.
EXPECTED = {
    "hip_abduction": {"hips_forward"},
    "side_leg_raise": {"toes_down"},
    "hip_hinge": {"neutral_spine"},
    "lateral_walk": {"legs_straight", "toes_forward"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_cues_formcheck_cannot_judge_are_listed(name: str) -> None:
    assert {u.code for u in load(name).not_judged} >= EXPECTED[name]


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source documents (../shared/seeds) are not here")
@pytest.mark.parametrize("name", available())
def test_each_unjudged_cue_quotes_its_document(name: str) -> None:
    for u in load(name).not_judged:
        doc = _words((SEEDS / DOCUMENTS[u.source]).read_text(encoding="utf-8", errors="replace"))
        assert _words(u.quote) in doc, f"{name}.{u.code}: {u.quote!r} is not in document {u.source}"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.pop("instead"), "missing 'instead'"),
        (lambda t: t.update(source="007"), "source must be one of the documents"),
        (lambda t: t.update(why="  "), "must be words"),
    ],
)
def test_a_bad_unjudged_cue_is_refused_on_load(change: Any, message: str) -> None:
    data = _raw("hip_abduction")
    change(data["not_judged"]["hips_forward"])
    with pytest.raises(ValueError, match=re.escape(message)):
        parse(data, "hip_abduction.toml")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(not_judged=["hips"]), "not_judged must be a table of cues"),
        (lambda d: d["not_judged"].update(hips_forward="hips"), "not_judged.hips_forward must be a table"),
        (lambda d: d["not_judged"]["hips_forward"].update(label=["a"]), "must be words"),
    ],
)
def test_a_misshapen_not_judged_table_is_refused_on_load(change: Any, message: str) -> None:
    data = _raw("hip_abduction")
    change(data)
    with pytest.raises(ValueError, match=re.escape(message)):
        parse(data, "hip_abduction.toml")


def test_a_cue_is_either_checked_or_not() -> None:
    data = _raw("hip_abduction")
    data["not_judged"]["trunk_lean"] = data["not_judged"].pop("hips_forward")
    with pytest.raises(ValueError, match="'trunk_lean' is a check"):
        parse(data, "hip_abduction.toml")


def test_the_summary_says_each_unjudged_cue_with_what_to_do() -> None:
    text = session_text(_session("lateral_walk"), [])
    lines = [ln for ln in text.splitlines() if ln.startswith("Not judged from video:")]
    want = load("lateral_walk").not_judged
    assert lines == [f"Not judged from video: {u.label} (doc {u.source}). {u.instead}" for u in want]
    assert len(lines) == 2
    # An exercise with none says nothing of the kind.
    assert "Not judged from video" not in session_text(_session("squat"), [])
    # Nor a set with no reps: the words about why come first, and are enough.
    assert "Not judged from video" not in session_text(_empty_session("lateral_walk"), [])


@pytest.mark.e2e
@pytest.mark.skipif(not SAMPLE.is_file(), reason="bundled samples missing")
def test_scoring_a_video_says_what_one_camera_cannot_judge(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "formcheck", "score", str(SAMPLE), "--exercise", "hip_abduction",
         "--no-store", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert (
        "Not judged from video: hips facing forward (doc 003). Watch your hips in a mirror: "
        "both hip bones face forward as the leg goes out." in out.stdout
    )


def test_both_reports_name_the_unjudged_cues_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from formcheck.reports import data as report_data
    from formcheck.reports.data import patient_report, session_report
    from formcheck.reports.html import render
    from formcheck.store import Store

    d = load("hip_abduction")
    odd = UnjudgedCue(
        "odd", "hips <b>level</b>", "003", 'Say "hi" & <go>', "Why <i>not</i>.", "Do <u>this</u>."
    )
    real = report_data._definition
    with_odd = dataclasses.replace(d, not_judged=(*d.not_judged, odd))
    monkeypatch.setattr(report_data, "_definition", lambda e: with_odd if e == "hip_abduction" else real(e))
    with Store(tmp_path / "s.sqlite3") as st:
        sid, _ = st.add_session(_empty_session("hip_abduction"), patient="Ana", origin="score")
        rep = session_report(st, sid)
        assert [c["code"] for c in rep["session"]["not_judged"]] == ["hips_forward", "odd"]
        page = render(rep)
        pr = render(patient_report(st, "Ana"))
    assert "Watch your hips in a mirror" in page and "Keep your hips facing forward." in page
    assert "Hips &lt;b&gt;level&lt;/b&gt;" in page and "<b>level" not in page
    assert "Do &lt;u&gt;this&lt;/u&gt;." in page and "&lt;go&gt;" in page and "<go>" not in page
    assert "Not judged from video, so not in the fault rate: hips facing forward (document 003)" in pr
    assert "hips &lt;b&gt;level&lt;/b&gt; (document 003)" in pr and "<b>level" not in pr


def test_the_live_end_screen_names_them_too() -> None:
    from formcheck.live.loop import LiveConfig, LiveResult, Stats, summary_lines

    def texts(ex: str) -> list[str]:
        result = LiveResult("complete", None, _session(ex), [], Stats())
        return [t for t, _, _ in summary_lines(result, LiveConfig(exercise=ex))]

    assert "Not judged from video: legs fairly straight, toes pointing forward" in texts("lateral_walk")
    assert not any("Not judged from video" in t for t in texts("squat"))
