"""Pose landmarks of a video, cached outside the repository: pose estimation is the slow part
of every test and benchmark that runs videos, and many of them read the same bundled sample.

The cache (``~/.cache/formcheck/realdata``, or ``$FORMCHECK_CACHE``; bundled samples in its
``samples`` folder) is keyed by the video's bytes, the pose model and the source of every module
that produces landmarks: change any of them and the video is run through the pose model again.
Files are written whole or not at all (a temporary file renamed into place).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from formcheck.landmarks import PoseSequence


def cache_dir() -> Path:
    base = os.environ.get("FORMCHECK_CACHE")
    return Path(base) if base else Path.home() / ".cache" / "formcheck" / "realdata"


def pose_key(video: Path, lying: bool) -> str:
    """Cache key: the video file, the pose model, and the code that turns frames into landmarks
    (the pose model's calls, the orientation module, the frame reader, OpenCV's and MediaPipe's
    versions); code that does not decide landmarks (closing, messages) leaves it unchanged."""
    import inspect

    import cv2
    import mediapipe

    from formcheck import orient, pose
    from formcheck import video as video_mod

    h = hashlib.sha1()
    # The video's bytes, not its modification time: a copied or re-synced data folder keeps
    # its cached landmarks.
    with video.open("rb") as f:
        h.update(hashlib.file_digest(f, "sha1").digest())
    h.update(f"{video.name}:{lying}".encode())
    h.update(f"{cv2.__version__}:{getattr(mediapipe, '__version__', '')}".encode())
    pkg = Path(pose.__file__).resolve().parent  # the formcheck package
    code = (
        orient, pose.PoseOptions, pose.PoseEstimator.detect, pose.PoseEstimator._run, pose._pick_largest,
        pose._to_array, pose.detect_frames, pose._settle, video_mod.FrameReader._decode_frames,
        video_mod._Timestamps, video_mod.reduced_size, video_mod._open_capture,
    )
    for obj in code:
        h.update(inspect.getsource(obj).encode())
    model = pkg / "models" / "pose_landmarker_full.task"
    h.update(str(model.stat().st_size).encode())
    return h.hexdigest()[:16]


def sample_poses(video: Path, lying: bool) -> PoseSequence:
    """Every frame's landmarks of a bundled sample as :func:`formcheck.pose.pose_sequence` reads
    them with formcheck's own settings (a person lying down turned round when ``lying``)."""
    from formcheck.pose import PoseOptions, pose_sequence

    folder = cache_dir() / "samples"
    dest = folder / f"{video.stem}-{pose_key(video, lying)}.npz"
    if dest.is_file():
        return PoseSequence.load(dest)
    seq = pose_sequence(video, options=PoseOptions(head_right=lying))
    folder.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".tmp-{os.getpid()}-{dest.name}")
    seq.save(tmp)
    os.replace(tmp, dest)
    return seq
