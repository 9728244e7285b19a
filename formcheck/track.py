"""Which person to follow when the pose model sees more than one.

A physiotherapist kneeling beside the patient, a class, someone walking past: the person
exercising is the one to score, and the same one from frame to frame. Everyone seen is kept
as a track (matched frame to frame by where their shoulders, hips, knees and ankles were, in
body sizes), with the recent history of the joint angle the exercise moves (the TOML's
``pattern``: the knees for a squat, the hips for a bridge, the angle between the thighs for a
clamshell). The tracker follows one track:

- at first, the person whose posture fits the exercise (lying down for a bridge or clamshell,
  upright otherwise), and among those the one moving in the exercise's pattern, else the
  largest;
- while following, it stays with that person, unless they have stood still for a while and
  another person in the exercise's posture is moving in its pattern in one place (not walking
  past): then that is the person exercising.
"""

from __future__ import annotations

import math
import warnings
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from formcheck.checkers.common import LYING_MIN_DEG
from formcheck.cuts import MAX_BODY_SPEED, body_points, body_size
from formcheck.definitions import PATTERNS
from formcheck.geometry import angle, vector_angle

LOST_S = 1.0  # after this long without the followed person, choose afresh
MATCH_MAX = 0.5  # body sizes: further than this from every track is a new person
WINDOW_S = 4.0  # movement is judged over this long
MIN_HISTORY_S = 1.5  # and only once a track has been seen this long
# A rep of any of the exercises moves its joint by 40 deg or more (a shallow squat 180 -> 130
# at the knee, a bridge 130 -> 180 at the hip, a clamshell 0 -> 40 between the thighs); a
# person standing or lying still jitters by under 10 deg in MediaPipe's 2D landmarks.
MOVING_DEG = 25.0  # half the smallest rep's range: moving in the exercise's pattern
STILL_DEG = 10.0
IN_PLACE_MAX = 0.5  # body sizes the hips may travel in the window: exercising, not walking
# A person is matched by where they were over this many frames seen (each point's median): on a
# real bridge filmed close, the pose model threw the body 0.22 body sizes away for one frame,
# next to a second, ghost pose; matched by that one frame, the tracker went on with the ghost
# and the real body's return was taken for a cut. Five frames at 30 fps lag a moving body by
# about three frames' move, far inside MATCH_MAX; at low frame rates a person left unmatched is
# matched by the last frame too.
RECENT_FRAMES = 5
PACE_S = 0.5  # a walking person's pace is taken over this long
# Walking past: the hips' sideways pace against the followed person's, in their body sizes a
# second. People walk at 1-1.5 m/s, 0.6-0.9 of their height a second; a slow stroll at 0.5 m/s
# is 0.3. A squat or a kick moves the hips sideways by a tenth of that.
WALK_PACE = 0.3
# One person found twice: the pose model can report the same body as two people, from two
# overlapping crops. Such poses differ by the model's own noise: on the 40 real videos (as
# filmed, mirrored and darkened) 0.008-0.042 body sizes apart (the median over the points seen
# in both), up to 0.093 framed closer (a lying body with its feet cut off: the crops guess the
# legs differently). Two people side by side were 0.16 apart at the closest (two women
# squatting); a man on all fours and his reflection kneeling behind him in a wall mirror
# 0.06-0.2, merged where they nearly coincide, which changes nothing (that clip counts the same
# at 0.05 and 0.1 in every re-encoding). Taken for two, the copy made a track of its own that
# the next frame's one pose could be matched to: a change of person, handled as a cut, which
# lost a rep.
SAME_PERSON = 0.1
# Another track followed is the same body, not another person, when the pose now followed is
# within this many body sizes of where the last one followed was in one of its last few frames,
# and that one is not seen in this frame: a track made anew after the pose model threw the body
# for a few frames, or from a copy of it. A body moves at most 0.12 body sizes in 1/30 s (the
# cut detector's limit, formcheck/cuts.py); two people side by side were 0.16 apart at the
# closest on the real videos (the two women squatting). Taken for a change of person, it was
# handled as a cut and lost the rep under way (the tight portrait bridge: 1 of 6 counted).
SAME_BODY = MAX_BODY_SPEED
NUMBERS = {3: "three", 4: "four", 5: "five"}
ORDINALS = {2: "second", 3: "third", 4: "fourth"}

# body_points order: shoulders 0-1, hips 2-3, knees 4-5, ankles 6-7 (left, right).


def pattern_angle(points: np.ndarray, pattern: str) -> float:
    """The exercise's moving joint angle (deg) from body points (8, 2); NaN if unseen."""
    if pattern == "thighs":
        return float(vector_angle(points[4] - points[2], points[5] - points[3]))
    if pattern == "hip":
        vals = [angle(points[0 + s], points[2 + s], points[4 + s]) for s in (0, 1)]
    else:
        vals = [angle(points[2 + s], points[4 + s], points[6 + s]) for s in (0, 1)]
    arr = np.asarray(vals, np.float64)
    return float(np.nanmean(arr)) if np.isfinite(arr).any() else float("nan")


def distinct(people_image: np.ndarray, aspect: float = 1.0) -> list[int]:
    """Indices into ``people_image`` (P, 33, 4) of the people to keep: of two poses within
    SAME_PERSON body sizes of each other (one person found twice), the one with more body points
    seen, then the one reported first."""
    if len(people_image) < 2:
        return list(range(len(people_image)))
    pts = [body_points(p, aspect=aspect) for p in people_image]
    seen = [int(np.isfinite(p).all(1).sum()) for p in pts]
    keep: list[int] = []
    for i in sorted(range(len(pts)), key=lambda i: (-seen[i], i)):
        if all(min(_distance(pts[i], pts[k]), _distance(pts[k], pts[i])) >= SAME_PERSON for k in keep):
            keep.append(i)
    return sorted(keep)


def _torso_tilt(points: np.ndarray) -> float:
    """Torso angle from vertical (deg) from body points (8, 2): shoulders 0-1, hips 2-3."""
    sh, hp = np.nanmean(points[0:2], 0), np.nanmean(points[2:4], 0)
    v = sh - hp
    if not np.isfinite(v).all() or not np.hypot(*v) > 0:
        return float("nan")
    return float(np.degrees(np.arctan2(abs(v[0]), abs(v[1]))))


def _distance(p: np.ndarray, q: np.ndarray) -> float:
    """Median distance between the points seen in both, in body sizes of ``q``."""
    both = np.isfinite(p).all(1) & np.isfinite(q).all(1)
    if both.sum() < 2:
        return np.inf
    return float(np.median(np.linalg.norm(p[both] - q[both], axis=1))) / max(body_size(q), 1e-6)


@dataclass(eq=False)  # tracks are compared by identity
class _Track:
    points: np.ndarray  # (8, 2) where they were last seen
    t: float  # when
    history: deque[tuple[float, float, float, float]] = field(default_factory=deque)  # t, angle, hip x, y
    recent: deque[np.ndarray] = field(default_factory=lambda: deque(maxlen=RECENT_FRAMES))

    def add(self, points: np.ndarray, t: float, ang: float) -> None:
        self.points, self.t = points, t
        self.recent.append(points)
        hip = np.nanmean(points[2:4], 0)
        self.history.append((t, ang, float(hip[0]), float(hip[1])))
        while self.history and self.history[0][0] < t - WINDOW_S:
            self.history.popleft()

    def was_near(self, points: np.ndarray, reach: float) -> bool:
        """Whether ``points`` are within ``reach`` body sizes of where this track was in one of
        its last few frames."""
        return any(_distance(points, r) <= reach for r in self.recent)

    def where(self, t: float | None = None) -> np.ndarray:
        """Where they are, for matching: each point's median over the last few frames seen, so
        that one frame in which the pose model threw the body elsewhere does not move it. Given
        the time ``t``, someone walking (not in one place) is carried on at their recent pace
        to then: a person walking past moves a fifth of their size between two frames, and where
        they were last seen falls behind them while they are not matched (hidden, or crossing
        in front of another)."""
        if not self.recent:
            return self.points
        stack = np.stack(self.recent)
        if np.isfinite(stack).all():  # the same median, without nanmedian's slow path for small arrays
            here = np.median(stack, axis=0)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a point seen in none of them
                here = np.nanmedian(stack, axis=0)
        if t is None or t <= self.t or self.in_place():
            return here
        return here + self.pace() * (t - self.t)

    def pace(self) -> np.ndarray:
        """The hips' velocity (picture units a second) over the last PACE_S seen; 0 if unknown.

        The median of the velocities between every two frames of the window (Theil and Sen's
        slope): a person walking moves steadily through it, where a body the pose model threw
        aside for a frame or three (or back) moved in one jump, which the median leaves out; the
        two ends' difference took such a jump for a walk."""
        seen = [(x[0], x[2], x[3]) for x in self.history if np.isfinite(x[2:]).all()]
        # The last PACE_S, or the last three frames where fewer fall in it (a few frames a
        # second) if they span at most twice that: two frames far apart are no walk.
        recent = [x for x in seen if x[0] >= self.t - PACE_S]
        if len(recent) < 3 and len(seen) >= 3 and self.t - seen[-3][0] <= 2 * PACE_S:
            recent = seen[-3:]
        h = np.array(recent)
        if len(h) < 3 or h[-1, 0] - h[0, 0] < PACE_S / 2:
            return np.zeros(2)
        i, j = np.triu_indices(len(h), k=1)
        dt = h[j, 0] - h[i, 0]
        ok = dt > 0
        return np.median((h[j, 1:] - h[i, 1:])[ok] / dt[ok, None], axis=0)

    def movement(self) -> float:
        """Range (deg) of the pattern angle over the window; NaN until seen long enough."""
        if len(self.history) < 3 or self.history[-1][0] - self.history[0][0] < MIN_HISTORY_S:
            return float("nan")
        a = np.array([h[1] for h in self.history])
        a = a[np.isfinite(a)]
        if len(a) < 3:
            return float("nan")
        return float(np.percentile(a, 95) - np.percentile(a, 5))

    def in_place(self) -> bool:
        """The hips stayed within ``IN_PLACE_MAX`` body sizes over the window (not walking)."""
        xy = np.array([(h[2], h[3]) for h in self.history])
        xy = xy[np.isfinite(xy).all(1)]
        if len(xy) < 2:
            return False
        return bool(np.ptp(xy, 0).max() / max(body_size(self.where()), 1e-6) <= IN_PLACE_MAX)


class PersonTracker:
    """Picks, frame by frame, the index of the person to follow among those seen.

    Args:
        aspect: frame width / height.
        lying: the exercise is done lying down (True) or upright (False).
        pattern: the joint angle the exercise moves (see :data:`PATTERNS`).
    """

    def __init__(self, aspect: float, lying: bool, pattern: str = "knee") -> None:
        if pattern not in PATTERNS:
            raise ValueError(f"pattern must be one of {PATTERNS}")
        self.aspect = aspect
        self.lying = lying
        self.pattern = pattern
        self._tracks: list[_Track] = []
        self._followed: _Track | None = None
        self.crowded_frames = 0  # frames with more than one person
        self.switches = 0  # times the tracker moved to someone moving in the pattern
        self.where: list[float] = []  # x (0-1) of the followed person in crowded frames
        self.frames = 0  # frames with anyone in view
        self._crowded_t = -math.inf  # when more than one person was last in view
        self._last: _Track | None = None  # the person followed last, even once lost
        self.changed = False  # set when the person followed changes; the caller clears it
        self.missing = False  # the last pick found the person followed not seen, others seen
        self.people_max = 0  # the most people seen at once
        self.chosen_by = ""  # why the followed person was chosen (the last choice)
        self._rank: list[tuple[int, int]] = []  # (place from the left, people) in crowded frames
        self._box: list[tuple[float, float, float, float]] = []  # the followed person's box

    def pick(self, people_image: np.ndarray, t_s: float) -> int:
        """Index into ``people_image`` (P, 33, 4) of the person to follow; -1 if nobody."""
        n = len(people_image)
        self.missing = False
        self._tracks = [tr for tr in self._tracks if t_s - tr.t <= LOST_S]
        if self._followed is not None and self._followed not in self._tracks:
            self._followed = None
        if n == 0:
            return -1
        pts = [body_points(p, aspect=self.aspect) for p in people_image]
        if n == 1 and self._passer_by_near(pts[0], t_s):
            self.missing = True
            return -1
        tracks = self._match(pts, t_s)
        if n > 1:
            self._crowded_t = t_s
        if n == 1:
            best = 0
            if self._followed is None:
                self.chosen_by = self.chosen_by or "the only person in view"
        elif self._followed is not None and self._followed in tracks:
            best = tracks.index(self._followed)
            other = self._mover(pts, tracks, exclude=best)
            if other is not None and tracks[best].movement() < STILL_DEG:
                best = other
                self.switches += 1
                self.chosen_by = "moving in the exercise's pattern while the other stood still"
                self.where.clear()  # say where the person exercising was
                self._rank.clear()
        else:
            best = self._first_choice(pts, tracks)
        if self._last is not None and tracks[best] is not self._last and (
            self._last in tracks  # both seen now: two people
            # the last one followed lost a while ago (no longer tracked) is no guide
            or self._last not in self._tracks
            or not self._last.was_near(pts[best], SAME_BODY)
        ):
            self.changed = True  # another person than the last one followed (see Scorer.update)
        self._followed = self._last = tracks[best]
        self.frames += 1
        self.people_max = max(self.people_max, n)
        self._note_box(people_image[best])
        if n > 1:
            self.crowded_frames += 1
            hips = np.nanmean(people_image[:, [23, 24], 0], axis=1)
            x = hips[best]
            if np.isfinite(x):
                self.where.append(float(x))
                seen = hips[np.isfinite(hips)]
                self._rank.append((int(np.sum(seen < x)) + 1, len(seen)))
        return best

    def _passer_by_near(self, points: np.ndarray, t_s: float) -> bool:
        """The one person seen could be someone walking past as well as the person followed:
        a person seen a moment ago, walking across the picture against the followed person
        (their hips' sideways pace apart by WALK_PACE body sizes a second or more: a camera
        held in the hand moves everyone alike, a mirror's reflection moves with the person), is
        within reach of them. Where they cross, the pose model reports the one in front, and
        which of the two it is cannot be told from where they are; a frame of the wrong person
        would be read as the followed person's movement."""
        if not self._crowded_lately(t_s):
            return False
        assert self._followed is not None
        mine = self._followed.pace()[0]
        size = max(body_size(self._followed.where()), 1e-6)
        return any(
            tr is not self._followed and len(tr.recent) == RECENT_FRAMES
            and abs(tr.pace()[0] - mine) / size >= WALK_PACE
            and _distance(points, tr.where(t_s)) <= MATCH_MAX
            for tr in self._tracks
        )

    def _crowded_lately(self, t_s: float) -> bool:
        """Someone else was in view within LOST_S, and the followed person was seen then too."""
        return (
            self._followed is not None
            and self._followed in self._tracks
            and t_s - self._crowded_t <= LOST_S
        )

    def _note_box(self, person: np.ndarray) -> None:
        """Keep the followed person's box (picture fractions) from the points seen well."""
        seen = person[:, 3] >= 0.5 if person.shape[1] > 3 else np.ones(len(person), bool)
        xy = person[seen & np.isfinite(person[:, :2]).all(1), :2]
        if len(xy) >= 3:
            lo, hi = np.clip(xy.min(0), 0.0, 1.0), np.clip(xy.max(0), 0.0, 1.0)
            self._box.append((float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])))

    def _match(self, pts: list[np.ndarray], t_s: float) -> list[_Track]:
        """The track of each person seen now (nearest first; a new track for someone new)."""
        out: list[_Track | None] = [None] * len(pts)
        used: set[int] = set()
        # By where each track was lately; then someone still unmatched (moving fast between
        # frames far apart, 8 fps) by where they were last seen, before taking them for new.
        for where in (lambda tr: tr.where(t_s), lambda tr: tr.points):
            pairs = sorted(
                (_distance(p, where(tr)), i, j)
                for i, p in enumerate(pts) if out[i] is None
                for j, tr in enumerate(self._tracks) if j not in used
            )
            for d, i, j in pairs:
                if d > MATCH_MAX or out[i] is not None or j in used:
                    continue
                out[i] = self._tracks[j]
                used.add(j)
        for i, p in enumerate(pts):
            tr = out[i]
            if tr is None:
                tr = _Track(p, t_s)
                self._tracks.append(tr)
                out[i] = tr
            if np.isfinite(p).all(1).sum() >= 3:
                tr.add(p, t_s, pattern_angle(p, self.pattern))
        return [tr for tr in out if tr is not None]

    def _fits(self, p: np.ndarray) -> bool:
        tilt = _torso_tilt(p)
        lying = bool(np.isfinite(tilt) and tilt > LYING_MIN_DEG)
        return lying == self.lying

    def _mover(self, pts: list[np.ndarray], tracks: list[_Track], exclude: int) -> int | None:
        """The person in the exercise's posture moving most in its pattern, in one place."""
        best, best_move = None, MOVING_DEG
        for i, (p, tr) in enumerate(zip(pts, tracks, strict=True)):
            move = tr.movement()
            if i != exclude and self._fits(p) and move >= best_move and tr.in_place():
                best, best_move = i, move
        return best

    def _first_choice(self, pts: list[np.ndarray], tracks: list[_Track]) -> int:
        """In the exercise's posture first; then moving in its pattern; then the largest."""
        ranked = []
        for i, (p, tr) in enumerate(zip(pts, tracks, strict=True)):
            move = tr.movement()
            moving = bool(np.isfinite(move) and move >= MOVING_DEG and tr.in_place())
            ranked.append((self._fits(p), moving, body_size(p), -i))
        ranked.sort(reverse=True)
        first, second = ranked[0], ranked[1]
        self.chosen_by = (
            "in the exercise's posture" if first[0] != second[0]
            else "moving in the exercise's pattern" if first[1] != second[1]
            else "the largest in the picture"
        )
        return int(-first[3])

    def _place(self) -> str | None:
        """Where the followed person was among the people in view: "on the left of the two",
        "second from the left of three"; None when nobody else was seen beside them."""
        if not self._rank:
            return None
        values, counts = np.unique(np.array(self._rank), axis=0, return_counts=True)
        rank, n = (int(v) for v in values[int(np.argmax(counts))])
        if n < 2:
            return None
        if n == 2:
            return f"on the {'left' if rank == 1 else 'right'} of the two"
        if rank == 1 or rank == n:
            return f"on the {'left' if rank == 1 else 'right'} of the {NUMBERS.get(n, str(n))}"
        return f"{ORDINALS.get(rank, f'{rank}th')} from the left of the {NUMBERS.get(n, str(n))}"

    def description(self) -> str | None:
        """Words about whom was followed, when more than one person was in view; else None."""
        if not self.crowded_frames or not self.where:
            return None
        place = self._place()
        if place is None:
            x = float(np.median(self.where))
            place = "on the left" if x < 0.4 else "on the right" if x > 0.6 else "in the middle"
            place += " of the picture"
        why = " (the one doing the exercise)" if self.switches else ""
        return f"More than one person was in view; formcheck followed the person {place}{why}."

    def record(self) -> dict[str, object] | None:
        """Who was followed, for the session file: the most people seen at once, the share of
        frames with more than one, where the followed person was among them and in the picture
        (their usual box, picture fractions: left, top, right, bottom), how they were chosen,
        and how often the choice moved to someone else. None before anyone was seen."""
        if not self.frames:
            return None
        box = np.median(np.array(self._box), axis=0) if self._box else None
        return {
            "people_max": self.people_max,
            "crowded_share": round(self.crowded_frames / self.frames, 3),
            "place": self._place(),
            "box": None if box is None else [round(float(v), 3) for v in box],
            "chosen_by": self.chosen_by or None,
            "switches": self.switches,
        }
