"""formcheck.follow: one person followed between looks for everyone, and --fast."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.follow import CROWD_S, SCOUT_EVERY_S, FollowingEstimator, _same_person
from formcheck.pose import PoseEstimator, PoseOptions, PoseResult, iter_poses
from testkit import speedbench

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "squat_side_faults_a.mp4"


bench = speedbench.load()


def _rgb(bgr: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("follow") / "mannequin.mp4"
    return bench.write_mannequin_clip(path, seconds=3.0, fps=30.0)


def _poses(path: Path, options: PoseOptions) -> tuple[np.ndarray, list[int], object]:
    images, n = [], []
    est = FollowingEstimator(options) if options.follow else None
    with iter_poses(path, options=options, estimators=[est] if est else None) as poses:
        for *_, pose in poses:
            images.append(pose.image)
            n.append(pose.n_people)
        used = poses._estimators[0]
    if est is not None:
        est.close()
    return np.stack(images), n, used


def test_follows_where_image_mode_looks_and_scouts_once_a_second(clip: Path) -> None:
    image, _, _ = _poses(clip, PoseOptions())
    followed, n, est = _poses(clip, PoseOptions(follow=True))
    assert isinstance(est, FollowingEstimator)
    assert sum(k == 1 for k in n) >= 85  # of 90 frames
    # The IMAGE model looked at one frame a second (3 s of video), not at every frame.
    assert est.scouted == pytest.approx(3 / SCOUT_EVERY_S, abs=1)
    d = np.abs(image[..., :2] - followed[..., :2])
    assert np.nanmedian(d) < 0.005  # frame heights: about 2 px at 480
    # (0.027 when the follower also looked at the frames the detector looked at; it now skips
    # them when the detector finds the person where it had them, and the frame after has its
    # region from two frames back: 0.030)
    assert np.nanpercentile(d, 95) < 0.035
    assert est.spared >= 1


def _one_then_two(n_one: int, n_two: int, fps: float = 15.0) -> list[np.ndarray]:
    blank = np.full((480, 320, 3), 255, np.uint8)
    return [_rgb(np.hstack([bench.mannequin_frame(i / fps, 320, 480),
                            bench.mannequin_frame(i / fps + 1.1, 320, 480) if i >= n_one else blank]))
            for i in range(n_one + n_two)]


def test_a_second_person_has_every_frame_looked_at_while_there() -> None:
    frames = _one_then_two(20, 90)  # 1.3 s alone, then 6 s with someone beside
    with FollowingEstimator() as fe:
        seen = [fe.detect(f, int(i * 1000 / 15)).n_people for i, f in enumerate(frames)]
    with PoseEstimator() as image_mode:
        every = [image_mode.detect(f, 0).n_people for f in frames]
    assert set(seen[:20]) == {1}
    # The second person is found at the next look (at most a second later), and from then on
    # every frame is looked at as without following, for as long as both are there (longer
    # than one crowd period): the same people on every frame.
    first_two = seen.index(2)
    assert 20 <= first_two <= 20 + 15
    assert seen[first_two:] == every[first_two:]
    assert every[first_two:].count(2) > 0.9 * (len(frames) - first_two)
    assert len(seen) - first_two > CROWD_S * 15


def test_mirroring_restarts_and_a_reset_reads_the_next_video_afresh(clip: Path) -> None:
    frame = _rgb(bench.mannequin_frame(0.5, 640, 480))
    with FollowingEstimator(PoseOptions(head_right=True)) as fe:
        assert fe.detect(frame, 0).detected
        assert fe.detect(frame, 33).detected
        assert fe.restarts == 0
        assert fe.detect(frame, 66, mirror=True).detected
        assert fe.restarts == 1
    # A reset estimator gives what a new one gives, frame for frame (a cluster worker keeps
    # one across videos).
    options = PoseOptions(follow=True)

    def read(fe: FollowingEstimator) -> np.ndarray:
        with iter_poses(clip, options=options, estimators=[fe]) as poses:
            return np.stack([p.image for *_, p in poses])

    with FollowingEstimator() as fresh:
        want = read(fresh)
    with FollowingEstimator() as used:
        read(used)
        used.reset()
        got = read(used)
    np.testing.assert_array_equal(got, want)
    with FollowingEstimator() as fe, pytest.raises(ValueError, match="follow"):
        iter_poses(clip, options=PoseOptions(), estimators=[fe])
    with pytest.raises(ValueError, match="follow"):
        iter_poses(clip, options=PoseOptions(follow=True))


def test_following_someone_else_than_the_detector_sees_restarts(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = _rgb(bench.mannequin_frame(0.5, 640, 480))
    with FollowingEstimator() as fe:
        fe.detect(frame, 0)
        fe.detect(frame, 66)
        real = fe._follower.detect

        def elsewhere(rgb: np.ndarray, t_ms: int, mirror: bool = False) -> PoseResult:
            pose = real(rgb, t_ms, mirror)
            pose.image[:, 0] += 0.4  # the followed pose drifted off the person
            return pose

        monkeypatch.setattr(fe._follower, "detect", elsewhere)
        fe.detect(frame, 100)  # the follower drifts off between looks for everyone
        assert fe.restarts == 0
        out = fe.detect(frame, int(1000 * SCOUT_EVERY_S) + 66)  # the next look
        assert fe.restarts == 1 and fe.spared == 0
        # The frame's pose is the detector's, where the person is.
        with PoseEstimator() as image_mode:
            np.testing.assert_array_equal(out.image, image_mode.detect(frame, 0).image)


def test_a_look_for_everyone_that_finds_the_followed_person_spares_the_follower(clip: Path) -> None:
    frames = [_rgb(bench.mannequin_frame(i / 30, 640, 480)) for i in range(40)]
    with FollowingEstimator() as fe, PoseEstimator() as image_mode:
        for i, f in enumerate(frames[:30]):
            fe.detect(f, int(i * 1000 / 30))
        followed_at = fe._follower.last_t_ms
        out = fe.detect(frames[30], 1000)
        # 1 s after the first look, the detector finds the person where the follower last had
        # them: that frame is the detector's pose, and the follower does not look at it.
        assert fe.scouted == 2 and fe.spared == 1 and fe.restarts == 0
        assert fe._follower.last_t_ms == followed_at
        np.testing.assert_array_equal(out.image, image_mode.detect(frames[30], 0).image)
        later = fe.detect(frames[31], int(31 * 1000 / 30))  # following goes on from its region
        assert later.detected and fe.restarts == 0 and fe._follower.last_t_ms != followed_at


def test_same_person() -> None:
    with PoseEstimator() as est:
        pose = est.detect(_rgb(bench.mannequin_frame(0.5, 640, 480)), 0)
    assert _same_person(pose, pose)
    moved = PoseResult(pose.image.copy(), pose.world, 1)
    moved.image[:, 0] += 0.4  # 0.4 frame heights: further than a body's size apart
    assert not _same_person(pose, moved)


def test_follow_landmarks_are_not_smoothed_over_time() -> None:
    """MediaPipe's VIDEO mode smooths what it follows; the following estimator's stretched
    timestamps undo it, so a frame after a movement reads as that frame alone would."""
    frames = [_rgb(bench.mannequin_frame(t, 640, 480)) for t in np.arange(0.0, 1.3, 1 / 15)]
    with PoseEstimator(PoseOptions(num_poses=1, tracking=True)) as alone:
        last_alone = alone.detect(frames[-1], 0).image

    with FollowingEstimator() as fe:
        for i, f in enumerate(frames):
            followed = fe._follow(f, int(i * 1000 / 15), False)
    with PoseEstimator(PoseOptions(num_poses=1, tracking=True)) as smoothing:
        for i, f in enumerate(frames):
            smoothed = smoothing.detect(f, int(i * 1000 / 15))
    near = np.nanmedian(np.abs(followed.image[:, :2] - last_alone[:, :2]))
    far = np.nanmedian(np.abs(smoothed.image[:, :2] - last_alone[:, :2]))
    assert near < far


@pytest.mark.skipif(not SAMPLE.is_file(), reason="bundled sample missing")
def test_fast_scores_a_sample_like_the_default(tmp_path: Path) -> None:
    truth = json.loads(SAMPLE.with_suffix(".json").read_text())

    def score(*extra: str) -> dict:
        out_dir = tmp_path / "-".join(extra or ("d",))
        out = subprocess.run(
            [sys.executable, "-m", "formcheck", "score", str(SAMPLE), "--exercise", "squat",
             "--json", "--no-store", "--out", str(out_dir), *extra],
            capture_output=True, text=True, timeout=300,
        )
        assert out.returncode == 0, out.stderr
        # The session file says how the frames were analysed (a saved --fast session is told
        # apart from one with every frame analysed).
        [saved] = out_dir.glob("*/session.json")
        want = ({"analysed_fps": 15.0, "following": True} if extra
                else {"analysed_fps": 30.0, "following": False})
        assert json.loads(saved.read_text())["analysis"] == want
        return json.loads(out.stdout)

    fast, default = score("--fast"), score()
    reps = lambda s: s["sessions"][0]["reps"] if "sessions" in s else s["reps"]  # noqa: E731
    codes = lambda r: sorted(f["code"] for f in r["faults"])  # noqa: E731
    assert [codes(r) for r in reps(default)] == [sorted(r.get("faults", [])) for r in truth["reps"]]
    # --fast counts a little less well (README): its shallow rep 2 (a 12% hip drop, the rep
    # needs 9) is lost on some CPUs (AMD EPYC, AVX2: the followed hip reads 3% higher after a look
    # for everyone, and the rep's drop falls under 9), kept on others. At most that one rep; every
    # rep it counts is one of the default's, at the same time, with the same faults.
    assert len(reps(default)) - 1 <= len(reps(fast)) <= len(reps(default))
    for r in reps(fast):
        [same] = [d for d in reps(default) if abs(d["peak_s"] - r["peak_s"]) < 0.5]
        assert codes(r) == codes(same)


class _Path:
    """A stand-in follower: one body (shoulders, hips, knees, ankles seen) whose x follows
    ``x(t_ms)``; records the times it was shown."""

    follows = True

    def __init__(self, x: object, people: int = 1) -> None:
        self.x, self.people, self.shown = x, people, []  # type: ignore[var-annotated]

    def steady(self, t_ms: int) -> bool:
        return True

    def detect(self, rgb: np.ndarray, t_ms: int, mirror: bool = False) -> PoseResult:
        self.shown.append(t_ms)
        image = np.full((33, 4), np.nan, np.float32)
        for k, i in enumerate((11, 12, 23, 24, 25, 26, 27, 28)):  # a body 0.6 high
            image[i] = (0.5 + self.x(t_ms), 0.2 + 0.6 * (k // 2) / 3, 0.0, 1.0)  # type: ignore[operator]
        people = np.stack([image] * self.people)
        return PoseResult(image, image.copy(), self.people, people, people.copy())


def _grid(n: int, step_ms: int = 67) -> list:
    from formcheck.video import DecodedFrame

    rgb = np.zeros((48, 64, 3), np.uint8)
    return [DecodedFrame(2 * i, i * step_ms, rgb, None, (i * step_ms - 33,) if i else ())
            for i in range(n)]


def test_follow_frames_looks_at_every_other_frame_on_a_straight_path_and_at_turns() -> None:
    from formcheck.follow import follow_frames

    straight = _Path(lambda t: 0.0001 * t)  # 3% of the body's size between two looks
    out = list(follow_frames(_grid(21), straight, fps=15.0))  # type: ignore[arg-type]
    # (the frame between the first two looks is looked at too: a bend needs three to tell)
    assert [f.t_ms for f, _ in out] == [i * 67 for i in (0, 1, *range(2, 21, 2))]
    # A frame left out rides, with the time it carried, on the next one.
    assert out[3][0].skipped_t_ms == (67 * 3 - 33, 67 * 3, 67 * 4 - 33)
    turn = _Path(lambda t: 0.0002 * abs(t - 700))  # turns back at 0.7 s
    looked = [f.t_ms for f, _ in follow_frames(_grid(21), turn, fps=15.0)]  # type: ignore[arg-type]
    assert 670 in looked and 737 in looked and len(looked) < 16
    # Below REFINE_MIN_FPS, and with two people in view, every frame is looked at.
    assert len(list(follow_frames(_grid(21), _Path(lambda t: 0.0), fps=10.0))) == 21  # type: ignore[arg-type]
    assert len(list(follow_frames(_grid(21), _Path(lambda t: 0.0, 2), fps=15.0))) == 21  # type: ignore[arg-type]
