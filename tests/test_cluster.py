"""``formcheck score FOLDER --ray``: the same sessions as the process pool, a bad file reported
while the rest go on, Ctrl-C and SIGTERM tidy, and one sentence where Ray is not installed.

The Ray tests run the real command as a subprocess. All but the stop tests share one Ray
started for this module (``ray start --head``, on the loopback address, with a token), which the
command reaches through ``--ray ADDRESS``; the stop tests start a local Ray each (``--ray``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_hostile import error_lines, no_partial_files

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
CLIPS = ("squat_front_narrow.mp4", "squat_side_faults_a.mp4")  # 10 s and 13 s, 3 and 4 reps

needs_ray = pytest.mark.skipif(
    importlib.util.find_spec("ray") is None,
    reason="ray is not installed (pip install 'formcheck[cluster]')",
)


def run(*args: str | Path, env: dict[str, str] | None = None,
        timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """``formcheck ARGS`` as a subprocess; a generous ceiling, never a tight budget."""
    return subprocess.run(
        [sys.executable, "-m", "formcheck", *map(str, args)],
        capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=timeout,
        check=False, errors="replace",
    )


def clips_folder(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    for name in CLIPS:
        if not (SAMPLES / name).is_file():
            pytest.skip(f"bundled sample missing: {name}")
        shutil.copy(SAMPLES / name, d / name)
    return d


def trace(path: Path, seed: int) -> Path:
    """A synthetic squat landmark trace (``.npz``): scored without pose inference."""
    from testkit import synthetic

    seq, _ = synthetic.squat(reps=2, seed=seed, lead_in_s=0.5, tail_s=0.5, rest_s=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    seq.save(path)
    return path


def sessions(stdout: str) -> list[dict[str, object]]:
    """The sessions of ``--json`` output over several files, without the store's ids."""
    payload = json.loads(stdout)
    for s in payload["sessions"]:
        s.pop("session_id", None)
    return list(payload["sessions"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[tuple[str, dict[str, str]]]:
    """A Ray head of 2 CPUs on the loopback address, for this module: its address, and the
    environment a caller needs (Ray's single-machine mode, the cluster's token)."""
    if importlib.util.find_spec("ray") is None:
        pytest.skip("ray is not installed (pip install 'formcheck[cluster]')")
    env = {
        "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",  # loopback only, as formcheck's local Ray
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN": secrets.token_hex(16),
        "RAY_USAGE_STATS_ENABLED": "0",
    }
    ray_cli = Path(sys.executable).with_name("ray")
    command = ([str(ray_cli)] if ray_cli.is_file()
               else [sys.executable, "-c", "from ray.scripts.scripts import main; main()"])
    port = _free_port()
    temp = tempfile.mkdtemp(prefix="fcray")  # short: Ray's socket paths have a length limit
    log = open(Path(temp) / "head.log", "w+")  # noqa: SIM115 - read back if it fails
    head = subprocess.Popen(
        [*command, "start", "--head", "--block", f"--port={port}", "--num-cpus=2",
         "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={temp}",
         f"--dashboard-agent-listen-port={_free_port()}"],
        env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if head.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"the Ray head did not start:\n{log.read()[-3000:]}")
            time.sleep(0.5)
        yield f"127.0.0.1:{port}", env
    finally:
        head.send_signal(signal.SIGTERM)  # `ray start --block` stops the processes it started
        try:
            head.wait(90)
        except subprocess.TimeoutExpired:
            head.kill()
            head.wait()
        log.close()
        shutil.rmtree(temp, ignore_errors=True)


@needs_ray
def test_ray_gives_the_same_sessions_as_the_process_pool(
    tmp_path: Path, ray_cluster: tuple[str, dict[str, str]]
) -> None:
    address, env = ray_cluster
    d = clips_folder(tmp_path)
    pool = run("score", d, "-e", "squat", "--json", "--jobs", "2", "--no-store", "--out", tmp_path / "pool")
    assert pool.returncode == 0, pool.stderr
    temp = Path(tempfile.gettempdir())
    before = set(temp.glob("formcheck-actor-*")) | set(temp.glob("formcheck-video-*"))
    on_ray = run("score", d, "-e", "squat", "--json", "--ray", address, "--annotate",
                 "--out", tmp_path / "ray", env=env)
    assert on_ray.returncode == 0, on_ray.stderr
    assert error_lines(on_ray.stderr) == []
    expected, got = sessions(pool.stdout), sessions(on_ray.stdout)
    assert [s["source"] for s in got] == [str(d / name) for name in CLIPS]  # the caller's paths
    assert [s["rep_count"] for s in got] == [s["rep_count"] for s in expected]
    for a, b in zip(got, expected, strict=True):
        for rep_a, rep_b in zip(a["reps"], b["reps"], strict=True):  # type: ignore[call-overload]
            assert rep_a["faults"] == rep_b["faults"]
            assert rep_a["metrics"] == rep_b["metrics"]
    assert got == expected  # and everything else: view, skipped checks, warnings
    assert sum(s["rep_count"] for s in got) >= 6  # type: ignore[misc]
    assert any(f for s in got for r in s["reps"] for f in r["faults"])  # type: ignore[attr-defined]
    # The caller wrote every output: the same session files, and the annotated videos whose
    # bytes came back from the workers, each a whole video.
    from formcheck.video import probe

    for name in CLIPS:
        stem = Path(name).stem
        ours = json.loads((tmp_path / "ray" / stem / "session.json").read_text())
        theirs = json.loads((tmp_path / "pool" / stem / "session.json").read_text())
        ours.pop("created")
        theirs.pop("created")
        assert ours == theirs
        assert (tmp_path / "ray" / stem / "reps.csv").read_text() == (
            tmp_path / "pool" / stem / "reps.csv"
        ).read_text()
        info = probe(tmp_path / "ray" / stem / "annotated.mp4")
        assert info.n_frames > 0.9 * probe(d / name).n_frames
    no_partial_files(tmp_path / "ray")
    # The workers left no folders of their own on the node.
    assert set(temp.glob("formcheck-actor-*")) | set(temp.glob("formcheck-video-*")) <= before
    # ... and recorded the sessions in its own store.
    listed = run("sessions", env=env)
    assert listed.returncode == 0 and listed.stdout.count("squat") == 2, listed.stdout


@needs_ray
def test_fast_on_ray_gives_the_process_pools_sessions(
    tmp_path: Path, ray_cluster: tuple[str, dict[str, str]]
) -> None:
    # One actor reads both files with the same following model pair, reset between them
    # (--ray-workers 1); the pool reads each with a fresh one. Same sessions.
    address, env = ray_cluster
    d = clips_folder(tmp_path)
    pool = run("score", d, "-e", "squat", "--json", "--fast", "--jobs", "2", "--no-store",
               "--out", tmp_path / "pool")
    assert pool.returncode == 0, pool.stderr
    on_ray = run("score", d, "-e", "squat", "--json", "--fast", "--ray", address, "--ray-workers", "1",
                 "--no-store", "--out", tmp_path / "ray", env=env)
    assert on_ray.returncode == 0, on_ray.stderr
    expected, got = sessions(pool.stdout), sessions(on_ray.stdout)
    # 3 and 4 reps; --fast may lose the second clip's shallow rep on some CPUs (see
    # tests/test_follow.py::test_fast_scores_a_sample_like_the_default).
    assert [s["rep_count"] for s in got] in ([3, 4], [3, 3])
    assert got == expected


@needs_ray
def test_a_bad_file_on_ray_is_reported_and_the_rest_go_on(
    tmp_path: Path, ray_cluster: tuple[str, dict[str, str]]
) -> None:
    address, env = ray_cluster
    d = tmp_path / "in"
    trace(d / "a.npz", seed=0)
    trace(d / "c.npz", seed=1)
    (d / "b.mp4").write_text("not a video\n")
    out = tmp_path / "out"
    r = run("score", d, "-e", "squat", "--json", "--ray", address, "--out", out, env=env)
    assert r.returncode == 6, r.stderr
    [line] = error_lines(r.stderr)
    assert line == f"formcheck: {d / 'b.mp4'} is a text file, not a video."
    payload = json.loads(r.stdout)
    assert payload["errors"] == [{"path": str(d / "b.mp4"), "message": line.removeprefix("formcheck: ")}]
    assert sorted(p.name for p in out.iterdir()) == ["a", "c"]
    no_partial_files(out)
    pool = run("score", d, "-e", "squat", "--json", "--jobs", "2", "--no-store", "--out", tmp_path / "pool")
    assert pool.returncode == 6, pool.stderr
    assert sessions(r.stdout) == sessions(pool.stdout)
    assert [s["rep_count"] for s in sessions(r.stdout)] == [2, 2]


def _descendants(pid: int) -> set[int]:
    """The processes below ``pid`` now (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _cmdline(pid: int) -> str:
    try:
        raw = (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace")


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@needs_ray
@pytest.mark.skipif(sys.platform != "linux", reason="reads the process tree from /proc")
@pytest.mark.parametrize(
    ("sig", "code", "twice"),
    [(signal.SIGINT, 130, False), (signal.SIGTERM, 143, False), (signal.SIGINT, 130, True)],
)
def test_a_stopped_ray_run_exits_in_one_sentence_and_leaves_nothing_behind(
    tmp_path: Path, sig: signal.Signals, code: int, twice: bool
) -> None:
    """Stopped while a worker holds a video; ``twice``: Ctrl-C again as it stops (a tester once
    found the local Ray's files left behind so): still one sentence, nothing left."""
    d = clips_folder(tmp_path)
    out = tmp_path / "out"
    ray_files = set(Path(tempfile.gettempdir()).glob("formcheck-ray.*"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "formcheck", "score", d, "-e", "squat", "--ray", "--annotate",
         "--save-landmarks", "--out", out],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
    )
    seen: set[int] = set()
    try:
        deadline = time.monotonic() + 180
        while not any("Scorer.score" in _cmdline(p) for p in seen):  # a worker holds a video
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no Ray worker started"
            seen |= _descendants(proc.pid)
            time.sleep(0.2)
        time.sleep(1.0)  # well into the video
        seen |= _descendants(proc.pid)
        proc.send_signal(sig)
        if twice:
            time.sleep(0.3)
            proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == code, stderr
    assert error_lines(stderr) == ["formcheck: stopped; nothing half-written was kept."]
    assert stdout == ""
    if out.exists():  # (left out when nothing was finished)
        no_partial_files(out)
    deadline = time.monotonic() + 30  # the local Ray's processes went with it
    while (left := [p for p in seen if _alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not left, [_cmdline(p) for p in left]
    assert set(Path(tempfile.gettempdir()).glob("formcheck-ray.*")) <= ray_files  # its sockets, logs


def test_without_ray_installed_ray_says_how_to_install_it(tmp_path: Path) -> None:
    fake = tmp_path / "site" / "ray"  # an import of ray that fails, as where it is not installed
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError(\"No module named 'ray'\")\n")
    path = os.pathsep.join([str(tmp_path / "site"), str(ROOT)])
    folder = tmp_path / "in"
    trace(folder / "a.npz", seed=0)
    r = run("score", folder, "-e", "squat", "--ray", "--out", tmp_path / "out", env={"PYTHONPATH": path})
    assert r.returncode == 2, r.stderr
    assert error_lines(r.stderr) == [
        "formcheck: --ray needs Ray, which is not installed here: pip install 'formcheck[cluster]'."
    ]
    assert not (tmp_path / "out").exists()
    r = run("score", folder, "-e", "squat", "--ray-workers", "2", "--out", tmp_path / "out")
    assert r.returncode == 2 and error_lines(r.stderr) == ["formcheck: --ray-workers goes with --ray."]
    # --jobs is this machine's processes: with --ray it would be ignored, so it is refused, and
    # a count under 1 is refused rather than read as the default.
    for args, said in [
        (["--ray", "--jobs", "2"],
         "--jobs sets processes on this machine; with --ray, --ray-workers sets the workers."),
        (["--ray", "--ray-workers", "0"], "--ray-workers must be 1 or more, got 0."),
        (["--jobs", "0"], "--jobs must be 1 or more, got 0."),
    ]:
        r = run("score", folder, "-e", "squat", *args, "--out", tmp_path / "out", env={"PYTHONPATH": path})
        assert r.returncode == 2 and error_lines(r.stderr) == [f"formcheck: {said}"], args
    assert not (tmp_path / "out").exists()


@needs_ray
@pytest.mark.skipif(sys.platform != "linux", reason="reads the process tree from /proc")
def test_a_worker_that_dies_is_replaced_and_only_its_file_is_lost(tmp_path: Path) -> None:
    """A worker killed outright (as by a native crash) mid-file: the file is tried once more on a
    new worker; killed again, the file is reported and the next file is scored."""
    d = clips_folder(tmp_path)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "formcheck", "score", d, "-e", "squat", "--ray", "--ray-workers", "1",
         "--json", "--out", out],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
    )
    killed: list[int] = []
    try:
        deadline = time.monotonic() + 240
        while len(killed) < 2:  # the first file, on the first worker and again on the second
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no Ray worker started"
            workers = [p for p in _descendants(proc.pid)  # (Ray names the process by its task)
                       if "Scorer.score" in _cmdline(p) and _alive(p) and p not in killed]
            if workers:
                time.sleep(1.0)  # into the video (a file takes 10 s or more)
                os.kill(workers[0], signal.SIGKILL)
                killed.append(workers[0])
            time.sleep(0.2)
        stdout, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 6, stderr
    first, second = (d / name for name in CLIPS)
    assert error_lines(stderr) == [
        f"formcheck: {first} made the scorer crash twice; the file may be damaged."
    ]
    payload = json.loads(stdout)
    assert [s["source"] for s in payload["sessions"]] == [str(second)]
    assert payload["sessions"][0]["rep_count"] == 4
    assert sorted(p.name for p in out.iterdir()) == [second.stem]
    no_partial_files(out)


@needs_ray
def test_an_address_where_nothing_answers_is_one_sentence(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    trace(folder / "a.npz", seed=0)
    address = f"127.0.0.1:{_free_port()}"
    r = run("score", folder, "-e", "squat", "--ray", address, "--out", tmp_path / "out", timeout=120)
    assert r.returncode == 2, r.stderr
    [line] = error_lines(r.stderr)
    assert line.startswith(f"formcheck: Nothing answers at {address} (") and "Ray cluster" in line
    assert not (tmp_path / "out").exists()


# -- the unit of work both run: batch.score_file --------------------------------------------------

def test_score_file_gives_the_session_and_calls_a_copy_by_the_callers_name(tmp_path: Path) -> None:
    from formcheck.batch import ScoreSettings, score_file
    from formcheck.landmarks import PoseSequence
    from formcheck.pipeline import score_sequence

    path = trace(tmp_path / "node" / "input.npz", seed=3)
    settings = ScoreSettings("squat")
    direct = score_sequence(PoseSequence.load(path), "squat", source=str(path))
    scored = score_file(path, settings)
    assert scored.ok and scored.code == 0 and scored.error == "" and scored.extras == []
    assert scored.session is not None and scored.session.summary() == direct.summary()
    assert len(scored.session.reps) == 2
    # A node's copy is called as the caller named it, in the session and in any message.
    named = score_file(path, settings, name="/clinic/in/anna.npz")
    assert named.path == "/clinic/in/anna.npz"
    assert named.session is not None and named.session.source == "/clinic/in/anna.npz"
    broken = tmp_path / "node" / "input.mp4"
    broken.write_text("not a video\n")
    bad = score_file(broken, settings, name="/clinic/in/bob.mp4")
    assert not bad.ok and bad.session is None
    assert (bad.error, bad.code) == ("/clinic/in/bob.mp4 is a text file, not a video.", 4)


def test_score_file_wants_a_folder_for_the_files_it_writes(tmp_path: Path) -> None:
    from formcheck.batch import ScoreSettings, score_file

    path = trace(tmp_path / "a.npz", seed=0)
    with pytest.raises(ValueError, match="extras folder"):
        score_file(path, ScoreSettings("squat", annotate=True))
