"""Robustness sweep in the studio: where does formcheck stay right, and does it know when not?

    python benchmarks/robustness.py [--slice small|full] [--exercise squat ...] [--jobs N]
                                    [--limit N] [--no-pose-cache] [--json FILE.jsonl]
    python benchmarks/robustness.py --report FILE.jsonl [FILE.jsonl ...]
    python benchmarks/robustness.py --cells-from FILE.jsonl --json NEW.jsonl   # re-score

Renders studio clips (needs the ``studio`` extra) over a grid of camera height, camera angle,
framing, body shape and tempo for every exercise, with the studio's faults on known reps,
scores each through the whole pipeline (video -> MediaPipe -> checkers, via
:func:`testkit.evaluate.evaluate_sample`) and prints, per cell: the rep-count error, the
false-fault rate on clean reps, false faults and missed faults per check, and which checks
declared themselves valid (a check is valid on a rep when it is not in the rep's ``skipped``).
Then, per check, every cell where the check claimed validity and was wrong: the rule is
"wherever a check says it is valid, it must be right".

Grid factors (values):

* camera height: floor 0.15 m, hip 0.9 m, chest 1.3 m, overhead 2.2 m (looking down);
* camera angle (yaw): 0, 15, ..., 90 degrees from the exercise's front to its side (the
  studio's front: facing the squatter, at the feet of the bridge, facing the clamshell; its
  side: side-on; 45 is the studio's ``oblique``);
* framing: whole body, feet cut (the camera zooms so the picture's edge is at mid-shin and
  the ankles are out), head cut (edge at the neck: the head is out while standing; a squatter's
  head comes back into the picture at the bottom, as with a phone set up that way);
* body: ``avg`` (anny's average body) and ``short_heavy`` (gender 0.1, weight 0.8,
  height 0.3, proportions 0.3, other clothes);
* tempo: ``slow`` and ``quick`` (per exercise, see :data:`TEMPOS`; never quicker than the
  checks' own limits, so a clean rep stays clean);
* faults: every clip has 3 reps, ``[fault A, clean, fault B]``; the (A, B) pairs rotate
  through every fault the studio renders for that exercise (:data:`PLANS`), so each fault is
  seen from many cameras. The squat's clip-wide ``narrow_stance`` has plans of its own (every
  rep narrow). The clamshell is scored with a prescribed 1 s hold so that its
  ``short_hold`` check is active.

``--slice full`` (the chosen fraction of the 4 x 7 x 3 x 2 x 2 = 336 cells per exercise):

* camera block: every height x every angle (28 cameras) with the whole body, each camera
  twice: (avg, slow) + (short_heavy, quick) on "even" cameras and (avg, quick) +
  (short_heavy, slow) on "odd" ones (height index + angle index). Every camera sees both
  bodies and both tempos, and over the grid body and tempo are crossed, not confounded
  (a half fraction of body x tempo per camera, alternating like a chess board): 56 clips;
* framing block: feet cut and head cut at every height and at 0, 45 and 90 degrees, with
  (body, tempo) rotating through all four pairs: 24 clips;

so 80 clips per exercise, 240 in all, run coarse to fine (front and side cameras at every
height first, see :func:`_spread`) so that ``--limit N`` or an interrupted sweep is a coarser
grid rather than a corner of it. Camera placement is the issue's main question, so it
gets the full product; body and tempo matter less and are balanced rather than crossed with
everything; the cut framings are checked at the three views the checks distinguish. Clips
are 7-22 s (about 430 frames on average, 100k frames in all): on 2 idle cores with renders
cached, pose inference (about 16 ms a frame with two models side by side, ``--jobs 2``) makes
the sweep about 30-40 minutes. Rendering the grid the first time takes longer (about 0.1-0.2 s
of one core per frame).

The hip hinge and the lunge have tables too (``--exercise hip_hinge``, ``--exercise lunge``:
80 clips each, scored with ``min_hinge_deg`` 80 and a 2 s hold prescribed so that every planted
check is active) but are not in the default sweep.

``--slice hour`` is the sweep of every exercise sized to run in about an hour here with the
renders cached: 20 of each exercise's full-grid cells (see :func:`_hour`): every height at 0,
45 and 90 degrees, one in-between angle per height (so every 15-degree step is seen), and four
cut framings, with both bodies and tempos alternating and the fault plans rotating as in the
full grid. Being a subset of the full grid, it shares its renders.

``--slice small`` is 4 short clips (the test ``tests/test_robustness.py`` runs it): a squat
from the side at hip height (the recommended set-up) and from the floor, a glute bridge from
the side at floor level and a clamshell from the front with the feet cut.

Renders go to ``~/.cache/formcheck/robustness/`` (or ``$FORMCHECK_ROBUSTNESS_CACHE``) as
``<hash of the render arguments>.mp4/.json``, outside the repository, and are reused. The
pose landmarks of each clip are cached there too (``<hash>.pose.npz``, keyed on the video,
the pose model and formcheck's pose code), so re-scoring after a checker change skips
MediaPipe; ``--no-pose-cache`` runs MediaPipe again. One job uses one core (one pose model,
one torch and one llvmpipe thread); ``--jobs N`` runs N cells at once.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # testkit: the repository's test helpers, not in the wheel

CACHE_VERSION = 1
HEIGHTS: dict[str, float] = {"floor": 0.15, "hip": 0.9, "chest": 1.3, "overhead": 2.2}
YAWS: tuple[int, ...] = (0, 15, 30, 45, 60, 75, 90)
FRAMINGS: tuple[str, ...] = ("whole", "feet_cut", "head_cut")
BODIES: dict[str, list[str]] = {
    "avg": [],
    "short_heavy": [
        "--phenotype", "gender=0.1", "--phenotype", "weight=0.8", "--phenotype", "height=0.3",
        "--phenotype", "proportions=0.3",
        "--shirt", "30,130,60", "--shorts", "40,40,45", "--hair", "35,25,20",
    ],
}
#: exercise -> tempo -> (descent, ascent, hold, rest) seconds.
TEMPOS: dict[str, dict[str, tuple[float, float, float, float]]] = {
    "squat": {"slow": (2.2, 2.2, 0.4, 0.6), "quick": (0.8, 0.8, 0.1, 0.3)},
    "bridge": {"slow": (1.8, 1.8, 2.5, 0.8), "quick": (0.6, 0.6, 2.5, 0.4)},
    "clamshell": {"slow": (1.5, 1.5, 1.5, 0.6), "quick": (0.5, 0.5, 1.5, 0.3)},
    "hip_hinge": {"slow": (2.0, 2.0, 0.6, 0.8), "quick": (0.9, 0.8, 0.2, 0.4)},
    # The lunge's descent and ascent include the back foot's step (a third of each); its clean
    # hold is the prescribed one (see PRESCRIPTIONS).
    "lunge": {"slow": (2.2, 2.0, 2.0, 0.8), "quick": (1.1, 1.0, 2.0, 0.4)},
    # On hands and knees the start position is read at rest before each rep: rests of 1 s or more.
    "donkey_kick": {"slow": (1.5, 1.5, 0.8, 1.4), "quick": (0.6, 0.6, 0.3, 1.0)},
    "fire_hydrant": {"slow": (1.5, 1.5, 0.8, 1.4), "quick": (0.6, 0.6, 0.3, 1.0)},
    # Held stretches: a "rep" is a hold (8.5 s still, against a prescribed 8 s).
    "hip_flexor_stretch": {"slow": (2.0, 2.0, 8.5, 1.0), "quick": (1.0, 1.0, 8.5, 0.6)},
    "double_hip_rotation": {"slow": (2.0, 2.0, 8.5, 1.0), "quick": (1.0, 1.0, 8.5, 0.6)},
    # Holds at the top of 1 s against a prescribed 0.5 s (see PRESCRIPTIONS).
    "hip_abduction": {"slow": (1.5, 1.5, 1.0, 0.8), "quick": (0.6, 0.6, 1.0, 0.4)},
    "side_leg_raise": {"slow": (1.5, 1.5, 0.5, 0.6), "quick": (0.6, 0.6, 0.5, 0.4)},
    # A rep is one step (a foot up and down); the legs take turns.
    "marching_bridge": {"slow": (1.0, 1.0, 0.4, 0.8), "quick": (0.5, 0.5, 0.3, 0.5)},
    # A rep is one step: lead foot out (descent), trailing foot in (ascent).
    "lateral_walk": {"slow": (1.0, 1.0, 0.1, 0.9), "quick": (0.5, 0.5, 0.1, 0.5)},
}
#: The exercises the small and full slices sweep by default (the hour slice sweeps all of PLANS).
SWEPT: tuple[str, ...] = ("squat", "bridge", "clamshell")
#: exercise -> fault plans: (faults of rep 1, faults of rep 3); rep 2 is clean. "*" before a
#: name: the fault is on every rep (clip-wide).
PLANS: dict[str, list[tuple[str, str]]] = {
    "squat": [
        ("incomplete_lockout", "shallow"),
        ("knees_past_toes", "knees_caving"),
        ("trunk_lean", "heels_lifting"),
        ("shallow", "knees_caving"),
        ("heels_lifting", "knees_past_toes"),
        ("*narrow_stance", ""),
        ("knees_caving", "too_fast"),  # too_fast since the 22nd session (was trunk_lean)
    ],
    "bridge": [("hips_low", "overarch"), ("overarch", "short_hold"), ("short_hold", "hips_low")],
    "clamshell": [
        ("small_opening", "feet_apart"),
        ("pelvis_roll", "short_hold"),
        ("feet_apart", "pelvis_roll"),
        ("short_hold", "small_opening"),
    ],
    # The stance on every rep (clip-wide) since the twenty-eighth session.
    "hip_hinge": [("squatting", "shallow"), ("shallow", "squatting"), ("*narrow_stance", "")],
    # Reps 1 and 3 work the right leg (the legs take turns from --side right), the one nearer
    # the camera from the side (--facing right): knee past toes needs the front foot seen.
    "lunge": [
        ("shallow", "knee_caving"),
        ("knee_past_toes", "trunk_lean"),
        ("trunk_lean", "short_hold"),
        ("knee_caving", "knee_past_toes"),
        ("short_hold", "shallow"),
    ],
    # A faulty start on the first rep only (formcheck_studio/motions_all_fours.py: on a later rep the move
    # into it starts the count).
    "donkey_kick": [("start_position", "low_back_arch"), ("low_back_arch", "")],
    "fire_hydrant": [("start_position", "hip_shift"), ("hip_shift", "")],
    "hip_flexor_stretch": [
        ("trunk_lean", "front_knee"),
        ("front_knee", "short_hold"),
        ("short_hold", "trunk_lean"),
    ],
    "double_hip_rotation": [("shoulders_lift", "short_hold"), ("short_hold", "shoulders_lift")],
    "hip_abduction": [("trunk_lean", "knee_bent"), ("knee_bent", "short_hold"), ("short_hold", "trunk_lean")],
    "side_leg_raise": [("low_lift", "knee_bent"), ("knee_bent", "pelvis_roll"), ("pelvis_roll", "low_lift")],
    "marching_bridge": [("hips_drop", ""), ("", "hips_drop")],
    "lateral_walk": [("feet_together", ""), ("", "feet_together")],
}
#: Prescriptions the sweep scores with (on top of the exercise's defaults).
PRESCRIPTIONS: dict[str, dict[str, float]] = {
    "clamshell": {"hold_s": 1.0},
    # 000's dumbbell RDL "almost parallel", so that the hinge's depth check is active.
    "hip_hinge": {"min_hinge_deg": 80.0},
    "lunge": {"hold_s": 2.0},
    "hip_flexor_stretch": {"hold_s": 8.0},
    "double_hip_rotation": {"hold_s": 8.0},
    # 003: "hold at the top"; a prescribed hold makes the hip abduction's short_hold active.
    "hip_abduction": {"hold_s": 0.5},
}
#: Check code -> the truth metric shown beside a wrong verdict.
TRUTH_METRIC = {
    "shallow": "knee_angle_min_deg",
    "knees_past_toes": "knee_ahead_of_toe_m",
    "trunk_lean": "trunk_lean_max_deg",
    "knees_caving": "knee_gap_m",
    "narrow_stance": "ankle_gap_m",
    "heels_lifting": "heel_lift_m",
    "incomplete_lockout": "knee_angle_end_deg",
    "too_fast": "descent_s",
    "hips_low": "hip_line_max_deg",
    "overarch": "hip_line_max_deg",
    "short_hold": "hold_s",
    "small_opening": "opening_max_deg",
    "feet_apart": "ankle_gap_increase_m",
    "pelvis_roll": "pelvis_roll_max_deg",
    "low_back_arch": "above_line_deg",
    "hip_shift": "hip_shift_ratio",
    "start_position": "start_offset_deg",
    "front_knee": "front_knee_deg",
    "shoulders_lift": "shoulder_lift_deg",
    "knee_bent": "knee_bend_deg",
    "low_lift": "leg_lift_top_deg",
    "hips_drop": "hips_drop_deg",
    "feet_together": "stance_min_sh",
}
#: The same for codes whose truth metric differs by exercise (looked up first).
TRUTH_METRIC_EX: dict[tuple[str, str], str] = {
    ("hip_hinge", "squatting"): "knee_min_deg",
    ("hip_hinge", "shallow"): "trunk_lean_max_deg",
    ("lunge", "shallow"): "knee_min_deg",
    ("lunge", "knee_past_toes"): "knee_past_toes",
    ("lunge", "knee_caving"): "knee_inside",
    ("side_leg_raise", "pelvis_roll"): "pelvis_roll_deg",
    ("hip_hinge", "narrow_stance"): "stance_ratio",
    ("lunge", "straight_leg_bent"): "straight_knee_bend_deg",
}


#: Check code -> its metric's true value from a truth rep's metrics (same unit as the check's
#: metric), where the studio knows it.
COMPARABLE: dict[str, Any] = {
    "shallow": lambda m: m["knee_angle_min_deg"],
    "trunk_lean": lambda m: m["trunk_lean_max_deg"],
    "knees_caving": lambda m: m["knee_gap_m"] / m["ankle_gap_m"],
    "hips_low": lambda m: m["hip_line_max_deg"],
    "overarch": lambda m: m["hip_line_max_deg"],
    "small_opening": lambda m: m["opening_max_deg"],
    "pelvis_roll": lambda m: m["pelvis_roll_max_deg"],
    "short_hold": lambda m: m["hold_s"],
    "low_back_arch": lambda m: m["above_line_deg"],
    "hip_shift": lambda m: m["hip_shift_ratio"],
    "start_position": lambda m: m["start_offset_deg"],
    "front_knee": lambda m: m["front_knee_deg"],
    "shoulders_lift": lambda m: m["shoulder_lift_deg"],
    "knee_bent": lambda m: m["knee_bend_deg"],
    "low_lift": lambda m: m["leg_lift_top_deg"],
    "hips_drop": lambda m: m["hips_drop_deg"],
    "feet_together": lambda m: m["stance_min_sh"],
}


#: The truth angle whose time near the top is the true hold (as a person judges "held at the
#: top", and as formcheck measures it: within HOLD_BAND_DEG of the peak). The studio's own
#: ``hold_s`` is the time spent exactly at the peak; with a slow, smooth approach the top is
#: reached gradually, and a 0.2 s pause after a 1.5 s rise spends about 1 s within 8 deg of it.
TOP_ANGLES = {
    "bridge": ("left_hip_line_3d", "right_hip_line_3d"),
    "clamshell": ("opening_3d",),
    "hip_abduction": ("leg_spread_3d",),
}


def _time_at_top(truth: dict[str, Any], lab: dict[str, Any]) -> float:
    from formcheck.checkers.base import HOLD_BAND_DEG
    from formcheck.checkers.common import longest_run

    keys = TOP_ANGLES.get(truth["exercise"])
    if not keys:
        return float("nan")
    t = np.asarray(truth["frames"]["t_s"], np.float64)
    a = np.mean([np.asarray(truth["frames"]["angles"][k], np.float64) for k in keys], axis=0)
    inside = (t >= lab["start_s"]) & (t <= lab["end_s"])
    if inside.sum() < 2:
        return float("nan")
    a, t = a[inside], t[inside]
    return longest_run(a >= a.max() - HOLD_BAND_DEG, t)


def _stand_short(lab: dict[str, Any], truth: dict[str, Any]) -> float:
    """The true ``stand_short_deg`` of a squat rep, as the check defines it: 0 when the rep ends
    at or above the prescribed lockout, else how far its end falls short of the person's own
    full stand in the clip (their straightest knee at the end of any rep)."""
    from formcheck.definitions import load

    end = float(lab["metrics"].get("knee_angle_end_deg", float("nan")))
    lockout = float(load(truth["exercise"]).prescription.get("lockout_deg", 170.0))
    if not np.isfinite(end) or end >= lockout:
        return 0.0 if np.isfinite(end) else float("nan")
    stand = max(float(r["metrics"].get("knee_angle_end_deg", float("nan"))) for r in truth["reps"])
    return stand - end


def _heel_lift(lab: dict[str, Any], truth: dict[str, Any]) -> float:
    """The true heel lift of a rep (deg), as the squat measures it: the pitch of the foot (heel
    to toe against the floor, the studio's z up) at the bottom less at the rep's start, both
    feet's mean."""
    frames = truth["frames"]
    t = np.asarray(frames["t_s"], np.float64)
    if "joints3d" not in frames or "left_heel" not in frames["joints3d"]:
        return float("nan")

    def pitch(side: str, i: int) -> float:
        heel = np.asarray(frames["joints3d"][f"{side}_heel"][i], np.float64)
        toe = np.asarray(frames["joints3d"][f"{side}_toe"][i], np.float64)
        v = heel - toe
        return float(np.degrees(np.arcsin(np.clip(v[2] / np.linalg.norm(v), -1.0, 1.0))))

    i0, i1 = (int(np.argmin(np.abs(t - lab[k]))) for k in ("start_s", "peak_s"))
    return float(np.mean([pitch(s, i1) - pitch(s, i0) for s in ("left", "right")]))


def _truth_value(code: str, lab: dict[str, Any], truth: dict[str, Any]) -> float:
    """The true value of a check's metric on a planted rep (NaN where the studio doesn't know
    it). A verdict is judged against it: a planted fault that does not cross the check's limit
    (a pelvis roll of exactly the limit), a clean rep that does, or a true value on the limit
    (a hold within a frame of it) is left out as borderline: no measurement can be held to it."""
    if code == "short_hold" and "still_s" not in lab["metrics"]:
        return _time_at_top(truth, lab)  # a held stretch's truth hold_s is its time in position
    if code == "incomplete_lockout":
        return _stand_short(lab, truth)
    if code == "heels_lifting":
        return _heel_lift(lab, truth)
    if code == "trunk_lean" and "trunk_lean_deg" in lab["metrics"]:
        return float(lab["metrics"]["trunk_lean_deg"])  # a stretch's: the median over the hold
    metric = TRUTH_METRIC_EX.get((truth["exercise"], code))
    if metric is not None:
        return float(lab["metrics"].get(metric, float("nan")))
    try:
        return float(COMPARABLE[code](lab["metrics"])) if code in COMPARABLE else float("nan")
    except (KeyError, ZeroDivisionError):
        return float("nan")


def cache_dir() -> Path:
    env = os.environ.get("FORMCHECK_ROBUSTNESS_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "formcheck" / "robustness"


@dataclass(frozen=True)
class Cell:
    """One clip of the grid."""

    exercise: str
    height: str
    yaw: int
    framing: str
    body: str
    tempo: str
    plan: int
    reps: int = 3

    def faults(self) -> dict[str, list[int]]:
        a, b = PLANS[self.exercise][self.plan % len(PLANS[self.exercise])]
        out: dict[str, list[int]] = {}
        for name, rep in ((a, 1), (b, self.reps)):
            if not name:
                continue
            if name.startswith("*"):
                out[name[1:]] = list(range(1, self.reps + 1))
            else:
                out.setdefault(name, []).append(rep)
        return out

    def args(self) -> list[str]:
        """``formcheck studio render`` arguments (without --name/--out)."""
        down, up, hold, rest = TEMPOS[self.exercise][self.tempo]
        a = [
            "--exercise", self.exercise, "--reps", str(self.reps),
            "--descent", str(down), "--ascent", str(up), "--hold", str(hold), "--rest", str(rest),
            "--yaw", str(self.yaw), "--cam-height", str(HEIGHTS[self.height]),
            "--facing", "right", "--framing", self.framing,
        ]
        for name, reps in sorted(self.faults().items()):
            a += ["--fault", f"{name}={','.join(map(str, reps))}"]
        return a + BODIES[self.body]

    @property
    def key(self) -> str:
        # Cut framings: renders from before the studio's cut edge ignored the arms (v3) are
        # not reused.
        cut = {} if self.framing == "whole" else {"cut": 3}
        # Renders of a pelvis roll at the check's limit (30 deg, before v2 of the roll) are
        # not reused.
        roll = {"roll": 2} if "pelvis_roll" in self.faults() else {}
        # Nor those of a double hip rotation's shoulders lift of 35 deg (before v2: 45).
        lift = {"lift": 2} if "shoulders_lift" in self.faults() else {}
        # Nor a hinge's stance 10 cm apart (before v2: feet together, 7 cm).
        feet = {"feet": 2} if self.exercise == "hip_hinge" and "narrow_stance" in self.faults() else {}
        blob = json.dumps({"v": CACHE_VERSION, "args": self.args(), **cut, **roll, **lift, **feet})
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    @property
    def label(self) -> str:
        plan = "+".join(f"{k}@{','.join(map(str, v))}" for k, v in sorted(self.faults().items()))
        return (
            f"{self.exercise:9s} {self.height:8s} {self.yaw:3d} {self.framing:8s} "
            f"{self.body:11s} {self.tempo:5s} {plan}"
        )


def _rotate(i: int) -> tuple[str, str]:
    bodies, tempos = list(BODIES), ("slow", "quick")
    return bodies[i % 2], tempos[(i // 2) % 2]


def grid(slice_: str = "full", exercises: Iterable[str] = SWEPT) -> list[Cell]:
    """The cells of a slice (see the module docstring)."""
    exercises = list(exercises)
    cells: list[Cell] = []
    if slice_ == "small":
        small = [
            Cell("squat", "hip", 90, "whole", "avg", "quick", 0),
            Cell("squat", "floor", 90, "whole", "avg", "quick", 1),
            Cell("bridge", "floor", 90, "whole", "avg", "quick", 0),
            Cell("clamshell", "hip", 0, "feet_cut", "avg", "quick", 0),
        ]
        return [c for c in small if c.exercise in exercises]
    if slice_ == "hour":
        return _hour(grid("full", exercises))
    if slice_ != "full":
        raise ValueError(f"unknown slice {slice_!r}")
    for ex in exercises:
        n = 0
        for ih, h in enumerate(HEIGHTS):
            for iy, y in enumerate(YAWS):
                pairs = (
                    [("avg", "slow"), ("short_heavy", "quick")]
                    if (ih + iy) % 2 == 0
                    else [("avg", "quick"), ("short_heavy", "slow")]
                )
                if (ih // 2 + iy) % 2:
                    pairs.reverse()  # so the first clips of the cameras take all four pairs
                for k, (body, tempo) in enumerate(pairs):
                    # Plans vary along every row and column of the camera grid.
                    cells.append(Cell(ex, h, y, "whole", body, tempo, iy + 2 * ih + k))
                    n += 1
        k = 0
        for framing in ("feet_cut", "head_cut"):
            for h in HEIGHTS:
                for y in (0, 45, 90):
                    body, tempo = _rotate(k)
                    cells.append(Cell(ex, h, y, framing, body, tempo, n))
                    n += 1
                    k += 1
    return _spread(cells)


#: ``--slice hour``: per height, the one angle between front, 45 degrees and side it adds.
HOUR_YAW = {"floor": 15, "hip": 30, "chest": 60, "overhead": 75}
#: ``--slice hour``: the cut framings it keeps (framing, height, yaw).
HOUR_CUTS = (
    ("feet_cut", "hip", 0), ("feet_cut", "floor", 90), ("head_cut", "hip", 90),
    ("head_cut", "chest", 0),
)


#: ``--slice hour``: cells added so that a planted fault meets its check where the check is made
#: (thirtieth session). In the 20 cells per exercise the squat's heel lift, stance and full
#: stand, the lunge's knee over the foot and the side-lying leg raise's pelvis roll were planted
#: only where their checks are not made (front views for a side-on check, and so on), so "right
#: wherever it claims validity" was never put to one of them. Each camera here is one where the
#: sweep found the check made; all but the squat's full stand are clips of the full grid.
HOUR_COVER = (
    Cell("squat", "hip", 90, "whole", "short_heavy", "slow", 9),  # heels_lifting@3
    Cell("squat", "chest", 0, "whole", "avg", "slow", 5),  # narrow_stance on every rep
    Cell("squat", "hip", 90, "whole", "avg", "slow", 0),  # incomplete_lockout@1
    Cell("lunge", "hip", 0, "whole", "short_heavy", "slow", 3),  # knee_caving@1
    Cell("side_leg_raise", "overhead", 0, "whole", "avg", "quick", 7),  # pelvis_roll@3
)


def _hour(full: list[Cell]) -> list[Cell]:
    """The hour slice: a subset of the full grid's cells (so its renders are shared), 20 per
    exercise: each camera's first clip at 0, 45 and 90 degrees at every height (12), one
    in-between angle per height so every 15-degree step is seen (4), and four cut framings
    (feet cut from the front at hip height and from the side on the floor; head cut from the
    side at hip height and from the front at chest height); then :data:`HOUR_COVER`."""
    out: list[Cell] = []
    seen: set[tuple[str, str, int, str]] = set()
    for c in full:
        k = (c.exercise, c.height, c.yaw, c.framing)
        if k in seen:
            continue
        whole = c.framing == "whole" and (c.yaw in (0, 45, 90) or HOUR_YAW[c.height] == c.yaw)
        if whole or (c.framing, c.height, c.yaw) in HOUR_CUTS:
            seen.add(k)
            out.append(c)
    exercises = {c.exercise for c in full}
    return out + [c for c in HOUR_COVER if c.exercise in exercises and c not in out]


def _spread(cells: list[Cell]) -> list[Cell]:
    """Run order, coarse to fine, so that a ``--limit`` prefix or an interrupted sweep is a
    coarser grid rather than a corner of it: first front (0) and side (90) cameras at the
    extreme heights, then at the level ones, then 45 degrees; then the cut framings; then each
    camera's second clip; then 15/75 and 30/60 degrees. Exercises take turns throughout."""
    height_rank = {"floor": 0, "overhead": 1, "hip": 2, "chest": 3}
    ex_rank = {ex: i for i, ex in enumerate(TEMPOS)}
    first: set[Cell] = set()
    seen: set[tuple[str, str, int, str]] = set()
    for c in cells:
        k = (c.exercise, c.height, c.yaw, c.framing)
        if k not in seen:
            seen.add(k)
            first.add(c)

    def level(c: Cell) -> int:
        if c.framing != "whole":
            return 2 if c.yaw in (0, 90) else 4
        if c not in first:
            return 3 if c.yaw in (0, 45, 90) else 7
        return {0: 0, 90: 0, 45: 1, 15: 5, 75: 5, 30: 6, 60: 6}[c.yaw]

    def key(c: Cell) -> tuple[int, int, int, int, int]:
        lv = level(c)
        extreme = 0 if lv == 0 and c.height in ("floor", "overhead") else 1
        return (lv, extreme, height_rank[c.height], c.yaw, ex_rank[c.exercise])

    return sorted(cells, key=key)


# -- render and pose, cached --------------------------------------------------------------


def render_cell(cell: Cell) -> tuple[Path, dict[str, Any]]:
    """The cell's clip and ground truth, rendered once into the cache."""
    out = cache_dir()
    mp4, js = out / f"{cell.key}.mp4", out / f"{cell.key}.json"
    if mp4.is_file() and js.is_file():
        return mp4, json.loads(js.read_text())
    from formcheck_studio.cli import _render

    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".tmp-{cell.key}-{os.getpid()}"
    tmp.mkdir(exist_ok=True)
    try:
        _render(cell.args(), tmp, cell.key, str(out))
        # JSON last: a clip counts as cached only once both files are complete.
        os.replace(tmp / f"{cell.key}.mp4", mp4)
        os.replace(tmp / f"{cell.key}.json", js)
    finally:
        for f in tmp.glob("*"):
            f.unlink()
        tmp.rmdir()
    return mp4, json.loads(js.read_text())


def _pose_key(mp4: Path, head_right: bool) -> str:
    import mediapipe

    import formcheck.orient
    import formcheck.pose
    import formcheck.video

    h = hashlib.sha256()
    h.update(mp4.read_bytes())
    h.update(formcheck.pose.DEFAULT_MODEL.read_bytes())
    for mod in (formcheck.pose, formcheck.orient, formcheck.video):
        h.update(Path(mod.__file__ or "").read_bytes())
    h.update(f"{mediapipe.__version__} {head_right}".encode())
    return h.hexdigest()[:16]


def pose_cell(mp4: Path, exercise: str, use_cache: bool = True) -> Any:
    """MediaPipe landmarks of a clip (one pose model), cached beside it."""
    from formcheck.definitions import load
    from formcheck.landmarks import PoseSequence
    from formcheck.pose import PoseOptions, pose_sequence

    head_right = load(exercise).lying
    path = mp4.with_name(f"{mp4.stem}.{_pose_key(mp4, head_right)}.pose.npz")
    if use_cache and path.is_file():
        return PoseSequence.load(path)
    seq = pose_sequence(mp4, options=PoseOptions(head_right=head_right), workers=1)
    if use_cache:
        tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
        seq.save(tmp)
        os.replace(tmp, path)
    return seq


# -- scoring ------------------------------------------------------------------------------


@dataclass
class CellResult:
    """What one cell showed. Per-check dicts map a check code to a count; ``wrong`` lists
    every verdict of a check that claimed validity and was wrong."""

    cell: Cell
    counted: int = 0
    expected: int = 0
    clean_reps: int = 0
    clean_flagged: int = 0
    false: dict[str, int] = field(default_factory=dict)
    missed: dict[str, int] = field(default_factory=dict)
    found: dict[str, int] = field(default_factory=dict)
    # Verdicts left out: the planted fault's true value does not cross the check's limit, or a
    # rep planted clean crosses it (see :func:`_truth_value`).
    borderline: dict[str, int] = field(default_factory=dict)
    valid: dict[str, int] = field(default_factory=dict)  # code -> reps where it was valid
    metric_err: dict[str, list[float]] = field(default_factory=dict)  # code -> measured - truth
    metric_view: dict[str, list[str]] = field(default_factory=dict)  # code -> each one's rep view
    # code -> reps whose number was further from the truth than the check's stated error for
    # the rep's view (or was made from a view with none stated)
    beyond: dict[str, int] = field(default_factory=dict)
    scored_reps: int = 0
    uncounted: list[int] = field(default_factory=list)  # truth reps no scored rep matched
    wrong: list[dict[str, Any]] = field(default_factory=list)
    view: str = ""
    in_view: dict[str, float] = field(default_factory=dict)
    detect: float = 0.0
    seconds: float = 0.0
    error: str | None = None

    @property
    def count_error(self) -> int:
        return self.counted - self.expected


def _in_view(truth: dict[str, Any]) -> dict[str, float]:
    """Share of frames each body part's truth joints are inside the picture."""
    j2 = truth["frames"]["joints2d"]
    w, h = truth["width"], truth["height"]
    out = {}
    for part, names in (
        ("head", ["head"]),
        ("ankles", ["left_ankle", "right_ankle"]),
        ("knees", ["left_knee", "right_knee"]),
        ("hips", ["left_hip", "right_hip"]),
    ):
        ok = np.ones(len(j2["head"]), bool)
        for n in names:
            p = np.asarray(j2[n], np.float64)
            ok &= (p[:, 0] >= 0) & (p[:, 0] < w) & (p[:, 1] >= 0) & (p[:, 1] < h)
        out[part] = float(ok.mean())
    return out


def score_cell(cell: Cell, use_pose_cache: bool = True) -> CellResult:
    """Render (or reuse) the cell's clip, score it, and compare with the truth."""
    t0 = time.perf_counter()
    res = CellResult(cell)
    try:
        from formcheck.definitions import load
        from testkit.evaluate import evaluate_sample

        mp4, truth = render_cell(cell)
        seq = pose_cell(mp4, cell.exercise, use_pose_cache)
        rx = PRESCRIPTIONS.get(cell.exercise)
        sr = evaluate_sample(mp4, truth, seq=seq, prescription=rx)
    except Exception as e:  # a cell that cannot be scored is reported, not fatal
        res.error = f"{type(e).__name__}: {e}"
        res.seconds = time.perf_counter() - t0
        return res
    d = load(cell.exercise).with_prescription(rx or {})
    metric_of = {c.code: c.metric for c in d.checks}
    session = sr.session
    res.counted, res.expected = sr.clip.counted, sr.clip.expected
    res.view = session.view
    res.detect = sr.detection_rate
    res.in_view = _in_view(truth)
    matched_ids = {id(rep) for _, rep in sr.clip.matched}
    seen = {lab["index"] for lab, _ in sr.clip.matched}
    res.uncounted = [lab["index"] for lab in truth["reps"] if lab["index"] not in seen]
    pairs: list[tuple[dict[str, Any] | None, Any]] = list(sr.clip.matched)
    pairs += [(None, r) for r in session.reps if id(r) not in matched_ids]
    for lab, rep in pairs:
        res.scored_reps += 1
        want = set(lab["faults"]) if lab is not None else set()
        got = set(rep.fault_codes)
        if lab is not None and not lab["faults"]:
            res.clean_reps += 1
            res.clean_flagged += bool(got)
        for check in d.checks:
            if not check.active(d.prescription) or check.code in rep.skipped:
                continue
            code = check.code
            res.valid[code] = res.valid.get(code, 0) + 1
            measured = _num(rep.metrics.get(metric_of[code]))
            true = _truth_value(code, lab, truth) if lab is not None else float("nan")
            if measured is not None and np.isfinite(true):
                res.metric_err.setdefault(code, []).append(round(measured - true, 3))
                res.metric_view.setdefault(code, []).append(rep.view)
                if check.unit == "°" and not abs(measured - true) <= check.stated_error(rep.view) + 0.5:
                    res.beyond[code] = res.beyond.get(code, 0) + 1  # (0.5: a whole degree as written)
            # A time is known to a frame: a true hold one frame from the limit is on it.
            tol = 1.0 / float(truth.get("fps") or 30.0) if code == "short_hold" else 0.0
            limit = check.limit(d.prescription)
            on_limit = np.isfinite(true) and abs(true - limit) <= tol + 1e-6
            if on_limit or (np.isfinite(true) and check.is_fault(true, d.prescription) != (code in want)):
                res.borderline[code] = res.borderline.get(code, 0) + 1
                continue
            verdict = None
            if code in got and code not in want:
                res.false[code] = res.false.get(code, 0) + 1
                verdict = "false" if lab is not None else "false (extra rep)"
            elif code in want and code not in got:
                res.missed[code] = res.missed.get(code, 0) + 1
                verdict = "missed"
            elif code in want:
                res.found[code] = res.found.get(code, 0) + 1
            if verdict:
                tm = TRUTH_METRIC_EX.get((cell.exercise, code), TRUTH_METRIC.get(code))
                truth_v = lab["metrics"].get(tm) if lab is not None and tm else None
                if code == "short_hold" and np.isfinite(true):
                    tm, truth_v = "time_at_top_s", round(true, 3)
                elif code == "incomplete_lockout" and np.isfinite(true):
                    tm, truth_v = "stand_short_deg", round(true, 3)
                res.wrong.append({
                    "check": code,
                    "verdict": verdict,
                    "rep": lab["index"] if lab is not None else None,
                    "value": _num(rep.metrics.get(metric_of[code])),
                    "limit": _num(check.limit(d.prescription)),
                    "metric": metric_of[code],
                    "truth_metric": tm,
                    "truth": truth_v,
                    "truth_faults": sorted(want),
                })
    res.seconds = time.perf_counter() - t0
    return res


def _num(v: Any) -> float | None:
    return None if v is None or not np.isfinite(v) else round(float(v), 3)


def _worker_init() -> None:
    """One core per job: one torch thread, one llvmpipe thread."""
    os.environ.setdefault("LP_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass


def to_json(r: CellResult) -> str:
    return json.dumps({**asdict(r), "cell": asdict(r.cell)})


def from_json(line: str) -> CellResult:
    d = json.loads(line)
    return CellResult(**{**d, "cell": Cell(**d["cell"])})


#: What a sweep writes while it works (render_cell's folder, pose_cell's file), with the pid.
_HALF_WRITTEN = (
    re.compile(r"^\.tmp-[0-9a-f]{16}-(\d+)$"),
    re.compile(r"^\.tmp-(\d+)-[0-9a-f]{16}\.[0-9a-f]{16}\.pose\.npz$"),
)
STALE_S = 3600.0  # untouched this long (a render takes minutes): not another host's live work


def clear_stale(folder: Path) -> list[Path]:
    """Remove what a killed sweep left half-written in the cache: this user's render folders and
    pose files named as a sweep names them, of a process no longer running here, untouched for
    STALE_S (a cache shared with another machine may hold its running sweep's). Returns them."""
    if os.name != "posix" or not folder.is_dir():
        return []
    gone: list[Path] = []
    now = time.time()
    for p in folder.iterdir():
        m = next(filter(None, (rx.match(p.name) for rx in _HALF_WRITTEN)), None)
        try:
            st = p.lstat()
            if m is None or p.is_symlink() or st.st_uid != os.getuid() or now - st.st_mtime < STALE_S:
                continue
            os.kill(int(m.group(1)), 0)
            continue  # still running: its owner cleans up
        except ProcessLookupError:
            pass
        except OSError:
            continue  # not ours to judge
        try:
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink()
        except OSError:
            continue
        gone.append(p)
    return gone


def run(
    cells: list[Cell],
    jobs: int = 1,
    use_pose_cache: bool = True,
    echo: bool = True,
    jsonl: Path | None = None,
) -> list[CellResult]:
    """Score every cell (``jobs`` at a time), printing a line per cell as it finishes and
    appending its result to ``jsonl`` (so an interrupted sweep keeps what it did)."""
    results: list[CellResult] = []
    clear_stale(cache_dir())

    def done(r: CellResult, i: int) -> None:
        results.append(r)
        if echo:
            print(f"[{i}/{len(cells)}] {r.seconds:5.0f} s  {row(r)}", flush=True)
        if jsonl is not None:
            with jsonl.open("a") as f:
                f.write(to_json(r) + "\n")

    if jobs <= 1:
        _worker_init()
        for i, c in enumerate(cells, 1):
            done(score_cell(c, use_pose_cache), i)
    else:
        import multiprocessing as mp

        with ProcessPoolExecutor(jobs, mp_context=mp.get_context("spawn"), initializer=_worker_init) as ex:
            futs = [ex.submit(score_cell, c, use_pose_cache) for c in cells]
            for i, f in enumerate(as_completed(futs), 1):
                done(f.result(), i)
    order = {c: i for i, c in enumerate(cells)}
    results.sort(key=lambda r: order[r.cell])
    return results


# -- printing -----------------------------------------------------------------------------

HEAD = (
    f"{'exercise':9s} {'height':8s} {'yaw':>3s} {'framing':8s} {'body':11s} {'tempo':5s} "
    f"{'reps':>5s} {'err':>3s} {'view':7s} {'clean flagged':>13s}  false / missed / valid checks"
)


def _codes(d: dict[str, int]) -> str:
    return ",".join(f"{k}" + (f"x{v}" if v > 1 else "") for k, v in sorted(d.items())) or "-"


def row(r: CellResult) -> str:
    c = r.cell
    lead = f"{c.exercise:9s} {c.height:8s} {c.yaw:3d} {c.framing:8s} {c.body:11s} {c.tempo:5s} "
    if r.error:
        return lead + f"ERROR {r.error}"
    valid = ",".join(
        k if v == r.scored_reps else f"{k}({v}/{r.scored_reps})" for k, v in sorted(r.valid.items())
    ) or "none"
    return (
        lead
        + f"{r.counted:2d}/{r.expected:<2d} {r.count_error:+3d} {r.view:7s} "
        + (f"(rep {','.join(map(str, r.uncounted))} uncounted) " if r.uncounted else "")
        + f"{r.clean_flagged:>6d} of {r.clean_reps:<4d}  "
        + f"false {_codes(r.false)} / missed {_codes(r.missed)} / valid {valid}"
    )


def report(results: list[CellResult]) -> str:
    from formcheck.definitions import load

    ok = [r for r in results if not r.error]
    lines = [HEAD, "-" * len(HEAD), *(row(r) for r in results), ""]
    lines.append("Faults planted per cell (rep 2 is clean):")
    for r in results:
        c = r.cell
        lines.append(f"  {c.label}")
    lines.append("")
    # Summary per exercise: count errors and clean-rep false faults over height x yaw.
    for ex in sorted({r.cell.exercise for r in ok}):
        rs = [r for r in ok if r.cell.exercise == ex]
        lines.append(f"{ex}: count error (sum of |err|) and clean reps flagged, by height x yaw "
                     "(all framings, bodies, tempos)")
        yaws = sorted({r.cell.yaw for r in rs})
        lines.append(f"  {'':9s}" + "".join(f"{y:>10d}" for y in yaws))
        for h in HEIGHTS:
            cells = []
            for y in yaws:
                sel = [r for r in rs if r.cell.height == h and r.cell.yaw == y]
                if not sel:
                    cells.append(f"{'':>10s}")
                    continue
                ce = sum(abs(r.count_error) for r in sel)
                cf = sum(r.clean_flagged for r in sel)
                cn = sum(r.clean_reps for r in sel)
                cells.append(f"{ce:>4d} {cf}/{cn:<3d}")
            if any(s.strip() for s in cells):
                lines.append(f"  {h:9s}" + "".join(cells))
        lines.append("")
    # Per check: cells where it claimed validity but was wrong.
    lines.append("Per check: cells where the check declared itself valid and was wrong")
    checks = sorted({(r.cell.exercise, w["check"]) for r in ok for w in r.wrong})
    all_checks = sorted({(r.cell.exercise, k) for r in ok for k in r.valid})
    for ex, code in all_checks:
        valid_cells = [r for r in ok if r.cell.exercise == ex and code in r.valid]
        bad = [r for r in valid_cells if any(w["check"] == code for w in r.wrong)]
        nfalse = sum(r.false.get(code, 0) for r in valid_cells)
        nmiss = sum(r.missed.get(code, 0) for r in valid_cells)
        nfound = sum(r.found.get(code, 0) for r in valid_cells)
        nvalid = sum(r.valid.get(code, 0) for r in valid_cells)
        nborder = sum(r.borderline.get(code, 0) for r in valid_cells)
        lines.append(
            f"  {ex}.{code}: valid on {nvalid} reps in {len(valid_cells)} cells; wrong in "
            f"{len(bad)} cells ({nfalse} false, {nmiss} missed, {nfound} found"
            + (f"; {nborder} borderline, left out" if nborder else "")
            + ")"
        )
        errs = [(e, r) for r in valid_cells for e in r.metric_err.get(code, [])]
        if errs:
            worst = sorted(errs, key=lambda x: -abs(x[0]))[:3]
            lines.append(
                f"    metric error where valid (measured - truth): median |e| "
                f"{np.median([abs(e) for e, _ in errs]):.2f}, worst "
                + "; ".join(
                    f"{e:+.2f} ({r.cell.height} yaw {r.cell.yaw} {r.cell.framing} {r.cell.body} "
                    f"{r.cell.tempo})"
                    for e, r in worst
                )
            )
            by_view: dict[str, list[float]] = {}
            for r in valid_cells:
                views = r.metric_view.get(code, [r.view] * len(r.metric_err.get(code, [])))
                for e, v in zip(r.metric_err.get(code, []), views, strict=True):
                    by_view.setdefault(v, []).append(abs(e))
            check = next(c for c in load(ex).checks if c.code == code)
            nbeyond = sum(r.beyond.get(code, 0) for r in valid_cells)
            lines.append(
                "    worst |e| by the rep's view: "
                + ", ".join(f"{v} {max(es):.2f} ({len(es)})" for v, es in sorted(by_view.items()))
                + (f"; stated: {check.error_text()}" if check.error else "")
                + (f"; beyond the stated error on {nbeyond} reps" if check.unit == "°" else "")
            )
        if (ex, code) not in checks:
            continue
        for r in bad:
            c = r.cell
            for w in r.wrong:
                if w["check"] != code:
                    continue
                tv = f"{w['truth']}" if w["truth"] is not None else "-"
                lines.append(
                    f"    {c.height:8s} yaw {c.yaw:2d} {c.framing:8s} {c.body:11s} {c.tempo:5s} "
                    f"rep {w['rep'] if w['rep'] is not None else '?'}: {w['verdict']}: "
                    f"{w['metric']} {w['value']} (limit {w['limit']}); truth {w['truth_metric']} {tv}"
                    f"{' with ' + ','.join(w['truth_faults']) if w['truth_faults'] else ''}"
                    f"; view {r.view}; in view: "
                    + ", ".join(f"{k} {v:.0%}" for k, v in r.in_view.items() if v < 1)
                )
    n = len(ok)
    exact = sum(r.count_error == 0 for r in ok)
    clean = sum(r.clean_reps for r in ok)
    flagged = sum(r.clean_flagged for r in ok)
    lines += [
        "",
        f"{len(results)} cells, {len(results) - n} errors; count exact on {exact}/{n}; "
        f"clean reps flagged {flagged}/{clean} ({100 * flagged / max(clean, 1):.0f}%); "
        f"angles beyond their stated error where valid: {sum(sum(r.beyond.values()) for r in ok)} reps",
    ]
    return "\n".join(lines)


def pending(cells: list[Cell], jsonl: Path) -> list[Cell]:
    """The cells not yet saved in a sweep's JSON-lines file (all of them without the file)."""
    lines = jsonl.read_text().splitlines() if jsonl.is_file() else []
    done = {from_json(x).cell.key for x in lines if x.strip()}
    return [c for c in cells if c.key not in done]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--slice", choices=("small", "hour", "full"), default="small")
    p.add_argument("--exercise", action="append", choices=tuple(PLANS),
                   help="only these exercises (repeatable; default: every exercise for the hour "
                   "slice, else squat, bridge, clamshell)")
    p.add_argument("--jobs", type=int, default=1, help="cells at once (one core each)")
    p.add_argument("--limit", type=int, default=0, help="only the first N cells (0: all)")
    p.add_argument("--only-cached", action="store_true", help="skip cells not rendered yet")
    p.add_argument("--no-pose-cache", action="store_true", help="run MediaPipe even when cached")
    p.add_argument("--json", type=Path,
                   help="append each cell's result to this JSON-lines file as it finishes")
    p.add_argument("--resume", action="store_true",
                   help="skip the cells already saved in the --json file (an interrupted sweep "
                   "goes on where it stopped)")
    p.add_argument("--report", type=Path, nargs="+", metavar="JSONL",
                   help="only print the report of results saved with --json (a cell met twice: "
                   "its last result)")
    p.add_argument("--cells-from", type=Path, nargs="+", metavar="JSONL",
                   help="score the cells of saved results instead of a slice (e.g. to re-score "
                   "them after a checker change; renders and poses come from the cache)")
    a = p.parse_args(argv)
    if a.report:
        saved = {}
        for f in a.report:
            for line in f.read_text().splitlines():
                if line.strip():
                    r = from_json(line)
                    saved[r.cell] = r
        print(report(list(saved.values())))
        return 0
    chosen = a.exercise or (tuple(PLANS) if a.slice == "hour" else SWEPT)
    cells = grid(a.slice, chosen)
    if a.cells_from:
        keep = set(chosen)
        listed = [from_json(x).cell for f in a.cells_from for x in f.read_text().splitlines() if x.strip()]
        cells = [c for c in dict.fromkeys(listed) if c.exercise in keep]
    if a.resume and a.json:
        cells = pending(cells, a.json)
    if a.only_cached:
        cells = [c for c in cells if (cache_dir() / f"{c.key}.json").is_file()]
    if a.limit:
        cells = cells[: a.limit]
    print(f"{len(cells)} cells ({a.slice} slice), renders in {cache_dir()}", flush=True)
    t0 = time.perf_counter()
    results = run(cells, a.jobs, not a.no_pose_cache, jsonl=a.json)
    print(f"\nswept {len(cells)} cells in {time.perf_counter() - t0:.0f} s\n")
    print(report(results))
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
