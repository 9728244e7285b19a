"""Double hip rotation: lying on the back, knees bent, both knees lowered to one side, shoulders down.

A held exercise (:mod:`formcheck.checkers.hold`): the timer runs while both knees are lowered
to one side. The lowering is read from MediaPipe's world landmarks, so a camera at the feet or
beside the person will do (upright: its up is the room's up): the knees' direction from the
hips, seen along the body's length (hips to shoulders), measured from straight up: 0 with the
knees pointing at the ceiling, 90 lying on the floor. Its sign says to which side of the body
the knees went (toward the left or the right shoulder): that is the hold's side.

"Keep both shoulders against the floor" (003) is checked from the foot end (the camera at the
feet, about 1.3 m up, looking along the body: "front" for formcheck's view, the shoulder line lying across
the picture), where a shoulder lifting off the floor turns the shoulder line in the picture.
From beside the person the lift would be a change of depth, which MediaPipe's depth estimate
does not give reliably, so it is not judged there.

From the feet the bent knees stand between the camera and the shoulders, and lowered to one
side they can lie over the shoulder on that side in the picture. MediaPipe then still places
that shoulder, on the thigh's edge, and calls it clearly seen (visibility 1.0): in the studio,
from hip height with the feet cut, a 34 deg lift read 13. A hold in which a shoulder lay behind
the legs (:func:`~formcheck.checkers.common.behind_legs`) in more than a fifth of its frames is
not judged for the shoulders ("film from your feet with the camera higher").
"""

from __future__ import annotations

import numpy as np

from formcheck.checkers.base import SEEN_SHARE, UPRIGHT_DEG, RepData
from formcheck.checkers.common import SIDES, behind_legs, knees_3d, stat, w3, xy
from formcheck.checkers.hold import DIP_IGNORED_S, UNCLEAR, HoldChecker, untimed_s
from formcheck.definitions import Check, ExerciseDef
from formcheck.geometry import angle
from formcheck.landmarks import Frame
from formcheck.landmarks import PoseLandmark as L
from formcheck.view import ViewEstimate

# Lying: the hips-to-shoulders line this far from the world's vertical (the camera's y axis;
# the camera upright, at the feet or beside the person). Lying on a mat it reads 80-90 deg from
# beside the person at any height, sitting up or standing under 30 from a level camera. From
# the feet a camera looking down by p deg reads a lying body at 90 - p and an upright one at p,
# so 45 (closer to lying than upright, the picture's own rule in checkers.common) tells them
# apart from a camera looking down less than 45 deg (less still for someone leaning toward it;
# a steeper one is told it could not tell, see no_reps_reason). The shoulders check needs the
# camera at the feet looking down over the knees (a phone on a shelf or tripod about 1.3 m up,
# 20-35 deg down): the studio's 1.3 m camera there (32 deg down) read 54 over the held position,
# which a limit of 60 (the rule before) refused: no hold was timed from the camera its own
# check asks for. Lying flat with the knees up before a hold it read 37-41 (the legs hide the
# trunk); that is rest, not the position, and needs no limit.
LYING_MIN_DEG = 45.0
# Knees bent ("knees up and feet flat", 003): the knee angle (3D) under this. Feet flat with the
# knees up put it near 90 deg (70-110); a leg stretched out along the floor reads over 160.
KNEES_BENT_MAX_DEG = 135.0
# Lowered to one side: the knees this far from pointing at the ceiling. Lying still with the
# knees up they sway within about 10 deg (and MediaPipe's jitter adds a few); 003 asks to lower
# them "toward the floor" gently, and a stiff low back and hips still reach 45 deg or more
# (trunk rotation lying down is 40-50 deg in adults, with the hips' own rotation besides). A
# third of the way down (30 deg) is clearly lowered and within everyone's reach.
KNEES_DOWN_MIN_DEG = 30.0
# And no further than this: lowered to the floor they read 90 (003's "toward the floor"), with the
# hips' own turn and the model's jitter up to about 100 (the studio read 94). Sitting up facing a
# camera at the feet, knees pointing at it, the lowering measured about an upright body reads
# 170-180 deg (a helper's study): no lowering of lying knees reads that.
KNEES_DOWN_MAX_DEG = 120.0
# A hold under way ends with the knees read back up: lowered less than this, or brought back at
# least half the way from the hold's own reading (its median so far) to the rest before it (the
# knees at their most "up" in the last seconds before the hold, as this camera reads them; no
# rest seen: pointing up, 0). Short of that, under KNEES_DOWN_MIN_DEG, the frame is unclear: the
# timer pauses and the hold does not end. Lying still with the knees up they sway within about
# 10 deg and MediaPipe's jitter adds a few: under 15 they are back up. A reading that slid part
# of the way is the camera's: from the floor at 45 deg, a 65 deg lowering held still read 35 deg,
# then 21 from one frame to the next (the picture unchanged but for compression noise; a rest
# before it of -7), and a clean 8.5 s hold was timed 4.8 s and called short. Knees brought more
# than half way up are the person's (easing out of the stretch): the hold ends there, as does one
# whose rest itself reads in the band (another hold on the same side is not merged into it).
KNEES_UP_MAX_DEG = 15.0
BACK_UP_SHARE = 0.5
# Shoulders read against the person's own rest: lying flat with the knees up before the hold,
# the shoulder line is level, and a camera that does not show it level then cannot show a lift.
# From the feet at floor level, or at hip height, the knees stand in front of the shoulders and
# MediaPipe places a shoulder on a knee or thigh: flat shoulders read 6-26 deg at rest from the
# floor (4 of 4 studio bridge and marching-bridge clips) and 43-55 from hip height (2 clips),
# within 7 from chest height or above (a helper's study of the robustness cache). The studio's
# true rest line from the feet is 0-8 deg, MediaPipe's jitter about 2: past 10 the camera is
# misreading the shoulders.
REST_LEVEL_MAX_DEG = 10.0
# The knees seen lowered with the body reading between upright and lying (a camera at the feet
# looking down 45-70 deg, or a person half sitting up) in this many frames (a third of a second
# at 30 fps) before a video with no hold is told why. Upright (kneeling, sitting, standing: under
# base.UPRIGHT_DEG, 20 deg, as for the picture's torso) the knees' "lowering" is measured about a
# vertical body and means nothing.
NOT_LYING_HINT_FRAMES = 10
NOT_LYING_ADVICE = (
    "Lie flat on your back, and film from beside you, or from your feet with the camera no "
    "higher than about 1.3 m."
)
# Knees lowered, but a knee read straight (3D knee angle past KNEES_BENT_MAX_DEG, short of
# KNEE_STRAIGHT_DEG) with its thigh clear of the body's line (that hip bent this far or more):
# bent knees lowered to one side seen from beside the person, the lower legs lying behind the
# thighs, which MediaPipe's depth reads as straightening (the studio, side view, quick tempo:
# 142 deg for a 90 deg bend, the timer stopped for 5 s of an 8.5 s hold). Knees up with the
# feet flat bend the hips 45-60 deg; a leg stretched out along the floor bends it under 15, and
# a knee truly straight reads within a few degrees of 180 (MediaPipe's jitter of a 3D angle of
# a limb held still is a few degrees): those are the person, not the camera.
THIGHS_RAISED_MIN_DEG = 30.0
KNEE_STRAIGHT_DEG = 165.0
FEET_ADVICE = "Film from your feet, the camera about 1.3 m up and looking along your body."


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else np.full(3, np.nan)


def knee_drop(frame: Frame) -> tuple[float, float]:
    """(knee drop in degrees, signed: + toward the person's left; lying angle in degrees) from
    world landmarks. The drop is the angle of the hips-to-knees direction, seen along the body's
    length, from straight up (the camera's up: an upright camera at the feet or beside the
    person); NaN when a point is missing. The shoulders only say which way is the body's left,
    so a shoulder lifting with the knees does not change the drop."""
    sh_l, sh_r = w3(frame, L.LEFT_SHOULDER), w3(frame, L.RIGHT_SHOULDER)
    hip = (w3(frame, L.LEFT_HIP) + w3(frame, L.RIGHT_HIP)) / 2
    knee = (w3(frame, L.LEFT_KNEE) + w3(frame, L.RIGHT_KNEE)) / 2
    long = _unit((sh_l + sh_r) / 2 - hip)  # along the body, toward the head
    if not np.isfinite(long).all():
        return float("nan"), float("nan")
    lying = float(np.degrees(np.arccos(min(1.0, abs(float(long[1]))))))
    up = np.array([0.0, -1.0, 0.0])  # world y grows down
    up = _unit(up - np.dot(up, long) * long)
    left = np.cross(up, long)
    if np.dot(left, sh_l - sh_r) < 0:  # the body's left, whatever the handedness of the axes
        left = -left
    k = knee - hip
    k = k - np.dot(k, long) * long  # seen along the body's length
    if not (np.isfinite(k).all() and np.isfinite(left).all()) or not np.linalg.norm(k) > 0:
        return float("nan"), lying
    return float(np.degrees(np.arctan2(np.dot(k, left), np.dot(k, up)))), lying


class DoubleHipRotationChecker(HoldChecker):
    name = "double_hip_rotation"
    from_rest = frozenset({"shoulder_lift_deg"})  # read from the rest: seen clearly there too

    def __init__(self, definition: ExerciseDef) -> None:
        super().__init__(definition)
        self._down_not_lying = 0  # frames with the knees bent and lowered, the body not lying
        self._in_position = 0  # frames in the position
        self._straightened = 0  # frames lying, knees lowered, but read straight (see signals)

    def signals(self, frame: Frame, view: ViewEstimate) -> dict[str, float]:
        drop, lying = knee_drop(frame)
        knees = knees_3d(frame)
        knee = float(np.nanmax(knees)) if np.isfinite(knees).any() else np.nan
        hips = [180.0 - float(angle(w3(frame, sd["shoulder"]), w3(frame, sd["hip"]), w3(frame, sd["knee"])))
                for sd in SIDES.values()]  # fmt: skip
        # The shoulder line's turn in the picture (a level camera at the feet: lying flat, 0).
        # Signed (the line taken left to right in the picture), so that the turn from the rest
        # before a hold is the shoulders' own, whichever way the camera stands slanted.
        v = xy(frame, L.LEFT_SHOULDER) - xy(frame, L.RIGHT_SHOULDER)
        v = -v if v[0] < 0 else v
        tilt = float(np.degrees(np.arctan2(v[1], v[0]))) if np.isfinite(v).all() else np.nan
        # A shoulder behind a knee or thigh in the picture (from the feet the legs stand between
        # the camera and the shoulders): MediaPipe still places it, on the leg's edge, and calls it
        # clearly seen.
        covered = behind_legs(frame, (L.LEFT_SHOULDER, L.RIGHT_SHOULDER))
        bent = bool(knee <= KNEES_BENT_MAX_DEG)
        lowered = bool(KNEES_DOWN_MIN_DEG <= abs(drop) <= KNEES_DOWN_MAX_DEG)
        down = bool(bent and lowered)
        ok = bool(lying >= LYING_MIN_DEG and down)
        # Lying and the knees lowered, but a knee read straightening, its thigh raised: the
        # model's depth, not the person (see THIGHS_RAISED_MIN_DEG). Every knee read past bent
        # must be so: a leg stretched out on the floor is the person's.
        straight = [(k, h) for k, h in zip(knees, hips, strict=True) if not k <= KNEES_BENT_MAX_DEG]
        straightened = bool(
            lying >= LYING_MIN_DEG and lowered and straight
            and all(k < KNEE_STRAIGHT_DEG and h >= THIGHS_RAISED_MIN_DEG for k, h in straight)
        )
        self._straightened += int(straightened)
        unsure = bool(down and UPRIGHT_DEG <= lying < LYING_MIN_DEG)  # lying, or not?
        self._down_not_lying += int(unsure)
        self._in_position += int(ok)
        # Lying, knees not straight, but lowered past anything lying knees reach: a misreading
        # (from the feet at hip height a 65 deg lowering read 118-130, the side flipping; side-on
        # at hip height a 90 deg lowering read 122, the knees 135, their bend misread with it).
        past = bool(lying >= LYING_MIN_DEG and knee < KNEE_STRAIGHT_DEG and abs(drop) > KNEES_DOWN_MAX_DEG)
        # A hold under way, lying, knees bent, lowered less than the position asks but not back
        # up (see KNEES_UP_MAX_DEG): neither in the hold nor out of it.
        between = bool(
            lying >= LYING_MIN_DEG and bent and KNEES_UP_MAX_DEG <= abs(drop) < KNEES_DOWN_MIN_DEG
            and not self._back_up(drop)
        )  # fmt: skip
        return {
            "knee_drop_deg": abs(drop),
            "knee_drop_signed_deg": drop,
            "lying_deg": lying,
            "knee_bend3d_deg": knee,
            "shoulder_tilt_deg": tilt,
            "_shoulder_tilt": tilt,  # a trust fact: kept from the rest before a hold
            "_shoulder_covered": covered,
            UNCLEAR: 1.0 if unsure or past or straightened or between else 0.0,  # neither in nor out
            "_straightened": 1.0 if straightened else 0.0,
            "_between": 1.0 if between else 0.0,
            "_knee_drop": drop,  # kept from the rest before a hold (see _back_up)
            "in_position": 1.0 if ok else 0.0,
        }

    def _back_up(self, drop: float) -> bool:
        """With a hold under way, are knees read lowered ``drop`` (signed) brought back at least
        BACK_UP_SHARE of the way from the hold's reading to the rest before it (see
        KNEES_UP_MAX_DEG)? No hold under way: yes (nothing to stay in)."""
        h = self._hold
        if h is None or h.side is None:
            return True
        sign = 1.0 if h.side == "left" else -1.0
        held = [sign * r["knee_drop_signed_deg"] for r, i in zip(h.rows, h.inpos, strict=True) if i]
        before = np.array([sign * r.get("_knee_drop", np.nan) for r in h.pre], float)
        rest = float(np.nanpercentile(before, 10)) if np.isfinite(before).any() else 0.0
        hold = float(np.median(held))
        return sign * drop <= rest + BACK_UP_SHARE * (hold - rest)

    def valid(self, frame: Frame, sig: dict[str, float]) -> bool:
        return bool(np.isfinite(sig.get("knee_drop_signed_deg", np.nan)))

    def frame_side(self, sig: dict[str, float]) -> str | None:
        d = sig.get("knee_drop_signed_deg", np.nan)
        return None if not np.isfinite(d) else "left" if d > 0 else "right"

    def metrics(self, data: RepData) -> dict[str, float]:
        s = data.sig
        rest = _shoulder_rest(data)
        # The shoulder line's turn from the rest before the hold (a camera's own slant, and any
        # constant error of the model, drop out); not reported where it cannot be trusted: the
        # shoulders not level at rest, or one of them behind the legs (see distrust).
        lift = abs(stat(s["shoulder_tilt_deg"], "median") - rest)
        return {
            "knee_drop_deg": stat(s["knee_drop_deg"], "median"),
            "shoulder_lift_deg": lift if _shoulders_unseen(data, rest) is None else np.nan,
        }

    def distrust(self, check: Check, data: RepData, metrics: dict[str, float] | None = None) -> str | None:
        rest = _shoulder_rest(data)
        if check.metric == "shoulder_lift_deg" and not np.isfinite(rest):
            return f"Lie flat with your knees up for a moment before lowering them, to check {check.label}."
        doubt = super().distrust(check, data, metrics)
        if doubt or check.metric != "shoulder_lift_deg":
            return doubt
        unseen = _shoulders_unseen(data, rest)
        return unseen.format(label=check.label) if unseen else None

    def lost_to_camera(self, check: Check, data: RepData, value: float) -> str | None:
        """A hold read short because the timer stopped where the position was not clear (the
        body between upright and lying, knees read lowered past the floor, or bent knees read
        straightening): not judged when the time lost so would make up the shortfall. Near the
        lying limit the unclear frames fall anywhere in the set (so: the set so far)."""
        if check.metric != "hold_s" or not check.is_fault(value, self.rx):
            return None
        lost = untimed_s(data, UNCLEAR)
        short = check.limit(self.rx) - value
        if not (self._unsure_lying() or (lost > DIP_IGNORED_S and lost >= short)):
            return None
        if untimed_s(data, "_between") >= lost / 2:
            # Mostly knees read part of the way up: eased out a little, or the camera's reading
            # slid (the two look alike); not called short either way.
            where = f" {FEET_ADVICE}" if data.view.view != "front" else ""
            return (
                f"Your knees read only partly lowered for part of this hold, so {check.label} was "
                f"not checked. Keep them lowered to one side while you hold.{where}"
            )
        # Bent knees read straight from beside the person: the camera the lowering is read best
        # from; else the body not read as lying.
        feet = data.view.view != "front" and untimed_s(data, "_straightened") > DIP_IGNORED_S
        return (
            f"From this camera your position was not always clear, so {check.label} was not "
            f"checked. {FEET_ADVICE if feet else NOT_LYING_ADVICE}"
        )

    def _unsure_lying(self) -> bool:
        """So far, the knees were seen lowered with the body between upright and lying in more
        of the frames (with those in the position) than a needed part may go unseen in
        (1 - SEEN_SHARE): near the lying limit the timer breaks up (a camera at the feet
        looking down 45 deg timed 24 s of a 31 s hold, 46 deg 5 s)."""
        return self._unsure(self._down_not_lying)

    def no_reps_reason(self) -> str:
        if self._unsure_lying():
            # The knees went down, but the body did not read as lying: a camera at the feet
            # looking down steeply (from 1.6 m it read 42-45 deg lying flat), or half sitting up.
            return f"No holds: formcheck could not tell you were lying down. {NOT_LYING_ADVICE}"
        if self._unsure(self._straightened):
            # The knees went down, lying, but read straight: from beside the person the shins
            # lie behind the thighs (see THIGHS_RAISED_MIN_DEG).
            advice = FEET_ADVICE if self.views.estimate.view != "front" else NOT_LYING_ADVICE
            return f"No holds: formcheck could not see that your knees were bent. {advice}"
        return super().no_reps_reason()

    def _unsure(self, frames: int) -> bool:
        """``frames`` of the position read unclear are many (NOT_LYING_HINT_FRAMES) and more of
        them, with those in the position, than a needed part may go unseen in (1 - SEEN_SHARE)."""
        return frames >= NOT_LYING_HINT_FRAMES and frames > (1.0 - SEEN_SHARE) * (frames + self._in_position)

    def skip_reason(self, check: Check) -> str:
        if check.views == ("front",):
            return (
                f"Film from your feet, the camera about 1.3 m up and looking along your body, "
                f"to check {check.label}."
            )
        return check.skip_reason()


def _shoulders_unseen(data: RepData, rest: float) -> str | None:
    """Why this camera could not show the shoulders' lift on this hold (a sentence with a
    ``{label}`` to fill), or None: they did not look level lying flat at rest (``rest``, the
    shoulder line's tilt then), or one lay behind the legs during the hold."""
    if abs(rest) > REST_LEVEL_MAX_DEG:
        return (
            "Your shoulders did not look level lying flat from this camera: film from your feet "
            "with the camera about 1.3 m up, so your knees do not hide them, to check {label}."
        )
    if _covered(data.sig):
        return (
            "Your knees hid a shoulder from this camera: film from your feet with the camera "
            "higher, about 1.3 m up, so your shoulders stay in sight, to check {label}."
        )
    return None


def _covered(sig: dict[str, np.ndarray]) -> bool:
    """A shoulder lay behind the legs in the picture in more of the hold's frames than a needed
    part may go unseen in (1 - SEEN_SHARE, as for MediaPipe's visibility)."""
    return _share(sig, "_shoulder_covered") > 1.0 - SEEN_SHARE


def _share(sig: dict[str, np.ndarray], key: str) -> float:
    """The share of the hold's frames in which a 0/1 per-frame fact held (0 when none)."""
    v = sig.get(key, np.array([]))
    return float(np.mean(np.nan_to_num(v) >= 0.5)) if len(v) else 0.0


def _shoulder_rest(data: RepData) -> float:
    """The shoulder line's tilt lying flat before the hold (deg; NaN when no rest was seen)."""
    rest = data.pre.get("_shoulder_tilt", np.array([]))
    return stat(rest, "median") if np.isfinite(rest).sum() >= 3 else float("nan")
