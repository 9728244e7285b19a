"""Hip hinge: the trunk goes forward from the hips and back up, knees soft, hips back.

Counting follows the trunk's lean from vertical in MediaPipe's world landmarks (hips to
shoulders), from the person's own standing level: it reads the same from the side, the front or
an angle, where the trunk's angle in the picture shrinks to nothing as the person bends toward
the camera. The checks need precise angles, so they use the picture. The trunk's lean (depth):
from the side its angle in the picture; from the front or an angle how much of its standing
height the hips-to-shoulders line keeps, since a segment leaning from vertical by ``a`` shows
``cos a`` of its height whichever way the person faces (as the squat's depth). The knee (not
squatting): from the side only, the picture's knee angle of the leg standing on the floor (in a
single-leg hinge the free leg swings back). From the front or an angle the knee is still read
from thigh and shin heights for the report, but not judged: in a hinge the hips travel back and
the hip landmark slides with the bending trunk, which reads as more knee bend than there is.

A neutral spine (000) is not checked: the pose has no points on the spine (see the TOML).
"""

from __future__ import annotations

import numpy as np

from formcheck.checkers.base import Checker, RepData
from formcheck.checkers.common import (
    SIDES,
    StandingRef,
    feet_spread_3d,
    nanmean,
    stat,
    tilt_from_length,
    w3,
    xy,
)
from formcheck.geometry import angle, angle_from_vertical, distance, midpoint
from formcheck.landmarks import Frame
from formcheck.landmarks import PoseLandmark as L
from formcheck.view import ViewEstimate

# Standing on the feet: the line from the hips to the lower ankle within this of vertical in the
# picture. A hinge moves the hips back over the heels (10-20 deg on the real clips); lying or
# kneeling lays it down.
LEGS_UPRIGHT_MAX_DEG = 45.0
# A foot off the floor: at the bottom its ankle rose this many leg lengths more than the other's.
# A single-leg hinge lifts the free foot by half a leg or more (0.56 on the real clip); feet on
# the floor stay level within 3% (jitter).
FOOT_UP = 0.15
# Standing references (segment heights in the picture) learn from frames with the trunk within
# this of its rest lean and the knees nearly straight in the picture.
LEARN_MAX_DEG = 20.0
STRAIGHT_KNEE_DEG = 150.0
BOTTOM_SHARE = 0.25  # the bottom of a rep: within this share of its lean from the deepest point


def _world_lean(frame: Frame) -> float:
    """Angle (deg) of the hips-to-shoulders line from the world's vertical (MediaPipe world y
    points down); NaN when unseen."""
    hip = midpoint(w3(frame, L.LEFT_HIP), w3(frame, L.RIGHT_HIP))
    sh = midpoint(w3(frame, L.LEFT_SHOULDER), w3(frame, L.RIGHT_SHOULDER))
    v = sh - hip
    n = float(np.linalg.norm(v))
    if not (np.isfinite(n) and n > 0):
        return float("nan")
    return float(np.degrees(np.arccos(np.clip(-v[1] / n, -1.0, 1.0))))


def _stance_widths(frame: Frame, ankles: np.ndarray) -> dict[str, float]:
    """The ankles' distance apart in shoulder widths, read twice: in the picture (``stance``;
    both lie across the body, so the camera's distance drops out) and in MediaPipe's world
    landmarks along the hips' line (``stance3d``). A foot a little ahead of the other, or the
    chest turned, changes the first but not the second; the world's depth is loose but does
    not see a stagger as a narrow stance. NaN where unseen."""
    shoulders = float(distance(xy(frame, L.LEFT_SHOULDER), xy(frame, L.RIGHT_SHOULDER)))
    return {
        "stance": float(distance(ankles[0], ankles[1])) / shoulders if shoulders > 0 else np.nan,
        "stance3d": feet_spread_3d(frame)[0],
    }


class HipHingeChecker(Checker):
    name = "hip_hinge"
    # The stance is read standing before the rep (see _stance_ratio): the feet must be seen
    # clearly there; bending toward the camera may hide them behind the trunk and arms.
    at_rest = frozenset({"stance_ratio"})

    def __init__(self, definition) -> None:  # type: ignore[no-untyped-def]
        super().__init__(definition)
        self.on_cut()

    def on_cut(self) -> None:
        """Standing references start afresh (at the start, and after a cut to another shot)."""
        self._refs = {k: StandingRef() for k in ("trunk", "lt", "ls", "rt", "rs")}

    def signals(self, frame: Frame, view: ViewEstimate) -> dict[str, float]:
        hip = midpoint(xy(frame, L.LEFT_HIP), xy(frame, L.RIGHT_HIP))
        sh = midpoint(xy(frame, L.LEFT_SHOULDER), xy(frame, L.RIGHT_SHOULDER))
        lean = _world_lean(frame)
        out: dict[str, float] = {"hinge_deg": lean, "trunk2d_deg": float(angle_from_vertical(hip, sh))}
        lo, hi = self.c.rest_range
        if np.isfinite(self._rest):
            standing = bool(abs(lean - self._rest) < LEARN_MAX_DEG)
        else:
            standing = bool(lo <= lean <= hi)
        raw = {"trunk": float(hip[1] - sh[1])}
        legs = 0.0
        for k, sd in (("l", SIDES["left"]), ("r", SIDES["right"])):
            h2, k2, a2 = xy(frame, sd["hip"]), xy(frame, sd["knee"]), xy(frame, sd["ankle"])
            knee2d = float(angle(h2, k2, a2))
            out[f"knee2d_{k}"] = knee2d
            out[f"ankle_y_{k}"] = float(a2[1])
            raw[k + "t"], raw[k + "s"] = float(k2[1] - h2[1]), float(a2[1] - k2[1])
            legs = max(legs, float(np.hypot(*(k2 - h2)) + np.hypot(*(a2 - k2))))
            straight = standing and knee2d >= STRAIGHT_KNEE_DEG
            for part in ("t", "s"):
                self._refs[k + part].update(raw[k + part] if straight else np.nan, frame.t_s)
        self._refs["trunk"].update(raw["trunk"] if standing else np.nan, frame.t_s)
        out["leg_len"] = legs if legs > 0 else np.nan
        # The feet on the floor: the lower ankle and any other within FOOT_UP leg lengths of it
        # (in a single-leg hinge the free foot rises behind).
        ankles = np.array([xy(frame, SIDES[s]["ankle"]) for s in ("left", "right")])
        seen = np.isfinite(ankles).all(axis=1)
        if seen.any() and np.isfinite(out["leg_len"]):
            floor = ankles[seen][:, 1] >= np.max(ankles[seen][:, 1]) - FOOT_UP * out["leg_len"]
            feet = ankles[seen][floor].mean(axis=0)
        else:
            feet = np.full(2, np.nan)
        out["legs_tilt_deg"] = float(angle_from_vertical(feet, hip))
        out.update(_stance_widths(frame, ankles))
        out.update({f"h_{k}": v for k, v in raw.items()})
        out.update(self._against_standing(raw))
        side = view.view == "side"
        out["side_view"] = float(side)
        out["trunk_lean_deg"] = out["trunk2d_deg"] if side else out["trunk_vert_deg"]
        return out

    def _against_standing(self, raw: dict[str, float]) -> dict[str, float]:
        """Trunk lean and knee angles from segment heights against the standing references known
        now (NaN before the person has been seen standing)."""
        out = {"trunk_vert_deg": tilt_from_length(raw["trunk"], self._refs["trunk"].value)}
        for k in ("l", "r"):
            thigh = tilt_from_length(raw[k + "t"], self._refs[k + "t"].value)
            shin = tilt_from_length(raw[k + "s"], self._refs[k + "s"].value)
            out[f"knee_vert_{k}"] = 180.0 - thigh - shin
        return out

    def refresh(self, rows: list[dict[str, float]]) -> list[bool]:
        """A clip that starts mid-rep shows the person standing only after the first rep:
        measure the frames before against the standing references learnt since."""
        ok = []
        for r in rows:
            if "h_trunk" in r:
                r.update(self._against_standing({k: r[f"h_{k}"] for k in ("trunk", "lt", "ls", "rt", "rs")}))
                if not r.get("side_view", 0.0):
                    r["trunk_lean_deg"] = r["trunk_vert_deg"]
            ok.append(self._ok(r))
        return ok

    def _ok(self, sig: dict[str, float]) -> bool:
        upright = sig.get("legs_tilt_deg", 90.0) < LEGS_UPRIGHT_MAX_DEG
        return bool(np.isfinite(sig.get(self.c.signal, np.nan)) and upright)

    def valid(self, frame: Frame, sig: dict[str, float]) -> bool:
        return self._ok(sig)

    # -- per rep --------------------------------------------------------------------------
    def _bottom(self, data: RepData) -> np.ndarray:
        """Frames at the bottom of the rep: within BOTTOM_SHARE of its lean from the deepest."""
        h = data.sig["hinge_deg"]
        if not np.isfinite(h).any():
            return np.ones(len(h), bool)
        lo, hi = data.before("hinge_deg"), stat(h, "max", 95)
        lo = lo if np.isfinite(lo) else stat(h, "min")
        return np.isfinite(h) & (h >= hi - BOTTOM_SHARE * (hi - lo))

    def _rise(self, data: RepData) -> float:
        """How far (leg lengths) the left foot rose against the right from before the rep to its
        bottom (negative: the right foot rose); NaN when either foot was unseen there. Measured
        against the other foot, since a hand-held camera moves both in the picture."""
        bottom = self._bottom(data)
        leg = stat(data.sig["leg_len"], "median")
        gap = data.sig["ankle_y_l"] - data.sig["ankle_y_r"]  # image y grows downward
        before = data.before("ankle_y_l") - data.before("ankle_y_r")
        return float((before - stat(gap[bottom], "median")) / leg)

    def _stance(self, data: RepData) -> list[str]:
        """The legs standing on the floor through the rep ("l", "r"): a foot that rose against
        the other by FOOT_UP leg lengths at the bottom is off the floor."""
        rise = self._rise(data)
        if rise > FOOT_UP:
            return ["r"]
        if rise < -FOOT_UP:
            return ["l"]
        return ["l", "r"]

    def _stance_ratio(self, data: RepData) -> float:
        """The feet's distance apart standing before the rep, in shoulder widths: the wider of
        the picture's and the world's readings (a narrow stance reads narrow in both; see
        :func:`_stance_widths`). NaN unless both feet were seen staying down through the rep (a
        single-leg hinge stands on one; its free foot may hide behind the trunk)."""
        if not abs(self._rise(data)) <= FOOT_UP:
            return float("nan")
        picture, world = self._at_rest(data, "stance"), self._at_rest(data, "stance3d")
        return float(max(picture, world)) if np.isfinite(picture) and np.isfinite(world) else float("nan")

    def side(self, data: RepData) -> str | None:
        """The standing leg of a single-leg hinge; None when both feet stay down."""
        stance = self._stance(data)
        if len(stance) != 1:
            return None
        return "left" if stance[0] == "l" else "right"

    def metrics(self, data: RepData) -> dict[str, float]:
        s = data.sig
        bottom = self._bottom(data)
        stance = self._stance(data)
        if data.view.view == "side":
            # The leg nearer the camera is placed precisely; the far one only if it is the
            # standing leg and the near one swung back.
            near = "l" if data.view.near_side == "left" else "r"
            leg = near if near in stance else stance[0]
            knee = stat(s[f"knee2d_{leg}"][bottom], "median")
        else:
            knee = nanmean(*[stat(s[f"knee_vert_{k}"][bottom], "median") for k in stance])
        return {
            "hinge_max_deg": stat(s["hinge_deg"], "max", 95) - data.before("hinge_deg"),
            "trunk_lean_max_deg": stat(s["trunk_lean_deg"], "max", 95),
            "stance_ratio": self._stance_ratio(data),
            "knee_min_deg": knee,
            "descent_s": float(data.t[data.reach_i] - data.t[0]),
            "ascent_s": float(data.t[-1] - data.t[data.peak_i]),
        }
