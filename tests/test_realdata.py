"""Acceptance tests over real people with hand-made labels (../shared/realdata).

Skips when the folder is absent. Two sources: the labelled MediaPipe traces, and the videos
themselves through formcheck's whole pipeline (decoding, pose, orientation, checkers; pose
landmarks cached outside the repository, see formcheck/realdata.py).

The targets (issue 10): exact count on >= 95% of clips, never off by more than one; a fault
on <= 5% of clean reps; >= 90% of labelled faults found; no rep inside a segment to ignore.
Until they are met, each test asserts the figures reached so far (no regression) and prints
the distance to the target; a known miss is a strict xfail, so fixing it fails the test
until the guard is tightened.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import pytest

from formcheck.definitions import load
from testkit.evaluate import ClipResult, at_rate
from testkit.realdata import REALDATA, RealClip, clips, evaluate, score_clip, video_landmarks

pytestmark = pytest.mark.realdata

CLIPS = clips()
VIDEOS = [c for c in CLIPS if c.video is not None]
needs_data = pytest.mark.skipif(not CLIPS, reason=f"no labelled real clips at {REALDATA}")


@dataclass(frozen=True)
class Guard:
    """Figures reached so far on one source; tighten them as they improve."""

    min_exact: int  # clips counted exactly
    max_worst: int  # worst count error
    max_clean_flagged: int  # clean reps with a fault
    min_found: int  # labelled faults found
    max_ignored: int  # reps counted inside segments to ignore
    # Per-side exercises: labelled reps counted on the labelled side (of 60 matched from the
    # videos, 59 from the traces; the park donkey kick's far leg is named the near one's).
    min_sided_right: int = 0


GUARDS = {
    # Every exercise with labelled clips (40 of the 42: the seated march and the step-up have no
    # checker): from the run after the lunges, kneeling stretch, side walk and kicks landed.
    # The lunge cut in its descent counts since a rep may span a cut (formcheck/checkers/carry.py).
    # The slow squat's last rep is judged since the camera's pitch is read with both ankles seen.
    # The split squat's side-on rep counts since one straight leg reads as standing (squat.py).
    # The slow squat's semi-upright first stand is found (video) since a top under 170 is judged
    # against the person's own stand and a slow rise is waited for over a second (base.py).
    "trace": Guard(
        min_exact=39, max_worst=1, max_clean_flagged=2, min_found=37, max_ignored=0, min_sided_right=49
    ),
    "video": Guard(
        min_exact=40, max_worst=0, max_clean_flagged=1, min_found=38, max_ignored=0, min_sided_right=54
    ),
}
# Clips whose count is still off by more than one, with why (strict: a fix makes them XPASS).
# (None now: the handheld turf clamshell's trace, 3 of 5 with the plane decided over 3 s, counts
# 4 since it is decided over about one rep; formcheck's own pose of its video counts 5.)
KNOWN_MISSES: dict[str, str] = {}


def _results(source: str) -> list[ClipResult]:
    todo = VIDEOS if source == "video" else CLIPS
    return [evaluate(c, score_clip(c, source)) for c in todo]


def _params(todo: list[RealClip]) -> list:  # type: ignore[type-arg]
    return [
        pytest.param(
            c,
            id=c.name,
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[c.name])]
            if c.name in KNOWN_MISSES
            else [],
        )
        for c in todo
    ]


@needs_data
@pytest.mark.parametrize("clip", _params(CLIPS))
def test_trace_count_within_one(clip: RealClip) -> None:
    res = evaluate(clip, score_clip(clip, "trace"))
    assert abs(res.count_error) <= 1, f"{clip.name}: counted {res.counted}, want {res.count_range}"


@pytest.mark.skipif(not VIDEOS, reason=f"no real videos at {REALDATA / 'videos'}")
@pytest.mark.parametrize("source", ["trace", "video"])
def test_realdata_figures(source: str, capsys: pytest.CaptureFixture[str]) -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import realdata as bench  # benchmarks/realdata.py: the same table and totals

    results = _results(source)
    tot = bench.totals(results)
    with capsys.disabled():
        print(f"\n{source}s:\n" + bench.table(results) + "\n" + bench.summary(tot))
    g = GUARDS[source]
    assert tot["exact"] >= g.min_exact, f"exact count on {tot['exact']} clips, was {g.min_exact}"
    assert tot["worst"] <= g.max_worst
    assert tot["clean_flagged"] <= g.max_clean_flagged, f"{tot['clean_flagged']} clean reps flagged"
    assert tot["found"] >= g.min_found, f"found {tot['found']} of {tot['labelled']} labelled faults"
    assert tot["ignored_reps"] <= g.max_ignored
    sided = f"{tot['sided_right']} of {tot['sided']} reps on their labelled side"
    assert tot["sided_right"] >= g.min_sided_right, sided


# Clips as nobody filmed them here: the squat, bridge and clamshell videos at 12 frames a second.
# The test takes, from each video's full-rate landmarks (already made for the figures above), the
# frame nearest each tick of a 12 fps clock, timed at its tick as a camera times its frames
# (testkit/evaluate.py at_rate): posed alike, since IMAGE-mode frames do not depend on each
# other. That costs no pose run; re-encoding the videos and posing them again (benchmarks/
# realdata.py --perturb fps12, which prints every kind of re-encoding) took 133 s of the tests'
# 40 minutes. Re-encoded, the figures reached 23 of 23 in the labelled range: 21 with the
# quick-step cut rule (formcheck/cuts.py SPIKE_RATIO); 22 once a rep more than half way back when
# a shot ends counts (checkers/base.py _mostly_back: the split squat tutorial, which cuts mid-rep);
# 23 once the clamshell's first reading follows the plane seen over 0.2 s (checkers/clamshell.py
# PLANE_FIRST_EVIDENCE_S). From the frames picked here: 23 of 23, 0 of 72 clean reps flagged (1
# re-encoded), 32 of 32 labelled faults found (31), 1 rep in a segment to ignore (the jump
# squat's last landing, as re-encoded).
LOW_FPS_GUARD = Guard(min_exact=23, max_worst=1, max_clean_flagged=0, min_found=32, max_ignored=1)


@pytest.mark.skipif(not VIDEOS, reason=f"no real videos at {REALDATA / 'videos'}")
def test_realdata_at_12_frames_a_second(capsys: pytest.CaptureFixture[str]) -> None:
    import sys
    from pathlib import Path

    from formcheck.landmarks import PoseSequence
    from formcheck.pipeline import score_sequence

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import realdata as bench

    todo = [c for c in VIDEOS if c.exercise in ("squat", "bridge", "clamshell")]
    at_12 = {c.name: at_rate(PoseSequence.load(video_landmarks(c)), 12) for c in todo}
    results = [evaluate(c, score_sequence(at_12[c.name], c.exercise, source=c.name)) for c in todo]
    tot = bench.totals(results)
    with capsys.disabled():
        print("\nat 12 fps: " + bench.summary(tot))
    g = LOW_FPS_GUARD
    assert tot["exact"] >= g.min_exact, f"in range on {tot['exact']} of {len(todo)} clips, was {g.min_exact}"
    assert tot["worst"] <= g.max_worst
    assert tot["clean_flagged"] <= g.max_clean_flagged
    assert tot["found"] >= g.min_found
    assert tot["ignored_reps"] <= g.max_ignored


@needs_data
def test_a_still_camera_gets_one_verdict_on_its_height_for_the_set() -> None:
    """A phone standing still at chest height read its perspective at 0.78-0.86 over six rests,
    against the 0.84 that calls a camera high: the depth was judged on two reps and "film from
    about hip height, not from above" said of the other four. The rests of the last reps of the
    shot are read together (checkers/base.py, SHOT_RESTS): one verdict for the whole set."""
    clip = next((c for c in CLIPS if c.name == "squat_front_wrong_then_right"), None)
    if clip is None:
        pytest.skip("the clip is not among the real data")
    session = score_clip(clip, "trace")
    assert len(session.reps) == 6
    why = {r.skipped.get("shallow") for r in session.reps}
    assert len(why) == 1, why


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="making the picture needs the ffmpeg program")
def test_three_people_squatting_are_all_seen(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Three people squatting in one real picture (two real videos side by side, made here,
    never kept). The pose model must report all three: with room for two it reported two that
    changed from frame to frame, and nothing was counted. Whoever is followed, the count is no
    more than their own complete reps (two each in these 4.5 s). (The model still drops one of
    three now and then, and the one followed can change then: see the closing notes.)"""
    import subprocess
    from pathlib import Path

    from formcheck.pipeline import score_video

    pair = REALDATA / "videos" / "squat_two_women_squats_side_by_side.mp4"
    other = REALDATA / "videos" / "squat_side34_darebee.mp4"
    if not (pair.is_file() and other.is_file()):
        pytest.skip("the two videos are not among the real data")
    out = Path(tmp_path) / "three.mp4"
    graph = (
        "[0:v]crop=1200:1080:600:0,fps=25,setpts=PTS-STARTPTS[a];"
        "[1:v]scale=1920:1080,crop=700:1080:750:0,fps=25,setpts=PTS-STARTPTS[b];[b][a]hstack=inputs=2[v]"
    )
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(pair), "-i", str(other), "-filter_complex", graph,
         "-map", "[v]", "-t", "4.5", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(out)],
        check=True,
    )  # fmt: skip
    session = score_video(out, "squat")
    assert session.followed is not None and session.followed["people_max"] == 3
    assert 1 <= len(session.reps) <= 2


HOLD_CLIPS = [c for c in CLIPS if c.label.get("holds") and load(c.exercise).counting.mode == "hold"]
# A labelled hold's time (by eye: from the moment the person is settled in the stretch to the
# moment they start out of it) against formcheck's: within the stillness window (0.4 s, see
# formcheck/checkers/hold.py) and a frame or two.
HOLD_TOL_S = 0.5


@pytest.mark.skipif(not HOLD_CLIPS, reason=f"no labelled holds at {REALDATA}")
@pytest.mark.parametrize("source", ["trace", "video"])
@pytest.mark.parametrize("clip", HOLD_CLIPS, ids=lambda c: c.name)
def test_a_held_stretch_is_timed_as_a_person_times_it(clip: RealClip, source: str) -> None:
    """Each labelled hold is timed on its side, from settling in the position to starting out
    of it: the way into and out of the stretch is not held (the kneeling clip's holds read
    1.2-1.3 s long when it was)."""
    if source == "video" and clip.video is None:
        pytest.skip("no video for this clip")
    session = score_clip(clip, source)
    holds = clip.label["holds"]
    assert len(session.reps) == len(holds)
    for rep, lab in zip(session.reps, holds, strict=True):
        assert rep.side == lab["side"]
        assert rep.metrics["hold_s"] == pytest.approx(lab["end_s"] - lab["start_s"], abs=HOLD_TOL_S)
