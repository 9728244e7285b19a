"""The annotated video: text that matches a reference rendering, the cue's joint marked, H.264
that browsers play, nothing left under the final name when the disk fills up."""

from __future__ import annotations

import errno
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from formcheck.annotate import AMBER, annotate, cue_joints, draw_state, text_px, wrap
from formcheck.checkers.base import CheckerState
from formcheck.cli import main
from formcheck.definitions import JOINTS, available, load
from formcheck.textdraw import DARK, draw_text, font, stroke_for, text_size
from formcheck.videowrite import AnnotatedWriter, output_size

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
# _import_order: PyAV is imported inside the tests, after OpenCV. Loaded first, its bundled
# libraries make a later OpenCV (Qt) window hang on creation in the same process, which
# would stall the live window tests that run after these; formcheck itself always loads
# cv2 before av (formcheck/videowrite.py).
CLIP = SAMPLES / "squat_side_faults_a.mp4"


def _state(cue: str | None = None, key: float = 131.0, rep: int | None = None) -> CheckerState:
    return CheckerState("squat", "rest", 2, {}, "knee", key, 90.0, None, None, cue, "side", 5.0, rep)


def _reference(shape: tuple[int, int], text: str, org: tuple[int, int], px: int) -> np.ndarray:
    """The same string drawn by Pillow directly: outline (stroke) in DARK, then the fill."""
    img = Image.new("RGB", (shape[1], shape[0]), (128, 128, 128))
    d = ImageDraw.Draw(img)
    f = font(px)
    d.text(org, text, font=f, fill=DARK, anchor="ls", stroke_width=stroke_for(px), stroke_fill=DARK)
    d.text(org, text, font=f, fill=(255, 255, 255), anchor="ls")
    return np.asarray(img)


@pytest.mark.parametrize("text", ["…at the knee.", "knee 131°  (target 90°)", "Reps 12"])
def test_text_matches_reference_rendering(text: str) -> None:
    img = np.full((120, 640, 3), 128, np.uint8)
    box = draw_text(img, text, (20, 80), 40, (255, 255, 255))
    ref = _reference(img.shape[:2], text, (20, 80), 40)
    diff = np.abs(img.astype(int) - ref.astype(int))
    # Pillow composites the stroke and fill slightly differently at glyph edges; nothing more.
    assert np.percentile(diff, 99.5) <= 40 and diff.mean() < 1.0
    # No ink outside the string's own box: an outline copy that drifts sideways shows here.
    ink = np.abs(img.astype(int) - 128).sum(axis=2) > 0
    outside = ink.copy()
    outside[box[1] : box[3], box[0] : box[2]] = False
    assert not outside.any()
    ref_ink = np.abs(ref.astype(int) - 128).sum(axis=2) > 0
    assert ink.sum() == pytest.approx(ref_ink.sum(), rel=0.02)


def test_degree_sign_and_legible_size_at_480p() -> None:
    img = np.full((480, 640, 3), 128, np.uint8)
    draw_state(img, _state())
    px = text_px(img.shape)
    assert px >= 24  # the tester saw 12 px text at 640x480
    # The key-angle line holds a degree sign, drawn as a glyph (not "deg").
    ring = np.full((60, 60, 3), 0, np.uint8)
    draw_text(ring, "°", (10, 50), px, (255, 255, 255), outline=None)
    assert (ring > 0).any()
    # Cap height of the count line: at least 1/25 of the frame.
    bright = (img.min(axis=2) > 240).any(axis=1)
    rows = np.flatnonzero(bright[: px * 2 + 10])
    assert rows[-1] - rows[0] >= 480 / 25


def test_cue_is_wrapped_inside_the_frame() -> None:
    """The cue as drawn ("Rep 2: " and its words) stays inside the frame, on as many lines as
    it needs: one where it fits, more where it does not (a portrait frame), none of them wider
    than the frame. (This test once only compared ``wrap``'s words with the cue, so a ``wrap``
    that split nothing passed it.)"""
    cue = load("squat").checks[0].cue
    for shape in [(480, 640, 3), (720, 1280, 3), (1280, 720, 3), (854, 480, 3)]:
        img = np.zeros(shape, np.uint8)
        st = _state(cue, rep=2)
        draw_state(img, st)
        b, g, r = (img[..., i].astype(int) for i in range(3))
        amber = (r > 190) & (g > 120) & (g < 230) & (b < 120)
        rows, cols = np.flatnonzero(amber.any(axis=1)), np.flatnonzero(amber.any(axis=0))
        px = text_px(shape)
        pad = max(6, px // 2)
        assert cols.min() >= pad // 2 and cols.max() < shape[1] - pad // 2, shape  # not cut off
        lines = 1 + int(np.count_nonzero(np.diff(rows) > pad))  # text rows, a line apart
        fits = text_size(st.cue_line, px)[0] <= shape[1] - 2 * pad
        assert (lines == 1) if fits else (lines >= 2), (shape, lines)
        for line in wrap(st.cue_line, px, shape[1] - 2 * pad, max_lines=3):
            assert " " not in line or text_size(line, px)[0] <= shape[1] - 2 * pad, (shape, line)


@pytest.mark.parametrize("size", [(640, 480), (1280, 720), (480, 854), (360, 640)])
def test_every_cue_stays_inside_the_annotated_frame(size: tuple[int, int]) -> None:
    """Every exercise's words (set-up, camera, each check's cue after "Rep 12: ") drawn on a
    frame keep off its right edge: a lunge's set-up words in three lines ran off a 360 px wide
    portrait frame."""
    from test_live_presentation import _words_shown_live

    w, h = size
    for words in _words_shown_live():
        img = np.zeros((h, w, 3), np.uint8)
        draw_state(img, CheckerState("squat", "setup", 0, {}, "knee", 131.0, 90.0, None, None, words,
                                     "side", 1.0))
        lit = img[h // 3:].max(axis=2) > 150  # the words, below the count's bar
        assert lit.any(), words
        assert not lit[:, w - 3:].any(), (size, words)


def test_the_cue_does_not_cover_the_joint_it_is_about() -> None:
    """Along the bottom, unless a ringed joint is there (a heel at the foot of a 4:3 frame):
    then just under the count, where the ring stays in sight."""
    cue = load("squat").checks[0].cue

    def cue_rows(keep_clear: list[tuple[int, int]]) -> np.ndarray:
        img = np.full((480, 640, 3), 128, np.uint8)
        draw_state(img, _state(cue), keep_clear=keep_clear)
        b, g, r = (img[..., i].astype(int) for i in range(3))
        return np.flatnonzero(((r > 190) & (g > 120) & (g < 230) & (b < 120)).any(axis=1))

    low = cue_rows([])
    assert low.min() > 480 * 0.75  # at the bottom
    assert np.array_equal(cue_rows([(320, 240)]), low)  # a joint mid-frame: still at the bottom
    moved = cue_rows([(320, 465)])  # a heel ringed at the bottom
    assert moved.max() < 480 * 0.4 and len(moved) == len(low)
    assert np.array_equal(cue_rows([(320, 465), (320, moved.min() + 5)]), low)  # both covered: stays


def test_checks_name_their_joints_in_the_definitions() -> None:
    d = load("squat")
    by_code = {c.code: c for c in d.checks}
    assert set(by_code["knees_past_toes"].landmarks) >= set(JOINTS["knee"])
    assert cue_joints(d, by_code["trunk_lean"].cue) == (*JOINTS["shoulder"], *JOINTS["hip"])
    assert cue_joints(d, None) == () and cue_joints(d, "Not a cue.") == ()
    for name in available():
        for c in load(name).checks:
            if c.metric != "hold_s" and c.code != "too_fast":
                assert c.joints, f"{name}.{c.code} marks no joint"


def test_cue_joint_is_ringed_only_while_its_cue_shows() -> None:
    d = load("squat")
    lm = np.full((33, 4), np.nan, np.float32)
    lm[25] = (0.5, 0.6, 0.0, 0.99)  # left knee in view; the right one is not
    cue = next(c.cue for c in d.checks if c.code == "knees_past_toes")
    with_cue = annotate(np.zeros((480, 640, 3), np.uint8), lm, _state(cue), joints=cue_joints(d, cue))
    without = annotate(np.zeros((480, 640, 3), np.uint8), lm, _state(None), joints=cue_joints(d, cue))
    amber = np.all(np.abs(with_cue.astype(int) - AMBER) < 30, axis=2)
    around_knee = amber[240:340, 270:370]
    assert around_knee.sum() > 50
    assert not np.all(np.abs(without.astype(int) - AMBER) < 30, axis=2)[240:340, 270:370].any()


def test_output_size_is_bounded_and_even() -> None:
    assert output_size(3840, 2160) == (1280, 720)
    assert output_size(2160, 3840) == (720, 1280)
    assert output_size(641, 481) == (640, 480)
    w, h = output_size(1919, 1079)
    assert w % 2 == 0 and h % 2 == 0 and max(w, h) <= 1280


def test_writer_makes_h264_faststart_and_renames_only_when_complete(tmp_path: Path) -> None:
    dest = tmp_path / "annotated.mp4"
    w = AnnotatedWriter(dest, 25.0, (320, 240))
    for i in range(10):
        w.write(np.full((480, 640, 3), 20 * i, np.uint8))  # resized to the video's size
        assert not dest.exists()
    w.close()
    assert dest.is_file() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    import av  # after cv2: see the note at the top

    with av.open(str(dest)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264" and s.format.name == "yuv420p"
        assert (s.width, s.height) == (320, 240)
        assert sum(1 for _ in c.decode(video=0)) == 10
    head = dest.read_bytes()[:4096]
    assert b"moov" in head  # faststart: the index comes before the media data


def test_full_disk_leaves_nothing_and_says_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if not CLIP.is_file():
        pytest.skip("bundled sample missing")
    real_write = AnnotatedWriter.write

    def write(self: AnnotatedWriter, bgr: np.ndarray) -> None:
        if self.frames >= 30:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(self, bgr)

    monkeypatch.setattr(AnnotatedWriter, "write", write)
    out = tmp_path / "out"
    rc = main(["score", str(CLIP), "-e", "squat", "--out", str(out), "--annotate", "--no-store"])
    err = capsys.readouterr().err
    assert rc != 0
    lines = [ln for ln in err.strip().splitlines() if ln.startswith("formcheck:")]
    assert len(lines) == 1 and "disk is full" in lines[0] and "Traceback" not in err
    left = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    assert left == []


@pytest.mark.e2e
def test_annotated_sample_is_h264_with_the_cue_as_the_reference_draws_it(tmp_path: Path) -> None:
    if not CLIP.is_file():
        pytest.skip("bundled sample missing")
    import av  # after cv2: see the note at the top

    from formcheck.pipeline import score_video

    dest = tmp_path / "annotated.mp4"
    session = score_video(CLIP, "squat", annotate_to=dest)
    i = next(i for i, r in enumerate(session.reps) if r.faults)
    faulty = session.reps[i]
    cue = faulty.faults[0].message
    t0 = faulty.end_s  # the rep's cue is on screen after it ends, until the next one ends
    t1 = session.reps[i + 1].end_s if i + 1 < len(session.reps) else session.duration_s
    ref = np.full((480, 640, 3), 128, np.uint8)
    draw_state(ref, _state(cue, rep=faulty.index))  # shown as "Rep N: ..."
    band = slice(int(ref.shape[0] * 0.7), ref.shape[0])

    def amber(a: np.ndarray) -> np.ndarray:
        b, g, r = (a[..., i].astype(int) for i in range(3))
        return (r > 190) & (g > 120) & (g < 230) & (b < 120)

    with av.open(str(dest)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264" and s.format.name == "yuv420p"
        frames = [f for f in c.decode(video=0) if f.time is not None and t0 <= f.time <= t1]
        img = max(
            (f.to_ndarray(format="bgr24") for f in frames), key=lambda a: int(amber(a[band]).sum())
        )
    assert img.shape[:2] == (480, 640)
    got, want = amber(img[band]), amber(ref[band])
    iou = (got & want).sum() / max(1, (got | want).sum())
    assert want.sum() > 500 and iou > 0.6, f"cue text differs from the reference rendering (IoU {iou:.2f})"
    cv2.imwrite(str(tmp_path / "frame.png"), img)


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("clip", "exercise", "with_cues"),
    [
        (CLIP, "squat", True),
        # slow rises: the checker waits while the person is still coming up (SETTLE_MORE_S)
        (SAMPLES / "squat_side_slow_pause.mp4", "squat", False),
        # holds, known over only once the person has been out of the position for BREAK_S
        (SAMPLES / "hip_flexor_stretch_side_short.mp4", "hip_flexor_stretch", True),
    ],
    ids=["squat", "slow_rise", "hold"],
)
def test_annotated_count_goes_up_on_the_frame_the_rep_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clip: Path, exercise: str, with_cues: bool
) -> None:
    """A recorded video is drawn a moment late (formcheck/hindsight.py): the count shown goes up
    on the first frame at or after each rep's end, not when the checker could tell it was over,
    a rep's cue comes up with it (no cue about a movement still under way is left on show after
    it ended: a held stretch's "Timer paused"), and every frame is written."""
    if not clip.is_file():
        pytest.skip("bundled sample missing")
    import formcheck.annotate as ann
    from formcheck.pipeline import score_video

    shown: list[tuple[float, int]] = []
    cues: list[int | None] = []
    texts: list[str | None] = []
    lines: set[str] = set()
    draw = ann.annotate

    def spy(bgr, image, state, *a, **k):  # type: ignore[no-untyped-def]
        shown.append((state.t_s, state.reps))
        cues.append(state.cue_rep if state.cue else None)
        texts.append(state.cue)
        lines.add(state.count_text.split()[0])
        return draw(bgr, image, state, *a, **k)

    monkeypatch.setattr(ann, "annotate", spy)
    session = score_video(clip, exercise, annotate_to=tmp_path / "annotated.mp4")
    assert len(shown) == session.n_frames and len(session.reps) >= 2
    t = np.array([s[0] for s in shown])
    count = np.array([s[1] for s in shown])
    assert np.all(np.diff(count) >= 0)
    for rep in session.reps:
        first = float(t[np.argmax(count >= rep.index)])
        assert rep.end_s - 1e-6 <= first <= rep.end_s + 1.5 / session.fps, (rep.index, rep.end_s, first)
    faulty = [r for r in session.reps if r.faults]
    assert bool(faulty) == with_cues, "the sample's reps with a fault to show a cue for changed"
    for rep in faulty:
        on = [i for i, c in enumerate(cues) if c == rep.index]
        assert on, f"rep {rep.index}'s cue was never drawn"
        first = float(t[on[0]])
        assert rep.end_s - 1e-6 <= first <= rep.end_s + 1.5 / session.fps, (rep.index, rep.end_s, first)
    # A held stretch counts holds ("Holds 2", "Hold 1: ..."), in the video and at the live set's end.
    from formcheck.live.loop import LiveConfig, LiveResult, Stats, summary_lines

    unit = "hold" if load(exercise).counting.mode == "hold" else "rep"
    assert lines == {unit.capitalize() + "s"}
    end = summary_lines(LiveResult("complete", None, session, [], Stats()), LiveConfig(exercise=exercise))
    assert end[1][0].startswith(f"{len(session.reps)} {unit}s"), end[1][0]
    paused = [tt for tt, c in zip(t, texts, strict=True) if c and c.startswith("Timer paused")]
    for rep in session.reps:
        after = [tt for tt in paused if rep.end_s < tt <= rep.end_s + 3.0]
        assert not after, f"'Timer paused' on show at {after[:3]} after hold {rep.index} ended"


def test_kept_frames_are_reduced_as_they_are_decoded(tmp_path: Path) -> None:
    """Annotating a large video holds frames of at most 1280 pixels, never the full size."""
    from formcheck.video import FrameReader

    path = tmp_path / "big.mp4"
    wr = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 10, (2560, 1440))
    for i in range(4):
        wr.write(np.full((1440, 2560, 3), 30 * i, np.uint8))
    wr.release()
    with FrameReader(path, keep_full=True, full_max_side=1280) as reader:
        shapes = {f.full_bgr.shape for f in reader if f.full_bgr is not None}
    assert shapes == {(720, 1280, 3)}


def test_hold_timer_never_covers_the_angle_or_count() -> None:
    from formcheck.textdraw import text_size

    for shape in [(480, 640, 3), (720, 1280, 3), (1280, 720, 3)]:
        st = ("bridge", "active", 2, {}, "hip line", 183.0, 180.0)
        with_hold = CheckerState(*st, 2.0, 2.0, None, "side", 5.0)  # type: ignore[arg-type]
        without = CheckerState(*st, None, 2.0, None, "side", 5.0)  # type: ignore[arg-type]
        a, b = np.zeros(shape, np.uint8), np.zeros(shape, np.uint8)
        draw_state(a, with_hold, "Glute bridge")
        draw_state(b, without, "Glute bridge")
        px, big = text_px(shape), text_px(shape, 1.25)
        pad = max(6, px // 2)
        line1 = pad + big
        line2 = line1 + pad + px
        angle = slice(line2 - px, line2 + px // 3), slice(0, pad + text_size("hip line 183°", px)[0] + 4)
        count = slice(0, line1 + big // 4), slice(0, pad + text_size("Reps 2", big)[0] + 4)
        assert np.array_equal(a[angle], b[angle]), shape
        assert np.array_equal(a[count], b[count]), shape
        assert not np.array_equal(a, b)  # the timer is drawn somewhere
