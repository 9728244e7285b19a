"""Native libraries' log lines never reach the terminal; formcheck's own sentences do."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from formcheck.quiet import is_native_log

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
NOISE = re.compile(r"^(INFO:|WARNING: \[|W0000|I0000|WARNING: Logging before)", re.M)


@pytest.mark.parametrize(
    ("line", "native"),
    [
        (b"INFO: [accelerator_registry.cc:43] DestroyAccelerator: ptr=0x7f, name=CpuAccelerator", True),
        (b"WARNING: [model_load.cc:402] Sparsity tensors may not yet be fully supported.", True),
        (b"W0000 00:00:1764410000.123456   123 inference_feedback_manager.cc:114] Feedback", True),
        (b"I0000 00:00:1764410000.123456   123 gl_context.cc:369] GL version", True),
        (b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR", True),
        (b"WARNING: Logging before InitGoogle() is written to STDERR", True),
        (b"formcheck: No such file or folder: x.mp4.", False),
        (b"Traceback (most recent call last):", False),
        (b"INFO is a word", False),
        (b"[model_load.cc:402] Sparsity tensors may not yet be fully supported.", True),  # spliced
        (b"WARNING: WARNING: [model_load.cc:402] Sparsity", True),
        (b"formcheck: [1/2] clip.mp4: 3 reps", False),
        (b"Stack trace:", True),
        (b"    @     0x7f2e3f4e20cd  absl::StatusBuilder::CreateStatusAndConditionallyLog()", True),
        (b"=== Source Location Trace: ===", True),
        (b"third_party/mediapipe/framework/calculator_node.cc:1014", True),
        (b'Calculator::Process() for node "x" failed: RET_CHECK failure (third_party/a/b.cc:467) x', True),
        (b"WARNING: Read-only tensor #1 has an unaligned buffer; copying to an aligned heap buffer.", True),
    ],
)
def test_native_log_lines_are_recognised(line: bytes, native: bool) -> None:
    assert is_native_log(line) is native


def _formcheck(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("formcheck")
    cmd = [str(exe)] if exe.is_file() else [sys.executable, "-m", "formcheck"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run([*cmd, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.e2e
def test_score_prints_no_native_log_lines(tmp_path: Path) -> None:
    clip = SAMPLES / "squat_side_clean.mp4"
    if not clip.is_file():
        pytest.skip("bundled sample missing")
    out = str(tmp_path / "o")
    r = _formcheck("score", str(clip), "-e", "squat", "--no-store", "--out", out, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert not NOISE.search(r.stderr), r.stderr
    assert r.stderr.strip() == ""
    assert "3 reps" in r.stdout


def test_error_sentence_still_reaches_the_user(tmp_path: Path) -> None:
    r = _formcheck("score", str(tmp_path / "missing.mp4"), "-e", "squat", "--no-store", cwd=tmp_path)
    assert r.returncode == 3
    missing = tmp_path / "missing.mp4"
    assert r.stderr.strip().splitlines() == [f"formcheck: No such file or folder: {missing}."]
