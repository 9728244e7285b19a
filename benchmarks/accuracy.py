"""Accuracy of the whole pipeline on the studio's samples (exact ground truth).

    python benchmarks/accuracy.py [SAMPLES_DIR ...]

Prints: detection rate, per-frame angle error per joint and view, rep-count error, per-rep
metric error, and fault precision and recall per code.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # testkit: the repository's test helpers, not in the wheel

from testkit.evaluate import evaluate_sample, studio_samples  # noqa: E402


def main(dirs: list[str]) -> int:
    folders = [Path(d) for d in dirs] or [Path(__file__).resolve().parents[1] / "samples"]
    videos = [clip for folder in folders for clip in studio_samples(folder)]
    if not videos:
        print("no studio samples found")
        return 1
    t0 = time.perf_counter()
    results = [evaluate_sample(v, t) for v, t in videos]
    print(f"{len(results)} clips scored in {time.perf_counter() - t0:.0f} s\n")
    print(
        f"{'clip':34s} {'exercise':9s} {'view':7s} {'detect':>6s} {'reps':>4s} {'truth':>5s}"
        "  angle error (median, deg)"
    )
    for r in results:
        errs = ", ".join(f"{k} {v:.1f}" for k, v in r.angle_errors.items())
        print(
            f"{r.name:34s} {r.exercise:9s} {r.view:7s} {r.detection_rate:6.0%} "
            f"{r.clip.counted:4d} {r.clip.expected:5d}  {errs}"
        )
    # Angle error per joint and view.
    print("\nPer-frame angle error by joint and view (median of clip medians, deg):")
    groups: dict[tuple[str, str], list[float]] = {}
    for r in results:
        for k, v in r.angle_errors.items():
            joint = k.replace("left_", "").replace("right_", "")
            groups.setdefault((joint, r.view), []).append(v)
    for (joint, view), vals in sorted(groups.items()):
        print(f"  {joint:14s} {view:8s} {np.median(vals):5.1f}  (n={len(vals)})")
    print("\nPer-rep metric error (scored - truth):")
    met: dict[str, list[float]] = {}
    for r in results:
        for k, v in r.rep_metric_errors.items():
            met.setdefault(f"{k} [{r.view}]", []).extend(v)
    for k, v in sorted(met.items()):
        a = np.abs(v)
        print(f"  {k:32s} median |err| {np.median(a):5.1f}, max {a.max():5.1f}  (n={len(v)})")
    count_err = [r.clip.counted - r.clip.expected for r in results]
    print(
        f"\nRep count: exact on {sum(e == 0 for e in count_err)}/{len(count_err)} clips; errors {count_err}"
    )
    codes = sorted({c for r in results for c in (*r.clip.tp, *r.clip.fp, *r.clip.fn)})
    # "missed" includes the planted faults whose check the rep said it could not make from
    # that camera ("of them not checked", with the reason below); "recall where checked"
    # leaves those out.
    print(
        f"\n{'fault':20s} {'found':>5s} {'missed':>6s} {'of them not checked':>19s} {'false':>5s}"
        f" {'precision':>9s} {'recall':>6s} {'recall where checked':>20s}"
    )
    for c in codes:
        tp = sum(r.clip.tp.get(c, 0) for r in results)
        fn = sum(r.clip.fn.get(c, 0) for r in results)
        nc = sum(r.clip.not_checked.get(c, 0) for r in results)
        fp = sum(r.clip.fp.get(c, 0) for r in results)
        prec = f"{tp / (tp + fp):.0%}" if tp + fp else "-"
        rec = f"{tp / (tp + fn):.0%}" if tp + fn else "-"
        rec_checked = f"{tp / (tp + fn - nc):.0%}" if tp + fn - nc else "-"
        print(f"{c:20s} {tp:5d} {fn:6d} {nc:19d} {fp:5d} {prec:>9s} {rec:>6s} {rec_checked:>20s}")
    reasons = {(r.name, c, why) for r in results for c, why in r.clip.not_checked_why.items()}
    if reasons:
        print("\nPlanted faults not checked, and why:")
        for name, c, why in sorted(reasons):
            print(f"  {name}: {c}: {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
