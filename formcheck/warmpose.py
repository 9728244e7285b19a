"""Poses of a video from pose models kept warm across videos (a cluster actor's own models).

:func:`formcheck.pose.iter_poses` loads its models for each video and closes them after; a
worker that scores one video after another (:mod:`formcheck.cluster`) loads its models once
and hands them to :class:`WarmPoseStream` for each video. The frames, the mirroring of lying
exercises and the landmarks are the same as :func:`~formcheck.pose.iter_poses`': both run
:func:`~formcheck.pose.detect_frames` in IMAGE mode, where no frame depends on another.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from formcheck.orient import Orienter
from formcheck.pose import PoseEstimator, PoseResult, detect_frames
from formcheck.video import DecodedFrame, FrameReader, VideoInfo


class WarmPoseStream:
    """``(info, frame, pose)`` for every frame of ``path``, like :class:`~formcheck.pose.PoseStream`,
    from ``estimators`` that stay open afterwards (their owner closes them).

    Args:
        path: the video file (checked at construction, so errors come early).
        estimators: IMAGE-mode pose models, used side by side (at least one).
        head_right: mirror a person lying head-left (see :class:`~formcheck.orient.Orienter`).
        max_side, keep_full, full_max_side, stride: :class:`~formcheck.video.FrameReader`'s.

    Raises (at construction):
        MissingInputError, BadVideoError: see :func:`formcheck.video.probe`.
        ValueError: no estimator, or a tracking (VIDEO-mode) one.
    """

    def __init__(self, path: str | Path, estimators: Sequence[PoseEstimator], *,
                 head_right: bool = False, max_side: int = 640, keep_full: bool = False,
                 full_max_side: int = 0, stride: int = 1) -> None:
        if not estimators:
            raise ValueError("WarmPoseStream needs at least one estimator")
        if any(e.options.tracking for e in estimators):
            raise ValueError("WarmPoseStream takes IMAGE-mode estimators only (tracking=False)")
        self._estimators = list(estimators)
        self._reader = FrameReader(path, max_side=max_side, keep_full=keep_full,
                                   full_max_side=full_max_side, stride=stride)
        self.info: VideoInfo = self._reader.info
        self.workers = len(self._estimators)
        self._orienter = Orienter(self.info.width / self.info.height) if head_right else None

    @property
    def truncated(self) -> bool:
        return self._reader.truncated

    @property
    def error(self) -> str | None:
        return self._reader.error

    def __enter__(self) -> WarmPoseStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop decoding; the models stay open. Safe to call more than once."""
        self._reader.close()

    def __iter__(self) -> Iterator[tuple[VideoInfo, DecodedFrame, PoseResult]]:
        poses = detect_frames(iter(self._reader), self._estimators, self._orienter)
        try:
            for frame, pose in poses:
                yield self.info, frame, pose
        finally:
            poses.close()  # waits for the frames in the models' hands
            self.close()
