"""The rep state machine every exercise checker shares.

A checker is fed one :class:`~formcheck.landmarks.Frame` at a time (``update``) and returns
events; the same code serves a webcam and a file. Subclasses say which per-frame signals to
compute and which per-rep metrics to derive; the thresholds, cues and sources come from the
exercise definition (``exercises/*.toml``).

Phases: ``setup`` (waiting for the person to be in view and in the start position) ->
``rest`` (in the start position; a rep starts when the counting signal leaves it) ->
``active`` (a rep in progress) -> ``settle`` (the rep is back near rest; a short look at
what follows, e.g. whether the person stands fully) -> ``rest``.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from formcheck.checkers import carry
from formcheck.checkers.common import SIDES, hold_time, stat, torso_tilt
from formcheck.checkers.shown_rest import READY_S, STILL_STD, ShownRest
from formcheck.definitions import PART_WORDS, Check, ExerciseDef
from formcheck.landmarks import Frame
from formcheck.landmarks import PoseLandmark as L
from formcheck.view import VIEWS, ViewEstimate, ViewTracker

SETTLE_S = 0.6  # how long after a rep's end to keep looking (s)
# A check judged on the moment after the rep (``after``: standing up fully) needs that moment
# seen. A slow, controlled rise (document 003) is still on its way up SETTLE_S after the rep's
# end, which comes when the body is back within ``return_fraction`` of the way: a squat rising
# over 3 s then read a top 20-30 deg short of standing and was told to stand up, on every rep.
# So while the person is still coming back toward rest (closer by more than RETURN_STEP of
# ``start_delta`` in the last RETURN_STILL_S than ever before), the rep waits, up to
# SETTLE_MORE_S longer. A body standing still does not come closer in 0.3 s than it ever was since
# the rep's end by a tenth of a rep's starting drop (0.7% of standing height for the squat): its
# jitter is smaller.
SETTLE_MORE_S = 3.0
RETURN_STILL_S = 0.3
RETURN_STEP = 0.1
# The hips hardly rise over a knee's last 15-20 deg, so the counting signal alone ended the wait
# of a rise over 5-6 s early. The angles the check reads (a checker's ``settle_on``) keep it
# going while, fitted over the last SETTLE_ON_S, they still come back toward their median over
# the frames kept before the rep faster than SETTLE_ON_RATE, in a view where such a check is
# made (a rep that followed the last one at once has its rise in those frames: the median then
# sits lower and the wait ends as on the hips alone). A knee straightening over 6-8 s moves
# 10-15 deg/s; standing still the fitted rate is about 0 (median 2 deg/s either way over the real
# squat videos' rests). The rate is fitted over a whole second: over half a second, a slow rise
# that hesitated that long on its way up (the synthetic squat's rises over 6-7 s stall at 161-164
# deg) read as stopped, and its top was read there, 12-16 deg short of the stand it then reached.
# Waiting costs only time: on the real squat videos a rep's count came 0.72 s after its end on
# average, at most 1.40 s (0.69 and 1.03 s when fitted over half a second); a rep that follows
# at once ends the wait.
SETTLE_ON_S = 1.0
SETTLE_ON_RATE = 5.0  # deg/s
MAX_MISSING_S = 1.0  # a person out of view this long pauses counting (s)
PRE_S = 2.0  # rest frames kept before a rep (s)
# At rest the start position is followed as it drifts, with this time constant: the same at any
# frame rate (it was 5% a frame, i.e. 0.65 s at 30 fps, but 2.6 s when only 7.5 frames a second
# were analysed, so a live set on a busy machine kept an old start position and lost a step).
REST_FOLLOW_S = 0.65
REST_FOLLOW_MAX_DT_S = 0.2  # a longer gap between frames counts as this long
START_FRACTION = 0.05  # a rep starts where the signal last sat within this share of its excursion
# Within this of the extreme counts as having reached it (the end of the way down or up): 3
# units of the counting signal, but no more than a tenth of the rep's own excursion, so that a
# small rep's way down is timed over as much of it as a big one's (3 of a shallow squat's 12%
# hip drop cut its timed descent short by a quarter: 0.27 s read for a 0.5 s descent).
REACH_DEG = 3.0
REACH_FRACTION = 0.1
HOLD_BAND_DEG = 8.0  # within this of the rep's peak counts as holding at the top
CUE_SHOW_S = 4.0  # a finished rep's cue shows this long, or until the next rep starts
END_RETURN_FRACTION = 0.5  # a rep the clip's end cuts short counts if this far back (share of peak)
CUT_MID_REP = "The video cut away mid-rep: not counted."
#: A movement under way when the stream began is told only if the person was measurable this
#: soon after the first frame (s): later, they were more likely getting into position.
UNDER_WAY_S = 0.5
# A return that falls between two analysed frames with frames left out between them may have
# happened unseen: a quick close (a clamshell's knee dropping in 0.1-0.2 s) falls between the
# frames a live loop on a busy machine analyses, 7-10 a second of a 30 fps camera. Between two
# neighbouring frames of the film itself (any rate: an 8 fps film's 0.125 s included) it is a
# cut, a dissolve or the camera moving (a real handheld clip at 8 fps read a rep there), so the
# gap must be half as long again as the shortest seen between frames fed. A longer gap than the
# maximum is a pause in the film or the camera, not sparse analysis.
UNSEEN_RETURN_MIN_S = 0.09
MIN_FILM_STEP_S = 0.005  # closer frames are a repeated timestamp moved on by 1 ms, not a frame step
UNSEEN_RETURN_MAX_S = 0.5
JUMP_MIN_DT = 1.0 / 30.0  # speed limits are applied over at least this long (s)
# A body part counts as seen clearly when MediaPipe's visibility is at least SEEN_MIN and it lies
# inside the picture, in at least SEEN_SHARE of a rep's frames. Clearly filmed joints score
# 0.9-1.0 (median per joint over 14 real squat clips); cut-off or hidden ones 0.3-0.75.
SEEN_MIN = 0.8
SEEN_SHARE = 0.8
# Camera height from the tilt of the standing body in MediaPipe's world landmarks (which keep
# the camera's orientation): ankles-to-shoulders leaning toward the camera means a camera above,
# away from it a camera below (frames with both ankles and shoulders seen: _body_pitch). Over the 27
# real clips of standing exercises (median per clip), cameras on the floor gave -16 to -4 deg
# (4 clips, all from the front or an angle), cameras at hip or chest height +1.5 to +14.5
# (side-on ones +3.7 to +12.5), elevated ones +17 to +18. Side-on, MediaPipe's depth hardly
# shows the camera's height (the studio's floor camera side-on read 0.1-0.4), but there the
# picture's angles in the body's own plane hardly change with it either (a 14 deg pitch shortens
# heights by 3%).
LOW_CAMERA_DEG = -2.0
HIGH_CAMERA_DEG = 25.0
# A camera near the floor also shows in the picture's perspective: it is much nearer the shins
# than the shoulders, so standing straight the shins look long against the trunk. The picture's
# shin-to-trunk length ratio over the same ratio in MediaPipe's world landmarks (which keep the
# body's own proportions, so a person's build cancels out) read, standing with straight knees:
# 1.09-1.18 on the real clips filmed from a phone on the ground (4 clips), 0.88-1.02 from hip or
# chest height (14 clips), 0.77-0.80 from above; in the studio 1.08-1.15 from 0.15 m in front
# or at 45 deg, 0.97-1.00 from hip height. From the front, MediaPipe's depth tilt above reads a
# floor camera as level (+4 to +12 deg in the studio): the body's own forward lean lies along the
# camera's axis there. Half way between the two groups of real clips:
LOW_PERSPECTIVE = 1.06
# And a camera looking down from above is nearer the shoulders than the shins: the same ratio
# read 0.77-0.80 from above (real clips and the studio's 2.2 m, where MediaPipe's depth tilt read
# a camera at 45 deg as level: +16 deg), 0.88-1.02 from hip or chest height. Half way:
HIGH_PERSPECTIVE = 0.84
# A camera standing still does not change its height between reps, but the readings at each rest
# scatter: a portrait phone at chest height read 0.78, 0.83, 0.85, 0.78, 0.82 and 0.86 against
# HIGH_PERSPECTIVE over six rests, and its depth was judged on two reps and "film from about hip
# height" said of the other four. So the rests before the last SHOT_RESTS reps of the same shot
# are read together with this rep's: one verdict on the camera for the set (all six read high),
# still following a phone moved between sets within a few reps. A cut or a pause (the person
# out of the picture or the start position, when a phone may be moved) starts afresh.
SHOT_RESTS = 4
STRAIGHT_KNEE_DEG = 160.0  # standing straight, for the perspective ratio (picture's knee angle)
UPRIGHT_DEG = 20.0  # image torso within this of vertical: standing or sitting up
# Lying on the side, how far the camera looks down on the hips: the line from the bottom hip to
# the top one (world landmarks) against the picture's plane, toward the camera. In the studio's
# sweep it read -6 to -1 deg from the floor, 30-45 from hip and chest height, 53-67 from 2.2 m.
# From above, MediaPipe's depth sees a roll of the pelvis: clean reps read at most 21 deg of roll
# there and 40 deg rolls 36-40; from hip or chest height clean reps read up to 30 and 40 deg
# rolls 24-31, so no limit separates them.
LOOK_DOWN_MIN_DEG = 50.0
# Lying on the back, a camera looking down across the body tilts the shoulder line (level on the
# floor) out of the camera's horizontal plane: by the camera's pitch seen from the side, not at
# all from the feet, where the line lies across the picture at any height. At rest it read
# (world landmarks, the line's rise over its length) 2-16 deg from the floor in the studio's
# sweep, 17-21 from hip height, 33 from chest height at 45 deg and 63 at the side, 45-83 from
# 2.2 m; on the real bridge clips 2-24 (phones at floor to hip height). The checks that assume
# the camera's up is the room's up (the double hip rotation's knees and shoulders) are off by
# about this much; past the limit the camera looks down on the body from above.
ACROSS_TILT_MAX_DEG = 35.0
# With the head out of the picture MediaPipe guesses the shoulders' depth: a bridge filmed from
# hip height side-on read 37-38 deg with the head cut off (21 with it in view), and its hip line
# gave wrong verdicts there. A reading past the limit then says to bring the head into view.
HEAD_POINTS = (L.NOSE, L.LEFT_EYE, L.RIGHT_EYE, L.LEFT_EAR, L.RIGHT_EAR)
STEADY_WINDOW_S = 0.2  # a rep's steadiness is read over this long (see steady_speed)


@dataclass(frozen=True)
class Fault:
    """A broken cue in one rep: the code, formcheck's words, and the document it comes from."""

    code: str
    message: str
    source: str
    quote: str
    value: float
    limit: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "source": self.source,
            "quote": self.quote,
            "value": _round(self.value),
            "limit": _round(self.limit),
        }


@dataclass
class Rep:
    """One complete rep. Times in seconds from the start; metrics in degrees, seconds or ratios."""

    index: int
    side: str | None
    start_s: float
    peak_s: float
    end_s: float
    view: str
    metrics: dict[str, float]
    faults: list[Fault]
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def fault_codes(self) -> list[str]:
        return [f.code for f in self.faults]

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "side": self.side,
            "start_s": round(self.start_s, 3),
            "peak_s": round(self.peak_s, 3),
            "end_s": round(self.end_s, 3),
            "view": self.view,
            "metrics": {k: _round(v) for k, v in self.metrics.items()},
            "faults": [f.to_dict() for f in self.faults],
            # checks not made in this rep, and why (the session's skipped_checks: in every rep)
            "skipped": [{"code": c, "reason": why} for c, why in self.skipped.items()],
        }


@dataclass(frozen=True)
class Event:
    """Something a display, voice or log may act on.

    kind: "ready" (counting can start), "paused" (person left the view or start position),
    "rep" (a rep completed; ``rep`` set), "partial" (movement that was not a full rep),
    "note" (something seen and not counted, said in the session: a movement already under way
    when the clip began), "cue" (a setup hint).
    """

    kind: str
    t_s: float
    message: str = ""
    rep: Rep | None = None


@dataclass(frozen=True)
class CheckerState:
    """What the overlay draws; it never decides anything itself."""

    exercise: str
    phase: str
    reps: int
    reps_by_side: dict[str, int]
    key_label: str
    key_deg: float
    target_deg: float
    hold_s: float | None
    hold_target_s: float | None
    cue: str | None
    view: str
    t_s: float
    cue_rep: int | None = None  # the rep the cue is about (None: a set-up hint)
    per_side: bool = False  # reps are counted per working side (the exercise's TOML)
    key_unit: str = "°"  # the unit of ``key_deg`` and ``target_deg`` ("°", or "%" of a length)
    unit: str = "rep"  # what is counted: "rep", or "hold" for a held stretch (Checker.unit_word)

    @property
    def count_text(self) -> str:
        """The count as shown, "Reps 3", "Holds 2"."""
        return f"{self.unit.capitalize()}s {self.reps}"

    @property
    def key_text(self) -> str:
        """The key number as shown, "knee 93°", or "knee --" when not measured now."""
        if not np.isfinite(self.key_deg):
            return f"{self.key_label} --"
        return f"{self.key_label} {self.key_deg:.0f}{self.key_unit}"

    @property
    def target_text(self) -> str:
        """The target as shown, "target 90°"."""
        return f"target {self.target_deg:.0f}{self.key_unit}"

    @property
    def cue_line(self) -> str | None:
        """The cue as shown: a finished rep's cue names its rep ("Rep 3: ...", "Hold 2: ...")."""
        if self.cue and self.cue_rep is not None:
            return f"{self.unit.capitalize()} {self.cue_rep}: {self.cue}"
        return self.cue


def reps_by_side(reps: Iterable[Rep]) -> dict[str, int]:
    """How many of ``reps`` were on each working side (one-sided exercises; none otherwise)."""
    by_side: dict[str, int] = {}
    for r in reps:
        if r.side:
            by_side[r.side] = by_side.get(r.side, 0) + 1
    return by_side


def _came_closer(new: np.ndarray, old: np.ndarray, step: float) -> bool:
    """Whether the recent distances from rest (``new``) came nearer than all the earlier ones
    (``old``) by more than ``step``."""
    if not (np.isfinite(new).any() and np.isfinite(old).any()):
        return False
    return bool(np.nanmin(new) < np.nanmin(old) - step)


def _mid(points: np.ndarray, i: int, j: int) -> np.ndarray:
    """Midpoint of points ``i`` and ``j`` (either alone if the other is missing; NaN if both)."""
    a, b = points[i].astype(np.float64), points[j].astype(np.float64)
    fa, fb = np.isfinite(a).all(), np.isfinite(b).all()
    return (a + b) / 2 if fa and fb else a if fa else b


def _way_back_seen(t: np.ndarray, d: np.ndarray, peak_i: int, return_fraction: float, step: float) -> bool:
    """True if the frames show the rep on its way back. Either a frame between the peak and the
    end is past a fifth of the way back and not yet home, or the way back fell between two
    analysed frames that frames were left out between: at least :data:`UNSEEN_RETURN_MIN_S`
    and half as long again as the shortest step between frames fed (``step``, the film's
    or camera's own frame interval once two neighbouring frames were analysed), and no more than
    :data:`UNSEEN_RETURN_MAX_S`, with no frame without a reading between. A rep whose return
    fell in a gap in detection, or between two neighbouring frames of the film (a cut or
    dissolve between shots, or a camera moving, at any frame rate), was not seen to return."""
    if not np.isfinite(d).any():
        return False
    peak = float(np.nanmax(d))
    way = d[peak_i + 1 :]
    if np.any((way > return_fraction * peak) & (way < 0.8 * peak)):
        return True
    near, home = d[peak_i:-1] >= 0.8 * peak, d[peak_i + 1 :] <= return_fraction * peak
    dt = np.diff(t[peak_i:])
    skipped = (dt >= max(UNSEEN_RETURN_MIN_S, 1.5 * step)) & (dt <= UNSEEN_RETURN_MAX_S)
    return bool((near & home & skipped).any())


def _way_out_seen(t: np.ndarray, d: np.ndarray, peak_i: int, step: float) -> bool:
    """True if the frames show the rep on its way out, as :func:`_way_back_seen` asks of the way
    back: between its start (the first of ``d``, as :func:`_rep_start` cut it) and the first
    frame at four fifths of its peak there is a frame, or frames were left out between those
    two (sparse analysis). A reading that leaps from the
    start position to the top between two neighbouring frames of the film and then drifts back
    (the model thrown by a dark or blurred frame, the camera knocked) is no movement of the
    body: a body takes several frames to get there at any frame rate a person films at. A rep
    whose start was not seen (the clip or a cut began mid-rep) is not asked this."""
    ok = np.isfinite(d)
    if not ok[peak_i] or not ok[0]:
        return True
    peak = float(d[peak_i])
    if peak <= 0 or d[0] > START_FRACTION * peak:
        return True
    idx = np.flatnonzero(ok[: peak_i + 1])
    reach = int(np.flatnonzero(d[idx] >= 0.8 * peak)[0])  # the peak itself is there
    if reach >= 2:
        return True
    dt = float(t[idx[1]] - t[idx[0]])
    return max(UNSEEN_RETURN_MIN_S, 1.5 * step) <= dt <= UNSEEN_RETURN_MAX_S


def _height(pitch: np.ndarray, persp: np.ndarray) -> str:
    """"low", "high" or "level" camera from the finite pitch (deg) and perspective readings of
    a person standing still (see :meth:`Checker.camera_height`); "unknown" under 5 pitches."""
    if len(pitch) < 5:
        return "unknown"
    angle = float(np.median(pitch))
    ratio = float(np.median(persp)) if len(persp) >= 5 else float("nan")
    if angle < LOW_CAMERA_DEG or ratio > LOW_PERSPECTIVE:
        return "low"
    return "high" if angle > HIGH_CAMERA_DEG or ratio < HIGH_PERSPECTIVE else "level"


def _standing_values(pre: np.ndarray, more: np.ndarray) -> np.ndarray:
    """A per-frame fact's finite values while standing still before a rep (``pre``), with the
    rep's own frames and any after it (``more``) when the rest gave under five. One rule for a
    rep's judging and the live number."""
    if np.isfinite(pre).sum() < 5:
        pre = np.concatenate([pre, more])
    return pre[np.isfinite(pre)]


def _rest_median(pre: np.ndarray, rep: np.ndarray) -> float:
    """A per-frame fact's median at rest before a rep (``pre``), or over the rep's first five
    frames when the rest gave under three values; NaN when unknown. One rule for a rep's
    table and the live number."""
    return stat(pre if np.isfinite(pre).sum() >= 3 else rep[:5], "median")


def _rep_start(d: np.ndarray, peak_i: int) -> int:
    """Index where a rep began: the last frame before its peak still within START_FRACTION of
    its own excursion from rest (``d``), so small and large reps alike, whatever the jitter."""
    before = d[: peak_i + 1]
    if not np.isfinite(before).any():
        return 0
    calm = np.flatnonzero(before <= START_FRACTION * np.nanmax(before))
    return int(calm[-1]) if len(calm) else 0


def _round(v: float) -> float | None:
    return None if v is None or not np.isfinite(v) else round(float(v), 3)


class _Buffer:
    """Per-frame records (time, validity, signals) as growing lists -> arrays on demand."""

    def __init__(self) -> None:
        self.t: list[float] = []
        self.valid: list[bool] = []
        self.rows: list[dict[str, float]] = []

    def append(self, t: float, valid: bool, row: dict[str, float]) -> None:
        self.t.append(t)
        self.valid.append(valid)
        self.rows.append(row)

    def __len__(self) -> int:
        return len(self.t)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        return np.array(self.t), np.array(self.valid, bool), _columns(self.rows)


def _columns(rows: list[dict[str, float]]) -> dict[str, np.ndarray]:
    """Per-frame signal dicts -> one (n,) array per signal name, NaN where a frame lacks it."""
    keys: dict[str, None] = {}
    for r in rows:
        keys.update(dict.fromkeys(r))
    return {k: np.array([r.get(k, np.nan) for r in rows], np.float64) for k in keys}


@dataclass
class RepData:
    """Arrays a subclass measures a rep from. ``pre`` is rest before it, ``post`` after it;
    ``untimed``, for a hold: the trust facts of its frames the timer did not count."""

    t: np.ndarray  # (n,) seconds
    valid: np.ndarray  # (n,) bool
    sig: dict[str, np.ndarray]  # name -> (n,) values, NaN where unknown
    pre: dict[str, np.ndarray]
    post: dict[str, np.ndarray]
    peak_i: int
    view: ViewEstimate
    reach_i: int = 0  # first frame within REACH_DEG of the rep's extreme (end of the descent)
    untimed: dict[str, np.ndarray] = field(default_factory=dict)

    def before(self, key: str) -> float:
        """A signal's level at rest just before the rep (its first frames if none was kept)."""
        v = stat(self.pre.get(key, np.array([])), "median")
        return v if np.isfinite(v) else stat(self.sig[key][:3], "median")

    def shots(self) -> list[np.ndarray]:
        """The rep's frames by camera shot, as boolean masks: one shot, or two for a rep joined
        across a cut (formcheck/checkers/carry.py). Places in the picture compare only within
        one shot; a new camera moves everything."""
        before = self.sig.get(carry.SHOT_BEFORE)
        if before is None:
            return [np.ones(len(self.t), bool)]
        mark = before == 1.0
        return [m for m in (mark, ~mark) if m.any()]


def seen_clearly(frame: Frame, *idx: int) -> bool:
    """Every one of the points ``idx`` seen clearly (SEEN_MIN; 0 outside the picture): a faint
    point's place is the model's guess."""
    seen = frame.seen if frame.seen is not None else frame.visibility
    with np.errstate(invalid="ignore"):
        return bool(np.all(seen[list(idx)] >= SEEN_MIN))  # NaN: not seen


def _unseen_words(part: str, check: Check, out: np.ndarray | None) -> str:
    """Why ``check`` was not made when ``part`` was not seen clearly enough in a rep: cut off by
    the framing in enough of its frames to explain it ("Keep your knees in the picture..."), or
    in the picture but seen faintly (small, dark, or hidden behind the other leg), where moving
    the camera closer helps and "keep them in the picture" would puzzle someone whose knees
    plainly are."""
    words = PART_WORDS[part]
    known = out[np.isfinite(out)] if out is not None else np.array([])
    if len(known) and np.mean(known >= 0.5) < 1.0 - SEEN_SHARE:
        return (
            f"Your {words} were not seen clearly: film a little closer, in good light, "
            f"to check {check.label}."
        )
    return f"Keep your {words} in the picture, clearly seen, to check {check.label}."


def _seen_or_0(v: float) -> float:
    """A visibility, 0 for NaN (not seen)."""
    f = float(v)
    return f if f == f else 0.0


def _body_pitch(frame: Frame) -> float:
    """How far (deg) the standing body leans toward the camera in MediaPipe's world landmarks,
    from the ankles' midpoint to the shoulders': a camera above sees it lean toward it, one
    below away. NaN unless both ankles and both shoulders are seen: side-on, the shoulders are
    wider than the feet across the line of sight, and a frame with one ankle hidden reads that
    width as a lean (on a real clip such frames read 10-13 deg apart from the others, calling
    a level camera low)."""
    w = frame.world[:, :3].astype(np.float64)
    pts = w[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_ANKLE, L.RIGHT_ANKLE]]
    if not np.isfinite(pts).all():
        return float("nan")
    v = pts[:2].mean(axis=0) - pts[2:].mean(axis=0)
    return float(np.degrees(np.arctan2(-v[2], -v[1])))


def _perspective(frame: Frame) -> float:
    """Standing with straight knees, the picture's shin-to-trunk length ratio over the world
    landmarks' (see LOW_PERSPECTIVE); NaN when not standing straight or not clearly seen."""
    if not seen_clearly(frame, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_KNEE,
                        L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE):
        return float("nan")
    im, wo = frame.xy.astype(np.float64), frame.world[:, :3].astype(np.float64)
    legs = ((L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE), (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE))
    for hip, knee, ankle in legs:
        u, v = im[hip] - im[knee], im[ankle] - im[knee]
        cos = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-12))
        if np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))) < STRAIGHT_KNEE_DEG:
            return float("nan")

    def shin_over_trunk(p: np.ndarray) -> float:
        shin = np.mean([np.linalg.norm(p[k] - p[a]) for _, k, a in legs])
        trunk = np.linalg.norm(_mid(p, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - _mid(p, L.LEFT_HIP, L.RIGHT_HIP))
        return float(shin / trunk) if trunk > 0 else float("nan")

    world = shin_over_trunk(wo)
    return shin_over_trunk(im) / world if world > 0 else float("nan")


def _look_down(frame: Frame) -> float:
    """Angle (deg) of the line from the lower hip in the picture to the higher one, out of the
    picture's plane toward the camera (world landmarks; MediaPipe's z grows away from it)."""
    left_lower = frame.xy[L.LEFT_HIP][1] > frame.xy[L.RIGHT_HIP][1]  # image y grows down
    lo, hi = (L.LEFT_HIP, L.RIGHT_HIP) if left_lower else (L.RIGHT_HIP, L.LEFT_HIP)
    v = frame.world[hi].astype(np.float64) - frame.world[lo].astype(np.float64)
    n = float(np.linalg.norm(v))
    if not (np.isfinite(n) and n > 0):
        return float("nan")
    return float(np.degrees(np.arcsin(np.clip(-v[2] / n, -1.0, 1.0))))


def steady_speed(t: np.ndarray, s: np.ndarray) -> float:
    """The fastest a signal moved over STEADY_WINDOW_S (units per second; NaN where too few
    frames): over a fifth of a second, so the model's frame-to-frame jitter, which grows with
    the frame rate, adds little, while a reading that flips within the window shows whole."""
    ok = np.isfinite(s)
    t, s = t[ok], s[ok]
    if len(t) < 2 or t[-1] - t[0] < STEADY_WINDOW_S:
        return float("nan")
    j = np.searchsorted(t, t - STEADY_WINDOW_S + 1e-9, side="left")  # first frame inside the window
    j = np.maximum(j - 1, 0)  # the last frame at least a window earlier
    keep = t - t[j] >= STEADY_WINDOW_S - 1e-9  # the last frame always has a window behind it
    return float(np.max(np.abs(s[keep] - s[j[keep]]) / (t[keep] - t[j[keep]])))


def _across_tilt(frame: Frame) -> float:
    """Angle (deg) of the shoulder line (world landmarks) out of the camera's horizontal plane:
    its rise in the camera's up direction over its length, either way."""
    v = frame.world[L.RIGHT_SHOULDER].astype(np.float64) - frame.world[L.LEFT_SHOULDER].astype(np.float64)
    n = float(np.linalg.norm(v))
    if not (np.isfinite(n) and n > 0):
        return float("nan")
    return float(np.degrees(np.arcsin(min(1.0, abs(float(v[1])) / n))))


class Checker:
    """Base class: counting and fault logic driven by an :class:`ExerciseDef`."""

    name: ClassVar[str] = ""
    # Metrics read as a change from the rest before the rep (``RepData.before``): their checks'
    # body parts must be seen clearly at that rest too, not only through the rep.
    from_rest: ClassVar[frozenset[str]] = frozenset()
    # Metrics read at that rest alone (a stance before the rep): their body parts must be seen
    # clearly there, and may be hidden during the rep (the trunk bending in front of a foot).
    at_rest: ClassVar[frozenset[str]] = frozenset()
    glitch_voids: ClassVar[bool] = True  # a glitch during a unit voids its checks (_glitched)
    # Angles (row keys) an ``after`` check reads at the moment after the rep: while one is still
    # coming back toward its value at rest, the person is still on the way back (SETTLE_ON_RATE).
    settle_on: ClassVar[tuple[str, ...]] = ()
    # The longest a finished rep can wait after its end before it is reported: SETTLE_S, and up
    # to SETTLE_MORE_S more while the person is still coming back. A recorded clip's annotated
    # video is drawn this much late (formcheck/hindsight.py) so its count goes up as a rep ends.
    report_lag_s: ClassVar[float] = SETTLE_S + SETTLE_MORE_S

    @property
    def unit_word(self) -> str:
        """What one unit of the exercise is called in messages: "rep", or "hold" (its TOML's mode)."""
        return self.d.unit_word

    def __init__(self, definition: ExerciseDef) -> None:
        self.d = definition
        self.c = definition.counting
        self.rx = definition.prescription
        # The checks of the key number (those aimed at the exercise's target): whether they can
        # be made from the camera decides whether the live number is shown.
        self._key_checks = [
            c for c in definition.checks if c.relative_to == definition.target and c.active(self.rx)
        ]
        self._sgn = 1.0 if self.c.direction == "up" else -1.0
        self.views = ViewTracker()
        self.reps: list[Rep] = []
        self.skipped: dict[str, str] = {}
        self.phase = "setup"
        self._t = 0.0
        self._prev_t = 0.0  # the time of the frame before this one (s)
        self._fed = False  # a frame has been fed
        self._film_step = math.inf  # the shortest time seen between two frames fed (s)
        self._told_step = math.inf  # the source's own frame interval, when told (s)
        self._ready_since: float | None = None
        self._ready_vals: list[float] = []
        self._missing_since: float | None = None
        self._rest = float("nan")
        # The start position counting paused from (see _setup_step): NaN until then, and again
        # after a cut or when the signal changes what it measures.
        self._paused_rest = float("nan")
        # A start position the reps show where the camera reads it out of range (shown_rest.py).
        self._shown = ShownRest(self._sgn, self.c.min_excursion, self.c.start_delta, self.c.return_fraction)
        self._pre: deque[tuple[float, bool, dict[str, float]]] = deque()
        self._cur = _Buffer()
        self._post = _Buffer()
        self._peak_d = 0.0
        self._peak_t = 0.0
        self._back_d = 0.0  # nearest approach to rest since the peak
        self._back_t = 0.0
        self._end_t = 0.0
        self._cue: str | None = definition.setup
        self._cue_rep: int | None = None
        self._cue_until = np.inf
        self._hold_s: float | None = None
        self._has_hold = "hold_s" in definition.prescription
        self._last_row: dict[str, float] = {}
        # Frames since the stream (or a shot after a cut) began, until counting starts: a rep
        # already under way when the clip starts is counted once the start position is known.
        self._prelude: deque[tuple[float, bool, dict[str, float]]] = deque()
        self._lookback_open = True
        self._carried: carry.Carried | None = None  # a rep under way at a cut (formcheck/checkers/carry.py)
        self._across_cut = False  # the rep being finished was joined across a cut
        self._rep_height = "unknown"  # the camera's height as the last rep in this shot read it
        # The standing pitch and perspective readings at the rests of the last reps of this shot.
        self._shot_rests: deque[tuple[np.ndarray, np.ndarray]] = deque(maxlen=SHOT_RESTS)
        self._prev: tuple[float, float] | None = None  # time and signal of the last valid frame
        # What the counting signal measured in that frame, for checkers whose signal depends on
        # the view (a row's "_basis"; 0 when it never does).
        self._prev_basis = 0.0
        self._last_d = float("nan")  # distance from rest of the last valid frame
        self._end_reason = "settled"  # how the last rep ended: settled, turn, stream_end, cut
        self._wait_for_stand = any(c.after for c in definition.checks)
        self._after_views = {v for c in definition.checks if c.after for v in c.views}
        self._returning = False  # settling: the person is still coming back toward rest
        self._n_valid = 0  # frames with the person measurable in the exercise's posture
        self._glitches: deque[float] = deque(maxlen=64)  # when the body jumped and came back
        self._ever_ready = False
        self.partials: list[str] = []  # why movements were not counted
        # Sentences for the session about what was seen and not counted (see _lookback).
        self.notes: list[str] = []
        self._first_t = math.nan  # the time of the first frame fed (s)
        self._parts = sorted({n for c in definition.checks for n in c.needs})

    # -- hooks for subclasses -------------------------------------------------------------
    def signals(self, frame: Frame, view: ViewEstimate) -> dict[str, float]:
        raise NotImplementedError

    def valid(self, frame: Frame, sig: dict[str, float]) -> bool:
        return bool(np.isfinite(sig.get(self.c.signal, np.nan)))

    def metrics(self, data: RepData) -> dict[str, float]:
        raise NotImplementedError

    def side(self, data: RepData) -> str | None:
        return None

    def reject(self, data: RepData) -> str | None:
        """A reason this movement is not a rep of the exercise (e.g. walking), or None."""
        return None

    def _away(self, values: float | np.ndarray, rest: float | None = None) -> np.ndarray:
        """How far the counting signal is from rest, in the rep's direction (>0 = into a rep)."""
        return self._sgn * (np.asarray(values, np.float64) - (self._rest if rest is None else rest))

    def _away_rows(self, rows: list[dict[str, float]]) -> np.ndarray:
        return self._away(np.array([r.get(self.c.signal, np.nan) for r in rows], np.float64))

    @property
    def signal_value(self) -> float:
        """The counting signal in the latest frame (NaN when the person was not measurable)."""
        return self._last_row.get(self.c.signal, float("nan"))

    def source_step(self, step_s: float) -> None:
        """The source's own frame interval (s), told when frames between those fed were left
        out (live: camera frames the pose model had no time for). Frames fed evenly every 4th
        of the camera's never show its interval, and a return between two of them would read
        as one between neighbouring frames of the film (see :func:`_way_back_seen`). The latest
        told is kept (not the least: a camera may slow down in dim light)."""
        if step_s >= MIN_FILM_STEP_S:
            self._told_step = step_s

    # -- the state machine ----------------------------------------------------------------
    def update(self, frame: Frame) -> list[Event]:
        """Feed one frame; returns the events it caused (often none)."""
        self._prev_t, self._t = self._t, frame.t_s
        if not self._fed:
            self._first_t = frame.t_s
        if self._fed and self._t - self._prev_t >= MIN_FILM_STEP_S:
            self._film_step = min(self._film_step, self._t - self._prev_t)
        self._fed = True
        view = self.views.update(frame) if frame.detected else self.views.estimate
        sig = self.signals(frame, view) if frame.detected else {}
        if frame.detected:
            sig.update(self._trust_row(frame, view))
        ok = frame.detected and self.valid(frame, sig)
        if not frame.detected:
            # Nobody in view: the camera may be moved meanwhile, so the start position counting
            # paused from is not kept (see _setup_step).
            self._paused_rest = float("nan")
            if self._missing_since is not None and frame.t_s - self._missing_since > MAX_MISSING_S:
                self._shown.reset()  # gone a while, not a frame the model missed
        s = sig.get(self.c.signal, np.nan) if ok else np.nan
        self._last_row = sig if ok else {}
        events: list[Event] = []
        if ok:
            self._missing_since = None
        elif self._missing_since is None:
            self._missing_since = frame.t_s
        gone = self._missing_since is not None and frame.t_s - self._missing_since > MAX_MISSING_S
        basis = sig.get("_basis", 0.0)
        if ok and self._prev is not None and basis != self._prev_basis:
            # The signal changed what it measures (a bridge seen from its feet is read in 3D):
            # not a cut in the video, so the view stays known (resetting it turned the reading
            # back at once), but values before and after do not compare.
            events += self._rebase(frame.t_s)
        elif ok and self._jumped(frame.t_s, s):
            events += self._cut(frame.t_s, may_carry=False)  # the signal itself broke off
        if ok:
            self._prev, self._prev_basis = (frame.t_s, s), basis
            self._last_d = float(self._away(s)) if np.isfinite(self._rest) else float("nan")
        if self.phase == "setup" and self._lookback_open:
            self._prelude.append((frame.t_s, ok, sig))
            if frame.t_s - self._prelude[0][0] > self.c.max_rep_s:
                self._lookback_open = False
                self._prelude.clear()
                events += self._drop_carried(frame.t_s)

        if self.phase == "setup":
            events += self._setup_step(frame.t_s, ok, s, sig)
        elif self.phase == "rest":
            if gone:
                events.append(self._pause(frame.t_s))
            else:
                events += self._rest_step(frame.t_s, ok, s, sig)
        elif self.phase == "active":
            self._cur.append(frame.t_s, ok, sig)
            if gone or frame.t_s - self._cur.t[0] > self.c.max_rep_s:
                events.append(Event("partial", frame.t_s, "Movement not counted as a rep."))
                events.append(self._pause(frame.t_s))
            elif ok:
                events += self._active_step(frame.t_s, s)
        elif self.phase == "settle":
            self._post.append(frame.t_s, ok, sig)
            d = float(self._away(s)) if ok else np.nan
            post_d = self._away_rows(self._post.rows)
            rising = ok and d - np.nanmin(post_d) >= self.c.start_delta
            self._returning = self._still_returning(frame.t_s, post_d)
            waited = frame.t_s - self._end_t >= SETTLE_S and not self._returning
            if waited or rising or gone:
                self._end_reason = "settled" if waited else "turn" if rising else "cut"
                events += self._finish_rep()
                if gone:
                    events.append(self._pause(frame.t_s))
                elif rising:
                    # The next rep already began: it starts where the signal was nearest rest.
                    self._start_from_post(int(np.nanargmin(post_d)))
        self._update_hold()
        self._n_valid += ok
        self.partials += [e.message for e in events if e.kind == "partial"]
        return events

    def _still_returning(self, t_s: float, post_d: np.ndarray) -> bool:
        """Whether the person, settling after a rep whose after-moment is judged, is still
        coming back toward rest (see SETTLE_MORE_S)."""
        if not self._wait_for_stand or t_s - self._end_t >= SETTLE_S + SETTLE_MORE_S:
            return False
        t = np.asarray(self._post.t)
        recent = t >= t_s - RETURN_STILL_S
        if _came_closer(post_d[recent], post_d[~recent], RETURN_STEP * self.c.start_delta):
            return True
        if self.views.estimate.view not in self._after_views:
            return False  # the angles are read for a check this camera does not make
        late = t >= t_s - SETTLE_ON_S
        for key in self.settle_on:
            rest = self._rest_values(key)
            if not np.isfinite(rest).any():
                continue
            values = np.array([r.get(key, np.nan) for r in self._post.rows], np.float64)[late]
            far = np.abs(values - np.nanmedian(rest))
            ok = np.isfinite(far)
            if ok.sum() >= 3 and np.polyfit(t[late][ok], far[ok], 1)[0] < -SETTLE_ON_RATE:
                return True
        return False

    def measured_side(self, view: ViewEstimate) -> str:
        """The body side a side view's measurements are read on (the one nearer the camera);
        a checker that keeps one side through a set says so, for how clearly it is seen."""
        return view.near_side

    def _trust_row(self, frame: Frame, view: ViewEstimate) -> dict[str, float]:
        """Per-frame facts the checks' trust rules need: how clearly each needed body part is
        seen (``_seen_<part>``) and, when the person is upright, the camera's pitch (``_pitch``)."""
        seen = frame.seen if frame.seen is not None else frame.visibility
        row: dict[str, float] = {}
        sides = [SIDES[self.measured_side(view)]] if view.view == "side" else list(SIDES.values())
        for part in self._parts:
            vals = [_seen_or_0(seen[s[part]]) for s in sides]
            row[f"_seen_{part}"] = min(vals)
            if frame.outside is not None:
                row[f"_out_{part}"] = float(any(frame.outside[s[part]] for s in sides))
        if torso_tilt(frame) < UPRIGHT_DEG:
            pitch = _body_pitch(frame)
            if np.isfinite(pitch):
                row["_pitch"] = pitch
                row["_persp"] = _perspective(frame)
        elif self.d.lying_on == "back":
            row["_across_tilt"] = _across_tilt(frame)
            row["_head_in"] = float(np.any(seen[list(HEAD_POINTS)] > 0))
        elif self.d.lying:
            row["_look_down"] = _look_down(frame)
        return row

    @staticmethod
    def _at_rest(data: RepData, key: str) -> float:
        """A per-frame trust fact's median at rest before the rep (the rep's own first frames
        when the rest gave too few; NaN when unknown)."""
        return _rest_median(data.pre.get(key, np.array([])), data.sig.get(key, np.array([])))

    def across_tilt(self, data: RepData) -> float:
        """Lying on the back: how far (deg) the shoulder line tilted out of the camera's
        horizontal plane at rest before the rep. See ACROSS_TILT_MAX_DEG."""
        return self._at_rest(data, "_across_tilt")

    def look_down(self, data: RepData) -> float:
        """Lying on the side: how far (deg) the camera looked down on the hips at rest before
        the rep."""
        return self._at_rest(data, "_look_down")

    @staticmethod
    def _standing(data: RepData, key: str) -> np.ndarray:
        """A per-frame fact's finite values while standing still before the rep (the rep's own
        frames and those after it too when the clip gave too few: it began mid-set)."""
        more = np.concatenate([data.sig.get(key, np.array([])), data.post.get(key, np.array([]))])
        return _standing_values(data.pre.get(key, np.array([])), more)

    def camera_pitch(self, data: RepData) -> float:
        """How far (deg) the camera looked down on the person standing before this rep (below
        zero: up), from MediaPipe's world landmarks; NaN when they were not seen upright. Noisy:
        the studio's cameras at hip height (truly level) read 5-9 deg."""
        vals = self._standing(data, "_pitch")
        return float(np.median(vals)) if len(vals) >= 5 else float("nan")

    def camera_height(self, data: RepData) -> str:
        """"low", "high" or "level" camera for this rep, from the person standing still before it
        (the rep's own frames too when the clip gave none: it began mid-set); "unknown" when the
        person was not seen upright (e.g. lying down). The rest before a rep is read first: in
        the movement a lunge's or hinge's stance and bent knees change both readings (a lunge
        from the floor side-on read -7.5 deg at rest and +0.2 over the whole rep)."""
        return self._shot_height(self._standing(data, "_pitch"), self._standing(data, "_persp"))

    def _shot_height(self, pitch: np.ndarray, persp: np.ndarray) -> str:
        """:func:`_height` from these readings with those of the last rests of the shot
        (SHOT_RESTS)."""
        return _height(
            np.concatenate([*(p for p, _ in self._shot_rests), pitch]),
            np.concatenate([*(q for _, q in self._shot_rests), persp]),
        )

    def distrust(self, check: Check, data: RepData, metrics: dict[str, float] | None = None) -> str | None:
        """Why this rep's measurement for ``check`` cannot be trusted from this camera (a
        sentence the person can act on), or None when it can. ``metrics``: the rep's metrics,
        for rules that look at what was measured."""
        if self._across_cut:  # its frames come from two cameras, whose pictures do not compare
            return f"The video cut to another shot during this rep, so {check.label} was not checked."
        during = () if check.metric in self.at_rest else check.needs  # read at rest only: not here
        for part in during:
            v = data.sig.get(f"_seen_{part}")
            if v is None or np.mean(np.nan_to_num(v) >= SEEN_MIN) < SEEN_SHARE:
                return _unseen_words(part, check, data.sig.get(f"_out_{part}"))
        if check.metric in self.from_rest | self.at_rest:
            for part in check.needs:
                pre = np.nan_to_num(data.pre.get(f"_seen_{part}", np.array([])))
                rest = pre if len(pre) >= 3 else np.nan_to_num(data.sig.get(f"_seen_{part}", pre)[:3])
                if not len(rest) or np.mean(rest >= SEEN_MIN) < SEEN_SHARE:
                    return (
                        f"Keep your {PART_WORDS[part]} clearly seen at rest too, where each "
                        f"{self.unit_word} is measured from, to check {check.label}."
                    )
        if check.camera == "level" and self.d.lying_on == "back":
            if self.across_tilt(data) > ACROSS_TILT_MAX_DEG:
                if self._at_rest(data, "_head_in") < 0.5:
                    return f"Keep your head in the picture too, to check {check.label}."
                return f"Film from low down, not from above, to check {check.label}."
        elif check.camera == "level":
            height = self.camera_height(data)
            if height == "low":
                return f"Film from about hip height, not from the floor, to check {check.label}."
            if height == "high":
                return f"Film from about hip height, not from above, to check {check.label}."
        if check.camera == "above" and not self.look_down(data) >= LOOK_DOWN_MIN_DEG:
            return f"Film from above, looking down at your hips, to check {check.label}."
        if check.camera == "not_above" and self.look_down(data) >= LOOK_DOWN_MIN_DEG:
            return f"Film from about hip height, not from above, to check {check.label}."
        # A reading from the rest before the rep does not depend on how the rep itself was read.
        if check.metric in self.at_rest:
            return None
        if self._glitched(data):
            return (
                f"Your body jumped in the picture for a moment during this {self.unit_word}, so "
                f"{check.label} was not checked."
            )
        if self._unsteady(data):
            return (
                f"Your {self.d.key_label} jumped about in the picture from this camera: film from "
                f"the {self.d.preferred_view} to check {check.label}."
            )
        if check.after and self._end_reason == "stream_end" and not self.seen_enough(check, data, metrics):
            return f"Keep filming for a few seconds after your last {self.unit_word} to check {check.label}."
        if check.after and self._end_reason == "cut":
            # A cut in the video, or the picture or person changing: the end was not seen.
            return f"The end of this rep was not seen, so {check.label} was not checked."
        return None

    def seen_enough(self, check: Check, data: RepData, metrics: dict[str, float] | None) -> bool:
        """Whether a check that needs the moments after a rep (``check.after``) is settled by
        what was seen before the video ended: a reading that the frames not filmed could only
        have taken further from the fault. None is, unless a checker says so (the squat's full
        stand, once the prescribed stand was reached)."""
        return False

    def glitch(self, t: float) -> None:
        """The pose model threw the body out of place for a moment at ``t`` and back (frames the
        cut detector held and dropped, :class:`formcheck.cuts.CutDetector`): a rep under way
        then was not read steadily (see :meth:`_glitched`)."""
        self._glitches.append(t)

    def _glitched(self, data: RepData) -> bool:
        """The body jumped out of place and back during this rep (:meth:`glitch`): the pose
        model was not steady, and a rep lasts a few seconds, so what it measured is not trusted.
        A hold (``glitch_voids = False``: :class:`~formcheck.checkers.hold.HoldChecker`) is timed
        over many seconds and keeps its checks: the moment's frames are dropped as unseen."""
        if not self.glitch_voids or not len(data.t):
            return False
        return any(data.t[0] <= g <= data.t[-1] for g in self._glitches)

    def _glitched_so_far(self) -> bool:
        """As :meth:`_glitched`, live, for the rep under way (from its first kept frame)."""
        if not self.glitch_voids or not len(self._cur) or not self._glitches:
            return False
        return self._glitches[-1] >= self._cur.t[0]

    def _unsteady(self, data: RepData) -> bool:
        """The rep's counting signal moved faster than a real rep moves it (``steady_speed``)
        over a fifth of a second (:func:`steady_speed`)."""
        if not np.isfinite(self.c.steady_speed) or self.c.signal not in data.sig:
            return False
        return steady_speed(data.t, data.sig[self.c.signal]) > self.c.steady_speed

    def skip_reason(self, check: Check) -> str:
        """Why ``check`` is not made from the current view (the check's own words by default)."""
        return check.skip_reason()

    def _judge(
        self,
        data: RepData,
        metrics: dict[str, float],
        unit: str,
        doubt: Callable[[Check, float], str | None] | None = None,
    ) -> tuple[list[Fault], dict[str, str]]:
        """Each active check on one rep (or hold, ``unit``): its fault, or why it was not made.
        ``doubt``: a further reason not to judge a check, given its value. A metric whose every
        check was not made for its view or for a reason of :meth:`distrust` (the camera, the
        body not seen) is blanked (NaN) in ``metrics``: a number that cannot be trusted from
        this camera is not reported, in the table, the reports or the exports (as the live
        number is blank then). A hold seen only in part keeps the time seen."""
        view = data.view.view
        faults: list[Fault] = []
        skipped: dict[str, str] = {}
        untrusted: set[str] = set()  # not made because the number cannot be trusted
        for check in self.d.checks:
            if not check.active(self.rx):
                continue
            if view not in check.views:
                skipped[check.code] = self.skip_reason(check)
                untrusted.add(check.code)
                continue
            value = metrics.get(check.metric, np.nan)
            why = self.distrust(check, data, metrics)
            if why:
                untrusted.add(check.code)
            else:
                why = doubt(check, value) if doubt else None
            if why:
                skipped[check.code] = why
                continue
            if not np.isfinite(value):
                skipped[check.code] = f"Could not measure {check.label} in this {unit}."
                continue
            if check.is_fault(value, self.rx):
                limit = check.limit(self.rx)
                faults.append(Fault(check.code, check.cue, check.source, check.quote, value, limit))
        active = [c for c in self.d.checks if c.active(self.rx)]
        for metric in {c.metric for c in active} & metrics.keys():
            if all(c.code in untrusted for c in active if c.metric == metric):
                metrics[metric] = float("nan")
        return faults, skipped

    def finish(self) -> list[Event]:
        """End of the stream: a rep in its settle phase completes; one in progress counts if
        it was more than half way back from its peak when the clip ended, else it is partial."""
        events = self._finish_stream()
        self.partials += [e.message for e in events if e.kind == "partial"]
        return events

    def no_reps_reason(self) -> str:
        """Why no rep was counted, in a sentence the person can act on."""
        if not self._n_valid:
            return f"No reps: formcheck never saw you in the {self.d.title.lower()} position. {self.d.setup}"
        if not self._ever_ready:
            return (
                "No reps: counting starts once you hold the start position still for a moment, "
                f"and that never happened. {self.d.setup}"
            )
        hint = self._view_hint()
        if self.partials:
            common = max(dict.fromkeys(self.partials), key=self.partials.count)  # ties: the first seen
            why = f"({common})" if not hint else f"({common.rstrip('.')}).{hint}"
            n = len(self.partials)
            were = "movement was" if n == 1 else "movements were"
            return f"No complete reps: {n} {were} not counted {why}"
        return f"No reps: formcheck saw you in the start position, but no movement of a rep.{hint}"

    def _view_hint(self) -> str:
        """" This camera saw you from the side: <the exercise's set-up words>." when the view
        seen is not one the exercise is filmed from ("" otherwise): the likeliest reason a
        movement went unseen."""
        view = self.views.estimate.view
        if view not in VIEWS or view in self.d.setup_views or not self.d.setup_turn:
            return ""
        where = "an angle" if view == "oblique" else f"the {view}"
        return f" This camera saw you from {where}: {self.d.setup_turn}"

    def _finish_stream(self) -> list[Event]:
        if self._carried is not None:
            return self._drop_carried(self._t)
        if self.phase == "settle":
            still = self._t - self._end_t < SETTLE_S or self._returning
            self._end_reason = "stream_end" if still else self._end_reason
            return self._finish_rep()
        if self.phase == "active":
            if self._mostly_back():
                return self._finish_short("stream_end")
            return [Event("partial", self._t, "The last movement was not a complete rep.")]
        return []

    def _mostly_back(self) -> bool:
        """The rep under way went out a rep's excursion and is now more than END_RETURN_FRACTION
        of the way back: a person who saw this much of it counts it."""
        return (
            self._prev is not None
            and self._peak_d >= self.c.min_excursion
            and self._last_d <= END_RETURN_FRACTION * self._peak_d
        )

    def _finish_short(self, reason: str) -> list[Event]:
        """Count the rep under way, cut short at its last measured frame (the clip or the shot
        ended): checks about its end are not made (see :meth:`distrust`)."""
        assert self._prev is not None
        self._end_t = self._prev[0]
        self._post = _Buffer()
        self._end_reason = reason
        return self._finish_rep()

    # -- cuts and clips that start mid-rep ------------------------------------------------
    def _jumped(self, t: float, s: float) -> bool:
        """True if the signal moved faster than a body can since the last valid frame."""
        if self._prev is None:
            return False
        pt, ps = self._prev
        dt = t - pt
        return 0 < dt <= MAX_MISSING_S and abs(s - ps) > self.c.max_speed * max(dt, JUMP_MIN_DT)

    def on_cut(self) -> None:
        """Hook: forget per-shot references (e.g. the size of the person standing)."""

    def refresh(self, rows: list[dict[str, float]]) -> list[bool] | None:
        """Hook: recompute, in place, the signals of frames seen before counting began with
        the references known now; return which frames are measurable (None: as they were)."""
        return None

    def cut(self, t: float) -> list[Event]:
        """The picture jumped (a cut in the video, or another person): a rep under way is not
        counted, since its whole movement was not seen, unless the next shot plainly continues
        it (see formcheck/checkers/carry.py); counting starts again from the start position,
        and a rep the new shot begins in may still count (see :meth:`_lookback`)."""
        return self._cut(t, may_carry=True)

    def _rebase(self, t: float) -> list[Event]:
        """The counting signal changed what it measures: the start position is looked for
        afresh (counting pauses if it had begun); the view and the look-back stay as they are."""
        self._prev = None
        self._prelude.clear()
        events = []
        if self.phase == "setup":
            self._ready_since, self._ready_vals = None, []
            self._pre.clear()
        else:
            events.append(self._pause(t))
        self._paused_rest = float("nan")
        self._shown.reset()
        return events

    def _cut(self, t: float, may_carry: bool) -> list[Event]:
        events = self._drop_carried(t)  # a second cut before the first one's rep went on
        if self.phase == "settle":
            self._end_reason = "cut"
            events += self._finish_rep()
        elif self.phase == "active" and self._mostly_back():
            # Most of the way back when the shot ended: counted, as at the end of a clip.
            events += self._finish_short("cut")
        elif self.phase == "active":
            if may_carry and self.c.same_in_any_view:
                self._carried = carry.carry(
                    list(zip(self._cur.t, self._cur.valid, self._cur.rows, strict=True)),
                    self._rest, self.c.signal, lambda v, rest: float(self._away(v, rest)),
                )
            if self._carried is None:
                events.append(Event("partial", t, CUT_MID_REP))
        self.views = ViewTracker()
        self._prev = None
        self._rep_height = "unknown"
        self._shot_rests.clear()
        self.on_cut()
        if self.phase != "setup" or self._ready_since is not None:
            self._pause(t)
        self._paused_rest = float("nan")  # another picture: its start position is its own
        self._shown.reset()
        self._prelude.clear()
        self._lookback_open = True
        return events

    def _drop_carried(self, t: float) -> list[Event]:
        """The rep carried over a cut did not go on in the next shot: not counted."""
        if self._carried is None:
            return []
        self._carried = None
        return [Event("partial", t, CUT_MID_REP)]

    def _join_carried(self, frames: list[carry.Row]) -> tuple[list[carry.Row], bool | None]:
        """The frames since a cut, after the part of a rep seen before it when the two agree
        (formcheck/checkers/carry.py), else as they were; and whether they were joined (None:
        no rep was under way at the cut)."""
        c, self._carried = self._carried, None
        if c is None:
            return frames, None
        first = next(((t, r[self.c.signal]) for t, ok, r in frames if ok and self.c.signal in r), None)
        if first is not None and carry.joins(
            c, first[0], float(self._away(first[1])), self.c.start_delta
        ):
            return carry.rebased(c, self._rest, self.c.signal) + frames, True
        return frames, False

    def _lookback(self) -> list[Event]:
        """Counting just started: was there a whole rep in the frames before it?

        Only for frames from the start of the stream or of a shot (a clip often starts with the
        first rep already under way, before formcheck has seen the person still). The rep must
        go from near the start position out by ``min_excursion`` and back, as any rep must;
        a movement seen only on its way back (settling into position) is not a rep.
        """
        frames = list(self._prelude)
        self._prelude.clear()
        self._lookback_open = False
        # Frames seen before a reference was known (e.g. the person's standing height) may be
        # measurable now; the rest stay unmeasured.
        ok_now = self.refresh([r for (_, _, r) in frames])
        if ok_now is None:
            ok_now = [ok for (_, ok, _) in frames]
        frames = [(t, ok, r if ok else {}) for (t, _, r), ok in zip(frames, ok_now, strict=True)]
        frames, joined = self._join_carried(frames)  # with a rep under way at the cut before them
        # That rep is lost unless it was joined and the frames make a whole rep.
        lost = [] if joined is None else [Event("partial", self._t, CUT_MID_REP)]
        if len(frames) < 3:
            return lost
        d = self._away_rows([r for (_, _, r) in frames])
        if not np.isfinite(d).any():
            return lost
        pk = int(np.nanargmax(d))
        peak = float(d[pk])
        idx = np.arange(len(d))
        low = self.c.return_fraction * peak
        back = np.flatnonzero((idx > pk) & (d <= low))
        rise = np.flatnonzero((idx < pk) & (d <= low))  # the way out must be seen too: a person
        if peak < self.c.min_excursion or not len(back) or not len(rise):  # settling in is no rep
            if joined is None and peak >= self.c.min_excursion and len(back):
                return lost + self._under_way_at_start(frames, d, int(back[0]))
            return lost
        end = int(back[0])
        self._cur = _Buffer()
        for item in frames[: end + 1]:
            self._cur.append(*item)
        self._post = _Buffer()
        for item in frames[end:]:
            self._post.append(*item)
        self._pre.clear()
        self._peak_d, self._peak_t = peak, frames[pk][0]
        self._end_t = frames[end][0]
        self._end_reason = "settled"
        self._across_cut = bool(joined)
        events = ([] if joined else lost) + self._finish_rep()
        self._across_cut = False
        return events

    def _under_way_at_start(self, frames: list[carry.Row], d: np.ndarray, back: int) -> list[Event]:
        """The stream began with a movement of a rep's size under way, seen only on its way
        back to the start position (a clip that starts at the bottom of a rep): not a rep, as
        its way out was not seen, but said, so that a count one short is explained. Only when
        the person was measurable within UNDER_WAY_S of the first frame and already a rep's
        excursion away: someone settling into position after walking in is not told. Nor for
        an exercise done on the floor: getting down into its start position (the legs drawn
        up from straight before a bridge) reads like the way back of a rep."""
        if self.d.lying:
            return []
        seen = np.flatnonzero(np.isfinite(d))
        first = int(seen[0])
        if frames[first][0] - self._first_t > UNDER_WAY_S or d[first] < self.c.min_excursion:
            return []
        said = (
            f"A movement already under way at the start (to {frames[back][0]:.1f} s) is not counted "
            "as a rep."
        )
        self.notes.append(said)
        # Not a "partial": that is a movement that failed as a rep, and with no reps the most
        # common one is given as the reason; this one is said as it is (see build_session).
        return [Event("note", frames[back][0], said)]

    # -- steps ----------------------------------------------------------------------------
    def in_start_position(self, s: float, sig: dict[str, float], margin: float = 0.0) -> bool:
        """The counting signal ``s`` is in the start position's range, or the exercise's
        ``rest_signal`` in ``sig`` is in its own; with ``margin``, within that of either range."""
        (lo, hi), (rlo, rhi) = self.c.rest_range, self.c.rest_signal_range
        rest = sig.get(self.c.rest_signal, np.nan) if self.c.rest_signal else np.nan
        m = margin
        return bool(lo - m <= s <= hi + m or rlo - m <= rest <= rhi + m)

    @property
    def at_start(self) -> bool:
        """The person was in the start position in the latest frame (for the set-up guide)."""
        return self.in_start_position(self.signal_value, self._last_row)

    @property
    def unclear_cue(self) -> str | None:
        """Words for the latest frame when the camera could not tell the position (set-up guide:
        instead of asking for the start position). None: it could tell."""
        return None

    def _setup_step(self, t: float, ok: bool, s: float, sig: dict[str, float]) -> list[Event]:
        # After a pause in the same shot with the person in view throughout, the start position
        # counting paused from is one too, though outside the exercise's range: the camera may
        # read it there (a standing trunk leans 35 deg in the picture from a camera above the
        # head looking down), and a set that began there must be able to go on.
        back = abs(s - self._paused_rest) < self.c.start_delta / 3
        # Within start_delta of the ranges: a place the camera may have misread the start at.
        shown = self._shown.feed(t, ok, s, ok and self.in_start_position(s, sig, self.c.start_delta))
        if np.isfinite(shown):  # the camera reads the start position out of its range
            since = self._shown.since
            while self._prelude and self._prelude[0][0] < since:  # no rep began before that rest
                self._prelude.popleft()
            self._pre.append((t, ok, sig))
            return self._begin_counting(t, shown)
        if not (ok and (self.in_start_position(s, sig) or back)):
            self._ready_since = None
            self._ready_vals = []
            return []
        if self._ready_since is None:
            self._ready_since = t
        self._ready_vals.append(s)
        self._pre.append((t, ok, sig))
        while self._pre[0][0] < t - PRE_S:  # a long set-up keeps only the rest a rep needs
            self._pre.popleft()
        if t - self._ready_since >= READY_S and np.std(self._ready_vals) < STILL_STD:
            return self._begin_counting(t, float(np.median(self._ready_vals)))
        if t - self._ready_since >= READY_S:  # not still yet: slide the window
            self._ready_since = t
            self._ready_vals = [s]
        return []

    def _begin_counting(self, t: float, rest: float) -> list[Event]:
        """Counting begins from the start position ``rest`` (a rep in the frames before may count)."""
        self._rest = rest
        self._ever_ready = True
        self._shown.reset()
        events = [Event("ready", t, "Ready.")]
        if self._lookback_open:
            events += self._lookback()
        self.phase = "rest"
        self._cue = None
        return events

    def _rest_step(self, t: float, ok: bool, s: float, sig: dict[str, float]) -> list[Event]:
        self._pre.append((t, ok, sig))
        while self._pre and self._pre[0][0] < t - PRE_S:
            self._pre.popleft()
        if not ok:
            return []
        d = float(self._away(s))
        # Follow a slow drift of the start position (per second, so alike at any frame rate),
        # only to where a start position can be (not after a glitch or a cut's odd first
        # frames), unless the person settled outside that range after a rep (then from there).
        lo, hi = self.c.rest_range
        if d < self.c.start_delta / 3 and (self.in_start_position(s, sig) or not lo <= self._rest <= hi):
            dt = min(max(t - self._prev_t, 0.0), REST_FOLLOW_MAX_DT_S)
            self._rest += (1.0 - math.exp(-dt / REST_FOLLOW_S)) * (s - self._rest)
        if d >= self.c.start_delta:
            self.phase = "active"
            self._cue_until = min(self._cue_until, t)  # the last rep's cue is over
            self._cur = _Buffer()
            # Keep the rest frames before it: the start is fixed when the rep is done.
            for item in self._pre:
                self._cur.append(*item)
            self._peak_d, self._peak_t = d, t
            self._back_d, self._back_t = d, t
        return []

    def _active_step(self, t: float, s: float) -> list[Event]:
        d = float(self._away(s))
        # A turn is judged before this frame can raise the peak: between sparse frames the way
        # up into the next rep can pass the last rep's peak (a side step after a short one).
        # Only where any way between the two frames passed the turn level below the old peak: a
        # frame landing just past both is what every frame at 30 fps would show too.
        turned = (
            self._peak_d >= self.c.min_excursion
            and self._back_d <= 0.5 * self._peak_d
            and d - self._back_d >= self.c.start_delta
            and (d <= self._peak_d or self._back_d + self.c.start_delta <= self._peak_d)
        )
        if not turned and d > self._peak_d:
            self._peak_d, self._peak_t = d, t
            self._back_d, self._back_t = d, t
        elif d < self._back_d:
            self._back_d, self._back_t = d, t
        full = self._peak_d >= self.c.min_excursion
        if full and d <= self.c.return_fraction * self._peak_d:
            self.phase = "settle"
            self._end_t = t
            self._post = _Buffer()
            self._returning = False
            return []
        if turned:
            # The person turned back into the next rep before returning to the start position
            # (e.g. not standing fully): the rep ended at the turn, the next one starts there.
            # This rep ends when it first got near that turning level; the next one starts
            # at the last frame still near it (a pause in between belongs to neither).
            ds = self._away_rows(self._cur.rows)
            after = np.array(self._cur.t) >= self._peak_t
            near = after & (ds <= self._back_d + self.c.start_delta / 3)
            idx = np.flatnonzero(near)
            self._end_t = self._cur.t[int(idx[0])] if len(idx) else self._back_t
            next_start = self._cur.t[int(idx[-1])] if len(idx) else self._back_t
            self._post = _Buffer()
            for i, tt in enumerate(self._cur.t):
                if tt >= self._end_t:
                    self._post.append(tt, self._cur.valid[i], self._cur.rows[i])
            self._end_reason = "turn"
            events = self._finish_rep()
            self._start_from_post(int(np.searchsorted(self._post.t, next_start)))
            return events
        if d < self.c.start_delta / 3:  # back at rest without a full rep
            self.phase = "rest"
            self._cur = _Buffer()
            return [Event("partial", t, "Movement not counted as a rep.")]
        return []

    def _start_from_post(self, first: int) -> None:
        """Begin a new rep from the settle/turn frames ``first`` onwards (kept in ``_post``)."""
        self.phase = "active"
        self._cue_until = min(self._cue_until, self._t)
        self._cur = _Buffer()
        self._peak_d, self._peak_t = -np.inf, self._t
        for t, v, r in list(self._post_tail())[first:]:
            self._cur.append(t, v, r)
            d = float(self._away(r.get(self.c.signal, np.nan)))
            if v and d > self._peak_d:
                self._peak_d, self._peak_t = d, t
        self._back_d, self._back_t = self._peak_d, self._peak_t

    def _post_tail(self):  # type: ignore[no-untyped-def]
        return zip(self._post.t, self._post.valid, self._post.rows, strict=True)

    def _pause(self, t: float) -> Event:
        self._paused_rest = self._rest  # NaN until the first start position
        self._shown.reset()
        self.phase = "setup"
        self._lookback_open = False
        self._prelude.clear()
        self._ready_since = None
        self._ready_vals = []
        self._pre.clear()
        self._shot_rests.clear()  # the camera may have been moved meanwhile
        self._cue = self.d.setup
        return Event("paused", t, "Counting paused: get back into the start position, whole body in view.")

    def _finish_rep(self) -> list[Event]:
        self.phase = "rest"
        rest0 = self._rest
        t, valid, sig = self._cur.arrays()
        _, _, post = self._post.arrays()
        pre = _columns([r for (_, _, r) in self._pre])
        self._pre.clear()
        for tt, v, r in self._post_tail():
            self._pre.append((tt, v, r))
        # Settled short of the old start position (e.g. not standing fully): the next rep
        # starts from where the person is now. Standing fully later moves it back up.
        tail = post.get(self.c.signal, np.array([]))[-5:]
        if np.isfinite(tail).sum() >= 3 and np.nanstd(tail) < 3.0:
            settled = float(np.nanmedian(tail))
            if self._away(settled) > self.c.start_delta / 3:
                self._rest = settled
        if len(t) < 2:
            return []
        i_end = int(np.searchsorted(t, self._end_t))
        peak_i = int(np.argmin(np.abs(t - self._peak_t)))
        d_all = self._away(sig.get(self.c.signal, np.full(len(t), np.nan)), rest0)
        s0 = _rep_start(d_all, peak_i)
        peak_i -= s0
        data = RepData(
            t[s0 : i_end + 1],
            valid[s0 : i_end + 1],
            {k: v[s0 : i_end + 1] for k, v in sig.items()},
            pre,
            post,
            peak_i,
            self.views.estimate,
        )
        dsig = d_all[s0 : i_end + 1]
        if np.isfinite(dsig).any():
            top = float(np.nanmax(dsig))
            data.reach_i = int(np.flatnonzero(dsig >= top - min(REACH_DEG, REACH_FRACTION * top))[0])
        duration = float(data.t[-1] - data.t[0])
        if duration < self.c.min_rep_s or data.valid.mean() < 0.6:
            return [Event("partial", self._t, "Movement too quick or too hidden to count.")]
        step = min(self._film_step, self._told_step)
        if not _way_back_seen(data.t, dsig, peak_i, self.c.return_fraction, step):
            return [Event("partial", self._t, "The way back was not seen (hidden or cut away): not counted.")]
        if not _way_out_seen(data.t, dsig, peak_i, step):
            return [Event("partial", self._t, "A sudden jump in the picture, not a movement: not counted.")]
        reason = self.reject(data)
        if reason:
            return [Event("partial", self._t, reason)]
        metrics = self.metrics(data)
        self._rep_height = self.camera_height(data)
        if self._has_hold:
            metrics["hold_s"] = self._hold_over(data.t, dsig) if self.hold_readable else float("nan")
        view = data.view.view
        faults, skipped = self._judge(data, metrics, "rep")
        rest = [data.pre.get(k, np.array([])) for k in ("_pitch", "_persp")]
        self._shot_rests.append((rest[0][np.isfinite(rest[0])], rest[1][np.isfinite(rest[1])]))
        rep = Rep(
            len(self.reps) + 1,
            self.side(data),
            float(data.t[0]),
            float(data.t[peak_i]),
            float(data.t[-1]),
            view,
            metrics,
            faults,
            skipped,
        )
        self.reps.append(rep)
        # The rep's cue (and its hold, as saved) show for a while, naming the rep.
        self._cue = faults[0].message if faults else None
        self._cue_rep = rep.index
        self._cue_until = self._t + CUE_SHOW_S
        self._hold_s = metrics.get("hold_s") if self._has_hold else None
        return [Event("rep", self._t, f"Rep {rep.index}", rep)]

    @property
    def hold_readable(self) -> bool:
        """Hook: the time held at the top can be read from the counting signal as it is read now
        (a signal squeezed into a smaller range makes the band at the top cover more of the way up
        and down)."""
        return True

    def _hold_over(self, t: np.ndarray, d: np.ndarray) -> float:
        """Seconds held at the top of a rep: the one computation behind the live timer and the
        saved rep's ``hold_s`` (so the last value shown is the value saved)."""
        if not np.isfinite(d).any():
            return 0.0
        return hold_time(d, t, stat(d, "max", 90), HOLD_BAND_DEG)

    def _rep_so_far(self) -> tuple[np.ndarray, np.ndarray]:
        """Times and distances from rest of the rep in progress, from its start (as
        :meth:`_finish_rep` will fix it, from the peak so far) to now."""
        t = np.asarray(self._cur.t)
        d = self._away_rows(self._cur.rows)
        s0 = _rep_start(d, int(np.argmin(np.abs(t - self._peak_t))))
        return t[s0:], d[s0:]

    def _update_hold(self) -> None:
        """Live hold timer: while a rep is at its top, the same measure the saved rep gets."""
        if not self._has_hold or (self.phase in ("setup", "rest") and self._t >= self._cue_until):
            self._hold_s = None
            return
        if self.phase != "active":
            return  # settling, or the last rep's hold still on show
        if not self.hold_readable or self._glitched_so_far():  # as the rep will be judged
            self._hold_s = None
            return
        d_now = self._peak_d - (self._last_d if np.isfinite(self._last_d) else -np.inf)
        if self._peak_d < self.c.min_excursion or d_now > HOLD_BAND_DEG:
            self._hold_s = None
            return
        self._hold_s = self._hold_over(*self._rep_so_far())

    # -- summaries ------------------------------------------------------------------------
    def skipped_checks(self) -> dict[str, str]:
        """Checks skipped in every rep (or, with no reps, in the current view), with reasons."""
        if not self.reps:
            view = self.views.estimate.view
            active = [c for c in self.d.checks if c.active(self.rx)]
            return {c.code: self.skip_reason(c) for c in active if view not in c.views}
        common = set(self.reps[0].skipped)
        for r in self.reps[1:]:
            common &= set(r.skipped)
        # in the checks' order (a set's order changes from one process to the next)
        return {code: why for code, why in self.reps[-1].skipped.items() if code in common}

    @property
    def state(self) -> CheckerState:
        by_side = reps_by_side(self.reps)
        hold_target = self.rx.get("hold_s") or None
        cue, cue_rep = self._live_cue()
        return CheckerState(
            exercise=self.d.name,
            phase=self.phase,
            reps=len(self.reps),
            reps_by_side=by_side,
            per_side=self.c.per_side,
            key_label=self.d.key_label,
            key_unit=self.d.key_unit,
            key_deg=float(self._last_key),
            target_deg=float(self.rx[self.d.target]),
            hold_s=self.hold_seconds,
            hold_target_s=hold_target,
            cue=cue,
            view=self.views.estimate.view,
            t_s=self._t,
            cue_rep=cue_rep,
            unit=self.unit_word,
        )

    @property
    def hold_seconds(self) -> float | None:
        """The hold timer the live window shows (None: none on show)."""
        return self._hold_s

    def _live_cue(self) -> tuple[str | None, int | None]:
        """The cue on show and the rep it is about (None when not about a finished rep)."""
        return self._shown_cue, self._cue_rep if self.phase == "rest" else None

    @property
    def _shown_cue(self) -> str | None:
        """Set-up hints while setting up; a finished rep's cue until the next rep starts or
        CUE_SHOW_S pass; nothing during a rep or while it settles (a cue about the last rep
        would be wrong then)."""
        if self.phase == "setup":
            return self._cue
        if self.phase in ("active", "settle") or self._t >= self._cue_until:
            return None
        return self._cue

    @property
    def key_value(self) -> float:
        """The key number in the latest frame, as measured (the session's trace keeps it)."""
        return self._last_row.get(self.d.key_signal, float("nan"))

    @property
    def _last_key(self) -> float:
        """The key number on show; blank (NaN) where its checks are not made from this camera,
        as the table's column is blank for such reps."""
        return self.key_value if self._key_judged_now() else float("nan")

    def _key_judged_now(self) -> bool:
        """The checks of the key number (those aimed at the exercise's target) could be made
        from the camera as seen now: the view is one of theirs (not yet known: yes) and, for
        checks that need a level camera, the last rest showed one: lying on the back, the
        shoulders did not tilt out of the camera's plane (ACROSS_TILT_MAX_DEG); standing, the
        camera was neither low nor high (:meth:`camera_height`)."""
        checks = self._key_checks
        view = self.views.estimate.view
        if not checks or view == "unknown":
            return True
        if not any(view in c.views for c in checks):
            return False
        if not self._key_parts_seen():
            return False
        if self.phase in ("active", "settle") and self._glitched_so_far():
            return False
        if not all(c.camera == "level" for c in checks):
            return True
        if self.d.lying_on == "back":
            rep = self._cur_values("_across_tilt") if self.phase in ("active", "settle") else np.array([])
            return not _rest_median(self._rest_values("_across_tilt"), rep) > ACROSS_TILT_MAX_DEG
        # Standing: the camera's height read as the rep will be judged (the rest before it,
        # with the rep's own frames when the rest showed too little), else as the last rep's.
        height = self._shot_height(self._standing_now("_pitch"), self._standing_now("_persp"))
        return (height if height != "unknown" else self._rep_height) not in ("low", "high")

    def _key_parts_seen(self) -> bool:
        """The body parts the key number's checks need were seen clearly enough, as a rep is
        judged (SEEN_SHARE of its frames at SEEN_MIN): over the rep so far during one, over the
        rest before it between reps; yes while too few frames (under 3) tell."""
        during = self.phase in ("active", "settle")
        for part in {p for c in self._key_checks for p in c.needs}:
            vals = self._cur_values(f"_seen_{part}") if during else self._rest_values(f"_seen_{part}")
            if len(vals) >= 3 and np.mean(np.nan_to_num(vals) >= SEEN_MIN) < SEEN_SHARE:
                return False
        return True

    def _rest_values(self, key: str) -> np.ndarray:
        """A per-frame fact over the rest kept before the rep (``_pre``), NaN where unknown."""
        return np.array([r.get(key, np.nan) for (_, _, r) in self._pre], np.float64)

    def _cur_values(self, key: str) -> np.ndarray:
        """A per-frame fact over the rep under way so far, NaN where unknown."""
        return np.array([r.get(key, np.nan) for r in self._cur.rows], np.float64)

    def _standing_now(self, key: str) -> np.ndarray:
        """:meth:`_standing` for the rep under way, so far (the rest alone between reps)."""
        during = self.phase in ("active", "settle")
        return _standing_values(self._rest_values(key), self._cur_values(key) if during else np.array([]))
