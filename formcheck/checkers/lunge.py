"""Lunges: forward, reverse and static (split squat) lunges and the side lunge, per working leg.

Every lunge lowers the hips by bending one knee, the working leg's: the front leg of a forward
or reverse lunge, the bent leg of a side lunge. Counting uses the hip height above the ankles
against standing (as the squat), which reads the same in any view. The working leg is the one
whose thigh comes nearest horizontal over the most upright shin at the bottom: the front thigh
of a lunge lies about level over an upright shin while the rear thigh hangs near vertical over
a shin near the floor, and a side lunge's straight leg tilts thigh and shin alike. A segment's
tilt follows from its height in the picture against its height standing, whichever way the
person faces (camera at about body height).

Depth is the working knee's angle: the picture's from the side; from the front or an angle,
from how much of their standing height its thigh and shin keep. Knee over the toes is measured
from the side, along the foot; a knee caving in from the front, as how far the knee lies inside
its ankle in the picture. The torso's lean is forward lean (from the side, or in 3D from an
angle), judged in forward, back and split lunges: in a side lunge (the other leg straight) the
upper body drifts over the bent knee as 004 asks. The other leg must stay straight only in a
side lunge, recognised by feet over 1.5 shoulder widths apart across the body (in the picture
from the front, in 3D at an angle) with the other knee not lowered toward the floor (a forward
lunge stepping out diagonally spreads the feet in the picture too, but its rear knee bends). Its
bend goes toward a camera in front, so it is judged at about 45 deg round from the front.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from formcheck.checkers.base import SEEN_MIN, SEEN_SHARE, Checker, Event, RepData
from formcheck.checkers.common import (
    SIDES,
    StandingRef,
    feet_spread_3d,
    nanmean,
    stat,
    tilt_from_length,
    torso_tilt,
    w3,
    xy,
)
from formcheck.definitions import Check
from formcheck.geometry import angle, angle_from_vertical, distance, midpoint
from formcheck.landmarks import Frame
from formcheck.landmarks import PoseLandmark as L
from formcheck.view import ViewEstimate

UPRIGHT_MAX_DEG = 70.0  # torso tilt beyond this is bending over or lying, not lunging
# Standing, for the references: both knees this straight (in the picture and in 3D). The
# shallowest lunge the documents describe bends the front knee well past 30 deg.
STRAIGHT_KNEE_DEG = 150.0
# 004's side lunge: "feet wide apart, approximately twice the width of your shoulders". A
# forward, reverse or split stance keeps the feet about hip width apart across the body (under
# one shoulder width, ankle to ankle, in the picture from the front); 1.5 lies between. A
# forward lunge stepping out diagonally also spreads the feet in the picture (1.5-1.7 on real
# film), but its rear knee bends toward the floor: in MediaPipe's 3D landmarks the rear knees of
# the real lunges read 81-99 deg (up to 142 from a camera on the floor), a side lunge's straight
# leg 170-173. A stance is a side lunge's when the other knee also reads over SIDE_OTHER_KNEE_DEG
# (a bend of 70 deg and more is no longer a straight leg bent a little, but another exercise).
SIDE_LUNGE_STANCE = 1.5
SIDE_OTHER_KNEE_DEG = 110.0
# The other leg straight whatever the view (3D, over 155 deg: a side lunge, or a lunge with the
# back leg kept straight): the upper body then leans over the bent knee, as 004 asks of the side
# lunge, so its lean is not judged. The rear knees of the real lunges read at most 142.
STRAIGHT_OTHER_KNEE_DEG = 155.0
# A side lunge's depth from the front: the bent knee points toward the camera, and the knee
# angle from thigh and shin heights read 92-114 deg on the studio's clean 90 deg reps (24 deg
# off, about the depth check's whole 25 deg margin) and 85-107 on the real side lunges' thighs
# about parallel. From the side the picture's knee angle read them within 12 deg (studio), so
# the check is made there.
SIDE_LUNGE_DEPTH = "Film from the side to check {label} in a side lunge."
# The side lunge's other knee bends forward, across the picture only by the sine of the camera's
# angle to the body: from the front a 60 deg bend read 7 deg (picture and 3D alike), so it is
# judged only at an angle. Below 40 deg (MediaPipe's yaw) under two thirds of the bend shows and
# undoing that amplifies the picture's jitter: from a camera 30 deg round (yaw 34) the studio's
# 60 deg bends read 30-34, at the limit; 45 deg round (yaw 44) 53, clean reps 8-12 (studio).
SIDE_BEND_MIN_YAW_DEG = 40.0
# A camera looking down on a lunge filmed from the front or an angle: the front thigh, level at
# the bottom and pointing toward the camera, still keeps tan(pitch) of its standing height in the
# picture (times cos(yaw), the share of it pointing at the camera), so its knee angle from thigh
# and shin heights reads arcsin(cos(yaw) tan(pitch)) too open over an upright shin: 20 deg at a
# 19 deg pitch (a synthetic lunge from 2.1 m: 111 for 90; a forward-leaning shin reads more
# tilted and gives some back: 101 with 6 deg of lean). The depth check's 25 deg margin also holds
# the pose model's own error from the front with a level camera: 13 deg between two pose runs of
# the same real reps (exercises/lunge.toml), 6-14 deg on sample lunge_front_faults (camera 3 deg
# down). So the camera may take the other 12: a level thigh straight toward the camera reaches it
# at a pitch of 11.7 deg (16.4 at 45 deg round). MediaPipe's pitch at rest is loose: 5-9 deg from
# the studio's cameras at hip height, 19-20 from chest height with the whole body in the picture
# but 5-8 with the head cut off (where the knees still read within 12 deg).
PITCH_DEPTH_ERR_MAX_DEG = 12.0
LEGS = {"l": SIDES["left"], "r": SIDES["right"]}
# A working leg's thigh tilt less its shin tilt at the bottom: 60-90 deg (thigh near level over
# an upright shin); a lunge's rear leg or a side lunge's straight leg about 0 or below. Half way.
WORKING_MIN_DEG = 30.0
# Checks read on the working leg alone from the front or an angle (its knee angle from its thigh
# and shin heights, its knee against its own ankle): they need that leg seen clearly, not the
# other one, whose foot a deep forward or reverse lunge filmed from the front hides behind the
# front leg (MediaPipe's visibility of the back ankle fell to 0.1-0.3 at the bottom of studio
# reverse lunges, so no rep's front knee was judged).
WORKING_LEG_METRICS = ("knee_min_deg", "knee_inside")


def _along_foot(v: np.ndarray, heel: np.ndarray, toe: np.ndarray) -> float:
    """Component of image vector ``v`` along the heel-to-toe direction (the floor line)."""
    f = toe - heel
    n = float(np.hypot(*f))
    return float(np.dot(v, f) / n) if n > 0 else float("nan")


def _inward(knee: np.ndarray, ankle: np.ndarray, hip: np.ndarray, other_hip: np.ndarray) -> float:
    """How far (picture x) the knee lies inside its ankle, toward the body's middle (the side
    the other hip is on); negative outside."""
    toward = float(np.sign(other_hip[0] - hip[0]))
    return float((knee[0] - ankle[0]) * toward) if toward else float("nan")


class Pair:
    """A left and right point in the picture (the hips, the ankles), one hidden taken where it
    last was against the other.

    A foot planted on the floor stays where it is while the other leg hides it, and the pelvis
    is one bone. Filmed from the front, a lunge's back foot goes out of sight behind the front
    leg at the bottom (MediaPipe's visibility of the back ankle fell from 0.9 to 0.1-0.4 on the
    studio's lunges from chest height, for up to the whole 2 s hold), while the two feet stand
    at different heights in the picture (the back ankle 0.19 frame heights above the front one
    from chest height): hip height above the mean of whichever ankles were seen jumped by 17-23%
    of standing when one dropped out, and the rep split in two at the jump. The hips are held
    alike (no studio lunge lost a hip). The last seen gap between the two is kept for as long
    as a rep may last; both hidden, nothing is assumed.
    """

    def __init__(self, keep_s: float) -> None:
        self.keep_s = keep_s
        self._gap = np.full(2, np.nan)  # right point less left point, when both were last seen
        self._t = -np.inf

    def update(self, left: np.ndarray, right: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
        """Both points, a hidden one filled in from the other and the last seen gap."""
        seen_l, seen_r = bool(np.isfinite(left).all()), bool(np.isfinite(right).all())
        if seen_l and seen_r:
            self._gap, self._t = right - left, t
        elif t - self._t <= self.keep_s:
            if seen_l:
                right = left + self._gap
            elif seen_r:
                left = right - self._gap
        return left, right


class LungeChecker(Checker):
    name = "lunge"

    def __init__(self, definition) -> None:  # type: ignore[no-untyped-def]
        super().__init__(definition)
        self.on_cut()

    def on_cut(self) -> None:
        """Standing references start afresh (at the start, and after a cut to another shot)."""
        self._height_ref = StandingRef()  # hip height above the ankles when standing
        self._vert_ref = {k + p: StandingRef() for k in LEGS for p in ("t", "s")}  # thigh, shin heights
        # Where each hip and ankle last was against the other (for hip height above the ankles)
        self._hips, self._ankles = Pair(self.c.max_rep_s), Pair(self.c.max_rep_s)
        self._rest_pitch = float("nan")  # the camera's pitch at the last rest seen (live number)

    def signals(self, frame: Frame, view: ViewEstimate) -> dict[str, float]:
        side = view.view == "side"
        pts = {
            k: {p: xy(frame, sd[p]) for p in ("hip", "knee", "ankle", "heel", "toe")}
            for k, sd in LEGS.items()
        }
        knees3d = [
            float(angle(w3(frame, sd["hip"]), w3(frame, sd["knee"]), w3(frame, sd["ankle"])))
            for sd in LEGS.values()
        ]
        out: dict[str, float] = {"side_view": float(side), "torso_tilt": torso_tilt(frame)}
        for k, p in pts.items():
            other = pts["r" if k == "l" else "l"]
            thigh, shin = float(distance(p["hip"], p["knee"])), float(distance(p["knee"], p["ankle"]))
            out[f"knee2d_{k}"] = float(angle(p["hip"], p["knee"], p["ankle"]))
            out[f"thigh_h_{k}"] = float(p["knee"][1] - p["hip"][1])
            out[f"shin_h_{k}"] = float(p["ankle"][1] - p["knee"][1])
            out[f"shin_{k}"] = shin / thigh if thigh > 0 else np.nan
            ahead = _along_foot(p["knee"] - p["toe"], p["heel"], p["toe"])
            out[f"knee_ahead_{k}"] = ahead / shin if shin > 0 else np.nan
            out[f"knee_in_{k}"] = _inward(p["knee"], p["ankle"], p["hip"], other["hip"])
            out[f"leg_len_{k}"] = thigh + shin
        for k, sd in LEGS.items():
            out[f"knee3d_{k}"] = float(
                angle(w3(frame, sd["hip"]), w3(frame, sd["knee"]), w3(frame, sd["ankle"]))
            )
        # The feet's spread in 3D, across the body (along the hips' line) and along it, in
        # shoulder widths: at an angle a lunge's stride shows across the picture as well.
        out["feet_across"], out["feet_along"] = feet_spread_3d(frame)
        seen = frame.seen if frame.seen is not None else frame.visibility
        for k, sd in LEGS.items():
            out[f"seen_{k}"] = float(
                min(np.nan_to_num(seen[sd[p]]) for p in ("knee", "ankle", "heel", "toe"))
            )
            out[f"seen_leg_{k}"] = float(min(np.nan_to_num(seen[sd[p]]) for p in ("hip", "knee", "ankle")))
        a_l, a_r = pts["l"]["ankle"], pts["r"]["ankle"]
        shoulders = float(distance(xy(frame, L.LEFT_SHOULDER), xy(frame, L.RIGHT_SHOULDER)))
        out["stance"] = abs(float(a_l[0] - a_r[0])) / shoulders if shoulders > 0 else np.nan
        # Counting: hip height above the ankles; the references learn only while both knees are
        # nearly straight (standing, or at the top of a split squat; a knee hidden behind the
        # other leg is left out).
        h_l, h_r = self._hips.update(pts["l"]["hip"], pts["r"]["hip"], frame.t_s)
        f_l, f_r = self._ankles.update(a_l, a_r, frame.t_s)
        out["hip_h"] = nanmean(float(f_l[1]), float(f_r[1])) - nanmean(float(h_l[1]), float(h_r[1]))
        knees2d = [v for v in (out["knee2d_l"], out["knee2d_r"]) if np.isfinite(v)]
        straight = bool(knees2d) and min(knees2d) >= STRAIGHT_KNEE_DEG
        straight = straight and nanmean(*knees3d) >= STRAIGHT_KNEE_DEG
        learn = 1.0 if straight else float("nan")
        # Standing height is not learnt during a rep: at the bottom of a lunge filmed from above,
        # the front leg hidden, the straight back leg alone looked like standing, and the
        # reference sank to the bottom's hip height (0.20 -> 0.11 of the frame) within a second.
        self._height_ref.update(out["hip_h"] * (learn if self.phase != "active" else np.nan), frame.t_s)
        for k in LEGS:
            self._vert_ref[k + "t"].update(out[f"thigh_h_{k}"] * learn, frame.t_s)
            self._vert_ref[k + "s"].update(out[f"shin_h_{k}"] * learn, frame.t_s)
        self._against_standing(out)
        # The torso's lean from vertical: the picture's from the side (the near side's hip and
        # shoulder), 3D otherwise (world y points down).
        if side:
            near = SIDES[view.near_side]
            trunk = float(angle_from_vertical(xy(frame, near["hip"]), xy(frame, near["shoulder"])))
        else:
            v = midpoint(w3(frame, L.LEFT_SHOULDER), w3(frame, L.RIGHT_SHOULDER)) - midpoint(
                w3(frame, L.LEFT_HIP), w3(frame, L.RIGHT_HIP)
            )
            n = float(np.linalg.norm(v))
            trunk = float(np.degrees(np.arccos(np.clip(-v[1] / n, -1, 1)))) if n > 0 else np.nan
        out["trunk_deg"] = trunk
        return out

    def _against_standing(self, r: dict[str, float]) -> None:
        """Fill in, in place, what needs the standing references: hip height (% of standing),
        each thigh's tilt from vertical, each knee's angle from thigh and shin heights, and the
        shown knee angle of the leg bent most."""
        ref = self._height_ref.value
        r["hip_pct"] = 100.0 * r["hip_h"] / ref if ref > 0 else np.nan
        for k in LEGS:
            thigh = tilt_from_length(r[f"thigh_h_{k}"], self._vert_ref[k + "t"].value)
            shin = tilt_from_length(r[f"shin_h_{k}"], self._vert_ref[k + "s"].value)
            r[f"thigh_tilt_{k}"] = thigh
            r[f"shin_tilt_{k}"] = shin
            r[f"knee_vert_{k}"] = 180.0 - thigh - shin
            # The knee inside its ankle, in standing shin heights (which do not shrink when the
            # shin leans toward the camera).
            r[f"valgus_{k}"] = r[f"knee_in_{k}"] / self._vert_ref[k + "s"].value
        if r.get("side_view"):
            # Side-on, the knee bent most in the picture: the legs move in its plane there. (The
            # tilts from heights below chose the straight rear leg on 6 of 21 frames at the
            # bottom of a studio lunge: 176 deg shown for a front knee at 96. In the picture a
            # lunge's thigh-over-shin lean does not tell the legs apart either: the studio's
            # front thigh and shin both lean about 45 deg.) Only clearly seen legs are read; when
            # the only bent leg is one not clearly seen (the far leg, behind the other) nothing is
            # shown, as its depth is not judged then either (distrust, WORKING_LEG_METRICS).
            knees = {k: r[f"knee2d_{k}"] for k in LEGS if np.isfinite(r[f"knee2d_{k}"])}
            clear = [k for k in knees if r.get(f"seen_leg_{k}", 0.0) >= SEEN_MIN]
            bent = min(clear, key=knees.__getitem__) if clear else None
            hidden_bent = any(knees[k] < STRAIGHT_KNEE_DEG for k in knees if k not in clear)
            if bent is None or (hidden_bent and knees[bent] >= STRAIGHT_KNEE_DEG):
                r["knee_deg"] = float("nan")
            else:
                r["knee_deg"] = knees[bent]
            return
        tl, tr = r["thigh_tilt_l"] - r["shin_tilt_l"], r["thigh_tilt_r"] - r["shin_tilt_r"]
        k = "l" if tl >= tr or not np.isfinite(tr) else "r"
        r["knee_deg"] = r[f"knee_vert_{k}"]

    def refresh(self, rows: list[dict[str, float]]) -> list[bool]:
        """Frames seen before the person had been seen standing, measured against the standing
        references learnt since (a clip that starts mid-rep)."""
        ok = []
        for r in rows:
            if "hip_h" in r:
                self._against_standing(r)
            ok.append(self._upright(r) and np.isfinite(r.get(self.c.signal, np.nan)))
        return ok

    @staticmethod
    def _upright(sig: dict[str, float]) -> bool:
        """Not bent over or lying. A close-up framed from the chest down (real lunge tutorials)
        shows no shoulders: the legs alone are judged then."""
        return not sig.get("torso_tilt", np.nan) >= UPRIGHT_MAX_DEG

    def valid(self, frame: Frame, sig: dict[str, float]) -> bool:
        return bool(np.isfinite(sig.get(self.c.signal, np.nan)) and self._upright(sig))

    # -- per rep --------------------------------------------------------------------------
    @staticmethod
    def _bottom(data: RepData) -> np.ndarray:
        """Frames in the deepest quarter of the rep (by hip height), where a lunge is judged."""
        hp = data.sig["hip_pct"]
        if not np.isfinite(hp).any():
            return np.ones(len(hp), bool)
        lo, hi = np.nanmin(hp), np.nanmax(hp)
        return hp <= lo + 0.25 * (hi - lo)

    def _leg(self, data: RepData) -> str | None:
        """ "l" or "r": the working leg, whose thigh comes nearest level over the most upright
        shin at the bottom (thigh tilt less shin tilt: a lunge's rear leg is the other way
        round, its shin near the floor; a side lunge's straight leg tilts both alike). With one
        leg hidden throughout (the far leg, side-on), the seen one tells: a working thigh reads
        well over WORKING_MIN_DEG, a rear or straight leg well under."""
        b = self._bottom(data)
        score = {
            k: stat(data.sig[f"thigh_tilt_{k}"][b] - data.sig[f"shin_tilt_{k}"][b], "median") for k in LEGS
        }
        seen = [k for k, v in score.items() if np.isfinite(v)]
        if len(seen) == 2:
            return "l" if score["l"] >= score["r"] else "r"
        if len(seen) == 1:
            k = seen[0]
            if data.view.view == "front":
                # Facing the camera, the rear leg is behind the front one: the leg seen alone is
                # the working leg, however its thigh reads (a clean lunge's read 24 deg from a
                # third of the frames, its far rear leg seen in 3 of 46 bottom frames).
                return k
            return k if score[k] >= WORKING_MIN_DEG else "r" if k == "l" else "l"
        return None

    def side(self, data: RepData) -> str | None:
        leg = self._leg(data)
        return None if leg is None else "left" if leg == "l" else "right"

    def _other_knee3d(self, data: RepData) -> float:
        """The other (non-working) leg's 3D knee angle at the bottom (deg)."""
        k = self._leg(data)
        if k is None:
            return float("nan")
        return stat(data.sig[f"knee3d_{'r' if k == 'l' else 'l'}"][self._bottom(data)], "median")

    def _side_lunge(self, data: RepData) -> bool:
        """A side lunge seen from the front or at an angle: the feet over 1.5 shoulder widths
        apart across the body, the other knee not lowered toward the floor as a lunge's rear
        knee is."""
        if data.view.view not in ("front", "oblique"):
            return False
        b = self._bottom(data)
        spread = {k: stat(data.sig[k][b], "median") for k in ("stance", "feet_across", "feet_along")}
        return bool(_wide(spread, data.view.view) and self._other_knee3d(data) > SIDE_OTHER_KNEE_DEG)

    def _knee(self, data: RepData, k: str) -> np.ndarray:
        """Leg ``k``'s knee angle per frame: the picture's from the side (a lunge's legs move in
        the picture's plane there), from thigh and shin heights otherwise."""
        return data.sig[f"knee2d_{k}" if data.view.view == "side" else f"knee_vert_{k}"]

    def metrics(self, data: RepData) -> dict[str, float]:
        s = data.sig
        view = data.view.view
        b = self._bottom(data)
        k = self._leg(data) or "l"
        o = "r" if k == "l" else "l"
        side_lunge = self._side_lunge(data)
        bend = np.nan
        if side_lunge:
            # The other leg: its picture knee angle closing from standing, its shin shortening
            # against the thigh (the shin swinging back), or its 3D knee angle closing (the knee
            # dropping toward the camera, which the picture hardly shows), whichever is most.
            in_plane = data.before(f"knee2d_{o}") - stat(s[f"knee2d_{o}"][b], "median")
            ratio = stat(s[f"shin_{o}"][b], "median") / data.before(f"shin_{o}")
            out_plane = (
                float(np.degrees(np.arccos(np.clip(ratio, -1.0, 1.0)))) if np.isfinite(ratio) else np.nan
            )
            if view == "oblique":
                # At an angle the knee's forward bend shows in the picture, shrunk by the sine of
                # the camera's angle to the body: undone from the view's yaw. (The shin's length
                # against the thigh tells nothing here: both turn with the camera.)
                in_plane, out_plane = _unforeshortened(in_plane, data.view.yaw_deg), np.nan
            in_3d = data.before(f"knee3d_{o}") - stat(s[f"knee3d_{o}"][b], "median")
            both = np.array([in_plane, out_plane, in_3d])
            bend = float(np.nanmax(both)) if np.isfinite(both).any() else np.nan
        return {
            # A side lunge's bent knee points at a camera in front, and its angle from thigh and
            # shin heights was 24 deg off on a clean studio rep (see SIDE_LUNGE_DEPTH): not read;
            # nor from a camera looking down too steeply (see PITCH_DEPTH_ERR_MAX_DEG).
            "knee_min_deg": (
                np.nan if side_lunge or self._looked_down(data) else stat(self._knee(data, k), "min", 2)
            ),
            "hip_height_min_pct": stat(s["hip_pct"], "min", 2),
            "knee_past_toes": stat(s[f"knee_ahead_{k}"][b], "max", 90) if view == "side" else np.nan,
            "knee_inside": stat(s[f"valgus_{k}"][b], "median") if view == "front" else np.nan,
            "trunk_lean_max_deg": stat(s["trunk_deg"][b], "max", 90),
            "straight_knee_bend_deg": bend,
            "stance_ratio": stat(s["stance" if view == "front" else "feet_across"][b], "median")
            if view in ("front", "oblique")
            else np.nan,
            "side_lunge": float(side_lunge),
            "other_knee3d_deg": stat(s[f"knee3d_{o}"][b], "median"),
            "descent_s": float(data.t[data.reach_i] - data.t[0]),
        }

    def distrust(self, check: Check, data: RepData, metrics: dict[str, float] | None = None) -> str | None:
        if check.metric in WORKING_LEG_METRICS:
            # The bent leg itself, clearly seen, from any view: side-on it may be the far leg,
            # behind the other (from the floor, a far knee seen in 73% of a rep's frames read
            # 127 deg for 90; far legs seen in 92-100% read within the check's margin).
            k = self._leg(data)
            seen = data.sig.get(f"seen_leg_{k}") if k else None
            if seen is None or np.mean(np.nan_to_num(seen) >= SEEN_MIN) < SEEN_SHARE:
                far = k is not None and data.view.near_side[:1] != k  # the leg away from the camera
                if data.view.view == "side" and far:  # in the picture, but behind the other leg
                    return (
                        f"Lunge with the leg nearer the camera in front, or turn round, to check "
                        f"{check.label}."
                    )
                return f"Keep your bent leg in the picture, clearly seen, to check {check.label}."
            if data.view.view != "side":
                check = dataclasses.replace(check, needs=())  # the other leg need not be seen
        doubt = super().distrust(check, data, metrics)
        if doubt:
            return doubt
        if check.metric == "knee_min_deg" and self._side_lunge(data):
            return SIDE_LUNGE_DEPTH.format(label=check.label)
        if check.metric == "knee_min_deg" and self._looked_down(data):
            return f"Film from about hip height, not from above, to check {check.label}."
        if check.metric == "straight_knee_bend_deg" and not self._side_lunge(data):
            return f"{check.label.capitalize()} is checked in side lunges only."
        if check.metric == "straight_knee_bend_deg" and not data.view.yaw_deg >= SIDE_BEND_MIN_YAW_DEG:
            return f"Film from about 45 degrees to your side to check {check.label}."
        if check.metric == "trunk_lean_max_deg" and self._other_knee3d(data) > STRAIGHT_OTHER_KNEE_DEG:
            # A side lunge, or a forward or back lunge with the back leg kept straight (the
            # studio's reverse lunges read 157-162 deg there): not only side lunges.
            return (
                f"With the other leg straight, the upper body leans over the bent knee: "
                f"{check.label} is checked when the back knee bends toward the floor."
            )
        if check.metric == "knee_past_toes":
            # From the side the working leg may be the far one, partly hidden behind the other.
            k = self._leg(data)
            seen = data.sig.get(f"seen_{k}") if k else None
            if seen is None or np.mean(np.nan_to_num(seen) >= SEEN_MIN) < SEEN_SHARE:
                return f"Keep your front foot in the picture, clearly seen, to check {check.label}."
        return None

    def _looked_down(self, data: RepData) -> bool:
        """From the front or an angle, the camera looked down on this rep too steeply for its
        knee angle from thigh and shin heights (PITCH_DEPTH_ERR_MAX_DEG)."""
        err = pitch_depth_error(self.camera_pitch(data), data.view.yaw_deg)
        return data.view.view != "side" and err > PITCH_DEPTH_ERR_MAX_DEG

    @property
    def _last_key(self) -> float:
        """The knee angle on show, but not where its depth is not judged: in a side lunge seen
        from the front or an angle (SIDE_LUNGE_DEPTH; the table's depth column is blank for
        those reps too), or from the front or an angle with a camera looking down too steeply
        at the last rest seen (PITCH_DEPTH_ERR_MAX_DEG)."""
        row = self._last_row
        knees3d = [row.get("knee3d_l", np.nan), row.get("knee3d_r", np.nan)]
        straight = np.isfinite(knees3d).any() and np.nanmax(knees3d) > SIDE_OTHER_KNEE_DEG
        view = self.views.estimate
        if _wide(row, view.view) and straight:
            return float("nan")
        rest = np.array([r.get("_pitch", np.nan) for (_, _, r) in self._pre], np.float64)
        if np.isfinite(rest).sum() >= 5:
            self._rest_pitch = float(np.nanmedian(rest))
        if (
            view.view != "side"
            and pitch_depth_error(self._rest_pitch, view.yaw_deg) > PITCH_DEPTH_ERR_MAX_DEG
        ):
            return float("nan")
        return float(super()._last_key)  # and the rules every exercise shares (view, camera height)

    def _pause(self, t: float) -> Event:
        # Back after a while out of view, perhaps nearer or further: the last gaps seen between
        # the feet and the hips no longer hold.
        self._hips, self._ankles = Pair(self.c.max_rep_s), Pair(self.c.max_rep_s)
        return super()._pause(t)

    def skip_reason(self, check: Check) -> str:
        if check.metric == "straight_knee_bend_deg":  # a side lunge's, and seen only at an angle
            return f"In a side lunge, film from about 45 degrees to your side to check {check.label}."
        return super().skip_reason(check)

    def reject(self, data: RepData) -> str | None:
        k = self._leg(data)
        knee = self._knee(data, k) if k else np.array([])
        if np.isfinite(knee).sum() >= 3 and np.nanmin(knee) > STRAIGHT_KNEE_DEG:
            return "The knees barely bent: that was not a lunge."
        if np.nanmax(data.sig["torso_tilt"]) >= UPRIGHT_MAX_DEG:
            return "Bent over: that was not a lunge."
        return None


def pitch_depth_error(pitch_deg: float, yaw_deg: float) -> float:
    """How far (deg) a camera looking down ``pitch_deg`` on a lunge seen ``yaw_deg`` round from
    the front opens the front knee's angle read from thigh and shin heights, at its worst: a
    level thigh over an upright shin. The thigh's height in the picture against standing, which
    should be 0, is cos(yaw) tan(pitch) (a camera looking down sees a level segment pointing at
    it by the sine of its pitch, an upright one by the cosine). NaN when the pitch is unknown;
    a camera below (pitch under 0) reads the knee more bent, 0 here. An unknown yaw counts as
    facing the camera, the worst case."""
    if not np.isfinite(pitch_deg):
        return float("nan")
    toward = np.cos(np.radians(yaw_deg)) if np.isfinite(yaw_deg) else 1.0
    kept = np.tan(np.radians(np.clip(pitch_deg, 0.0, 89.0))) * abs(toward)
    return float(np.degrees(np.arcsin(min(kept, 1.0))))


def _unforeshortened(bend_deg: float, yaw_deg: float) -> float:
    """A knee bend straight toward the camera's side of the body, from its picture angle seen
    ``yaw_deg`` round from the front: the knee's forward travel shows shrunk by sin(yaw)."""
    if not (np.isfinite(bend_deg) and np.isfinite(yaw_deg)) or bend_deg <= 0 or yaw_deg <= 0:
        return bend_deg
    half = np.radians(bend_deg) / 2
    return float(np.degrees(2 * np.arctan(np.tan(half) / np.sin(np.radians(yaw_deg)))))


def _wide(spread: dict[str, float], view: str) -> bool:
    """The feet over SIDE_LUNGE_STANCE shoulder widths apart across the body. From the front, in
    the picture; at an angle a forward or back lunge's stride spreads the feet in the picture too
    (2.3-3.7 shoulder widths on the studio's lunges at 45-60 deg), so the spread is taken in
    MediaPipe's 3D landmarks there, across the body and more across than along it; from the
    side, the feet's spread across the body lies along the camera's axis: not told."""
    if view in ("front", "unknown"):  # unknown: the first frames, before the view is settled
        return bool(spread.get("stance", np.nan) > SIDE_LUNGE_STANCE)
    if view == "oblique":
        across = spread.get("feet_across", np.nan)
        return bool(across > SIDE_LUNGE_STANCE and across > spread.get("feet_along", np.nan))
    return False
