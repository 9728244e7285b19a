"""Standing motions with the feet apart along the body: the hip hinge and the lunge.

Both are placed like the squat (standing at the origin, facing -Y, the left side toward +X,
the body-model frame with the root at z=0 standing; the renderer puts the lowest point of the
clip on the floor). Positions are metres, angles degrees, times seconds.

* Hip hinge (000): the trunk goes forward from the hips toward horizontal, the hips travel
  back over the heels and the knees stay soft; both feet stay flat. Faults: ``squatting`` (the
  knees bend to a squat's angle at the bottom), ``shallow`` (the trunk stops well short of
  horizontal; checked only when a clinician prescribes ``min_hinge_deg``), ``narrow_stance``
  (clip-wide: feet together, the ankles 7 cm apart, instead of about hip width).
* Lunge (004, 003): reverse lunges, the legs taking turns from ``side`` (a rep is counted on
  the front, bent leg: the checker's per-side count). The back foot steps back about 0.8 m,
  the hips go down until the front knee is at a right angle over a near-vertical shin, the
  back heel lifts and the back knee drops toward the floor; then up, and the back foot comes
  forward to standing. Reverse rather than forward: the working leg stays planted, so its
  smallest knee angle over the rep is the bottom's (a forward lunge's stepping leg bends its
  knee in the swing, as much as a shallow lunge's bottom). Faults: ``shallow``,
  ``knee_past_toes``, ``trunk_lean``, ``knee_caving`` and ``short_hold`` (the last checked
  only when a hold is prescribed).

The checker's side lunge (feet twice shoulder width apart, the other leg straight) is the
lunge's ``side`` variant, in :mod:`.motions_side_lunge` (with its ``straight_leg_bent`` fault).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from formcheck_studio.geometry import (
    Pose,
    Skeleton,
    Vec,
    angle_deg,
    fk_joints,
    fk_point,
    rot_x,
    set_direction,
    two_link_knee,
    unit,
)
from formcheck_studio.motions import (
    BUILDERS,
    Config,
    Motion,
    MotionParams,
    _frames,
    _interp,
    _Key,
    _plan,
)

# Planted faults, each well past its check's limit (a fault on the limit is a coin toss for any
# measurement, so it tests nothing).
HINGE_KNEE_DEG = 155.0  # a clean hinge's soft knees at the bottom (real hinges read 126-153)
# Squatting hinge: the knee at the bottom (limit 100): 20 deg below it, three times the 2D knee
# angle's worst error per rep on real film (6.3 deg); the trunk still leans 75 deg so that the
# rep stays deep enough for a prescribed min_hinge_deg of 80 (limit 65).
HINGE_SQUAT_KNEE_DEG = 80.0
HINGE_SQUAT_LEAN_DEG = 75.0
# Shallow hinge: the trunk stops at 45 deg from vertical (limit min_hinge_deg - 15 = 65 with the
# 000 RDL's 80 prescribed): 20 short of the limit and still past the count's 30 deg least hinge.
HINGE_SHALLOW_DEG = 45.0
# The knees reach the bottom's bend in this share of the descent, with the trunk this share of
# the way down (a quarter of the lean short of the bottom is where the checker's bottom starts).
HINGE_KNEES_FIRST_SHARE = 0.5
HINGE_KNEES_FIRST_LEAN = 0.5
HINGE_HALF_WIDTH = 0.12  # ankles either side of the midline (m): feet about hip width
# Narrow stance (clip-wide): feet together, the ankles 7 cm apart, 0.22 shoulder widths (limit
# 0.4; clean 0.77).
HINGE_NARROW_HALF_WIDTH = 0.035
# Lunge: front knee at the bottom of a shallow rep (limit depth_knee_deg + 25 = 115): 10 past it,
# over the 2D knee angle's worst error per rep (6.3 deg); the hips then drop 21% of their
# standing height, and a lunge bending much less drops them under the count's least 15%.
LUNGE_SHALLOW_KNEE_DEG = 125.0
# Knee past the toes: the front knee 12 cm ahead of its toe tip along the foot, 0.3 shin lengths
# (limit 0.15, twice it; the squat's is 16 cm); the shin tilts about 51 deg forward for it.
LUNGE_KNEE_PAST_TOES_M = 0.12
# Trunk lean at the bottom (limit 50; clean lunges lean 10): 60, as far past as stays a lunge
# (the checker takes a torso over 70 deg in the picture for bending over, not lunging).
LUNGE_LEAN_DEG = 60.0
LUNGE_CLEAN_LEAN_DEG = 10.0
# Knee caving: the front knee 14 cm inside its ankle at the bottom, 0.35 standing shin lengths
# (limit 0.25, 40% past it: a shin leaning about 20 deg inward, the knee over the body's middle).
LUNGE_CAVE_M = 0.14
LUNGE_SHORT_HOLD_S = 0.1
LUNGE_HALF_WIDTH = 0.13  # ankles either side of the midline (m): feet about hip width apart
LUNGE_SHIN_DEG = 5.0  # a clean front shin's forward tilt at the bottom (knee well behind the toes)
LUNGE_STRIDE_M = 0.80  # front ankle ahead of the back one at the bottom
LUNGE_HEEL_M = 0.06  # back heel lift at the bottom (on the ball of the foot)
LUNGE_BACK_KNEE_MIN_DEG = 150.0  # the back knee's least bend at the bottom (a shallow lunge)
LUNGE_STEP_SHARE = 0.35  # share of the descent (and ascent) the step itself takes
SWING_LIFT_M = 0.05  # the stepping foot clears the floor by this much mid-step


def _lengths(skel: Skeleton) -> tuple[float, float]:
    return skel.length("hip_l", "knee_l"), skel.length("knee_l", "ankle_l")


def _rest_lean(skel: Skeleton) -> float:
    """The rest body's hips-to-shoulders line from vertical, forward (deg)."""
    v = unit(
        0.5 * (skel.point("shoulder_l") + skel.point("shoulder_r"))
        - 0.5 * (skel.point("hip_l") + skel.point("hip_r"))
    )
    return float(np.degrees(np.arctan2(-v[1], v[2])))


def _pelvis(skel: Skeleton, lean: float) -> np.ndarray:
    """Pelvis (trunk) rotation leaning the hips-to-shoulders line ``lean`` deg forward."""
    rest = _rest_lean(skel)
    return rot_x(lean - rest) if lean > rest else np.eye(3)


def _place_root(skel: Skeleton, g: np.ndarray, hipmid: Vec) -> Vec:
    """Root position putting the hip joints' midpoint at ``hipmid`` with pelvis rotation ``g``."""
    rest = 0.5 * (skel.point("hip_l") + skel.point("hip_r"))
    return np.asarray(hipmid, float) - g @ (rest - skel.point("root"))


def _hip_over_ankle(skel: Skeleton, knee: float, shin: float) -> tuple[float, float]:
    """(back, up): the hip's place from its ankle (m) with the shin tilted ``shin`` deg forward
    and the knee at ``knee`` deg, in the sagittal plane (the thigh leans back from vertical by
    what is left of the knee's bend)."""
    l_th, l_sh = _lengths(skel)
    s = np.radians(shin)
    t = np.radians(180.0 - knee - shin)
    return float(-l_sh * np.sin(s) + l_th * np.sin(t)), float(l_sh * np.cos(s) + l_th * np.cos(t))


def _set_leg(pose: Pose, skel: Skeleton, s: str, knee: Vec, ankle: Vec) -> None:
    hip = fk_point(skel, pose, "hip_" + s)
    set_direction(pose, skel, "thigh_" + s, "hip_" + s, "knee_" + s, knee - hip)
    set_direction(pose, skel, "shin_" + s, "knee_" + s, "ankle_" + s, ankle - knee)


def _set_arms(pose: Pose, skel: Skeleton, direction: Callable[[float], Vec]) -> None:
    for s, sx in (("l", 1.0), ("r", -1.0)):
        d = direction(sx)
        set_direction(pose, skel, "upperarm_" + s, "shoulder_" + s, "elbow_" + s, d)
        set_direction(pose, skel, "forearm_" + s, "elbow_" + s, "wrist_" + s, d)


# --------------------------------------------------------------------------- hip hinge


def hip_hinge_pose(skel: Skeleton, cfg: Config) -> Pose:
    """Both feet flat, ``cfg["half"]`` (m) either side of the midline. ``cfg``: ``lean`` = the
    hips-to-shoulders line from vertical (deg, forward), ``knee`` = both knees' angle (deg, 180
    straight), ``shin`` = the shins' forward tilt (deg); the hips go back as the knee angle and
    shins leave them. The arms hang straight down (as holding dumbbells)."""
    l_th, l_sh = _lengths(skel)
    g = _pelvis(skel, cfg["lean"])
    ankle_rest = skel.point("ankle_l")
    back, up = _hip_over_ankle(skel, cfg["knee"], cfg["shin"])
    # The legs' lateral slope (hips a little narrower than the ankles) shortens their height.
    half = cfg["half"]
    dx = half - skel.point("hip_l")[0]
    up = float(np.sqrt(max(up**2 - dx**2, 1e-9)))
    hipmid = np.array([0.0, ankle_rest[1] + back, ankle_rest[2] + up])
    pose = Pose(root=np.zeros(3), rot={"pelvis": g})
    pose.root = _place_root(skel, g, hipmid)
    for s, sx in (("l", 1.0), ("r", -1.0)):
        ankle = np.array([sx * half, ankle_rest[1], ankle_rest[2]])
        hip = fk_point(skel, pose, "hip_" + s)
        knee = two_link_knee(hip, ankle, l_th, l_sh, np.array([0.0, -1.0, 0.0]))
        _set_leg(pose, skel, s, knee, ankle)
        pose.rot["foot_" + s] = np.eye(3)  # flat on the floor
    _set_arms(pose, skel, lambda sx: np.array([sx * 0.08, 0.0, -1.0]))
    return pose


def _hip_hinge(p: MotionParams, skel: Skeleton) -> Motion:
    half = HINGE_NARROW_HALF_WIDTH if "narrow_stance" in p.faults else HINGE_HALF_WIDTH
    rest: Config = {"lean": 0.0, "knee": 179.0, "shin": 0.0, "half": half}

    def peak_for(i: int) -> Config:
        f = p.rep_faults(i)
        lean = HINGE_SHALLOW_DEG if "shallow" in f else p.value("depth")
        if "squatting" in f:
            # Knees forward over the feet as in a squat: the shins tilt with the bend.
            lean, knee, shin = min(lean, HINGE_SQUAT_LEAN_DEG), HINGE_SQUAT_KNEE_DEG, 30.0
            return {"lean": lean, "knee": knee, "shin": shin, "half": half}
        return {"lean": lean, "knee": HINGE_KNEE_DEG, "shin": 3.0, "half": half}

    keys, reps, dur = _plan(p, rest, peak_for, lambda i, c: rest, lambda i: p.value("hold_s"), None)
    # The knees unlock first: they reach the bottom's bend while the trunk is part way down (and
    # keep it until the trunk is part way up), so the whole bottom of the rep, where the checker
    # reads the knee, has the rep's knee angle.
    down, up = p.value("descent_s"), p.value("ascent_s")
    extra: list[_Key] = []
    for r in reps:
        bent = {**peak_for(r.index)}
        bent["lean"] *= HINGE_KNEES_FIRST_LEAN
        extra += [_Key(r.start_s + HINGE_KNEES_FIRST_SHARE * down, bent),
                  _Key(r.end_s - HINGE_KNEES_FIRST_SHARE * up, bent)]  # fmt: skip
    keys = sorted([*keys, *extra], key=lambda k: k.t)
    t = _frames(dur, p.fps)
    poses = [hip_hinge_pose(skel, _interp(keys, float(ti))) for ti in t]
    return Motion(p, skel, t, poses, reps)


# --------------------------------------------------------------------------- lunge


def _foot_pitch(skel: Skeleton, heel: float) -> tuple[np.ndarray, Vec]:
    """(foot rotation, ankle offset from its rest place) for a heel lifted ``heel`` m about the
    toe tip on the floor (a rigid foot tipped about the ball would push the toes into it)."""
    toe, heel_pt, ankle = skel.point("toe_l"), skel.point("heel_l"), skel.point("ankle_l")
    pivot = np.array([0.0, toe[1], skel.sole_z])
    d = heel_pt[1] - pivot[1]
    alpha = float(np.degrees(np.arcsin(min(heel / d, 0.9))))
    g = rot_x(alpha)
    a0 = np.array([0.0, ankle[1], ankle[2]])
    return g, pivot + g @ (a0 - pivot) - a0


def lunge_pose(skel: Skeleton, cfg: Config, front: str) -> Pose:
    """Leg ``front`` ("l"/"r") stays where it stood, foot flat; the other steps ``cfg['step']``
    m back (lifted ``lift`` m) and lifts its heel ``heel`` m; the hips' midpoint is ``hy`` m along Y
    and ``hz`` m above standing's ankle level, the trunk leans ``lean`` deg forward. Both knees
    bend forward; the front knee's bending plane turns ``cave`` (0..1) toward the midline."""
    l_th, l_sh = _lengths(skel)
    back = "r" if front == "l" else "l"
    g = _pelvis(skel, cfg["lean"])
    ankle_rest = skel.point("ankle_l")
    pose = Pose(root=np.zeros(3), rot={"pelvis": g})
    pose.root = _place_root(skel, g, np.array([0.0, cfg["hy"], ankle_rest[2] + cfg["hz"]]))
    for s in (front, back):
        sx = 1.0 if s == "l" else -1.0
        if s == front:
            ankle = np.array([sx * LUNGE_HALF_WIDTH, ankle_rest[1], ankle_rest[2]])
            bend = unit(np.array([-sx * cfg["cave"], -1.0, 0.0]))
            g_foot = np.eye(3)
        else:
            g_foot, off = _foot_pitch(skel, cfg["heel"])
            ankle = np.array(
                [sx * LUNGE_HALF_WIDTH, ankle_rest[1] + cfg["step"], ankle_rest[2] + cfg["lift"]]
            ) + off
            bend = np.array([0.0, -1.0, 0.0])
        hip = fk_point(skel, pose, "hip_" + s)
        knee = two_link_knee(hip, ankle, l_th, l_sh, bend)
        _set_leg(pose, skel, s, knee, ankle)
        pose.rot["foot_" + s] = g_foot
    _set_arms(pose, skel, lambda sx: np.array([sx * 0.15, -0.25, -1.0]))
    return pose


def _lunge_rest(skel: Skeleton) -> Config:
    """Standing, feet together at hip width, knees straight (as far as the legs reach)."""
    l_th, l_sh = _lengths(skel)
    dx = LUNGE_HALF_WIDTH - skel.point("hip_l")[0]
    dy = skel.point("hip_l")[1] - skel.point("ankle_l")[1]
    hz = float(np.sqrt((0.999 * (l_th + l_sh)) ** 2 - dx**2 - dy**2))
    return {"step": 0.0, "lift": 0.0, "hy": float(skel.point("hip_l")[1]), "hz": hz, "lean": 0.0,
            "heel": 0.0, "cave": 0.0}


def _lunge_bottom(skel: Skeleton, knee: float, shin: float, lean: float, cave_m: float, front: str) -> Config:
    """The bottom of a lunge: the front knee at ``knee`` deg over a shin tilted ``shin`` deg
    forward, the back foot :data:`LUNGE_STRIDE_M` behind the front one, whose heel is up (a
    shorter stride where the hips stay too high for the back foot to reach the floor that far
    back: the back knee then bends to :data:`LUNGE_BACK_KNEE_MIN_DEG`); the front knee ``cave_m``
    m inside its ankle."""
    l_th, l_sh = _lengths(skel)
    back, up = _hip_over_ankle(skel, knee, shin)
    _, off = _foot_pitch(skel, LUNGE_HEEL_M)
    reach = float(np.sqrt(l_th**2 + l_sh**2 - 2 * l_th * l_sh * np.cos(np.radians(LUNGE_BACK_KNEE_MIN_DEG))))
    dz = up - off[2]
    dx = LUNGE_HALF_WIDTH - skel.point("hip_l")[0]
    stride = min(LUNGE_STRIDE_M, back - off[1] + float(np.sqrt(max(reach**2 - dz**2 - dx**2, 0.0))))
    cfg: Config = {
        "step": stride, "lift": 0.0, "hy": skel.point("ankle_l")[1] + back, "hz": up,
        "lean": lean, "heel": LUNGE_HEEL_M, "cave": 0.0,
    }  # fmt: skip
    if cave_m > 0:
        # The bending plane's turn that puts the knee ``cave_m`` inside its ankle (bisection).
        s = front
        sx = 1.0 if s == "l" else -1.0

        def inside(c: float) -> float:
            j = fk_joints(skel, lunge_pose(skel, {**cfg, "cave": c}, s))
            side = "left" if s == "l" else "right"
            return float(sx * (j[f"{side}_ankle"][0] - j[f"{side}_knee"][0]))

        lo, hi = 0.0, 3.0
        for _ in range(40):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if inside(mid) < cave_m else (lo, mid)
        cfg["cave"] = 0.5 * (lo + hi)
    return cfg


def _lunge(p: MotionParams, skel: Skeleton) -> Motion:
    """Reverse lunges, the front leg taking turns from ``side``: the other foot steps back and
    the hips go down (descent), held at the bottom, then up and the back foot forward to
    standing (ascent)."""
    rest = _lunge_rest(skel)
    first = "l" if p.side == "left" else "r"
    other = "r" if first == "l" else "l"
    l_sh = _lengths(skel)[1]
    toe_ahead = skel.point("ankle_l")[1] - skel.point("toe_l")[1]

    def front(i: int) -> str:
        return first if i % 2 == 1 else other

    cache: dict[tuple[str, tuple[str, ...]], Config] = {}

    def peak_for(i: int) -> Config:
        f = tuple(x for x in p.rep_faults(i) if x != "short_hold")
        key = (front(i), f)
        if key not in cache:
            knee = LUNGE_SHALLOW_KNEE_DEG if "shallow" in f else p.value("depth")
            shin = LUNGE_SHIN_DEG
            if "knee_past_toes" in f:
                shin = float(np.degrees(np.arcsin(min((toe_ahead + LUNGE_KNEE_PAST_TOES_M) / l_sh, 0.95))))
            lean = LUNGE_LEAN_DEG if "trunk_lean" in f else LUNGE_CLEAN_LEAN_DEG
            cave = LUNGE_CAVE_M if "knee_caving" in f else 0.0
            cache[key] = _lunge_bottom(skel, knee, shin, lean, cave, front(i))
        return cache[key]

    def hold_for(i: int) -> float:
        return LUNGE_SHORT_HOLD_S if "short_hold" in p.rep_faults(i) else p.value("hold_s")

    keys, reps, dur = _plan(p, rest, peak_for, lambda i, c: rest, hold_for, None)
    for r in reps:
        r.side = "left" if front(r.index) == "l" else "right"
    # The step: the back foot lands (the hips over where they go down, as high as the legs
    # reach) in the first share of the descent, and takes off again in the last share of the
    # ascent; between, the hips go straight down and up, so both knees bend and straighten
    # steadily (the front knee's smallest angle is the bottom's; the front foot never moves).
    down, up = p.value("descent_s"), p.value("ascent_s")
    extra: list[_Key] = []
    for r in reps:
        bottom = peak_for(r.index)
        stepped = {**rest, "step": bottom["step"], "hy": bottom["hy"], "lean": 0.3 * bottom["lean"],
                   "heel": bottom["heel"]}  # fmt: skip
        stepped["hz"] = max(bottom["hz"], min(rest["hz"], _reach_hz(skel, stepped)))
        extra += [_Key(r.start_s + LUNGE_STEP_SHARE * down, stepped),
                  _Key(r.end_s - LUNGE_STEP_SHARE * up, stepped)]  # fmt: skip
    keys = sorted([*keys, *extra], key=lambda k: k.t)
    t = _frames(dur, p.fps)
    poses = []
    for ti in t:
        cfg = _interp(keys, float(ti))
        # The rep this frame belongs to (the next one while standing between reps).
        r = next((r for r in reps if ti <= r.end_s), reps[-1])
        land, leave = r.start_s + LUNGE_STEP_SHARE * down, r.end_s - LUNGE_STEP_SHARE * up
        swings = ((r.start_s, land), (leave, r.end_s))
        for a, b in swings:
            if a < ti < b:
                cfg["lift"] = SWING_LIFT_M * float(np.sin(np.pi * (ti - a) / (b - a)))
        poses.append(lunge_pose(skel, cfg, front(r.index)))
    return Motion(p, skel, t, poses, reps)


def _reach_hz(skel: Skeleton, cfg: Config) -> float:
    """The highest hips (``hz``) from which both straight-ish legs (knees about 170 deg) reach
    their ankles with the feet as ``cfg`` places them (the back heel lifted ``heel`` m)."""
    l_th, l_sh = _lengths(skel)
    reach = float(np.sqrt(l_th**2 + l_sh**2 - 2 * l_th * l_sh * np.cos(np.radians(170.0))))
    dx = LUNGE_HALF_WIDTH - skel.point("hip_l")[0]
    _, off = _foot_pitch(skel, cfg["heel"])
    ay = skel.point("ankle_l")[1]
    best = np.inf
    for y, z in ((ay, 0.0), (ay + cfg["step"] + off[1], off[2])):
        dy = cfg["hy"] - y
        best = min(best, z + float(np.sqrt(max(reach**2 - dx**2 - dy**2, 0.0))))
    return best


def front_knee_deg(j: dict[str, Vec], side: str) -> float:
    """The ``side`` ("left"/"right") knee's 3D angle (deg)."""
    return angle_deg(j[f"{side}_hip"], j[f"{side}_knee"], j[f"{side}_ankle"])


# ``motions.make_motion``'s dispatch (this module imports ``motions``, not the other way round).
BUILDERS.update({"hip_hinge": _hip_hinge, "lunge": _lunge})
