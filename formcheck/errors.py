"""Errors a user can cause, each with one clear sentence and a documented exit code."""

from __future__ import annotations

import os
from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """Process exit codes of the ``formcheck`` command (documented in the README)."""

    OK = 0
    ERROR = 1  # unexpected internal error
    USAGE = 2  # bad command-line arguments or an invalid prescription/definition file
    NO_INPUT = 3  # a file or folder that does not exist
    BAD_VIDEO = 4  # not a video, empty or unreadable video
    NO_PERSON = 5  # no person found in the video
    PARTIAL = 6  # several inputs, some failed (the others were scored)
    CAMERA = 7  # camera missing, busy or stopped sending frames
    STORE = 8  # the session store is damaged, from a newer formcheck, or cannot be written
    INTERRUPTED = 130  # Ctrl-C
    TERMINATED = 143  # SIGTERM (128 + 15), handled like Ctrl-C


class Terminated(KeyboardInterrupt):
    """Raised in the main thread on SIGTERM, so that it unwinds (and tidies up) like Ctrl-C."""


class FormcheckError(Exception):
    """An error with a user-facing message and an exit code; never shown as a traceback."""

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str, exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self.args[0])


class UsageError(FormcheckError):
    exit_code = ExitCode.USAGE


class MissingInputError(FormcheckError):
    exit_code = ExitCode.NO_INPUT


class BadVideoError(FormcheckError):
    exit_code = ExitCode.BAD_VIDEO


class NoPersonError(FormcheckError):
    exit_code = ExitCode.NO_PERSON


class CameraError(FormcheckError):
    exit_code = ExitCode.CAMERA


class StoreError(FormcheckError):
    exit_code = ExitCode.STORE


def name_is_utf8(path: str | Path) -> bool:
    """True if the path encodes as UTF-8 (a name read from disk may hold undecodable bytes)."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown(path: str | Path) -> str:
    """The path as printable text: bytes that are not UTF-8 become U+FFFD."""
    return os.fsencode(str(path)).decode("utf-8", "replace")


_CONTROL = {c: "\ufffd" for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)] if chr(c) not in "\n\t"}


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: control characters (an escape sequence in a file
    or patient name could retitle or rewrite the terminal) become U+FFFD; lines stay lines."""
    return shown(text).translate(_CONTROL)
