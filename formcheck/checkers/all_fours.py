"""What the exercises done on hands and knees share: the posture, one thigh moving, the start.

On all fours the working thigh swings from hanging under the hip: back and up along the body,
or out to the side. Each exercise's checker names which (``MOVE``: "back" or "out") and the
camera views whose picture shows that movement truly (``PICTURE_VIEWS``): the movement then lies
in a plane facing the camera. From other views the same angle is read in MediaPipe's world
landmarks (:func:`~formcheck.checkers.common.thigh_readings`). Which reading counts is decided
between reps from the view, never during one (the signal must not jump mid-rep).

The start position (004: wrists under the shoulders, knees under the hips) is read in the
picture from the side only, where forward and back lie in the picture, at rest before each rep.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from formcheck.checkers.base import HOLD_BAND_DEG, Checker, RepData
from formcheck.checkers.common import all_fours, either_point, stat, thigh_readings, xy
from formcheck.definitions import ExerciseDef
from formcheck.geometry import distance, vector_angle
from formcheck.landmarks import Frame
from formcheck.landmarks import PoseLandmark as L
from formcheck.view import ViewEstimate

_DOWN = np.array([0.0, 1.0])
# A kick and a lift to the side (004 has the two in one sequence) told apart by where the working
# thigh points at the top, in the world landmarks: back along the body more than this many times
# as far as out to the side is a kick. The real kicks: 4.5 times at least (58-140 deg back, 1-24
# out); the real side lifts: 1.6 times at most (45-58 back, 37-50 out; MediaPipe's depth makes a
# thigh going out toward or away from the camera read partly back).
BACK_OVER_OUT = 2.5
# The posture is told from the picture (:func:`~formcheck.checkers.common.all_fours`: the lower
# knee a thigh below the hips, the shoulders near the hips' height). Mid-kick that reading can
# fail while the person stays on all fours: the working leg hides the other, and MediaPipe may
# put both knees on the lifted leg, so the knee no longer hangs below the hips (the studio's
# side-on kick from chest height: the supporting knee read 0.07 frame heights below the hips
# instead of 0.21). So during a rep, a frame that does not read as all fours still is the
# posture while the trunk stays as it was at rest before the rep: the shoulders and the hips
# within a quarter of the body's size then (the larger of the trunk's length and the knee's drop
# in the picture) of where they were, and the shoulders-to-hips line turned by at most
# HOLD_OVER_TILT_DEG. A kick moved them by 0.03 of that size and turned the line by under 1 deg
# (the studio's kicks); rising toward kneeling turns it by tens of degrees. The kick is read
# against that line, so a turn within the limit adds at most 10 deg to it, a quarter of the
# least kick counted (min_excursion, 40): lifting the trunk alone never makes a rep.
HOLD_OVER_MOVE = 0.25
HOLD_OVER_TILT_DEG = 10.0


def _from_down(v: np.ndarray) -> float:
    """Angle (deg, 0..180) of image vector ``v`` from straight down the picture; NaN if unknown."""
    n = float(np.hypot(*v))
    if not np.isfinite(n) or n == 0:
        return float("nan")
    return float(np.degrees(np.arccos(np.clip(np.dot(v, _DOWN) / n, -1.0, 1.0))))


class AllFoursChecker(Checker):
    """Base for an exercise on hands and knees whose working thigh moves ``MOVE`` ("back" or
    "out") from hanging under the hip. The counting signal is that angle, the larger of the two
    legs' (the working leg's), in degrees from straight down."""

    MOVE: ClassVar[str] = "back"
    PICTURE_VIEWS: ClassVar[tuple[str, ...]] = ("side",)

    def __init__(self, definition: ExerciseDef) -> None:
        super().__init__(definition)
        self._picture = True  # read the angle in the picture (else in the world landmarks)
        # The last frame at rest read as all fours: shoulders and hips (image), body size. (A rep
        # under way lasts at most max_rep_s from the rest before it, so it is never older.)
        self._fours: tuple[np.ndarray, np.ndarray, float] | None = None

    def on_cut(self) -> None:
        self._picture = True
        self._fours = None

    def signals(self, frame: Frame, view: ViewEstimate) -> dict[str, float]:
        r = thigh_readings(frame)
        if self.phase != "active" and view.view != "unknown":
            self._picture = view.view in self.PICTURE_VIEWS
        how = "2d" if self._picture else "3d"
        out = dict(r)
        legs = np.array([r[f"{self.MOVE}_l_{how}"], r[f"{self.MOVE}_r_{how}"]])
        out["leg_l_deg"], out["leg_r_deg"] = float(legs[0]), float(legs[1])
        out[self.c.signal] = float(np.nanmax(legs)) if np.isfinite(legs).any() else np.nan
        out["picture"] = float(self._picture)
        # Start position, in the picture: each arm (shoulder to wrist) and thigh (hip to knee)
        # from straight down.
        for k, side in (("l", "LEFT"), ("r", "RIGHT")):
            out[f"arm_{k}_deg"] = _from_down(xy(frame, L[f"{side}_WRIST"]) - xy(frame, L[f"{side}_SHOULDER"]))
            out[f"thigh_{k}_deg"] = _from_down(xy(frame, L[f"{side}_KNEE"]) - xy(frame, L[f"{side}_HIP"]))
            out[f"knee_{k}_x"] = float(xy(frame, L[f"{side}_KNEE"])[0])
        hl, hr = xy(frame, L.LEFT_HIP), xy(frame, L.RIGHT_HIP)
        out["hips_x"] = float((hl[0] + hr[0]) / 2)
        out["hip_width"] = float(abs(hl[0] - hr[0]))
        return out

    def valid(self, frame: Frame, sig: dict[str, float]) -> bool:
        if not np.isfinite(sig.get(self.c.signal, np.nan)):
            return False
        sh = either_point(xy(frame, L.LEFT_SHOULDER), xy(frame, L.RIGHT_SHOULDER))
        hip = either_point(xy(frame, L.LEFT_HIP), xy(frame, L.RIGHT_HIP))
        if all_fours(frame):
            if self.phase in ("setup", "rest"):
                knee = np.nanmax([xy(frame, L.LEFT_KNEE)[1], xy(frame, L.RIGHT_KNEE)[1]])
                self._fours = (sh, hip, max(float(distance(sh, hip)), float(knee - hip[1])))
            return True
        if self.phase != "active" or self._fours is None:
            return False  # a rep starts, and settles, in the posture itself
        sh0, hip0, size = self._fours
        moved = max(float(distance(sh, sh0)), float(distance(hip, hip0)))  # NaN if unseen: False
        turned = float(vector_angle(sh - hip, sh0 - hip0))
        return moved < HOLD_OVER_MOVE * size and turned <= HOLD_OVER_TILT_DEG

    # -- per rep ----------------------------------------------------------------------------
    def _top(self, data: RepData) -> np.ndarray:
        """Frames at the top of the rep: within HOLD_BAND_DEG of its highest reading."""
        a = data.sig[self.c.signal]
        return np.isfinite(a) & (a >= stat(a, "max", 90) - HOLD_BAND_DEG)

    def working(self, data: RepData) -> str | None:
        """The working leg, "l" or "r": the one whose thigh was higher at the top; None if
        neither was seen.
        (Compared at the top, not as a rise from rest: on all fours a far leg is often hidden
        behind the near one at rest, and seen only once it rises.)"""
        top = self._top(data)
        high = {k: stat(data.sig[f"leg_{k}_deg"][top], "median") for k in ("l", "r")}
        if not np.isfinite(list(high.values())).any():
            return None
        return "l" if np.nan_to_num(high["l"], nan=-np.inf) >= np.nan_to_num(high["r"], nan=-np.inf) else "r"

    def kicked_back(self, data: RepData) -> bool | None:
        """True when the working thigh pointed back along the body at the top (a kick), False
        when it pointed out to the side as much (a side lift); None when unknown."""
        k = self.working(data)
        if k is None:
            return None
        top = self._top(data)
        back, out = (stat(data.sig[f"{m}_{k}_3d"][top], "median") for m in ("back", "out"))
        if not (np.isfinite(back) and np.isfinite(out)):
            return None
        return bool(back > BACK_OVER_OUT * max(out, 0.0))

    def side(self, data: RepData) -> str | None:
        k = self.working(data)
        return None if k is None else "left" if k == "l" else "right"

    def start_offset(self, data: RepData) -> float:
        """How far (deg) the wrists sat from under the shoulders, or the knees from under the
        hips, at rest before the rep (whichever is further), in the picture."""
        arms = [data.before(f"arm_{k}_deg") for k in ("l", "r")]
        thighs = [data.before(f"thigh_{k}_deg") for k in ("l", "r")]
        vals = [float(np.nanmedian(v)) for v in (arms, thighs) if np.isfinite(v).any()]
        return max(vals) if vals else float("nan")

    def metrics(self, data: RepData) -> dict[str, float]:
        s = data.sig
        return {
            "lift_max_deg": stat(s[self.c.signal], "max", 90),
            "start_offset_deg": self.start_offset(data),
            "raise_s": float(data.t[data.reach_i] - data.t[0]),
        }
