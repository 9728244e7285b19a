"""Drawing: skeleton, key angle against its target, rep count and the current cue.

It only draws what the checker's state says; it decides nothing.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from formcheck.checkers.base import CheckerState
from formcheck.landmarks import SKELETON_EDGES

GREEN = (90, 200, 90)
WHITE = (255, 255, 255)
AMBER = (40, 180, 255)
DARK = (30, 30, 30)


def _bar(img: np.ndarray, y0: int, y1: int, alpha: float = 0.62) -> None:
    """Darken a full-width band so text on it reads while the body behind stays visible."""
    band = img[y0:y1]
    band[:] = (band.astype(np.float32) * (1 - alpha) + np.array(DARK, np.float32) * alpha).astype(np.uint8)


def _text(img: np.ndarray, text: str, org: tuple[int, int], scale: float, color=WHITE) -> None:  # type: ignore[no-untyped-def]
    th = max(1, round(scale * 2))
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, DARK, th + 3, cv2.LINE_AA)
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, color, th, cv2.LINE_AA)


def draw_skeleton(img: np.ndarray, image_lm: np.ndarray, min_visibility: float = 0.5) -> None:
    """Draw landmarks (33, 4) normalised x, y, z, visibility onto ``img`` in place."""
    h, w = img.shape[:2]
    pts = image_lm[:, :2] * np.array([w, h])
    ok = np.isfinite(pts).all(axis=1) & (image_lm[:, 3] >= min_visibility)
    lw = max(2, round(min(h, w) / 160))
    for a, b in SKELETON_EDGES:
        if ok[a] and ok[b]:
            cv2.line(
                img,
                tuple(int(v) for v in pts[a]),
                tuple(int(v) for v in pts[b]),
                WHITE,
                lw,
                cv2.LINE_AA,
            )
    for i in range(11, 33):
        if ok[i]:
            cv2.circle(img, tuple(int(v) for v in pts[i]), lw + 1, GREEN, -1, cv2.LINE_AA)


def draw_state(img: np.ndarray, state: CheckerState, title: str = "") -> None:
    """Draw the rep count, key angle vs target, hold timer and the current cue, in place."""
    h, w = img.shape[:2]
    s = max(0.5, min(h, w) / 600)
    pad = int(12 * s)
    _bar(img, 0, int(92 * s))
    if state.reps_by_side:
        count = "  ".join(f"{k[0].upper()}: {v}" for k, v in sorted(state.reps_by_side.items()))
        reps = f"Reps {state.reps}  ({count})"
    else:
        reps = f"Reps {state.reps}"
    _text(img, reps, (pad, int(40 * s)), 1.2 * s)
    if math.isfinite(state.key_deg):
        angle = f"{state.key_label} {state.key_deg:.0f} deg  (target {state.target_deg:.0f})"
    else:
        angle = f"{state.key_label} --"
    _text(img, angle, (pad, int(78 * s)), 0.75 * s)
    if title:
        (tw, _), _ = cv2.getTextSize(title, cv2.FONT_HERSHEY_SIMPLEX, 0.75 * s, 2)
        _text(img, title, (w - tw - pad, int(40 * s)), 0.75 * s)
    if state.hold_s is not None and state.hold_target_s:
        hold = f"hold {state.hold_s:.1f} / {state.hold_target_s:.0f} s"
        (tw, _), _ = cv2.getTextSize(hold, cv2.FONT_HERSHEY_SIMPLEX, 0.75 * s, 2)
        done = state.hold_s >= state.hold_target_s
        _text(img, hold, (w - tw - pad, int(78 * s)), 0.75 * s, GREEN if done else WHITE)
    if state.cue:
        _bar(img, h - int(52 * s), h)
        _text(img, state.cue, (pad, h - int(17 * s)), 0.8 * s, AMBER)


def annotate(
    img: np.ndarray, image_lm: np.ndarray, state: CheckerState, title: str = ""
) -> np.ndarray:
    """Skeleton plus state on ``img`` (BGR), in place; returns it."""
    draw_skeleton(img, image_lm)
    draw_state(img, state, title)
    return img
