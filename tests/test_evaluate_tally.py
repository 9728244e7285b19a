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


def test_a_hold_timed_only_in_its_second_half_is_that_hold() -> None:
    """A rep with no label's peak inside it, lying mostly inside a labelled one (a hold whose
    first half the camera could not time), is matched to that label, not an extra rep; one
    mostly outside every label stays extra."""
    label = {
        "exercise": "hip_flexor_stretch",
        "complete_reps": 1,
        "reps": [{"start_s": 18.7, "peak_s": 23.95, "end_s": 29.2, "faults": ["trunk_lean"]}],
    }
    lean = [Fault("trunk_lean", "", "", "", 44.5, 20.0)]
    tail = Rep(1, "right", 25.07, 26.7, 28.4, "oblique", {}, lean, {})
    res = compare("clip", label, [tail])
    assert [r for _, r in res.matched] == [tail]
    after = Rep(1, "right", 28.0, 30.0, 32.0, "oblique", {}, [], {})
    assert compare("clip", label, [after]).matched == []
    # A rep around one label's peak is that label's, never another's by overlap.
    two = {
        "exercise": "squat",
        "complete_reps": 2,
        "reps": [
            {"start_s": 10.0, "peak_s": 10.5, "end_s": 12.0, "faults": []},
            {"start_s": 12.0, "peak_s": 12.4, "end_s": 14.0, "faults": []},
        ],
    }
    part = Rep(1, None, 11.0, 11.6, 12.2, "side", {}, [], {})
    assert [lab["peak_s"] for lab, _ in compare("clip", two, [part]).matched] == [12.4]
    # Nor by overlap when another label took a nearer rep around its peak: a rep around a
    # label's peak is about that label, not a part of the one before.
    near = Rep(2, None, 12.0, 12.4, 12.8, "side", {}, [], {})
    matched = compare("clip", two, [Rep(1, None, 11.0, 11.9, 12.2, "side", {}, [], {}), near]).matched
    assert [(lab["peak_s"], r.index) for lab, r in matched] == [(12.4, 2)]
