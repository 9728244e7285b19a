"""Hostile input and faults, end to end through the real ``formcheck`` command (issue 15).

Each case runs formcheck as a subprocess, so a native crash or output written straight to the
file descriptors is seen as a user would see it, and checks: the exit code, that stderr is one
sentence with no traceback, and that nothing half-written is left behind. Pose inference is
avoided where the pose stage is not what is tested: ``.npz`` traces from
:mod:`testkit.synthetic` stand in for videos.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
CLIP = SAMPLES / "bridge_side_clean.mp4"  # the shortest bundled sample


def run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None,
        timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """``formcheck ARGS`` as a subprocess; a generous ceiling, never a tight budget."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "formcheck", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, env=full_env, timeout=timeout, check=False,
        errors="replace",
    )


def run_on_tmpfs(folder: Path, options: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """``formcheck ARGS`` with a small tmpfs mounted (``options``) on ``folder``, in a private
    mount namespace (nothing is mounted outside the command); skips where that is not allowed."""
    folder.mkdir(parents=True, exist_ok=True)
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("needs unshare (util-linux) to mount a tmpfs for one command")
    probe = subprocess.run([unshare, "-rm", "mount", "-t", "tmpfs", "tmpfs", str(folder)],
                           capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("mounting a tmpfs in a private mount namespace is not allowed here")
    # After the command, the files left on the tmpfs are listed on stdout (it vanishes with the
    # namespace), after a line "--- left:".
    script = ('mount -t tmpfs -o "$1" tmpfs "$2" || exit 99; dir="$2"; shift 2; "$@"; rc=$?; '
              'echo "--- left:"; (cd "$dir" && find . -mindepth 1 | sort); exit $rc')
    return subprocess.run(
        [unshare, "-rm", "sh", "-c", script, "sh", options, str(folder),
         sys.executable, "-m", "formcheck", *map(str, args)],
        capture_output=True, text=True, timeout=600, check=False, errors="replace",
    )


def left_on_tmpfs(r: subprocess.CompletedProcess[str]) -> list[str]:
    return r.stdout.split("--- left:\n", 1)[1].split()


PROGRESS = re.compile(r"^\[\d+/\d+\] ")  # "[2/3] clip.mp4: 4 reps" as each file of several finishes


def one_sentence(stderr: str) -> str:
    """The single ``formcheck: ...`` line on stderr (besides progress lines of a run over several
    files); fails on a traceback or any other line."""
    lines = [ln for ln in stderr.splitlines() if ln.strip() and not PROGRESS.match(ln)]
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1, stderr
    assert lines[0].startswith("formcheck: "), stderr
    return lines[0]


def error_lines(stderr: str) -> list[str]:
    """Every non-empty stderr line, each one a ``formcheck: ...`` sentence (no traceback)."""
    assert "Traceback" not in stderr, stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip() and not PROGRESS.match(ln)]
    assert all(ln.startswith("formcheck: ") for ln in lines), stderr
    return lines


def no_partial_files(folder: Path) -> None:
    """No temp file (``.name.*``) anywhere under ``folder``."""
    left = [p for p in folder.rglob(".*") if p.is_file()]
    assert not left, left


def trace(path: Path, reps: int = 2, seed: int = 0) -> Path:
    """A synthetic squat landmark trace saved as ``.npz`` (no pose inference needed)."""
    from testkit import synthetic

    seq, _ = synthetic.squat(reps=reps, seed=seed, lead_in_s=0.5, tail_s=0.5, rest_s=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    seq.save(path)
    return path


# -- 1: a file name that is not UTF-8; a worker that dies natively --------------------------------

@pytest.mark.skipif(sys.platform != "linux", reason="needs a file system that stores raw bytes")
def test_a_file_name_that_is_not_utf8_gets_one_sentence_and_the_rest_are_scored(tmp_path: Path) -> None:
    d = tmp_path / "d"
    trace(d / "a.npz")
    trace(d / "c.npz", seed=1)
    shutil.copy(CLIP, os.fsencode(d) + b"/b\xff.mp4")
    out = tmp_path / "out"
    r = run("score", d, "-e", "squat", "--out", out, "--jobs", "2")
    assert r.returncode == 6, r.stderr
    line = one_sentence(r.stderr)
    assert "not valid UTF-8" in line
    assert sorted(p.name for p in out.iterdir()) == ["a", "c"]
    assert (out / "a" / "session.json").is_file() and (out / "c" / "session.json").is_file()
    no_partial_files(out)
    r = run("sessions")
    assert r.returncode == 0 and r.stdout.count("squat") >= 2, r.stdout
    alone = run("score", os.fsdecode(os.fsencode(d) + b"/b\xff.mp4"), "-e", "squat", "--out", out)
    assert alone.returncode == 4, alone.stderr
    one_sentence(alone.stderr)


def _crashing_score_file(path: Path, *args: Any, **kwargs: Any) -> Any:
    """Stands in for ``batch.score_file`` in pool workers: dies natively on ``crash.npz``."""
    from formcheck import batch

    if path.name == "crash.npz":
        import faulthandler

        faulthandler.disable()  # pytest's crash dump is noise here
        os.kill(os.getpid(), signal.SIGSEGV)
    return batch.__dict__["_real_score_file"](path, *args, **kwargs)


def test_a_worker_dying_natively_loses_only_its_own_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from formcheck import batch, cli

    if sys.platform != "linux":
        pytest.skip("relies on fork() carrying the patched function into the workers")
    names = ("a.npz", "crash.npz", "c.npz", "d.npz")
    files = [trace(tmp_path / "in" / n, seed=i) for i, n in enumerate(names)]
    monkeypatch.setattr(batch, "_real_score_file", batch.score_file, raising=False)
    monkeypatch.setattr(batch, "score_file", _crashing_score_file)
    out = tmp_path / "out"
    code = cli.main(["score", *map(str, files), "-e", "squat", "--out", str(out), "-j", "2", "--no-store"])
    err = capsys.readouterr().err
    assert code == 6, err
    assert "crash.npz made the video decoder crash" in err
    assert sorted(p.name for p in out.iterdir()) == ["a", "c", "d"]


# -- 2 and 9: hostile text in every stored field reaches HTML, SVG, CSV, JSON and PDF escaped -------

EVIL = (
    "\"'><script>document.body.setAttribute('data-pwned','1')</script>"
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','2')\">$\\frac{$&amp;"
)
FORMULAS = (
    "=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|", "-2+3+cmd|", "\t=1", "\r=1",
)


def hostile_session(tmp_path: Path, text: str = EVIL) -> Path:
    """A real session.json (scored from a trace) with ``text`` in every stored text field."""
    import json

    t = trace(tmp_path / "evil.npz")
    r = run("score", t, "-e", "squat", "--out", tmp_path / "scored", "--no-store")
    assert r.returncode == 0, r.stderr
    d = json.loads((tmp_path / "scored" / "evil" / "session.json").read_text())
    d["source"] = text + ".mp4"
    d["view"] = d["key_label"] = d["ended"] = text
    d["warnings"] = [text]
    d["skipped_checks"] = [{"code": text, "reason": text}]
    d["prescription"][text] = 1.0
    for rep in d["reps"]:
        rep["view"] = text
        rep["side"] = text
        rep["metrics"][text] = 1.0
        rep["faults"].append(
            {"code": text, "message": text, "source": text, "quote": text, "value": 1.0, "limit": 2.0}
        )
    path = tmp_path / "import" / "session.json"
    path.parent.mkdir()
    path.write_text(json.dumps(d))
    return path


def test_hostile_text_in_a_stored_session_is_escaped_in_every_report(tmp_path: Path) -> None:
    path = hostile_session(tmp_path)
    r = run("import", path, "--patient", EVIL)
    assert r.returncode == 0, r.stderr
    html = tmp_path / "r.html"
    r = run("report", "1", "-o", html)
    assert r.returncode == 0, r.stderr
    page = html.read_text()
    assert "<script" not in page.lower() and "<img src=x" not in page.lower()
    assert "&lt;script&gt;document.body" in page  # shown as text
    assert "Content-Security-Policy" in page  # and a second wall: the page may run no script
    r = run("report", "--patient", EVIL, "-o", tmp_path / "p.html")
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "p.html").read_text()
    assert "<script" not in page.lower() and "<img src=x" not in page.lower()
    for fmt in ("--json", "--csv"):
        r = run("report", "1", fmt, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
    no_partial_files(tmp_path)
    # The dashboard shows the same data: every page and download stays inert.
    import threading
    import urllib.request

    from formcheck.dashboard import make_server

    server = make_server(Path(os.environ["FORMCHECK_STORE"]), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        for path in ("/", "/patients/1", "/patients/1/report", "/sessions/1", "/compare?a=1&b=1"):
            with urllib.request.urlopen(base + path, timeout=60) as reply:
                body = reply.read().decode("utf-8")
            assert "<script" not in body.lower() and "<img src=x" not in body.lower(), path
        for path in ("/sessions/1.csv", "/patients/1/report.csv", "/sessions/1.json"):
            with urllib.request.urlopen(base + path, timeout=60) as reply:
                assert reply.status == 200 and reply.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_csv_cells_a_spreadsheet_would_run_are_neutralised(tmp_path: Path) -> None:
    import csv

    from formcheck.safecsv import cell

    assert cell(-12.5) == -12.5 and cell("-12.5") == "-12.5" and cell("-3") == "-3"
    assert cell(None) == "" and cell("squat") == "squat"
    for text in FORMULAS:
        path = hostile_session(tmp_path / str(FORMULAS.index(text)), text)
        r = run("import", path, f"--patient={text}")
        assert r.returncode == 0, r.stderr
        sid = str(FORMULAS.index(text) + 1)
        for args in (("report", sid, "--csv"), ("report", f"--patient={text}", "--csv")):
            r = run(*args, "-o", tmp_path / "r.html")
            assert r.returncode == 0, r.stderr
            with (tmp_path / "r.csv").open(newline="") as fh:
                rows = list(csv.reader(fh))
            cells = [c for row in rows for c in row]
            assert {"'" + text.replace("\r", "\n"), "'" + text.strip()} & set(cells), cells
            assert len({len(row) for row in rows}) == 1  # no row broken in two
            assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))]
            assert not any(c.startswith("-") and not c.lstrip("-").replace(".", "").isdigit() for c in cells)
            if args[1] == sid:
                assert any(c.startswith("-0.") for c in cells)  # negative numbers stay numbers


# -- 6: nan or inf in a prescription (TOML allows them) ---------------------------------------------

@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "+nan", "1e999", "123456789012345678901234567890"])
def test_a_prescription_with_nan_or_inf_is_refused_before_any_work(tmp_path: Path, value: str) -> None:
    rx = tmp_path / "rx.toml"
    rx.write_text(f'exercise = "squat"\ndepth_knee_deg = {value}\n')
    t = trace(tmp_path / "t.npz")
    out = tmp_path / "out"
    r = run("score", t, "-e", "squat", "--prescription", rx, "--out", out)
    if value == "123456789012345678901234567890":  # large, but a number: accepted
        assert r.returncode == 0, r.stderr
        return
    assert r.returncode == 2, r.stderr
    assert "depth_knee_deg" in one_sentence(r.stderr)
    assert not out.exists()
    r = run("live", "-e", "squat", "--prescription", rx, "--camera", t, "--no-store")
    assert r.returncode == 2, r.stderr
    assert "depth_knee_deg" in one_sentence(r.stderr)


def test_a_session_file_with_nan_or_infinity_is_not_imported(tmp_path: Path) -> None:
    import json

    t = trace(tmp_path / "t.npz")
    assert run("score", t, "-e", "squat", "--out", tmp_path / "o", "--no-store").returncode == 0
    path = tmp_path / "o" / "t" / "session.json"
    text = path.read_text()
    d = json.loads(text)
    for bad in ("NaN", "Infinity", "1e999"):
        path.write_text(text.replace(f'"fps": {d["fps"]}', f'"fps": {bad}'))
        r = run("import", path)
        assert r.returncode != 0 and r.returncode != 1, r.stderr
        error_lines(r.stderr)
    assert run("sessions").returncode == 3  # nothing was stored


# -- 5: an output folder that cannot be written is found before the work ---------------------------

def test_a_read_only_out_folder_is_refused_before_any_scoring(tmp_path: Path) -> None:
    t = trace(tmp_path / "t.npz")
    ro = tmp_path / "ro"
    r = run_on_tmpfs(ro, "ro,size=1m", "score", t, "-e", "squat", "--out", ro / "out")
    assert r.returncode == 2, r.stderr
    assert "Cannot write to the output folder" in one_sentence(r.stderr)
    assert r.stdout.startswith("--- left:")  # refused before any work: nothing scored, nothing stored
    assert run("sessions").returncode == 3


def test_an_out_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    t = trace(tmp_path / "t.npz")
    (tmp_path / "file").write_text("x")
    r = run("score", t, "-e", "squat", "--out", tmp_path / "file")
    assert r.returncode == 2, r.stderr
    one_sentence(r.stderr)
    assert (tmp_path / "file").read_text() == "x"


# -- 10: inputs with the same name never share an output folder -------------------------------------

def test_inputs_with_the_same_name_get_their_own_output_folders(tmp_path: Path) -> None:
    import json

    a = trace(tmp_path / "a" / "clips" / "set.npz", reps=2)
    b = trace(tmp_path / "b" / "clips" / "set.npz", reps=3, seed=1)
    c = trace(tmp_path / "c" / "set.npz", reps=2, seed=2)
    out = tmp_path / "O"
    r = run("score", a, b, c, a, "-e", "squat", "--out", out, "-j", "1")
    assert r.returncode == 0, r.stderr
    note = one_sentence(r.stderr)
    assert "same name" in note and "clips_set-2" in note
    sources = {
        d.name: json.loads((d / "session.json").read_text())["source"] for d in out.iterdir()
    }
    assert sources == {"clips_set": str(a), "clips_set-2": str(b), "c_set": str(c)}
    # Two long names in folders with long names: the folder names are cut to fit, still unique.
    long_a = trace(tmp_path / ("é" * 100) / ("ü" * 120 + ".npz"))
    long_b = trace(tmp_path / ("ö" * 100) / ("ü" * 120 + ".npz"), seed=1)
    r = run("score", long_a, long_b, "-e", "squat", "--out", tmp_path / "L", "--no-store")
    assert r.returncode == 0, r.stderr
    assert len(list((tmp_path / "L").glob("*/session.json"))) == 2


# -- 3: SIGTERM during a run behaves like Ctrl-C ----------------------------------------------------

def _processes_mentioning(text: str) -> list[int]:
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if text.encode() in (d / "cmdline").read_bytes():
                    pids.append(int(d.name))
            except OSError:
                continue
    return pids


def _wait_for(condition: Any, what: str, ceiling_s: float = 300.0) -> None:
    """Wait for an event (polling), with a generous ceiling for a busy machine."""
    deadline = time.monotonic() + ceiling_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {ceiling_s:.0f} s for {what}")
        time.sleep(0.05)


def _annotating_folder_run(tmp_path: Path, out: Path, *args: str, pipe: int) -> subprocess.Popen[str]:
    """``formcheck score`` on a folder of three clips with ``--annotate``, returned once an
    annotated video is being written (or the run ended)."""
    clips = tmp_path / "clips"
    clips.mkdir()
    for name in ("a", "b", "c"):
        shutil.copy(CLIP, clips / f"{name}.mp4")
    proc = subprocess.Popen(
        [sys.executable, "-m", "formcheck", "score", str(clips), "-e", "bridge", "--annotate",
         "--out", str(out), *args],
        stdout=pipe, stderr=pipe, text=True,
    )
    try:
        _wait_for(lambda: any(out.rglob(".annotated.*.mp4")) or proc.poll() is not None,
                  "an annotated video to be started")
    except BaseException:
        proc.kill()
        raise
    return proc


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="looks for leftover workers in /proc")
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sigterm_stops_workers_removes_temp_files_and_keeps_the_store_consistent(
    tmp_path: Path, jobs: str
) -> None:
    out = tmp_path / "out-sigterm"
    proc = _annotating_folder_run(tmp_path, out, "--jobs", jobs, pipe=subprocess.PIPE)
    try:
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, stderr
    assert "stopped" in one_sentence(stderr)
    assert _processes_mentioning(str(out)) == []  # no worker goes on scoring
    no_partial_files(out) if out.exists() else None
    before = sorted(str(p) for p in out.rglob("*")) if out.exists() else []
    time.sleep(1.0)  # (not a budget: only to see that nothing more is written afterwards)
    assert (sorted(str(p) for p in out.rglob("*")) if out.exists() else []) == before
    scored = {p.parent.name for p in out.rglob("session.json")} if out.exists() else set()
    r = run("sessions", "--json")
    stored = 0 if r.returncode == 3 else len(__import__("json").loads(r.stdout))
    assert stored <= len(scored)  # every stored session has its files; nothing half-stored
    assert stdout.count("Recorded as session") == stored


# -- 8: a busy store, a full disk and a damaged store are three different sentences ----------------

def _hold_write_lock(store: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process holding the store's write lock for ``seconds``; returns once it holds it."""
    code = (
        "import sqlite3, sys, time\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('BEGIN EXCLUSIVE')\n"
        "print('locked', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
        "c.execute('ROLLBACK')\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(store), str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"  # an event, not a sleep
    return proc


def test_a_busy_store_is_called_busy_not_damaged_and_a_short_lock_just_waits(tmp_path: Path) -> None:
    store = Path(os.environ["FORMCHECK_STORE"])
    assert run("score", trace(tmp_path / "t.npz"), "-e", "squat", "--out", tmp_path / "o").returncode == 0
    before = store.read_bytes()
    locker = _hold_write_lock(store, 1.0)  # shorter than the busy timeout: formcheck waits
    r = run("sessions")
    locker.wait()
    assert r.returncode == 0, r.stderr
    locker = _hold_write_lock(store, 3600)
    try:
        r = run("sessions")
    finally:
        locker.kill()
        locker.wait()
    assert r.returncode == 8, r.stderr
    line = one_sentence(r.stderr)
    assert "busy" in line and "damaged" not in line
    assert store.read_bytes() == before


def test_a_full_disk_under_the_store_is_called_full_and_leaves_no_empty_store(tmp_path: Path) -> None:
    t = trace(tmp_path / "t.npz")
    disk = tmp_path / "disk"
    r = run_on_tmpfs(disk, "size=4k", "score", t, "-e", "squat", "--out", tmp_path / "o",
                     "--store", disk / "store.sqlite3")
    assert r.returncode == 8, r.stderr
    line = one_sentence(r.stderr)
    assert "full" in line and "damaged" not in line
    assert left_on_tmpfs(r) == []


def test_a_damaged_store_is_still_called_damaged(tmp_path: Path) -> None:
    store = Path(os.environ["FORMCHECK_STORE"])
    store.write_bytes(b"SQLite format 3\x00" + os.urandom(4000))
    r = run("sessions")
    assert r.returncode == 8, r.stderr
    assert "damaged" in one_sentence(r.stderr)


# -- 11: formcheck serve never writes to the store ---------------------------------------------------

def _first_line(proc: subprocess.Popen[str], ceiling_s: float = 300.0) -> str:
    """The first stdout line of ``proc``, waited for as an event with a generous ceiling."""
    import threading

    got: list[str] = []
    assert proc.stdout is not None
    reader = threading.Thread(target=lambda: got.append(proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(ceiling_s)
    assert got, f"no line from {proc.args} in {ceiling_s:.0f} s"
    return got[0]


def test_serve_on_an_empty_store_file_writes_nothing(tmp_path: Path) -> None:
    import re
    import urllib.request

    store = tmp_path / "empty.sqlite3"
    store.touch()
    proc = subprocess.Popen(
        [sys.executable, "-m", "formcheck", "serve", "--port", "0", "--store", str(store)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = _first_line(proc)
        m = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
        assert m, line + (proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
        with urllib.request.urlopen(m[1], timeout=300) as reply:
            assert reply.status == 200
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0 and "Traceback" not in err, err
    assert store.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.sqlite3"]  # no journal either


def test_serve_on_an_older_store_refuses_and_leaves_it_as_it_was(tmp_path: Path) -> None:
    store = Path(os.environ["FORMCHECK_STORE"])
    assert run("score", trace(tmp_path / "t.npz"), "-e", "squat", "--out", tmp_path / "o").returncode == 0
    with sqlite3.connect(store) as db:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        db.execute(f"PRAGMA user_version = {version - 1}")
    db.close()
    before = store.read_bytes()
    r = run("serve", "--port", "0")
    assert r.returncode == 8, r.stderr
    assert "older formcheck" in one_sentence(r.stderr)
    assert store.read_bytes() == before


# -- 7: a .task file that is not a working pose landmarker --------------------------------------------

def _bundle(path: Path, entries: dict[str, bytes]) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return path


@pytest.mark.parametrize("kind", ["no models", "swapped models", "not a zip"])
def test_a_task_file_that_is_not_a_pose_landmarker_is_refused_before_any_work(
    tmp_path: Path, kind: str
) -> None:
    import zipfile

    from formcheck.pose import DEFAULT_MODEL

    model = tmp_path / "model.task"
    if kind == "no models":
        _bundle(model, {"readme.txt": b"hello"})
    elif kind == "swapped models":
        with zipfile.ZipFile(DEFAULT_MODEL) as z:
            detector, landmarks = z.read("pose_detector.tflite"), z.read("pose_landmarks_detector.tflite")
        _bundle(model, {"pose_detector.tflite": landmarks, "pose_landmarks_detector.tflite": detector})
    else:
        model.write_bytes(b"\x00" * 100)
    out = tmp_path / "out"
    r = run("score", CLIP, "-e", "bridge", "--model", model, "--out", out)
    assert r.returncode == 2, r.stderr
    assert str(model) in one_sentence(r.stderr)
    assert not out.exists()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)")
def test_hostile_text_runs_no_script_in_chromium_even_without_the_csp_and_prints_to_pdf(
    tmp_path: Path,
) -> None:
    import re

    assert CHROMIUM is not None
    path = hostile_session(tmp_path)
    assert run("import", path, "--patient", EVIL).returncode == 0
    html = tmp_path / "r.html"
    r = run("report", "1", "-o", html, "--pdf", env={"FORMCHECK_CHROMIUM": CHROMIUM})
    assert r.returncode == 0, r.stderr
    assert html.with_suffix(".pdf").read_bytes().startswith(b"%PDF")
    # Escaping alone must hold: take the page's CSP away and let Chromium run whatever it finds.
    bare = tmp_path / "bare.html"
    bare.write_text(re.sub(r"<meta http-equiv=\"Content-Security-Policy\"[^>]*>", "", html.read_text()))
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", bare.as_uri()],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert "<main>" in dom.stdout, dom.stderr
    assert 'data-pwned="' not in dom.stdout
    no_partial_files(tmp_path / "import")


# -- 12: a sound-only file is not called damaged -------------------------------------------------------

@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg to make a sound-only file")
@pytest.mark.parametrize("name", ["sound.mp4", "sound.mov", "sound.mkv", "sound.webm"])
def test_a_sound_only_file_is_said_to_have_no_video(tmp_path: Path, name: str) -> None:
    src = tmp_path / name
    made = subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
         *(["-c:a", "libopus"] if name.endswith(".webm") else []), str(src)],
        capture_output=True, timeout=300, check=False,
    )
    assert made.returncode == 0, made.stderr
    r = run("score", src, "-e", "squat", "--out", tmp_path / "out")
    assert r.returncode == 4, r.stderr
    line = one_sentence(r.stderr)
    assert "no video" in line and "damaged" not in line
    assert not (tmp_path / "out").exists()


def test_a_video_cut_short_is_still_called_damaged_or_incomplete(tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(CLIP.read_bytes()[:5000])
    r = run("score", cut, "-e", "squat", "--out", tmp_path / "out")
    assert r.returncode == 4, r.stderr
    assert "damaged or incomplete" in one_sentence(r.stderr)


# -- more of the kind: malformed session files and names no store can hold -----------------------------

MALFORMED = {
    "metrics not a table": lambda d: d["reps"][0].__setitem__("metrics", []),
    "prescription not a table": lambda d: d.__setitem__("prescription", []),
    "trace not a table": lambda d: d.__setitem__("trace", []),
    "trace of text": lambda d: d["trace"].__setitem__("key_deg", "abc"),
    "rep number too large": lambda d: d["reps"][0].__setitem__("index", 10**30),
    "version not a number": lambda d: d.__setitem__("version", [1]),
    "lone surrogate": lambda d: d.__setitem__("source", "\udcff.mp4"),
    "date not a date": lambda d: d.__setitem__("created", "yesterday"),
    "deeply nested": lambda d: None,  # made below, as text: json.dumps would recurse too
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_session_file_is_refused_with_one_sentence(tmp_path: Path, case: str) -> None:
    import json

    t = trace(tmp_path / "t.npz")
    assert run("score", t, "-e", "squat", "--out", tmp_path / "o", "--no-store").returncode == 0
    path = tmp_path / "o" / "t" / "session.json"
    d = json.loads(path.read_text())
    MALFORMED[case](d)
    text = json.dumps(d)
    if case == "deeply nested":
        text = text.replace('"warnings": []', '"warnings": ' + "[" * 100_000 + "]" * 100_000)
        assert "[[[[" in text
    path.write_text(text)
    r = run("import", path)
    assert r.returncode == 2, r.stderr
    assert "nothing was imported" in one_sentence(r.stderr)
    assert run("sessions").returncode == 3


def test_a_device_given_as_a_session_file_is_not_read_forever(tmp_path: Path) -> None:
    r = run("import", "/dev/zero", timeout=300)
    assert r.returncode == 2, r.stderr
    assert "nothing was imported" in one_sentence(r.stderr)


def test_a_patient_name_that_is_not_utf8_is_refused_before_the_work(tmp_path: Path) -> None:
    t = trace(tmp_path / "t.npz")
    name = os.fsdecode(b"Ana \xff")
    r = run("score", t, "-e", "squat", "--patient", name, "--out", tmp_path / "o")
    assert r.returncode == 2, r.stderr
    assert "patient name" in one_sentence(r.stderr)
    assert not (tmp_path / "o").exists()
    r = run("score", t, "-e", "squat", "--out", tmp_path / "o", env={"FORMCHECK_PATIENT": name})
    assert r.returncode == 2, r.stderr
    one_sentence(r.stderr)


@pytest.mark.parametrize("name", ["", "   "])
def test_an_empty_patient_name_is_refused_before_the_work(tmp_path: Path, name: str) -> None:
    """Not filed under the default patient ("me") unasked, nor refused after the scoring."""
    t = trace(tmp_path / "t.npz")
    r = run("score", t, "-e", "squat", "--patient", name, "--out", tmp_path / "o")
    assert r.returncode == 2, r.stderr
    assert "patient name" in one_sentence(r.stderr)
    assert not (tmp_path / "o").exists()
    assert run("sessions").returncode == 3  # nothing stored


def test_a_session_recorded_by_mistake_can_be_deleted(tmp_path: Path) -> None:
    """Asked first (refused without a terminal unless --yes), all or nothing, and gone from the
    store's file, not only from its lists."""
    for i, name in enumerate(("wrong-exercise-take", "kept-take")):
        t = trace(tmp_path / f"{name}.npz", seed=i)
        assert run("score", t, "-e", "squat", "--patient", "Ana", "--out", tmp_path / "o").returncode == 0
    r = run("sessions", "--delete", "1")  # no terminal to ask on
    assert r.returncode == 2 and "--yes" in one_sentence(r.stderr) and "nothing was deleted" in r.stderr
    r = run("sessions", "--delete", "1", "99", "--yes")  # one not there: none deleted
    assert r.returncode == 3 and "No session 99" in one_sentence(r.stderr)
    assert "wrong-exercise-take" in run("sessions", "--json").stdout
    r = run("sessions", "--delete", "1", "--yes")
    assert r.returncode == 0 and r.stdout.strip().endswith("Deleted this session."), r.stdout
    listed = json.loads(run("sessions", "--json").stdout)
    assert [x["id"] for x in listed] == [2]
    r = run("report", "1", "-o", tmp_path / "r.html")
    assert r.returncode == 3 and "Session 1 was deleted on" in one_sentence(r.stderr)
    assert b"wrong-exercise-take" not in Path(os.environ["FORMCHECK_STORE"]).read_bytes()
    assert run("report", "--patient", "Ana", "-o", tmp_path / "p.html").returncode == 0
    # Only the named patient's sessions, when one is named: a mistyped id deletes no one else's.
    t = trace(tmp_path / "bob-take.npz", seed=3)
    assert run("score", t, "-e", "squat", "--patient", "Bob", "--out", tmp_path / "o").returncode == 0
    r = run("sessions", "--patient", "Bob", "--delete", "2", "--yes")
    assert r.returncode == 2 and "not Bob's" in one_sentence(r.stderr)
    # A deleted session's id is never given again: Bob's is 3, not 1.
    assert [x["id"] for x in json.loads(run("sessions", "--json").stdout)] == [2, 3]


def test_deleting_asks_on_a_terminal(tmp_path: Path) -> None:
    """On a terminal the question is shown (not swallowed by the filter on stderr) and a "n"
    keeps the session; "y" deletes it."""
    import pty
    import select

    assert run("score", trace(tmp_path / "t.npz"), "-e", "squat", "--out", tmp_path / "o").returncode == 0

    def answer(text: str) -> str:
        main, sub = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "formcheck", "sessions", "--delete", "1"],
            stdin=sub, stdout=sub, stderr=sub, close_fds=True,
        )
        os.close(sub)
        seen, deadline = b"", time.monotonic() + 60
        try:
            while b"[y/N]" not in seen and time.monotonic() < deadline:
                if select.select([main], [], [], 1.0)[0]:
                    seen += os.read(main, 4096)
            assert b"[y/N]" in seen, f"no question on the terminal: {seen!r}"
            os.write(main, text.encode() + b"\n")
            proc.wait(timeout=60)
            while select.select([main], [], [], 0.2)[0]:
                try:
                    chunk = os.read(main, 4096)
                except OSError:  # the terminal closed with the process
                    break
                if not chunk:
                    break
                seen += chunk
        finally:
            if proc.poll() is None:
                proc.kill()
            os.close(main)
        assert proc.returncode == 0 and b"Traceback" not in seen, seen
        return seen.decode(errors="replace")

    assert "Nothing was deleted." in answer("n")
    assert run("sessions", "--json").stdout.count('"id"') == 1
    assert "Deleted this session." in answer("y")
    assert json.loads(run("sessions", "--json").stdout) == []


def test_report_into_a_folder_or_under_a_file_gives_one_sentence(tmp_path: Path) -> None:
    t = trace(tmp_path / "t.npz")
    assert run("score", t, "-e", "squat", "--out", tmp_path / "o").returncode == 0
    folder = tmp_path / "reports"
    folder.mkdir()
    r = run("report", "1", "-o", folder)
    assert r.returncode == 0, r.stderr
    assert (folder / "report-session-1.html").is_file()
    r = run("report", "1", "-o", tmp_path / "o" / "t" / "session.json" / "r.html")
    assert r.returncode == 2, r.stderr
    one_sentence(r.stderr)
    no_partial_files(tmp_path)


def test_control_characters_in_names_never_reach_the_terminal(tmp_path: Path) -> None:
    evil = "x\x1b]0;owned\x07\x1b[2J\x9b31m"
    t = trace(tmp_path / f"{evil}.npz")
    r = run("score", t, "-e", "squat", "--out", tmp_path / "o", "--patient", evil)
    assert r.returncode == 0, r.stderr
    r2 = run("sessions")
    r3 = run("score", tmp_path / f"{evil}-missing.npz", "-e", "squat", "--out", tmp_path / "o")
    assert r3.returncode == 3
    for text in (r.stdout, r.stderr, r2.stdout, r3.stderr):
        assert not any(c in text for c in "\x1b\x07\x9b"), repr(text)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_workers_do_not_outlive_a_main_process_killed_outright(tmp_path: Path) -> None:
    out = tmp_path / "out-sigkill"
    proc = _annotating_folder_run(tmp_path, out, "--jobs", "2", "--no-store", pipe=subprocess.DEVNULL)
    try:
        assert proc.poll() is None
        proc.kill()
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    _wait_for(lambda: not _processes_mentioning(str(out)), "the workers to end", ceiling_s=120)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_refused_instead_of_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.mp4"
    os.mkfifo(fifo)
    r = run("score", fifo, "-e", "squat", "--out", tmp_path / "o", timeout=300)
    assert r.returncode == 4, r.stderr
    assert "pipe" in one_sentence(r.stderr)


def test_a_store_path_that_is_not_utf8_and_a_browser_that_cannot_start_give_one_sentence(
    tmp_path: Path,
) -> None:
    t = trace(tmp_path / "t.npz")
    bad = os.fsdecode(os.fsencode(tmp_path) + b"/store\xff.sqlite3")
    r = run("score", t, "-e", "squat", "--out", tmp_path / "o", "--store", bad)
    assert r.returncode == 8, r.stderr
    one_sentence(r.stderr)
    assert run("score", t, "-e", "squat", "--out", tmp_path / "o").returncode == 0
    browser = tmp_path / "chromium"
    browser.write_text("not a program")  # exists, but cannot be run
    r = run("report", "1", "--pdf", "-o", tmp_path / "r.html", env={"FORMCHECK_CHROMIUM": str(browser)})
    assert r.returncode == 2, r.stderr
    assert "HTML report was written" in one_sentence(r.stderr)
    assert (tmp_path / "r.html").is_file() and not (tmp_path / "r.pdf").exists()
    no_partial_files(tmp_path)


@pytest.mark.parametrize("case", ["fps inf", "fps nan", "time backwards", "time nan"])
def test_a_landmark_trace_with_unusable_time_is_refused(tmp_path: Path, case: str) -> None:
    import numpy as np

    z = dict(np.load(trace(tmp_path / "t.npz")))
    if case == "fps inf":
        z["fps"] = np.float64("inf")
    elif case == "fps nan":
        z["fps"] = np.float64("nan")
    elif case == "time backwards":
        z["t_ms"] = z["t_ms"][::-1].copy()
    else:
        z["t_ms"] = np.full(len(z["t_ms"]), np.nan)
    bad = tmp_path / "bad.npz"
    np.savez(bad, **z)
    r = run("score", bad, "-e", "squat", "--out", tmp_path / "o")
    assert r.returncode == 2, r.stderr
    assert "not a formcheck landmark trace" in one_sentence(r.stderr)
    assert not (tmp_path / "o").exists()
