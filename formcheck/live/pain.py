"""Asking for a pain score (0-10) in the live window, readable from the mat 2-3 m away.

The window shows the question and the numbers 0 to 10 large; keys ``0``-``9`` answer, ``t``
(for "ten") answers 10, Enter or Esc skips. Without a window the terminal asks instead
(:func:`formcheck.live.app.ask_pain`).
"""

from __future__ import annotations

import time

import numpy as np

from formcheck.live.overlay import AMBER, DARK, GREEN, GREY, WHITE, _size, _text, scale_for
from formcheck.live.window import Window

SKIP_KEYS = (13, 10, 27)  # Enter, Esc
TEN_KEYS = (ord("t"), ord("T"))


def pain_screen(when: str, size: tuple[int, int] = (1280, 720), chosen: int | None = None) -> np.ndarray:
    """The question screen (BGR, ``size`` = (w, h)): "Pain <when>?", the numbers 0-10 in
    boxes (``chosen`` highlighted), and which keys answer."""
    w, h = size
    img = np.full((h, w, 3), DARK, np.uint8)
    s = scale_for(img.shape)
    head = f"Pain {when}?"
    tw, _ = _size(head, 1.5 * s)
    _text(img, head, ((w - tw) // 2, int(130 * s)), 1.5 * s, WHITE)
    sub = "0 = no pain, 10 = the worst pain"
    tw, _ = _size(sub, 0.8 * s)
    _text(img, sub, ((w - tw) // 2, int(190 * s)), 0.8 * s, GREY)
    box = (w - int(40 * s)) // 11
    y0, y1 = int(250 * s), int(250 * s) + box
    for n in range(11):
        x0 = int(20 * s) + n * box
        color = GREEN if n == chosen else AMBER
        img[y0 + 3 : y1 - 3, x0 + 3 : x0 + box - 3] = (60, 60, 60) if n != chosen else (40, 90, 40)
        label = str(n)
        nw, nh = _size(label, 1.6 * s)
        _text(img, label, (x0 + (box - nw) // 2, (y0 + y1 + nh) // 2), 1.6 * s, color)
    keys = "Press 0-9, or T for 10.   Enter: skip."
    tw, _ = _size(keys, 0.8 * s)
    _text(img, keys, ((w - tw) // 2, y1 + int(90 * s)), 0.8 * s, WHITE)
    return img


def key_to_score(key: int | None) -> int | None:
    """0-10 for an answering key, else None."""
    if key is None:
        return None
    if ord("0") <= key <= ord("9"):
        return key - ord("0")
    if key in TEN_KEYS:
        return 10
    return None


def ask_pain_in_window(
    window: Window, when: str, size: tuple[int, int] = (1280, 720), timeout_s: float = 120.0
) -> int | None:
    """Show the question until a score key, a skip key, the window closing or ``timeout_s``;
    returns the score or None (skipped). The chosen number shows for a moment."""
    window.show(pain_screen(when, size))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not window.closed:
        key = window.read_key(50)
        score = key_to_score(key)
        if score is not None:
            window.show(pain_screen(when, size, score))
            window.read_key(400)
            return score
        if key in SKIP_KEYS:
            return None
    return None
