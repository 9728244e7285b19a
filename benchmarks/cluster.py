"""Wall time of ``formcheck score FOLDER`` in a process pool and on a local Ray. Prints figures;
asserts nothing.

Usage::

    python benchmarks/cluster.py [--clips N] [--repeat R]

It copies N squat samples from ``samples/`` (default 4) into a temporary folder and scores it,
each way R times (default 2; the best is kept), as the command a user runs, with ``--no-store
--json``: the pool with ``--jobs 1`` and ``--jobs 2``, and Ray (``--ray``, a local Ray started
for each run, its start-up included) with ``--ray-workers 1`` and ``2``. The machine's load
average is printed with each run: other work on it slows every figure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WAYS = {
    "pool --jobs 1": ["--jobs", "1"],
    "pool --jobs 2": ["--jobs", "2"],
    "ray, 1 worker": ["--ray", "--ray-workers", "1"],
    "ray, 2 workers": ["--ray", "--ray-workers", "2"],
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    clips = sorted((ROOT / "samples").glob("squat_*.mp4"))[: args.clips]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        for c in clips:
            shutil.copy(c, folder / c.name)
        print(f"{len(clips)} clips: {', '.join(c.name for c in clips)}")
        best: dict[str, float] = {}
        for r in range(args.repeat):
            for name, extra in WAYS.items():
                t0 = time.perf_counter()
                p = subprocess.run(
                    [sys.executable, "-m", "formcheck", "score", str(folder), "-e", "squat", "--json",
                     "--no-store", "--out", str(Path(tmp) / f"out-{r}"), *extra],
                    capture_output=True, text=True, check=False,
                )
                wall = time.perf_counter() - t0
                if p.returncode != 0:
                    print(f"{name}: failed ({p.returncode}): {p.stderr.strip()[-300:]}")
                    continue
                best[name] = min(best.get(name, wall), wall)
                print(f"run {r + 1} {name:16s} {wall:6.1f} s   load average {os.getloadavg()[0]:.1f}")
        print("\nbest of", args.repeat)
        for name, wall in best.items():
            print(f"{name:16s} {wall:6.1f} s")


if __name__ == "__main__":
    main()
