"""The session store: round trips, one transaction per write, versions, damaged files, the CLI."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.errors import MissingInputError, StoreError
from formcheck.pipeline import score_sequence
from formcheck.session import Session, load_session
from formcheck.store import Store
from formcheck.store import schema as store_schema
from testkit.synthetic import squat


def _synthetic_session(faults: dict[int, list[str]] | None = None) -> Session:
    seq, _truth = squat(reps=4, faults=faults or {2: ["shallow"]}, seed=3)
    s = score_sequence(seq, "squat", source="synthetic-squat")
    assert len(s.reps) == 4
    return s


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _counts(path: Path) -> dict[str, int]:
    db = sqlite3.connect(path)
    try:
        return {
            t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("patients", "sessions", "reps", "faults")
        }
    finally:
        db.close()


def test_round_trip_keeps_reps_metrics_faults_and_trace(tmp_path: Path) -> None:
    s = _synthetic_session()
    with Store.open(tmp_path / "s.sqlite3") as st:
        sid, new = st.add_session(s, patient="Ana", origin="score", pain_before=4, pain_after=2)
        got = st.session(sid)
    assert new
    assert got["patient"]["name"] == "Ana" and got["pain_before"] == 4 and got["pain_after"] == 2
    assert [r["index"] for r in got["reps"]] == [r.index for r in s.reps]
    for mine, theirs in zip(got["reps"], s.reps, strict=True):
        assert [f["code"] for f in mine["faults"]] == theirs.fault_codes
        for k, v in theirs.metrics.items():
            if np.isfinite(v):
                assert mine["metrics"][k] == pytest.approx(v)
            else:
                assert np.isnan(mine["metrics"][k])
    assert len(got["trace"]["t_s"]) == len(s.trace["t_s"]) == s.n_frames
    assert got["prescription"] == s.prescription
    assert [f["code"] for f in got["reps"][2]["faults"]] == ["shallow"]  # synthetic faults count from 0


def test_the_same_session_is_stored_once(tmp_path: Path) -> None:
    s = _synthetic_session()
    with Store.open(tmp_path / "s.sqlite3") as st:
        a = st.add_session(s, patient="Ana", origin="score")
        b = st.add_session(s, patient="Ana", origin="import")
        assert a == (a[0], True) and b == (a[0], False)
        assert len(st.sessions()) == 1


def test_stills_of_sample_faults_are_stored(tmp_path: Path, sample_sessions: dict[str, Session]) -> None:
    s = sample_sessions["squat_side_faults_a"]
    n_faults = sum(len(r.faults) for r in s.reps)
    assert n_faults >= 2 and len(s.stills) == n_faults
    with Store.open(tmp_path / "s.sqlite3") as st:
        sid, _ = st.add_session(s, patient="Ana", origin="score")
        faults = [f for r in st.session(sid)["reps"] for f in r["faults"]]
        assert all(f["has_still"] for f in faults)
        img = cv2.imdecode(np.frombuffer(st.still(faults[0]["id"]) or b"", np.uint8), cv2.IMREAD_COLOR)
    assert img is not None and img.shape[1] == 360 and float(img.std()) > 10


class _Boom(dict):  # type: ignore[type-arg]
    """Metrics that fail while being written, as a crash or Ctrl-C half-way would."""

    def __init__(self, exc: BaseException, *a: object) -> None:
        super().__init__(*a)
        self.exc = exc

    def items(self):  # type: ignore[no-untyped-def]
        raise self.exc


@pytest.mark.parametrize("exc", [RuntimeError("disk on fire"), KeyboardInterrupt()])
def test_an_interrupted_write_leaves_the_store_as_it_was(tmp_path: Path, exc: BaseException) -> None:
    path = tmp_path / "s.sqlite3"
    good = _synthetic_session()
    with Store.open(path) as st:
        st.add_session(good, patient="Ana", origin="score")
    before = _counts(path)
    bad = dataclasses.replace(good, created="2020-01-01T00:00:00+00:00")
    bad.reps = [dataclasses.replace(r) for r in good.reps]
    bad.reps[-1].metrics = _Boom(exc, bad.reps[-1].metrics)
    with Store.open(path) as st, pytest.raises(type(exc)):
        st.add_session(bad, patient="Bea", origin="score")
    assert _counts(path) == before  # no session, reps or new patient "Bea"


def test_a_store_from_a_newer_formcheck_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    Store.open(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {store_schema.latest_version() + 1}")
    db.commit()
    db.close()
    digest = _digest(path)
    with pytest.raises(StoreError, match="newer formcheck"):
        Store.open(path)
    assert _digest(path) == digest


@pytest.mark.parametrize(
    "content", [b"not a database at all\n" * 50, b"SQLite format 3\x00" + b"\xff" * 4000]
)
def test_a_damaged_file_is_refused_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "s.sqlite3"
    path.write_bytes(content)
    with pytest.raises(StoreError, match="damaged or is not a formcheck store"):
        Store.open(path)
    assert path.read_bytes() == content


def test_another_programs_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="not a formcheck store"):
        Store.open(path)


def test_an_older_store_migrates_forward_keeping_its_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.sqlite3"
    with Store.open(path) as st:
        sid, _ = st.add_session(_synthetic_session(), patient="Ana", origin="score")
    v1 = store_schema.latest_version()
    step = "CREATE TABLE later_things (id INTEGER PRIMARY KEY, session_id INTEGER REFERENCES sessions(id))"
    monkeypatch.setattr(store_schema, "MIGRATIONS", [*store_schema.MIGRATIONS, step])
    monkeypatch.setattr("formcheck.store.db.MIGRATIONS", store_schema.MIGRATIONS)
    with Store.open(path, create=False) as st:
        assert st.version == v1 + 1
        assert st.db.execute("SELECT count(*) FROM later_things").fetchone()[0] == 0
        assert len(st.session(sid)["reps"]) == 4


def test_a_version_2_store_keeps_its_reps_and_learns_per_rep_checks(tmp_path: Path) -> None:
    """Reps stored before version 3 read back with no checks known to be skipped; new ones
    keep theirs."""
    from formcheck.reports.data import session_report

    path = tmp_path / "s.sqlite3"
    with Store.open(path) as st:
        old, _ = st.add_session(_synthetic_session(), patient="Ana", origin="score")
    db = sqlite3.connect(path)
    db.execute("ALTER TABLE reps DROP COLUMN skipped_json")  # as version 2 made it
    db.execute("DROP TABLE deleted_sessions")  # (version 4's)
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()
    with Store.open(path) as st:
        assert st.version == store_schema.latest_version() >= 3
        stored = st.session(old)  # the session's checks not made were not made in any rep
        assert [r["skipped"] for r in stored["reps"]] == [stored["skipped_checks"]] * 4
        assert session_report(st, old, with_stills=False)["summary"]["unchecked_reps"] == 0
        s = _synthetic_session()
        first = dataclasses.replace(s.reps[0], skipped={"trunk_lean": "Why."})
        s = dataclasses.replace(s, source="new", reps=[first, *s.reps[1:]])
        new, _ = st.add_session(s, patient="Ana", origin="score")
        assert st.session(new)["reps"][0]["skipped"]["trunk_lean"] == "Why."


def test_a_failing_migration_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.sqlite3"
    with Store.open(path) as st:
        st.add_session(_synthetic_session(), patient="Ana", origin="score")
    v1 = store_schema.latest_version()
    steps = [*store_schema.MIGRATIONS, "CREATE TABLE fine (x); CREATE TABLE reps (oops)"]
    monkeypatch.setattr(store_schema, "MIGRATIONS", steps)
    monkeypatch.setattr("formcheck.store.db.MIGRATIONS", steps)
    with pytest.raises(StoreError):
        Store.open(path)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == v1
    assert db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'fine'").fetchone()[0] == 0
    db.close()


def test_readers_never_create_a_store(tmp_path: Path) -> None:
    path = tmp_path / "nothing-here.sqlite3"
    with pytest.raises(MissingInputError, match="No sessions are stored yet"):
        Store.open(path, create=False)
    assert not path.exists()


def test_unknown_patient_names_the_known_ones(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite3") as st:
        st.add_session(_synthetic_session(), patient="Ana Lima", origin="score")
        assert st.patient("  ana   lima ")["name"] == "Ana Lima"
        st.add_session(_synthetic_session({1: ["shallow"]}), patient="ANA  LIMA", origin="score")
        assert [p["name"] for p in st.patients()] == ["Ana Lima"]
        with pytest.raises(MissingInputError, match="Ana Lima"):
            st.patient("Bob")


# -- the command line ------------------------------------------------------------------------------


def _fc(*args: str, store: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "FORMCHECK_STORE": str(store)}
    return subprocess.run(
        [sys.executable, "-m", "formcheck", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


@pytest.fixture
def trace_file(tmp_path: Path) -> Path:
    seq, _ = squat(reps=3, faults={1: ["shallow"]}, seed=5)  # the second rep
    path = tmp_path / "squat.npz"
    seq.save(path)
    return path


def test_score_records_into_the_store_and_report_reads_it(tmp_path: Path, trace_file: Path) -> None:
    store = tmp_path / "cli.sqlite3"
    rx = tmp_path / "rx.toml"
    rx.write_text('exercise = "squat"\npatient = "Ana Lima"\nreps = 12\ndepth_knee_deg = 100\n')
    p = _fc(
        "score",
        str(trace_file),
        "-e",
        "squat",
        "--prescription",
        str(rx),
        "--out",
        "o",
        store=store,
        cwd=tmp_path,
    )
    assert p.returncode == 0, p.stderr
    assert "Recorded as session 1 in the store" in p.stdout
    with Store.open(store, create=False) as st:
        rows = st.sessions()
        assert [(r["patient"], r["n_reps"], r["origin"]) for r in rows] == [("Ana Lima", 3, "score")]
        assert st.prescription_in_force(rows[0]["patient_id"], "squat", "9999")["depth_knee_deg"] == 100.0
    p = _fc("report", "1", "--csv", "--json", store=store, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    csv_rows = (tmp_path / "report-session-1.csv").read_text().strip().splitlines()
    assert len(csv_rows) == 1 + 3
    data = json.loads((tmp_path / "report-session-1.json").read_text())
    assert data["summary"]["reps_done"] == 3 and data["summary"]["reps_prescribed"] == 12
    assert data["rom"]["target"] == 100.0
    p = _fc(
        "score",
        str(trace_file),
        "-e",
        "squat",
        "--no-store",
        "--out",
        "o2",
        store=tmp_path / "x.sqlite3",
        cwd=tmp_path,
    )
    assert p.returncode == 0 and not (tmp_path / "x.sqlite3").exists()


def test_import_adds_session_files_once(tmp_path: Path, trace_file: Path) -> None:
    store = tmp_path / "cli.sqlite3"
    assert (
        _fc(
            "score", str(trace_file), "-e", "squat", "--no-store", "--out", "o", store=store, cwd=tmp_path
        ).returncode
        == 0
    )
    js = tmp_path / "o" / "squat" / "session.json"
    p = _fc("import", str(tmp_path / "o"), "--patient", "Ana", store=store, cwd=tmp_path)
    assert p.returncode == 0 and "imported as session 1" in p.stdout, p.stderr
    p = _fc("import", str(js), "--patient", "Ana", store=store, cwd=tmp_path)
    assert "already in the store as session 1" in p.stdout
    with Store.open(store, create=False) as st:
        stored = st.session(1)
    assert len(stored["reps"]) == len(load_session(js).reps) == 3
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"hello": 1}')
    p = _fc("import", str(bogus), store=store, cwd=tmp_path)
    assert p.returncode == 2 and "not a formcheck session file" in p.stderr and "Traceback" not in p.stderr


def test_bad_store_input_is_one_sentence_and_nothing_is_overwritten(tmp_path: Path) -> None:
    store = tmp_path / "cli.sqlite3"
    p = _fc("report", "1", store=store, cwd=tmp_path)
    assert p.returncode == 3 and "No sessions are stored yet" in p.stderr and not store.exists()
    Store.open(store).close()  # an empty store
    for args, code, words in [
        (("report", "7"), 3, "No session 7 in the store (the store is empty)"),
        (("report", "--patient", "Nobody"), 3, "No patient 'Nobody'"),
        (("report", "--patient", "Nobody", "--from", "yesterday"), 2, "--from must be a date"),
        (("sessions",), 0, ""),
    ]:
        p = _fc(*args, store=store, cwd=tmp_path)
        assert p.returncode == code, (args, p.stderr)
        assert words in p.stderr + p.stdout and "Traceback" not in p.stderr
    old = tmp_path / "report-session-7.html"
    old.write_text("a report someone kept")
    store.write_bytes(b"garbage" * 100)
    p = _fc("report", "7", store=store, cwd=tmp_path)
    assert p.returncode == 8 and "damaged" in p.stderr and p.stderr.count("\n") == 1
    assert old.read_text() == "a report someone kept" and store.read_bytes() == b"garbage" * 100


def test_the_sessions_list_keeps_its_columns_for_long_exercise_names(tmp_path: Path) -> None:
    """`formcheck sessions`: "hip_flexor_stretch" is wider than the exercise column once was, and
    pushed its row's numbers out from under their headings."""
    from test_fhir import make_session

    store = tmp_path / "cols.sqlite3"
    with Store.open(store) as st:
        for ex in ("lunge", "hip_flexor_stretch", "double_hip_rotation"):
            st.add_session(make_session(ex), patient="Ana", origin="score")
    p = _fc("sessions", store=store, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    head, *rows = p.stdout.splitlines()
    assert len(rows) == 3
    for word in ("reps", "faulty"):
        end = head.index(word) + len(word)  # numbers are right-aligned under their heading
        assert all(r[end - 1].isdigit() and r[end : end + 1] in (" ", "") for r in rows), (word, rows)
