"""Ground-truth angles and per-rep metrics from joint tracks (pure numpy).

Angles are degrees; 3D joints metres (Z up), 2D joints pixels. The renderer feeds anny's
posed joints here; unit tests feed forward-kinematics joints of the same poses.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from formcheck_studio.geometry import angle_deg, hip_line_deg, vector_angle_deg
from formcheck_studio.motions import RepPlan
from formcheck_studio.motions_all_fours import ALL_FOURS, all_fours_angles, all_fours_metrics
from formcheck_studio.motions_holds import HOLDS
from formcheck_studio.truth_holds import hold_angles, hold_metrics
from formcheck_studio.truth_standing import hip_hinge_metrics, lunge_metrics

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
    if exercise in ("clamshell", "side_leg_raise"):
        lo = np.where(j3["left_hip"][:, 2:3] < j3["right_hip"][:, 2:3], 1.0, 0.0)
        bottom = lo * j3["left_hip"] + (1 - lo) * j3["right_hip"]
        top = (1 - lo) * j3["left_hip"] + lo * j3["right_hip"]
        out["pelvis_roll_3d"] = [
            vector_angle_deg(top[i] - bottom[i], np.array([0, 0, 1.0])) for i in range(n)
        ]
    out.update(_exercise_angles(exercise, j3, j2))
    return out


def _img_rise(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-frame angle (deg) of the image line a->b above level (image y grows down)."""
    v = b - a
    return np.degrees(np.arctan2(-v[:, 1], np.abs(v[:, 0])))


def _exercise_angles(exercise: str, j3: Tracks, j2: Tracks | None) -> dict[str, list[float]]:
    """Per-frame measures of the exercises added with the hip set, named like their checkers'
    signals (``_3d``: world, exact; ``_2d``: the picture, pixels)."""
    out: dict[str, np.ndarray] = {}
    if exercise == "hip_abduction":
        spread = np.zeros(len(j3["left_hip"]))
        for side, sx in (("left", 1.0), ("right", -1.0)):
            v = j3[f"{side}_ankle"] - j3[f"{side}_hip"]
            spread += np.degrees(np.arctan2(sx * v[:, 0], -v[:, 2]))
        out["leg_spread_3d"] = spread
        v = 0.5 * (j3["left_shoulder"] + j3["right_shoulder"]) - 0.5 * (j3["left_hip"] + j3["right_hip"])
        out["trunk_toward_left_3d"] = np.degrees(np.arctan2(v[:, 0], v[:, 2]))
        if j2 is not None:
            left = np.sign(j2["left_hip"][:, 0] - j2["right_hip"][:, 0])
            spread2 = np.zeros(len(left))
            for side, sx in (("left", 1.0), ("right", -1.0)):
                v2 = j2[f"{side}_ankle"] - j2[f"{side}_hip"]
                spread2 += np.degrees(np.arctan2(sx * left * v2[:, 0], v2[:, 1]))
            out["leg_spread_2d"] = spread2
    elif exercise == "side_leg_raise":
        top = "left" if j3["left_hip"][0, 2] > j3["right_hip"][0, 2] else "right"
        v = j3[f"{top}_ankle"] - j3[f"{top}_hip"]
        out["leg_lift_3d"] = np.degrees(np.arctan2(v[:, 2], np.abs(v[:, 0])))
        if j2 is not None:
            out["leg_lift_2d"] = _img_rise(j2[f"{top}_hip"], j2[f"{top}_ankle"])
    elif exercise == "marching_bridge":
        sh = 0.5 * (j3["left_shoulder"] + j3["right_shoulder"])
        hp = 0.5 * (j3["left_hip"] + j3["right_hip"])
        v = hp - sh
        out["trunk_rise_3d"] = np.degrees(np.arctan2(v[:, 2], np.abs(v[:, 1])))
        if j2 is not None:
            out["trunk_rise_2d"] = _img_rise(
                0.5 * (j2["left_shoulder"] + j2["right_shoulder"]), 0.5 * (j2["left_hip"] + j2["right_hip"])
            )
    elif exercise == "lateral_walk":
        for tag, j in (("3d", j3), ("2d", j2)):
            if j is None:
                continue
            leg = 0.5 * sum(
                np.linalg.norm(j[f"{s}_ankle"] - j[f"{s}_hip"], axis=1) for s in ("left", "right")
            )
            gap = np.abs(j["left_ankle"][:, 0] - j["right_ankle"][:, 0])
            out[f"stance_{tag}"] = 100.0 * gap / leg
    elif exercise in ALL_FOURS:
        out.update(all_fours_angles(j3))
    elif exercise in HOLDS:
        out.update(hold_angles(exercise, j3, j2))
    return {k: [float(x) for x in v] for k, v in out.items()}


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
            m["descent_s"] = round(r.peak_start_s - r.start_s, 3)  # down to the bottom (too_fast)
        elif exercise == "bridge":
            hl = _mean2(angles, "hip_line_3d")
            m["hip_line_max_deg"] = float(np.max(hl[idx]))
            if "left_hip_line_2d" in angles:
                m["hip_line_max_2d_deg"] = float(np.max(_mean2(angles, "hip_line_2d")[idx]))
            m["hip_line_peak_deg"] = float(hl[pk])
        elif exercise in ALL_FOURS:
            m.update(all_fours_metrics(exercise, str(r.side), idx, j3, angles))
        elif exercise in _ADDED:
            m.update(_ADDED[exercise](r, idx, pk, t, j3, angles))
        elif exercise in HOLDS:
            m.update(hold_metrics(exercise, r, idx, t, angles))
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


def _knee_bend(j3: Tracks, side: str, i0: int, idx: np.ndarray) -> float:
    """How far (deg) a knee bent over a rep from its angle at the rep's first frame."""
    def knee(i: int) -> float:
        return angle_deg(j3[f"{side}_hip"][i], j3[f"{side}_knee"][i], j3[f"{side}_ankle"][i])

    return float(knee(i0) - min(knee(int(i)) for i in idx))


def _hip_abduction_metrics(
    r: RepPlan, idx: np.ndarray, pk: int, t: np.ndarray, j3: Tracks, angles: dict[str, list[float]]
) -> dict[str, float]:
    spread = np.asarray(angles["leg_spread_3d"])
    trunk = np.asarray(angles["trunk_toward_left_3d"])
    # Toward the standing side: the person's right when the left leg works.
    toward = -1.0 if r.side == "left" else 1.0
    return {
        "leg_angle_max_deg": float(spread[idx].max()),
        "trunk_lean_deg": float(toward * (trunk[pk] - trunk[idx[0]])),
        "knee_bend_deg": _knee_bend(j3, str(r.side), int(idx[0]), idx),
    }


def _side_leg_raise_metrics(
    r: RepPlan, idx: np.ndarray, pk: int, t: np.ndarray, j3: Tracks, angles: dict[str, list[float]]
) -> dict[str, float]:
    lift = np.asarray(angles["leg_lift_3d"])
    roll = np.asarray(angles["pelvis_roll_3d"])
    out = {
        "leg_lift_top_deg": float(lift[idx].max()),
        "leg_lift_rest_deg": float(lift[idx[0]]),
        "knee_bend_deg": _knee_bend(j3, str(r.side), int(idx[0]), idx),
        "pelvis_roll_deg": float(np.max(roll[idx]) - roll[idx[0]]),
    }
    if "leg_lift_2d" in angles:
        out["leg_lift_top_2d_deg"] = float(np.asarray(angles["leg_lift_2d"])[idx].max())
    return out


def _marching_bridge_metrics(
    r: RepPlan, idx: np.ndarray, pk: int, t: np.ndarray, j3: Tracks, angles: dict[str, list[float]]
) -> dict[str, float]:
    ankle = j3[f"{r.side}_ankle"][:, 2]
    thigh = float(np.linalg.norm(j3[f"{r.side}_knee"][idx[0]] - j3[f"{r.side}_hip"][idx[0]]))
    rise = np.asarray(angles["trunk_rise_3d"])
    return {
        "foot_lift_top_pct": float(100.0 * (ankle[idx].max() - ankle[idx[0]]) / thigh),
        "foot_lift_m": float(ankle[idx].max() - ankle[idx[0]]),
        "hips_drop_deg": float(rise[idx[0]] - rise[idx].min()),
        "trunk_rise_deg": float(rise[idx[0]]),
        "lift_s": round(r.peak_start_s - r.start_s, 3),
    }


def _lateral_walk_metrics(
    r: RepPlan, idx: np.ndarray, pk: int, t: np.ndarray, j3: Tracks, angles: dict[str, list[float]]
) -> dict[str, float]:
    stance = np.asarray(angles["stance_3d"])
    end = int(idx[-1])
    gap = abs(float(j3["left_ankle"][end][0] - j3["right_ankle"][end][0]))
    shoulders = abs(float(j3["left_shoulder"][end][0] - j3["right_shoulder"][end][0]))
    return {
        "stance_max_pct": float(stance[idx].max()),
        "stance_min_sh": gap / shoulders,
        "stance_end_m": gap,
        "step_s": round(r.end_s - r.start_s, 3),
    }


_ADDED = {
    "hip_abduction": _hip_abduction_metrics,
    "side_leg_raise": _side_leg_raise_metrics,
    "marching_bridge": _marching_bridge_metrics,
    "lateral_walk": _lateral_walk_metrics,
    "hip_hinge": hip_hinge_metrics,
    "lunge": lunge_metrics,
}
