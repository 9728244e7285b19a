"""A clinician's limit on the range of motion ("ceiling", e.g. a depth limit after hip surgery) is
a fault wherever the person exercises: in ``score`` and ``live`` (set in a prescription file or on
the dashboard, read from the store), judged only where the camera can be trusted, and shown once
in the reports."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from formcheck.cli import main
from formcheck.definitions import CEILING, load
from formcheck.errors import UsageError
from formcheck.pipeline import score_sequence
from formcheck.reports.data import session_report
from formcheck.reports.html import render
from formcheck.store import Store
from testkit import synthetic
from tests.test_live_loop import env, live_cmd


@pytest.fixture(scope="module")
def squat_trace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Clean side-view squats to a 90 deg knee (the document's goal)."""
    seq, _ = synthetic.squat(reps=3, view="side", depth_knee_deg=90, seed=4)
    path = tmp_path_factory.mktemp("ceiling") / "squats.npz"
    seq.save(path)
    return path


def _past(out: dict[str, object]) -> list[bool]:
    return [CEILING in [f["code"] for f in r["faults"]] for r in out["reps"]]  # type: ignore[attr-defined, index]


def _clinician_sets(store_path: Path, patient: str, values: dict[str, float]) -> None:
    """A patient with one session in the store, and a prescription their clinician set long ago."""
    with Store.open(store_path) as store:
        store.add_session(
            score_sequence(synthetic.squat(reps=1, view="side", seed=9)[0], "squat"),
            patient=patient,
            origin="score",
        )
        store.set_prescription(store.patient(patient)["id"], "squat", values, "2000-01-01T00:00:00+00:00")


def _score(trace: Path, out: Path, *extra: str) -> dict[str, object]:
    assert main(["score", str(trace), "-e", "squat", "--json", "--out", str(out), *extra]) == 0
    return json.loads(out.joinpath("squats", "session.json").read_text())


def test_a_limit_in_a_prescription_file_is_a_fault(tmp_path: Path, squat_trace: Path) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text("ceiling = 110\n")  # the reps go to about 90 deg: past a 110 deg limit
    out = _score(squat_trace, tmp_path / "a", "--prescription", str(deep), "--no-store")
    assert len(out["reps"]) == 3 and all(_past(out))  # type: ignore[arg-type]
    assert out["prescription"]["ceiling"] == 110  # type: ignore[index]
    loose = tmp_path / "loose.toml"
    loose.write_text("ceiling = 70\n")  # deeper than the reps went: no fault
    out = _score(squat_trace, tmp_path / "b", "--prescription", str(loose), "--no-store")
    assert len(out["reps"]) == 3 and not any(_past(out))  # type: ignore[arg-type]


def test_the_limit_set_on_the_dashboard_reaches_score(
    tmp_path: Path, squat_trace: Path, capsys: pytest.CaptureFixture[str], _private_store: Path
) -> None:
    _clinician_sets(_private_store, "Ana", {"ceiling": 110.0, "reps": 3.0})
    out = _score(squat_trace, tmp_path / "ana", "--patient", "Ana")
    assert all(_past(out)) and out["prescription"]["reps"] == 3  # type: ignore[arg-type, index]
    assert "limit on knee at bottom: 110°" in capsys.readouterr().err
    # Another patient's limit is not hers, and a prescription file's value wins over the store's.
    assert not any(_past(_score(squat_trace, tmp_path / "bo", "--patient", "Bo")))  # type: ignore[arg-type]
    loose = tmp_path / "loose.toml"
    loose.write_text("ceiling = 70\n")
    out = _score(squat_trace, tmp_path / "ana2", "--patient", "Ana", "--prescription", str(loose))
    assert not any(_past(out)) and out["prescription"]["reps"] == 3  # type: ignore[arg-type, index]


def test_the_limit_is_judged_only_where_its_measurement_is_trusted() -> None:
    clam = load("clamshell")
    check = clam.with_prescription({"ceiling": 30}).checks[-1]
    opening = next(c for c in clam.checks if c.metric == check.metric)
    assert check.code == CEILING and check.fault_when == "above"
    assert check.views == opening.views == ("front", "oblique")  # the thighs' opening needs them
    # Standing hip abduction has no document check on the leg's angle: its limit is trusted in
    # the views the set-up guide asks for (the front), where the sideways lift lies in the picture.
    abd = load("hip_abduction").with_prescription({"ceiling": 20}).checks[-1]
    assert abd.views == load("hip_abduction").setup_views == ("front",)
    for view, judged in (("front", True), ("oblique", False)):
        seq, _ = synthetic.hip_abduction(reps=2, view=view, seed=3)
        s = score_sequence(seq, "hip_abduction", {"ceiling": 20})
        assert len(s.reps) == 2, view
        assert all((CEILING in [f.code for f in r.faults]) == judged for r in s.reps), view
        assert (CEILING in s.skipped_checks) != judged, view
    squat = load("squat").with_prescription({"ceiling": 100})
    assert squat.checks[-1].fault_when == "below" and squat.checks[-1].limit(squat.prescription) == 100


def test_no_limit_where_the_range_aims_at_a_target() -> None:
    # A bridge aims at a straight line (180 deg) from both sides: there is no "further" to limit.
    with pytest.raises(UsageError, match="ceiling"):
        load("bridge").with_prescription({"ceiling": 170})
    assert all(c.code != CEILING for c in load("squat").with_prescription({"ceiling": 0}).checks)
    assert "ceiling" not in load("squat").with_prescription({}).prescription


SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "squat_side_faults_a.mp4"


@pytest.mark.skipif(not SAMPLE.is_file(), reason="bundled sample missing")
def test_live_judges_with_the_limit_set_on_the_dashboard(tmp_path: Path) -> None:
    store = tmp_path / "live.sqlite3"
    _clinician_sets(store, "Ana", {"ceiling": 105.0})
    cmd = live_cmd(
        "-e",
        "squat",
        "--camera",
        SAMPLE,
        "--headless",
        "--mute",
        "--out",
        tmp_path / "out",
        "--patient",
        "Ana",
    )
    p = subprocess.run(
        cmd, capture_output=True, text=True, env={**env(), "FORMCHECK_STORE": str(store)}, timeout=900
    )
    assert p.returncode in (0, 7) and "Traceback" not in p.stderr, p.stderr
    assert "limit on knee at bottom: 105°" in p.stderr
    saved = json.loads(next((tmp_path / "out").glob("live-*/session.json")).read_text())
    assert saved["prescription"]["ceiling"] == 105 and len(saved["reps"]) >= 2
    for r in saved["reps"]:  # the sample's reps: three to about 92 deg and one shallow (131 deg)
        assert (CEILING in [f["code"] for f in r["faults"]]) == (r["metrics"]["knee_min_deg"] < 105)
    assert any(r["metrics"]["knee_min_deg"] < 105 for r in saved["reps"])


def test_a_report_shows_the_limit_once(tmp_path: Path, squat_trace: Path, _private_store: Path) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text("ceiling = 110\n")
    _score(squat_trace, tmp_path / "a", "--prescription", str(deep), "--patient", "Cy")
    with Store.open(_private_store) as store:
        sid = store.sessions(store.patient("Cy")["id"])[0]["id"]
        rep = session_report(store, sid, with_stills=False)
    past = next(f for f in rep["summary"]["faults"] if f["code"] == CEILING)
    assert past["count"] == 3 and past["document"] == "your clinician's prescription"
    page = render(rep)
    assert "(your clinician)" in page and "doc clinician" not in page


def test_a_prescription_file_keeps_the_clinicians_limit(
    tmp_path: Path, squat_trace: Path, capsys: pytest.CaptureFixture[str], _private_store: Path
) -> None:
    """A patient's own file of reps is kept as their prescription from then on, over the one in
    force: the clinician's limit stays for the next run, which still judges it."""
    _clinician_sets(_private_store, "Di", {"ceiling": 110.0})
    reps = tmp_path / "reps.toml"
    reps.write_text("reps = 12\n")
    assert all(_past(_score(squat_trace, tmp_path / "a", "--patient", "Di", "--prescription", str(reps))))
    with Store.open(_private_store) as store:
        kept = store.prescription_in_force(store.patient("Di")["id"], "squat", "2999-01-01T00:00:00+00:00")
    assert kept is not None and kept["ceiling"] == 110 and kept["reps"] == 12
    assert all(_past(_score(squat_trace, tmp_path / "b", "--patient", "Di")))
    # A file's own limit replaces the store's, and the person is told.
    capsys.readouterr()
    loose = tmp_path / "loose.toml"
    loose.write_text("ceiling = 70\n")
    assert not any(
        _past(_score(squat_trace, tmp_path / "c", "--patient", "Di", "--prescription", str(loose)))
    )
    assert "limit (70°) replaces the one in the store (110°)" in capsys.readouterr().err
