"""benchmarks/speed.py as a module, for its drawn mannequin (a person MediaPipe finds)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def load() -> ModuleType:
    """Import benchmarks/speed.py (it is not a package) and return it."""
    spec = importlib.util.spec_from_file_location("formcheck_bench_speed", ROOT / "benchmarks" / "speed.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
