"""The side lunge (004 "5. Side Lunge"): the lunge's ``side`` variant (``--variant side``).

Placed like the squat (standing at the origin, facing -Y, the left side toward +X; metres,
degrees, seconds). The person stands with the feet wide, the ankles :data:`SIDE_STANCE_SHOULDERS`
shoulder widths apart, toes forward, both feet flat and still through the clip. A rep shifts the
hips toward one foot (the working, bent leg) and down and back, as a squat begins: the working
knee bends to ``depth`` (90 deg) over a shin tilted :data:`SIDE_SHIN_DEG` forward with the knee
over the foot, the trunk leans :data:`SIDE_LEAN_DEG` forward, the other leg stays straight; then
back up to the middle. The working legs take turns from ``side``, as the reverse lunge's front
legs do: the checker counts the reps per working leg either way, and a set worked on both sides
tests that both sides are told apart.

Fault: ``straight_leg_bent``, the other knee bends :data:`~.motions.KNEE_BEND_DEG` (60 deg, twice
the check's 30 deg limit) at the bottom, forward over its foot.
"""

from __future__ import annotations

import numpy as np

from formcheck_studio.geometry import Pose, Skeleton, Vec, fk_point, two_link_knee
from formcheck_studio.motions import (
    BUILDERS,
    KNEE_BEND_DEG,
    Config,
    Motion,
    MotionParams,
    _frames,
    _interp,
    _plan,
)
from formcheck_studio.motions_standing import _lengths, _pelvis, _place_root, _set_arms, _set_leg

# 004: "feet wide apart, approximately twice the width of your shoulders": ankle to ankle, in
# shoulder joint widths (0.33 m on anny's default body, whose outer shoulders, what one sees,
# are about 0.40 m: 2.4 joint widths is 0.79 m, about twice that, and about a leg's length).
# Narrower, a straight other leg holds the hips too high for the working knee to reach 90 deg
# (2.0 joint widths: no such pose). The checker takes a stance over 1.5 for a side lunge.
SIDE_STANCE_SHOULDERS = 2.4
SIDE_SHIN_DEG = 15.0  # the working shin's forward tilt at the bottom (knee over the foot)
SIDE_LEAN_DEG = 30.0  # the trunk's forward lean at the bottom (hips back, as a squat)
SIDE_REACH = 0.999  # a straight leg's hip-to-ankle distance, in leg lengths (knee about 176 deg)


def half_width(skel: Skeleton) -> float:
    """Each ankle's distance from the midline (m)."""
    return 0.5 * SIDE_STANCE_SHOULDERS * abs(skel.point("shoulder_l")[0] - skel.point("shoulder_r")[0])


def _reach(skel: Skeleton, knee: float) -> float:
    """Hip-to-ankle distance (m) of a leg whose knee is at ``knee`` deg."""
    l_th, l_sh = _lengths(skel)
    return float(np.sqrt(l_th**2 + l_sh**2 - 2 * l_th * l_sh * np.cos(np.radians(knee))))


def _straight_knee(skel: Skeleton) -> float:
    """The knee angle (deg) of a leg reaching :data:`SIDE_REACH` of its length."""
    l_th, l_sh = _lengths(skel)
    d = SIDE_REACH * (l_th + l_sh)
    return float(np.degrees(np.arccos((l_th**2 + l_sh**2 - d**2) / (2 * l_th * l_sh))))


def _ankle(skel: Skeleton, s: str) -> Vec:
    sx = 1.0 if s == "l" else -1.0
    a = skel.point("ankle_l")
    return np.array([sx * half_width(skel), a[1], a[2]])


def side_lunge_pose(skel: Skeleton, cfg: Config, work: str) -> Pose:
    """Both feet flat at :func:`half_width` either side of the midline. ``cfg``: ``hx``, ``hy``
    = the hips' midpoint across (toward the working leg ``work``, "l"/"r") and back from the
    rest (m); ``other`` = the other knee's angle (deg), which sets the hips' height; ``lean`` =
    the trunk's forward lean (deg); ``bx``, ``by``, ``bz`` = the working knee's bending direction
    (``bx`` outward)."""
    sx = 1.0 if work == "l" else -1.0
    other = "r" if work == "l" else "l"
    g = _pelvis(skel, cfg["lean"])
    hip_rest = 0.5 * (skel.point("hip_l") + skel.point("hip_r"))
    a_o = _ankle(skel, other)
    h = skel.point("hip_l")[0]
    hip_o = np.array([sx * cfg["hx"] - sx * h, hip_rest[1] + cfg["hy"]])
    dx, dy = hip_o[0] - a_o[0], hip_o[1] - a_o[1]
    hz = a_o[2] + float(np.sqrt(max(_reach(skel, cfg["other"]) ** 2 - dx**2 - dy**2, 1e-9)))
    pose = Pose(root=np.zeros(3), rot={"pelvis": g})
    pose.root = _place_root(skel, g, np.array([sx * cfg["hx"], hip_rest[1] + cfg["hy"], hz]))
    l_th, l_sh = _lengths(skel)
    bends = {work: np.array([sx * cfg["bx"], cfg["by"], cfg["bz"]]), other: np.array([0.0, -1.0, 0.0])}
    for s, bend in bends.items():
        ankle = _ankle(skel, s)
        knee = two_link_knee(fk_point(skel, pose, "hip_" + s), ankle, l_th, l_sh, bend)
        _set_leg(pose, skel, s, knee, ankle)
        pose.rot["foot_" + s] = np.eye(3)
    _set_arms(pose, skel, lambda x: np.array([x * 0.15, -0.25, -1.0]))
    return pose


def _rest(skel: Skeleton) -> Config:
    """Standing wide, hips over the middle, both knees straight (about 176 deg)."""
    return {"hx": 0.0, "hy": 0.0, "other": _straight_knee(skel), "lean": 0.0,
            "bx": 0.0, "by": -1.0, "bz": 0.0}  # fmt: skip


def _bottom(skel: Skeleton, knee: float, other: float) -> Config:
    """The bottom: the working knee at ``knee`` deg over its shin tilted :data:`SIDE_SHIN_DEG`
    forward (the knee straight above the foot across the body), the other knee at ``other``
    deg, the trunk leaning :data:`SIDE_LEAN_DEG`. The thigh runs from the knee in toward the
    middle and back; how far back is what puts the other hip at the other leg's reach
    (bisection). Placed for the left leg working (the right is its mirror)."""
    l_th, l_sh = _lengths(skel)
    s, k = np.radians(SIDE_SHIN_DEG), np.radians(knee)
    a_w, a_o = _ankle(skel, "l"), _ankle(skel, "r")
    knee_pt = a_w + l_sh * np.array([0.0, -np.sin(s), np.cos(s)])
    u_s = np.array([0.0, np.sin(s), -np.cos(s)])  # knee -> ankle
    e_in, e_back = np.array([-1.0, 0.0, 0.0]), np.array([0.0, np.cos(s), np.sin(s)])
    width = 2.0 * skel.point("hip_l")[0]
    want = _reach(skel, other)

    def hip_w(phi: float) -> Vec:
        u_t = np.cos(k) * u_s + np.sin(k) * (np.cos(phi) * e_in + np.sin(phi) * e_back)
        return knee_pt + l_th * u_t

    def gap(phi: float) -> float:
        return float(np.linalg.norm(hip_w(phi) - np.array([width, 0.0, 0.0]) - a_o)) - want

    lo, hi = 0.0, 0.5 * np.pi
    if gap(lo) * gap(hi) > 0:
        raise ValueError(f"no side lunge bottom with the knees at {knee:.0f} and {other:.0f} deg")
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if gap(mid) * gap(lo) > 0 else (lo, mid)
    hw = hip_w(0.5 * (lo + hi))
    rest = 0.5 * (skel.point("hip_l") + skel.point("hip_r"))
    bend = knee_pt - hw
    return {"hx": float(hw[0] - 0.5 * width), "hy": float(hw[1] - rest[1]), "other": other,
            "lean": SIDE_LEAN_DEG, "bx": float(bend[0]), "by": float(bend[1]),
            "bz": float(bend[2])}  # fmt: skip


def _side_lunge(p: MotionParams, skel: Skeleton) -> Motion:
    """Side lunges, the working leg taking turns from ``side``: down and across (descent), held
    at the bottom, back up to the middle (ascent)."""
    rest = _rest(skel)
    first = "l" if p.side == "left" else "r"
    second = "r" if first == "l" else "l"

    def work(i: int) -> str:
        return first if i % 2 == 1 else second

    def peak_for(i: int) -> Config:
        bent = "straight_leg_bent" in p.rep_faults(i)
        return _bottom(skel, p.value("depth"), rest["other"] - (KNEE_BEND_DEG if bent else 0.0))

    keys, reps, dur = _plan(p, rest, peak_for, lambda i, c: rest, lambda i: p.value("hold_s"), None)
    for r in reps:
        r.side = "left" if work(r.index) == "l" else "right"
    t = _frames(dur, p.fps)
    poses = []
    for ti in t:
        r = next((r for r in reps if ti <= r.end_s), reps[-1])  # the next rep while standing
        poses.append(side_lunge_pose(skel, _interp(keys, float(ti)), work(r.index)))
    return Motion(p, skel, t, poses, reps)


# ``motions.make_motion``'s dispatch: the lunge's ``side`` variant.
BUILDERS.update({"lunge:side": _side_lunge})
