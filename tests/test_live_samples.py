"""``formcheck live`` on the bundled studio samples played as a camera (headless, real time):
the counted reps and the saved session against each sample's ground truth."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from testkit.evaluate import studio_samples
from testkit.posecache import sample_poses

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


CLIPS = [video for video, _ in studio_samples(SAMPLES)]
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CLIPS, reason="no studio samples (mp4 + JSON truth) in samples/"),
]


def target_for(truth: dict) -> int:  # type: ignore[type-arg]
    """Reps in the set so it completes at the sample's last rep (per side where the exercise
    counts per side); 0 when a sample of such an exercise works both sides (then the file ends
    the set)."""
    from formcheck.definitions import load

    reps = truth["reps"]
    sides = {r.get("side") for r in reps if r.get("side")}
    if load(truth["exercise"]).counting.per_side and sides:
        return len(reps) if len(sides) == 1 else 0
    return len(reps)


def sample_rx(truth: dict) -> str:  # type: ignore[type-arg]
    """The sample's own prescription (its JSON's ``prescription``) as TOML lines."""
    return "".join(f"{k} = {v}\n" for k, v in truth.get("prescription", {}).items())


def run_live(
    video: Path, out: Path, *extra: str, timeout: float | None = None, display: str | None = None
) -> tuple[subprocess.CompletedProcess, dict, dict]:  # type: ignore[type-arg]
    """Run the sample through ``formcheck live``; returns (process, session, truth)."""
    truth = json.loads(video.with_suffix(".json").read_text())
    rx = out.parent / f"{video.stem}-rx.toml"
    target = target_for(truth)
    rx.write_text(
        (
            f'exercise = "{truth["exercise"]}"\nreps = {max(target, 99)}\n'
            if target == 0
            else f'exercise = "{truth["exercise"]}"\nreps = {target}\n'
        )
        + sample_rx(truth)
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    if display:
        env["DISPLAY"] = display
    cmd = [
        sys.executable,
        "-m",
        "formcheck",
        "live",
        "-e",
        truth["exercise"],
        "--camera",
        str(video),
        "--prescription",
        str(rx),
        "--out",
        str(out),
        "--mute",
        *extra,
    ]
    if display is None:
        cmd.append("--headless")
    duration = truth["n_frames"] / truth["fps"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout or duration + 600)
    dirs = sorted(out.glob("live-*"))
    assert len(dirs) == 1, (proc.stderr, dirs)
    session = json.loads((dirs[0] / "session.json").read_text())
    return proc, session, truth


def matches(reps: list[dict], truth_reps: list[dict]) -> list[tuple[dict, dict]]:  # type: ignore[type-arg]
    """Pair each true rep with the unused counted rep around its peak (the rule of
    ``testkit.evaluate.compare``: the true peak inside the counted rep, +-0.3 s)."""
    used: set[int] = set()
    out = []
    for lab in truth_reps:
        best, best_d = None, 1e9
        for i, r in enumerate(reps):
            if i in used or not (r["start_s"] - 0.3 <= lab["peak_s"] <= r["end_s"] + 0.3):
                continue
            if abs(r["peak_s"] - lab["peak_s"]) < best_d:
                best, best_d = i, abs(r["peak_s"] - lab["peak_s"])
        if best is not None:
            used.add(best)
            out.append((lab, reps[best]))
    return out


@functools.cache
def _live_poses(video: Path, exercise: str) -> tuple[tuple[object, ...], ...]:
    """Every frame's person as the live loop's pose settings read them (turned round for an
    exercise done lying down, as the live loop does): (image, world, t_s, aspect, n_people).
    A studio sample has one person: n_people is 1 where they were found."""
    from formcheck.definitions import load
    from formcheck.live.app import LIVE_NUM_POSES
    from formcheck.pose import PoseOptions

    assert PoseOptions().num_poses == LIVE_NUM_POSES  # the cached landmarks are the live loop's
    seq = sample_poses(video, load(exercise).lying)
    aspect = seq.width / seq.height
    return tuple(
        (seq.image[i], seq.world[i], seq.t_ms[i] / 1000, aspect, int(np.isfinite(seq.image[i, :, 0]).any()))
        for i in range(len(seq))
    )


def offline(video: Path, exercise: str, step: int = 1, first: int = 0) -> dict:  # type: ignore[type-arg]
    """Offline scoring with the live loop's pose settings (and the sample's own prescription):
    of every frame, or of every ``step``-th from ``first``."""
    from formcheck.pipeline import Scorer

    truth = json.loads(video.with_suffix(".json").read_text())
    sc = Scorer(exercise, truth.get("prescription"))
    for image, world, t_s, aspect, n_people in _live_poses(video, exercise)[first::step]:
        sc.update(image, world, t_s, aspect, n_people)
    return sc.finish(str(video), 30.0).to_dict()


def check_against_truth(proc, session: dict, truth: dict, video: Path) -> None:  # type: ignore[no-untyped-def,type-arg]
    assert "Traceback" not in proc.stderr, proc.stderr
    assert session["format"] == "formcheck-session"
    assert session["exercise"] == truth["exercise"]
    want = len(truth["reps"])
    got = session["reps"]
    assert session["rep_count"] == len(got)
    if len(got) == want:
        # With a target the set completes; without, the file's end ends it: also complete.
        assert proc.returncode == 0, proc.stderr
        assert session["ended"] == "complete"
        pairs = matches(got, truth["reps"])
        assert len(pairs) == want, f"counted reps not where the truth has them: {got}"
        for lab, r in pairs:
            if lab.get("side"):
                rate = f"{session['n_frames']} frames analysed in {session['duration_s']} s"
                assert r["side"] == lab["side"], (lab, r, rate)
        return
    # Miscounted: fine only if offline scoring miscounts the same way (then it is the checker's
    # doing, not the live loop's): of every frame, or of frames as few as live had time for. A
    # busy machine analyses fewer frames a second, and a quick rep can fall between two of them
    # (test_e2e_samples.NOT_ALIKE_AT_7_5_FPS): every phase of that spacing is tried.
    off = offline(video, truth["exercise"])
    if len(got) == off["rep_count"]:
        pytest.xfail(f"offline scoring also counts {off['rep_count']} of {want} reps")
    rate = session["n_frames"] / session["duration_s"]
    step = max(1, round(truth["fps"] / rate))
    sparse = {offline(video, truth["exercise"], step, i)["rep_count"] for i in range(step)}
    assert len(got) in sparse, (
        f"live counted {len(got)}, offline {off['rep_count']} of every frame and {sorted(sparse)} "
        f"of every {step} (live analysed {rate:.1f} frames a second), truth {want}"
    )
    pytest.xfail(f"live analysed {rate:.1f} frames a second; offline from as few counts {len(got)} of {want}")


@pytest.mark.parametrize("video", CLIPS, ids=[c.stem for c in CLIPS])
def test_live_counts_match_truth(video: Path, tmp_path: Path) -> None:
    proc, session, truth = run_live(video, tmp_path / "out")
    check_against_truth(proc, session, truth, video)
    # Faults come from the same checks as offline scoring: live must agree with offline on
    # most reps (frames dropped live shift metrics a little). Agreement with the truth is the
    # checkers' business (tests/test_e2e_samples.py).
    off = offline(video, truth["exercise"])
    pairs_live = dict((lab["index"], r) for lab, r in matches(session["reps"], truth["reps"]))
    pairs_off = dict((lab["index"], r) for lab, r in matches(off["reps"], truth["reps"]))
    both = sorted(set(pairs_live) & set(pairs_off))
    differ = [
        f"rep {i}: live {sorted(f['code'] for f in pairs_live[i]['faults'])}, offline "
        f"{sorted(f['code'] for f in pairs_off[i]['faults'])}"
        for i in both
        if {f["code"] for f in pairs_live[i]["faults"]} != {f["code"] for f in pairs_off[i]["faults"]}
    ]
    assert len(differ) * 3 <= len(both), "; ".join(differ)
