"""Held exercises (stretches): a position held is timed, and each hold counts as one "rep".

An exercise whose TOML says ``[counting] mode = "hold"`` has a checker derived from
:class:`HoldChecker`. Its subclass says, frame by frame, whether the person is in the position
(the counting signal, 1 or 0) and on which side (:meth:`HoldChecker.frame_side`); this module
runs the timer:

- the timer runs while the position is right and pauses when it is left; a dip out of it
  shorter than :data:`DIP_IGNORED_S` (a jittery frame, a hand shifting) is ignored, as
  :func:`~formcheck.checkers.common.longest_run` bridges the top of a rep;
- a hold ends when the person stays out of the position longer than :data:`BREAK_S`, takes
  the position on the other side, or the video cuts or ends; coming back sooner resumes it;
- a hold of at least ``min_hold_s`` (time in the position) counts: it becomes a :class:`Rep`
  with ``hold_s``, its side and the per-hold metrics and checks, so the table, session JSON,
  reports and dashboard need nothing new. A hold under way when the clip starts counts too
  (the person was already in position), and so does one the clip ends in;
- the prescription's ``hold_s`` drives a ``short_hold`` check. A hold the video started or
  ended in was not seen whole, so it is never called short (that check says why instead).

Phases, for the live window: ``setup`` (not in position), ``active`` (holding: the timer
runs), ``rest`` (a hold paused, or the last one's cue and time still on show).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from formcheck.checkers.base import CUE_SHOW_S, MAX_MISSING_S, Checker, Event, Rep, RepData, _columns
from formcheck.definitions import Check, ExerciseDef
from formcheck.landmarks import Frame
from formcheck.units import seconds

# A dip out of the position shorter than this is ignored: MediaPipe drops or misplaces a point
# for a frame or a few (a tenth of a second or two at 25-30 fps), and a hand moving on the knee
# hides one; no one leaves and retakes a stretch that fast. The same 0.2 s as the rep checkers'
# hold at the top (``longest_run``).
DIP_IGNORED_S = 0.2
# Out of the position longer than this, the hold is over; back sooner, it resumes (the timer
# paused meanwhile). Shifting a knee on the mat or re-balancing takes a second or two; coming
# out of a stretch and going back in for the next repetition takes longer (standing up or
# swapping legs: 3.7 s on the real kneeling clip, sitting up and lying back alike).
BREAK_S = 3.0
# The side changes only once the position has been taken on the other side this long: a
# left-right swap of MediaPipe's labels for a frame or two is no change of side.
SWITCH_S = 0.5
# Still in the position: none of the exercise's ``still_signals`` (degrees) moved more than
# STILL_MAX_DEG_S on average over the last STILL_WINDOW_S, each end read as the median of its
# STILL_SPAN_S (a frame's jitter and a dropped point are no movement). Moving into or out of a
# stretch turns its joints 30-90 deg in a second or two (the real kneeling clip's changes of
# leg: 20-300 deg/s, front knee and hip), while a position held reads within a few degrees
# (the same clip's holds: at most 5 deg/s over these windows, MediaPipe's jitter of an angle in
# the picture about +-2 deg): 15 deg/s is 6 deg over the window, three times that jitter, and a
# quarter of the slowest change of position's pace. The window is long enough to see a slow
# start out of the position and short enough to time its end within a few tenths of a second.
STILL_MAX_DEG_S = 15.0
STILL_WINDOW_S = 0.4
STILL_SPAN_S = 0.2
# Frames further apart than the window (a busy live loop analysing 2-3 a second): the last
# frame before the window is read instead, when it lies within one and a half frame intervals
# of it, and at most this much; a gap in the readings (the person not read for a while) says
# nothing about stillness.
STILL_GAP_S = 0.5
# Moving in the position this long, the live window says the timer waits (a shift of a hand
# passes without a word).
MOVING_CUE_S = 1.0
# A checker's per-frame trust fact (1.0 or 0.0): the position could not be told from this
# camera in this frame (e.g. the double hip rotation's bent knees read straight in depth). Such a
# frame neither times a hold nor ends it: the timer pauses, and a hold goes on across it (a
# misreading longer than BREAK_S does not split one hold in two).
UNCLEAR = "_unclear"
# Rest frames kept for a hold's camera rules: the last 3 s at 30 fps (less time at 60 fps;
# the rules take a median, so a few frames do).
REST_FRAMES = 90
# The unbroken run of frames just before a hold whose position could not be told (UNCLEAR) is
# kept whole, up to this many (a minute at 30 fps), not only the rest's last REST_FRAMES: the
# camera may have hidden the start of a hold for longer than 3 s, and that time may explain a
# hold read short.
UNCLEAR_BEFORE_FRAMES = 1800


def untimed_s(data: RepData, fact: str = UNCLEAR) -> float:
    """Seconds of a hold the timer did not count (:attr:`RepData.untimed`: out of the position,
    moving, or unclear just before it) in which a 0/1 per-frame fact held (frames times their
    interval)."""
    n = int((np.nan_to_num(data.untimed.get(fact, np.array([]))) >= 0.5).sum())
    if not n or len(data.t) < 2:
        return 0.0
    return float(n * np.median(np.diff(data.t)))


class HoldTimer:
    """Seconds held in the position; dips out of it under :data:`DIP_IGNORED_S` ignored.

    The one computation behind the live timer and the saved hold's ``hold_s``. A run in the
    position is timed from the first frame the body is still in it to the last (that frame's
    own duration, one frame interval, included), as :func:`~formcheck.checkers.common.longest_run`
    counts: the way into and out of the position is not held. Moving while in the position
    between the two (shifting a hand, a reading's jump) is held, so the live timer waits while
    the body moves and catches up when it is still again. A run that began still reaches back
    to the start of its stillness (``still_since``), not before the position was taken. Only a
    frame seen out of the position breaks a run: frames never looked at (a busy live loop) are
    no dip.
    """

    def __init__(self) -> None:
        self.spans: list[tuple[float, float]] = []  # finished runs: first and last still frames
        self.run0: float | None = None  # the current run's start (None: not still in it yet)
        self.last_still: float | None = None  # its last frame still in the position
        self.entered: float | None = None  # the first frame in the position since a break
        self.last_in: float | None = None  # the last frame in the position, still or not
        self.dipped = False
        self.step = 0.0  # one frame interval (s)

    def update(self, t: float, in_pos: bool, step: float, still: bool = True,
               still_since: float | None = None) -> None:
        self.step = step
        if not in_pos:
            self.dipped = self.last_in is not None
            return
        if self.last_in is None or (self.dipped and t - self.last_in - step > DIP_IGNORED_S):
            self._close()
            self.entered = t
        self.last_in = t
        self.dipped = False
        if not still:
            return
        if self.run0 is None:
            assert self.entered is not None
            self.run0 = max(self.entered, t if still_since is None else still_since)
        self.last_still = t

    def _close(self) -> None:
        if self.run0 is not None and self.last_still is not None:
            self.spans.append((self.run0, self.last_still))
        self.run0 = self.last_still = None

    def timed(self) -> list[tuple[float, float]]:
        """The runs timed so far, finished and under way: (first, last) still frame."""
        now = [(self.run0, self.last_still)] if self.run0 is not None and self.last_still is not None else []
        return self.spans + now

    @property
    def seconds(self) -> float:
        return sum(b - a + self.step for a, b in self.timed())


@dataclass
class _Hold:
    """One hold under way: its frames (all, in or out of the position) and its timer."""

    began_cut: bool  # under way when the clip (or shot) began
    after_cut: bool = False  # begun in a shot after a cut (not the video's first)
    pre: list[dict[str, float]] = field(default_factory=list)  # rest before it (trust facts)
    unclear_before: list[dict[str, float]] = field(default_factory=list)  # unclear run just before it
    timer: HoldTimer = field(default_factory=HoldTimer)
    t: list[float] = field(default_factory=list)
    inpos: list[bool] = field(default_factory=list)
    rows: list[dict[str, float]] = field(default_factory=list)
    sides: list[str] = field(default_factory=list)
    last_unclear: float | None = None  # the last frame whose position could not be told (UNCLEAR)

    @property
    def side(self) -> str | None:
        return max(dict.fromkeys(self.sides), key=self.sides.count) if self.sides else None

    def add(self, t: float, in_pos: bool, row: dict[str, float], side: str | None, step: float,
            still: bool = True, still_since: float | None = None) -> None:
        self.t.append(t)
        self.inpos.append(in_pos)
        self.rows.append(row)
        if in_pos and side is not None:
            self.sides.append(side)
        self.timer.update(t, in_pos, step, still, still_since)

    def timed_frames(self) -> np.ndarray:
        """Indices of the frames in the position inside a timed run (the hold's own frames)."""
        t = np.asarray(self.t)
        keep = np.zeros(len(t), bool)
        for a, b in self.timer.timed():
            keep |= (t >= a) & (t <= b)
        return np.flatnonzero(keep & np.asarray(self.inpos, bool))


class HoldChecker(Checker):
    """Base class of the held exercises' checkers.

    Subclasses compute ``signals`` as any checker does, with the counting signal (the TOML's
    ``counting.signal``) 1.0 in the position and 0.0 out of it, and give :meth:`frame_side`
    and :meth:`metrics` (per hold, from the frames in the position).
    """

    glitch_voids = False  # timed over many seconds: a moment's dropped frames do not change it
    # A hold is over (and reported) once the person has been out of the position for BREAK_S,
    # or in it on the other side for SWITCH_S.
    report_lag_s = max(BREAK_S, SWITCH_S)

    def __init__(self, definition: ExerciseDef) -> None:
        super().__init__(definition)
        self._hold: _Hold | None = None
        # In position on the other side: time, signals, side, still, still since.
        self._other: list[tuple[float, dict[str, float], str, bool, float | None]] = []
        self._recent: deque[tuple[float, list[float]]] = deque()  # still_signals, last STILL_* s
        self._shot_t0: float | None = None  # the video's (shot's) first frame
        self._seen_out = False  # a frame out of the position was seen since the clip (shot) began
        self._shot_after_cut = False  # the shot under way began at a cut, not with the video
        # The trust rules' facts (``_``-keys) of the last frames out of the position: the rest
        # before a hold, which a camera rule reads (e.g. the camera's tilt before the knees go down).
        self._rest_rows: deque[dict[str, float]] = deque(maxlen=REST_FRAMES)
        # The run of unclear frames not the hold under way's (none under way, or on another side)
        # since the last clear frame (time, side, trust facts): it may have hidden the start of
        # the next hold.
        self._unclear_run: deque[tuple[float, str | None, dict[str, float]]] = deque(
            maxlen=UNCLEAR_BEFORE_FRAMES
        )
        self._dts: deque[float] = deque(maxlen=15)
        self._shown_hold: float | None = None  # the last hold's time, on show with its cue
        self._cue_until = -np.inf  # no hold's cue on show yet
        # The latest frame read whose position could not be told (UNCLEAR); None: it could.
        self._unclear_t: float | None = None
        self._seen_unclear = False  # any such frame (what to say when no hold was ever seen)

    # -- hooks ----------------------------------------------------------------------------
    def frame_side(self, sig: dict[str, float]) -> str | None:
        """The side ("left"/"right") of the position in a frame that is in it (None: unknown)."""
        return None

    def unclear_side(self, sig: dict[str, float]) -> str | None:
        """The side of a frame whose position could not be told (UNCLEAR), where it can be
        trusted (None: unknown; such a frame goes with the hold under way, if any). On another
        side than the hold under way, it is not that hold's: it neither keeps it going nor is
        timed against it, and may lead into the next hold."""
        return None

    def in_position(self, sig: dict[str, float]) -> bool:
        return bool(sig.get(self.c.signal, 0.0) >= 0.5)

    # -- per frame ------------------------------------------------------------------------
    def update(self, frame: Frame) -> list[Event]:
        if self._prev is not None and frame.t_s > self._prev[0]:
            self._dts.append(frame.t_s - self._prev[0])
        self._prev = (frame.t_s, 0.0)
        self._t = t = frame.t_s
        if self._shot_t0 is None:
            self._shot_t0 = t
        view = self.views.update(frame) if frame.detected else self.views.estimate
        sig = self.signals(frame, view) if frame.detected else {}
        if frame.detected:
            sig.update(self._trust_row(frame, view))
        ok = frame.detected and self.valid(frame, sig)
        self._last_row = sig if ok else {}
        in_pos = ok and self.in_position(sig)
        side = self.frame_side(sig) if in_pos else None
        still, since = self._still(t, sig) if ok else (True, None)
        events: list[Event] = []
        hold = self._hold
        if ok:
            self._unclear_t = None
        if in_pos and hold is not None and self.c.per_side and hold.side and side and side != hold.side:
            # In the position on the other side: the current hold pauses meanwhile, and ends
            # once that has lasted SWITCH_S (a real change of legs, not a swap of labels).
            self._other.append((t, sig, side, still, since))
            hold.add(t, False, sig, None, self._step)
            if t - self._other[0][0] >= SWITCH_S:
                events += self._end_hold("settled")
                other, self._other = self._other, []
                events += self._begin(other[0][0], began_cut=False, side=other[0][2])
                for tt, row, sd, st, sn in other:
                    self._hold_add(tt, True, row, sd, st, sn)
        elif in_pos:
            self._other = []
            if self._hold is None:
                events += self._begin(t, began_cut=not self._seen_out, side=side)
            self._unclear_run.clear()  # a frame in the position ends the run (a hold begun took it)
            self._hold_add(t, True, sig, side, still, since)
        else:
            self._other = []
            self._seen_out |= ok
            unclear = ok and sig.get(UNCLEAR, 0.0) >= 0.5
            fside = self.unclear_side(sig) if unclear else None
            # The hold under way's own unclear frame, or one to lead into the next hold.
            theirs = bool(unclear and hold is not None and (fside is None or fside == (hold.side or fside)))
            if unclear:
                self._unclear_t = t
                self._seen_unclear = True
            if ok:
                facts = {k: v for k, v in sig.items() if k.startswith("_")}
                self._rest_rows.append(facts)
                if not unclear:
                    self._unclear_run.clear()
                elif not theirs:
                    self._unclear_run.append((t, fside, facts))
            if hold is not None:
                hold.add(t, False, sig, None, self._step)
                if theirs:
                    hold.last_unclear = t
                seen = [x for x in (hold.timer.last_in, hold.last_unclear) if x is not None]
                if hold.timer.last_in is not None and t - max(seen) > BREAK_S:
                    events += self._end_hold("settled")
        self._phase_now()
        self._n_valid += ok
        self.partials += [e.message for e in events if e.kind == "partial"]
        return events

    @property
    def _held(self) -> str:
        """How a hold's time is counted, for the words about it: " held still" where it is timed
        only while the body is still."""
        return " held still" if self.c.still_signals else ""

    @property
    def _step(self) -> float:
        return float(np.median(self._dts)) if self._dts else 0.0

    def _hold_add(self, t: float, in_pos: bool, row: dict[str, float], side: str | None,
                  still: bool = True, since: float | None = None) -> None:
        assert self._hold is not None
        self._hold.add(t, in_pos, row, side, self._step, still, since)

    def _still(self, t: float, sig: dict[str, float]) -> tuple[bool, float | None]:
        """Is the body still (none of ``still_signals`` moving, see :data:`STILL_MAX_DEG_S`),
        and since when: the start of the window it was read over. A signal read now but not a
        window back (the position only just taken) is not still yet; with no frame a window
        back at all: in the video's (shot's) first moments nothing says it moved, still since now;
        after a gap in the readings, not still yet."""
        names = self.c.still_signals
        if not names:
            return True, None
        q = self._recent
        q.append((t, [sig.get(n, np.nan) for n in names]))
        # Kept: the frames since the window's far end, and the newest one before it (frames
        # far apart: a busy live loop analysing 3 a second).
        while len(q) >= 2 and q[0][0] <= t - STILL_WINDOW_S - STILL_SPAN_S and q[1][0] <= t - STILL_WINDOW_S:
            q.popleft()
        now = [v for tt, v in q if tt > t - STILL_SPAN_S]
        then = [v for tt, v in q if t - STILL_WINDOW_S - STILL_SPAN_S < tt <= t - STILL_WINDOW_S]
        span = STILL_WINDOW_S
        # Frames far apart: the last one before the window, if it is the frame before the window
        # (within one and a half of the frames' own interval), not one before a gap in readings.
        reach = STILL_WINDOW_S + min(STILL_GAP_S, 1.5 * self._step)
        if not then and q[0][0] <= t - STILL_WINDOW_S and t - q[0][0] <= reach:
            then, span = [q[0][1]], t - q[0][0]
        if not then:  # the video's (shot's) first moments: still; after a gap in the readings: not yet
            return self._shot_t0 is not None and t - self._shot_t0 < STILL_WINDOW_S, None
        a, b = np.asarray(now, float), np.asarray(then, float)
        for k in range(len(names)):
            if not np.isfinite(a[:, k]).any():
                continue  # not read now: says nothing
            if not np.isfinite(b[:, k]).any():
                return False, None  # read now but not a window back: only just in the position
            moved = abs(float(np.nanmedian(a[:, k])) - float(np.nanmedian(b[:, k])))
            if moved > STILL_MAX_DEG_S * span:
                return False, None
        return True, t - span

    def _begin(self, t: float, began_cut: bool, side: str | None = None) -> list[Event]:
        self._hold = _Hold(began_cut, self._shot_after_cut, pre=list(self._rest_rows),
                           unclear_before=self._unclear_lead(t, side))  # fmt: skip
        self._unclear_run.clear()
        self._shown_hold = None
        self._cue_until = min(self._cue_until, t)  # the last hold's cue is over
        if self._ever_ready:
            return []
        self._ever_ready = True
        return [Event("ready", t, "Ready.")]

    def _phase_now(self) -> None:
        h = self._hold
        if h is not None and h.timer.last_in is not None:
            self.phase = "active" if self._recent_frame(h.timer.last_in) else "rest"
        elif self._t < self._cue_until:
            self.phase = "rest"
        else:
            self.phase = "setup"
            self._cue = self.unclear_cue or self.d.setup
            self._cue_rep = None

    # -- the end of a hold -----------------------------------------------------------------
    def _end_hold(self, reason: str) -> list[Event]:
        """Close the hold under way; it counts if it lasted ``min_hold_s`` in the position."""
        h, self._hold = self._hold, None
        if h is None or not any(h.inpos):
            return []
        held = h.timer.seconds
        keep = h.timed_frames()
        if held < self.c.min_hold_s or not len(keep):
            return [
                Event("partial", self._t,
                      f"Held {seconds(held)}: a hold counts from {self.c.min_hold_s:g} s{self._held}.")
            ]
        self._end_reason = reason
        t = np.asarray(h.t)[keep]
        sig = _columns([h.rows[i] for i in keep])
        pre = _columns(h.pre) if h.pre else {}
        # The frames the timer did not count, their trust facts only (where it lost time, and
        # whether the camera is to blame): the hold's own (out of the position, or in it while
        # moving) and those just before it whose position could not be told (UNCLEAR), which
        # may have started the timer late.
        rows = h.unclear_before + [h.rows[i] for i in np.setdiff1d(np.arange(len(h.t)), keep)]
        untimed = _columns([{k: v for k, v in r.items() if k.startswith("_")} for r in rows])
        data = RepData(t, np.ones(len(t), bool), sig, pre, {}, len(t) // 2, self.views.estimate,
                       untimed=untimed)  # fmt: skip
        metrics = self.metrics(data)
        metrics["hold_s"] = held
        view = data.view.view
        faults, skipped = self._judge(
            data, metrics, "hold",
            lambda c, value: self._unseen_whole(c, h, value) or self.lost_to_camera(c, data, value),
        )  # fmt: skip
        first, last = float(t[0]), float(t[-1])
        rep = Rep(len(self.reps) + 1, h.side, first, (first + last) / 2, last, view, metrics, faults, skipped)
        self.reps.append(rep)
        self._cue = faults[0].message if faults else None
        self._cue_rep = rep.index
        self._cue_until = self._t + CUE_SHOW_S
        self._shown_hold = held
        return [Event("rep", self._t, f"Hold {rep.index}", rep)]

    def _unseen_whole(self, check: Check, h: _Hold, value: float) -> str | None:
        """A hold the video began or ended in is not called short: its whole length was not seen.
        Nor one a cut began or ended (the picture jumped: another camera, or the person lost
        and found again), said so: the video itself went on."""
        if check.metric != "hold_s" or not check.is_fault(value, self.rx):
            return None
        if h.began_cut and h.after_cut:
            return f"The picture jumped as this hold began, so {check.label} was not checked."
        if h.began_cut:
            return f"The video began during this hold, so {check.label} was not checked."
        if self._end_reason == "cut":
            return f"The picture jumped during this hold, so {check.label} was not checked."
        if self._end_reason == "stream_end":
            return f"The video ended during this hold, so {check.label} was not checked."
        return None

    def lost_to_camera(self, check: Check, data: RepData, value: float) -> str | None:
        """Why a hold's time read short is the camera's doing, not the person's (a sentence the
        person can act on), or None: the subclass's rules. The time is still shown."""
        return None

    # -- stream events --------------------------------------------------------------------
    def _unclear_lead(self, t: float, side: str | None) -> list[dict[str, float]]:
        """The trust facts of the unclear frames leading into a hold beginning at ``t`` on
        ``side``: the run's frames back from ``t`` while each comes within BREAK_S of the next
        (a longer gap, nobody read meanwhile, is a break, as in a hold) and reads the same side
        (or none)."""
        lead: list[dict[str, float]] = []
        nxt = t
        for tt, sd, facts in reversed(self._unclear_run):
            if nxt - tt > BREAK_S or (side is not None and sd is not None and sd != side):
                break
            lead.append(facts)
            nxt = tt
        return lead[::-1]

    def finish(self) -> list[Event]:
        """End of the stream: a hold under way (or paused) ends here, and counts if long enough."""
        # Still in the position when the video ended: its end was not seen.
        events = self._end_hold("stream_end" if self._holding() else "settled")
        self._phase_now()
        self.partials += [e.message for e in events if e.kind == "partial"]
        return events

    def _recent_frame(self, t: float) -> bool:
        """``t`` is the last frame, or a frame before it within a dip (DIP_IGNORED_S). (Not the
        last frame the person was read in: a person stepping out of the position is often not
        read as in it or out of it, and their hold had ended.)"""
        return self._t - t - self._step <= DIP_IGNORED_S

    def _holding(self) -> bool:
        """A hold under way whose position was seen at the last frame (a dip aside)."""
        h = self._hold
        return h is not None and h.timer.last_in is not None and self._recent_frame(h.timer.last_in)

    def cut(self, t: float) -> list[Event]:
        """The picture jumped (a cut, another person): the hold under way ends at the cut (its end
        not seen if the person was in the position then, or it could not be told; out of it,
        the hold had ended before)."""
        h = self._hold
        unclear = h is not None and h.last_unclear is not None and self._recent_frame(h.last_unclear)
        events = self._end_hold("cut" if self._holding() or unclear else "settled")
        self.views = type(self.views)()
        self._prev = None
        self._other = []
        self._recent.clear()
        self._shot_t0 = None
        self._seen_out = False  # a hold the new shot begins in was under way before it
        self._shot_after_cut = True
        self._rest_rows.clear()
        self._unclear_run.clear()
        self._unclear_t = None
        self.on_cut()
        self._phase_now()
        self.partials += [e.message for e in events if e.kind == "partial"]
        return events

    def no_reps_reason(self) -> str:
        if not self._n_valid:
            return f"No holds: formcheck never saw you in the {self.d.title.lower()} position. {self.d.setup}"
        if not self._ever_ready:
            if self._seen_unclear and self.d.unclear_cue:
                return f"No holds: formcheck saw you, but could not tell your position. {self.d.unclear_cue}"
            return f"No holds: formcheck saw you, but never in the position. {self.d.setup_start}"
        return (
            f"No holds: none lasted {self.c.min_hold_s:g} s in the position{self._held} "
            f"({len(self.partials)} shorter ones were not counted)."
        )

    # -- what the live window shows ---------------------------------------------------------
    @property
    def unclear_cue(self) -> str | None:
        """The exercise's words for a position the camera cannot tell (its ``unclear_cue``),
        while the latest frame is one (hold.UNCLEAR): not "get into the position" to a person
        who may be in it."""
        # Frames nobody was read in (a dropped frame) do not change it, for MAX_MISSING_S.
        u = self._unclear_t
        return (self.d.unclear_cue or None) if u is not None and self._t - u <= MAX_MISSING_S else None

    @property
    def hold_seconds(self) -> float | None:
        """The running timer of the hold under way (waiting while out of the position or
        moving), else the last hold's time while its cue is on show, else None."""
        if self._hold is not None and self._hold.timer.timed():
            return self._hold.timer.seconds
        return self._shown_hold if self._t < self._cue_until else None

    def _live_cue(self) -> tuple[str | None, int | None]:
        h = self._hold
        if h is None:
            return super()._live_cue()
        # The prescribed time (and at least the time a hold counts from) not reached yet.
        short = h.timer.seconds < max(self.rx.get("hold_s", 0.0), self.c.min_hold_s)
        if self.phase == "rest":
            # Out of the position after that time: the time is reached (the hold closes, and its
            # cues come, once the break is over; its form is judged then), not a hold to get
            # back into. Before it, where the camera cannot tell the position: what it cannot see.
            if short and self.unclear_cue:
                return self.unclear_cue, None
            return ("Timer paused: get back into the stretch." if short else "Time reached. Relax."), None
        if self.phase == "active" and h.timer.timed() and h.timer.last_in is not None:
            # Moving since the last still frame (or, back from a pause, since coming back).
            since = h.timer.last_still if h.timer.last_still is not None else h.timer.entered
            if since is not None and h.timer.last_in - since > MOVING_CUE_S and short:
                return "Hold still: the timer waits while you move.", None
        return super()._live_cue()
