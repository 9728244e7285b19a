"""The committed ``samples/`` set: one entry per clip, as ``formcheck studio render`` args.

``formcheck studio samples`` renders every entry into ``samples/`` and rewrites
``samples/README.md`` from this table.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

_WOMAN = ["--phenotype", "gender=0.1", "--phenotype", "weight=0.55", "--shirt", "30,130,60",
          "--shorts", "40,40,45", "--hair", "35,25,20"]
_GREEN = ["--shirt", "30,130,60", "--shorts", "40,40,45", "--hair", "35,25,20"]
_MAN = ["--phenotype", "gender=0.9", "--phenotype", "muscle=0.6", "--phenotype", "height=0.6",
        "--shirt", "240,200,40", "--shorts", "45,60,140", "--skin", "190,135,100"]


@dataclass(frozen=True)
class SampleClip:
    """One committed sample: file stem, what it shows, and its render arguments."""

    name: str
    note: str
    args: list[str]


CATALOG: list[SampleClip] = [
    SampleClip("squat_side_clean", "clean squats from the side", [
        "--exercise", "squat", "--reps", "3", "--hold", "0.2", "--rest", "0.5",
        "--view", "side", "--facing", "right"]),
    SampleClip("squat_side_faults_a", "shallow, knees past toes, heels lifting vs clean", [
        "--exercise", "squat", "--reps", "4", "--descent", "1.2", "--ascent", "1.2",
        "--hold", "0.2", "--rest", "0.4", "--fault", "shallow=2", "--fault", "knees_past_toes=3",
        "--fault", "heels_lifting=4", "--view", "side", "--facing", "right", *_WOMAN]),
    SampleClip("squat_side_faults_b", "trunk lean and incomplete lockout vs clean", [
        "--exercise", "squat", "--reps", "4", "--descent", "1.2", "--ascent", "1.2",
        "--hold", "0.2", "--rest", "0.4", "--fault", "trunk_lean=1,4",
        "--fault", "incomplete_lockout=3", "--view", "side", "--facing", "left", *_MAN]),
    SampleClip("squat_side_too_fast", "a drop to the bottom in 0.12 s between two controlled "
               "squats, from the side", [
        "--exercise", "squat", "--reps", "3", "--descent", "1.2", "--ascent", "1.2",
        "--fault", "too_fast=2", "--view", "side"]),
    SampleClip("squat_front_caving", "knees caving on reps 2 and 4, from the front", [
        "--exercise", "squat", "--reps", "4", "--descent", "1.2", "--ascent", "1.2",
        "--hold", "0.2", "--rest", "0.4", "--fault", "knees_caving=2,4", "--view", "front"]),
    SampleClip("squat_front_narrow", "narrow stance (feet 14 cm apart), from the front", [
        "--exercise", "squat", "--reps", "3", "--descent", "1.2", "--ascent", "1.2",
        "--hold", "0.2", "--rest", "0.4", "--fault", "narrow_stance=all", "--view", "front",
        *_MAN]),
    SampleClip("squat_oblique_walkin", "walks into place, oblique camera, last rep shallow", [
        "--exercise", "squat", "--reps", "3", "--hold", "0.2", "--rest", "0.4",
        "--lead-in", "walk_in", "--lead-in-s", "3.0", "--fault", "shallow=3",
        "--view", "oblique", "--facing", "right", *_WOMAN]),
    SampleClip("squat_side_slow_pause", "slow reps (3 s down, 4 s up), 2.5 s pause mid-set", [
        "--exercise", "squat", "--reps", "2", "--descent", "3.0", "--ascent", "4.0",
        "--hold", "0.3", "--rest", "0.4", "--pause-after", "1", "--pause-s", "2.5",
        "--view", "side", "--facing", "left"]),
    SampleClip("bridge_side_clean", "clean glute bridges, 2.5 s holds", [
        "--exercise", "bridge", "--reps", "2", "--descent", "1.2", "--ascent", "1.2",
        "--hold", "2.5", "--rest", "0.6", "--view", "side", "--facing", "right"]),
    SampleClip("bridge_side_faults", "hips low, overarch, clean", [
        "--exercise", "bridge", "--reps", "3", "--descent", "1.0", "--ascent", "1.0",
        "--hold", "2.5", "--rest", "0.5", "--fault", "hips_low=1", "--fault", "overarch=2",
        "--view", "side", "--facing", "left", *_GREEN]),
    SampleClip("bridge_side_settle_short", "settles in (feet slide up), short holds on 1 and 3", [
        "--exercise", "bridge", "--reps", "3", "--descent", "1.0", "--ascent", "1.0",
        "--hold", "2.5", "--rest", "0.5", "--lead-in", "settle", "--lead-in-s", "2.0",
        "--fault", "short_hold=1,3", "--view", "side", "--facing", "right", *_MAN]),
    SampleClip("bridge_chest_side", "side-on from chest height, looking down: short hold on 2", [
        "--exercise", "bridge", "--reps", "3", "--descent", "1.0", "--ascent", "1.0",
        "--hold", "2.5", "--rest", "0.5", "--fault", "short_hold=2", "--view", "side",
        "--facing", "left", "--cam-height", "1.3"]),
    SampleClip("clamshell_front_clean", "clean clamshells, right leg working", [
        "--exercise", "clamshell", "--reps", "3", "--descent", "0.8", "--ascent", "0.8",
        "--hold", "1.0", "--rest", "0.4", "--side", "right", "--view", "front"]),
    SampleClip("clamshell_front_faults", "small opening, feet apart, pelvis roll vs clean", [
        "--exercise", "clamshell", "--reps", "4", "--descent", "0.8", "--ascent", "0.8",
        "--hold", "1.0", "--rest", "0.4", "--side", "right", "--fault", "small_opening=2",
        "--fault", "feet_apart=3", "--fault", "pelvis_roll=4", "--view", "front", *_WOMAN]),
    SampleClip("clamshell_above_roll", "pelvis roll vs clean, filmed from above", [
        "--exercise", "clamshell", "--reps", "3", "--descent", "0.8", "--ascent", "0.8",
        "--hold", "1.0", "--rest", "0.4", "--side", "right", "--fault", "pelvis_roll=2",
        "--view", "front", "--cam-height", "2.2"]),
    SampleClip("clamshell_oblique_left", "left leg working, settles in, oblique, short hold", [
        "--exercise", "clamshell", "--reps", "3", "--descent", "0.8", "--ascent", "0.8",
        "--hold", "1.0", "--rest", "0.4", "--side", "left", "--lead-in", "settle",
        "--lead-in-s", "2.0", "--fault", "short_hold=2", "--view", "oblique", *_MAN]),
    SampleClip("hip_abduction_front_faults", "left leg out: clean, trunk lean, knee bent", [
        "--exercise", "hip_abduction", "--reps", "3", "--side", "left", "--fault", "trunk_lean=2",
        "--fault", "knee_bent=3", "--view", "front"]),
    SampleClip("hip_abduction_oblique", "right leg, same faults from an angle: not checked", [
        "--exercise", "hip_abduction", "--reps", "3", "--side", "right", "--fault", "trunk_lean=2",
        "--fault", "knee_bent=3", "--view", "oblique"]),
    SampleClip("hip_abduction_front_short", "left leg, a 1.5 s hold prescribed: 2 s holds, the "
               "2nd 0.2 s", [
        "--exercise", "hip_abduction", "--reps", "3", "--side", "left", "--hold", "2.0",
        "--fault", "short_hold=2", "--view", "front", "--rx-hold", "1.5", *_GREEN]),
    SampleClip("side_leg_raise_front_faults", "right leg on top: clean, low lift, knee bent, "
               "pelvis roll", [
        "--exercise", "side_leg_raise", "--reps", "4", "--side", "right", "--fault", "low_lift=2",
        "--fault", "knee_bent=3", "--fault", "pelvis_roll=4", "--view", "front"]),
    SampleClip("lateral_walk_front_faults", "2 steps right (feet together after the 2nd), 2 left", [
        "--exercise", "lateral_walk", "--reps", "4", "--side", "right",
        "--fault", "feet_together=2", "--view", "front"]),
    SampleClip("hip_hinge_side_faults", "hip hinges: clean, squatting (knees to 80 deg), clean", [
        "--exercise", "hip_hinge", "--reps", "3", "--fault", "squatting=2", "--view", "side",
        "--facing", "right"]),
    SampleClip("lunge_side_faults", "reverse lunges, legs in turn from the right: clean, shallow, "
               "knee past toes, trunk lean, clean", [
        "--exercise", "lunge", "--reps", "5", "--side", "right", "--fault", "shallow=2",
        "--fault", "knee_past_toes=3", "--fault", "trunk_lean=4", "--view", "side",
        "--facing", "right", *_WOMAN]),
    SampleClip("lunge_front_faults", "reverse lunges from the front: clean, knee caving (left "
               "then right leg), clean", [
        "--exercise", "lunge", "--reps", "4", "--side", "right", "--fault", "knee_caving=2,3",
        "--view", "front", *_MAN]),
    SampleClip("marching_bridge_side_faults", "4 steps from the side, feet in turn (right first), "
               "hips sink on the 3rd", [
        "--exercise", "marching_bridge", "--reps", "4", "--fault", "hips_drop=3",
        "--view", "side", "--facing", "right"]),
    SampleClip("donkey_kick_side_faults", "right leg: starts with hands and knees too far apart, "
               "clean, kick above the body line, clean", [
        "--exercise", "donkey_kick", "--reps", "4", "--side", "right",
        "--fault", "start_position=1", "--fault", "low_back_arch=3", "--view", "side",
        "--facing", "right"]),
    SampleClip("hip_hinge_side_shallow", "hip hinges with a depth prescribed (min_hinge_deg 80): "
               "clean, trunk only to 45 deg, clean", [
        "--exercise", "hip_hinge", "--reps", "3", "--fault", "shallow=2", "--view", "side",
        "--facing", "left", "--rx", "min_hinge_deg=80", *_WOMAN]),
    SampleClip("lunge_side_short_hold", "reverse lunges with a 1.5 s hold prescribed: 2 s holds, "
               "the 2nd 0.1 s", [
        "--exercise", "lunge", "--reps", "4", "--side", "right", "--hold", "2.0",
        "--fault", "short_hold=2", "--view", "side", "--facing", "right", "--rx-hold", "1.5",
        *_MAN]),
    SampleClip("fire_hydrant_side_start", "right knee out, filmed side-on: hands too far forward "
               "on the 2nd rep", [
        "--exercise", "fire_hydrant", "--reps", "3", "--side", "right",
        "--fault", "start_position=2", "--view", "side", "--facing", "right"]),
    SampleClip("fire_hydrant_front_faults", "right knee out: clean, hips shift to the left knee, "
               "clean", [
        "--exercise", "fire_hydrant", "--reps", "3", "--side", "right", "--fault", "hip_shift=2",
        "--view", "front", *_WOMAN]),
    # Held stretches: a "rep" is a hold. Judged against a prescribed 7 s hold (the JSON's
    # "prescription"), so that a clip of two holds stays short.
    SampleClip("hip_flexor_stretch_side_faults", "kneeling on the right: torso lean; on the left: "
               "front foot far out", [
        "--exercise", "hip_flexor_stretch", "--reps", "2", "--side", "right", "--descent", "1.2",
        "--ascent", "1.2", "--rest", "0.8", "--fault", "trunk_lean=1", "--fault", "front_knee=2",
        "--view", "side", "--rx-hold", "7", *_WOMAN]),
    SampleClip("hip_flexor_stretch_side_short", "clean hold kneeling on the left, short one on "
               "the right", [
        "--exercise", "hip_flexor_stretch", "--reps", "2", "--side", "left", "--descent", "1.2",
        "--ascent", "1.2", "--rest", "0.8", "--fault", "short_hold=2", "--view", "side",
        "--facing", "left", "--rx-hold", "7"]),
    # From the side only knees lowered toward the camera register (MediaPipe's depth misses
    # them going away), and from the feet MediaPipe misreads the body: one hold per clip, the
    # knees toward the camera.
    SampleClip("double_hip_rotation_side", "knees lowered to the left, toward the camera", [
        "--exercise", "double_hip_rotation", "--reps", "1", "--side", "left", "--descent", "1.2",
        "--ascent", "1.2", "--tail", "1.5", "--view", "side", "--facing", "right",
        "--rx-hold", "7", *_MAN]),
    SampleClip("double_hip_rotation_side_short", "a short hold, knees to the right, toward the "
               "camera", [
        "--exercise", "double_hip_rotation", "--reps", "1", "--side", "right", "--descent", "1.2",
        "--ascent", "1.2", "--tail", "1.5", "--fault", "short_hold=1", "--view", "side",
        "--facing", "left", "--rx-hold", "7", *_GREEN]),
    # The shoulders are checked from the feet, the camera looking down over the knees (from hip
    # height the lowered knees hide a shoulder and it is not judged): chest height, 1.3 m.
    SampleClip("double_hip_rotation_front", "from the feet at chest height: knees to the left, "
               "then to the right with a shoulder lifted off the floor", [
        "--exercise", "double_hip_rotation", "--reps", "2", "--side", "left", "--descent", "1.2",
        "--ascent", "1.2", "--tail", "1.0", "--fault", "shoulders_lift=2", "--view", "front",
        "--cam-height", "1.3", "--rx-hold", "7", *_WOMAN]),
    SampleClip("lunge_side_variant_front", "side lunges from the front (feet wide), bent leg in turn "
               "from the right: clean, clean, the straight leg bent 60 deg, clean", [
        "--exercise", "lunge", "--variant", "side", "--reps", "4", "--side", "right",
        "--fault", "straight_leg_bent=3", "--view", "front", *_GREEN]),
    SampleClip("lunge_side_variant_oblique", "side lunges filmed 45 deg round from the front, bent leg "
               "in turn from the right: the straight leg bent 60 deg, clean, bent, clean", [
        "--exercise", "lunge", "--variant", "side", "--reps", "4", "--side", "right",
        "--fault", "straight_leg_bent=1,3", "--view", "front", "--yaw", "45", *_GREEN]),
    SampleClip("hip_hinge_front_narrow", "hip hinges with the feet together (narrow stance), "
               "from the front", [
        "--exercise", "hip_hinge", "--reps", "3", "--fault", "narrow_stance=all", "--view", "front"]),
    SampleClip("side_leg_raise_above_roll", "left leg on top: clean, pelvis roll, clean, filmed from "
               "above", [
        "--exercise", "side_leg_raise", "--reps", "3", "--side", "left", "--fault", "pelvis_roll=2",
        "--view", "front", "--cam-height", "2.2", *_WOMAN]),
]


def _summary(clip: SampleClip) -> tuple[str, str, int, list[list[str]], float]:
    """(exercise, view, reps, faults per rep, seconds) of a catalog entry, without rendering."""
    from formcheck_studio.args import add_render_args, params
    from formcheck_studio.motions import make_motion

    p = argparse.ArgumentParser()
    add_render_args(p)
    a = p.parse_args(clip.args)
    mp, _ = params(a)
    motion = make_motion(mp)
    return a.exercise, a.view, mp.reps, [mp.rep_faults(i) for i in range(1, mp.reps + 1)], (
        motion.n_frames / mp.fps
    )


def write_readme(out: Path) -> None:
    """Write ``out/README.md`` listing the catalog."""
    lines = [
        "# Sample clips",
        "",
        "Rendered by formcheck's sample studio (`formcheck studio samples`, code in",
        "`formcheck_studio/`). Each `NAME.mp4` has a `NAME.json` beside it with exact ground",
        "truth: rep timings, faults per rep, per-rep metrics, per-frame 3D/2D joints and angles,",
        "and the `command` that re-renders the clip. Same command, same files.",
        "",
        "| clip | exercise | view | s | reps: faults | what it shows |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for c in CATALOG:
        ex, view, _, faults, dur = _summary(c)
        per = "; ".join(f"{i}: {', '.join(f) or 'clean'}" for i, f in enumerate(faults, 1))
        lines.append(f"| `{c.name}` | {ex} | {view} | {dur:.1f} | {per} | {c.note} |")
    lines += [
        "",
        "All clips are 640x480, 30 fps, H.264. Lying exercises: `facing` in the JSON is the",
        "image side the head is on; clamshell and side-lying leg raise `side` is the working (top)",
        "leg. Marching bridge and side walk reps are steps: `side` is the foot lifted or the way",
        "the step went (the person's left or right). Lunges are reverse lunges, the legs taking",
        "turns: `side` is the front (bent, working) leg; side lunges (`--variant side`) too: `side`",
        "is the bent leg. Donkey kick and fire hydrant (on hands and knees): `side` is the",
        "working leg; `front` films the person face-on, `side` side-on. The held stretches' reps",
        "are holds: `side` is the kneeling leg (hip flexor stretch) or the way the knees went",
        "(double hip rotation); they are judged against the JSON's `prescription` (an 8 s hold).",
        "",
        "## Licence",
        "",
        "These videos are renders made by formcheck's studio from the anny body model",
        "(NAVER Corp.; code Apache-2.0, mesh/rig/shape data CC0 via MakeHuman). No person was",
        "filmed and no third-party footage is included, so the clips and their JSON ship",
        "under the project's own licence and are free to redistribute.",
        "",
    ]
    (out / "README.md").write_text("\n".join(lines))
