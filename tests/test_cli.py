"""The ``formcheck score`` command: outputs, JSON schema, bad input, exit codes."""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.cli import main
from formcheck.errors import ExitCode
from formcheck.landmarks import PoseSequence

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


def _trace(tmp_path: Path) -> Path:
    """A landmark trace of a clean synthetic squat set (no real data needed)."""
    from testkit import synthetic

    seq, _ = synthetic.squat(reps=3, view="side", seed=1)
    p = tmp_path / "set.npz"
    seq.save(p)
    return p


def _blank_video(path: Path, frames: int = 20) -> Path:
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (160, 120))
    for i in range(frames):
        w.write(np.full((120, 160, 3), 40 + i, np.uint8))
    w.release()
    return path


def test_json_output_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trace = _trace(tmp_path)
    rc = main(["score", str(trace), "-e", "squat", "--json", "--out", str(tmp_path / "out")])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["exercise"] == "squat" and out["view"] == "side"
    assert len(out["reps"]) == 3
    rep = out["reps"][0]
    assert {"index", "side", "start_s", "end_s", "metrics", "faults"} <= rep.keys()
    assert rep["start_s"] < rep["end_s"]
    assert isinstance(out["skipped_checks"], list) and isinstance(out["warnings"], list)
    assert {c["code"] for c in out["skipped_checks"]} >= {"knees_caving", "narrow_stance"}
    saved = json.loads((tmp_path / "out" / "set" / "session.json").read_text())
    assert saved["format"] == "formcheck-session" and saved["version"] == 1
    assert len(saved["trace"]["t_s"]) == len(PoseSequence.load(trace))
    csv = (tmp_path / "out" / "set" / "reps.csv").read_text().splitlines()
    assert len(csv) == 1 + 3 and csv[0].startswith("rep,side,start_s")


def test_prescription_changes_verdict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from testkit import synthetic

    seq, _ = synthetic.squat(reps=2, view="side", depth_knee_deg=112, seed=2)
    trace = tmp_path / "shallow.npz"
    seq.save(trace)
    assert main(["score", str(trace), "-e", "squat", "--json", "--out", str(tmp_path / "a")]) == 0
    default = json.loads(capsys.readouterr().out)
    assert all("shallow" in [f["code"] for f in r["faults"]] for r in default["reps"])
    rx = tmp_path / "rx.toml"
    rx.write_text('exercise = "squat"\ndepth_knee_deg = 110\n')
    assert (
        main(
            [
                "score",
                str(trace),
                "-e",
                "squat",
                "--json",
                "--prescription",
                str(rx),
                "--out",
                str(tmp_path / "b"),
            ]
        )
        == 0
    )
    eased = json.loads(capsys.readouterr().out)
    assert eased["prescription"]["depth_knee_deg"] == 110
    assert not any("shallow" in [f["code"] for f in r["faults"]] for r in eased["reps"])


@pytest.mark.parametrize(
    ("make", "code", "words"),
    [
        (lambda d: d / "nope.mp4", ExitCode.NO_INPUT, "No such file"),
        (
            lambda d: (d / "notes.mp4").write_text("hello, this is text") and d / "notes.mp4",
            ExitCode.BAD_VIDEO,
            "not a video",
        ),
        (
            lambda d: (d / "empty.mp4").write_bytes(b"") or d / "empty.mp4",
            ExitCode.BAD_VIDEO,
            "empty",
        ),
        (lambda d: _blank_video(d / "blank.mp4"), ExitCode.NO_PERSON, "No person"),
    ],
    ids=["missing", "text", "empty", "no-person"],
)
def test_bad_input_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make, code, words
) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    out = tmp_path / "out"
    rc = main(["score", str(path), "-e", "squat", "--out", str(out), "--annotate"])
    err = capsys.readouterr().err
    assert rc == code, err
    assert words.lower() in err.lower()
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    leftovers = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    assert leftovers == [], f"half-written output left: {leftovers}"


def test_exercise_names_and_mistakes_through_the_command(tmp_path: Path) -> None:
    """A name or title in any case is taken; a mistake is one sentence with a suggestion and
    exit code 2, never argparse's usage block (the real command, as a subprocess)."""
    import subprocess
    import sys

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "formcheck", *args], capture_output=True, text=True,
                              timeout=120)

    r = run("exercises", "Glute bridge")
    assert r.returncode == 0 and "bridge" in r.stdout, r.stderr
    trace = _trace(tmp_path)
    r = run("score", str(trace), "-e", "Squats", "--no-store", "--out", str(tmp_path / "o"))
    assert r.returncode == 0 and "squat" in r.stdout, r.stderr
    rx = tmp_path / "rx.toml"
    rx.write_text('exercise = "Squat"\ndepth_knee_deg = 100\n')  # a title in the file too
    r = run("score", str(trace), "-e", "squat", "--prescription", str(rx), "--no-store",
            "--out", str(tmp_path / "p"))
    assert r.returncode == 0, r.stderr
    for args, words in (
        (("score", str(trace), "-e", "brige"), "There is no exercise called 'brige'. Did you mean bridge?"),
        (("score", str(trace)), "required: --exercise/-e"),
        (("live", "-e", "sqat"), "Did you mean squat?"),
        (("exercises", "banana"), "There is no exercise called 'banana'."),
    ):
        r = run(*args)
        assert r.returncode == ExitCode.USAGE, (args, r.stderr)
        assert words in r.stderr and "usage:" not in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_bad_prescription(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trace = _trace(tmp_path)
    rx = tmp_path / "rx.toml"
    rx.write_text("depth = 110\n")
    assert main(["score", str(trace), "-e", "squat", "--prescription", str(rx)]) == ExitCode.USAGE
    assert "Unknown prescription value 'depth'" in capsys.readouterr().err
    rx.write_text("depth_knee_deg = [\n")
    assert main(["score", str(trace), "-e", "squat", "--prescription", str(rx)]) == ExitCode.USAGE
    assert "not valid TOML" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_prescription_from_a_pipe_or_a_folder(tmp_path: Path) -> None:
    """``--prescription <(...)`` (a pipe, not a regular file) is read; a folder given as the
    prescription is one sentence and exit code 2 (the real command, as a subprocess)."""
    import subprocess
    import sys

    trace = _trace(tmp_path)
    cmd = (
        f"{shlex.quote(sys.executable)} -m formcheck score {shlex.quote(str(trace))} -e squat --no-store "
        f"--json --out {shlex.quote(str(tmp_path / 'o'))} "
        "--prescription <(printf 'depth_knee_deg = 101\\n')"
    )
    r = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["prescription"]["depth_knee_deg"] == 101
    r = subprocess.run(
        [sys.executable, "-m", "formcheck", "score", str(trace), "-e", "squat", "--no-store",
         "--prescription", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )
    assert r.returncode == ExitCode.USAGE, r.stderr
    assert r.stderr.strip().splitlines()[-1] == f"formcheck: {tmp_path} is a folder, not a prescription file."


def test_folder_some_bad(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "clips"
    d.mkdir()
    _trace(d)
    (d / "broken.mp4").write_text("not a video")
    rc = main(
        ["score", str(d), "-e", "squat", "--json", "--out", str(tmp_path / "o"), "--jobs", "2"]
    )
    assert rc == ExitCode.PARTIAL
    out = json.loads(capsys.readouterr().out)
    assert len(out["sessions"]) == 1 and len(out["errors"]) == 1
    assert out["errors"][0]["path"].endswith("broken.mp4")


def test_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(tmp_path), "-e", "bridge"]) == ExitCode.NO_INPUT
    assert "No videos in folder" in capsys.readouterr().err


@pytest.mark.skipif(not REALDATA.is_dir(), reason="no ../shared/realdata")
def test_realdata_trace_through_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(
        ["score", str(REALDATA / "bridge_side_darebee.npz"), "-e", "bridge", "--out", str(tmp_path)]
    )
    text = capsys.readouterr().out
    assert rc == 0
    assert "5 reps" in text and "hold at the top" in text and "Hold at the top a little longer." in text


def test_saved_line_names_every_file_written(tmp_path: Path) -> None:
    """`Saved:` lists what the run wrote: the session, the rep table, and the annotated video
    and landmark trace when asked for (the trace was written but not named)."""
    import subprocess
    import sys

    video = Path(__file__).resolve().parents[1] / "samples" / "squat_side_clean.mp4"
    out = tmp_path / "out"
    r = subprocess.run(
        [sys.executable, "-m", "formcheck", "score", str(video), "-e", "squat", "--annotate",
         "--save-landmarks", "--no-store", "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    saved = [line for line in r.stdout.splitlines() if line.startswith("Saved: ")]
    assert len(saved) == 1
    named = {Path(p) for p in saved[0].removeprefix("Saved: ").split(", ")}
    clip = out / "squat_side_clean"
    assert named == {clip / n for n in ("session.json", "reps.csv", "annotated.mp4", "landmarks.npz")}
    assert all(p.is_file() and p.stat().st_size > 0 for p in named)


def test_studio_from_an_installed_package_says_where_it_is() -> None:
    """The sample studio is not in the wheel: the command run where ``formcheck_studio``
    cannot be imported (as after ``pip install formcheck``) says in one sentence to run it
    from a checkout, with the usage exit code, no traceback."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['formcheck_studio'] = None; sys.argv = ['formcheck', 'studio', 'samples']; "
        "from formcheck.cli import main; sys.exit(main())"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == ExitCode.USAGE, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "formcheck: the studio comes with formcheck's source, not the installed package: run it "
        "from a checkout (pip install -e '.[studio]')."
    ]
