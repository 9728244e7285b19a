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

from collections import deque
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from formcheck.definitions import ExerciseDef
from formcheck.landmarks import Frame
from formcheck.view import ViewEstimate, ViewTracker

SETTLE_S = 0.6  # how long after a rep's end to keep looking (s)
MAX_MISSING_S = 1.0  # a person out of view this long pauses counting (s)
READY_S = 0.3  # time still in the start position before counting begins (s)
PRE_S = 2.0  # rest frames kept before a rep (s)
START_FRACTION = 0.05  # a rep starts where the signal last sat within this share of its excursion
REACH_DEG = 3.0  # within this of the extreme counts as having reached it
HOLD_BAND_DEG = 8.0  # within this of the rep's peak counts as holding at the top


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
        }


@dataclass(frozen=True)
class Event:
    """Something a display, voice or log may act on.

    kind: "ready" (counting can start), "paused" (person left the view or start position),
    "rep" (a rep completed; ``rep`` set), "partial" (movement that was not a full rep),
    "cue" (a setup hint).
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
    """Arrays a subclass measures a rep from. ``pre`` is rest before it, ``post`` after it."""

    t: np.ndarray  # (n,) seconds
    valid: np.ndarray  # (n,) bool
    sig: dict[str, np.ndarray]  # name -> (n,) values, NaN where unknown
    pre: dict[str, np.ndarray]
    post: dict[str, np.ndarray]
    peak_i: int
    view: ViewEstimate
    reach_i: int = 0  # first frame within REACH_DEG of the rep's extreme (end of the descent)


class Checker:
    """Base class: counting and fault logic driven by an :class:`ExerciseDef`."""

    name: ClassVar[str] = ""

    def __init__(self, definition: ExerciseDef) -> None:
        self.d = definition
        self.c = definition.counting
        self.rx = definition.prescription
        self._sgn = 1.0 if self.c.direction == "up" else -1.0
        self.views = ViewTracker()
        self.reps: list[Rep] = []
        self.skipped: dict[str, str] = {}
        self.phase = "setup"
        self._t = 0.0
        self._ready_since: float | None = None
        self._ready_vals: list[float] = []
        self._missing_since: float | None = None
        self._rest = float("nan")
        self._pre: deque[tuple[float, bool, dict[str, float]]] = deque()
        self._cur = _Buffer()
        self._post = _Buffer()
        self._peak_d = 0.0
        self._peak_t = 0.0
        self._back_d = 0.0  # nearest approach to rest since the peak
        self._back_t = 0.0
        self._end_t = 0.0
        self._cue: str | None = definition.setup
        self._hold_s: float | None = None
        self._hold_start: float | None = None
        self._last_row: dict[str, float] = {}

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

    # -- the state machine ----------------------------------------------------------------
    def update(self, frame: Frame) -> list[Event]:
        """Feed one frame; returns the events it caused (often none)."""
        self._t = frame.t_s
        view = self.views.update(frame) if frame.detected else self.views.estimate
        sig = self.signals(frame, view) if frame.detected else {}
        ok = frame.detected and self.valid(frame, sig)
        s = sig.get(self.c.signal, np.nan) if ok else np.nan
        self._last_row = sig if ok else {}
        events: list[Event] = []
        if ok:
            self._missing_since = None
        elif self._missing_since is None:
            self._missing_since = frame.t_s
        gone = self._missing_since is not None and frame.t_s - self._missing_since > MAX_MISSING_S

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
            if frame.t_s - self._end_t >= SETTLE_S or rising or gone:
                events += self._finish_rep()
                if gone:
                    events.append(self._pause(frame.t_s))
                elif rising:
                    # The next rep already began: it starts where the signal was nearest rest.
                    self._start_from_post(int(np.nanargmin(post_d)))
        self._update_hold(s)
        return events

    def finish(self) -> list[Event]:
        """End of the stream: a rep in its settle phase completes; one in progress is partial."""
        if self.phase == "settle":
            return self._finish_rep()
        if self.phase == "active":
            return [Event("partial", self._t, "The last movement was not a complete rep.")]
        return []

    # -- steps ----------------------------------------------------------------------------
    def _setup_step(self, t: float, ok: bool, s: float, sig: dict[str, float]) -> list[Event]:
        lo, hi = self.c.rest_range
        if not (ok and lo <= s <= hi):
            self._ready_since = None
            self._ready_vals = []
            return []
        if self._ready_since is None:
            self._ready_since = t
        self._ready_vals.append(s)
        self._pre.append((t, ok, sig))
        if t - self._ready_since >= READY_S and np.std(self._ready_vals) < 6.0:
            self._rest = float(np.median(self._ready_vals))
            self.phase = "rest"
            self._cue = None
            return [Event("ready", t, "Ready.")]
        if t - self._ready_since >= READY_S:  # not still yet: slide the window
            self._ready_since = t
            self._ready_vals = [s]
        return []

    def _rest_step(self, t: float, ok: bool, s: float, sig: dict[str, float]) -> list[Event]:
        self._pre.append((t, ok, sig))
        while self._pre and self._pre[0][0] < t - PRE_S:
            self._pre.popleft()
        if not ok:
            return []
        d = float(self._away(s))
        if d < self.c.start_delta / 3:
            self._rest += 0.05 * (s - self._rest)  # follow slow drift of the rest position
        if d >= self.c.start_delta:
            self.phase = "active"
            self._cur = _Buffer()
            # Keep the rest frames before it: the start is fixed when the rep is done.
            for item in self._pre:
                self._cur.append(*item)
            self._peak_d, self._peak_t = d, t
            self._back_d, self._back_t = d, t
        return []

    def _active_step(self, t: float, s: float) -> list[Event]:
        d = float(self._away(s))
        if d > self._peak_d:
            self._peak_d, self._peak_t = d, t
            self._back_d, self._back_t = d, t
        elif d < self._back_d:
            self._back_d, self._back_t = d, t
        full = self._peak_d >= self.c.min_excursion
        if full and d <= self.c.return_fraction * self._peak_d:
            self.phase = "settle"
            self._end_t = t
            self._post = _Buffer()
            return []
        if full and self._back_d <= 0.5 * self._peak_d and d - self._back_d >= self.c.start_delta:
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
        self.phase = "setup"
        self._ready_since = None
        self._ready_vals = []
        self._pre.clear()
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
        # The rep began at the last frame before its peak still within START_FRACTION of its
        # own excursion from rest: small and large reps alike, whatever the jitter at rest.
        d_all = self._away(sig.get(self.c.signal, np.full(len(t), np.nan)), rest0)
        s0 = 0
        if np.isfinite(d_all[: peak_i + 1]).any():
            calm = np.flatnonzero(d_all[: peak_i + 1] <= START_FRACTION * np.nanmax(d_all[: peak_i + 1]))
            s0 = int(calm[-1]) if len(calm) else 0
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
            data.reach_i = int(np.flatnonzero(dsig >= np.nanmax(dsig) - REACH_DEG)[0])
        duration = float(data.t[-1] - data.t[0])
        if duration < self.c.min_rep_s or data.valid.mean() < 0.6:
            return [Event("partial", self._t, "Movement too quick or too hidden to count.")]
        reason = self.reject(data)
        if reason:
            return [Event("partial", self._t, reason)]
        metrics = self.metrics(data)
        view = data.view.view
        faults: list[Fault] = []
        skipped: dict[str, str] = {}
        for check in self.d.checks:
            if not check.active(self.rx):
                continue
            if view not in check.views:
                skipped[check.code] = check.skip_reason()
                continue
            value = metrics.get(check.metric, np.nan)
            if not np.isfinite(value):
                skipped[check.code] = f"Could not measure {check.label} in this rep."
                continue
            if check.is_fault(value, self.rx):
                faults.append(
                    Fault(
                        check.code,
                        check.cue,
                        check.source,
                        check.quote,
                        value,
                        check.limit(self.rx),
                    )
                )
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
        self._cue = faults[0].message if faults else None
        return [Event("rep", self._t, f"Rep {rep.index}", rep)]

    def _update_hold(self, s: float) -> None:
        """Live hold timer: time spent near the top of the current rep (seconds)."""
        d = float(self._away(s))
        top = (
            self.phase == "active"
            and self._peak_d >= self.c.min_excursion
            and d >= self._peak_d - HOLD_BAND_DEG
        )
        if not top:
            self._hold_start = None
            self._hold_s = None
            return
        if self._hold_start is None:
            self._hold_start = self._t
        self._hold_s = self._t - self._hold_start

    # -- summaries ------------------------------------------------------------------------
    def skipped_checks(self) -> dict[str, str]:
        """Checks skipped in every rep (or, with no reps, in the current view), with reasons."""
        if not self.reps:
            view = self.views.estimate.view
            return {
                c.code: c.skip_reason() for c in self.d.checks if c.active(self.rx) and view not in c.views
            }
        common = set(self.reps[0].skipped)
        for r in self.reps[1:]:
            common &= set(r.skipped)
        return {code: self.reps[-1].skipped[code] for code in common}

    @property
    def state(self) -> CheckerState:
        by_side: dict[str, int] = {}
        for r in self.reps:
            if r.side:
                by_side[r.side] = by_side.get(r.side, 0) + 1
        hold_target = self.rx.get("hold_s") or None
        return CheckerState(
            exercise=self.d.name,
            phase=self.phase,
            reps=len(self.reps),
            reps_by_side=by_side,
            key_label=self.d.key_label,
            key_deg=float(self._last_key),
            target_deg=float(self.rx[self.d.target]),
            hold_s=self._hold_s,
            hold_target_s=hold_target,
            cue=self._cue,
            view=self.views.estimate.view,
            t_s=self._t,
        )

    @property
    def _last_key(self) -> float:
        return self._last_row.get(self.d.key_signal, float("nan"))
