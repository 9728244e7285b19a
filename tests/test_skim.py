"""formcheck.skim: H.264 read at a reduced rate, decoding only what is needed, same frames."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.skim import SkimReader, h264_unreferenced
from formcheck.video import FrameReader, probe

FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(FFMPEG is None, reason="ffmpeg is not installed (apt-get "
                                  "install ffmpeg) to write H.264 with B-frames")
SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "squat_side_faults_a.mp4"


def _x264(dst: Path, seconds: float, *extra: str) -> Path:
    """The sample re-encoded with x264's defaults: B-frames, some of them referenced."""
    assert FFMPEG is not None
    subprocess.run([FFMPEG, "-v", "error", "-y", "-i", str(SAMPLE), "-t", str(seconds), "-c:v",
                    "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", *extra, str(dst)],
                   check=True)
    return dst


def _avcc(*headers: int) -> bytes:
    """An access unit of NAL units with 4-byte length prefixes, each a header and two bytes."""
    return b"".join((3).to_bytes(4, "big") + bytes([h, 0x88, 0x84]) for h in headers)


def test_unreferenced_frames_are_told_by_their_slices_nal_ref_idc() -> None:
    sei, b_slice, p_slice, idr = 0x06, 0x01, 0x41, 0x65  # nal_ref_idc 0, 0, 2, 3
    assert h264_unreferenced(_avcc(sei, b_slice), 4)
    assert h264_unreferenced(_avcc(b_slice, b_slice), 4)
    assert not h264_unreferenced(_avcc(sei, p_slice), 4)
    assert not h264_unreferenced(_avcc(idr), 4)
    assert not h264_unreferenced(_avcc(b_slice, p_slice), 4)  # one referenced slice is enough
    assert not h264_unreferenced(_avcc(sei), 4)  # no slice: nothing to leave out
    assert not h264_unreferenced(_avcc(b_slice)[:-1], 4)  # cut short: decode it
    annex_b = b"\x00\x00\x00\x01\x09\xf0" + b"\x00\x00\x01\x01\x88\x84"
    assert h264_unreferenced(annex_b, 0)
    assert not h264_unreferenced(b"\x00\x00\x01\x41\x88\x84", 0)


Frames = list[tuple[int, int, tuple[int, ...], np.ndarray]]


def _frames(reader: FrameReader) -> Frames:
    with reader as r:
        return [(f.index, f.t_ms, f.skipped_t_ms, f.rgb_small) for f in r]


def _full(reader: FrameReader) -> list[np.ndarray]:
    with reader as r:
        return [f.full_bgr for f in r if f.full_bgr is not None]


def _same(a: Frames, b: Frames) -> bool:
    return len(a) == len(b) and all(x[:3] == y[:3] and x[3].shape == y[3].shape and (x[3] == y[3]).all()
                                    for x, y in zip(a, b, strict=True))


@needs_ffmpeg
@pytest.mark.parametrize("stride", [2, 3, 4])
def test_the_same_frames_as_frame_reader_with_b_frames_left_undecoded(tmp_path: Path, stride: int) -> None:
    clip = _x264(tmp_path / "bframes.mp4", 4)
    skim = SkimReader(clip, stride=stride)
    got = _frames(skim)
    assert skim.skimmed
    assert _same(got, _frames(FrameReader(clip, stride=stride)))
    total = sum(len(f[2]) + 1 for f in got)
    assert len(got) <= skim.decoded < total  # unreferenced frames off the grid were left out


@needs_ffmpeg
@pytest.mark.parametrize("tag", [90, 270])
def test_rotated_video_and_full_frames_as_frame_reader_gives_them(tmp_path: Path, tag: int) -> None:
    assert FFMPEG is not None
    clip = _x264(tmp_path / "plain.mp4", 2)
    rotated = tmp_path / "rotated.mp4"
    # ffmpeg <= 5 writes the display matrix from a "rotate" tag; ffmpeg >= 6 has -display_rotation.
    for cmd in ([FFMPEG, "-v", "error", "-y", "-i", str(clip), "-c", "copy",
                 "-metadata:s:v:0", f"rotate={tag}", str(rotated)],
                [FFMPEG, "-v", "error", "-y", "-display_rotation", str(tag), "-i", str(clip),
                 "-c", "copy", str(rotated)]):
        if subprocess.run(cmd, capture_output=True).returncode == 0 and probe(rotated).rotation:
            break
    else:
        pytest.skip("this ffmpeg cannot write rotation metadata")
    def both() -> tuple[SkimReader, FrameReader]:
        return (SkimReader(rotated, stride=2, max_side=200, keep_full=True, full_max_side=300),
                FrameReader(rotated, stride=2, max_side=200, keep_full=True, full_max_side=300))

    skim, plain = both()
    assert skim.info.rotation in (90, 270)
    assert _same(_frames(skim), _frames(plain))
    skim, plain = both()
    a, b = _full(skim), _full(plain)
    assert len(a) == len(b) > 0 and all((x == y).all() for x, y in zip(a, b, strict=True))
    assert a[0].shape[:2] == (300, 225)  # upright: portrait


def test_another_codec_is_read_by_frame_reader(tmp_path: Path) -> None:
    clip = tmp_path / "mpeg4.mp4"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter.fourcc(*"mp4v"), 30.0, (64, 48))
    for i in range(20):
        writer.write(np.full((48, 64, 3), 10 * i, np.uint8))
    writer.release()
    skim = SkimReader(clip, stride=2)
    got = _frames(skim)
    assert not skim.skimmed
    assert _same(got, _frames(FrameReader(clip, stride=2)))


@needs_ffmpeg
def test_a_file_cut_short_ends_early_as_with_frame_reader(tmp_path: Path) -> None:
    clip = _x264(tmp_path / "whole.mp4", 3, "-movflags", "+faststart")
    cut = tmp_path / "cut.mp4"
    data = clip.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])
    plain, skim = FrameReader(cut, stride=2), SkimReader(cut, stride=2)
    a, b = _frames(plain), _frames(skim)
    assert skim.skimmed
    assert skim.truncated and plain.truncated
    assert skim.error is not None and "ends early" in skim.error
    # The same frames up to the break; the frames it counts there may differ by a B-frame or
    # two that it did not decode.
    assert len(a) - 2 <= len(b) <= len(a)
    assert _same(a[: len(b)], b)


def test_a_stride_of_one_is_refused() -> None:
    with pytest.raises(ValueError):
        SkimReader(SAMPLE, stride=1)
