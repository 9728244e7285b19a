"""Exercise motions as parameterised functions of time (pure numpy, no torch).

A motion is a :class:`MotionParams` turned into a :class:`Motion`: one :class:`~.geometry.Pose`
per video frame plus the planned repetitions. Positions are metres in a canonical world
(Z up, floor at z=0 for standing exercises; lying exercises get their floor contact from the
renderer's single per-clip vertical shift), angles are degrees, times seconds.

Canonical placements (the camera, not the body, moves to give the requested view):

* squat: standing at the origin, facing -Y, left side toward +X;
* bridge: supine, head toward +Y, face up;
* clamshell: lying on one side, head toward +X, front toward -Y (lying on the left side) or
  +Y (lying on the right side);
* hip_abduction, lateral_walk: standing like the squat (facing -Y, left side toward +X);
* hip_hinge, lunge (and the lunge's ``side`` variant, the side lunge): standing like the squat;
* side_leg_raise: lying on one side like the clamshell;
* marching_bridge: supine like the bridge.

The marching bridge's and the side walk's "reps" are steps: a foot lifted and put down, the
feet going apart and together.

Every rep is a keyframe sequence: start config -> peak config (reached after ``descent_s``),
held for the rep's hold time, -> end config (after ``ascent_s``), then ``rest_s`` still. Faults
change the peak (or end) config of the reps they name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from formcheck_studio import motions_all_fours as quad
from formcheck_studio.geometry import (
    Pose,
    Skeleton,
    Vec,
    angle_deg,
    axis_angle,
    fk_joints,
    fk_point,
    rot_x,
    rot_y,
    set_direction,
    two_link_knee,
    unit,
    vector_angle_deg,
)

EXERCISES = (
    "squat", "bridge", "clamshell", "hip_abduction", "side_leg_raise", "marching_bridge",
    "lateral_walk", "hip_hinge", "lunge", "donkey_kick", "fire_hydrant", "hip_flexor_stretch",
    "double_hip_rotation",
)
STANDING = ("squat", "hip_abduction", "lateral_walk", "hip_hinge", "lunge")
#: Exercises whose reps alternate or belong to one working side (``MotionParams.side``).
SIDED = ("clamshell", "hip_abduction", "side_leg_raise", "marching_bridge", "lateral_walk", "lunge",
         "donkey_kick", "fire_hydrant", "hip_flexor_stretch", "double_hip_rotation")

#: Faults each exercise knows, with a one-line description.
FAULTS: dict[str, dict[str, str]] = {
    "squat": {
        "shallow": "bottom knee angle about 125 deg instead of about 88 deg",
        "knees_past_toes": "knees about 16 cm ahead of the toe tips at the bottom",
        "trunk_lean": "torso about 55 deg from vertical at the bottom (clean about 30 deg)",
        "knees_caving": "knees collapse inward: knee gap well below ankle gap at the bottom",
        "heels_lifting": "heels rise about 10 cm at the bottom",
        "narrow_stance": "feet about 14 cm apart (clip-wide: must name every rep)",
        "incomplete_lockout": "the rep ends at a knee angle of about 150 deg, not straight",
        "too_fast": "drops to the bottom in 0.12 s (limit 0.3 s, min_descent_s)",
    },
    "bridge": {
        "hips_low": "top shoulder-hip-knee angle about 150 deg instead of 180 deg",
        "overarch": "hips pushed past the line: top angle about 203 deg",
        "short_hold": "top held 0.5 s instead of the clip's hold_s",
    },
    "clamshell": {
        "feet_apart": "top ankle lifts: ankles about 13 cm further apart at the top than closed",
        "pelvis_roll": "pelvis rolls back about 40 deg at the top",
        "small_opening": "thighs open about 12 deg instead of about 45 deg",
        "short_hold": "top held 0.2 s instead of the clip's hold_s",
    },
    "hip_abduction": {
        "trunk_lean": "trunk leans 20 deg toward the standing side at the top (limit 10)",
        "knee_bent": "working knee bends 60 deg at the top, the shin going back (limit 30)",
        "short_hold": "top held 0.2 s instead of the clip's hold_s",
    },
    "side_leg_raise": {
        "low_lift": "top leg rises only to 12 deg below level (hip height; limit -6)",
        "knee_bent": "top knee bends 60 deg at the top, the shin going back (limit 30)",
        "pelvis_roll": "pelvis and top leg roll back 40 deg at the top (limit 30)",
    },
    "marching_bridge": {
        "hips_drop": "hips sink 14 deg (trunk line) while the foot is up (limit 10)",
    },
    "lateral_walk": {
        "feet_together": "trailing foot lands 10 cm from the lead one (0.3 shoulder widths; limit 0.5)",
    },
    # Planted values: formcheck_studio/motions_standing.py.
    "hip_hinge": {
        "squatting": "knees bend to 80 deg at the bottom (limit 100; clean 155)",
        "shallow": "trunk stops at 45 deg from vertical (limit 65 with min_hinge_deg 80 prescribed)",
        "narrow_stance": "feet together, ankles 7 cm apart (limit 0.4 shoulder widths; clip-wide)",
    },
    "lunge": {
        "shallow": "front knee stops at 125 deg (limit 115 = 90 + 25)",
        "knee_past_toes": "front knee 12 cm ahead of its toes (0.3 shin lengths; limit 0.15)",
        "trunk_lean": "torso 60 deg from vertical at the bottom (limit 50; clean 10)",
        "knee_caving": "front knee 14 cm inside its ankle (0.35 shin lengths; limit 0.25), from the front",
        "short_hold": "bottom held 0.1 s instead of the clip's hold_s (checked when a hold is prescribed)",
    },
    # On hands and knees: formcheck_studio/motions_all_fours.py.
    "donkey_kick": {
        "low_back_arch": "thigh kicked 55 deg above the shoulders-to-hips line (limit 30)",
        "start_position": "hands 60 deg forward of under the shoulders, through the rep (limit 45)",
    },
    "fire_hydrant": {
        "hip_shift": "hips slide 1.0 hip widths toward the standing knee at the top (limit 0.5)",
        "start_position": "hands 60 deg forward of under the shoulders, through the rep (limit 45)",
    },
    # Held stretches (motions_holds.py): a "rep" is a hold.
    "hip_flexor_stretch": {
        "trunk_lean": "torso 35 deg forward through the hold (limit 20)",
        "front_knee": "front foot far out: front knee 128 deg (limit 90 + 25)",
        "short_hold": "held 4 s still instead of the clip's hold_s",
    },
    "double_hip_rotation": {
        "shoulders_lift": "trunk rolls 35 deg with the knees, the far shoulder up (limit 20)",
        "short_hold": "held 4 s still instead of the clip's hold_s",
    },
}

#: Exercise defaults: peak target ("depth": squat bottom knee angle, bridge top hip-line angle,
#: clamshell top opening; degrees), tempo and hold (seconds).
DEFAULTS: dict[str, dict[str, float]] = {
    "squat": {"depth": 88.0, "descent_s": 1.5, "ascent_s": 1.5, "hold_s": 0.3, "rest_s": 0.8},
    "bridge": {"depth": 180.0, "descent_s": 1.2, "ascent_s": 1.2, "hold_s": 2.5, "rest_s": 0.8},
    "clamshell": {"depth": 45.0, "descent_s": 1.0, "ascent_s": 1.0, "hold_s": 1.0, "rest_s": 0.5},
    # Angle between the legs at the top (deg).
    "hip_abduction": {"depth": 40.0, "descent_s": 1.0, "ascent_s": 1.0, "hold_s": 1.0, "rest_s": 0.6},
    # Top leg's rise above level at the top (deg, hip height is 0).
    "side_leg_raise": {"depth": 10.0, "descent_s": 0.9, "ascent_s": 0.9, "hold_s": 0.5, "rest_s": 0.5},
    # Foot lift at the top of a step (cm).
    "marching_bridge": {"depth": 10.0, "descent_s": 0.6, "ascent_s": 0.6, "hold_s": 0.4, "rest_s": 0.6},
    # Lead foot's step out (cm); descent = lead foot out, ascent = trailing foot in.
    "lateral_walk": {"depth": 40.0, "descent_s": 0.6, "ascent_s": 0.6, "hold_s": 0.1, "rest_s": 0.7},
    # Trunk lean from vertical at the bottom (deg; 000: "almost parallel").
    "hip_hinge": {"depth": 80.0, "descent_s": 1.5, "ascent_s": 1.3, "hold_s": 0.4, "rest_s": 0.7},
    # Front knee angle at the bottom (deg); descent = step forward and down.
    "lunge": {"depth": 90.0, "descent_s": 1.6, "ascent_s": 1.4, "hold_s": 0.6, "rest_s": 0.8},
    # Thigh back from the body line's perpendicular at the top (deg, 90: in line with the body).
    "donkey_kick": {"depth": 88.0, "descent_s": 1.0, "ascent_s": 1.0, "hold_s": 0.5, "rest_s": 1.2},
    # Thigh out to the side from hanging at the top (deg, 90: level with the hip).
    "fire_hydrant": {"depth": 60.0, "descent_s": 1.0, "ascent_s": 1.0, "hold_s": 0.5, "rest_s": 1.2},
    # Holds: depth unused (the kneeling stretch) / the knees' drop from pointing up (deg).
    "hip_flexor_stretch": {"depth": 0.0, "descent_s": 1.5, "ascent_s": 1.5, "hold_s": 8.5, "rest_s": 1.0},
    "double_hip_rotation": {"depth": 65.0, "descent_s": 1.5, "ascent_s": 1.5, "hold_s": 8.5, "rest_s": 1.0},
}

#: Variants of an exercise (``MotionParams.variant``), each with the faults it knows in place of
#: the exercise's :data:`FAULTS` (same defaults and checker; the builder is ``BUILDERS["ex:variant"]``).
VARIANTS: dict[str, dict[str, dict[str, str]]] = {
    # The side lunge (feet wide, one knee bends, the other leg straight): motions_side_lunge.py.
    "lunge": {
        "side": {"straight_leg_bent": "the other knee bends 60 deg at the bottom (limit 30), from the front"},
    },
}

LEAD_INS = ("still", "walk_in", "settle")
SQUAT_DROP_S = 0.12  # the squat's planted too_fast descent (the check's limit is 0.3 s)
PELVIS_ROLL_DEG = 40.0  # the clamshell's planted pelvis roll (the check's limit is 30 deg)
# Planted faults of the exercises added later, each well past its check's limit (a fault on
# the limit is a coin toss for any measurement, so it tests nothing).
ABD_LEAN_DEG = 20.0  # hip abduction trunk lean (limit 10)
# Hip abduction / side-lying leg raise knee bend (limit 30), twice the limit: from the front
# a bend straight back only shortens the shin in the picture, and MediaPipe read a 45 deg bend
# as 26-31 deg (a coin toss at the limit).
KNEE_BEND_DEG = 60.0
# Side-lying leg raise: top of a low lift, deg above level (limit -6). The top foot rests on the
# floor at about -23 deg and a rise under 10 deg (the count's least) is no rep, so a low lift
# the checker can flag lies between -13 and -6: -12 is as far past the limit as is counted.
LOW_LIFT_DEG = -12.0
HIPS_DROP_DEG = 14.0  # marching bridge: trunk line falls (limit 10; hips-up needs 8 of ~24)
FEET_TOGETHER_M = 0.10  # side walk: the trailing foot lands this far from the lead (0.3 sh)


@dataclass
class MotionParams:
    """Everything that shapes a motion. ``None`` fields take the exercise's :data:`DEFAULTS`.

    Attributes:
        exercise: one of :data:`EXERCISES`.
        reps: number of repetitions.
        descent_s: seconds from start to peak (squat down / bridge up / clamshell open).
        ascent_s: seconds from peak back to the start position.
        hold_s: seconds held at the peak on clean reps.
        rest_s: seconds still between reps.
        depth: clean peak target (see :data:`DEFAULTS`: degrees; the marching bridge's foot
            lift and the side walk's step in centimetres).
        side: clamshell / side-lying leg raise working (top) leg, ``left`` or ``right`` (the
            other side lies down); hip abduction working leg; marching bridge first foot to
            lift (then they alternate); side walk first direction (the second half of the steps
            come back the other way).
        lead_in: ``still`` (still in the start position), ``walk_in`` (squat: walks into place),
            ``settle`` (lying exercises: bends the legs into the start position).
        lead_in_s: seconds before the first rep starts.
        tail_s: seconds still after the last rep.
        pause_after: rep index (1-based) after which the person pauses mid-set, or 0.
        pause_s: extra still seconds of that pause.
        stance_width: squat / side walk ankle-to-ankle distance in metres.
        faults: fault name -> 1-based rep indices it applies to.
        fps: frames per second of the timeline.
        variant: ``""`` (the exercise itself) or one of its :data:`VARIANTS` (the lunge's
            ``side``: the side lunge).
    """

    exercise: str = "squat"
    reps: int = 3
    descent_s: float | None = None
    ascent_s: float | None = None
    hold_s: float | None = None
    rest_s: float | None = None
    depth: float | None = None
    side: str = "right"
    lead_in: str = "still"
    lead_in_s: float = 1.0
    tail_s: float = 0.8
    pause_after: int = 0
    pause_s: float = 0.0
    stance_width: float = 0.34
    faults: dict[str, list[int]] = field(default_factory=dict)
    fps: float = 30.0
    variant: str = ""

    def value(self, name: str) -> float:
        """A tempo/depth field, or the exercise default when it is ``None``."""
        v = getattr(self, name)
        return float(DEFAULTS[self.exercise][name] if v is None else v)

    def validate(self) -> None:
        """Raise ``ValueError`` on unknown exercises, faults, rep indices or lead-ins."""
        if self.exercise not in EXERCISES:
            raise ValueError(f"unknown exercise {self.exercise!r}; choose from {EXERCISES}")
        if self.reps < 1:
            raise ValueError("reps must be >= 1")
        if self.lead_in not in LEAD_INS:
            raise ValueError(f"unknown lead_in {self.lead_in!r}; choose from {LEAD_INS}")
        if self.lead_in == "walk_in" and self.exercise != "squat":
            raise ValueError("walk_in is for the squat; lying exercises use settle")
        if self.lead_in == "settle" and self.exercise not in ("bridge", "clamshell"):
            raise ValueError("settle is for the bridge and the clamshell")
        if self.side not in ("left", "right"):
            raise ValueError("side must be left or right")
        if self.variant and self.variant not in VARIANTS.get(self.exercise, {}):
            raise ValueError(f"{self.exercise} has no variant {self.variant!r}")
        known = VARIANTS[self.exercise][self.variant] if self.variant else FAULTS[self.exercise]
        for name, idx in self.faults.items():
            if name not in known:
                what = " ".join(filter(None, (self.exercise, self.variant)))
                raise ValueError(f"unknown {what} fault {name!r}; choose from {sorted(known)}")
            bad = [i for i in idx if not 1 <= i <= self.reps]
            if bad:
                raise ValueError(f"fault {name}: rep indices {bad} outside 1..{self.reps}")
        if "narrow_stance" in self.faults and sorted(self.faults["narrow_stance"]) != list(
            range(1, self.reps + 1)
        ):
            raise ValueError("narrow_stance is clip-wide: name every rep (or 'all')")

    def rep_faults(self, index: int) -> list[str]:
        """Sorted fault names applied to rep ``index`` (1-based)."""
        return sorted(n for n, idx in self.faults.items() if index in idx)


@dataclass
class RepPlan:
    """One planned repetition (seconds from the clip start)."""

    index: int
    start_s: float
    peak_start_s: float
    peak_end_s: float
    end_s: float
    faults: list[str]
    side: str | None

    @property
    def peak_s(self) -> float:
        """Middle of the hold at the peak."""
        return 0.5 * (self.peak_start_s + self.peak_end_s)

    @property
    def hold_s(self) -> float:
        """Seconds held at the peak."""
        return self.peak_end_s - self.peak_start_s


@dataclass
class Motion:
    """A rendered-ready motion: times, poses and the planned reps."""

    params: MotionParams
    skeleton: Skeleton
    t: np.ndarray
    poses: list[Pose]
    reps: list[RepPlan]
    lying_side: str | None = None

    @property
    def n_frames(self) -> int:
        """Number of frames."""
        return len(self.t)


# --------------------------------------------------------------------------- timeline


def ease(u: float) -> float:
    """Smooth 0->1 ramp (cosine ease-in-out) of ``u`` in [0, 1]."""
    u = min(max(u, 0.0), 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * u)


Config = dict[str, float]


@dataclass
class _Key:
    t: float
    cfg: Config


def _interp(keys: list[_Key], t: float) -> Config:
    """Config at time ``t``: eased interpolation between the surrounding keyframes."""
    if t <= keys[0].t:
        return dict(keys[0].cfg)
    for a, b in pairwise(keys):
        if t <= b.t:
            if b.t - a.t < 1e-9:
                return dict(b.cfg)
            w = ease((t - a.t) / (b.t - a.t))
            return {k: (1 - w) * a.cfg[k] + w * b.cfg[k] for k in a.cfg}
    return dict(keys[-1].cfg)


def _plan(
    p: MotionParams,
    rest: Config,
    peak_for: Callable[[int], Config],
    end_for: Callable[[int, Config], Config],
    hold_for: Callable[[int], float],
    side: str | None,
    down_for: Callable[[int], float] | None = None,
) -> tuple[list[_Key], list[RepPlan], float]:
    """Keyframes and rep plans; returns (keys, reps, clip duration in seconds). ``down_for``:
    rep index -> its descent (s), where it is not the clip's ``descent_s``."""
    t = p.lead_in_s
    keys = [_Key(0.0, rest), _Key(t, rest)]
    reps: list[RepPlan] = []
    cur = rest
    down, up, rest_s = p.value("descent_s"), p.value("ascent_s"), p.value("rest_s")
    for i in range(1, p.reps + 1):
        peak = peak_for(i)
        hold = hold_for(i)
        start = t
        t += down_for(i) if down_for is not None else down
        keys.append(_Key(t, peak))
        peak_start = t
        t += hold
        keys.append(_Key(t, peak))
        peak_end = t
        t += up
        cur = end_for(i, peak)
        keys.append(_Key(t, cur))
        reps.append(RepPlan(i, start, peak_start, peak_end, t, p.rep_faults(i), side))
        if i < p.reps:
            t += rest_s + (p.pause_s if i == p.pause_after else 0.0)
            keys.append(_Key(t, cur))
    t += p.tail_s
    keys.append(_Key(t, cur))
    return keys, reps, t


#: Builders of exercises whose motions live in their own modules, which add themselves here when
#: imported (the ``formcheck_studio`` package imports them: see its ``__init__``).
BUILDERS: dict[str, Callable[[MotionParams, Skeleton], Motion]] = {}


def make_motion(p: MotionParams, skel: Skeleton | None = None) -> Motion:
    """Build the motion for ``p`` on skeleton ``skel`` (default: anny's default body)."""
    p.validate()
    skel = skel or Skeleton()
    builder = {
        "squat": _squat, "bridge": _bridge, "clamshell": _clamshell,
        "hip_abduction": _hip_abduction, "side_leg_raise": _side_leg_raise,
        "marching_bridge": _marching_bridge, "lateral_walk": _lateral_walk,
        "donkey_kick": all_fours_motion, "fire_hydrant": all_fours_motion, **BUILDERS,
    }[f"{p.exercise}:{p.variant}" if p.variant else p.exercise]  # fmt: skip
    return builder(p, skel)


def _frames(duration: float, fps: float) -> np.ndarray:
    n = round(duration * fps)
    return np.arange(n) / fps


# --------------------------------------------------------------------------- squat

_SQUAT_CLEAN: Config = {
    "shin": 21.0,  # forward shin tilt at the bottom, deg: knee stays behind the toe tips
    "lean": 30.0,  # trunk from vertical at the bottom, deg
    "medial": -0.015,  # knee displacement toward the midline vs the ankle, m (negative = out)
    "heel": 0.0,  # heel lift, m
    "arm": 80.0,  # arms raised forward from hanging, deg
}


def _squat_rest(skel: Skeleton, half_width: float) -> Config:
    """Standing config: knees on the hip-ankle line (straight legs) for this stance."""
    l_th = skel.length("hip_l", "knee_l")
    l_sh = skel.length("knee_l", "ankle_l")
    natural = (half_width - skel.point("hip_l")[0]) * l_sh / (l_th + l_sh)
    return {"knee": 180.0, "shin": 0.0, "lean": 0.0, "medial": natural, "heel": 0.0, "arm": 10.0}


def squat_pose(skel: Skeleton, cfg: Config, half_width: float) -> Pose:
    """Standing/squatting pose for a config (degrees/metres, see ``_SQUAT_CLEAN``) with the
    ankles ``half_width`` metres either side of the midline, floor at z=0."""
    lift = -skel.sole_z  # rest sole height below the root
    rest_trunk = unit(
        0.5 * (skel.point("shoulder_l") + skel.point("shoulder_r"))
        - 0.5 * (skel.point("hip_l") + skel.point("hip_r"))
    )
    rest_lean = np.degrees(np.arctan2(-rest_trunk[1], rest_trunk[2]))
    g_pelvis = rot_x(cfg["lean"] - rest_lean) if cfg["lean"] > 0 else np.eye(3)
    pose = Pose(root=np.zeros(3), rot={"pelvis": g_pelvis})
    l_th = skel.length("hip_l", "knee_l")
    l_sh = skel.length("knee_l", "ankle_l")
    hipmid_rest = 0.5 * (skel.point("hip_l") + skel.point("hip_r"))

    # Feet: heel lift rotates the foot about the ball (4 cm behind the toe tip, on the floor).
    toe = skel.point("toe_l")
    heel = skel.point("heel_l")
    pivot_y = toe[1] + 0.05
    d = heel[1] - pivot_y
    alpha = float(np.degrees(np.arcsin(min(cfg["heel"] / d, 0.9))))
    g_foot = rot_x(alpha)
    ankles: dict[str, Vec] = {}
    for s, sx in (("l", 1.0), ("r", -1.0)):
        pivot = np.array([sx * half_width, pivot_y, skel.sole_z])
        a_rest = skel.point("ankle_" + s)
        a_rest = np.array([sx * half_width, a_rest[1], a_rest[2]])
        a = pivot + g_foot @ (a_rest - pivot)
        a[2] += lift
        ankles[s] = a
    shin_t = np.radians(cfg["shin"])
    knees: dict[str, Vec] = {}
    for s, sx in (("l", 1.0), ("r", -1.0)):
        lat = -sx * cfg["medial"] / l_sh
        c = np.sqrt(max(1 - lat**2, 0.0))
        knees[s] = ankles[s] + l_sh * np.array([lat, -np.sin(shin_t) * c, np.cos(shin_t) * c])

    off_l = g_pelvis @ (skel.point("hip_l") - hipmid_rest)

    def place(phi_deg: float) -> tuple[Vec, float]:
        hip_l_x = off_l[0]  # hip mid sits on the midline
        dx = hip_l_x - knees["l"][0]
        lp = np.sqrt(max(l_th**2 - dx**2, 1e-9))
        ph = np.radians(phi_deg)
        hip_l = np.array(
            [hip_l_x, knees["l"][1] + lp * np.sin(ph), knees["l"][2] + lp * np.cos(ph)]
        )
        return hip_l - off_l, angle_deg(hip_l, knees["l"], ankles["l"])

    target = cfg["knee"]
    lo, hi = -30.0, 150.0  # thigh angle from vertical, deg; knee angle falls as it grows
    best = 0.0
    if place(0.0)[1] <= target:
        # Straight as it gets: pick the thigh angle of maximal knee angle near vertical.
        grid = np.linspace(-20, 20, 81)
        best = float(grid[np.argmax([place(g)[1] for g in grid])])
        lo = best
    else:
        lo = 0.0
    if place(lo)[1] > target:
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            if place(mid)[1] > target:
                lo = mid
            else:
                hi = mid
        best = 0.5 * (lo + hi)
    hipmid, _ = place(best)
    pose.root = hipmid - g_pelvis @ (hipmid_rest - skel.point("root"))
    for s in ("l", "r"):
        hip = fk_point(skel, pose, "hip_" + s)
        set_direction(pose, skel, "thigh_" + s, "hip_" + s, "knee_" + s, knees[s] - hip)
        set_direction(pose, skel, "shin_" + s, "knee_" + s, "ankle_" + s, ankles[s] - knees[s])
        pose.rot["foot_" + s] = g_foot
        sx = 1.0 if s == "l" else -1.0
        a = np.radians(cfg["arm"])
        arm_dir = np.array([sx * 0.12, -np.sin(a), -np.cos(a)])
        set_direction(pose, skel, "upperarm_" + s, "shoulder_" + s, "elbow_" + s, arm_dir)
        set_direction(pose, skel, "forearm_" + s, "elbow_" + s, "wrist_" + s, arm_dir)
    return pose


def _squat_walk_pose(skel: Skeleton, t: float, dur: float, half_width: float) -> Pose:
    """Walking toward -Y into place (ends in the standing pose)."""
    stand = squat_pose(skel, _squat_rest(skel, half_width), half_width)
    walk_t = max(dur - 0.8, 0.5)
    speed = 0.9  # m/s
    freq = 0.9  # strides per second
    if t >= walk_t + 0.6:
        return stand
    amp = 22.0 * (1 - ease((t - walk_t) / 0.6)) if t > walk_t else 22.0
    y = speed * max(walk_t - t, 0.0)
    ph = 2 * np.pi * freq * t
    pose = Pose(root=stand.root + np.array([0.0, y, 0.0]), rot={"pelvis": np.eye(3)})
    hw = 0.10 + (half_width - 0.10) * ease((t - walk_t) / 0.6) if t > walk_t else 0.10
    min_cos = 1.0
    for s in ("l", "r"):
        swing = amp * np.sin(ph + (0 if s == "l" else np.pi))
        knee_flex = 35.0 * max(0.0, np.sin(ph + (0 if s == "l" else np.pi) + 0.9)) * amp / 22.0
        sx = 1.0 if s == "l" else -1.0
        hip = fk_point(skel, pose, "hip_" + s)
        th = np.radians(swing)
        foot_x = sx * hw
        l_leg = skel.length("hip_l", "ankle_l")
        lat = (foot_x - hip[0]) / l_leg
        thigh_dir = np.array([lat, -np.sin(th), -np.cos(th)])
        set_direction(pose, skel, "thigh_" + s, "hip_" + s, "knee_" + s, thigh_dir)
        sh = np.radians(swing - knee_flex)
        shin_dir = np.array([lat, -np.sin(sh), -np.cos(sh)])
        set_direction(pose, skel, "shin_" + s, "knee_" + s, "ankle_" + s, shin_dir)
        pose.rot["foot_" + s] = rot_x(-0.5 * knee_flex) if knee_flex > 0 else np.eye(3)
        min_cos = min(min_cos, np.cos(th))
        a = np.radians(12.0 * np.sin(ph + (np.pi if s == "l" else 0)) + 10.0)
        arm_dir = np.array([sx * 0.12, -np.sin(a), -np.cos(a)])
        set_direction(pose, skel, "upperarm_" + s, "shoulder_" + s, "elbow_" + s, arm_dir)
        set_direction(pose, skel, "forearm_" + s, "elbow_" + s, "wrist_" + s, arm_dir)
    # Keep the stance foot on the floor: lower the body by what the leg swing lifts it.
    pose.root = pose.root - np.array([0.0, 0.0, skel.length("hip_l", "ankle_l") * (1 - min_cos)])
    return pose


def _squat(p: MotionParams, skel: Skeleton) -> Motion:
    hw = 0.5 * p.stance_width
    if "narrow_stance" in p.faults:
        hw = min(hw, 0.07)
    rest = _squat_rest(skel, hw)

    def peak_for(i: int) -> Config:
        f = p.rep_faults(i)
        c = dict(_SQUAT_CLEAN)
        c["knee"] = 125.0 if "shallow" in f else p.value("depth")
        if "knees_past_toes" in f:
            # knee ~16 cm ahead of the toe tip: forward knee offset = toe offset + 0.16
            toe_fwd = skel.point("ankle_l")[1] - skel.point("toe_l")[1]
            l_sh = skel.length("knee_l", "ankle_l")
            c["shin"] = float(np.degrees(np.arcsin(min((toe_fwd + 0.16) / l_sh, 0.95))))
            c["lean"] = 20.0
        if "trunk_lean" in f:
            c["lean"] = 55.0
        if "knees_caving" in f:
            c["medial"] = hw - 0.075 if hw > 0.1 else 0.04
        if "heels_lifting" in f:
            c["heel"] = 0.10
        return c

    def end_for(i: int, peak: Config) -> Config:
        if "incomplete_lockout" in p.rep_faults(i):
            # Stop the ascent at a knee angle of 150 deg.
            w = (180.0 - 150.0) / (180.0 - peak["knee"])
            return {k: rest[k] + w * (peak[k] - rest[k]) for k in rest}
        return rest

    def down_for(i: int) -> float:
        return SQUAT_DROP_S if "too_fast" in p.rep_faults(i) else p.value("descent_s")

    keys, reps, dur = _plan(p, rest, peak_for, end_for, lambda i: p.value("hold_s"), None, down_for)
    t = _frames(dur, p.fps)
    poses = []
    for ti in t:
        if p.lead_in == "walk_in" and ti < p.lead_in_s:
            poses.append(_squat_walk_pose(skel, float(ti), p.lead_in_s, hw))
        else:
            poses.append(squat_pose(skel, _interp(keys, float(ti)), hw))
    return Motion(p, skel, t, poses, reps)


# --------------------------------------------------------------------------- bridge

# Supine: body up (+Z) -> world +Y (head), body front (-Y) -> world +Z (face up).
_SUPINE = rot_x(-90.0)


def _bridge_geometry(skel: Skeleton) -> dict[str, float]:
    l_tr = float(
        np.linalg.norm(
            0.5 * (skel.point("shoulder_l") + skel.point("shoulder_r"))
            - 0.5 * (skel.point("hip_l") + skel.point("hip_r"))
        )
    )
    l_th = skel.length("hip_l", "knee_l")
    l_sh = skel.length("knee_l", "ankle_l")
    # Feet placed so that a straight top line gives a knee angle near 90 deg.
    la = l_tr + l_th
    alpha = np.arctan2(l_sh, la)
    reach = la * np.cos(alpha) + l_sh * np.sin(alpha)
    return {"l_tr": l_tr, "l_th": l_th, "l_sh": l_sh, "feet_y": -reach}


def bridge_pose(skel: Skeleton, cfg: Config) -> Pose:
    """Supine bridge pose: ``cfg['beta']`` = trunk elevation (deg, hips above shoulders),
    ``cfg['bend']`` = 1 with feet placed, 0 with legs straight (settling in); optional
    ``cfg['lift_l']`` / ``cfg['lift_r']``: a placed foot lifted that many metres."""
    geo = _bridge_geometry(skel)
    g_trunk = rot_x(-cfg["beta"]) @ _SUPINE  # hips rise: rotate about X through the shoulders
    sh_mid_rest = 0.5 * (skel.point("shoulder_l") + skel.point("shoulder_r"))
    pose = Pose(root=np.zeros(3), rot={"pelvis": g_trunk, "neck": _SUPINE})
    sh_mid = np.array([0.0, 0.0, 0.11])
    pose.root = sh_mid - g_trunk @ (sh_mid_rest - skel.point("root"))
    leg = geo["l_th"] + geo["l_sh"]
    for s, sx in (("l", 1.0), ("r", -1.0)):
        hip = fk_point(skel, pose, "hip_" + s)
        # The marching bridge lifts a placed foot straight up (``lift_l`` / ``lift_r``, metres).
        placed = np.array([sx * 0.09, geo["feet_y"], 0.075 + cfg.get("lift_" + s, 0.0)])
        straight = np.array([sx * 0.11, hip[1] - leg * 0.995, 0.075])
        w = cfg["bend"]
        ankle = (1 - w) * straight + w * placed
        knee = two_link_knee(hip, ankle, geo["l_th"], geo["l_sh"], np.array([0.0, -0.2, 1.0]))
        # Knees a little narrower than the hips (so 3D and side-view hip lines agree).
        knee[0] = sx * (0.07 * w + 0.11 * (1 - w))
        # Re-project to keep the thigh and shin lengths after moving the knee sideways.
        knee = _fix_lengths(hip, knee, ankle, geo["l_th"], geo["l_sh"])
        set_direction(pose, skel, "thigh_" + s, "hip_" + s, "knee_" + s, knee - hip)
        set_direction(pose, skel, "shin_" + s, "knee_" + s, "ankle_" + s, ankle - knee)
        pose.rot["foot_" + s] = rot_x(-90.0 * (1 - w)) if w < 1 else np.eye(3)
        arm = np.array([sx * 0.25, -1.0, -0.08])
        set_direction(pose, skel, "upperarm_" + s, "shoulder_" + s, "elbow_" + s, arm)
        set_direction(pose, skel, "forearm_" + s, "elbow_" + s, "wrist_" + s, arm)
    return pose


def _fix_lengths(hip: Vec, knee: Vec, ankle: Vec, l_th: float, l_sh: float) -> Vec:
    """Move ``knee`` in its (x fixed) plane so |hip-knee| = l_th and |knee-ankle| = l_sh."""
    # Solve in the plane x = knee.x: circle intersection of two spheres cut by that plane.
    x = knee[0]
    r1 = np.sqrt(max(l_th**2 - (x - hip[0]) ** 2, 1e-9))
    r2 = np.sqrt(max(l_sh**2 - (x - ankle[0]) ** 2, 1e-9))
    c1 = hip[1:]
    c2 = ankle[1:]
    d = float(np.linalg.norm(c2 - c1))
    d = min(d, r1 + r2 - 1e-6)
    a = (r1**2 - r2**2 + d**2) / (2 * d)
    h = np.sqrt(max(r1**2 - a**2, 0.0))
    u = (c2 - c1) / np.linalg.norm(c2 - c1)
    perp = np.array([-u[1], u[0]])
    cand = [c1 + a * u + h * perp, c1 + a * u - h * perp]
    # Keep the knee up (the bent-knee side): larger z.
    best = max(cand, key=lambda c: float(c[1]))
    return np.array([x, best[0], best[1]])


def bridge_line_side(skel: Skeleton, pose: Pose) -> float:
    """Mean left/right shoulder-hip-knee angle in the side (Y-Z) projection, degrees,
    above 180 when the hips pass the line (see :func:`~.geometry.hip_line_deg`)."""
    from formcheck_studio.geometry import hip_line_deg

    ant = (pose.segment_rotation("pelvis") @ np.array([0.0, -1.0, 0.0]))[1:]
    vals = []
    for s in ("l", "r"):
        pts = [fk_point(skel, pose, n + s)[1:] for n in ("shoulder_", "hip_", "knee_")]
        vals.append(hip_line_deg(pts[0], pts[1], pts[2], ant))
    return float(np.mean(vals))


def _bridge(p: MotionParams, skel: Skeleton) -> Motion:
    rest: Config = {"beta": 0.0, "bend": 1.0}

    def solve_beta(target: float) -> float:
        lo, hi = 0.0, 60.0
        for _ in range(50):
            mid = 0.5 * (lo + hi)
            if bridge_line_side(skel, bridge_pose(skel, {"beta": mid, "bend": 1.0})) < target:
                lo = mid
            else:
                hi = mid
        return 0.5 * (lo + hi)

    cache: dict[float, float] = {}

    def peak_for(i: int) -> Config:
        f = p.rep_faults(i)
        target = 150.0 if "hips_low" in f else 203.0 if "overarch" in f else p.value("depth")
        if target not in cache:
            cache[target] = solve_beta(target)
        return {"beta": cache[target], "bend": 1.0}

    def hold_for(i: int) -> float:
        return 0.5 if "short_hold" in p.rep_faults(i) else p.value("hold_s")

    keys, reps, dur = _plan(p, rest, peak_for, lambda i, c: rest, hold_for, None)
    if p.lead_in == "settle":
        settle_end = max(p.lead_in_s - 0.5, 0.3)
        keys = [_Key(0.0, {"beta": 0.0, "bend": 0.0}), _Key(settle_end, rest), *keys[1:]]
    t = _frames(dur, p.fps)
    poses = [bridge_pose(skel, _interp(keys, float(ti))) for ti in t]
    return Motion(p, skel, t, poses, reps)


# --------------------------------------------------------------------------- clamshell


def _lying_base(lying_side: str) -> np.ndarray:
    """Rotation laying the rest body on ``lying_side`` with the head toward +X."""
    down = np.array([0.0, 0.0, -1.0])
    head = np.array([1.0, 0.0, 0.0])
    bx = down if lying_side == "left" else -down  # body +X (left) goes down when lying on left
    bz = head
    by = np.cross(bz, bx)
    return np.stack([bx, by, bz], axis=1)


def clamshell_pose(skel: Skeleton, cfg: Config, lying_side: str) -> Pose:
    """Side-lying clamshell pose. ``cfg``: ``psi`` = top-leg rotation about its hip-ankle
    axis (deg, opening), ``gamma`` = extra top-leg abduction (deg, lifts the foot),
    ``rho`` = pelvis roll backward (deg), ``flex`` = 0..1 from straight legs to the
    45 deg hip / 90 deg knee start position."""
    b = _lying_base(lying_side)
    top = "r" if lying_side == "left" else "l"
    bot = "l" if top == "r" else "r"
    back = b @ np.array([0.0, 1.0, 0.0])
    head_axis = b @ np.array([0.0, 0.0, 1.0])
    # Pelvis roll about the long axis through the bottom hip; sign chosen so the top hip goes
    # backward.
    g0 = b
    pose0 = Pose(root=np.zeros(3), rot={"pelvis": g0})
    hip_top0 = fk_point(skel, pose0, "hip_" + top)
    hip_bot0 = fk_point(skel, pose0, "hip_" + bot)
    r_try = axis_angle(head_axis, 10.0)
    sign = 1.0 if np.dot(r_try @ (hip_top0 - hip_bot0), back) > 0 else -1.0
    r_roll = axis_angle(head_axis, sign * cfg["rho"])
    g_pelvis = r_roll @ b
    pose = Pose(root=np.zeros(3), rot={"pelvis": g_pelvis})
    # Root so that the bottom hip stays at (0, 0, 0.17) whatever the roll.
    hb_rest = skel.point("hip_" + bot) - skel.point("root")
    pose.root = np.array([0.0, 0.0, 0.17]) - g_pelvis @ hb_rest

    flex = cfg["flex"]
    hip_flex = np.radians(45.0 * flex)
    knee_flex = np.radians(90.0 * flex)
    l_th = skel.length("hip_l", "knee_l")
    l_sh = skel.length("knee_l", "ankle_l")
    knee_x = 0.075 * flex + 0.10 * (1 - flex)
    ankle_x = 0.05 * flex + 0.10 * (1 - flex)

    def closed_leg(s: str, g: np.ndarray, root_hip: Vec) -> tuple[Vec, Vec]:
        """Knee and ankle world positions of the closed (adducted) leg."""
        sx = 1.0 if s == "l" else -1.0
        hip_b = skel.point("hip_" + s)  # body frame
        th_dir = np.array([0.0, -np.sin(hip_flex), -np.cos(hip_flex)])
        knee_b = hip_b + l_th * th_dir
        knee_b[0] = sx * knee_x
        knee_b = hip_b + l_th * unit(knee_b - hip_b)
        sh_ang = hip_flex - knee_flex
        sh_dir = np.array([0.0, -np.sin(sh_ang), -np.cos(sh_ang)])
        ankle_b = knee_b + l_sh * sh_dir
        ankle_b[0] = sx * ankle_x
        ankle_b = knee_b + l_sh * unit(ankle_b - knee_b)
        return root_hip + g @ (knee_b - hip_b), root_hip + g @ (ankle_b - hip_b)

    # Bottom leg: laid in the unrolled body frame (stays on the floor).
    hb = fk_point(skel, pose, "hip_" + bot)
    kb, ab = closed_leg(bot, b, hb)
    # Top leg: follows the rolled pelvis, then opens about its hip-ankle axis.
    ht = fk_point(skel, pose, "hip_" + top)
    kt, at = closed_leg(top, g_pelvis, ht)
    axis = at - ht
    # Open so the top knee moves away from the bottom knee.
    r_test = axis_angle(axis, 10.0)
    away = ht - hb
    open_sign = 1.0 if np.dot(r_test @ (kt - ht) - (kt - ht), away) > 0 else -1.0
    r_open = axis_angle(axis, open_sign * cfg["psi"])
    kt = ht + r_open @ (kt - ht)
    # Abduction (feet apart): rotate the whole top leg about the body's front-back axis.
    if cfg["gamma"] != 0.0:
        ab_axis = g_pelvis @ np.array([0.0, 1.0, 0.0])
        r_ab = axis_angle(ab_axis, 10.0)
        ab_sign = 1.0 if np.dot(r_ab @ (at - ht) - (at - ht), away) > 0 else -1.0
        r_ab = axis_angle(ab_axis, ab_sign * cfg["gamma"])
        kt = ht + r_ab @ (kt - ht)
        at = ht + r_ab @ (at - ht)
    for s, k, a in ((bot, kb, ab), (top, kt, at)):
        hip = fk_point(skel, pose, "hip_" + s)
        set_direction(pose, skel, "thigh_" + s, "hip_" + s, "knee_" + s, k - hip)
        set_direction(pose, skel, "shin_" + s, "knee_" + s, "ankle_" + s, a - k)
    # Arms: bottom arm reaches overhead along the floor (pillow), top arm rests on the flank.
    set_direction(pose, skel, "upperarm_" + bot, "shoulder_" + bot, "elbow_" + bot,
                  b @ np.array([0.0, -0.25, 1.0]))
    set_direction(pose, skel, "forearm_" + bot, "elbow_" + bot, "wrist_" + bot,
                  b @ np.array([0.0, -0.6, 1.0]))
    sxt = 1.0 if top == "l" else -1.0
    top_arm = g_pelvis @ np.array([sxt * 0.25, -0.45, -1.0])
    set_direction(pose, skel, "upperarm_" + top, "shoulder_" + top, "elbow_" + top, top_arm)
    set_direction(pose, skel, "forearm_" + top, "elbow_" + top, "wrist_" + top,
                  g_pelvis @ np.array([sxt * 0.05, -0.9, -1.0]))
    return pose


def clamshell_opening(skel: Skeleton, pose: Pose) -> float:
    """Angle between the two thighs (hip->knee), degrees."""
    u = fk_point(skel, pose, "knee_l") - fk_point(skel, pose, "hip_l")
    v = fk_point(skel, pose, "knee_r") - fk_point(skel, pose, "hip_r")
    return vector_angle_deg(u, v)


def _clamshell(p: MotionParams, skel: Skeleton) -> Motion:
    lying = "left" if p.side == "right" else "right"
    rest: Config = {"psi": 0.0, "gamma": 0.0, "rho": 0.0, "flex": 1.0}

    def ankle_gap(cfg: Config) -> float:
        pose = clamshell_pose(skel, cfg, lying)
        return float(
            np.linalg.norm(fk_point(skel, pose, "ankle_l") - fk_point(skel, pose, "ankle_r"))
        )

    def bisect(fn: Callable[[float], float], target: float, lo: float, hi: float) -> float:
        if fn(lo) >= target:
            return lo
        for _ in range(45):
            mid = 0.5 * (lo + hi)
            if fn(mid) < target:
                lo = mid
            else:
                hi = mid
        return 0.5 * (lo + hi)

    cache: dict[tuple[str, ...], Config] = {}

    def peak_for(i: int) -> Config:
        f = tuple(x for x in p.rep_faults(i) if x != "short_hold")
        if f in cache:
            return cache[f]
        c = dict(rest)
        if "pelvis_roll" in f:
            # A third past the check's 30 deg limit: a roll anyone sees. A roll of exactly the
            # limit is a coin toss for any measurement, so it tests nothing.
            c["rho"] = PELVIS_ROLL_DEG
        if "feet_apart" in f:
            closed = ankle_gap(c)
            c["gamma"] = bisect(lambda g: ankle_gap({**c, "gamma": g}), closed + 0.13, 0.0, 60.0)
        target = 12.0 if "small_opening" in f else p.value("depth")
        c["psi"] = bisect(
            lambda a: clamshell_opening(skel, clamshell_pose(skel, {**c, "psi": a}, lying)),
            target,
            0.0,
            120.0,
        )
        cache[f] = c
        return c

    def hold_for(i: int) -> float:
        return 0.2 if "short_hold" in p.rep_faults(i) else p.value("hold_s")

    keys, reps, dur = _plan(p, rest, peak_for, lambda i, c: rest, hold_for, p.side)
    if p.lead_in == "settle":
        settle_end = max(p.lead_in_s - 0.5, 0.3)
        keys = [_Key(0.0, {**rest, "flex": 0.0}), _Key(settle_end, rest), *keys[1:]]
    t = _frames(dur, p.fps)
    poses = [clamshell_pose(skel, _interp(keys, float(ti)), lying) for ti in t]
    return Motion(p, skel, t, poses, reps, lying_side=lying)


# --------------------------------------------------------------------------- standing hip abduction

ABD_FOOT_HALF = 0.08  # feet together: ankles this far either side of the midline (m)


def _rotate_toward(v: Vec, axis: Vec, deg: float, toward: Vec) -> Vec:
    """``v`` turned ``deg`` degrees about ``axis``, the way that moves it toward ``toward``."""
    r = axis_angle(axis, 10.0)
    sign = 1.0 if np.dot(r @ v - v, toward) > 0 else -1.0
    return axis_angle(axis, sign * deg) @ v


def _straight_leg(
    pose: Pose, skel: Skeleton, s: str, direction: Vec, bend: float, back: Vec
) -> None:
    """Set leg ``s`` straight along ``direction`` from its hip, the shin then folding ``bend``
    degrees toward ``back`` (knee flexion)."""
    d = unit(direction)
    set_direction(pose, skel, "thigh_" + s, "hip_" + s, "knee_" + s, d)
    shin = d
    if bend > 0:
        shin = _rotate_toward(d, np.cross(d, back), bend, back)
    set_direction(pose, skel, "shin_" + s, "knee_" + s, "ankle_" + s, shin)


def hip_abduction_pose(skel: Skeleton, cfg: Config, side: str) -> Pose:
    """Standing on one leg, the other (``side``) out to the side. ``cfg``: ``abd`` = working
    leg's turn out from its feet-together line (deg, in the frontal plane), ``lean`` = trunk
    lean toward the standing side (deg, about the standing hip), ``bend`` = working knee
    flexion (deg, the shin going back)."""
    w = "l" if side == "left" else "r"
    st = "r" if w == "l" else "l"
    sx_st = 1.0 if st == "l" else -1.0
    # Positive rot_y tips the trunk toward +X (the person's left).
    g = rot_y(sx_st * cfg["lean"])
    hip_st = skel.point("hip_" + st)
    pose = Pose(root=np.zeros(3), rot={"pelvis": g})
    pose.root = hip_st - g @ (hip_st - skel.point("root"))
    down = np.array([0.0, 0.0, -1.0])
    leg = skel.length("hip_l", "knee_l") + skel.length("knee_l", "ankle_l")
    for s in ("l", "r"):
        sx = 1.0 if s == "l" else -1.0
        hip_rest = skel.point("hip_" + s)
        # Feet together: straight legs from the rest hips to ankles near the midline.
        drop = float(np.sqrt(leg**2 - (hip_rest[0] - sx * ABD_FOOT_HALF) ** 2))
        d0 = unit(np.array([sx * ABD_FOOT_HALF - hip_rest[0], 0.0, -drop]))
        if s == w:
            d = _rotate_toward(d0, np.array([0.0, 1.0, 0.0]), cfg["abd"], np.array([sx, 0.0, 0.0]))
            _straight_leg(pose, skel, s, d, cfg["bend"], np.array([0.0, 1.0, 0.0]))
        else:
            _straight_leg(pose, skel, s, d0, 0.0, down)
        arm = g @ np.array([sx * 0.3, 0.0, -1.0])
        set_direction(pose, skel, "upperarm_" + s, "shoulder_" + s, "elbow_" + s, arm)
        set_direction(pose, skel, "forearm_" + s, "elbow_" + s, "wrist_" + s, arm)
    return pose


def leg_spread_deg(j: dict[str, Vec]) -> float:
    """Angle (deg) between the hip-to-ankle lines in the frontal (X-Z) plane, as the hip
    abduction checker measures it in the picture: positive when the feet are wider than the
    hips."""
    out = 0.0
    for side, sx in (("left", 1.0), ("right", -1.0)):
        v = np.asarray(j[f"{side}_ankle"]) - np.asarray(j[f"{side}_hip"])
        out += float(np.degrees(np.arctan2(sx * v[0], -v[2])))
    return out


def _hip_abduction(p: MotionParams, skel: Skeleton) -> Motion:
    rest: Config = {"abd": 0.0, "lean": 0.0, "bend": 0.0}

    def spread(cfg: Config) -> float:
        return leg_spread_deg(fk_joints(skel, hip_abduction_pose(skel, cfg, p.side)))

    base = spread(rest)
    # The turn that opens the legs to ``depth`` from feet together (the rest spread is a few
    # degrees below zero: the ankles a little inside the hips).
    abd = p.value("depth") - base

    def peak_for(i: int) -> Config:
        f = p.rep_faults(i)
        return {
            "abd": abd,
            "lean": ABD_LEAN_DEG if "trunk_lean" in f else 0.0,
            "bend": KNEE_BEND_DEG if "knee_bent" in f else 0.0,
        }

    def hold_for(i: int) -> float:
        return 0.2 if "short_hold" in p.rep_faults(i) else p.value("hold_s")

    keys, reps, dur = _plan(p, rest, peak_for, lambda i, c: rest, hold_for, p.side)
    t = _frames(dur, p.fps)
    poses = [hip_abduction_pose(skel, _interp(keys, float(ti)), p.side) for ti in t]
    return Motion(p, skel, t, poses, reps)


# --------------------------------------------------------------------------- side-lying leg raise

SLR_HIP_Z = 0.17  # bottom hip joint above the floor (m), as for the clamshell
SLR_FOOT_Z = 0.06  # ankle joint of a foot lying on the floor (m)
SLR_FORWARD_DEG = 6.0  # top leg a little in front of the body's plane (hip flexion, deg)


def side_leg_raise_pose(skel: Skeleton, cfg: Config, lying_side: str) -> Pose:
    """Lying on ``lying_side``, bottom knee bent forward, top leg straight. ``cfg``: ``a`` =
    the top leg's hip-to-ankle line above level in the frontal plane (deg; resting, the top
    foot lies on the floor in front of the bottom leg), ``bend`` = top knee flexion (deg, the
    shin going back), ``rho`` = pelvis and top leg rolled back (deg)."""
    b = _lying_base(lying_side)
    top = "r" if lying_side == "left" else "l"
    bot = "l" if top == "r" else "r"
    fwd = b @ np.array([0.0, -1.0, 0.0])
    head_axis = np.array([1.0, 0.0, 0.0])
    pose0 = Pose(root=np.zeros(3), rot={"pelvis": b})
    hip_top0 = fk_point(skel, pose0, "hip_" + top)
    hip_bot0 = fk_point(skel, pose0, "hip_" + bot)
    r_roll = np.eye(3)
    if cfg["rho"] != 0.0:
        r_try = axis_angle(head_axis, 10.0)
        sign = 1.0 if np.dot(r_try @ (hip_top0 - hip_bot0), -fwd) > 0 else -1.0
        r_roll = axis_angle(head_axis, sign * cfg["rho"])
    g_pelvis = r_roll @ b
    pose = Pose(root=np.zeros(3), rot={"pelvis": g_pelvis})
    hb_rest = skel.point("hip_" + bot) - skel.point("root")
    pose.root = np.array([0.0, 0.0, SLR_HIP_Z]) - g_pelvis @ hb_rest
    l_th = skel.length("hip_l", "knee_l")
    l_sh = skel.length("knee_l", "ankle_l")
    # Bottom leg: hip flexed 25 deg, knee 70 deg, knee and foot on the floor.
    hb = fk_point(skel, pose, "hip_" + bot)
    a1, a2 = np.radians(25.0), np.radians(25.0 - 70.0)
    knee_b = hb + l_th * unit(-np.cos(a1) * head_axis + np.sin(a1) * fwd + np.array([0, 0, -0.2]))
    ankle_b = knee_b + l_sh * unit(-np.cos(a2) * head_axis + np.sin(a2) * fwd + np.array([0, 0, -0.07]))
    set_direction(pose, skel, "thigh_" + bot, "hip_" + bot, "knee_" + bot, knee_b - hb)
    set_direction(pose, skel, "shin_" + bot, "knee_" + bot, "ankle_" + bot, ankle_b - knee_b)
    # Top leg: in the frontal plane at ``a`` above level, a little forward, rolled with the
    # pelvis.
    a, phi = np.radians(cfg["a"]), np.radians(SLR_FORWARD_DEG)
    d = np.cos(phi) * np.array([-np.cos(a), 0.0, np.sin(a)]) + np.sin(phi) * fwd
    _straight_leg(pose, skel, top, r_roll @ d, cfg["bend"], r_roll @ -fwd)
    # Arms: bottom arm overhead along the floor (pillow), top arm resting on the flank (as for
    # the clamshell; a top hand on the floor in front of the chest made MediaPipe's hips read
    # further out of the picture).
    set_direction(pose, skel, "upperarm_" + bot, "shoulder_" + bot, "elbow_" + bot,
                  b @ np.array([0.0, -0.25, 1.0]))
    set_direction(pose, skel, "forearm_" + bot, "elbow_" + bot, "wrist_" + bot,
                  b @ np.array([0.0, -0.6, 1.0]))
    sxt = 1.0 if top == "l" else -1.0
    set_direction(pose, skel, "upperarm_" + top, "shoulder_" + top, "elbow_" + top,
                  g_pelvis @ np.array([sxt * 0.25, -0.45, -1.0]))
    set_direction(pose, skel, "forearm_" + top, "elbow_" + top, "wrist_" + top,
                  g_pelvis @ np.array([sxt * 0.05, -0.9, -1.0]))
    return pose


def leg_lift_deg(hip: Vec, ankle: Vec) -> float:
    """Angle (deg) of the hip-to-ankle line above level in the frontal plane of a person lying
    with the head toward +X (the X-Z plane), as the side-lying leg raise checker measures it
    in a picture from the front."""
    v = np.asarray(ankle) - np.asarray(hip)
    return float(np.degrees(np.arctan2(v[2], abs(v[0]))))


def _side_leg_raise(p: MotionParams, skel: Skeleton) -> Motion:
    lying = "left" if p.side == "right" else "right"
    top = "left" if p.side == "left" else "right"
    leg = skel.length("hip_l", "knee_l") + skel.length("knee_l", "ankle_l")
    pose0 = side_leg_raise_pose(skel, {"a": 0.0, "bend": 0.0, "rho": 0.0}, lying)
    hip_z = fk_joints(skel, pose0)[f"{top}_hip"][2]
    # Resting: the top foot on the floor in front of the bottom leg.
    a_rest = float(np.degrees(np.arcsin((SLR_FOOT_Z - hip_z) / (leg * np.cos(np.radians(SLR_FORWARD_DEG))))))
    rest: Config = {"a": a_rest, "bend": 0.0, "rho": 0.0}

    def peak_for(i: int) -> Config:
        f = p.rep_faults(i)
        return {
            "a": LOW_LIFT_DEG if "low_lift" in f else p.value("depth"),
            "bend": KNEE_BEND_DEG if "knee_bent" in f else 0.0,
            "rho": PELVIS_ROLL_DEG if "pelvis_roll" in f else 0.0,
        }

    keys, reps, dur = _plan(p, rest, peak_for, lambda i, c: rest, lambda i: p.value("hold_s"), p.side)
    t = _frames(dur, p.fps)
    poses = [side_leg_raise_pose(skel, _interp(keys, float(ti)), lying) for ti in t]
    return Motion(p, skel, t, poses, reps, lying_side=lying)


# --------------------------------------------------------------------------- marching bridge


def trunk_rise_deg(j: dict[str, Vec]) -> float:
    """Angle (deg) by which the shoulder-to-hip line rises above level (supine, head +Y):
    the marching bridge checker's hips-up measure, seen from the side."""
    sh = 0.5 * (np.asarray(j["left_shoulder"]) + np.asarray(j["right_shoulder"]))
    hp = 0.5 * (np.asarray(j["left_hip"]) + np.asarray(j["right_hip"]))
    v = hp - sh
    return float(np.degrees(np.arctan2(v[2], abs(v[1]))))


def _marching_bridge(p: MotionParams, skel: Skeleton) -> Motion:
    """Hips up into a bridge during the lead-in, steps (a foot lifted ``depth`` cm and put
    down, sides taking turns from ``side``), hips down in the tail.

    Side-on (sample ``marching_bridge_side_faults``) MediaPipe sees the far ankle rise with
    visibility 0.43-0.46, under the 0.5 floor: the checker uses such a faint far ankle when it
    fits the leg (formcheck/checkers/marching_bridge.py). With the camera turned 20 deg toward
    the feet the hips-drop step was lost, and from 45 deg the hips-up rule (trunk line 8 deg
    above level in the picture) fails on a full bridge.
    """
    lo, hi = 0.0, 60.0
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        if bridge_line_side(skel, bridge_pose(skel, {"beta": mid, "bend": 1.0})) < 180.0:
            lo = mid
        else:
            hi = mid
    beta = 0.5 * (lo + hi)
    # Beta is the trunk's elevation about the shoulders: the trunk line falls by as much.
    rest: Config = {"beta": beta, "bend": 1.0, "lift_l": 0.0, "lift_r": 0.0}
    first = "l" if p.side == "left" else "r"
    other = "r" if first == "l" else "l"

    def foot(i: int) -> str:
        return first if i % 2 == 1 else other

    def peak_for(i: int) -> Config:
        c = dict(rest)
        c["lift_" + foot(i)] = p.value("depth") / 100.0
        if "hips_drop" in p.rep_faults(i):
            c["beta"] = beta - HIPS_DROP_DEG
        return c

    keys, reps, _ = _plan(p, rest, peak_for, lambda i, c: rest, lambda i: p.value("hold_s"), None)
    for r in reps:
        r.side = "left" if foot(r.index) == "l" else "right"
    flat = {**rest, "beta": 0.0}
    # Lead-in: lying flat, the hips rise over 1 s, then held up until the first step.
    rise_end = max(p.lead_in_s - 0.6, 0.4)
    keys = [_Key(0.0, flat), _Key(max(rise_end - 1.0, 0.0), flat), _Key(rise_end, rest), *keys[1:]]
    # Tail: held up a moment, then the hips come down.
    end = keys[-1].t
    keys += [_Key(end + 0.9, flat), _Key(end + 1.4, flat)]
    t = _frames(end + 1.4, p.fps)
    poses = [bridge_pose(skel, _interp(keys, float(ti))) for ti in t]
    return Motion(p, skel, t, poses, reps)


# --------------------------------------------------------------------------- banded side walk

SWING_LIFT_M = 0.03  # a stepping foot clears the floor by this much mid-step


def lateral_walk_pose(skel: Skeleton, cfg: Config) -> Pose:
    """Standing facing -Y with the ankles at ``cfg['xl']`` / ``cfg['xr']`` (m along X) and lifted
    ``cfg['zl']`` / ``cfg['zr']``; the hips centred over the feet as high as the legs reach
    (a wide stance lowers them and softens the knees)."""
    l_th = skel.length("hip_l", "knee_l")
    l_sh = skel.length("knee_l", "ankle_l")
    reach = 0.999 * (l_th + l_sh)  # knees soft (about 175 deg) standing
    hip_l, hip_r = skel.point("hip_l"), skel.point("hip_r")
    ankle_z = skel.point("ankle_l")[2]  # rest ankle height relative to the root
    xm = 0.5 * (cfg["xl"] + cfg["xr"])
    # Highest root height at which both hips reach their ankles.
    h = np.inf
    for hip, x in ((hip_l, cfg["xl"]), (hip_r, cfg["xr"])):
        dx = xm + hip[0] - x
        dy = hip[1] - skel.point("ankle_l")[1]
        h = min(h, float(np.sqrt(max(reach**2 - dx**2 - dy**2, 0.0))) - hip[2] + ankle_z)
    h = min(h, 0.0)  # never above standing height
    pose = Pose(root=np.array([xm, 0.0, h]), rot={"pelvis": np.eye(3)})
    for s, sx in (("l", 1.0), ("r", -1.0)):
        hip = fk_point(skel, pose, "hip_" + s)
        a_rest = skel.point("ankle_" + s)
        ankle = np.array([cfg["x" + s], a_rest[1], a_rest[2] + cfg["z" + s]])
        knee = two_link_knee(hip, ankle, l_th, l_sh, np.array([0.0, -1.0, 0.0]))
        set_direction(pose, skel, "thigh_" + s, "hip_" + s, "knee_" + s, knee - hip)
        set_direction(pose, skel, "shin_" + s, "knee_" + s, "ankle_" + s, ankle - knee)
        arm = np.array([sx * 0.3, 0.0, -1.0])
        set_direction(pose, skel, "upperarm_" + s, "shoulder_" + s, "elbow_" + s, arm)
        set_direction(pose, skel, "forearm_" + s, "elbow_" + s, "wrist_" + s, arm)
    return pose


def _lateral_walk(p: MotionParams, skel: Skeleton) -> Motion:
    """Side steps: the first half (rounded up) toward ``side``, the rest back. Each step takes
    the lead foot out ``depth`` cm (descent), then brings the trailing foot after it (ascent)
    to ``stance_width`` apart, or :data:`FEET_TOGETHER_M` with ``feet_together``."""
    step = p.value("depth") / 100.0
    n_first = (p.reps + 1) // 2
    pos = {"l": 0.5 * p.stance_width, "r": -0.5 * p.stance_width}
    rest: Config = {"xl": pos["l"], "xr": pos["r"], "zl": 0.0, "zr": 0.0}
    dirs: dict[int, str] = {}
    for i in range(1, p.reps + 1):
        go = p.side if i <= n_first else ("left" if p.side == "right" else "right")
        dirs[i] = go
    state = dict(rest)

    def peak_for(i: int) -> Config:
        lead = "l" if dirs[i] == "left" else "r"
        sign = 1.0 if lead == "l" else -1.0
        c = dict(state)
        c["x" + lead] = state["x" + lead] + sign * step
        return c

    def end_for(i: int, peak: Config) -> Config:
        lead = "l" if dirs[i] == "left" else "r"
        trail = "r" if lead == "l" else "l"
        sign = 1.0 if lead == "l" else -1.0
        gap = FEET_TOGETHER_M if "feet_together" in p.rep_faults(i) else p.stance_width
        c = dict(peak)
        c["x" + trail] = peak["x" + lead] - sign * gap
        state.update(c)
        return c

    keys, reps, dur = _plan(p, rest, peak_for, end_for, lambda i: p.value("hold_s"), None)
    for r in reps:
        r.side = dirs[r.index]
    t = _frames(dur, p.fps)
    poses = []
    for ti in t:
        cfg = _interp(keys, float(ti))
        for r in reps:  # the moving foot clears the floor
            lead = "l" if r.side == "left" else "r"
            trail = "r" if lead == "l" else "l"
            for a, b_, f in ((r.start_s, r.peak_start_s, lead), (r.peak_end_s, r.end_s, trail)):
                if a < ti < b_:
                    cfg["z" + f] = SWING_LIFT_M * float(np.sin(np.pi * (ti - a) / (b_ - a)))
        poses.append(lateral_walk_pose(skel, cfg))
    return Motion(p, skel, t, poses, reps)


# --------------------------------------------------------------------------- on hands and knees
# Poses, faults and measures: motions_all_fours.py.


def _reach_at(t: float, reps: list[RepPlan], faulty: set[int]) -> float:
    """The arms' forward angle (deg) at time ``t``: ``quad.REACH_DEG`` through each rep with a
    faulty start and the rest before it (the hands move there early in that rest, and back early
    in the next one), 0 otherwise."""
    level = 0.0
    for r in reps:
        if r.index not in faulty:
            continue
        if t > r.end_s:  # back under the shoulders early in the next rest
            level = max(level, 1.0 - ease((t - r.end_s) / quad.REACH_MOVE_S))
        elif r.index == 1:  # from the start of the clip
            level = 1.0
        else:  # forward early in the rest before the rep
            prev_end = reps[r.index - 2].end_s
            level = max(level, ease((t - prev_end) / quad.REACH_MOVE_S) if t >= prev_end else 0.0)
    return quad.REACH_DEG * level


def all_fours_motion(p: MotionParams, skel: Skeleton) -> Motion:
    """Donkey kicks or fire hydrants with leg ``p.side`` (see motions_all_fours.py)."""
    kick = p.exercise == "donkey_kick"
    rest: Config = {"back": 0.0, "out": 0.0, "shift": 0.0}
    width = abs(skel.point("hip_l")[0] - skel.point("hip_r")[0])
    faulty = set(p.faults.get("start_position", []))

    def peak_for(i: int) -> Config:
        f = p.rep_faults(i)
        c = dict(rest)
        if kick:
            # ``depth`` (or the arch's height) is read from the body line: less the rest reading.
            target = 90.0 + quad.ARCH_ABOVE_DEG if "low_back_arch" in f else p.value("depth")
            reach = quad.REACH_DEG if i in faulty else 0.0
            c["back"] = target - quad.rest_reading(skel, {**rest, "reach": reach}, p.side)
        else:
            c["out"] = p.value("depth")
            if "hip_shift" in f:
                c["shift"] = quad.HIP_SHIFT_WIDTHS * width
        return c

    keys, reps, dur = _plan(p, rest, peak_for, lambda i, c: rest, lambda i: p.value("hold_s"), p.side)
    t = _frames(dur, p.fps)
    poses = []
    for ti in t:
        cfg = _interp(keys, float(ti))
        cfg["reach"] = _reach_at(float(ti), reps, faulty)
        poses.append(quad.all_fours_pose(skel, cfg, p.side))
    return Motion(p, skel, t, poses, reps)
