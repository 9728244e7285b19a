"""One checker per exercise; ``make_checker(name)`` builds one from its definition."""

from __future__ import annotations

from typing import Any

from formcheck.checkers.base import Checker, CheckerState, Event, Fault, Rep
from formcheck.checkers.bridge import BridgeChecker
from formcheck.checkers.clamshell import ClamshellChecker
from formcheck.checkers.squat import SquatChecker
from formcheck.definitions import load

CHECKERS: dict[str, type[Checker]] = {
    "squat": SquatChecker,
    "bridge": BridgeChecker,
    "clamshell": ClamshellChecker,
}

__all__ = ["CHECKERS", "Checker", "CheckerState", "Event", "Fault", "Rep", "make_checker"]


def make_checker(exercise: str, prescription: dict[str, Any] | None = None) -> Checker:
    """A fresh checker for ``exercise`` with optional prescription overrides."""
    definition = load(exercise)
    if prescription:
        definition = definition.with_prescription(prescription)
    return CHECKERS[exercise](definition)
