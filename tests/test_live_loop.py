"""``formcheck live`` end to end, headless, on a simulated camera (a video file played in real
time): reps saved as they complete, a file that stops mid-set, Ctrl-C and SIGTERM, bad cameras
and bad files. Runs ``python -m formcheck.live`` in a subprocess, as a user would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from functools import cache
from pathlib import Path

import pytest

from testkit.evaluate import studio_samples

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def live_cmd(*args: str | Path) -> list[str]:
    return [PY, "-m", "formcheck", "live", *map(str, args)]


def env(display: str | None = None) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    if display:
        e["DISPLAY"] = display
    e["PYTHONUNBUFFERED"] = "1"
    return e


@cache
def mannequin(seconds: float) -> Path:
    """A synthetic clip (front view, one squat every 2.5 s) from benchmarks/speed.py."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from speed import write_mannequin_clip

    out = Path(os.environ.get("PYTEST_LIVE_TMP", "/tmp")) / f"formcheck-live-mannequin-{seconds:g}s.mp4"
    if not out.exists():
        tmp = out.with_suffix(".tmp.mp4")
        write_mannequin_clip(tmp, seconds)
        tmp.replace(out)
    return out


def squat_sample() -> tuple[Path, dict]:  # type: ignore[type-arg]
    """A squat studio sample and its truth; skips the test when there is none."""
    for video, truth in studio_samples(ROOT / "samples", "squat_side*.json"):
        return video, truth
    pytest.skip("no squat studio sample (mp4 + JSON truth) in samples/")


@cache
def cut_clip(src: Path, seconds: float) -> Path:
    """The first ``seconds`` of ``src``, re-encoded (a camera that stops there)."""
    import cv2

    out = Path(os.environ.get("PYTEST_LIVE_TMP", "/tmp")) / f"formcheck-live-{src.stem}-{seconds:g}s.mp4"
    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    tmp = out.with_suffix(".tmp.mp4")
    wr = None
    for _ in range(int(seconds * fps)):
        ok, frame = cap.read()
        if not ok:
            break
        if wr is None:
            h, w = frame.shape[:2]
            wr = cv2.VideoWriter(str(tmp), cv2.VideoWriter.fourcc(*"mp4v"), fps, (w, h))
        wr.write(frame)
    cap.release()
    assert wr is not None
    wr.release()
    tmp.replace(out)
    return out


def session_of(out: Path) -> dict:  # type: ignore[type-arg]
    dirs = sorted(out.glob("live-*"))
    assert len(dirs) == 1, dirs
    return json.loads((dirs[0] / "session.json").read_text())


def watch(
    proc: subprocess.Popen, out: Path, until=None, timeout: float = 600.0
) -> list[tuple[float, int, str]]:  # type: ignore[type-arg]
    """Poll the saved session while the process runs: (time, rep_count, ended) whenever it changes.
    Stops early when ``until(rep_count, ended)`` is true."""
    seen: list[tuple[float, int, str]] = []
    t0 = time.monotonic()
    while proc.poll() is None and time.monotonic() - t0 < timeout:
        for d in out.glob("live-*"):
            try:
                data = json.loads((d / "session.json").read_text())
            except (OSError, ValueError):
                continue  # never half-written (atomic), but may not exist yet
            item = (time.monotonic() - t0, data["rep_count"], data["ended"])
            if not seen or seen[-1][1:] != item[1:]:
                seen.append(item)
            if until is not None and until(item[1], item[2]):
                return seen
        time.sleep(0.1)
    return seen


def test_reps_are_saved_as_they_complete(tmp_path: Path) -> None:
    clip, truth = squat_sample()
    out = tmp_path / "out"
    proc = subprocess.Popen(
        live_cmd("-e", "squat", "--camera", clip, "--out", out, "--headless"),
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = watch(proc, out)
    stdout, stderr = proc.communicate(timeout=600)
    assert "Traceback" not in stderr
    in_progress = [n for _, n, ended in seen if ended == "in progress"]
    assert in_progress and in_progress[0] == 0, "the session is written as soon as the set starts"
    assert max(in_progress) >= len(truth["reps"]) - 1, f"reps were not saved while the set ran: {seen}"
    counts = [n for _, n, _ in seen]
    assert counts == sorted(counts)
    final = session_of(out)
    # The file ends before the set of 10 is done: a video played to its end is a normal end
    # (not a camera lost).
    assert proc.returncode == 0, stderr
    assert final["ended"] == "complete"
    assert final["rep_count"] == len(truth["reps"])
    assert final["exercise"] == "squat" and final["format"] == "formcheck-session"
    # Every analysed frame is in the trace, over the whole set. (Not how many: that is the
    # machine's speed. It was "> 100", and this CPU analyses 8 frames a second of this 12 s clip.)
    t_s = final["trace"]["t_s"]
    assert len(t_s) == final["n_frames"] > 0
    assert t_s[-1] - t_s[0] >= final["duration_s"] - 1.0, (t_s[0], t_s[-1], final["duration_s"])
    assert "camera" not in stderr.lower()
    assert "squat" in stdout and f"Saved: {next(out.glob('live-*'))}" in stdout


def test_file_that_stops_mid_set_keeps_completed_reps(tmp_path: Path) -> None:
    clip, truth = squat_sample()
    last = truth["reps"][-1]
    cut_s = (last["start_s"] + last["peak_s"]) / 2  # going down into the last squat
    cut = cut_clip(clip, cut_s)
    done_before = [r for r in truth["reps"] if r["end_s"] < cut_s]
    assert done_before
    out = tmp_path / "out"
    r = subprocess.run(
        live_cmd("-e", "squat", "--camera", cut, "--out", out, "--headless"),
        env=env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr  # a file that ends is the end of the set, not a lost camera
    s = session_of(out)
    assert s["ended"] == "complete"
    assert s["rep_count"] == len(done_before), (s["reps"], done_before)
    for live, lab in zip(s["reps"], done_before, strict=True):
        assert live["start_s"] - 0.3 <= lab["peak_s"] <= live["end_s"] + 0.3
    assert f"{len(done_before)} reps" in r.stdout and "Saved:" in r.stdout


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupt_saves_the_set(tmp_path: Path, sig: int) -> None:
    out = tmp_path / "out"
    clip, _ = squat_sample()
    proc = subprocess.Popen(
        live_cmd("-e", "squat", "--camera", clip, "--out", out, "--headless"),
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = watch(proc, out, until=lambda n, ended: n >= 1)
    assert seen and seen[-1][1] >= 1, f"no rep before the signal: {seen}"
    proc.send_signal(sig)
    _stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == (130 if sig == signal.SIGINT else 143)
    assert "Traceback" not in stderr
    s = session_of(out)
    assert s["ended"] == "interrupted"
    assert s["rep_count"] >= seen[-1][1]
    lines = [ln for ln in stderr.splitlines() if ln.startswith("formcheck: stopped")]
    assert lines == [
        f"formcheck: stopped; {s['rep_count']} completed rep{'s' if s['rep_count'] != 1 else ''} "
        f"saved in {next(out.glob('live-*'))}."
    ]


def test_max_seconds_ends_the_set(tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = subprocess.run(
        live_cmd(
            "-e", "bridge", "--camera", mannequin(12.0), "--out", out, "--headless", "--max-seconds", "2"
        ),
        env=env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    s = session_of(out)  # ended by --max-seconds, long before the 12 s clip (no wall-clock budget)
    assert s["ended"] == "stopped by user"
    assert s["duration_s"] < 10.0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /dev/videoN")
def test_no_camera(tmp_path: Path) -> None:
    idx = (
        0
        if not Path("/dev/video0").exists()
        else next(i for i in range(10, 64) if not Path(f"/dev/video{i}").exists())
    )
    r = subprocess.run(
        live_cmd("-e", "squat", "--camera", str(idx), "--out", tmp_path, "--headless"),
        env=env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 7
    assert r.stderr == f"formcheck: No camera found at index {idx}.\n"
    assert not list(tmp_path.glob("live-*")), "no set began, so nothing is saved"


@pytest.mark.parametrize("kind", ["text", "image", "missing", "empty"])
def test_bad_file_same_message_as_score(tmp_path: Path, kind: str) -> None:
    p = tmp_path / "clip.mp4"
    if kind == "text":
        p.write_text("not a video\n")
    elif kind == "image":
        import cv2
        import numpy as np

        cv2.imwrite(str(tmp_path / "x.png"), np.zeros((8, 8, 3), np.uint8))
        (tmp_path / "x.png").rename(p)
    elif kind == "empty":
        p.write_bytes(b"")
    live = subprocess.run(
        live_cmd("-e", "squat", "--camera", p, "--out", tmp_path / "o", "--headless"),
        env=env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    score = subprocess.run(
        [PY, "-m", "formcheck", "score", str(p), "-e", "squat", "--out", str(tmp_path / "o2")],
        env=env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert live.returncode == score.returncode in (3, 4)
    assert live.stderr == score.stderr
    assert live.stderr.count("\n") == 1 and "Traceback" not in live.stderr


def test_without_a_screen_asks_for_headless(tmp_path: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("DISPLAY is a Linux/X11 notion")
    r = subprocess.run(
        live_cmd("-e", "squat", "--camera", mannequin(12.0), "--out", tmp_path),
        env=env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 2
    assert "use --headless" in r.stderr and r.stderr.count("\n") == 1


def test_prescription_for_another_exercise(tmp_path: Path) -> None:
    rx = tmp_path / "rx.toml"
    rx.write_text('exercise = "bridge"\nreps = 3\n')
    r = subprocess.run(
        live_cmd(
            "-e", "squat", "--camera", mannequin(12.0), "--prescription", rx, "--headless", "--out", tmp_path
        ),
        env=env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 2
    assert r.stderr == "formcheck: The prescription is for bridge, not squat.\n"


def test_sigterm_before_the_set_exits_143(tmp_path: Path) -> None:
    """SIGTERM while the set has not begun (here: at the pain question) ends with one sentence
    and 143, as for every other command; nothing is saved."""
    import threading

    clip, _ = squat_sample()
    proc = subprocess.Popen(
        live_cmd(
            "-e",
            "squat",
            "--camera",
            clip,
            "--out",
            tmp_path / "out",
            "--headless",
            "--ask-pain",
            "--no-store",
        ),
        env=env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    asked = threading.Event()
    err = bytearray()

    def read() -> None:
        assert proc.stderr is not None
        while chunk := proc.stderr.read1(256):  # type: ignore[attr-defined]
            err.extend(chunk)
            if b"Pain right now" in err:
                asked.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert asked.wait(300), f"no pain question: {err.decode(errors='replace')}"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=120) == 143
    reader.join(30)
    text = err.decode(errors="replace")
    assert "Traceback" not in text and "stopped before the set began; nothing was saved." in text
    assert not list((tmp_path / "out").glob("live-*/session.json"))
