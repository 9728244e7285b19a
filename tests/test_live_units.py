"""Live coaching parts on their own: frame slot and file camera, set-up guide, speech policy and
voice, overlay, saving. Fast; no window, no audio device needed."""

from __future__ import annotations

import itertools
import json
import shutil
import sys
import threading
import time
import wave
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.checkers.base import CheckerState, Event, Fault, Rep
from formcheck.definitions import load
from formcheck.errors import BadVideoError, CameraError, ExitCode, MissingInputError
from formcheck.live.app import set_words
from formcheck.live.capture import Captured, FileSource, FrameSlot, open_source
from formcheck.live.loop import Histogram, display_copy
from formcheck.live.overlay import OverlayInfo, banner_box, count_panel, draw_overlay, scale_for
from formcheck.live.recorder import IN_PROGRESS, Recorder, completed_sets_today
from formcheck.live.setup_guide import HOLD_STILL, SetupGuide
from formcheck.live.voice import PRAISE, SpeechPolicy, Voice
from formcheck.pipeline import Scorer
from formcheck.session import Session

# -- helpers ------------------------------------------------------------------------------------


def write_clip(path: Path, n: int = 30, fps: float = 30.0, size: tuple[int, int] = (320, 240)) -> Path:
    """A small MPEG-4 clip whose frame i shows i in its top-left pixel's blue channel."""
    w, h = size
    wr = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (w, h))
    assert wr.isOpened()
    for i in range(n):
        img = np.full((h, w, 3), 60, np.uint8)
        cv2.putText(img, str(i), (20, 120), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 3)
        wr.write(img)
    wr.release()
    return path


def state(
    reps: int = 0,
    exercise: str = "squat",
    by_side: dict[str, int] | None = None,
    phase: str = "rest",
    cue: str | None = None,
) -> CheckerState:
    return CheckerState(
        exercise, phase, reps, by_side or {}, "knee", 120.0, 90.0, None, None, cue, "side", 1.0,
        per_side=load(exercise).counting.per_side,
    )


def rep(i: int, faults: list[str] | None = None) -> Rep:
    fs = [Fault(c, f"fix {c}", "004", "q", 1.0, 0.5) for c in (faults or [])]
    return Rep(i, None, i * 2.0, i * 2.0 + 0.5, i * 2.0 + 1.0, "side", {"knee_min_deg": 90.0}, fs)


def pose_image(visible: bool = True, feet_y: float = 0.9, head_y: float = 0.1) -> np.ndarray:
    im = np.zeros((33, 4), np.float32)
    im[:, 0] = 0.5
    im[:, 1] = np.linspace(head_y, feet_y, 33)
    im[:, 3] = 0.9 if visible else 0.1
    for i in (0, 2, 5, 7, 8):
        im[i, 1] = head_y
    for i in (27, 28, 29, 30, 31, 32):
        im[i, 1] = feet_y
    return im


# -- capture ------------------------------------------------------------------------------------


def test_slot_keeps_only_the_newest_frame() -> None:
    slot = FrameSlot()
    img = np.zeros((2, 2, 3), np.uint8)
    for i in range(5):
        slot.put(Captured(i, time.monotonic(), img))
    got = slot.wait_newer(-1, 0.01)
    assert got is not None and got.seq == 4  # frames 0-3 were dropped, not queued
    assert slot.wait_newer(4, 0.01) is None
    threading.Timer(0.05, lambda: slot.put(Captured(5, time.monotonic(), img))).start()
    got = slot.wait_newer(4, 120.0)  # waits for the event; the ceiling is generous
    assert got is not None and got.seq == 5


def test_file_camera_is_paced_in_real_time_with_monotonic_stamps(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "c.mp4", n=30, fps=30)
    src = FileSource(clip)
    stamps: list[float] = []
    t0 = time.monotonic()
    src.start()
    last = -1
    while True:
        f = src.slot.wait_newer(last, 0.5)
        if f is None:
            if src.ended.is_set():
                break
            continue
        last = f.seq
        stamps.append(f.t_cap)
    took = time.monotonic() - t0
    src.stop()
    assert src.end_reason == "eof"
    # Paced, not played as fast as decoding goes; no upper budget (a busy machine plays slower).
    assert took >= 0.8, f"30 frames at 30 fps played in {took:.2f} s"
    assert all(b > a for a, b in itertools.pairwise(stamps))
    assert src.delivered + src.skipped == 30


def test_file_camera_drops_frames_for_a_slow_reader(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "c.mp4", n=45, fps=30)
    src = FileSource(clip)
    src.start()
    seen = []
    last = -1
    while True:
        f = src.slot.wait_newer(last, 0.5)
        if f is None:
            if src.ended.is_set():
                break
            continue
        seen.append(f.seq)
        last = f.seq
        time.sleep(0.1)  # a reader three frames slow
    src.stop()
    assert len(seen) < 25, "a slow reader must miss frames, not work through a backlog"
    # The newest frame is always what the reader gets: no lag builds up.
    assert seen[-1] >= src.delivered - 2


def test_open_source_errors_match_score(tmp_path: Path) -> None:
    with pytest.raises(MissingInputError):
        open_source(str(tmp_path / "nope.mp4"))
    txt = tmp_path / "notes.mp4"
    txt.write_text("hello\n")
    with pytest.raises(BadVideoError) as e:
        open_source(str(txt))
    assert e.value.message == f"{txt} is a text file, not a video."


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /dev/videoN")
def test_missing_camera_index() -> None:
    idx = next(i for i in range(10, 64) if not Path(f"/dev/video{i}").exists())
    src = open_source(str(idx))
    with pytest.raises(CameraError) as e:
        src.start()
    assert e.value.message == f"No camera found at index {idx}."
    assert e.value.exit_code == ExitCode.CAMERA == 7


# -- set-up guide -------------------------------------------------------------------------------


def rest_and_away(name: str) -> tuple[float, float]:
    """A counting-signal value in the exercise's start position, and one well outside it."""
    lo, hi = load(name).counting.rest_range
    return (lo + hi) / 2, lo - 2 * (hi - lo) - 10


def test_setup_guide_steps_in_order() -> None:
    g = SetupGuide(load("squat"))
    rest, away = rest_and_away("squat")
    empty = np.full((33, 4), np.nan, np.float32)
    assert g.assess(empty, 0, "unknown", np.nan).cue == "Step into view of the camera."
    cut = pose_image(feet_y=1.2)  # feet below the picture
    assert g.assess(cut, 1, "side", rest).cue == "Step back until your head and feet are in view."
    whole = pose_image()
    assert g.assess(whole, 1, "front", rest).cue == "Turn side-on to the camera."
    assert g.assess(whole, 1, "side", away).cue == "Stand up tall to start."
    assert g.assess(whole, 1, "side", rest).cue == HOLD_STILL
    c = SetupGuide(load("clamshell"))
    assert c.assess(whole, 1, "side", np.nan).cue == "Lie on your side facing the camera."


def test_setup_guide_debounces_and_clears_when_counting() -> None:
    g = SetupGuide(load("squat"), debounce_s=0.5)
    rest, away = rest_and_away("squat")
    whole = pose_image()
    assert g.update(0.0, "setup", whole, 1, "side", rest).cue == HOLD_STILL
    # A single frame of something else does not change the cue...
    assert g.update(0.1, "setup", whole, 1, "side", away).cue == HOLD_STILL
    assert g.update(0.2, "setup", whole, 1, "side", rest).cue == HOLD_STILL
    # ...a lasting change does.
    for t in (0.3, 0.5, 0.7, 0.9):
        st = g.update(t, "setup", whole, 1, "side", away)
    assert st.cue == "Stand up tall to start."
    assert g.update(1.0, "rest", whole, 1, "side", rest).cue is None


# -- speech -------------------------------------------------------------------------------------


def test_speech_policy_rate_limits_cues() -> None:
    p = SpeechPolicy(cue_gap_s=4.0, repeat_gap_s=20.0)
    assert p.cue("Sit back.", 0.0) == "Sit back."
    assert p.cue("Chest up.", 2.0) is None  # within 4 s of the last cue
    assert p.cue("Chest up.", 4.5) == "Chest up."
    assert p.cue("Sit back.", 10.0) is None  # the same cue within 20 s
    assert p.cue("Sit back.", 21.0) == "Sit back."


def test_speech_policy_rep_numbers_cues_and_praise() -> None:
    p = SpeechPolicy(cue_gap_s=4.0, repeat_gap_s=20.0, praise_every=2, praise_gap_s=10.0)
    said = [p.event(Event("rep", t, rep=rep(i)), t) for i, t in ((1, 0.0), (2, 2.0), (3, 4.0), (4, 6.0))]
    assert said[0] == "1."
    assert said[1] == f"2. {PRAISE[0]}"  # two clean reps in a row
    assert said[2] == "3."
    assert said[3] == "4."  # praise at most every 10 s
    faulty = p.event(Event("rep", 30.0, rep=rep(5, ["shallow"])), 30.0)
    assert faulty == "5. fix shallow"
    again = p.event(Event("rep", 36.0, rep=rep(6, ["shallow"])), 36.0)
    assert again == "6."  # the same cue is not repeated within 20 s
    assert p.event(Event("ready", 1.0), 1.0) == "Ready. Go."


def test_speech_policy_never_praises_a_rep_nothing_was_checked_in() -> None:
    import dataclasses

    from formcheck.definitions import load

    d = load("squat")
    p = SpeechPolicy(
        praise_every=2, praise_gap_s=0.0, judged=lambda r: not d.unchecked(d.prescription, r.skipped)
    )
    blind = {c.code: "Keep your knees in the picture." for c in d.checks}
    unseen = [dataclasses.replace(rep(i), skipped=blind) for i in (1, 2, 3)]
    said = [p.event(Event("rep", float(i), rep=r), float(i)) for i, r in enumerate(unseen)]
    assert said == ["1.", "2.", "3."]
    # and they do not count toward the next praise: it takes two checked clean reps again
    assert p.event(Event("rep", 4.0, rep=rep(4)), 4.0) == "4."
    assert p.event(Event("rep", 5.0, rep=rep(5)), 5.0) == f"5. {PRAISE[0]}"


class FakeEngine:
    def __init__(self, calls: list[str]) -> None:
        self.calls = calls
        self._text = ""
        self._file = ""

    def save_to_file(self, text: str, path: str) -> None:
        self._text, self._file = text, path

    def say(self, text: str) -> None:
        self._text = text

    def runAndWait(self) -> None:  # noqa: N802 - pyttsx3's name
        time.sleep(0.05)
        self.calls.append(self._text)
        if self._file:
            with wave.open(self._file, "wb") as f:
                f.setnchannels(1)
                f.setsampwidth(2)
                f.setframerate(22050)
                f.writeframes(b"\0\0" * 100)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux player path")
def test_voice_without_audio_output_says_so_once_and_carries_on(tmp_path: Path) -> None:
    notes: list[str] = []
    calls: list[str] = []
    v = Voice(notify=notes.append, engine_factory=lambda: FakeEngine(calls), player=("false",))
    v.start()
    v.say("1.")
    assert v.wait_idle(5)
    v.say("2.")  # ignored: voice is off now
    v.wait_idle(120)
    v.stop()
    assert len(notes) == 1 and notes[0].startswith("No audio output device")
    assert not v.available
    assert calls == ["1."]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux player path")
def test_a_line_cut_off_at_the_end_is_kept_and_is_no_missing_device(tmp_path: Path) -> None:
    """A line still playing when the set ends was heard in part: it is in ``spoken`` from when
    it began, and the player's exit status after formcheck stops it is no audio device
    missing (the end of every set said "No audio output device" after speaking all set)."""
    notes: list[str] = []
    player = ("sh", "-c", "exec sleep 1", "player")  # each line plays 1 s
    v = Voice(notify=notes.append, engine_factory=lambda: FakeEngine([]), player=player)
    v.start()
    v.say("10. Keep your weight in your heels.")  # still being said when the set ends
    ticket = v.say("Set complete. 3 reps. Well done.")
    assert ticket is not None and v.wait_begun(ticket, timeout=10)  # after "10." has played
    assert v.spoken[-1] == "Set complete. 3 reps. Well done."
    v.stop()  # cuts it off
    assert notes == [] and v.available
    assert v.spoken[-1] == "Set complete. 3 reps. Well done."


def test_wait_begun_is_false_at_once_with_nothing_to_say() -> None:
    v = Voice(enabled=False)
    t0 = time.monotonic()
    assert v.wait_begun(0, timeout=5) is False
    assert time.monotonic() - t0 < 0.5


@pytest.mark.parametrize(
    ("size", "shown"),
    [((480, 640), (720, 960)), ((720, 1280), (720, 1280)), ((330, 640), (660, 1280)),
     ((1920, 1080), (720, 405)), ((200, 1600), (160, 1280))],
)
def test_the_window_is_never_wider_than_a_wide_screen(size: tuple[int, int], shown: tuple[int, int]) -> None:
    """Shown 720 high, but a picture wider than 16:9 fits a 1280-wide window instead (a 640x330
    picture ran 1396 wide, its right side and the set-up step off the screen)."""
    assert display_copy(np.zeros((*size, 3), np.uint8), 720).shape[:2] == shown
    assert display_copy(np.zeros((*size, 3), np.uint8), 0).shape[:2] == size


def test_sets_past_the_prescription_are_not_called_set_9_of_1() -> None:
    assert set_words(1, 1) == "set 1 of 1"
    assert set_words(2, 3) == "set 2 of 3"
    assert set_words(9, 1) == "set 9 (1 prescribed)"


def test_voice_without_engine_says_so_once() -> None:
    notes: list[str] = []

    def broken() -> None:
        raise OSError("libespeak-ng.so.1: cannot open shared object file")

    v = Voice(notify=notes.append, engine_factory=broken)
    v.start()
    v.say("1.")
    v.wait_idle(120)
    v.say("2.")
    v.stop()
    assert len(notes) == 1 and "No text-to-speech engine" in notes[0]


def test_voice_keeps_only_the_newest_line_and_mutes(tmp_path: Path) -> None:
    calls: list[str] = []
    v = Voice(notify=lambda m: None, engine_factory=lambda: FakeEngine(calls), player=("true",))
    v.start()
    for i in range(1, 6):  # faster than it can speak: lines in between are dropped
        v.say(f"{i}.")
    v.wait_idle(120)
    assert calls[-1] == "5." and len(calls) < 5
    assert v.dropped >= 1
    assert v.toggle_mute() is True
    v.say("muted line")
    v.wait_idle(2)
    assert "muted line" not in calls
    v.toggle_mute()
    v.say("back")
    v.wait_idle(120)
    v.stop()
    assert calls[-1] == "back"


@pytest.mark.skipif(
    not (sys.platform.startswith("linux") and shutil.which("espeak-ng")),
    reason="espeak-ng is not installed (apt-get install espeak-ng)",
)
def test_real_engine_synthesises_speech(tmp_path: Path) -> None:
    pytest.importorskip("pyttsx3")
    v = Voice(notify=lambda m: None, record_dir=tmp_path, player=("true",))
    v.start()
    v.say("3. Sit back so your knees stay behind your toes.")
    assert v.wait_idle(300)
    v.stop()
    wavs = sorted(tmp_path.glob("*.wav"))
    assert len(wavs) == 1
    with wave.open(str(wavs[0])) as w:
        seconds = w.getnframes() / w.getframerate()
        audio = np.frombuffer(w.readframes(w.getnframes()), np.int16)
    assert 1.0 < seconds < 10.0
    assert np.abs(audio).max() > 1000, "the speech is silent"


# -- overlay ------------------------------------------------------------------------------------


def test_count_panel_is_deterministic_and_differs_by_count() -> None:
    s = scale_for((720, 1280))
    a = count_panel(state(3), 10, s)
    assert np.array_equal(a, count_panel(state(3), 10, s))
    assert not np.array_equal(a, count_panel(state(4), 10, s))
    cl = count_panel(state(2, "clamshell", {"left": 2}), 10, s)
    assert not np.array_equal(cl, count_panel(state(2, "clamshell", {"right": 2}), 10, s))


def test_overlay_draws_count_panel_and_cue() -> None:
    img = np.full((720, 1280, 3), 128, np.uint8)
    st = state(7, cue="Sit back so your knees stay behind your toes.")
    draw_overlay(img, st, OverlayInfo(title="t", target_reps=10), None)
    panel = count_panel(st, 10, scale_for(img.shape))
    ph, pw = panel.shape[:2]
    assert np.array_equal(img[:ph, :pw], panel)
    bottom = img[-60:, :]
    assert (bottom > 200).any(axis=2).sum() > 500, "the cue text is drawn at the bottom"


def test_overlay_cue_moves_off_the_joint_it_is_about() -> None:
    """A heel ringed at the foot of the picture stays in sight: the cue goes under the top bar."""
    from formcheck.annotate import AMBER
    from formcheck.landmarks import PoseLandmark as L

    def amber_rows(
        heel_y: float, knee_y: float | None = None, banner: str | None = None, shade: bool = False
    ) -> np.ndarray:
        """The rows of the cue's text: amber where the same frame without the cue is not."""
        lm = np.full((33, 4), np.nan, np.float32)
        lm[L.LEFT_HEEL] = (0.2, heel_y, 0.0, 0.99)
        joints: tuple[int, ...] = (L.LEFT_HEEL,)
        if knee_y is not None:
            lm[L.LEFT_KNEE] = (0.15, knee_y, 0.0, 0.99)
            joints = (L.LEFT_HEEL, L.LEFT_KNEE)
        info = OverlayInfo(title="t", target_reps=10, joints=joints, banner=banner,
                           banner_sub="press space to resume" if banner else None)
        imgs = []
        for cue in ("Keep your weight in your heels.", None):
            img = np.full((720, 1280, 3), 128, np.uint8)
            imgs.append(draw_overlay(img, state(3, cue=cue), info, lm))
        if shade:  # the rows of the cue's band: darker than the same frame without the cue
            return np.flatnonzero(imgs[0][:, 1250, 0].astype(int) < imgs[1][:, 1250, 0].astype(int) - 20)
        amber = [np.abs(i.astype(int) - np.array(AMBER)).max(axis=2) < 40 for i in imgs]
        return np.flatnonzero((amber[0] & ~amber[1])[:, 320:].any(axis=1))  # right of the ring

    assert amber_rows(0.5).min() > 720 * 0.8  # the heel mid-picture: the cue at the bottom
    moved = amber_rows(0.95)
    assert moved.max() < 720 * 0.45, "the cue still covers the heel"
    # A ringed joint where the cue would go up as well: it stays at the bottom.
    assert amber_rows(0.95, knee_y=(moved.min() + 10) / 720).min() > 720 * 0.8
    # The PAUSED banner in the middle: the cue would go partly under it, so it stays at the bottom.
    box = banner_box(OverlayInfo(banner="PAUSED", banner_sub="press space to resume"), 1280, 720)
    assert box is not None and box[1] < amber_rows(0.95, shade=True).max(), "the two no longer meet"
    assert amber_rows(0.95, banner="PAUSED").min() > 720 * 0.8


# -- saving -------------------------------------------------------------------------------------


def test_snapshot_does_not_finish_the_checker_and_writes_session_format(tmp_path: Path) -> None:
    sc = Scorer("squat")
    nan = np.full((33, 4), np.nan, np.float32)
    for i in range(10):
        sc.update(nan, nan, i / 30, 4 / 3, 0)
    sc.checker.reps.append(rep(1))
    rec = Recorder(
        tmp_path / "s",
        exercise="squat",
        source="camera 0",
        fps=30.0,
        prescription=dict(sc.checker.rx),
        key_label="knee",
    )
    rec.request(sc.snapshot())
    rec.close()
    data = json.loads((tmp_path / "s" / "session.json").read_text())
    assert data["format"] == "formcheck-session" and data["ended"] == IN_PROGRESS
    assert data["rep_count"] == 1 and data["n_frames"] == 10
    assert len(data["trace"]["t_s"]) == 10
    assert (tmp_path / "s" / "reps.csv").read_text().count("\n") == 2
    assert sc.checker.phase == "setup"  # not finished
    rec.write(sc.snapshot(), "complete")
    assert completed_sets_today(tmp_path, "squat") == 0  # folder name is not live-squat-<day>


def test_histogram_percentiles() -> None:
    h = Histogram()
    for v in np.linspace(0.001, 0.1, 1000):
        h.add(float(v))
    assert abs(h.percentile(50) - 0.0505) < 0.001
    assert abs(h.percentile(95) - 0.095) < 0.001


def test_the_end_of_set_screen_counts_good_form_of_reps_checked(sample_sessions: dict[str, Session]) -> None:
    import dataclasses

    from formcheck.live.loop import LiveConfig, LiveResult, Stats, summary_lines

    s = sample_sessions["squat_side_faults_a"]
    assert not s.reps[0].faults and len(s.reps) == 4
    blind = {c.code: "Keep your knees in the picture." for c in load("squat").checks}
    unseen = dataclasses.replace(s, reps=[dataclasses.replace(s.reps[0], skipped=blind), *s.reps[1:]])
    cfg = LiveConfig(exercise="squat")
    texts = [t for t, _, _ in summary_lines(LiveResult("complete", None, unseen, [], Stats()), cfg)]
    assert "0 of 3 checked with good form" in texts and "1 not checked (reasons in the terminal)" in texts
    texts = [t for t, _, _ in summary_lines(LiveResult("complete", None, s, [], Stats()), cfg)]
    assert "1 of 4 with good form" in texts and not any("not checked" in t for t in texts)


def test_pose_thread_tells_the_checker_the_cameras_own_frame_interval() -> None:
    """The pose thread analyses the newest frame whenever the model is free; when it steadily
    takes every 4th of a 30 fps camera's frames, the checker is fed frames 0.133 s apart and
    must still know the camera's 1/30 s (a quick return between two analysed frames counts:
    test_evenly_left_out_frames_count_the_return_once_the_source_step_is_told)."""
    from types import SimpleNamespace

    from formcheck.live.capture import Source
    from formcheck.live.loop import PoseWorker, Stats

    nobody = np.full((33, 4), np.nan, np.float32)

    class NoOne:
        def detect(self, rgb: np.ndarray, t_ms: int, mirror: bool) -> SimpleNamespace:
            return SimpleNamespace(image=nobody, world=nobody, n_people=0,
                                   people_image=np.zeros((0, 33, 4), np.float32),
                                   people_world=np.zeros((0, 33, 4), np.float32))

    scorer = Scorer("clamshell")
    worker = PoseWorker(Source(), NoOne(), scorer, SetupGuide(load("clamshell")), None, Stats())
    bgr = np.zeros((48, 64, 3), np.uint8)
    for seq in (0, 4, 8, 12):  # every 4th frame, the camera's own 1/30 s apart
        worker._analyse(Captured(seq, 100.0 + seq / 30, bgr))
    assert scorer.checker._told_step == pytest.approx(1 / 30)  # not the 0.133 s it was fed
    # Frames are stamped as delivered: two delivered in a burst after a stall (2 ms apart, one
    # left out between) are not the camera's interval.
    worker._analyse(Captured(14, 100.0 + 12 / 30 + 0.002, bgr))
    assert scorer.checker._told_step == pytest.approx(1 / 30)


def test_the_end_of_set_screen_fits_every_line_in_the_window() -> None:
    """A per-side count, reps not checked, three cues, the cues not judged from video, a camera
    lost and where it was saved: on a 1280x720 window every line is drawn, the last one too
    (text that would run off the bottom is made smaller)."""
    from formcheck.live.overlay import summary_screen

    last = (3, 251, 7)  # a colour nothing else draws
    lines = [("Camera stopped", 1.6, (255, 255, 255)), ("7 reps  (left 4, right 3)", 1.3, (255, 255, 255))]
    cue = "keep your hips stacked; don't roll back. (2x)"
    lines += [(f"Line {i}: {cue}", 0.75, (40, 190, 255)) for i in range(8)]
    lines.append(("Press any key to close.", 0.6, last))
    img = summary_screen(None, lines, (1280, 720))
    assert img.shape[:2] == (720, 1280)
    px = img.astype(int)
    drawn = np.all(np.abs(px - last[::-1]) <= 2, axis=2) | np.all(np.abs(px - last) <= 2, axis=2)
    assert drawn.sum() > 50
    rows = np.nonzero(drawn.any(axis=1))[0]
    assert rows.max() < 720 - 5
