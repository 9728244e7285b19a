"""Why no rep was counted: a sentence the person can act on, the same in every process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from formcheck.checkers import make_checker
from formcheck.view import ViewEstimate


def _seen_from(exercise: str, view: str, partials: list[str]) -> str:
    checker = make_checker(exercise)
    checker.views = SimpleNamespace(estimate=ViewEstimate(view, 0.0, "left"))  # type: ignore[assignment]
    checker._n_valid, checker._ever_ready, checker.partials = 10, True, partials
    return checker.no_reps_reason()


def test_no_reps_from_a_view_the_exercise_is_not_filmed_from_says_how_to_turn() -> None:
    said = _seen_from("hip_abduction", "side", [])
    assert said.endswith("This camera saw you from the side: Turn to face the camera.")
    way_back = "The way back was not seen (hidden or cut away): not counted."
    said = _seen_from("hip_abduction", "side", [way_back])
    assert f"({way_back[:-1]}). This camera saw you" in said


def test_no_reps_from_a_right_view_gives_no_turning_advice() -> None:
    assert "This camera" not in _seen_from("hip_abduction", "front", [])
    assert "This camera" not in _seen_from("squat", "oblique", ["Movement not counted as a rep."])


def test_the_commonest_reason_is_the_same_in_every_process() -> None:
    """Two reasons as common as each other: the first seen is given, whatever the hash seed."""
    code = (
        "from tests.test_no_reps import _seen_from;"
        "print(_seen_from('squat', 'side', ['B reason.', 'A reason.', 'A reason.', 'B reason.']))"
    )
    said = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={"PYTHONHASHSEED": str(seed), "PATH": ""},
                       cwd=Path(__file__).resolve().parents[1]).stdout
        for seed in range(4)
    }
    assert said == {"No complete reps: 4 movements were not counted (B reason.)\n"}
