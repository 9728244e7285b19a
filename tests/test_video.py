"""formcheck.video: probing, background decoding, timestamps, rotation."""

from __future__ import annotations

import itertools
import math
import shutil
import subprocess
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from formcheck.errors import BadVideoError, ExitCode, MissingInputError
from formcheck.video import (
    DecodedFrame,
    FrameReader,
    VideoInfo,
    _Timestamps,
    probe,
    reduced_size,
)

FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(FFMPEG is None, reason="ffmpeg is not installed "
                                  "(apt-get install ffmpeg) to write rotation metadata")


def write_video(path: Path, n: int = 30, size: tuple[int, int] = (160, 120), fps: float = 30.0,
                fourcc: str = "mp4v") -> Path:
    """A video whose frame i is uniformly grey at level 4*i (so order can be checked)."""
    w, h = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*fourcc), fps, (w, h))
    assert writer.isOpened()
    for i in range(n):
        writer.write(np.full((h, w, 3), min(255, 4 * i), np.uint8))
    writer.release()
    return path


def marker_frame(w: int = 160, h: int = 120) -> np.ndarray:
    """A frame whose orientation is obvious: a red block top-left, a green one bottom-left."""
    img = np.full((h, w, 3), 40, np.uint8)
    img[: h // 3, : w // 4] = (0, 0, 255)
    img[-h // 3:, : w // 4] = (0, 255, 0)
    return img


def decode_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == "formcheck-decode"]


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return write_video(tmp_path / "clip.mp4")


# -- probe ---------------------------------------------------------------------------------------

def test_probe_reads_size_fps_and_count(clip: Path) -> None:
    info = probe(clip)
    assert info == VideoInfo(clip, 30.0, 30, 160, 120, 0)


def test_probe_missing(tmp_path: Path) -> None:
    with pytest.raises(MissingInputError, match=r"^No such file: .*nope\.mp4\.$") as exc:
        probe(tmp_path / "nope.mp4")
    assert exc.value.exit_code == ExitCode.NO_INPUT


def _bad(path: Path, match: str) -> None:
    with pytest.raises(BadVideoError, match=match) as exc:
        probe(path)
    assert exc.value.exit_code == ExitCode.BAD_VIDEO
    assert "\n" not in exc.value.message and exc.value.message.endswith(".")


def test_probe_directory(tmp_path: Path) -> None:
    _bad(tmp_path, "is a folder")


def test_probe_text_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("these are my exercise notes\nsquats: 3 x 10\n")
    _bad(path, "text file")


def test_probe_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    _bad(path, "empty")


@pytest.mark.parametrize(("ext", "kind"), [(".jpg", "JPEG"), (".png", "PNG")])
def test_probe_image_renamed_mp4(tmp_path: Path, ext: str, kind: str) -> None:
    image = tmp_path / f"photo{ext}"
    cv2.imwrite(str(image), marker_frame())
    renamed = tmp_path / "photo.mp4"
    image.rename(renamed)
    _bad(renamed, f"is a {kind} image")


def test_probe_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "noise.mp4"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    _bad(path, "not a video formcheck can read")


def test_probe_zero_frame_video(tmp_path: Path) -> None:
    _bad(write_video(tmp_path / "none.mp4", n=0), "cannot be read|no video frames")


def test_probe_truncated_mp4(tmp_path: Path) -> None:
    # OpenCV writes the index (moov box) last, so cutting the file loses it entirely.
    path = write_video(tmp_path / "cut.mp4", n=60)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _bad(path, "damaged or incomplete")


# -- FrameReader ---------------------------------------------------------------------------------

def test_frames_in_order_with_increasing_timestamps(clip: Path) -> None:
    with FrameReader(clip) as reader:
        frames = list(reader)
    assert [f.index for f in frames] == list(range(30))
    t = np.array([f.t_ms for f in frames])
    assert (np.diff(t) > 0).all()
    assert t[0] == 0 and abs(t[-1] - 29 * 1000 / 30) <= 2
    levels = [float(f.rgb_small.mean()) for f in frames]
    assert all(b > a for a, b in itertools.pairwise(levels))
    assert not reader.truncated and reader.error is None and reader.frames_read == 30


def test_rgb_small_is_contiguous_rgb_uint8(tmp_path: Path) -> None:
    path = tmp_path / "marker.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30, (160, 120))
    for _ in range(3):
        writer.write(marker_frame())
    writer.release()
    frame = next(iter(FrameReader(path)))
    rgb = frame.rgb_small
    assert rgb.dtype == np.uint8 and rgb.flags.c_contiguous and rgb.shape == (120, 160, 3)
    r, g, b = rgb[10, 10]
    assert r > 200 and g < 60 and b < 60  # red stays red: BGR was converted to RGB
    assert frame.full_bgr is None


@pytest.mark.parametrize(("max_side", "expected"), [(80, (60, 80)), (100, (75, 100)),
                                                    (640, (120, 160))])
def test_max_side(clip: Path, max_side: int, expected: tuple[int, int]) -> None:
    with FrameReader(clip, max_side=max_side, keep_full=True) as reader:
        for frame in reader:
            assert frame.rgb_small.shape == (*expected, 3)
            assert frame.full_bgr is not None and frame.full_bgr.shape == (120, 160, 3)


@given(st.integers(1, 5000), st.integers(1, 5000), st.integers(16, 4000))
def test_reduced_size(w: int, h: int, max_side: int) -> None:
    rw, rh = reduced_size(w, h, max_side)
    assert max(rw, rh) <= max(max_side, 1) or (rw, rh) == (w, h)
    assert rw <= w and rh <= h and rw >= 1 and rh >= 1
    if max(w, h) <= max_side:
        assert (rw, rh) == (w, h)
    else:
        assert max(rw, rh) == max_side
        if min(rw, rh) > 20:
            assert math.isclose(rw / rh, w / h, rel_tol=0.1)


def test_early_break_stops_the_thread(tmp_path: Path) -> None:
    path = write_video(tmp_path / "long.mp4", n=200)
    reader = FrameReader(path, queue_size=2)
    for frame in reader:
        if frame.index == 3:
            break
    assert decode_threads() == []
    assert reader.frames_read == 4


def test_close_without_iterating_and_twice(clip: Path) -> None:
    reader = FrameReader(clip)
    reader.close()
    reader.close()
    with FrameReader(clip) as reader2:
        it = iter(reader2)
        next(it)
    assert decode_threads() == []


def test_iterating_twice_is_an_error(clip: Path) -> None:
    reader = FrameReader(clip)
    list(reader)
    with pytest.raises(RuntimeError, match="only once"):
        iter(reader)


def test_bad_arguments(clip: Path) -> None:
    with pytest.raises(ValueError, match="max_side"):
        FrameReader(clip, max_side=0)
    with pytest.raises(ValueError, match="queue_size"):
        FrameReader(clip, queue_size=0)


def test_reader_raises_probe_errors(tmp_path: Path) -> None:
    with pytest.raises(MissingInputError):
        FrameReader(tmp_path / "missing.mp4")


def test_truncated_mid_stream_ends_iteration(tmp_path: Path) -> None:
    # AVI can be read without its index, so a cut file plays until the cut.
    path = write_video(tmp_path / "cut.avi", n=60, fourcc="MJPG")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    reader = FrameReader(path)
    assert reader.info.n_frames == 60
    frames = list(reader)
    assert 5 < len(frames) < 60
    assert reader.truncated
    assert reader.error is not None and "ends early" in reader.error
    assert decode_threads() == []


def test_decode_threads_setting(clip: Path) -> None:
    for threads in (None, 0, 1, 2):
        reader = FrameReader(clip, decode_threads=threads)
        assert reader.decode_threads >= (1 if threads is None else threads)
        assert sum(1 for _ in reader) == 30


# -- timestamps ----------------------------------------------------------------------------------

def test_timestamps_follow_container_times() -> None:
    stamps = _Timestamps(30.0)
    # Variable frame rate: container times are kept when sane.
    assert [stamps.next(i, p) for i, p in enumerate([0.0, 40.0, 70.0, 100.0])] == [0, 40, 70, 100]


def test_timestamps_keep_variable_frame_rate_drift() -> None:
    stamps = _Timestamps(30.0)
    # A phone video that ran at 15 fps for a while: times drift far from index * 1000 / 30.
    pos = [i * 66.7 for i in range(200)]
    got = [stamps.next(i, p) for i, p in enumerate(pos)]
    assert got[-1] == round(199 * 66.7)
    # One broken value later on continues from the drifted clock, without a jump.
    assert stamps.next(200, math.nan) == round(200 * 1000 / 30 + (199 * 66.7 - 199 * 1000 / 30))


def test_timestamps_fall_back_to_index() -> None:
    stamps = _Timestamps(25.0)
    got = [stamps.next(i, p) for i, p in enumerate([math.nan, -5.0, 1e9, 120.0])]
    assert got == [0, 40, 80, 120]


@given(st.floats(1.0, 240.0), st.lists(st.floats(allow_nan=True, allow_infinity=True),
                                       min_size=1, max_size=60))
def test_timestamps_strictly_increase(fps: float, positions: list[float]) -> None:
    stamps = _Timestamps(fps)
    t = [stamps.next(i, p) for i, p in enumerate(positions)]
    assert all(b > a for a, b in itertools.pairwise(t))
    assert t[0] >= 0


# -- rotation ------------------------------------------------------------------------------------

def _ffmpeg_upright_first_frame(path: Path, out: Path) -> np.ndarray:
    """First frame as FFmpeg itself shows it (FFmpeg applies rotation metadata by default)."""
    assert FFMPEG is not None
    subprocess.run([FFMPEG, "-v", "error", "-y", "-i", str(path), "-frames:v", "1", str(out)],
                   check=True)
    img = cv2.imread(str(out))
    assert img is not None
    return img


def _with_rotation(src: Path, tmp_path: Path, tag: int) -> Path:
    """An H.264 MP4 of ``src`` carrying rotation metadata (skips if this ffmpeg cannot)."""
    assert FFMPEG is not None
    encoded = tmp_path / "encoded.mp4"
    subprocess.run([FFMPEG, "-v", "error", "-y", "-i", str(src), "-c:v", "libx264",
                    "-pix_fmt", "yuv420p", str(encoded)], check=True)
    out = tmp_path / f"rot{tag}.mp4"
    # ffmpeg <= 5 writes the display matrix from a "rotate" tag on stream copy; ffmpeg >= 6
    # has -display_rotation (an input option) instead.
    attempts = (
        [FFMPEG, "-v", "error", "-y", "-i", str(encoded), "-c", "copy",
         "-metadata:s:v:0", f"rotate={tag}", str(out)],
        [FFMPEG, "-v", "error", "-y", "-display_rotation", str(tag), "-i", str(encoded),
         "-c", "copy", str(out)],
    )
    for cmd in attempts:
        if subprocess.run(cmd, capture_output=True).returncode == 0 and probe(out).rotation:
            return out
    pytest.skip("this ffmpeg cannot write rotation metadata")


@needs_ffmpeg
@pytest.mark.parametrize("tag", [90, 180, 270])
def test_rotation_metadata_is_applied(tmp_path: Path, tag: int) -> None:
    assert FFMPEG is not None
    plain = tmp_path / "plain.avi"
    writer = cv2.VideoWriter(str(plain), cv2.VideoWriter.fourcc(*"MJPG"), 30, (160, 120))
    for _ in range(5):
        writer.write(marker_frame())
    writer.release()
    rotated = _with_rotation(plain, tmp_path, tag)
    upright = _ffmpeg_upright_first_frame(rotated, tmp_path / "upright.png")

    info = probe(rotated)
    assert info.rotation in (90, 180, 270)
    assert (info.height, info.width) == upright.shape[:2]
    if tag in (90, 270):
        assert (info.width, info.height) == (120, 160)

    with FrameReader(rotated, max_side=80, keep_full=True) as reader:
        frame: DecodedFrame = next(iter(reader))
    assert frame.full_bgr is not None
    assert np.abs(frame.full_bgr.astype(int) - upright).mean() < 1.0
    small_ref = cv2.cvtColor(
        cv2.resize(upright, frame.rgb_small.shape[1::-1], interpolation=cv2.INTER_AREA),
        cv2.COLOR_BGR2RGB)
    assert max(frame.rgb_small.shape[:2]) == 80
    assert np.abs(frame.rgb_small.astype(int) - small_ref).mean() < 4.0
