"""A start position the reps show (formcheck/checkers/shown_rest.py): where the camera reads the
start position outside the exercise's range, resting, a rep's movement out and the return to the
same rest begin the count, and that first rep counts."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from formcheck import checkers
from formcheck.checkers import CHECKERS
from formcheck.checkers.shown_rest import READY_S, ShownRest
from formcheck.definitions import ExerciseDef, load
from formcheck.landmarks import PoseSequence
from formcheck.pipeline import score_sequence
from formcheck.session import Session
from testkit import synthetic

FPS = 30.0


def _feed(values: list[tuple[float, float]], direction: float = 1.0, ok: bool = True) -> list[float]:
    """Feed a signal made of (seconds, value) pieces, linear between them, at FPS; returns the
    times at which the start position was shown."""
    times = np.array([t for t, _ in values])
    t = np.arange(0.0, times[-1], 1 / FPS)
    s = np.interp(t, times, [v for _, v in values])
    sr = ShownRest(direction, min_excursion=15.0, start_delta=10.0)
    return [ti for ti, si in zip(t, s, strict=True) if np.isfinite(sr.feed(float(ti), ok, float(si)))]


def test_rest_out_by_a_rep_and_back_is_the_start_position() -> None:
    shown = _feed([(0, 158), (1, 158), (2, 188), (4, 188), (5, 158), (6, 158)])
    assert shown, "a rest, a rep and the same rest again"
    assert 4.9 <= shown[0] <= 5.0 + READY_S + 0.1  # once still again at (or nearly at) the rest


def test_a_hold_at_the_top_is_not_the_start_position() -> None:
    """Starting at the top: the way down goes against the rep, so the count waits for a rep from
    the rest below, then that rest is the start position."""
    shown = _feed([(0, 188), (1, 188), (2, 158), (3, 158), (4, 188), (6, 188), (7, 158), (8, 158)])
    assert shown and shown[0] > 7.0


@pytest.mark.parametrize(
    "values, why",
    [
        ([(0, 158), (1, 158), (2, 128), (3, 128), (4, 158), (5, 158)], "out against the rep's direction"),
        ([(0, 158), (1, 158), (2, 170), (3, 170), (4, 158), (5, 158)], "out by less than a rep"),
        ([(0, 158), (1, 158), (2, 188), (3, 188), (4, 170), (5, 170)], "back to somewhere else"),
        ([(0, 158), (20, 188), (40, 158)], "never still: a slow drift is no rest"),
    ],
    ids=["against", "small", "elsewhere", "drift"],
)
def test_no_start_position_without_a_rep_and_a_return(values: list[tuple[float, float]], why: str) -> None:
    assert not _feed(values), why


def test_a_rest_read_a_little_higher_after_the_rep_is_the_same_rest() -> None:
    """MediaPipe reads one rest differently from one rep to the next (134.5-143 in 3D): back
    within the checker's own end of a rep (a third of the way out) is back."""
    assert _feed([(0, 156), (1, 156), (2, 185), (4, 185), (5, 162), (6, 162)])


def test_one_glitched_frame_is_no_rep() -> None:
    pieces = [(0.0, 158.0), (1.0, 158.0), (1.0 + 1 / FPS, 180.0), (1.0 + 2 / FPS, 158.0), (3.0, 158.0)]
    assert not _feed(pieces)


def test_a_squat_direction_goes_down() -> None:
    assert _feed([(0, 170), (1, 170), (2, 100), (3, 100), (4, 170), (5, 170)], direction=-1.0)
    assert not _feed([(0, 100), (1, 100), (2, 170), (3, 170), (4, 100), (5, 100)], direction=-1.0)


def test_a_frame_without_the_person_breaks_stillness_and_reset_forgets() -> None:
    sr = ShownRest(1.0, 15.0, 10.0)
    for i in range(30):
        sr.feed(i / FPS, True, 158.0)
    assert sr.candidate == 158.0
    assert math.isnan(sr.feed(1.0, False, math.nan))
    sr.reset()
    assert math.isnan(sr.candidate)


def _narrowed(d: ExerciseDef, hi: float) -> ExerciseDef:
    """The bridge as a camera reading its start position above ``hi`` in both signals sees it."""
    c = dataclasses.replace(d.counting, rest_range=(90.0, hi), rest_signal_range=(90.0, hi))
    return dataclasses.replace(d, counting=c)


def test_a_set_whose_start_position_reads_out_of_range_counts_every_rep(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A clean bridge set whose start position (118.5 deg) the camera reads out of range: before,
    counting never began ("hold the start position still"); the first rep shows the start
    position and counts too."""
    seq, _ = synthetic.bridge(reps=4)
    usual = score_sequence(seq, "bridge")
    assert len(usual.reps) == 4
    narrowed = _narrowed(load("bridge"), synthetic.BRIDGE_REST_DEG - 10.0)
    monkeypatch.setattr(checkers, "load", lambda name: narrowed if name == "bridge" else load(name))
    s = score_sequence(seq, "bridge")
    assert len(s.reps) == 4, s.no_reps_reason if hasattr(s, "no_reps_reason") else s
    for got, want in zip(s.reps, usual.reps, strict=True):
        assert abs(got.peak_s - want.peak_s) < 0.2 and abs(got.end_s - want.end_s) < 0.2
    assert all(not r.faults for r in s.reps)


# -- the whole checker on a scripted counting signal ------------------------------------------
# A still synthetic bridge body (so the posture, the trust facts and the cut detector see a
# person lying there) whose counting signal follows a script; the camera reads the start
# position as side-on from chest height does: 156 in the picture, 139 in 3D, past both ranges.


def _scripted(
    knots: list[tuple[float, float]], monkeypatch: pytest.MonkeyPatch, gone: float = 0.0, seed: int = 0
) -> Session:
    t = np.arange(0.0, knots[-1][0], 1 / FPS)
    line = np.interp(t, [k for k, _ in knots], [v for _, v in knots])
    body, _ = synthetic.bridge(reps=1, noise=0.0)
    n = len(t)
    seq = PoseSequence(
        np.repeat(body.image[:1], n, 0), np.repeat(body.world[:1], n, 0),
        np.round(t * 1000).astype(np.int64), FPS, body.width, body.height,
    )  # fmt: skip
    missing = np.random.default_rng(seed).random(n) < gone
    seq.image[missing] = np.nan
    seq.world[missing] = np.nan
    script = dict(zip(np.round(t * 1000).astype(int).tolist(), line.tolist(), strict=True))
    real = CHECKERS["bridge"]

    class Scripted(real):  # type: ignore[misc, valid-type]
        def signals(self, frame, view):  # type: ignore[no-untyped-def]
            row = super().signals(frame, view)
            row["hip_line_deg"] = script[round(frame.t_s * 1000)]
            row["hip3d_deg"] = row["hip_line_deg"] - 17.0
            return row

    monkeypatch.setitem(CHECKERS, "bridge", Scripted)
    return score_sequence(seq, "bridge")


def _bridges(rest_first: float, rest_between: float, n: int, t: float = 2.0) -> list[tuple[float, float]]:
    knots = [(0.0, rest_first), (t, rest_first)]
    for _ in range(n):
        knots += [(t + 1, 185.0), (t + 3, 185.0), (t + 4, rest_between), (t + 5.5, rest_between)]
        t += 5.5
    return knots


def test_scripted_bridges_from_a_misread_start_position_all_count(monkeypatch: pytest.MonkeyPatch) -> None:
    s = _scripted(_bridges(156.0, 156.0, 4), monkeypatch)
    assert len(s.reps) == 4


def test_another_posture_held_is_not_a_start_position(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hugging the knees to the chest twice (hip line 70, far outside the start position's
    range) before three bridges: no rep from the hug, and the three bridges all count."""
    hugs = [(0.0, 156.0), (2.0, 156.0), (3.0, 70.0), (10.0, 70.0), (11.0, 156.0), (12.0, 156.0)]
    hugs += [(13.0, 70.0), (19.0, 70.0), (20.0, 156.0), (22.0, 156.0)]
    s = _scripted(hugs + _bridges(156.0, 156.0, 3, t=22.0)[2:], monkeypatch)
    assert len(s.reps) == 3
    assert all(r.start_s > 21.5 for r in s.reps)


def test_a_few_frames_the_model_missed_do_not_lose_the_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """MediaPipe misses a lying body in a frame now and then: 2% of frames, four seeds."""
    for seed in range(4):
        assert len(_scripted(_bridges(156.0, 156.0, 4), monkeypatch, gone=0.02, seed=seed).reps) == 4
