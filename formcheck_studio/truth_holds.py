"""Ground truth of the held stretches (pure numpy): per-frame measures and per-hold metrics.

A hold's ``hold_s`` is the time the exact body meets the checker's own position rules while it
is still (the planned hold: what formcheck's timer measures, not the way into or out of the
position, which ``in_position_s`` adds). The check metrics (``trunk_lean_deg``,
``front_knee_deg``, ``shoulder_lift_deg``) are medians over the frames held, as the checkers
take them, measured in the picture when the clip was rendered (``*_2d`` angles) and in the
world otherwise; ``*_3d_deg`` are the world's.
"""

from __future__ import annotations

import numpy as np

from formcheck_studio.motions import RepPlan
from formcheck_studio.motions_holds import HOLDS, knee_drop_deg, kneeling_in_position, knees_down_in_position

Tracks = dict[str, np.ndarray]


def _frames(j: Tracks) -> list[dict[str, np.ndarray]]:
    return [{k: v[i] for k, v in j.items()} for i in range(len(j["left_hip"]))]


def _angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Per-frame angle (deg) at b between b->a and b->c, (N, 2) or (N, 3) arrays."""
    u, v = a - b, c - b
    cos = np.sum(u * v, axis=1) / (np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def hold_angles(exercise: str, j3: Tracks, j2: Tracks | None) -> dict[str, np.ndarray]:
    """Per-frame measures of a held stretch, named like its checker's signals."""
    if exercise not in HOLDS:
        return {}
    frames = _frames(j3)
    out: dict[str, np.ndarray] = {}
    sh3 = 0.5 * (j3["left_shoulder"] + j3["right_shoulder"])
    hp3 = 0.5 * (j3["left_hip"] + j3["right_hip"])
    if exercise == "hip_flexor_stretch":
        out["in_position_3d"] = np.array([float(kneeling_in_position(f)) for f in frames])
        up = sh3 - hp3
        out["trunk_lean_3d"] = np.degrees(np.arccos(up[:, 2] / np.linalg.norm(up, axis=1)))
        # The front leg: the higher knee.
        front_left = (j3["left_knee"][:, 2] > j3["right_knee"][:, 2])[:, None]
        for tag, j in (("3d", j3), ("2d", j2)):
            if j is None:
                continue
            leg = {p: np.where(front_left, j[f"left_{p}"], j[f"right_{p}"]) for p in ("hip", "knee", "ankle")}
            out[f"front_knee_{tag}"] = _angle(leg["hip"], leg["knee"], leg["ankle"])
        if j2 is not None:
            v = 0.5 * (j2["left_shoulder"] + j2["right_shoulder"]) - 0.5 * (j2["left_hip"] + j2["right_hip"])
            out["trunk_lean_2d"] = np.degrees(np.arctan2(np.abs(v[:, 0]), -v[:, 1]))
        kneel_left = ~front_left
        hip = np.where(kneel_left, j3["left_hip"], j3["right_hip"])
        knee = np.where(kneel_left, j3["left_knee"], j3["right_knee"])
        v = hip - knee  # forward is -Y
        out["hip_forward_3d"] = np.degrees(np.arctan2(-v[:, 1], v[:, 2]))
    else:
        out["in_position_3d"] = np.array([float(knees_down_in_position(f)) for f in frames])
        out["knee_drop_3d"] = np.array([knee_drop_deg(f) for f in frames])
        v = j3["left_shoulder"] - j3["right_shoulder"]
        out["shoulder_roll_3d"] = np.degrees(np.arctan2(np.abs(v[:, 2]), np.hypot(v[:, 0], v[:, 1])))
        if j2 is not None:
            v2 = j2["left_shoulder"] - j2["right_shoulder"]
            out["shoulder_tilt_2d"] = np.degrees(np.arctan2(np.abs(v2[:, 1]), np.abs(v2[:, 0])))
    return out


def hold_metrics(
    exercise: str, r: RepPlan, idx: np.ndarray, t: np.ndarray, angles: dict[str, list[float]]
) -> dict[str, float]:
    """Per-hold metrics: seconds held (in the position while the body is still: the planned
    hold, as formcheck's timer measures it), seconds in the position, the planned still time,
    and the checks' measures as medians over the frames held."""
    a = {k: np.asarray(v, np.float64) for k, v in angles.items()}
    ins = idx[a["in_position_3d"][idx] > 0.5]
    still = (t[ins] >= r.peak_start_s - 1e-9) & (t[ins] <= r.peak_end_s + 1e-9)
    held = ins[still]
    step = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    m: dict[str, float] = {
        "hold_s": float(len(held) * step),
        "in_position_s": float(len(ins) * step),
        "still_s": round(r.hold_s, 3),
        "in_position_start_s": float(t[ins[0]]) if len(ins) else float("nan"),
        "in_position_end_s": float(t[ins[-1]] + step) if len(ins) else float("nan"),
    }
    if not len(held):
        return m
    ins = held

    def med(key: str) -> float:
        return float(np.median(a[key][ins]))

    if exercise == "hip_flexor_stretch":
        m["trunk_lean_3d_deg"] = med("trunk_lean_3d")
        m["front_knee_3d_deg"] = med("front_knee_3d")
        m["trunk_lean_deg"] = med("trunk_lean_2d") if "trunk_lean_2d" in a else m["trunk_lean_3d_deg"]
        m["front_knee_deg"] = med("front_knee_2d") if "front_knee_2d" in a else m["front_knee_3d_deg"]
        m["hip_forward_deg"] = med("hip_forward_3d")
    else:
        m["knee_drop_deg"] = float(np.median(np.abs(a["knee_drop_3d"][ins])))
        m["shoulder_lift_3d_deg"] = med("shoulder_roll_3d")
        tilt = "shoulder_tilt_2d" if "shoulder_tilt_2d" in a else "shoulder_roll_3d"
        m["shoulder_lift_deg"] = med(tilt)
    return m
