"""What the person sees and hears live: a rate-limited cue is owed, not lost; the voice's
transcript is saved; speech files are whole; pain is asked in the window; ``q`` shows the
summary; the window opens at once with a start screen, resizes and goes full screen."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import wave
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.checkers.base import Event, Fault, Rep
from formcheck.live.overlay import WHITE, summary_screen
from formcheck.live.pain import key_to_score, pain_screen
from formcheck.live.recorder import Recorder
from formcheck.live.voice import EspeakCli, SpeechPolicy, Voice, wav_frames
from formcheck.pipeline import Scorer

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "squat_side_faults_a.mp4"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_live_window import display, screenshot  # noqa: E402, F401 - the Xvfb fixture

LINUX_X = pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("Xvfb") is None,
    reason="needs Xvfb (apt-get install xvfb)",
)
XDOTOOL = pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")


def _rep(i: int, codes: list[str]) -> Rep:
    faults = [Fault(c, f"fix {c}", "004", "", 1.0, 0.0) for c in codes]
    return Rep(i, None, 0.0, 0.5, 1.0, "side", {}, faults)


# -- speech ---------------------------------------------------------------------------------------


def test_a_rate_limited_fault_cue_is_said_at_the_next_chance() -> None:
    p = SpeechPolicy(cue_gap_s=4.0, repeat_gap_s=20.0, owed_for_s=15.0)
    assert p.cue("Ready cue.", 0.0) == "Ready cue."
    assert p.event(Event("rep", 2.0, rep=_rep(1, ["heels_lifting"])), 2.0) == "1."  # too soon
    assert p.due(3.0) is None  # still too soon
    assert p.due(4.5) == "fix heels_lifting"  # owed, not lost
    assert p.due(9.0) is None  # said once
    # Two owed while waiting: the more important (a rep's first fault) wins.
    p.event(Event("rep", 5.0, rep=_rep(2, ["shallow", "too_fast"])), 5.0)
    assert p.due(9.0) == "fix shallow"
    # A cue owed too long is stale and dropped.
    p.event(Event("rep", 10.0, rep=_rep(3, ["trunk_lean"])), 10.0)
    assert p.due(26.0) is None


class _FlakyEngine:
    """Writes an empty WAV the first time (as pyttsx3's espeak driver sometimes does)."""

    def __init__(self) -> None:
        self.calls = 0
        self._job: tuple[str, str] = ("", "")

    def save_to_file(self, text: str, path: str) -> None:
        self._job = (text, path)

    def runAndWait(self) -> None:  # noqa: N802 - pyttsx3's name
        self.calls += 1
        with wave.open(self._job[1], "wb") as f:
            f.setnchannels(1)
            f.setsampwidth(2)
            f.setframerate(22050)
            f.writeframes(b"" if self.calls == 1 else b"\1\0" * 2205)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux WAV path")
def test_an_empty_speech_file_is_made_again_and_the_transcript_kept(tmp_path: Path) -> None:
    engine = _FlakyEngine()
    v = Voice(notify=lambda m: None, engine_factory=lambda: engine, player=("true",), record_dir=tmp_path)
    t0 = time.monotonic()
    v.start()
    v.say("1.")
    assert v.wait_idle(5)
    v.stop()
    assert engine.calls == 2
    assert [text for _, text in v.transcript] == ["1."] and t0 <= v.transcript[0][0] <= time.monotonic()
    assert wav_frames(next(tmp_path.glob("*.wav"))) == 2205


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="no espeak-ng (apt-get install espeak-ng)")
def test_espeak_command_writes_whole_files(tmp_path: Path) -> None:
    e = EspeakCli(shutil.which("espeak-ng") or "espeak-ng")
    sizes = []
    for i in range(6):
        wav = tmp_path / f"{i}.wav"
        e.save_to_file("1.", str(wav))
        e.runAndWait()
        sizes.append(wav_frames(wav))
    assert min(sizes) > 2000 and len(set(sizes)) == 1, sizes  # never empty, always the same


def test_the_recorder_saves_what_was_said(tmp_path: Path) -> None:
    sc = Scorer("squat")
    rec = Recorder(tmp_path / "s", exercise="squat", source="camera 0", fps=30.0,
                   prescription=dict(sc.checker.rx), key_label="knee")
    rec.transcript = lambda: [{"t_s": 1.25, "text": "Ready. Go."}, {"t_s": 4.5, "text": "1."}]
    rec.write(sc.snapshot(), "complete")
    rec.close()
    data = json.loads((tmp_path / "s" / "session.json").read_text())
    assert data["spoken"] == [{"t_s": 1.25, "text": "Ready. Go."}, {"t_s": 4.5, "text": "1."}]
    from formcheck.session import load_session

    assert load_session(tmp_path / "s" / "session.json").ended == "complete"  # still a session


def test_pain_keys() -> None:
    assert [key_to_score(ord(c)) for c in "0579t"] == [0, 5, 7, 9, 10]
    assert key_to_score(ord("x")) is None and key_to_score(None) is None
    a, b = pain_screen("now"), pain_screen("now", chosen=3)
    assert a.shape == (720, 1280, 3) and not np.array_equal(a, b)


# -- the window under Xvfb ------------------------------------------------------------------------


def _live(disp: str, out: Path, *extra: str, store: Path | None = None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "WAYLAND_DISPLAY"}
    env["DISPLAY"] = disp
    if store is not None:
        env["FORMCHECK_STORE"] = str(store)
    cmd = [sys.executable, "-m", "formcheck", "live", "-e", "squat", "--camera", str(SAMPLE),
           "--out", str(out), "--mute", *extra]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _shows(img: np.ndarray | None, ref: np.ndarray, mask: np.ndarray | None = None) -> bool:
    """True when the window at the top left of the screenshot shows ``ref`` (on ``mask``)."""
    if img is None:
        return False
    h, w = ref.shape[:2]
    got = img[:h, :w]
    if got.shape != ref.shape:
        return False
    diff = np.abs(got.astype(np.int16) - ref).max(axis=2)
    return float(diff[mask].mean() if mask is not None else diff.mean()) < 1.0


def _wait_for(disp: str, proc: subprocess.Popen[str], ref: np.ndarray, mask: np.ndarray | None = None,
              timeout: float = 60.0, save: Path | None = None) -> float | None:
    t0 = time.monotonic()
    img = None
    while time.monotonic() - t0 < timeout and proc.poll() is None:
        img = screenshot(disp)
        if _shows(img, ref, mask):
            if save is not None and img is not None:
                cv2.imwrite(str(save), img)
            return time.monotonic()
        time.sleep(0.1)
    if save is not None and img is not None:  # what the screen showed instead, to look at
        cv2.imwrite(str(save.with_name("not-" + save.name)), img)
    return None


def _state(proc: subprocess.Popen[str]) -> str:
    """For a failed wait: whether formcheck was still running, or how it ended and what it said
    (one CI run saw a black screen for the whole minute, with no way to tell which)."""
    if proc.poll() is None:
        return "formcheck was still running"
    _, err = proc.communicate(timeout=10)
    return f"formcheck exited with {proc.returncode}: {(err or '')[-2000:]}"


def _key(disp: str, key: str) -> None:
    env = dict(os.environ, DISPLAY=disp)
    wid = subprocess.run(["xdotool", "search", "--name", "^formcheck - "], env=env,
                         capture_output=True, text=True).stdout.split()
    assert wid, "no formcheck window"
    subprocess.run(["xdotool", "key", "--window", wid[0], key], env=env, capture_output=True)


def _headline(text: str, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(image, mask): the summary's headline pixels, the same whatever picture is behind."""
    w, h = size
    a = summary_screen(np.zeros((h, w, 3), np.uint8), [(text, 1.6, WHITE)], size)
    b = summary_screen(np.full((h, w, 3), 255, np.uint8), [(text, 1.6, WHITE)], size)
    mask = (a == b).all(axis=2) & (a.min(axis=2) > 200)
    return a, mask


@LINUX_X
@XDOTOOL
@pytest.mark.e2e
@pytest.mark.skipif(not SAMPLE.is_file(), reason="bundled sample missing")
def test_q_shows_the_summary_before_the_window_closes(display: str, tmp_path: Path) -> None:  # noqa: F811
    from formcheck.live.app import starting_screen

    proc = _live(display, tmp_path / "out", "--summary-seconds", "4", "--no-store")
    start = starting_screen("Squat", str(SAMPLE))
    assert _wait_for(display, proc, start, save=tmp_path / "start.png"), f"no start screen ({_state(proc)})"
    time.sleep(6.0)  # a rep or so
    _key(display, "q")
    t_q = time.monotonic()
    ref, mask = _headline("Set ended", (960, 720))  # the sample is 4:3, shown 720 high
    seen = _wait_for(display, proc, ref, mask, timeout=10, save=tmp_path / "summary.png")
    _, err = proc.communicate(timeout=60)
    t_end = time.monotonic()
    assert seen is not None, f"no summary after q (screens in {tmp_path})"
    assert t_end - t_q > 2.5, "the window closed without the summary staying up"
    assert proc.returncode == 0, err
    saved = json.loads(next((tmp_path / "out").glob("live-*/session.json")).read_text())
    assert saved["ended"] == "stopped by user"
    assert isinstance(saved["spoken"], list)


@LINUX_X
@XDOTOOL
@pytest.mark.e2e
@pytest.mark.skipif(not SAMPLE.is_file(), reason="bundled sample missing")
def test_pain_is_asked_in_the_window(display: str, tmp_path: Path) -> None:  # noqa: F811
    from formcheck.store import Store

    store = tmp_path / "s.sqlite3"
    proc = _live(display, tmp_path / "out", "--ask-pain", "--max-seconds", "9", "--summary-seconds", "1",
                 store=store)
    before = pain_screen("right now, before the set")
    assert _wait_for(display, proc, before, save=tmp_path / "pain-before.png"), (
        f"no pain question ({_state(proc)})"
    )
    _key(display, "7")
    after = pain_screen("now, after the set")
    assert _wait_for(display, proc, after, timeout=90, save=tmp_path / "pain-after.png"), (
        f"no question after ({_state(proc)})"
    )
    _key(display, "t")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Pain" not in err  # not asked on the terminal
    with Store.open(store, create=False) as st:
        rows = st.sessions()
    assert [(r["pain_before"], r["pain_after"]) for r in rows] == [(7, 10)]


@LINUX_X
def test_window_resizes_keeping_the_picture_and_toggles_full_screen(display: str) -> None:  # noqa: F811
    env_display = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = display
    try:
        from formcheck.live.window import Window

        w = Window("formcheck - test")
        img = np.full((720, 960, 3), 200, np.uint8)
        w.show(img, 200)
        assert cv2.getWindowImageRect(Window.NAME)[2:] == (960, 720)
        cv2.resizeWindow(Window.NAME, 1440, 1000)  # as a user dragging its corner
        for _ in range(5):
            w.show(img, 50)
        _x, _y, rw, rh = cv2.getWindowImageRect(Window.NAME)
        assert rh == 1000 and abs(rw / rh - 4 / 3) < 0.01  # bigger, same shape
        if shutil.which("xdotool"):  # the f key, as a person presses it
            _key(display, "f")
            for _ in range(20):
                if w.read_key(50) is None and w.fullscreen:
                    break
            assert w.fullscreen
        else:
            assert w.toggle_fullscreen() is True
        w.show(img, 100)
        assert cv2.getWindowProperty(Window.NAME, cv2.WND_PROP_FULLSCREEN) == cv2.WINDOW_FULLSCREEN
        assert w.toggle_fullscreen() is False
        w.show(img, 100)
        assert cv2.getWindowProperty(Window.NAME, cv2.WND_PROP_FULLSCREEN) == cv2.WINDOW_NORMAL
        w.close()
    finally:
        if env_display is None:
            os.environ.pop("DISPLAY", None)
        else:
            os.environ["DISPLAY"] = env_display



def test_the_transcript_is_on_the_sessions_clock(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from formcheck.live.loop import LiveConfig, LiveLoop
    from formcheck.live.window import Window

    sc = Scorer("squat")
    rec = Recorder(tmp_path / "s", exercise="squat", source="camera 0", fps=30.0,
                   prescription=dict(sc.checker.rx), key_label="knee")
    voice = Voice(enabled=False)
    loop = LiveLoop(LiveConfig("squat"), SimpleNamespace(), None, Window("t", headless=True), voice, rec)
    loop.worker.t_origin = 100.0  # the first analysed frame's capture time (monotonic s)
    voice.transcript += [(101.5, "Ready. Go."), (104.25, "1. Sit back.")]
    session = rec.write(loop.scorer.snapshot(), "complete")
    rec.close()
    want = [{"t_s": 1.5, "text": "Ready. Go."}, {"t_s": 4.25, "text": "1. Sit back."}]
    assert session.to_dict()["spoken"] == want
    assert json.loads((tmp_path / "s" / "session.json").read_text())["spoken"] == want


@pytest.mark.parametrize("size", [(940, 705), (640, 480), (1280, 720), (480, 854), (320, 640)])
def test_the_hold_timer_never_covers_the_angle_or_its_target(size: tuple[int, int]) -> None:
    """In a window narrower than the top bar's words (a 4:3 camera in a 940 px window), the hold
    timer moved onto the gauge's line; drawn where it was, it covered the target ("target 90°"
    under "hold 9.2 / 15 s")."""
    from formcheck.checkers.base import CheckerState
    from formcheck.live.overlay import OverlayInfo, _size, count_panel_size, draw_overlay, scale_for

    w, h = size
    st = dict(exercise="hip_flexor_stretch", phase="active", reps=0, reps_by_side={},
              key_label="front knee", key_deg=78.0, target_deg=90.0, hold_target_s=15.0, cue=None,
              view="side", t_s=12.0, unit="hold")
    info = OverlayInfo(voice_note="MUTED")
    with_hold = draw_overlay(np.zeros((h, w, 3), np.uint8), CheckerState(**st, hold_s=9.2), info)
    without = draw_overlay(np.zeros((h, w, 3), np.uint8), CheckerState(**{**st, "hold_target_s": None},
                                                                         hold_s=None), info)
    s = scale_for((h, w))
    pw, _ = count_panel_size(s)
    x = pw + int(14 * s)
    state = CheckerState(**st, hold_s=9.2)
    aw, _ = _size(state.key_text, 1.1 * s)
    tx, _ = _size(state.target_text, 0.75 * s)
    words = (slice(0, int(56 * s)), slice(x, min(w, x + aw + int(16 * s) + tx + 4)))
    assert np.array_equal(with_hold[words], without[words]), size
    assert not np.array_equal(with_hold, without)  # the timer is drawn somewhere


def test_nothing_is_said_while_paused_and_resumed_is_not_replaced(tmp_path: Path) -> None:
    """Paused, the set-up cues are not spoken (the person heard "Paused. Get back into the start
    position."); after resuming, a set-up cue waits for "Resumed." to begin instead of
    replacing it (it was never heard)."""
    from types import SimpleNamespace

    from formcheck.live.loop import LiveConfig, LiveLoop, PoseOut
    from formcheck.live.setup_guide import GuideState
    from formcheck.live.window import KEY_PAUSE, Window

    class Said:
        def __init__(self) -> None:
            self.lines: list[str] = []
            self.pending = 0

        def say(self, text: str | None) -> None:
            if text:
                self.lines.append(text)

    voice = Said()
    loop = LiveLoop(LiveConfig("squat"), SimpleNamespace(), None, Window("t", headless=True), voice, None)
    state = loop.scorer.checker.state  # set-up
    cue = "Stand tall with your feet hip-width apart."
    loop.worker.latest = PoseOut(1, 0.0, np.full((33, 4), np.nan), True, state, GuideState(cue, 4))
    loop._key(KEY_PAUSE)
    loop._handle_events(10.0)
    assert voice.lines == ["Paused."]
    loop._key(KEY_PAUSE)
    voice.pending = 1  # "Resumed." not begun yet
    loop._handle_events(20.0)
    assert voice.lines == ["Paused.", "Resumed."]
    voice.pending = 0
    loop._handle_events(20.5)
    assert voice.lines == ["Paused.", "Resumed.", cue]


def _words_shown_live() -> list[str]:
    """Every exercise's words the live window may show as its cue: the set-up guide's, a held
    stretch's camera words and every check's cue after the longest rep prefix."""
    from formcheck.definitions import available, load
    from formcheck.live.setup_guide import STEP_CUES

    words = set(STEP_CUES)
    for name in available():
        d = load(name)
        words |= {d.setup, d.setup_start, d.setup_turn, d.unclear_cue}
        words |= {f"{d.unit_word.title()} 12: {c.cue}" for c in d.checks}
    return sorted(w for w in words if w)


@pytest.mark.parametrize("size", [(640, 480), (960, 720), (1280, 720), (480, 854)])
def test_every_cue_stays_inside_the_live_window(size: tuple[int, int]) -> None:
    """The set-up words of a lunge (131 characters) or the hip flexor's camera words, drawn in
    two lines in a 4:3 window, ran off its right edge. Each cue, as the set-up guide shows it,
    leaves the window's right margin clear, on as many lines as it takes."""
    from formcheck.checkers.base import CheckerState
    from formcheck.live.overlay import OverlayInfo, draw_overlay, scale_for

    w, h = size
    margin = int(14 * scale_for((h, w))) // 2
    st = CheckerState(exercise="squat", phase="setup", reps=0, reps_by_side={}, key_label="knee",
                      key_deg=float("nan"), target_deg=90.0, hold_s=None, hold_target_s=None, cue=None,
                      view="side", t_s=1.0)
    for words in _words_shown_live():
        img = draw_overlay(np.zeros((h, w, 3), np.uint8), st, OverlayInfo(guide_cue=words))
        b, r = (img[h // 2:, :, i].astype(int) for i in (0, 2))
        blue = (b > 150) & (b - r > 60)  # the set-up cue's colour, in the lower half
        assert blue.any(), words
        assert not blue[:, w - margin:].any(), (size, words)
