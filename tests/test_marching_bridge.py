"""Marching bridge against synthetic sets with known steps, sides and faults."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.landmarks import PoseSequence
from formcheck.pipeline import score_sequence
from testkit import synthetic
from testkit.synthetic import assert_matches


def score(seq):
    return score_sequence(seq, "marching_bridge")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_steps_counted_per_side(seed):
    seq, truth = synthetic.marching_bridge(steps=6, seed=seed)
    session = score(seq)
    assert session.view == "side"
    assert_matches(session, truth)
    assert session.reps_by_side() == {"left": 3, "right": 3}
    assert session.skipped_checks == {}
    # 10 cm of lift over the 0.43 m thigh: about 23% of its length
    assert [r.metrics["foot_lift_top_pct"] for r in session.reps] == pytest.approx([23.0] * 6, abs=4.0)


def test_hips_sinking_during_a_step_is_flagged_on_that_step():
    seq, truth = synthetic.marching_bridge(steps=6, faults={1: ["hips_drop"], 4: ["hips_drop"]})
    session = score(seq)
    assert_matches(session, truth)
    assert [r.index - 1 for r in session.reps if r.faults] == [1, 4]


def test_a_foot_barely_lifted_is_no_step():
    """Under 10% of the thigh (4 cm) is a shift of weight, not 002's "couple of inches"."""
    seq, _ = synthetic.marching_bridge(steps=4, lift_m=0.03)
    assert score(seq).reps == []


def test_a_plain_bridge_has_no_steps():
    seq, _ = synthetic.bridge(reps=3)
    assert score(seq).reps == []


def test_feet_lifted_with_the_hips_down_are_not_steps():
    """Marching lying flat is another exercise: the hips must be up in a bridge."""
    seq, truth = synthetic.marching_bridge(steps=4)
    flat = seq.image.copy(), seq.world.copy()
    # Lower the hips to the shoulders' height in the picture: the bridge is gone.
    for arr in flat:
        for hip in (23, 24):
            arr[:, hip, 1] = arr[:, 11, 1]
    from formcheck.landmarks import PoseSequence

    lying = PoseSequence(flat[0], flat[1], seq.t_ms, seq.fps, seq.width, seq.height)
    assert score(lying).reps == []
    assert truth.count() == 4


def _far_foot_faint(shift_x: float = 0.0):  # type: ignore[no-untyped-def]
    """The set with the far (left) ankle seen faintly, visibility 0.45, whenever that foot is up
    (behind the near leg, as MediaPipe sees it side-on), its point moved ``shift_x``."""
    seq, truth = synthetic.marching_bridge(steps=6)
    image = seq.image.copy()
    ankle = 27  # left ankle
    rest = np.nanmedian(image[: int(2.5 * seq.fps), ankle, 1])
    up = rest - image[:, ankle, 1] > 0.004  # the foot off the floor
    image[up, ankle, 3] = 0.45
    image[up, ankle, 0] += shift_x
    return PoseSequence(image, seq.world, seq.t_ms, seq.fps, seq.width, seq.height), truth


def test_a_far_foot_seen_faintly_still_steps_when_it_fits_the_leg():
    seq, truth = _far_foot_faint()
    session = score(seq)
    assert_matches(session, truth)
    assert session.reps_by_side() == {"left": 3, "right": 3}


def test_a_faint_far_foot_off_the_leg_is_not_used():
    """Placed half a leg away from where its hip allows, a faint point is not the foot."""
    seq, _ = _far_foot_faint(shift_x=0.25)
    assert score(seq).reps_by_side().get("left", 0) == 0
