"""The benchmarks' tally of labelled faults (testkit.evaluate.compare): a planted fault the
matched rep said it could not check is a miss told apart as "not checked"."""

from __future__ import annotations

from formcheck.checkers.base import Fault, Rep
from testkit.evaluate import compare


def _rep(index: int, peak: float, faults: list[str], skipped: dict[str, str]) -> Rep:
    return Rep(
        index,
        None,
        peak - 1.0,
        peak,
        peak + 1.0,
        "front",
        {},
        [Fault(c, "", "", "", 1.0, 0.0) for c in faults],
        skipped,
    )


def test_a_fault_the_rep_could_not_check_is_a_miss_told_apart() -> None:
    label = {
        "exercise": "clamshell",
        "complete_reps": 3,
        "reps": [
            {"peak_s": 2.0, "faults": ["pelvis_roll"]},  # not checked from this camera
            {"peak_s": 5.0, "faults": ["small_opening"]},  # checked and missed
            {"peak_s": 8.0, "faults": ["small_opening"]},  # found
        ],
    }
    why = "Film from above, looking down at your hips, to check hips stacked."
    reps = [
        _rep(1, 2.0, [], {"pelvis_roll": why}),
        _rep(2, 5.0, [], {"pelvis_roll": why}),
        _rep(3, 8.0, ["small_opening"], {"pelvis_roll": why}),
    ]
    res = compare("clip", label, reps)
    assert res.fn == {"pelvis_roll": 1, "small_opening": 1}
    assert res.not_checked == {"pelvis_roll": 1}
    assert res.not_checked_why == {"pelvis_roll": why}
    assert res.tp == {"small_opening": 1}
