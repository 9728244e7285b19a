"""formcheck.pose: MediaPipe PoseLandmarker wrapper, options, result conversion, video loop."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from formcheck.errors import ExitCode, MissingInputError, UsageError
from formcheck.landmarks import N_LANDMARKS, PoseLandmark, PoseSequence
from formcheck.pose import (
    DEFAULT_MODEL,
    PoseEstimator,
    PoseOptions,
    PoseResult,
    _pick_largest,
    bbox_area,
    default_pose_workers,
    detect_frames,
    iter_poses,
    pose_sequence,
)
from formcheck.video import probe
from testkit import speedbench

ROOT = Path(__file__).resolve().parents[1]
# Finished samples: the studio writes the .json label file after the video.
SAMPLES = sorted(p for p in (ROOT / "samples").glob("*.mp4") if p.with_suffix(".json").is_file())


bench = speedbench.load()


def mannequin_rgb(t_s: float = 0.5, size: tuple[int, int] = (640, 480)) -> np.ndarray:
    return cv2.cvtColor(bench.mannequin_frame(t_s, *size), cv2.COLOR_BGR2RGB)


def two_mannequins_bgr(t_s: float = 0.5) -> np.ndarray:
    """A 640x480 BGR frame with two drawn people side by side, out of step."""
    return np.hstack([bench.mannequin_frame(t_s, 320, 480),
                      bench.mannequin_frame(t_s + 1.1, 320, 480)])


@pytest.fixture
def estimator() -> Iterator[PoseEstimator]:
    with PoseEstimator() as est:
        yield est


# -- options -------------------------------------------------------------------------------------

def test_default_options() -> None:
    o = PoseOptions()
    assert o.model_path == DEFAULT_MODEL and DEFAULT_MODEL.is_file()
    assert o.num_poses == 4


def test_model_path_must_exist(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist") as exc:
        PoseOptions(model_path=tmp_path / "missing.task")
    assert exc.value.exit_code == ExitCode.USAGE


def test_model_path_must_be_task_file(tmp_path: Path) -> None:
    other = tmp_path / "model.tflite"
    other.write_bytes(b"x")
    with pytest.raises(UsageError, match=r"not a MediaPipe \.task file"):
        PoseOptions(model_path=other)
    with pytest.raises(UsageError, match=r"not a MediaPipe \.task file"):
        PoseOptions(model_path=tmp_path)


def test_model_path_accepts_str() -> None:
    assert PoseOptions(model_path=str(DEFAULT_MODEL)).model_path == DEFAULT_MODEL  # type: ignore[arg-type]


@pytest.mark.parametrize("kwargs", [{"num_poses": 0}, {"min_detection_confidence": 1.5},
                                    {"min_presence_confidence": -0.1},
                                    {"min_tracking_confidence": 2.0}])
def test_option_ranges(kwargs: dict) -> None:
    with pytest.raises(UsageError):
        PoseOptions(**kwargs)


def test_corrupt_model_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.task"
    bad.write_bytes(b"not a zip archive")
    with pytest.raises(UsageError, match="Cannot load pose model"):
        PoseEstimator(PoseOptions(model_path=bad))


# -- estimator -----------------------------------------------------------------------------------

def _assert_nobody(result: PoseResult) -> None:
    assert result.n_people == 0 and not result.detected
    for arr in (result.image, result.world):
        assert arr.shape == (N_LANDMARKS, 4) and arr.dtype == np.float32
        assert np.isnan(arr).all()


def test_blank_frame_has_nobody(estimator: PoseEstimator) -> None:
    _assert_nobody(estimator.detect(np.zeros((480, 640, 3), np.uint8), 0))


def test_scene_without_person(estimator: PoseEstimator) -> None:
    rng = np.random.default_rng(3)
    img = np.full((360, 640, 3), 200, np.uint8)
    for k in range(12):  # furniture-like boxes and a "plant"
        x, y = rng.integers(0, 560), rng.integers(0, 300)
        color = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.rectangle(img, (int(x), int(y)), (int(x) + 80, int(y) + 50), color, -1)
        _ = k
    cv2.circle(img, (500, 250), 40, (30, 140, 30), -1)
    for i in range(5):
        _assert_nobody(estimator.detect(img, i * 33))


def test_finds_the_mannequin(estimator: PoseEstimator) -> None:
    result = PoseResult()
    for i in range(5):
        result = estimator.detect(mannequin_rgb(i / 30), i * 33)
    assert result.n_people == 1
    im, world = result.image, result.world
    assert np.isfinite(im).all() and np.isfinite(world).all()
    hips = im[[PoseLandmark.LEFT_HIP, PoseLandmark.RIGHT_HIP]]
    assert (hips[:, 3] > 0.5).all()
    assert 0.3 < hips[:, 0].mean() < 0.7  # the mannequin stands in the middle
    nose, ankle = im[PoseLandmark.NOSE, 1], im[PoseLandmark.LEFT_ANKLE, 1]
    assert nose < ankle  # upright: head above feet
    np.testing.assert_array_equal(world[:, 3], im[:, 3])
    # World landmarks are hip-centred metres.
    assert np.abs(world[[23, 24], :3].mean(axis=0)).max() < 0.1
    assert 0.5 < np.linalg.norm(world[0, :3] - world[27, :3]) < 2.5


def test_two_people_are_counted(estimator: PoseEstimator) -> None:
    img = cv2.cvtColor(two_mannequins_bgr(), cv2.COLOR_BGR2RGB)
    for i in range(3):
        result = estimator.detect(img, i * 33)
        assert result.n_people == 2
        assert np.isfinite(result.image[:, :3]).all()


def test_repeated_and_backward_timestamps_are_accepted() -> None:
    estimator = PoseEstimator(PoseOptions(tracking=True))  # VIDEO mode: MediaPipe wants order
    img = np.zeros((240, 320, 3), np.uint8)
    estimator.detect(img, 100)
    estimator.detect(img, 100)  # MediaPipe alone raises ValueError here
    assert estimator.last_t_ms == 101
    estimator.detect(img, 50)
    assert estimator.last_t_ms == 102
    estimator.detect(img, 500)
    assert estimator.last_t_ms == 500
    estimator.close()


def test_rejects_wrong_images(estimator: PoseEstimator) -> None:
    with pytest.raises(ValueError, match="uint8"):
        estimator.detect(np.zeros((10, 10, 3), np.float32), 0)
    with pytest.raises(ValueError, match=r"\(h, w, 3\)"):
        estimator.detect(np.zeros((10, 10), np.uint8), 0)


def test_non_contiguous_input(estimator: PoseEstimator) -> None:
    img = mannequin_rgb()[:, ::-1]  # a mirrored view: not C-contiguous
    assert not img.flags.c_contiguous
    assert estimator.detect(img, 0).n_people == 1


def test_detect_after_close() -> None:
    est = PoseEstimator()
    est.close()
    est.close()
    with pytest.raises(RuntimeError, match="after close"):
        est.detect(np.zeros((10, 10, 3), np.uint8), 0)


# -- result conversion (no model needed) ---------------------------------------------------------

def _fake_pose(x0: float, y0: float, scale: float, visibility: float | None = 0.9) -> list:
    rng = np.random.default_rng(int(x0 * 100))
    pts = rng.random((N_LANDMARKS, 3))
    return [SimpleNamespace(x=x0 + scale * p[0], y=y0 + scale * p[1], z=p[2], visibility=visibility,
                            presence=0.9) for p in pts]


def test_pick_largest_of_two() -> None:
    small, big = _fake_pose(0.1, 0.1, 0.2), _fake_pose(0.4, 0.2, 0.5)
    result = _pick_largest([small, big], [_fake_pose(0, 0, 1), _fake_pose(0, 0, 2)])
    assert result.n_people == 2
    assert result.image[0, 0] == pytest.approx(big[0].x)
    assert result.world[0, 0] == pytest.approx(_fake_pose(0, 0, 2)[0].x)


def test_none_visibility_becomes_nan() -> None:
    result = _pick_largest([_fake_pose(0.2, 0.2, 0.3, visibility=None)],
                           [_fake_pose(0, 0, 1, visibility=None)])
    assert result.n_people == 1
    assert np.isnan(result.image[:, 3]).all() and np.isfinite(result.image[:, :3]).all()


def test_bbox_area() -> None:
    lm = np.full((N_LANDMARKS, 4), np.nan, np.float32)
    assert bbox_area(lm) == 0.0
    lm[:2] = [[0.1, 0.2, 0, 0.9], [0.5, 0.7, 0, 0.9]]
    assert bbox_area(lm) == pytest.approx(0.4 * 0.5)
    lm[2] = [0.9, 0.9, 0, 0.1]  # invisible points do not stretch the box
    assert bbox_area(lm) == pytest.approx(0.4 * 0.5)


# -- whole videos --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mannequin_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("clip") / "mannequin.mp4"
    return bench.write_mannequin_clip(path, seconds=1.0, fps=30.0)


def test_iter_poses(mannequin_clip: Path) -> None:
    with iter_poses(mannequin_clip, keep_full=True) as poses:
        assert poses.info.width == 640
        items = list(poses)
    assert len(items) == 30
    t = [frame.t_ms for _, frame, _ in items]
    assert t == sorted(set(t))
    detected = [pose.n_people for _, _, pose in items]
    assert sum(n == 1 for n in detected) >= 27
    info, frame, _ = items[0]
    assert info is poses.info and frame.full_bgr is not None and frame.full_bgr.shape == (480, 640, 3)
    assert not poses.truncated and poses.error is None


def _poses_of(clip: Path, **kwargs: object) -> tuple[np.ndarray, np.ndarray, list[int]]:
    with iter_poses(clip, **kwargs) as poses:  # type: ignore[arg-type]
        items = [(pose.image, pose.world, pose.n_people, frame.index) for _, frame, pose in poses]
    assert [i for *_, i in items] == list(range(len(items)))
    return (np.stack([im for im, *_ in items]), np.stack([w for _, w, *_ in items]),
            [n for _, _, n, _ in items])


def test_workers_give_the_same_poses_in_order(mannequin_clip: Path) -> None:
    one = _poses_of(mannequin_clip, workers=1)
    two = _poses_of(mannequin_clip, workers=2)
    np.testing.assert_array_equal(one[0], two[0])
    np.testing.assert_array_equal(one[1], two[1])
    assert one[2] == two[2]


def test_image_mode_gives_video_mode_landmarks(mannequin_clip: Path) -> None:
    # With two poses looked for, VIDEO mode runs the detector on every frame while it sees one
    # person: the same work as IMAGE mode, and the same landmarks.
    image_mode = _poses_of(mannequin_clip)
    video_mode = _poses_of(mannequin_clip, options=PoseOptions(num_poses=2, tracking=True))
    np.testing.assert_array_equal(image_mode[0], video_mode[0])
    assert image_mode[2] == video_mode[2]


def test_pose_workers(mannequin_clip: Path) -> None:
    assert 1 <= default_pose_workers() <= 4
    with pytest.raises(ValueError, match="workers"):
        iter_poses(mannequin_clip, workers=0)
    with pytest.raises(ValueError, match="estimator"):
        next(detect_frames([], []))


def test_tracking_reads_with_one_model(mannequin_clip: Path) -> None:
    with iter_poses(mannequin_clip, options=PoseOptions(num_poses=1, tracking=True),
                    workers=2) as poses:
        assert poses.workers == 1
        assert sum(pose.n_people == 1 for *_, pose in poses) >= 27


def test_second_person_in_view_is_warned_about(tmp_path: Path) -> None:
    from formcheck.pipeline import score_video

    path = tmp_path / "two.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 15.0, (640, 480))
    for i in range(30):
        writer.write(two_mannequins_bgr(i / 15))
    writer.release()
    session = score_video(path, "squat")
    assert session.n_frames == 30
    assert any(w.startswith("More than one person was in view") for w in session.warnings)
    alone = tmp_path / "one.mp4"
    bench.write_mannequin_clip(alone, seconds=2.0, fps=15.0)
    assert not any("More than one person" in w for w in score_video(alone, "squat").warnings)


def test_iter_poses_early_break_releases_everything(mannequin_clip: Path) -> None:
    poses = iter_poses(mannequin_clip, workers=2)
    for _, frame, _ in poses:
        if frame.index == 2:
            break
    names = [t.name for t in threading.enumerate()]
    assert not [n for n in names if n == "formcheck-decode" or n.startswith("formcheck-pose")]
    assert len(poses._estimators) == 2
    assert all(est._landmarker is None for est in poses._estimators)


def test_iter_poses_errors(tmp_path: Path) -> None:
    with pytest.raises(MissingInputError):
        iter_poses(tmp_path / "missing.mp4")


def test_pose_sequence(mannequin_clip: Path) -> None:
    seq = pose_sequence(mannequin_clip)
    assert isinstance(seq, PoseSequence)
    assert len(seq) == 30 and (seq.width, seq.height, seq.fps) == (640, 480, 30.0)
    assert np.isfinite(seq.image[:, PoseLandmark.LEFT_HIP, 0]).mean() > 0.9
    # The mannequin squats: the hips go down (y grows) and come back within 2.5 s.
    hip_y = np.nanmean(seq.image[:, [23, 24], 1], axis=1)
    assert hip_y[-1] > hip_y[0] + 0.03


@pytest.mark.e2e
@pytest.mark.skipif(not SAMPLES, reason="no finished samples/*.mp4 yet (the sample studio "
                    "renders them)")
def test_real_sample_has_a_person() -> None:
    sample = SAMPLES[0]
    found = []
    with iter_poses(sample) as poses:
        for _, frame, pose in poses:
            found.append(np.isfinite(pose.image[PoseLandmark.LEFT_HIP, 0]))
            if frame.index == 89:
                break
    assert len(found) == 90
    rate = float(np.mean(found))
    assert rate > 0.8, f"person found in only {rate:.0%} of the first 90 frames of {sample.name}"


def test_speed_benchmark_modes_run(mannequin_clip: Path) -> None:
    """benchmarks/speed.py's timed modes keep up with the pose API (it patches ``detect``)."""
    options = PoseOptions()
    a = bench.run_inference_only(mannequin_clip, options, 1)
    d = bench.run_decode_only(mannequin_clip)
    frames = probe(mannequin_clip).n_frames
    assert a.frames == d.frames == frames
    assert a.inference > 0 and d.inference > 0
    assert PoseEstimator.detect.__name__ == "detect"  # the clock put the original back
    # The floor is CPU time shared over the cores: positive, and not compared with wall time
    # here (a busy machine stretches wall time, not CPU time).
    assert bench.floor_ms(a, d) > 0
    assert "ms/frame" in a.row(frames / 30.0)
