"""The live loop: capture -> pose -> checker -> overlay, voice and saving, without lag.

Threads:

* **capture** (:mod:`formcheck.live.capture`): delivers each frame to a newest-frame slot;
* **pose** (:class:`PoseWorker`): takes the newest frame it has not seen, runs MediaPipe and
  the checker (through :class:`~formcheck.pipeline.Scorer`, exactly as offline scoring), the
  set-up guide, and publishes the result; when a rep completes it snapshots the session for
  the recorder;
* **main**: takes the newest frame, draws the overlay with the newest pose result, shows it,
  handles keys, speaks events, decides when the set ends;
* **voice** and **save** threads, each holding at most one pending item.

Display does not wait for pose estimation: every frame the camera delivers is shown as soon as
the main thread is free, with the most recent skeleton and count. Nothing queues up anywhere:
a consumer that is busy misses frames (counted as dropped) instead of falling behind.
"""

from __future__ import annotations

import contextlib
import math
import queue
import signal
import statistics
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from formcheck.annotate import cue_joints
from formcheck.checkers.base import CheckerState, Event
from formcheck.errors import ExitCode
from formcheck.live.capture import Captured, Source
from formcheck.live.overlay import AMBER, GREEN, GREY, WHITE, OverlayInfo, draw_overlay, summary_screen
from formcheck.live.recorder import Recorder
from formcheck.live.setup_guide import GuideState, SetupGuide
from formcheck.live.voice import SpeechPolicy, Voice
from formcheck.live.window import KEY_MUTE, KEY_PAUSE, KEY_QUIT, Window
from formcheck.orient import Orienter
from formcheck.pipeline import Scorer
from formcheck.session import Session
from formcheck.stills import StillKeeper
from formcheck.video import reduced_size

ENDED_EXIT = {
    "complete": ExitCode.OK,
    "stopped by user": ExitCode.OK,
    "window closed": ExitCode.OK,
    "interrupted": ExitCode.INTERRUPTED,
    "camera lost": ExitCode.CAMERA,
    "error": ExitCode.ERROR,
}
READY_BANNER_S = 1.5
STALE_POSE_S = 0.5  # a skeleton older than this is not drawn


class Histogram:
    """Streaming percentiles of durations in fixed memory (0.25 ms bins up to 2 s)."""

    BIN_S = 0.00025
    N = 8000

    def __init__(self) -> None:
        self.counts = np.zeros(self.N + 1, np.int64)
        self.n = 0
        self.max = 0.0

    def add(self, v: float) -> None:
        self.counts[min(self.N, max(0, int(v / self.BIN_S)))] += 1
        self.n += 1
        self.max = max(self.max, v)

    def percentile(self, p: float) -> float:
        if self.n == 0:
            return math.nan
        k = np.searchsorted(np.cumsum(self.counts), math.ceil(p / 100 * self.n))
        return (int(k) + 0.5) * self.BIN_S


@dataclass
class Stats:
    """What the benchmark prints; all bounded in size."""

    latency: Histogram = field(default_factory=Histogram)  # capture -> on screen, per frame
    pose_age: Histogram = field(default_factory=Histogram)  # capture of the drawn skeleton -> screen
    pose_time: Histogram = field(default_factory=Histogram)  # pose + checker per analysed frame
    displayed: int = 0
    analysed: int = 0
    not_displayed: int = 0  # delivered by the source, never shown (display busy)
    not_analysed: int = 0  # delivered, never analysed (pose busy)
    t_first: float = math.nan
    t_last: float = math.nan
    max_events_queued: int = 0
    max_voice_pending: int = 0
    rss_start: float = math.nan  # resident memory (MB) at the start,
    rss_warm: float = math.nan  # once warmed up (first reading after 10 s),
    rss_peak: float = math.nan  # the most seen (readings every 5 s),
    rss_end: float = math.nan  # and at the end

    def note_rss(self, t: float) -> None:
        mb = rss_mb()
        if not math.isfinite(self.rss_start):
            self.rss_start = mb
        elif t >= 10.0 and not math.isfinite(self.rss_warm):
            self.rss_warm = mb
        self.rss_peak = mb if not math.isfinite(self.rss_peak) else max(self.rss_peak, mb)
        self.rss_end = mb

    @property
    def display_fps(self) -> float:
        span = self.t_last - self.t_first
        return (self.displayed - 1) / span if self.displayed > 1 and span > 0 else math.nan


def rss_mb() -> float:
    """Resident memory of this process in MB (Linux; NaN elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        import os

        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, IndexError):
        return math.nan


@dataclass(frozen=True)
class PoseOut:
    """One analysed frame, as published by the pose thread."""

    seq: int
    t_cap: float
    image: np.ndarray  # (33, 4) raw image landmarks
    detected: bool
    state: CheckerState
    guide: GuideState


class PoseWorker:
    """The pose thread: newest frame -> MediaPipe -> Scorer -> set-up guide -> ``latest``."""

    def __init__(
        self,
        source: Source,
        estimator: Any,
        scorer: Scorer,
        guide: SetupGuide,
        recorder: Recorder | None,
        stats: Stats,
        max_side: int = 640,
    ) -> None:
        self.source = source
        self.estimator = estimator
        self.scorer = scorer
        self.guide = guide
        self.recorder = recorder
        self.stats = stats
        self.max_side = max_side
        self.events: queue.Queue[Event] = queue.Queue()
        self.latest: PoseOut | None = None
        self.error: BaseException | None = None
        self.paused = threading.Event()
        self.t_origin: float | None = None
        self.stills = StillKeeper(scorer.checker.d)  # the moments of faults, for the report
        self.orienter: Orienter | None = None  # made at the first frame, which gives the aspect
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="formcheck-pose", daemon=True)
        self._nan = np.full((33, 4), np.nan, np.float32)
        self._prev_cap: tuple[int, float] | None = None  # the last analysed frame's seq and t_cap
        self._steps: deque[float] = deque(maxlen=9)  # the camera's interval over recent gaps (s)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.source.slot.close()
        self._thread.join(timeout=10)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        last = -1
        try:
            while not self._stop.is_set():
                f = self.source.slot.wait_newer(last, 0.1)
                if f is None:
                    if self.source.ended.is_set():
                        latest = self.source.slot.latest()
                        if latest is None or latest.seq <= last:
                            return
                    continue
                self.stats.not_analysed += f.seq - last - 1
                last = f.seq
                self._analyse(f)
        except BaseException as e:  # reported by the main thread, with the set saved
            self.error = e

    def _analyse(self, f: Captured) -> None:
        t0 = time.perf_counter()
        if self.t_origin is None:
            self.t_origin = f.t_cap
        t_s = f.t_cap - self.t_origin
        h, w = f.bgr.shape[:2]
        sc = self.scorer
        prev, self._prev_cap = self._prev_cap, (f.seq, f.t_cap)
        if prev is not None and f.seq > prev[0] + 1:  # camera frames left out: its own interval
            # The median of the last few: frames are stamped as delivered, and a burst after a
            # stall would read as a tiny interval.
            self._steps.append((f.t_cap - prev[1]) / (f.seq - prev[0]))
            sc.checker.source_step(statistics.median(self._steps))
        if self.paused.is_set():
            # Paused by the user: the checker sees nobody, so it pauses itself as it would for
            # someone leaving the picture (a rep being finished still completes). Once it is
            # back in set-up nothing more is analysed until the pause ends.
            sc.away()  # not told afterwards as a stretch they were lost
            if sc.checker.phase == "setup":
                return
            image, world, n_people = self._nan, self._nan, 0
            people = None
        else:
            sw, sh = reduced_size(w, h, self.max_side)
            small = cv2.resize(f.bgr, (sw, sh), interpolation=cv2.INTER_AREA) if (sw, sh) != (w, h) else f.bgr
            rgb = cv2.cvtColor(small, cv2.COLOR_BGR2RGB)
            if self.orienter is None:
                self.orienter = Orienter(w / h, enabled=sc.checker.d.lying)
            res = self.estimator.detect(rgb, round(t_s * 1000), self.orienter.mirror)
            self.orienter.observe(res.image)
            image, world, n_people = res.image, res.world, res.n_people
            people = (res.people_image, res.people_world)
        events = sc.update(image, world, t_s, w / h, n_people, people=people)
        image = sc.image  # the person followed (formcheck.track), as scored
        if people is not None:
            self.stills.offer(t_s, rgb, image)
        for e in events:
            if e.rep is not None:
                self.stills.capture(e.rep)
        state = sc.checker.state
        sig = sc.trace_sig[-1] if sc.trace_sig else math.nan
        if people is None and self.latest is not None:
            guide = self.latest.guide  # paused: nobody was looked for, so nothing to guide on
        else:
            guide = self.guide.update(t_s, state.phase, image, n_people, state.view, sig,
                                      sc.checker.at_start, sc.checker.unclear_cue)
        self.latest = PoseOut(f.seq, f.t_cap, image, n_people > 0, state, guide)
        self.stats.analysed += 1
        if any(e.kind == "rep" for e in events) and self.recorder is not None:
            self.recorder.request(sc.snapshot(self.stills.stills))
        for e in events:
            self.events.put(e)
        self.stats.pose_time.add(time.perf_counter() - t0)


WIDEST = 16 / 9  # the widest window shown: a laptop screen's shape


def display_copy(bgr: np.ndarray, display_height: int) -> np.ndarray:
    """A copy of ``bgr`` to draw on, resized for the window: ``display_height`` high (0: as
    captured), no wider than :data:`WIDEST` times that height (a 640x330 picture 720 high ran
    1396 wide, off the side of a 1280-wide screen, the count and set-up step with it)."""
    h, w = bgr.shape[:2]
    if not display_height:
        return bgr.copy()
    scale = min(display_height / h, WIDEST * display_height / w)
    dw, dh = max(1, round(w * scale)), max(1, round(h * scale))
    if (dw, dh) == (w, h):
        return bgr.copy()
    return cv2.resize(bgr, (dw, dh), interpolation=cv2.INTER_LINEAR)


@dataclass
class LiveConfig:
    """Settings of one live set (see ``formcheck.live.app`` for the command line).

    Attributes:
        exercise: an exercise's name (see ``formcheck exercises``).
        prescription: overrides of the exercise's targets.
        title: the window title ("formcheck - Squat - set 1 of 1").
        target_reps: the set ends once this many reps are done (per side where the exercise's TOML counts
            each side);
            0 = no target.
        headless: no window.
        max_seconds: end the set after this long (None: no limit).
        summary_s: how long the summary screen stays (a key closes it sooner).
        max_side: long side of the frame handed to the pose model (pixels).
        display_height: frames are shown this high (readable from 2-3 m); 0 = as captured.
        ask_pain: after the summary, ask in the window for a pain score (kept in the result).
    """

    exercise: str
    prescription: dict[str, Any] | None = None
    title: str = "formcheck"
    target_reps: int = 0
    headless: bool = False
    max_seconds: float | None = None
    summary_s: float = 8.0
    max_side: int = 640
    display_height: int = 720
    ask_pain: bool = False


@dataclass
class LiveResult:
    """How a set ended: ``ended`` (the session's), the final session and its files."""

    ended: str
    message: str | None
    session: Session | None
    paths: list[Path]
    stats: Stats
    error: BaseException | None = None
    pain_after: int | None = None

    @property
    def exit_code(self) -> int:
        return int(ENDED_EXIT.get(self.ended, ExitCode.ERROR))


class LiveLoop:
    """Runs one set. Build with its parts, then :meth:`run` on the main thread."""

    def __init__(
        self,
        config: LiveConfig,
        source: Source,
        estimator: Any,
        window: Window,
        voice: Voice,
        recorder: Recorder | None,
    ) -> None:
        self.cfg = config
        self.source = source
        self.window = window
        self.voice = voice
        self.recorder = recorder
        self.stats = Stats()
        self.scorer = Scorer(config.exercise, config.prescription)
        self.guide = SetupGuide(self.scorer.checker.d)
        self.worker = PoseWorker(
            source, estimator, self.scorer, self.guide, recorder, self.stats, config.max_side
        )
        checker = self.scorer.checker
        self.policy = SpeechPolicy(judged=lambda rep: not checker.d.unchecked(checker.rx, rep.skipped))
        self._t0 = time.monotonic()
        if recorder is not None:
            recorder.transcript = self.transcript
        self.stop_reason: str | None = None  # set from a signal handler
        self.terminated = False  # the stop was a SIGTERM (exit 143, not Ctrl-C's 130)
        self._ready_until = -1.0
        self._user_paused = False
        self._spoken_guide: str | None = None
        self._last_frame: np.ndarray | None = None

    # -- helpers ---------------------------------------------------------------------------
    def transcript(self) -> list[dict[str, Any]]:
        """What the voice said, on the session's clock (seconds from the first analysed frame)."""
        origin = self.worker.t_origin if self.worker.t_origin is not None else self._t0
        return [{"t_s": round(t - origin, 2), "text": text} for t, text in list(self.voice.transcript)]

    def request_stop(self, reason: str) -> None:
        if self.stop_reason is None:
            self.stop_reason = reason

    def _set_done(self, st: CheckerState) -> bool:
        n = self.cfg.target_reps
        if n <= 0:
            return False
        if st.per_side and st.reps_by_side:
            return max(st.reps_by_side.values()) >= n
        return st.reps >= n

    def _initial_state(self) -> CheckerState:
        return self.scorer.checker.state

    def _handle_events(self, now: float) -> bool:
        """Speak and flag checker events; True when the set is complete."""
        q = self.worker.events
        self.stats.max_events_queued = max(self.stats.max_events_queued, q.qsize())
        done = False
        while True:
            try:
                ev = q.get_nowait()
            except queue.Empty:
                break
            if ev.kind == "ready":
                self._ready_until = now + READY_BANNER_S
            line = self.policy.event(ev, now)
            self.voice.say(line)
        pose = self.worker.latest
        if pose is not None:
            if self._set_done(pose.state):
                done = True
            cue = pose.guide.cue
            if self._user_paused:
                pass  # the banner says what to do; nothing else is said until the set resumes
            elif pose.state.phase == "setup" and cue and cue != self._spoken_guide and not self.voice.pending:
                # (a line not begun yet, "Resumed." or a rep's number, is not replaced by it)
                said = self.policy.cue(cue, now)
                if said:
                    self._spoken_guide = cue
                    self.voice.say(said)
            elif pose.state.phase != "setup" and self.voice.pending == 0:
                self.voice.say(self.policy.due(now))  # a fault cue that had to wait
        self.stats.max_voice_pending = max(self.stats.max_voice_pending, self.voice.pending)
        return done

    def _key(self, action: str | None) -> None:
        if action == KEY_QUIT:
            self.request_stop("stopped by user")
        elif action == KEY_PAUSE:
            self._user_paused = not self._user_paused
            if self._user_paused:
                self.worker.paused.set()
            else:
                self.worker.paused.clear()
            self.voice.say("Paused." if self._user_paused else "Resumed.")
        elif action == KEY_MUTE:
            self.voice.toggle_mute()

    def _info(self, now: float, pose: PoseOut | None) -> OverlayInfo:
        banner = sub = None
        if self._user_paused:
            banner, sub = "PAUSED", "press space to resume"
        elif now < self._ready_until:
            banner = "READY - GO!"
        guide = pose.guide if pose is not None else GuideState("Step into view of the camera.", 1)
        if self._user_paused:
            guide = GuideState(None, 0)  # the banner says what to do
        state = pose.state if pose is not None else None
        joints = cue_joints(self.scorer.checker.d, state.cue) if state is not None else ()
        return OverlayInfo(
            joints=joints,
            title=self.cfg.title,
            target_reps=self.cfg.target_reps,
            guide_cue=guide.cue,
            guide_step=guide.step,
            banner=banner,
            banner_sub=sub,
            voice_note=(
                "NO VOICE"
                if not self.voice.available or not self.voice.can_play
                else "MUTED"
                if self.voice.muted
                else None
            ),
        )

    # -- the loop --------------------------------------------------------------------------
    def run(self) -> LiveResult:
        ended = "error"
        message: str | None = None
        error: BaseException | None = None
        t_start = time.monotonic()
        self.stats.note_rss(0.0)
        try:
            self.voice.start()
            self.worker.start()
            if not self.source.started:
                self.source.start()
            ended, message = self._main(t_start)
        except KeyboardInterrupt:
            ended = "interrupted"
        except Exception as e:  # saved below with ended="error"; reported in one sentence
            ended, error = "error", e
        return self._finish(ended, message, error)

    def _main(self, t_start: float) -> tuple[str, str | None]:
        shown = -1
        state0 = self._initial_state()
        last_rss = t_start
        while True:
            now = time.monotonic()
            if self.stop_reason:
                return self.stop_reason, None
            if self.worker.error is not None:
                raise self.worker.error
            if self.cfg.max_seconds is not None and now - t_start >= self.cfg.max_seconds:
                return "stopped by user", None
            if now - last_rss > 5.0:
                self.stats.note_rss(now - t_start)
                last_rss = now
            f = self.source.slot.wait_newer(shown, 0.03)
            if f is None:
                if self.source.ended.is_set():
                    latest = self.source.slot.latest()
                    if latest is None or latest.seq <= shown:
                        if self.source.end_reason == "eof" and not self.source.truncated:
                            return "complete", None  # a video file played to its end
                        return "camera lost", self.source.message
                self._key(self.window.poll(5))
                if self._handle_events(time.monotonic()):
                    return "complete", None
                if self.window.closed:
                    return "window closed", None
                continue
            self.stats.not_displayed += f.seq - shown - 1
            shown = f.seq
            pose = self.worker.latest
            img = display_copy(f.bgr, self.cfg.display_height)
            state = pose.state if pose is not None else state0
            lm = (
                pose.image
                if pose is not None and pose.detected and f.t_cap - pose.t_cap < STALE_POSE_S
                else None
            )
            draw_overlay(img, state, self._info(now, pose), lm)
            action = self.window.show(img)
            t_shown = time.monotonic()
            st = self.stats
            st.latency.add(t_shown - f.t_cap)
            if lm is not None and pose is not None:
                st.pose_age.add(t_shown - pose.t_cap)
            st.displayed += 1
            if st.displayed == 1:
                st.t_first = t_shown
            st.t_last = t_shown
            self._last_frame = f.bgr
            self._key(action)
            if self._handle_events(t_shown):
                return "complete", None
            if self.window.closed:
                return "window closed", None

    def _finish(self, ended: str, message: str | None, error: BaseException | None) -> LiveResult:
        # Stop the producers first, so the checker is no longer being fed, then finish it.
        self.source.stop()
        self.worker.stop()
        if error is None and self.worker.error is not None:
            error, ended = self.worker.error, "error"
        session = None
        paths: list[Path] = []
        try:
            self.scorer.flush()  # frames held after a jump are fed; a rep settling completes
        except Exception as e:  # pragma: no cover - keep the reps already counted
            error = error or e
        # Speak the set's end (mute or no voice: nothing); the saved session has it once begun.
        ticket = self.voice.say(self._end_line(ended))
        if ticket is not None:  # (after the line playing, a rep's number and cue: up to 2 s)
            self.voice.wait_begun(ticket, timeout=2.0)
        for rep in self.scorer.checker.reps:  # a rep completed by finish() gets its stills too
            self.worker.stills.capture(rep)
        snap = self.scorer.snapshot(self.worker.stills.stills)
        if self.recorder is not None:
            self.recorder.close()
            try:
                session = self.recorder.write(snap, ended)
                paths = self.recorder.paths
            except OSError as e:
                message = f"Cannot save the session in {self.recorder.out_dir}: {e.strerror or e}."
                session = self.recorder.session(snap, ended)
        self.stats.note_rss(math.inf)
        result = LiveResult(ended, message, session, paths, self.stats, error)
        if not self.window.headless and ended not in ("interrupted", "window closed", "error"):
            with contextlib.suppress(KeyboardInterrupt):
                self._summary(result)
                if self.cfg.ask_pain and session is not None and session.reps and not self.window.closed:
                    from formcheck.live.pain import ask_pain_in_window

                    size = (1280, self.cfg.display_height or 720)
                    result.pain_after = ask_pain_in_window(self.window, "now, after the set", size)
        self.window.close()
        self.voice.wait_idle(timeout=4.0 if not self.window.headless else 0.5)
        self.voice.stop()
        return result

    def _end_line(self, ended: str) -> str | None:
        n = len(self.scorer.checker.reps)
        units = f"{n} {self.scorer.checker.d.unit_word}{'s' if n != 1 else ''}"
        if ended == "complete":
            return f"Set complete. {units}. Well done."
        if ended == "stopped by user":
            return f"Set ended. {units}."
        if ended == "camera lost":
            return f"The camera stopped. {units} saved."
        return None

    def _summary(self, result: LiveResult) -> None:
        lines = summary_lines(result, self.cfg)
        last = self._last_frame
        last = display_copy(last, self.cfg.display_height) if last is not None else None
        img = summary_screen(last, lines, (1280, self.cfg.display_height or 720))
        t_shown = time.monotonic()
        deadline = t_shown + self.cfg.summary_s
        self.window.show(img)
        reason = self.stop_reason  # "stopped by user" after q: the summary still shows
        while time.monotonic() < deadline and self.stop_reason == reason:
            key = self.window.read_key(50)
            # A key closes it, but not the one that ended the set still bouncing (0.5 s grace).
            if (key is not None and time.monotonic() - t_shown > 0.5) or self.window.closed:
                break


HEADLINES = {
    "complete": "Set complete",
    "stopped by user": "Set ended",
    "camera lost": "Camera stopped",
    "window closed": "Window closed",
    "interrupted": "Stopped",
    "error": "Stopped by an error",
}


def summary_lines(result: LiveResult, cfg: LiveConfig) -> list[tuple[str, float, tuple[int, int, int]]]:
    """The summary screen's lines: headline, reps, the cues most often given, saved path."""
    s = result.session
    lines: list[tuple[str, float, tuple[int, int, int]]] = [
        (HEADLINES.get(result.ended, result.ended), 1.6, GREEN if result.ended == "complete" else WHITE)
    ]
    if s is not None:
        from formcheck.definitions import load
        from formcheck.report_text import unchecked

        d = load(s.exercise)
        n = len(s.reps)
        count = f"{n} {d.unit_word}{'s' if n != 1 else ''}"
        by_side = s.reps_by_side()
        if by_side:
            count += "  (" + ", ".join(f"{k} {v}" for k, v in sorted(by_side.items())) + ")"
        lines.append((count, 1.3, WHITE))
        not_checked = sum(1 for r in s.reps if not r.faults and unchecked(d, s, r.skipped))
        clean = sum(1 for r in s.reps if not r.faults) - not_checked
        if n - not_checked:
            checked = f"{n - not_checked} checked" if not_checked else f"{n}"
            lines.append((f"{clean} of {checked} with good form", 0.9, GREEN))
        if not_checked:
            lines.append((f"{not_checked} not checked (reasons in the terminal)", 0.75, GREY))
        counts: dict[str, tuple[int, str]] = {}
        for r in s.reps:
            for fault in r.faults:
                c, msg = counts.get(fault.code, (0, fault.message))
                counts[fault.code] = (c + 1, msg)
        for _code, (c, msg) in sorted(counts.items(), key=lambda kv: -kv[1][0])[:3]:
            lines.append((f"{msg} ({c}x)", 0.75, AMBER))
        if d.not_judged and n:  # what the documents ask that video cannot show (the terminal: what to do)
            unjudged = ", ".join(u.label for u in d.not_judged)
            lines.append((f"Not judged from video: {unjudged}", 0.65, GREY))
    if result.message:
        lines.append((result.message, 0.7, GREY))
    if result.paths:
        lines.append((f"Saved in {result.paths[0].parent.name}", 0.65, GREY))  # full path: terminal
    lines.append(("Press any key to close.", 0.6, GREY))
    return lines


def install_signal_handlers(loop: LiveLoop) -> dict[int, Any]:
    """Ctrl-C and SIGTERM end the set cleanly (saved, ended "interrupted"); a second Ctrl-C
    raises KeyboardInterrupt at once. Returns the old handlers (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    old: dict[int, Any] = {}

    def on_signal(signum: int, _frame: Any) -> None:
        if loop.stop_reason is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt
        loop.terminated = loop.terminated or (signum == signal.SIGTERM and loop.stop_reason is None)
        loop.request_stop("interrupted")

    for sig in (signal.SIGINT, signal.SIGTERM):
        old[sig] = signal.signal(sig, on_signal)
    return old


def restore_signal_handlers(old: dict[int, Any]) -> None:
    for sig, h in old.items():
        signal.signal(sig, h)
