"""``formcheck live --ask-pain`` records the set, its pain scores and fault stills in the store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from formcheck.store import Store

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "squat_side_faults_a.mp4"


@pytest.mark.skipif(not SAMPLE.is_file(), reason="bundled sample missing")
def test_live_set_is_recorded_with_pain_scores(tmp_path: Path) -> None:
    truth = json.loads(SAMPLE.with_suffix(".json").read_text())
    rx = tmp_path / "rx.toml"
    rx.write_text(f'exercise = "squat"\nreps = {len(truth["reps"])}\n')
    store = tmp_path / "live.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["FORMCHECK_STORE"] = str(store)
    cmd = [
        sys.executable,
        "-m",
        "formcheck",
        "live",
        "-e",
        "squat",
        "--camera",
        str(SAMPLE),
        "--headless",
        "--mute",
        "--prescription",
        str(rx),
        "--out",
        str(tmp_path / "out"),
        "--ask-pain",
        "--patient",
        "Ana",
    ]
    p = subprocess.run(cmd, input="6\n4\n", capture_output=True, text=True, env=env, timeout=900)
    # The file plays in real time, dropping frames when the machine is busy: a rep may be missed,
    # and then the video ends before the prescribed reps (exit 7, the set saved). What is tested
    # here is that the set, its pain scores and its faults reach the store as saved.
    complete = p.returncode == 0
    assert p.returncode in (0, 7), p.stderr
    assert "Traceback" not in p.stderr
    assert "Pain right now, before the set" in p.stderr and "Pain now, after the set" in p.stderr
    saved = json.loads(next((tmp_path / "out").glob("live-*/session.json")).read_text())
    with Store.open(store, create=False) as st:
        rows = st.sessions()
        assert [(r["patient"], r["origin"], r["pain_before"], r["pain_after"]) for r in rows] == [
            ("Ana", "live", 6, 4)
        ]
        got = st.session(rows[0]["id"])
    assert len(got["reps"]) == len(saved["reps"]) >= 1
    if complete:
        assert len(saved["reps"]) == len(truth["reps"])
    assert [[f["code"] for f in r["faults"]] for r in got["reps"]] == [
        [f["code"] for f in r["faults"]] for r in saved["reps"]
    ]
    faults = [f for r in got["reps"] for f in r["faults"]]
    assert (faults or not complete) and all(f["has_still"] for f in faults)
