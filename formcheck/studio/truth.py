"""Ground-truth angles and per-rep metrics from joint tracks (pure numpy).

Angles are degrees; 3D joints metres (Z up), 2D joints pixels. The renderer feeds anny's
posed joints here; unit tests feed forward-kinematics joints of the same poses.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from formcheck.studio.geometry import angle_deg, hip_line_deg, vector_angle_deg
from formcheck.studio.motions import RepPlan

Tracks = dict[str, np.ndarray]


def frame_angles(
    exercise: str,
    j3: Tracks,
    anterior3: np.ndarray,
    j2: Tracks | None = None,
    anterior2: np.ndarray | None = None,
) -> dict[str, list[float]]:
    """Per-frame angles (degrees) for the JSON ``frames.angles`` block.

    Args:
        exercise: exercise name (adds ``pelvis_roll_3d`` for the clamshell).
        j3: joint name -> (N, 3) world positions in metres.
        anterior3: (N, 3) body front direction at the pelvis.
        j2: joint name -> (N, 2) image positions in pixels (2D angles skipped if ``None``).
        anterior2: (N, 2) image direction of the body front at the pelvis.
    """
    n = len(anterior3)
    out: dict[str, list[float]] = {}
    dims = [("3d", j3, anterior3)]
    if j2 is not None and anterior2 is not None:
        dims.append(("2d", j2, anterior2))
    for tag, j, ant in dims:
        for side in ("left", "right"):
            out[f"{side}_knee_{tag}"] = [
                angle_deg(j[f"{side}_hip"][i], j[f"{side}_knee"][i], j[f"{side}_ankle"][i])
                for i in range(n)
            ]
            out[f"{side}_hip_line_{tag}"] = [
                hip_line_deg(
                    j[f"{side}_shoulder"][i], j[f"{side}_hip"][i], j[f"{side}_knee"][i], ant[i]
                )
                for i in range(n)
            ]
        out[f"opening_{tag}"] = [
            vector_angle_deg(
                j["left_knee"][i] - j["left_hip"][i], j["right_knee"][i] - j["right_hip"][i]
            )
            for i in range(n)
        ]
    sh = 0.5 * (j3["left_shoulder"] + j3["right_shoulder"])
    hp = 0.5 * (j3["left_hip"] + j3["right_hip"])
    out["trunk_lean_3d"] = [vector_angle_deg(sh[i] - hp[i], np.array([0, 0, 1.0])) for i in range(n)]
    if exercise == "clamshell":
        lo = np.where(j3["left_hip"][:, 2:3] < j3["right_hip"][:, 2:3], 1.0, 0.0)
        bottom = lo * j3["left_hip"] + (1 - lo) * j3["right_hip"]
        top = (1 - lo) * j3["left_hip"] + lo * j3["right_hip"]
        out["pelvis_roll_3d"] = [
            vector_angle_deg(top[i] - bottom[i], np.array([0, 0, 1.0])) for i in range(n)
        ]
    return out


def _mean2(a: dict[str, list[float]], key: str) -> np.ndarray:
    return 0.5 * (np.asarray(a[f"left_{key}"]) + np.asarray(a[f"right_{key}"]))


def rep_metrics(
    exercise: str, reps: list[RepPlan], t: np.ndarray, j3: Tracks, angles: dict[str, list[float]]
) -> list[dict[str, Any]]:
    """The JSON ``reps`` list: timing, side, faults and measured metrics of each rep."""
    out = []
    for r in reps:
        w = (t >= r.start_s - 1e-9) & (t <= r.end_s + 1e-9)
        idx = np.where(w)[0]
        pk = int(np.argmin(np.abs(t - r.peak_s)))
        m: dict[str, float] = {"hold_s": round(r.hold_s, 3)}
        if exercise == "squat":
            knee = _mean2(angles, "knee_3d")
            bottom = int(idx[np.argmin(knee[idx])])
            m["knee_angle_min_deg"] = float(knee[bottom])
            if "left_knee_2d" in angles:
                m["knee_angle_min_2d_deg"] = float(np.min(_mean2(angles, "knee_2d")[idx]))
            m["trunk_lean_max_deg"] = float(np.max(np.asarray(angles["trunk_lean_3d"])[idx]))
            ahead = [
                float(j3[f"{s}_toe"][bottom][1] - j3[f"{s}_knee"][bottom][1])
                for s in ("left", "right")
            ]
            m["knee_ahead_of_toe_m"] = float(np.mean(ahead))
            heel_floor = min(float(j3["left_heel"][:, 2].min()), float(j3["right_heel"][:, 2].min()))
            m["heel_lift_m"] = float(
                np.mean([j3[f"{s}_heel"][bottom][2] - heel_floor for s in ("left", "right")])
            )
            m["knee_gap_m"] = float(np.linalg.norm(j3["left_knee"][bottom] - j3["right_knee"][bottom]))
            m["ankle_gap_m"] = float(
                np.linalg.norm(j3["left_ankle"][bottom] - j3["right_ankle"][bottom])
            )
            end = int(np.argmin(np.abs(t - r.end_s)))
            m["knee_angle_end_deg"] = float(knee[end])
            m["bottom_s"] = round(float(t[bottom]), 3)
        elif exercise == "bridge":
            hl = _mean2(angles, "hip_line_3d")
            m["hip_line_max_deg"] = float(np.max(hl[idx]))
            if "left_hip_line_2d" in angles:
                m["hip_line_max_2d_deg"] = float(np.max(_mean2(angles, "hip_line_2d")[idx]))
            m["hip_line_peak_deg"] = float(hl[pk])
        else:
            op = np.asarray(angles["opening_3d"])
            m["opening_max_deg"] = float(np.max(op[idx]))
            if "opening_2d" in angles:
                m["opening_max_2d_deg"] = float(np.max(np.asarray(angles["opening_2d"])[idx]))
            gap = np.linalg.norm(j3["left_ankle"] - j3["right_ankle"], axis=1)
            m["ankle_gap_max_m"] = float(np.max(gap[idx]))
            m["ankle_gap_increase_m"] = float(np.max(gap[idx]) - gap[idx[0]])
            roll = np.asarray(angles["pelvis_roll_3d"])
            m["pelvis_roll_max_deg"] = float(np.max(roll[idx]) - roll[idx[0]])
        out.append(
            {
                "index": r.index,
                "start_s": round(r.start_s, 3),
                "peak_s": round(r.peak_s, 3),
                "end_s": round(r.end_s, 3),
                "hold_start_s": round(r.peak_start_s, 3),
                "hold_end_s": round(r.peak_end_s, 3),
                "side": r.side,
                "faults": list(r.faults),
                "metrics": {k: round(v, 3) for k, v in m.items()},
            }
        )
    return out
