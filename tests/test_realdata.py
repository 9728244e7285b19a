"""Acceptance test over real people's pose traces with hand-made labels (../shared/realdata).

Skips when the folder is absent and for exercises formcheck does not check yet. Targets:
exact rep count on at least 90% of traces and never off by more than one; a fault on no
more than 10% of the reps labelled clean.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from formcheck.checkers import CHECKERS
from formcheck.evaluate import compare, table
from formcheck.landmarks import PoseSequence
from formcheck.pipeline import score_sequence

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
TRACES = sorted(REALDATA.glob("*.npz")) if REALDATA.is_dir() else []

pytestmark = pytest.mark.realdata


def _score(path: Path):  # type: ignore[no-untyped-def]
    label = json.loads(path.with_suffix(".json").read_text())
    if label["exercise"] not in CHECKERS:
        pytest.skip(f"{label['exercise']} is not checked yet")
    session = score_sequence(PoseSequence.load(path), label["exercise"], source=path.name)
    return compare(path.stem, label, session.reps)


@pytest.mark.skipif(not TRACES, reason=f"no real traces at {REALDATA}")
@pytest.mark.parametrize("path", TRACES, ids=[p.stem for p in TRACES])
def test_trace_count_within_one(path: Path) -> None:
    res = _score(path)
    assert abs(res.count_error) <= 1, f"{path.stem}: counted {res.counted}, want {res.count_range}"
    assert not res.false_reps, (
        f"reps counted in ignored segments at {[r.peak_s for r in res.false_reps]}"
    )


@pytest.mark.skipif(not TRACES, reason=f"no real traces at {REALDATA}")
def test_realdata_targets(capsys: pytest.CaptureFixture[str]) -> None:
    results = []
    for p in TRACES:
        label = json.loads(p.with_suffix(".json").read_text())
        if label["exercise"] in CHECKERS:
            session = score_sequence(PoseSequence.load(p), label["exercise"], source=p.name)
            results.append(compare(p.stem, label, session.reps))
    with capsys.disabled():
        print("\n" + table(results))
    exact = sum(r.count_ok for r in results) / len(results)
    clean = sum(r.clean_reps for r in results)
    flagged = sum(r.clean_flagged for r in results)
    assert exact >= 0.9, f"exact count on only {exact:.0%} of traces"
    assert max(abs(r.count_error) for r in results) <= 1
    assert flagged <= 0.1 * clean, f"{flagged} of {clean} clean reps flagged"
    # Faults labelled with confidence must be found (e.g. every short bridge hold).
    found = sum(sum(r.tp.values()) for r in results)
    labelled = found + sum(sum(r.fn.values()) for r in results)
    assert found >= 0.8 * labelled, f"found {found} of {labelled} labelled faults"
