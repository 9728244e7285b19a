"""Drawing: skeleton, key angle against its target, rep count and the current cue.

It only draws what the checker's state says; it decides nothing. Text is drawn with
:mod:`formcheck.textdraw` (DejaVu Sans through Pillow), sized from the frame height: the cue
is about 1/20 of the frame high, so it reads on a phone as on a monitor.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from formcheck.checkers.base import CheckerState
from formcheck.definitions import ExerciseDef
from formcheck.skeleton import GREEN, WHITE, draw_skeleton
from formcheck.textdraw import draw_text, text_size
from formcheck.units import hold_text

AMBER = (40, 180, 255)
DARK = (30, 30, 30)


def _bar(img: np.ndarray, y0: int, y1: int, alpha: float = 0.62) -> None:
    """Darken a full-width band so text on it reads while the body behind stays visible."""
    band = img[max(0, y0) : y1]
    band[:] = (band.astype(np.float32) * (1 - alpha) + np.array(DARK, np.float32) * alpha).astype(np.uint8)


def text_px(shape: tuple[int, ...], rel: float = 1.0) -> int:
    """Font size in pixels for a frame: 1/18 of its short side (27 px at 480p) times ``rel``."""
    return max(10, round(min(shape[0], shape[1]) / 18 * rel))


def fit_px(text: str, px: int, width: int) -> int:
    """``px``, or smaller so that ``text`` fits in ``width`` pixels (never below 10)."""
    tw = text_size(text, px)[0]
    return px if tw <= width else max(10, int(px * width / tw))


# A cue's lines at most, on video and in the live window: the longest set-up words (a lunge's
# 131 characters) take three in a 4:3 window and four in a narrow portrait frame.
CUE_MAX_LINES = 4


def wrap(text: str, px: int, width: int, max_lines: int = 2) -> list[str]:
    """Split ``text`` into at most ``max_lines`` lines no wider than ``width`` pixels (a
    single word wider than that stays whole; the last line takes what is left)."""
    lines: list[str] = []
    cur = ""
    for word in text.split():
        trial = f"{cur} {word}".strip()
        if not cur or text_size(trial, px)[0] <= width:
            cur = trial
        else:
            lines.append(cur)
            cur = word
    if cur:
        lines.append(cur)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    return lines


def cue_joints(definition: ExerciseDef, cue: str | None) -> tuple[int, ...]:
    """Landmark indices the current cue is about (its check's ``joints``), or ()."""
    check = definition.check_for_cue(cue)
    return check.landmarks if check is not None else ()


def ring_radius(height: int) -> int:
    """The radius (pixels) of the ring round one joint (:func:`mark_joints`) in a frame this high."""
    return max(8, round(height / 28))


def mark_joints(
    img: np.ndarray, image_lm: np.ndarray, joints: tuple[int, ...], min_visibility: float = 0.5
) -> list[tuple[int, int]]:
    """Ring the landmarks ``joints`` (indices into ``image_lm`` (33, 4)) that are in view, in
    amber with a dark edge, in place (joints closer than 1.5 ring radii share one ring);
    returns the centres drawn (pixels)."""
    h, w = img.shape[:2]
    r = ring_radius(h)
    th = max(2, round(h / 160))
    rings: list[tuple[float, float, float]] = []  # x, y, radius
    for i in joints:
        x, y, vis = float(image_lm[i, 0]), float(image_lm[i, 1]), float(image_lm[i, 3])
        if not (math.isfinite(x) and math.isfinite(y)) or not vis >= min_visibility:
            continue
        x, y = x * w, y * h
        # Joints nearly on top of each other (both knees from the side): one ring round both.
        near = next((k for k, (rx, ry, _) in enumerate(rings) if math.hypot(x - rx, y - ry) < 1.5 * r), None)
        if near is None:
            rings.append((x, y, float(r)))
        else:
            rx, ry, _ = rings[near]
            rings[near] = ((x + rx) / 2, (y + ry) / 2, r + math.hypot(x - rx, y - ry) / 2)
    out = []
    for x, y, rr in rings:
        c = (round(x), round(y))
        cv2.circle(img, c, round(rr), DARK, th + 3, cv2.LINE_AA)
        cv2.circle(img, c, round(rr), AMBER, th, cv2.LINE_AA)
        out.append(c)
    return out


# How far past a joint its ring reaches, in ring radii: two joints side by side (both heels from
# the side) share a ring up to 1.75 radii wide (mark_joints).
RING_REACH = 1.75


def covers(points: list[tuple[int, int]] | None, y0: int, y1: int, reach: float) -> bool:
    """Whether a band of rows y0..y1 covers any ring centred at ``points`` (``reach`` pixels)."""
    return any(y + reach >= y0 and y - reach <= y1 for _, y in points or [])


def draw_state(
    img: np.ndarray, state: CheckerState, title: str = "", keep_clear: list[tuple[int, int]] | None = None
) -> None:
    """Draw the rep count, key angle vs target, hold timer and the current cue, in place.

    The cue goes along the bottom, or just under the count where it would cover a joint it is
    about (``keep_clear``: the centres of the rings :func:`mark_joints` drew; a heel ringed at
    the bottom of a 4:3 frame was hidden by its own cue)."""
    h, w = img.shape[:2]
    big, small = text_px(img.shape, 1.25), text_px(img.shape)
    pad = max(6, small // 2)
    line1 = pad + big
    line2 = line1 + pad + small
    _bar(img, 0, line2 + pad + small // 3)
    if state.reps_by_side:
        count = "  ".join(f"{k[0].upper()}: {v}" for k, v in sorted(state.reps_by_side.items()))
        reps = f"{state.count_text}  ({count})"
    else:
        reps = state.count_text
    draw_text(img, reps, (pad, line1), big)
    angle = f"{state.key_text}  ({state.target_text})" if math.isfinite(state.key_deg) else state.key_text
    apx = fit_px(angle, small, w - 2 * pad)  # a narrow (portrait) frame: smaller, not cut off
    draw_text(img, angle, (pad, line2), apx)
    right = {line1: pad + text_size(reps, big)[0], line2: pad + text_size(angle, apx)[0]}
    hold = None
    if state.hold_s is not None and state.hold_target_s:
        hold = hold_text(state.hold_s, state.hold_target_s)
        hw, _ = text_size(hold, small)
        # Beside the angle if there is room, else on the top line (in place of the title).
        y = line2 if right[line2] + 2 * pad <= w - hw - pad else line1
        done = state.hold_s >= state.hold_target_s
        draw_text(img, hold, (w - hw - pad, y), small, GREEN if done else WHITE)
        right[y] = w
    if title:
        tw, _ = text_size(title, small)
        if right[line1] + 2 * pad <= w - tw - pad:
            draw_text(img, title, (w - tw - pad, line1), small)
    if state.cue_line:
        lines = wrap(state.cue_line, small, w - 2 * pad, CUE_MAX_LINES)
        cpx = min(fit_px(line, small, w - 2 * pad) for line in lines)  # the last line may be long
        step = cpx + pad
        tall = step * len(lines) + pad
        ring = RING_REACH * ring_radius(h)  # two joints merged in one ring at most
        top = line2 + pad + small // 3  # the count's bar ends here
        bottom = h - tall
        if covers(keep_clear, bottom, h, ring) and not covers(keep_clear, top, top + tall, ring):
            bottom = top
        _bar(img, bottom, bottom + tall)
        base = bottom + tall - pad - cpx // 4  # the last line's baseline
        for i, line in enumerate(lines):
            draw_text(img, line, (pad, base - step * (len(lines) - 1 - i)), cpx, AMBER)


def annotate(
    img: np.ndarray,
    image_lm: np.ndarray,
    state: CheckerState,
    title: str = "",
    joints: tuple[int, ...] = (),
) -> np.ndarray:
    """Skeleton, the cue's ``joints`` ringed, plus state on ``img`` (BGR), in place; returns it."""
    draw_skeleton(img, image_lm)
    rings = mark_joints(img, image_lm, joints) if state.cue and joints else []
    draw_state(img, state, title, keep_clear=rings)
    return img
