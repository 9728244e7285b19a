"""Banded side walk against synthetic sets with known steps, directions and faults."""

from __future__ import annotations

import pytest

from formcheck.pipeline import score_sequence
from testkit import synthetic
from testkit.synthetic import assert_matches


def score(seq):
    return score_sequence(seq, "lateral_walk")


@pytest.mark.parametrize("seed", [0, 1])
def test_steps_counted_per_direction(seed):
    """000: ten steps to the right, then ten to the left (four each here)."""
    seq, truth = synthetic.lateral_walk(seed=seed)
    session = score(seq)
    assert session.view == "front"
    assert_matches(session, truth)
    assert session.reps_by_side() == {"right": 4, "left": 4}
    assert session.skipped_checks == {}


def test_steps_back_and_forth():
    """Stepping right, then left, in turn (as on the real clip): each step has its direction."""
    seq, truth = synthetic.lateral_walk(steps=("right", "left") * 3)
    assert_matches(score(seq), truth)


def test_feet_brought_together_is_flagged():
    seq, truth = synthetic.lateral_walk(faults={7: ["feet_together"]})
    session = score(seq)
    assert_matches(session, truth)
    landed = [r.metrics["stance_min_sh"] for r in session.reps]
    assert landed[-1] < 0.5 < min(landed[:-1])


def test_a_shuffle_is_no_step():
    """A foot moved 10 cm (under a quarter of a leg) is a shift of weight, not a step."""
    seq, _ = synthetic.lateral_walk(step_m=0.10)
    assert score(seq).reps == []


def test_lying_down_is_not_the_position():
    seq, _ = synthetic.clamshell(reps=3)
    assert score(seq).reps == []


def _rest_after(fps: float, rest: float, signal: float, seconds: float = 0.8) -> float:
    """The checker's start position after ``seconds`` at rest with its counting signal at
    ``signal`` (frames fed as ``Checker.update`` feeds them, with their times)."""
    from formcheck.checkers import make_checker

    ch = make_checker("lateral_walk")
    ch.phase, ch._rest, ch._t = "rest", rest, 0.0
    for i in range(1, round(seconds * fps) + 1):
        t = i / fps
        ch._prev_t, ch._t = ch._t, t
        ch._rest_step(t, True, signal, {"stance_pct": signal})
    return ch._rest


def test_start_position_follows_per_second_and_only_where_it_can_be():
    """The start position follows a new stance (feet brought together: 46 -> 13 % of a leg)
    alike at 30 and at 7.5 analysed frames a second; it does not follow a reading outside the
    exercise's rest_range, unless the person had already settled outside it."""
    at30, at7 = _rest_after(30.0, 46.0, 13.0), _rest_after(7.5, 46.0, 13.0)
    assert abs(at30 - at7) < 0.5 and at30 < 26.0, (at30, at7)
    assert _rest_after(7.5, 46.0, 2.0) == 46.0  # under rest_range [5, 100]: a glitch
    assert _rest_after(7.5, 3.0, 2.0) < 2.5  # settled there after a rep: followed
