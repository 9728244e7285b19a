"""The live window (``cv2.imshow``) and its keys; a headless stand-in for benchmarks and tests.

Keys: ``q`` or Esc ends the set, space pauses and resumes, ``m`` mutes and unmutes, ``f``
switches full screen on and off (the window itself handles it, on every screen it shows).
The window can be resized; the picture keeps its shape.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from formcheck.errors import UsageError

KEY_QUIT = "quit"
KEY_PAUSE = "pause"
KEY_MUTE = "mute"
_KEYS = {
    ord("q"): KEY_QUIT,
    ord("Q"): KEY_QUIT,
    27: KEY_QUIT,
    ord(" "): KEY_PAUSE,
    ord("m"): KEY_MUTE,
    ord("M"): KEY_MUTE,
}


def has_display() -> bool:
    """True where a window can be opened (always on Windows and macOS)."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class Window:
    """One OpenCV window. ``show`` draws a frame and returns the key action pressed, if any.

    Args:
        title: the window title (exercise and set).
        headless: no window at all: ``show`` only counts frames (benchmarks, no screen).

    Raises:
        UsageError: no screen to open a window on (Linux without DISPLAY/WAYLAND_DISPLAY).
    """

    NAME = "formcheck"

    def __init__(self, title: str, headless: bool = False) -> None:
        self.title = title
        self.headless = headless
        self.shown = 0
        self._open = False
        self._closed = False
        self._mapped = False  # the window has been seen on screen
        if headless:
            return
        if not has_display():
            raise UsageError(
                "There is no screen to open the window on (DISPLAY is not set); "
                "use --headless to run without one."
            )
        # Qt's own start-up chatter (fonts, XDG_RUNTIME_DIR) is not for the user.
        os.environ.setdefault("QT_LOGGING_RULES", "*.debug=false;qt.*=false")
        import cv2

        self._cv2 = cv2
        cv2.namedWindow(self.NAME, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
        cv2.setWindowTitle(self.NAME, title)
        self._open = True
        self._sized: tuple[int, int] | None = None
        self.fullscreen = False

    def set_title(self, title: str) -> None:
        self.title = title
        if self._open:
            self._cv2.setWindowTitle(self.NAME, title)

    def show(self, img: np.ndarray, wait_ms: int = 1) -> str | None:
        """Display ``img`` (BGR) and poll the keyboard; returns "quit", "pause", "mute" or None."""
        self.shown += 1
        if self.headless:
            return None
        if self.shown > 1 and self.closed:  # imshow would open it again
            return None
        h, w = img.shape[:2]
        if self._sized != (w, h) and not self.fullscreen:
            # A picture of a new size (the first one, the camera's after the start screen): the
            # window takes its size; between such changes its size is the user's.
            self._cv2.resizeWindow(self.NAME, w, h)
            self._sized = (w, h)
        self._cv2.imshow(self.NAME, img)
        if not self._mapped:
            # Until the window is on screen, asking Qt where it is makes it lay the window out
            # and map it. With both cores busy it otherwise stayed unmapped (blank) for a whole
            # set in 6 of 12 runs of the live window test; with this, in none of 6.
            self._cv2.getWindowImageRect(self.NAME)
            self.closed  # noqa: B018 - notes the window as mapped once it is visible
        return self.poll(wait_ms)

    def poll(self, wait_ms: int = 1) -> str | None:
        """Process window events for ``wait_ms`` and return a key action, without drawing."""
        key = self.read_key(wait_ms)
        return _KEYS.get(key) if key is not None else None

    def read_key(self, wait_ms: int = 1) -> int | None:
        """Process window events for ``wait_ms``; the key pressed (its character code), if any.
        ``f`` is handled here (full screen on or off) and not returned."""
        if self.headless:
            return None
        key = self._cv2.waitKeyEx(max(1, wait_ms))
        if key < 0 or key >= 0x10000:  # nothing, or a special key (arrows, F-keys)
            return None
        key &= 0xFF
        if key in (ord("f"), ord("F")):
            self.toggle_fullscreen()
            return None
        return key

    def toggle_fullscreen(self) -> bool:
        """Full screen on or off; returns ``fullscreen``."""
        if self.headless or not self._open:
            return False
        self.fullscreen = not self.fullscreen
        cv2 = self._cv2
        mode = cv2.WINDOW_FULLSCREEN if self.fullscreen else cv2.WINDOW_NORMAL
        cv2.setWindowProperty(self.NAME, cv2.WND_PROP_FULLSCREEN, mode)
        if not self.fullscreen and self._sized is not None:
            cv2.resizeWindow(self.NAME, *self._sized)
        return self.fullscreen

    @property
    def closed(self) -> bool:
        """True once the user closed the window (its close button)."""
        if self.headless or not self._open:
            return False
        if self._closed:
            return True
        try:
            visible = self._cv2.getWindowProperty(self.NAME, self._cv2.WND_PROP_VISIBLE) >= 1
        except self._cv2.error:  # Qt: no window any more
            self._closed = True
            return True
        # Not visible yet is not closed: on a busy machine the window is mapped a moment after
        # it is created, and taking that moment for the user closing it left it blank for good.
        self._mapped = self._mapped or visible
        self._closed = self._mapped and not visible
        return self._closed

    def close(self) -> None:
        if self._open:
            self._open = False
            try:
                self._cv2.destroyWindow(self.NAME)
                self._cv2.waitKey(1)
            except self._cv2.error:
                pass
