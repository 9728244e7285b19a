"""Score the real, hand-labelled clips of ``../shared/realdata`` through the whole pipeline.

Used by ``benchmarks/realdata.py`` and by the acceptance test. Each video goes through
decoding, pose estimation, orientation and the checker, exactly as ``formcheck score`` runs
it. Pose estimation is the slow part, so the raw landmarks of each video are kept in a cache
outside the repository (``~/.cache/formcheck/realdata``, or ``$FORMCHECK_CACHE``), keyed by
the video's bytes, the pose model and the source of every module that produces landmarks:
change any of them and the video is run through the pose model again. Scoring a cached
trace is bit for bit what ``score_video`` does after the pose stage.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formcheck.checkers import CHECKERS
from formcheck.definitions import load
from formcheck.landmarks import PoseSequence
from formcheck.session import Session
from testkit.evaluate import ClipResult, compare
from testkit.posecache import cache_dir
from testkit.posecache import pose_key as _pose_key

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


@dataclass
class RealClip:
    """One labelled real clip: its name, label, trace and (if present) video."""

    name: str
    label: dict[str, Any]
    trace: Path
    video: Path | None

    @property
    def exercise(self) -> str:
        return str(self.label["exercise"])


def clips(folder: Path = REALDATA, checked_only: bool = True) -> list[RealClip]:
    """Every labelled clip in ``folder`` (of exercises formcheck checks, by default), by name."""
    out: list[RealClip] = []
    if not folder.is_dir():
        return out
    for js in sorted(folder.glob("*.json")):
        label = json.loads(js.read_text())
        if "exercise" not in label or (checked_only and label["exercise"] not in CHECKERS):
            continue
        video = folder / label["video"] if label.get("video") else None
        out.append(RealClip(js.stem, label, js.with_suffix(".npz"),
                            video if video is not None and video.is_file() else None))
    return out


def video_landmarks(clip: RealClip, use_cache: bool = True) -> Path:
    """The raw landmark trace of the clip's video from formcheck's own pose stage (cached)."""
    from formcheck.pipeline import score_video

    assert clip.video is not None
    lying = load(clip.exercise).lying
    dest = cache_dir() / f"{clip.name}-{_pose_key(clip.video, lying)}.npz"
    if use_cache and dest.is_file():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    score_video(clip.video, clip.exercise, landmarks_to=dest)
    return dest


#: What a clip nobody has seen may bring that these do not: the same videos re-encoded (FFmpeg
#: filters). Labels stay true: times are kept, and mirroring swaps no label formcheck compares
#: (it matches reps by time).
PERTURBATIONS: dict[str, str] = {
    "mirror": "hflip",                                 # filmed the other way round
    "fps12": "fps=12",                                 # a 10-15 fps phone or webcam
    "fps8": "fps=8",
    "small": "scale=-2:270",                           # 270 pixels high
    "tight": "crop=iw*0.8:ih*0.8",                     # framed closer (body parts cut off)
    "dark": "eq=brightness=-0.18:contrast=0.7",        # a dim room
    "tilt": "rotate=8*PI/180",                         # a phone propped up askew (8 deg roll)
}


def perturbed(clip: RealClip, how: str) -> RealClip:
    """The clip with its video re-encoded under ``PERTURBATIONS[how]`` (H.264, cached beside
    the landmarks; needs the ``ffmpeg`` program)."""
    import dataclasses
    import shutil
    import subprocess

    assert clip.video is not None
    dest = cache_dir() / "perturbed" / how / f"{clip.name}.mp4"
    if not dest.is_file():
        if shutil.which("ffmpeg") is None:
            raise RuntimeError("re-encoding the real videos needs the ffmpeg program")
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_suffix(".part.mp4")
        cmd = ["ffmpeg", "-loglevel", "error", "-y", "-i", str(clip.video), "-vf", PERTURBATIONS[how], "-an",
               "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", str(part)]
        try:
            subprocess.run(cmd, check=True)
        except BaseException:
            part.unlink(missing_ok=True)  # nothing half-written is left in the cache
            raise
        part.replace(dest)
    return dataclasses.replace(clip, video=dest)


def score_clip(clip: RealClip, source: str = "video", use_cache: bool = True) -> Session:
    """Score one clip from its video (through formcheck's pose stage) or its labelled trace."""
    from formcheck.pipeline import score_sequence

    path = video_landmarks(clip, use_cache) if source == "video" else clip.trace
    return score_sequence(PoseSequence.load(path), clip.exercise, source=clip.name)


def evaluate(clip: RealClip, session: Session) -> ClipResult:
    """Compare a scored session with the clip's labels."""
    d = load(clip.exercise)
    res = compare(
        clip.name, clip.label, session.reps, known={c.code for c in d.checks}, per_side=d.counting.per_side
    )
    res.skipped = dict(session.skipped_checks)
    return res
