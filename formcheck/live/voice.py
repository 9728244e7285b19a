"""Spoken rep numbers and cues: an offline text-to-speech engine on its own thread.

:class:`SpeechPolicy` decides *what* to say and when (pure, clock passed in, so it is tested
without audio): rep numbers always; at most one cue every ``cue_gap_s``; never the same cue
again within ``repeat_gap_s``; now and then a praise line after a clean rep. A fault cue that
comes too soon after another is owed, not lost: the most important one owed is said at the
next chance (:meth:`SpeechPolicy.due`).

:class:`Voice` says it, and keeps a transcript (when each line began, and what it said) that
the live recorder saves with the session. On Linux each line is synthesised to a WAV file by
the ``espeak-ng`` command (:class:`EspeakCli`; pyttsx3's espeak driver where the command is
missing) and played with ``aplay`` from alsa-utils (or ``paplay`` / ``pw-play``), so a missing
audio device is noticed (the player fails) instead of passing silently. Elsewhere ``pyttsx3``
speaks with SAPI5 (Windows) or NSSpeechSynthesizer (macOS). Only the
newest line waits to be spoken: a line still waiting when a newer one comes is dropped, so
speech never lags behind the set. When no engine or no audio output exists, it says so once
and carries on silent. :meth:`Voice.mute` toggles it (the ``m`` key).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

from formcheck.checkers.base import Event, Rep

PRAISE = ("Good rep.", "Nice and controlled.", "That's it.", "Well done.", "Great form.")
PLAYERS = (("aplay", "-q"), ("paplay",), ("pw-play",))


class SpeechPolicy:
    """What to say for each checker event and set-up cue, rate-limited.

    Args:
        cue_gap_s: at least this long between two cues.
        repeat_gap_s: the same cue is not said again within this long.
        praise_every: praise every this many clean reps in a row...
        praise_gap_s: ...and at most once in this long.
        judged: True when a rep made at least one of its checks (a rep none of whose checks
            could be made is not praised, nor counted as a clean rep).
    """

    def __init__(
        self,
        cue_gap_s: float = 4.0,
        repeat_gap_s: float = 20.0,
        praise_every: int = 3,
        praise_gap_s: float = 12.0,
        owed_for_s: float = 15.0,
        judged: Callable[[Rep], bool] | None = None,
    ) -> None:
        self.judged = judged or (lambda rep: True)
        self.cue_gap_s = cue_gap_s
        self.repeat_gap_s = repeat_gap_s
        self.praise_every = praise_every
        self.praise_gap_s = praise_gap_s
        self.owed_for_s = owed_for_s
        # A fault cue that came while another cue was still fresh: (rank, since, text). The
        # most important one (lowest rank: a rep's first fault is its most important) is said
        # at the next chance, unless it has gone stale.
        self._owed: tuple[int, float, str] | None = None
        self._last_cue_t = -1e9
        self._said: dict[str, float] = {}
        self._clean_run = 0
        self._last_praise_t = -1e9
        self._praise_i = 0

    def cue(self, text: str | None, now: float) -> str | None:
        """``text`` if a cue may be said now (and records it), else None."""
        if not text:
            return None
        if now - self._last_cue_t < self.cue_gap_s:
            return None
        if now - self._said.get(text, -1e9) < self.repeat_gap_s:
            return None
        self._last_cue_t = now
        self._said[text] = now
        return text

    def owe(self, text: str, now: float, rank: int = 0) -> None:
        """Keep ``text`` to say at the next chance (the most important one owed is kept)."""
        if self._owed is None or rank <= self._owed[0]:
            self._owed = (rank, now, text)

    def due(self, now: float) -> str | None:
        """The owed cue, once a cue may be said again (and it is not stale), else None."""
        if self._owed is None:
            return None
        _rank, since, text = self._owed
        if now - since > self.owed_for_s:
            self._owed = None
            return None
        said = self.cue(text, now)
        if said is not None:
            self._owed = None
        return said

    def fault_cue(self, messages: list[str], now: float) -> str | None:
        """The cue to say for a rep's faults (most important first): the first not said
        recently, if a cue may be said now; otherwise it is owed for the next chance."""
        fresh = [
            (i, m) for i, m in enumerate(messages) if now - self._said.get(m, -1e9) >= self.repeat_gap_s
        ]
        if not fresh:
            return None
        rank, text = fresh[0]
        said = self.cue(text, now)
        if said is None:
            self.owe(text, now, rank)
        elif self._owed is not None and self._owed[2] == said:
            self._owed = None
        return said

    def praise(self, now: float) -> str | None:
        if self._clean_run < self.praise_every or now - self._last_praise_t < self.praise_gap_s:
            return None
        self._clean_run = 0
        self._last_praise_t = now
        line = PRAISE[self._praise_i % len(PRAISE)]
        self._praise_i += 1
        return line

    def event(self, ev: Event, now: float) -> str | None:
        """The line to say for a checker event, or None."""
        if ev.kind == "rep" and ev.rep is not None:
            rep = ev.rep
            words = [f"{rep.index}."]
            if rep.faults:
                self._clean_run = 0
                extra = self.fault_cue([f.message for f in rep.faults], now)
            elif not self.judged(rep):  # nothing was checked: no praise, and the run of clean reps stops
                self._clean_run = 0
                extra = None
            else:
                self._clean_run += 1
                extra = self.praise(now)
            if extra:
                words.append(extra)
            return " ".join(words)
        if ev.kind == "ready":
            return "Ready. Go."
        if ev.kind == "paused":
            return self.cue("Paused. Get back into the start position.", now)
        return None


def _silence_prints(module_name: str) -> None:
    """pyttsx3's espeak driver prints "Audio saved to ..." on stdout; keep stdout clean."""
    mod = sys.modules.get(module_name)
    if mod is not None:
        mod.print = lambda *a, **k: None  # type: ignore[attr-defined]


class Voice:
    """Says lines on its own thread; only the newest unsaid line is kept.

    Args:
        enabled: False: never speaks and never loads an engine (``--mute`` starts muted
            instead, so ``m`` can unmute).
        muted: start muted.
        notify: called once with a sentence when voice is unavailable.
        record_dir: also keep each synthesised line as ``NNN.wav`` here (tests; Linux).
        engine_factory: returns a pyttsx3-like engine (tests); default ``pyttsx3.init``.
        player: command to play a WAV file (default: the first of aplay, paplay, pw-play).

    Attributes:
        spoken: lines actually said (or synthesised, when only recording), in order, each from
            when it began (a line cut off at the set's end was begun, so heard in part).
        transcript: (monotonic time it began, line) of each line in ``spoken``.
        available: False once the engine or the audio output is found missing.
    """

    def __init__(
        self,
        *,
        enabled: bool = True,
        muted: bool = False,
        notify: Callable[[str], None] | None = None,
        record_dir: Path | None = None,
        engine_factory: Callable[[], Any] | None = None,
        player: tuple[str, ...] | None = None,
    ) -> None:
        self.enabled = enabled
        self.muted = muted
        self.notify = notify or (lambda msg: print(f"formcheck: {msg}", file=sys.stderr))
        self.record_dir = record_dir
        self.engine_factory = engine_factory
        self.player = player
        self.spoken: list[str] = []
        self.transcript: list[tuple[float, str]] = []
        self.dropped = 0
        self.available = enabled
        self.can_play = True
        self._pending: str | None = None
        # Tickets: each line queued is numbered; the last begun is remembered (wait_begun).
        self._queued = self._pending_ticket = self._current = self._begun = 0
        self._cond = threading.Condition()
        self._stop = False
        self._busy = False
        self._proc: subprocess.Popen[bytes] | None = None
        self._killed = False  # the line playing was cut off by formcheck (mute, stop)
        self._thread: threading.Thread | None = None
        self._n = 0

    # -- control (any thread) ---------------------------------------------------------------
    def start(self) -> None:
        if not self.enabled:
            return
        self._thread = threading.Thread(target=self._run, name="formcheck-voice", daemon=True)
        self._thread.start()

    def say(self, text: str | None) -> int | None:
        """Queue ``text`` (replacing a line not yet begun); ignored when muted or unavailable.
        Returns its ticket for :meth:`wait_begun` (None: ignored)."""
        if not text or not self.enabled or not self.available or self.muted:
            return None
        with self._cond:
            if self._pending is not None:
                self.dropped += 1
            self._queued += 1
            self._pending, self._pending_ticket = text, self._queued
            self._cond.notify_all()
            return self._queued

    def toggle_mute(self) -> bool:
        """Mute or unmute; muting also cuts off the line being said. Returns ``muted``."""
        self.muted = not self.muted
        if self.muted:
            with self._cond:
                self._pending = None
            self._kill_player()
        return self.muted

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is pending or being said (tests, end of set)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                if self._pending is None and not self._busy:
                    return True
            if self._thread is None or not self._thread.is_alive():
                return True
            time.sleep(0.02)
        return False

    def wait_begun(self, ticket: int, timeout: float = 1.0) -> bool:
        """Wait until the line of ``ticket`` (or one queued after it) has begun: the set's end
        line, so that the saved session has it. False at once when nothing will be said."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not (self.enabled and self.available and not self.muted):
                return False
            if self._thread is None or not self._thread.is_alive():
                return False
            with self._cond:
                if self._begun >= ticket:
                    return True
                if self._pending is None and not self._busy:
                    return False  # dropped (empty synthesis) or never queued
            time.sleep(0.02)
        return False

    def stop(self, timeout: float = 2.0) -> None:
        with self._cond:
            self._stop = True
            self._pending = None
            self._cond.notify_all()
        self._kill_player()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def pending(self) -> int:
        return 0 if self._pending is None else 1

    # -- the thread --------------------------------------------------------------------------
    def _unavailable(self, msg: str) -> None:
        if self.available:
            self.available = False
            self.notify(msg)

    def _kill_player(self) -> None:
        p = self._proc
        self._killed = True
        if p is not None and p.poll() is None:
            with contextlib.suppress(OSError):
                p.terminate()

    def _run(self) -> None:
        # Nothing is loaded or checked before the first line to say: muted from the start, a
        # missing engine or audio device is not worth a message.
        with self._cond:
            self._cond.wait_for(lambda: self._stop or self._pending is not None)
            if self._stop:
                return
        try:
            engine = self._make_engine()
        except Exception as e:  # any engine failure: carry on silent
            self._unavailable(
                f"No text-to-speech engine could start ({type(e).__name__}: {e}); carrying on without voice."
            )
            return
        # Linux: espeak-ng synthesises to a file that a player plays (a failure is visible).
        # Elsewhere the platform voice plays directly.
        linux_espeak = sys.platform.startswith("linux")
        if linux_espeak:
            _silence_prints("pyttsx3.drivers.espeak")
            if self.player is None:
                for cmd in PLAYERS:
                    if shutil.which(cmd[0]):
                        self.player = cmd
                        break
            if self.player is None:
                self.can_play = False
                if self.record_dir is None:
                    self._unavailable("No audio player (aplay) found; carrying on without voice.")
                    return
                self.notify("No audio player (aplay) found; carrying on without voice.")
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stop or self._pending is not None)
                if self._stop:
                    return
                text, self._pending = self._pending or "", None
                self._current = self._pending_ticket
                self._busy = True
            try:
                if linux_espeak:
                    self._synth_and_play(engine, text)
                else:
                    t0 = time.monotonic()
                    engine.say(text)
                    engine.runAndWait()
                    self._said(t0, text)
            except Exception as e:
                self._unavailable(f"Speech failed ({e}); carrying on without voice.")
                return
            finally:
                self._busy = False

    def _said(self, t0: float, text: str) -> None:
        self.spoken.append(text)
        self.transcript.append((t0, text))
        self._begun = self._current

    def _make_engine(self) -> Any:
        if self.engine_factory is not None:
            return self.engine_factory()
        exe = shutil.which("espeak-ng") or shutil.which("espeak")
        if sys.platform.startswith("linux") and exe:
            return EspeakCli(exe)
        import pyttsx3  # imported here: optional at run time, and slow to import

        engine = pyttsx3.init()
        with contextlib.suppress(Exception):
            engine.setProperty("rate", 165)
        return engine

    def _synth_and_play(self, engine: Any, text: str) -> None:
        fd, wav = tempfile.mkstemp(prefix="formcheck-voice-", suffix=".wav")
        os.close(fd)
        try:
            t0 = time.monotonic()
            for _ in range(2):  # an empty file is made again once, then the line is skipped
                engine.save_to_file(text, wav)
                engine.runAndWait()
                if wav_frames(wav) > 0:
                    break
            else:
                return
            self._n += 1
            if self.record_dir is not None:
                self.record_dir.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(wav, self.record_dir / f"{self._n:03d}.wav")
            if self.can_play and self.player is not None and not self.muted:
                self._said(time.monotonic(), text)  # from when it begins: a line cut off was heard
                self._killed = False
                try:
                    self._proc = subprocess.Popen(
                        [*self.player, wav], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
                    )
                    _, err = self._proc.communicate()
                    rc = self._proc.returncode
                except OSError as e:
                    rc, err = 1, str(e).encode()
                finally:
                    self._proc = None
                # Cut off by formcheck (muted, the set's end): the player's exit status says
                # nothing about the audio device.
                if rc != 0 and not self.muted and not self._killed:
                    self.spoken.pop()  # not heard after all
                    self.transcript.pop()
                    self.can_play = False
                    why = err.decode(errors="replace").strip().splitlines()
                    detail = f" ({why[-1]})" if why else ""
                    msg = f"No audio output device{detail}; carrying on without voice."
                    if self.record_dir is None:
                        self._unavailable(msg)
                        return
                    self.notify(msg)
                    self._said(t0, text)  # recording only: synthesised
            else:
                self._said(t0, text)
        finally:
            Path(wav).unlink(missing_ok=True)


def wav_frames(path: str | Path) -> int:
    """Audio frames in a WAV file; 0 for an empty, unfinished or unreadable one."""
    try:
        with wave.open(str(path), "rb") as w:
            return w.getnframes()
    except (OSError, EOFError, wave.Error):
        return 0


class EspeakCli:
    """The espeak-ng command as a pyttsx3-like engine (``save_to_file`` + ``runAndWait``).

    pyttsx3's espeak driver writes the WAV file when espeak signals the end of the message,
    *before* adding the samples delivered in that same callback: a short line whose samples all
    come in that last callback ("1.") is saved as an empty WAV, depending on how espeak
    chunks the audio. The command line writes the whole file and exits, so the file is
    complete when ``runAndWait`` returns.
    """

    def __init__(self, exe: str, rate: int = 165) -> None:
        self.exe = exe
        self.rate = rate
        self._job: tuple[str, str] | None = None

    def setProperty(self, name: str, value: Any) -> None:  # noqa: N802 - pyttsx3's name
        if name == "rate":
            self.rate = int(value)

    def save_to_file(self, text: str, filename: str) -> None:
        self._job = (text, filename)

    def say(self, text: str) -> None:  # pragma: no cover - Linux uses save_to_file
        raise NotImplementedError

    def runAndWait(self) -> None:  # noqa: N802 - pyttsx3's name
        if self._job is None:
            return
        text, filename = self._job
        self._job = None
        subprocess.run(
            [self.exe, "-s", str(self.rate), "-w", filename, "--", text],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
            timeout=30,
        )
