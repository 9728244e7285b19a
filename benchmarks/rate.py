"""Does analysing fewer frames a second change the answers? Full rate against a reduced rate.

    python benchmarks/rate.py [--rate 15] [--refine S] [--source traces|video] [--no-samples] [NAME ...]

formcheck's pose model looks at each frame on its own (IMAGE mode), so the landmarks of the
frames analysed at a reduced rate are those of the same frames at full rate: a full-rate
landmark trace, thinned to every k-th frame (k as :func:`formcheck.video.frame_stride` picks
it for the file's rate), is what ``formcheck score`` sees at that rate. For each clip this
scores both and prints the rep counts and, rep by rep, the largest difference of any per-rep
angle (metrics in degrees) and of the other metrics, and fault codes that differ.

Clips: the studio samples (``samples/``: full-rate landmarks from formcheck's pose stage,
cached like the real clips' in ``~/.cache/formcheck``) and the real clips of
``../shared/realdata``: their labelled MediaPipe traces (``--source traces``, the default:
no pose model run) or formcheck's own full-rate pose stage on their videos
(``--source video``, cached). For the real clips the verdict against the labels (count
exact, faults found) is printed for both rates. Target: counts unchanged, per-rep angles
within 1 degree.

``--refine S`` tries the issue's "extremes of each rep refined": after the reduced-rate pass,
every frame within S seconds of each rep's start, peak and end found there is analysed too, and
the clip scored again; it prints the share of frames the pose model then looks at (an IMAGE-mode
frame costs about 27 ms of CPU here, against about 23 ms for everything the usual loop does
with a frame).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from formcheck.checkers.base import Rep  # noqa: E402
from formcheck.landmarks import PoseSequence  # noqa: E402
from formcheck.pipeline import ANALYSIS_FPS, score_sequence  # noqa: E402
from formcheck.session import Session  # noqa: E402
from formcheck.video import frame_stride  # noqa: E402
from testkit.evaluate import studio_samples, thinned, truth_as_label  # noqa: E402

ANGLE_LIMIT_DEG = 1.0


def _is_angle(name: str) -> bool:
    return name.endswith("_deg")


def rep_differences(full: list[Rep], reduced: list[Rep], diffs: list[float] | None = None
                    ) -> tuple[float, float, list[str]]:
    """Largest |difference| of angle metrics and of other metrics over matched reps, and the
    reps whose fault codes differ. Reps are matched by order when the counts agree, else each
    reduced-rate rep to the full-rate rep with the nearest peak. Each angle difference
    (reduced - full) is appended to ``diffs``."""
    worst_angle = worst_other = 0.0
    faults: list[str] = []
    for r in reduced:
        f = (full[r.index - 1] if len(full) == len(reduced)
             else min(full, key=lambda x: abs(x.peak_s - r.peak_s), default=None))
        if f is None:
            continue
        for k, v in r.metrics.items():
            w = f.metrics.get(k, float("nan"))
            if not (math.isfinite(v) and math.isfinite(w)):
                continue
            if _is_angle(k):
                worst_angle = max(worst_angle, abs(v - w))
                if diffs is not None:
                    diffs.append(v - w)
            else:
                worst_other = max(worst_other, abs(v - w))
        if sorted(f.fault_codes) != sorted(r.fault_codes):
            faults.append(f"rep {r.index}: {','.join(f.fault_codes) or '-'} -> "
                          f"{','.join(r.fault_codes) or '-'}")
    return worst_angle, worst_other, faults


def refined(seq: PoseSequence, exercise: str, name: str, stride: int, window_s: float
            ) -> tuple[Session, float]:
    """The reduced-rate pass, then every frame within ``window_s`` of each rep's start, peak
    and end it found analysed too: the session and the share of frames analysed. The last
    frame is looked at too, so that every frame is scored."""
    analysed = np.zeros(len(seq), bool)
    analysed[::stride] = True
    analysed[-1] = True
    first = score_sequence(seq, exercise, source=name, analysed=analysed)
    t_s = seq.t_ms.astype(np.float64) / 1000.0
    for r in first.reps:
        for at in (r.start_s, r.peak_s, r.end_s):
            analysed |= np.abs(t_s - at) <= window_s
    return score_sequence(seq, exercise, source=name, analysed=analysed), float(analysed.mean())


def _sample_traces(names: list[str]) -> list[tuple[str, str, PoseSequence, dict]]:
    from formcheck.definitions import load
    from testkit.posecache import sample_poses

    out = []
    for video, truth in studio_samples(ROOT / "samples"):
        if names and not any(n in video.stem for n in names):
            continue
        seq = sample_poses(video, load(truth["exercise"]).lying)
        out.append((video.stem, truth["exercise"], seq, truth_as_label(truth)))
    return out


def _real_traces(names: list[str], source: str) -> list[tuple[str, str, PoseSequence, dict]]:
    from testkit.realdata import clips, video_landmarks

    out = []
    for clip in clips():
        if names and not any(n in clip.name for n in names):
            continue
        if source == "video":
            if clip.video is None:
                continue
            path = video_landmarks(clip)
        else:
            path = clip.trace
        out.append((clip.name, clip.exercise, PoseSequence.load(path), clip.label))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("names", nargs="*", help="only clips whose name contains one of these")
    parser.add_argument("--rate", type=float, default=ANALYSIS_FPS, help="analysed frames a second")
    parser.add_argument("--source", choices=["traces", "video"], default="traces",
                        help="real clips: labelled traces, or formcheck's pose stage on the videos")
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--thin", action="store_true",
                     help="feed the checker the analysed frames only (no interpolation)")
    how.add_argument("--refine", type=float, default=0.0, metavar="S",
                     help="also analyse every frame within S s of each rep's start, peak and end")
    parser.add_argument("--no-samples", action="store_true", help="skip the studio samples")
    parser.add_argument("--no-real", action="store_true", help="skip the real clips")
    args = parser.parse_args(argv)
    from formcheck.definitions import load
    from testkit.evaluate import compare

    items = [] if args.no_samples else _sample_traces(args.names)
    items += [] if args.no_real else _real_traces(args.names, args.source)
    head = (f"{'clip':46s} {'fps':>5s} {'k':>2s} {'reps':>9s} {'exact':>11s} {'found':>11s} "
            f"{'max |d angle|':>13s} {'max |d other|':>13s}  faults that differ")
    print(head)
    print("-" * len(head))
    same_count = within = n = 0
    worst_all = 0.0
    exact = [0, 0]
    found = [0, 0]
    labelled = 0
    diffs: list[float] = []
    frames = looked = 0.0
    for name, exercise, seq, label in items:
        stride = frame_stride(seq.fps, args.rate)
        a = score_sequence(seq, exercise, source=name)
        share = 1.0 / stride
        if stride == 1:
            b, share = a, 1.0
        elif args.refine > 0:
            b, share = refined(seq, exercise, name, stride, args.refine)
        elif args.thin:
            b = score_sequence(thinned(seq, stride), exercise, source=name)
        else:
            b = score_sequence(seq, exercise, source=name, stride=stride)
        worst, other, faults = rep_differences(a.reps, b.reps, diffs)
        known = {c.code for c in load(exercise).checks}
        ra, rb = (compare(name, label, s.reps, known=known) for s in (a, b))
        tp = [sum(r.tp.values()) for r in (ra, rb)]
        labelled += tp[0] + sum(ra.fn.values())
        for i, r in enumerate((ra, rb)):
            exact[i] += r.count_ok
            found[i] += tp[i]
        n += 1
        frames += len(seq)
        looked += share * len(seq)
        same_count += len(a.reps) == len(b.reps)
        within += worst <= ANGLE_LIMIT_DEG
        worst_all = max(worst_all, worst)
        print(f"{name[:46]:46s} {seq.fps:5.1f} {stride:2d} {len(a.reps):4d}>{len(b.reps):<4d} "
              f"{'yes' if ra.count_ok else 'no':>5s}>{'yes' if rb.count_ok else 'no':<5s} "
              f"{tp[0]:5d}>{tp[1]:<5d} {worst:13.2f} {other:13.2f}  {'; '.join(faults)}")
    print("-" * len(head))
    print(f"{n} clips at {args.rate:g} analysed frames a second: count unchanged on {same_count}, "
          f"per-rep angles within {ANGLE_LIMIT_DEG:g} deg on {within} (worst {worst_all:.2f} deg); "
          f"exact counts {exact[0]} full rate, {exact[1]} reduced; faults found {found[0]} full "
          f"rate, {found[1]} reduced, of {labelled}")
    if frames:
        how = f" (refined within {args.refine:g} s of each rep's start, peak and end)" if args.refine else ""
        print(f"frames the pose model looked at: {looked / frames:.0%} of {frames:.0f}{how}")
    if diffs:
        d = sorted(abs(x) for x in diffs)
        print(f"per-rep angles (reduced - full): {len(d)} values, within {ANGLE_LIMIT_DEG:g} deg: "
              f"{sum(x <= ANGLE_LIMIT_DEG for x in d) / len(d):.0%}, median |d| {d[len(d) // 2]:.2f}, "
              f"95th percentile {d[int(0.95 * (len(d) - 1))]:.2f}, mean d {sum(diffs) / len(diffs):+.2f} deg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
