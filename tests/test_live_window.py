"""``formcheck live`` with its window, under a virtual X server (Xvfb): screenshots of the
window (Xvfb's screen file) show the rep count the checker reached, keys work, and the
window title names the exercise and set.

The count is checked pixel for pixel: the overlay's count panel is drawn the same way every
time for the same count (``formcheck.live.overlay.count_panel``), so each screenshot is
searched for the panel of every possible count and must contain exactly one of them.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.checkers.base import CheckerState
from formcheck.definitions import load
from formcheck.live.overlay import count_panel, scale_for

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_live_samples import CLIPS, sample_rx, target_for  # noqa: E402

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Xvfb is Linux only"),
    pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed (apt-get install xvfb)"),
]


# Each private server's screen, as a file (Xvfb -fbdir): read in milliseconds, where ImageMagick's
# import took up to a second with both cores busy and missed a start screen shown for less.
_SCREENS: dict[str, Path] = {}


@pytest.fixture()
def display(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private Xvfb server; yields its DISPLAY."""
    fbdir = tmp_path_factory.mktemp("xvfb")
    r, w = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(w), "-screen", "0", "1600x1000x24", "-nolisten", "tcp", "-noreset",
         "-fbdir", str(fbdir)],
        pass_fds=(w,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(w)
    with os.fdopen(r) as f:
        num = f.readline().strip()
    if not num:
        proc.kill()
        pytest.skip("Xvfb did not start")
    disp = f":{num}"
    wm = None
    try:
        wm = _window_manager(disp, fbdir)
        _SCREENS[disp] = fbdir / "Xvfb_screen0"
        yield disp
    finally:
        _SCREENS.pop(disp, None)
        for p in (wm, proc):
            if p is not None:
                _stop(p)


def _stop(p: subprocess.Popen[bytes]) -> None:
    p.terminate()
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait(timeout=30)


# Windows at the top left, undecorated, as the screenshots expect them.
_OPENBOX_RC = """<?xml version="1.0" encoding="UTF-8"?>
<openbox_config xmlns="http://openbox.org/3.4/rc">
  <theme><keepBorder>no</keepBorder></theme>
  <applications>
    <application class="*">
      <decor>no</decor>
      <position force="yes"><x>0</x><y>0</y></position>
    </application>
  </applications>
</openbox_config>
"""


def _window_manager(disp: str, where: Path) -> subprocess.Popen[bytes] | None:
    """A window manager on the display (openbox), where installed, as on every desktop.

    Without one, Qt drew nothing in a new window for good (mapped, taking keys, never painted)
    in 20 of 66 runs with both cores busy; with openbox, in none of 16. Without openbox the
    tests run as before, and may meet that."""
    if shutil.which("openbox") is None:
        return None
    rc = where / "openbox.xml"
    rc.write_text(_OPENBOX_RC)
    env = dict(os.environ, DISPLAY=disp)
    wm = subprocess.Popen(["openbox", "--config-file", str(rc)], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if shutil.which("xprop") is None:  # no way to ask: give it a moment
        time.sleep(1.0)
        return wm
    t0 = time.monotonic()
    while time.monotonic() - t0 < 30 and wm.poll() is None:  # until it manages the screen
        try:
            r = subprocess.run(["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], env=env,
                               capture_output=True, text=True, timeout=5)
        except subprocess.TimeoutExpired:
            continue
        if "window id" in r.stdout:
            return wm
        time.sleep(0.1)
    if wm.poll() is None:
        return wm
    return None


def _xwd(path: Path) -> np.ndarray | None:
    """The BGR picture in an XWD file of 32-bit pixels (Xvfb's screen file), or None."""
    b = np.fromfile(path, np.uint8)
    if b.size < 100:
        return None
    h = struct.unpack(">25I", b[:100].tobytes())
    size, width, height, order, bits, per_line, colours = h[0], h[4], h[5], h[7], h[11], h[12], h[19]
    masks = h[14:17]
    start = size + colours * 12
    # 32-bit pixels, least significant byte first, red green blue from the top byte down: the
    # bytes in memory are blue, green, red, unused (Xvfb's 24-bit screen on x86 and ARM).
    if bits != 32 or order != 0 or masks != (0xFF0000, 0xFF00, 0xFF) or b.size < start + per_line * height:
        return None
    px = b[start:start + per_line * height].reshape(height, per_line)[:, : width * 4]
    return np.ascontiguousarray(px.reshape(height, width, 4)[:, :, :3])  # B, G, R, unused


def screenshot(disp: str) -> np.ndarray | None:
    """The whole screen of a display that ``display`` started (BGR), or None."""
    path = _SCREENS.get(disp)
    return _xwd(path) if path is not None else None


class Shooter:
    """Takes a screenshot every ``period`` s on a thread while a process runs."""

    def __init__(self, disp: str, proc: subprocess.Popen, period: float = 0.5) -> None:  # type: ignore[type-arg]
        self.shots: list[tuple[float, np.ndarray]] = []
        self._t = threading.Thread(target=self._run, args=(disp, proc, period), daemon=True)
        self._t.start()

    def _run(self, disp: str, proc: subprocess.Popen, period: float) -> None:  # type: ignore[type-arg]
        t0 = time.monotonic()
        while proc.poll() is None:
            img = screenshot(disp)
            if img is not None:
                self.shots.append((time.monotonic() - t0, img))
            time.sleep(period)

    def window_drawn(self) -> bool:
        """Whether the last screenshot shows a picture at the window's place (top left)."""
        return bool(self.shots) and float(self.shots[-1][1][100:600, 100:500].std()) > 10

    def join(self) -> list[tuple[float, np.ndarray]]:
        self._t.join(timeout=300)
        return self.shots


def panel_for(exercise: str, reps: int, side: str | None, target: int, s: float) -> np.ndarray:
    by_side = {side: reps} if side else {}
    st = CheckerState(
        exercise,
        "rest",
        reps,
        by_side,
        "",
        0.0,
        0.0,
        None,
        None,
        None,
        "side",
        0.0,
        per_side=load(exercise).counting.per_side,
    )
    return count_panel(st, target, s)


def display_size(truth: dict) -> tuple[int, int]:  # type: ignore[type-arg]
    """(w, h) of the window: frames are shown 720 pixels high."""
    return round(truth["width"] * 720 / truth["height"]), 720


def counts_shown(
    shots: list[tuple[float, np.ndarray]],
    exercise: str,
    max_reps: int,
    target: int,
    sides: list[str | None],
    size: tuple[int, int],
) -> list[tuple[float, int]]:
    """For each screenshot showing the live overlay, the count whose panel it contains exactly.
    The window sits at the top left of the screen (openbox is told to put it there)."""
    found: list[tuple[float, int]] = []
    s = scale_for((size[1], size[0]))
    for t, img in shots:
        best: tuple[float, int] | None = None
        for n in range(max_reps + 1):
            for side in sides:
                tpl = panel_for(exercise, n, side if n else None, target, s)
                ph, pw = tpl.shape[:2]
                diff = float(np.abs(img[:ph, :pw].astype(np.int16) - tpl).mean())
                if best is None or diff < best[0]:
                    best = (diff, n)
        if best is not None and best[0] < 0.5:  # pixel-exact but for rounding
            found.append((t, best[1]))
    return found


Driver = Callable[[dict[str, str], str, "Shooter", subprocess.Popen], None]  # type: ignore[type-arg]


def run_windowed(
    video: Path, out: Path, disp: str, *extra: str, drive: Driver | None = None, reps: int | None = None
) -> tuple[subprocess.CompletedProcess, list, dict, dict]:  # type: ignore[type-arg]
    """Run ``formcheck live`` on ``video`` in a window; ``drive(env, window, shooter, proc)``,
    when given, is called once the window shows the video, to press keys."""
    truth = json.loads(video.with_suffix(".json").read_text())
    target = reps or target_for(truth) or 99
    rx = out.parent / f"{video.stem}-rx.toml"
    rx.write_text(f'exercise = "{truth["exercise"]}"\nreps = {target}\n' + sample_rx(truth))
    env = {k: v for k, v in os.environ.items() if k != "WAYLAND_DISPLAY"}
    env["DISPLAY"] = disp
    cmd = [
        sys.executable,
        "-m",
        "formcheck",
        "live",
        "-e",
        truth["exercise"],
        "--camera",
        str(video),
        "--prescription",
        str(rx),
        "--out",
        str(out),
        "--mute",
        "--summary-seconds",
        "2",
        *extra,
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    shooter = Shooter(disp, proc)
    wid: list[str] = []
    while drive and not wid and proc.poll() is None:  # wait for the window
        wid = subprocess.run(
            ["xdotool", "search", "--name", "^formcheck - "], env=env, capture_output=True, text=True
        ).stdout.split()
        time.sleep(0.1)
    if drive and wid:
        # Keys are pressed once the window shows the video, not when it is created: under load
        # the first frame can come seconds later, and keys sent before it can be lost.
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline and not shooter.window_drawn():
            time.sleep(0.05)
        # The window gets the keyboard and keys are typed as a person would (XTEST), rather
        # than sent to it as synthetic events, which a busy toolkit may drop.
        subprocess.run(["xdotool", "windowfocus", "--sync", wid[0]], env=env, capture_output=True, timeout=30)
        drive(env, wid[0], shooter, proc)
    stdout, stderr = proc.communicate(timeout=600)
    shots = shooter.join()
    done = subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)
    dirs = sorted(out.glob("live-*"))
    assert len(dirs) == 1, stderr
    return done, shots, json.loads((dirs[0] / "session.json").read_text()), truth


def pick(prefix: str) -> Path:
    for c in CLIPS:
        if c.stem.startswith(prefix):
            return c
    pytest.skip(f"no {prefix}* studio sample in samples/")


@pytest.mark.e2e
@pytest.mark.parametrize("prefix", ["squat_side", "clamshell"])
def test_window_shows_the_count(display: str, tmp_path: Path, prefix: str) -> None:
    video = pick(prefix)
    proc, shots, session, truth = run_windowed(video, tmp_path / "out", display)
    if shots and all(float(img.max()) == 0.0 for _, img in shots):
        # Qt never mapped the window on Xvfb (no window manager): every screenshot is the bare
        # black screen, while the set still ran behind it. Seen once in a CI run on two
        # busy cores (22nd session); a second run tells that apart from a window that shows
        # nothing, which still fails below.
        proc, shots, session, truth = run_windowed(video, tmp_path / "again", display)
    # What the window shows is tested here; whether the live loop counts exactly is
    # test_live_samples' (headless, the same clips). In a window, with the screenshots taken
    # beside it on two cores, the loop sees fewer frames and may miss a rep (the clamshell from
    # above counted 2 of 3 once in CI, 3 offline): the session must still be whole and within
    # one rep of the truth, and the count shown must agree with it (below).
    assert "Traceback" not in proc.stderr, proc.stderr
    assert session["format"] == "formcheck-session" and session["exercise"] == truth["exercise"]
    assert session["rep_count"] == len(session["reps"])
    if session["rep_count"] == len(truth["reps"]):
        assert proc.returncode == 0 and session["ended"] == "complete", proc.stderr
    assert abs(session["rep_count"] - len(truth["reps"])) <= 1, (session["rep_count"], len(truth["reps"]))
    assert shots, "no screenshots"
    for i, (_, img) in enumerate(shots):
        cv2.imwrite(str(tmp_path / f"shot{i:03d}.png"), img)
    sides = sorted({r.get("side") for r in truth["reps"]}, key=str) or [None]
    if truth["exercise"] != "clamshell":
        sides = [None]
    target = target_for(truth) or 99
    shown = counts_shown(shots, truth["exercise"], len(truth["reps"]), target, sides, display_size(truth))
    assert len(shown) >= len(shots) // 2, (
        f"the count panel was found in only {len(shown)} of {len(shots)} screenshots (saved in {tmp_path})"
    )
    counts = [n for _, n in shown]
    assert counts == sorted(counts), f"the count went down: {shown}"
    assert counts[0] == 0
    assert max(counts) >= len(truth["reps"]) - 1 >= 1, f"the count shown never rose: {shown}"
    assert max(counts) <= session["rep_count"], f"the window showed more reps than were saved: {shown}"
    # While it ran, the picture was not blank and the overlay bar was drawn over it.
    mid = shots[len(shots) // 2][1][:720]
    assert mid[150:600].std() > 10, "the camera picture is blank"


def banner_pixels(size: tuple[int, int], banner: str, sub: str) -> tuple[np.ndarray, np.ndarray]:
    """(mask, image): the pixels of a centred banner, which are the same whatever the picture."""
    from formcheck.live.overlay import OverlayInfo, draw_overlay

    w, h = size
    st = CheckerState("squat", "rest", 0, {}, "knee", float("nan"), 90.0, None, None, None, "side", 0)
    info = OverlayInfo(banner=banner, banner_sub=sub)
    a = draw_overlay(np.zeros((h, w, 3), np.uint8), st, info)
    b = draw_overlay(np.full((h, w, 3), 255, np.uint8), st, info)
    mask = (a == b).all(axis=2)
    mask[: int(h * 0.3)] = False  # only the centre: the count panel is opaque too
    mask[int(h * 0.7) :] = False
    return mask, a


def press(env: dict[str, str], key: str) -> None:
    subprocess.run(["xdotool", "key", "--clearmodifiers", key], env=env, capture_output=True, timeout=30)


def wait_for_shot(
    shooter: Shooter, proc: subprocess.Popen, after: int, want: Callable[[np.ndarray], bool]
) -> bool:  # type: ignore[type-arg]
    """Wait (at most 20 s) for a screenshot taken after the first ``after`` for which ``want``
    holds."""
    deadline = time.monotonic() + 20
    while proc.poll() is None and time.monotonic() < deadline:
        if any(want(img) for _, img in shooter.shots[after:]):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.e2e
def test_keys_pause_and_quit(display: str, tmp_path: Path) -> None:
    if shutil.which("xdotool") is None:
        pytest.skip("xdotool is not installed (apt-get install xdotool)")
    video = pick("squat_side")
    truth = json.loads(video.with_suffix(".json").read_text())
    mask, banner = banner_pixels(display_size(truth), "PAUSED", "press space to resume")
    w, h = display_size(truth)

    def shows_banner(img: np.ndarray) -> bool:
        return float(np.abs(img[:h, :w][mask].astype(np.int16) - banner[mask]).mean()) < 0.5

    seen: dict[str, bool] = {}

    def drive(env: dict[str, str], _wid: str, shooter: Shooter, proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
        # Space, then (once the banner is seen and a while later) space again, then q once
        # the banner has gone: each key waits for what the last one should have shown.
        time.sleep(1.0)
        n = len(shooter.shots)
        press(env, "space")
        seen["paused"] = wait_for_shot(shooter, proc, n, shows_banner)
        time.sleep(1.6)
        n = len(shooter.shots)
        press(env, "space")
        seen["resumed"] = wait_for_shot(shooter, proc, n, lambda img: not shows_banner(img))
        # Quit only once frames after the pause have been analysed (the banner goes at once,
        # the next frame may take a while on a loaded machine): the trace must show both sides.
        time.sleep(2.0)
        press(env, "q")

    # A set the clip cannot finish (99 reps), so that only q can end it.
    proc, shots, session, truth = run_windowed(video, tmp_path / "out", display, drive=drive, reps=99)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 0, proc.stderr
    flags = [(round(t, 1), shows_banner(img)) for t, img in shots]
    assert seen.get("paused"), f"no screenshot after space shows the PAUSED banner: {flags}"
    assert seen.get("resumed"), f"the PAUSED banner stayed after space was pressed again: {flags}"
    assert not flags[0][1]
    assert session["ended"] == "stopped by user"
    # Paused, the checker saw nobody: the key angle is missing for more than a second.
    t = np.array([v if v is not None else np.nan for v in session["trace"]["t_s"]], float)
    k = np.array([v if v is not None else np.nan for v in session["trace"]["key_deg"]], float)
    found = t[np.isfinite(k)]
    assert np.diff(found).max() > 1.5, "counting did not pause"


@pytest.mark.e2e
def test_window_title_names_exercise_and_set(display: str, tmp_path: Path) -> None:
    if shutil.which("xwininfo") is None:
        pytest.skip("xwininfo is not installed (apt-get install x11-utils)")
    video = pick("squat_side")
    env = dict(os.environ, DISPLAY=display)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "formcheck",
            "live",
            "-e",
            "squat",
            "--camera",
            str(video),
            "--out",
            str(out),
            "--mute",
            "--max-seconds",
            "5",
            "--summary-seconds",
            "0",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    titles: set[str] = set()
    while proc.poll() is None:
        tree = subprocess.run(["xwininfo", "-root", "-tree"], env=env, capture_output=True, text=True).stdout
        titles |= {ln.split('"')[1] for ln in tree.splitlines() if '"formcheck' in ln}
        time.sleep(0.3)
    proc.communicate(timeout=300)
    assert "formcheck - Squat - set 1 of 1" in titles, titles


def close_like_a_window_manager(disp: str, title_prefix: str) -> bool:
    """Send WM_DELETE_WINDOW to the window whose title starts with ``title_prefix`` (what a
    window manager does when its close button is clicked). False if no such window."""
    from Xlib import X, display, protocol

    d = display.Display(disp)
    try:
        stack = list(d.screen().root.query_tree().children)
        while stack:
            w = stack.pop()
            name = w.get_wm_name()
            if isinstance(name, bytes):
                name = name.decode(errors="replace")
            viewable = w.get_attributes().map_state == X.IsViewable
            if name and name.startswith(title_prefix) and viewable:
                proto = d.intern_atom("WM_PROTOCOLS")
                delete = d.intern_atom("WM_DELETE_WINDOW")
                ev = protocol.event.ClientMessage(
                    window=w, client_type=proto, data=(32, [delete, X.CurrentTime, 0, 0, 0])
                )
                w.send_event(ev, event_mask=X.NoEventMask)
                d.flush()
                return True
            stack.extend(w.query_tree().children)
        return False
    finally:
        d.close()


@pytest.mark.e2e
def test_closing_the_window_saves_the_set(display: str, tmp_path: Path) -> None:
    pytest.importorskip("Xlib", reason="python-xlib is not installed (pip install python-xlib)")
    video = pick("squat_side")
    truth = json.loads(video.with_suffix(".json").read_text())
    env = dict(os.environ, DISPLAY=display)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "formcheck",
            "live",
            "-e",
            "squat",
            "--camera",
            str(video),
            "--out",
            str(out),
            "--mute",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Close the window once the first rep is saved (again each second until it goes: Qt
    # sometimes misses a close request that comes in while it is busy).
    t0 = time.monotonic()
    sent: list[float] = []
    while proc.poll() is None and time.monotonic() - t0 < 600:  # a ceiling; the loop waits for events
        if sent and time.monotonic() - sent[-1] < 1.0:
            time.sleep(0.05)
            continue
        for d in out.glob("live-*"):
            try:
                n = json.loads((d / "session.json").read_text())["rep_count"]
            except (OSError, ValueError, KeyError):
                continue
            if n >= 1 and close_like_a_window_manager(display, "formcheck - "):
                sent.append(time.monotonic())
        time.sleep(0.1)
    assert sent, "the window was not found"
    print("close requests", [round(t - t0, 1) for t in sent])
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    s = json.loads(next(out.glob("live-*/session.json")).read_text())
    assert s["ended"] == "window closed"
    assert 1 <= s["rep_count"] < len(truth["reps"])
