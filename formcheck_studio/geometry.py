"""Pure-numpy skeleton geometry for the sample studio.

Everything here is in metres and degrees, in the body model's frame: Z up, the standing body
faces -Y, the body's left is +X. A *pose* is a root position plus one world rotation per
*segment*, each rotation taking the segment from its rest orientation to its posed one
(the same convention the renderer feeds to anny's ``world-orient`` pose parameterisation).
Segments not in a pose follow their parent (see :data:`SEGMENT_PARENT`).

No torch or anny here: the motions, their unit tests and the ground-truth angles only need this
module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

Vec = NDArray[np.float64]
Mat = NDArray[np.float64]

#: Segments a pose may rotate, with their parent segment (``None`` for the root).
SEGMENT_PARENT: dict[str, str | None] = {
    "pelvis": None,
    "neck": "pelvis",
    "thigh_l": "pelvis",
    "shin_l": "thigh_l",
    "foot_l": "shin_l",
    "thigh_r": "pelvis",
    "shin_r": "thigh_r",
    "foot_r": "shin_r",
    "upperarm_l": "pelvis",
    "forearm_l": "upperarm_l",
    "upperarm_r": "pelvis",
    "forearm_r": "upperarm_r",
    "hand_l": "forearm_l",  # set only on all fours (flat on the floor); else it follows the forearm
    "hand_r": "forearm_r",
}

#: Ground-truth joint names written to the clip JSON.
JOINT_NAMES: tuple[str, ...] = (
    "left_shoulder",
    "right_shoulder",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_toe",
    "right_toe",
    "head",
)


@dataclass(frozen=True)
class Skeleton:
    """Rest-pose points of the body (metres, body-model frame, root at ``root``).

    The defaults were measured on anny 0.6.2's default body (all phenotypes 0.5); the renderer
    measures the actual body it renders and passes that instead, so motions line up exactly.
    """

    root: tuple[float, float, float] = (0.0, 0.0, 0.0)
    hip_l: tuple[float, float, float] = (0.1018, 0.0042, -0.0070)
    knee_l: tuple[float, float, float] = (0.1327, -0.0281, -0.3963)
    ankle_l: tuple[float, float, float] = (0.1700, 0.0000, -0.7960)
    heel_l: tuple[float, float, float] = (0.1738, 0.0516, -0.8541)
    toe_l: tuple[float, float, float] = (0.1461, -0.1898, -0.8515)
    shoulder_l: tuple[float, float, float] = (0.1650, -0.0130, 0.4270)
    elbow_l: tuple[float, float, float] = (0.3340, -0.0186, 0.2394)
    wrist_l: tuple[float, float, float] = (0.4500, -0.1740, 0.1211)
    index_l: tuple[float, float, float] = (0.4769, -0.2680, 0.0828)  # index finger's knuckle
    pinky_l: tuple[float, float, float] = (0.5018, -0.2153, 0.0549)  # little finger's knuckle
    neck: tuple[float, float, float] = (0.0, 0.0056, 0.5125)
    head: tuple[float, float, float] = (0.0, -0.0700, 0.6490)
    sole_z: float = -0.8660

    def point(self, name: str) -> Vec:
        """Rest position of a named point; ``*_r`` points mirror the ``*_l`` ones in X."""
        if name.endswith("_r"):
            p = np.array(getattr(self, name[:-2] + "_l"), dtype=float)
            p[0] = -p[0]
            return p
        return np.array(getattr(self, name), dtype=float)

    def length(self, a: str, b: str) -> float:
        """Rest distance between two named points (metres)."""
        return float(np.linalg.norm(self.point(b) - self.point(a)))


@dataclass
class Pose:
    """One frame of the body: root (pelvis) position in metres and segment world rotations."""

    root: Vec
    rot: dict[str, Mat] = field(default_factory=dict)

    def segment_rotation(self, segment: str) -> Mat:
        """World rotation of a segment, inherited from its parent when not set."""
        s: str | None = segment
        while s is not None:
            if s in self.rot:
                return self.rot[s]
            s = SEGMENT_PARENT[s]
        return np.eye(3)


# --------------------------------------------------------------------------- rotations


def rot_x(deg: float) -> Mat:
    """Rotation about +X by ``deg`` degrees (positive tips +Z toward -Y)."""
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def rot_y(deg: float) -> Mat:
    """Rotation about +Y by ``deg`` degrees."""
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def rot_z(deg: float) -> Mat:
    """Rotation about +Z by ``deg`` degrees."""
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def axis_angle(axis: Vec, deg: float) -> Mat:
    """Rotation of ``deg`` degrees about a (not necessarily unit) axis (Rodrigues)."""
    k = np.asarray(axis, dtype=float)
    k = k / np.linalg.norm(k)
    a = np.radians(deg)
    kx = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return np.eye(3) + np.sin(a) * kx + (1.0 - np.cos(a)) * (kx @ kx)


def align(a: Vec, b: Vec) -> Mat:
    """Smallest rotation taking direction ``a`` onto direction ``b``."""
    a = np.asarray(a, dtype=float) / np.linalg.norm(a)
    b = np.asarray(b, dtype=float) / np.linalg.norm(b)
    v = np.cross(a, b)
    c = float(np.dot(a, b))
    s = float(np.linalg.norm(v))
    if s < 1e-12:
        if c > 0:
            return np.eye(3)
        # Opposite: rotate 180 degrees about any axis perpendicular to a.
        perp = np.cross(a, [1.0, 0.0, 0.0])
        if np.linalg.norm(perp) < 1e-6:
            perp = np.cross(a, [0.0, 1.0, 0.0])
        return axis_angle(perp, 180.0)
    return axis_angle(v, float(np.degrees(np.arctan2(s, c))))


def unit(v: Vec) -> Vec:
    """``v`` scaled to length 1."""
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v)


# --------------------------------------------------------------------------- kinematics


def point_segment(name: str) -> str:
    """Segment a skeleton point rides on (its rotation moves the point about its parent)."""
    base = name[:-2] if name.endswith(("_l", "_r")) else name
    side = name[-2:] if name.endswith(("_l", "_r")) else ""
    return {
        "hip": "pelvis",
        "shoulder": "pelvis",
        "neck": "pelvis",
        "head": "neck",
        "knee": "thigh",
        "ankle": "shin",
        "heel": "foot",
        "toe": "foot",
        "elbow": "upperarm",
        "wrist": "forearm",
    }[base] + (side if base not in ("hip", "shoulder", "neck", "head") else "")


#: Each point's parent point in the chain (the joint its segment pivots about).
POINT_PARENT: dict[str, str] = {
    "hip": "root",
    "shoulder": "root",
    "neck": "root",
    "head": "neck",
    "knee": "hip",
    "ankle": "knee",
    "heel": "ankle",
    "toe": "ankle",
    "elbow": "shoulder",
    "wrist": "elbow",
}


def fk_point(skel: Skeleton, pose: Pose, name: str) -> Vec:
    """World position (metres) of a skeleton point in ``pose`` by forward kinematics."""
    if name == "root":
        return np.asarray(pose.root, dtype=float)
    side = name[-2:] if name.endswith(("_l", "_r")) else ""
    base = name[: -len(side)] if side else name
    parent = POINT_PARENT[base]
    parent_name = parent + side if parent not in ("root", "neck") else parent
    g = pose.segment_rotation(point_segment(name))
    offset = skel.point(name) - skel.point(parent_name)
    return fk_point(skel, pose, parent_name) + g @ offset


def fk_joints(skel: Skeleton, pose: Pose, wrists: bool = False) -> dict[str, Vec]:
    """Ground-truth joints (names of :data:`JOINT_NAMES`, with ``wrists`` also the wrists) of
    ``pose`` in metres."""
    out: dict[str, Vec] = {}
    for side, s in (("left", "_l"), ("right", "_r")):
        for j in ("shoulder", "hip", "knee", "ankle", "heel", "toe") + (("wrist",) if wrists else ()):
            out[f"{side}_{j}"] = fk_point(skel, pose, j + s)
    out["head"] = fk_point(skel, pose, "head")
    return out


def set_direction(
    pose: Pose, skel: Skeleton, segment: str, a: str, b: str, direction: Vec
) -> None:
    """Rotate ``segment`` so the rest vector from point ``a`` to ``b`` points along
    ``direction``, by the smallest rotation from where its parent segment carries it (no twist
    relative to the parent)."""
    parent = SEGMENT_PARENT[segment]
    gp = pose.segment_rotation(parent) if parent else np.eye(3)
    rest = skel.point(b) - skel.point(a)
    pose.rot[segment] = align(gp @ rest, direction) @ gp


def two_link_knee(
    hip: Vec, ankle: Vec, l_thigh: float, l_shin: float, bend_dir: Vec
) -> Vec:
    """Knee position (metres) for a hip and ankle with given segment lengths, the knee bending
    out toward ``bend_dir``. Clamps when the points are too far apart."""
    d = ankle - hip
    dist = float(np.linalg.norm(d))
    dist = min(dist, l_thigh + l_shin - 1e-6)
    u = d / np.linalg.norm(d)
    a = (l_thigh**2 - l_shin**2 + dist**2) / (2 * dist)
    h = np.sqrt(max(l_thigh**2 - a**2, 0.0))
    perp = bend_dir - np.dot(bend_dir, u) * u
    perp = perp / np.linalg.norm(perp)
    return hip + a * u + h * perp


# --------------------------------------------------------------------------- angles


def angle_deg(a: Vec, b: Vec, c: Vec) -> float:
    """Interior angle at ``b`` between ``b->a`` and ``b->c`` (degrees, 0..180). Works in 2D
    and 3D."""
    u = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    v = np.asarray(c, dtype=float) - np.asarray(b, dtype=float)
    cosv = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v)))
    return float(np.degrees(np.arccos(np.clip(cosv, -1.0, 1.0))))


def vector_angle_deg(u: Vec, v: Vec) -> float:
    """Angle between two vectors (degrees, 0..180)."""
    cosv = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v)))
    return float(np.degrees(np.arccos(np.clip(cosv, -1.0, 1.0))))


def hip_line_deg(shoulder: Vec, hip: Vec, knee: Vec, anterior: Vec) -> float:
    """Shoulder-hip-knee angle (degrees): 180 when straight, above 180 when the hip lies past
    the shoulder-knee line on the body's front side (hip extension, as in an over-arched
    bridge), below 180 when it lies behind it (hip flexion). ``anterior`` is the body's front
    direction at the pelvis (same dimension as the points, 2D or 3D)."""
    ang = angle_deg(shoulder, hip, knee)
    sh = np.asarray(shoulder, dtype=float)
    kn = np.asarray(knee, dtype=float)
    hp = np.asarray(hip, dtype=float)
    line = kn - sh
    t = float(np.dot(hp - sh, line) / np.dot(line, line))
    off = hp - (sh + t * line)
    return 360.0 - ang if float(np.dot(off, anterior)) > 0 else ang
