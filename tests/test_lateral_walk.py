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
