"""Property tests: no landmark stream crashes a checker or the Scorer, and results stay
well-formed (counts >= 0, metrics finite or NaN, JSON without NaN)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formcheck.checkers import make_checker
from formcheck.errors import NoPersonError
from formcheck.landmarks import N_LANDMARKS, Frame, PoseSequence
from formcheck.pipeline import score_sequence
from testkit import synthetic

EXERCISES = ["squat", "bridge", "clamshell"]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_session(seq: PoseSequence, exercise: str) -> None:
    try:
        session = score_sequence(seq, exercise)
    except NoPersonError:
        # The one documented refusal: frames, but nobody detected in any of them.
        hips = seq.image[:, [23, 24], :]
        vis_ok = hips[..., 3] >= 0.5
        assert len(seq) > 0
        assert not (np.isfinite(hips[..., 0]) & vis_ok).any()
        return
    assert session.n_frames == len(seq)
    for rep in session.reps:
        assert rep.end_s >= rep.start_s
        for v in rep.metrics.values():
            assert isinstance(v, float | int) and (math.isfinite(v) or math.isnan(v))
        for f in rep.faults:
            assert math.isfinite(f.value) and math.isfinite(f.limit)
    assert sum(session.reps_by_side().values()) <= len(session.reps)  # each rep on one side at most
    text = json.dumps(session.to_dict(), allow_nan=False)
    assert json.loads(text)["rep_count"] == len(session.reps)
    session.reps_csv()


def check_checker(frames: list[Frame], exercise: str) -> None:
    checker = make_checker(exercise)
    for fr in frames:
        for ev in checker.update(fr):
            assert ev.kind in ("ready", "paused", "rep", "partial", "cue")
        st_ = checker.state
        assert st_.reps >= 0 and st_.phase in ("setup", "rest", "active", "settle")
    checker.finish()
    assert isinstance(checker.skipped_checks(), dict)


def seq_from(image: np.ndarray, world: np.ndarray, t_ms: np.ndarray) -> PoseSequence:
    return PoseSequence(image, world, t_ms, 30.0, 640, 480)


FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=32)


@st.composite
def streams(draw):
    """Random landmark arrays: values anywhere (NaN, inf, huge), random NaN masks, random
    visibility, and timestamps that are increasing, jittery, repeated or going backwards."""
    t = draw(st.integers(0, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(["uniform", "jumps", "special"]))
    image = rng.uniform(-0.5, 1.5, (t, N_LANDMARKS, 4))
    world = rng.normal(0, 1, (t, N_LANDMARKS, 4))
    image[..., 3] = rng.uniform(0, 1, (t, N_LANDMARKS))
    if kind == "jumps":
        image[..., :3] *= rng.choice([1e-6, 1.0, 1e6], size=(t, 1, 1))
    if kind == "special" and t:
        vals = np.array(draw(st.lists(FLOATS, min_size=1, max_size=8)), np.float64)
        idx = rng.integers(0, image.size, size=len(vals))
        image.reshape(-1)[idx] = vals
        world.reshape(-1)[rng.integers(0, world.size, size=len(vals))] = vals
    mask = rng.random((t, N_LANDMARKS)) < draw(st.floats(0, 1))
    image[mask] = np.nan
    world[rng.random((t, N_LANDMARKS)) < 0.1] = np.nan
    steps = draw(st.sampled_from(["regular", "jitter", "repeat", "backwards"]))
    dt = {
        "regular": np.full(t, 33.0),
        "jitter": rng.uniform(1, 80, t),
        "repeat": rng.choice([0.0, 33.0], t),
        "backwards": rng.uniform(-40, 60, t),
    }[steps]
    t_ms = np.cumsum(dt).astype(np.int64)
    return image, world, t_ms


@pytest.mark.parametrize("exercise", EXERCISES)
@SETTINGS
@given(data=streams())
def test_random_streams_never_crash(exercise, data):
    image, world, t_ms = data
    seq = seq_from(image, world, t_ms)
    check_session(seq, exercise)
    check_checker(list(seq.frames()), exercise)


@pytest.mark.parametrize("exercise", EXERCISES)
@pytest.mark.parametrize("n", [0, 1, 5])
def test_empty_one_frame_and_all_nan(exercise, n):
    nan = np.full((n, N_LANDMARKS, 4), np.nan)
    check_session(seq_from(nan, nan.copy(), np.arange(n) * 33), exercise)
    check_checker([Frame.missing(i / 30) for i in range(n)], exercise)


@pytest.mark.parametrize("exercise", EXERCISES)
def test_empty_session_is_well_formed(exercise):
    nan = np.zeros((0, N_LANDMARKS, 4))
    session = score_sequence(seq_from(nan, nan, np.zeros(0, np.int64)), exercise)
    assert session.reps == [] and session.n_frames == 0
    json.dumps(session.to_dict(), allow_nan=False)


GEN = {
    "squat": lambda seed: synthetic.squat(reps=2, seed=seed),
    "bridge": lambda seed: synthetic.bridge(reps=2, seed=seed, hold_s=1.0),
    "clamshell": lambda seed: synthetic.clamshell(reps=2, seed=seed),
}


@pytest.mark.parametrize("exercise", EXERCISES)
@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 1000),
    mask_p=st.floats(0, 0.6),
    bad=st.sampled_from([np.nan, np.inf, -np.inf, "huge"]),
    shuffle_t=st.booleans(),
)
def test_damaged_real_sets_never_crash(exercise, seed, mask_p, bad, shuffle_t):
    """A realistic set with random points (or whole frames) spoiled and timestamps disturbed."""
    seq, truth = GEN[exercise](seed)
    rng = np.random.default_rng(seed)
    image, world = seq.image.copy(), seq.world.copy()

    def spoil(arr, where):
        # "huge": wild but distinct values (equal values are test_coincident_shoulders_*).
        n = int(where.sum()) * 3
        vals = rng.uniform(-1e9, 1e9, n) if bad == "huge" else np.full(n, bad)
        arr[where, :3] = vals.reshape(-1, 3)

    spoil(image, rng.random(image.shape[:2]) < mask_p)
    spoil(world, rng.random(world.shape[:2]) < mask_p / 2)
    gone = rng.random(len(seq)) < mask_p / 4
    image[gone] = np.nan
    world[gone] = np.nan
    t_ms = seq.t_ms.copy()
    if shuffle_t:  # timestamps that are jittery and sometimes step back
        t_ms = t_ms + rng.integers(-40, 40, len(t_ms))
    damaged = PoseSequence(image, world, t_ms, seq.fps, seq.width, seq.height)
    check_session(damaged, exercise)
    if mask_p == 0 and not shuffle_t:
        assert len(score_sequence(damaged, exercise).reps) == truth.count()


def test_coincident_shoulders_do_not_crash_squat():
    seq, _ = synthetic.squat(reps=1, noise=0.0)
    image = seq.image.copy()
    image[:, 12, :2] = image[:, 11, :2]  # both shoulders reported at one point
    bad = PoseSequence(image, seq.world, seq.t_ms, seq.fps, seq.width, seq.height)
    check_checker(list(bad.frames()), "squat")
