"""Camera trouble, with a stand-in for the device (no camera here): a camera that sends no
picture (busy), and one that stops sending frames mid-set, through the real
``CameraSource`` thread and the whole ``formcheck live`` run."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

import formcheck.live.capture as capture
from formcheck.errors import CameraError

ROOT = Path(__file__).resolve().parents[1]


class FakeCapture:
    """Plays ``video`` (or blank frames) at 30 fps for ``n`` frames, then sends nothing."""

    def __init__(self, n: int, video: Path | None = None) -> None:
        self.n = n
        self.i = 0
        self.cap = cv2.VideoCapture(str(video)) if video is not None else None
        self.released = False

    def read(self) -> tuple[bool, np.ndarray | None]:
        if self.i >= self.n:
            time.sleep(0.05)
            return False, None
        time.sleep(1 / 30)
        self.i += 1
        if self.cap is not None:
            ok, frame = self.cap.read()
            return (ok, frame) if ok else (False, None)
        return True, np.full((240, 320, 3), 90, np.uint8)

    def get(self, prop: int) -> float:
        return 30.0

    def release(self) -> None:
        self.released = True
        if self.cap is not None:
            self.cap.release()


def fake_camera(monkeypatch: pytest.MonkeyPatch, cap: FakeCapture) -> None:
    monkeypatch.setattr(capture.CameraSource, "_open", lambda self: cap)


def test_camera_that_sends_no_picture(monkeypatch: pytest.MonkeyPatch) -> None:
    cap = FakeCapture(0)
    fake_camera(monkeypatch, cap)
    monkeypatch.setattr(capture, "FIRST_FRAME_S", 0.5)
    src = capture.open_source("0")
    with pytest.raises(CameraError) as e:
        src.start()
    assert e.value.message == ("The camera at index 0 sends no picture: it may be busy in another program.")
    assert e.value.exit_code == 7
    assert cap.released


def test_camera_that_stops_sending_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    cap = FakeCapture(10)
    fake_camera(monkeypatch, cap)
    monkeypatch.setattr(capture, "NO_FRAME_S", 0.3)
    src = capture.open_source("0")
    src.start()
    assert src.ended.wait(120.0)  # an event, with a generous ceiling for a busy machine
    assert src.end_reason == "lost"
    assert src.message == "The camera at index 0 stopped sending frames."
    assert src.delivered == 10
    src.stop()
    assert cap.released


def test_unplugged_camera_mid_set_keeps_the_reps(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    samples = sorted((ROOT / "samples").glob("squat_side*.json"))
    if not samples:
        pytest.skip("no squat studio sample in samples/")
    truth = json.loads(samples[0].read_text())
    video = samples[0].with_suffix(".mp4")
    # Unplugged half-way down the last squat.
    last = truth["reps"][-1]
    cut_s = (last["start_s"] + last["peak_s"]) / 2
    done = [r for r in truth["reps"] if r["end_s"] < cut_s]
    fake_camera(monkeypatch, FakeCapture(int(cut_s * 30), video))
    monkeypatch.setattr(capture, "NO_FRAME_S", 1.0)
    from formcheck.live import app

    p = argparse.ArgumentParser()
    app.add_arguments(p)
    args = p.parse_args(["-e", "squat", "--camera", "0", "--out", str(tmp_path), "--headless", "--mute"])
    code = app.run(args)
    err = capsys.readouterr().err
    assert code == 7, err
    d = next(tmp_path.glob("live-squat-*"))
    s = json.loads((d / "session.json").read_text())
    assert s["ended"] == "camera lost"
    assert s["source"] == "camera 0"
    assert s["rep_count"] == len(done)
    assert err.strip().splitlines()[-1] == (
        f"formcheck: The camera at index 0 stopped sending frames; {len(done)} completed reps saved in {d}."
    )
