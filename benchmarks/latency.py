"""Latency of the live loop on a simulated camera. Prints figures; asserts nothing.

Usage::

    python benchmarks/latency.py [CLIP.mp4] [--seconds 60] [--window] [--exercise squat]

Plays a 30 fps 1280x720 clip as a camera (real-time pacing, looped; frames skipped at the
source when the reader falls behind) through the whole live loop -- capture thread, pose
thread with the full model, checker, overlay, and ``cv2.imshow`` with ``--window`` (needs a
screen, e.g. ``xvfb-run``), or only the drawing without it -- and prints:

* capture-to-display latency of the picture (median, p95, max): from the moment a frame is
  delivered to the moment ``imshow`` + ``waitKey`` have returned with it;
* the age of the skeleton drawn on it (from the capture of the frame it was estimated on);
* frames displayed and analysed per second, frames dropped (at the source, before display,
  before analysis);
* the most events and voice lines ever waiting, and resident memory at the start, peak and end.

Without a clip it uses a sample from ``samples/`` upscaled to 720p if there is one, else a
synthetic squatting mannequin (``benchmarks/speed.py``). Targets on a 2-core machine: p95
latency <= 60 ms, >= 25 frames displayed per second, nothing queued growing, memory flat.
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from formcheck.definitions import load  # noqa: E402
from formcheck.live.app import pose_options  # noqa: E402
from formcheck.live.capture import FileSource  # noqa: E402
from formcheck.live.loop import LiveConfig, LiveLoop  # noqa: E402
from formcheck.live.voice import Voice  # noqa: E402
from formcheck.live.window import Window  # noqa: E402
from formcheck.pose import PoseEstimator, PoseOptions  # noqa: E402


def make_clip(workdir: Path, exercise: str) -> tuple[Path, str]:
    """A 1280x720 30 fps clip: a sample of the exercise if any, else the synthetic mannequin."""
    samples = sorted((ROOT / "samples").glob(f"{exercise}*.mp4"))
    if samples:
        src, what = samples[0], f"sample {samples[0].name}"
    else:
        from speed import write_mannequin_clip

        src = write_mannequin_clip(workdir / "mannequin.mp4", 20.0)
        what = "synthetic squatting mannequin (20 s, looped)"
        exercise = "squat"
    dst = workdir / "clip_720p.mp4"
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg:
        subprocess.run(
            [
                ffmpeg,
                "-v",
                "error",
                "-y",
                "-i",
                str(src),
                "-vf",
                "scale=1280:720,fps=30",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-crf",
                "20",
                "-pix_fmt",
                "yuv420p",
                str(dst),
            ],
            check=True,
        )
    else:
        from speed import upscale

        upscale(src, dst, 1280, 720)
    return dst, what


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("clip", nargs="?", type=Path)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--window", action="store_true", help="show the window (needs a screen)")
    ap.add_argument("--exercise", default="squat")
    ap.add_argument("--model", type=Path)
    ap.add_argument(
        "--num-poses",
        type=int,
        default=0,
        help="people the pose model looks for (default: as formcheck live)",
    )
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        exercise = args.exercise
        if args.clip is None:
            clip, what = make_clip(Path(tmp), exercise)
            if what.startswith("synthetic"):
                exercise = "squat"
        else:
            clip, what = args.clip, str(args.clip)
        source = FileSource(clip, realtime=True, loop=True)
        opts = pose_options(args.model)
        if args.num_poses:
            opts = PoseOptions(opts.model_path, num_poses=args.num_poses)
        print(
            f"clip: {what}: {source.width}x{source.height} at {source.fps:.0f} fps, "
            f"exercise {exercise}, {args.seconds:g} s, "
            f"{'window' if args.window else 'headless (overlay drawn, no imshow)'}, "
            f"pose model {opts.model_path.name} looking for {opts.num_poses} people"
        )
        d = load(exercise)
        estimator = PoseEstimator(opts)
        window = Window(f"formcheck - {d.title} - latency", headless=not args.window)
        cfg = LiveConfig(
            exercise=exercise,
            title=window.title,
            target_reps=0,
            headless=not args.window,
            max_seconds=args.seconds,
            summary_s=0,
        )
        loop = LiveLoop(cfg, source, estimator, window, Voice(enabled=False), recorder=None)
        t0 = time.monotonic()
        result = loop.run()
        wall = time.monotonic() - t0
        estimator.close()

    st = result.stats
    ms = 1000.0

    def pct(h, p):  # type: ignore[no-untyped-def]
        v = h.percentile(p)
        return f"{v * ms:6.1f}" if math.isfinite(v) else "   n/a"

    delivered = source.delivered
    total = delivered + source.skipped
    print(f"ran {wall:.1f} s, ended: {result.ended}")
    print(
        f"capture -> display latency   median {pct(st.latency, 50)} ms   p95 {pct(st.latency, 95)} ms"
        f"   max {st.latency.max * ms:6.1f} ms"
    )
    print(f"skeleton age on display      median {pct(st.pose_age, 50)} ms   p95 {pct(st.pose_age, 95)} ms")
    print(f"pose + checker per frame     median {pct(st.pose_time, 50)} ms   p95 {pct(st.pose_time, 95)} ms")
    print(
        f"displayed {st.displayed} frames = {st.display_fps:.1f} fps; analysed {st.analysed} = "
        f"{st.analysed / wall:.1f} fps"
    )
    print(
        f"source frames {total}: dropped at source (behind real time) {source.skipped}, "
        f"not displayed {st.not_displayed}, not analysed {st.not_analysed}"
    )
    print(
        f"most checker events waiting {st.max_events_queued}, most voice lines waiting "
        f"{st.max_voice_pending}; frame slots hold 1 frame by design"
    )
    print(
        f"memory (RSS) start {st.rss_start:.0f} MB, after 10 s {st.rss_warm:.0f} MB, "
        f"peak {st.rss_peak:.0f} MB, end {st.rss_end:.0f} MB"
    )
    print(f"reps counted {len(loop.scorer.checker.reps)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
