"""Pose landmark arrays: one sequence type, NaN for missing points.

Image landmarks from MediaPipe are normalised to the frame (x by width, y by height). Angles
need equal units on both axes, so a :class:`Frame` carries ``xy`` in *frame heights*: x is
multiplied by width/height, y is unchanged. Distances in those units are fractions of the
frame height.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

import numpy as np

N_LANDMARKS = 33
FORMAT_VERSION = 1


class PoseLandmark(IntEnum):
    """MediaPipe BlazePose landmark indices (0-based)."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


# Skeleton edges for drawing, as 0-based landmark index pairs.
SKELETON_EDGES: tuple[tuple[int, int], ...] = (
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16),
    (11, 23), (12, 24), (23, 24),
    (23, 25), (25, 27), (27, 29), (29, 31), (27, 31),
    (24, 26), (26, 28), (28, 30), (30, 32), (28, 32),
)  # fmt: skip


# Body parts by name (left, right): the words exercise definitions use.
PART_INDICES = {
    "shoulder": (11, 12), "hip": (23, 24), "knee": (25, 26),
    "ankle": (27, 28), "heel": (29, 30), "toe": (31, 32),
}  # fmt: skip


def mask_low_visibility(lm: np.ndarray, min_visibility: float) -> np.ndarray:
    """Return a copy of ``lm`` (..., 33, 4) with x, y, z set to NaN where visibility < threshold."""
    out = np.array(lm, dtype=np.float32, copy=True)
    low = ~(out[..., 3] >= min_visibility)  # NaN visibility counts as low
    out[..., :3][low] = np.nan
    return out


@dataclass(frozen=True)
class Frame:
    """One time step of a pose, as a checker consumes it.

    Attributes:
        t_s: timestamp in seconds from the start of the video or session.
        xy: (33, 2) image position in frame heights (x scaled by width/height); NaN if missing.
        visibility: (33,) MediaPipe visibility 0..1; NaN if missing.
        world: (33, 3) world position in metres, hip-centred (x right, y down, z away); NaN if missing.
        seen: (33,) visibility, but 0 where the point lies outside the picture (the model's
            guess of a joint out of frame); None: same as ``visibility``.
        faint: (33, 2) image position (as ``xy``) of the points seen too faintly to be used as
            they are (visibility under the floor), NaN elsewhere; a checker may use one where it
            fits the body around it (e.g. a far foot behind the near leg). None: not known.
        outside: (33,) True where the model placed the point outside the picture (a part cut
            off by the framing, not one seen faintly in it). None: not known.
    """

    t_s: float
    xy: np.ndarray
    visibility: np.ndarray
    world: np.ndarray
    seen: np.ndarray | None = None
    faint: np.ndarray | None = None
    outside: np.ndarray | None = None

    @classmethod
    def missing(cls, t_s: float) -> Frame:
        """A frame with no person in it."""
        nan2 = np.full((N_LANDMARKS, 2), np.nan, np.float32)
        return cls(
            t_s,
            nan2,
            np.full(N_LANDMARKS, np.nan, np.float32),
            np.full((N_LANDMARKS, 3), np.nan, np.float32),
        )

    @property
    def detected(self) -> bool:
        return bool(
            np.isfinite(self.xy[PoseLandmark.LEFT_HIP, 0])
            or np.isfinite(self.xy[PoseLandmark.RIGHT_HIP, 0])
        )


@dataclass
class PoseSequence:
    """A whole pose track.

    Attributes:
        image: (T, 33, 4) float32 normalised x, y (0-1 of width, height), z, visibility; NaN where missing.
        world: (T, 33, 4) float32 world x, y, z in metres (hip-centred), visibility; NaN where missing.
        t_ms: (T,) int64 frame timestamps in milliseconds.
        fps: frames per second of the source.
        width: source width in pixels (after rotation).
        height: source height in pixels (after rotation).
        people_image: optional (T, P, 33, 4) float32: everyone the pose model saw in each
            frame, largest first, NaN-padded; ``image`` is the first. None: only ``image`` known.
        people_world: optional (T, P, 33, 4) float32: their world landmarks.
    """

    image: np.ndarray
    world: np.ndarray
    t_ms: np.ndarray
    fps: float
    width: int
    height: int
    people_image: np.ndarray | None = None
    people_world: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.image = np.asarray(self.image, dtype=np.float32)
        self.world = np.asarray(self.world, dtype=np.float32)
        self.t_ms = np.asarray(self.t_ms, dtype=np.int64)
        t = self.t_ms.shape[0] if self.t_ms.ndim == 1 else -1
        for name, arr in (("image", self.image), ("world", self.world)):
            if arr.ndim != 3 or arr.shape[1:] != (N_LANDMARKS, 4) or arr.shape[0] != t:
                raise ValueError(f"{name} must have shape (T, 33, 4) with T={t}, got {arr.shape}")
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"width and height must be positive, got {self.width}x{self.height}")
        if not self.fps > 0:
            raise ValueError(f"fps must be positive, got {self.fps}")
        if (self.people_image is None) != (self.people_world is None):
            raise ValueError("people_image and people_world come together")
        if self.people_image is not None and self.people_world is not None:
            self.people_image = np.asarray(self.people_image, np.float32)
            self.people_world = np.asarray(self.people_world, np.float32)
            for name, arr in (("people_image", self.people_image), ("people_world", self.people_world)):
                if arr.ndim != 4 or arr.shape[0] != t or arr.shape[2:] != (N_LANDMARKS, 4):
                    raise ValueError(f"{name} must have shape (T, P, 33, 4) with T={t}, got {arr.shape}")

    def people(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Everyone seen in frame ``i``: (P, 33, 4) image and world landmarks (P may be 0)."""
        if self.people_image is None or self.people_world is None:
            seen = bool(np.isfinite(self.image[i, :, 0]).any())
            k = 1 if seen else 0
            return self.image[i : i + k], self.world[i : i + k]
        im, wo = self.people_image[i], self.people_world[i]
        seen = np.isfinite(im[:, :, 0]).any(axis=1)
        return im[seen], wo[seen]

    def __len__(self) -> int:
        return int(self.t_ms.shape[0])

    @property
    def aspect(self) -> float:
        return self.width / self.height

    def frame(self, i: int) -> Frame:
        """Frame ``i`` in checker units (see module docstring)."""
        im = self.image[i]
        xy = im[:, :2] * np.array([self.aspect, 1.0], np.float32)
        return Frame(float(self.t_ms[i]) / 1000.0, xy, im[:, 3].copy(), self.world[i, :, :3].copy())

    def frames(self):  # -> Iterator[Frame]
        for i in range(len(self)):
            yield self.frame(i)

    def take(
        self, keep: np.ndarray | slice, t_ms: np.ndarray | None = None, fps: float | None = None
    ) -> PoseSequence:
        """The frames ``keep`` picks (indices, a mask or a slice), everyone seen in them too;
        timed at ``t_ms`` and rated ``fps`` where given, else at their own times and rate."""
        return PoseSequence(
            self.image[keep], self.world[keep], self.t_ms[keep] if t_ms is None else t_ms,
            self.fps if fps is None else fps, self.width, self.height,
            None if self.people_image is None else self.people_image[keep],
            None if self.people_world is None else self.people_world[keep],
        )  # fmt: skip

    def masked(self, min_visibility: float) -> PoseSequence:
        """Copy with points below ``min_visibility`` set to NaN (image and world alike)."""
        low = ~(self.image[..., 3] >= min_visibility)
        image = self.image.copy()
        world = self.world.copy()
        image[..., :3][low] = np.nan
        world[..., :3][low] = np.nan
        return PoseSequence(image, world, self.t_ms.copy(), self.fps, self.width, self.height)

    @classmethod
    def load(cls, path: str | Path) -> PoseSequence:
        """Read an ``.npz`` trace (the format of ``../shared/realdata`` and of ``save``).

        Raises:
            ValueError: not such a trace, or one whose frame rate or timestamps are not usable
                (a file is checked more strictly than arrays built in code).
        """
        with np.load(path) as z:
            t_ms = np.asarray(z["t_ms"])
            if t_ms.dtype.kind not in "iuf" or not np.isfinite(t_ms).all():
                raise ValueError("its timestamps are not all numbers")
            if t_ms.ndim == 1 and len(t_ms) > 1 and not (np.diff(t_ms) > 0).all():
                raise ValueError("its timestamps do not increase from frame to frame")
            fps = float(z["fps"])
            if not 0 < fps < np.inf:
                raise ValueError(f"its frame rate is {fps}")
            people = "people_image" in z.files and "people_world" in z.files
            return cls(
                z["image"], z["world"], t_ms, fps, int(z["width"]), int(z["height"]),
                z["people_image"] if people else None,
                z["people_world"] if people else None,
            )

    def save(self, path: str | Path) -> None:
        arrays: dict[str, Any] = {
            "image": self.image,
            "world": self.world,
            "t_ms": self.t_ms,
            "fps": np.float64(self.fps),
            "width": np.int64(self.width),
            "height": np.int64(self.height),
            "version": np.int64(FORMAT_VERSION),
        }
        if self.people_image is not None and self.people_world is not None:
            arrays["people_image"] = self.people_image
            arrays["people_world"] = self.people_world
        np.savez_compressed(path, **arrays)
