"""Exercises on hands and knees: the donkey kick and the fire hydrant (pure numpy, no torch).

Canonical placement: on all fours, head toward +Y, face down (the body's left toward -X). At
rest the wrists are straight under the shoulders, the knees straight under the hips (the
thighs hang vertical), the knees bent 90 deg with the shins and the tops of the feet on the
floor, the hands flat with the fingers forward. The trunk is one rigid segment (the studio's
body has no spine): it tips only as far as the arms and thighs make it (shoulders a few
centimetres higher than the hips at rest).

The motions themselves (the timeline, :func:`~.motions.all_fours_motion`) are built in
``motions.py`` from the poses here (this module needs only the geometry, so no import circle).
A rep moves the working leg (``MotionParams.side``) as one piece, the knee kept at 90 deg:

* donkey kick: the thigh swings back about the hip's left-right axis until it lies in line
  with the shoulders-to-hips line (``depth``: the thigh's angle from the perpendicular to that
  line, 90 = in line, as ``formcheck/checkers/donkey_kick.py`` reads it);
* fire hydrant: the thigh swings out to the side about the hip's fore-and-aft axis
  (``depth``: degrees out from hanging, 90 = level with the hip).

Faults (see ``exercises/donkey_kick.toml`` and ``exercises/fire_hydrant.toml``):

* ``low_back_arch`` (kick): the thigh goes :data:`ARCH_ABOVE_DEG` above the body line (the
  rigid trunk cannot arch; the thigh's height is what the check reads);
* ``hip_shift`` (hydrant): at the top the trunk slides :data:`HIP_SHIFT_WIDTHS` hip widths
  toward the standing knee, hands and standing knee staying where they are on the floor;
* ``start_position`` (both): through the rest before the rep and the rep itself the hands sit
  :data:`REACH_DEG` forward of straight under the shoulders and the knees
  :data:`KNEES_BACK_DEG` back from under the hips (a long, low base). Moving the knees back
  raises the kick's reading by about 20 deg, which the count takes for the start of a kick, so
  a kick with a faulty start is best the set's first (the clip starts in that position; on a
  later rep the count starts the rep at the move and takes the clean rest before it as the
  start).
"""

from __future__ import annotations

import numpy as np

from formcheck_studio.geometry import (
    Pose,
    Skeleton,
    fk_joints,
    fk_point,
    rot_x,
    rot_y,
    set_direction,
    unit,
)

Config = dict[str, float]  # as in motions.py (which builds the motions from these poses)

ALL_FOURS = ("donkey_kick", "fire_hydrant")

# Planted faults, each well past its check's limit (a fault on the limit is a coin toss for any
# measurement, so it tests nothing).
# Donkey kick, low back: the thigh 55 deg above the shoulders-to-hips line at the top (limit
# 30; the hip itself extends 10-20 deg past the line, the rest is the pelvis tipping). The real
# clip whose arch was "uncertain" read 42-48.
ARCH_ABOVE_DEG = 55.0
# Start position: the hands 60 deg forward of straight under the shoulders (limit 45, the
# real clean starts read 5-21): the wrists about 40 cm ahead of the shoulders. With straight
# arms the shoulders come down 24 cm; the knees go back too (the thighs KNEES_BACK_DEG from
# hanging, a long, low base), so the trunk tips only about 12 deg (alone, 33 deg: the
# shoulders far below the hips, no longer on hands and knees to formcheck) and the thigh at
# rest stays within the count's rest range (under 50 deg).
REACH_DEG = 60.0
KNEES_BACK_DEG = 40.0
# Fire hydrant, weight still: the hips slide a whole hip width (20 cm) toward the standing knee
# at the top (limit 0.5: the hips right over the standing knee). From in front the hips are
# hidden behind the trunk and MediaPipe places them short of the truth: filmed from 0.45 m a
# planted 1.25 read 1.02-1.04; from 0.7 m a planted 0.9 read 0.5.
HIP_SHIFT_WIDTHS = 1.0

KNEE_Z = 0.07  # knee joint above the floor, kneeling (m)
WRIST_Z = 0.04  # wrist joint above the floor, the hand flat (m)
REACH_MOVE_S = 0.4  # the hands move to (or from) a faulty start over this long, early in the rest
NECK_LIFT_DEG = 30.0  # the head raised from the trunk's line: looking at the floor ahead

# Prone, head +Y: body +Z (up) -> world +Y, body -Y (front) -> world -Z (face down), so the
# body's left (+X) -> world -X.
_PRONE = np.array([[-1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
# A foot with the toes pointing back and the sole up (its top on the floor), world rotation.
_FOOT_BACK = np.diag([-1.0, 1.0, -1.0])


def _world_x(s: str) -> float:
    """World X sign of the body side ``s`` ("l" or "r"): the body's left lies toward -X."""
    return -1.0 if s == "l" else 1.0


def _hand_rotation(skel: Skeleton, s: str) -> np.ndarray:
    """World rotation of hand ``s`` flat on the floor, palm down, fingers toward the head (+Y)."""
    wrist, index, pinky = (skel.point(n + "_" + s) for n in ("wrist", "index", "pinky"))
    d = unit(0.5 * (index + pinky) - wrist)  # wrist to the knuckles, at rest
    a = pinky - index
    n = unit(np.cross(a, d) if s == "l" else np.cross(d, a))  # out of the palm (mirrored right)
    n = unit(n - np.dot(n, d) * d)
    rest = np.stack([d, n, np.cross(d, n)], axis=1)
    fwd, down = np.array([0.0, 1.0, 0.0]), np.array([0.0, 0.0, -1.0])
    world = np.stack([fwd, down, np.cross(fwd, down)], axis=1)
    return world @ rest.T


def _lengths(skel: Skeleton) -> dict[str, float]:
    return {
        "thigh": skel.length("hip_l", "knee_l"),
        "shin": skel.length("knee_l", "ankle_l"),
        "arm": skel.length("shoulder_l", "elbow_l") + skel.length("elbow_l", "wrist_l"),
    }


def all_fours_pose(skel: Skeleton, cfg: Config, side: str) -> Pose:
    """On hands and knees, working leg ``side``. ``cfg`` (degrees, metres): ``back`` = the
    working thigh swung back from hanging straight down (world vertical), ``out`` = swung out
    to the side, ``reach`` = the arms forward of vertical (the hands ahead of the shoulders),
    ``shift`` = the trunk slid toward the standing side (hands and standing knee stay); the
    knees sit :data:`KNEES_BACK_DEG` back from under the hips in proportion to ``reach``."""
    w = "l" if side == "left" else "r"
    st = "r" if w == "l" else "l"
    ln = _lengths(skel)
    s = cfg["shift"]
    fwd_reach = ln["arm"] * np.sin(np.radians(cfg["reach"]))
    knees_back = KNEES_BACK_DEG * cfg["reach"] / REACH_DEG
    kb = ln["thigh"] * np.sin(np.radians(knees_back))  # knees behind the hips (m)
    hip_z = KNEE_Z + np.sqrt(ln["thigh"] ** 2 - s**2 - kb**2)
    sh_z = WRIST_Z + np.sqrt(ln["arm"] ** 2 - fwd_reach**2 - s**2)
    # Trunk pitch (head up positive) putting the shoulders at sh_z with the hips at hip_z.
    hipmid_rest = 0.5 * (skel.point("hip_l") + skel.point("hip_r"))
    shmid_rest = 0.5 * (skel.point("shoulder_l") + skel.point("shoulder_r"))
    v0 = _PRONE @ (shmid_rest - hipmid_rest)
    e0 = np.degrees(np.arctan2(v0[2], v0[1]))
    e = np.degrees(np.arcsin(np.clip((sh_z - hip_z) / np.linalg.norm(v0), -1.0, 1.0)))
    g = rot_x(e - e0) @ _PRONE
    pose = Pose(root=np.zeros(3), rot={"pelvis": g, "neck": rot_x(NECK_LIFT_DEG) @ g})
    hipmid = np.array([_world_x(st) * s, 0.0, hip_z])
    pose.root = hipmid - g @ (hipmid_rest - skel.point("root"))
    # Arms straight, the hands flat on the floor.
    for k in ("l", "r"):
        sh = fk_point(skel, pose, "shoulder_" + k)
        wrist = np.array([sh[0] - _world_x(st) * s, sh[1] + fwd_reach, WRIST_Z])
        set_direction(pose, skel, "upperarm_" + k, "shoulder_" + k, "elbow_" + k, wrist - sh)
        set_direction(pose, skel, "forearm_" + k, "elbow_" + k, "wrist_" + k, wrist - sh)
        pose.rot["hand_" + k] = _hand_rotation(skel, k)
    # Standing leg: the knee stays on the floor where it knelt, the shin back along the floor.
    hip = fk_point(skel, pose, "hip_" + st)
    knee = np.array([hip[0] - _world_x(st) * s, hip[1] - kb, KNEE_Z])
    set_direction(pose, skel, "thigh_" + st, "hip_" + st, "knee_" + st, knee - hip)
    set_direction(pose, skel, "shin_" + st, "knee_" + st, "ankle_" + st, np.array([0.0, -1.0, 0.0]))
    pose.rot["foot_" + st] = _FOOT_BACK
    # Working leg: the kneeling leg turned as one piece about the hip (knee kept at 90 deg).
    r_leg = rot_x(-knees_back) @ rot_y(-_world_x(w) * cfg["out"]) @ rot_x(-cfg["back"])
    set_direction(pose, skel, "thigh_" + w, "hip_" + w, "knee_" + w, r_leg @ np.array([0.0, 0.0, -1.0]))
    set_direction(pose, skel, "shin_" + w, "knee_" + w, "ankle_" + w, r_leg @ np.array([0.0, -1.0, 0.0]))
    pose.rot["foot_" + w] = r_leg @ _FOOT_BACK
    return pose


# --------------------------------------------------------------------------- measures


def thigh_angles(j: dict[str, np.ndarray], side: str) -> tuple[np.ndarray, np.ndarray]:
    """Per frame (deg): the ``side`` thigh's angle back toward the feet from the perpendicular
    to the shoulders-to-hips line (90: in line with it), and out of the body's fore-and-aft
    plane, as the all-fours checkers read them (3D joints, Z up, arrays of shape (N, 3))."""
    sh = 0.5 * (np.asarray(j["left_shoulder"]) + np.asarray(j["right_shoulder"]))
    hp = 0.5 * (np.asarray(j["left_hip"]) + np.asarray(j["right_hip"]))
    fwd = sh - hp
    fwd = fwd / np.linalg.norm(fwd, axis=-1, keepdims=True)
    down = np.array([0.0, 0.0, -1.0]) - fwd * (-fwd[..., 2:3])
    down = down / np.linalg.norm(down, axis=-1, keepdims=True)
    lat = np.cross(down, fwd)
    t = np.asarray(j[f"{side}_knee"]) - np.asarray(j[f"{side}_hip"])
    td, tf, tl = (np.sum(t * v, axis=-1) for v in (down, fwd, lat))
    back = np.degrees(np.arctan2(-tf, td))
    out = np.degrees(np.arctan2(np.abs(tl), np.hypot(td, tf)))
    return back, out


def _from_down(v: np.ndarray) -> np.ndarray:
    """Per-row angle (deg) of 3D vectors from straight down."""
    n = np.linalg.norm(v, axis=-1)
    return np.degrees(np.arccos(np.clip(-v[..., 2] / n, -1.0, 1.0)))


def all_fours_angles(j3: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-frame angles for the clip JSON: each thigh back and out (``_3d``)."""
    out: dict[str, np.ndarray] = {}
    for side in ("left", "right"):
        out[f"{side}_thigh_back_3d"], out[f"{side}_thigh_out_3d"] = thigh_angles(j3, side)
    return out


def all_fours_metrics(
    exercise: str,
    side: str,
    idx: np.ndarray,
    j3: dict[str, np.ndarray],
    angles: dict[str, list[float]],
) -> dict[str, float]:
    """Truth of one rep, named like the checkers' metrics: ``lift_max_deg`` (the counting
    signal's top), ``above_line_deg`` (kick: the thigh above the body line at the top),
    ``hip_shift_ratio`` (hydrant: the hips toward the standing knee, rest to top, in hip
    widths), ``start_offset_deg`` (the hands from under the shoulders or the knees from under the
    hips, at rest before the rep, the larger; needs wrist tracks). ``side``: the working leg,
    ``idx``: the rep's frames."""
    move = "back" if exercise == "donkey_kick" else "out"
    sig = np.asarray(angles[f"{side}_thigh_{move}_3d"])
    i0 = int(idx[0])
    top = int(idx[np.argmax(sig[idx])])
    m = {"lift_max_deg": float(sig[idx].max()), "lift_rest_deg": float(sig[i0])}
    if exercise == "donkey_kick":
        m["above_line_deg"] = m["lift_max_deg"] - 90.0
    else:
        st = "right" if side == "left" else "left"
        hips = 0.5 * (j3["left_hip"][:, 0] + j3["right_hip"][:, 0])
        rel = hips - j3[f"{st}_knee"][:, 0]
        way = np.sign(j3[f"{st}_knee"][i0, 0] - j3[f"{side}_knee"][i0, 0])
        width = abs(float(j3["left_hip"][i0, 0] - j3["right_hip"][i0, 0]))
        m["hip_shift_ratio"] = float((rel[top] - rel[i0]) * way / width)
    if "left_wrist" in j3:
        arms, thighs = (
            np.mean([_from_down(j3[f"{k}_{b}"][i0] - j3[f"{k}_{a}"][i0]) for k in ("left", "right")])
            for a, b in (("shoulder", "wrist"), ("hip", "knee"))
        )
        m["start_offset_deg"] = float(max(arms, thighs))
    return m


def rest_reading(skel: Skeleton, cfg: Config, side: str) -> float:
    """The working thigh's reading at rest (deg back from the body line's perpendicular): the
    trunk's tilt (head up positive), plus the knees' way back with a faulty start."""
    j = fk_joints(skel, all_fours_pose(skel, cfg, side))
    back, _ = thigh_angles({k: v[None] for k, v in j.items()}, side)
    return float(back[0])
