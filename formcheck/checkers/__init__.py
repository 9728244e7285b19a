"""One checker per exercise; ``make_checker(name)`` builds one from its definition.

An exercise's checker is the module ``formcheck/checkers/<name>.py`` named like its TOML
(``exercises/<name>.toml``); the module holds one :class:`Checker` subclass whose ``name`` is
the exercise's. Adding an exercise means adding those two files; nothing here lists them.
"""

from __future__ import annotations

import importlib
from typing import Any

from formcheck.checkers.base import Checker, CheckerState, Event, Fault, Rep
from formcheck.definitions import available, load

__all__ = ["CHECKERS", "Checker", "CheckerState", "Event", "Fault", "Rep", "checker_class", "make_checker"]


def checker_class(exercise: str) -> type[Checker]:
    """The checker class of ``exercise`` (from ``formcheck.checkers.<exercise>``)."""
    module = importlib.import_module(f"formcheck.checkers.{exercise}")
    found = [
        obj for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, Checker) and obj.name == exercise
    ]  # fmt: skip
    if len(found) != 1:
        raise ImportError(f"formcheck.checkers.{exercise} must define one Checker named '{exercise}'")
    return found[0]


CHECKERS: dict[str, type[Checker]] = {name: checker_class(name) for name in available()}


def make_checker(exercise: str, prescription: dict[str, Any] | None = None) -> Checker:
    """A fresh checker for ``exercise`` with optional prescription overrides."""
    definition = load(exercise)
    if prescription:
        definition = definition.with_prescription(prescription)
    return CHECKERS[exercise](definition)
