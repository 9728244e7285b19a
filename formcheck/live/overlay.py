"""The live overlay, sized to be read from 2-3 m: it draws, it decides nothing.

Everything shown comes from the checker's :class:`~formcheck.checkers.base.CheckerState`, the
set-up guide and the loop's flags (muted, paused): a big rep count top left (per side where
the exercise counts each side), the key angle against its target with a gauge, the hold timer where a hold is
prescribed, and one cue at the bottom. The skeleton is :func:`formcheck.annotate.draw_skeleton`.

Sizes scale with the frame: ``s = min(h, w) / 600`` (1.2 for 720p).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from formcheck.annotate import (
    CUE_MAX_LINES,
    RING_REACH,
    covers,
    draw_skeleton,
    mark_joints,
    ring_radius,
    wrap,
)
from formcheck.checkers.base import CheckerState
from formcheck.textdraw import draw_text, text_size
from formcheck.units import hold_text

WHITE = (255, 255, 255)
GREY = (170, 170, 170)
GREEN = (90, 210, 90)
AMBER = (40, 190, 255)
DARK = (30, 30, 30)
BLUE = (230, 160, 60)


@dataclass(frozen=True)
class OverlayInfo:
    """What the loop knows beyond the checker's state.

    Attributes:
        title: e.g. "Squat - set 1 of 3".
        target_reps: reps in the set (per side where the exercise counts each side).
        guide_cue: the set-up guide's cue while the checker is in its set-up phase.
        guide_step: its step number (1-5).
        banner: a big centred word or two ("READY - GO!", "PAUSED"), or None.
        banner_sub: a smaller line under the banner.
        voice_note: "MUTED", "NO VOICE" or None.
        joints: landmarks the checker's cue is about (ringed while it shows), see
            :func:`formcheck.annotate.cue_joints`.
    """

    title: str = ""
    target_reps: int = 0
    guide_cue: str | None = None
    guide_step: int = 0
    banner: str | None = None
    banner_sub: str | None = None
    voice_note: str | None = None
    joints: tuple[int, ...] = ()


def scale_for(shape: tuple[int, ...]) -> float:
    h, w = shape[:2]
    return max(0.5, min(h, w) / 600)


def _px(scale: float) -> int:
    """Font size in pixels for a text scale (1.0: capitals about 22 px high)."""
    return max(8, round(30 * scale))


def _text(
    img: np.ndarray,
    text: str,
    org: tuple[int, int],
    scale: float,
    color: tuple[int, int, int] = WHITE,
    thickness: int | None = None,
) -> None:
    """``text`` with its baseline starting at ``org``, drawn by :func:`formcheck.textdraw.draw_text`
    (DejaVu Sans Bold with a dark outline from the same glyphs; ``thickness`` is ignored)."""
    draw_text(img, text, org, _px(scale), color)


def _size(text: str, scale: float, thickness: int | None = None) -> tuple[int, int]:
    return text_size(text, _px(scale))


def _shade(img: np.ndarray, x0: int, y0: int, x1: int, y1: int, keep: float = 0.3) -> None:
    """Darken a box so text on it reads while the picture still shows through."""
    roi = img[max(0, y0) : y1, max(0, x0) : x1]
    if roi.size:
        roi[:] = cv2.convertScaleAbs(roi, alpha=keep, beta=DARK[0] * (1 - keep))


def count_panel_size(s: float) -> tuple[int, int]:
    """(width, height) in pixels of the rep-count panel at scale ``s``."""
    return int(210 * s), int(170 * s)


def count_panel(state: CheckerState, target_reps: int, s: float) -> np.ndarray:
    """The rep-count panel (BGR) for a state: drawn the same way every time for the same
    count, so a test can find it, pixel for pixel, in a screenshot of the window."""
    pw, ph = count_panel_size(s)
    panel = np.full((ph, pw, 3), DARK, np.uint8)
    pad = int(14 * s)
    _text(panel, f"{state.unit.upper()}S", (pad, int(30 * s)), 0.7 * s, GREY)
    n = str(state.reps)
    _text(panel, n, (pad, int(118 * s)), 3.2 * s, WHITE, max(2, round(7 * s)))
    if target_reps:
        nw, _ = _size(n, 3.2 * s, max(2, round(7 * s)))
        _text(panel, f"/ {target_reps}", (pad + nw + int(10 * s), int(118 * s)), 0.8 * s, GREY)
    if state.per_side:
        left, right = state.reps_by_side.get("left", 0), state.reps_by_side.get("right", 0)
        _text(panel, f"L {left}   R {right}", (pad, int(155 * s)), 0.8 * s, WHITE)
    return panel


def _gauge(img: np.ndarray, x0: int, x1: int, y: int, s: float, value: float, target: float) -> None:
    """A 0-200 bar (degrees, or % for a key number in %) with the target marked (amber tick)
    and the value (white dot)."""
    th = max(2, int(6 * s))
    cv2.line(img, (x0, y), (x1, y), (90, 90, 90), th, cv2.LINE_AA)

    def x_of(deg: float) -> int:
        return int(x0 + (x1 - x0) * min(1.0, max(0.0, deg / 200.0)))

    if math.isfinite(target):
        xt = x_of(target)
        cv2.line(img, (xt, y - int(12 * s)), (xt, y + int(12 * s)), AMBER, max(2, int(4 * s)))
    if math.isfinite(value):
        cv2.circle(img, (x_of(value), y), int(10 * s), WHITE, -1, cv2.LINE_AA)


def banner_box(info: OverlayInfo, w: int, h: int) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the centred banner's dark box in a ``w`` x ``h`` picture, or None."""
    if not info.banner:
        return None
    s = scale_for((h, w))
    pad = int(14 * s)
    bw, bh = _size(info.banner, 2.2 * s)
    cx, cy = w // 2, h // 2
    sub_h = int(50 * s) if info.banner_sub else 0
    return cx - bw // 2 - pad * 2, cy - bh - pad * 2, cx + bw // 2 + pad * 2, cy + pad * 2 + sub_h


def draw_overlay(
    img: np.ndarray, state: CheckerState, info: OverlayInfo, image_lm: np.ndarray | None = None
) -> np.ndarray:
    """Draw skeleton, count, key angle vs target, hold timer, cue and banner on ``img``
    (BGR, in place); returns it."""
    h, w = img.shape[:2]
    s = scale_for(img.shape)
    pad = int(14 * s)
    rings: list[tuple[int, int]] = []
    if image_lm is not None:
        draw_skeleton(img, image_lm)
        if info.joints and state.cue and state.phase != "setup":
            rings = mark_joints(img, image_lm, info.joints)

    # Count panel, top left.
    panel = count_panel(state, info.target_reps, s)
    ph, pw = panel.shape[:2]
    img[:ph, :pw] = panel

    # Top bar: key angle vs target with a gauge, hold timer, title, muted.
    bar_h = int(96 * s)
    _shade(img, pw, 0, w, bar_h)
    x = pw + pad
    angle = state.key_text
    _text(img, angle, (x, int(44 * s)), 1.1 * s)
    aw, _ = _size(angle, 1.1 * s)
    _text(img, state.target_text, (x + aw + int(16 * s), int(44 * s)), 0.75 * s, AMBER)
    gx1 = min(w - pad, x + int(380 * s))
    right = w - pad
    tx, _ = _size(state.target_text, 0.75 * s)
    used = x + aw + int(16 * s) + tx + int(20 * s)
    if info.title:
        tw, _ = _size(info.title, 0.6 * s)
        if right - tw > used:  # the window title says it too; here only if there is room
            _text(img, info.title, (right - tw, int(28 * s)), 0.6 * s, GREY)
    mw = 0
    if info.voice_note:
        mw, _ = _size(info.voice_note, 0.6 * s)
        _text(img, info.voice_note, (right - mw, int(88 * s)), 0.6 * s, AMBER)
    if state.hold_target_s:
        if state.hold_s is not None:
            hold = hold_text(state.hold_s, state.hold_target_s)
            done = state.hold_s >= state.hold_target_s
        else:
            hold = hold_text(None, state.hold_target_s)
            done = False
        tw, _ = _size(hold, 0.9 * s)
        hx, hy = right - tw, int(62 * s)
        if hx < used:
            # A narrow window: beside the angle and target it would cover them, so it goes on
            # the gauge's line, left of the voice note, and the gauge ends before it.
            hx, hy = right - tw - (mw + pad if mw else 0), int(88 * s)
            gx1 = min(gx1, hx - pad)
        _text(img, hold, (hx, hy), 0.9 * s, GREEN if done else WHITE)
    if gx1 - x >= int(60 * s):  # no room for a gauge beside the timer: the number says it
        _gauge(img, x, gx1, int(74 * s), s, state.key_deg, state.target_deg)

    box = banner_box(info, w, h)  # the centred banner (PAUSED, READY), drawn last: None without one
    # One cue, bottom: the set-up guide's while setting up, else the checker's.
    cue = info.guide_cue if state.phase == "setup" and info.guide_cue else state.cue_line
    if cue:
        lines = wrap(cue, _px(1.0 * s), w - 2 * pad, CUE_MAX_LINES)  # (two ran off the picture)
        line_h = int(44 * s)
        step = f"set-up {info.guide_step}/5" if state.phase == "setup" and info.guide_step else ""
        over = int(18 * s) if step else 0  # the step's own line above the words (not beside them)
        tall = line_h * len(lines) + int(22 * s) + over
        top = h - tall
        # Not over a joint the cue is about (a heel at the foot of the picture): then under the
        # top bar, where the ring stays in sight (as in the annotated video).
        ring = RING_REACH * ring_radius(h)  # two joints merged in one ring at most
        upper = max(bar_h, ph)
        clear = box is None or upper + tall <= box[1] or upper >= box[3]  # the banner comes first
        if clear and covers(rings, top, h, ring) and not covers(rings, upper, upper + tall, ring):
            top = upper
        _shade(img, 0, top, w, top + tall, 0.2)
        color = BLUE if state.phase == "setup" else AMBER
        for i, line in enumerate(lines):
            _text(img, line, (pad, top + over + int(36 * s) + i * line_h), 1.0 * s, color)
        if step:
            tw, _ = _size(step, 0.55 * s)
            _text(img, step, (w - pad - tw, top + int(22 * s)), 0.55 * s, GREY)

    # Banner, centre.
    if info.banner and box is not None:
        bs = 2.2 * s
        bw, _ = _size(info.banner, bs)
        cx, cy = w // 2, h // 2
        cv2.rectangle(img, box[:2], box[2:], DARK, -1)
        color = GREEN if info.banner.startswith("READY") else WHITE
        _text(img, info.banner, (cx - bw // 2, cy), bs, color)
        if info.banner_sub:
            sw, _ = _size(info.banner_sub, 0.8 * s)
            _text(img, info.banner_sub, (cx - sw // 2, cy + int(44 * s)), 0.8 * s, GREY)
    return img


def summary_screen(
    frame: np.ndarray | None,
    lines: list[tuple[str, float, tuple[int, int, int]]],
    size: tuple[int, int] = (1280, 720),
) -> np.ndarray:
    """The end-of-set screen: the last frame dimmed, with ``lines`` of (text, scale, colour)
    centred from top to bottom (scale relative to ``s``)."""
    if frame is not None:
        img = (frame.astype(np.uint16) * 3 // 10).astype(np.uint8)
    else:
        img = np.full((size[1], size[0], 3), DARK, np.uint8)
    h, w = img.shape[:2]
    s = scale_for(img.shape)
    for _ in range(4):  # many lines on a small window: smaller text, until they all fit
        laid = _lay_out(lines, s, w)
        if not laid or laid[-1][1] <= h - int(20 * s):
            break
        s *= 0.85 * (h - int(20 * s)) / laid[-1][1]
    for line, y, sc, color in laid:
        tw, _th = _size(line, sc)
        _text(img, line, ((w - tw) // 2, y), sc, color)
    return img


def _lay_out(
    lines: list[tuple[str, float, tuple[int, int, int]]], s: float, w: int
) -> list[tuple[str, int, float, tuple[int, int, int]]]:
    """The summary's lines wrapped to width ``w`` at scale ``s``: (text, baseline y, scale, colour)."""
    out = []
    y = int(90 * s)
    for text, sc, color in lines:
        for line in wrap(text, _px(sc * s), w - int(60 * s), 3):
            y += _size(line, sc * s)[1] + int(18 * s)
            out.append((line, y, sc * s, color))
        y += int(10 * s)
    return out
