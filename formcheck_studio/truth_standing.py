"""Ground-truth per-rep metrics of the hip hinge and the lunge (pure numpy), named like the
checkers' metrics, from the exact 3D joints (metres, Z up) and the per-frame angles of
:func:`~.truth.frame_angles` (degrees)."""

from __future__ import annotations

import numpy as np

from formcheck_studio.motions import RepPlan

Tracks = dict[str, np.ndarray]
SIDE_STANCE = 1.5  # ankles across the body over this many shoulder widths: a side lunge


def _knee(j3: Tracks, side: str) -> np.ndarray:
    """Per-frame 3D knee angle (deg) of ``side``."""
    u = j3[f"{side}_hip"] - j3[f"{side}_knee"]
    v = j3[f"{side}_ankle"] - j3[f"{side}_knee"]
    c = np.sum(u * v, axis=1) / (np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1))
    return np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))


def hip_hinge_metrics(
    r: RepPlan, idx: np.ndarray, pk: int, t: np.ndarray, j3: Tracks, angles: dict[str, list[float]]
) -> dict[str, float]:
    """Trunk lean from vertical at the deepest (``trunk_lean_max_deg``), its rise from the
    rep's start (``hinge_max_deg``), both knees' smallest angle (``knee_min_deg``), and the
    ankles' distance apart in shoulder widths at the rep's start (``stance_ratio``)."""
    lean = np.asarray(angles["trunk_lean_3d"])
    knee = 0.5 * (_knee(j3, "left") + _knee(j3, "right"))
    i0 = int(idx[0])
    feet = float(np.linalg.norm(j3["left_ankle"][i0] - j3["right_ankle"][i0]))
    shoulders = float(np.linalg.norm(j3["left_shoulder"][i0] - j3["right_shoulder"][i0]))
    return {
        "stance_ratio": feet / shoulders,
        "trunk_lean_max_deg": float(lean[idx].max()),
        "hinge_max_deg": float(lean[idx].max() - lean[idx[0]]),
        "knee_min_deg": float(knee[idx].min()),
        "descent_s": round(r.peak_start_s - r.start_s, 3),
        "ascent_s": round(r.end_s - r.peak_end_s, 3),
    }


def lunge_metrics(
    r: RepPlan, idx: np.ndarray, pk: int, t: np.ndarray, j3: Tracks, angles: dict[str, list[float]]
) -> dict[str, float]:
    """The front (working, ``r.side``) leg at the bottom (as the checker: the frames in the
    deepest quarter of the hips' drop; a swinging leg's knee bends on the way there): its
    smallest knee angle, the knee ahead of the toe tip along the foot and inside its ankle (toward
    the body's middle), both in shin lengths (the checker's units); the back knee's angle; the
    trunk's greatest lean from vertical; the hips' lowest height above the ankles (% of the
    rep's start). Also the ankles' gap across the body in shoulder widths (``stance_ratio``)
    and, in a side lunge (a gap over :data:`SIDE_STANCE`), the other knee's greatest bend at the
    bottom from the rep's start (``straight_knee_bend_deg``; ``back_knee_min_deg`` is then that
    knee's angle)."""
    f = str(r.side)
    b = "right" if f == "left" else "left"
    hip = 0.5 * (j3["left_hip"][:, 2] + j3["right_hip"][:, 2])
    ank = 0.5 * (j3["left_ankle"][:, 2] + j3["right_ankle"][:, 2])
    height = hip - ank
    h = height[idx]
    deep = idx[h <= h.min() + 0.25 * (h.max() - h.min())]
    knee = _knee(j3, f)
    bottom = int(deep[np.argmin(knee[deep])])
    shin = float(np.linalg.norm(j3[f"{f}_knee"][bottom] - j3[f"{f}_ankle"][bottom]))
    foot = j3[f"{f}_toe"][bottom] - j3[f"{f}_heel"][bottom]
    foot[2] = 0.0
    ahead = float(np.dot(j3[f"{f}_knee"][bottom] - j3[f"{f}_toe"][bottom], foot / np.linalg.norm(foot)))
    mid_x = 0.5 * (j3["left_hip"][bottom][0] + j3["right_hip"][bottom][0])
    toward = np.sign(mid_x - j3[f"{f}_ankle"][bottom][0])
    inside = float(toward * (j3[f"{f}_knee"][bottom][0] - j3[f"{f}_ankle"][bottom][0]))
    lean = np.asarray(angles["trunk_lean_3d"])
    # The side lunge (the feet apart across the body, the other leg straight): the other knee's
    # greatest bend at the bottom from its angle at the rep's start, as the checker reads it in
    # side lunges only (recognised by a stance over SIDE_STANCE shoulder widths).
    shoulders = float(np.linalg.norm(j3["left_shoulder"][bottom] - j3["right_shoulder"][bottom]))
    stance = abs(float(j3["left_ankle"][bottom][0] - j3["right_ankle"][bottom][0])) / shoulders
    side: dict[str, float] = {"stance_ratio": stance}
    if stance > SIDE_STANCE:
        other = _knee(j3, b)
        side["straight_knee_bend_deg"] = float(other[idx[0]] - other[deep].min())
    return {
        **side,
        "knee_min_deg": float(knee[bottom]),
        "back_knee_min_deg": float(_knee(j3, b)[deep].min()),
        "knee_past_toes": ahead / shin,
        "knee_ahead_of_toe_m": ahead,
        "knee_inside": inside / shin,
        "trunk_lean_max_deg": float(lean[deep].max()),
        "hip_height_min_pct": float(100.0 * height[idx].min() / height[idx[0]]),
        "bottom_s": round(float(t[bottom]), 3),
    }
