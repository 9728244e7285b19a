"""Kneeling hip flexor stretch: one knee down, the front knee bent about 90 deg, torso upright.

A held exercise (:mod:`formcheck.checkers.hold`): the timer runs while the person kneels on one
knee with the other foot planted in front. The position is read from MediaPipe's world
landmarks (metres, the camera's axes: y down), so it does not depend on where the camera
stands: the kneeling shin lies along the floor, the front shin stands up from it, and the front
knee is well above the kneeling one. The side is the kneeling leg, whose hip is stretched.

The checks are made in the picture from the side, where the torso's lean and the front knee's
angle lie in the picture's plane: the torso upright (004: "keeping your torso upright"; 003:
"maintaining a straight back") and the front knee not opened past 90 deg (003: "both knees
forming a 90-degree angle"); pressing the hip forward closes the front knee, so a closed knee
is no fault. ``hip_forward_deg`` (the kneeling thigh's angle forward of vertical: how far the
hip is pressed forward) is measured and reported, not judged: 004 asks for it "if tolerable",
and a stiff hip stretches with the knee under the hip.

The front knee's angle in the picture is the front shin's forward tilt plus the right angle,
less the front thigh's slope down from the knee to the hip: with a level thigh, a shin tipped
25 deg forward (the foot ahead of the knee) is a knee at 115. The shin runs between two bony
points seen clearly from the side (knee, ankle); the thigh's slope rests on MediaPipe's hip
point, a joint deep under the buttock and, for the far leg, hidden behind the pelvis. So where the
shin alone puts the knee past its limit while the angle reads within it (only a hip well below
the knee reconciles the two), the check is not made rather than passed: the verdict would rest
on the least reliable point. Never the other way: the shin never makes a fault by itself.
"""

from __future__ import annotations

import numpy as np

from formcheck.checkers.base import RepData
from formcheck.checkers.common import LYING_MIN_DEG, SIDES, stat, torso_tilt, w3, xy
from formcheck.checkers.hold import DIP_IGNORED_S, UNCLEAR, HoldChecker, untimed_s
from formcheck.definitions import Check
from formcheck.geometry import angle
from formcheck.landmarks import Frame
from formcheck.view import ViewEstimate

# The kneeling shin lies along the floor: within this of level (world). Resting on the floor it
# reads 0-15 deg (the foot's height at the ankle, toes tucked under or flat; the real clip's
# 8-15); a lunge's back shin, its knee off the floor, rises from the ball of the foot at 30 deg
# or more, and a standing or sitting shin is near vertical.
KNEEL_SHIN_MAX_DEG = 25.0
# Between that and this, the kneeling shin is neither clearly on the floor nor a lunge's back shin
# (30 deg or more, above): with the rest of the position held, such a frame could not be told
# (hold.UNCLEAR: the timer pauses, the hold does not end, and a hold read short by no more than
# the time so lost is not judged). MediaPipe's depth can tilt a shin lying on the floor: in the
# studio from chest height at 60 deg a 6 deg kneeling shin read 26 for 5 s of an 8.5 s hold,
# which was timed 3.4 s and called short.
LUNGE_SHIN_MIN_DEG = 30.0
# The front shin stands up from the floor: within this of vertical. Under a 90 deg front knee it
# is vertical; pressing the hip forward tips it forward (the real clip's deep lunge: 14-17 deg);
# a foot placed far forward tips it back. Past 45 it is closer to lying than standing.
FRONT_SHIN_MAX_DEG = 45.0
# The front knee stands above the kneeling one by about a shin's length (0.35-0.45 m in adults;
# the real clip 0.39-0.41 m). Half a short shin (0.15 m) tells a knee up from one down whatever
# MediaPipe's depth jitter, and rules out kneeling on both knees.
KNEE_RISE_MIN_M = 0.15
# The front knee bent, not straight: below this (3D angle). The stretch asks for 90 deg; a front
# foot far out (a straight front leg) is another stretch.
FRONT_KNEE_MAX_DEG = 140.0
# The front leg's points are seen clearly (MediaPipe's visibility, inside the picture) in this
# share of a hold's frames, as base.SEEN_MIN/SEEN_SHARE ask of every check's body parts.
SEEN_MIN, SEEN_SHARE = 0.8, 0.8
# A level front thigh and a vertical front shin make the knee's right angle (003: "both knees
# forming a 90-degree angle"; 004: the knee under the hip): a knee limit L is the shin tipped
# L - RIGHT_ANGLE_DEG forward with the thigh level.
RIGHT_ANGLE_DEG = 90.0


def _from_level(a: np.ndarray, b: np.ndarray) -> float:
    """Angle (deg) of the world line a->b from level (the camera's horizontal plane)."""
    v = b - a
    n = float(np.linalg.norm(v))
    return float(np.degrees(np.arcsin(min(1.0, abs(v[1]) / n)))) if n > 0 else float("nan")


class HipFlexorStretchChecker(HoldChecker):
    name = "hip_flexor_stretch"

    def signals(self, frame: Frame, view: ViewEstimate) -> dict[str, float]:
        out: dict[str, float] = {"torso_tilt_deg": torso_tilt(frame)}
        knees_y = {}
        shins = {}  # side -> (knee, ankle) in the picture
        for k, sd in (("l", SIDES["left"]), ("r", SIDES["right"])):
            hip, knee, ankle = w3(frame, sd["hip"]), w3(frame, sd["knee"]), w3(frame, sd["ankle"])
            out[f"shin_{k}_deg"] = _from_level(knee, ankle)  # 0 along the floor, 90 upright
            out[f"knee3d_{k}_deg"] = float(angle(hip, knee, ankle))
            knees_y[k] = float(knee[1])  # world y grows down
            ph, pk, pa = xy(frame, sd["hip"]), xy(frame, sd["knee"]), xy(frame, sd["ankle"])
            out[f"knee_{k}_deg"] = float(angle(ph, pk, pa))  # in the picture
            out[f"hipfwd_{k}_deg"] = _thigh_forward(ph, pk, pa)
            shins[k] = (pk, pa)
            seen = frame.seen if frame.seen is not None else frame.visibility
            out[f"_seen_leg_{k}"] = float(min(np.nan_to_num(seen[sd[p]]) for p in ("hip", "knee", "ankle")))
        # The kneeling leg: the lower knee. Both must be measured to tell.
        if np.isfinite(knees_y["l"]) and np.isfinite(knees_y["r"]):
            down = "l" if knees_y["l"] > knees_y["r"] else "r"
            front = "r" if down == "l" else "l"
            rise = abs(knees_y["l"] - knees_y["r"])
        else:
            down = front = ""
            rise = float("nan")
        out["kneeling_left"] = 1.0 if down == "l" else 0.0 if down == "r" else np.nan
        rest_of_it = bool(
            down
            and out[f"shin_{front}_deg"] >= 90.0 - FRONT_SHIN_MAX_DEG
            and rise >= KNEE_RISE_MIN_M
            and out[f"knee3d_{front}_deg"] <= FRONT_KNEE_MAX_DEG
            and out["torso_tilt_deg"] < LYING_MIN_DEG  # kneeling up, not on hands and knees
        )
        kneel = out[f"shin_{down}_deg"] if down else np.nan
        ok = rest_of_it and bool(kneel <= KNEEL_SHIN_MAX_DEG)
        unclear = rest_of_it and bool(KNEEL_SHIN_MAX_DEG < kneel < LUNGE_SHIN_MIN_DEG)
        out["in_position"] = 1.0 if ok else 0.0
        out[UNCLEAR] = 1.0 if unclear else 0.0  # the kneeling shin: on the floor, or not?
        out["front_knee_deg"] = out[f"knee_{front}_deg"] if front else np.nan
        out["hip_forward_deg"] = out[f"hipfwd_{down}_deg"] if down else np.nan
        out["front_shin_deg"] = _shin_forward(*shins[front], *shins[down]) if down else np.nan
        out["_seen_front_leg"] = out[f"_seen_leg_{front}"] if front else 0.0
        return out

    def valid(self, frame: Frame, sig: dict[str, float]) -> bool:
        return bool(np.isfinite(sig.get("kneeling_left", np.nan)))

    def frame_side(self, sig: dict[str, float]) -> str | None:
        k = sig.get("kneeling_left", np.nan)
        return None if not np.isfinite(k) else "left" if k > 0.5 else "right"

    def metrics(self, data: RepData) -> dict[str, float]:
        s = data.sig
        out = {
            "trunk_lean_deg": stat(s["torso_tilt_deg"], "median"),
            "front_knee_deg": stat(s["front_knee_deg"], "median"),
            "hip_forward_deg": stat(s["hip_forward_deg"], "median"),
            "front_shin_deg": stat(s["front_shin_deg"], "median"),
        }
        if self._shin_disagrees(data):  # an angle that cannot be vouched for is not reported
            out["front_knee_deg"] = np.nan
        return out

    def distrust(self, check: Check, data, metrics: dict[str, float] | None = None) -> str | None:  # type: ignore[no-untyped-def]
        doubt = super().distrust(check, data, metrics)
        if doubt or "knee" not in check.needs:
            return doubt
        seen = np.nan_to_num(data.sig.get("_seen_front_leg", np.array([0.0])))
        if np.mean(seen >= SEEN_MIN) < SEEN_SHARE:
            return f"Keep your front leg in the picture, clearly seen, to check {check.label}."
        if check.metric == "front_knee_deg" and self._shin_disagrees(data):
            return (
                "Your hip was not seen clearly enough to measure your front knee: film side-on "
                f"with your whole body in the picture to check {check.label}."
            )
        return None

    def unclear_side(self, sig: dict[str, float]) -> str | None:
        """The kneeling leg (the lower knee): read from the knees' heights, which the kneeling
        shin's tilt does not change."""
        return self.frame_side(sig)

    def lost_to_camera(self, check: Check, data: RepData, value: float) -> str | None:
        """A hold read short because the kneeling shin could not be told lying on the floor
        (see LUNGE_SHIN_MIN_DEG) for as long as the shortfall: not judged."""
        if check.metric != "hold_s" or not check.is_fault(value, self.rx):
            return None
        lost = untimed_s(data)
        if not (lost > DIP_IGNORED_S and lost >= check.limit(self.rx) - value):
            return None
        return (
            f"Your back knee did not always look down on the floor from this camera, so "
            f"{check.label} was not checked. Keep it on the floor, and film side-on with your "
            f"whole body in view."
        )

    def _shin_disagrees(self, data: RepData) -> bool:
        """The front knee read within its limit while the front shin alone puts it past: the
        shin tipped forward more than the limit's tilt with a level thigh (limit - 90 deg).
        The knee's angle is the shin's tilt + 90 - the thigh's slope down to the hip, so the two
        agree only with the hip well below the knee, which the hip point cannot vouch for."""
        check = next((c for c in self.d.checks if c.metric == "front_knee_deg"), None)
        knee = stat(data.sig["front_knee_deg"], "median")
        shin = stat(data.sig["front_shin_deg"], "median")
        if check is None or not (np.isfinite(knee) and np.isfinite(shin)) or check.is_fault(knee, self.rx):
            return False
        return bool(shin > check.limit(self.rx) - RIGHT_ANGLE_DEG)


def _shin_forward(knee: np.ndarray, ankle: np.ndarray, knee_b: np.ndarray, ankle_b: np.ndarray) -> float:
    """Angle (deg, picture) of the front shin from vertical: positive with its foot ahead of its
    knee. Forward is away from the kneeling foot (``ankle_b``), which lies behind its knee (``knee_b``)."""
    v = ankle - knee
    back = np.sign(ankle_b[0] - knee_b[0])
    if not (np.isfinite(v).all() and back != 0):
        return float("nan")
    return float(np.degrees(np.arctan2(-back * v[0], v[1])))


def _thigh_forward(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray) -> float:
    """Angle (deg, picture) of the kneeling thigh forward of vertical: positive with the hip
    ahead of the knee. Forward is away from the kneeling foot, which lies behind the knee."""
    v = hip - knee
    back = np.sign(ankle[0] - knee[0])
    if not (np.isfinite(v).all() and back != 0):
        return float("nan")
    return float(np.degrees(np.arctan2(-back * v[0], -v[1])))
