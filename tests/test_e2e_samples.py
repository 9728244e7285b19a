"""End to end on the bundled samples: video -> MediaPipe -> checkers, against the studio's
exact ground truth. Needs only MediaPipe (not the studio's packages)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from formcheck.definitions import load
from formcheck.landmarks import PoseSequence
from formcheck.pipeline import score_sequence
from testkit.evaluate import SampleResult, evaluate_sample, studio_samples, thinned
from testkit.posecache import sample_poses

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


CLIPS = [video for video, _ in studio_samples(SAMPLES)]
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CLIPS, reason="no studio samples in samples/"),
]


@cache
def _poses(video: Path) -> PoseSequence:
    return sample_poses(video, load(_truth(video)["exercise"]).lying)


@cache
def _truth(video: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(video.with_suffix(".json").read_text())


@cache
def _result(video: Path) -> tuple[SampleResult, dict]:  # type: ignore[type-arg]
    truth = _truth(video)
    return evaluate_sample(video, truth, _poses(video)), truth


@pytest.mark.parametrize("video", CLIPS, ids=[c.stem for c in CLIPS])
def test_rep_count_exact(video: Path) -> None:
    res, truth = _result(video)
    assert res.detection_rate >= 0.9, f"person found in only {res.detection_rate:.0%} of frames"
    assert res.clip.counted == len(truth["reps"]), (
        f"counted {res.clip.counted}, truth {len(truth['reps'])}: "
        f"{[(round(r.start_s, 1), round(r.end_s, 1)) for r in res.session.reps]}"
    )


def _clips_except(known: dict[str, str]) -> list:  # type: ignore[type-arg]
    """Every sample, those in ``known`` (stem -> why) as strict xfails."""
    return [
        pytest.param(c, id=c.stem, marks=pytest.mark.xfail(strict=True, reason=known[c.stem]))
        if c.stem in known
        else pytest.param(c, id=c.stem)
        for c in CLIPS
    ]


def _assert_counted_alike(video: Path, fewer: PoseSequence, how: str) -> None:
    """``fewer`` (some of the sample's frames) gives the same reps, on the same sides, as every frame."""
    truth = _truth(video)
    full = score_sequence(_poses(video), truth["exercise"], truth.get("prescription"))
    part = score_sequence(fewer, truth["exercise"], truth.get("prescription"))
    assert [r.side for r in part.reps] == [r.side for r in full.reps], (
        f"{how}: {[(round(r.start_s, 1), round(r.end_s, 1)) for r in part.reps]}, "
        f"every frame: {[(round(r.start_s, 1), round(r.end_s, 1)) for r in full.reps]}"
    )


# Not counted alike from every fourth frame: sample -> why. Strict, so it goes once it passes.
NOT_ALIKE_AT_7_5_FPS = {
    "squat_side_too_fast": "its 0.12 s drop falls between two analysed frames",
}
# (bridge_chest_side was here: side-on from chest height its start position reads 156.5 in the
# picture (range up to 155) and 134.5-143 in 3D (up to 135; truth 128.8), so counting began
# only by chance. The reps now show the start position (formcheck/checkers/shown_rest.py).)


@pytest.mark.parametrize("video", _clips_except(NOT_ALIKE_AT_7_5_FPS))
def test_rep_count_the_same_at_a_quarter_of_the_frames(video: Path) -> None:
    """Every fourth frame (7.5 a second: what a busy machine may analyse live, below the
    lowest film rate formcheck is asked to count) is counted as every frame is: what the
    checker follows over time (the start position's drift, waits, holds) goes by seconds, not
    frames. (Following the start position 5% a frame lost a side step here.)"""
    _assert_counted_alike(video, thinned(_poses(video), 4), "at 7.5 fps")


def _uneven(seq: PoseSequence, k: int, seed: int) -> PoseSequence:
    """Frames 1 to 2k-1 apart at random (1/k of the rate on average): a live loop on a busy
    machine analyses the newest camera frame whenever the model is free."""
    steps = np.random.default_rng(seed).integers(1, 2 * k, size=len(seq))
    idx = np.cumsum(np.concatenate([[0], steps]))
    idx = idx[idx < len(seq)]
    return PoseSequence(seq.image[idx], seq.world[idx], seq.t_ms[idx], seq.fps / k, seq.width, seq.height)


# Not counted alike from unevenly spaced frames: sample -> why. Strict, so it goes once it passes.
# (None now. Front-on, the last lunge's rear leg is seen in 3 of the bottom's 46 frames; from a
# third of them not at all, and its front leg's thigh-over-shin read 24 deg, under the 30 that
# named a lone leg the working one; from the front a lone leg is now the working one, lunge.py.)
NOT_ALIKE_UNEVEN: dict[str, str] = {}


@pytest.mark.parametrize("video", _clips_except(NOT_ALIKE_UNEVEN))
def test_rep_count_the_same_from_unevenly_spaced_frames(video: Path) -> None:
    """A third of the frames, 1/30 to 1/6 s apart at random, is counted as every frame is.
    Between sparse frames a quick return (a clamshell's close) or the way up into the next rep
    past the last one's peak (a side step after a short one) can fall between two frames; both
    lost reps before (the live clamshell in CI lost its first). Seeds 0 and 1 pass as well."""
    _assert_counted_alike(video, _uneven(_poses(video), 3, seed=2), "uneven")


# Planted faults formcheck is known to miss, each with why. Strict: a fix makes the test fail
# until the entry goes, so the guard tightens as formcheck improves.
# (None now. The side lunge's straight leg bending toward a camera in front read 7 deg for 60:
# the check is made only from an angle, where lunge_side_variant_oblique finds it.)
KNOWN_MISSES: dict[str, str] = {}
# Samples filmed where a check must be made: a skip ("Film from ...") would excuse a miss.
MUST_JUDGE = {"lunge_side_variant_oblique": {"straight_leg_bent"}, "bridge_chest_side": {"short_hold"}}


def _with_known_misses(clips: list[Path]) -> list[object]:
    return [
        pytest.param(c, id=c.stem, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[c.stem]))
        if c.stem in KNOWN_MISSES
        else pytest.param(c, id=c.stem)
        for c in clips
    ]


@pytest.mark.parametrize("video", _with_known_misses(CLIPS))
def test_faults_where_they_are(video: Path) -> None:
    res, truth = _result(video)
    checks = {c.code: c for c in load(truth["exercise"]).checks}
    assert len(res.clip.matched) == len(truth["reps"]), "every true rep must be matched"
    wrong = []
    for lab, rep in res.clip.matched:
        checkable = {
            c for c, chk in checks.items() if rep.view in chk.views and chk.active(res.session.prescription)
        }
        # A check the camera could not support (here: a pelvis roll needs a camera looking
        # down) is not made, and the rep says why; every planted fault is found or so explained.
        unmade = {c for c in checkable if c in rep.skipped and rep.skipped[c].startswith("Film from")}
        want = set(lab["faults"]) & (checkable - unmade)
        got = set(rep.fault_codes)
        if want != got:
            wrong.append(f"rep {lab['index']}: truth {sorted(want)}, found {sorted(got)} ({rep.view} view)")
    assert not wrong, "; ".join(wrong)
    for code in MUST_JUDGE.get(video.stem, set()):
        unjudged = [(r.index, r.skipped[code]) for r in res.session.reps if code in r.skipped]
        assert not unjudged, f"{code} not judged: {unjudged}"


def _side_angle_clips() -> list[Path]:
    out = []
    for c in CLIPS:
        truth = json.loads(c.with_suffix(".json").read_text())
        if truth["view"] == "side" and truth["exercise"] in ("squat", "bridge"):
            out.append(c)
    return out


# Side-angle samples whose key angle is not reported from their camera, with why (the test
# asserts every rep blank and the reason given, instead of comparing angles).
NOT_REPORTED_FROM_THIS_CAMERA = {
    "bridge_chest_side": "side-on from chest height, looking down: read as oblique, where the "
    "hip line is not judged",
}


@pytest.mark.parametrize("video", _side_angle_clips(), ids=lambda c: c.stem)
def test_side_view_angles_within_5_degrees(video: Path) -> None:
    res, _ = _result(video)
    key = "knee_min_deg" if res.exercise == "squat" else "hip_line_top_deg"
    errs = res.rep_metric_errors.get(key, [])
    checks = [c for c in load(res.exercise).checks
              if c.metric == key and c.active(res.session.prescription)]
    blank = [r for r in res.session.reps if not np.isfinite(r.metrics.get(key, np.nan))]
    for rep in blank:  # not reported: none of its checks could be made, and the rep says why
        assert checks and all(c.code in rep.skipped for c in checks), (rep.index, rep.skipped)
    if video.stem in NOT_REPORTED_FROM_THIS_CAMERA:
        assert res.session.reps and len(blank) == len(res.session.reps)
        return
    assert not blank, f"reps {[r.index for r in blank]} not reported"
    assert errs, "no rep metric to compare"
    assert np.max(np.abs(errs)) <= 5.0, f"{key} errors per rep: {np.round(errs, 1)}"
    near = [v for k, v in res.angle_errors.items()]
    assert near and min(near) <= 5.0, f"per-frame median errors: {res.angle_errors}"


def _hold_clips() -> list[Path]:
    out = []
    for c in CLIPS:
        truth = json.loads(c.with_suffix(".json").read_text())
        if load(truth["exercise"]).counting.mode == "hold":
            out.append(c)
    return out


@pytest.mark.parametrize("video", _hold_clips(), ids=lambda c: c.stem)
def test_hold_seconds_close_to_truth(video: Path) -> None:
    """A held stretch's timer against the truth's seconds held (still in the position, by the
    checker's own rules on the exact body): within 1 s, a third of the margin the samples plant between a
    clean or short hold and the prescription (1.5 s or more)."""
    res, truth = _result(video)
    errs = res.rep_metric_errors.get("hold_s", [])
    assert len(errs) == len(truth["reps"]), "every hold must be timed"
    assert np.max(np.abs(errs)) <= 1.0, f"hold_s errors per hold: {np.round(errs, 2)}"


# Clips whose shown key number is knowingly another measure than the rep's number (strict: a fix
# makes them XPASS).
SHOWN_IS_NOT_THE_REPS: dict[str, str] = {
    "lunge_side_short_hold": "side-on the knee shown is the one bent most; this deep reverse "
    "lunge's rear knee (92 deg) bends past the front knee its depth is judged on (97)",
}


def _rep_clips() -> list:  # type: ignore[type-arg]
    return [
        pytest.param(c, id=c.stem, marks=[pytest.mark.xfail(strict=True, reason=why)] if why else [])
        for c in CLIPS
        if load(_truth(c)["exercise"]).counting.mode == "reps"
        for why in [SHOWN_IS_NOT_THE_REPS.get(c.stem)]
    ]


@pytest.mark.parametrize("video", _rep_clips())
def test_a_reps_number_is_the_number_shown_during_it(video: Path) -> None:
    """One number wherever it is shown: a rep's range-of-motion number (the table, reps.csv, the
    reports' per-rep figures) is the key number the live window and the annotated video showed
    at the rep's extreme, and the report's trace reaches it (within 1 deg or 1%). (A clamshell
    filmed from in front read 12 deg in its table and 23 on screen for one rep, 62 and 37 for
    the next; a side-on lunge showed the straight rear knee, 176 deg, at a front knee's 96.)"""
    res, truth = _result(video)
    d = load(truth["exercise"])
    assert d.report is not None
    s = res.session
    t = np.asarray(s.trace["t_s"], float)
    key = np.array([np.nan if v is None else v for v in s.trace["key_deg"]], float)
    checked = 0
    for rep in s.reps:
        v = rep.metrics.get(d.report.rom)
        inside = key[(t >= rep.start_s - 1e-6) & (t <= rep.end_s + 1e-6)]
        inside = inside[np.isfinite(inside)]
        if v is None or not np.isfinite(v) or not inside.size:
            continue
        lo, hi = float(inside.min()), float(inside.max())
        assert min(abs(v - lo), abs(v - hi)) <= 1.0, f"rep {rep.index}: {v:.1f}, shown {lo:.1f}-{hi:.1f}"
        checked += 1
    numbers = [r for r in s.reps if np.isfinite(r.metrics.get(d.report.rom, np.nan))]
    assert checked == len(numbers), "a rep's number with nothing shown during the rep"


def test_a_side_on_lunge_shows_the_bent_knee_at_the_bottom() -> None:
    """Side-on, the knee shown at the bottom of a lunge is the bent front knee the rep is judged
    on, not the straight rear one (the heights' tilt once chose the rear knee on 6 of 21 bottom
    frames: 176 deg shown for a front knee at 96), or nothing where that leg is not clearly seen."""
    video = SAMPLES / "lunge_side_faults.mp4"
    if video not in CLIPS:
        pytest.skip("bundled sample missing")
    s = _result(video)[0].session
    t = np.asarray(s.trace["t_s"], float)
    key = np.array([np.nan if v is None else v for v in s.trace["key_deg"]], float)
    hip = np.array([np.nan if v is None else v for v in s.trace["signal"]], float)
    judged = [r for r in s.reps if np.isfinite(r.metrics.get("knee_min_deg", np.nan))]
    assert len(judged) >= 3
    for rep in judged:
        inside = (t >= rep.start_s) & (t <= rep.end_s)
        lo, hi = np.nanmin(hip[inside]), np.nanmax(hip[inside])
        bottom = inside & (hip <= lo + 0.25 * (hi - lo)) & np.isfinite(key)
        assert bottom.sum() >= 5
        worst = float(np.max(key[bottom]))
        assert worst <= rep.metrics["knee_min_deg"] + 25.0, (rep.index, rep.metrics["knee_min_deg"], worst)
