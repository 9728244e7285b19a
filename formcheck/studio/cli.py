"""``formcheck studio``: render exercise clips with exact ground truth.

Subcommands:

* ``render``: one clip from parameters, e.g.
  ``formcheck studio render --exercise squat --reps 3 --fault shallow=2 --out /tmp/clips``;
* ``samples``: regenerate the committed ``samples/`` set from :mod:`.catalog`.

Rendering needs the ``studio`` extra (torch, anny, pyrender, trimesh); everything here
imports it lazily.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

from formcheck.studio.body import PHENOTYPES, Outfit
from formcheck.studio.motions import EXERCISES, FAULTS, LEAD_INS, MotionParams

_REPO = Path(__file__).resolve().parents[2]


def _rgb(text: str) -> tuple[int, int, int]:
    parts = [int(x) for x in text.split(",")]
    if len(parts) != 3 or not all(0 <= x <= 255 for x in parts):
        raise argparse.ArgumentTypeError("colour must be R,G,B with 0..255 values")
    return (parts[0], parts[1], parts[2])


def _kv(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError("expected NAME=VALUE")
    k, v = text.split("=", 1)
    return k.strip(), v.strip()


def _add_render_args(p: argparse.ArgumentParser) -> None:
    m = p.add_argument_group("motion (seconds, degrees, metres)")
    m.add_argument("--exercise", choices=EXERCISES, default="squat")
    m.add_argument("--reps", type=int, default=3)
    m.add_argument("--descent", type=float, help="seconds start->peak (exercise default)")
    m.add_argument("--ascent", type=float, help="seconds peak->start (exercise default)")
    m.add_argument("--hold", type=float, help="seconds held at the peak on clean reps")
    m.add_argument("--rest", type=float, help="seconds still between reps")
    m.add_argument(
        "--depth",
        type=float,
        help="clean peak: squat bottom knee angle / bridge top hip line / clamshell opening",
    )
    m.add_argument("--side", choices=("left", "right"), default="right",
                   help="clamshell working (top) leg; the other side lies down")
    m.add_argument("--lead-in", choices=LEAD_INS, default="still")
    m.add_argument("--lead-in-s", type=float, default=1.0, help="seconds before the first rep")
    m.add_argument("--tail", type=float, default=0.8, help="seconds still after the last rep")
    m.add_argument("--pause-after", type=int, default=0, help="rep after which to pause (0: none)")
    m.add_argument("--pause-s", type=float, default=0.0, help="seconds of that pause")
    m.add_argument("--stance-width", type=float, default=0.34, help="squat ankle gap, metres")
    m.add_argument(
        "--fault",
        action="append",
        type=_kv,
        default=[],
        metavar="NAME=REPS",
        help="fault on 1-based reps, e.g. shallow=2,4 or narrow_stance=all; repeatable. "
        + "; ".join(f"{ex}: {', '.join(sorted(f))}" for ex, f in FAULTS.items()),
    )
    c = p.add_argument_group("camera and picture")
    c.add_argument("--view", choices=("side", "front", "oblique"), default="side")
    c.add_argument("--facing", choices=("left", "right"), default="right",
                   help="side/oblique: way the person faces in the image (lying: head side)")
    c.add_argument("--yaw", type=float,
                   help="camera angle, degrees from the front (0) to the side (90); replaces --view")
    c.add_argument("--framing", choices=("whole", "feet_cut", "head_cut"), default="whole",
                   help="fit the whole body, or leave the feet (below mid-shin) or the head out")
    c.add_argument("--cam-height", type=float, help="camera height above the floor, metres")
    c.add_argument("--distance", type=float, help="camera distance, metres (default: fit)")
    c.add_argument("--width", type=int, default=640)
    c.add_argument("--height", type=int, default=480)
    c.add_argument("--fps", type=float, default=30.0)
    c.add_argument("--crf", type=int, default=26, help="H.264 quality (lower = bigger)")
    b = p.add_argument_group("body and clothes")
    b.add_argument("--phenotype", action="append", type=_kv, default=[], metavar="NAME=0..1",
                   help=f"anny phenotype, repeatable: {', '.join(PHENOTYPES)}")
    d = Outfit()
    for part in ("skin", "shirt", "shorts", "shoes", "hair"):
        b.add_argument(f"--{part}", type=_rgb, default=getattr(d, part), metavar="R,G,B")
    b.add_argument("--floor", type=_rgb, default=(110, 120, 95), metavar="R,G,B")
    b.add_argument("--background", type=_rgb, default=(205, 215, 225), metavar="R,G,B")


def _params(a: argparse.Namespace) -> tuple[MotionParams, object]:
    from formcheck.studio.render import RenderParams

    faults: dict[str, list[int]] = {}
    for name, reps in a.fault:
        idx = list(range(1, a.reps + 1)) if reps == "all" else [int(x) for x in reps.split(",")]
        faults.setdefault(name, []).extend(idx)
    mp = MotionParams(
        exercise=a.exercise,
        reps=a.reps,
        descent_s=a.descent,
        ascent_s=a.ascent,
        hold_s=a.hold,
        rest_s=a.rest,
        depth=a.depth,
        side=a.side,
        lead_in=a.lead_in,
        lead_in_s=a.lead_in_s,
        tail_s=a.tail,
        pause_after=a.pause_after,
        pause_s=a.pause_s,
        stance_width=a.stance_width,
        faults={k: sorted(set(v)) for k, v in sorted(faults.items())},
        fps=a.fps,
    )
    mp.validate()
    rp = RenderParams(
        view=a.view,
        facing=a.facing,
        cam_height=a.cam_height,
        distance=a.distance,
        width=a.width,
        height=a.height,
        phenotype={k: float(v) for k, v in a.phenotype},
        outfit=Outfit(a.skin, a.shirt, a.shorts, a.shoes, a.hair),
        floor=a.floor,
        background=a.background,
        crf=a.crf,
        yaw=a.yaw,
        framing=a.framing,
    )
    return mp, rp


def _render(
    args: list[str], out: Path, name: str, out_label: str | None = None
) -> dict[str, object]:
    """Render from render-subcommand arguments (without --out/--name) into ``out``;
    ``out_label`` is how the recorded command names the output folder."""
    from formcheck.studio.render import RenderParams, render_clip

    p = argparse.ArgumentParser(prog="formcheck studio render")
    _add_render_args(p)
    a = p.parse_args(args)
    mp, rp = _params(a)
    assert isinstance(rp, RenderParams)
    label = out_label if out_label is not None else str(out)
    command = "formcheck studio render " + shlex.join([*args, "--name", name, "--out", label])
    return render_clip(mp, rp, out, name, command)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``formcheck studio`` / ``python -m formcheck.studio``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="formcheck studio",
        description="Render exercise videos with exact ground truth (needs the studio extra).",
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("render", help="render one clip")
    _add_render_args(r)
    r.add_argument("--name", required=True, help="output file stem (NAME.mp4, NAME.json)")
    r.add_argument("--out", type=Path, default=Path("."), help="output folder")
    s = sub.add_parser("samples", help="regenerate the committed samples/ set")
    s.add_argument("--out", type=Path, default=_REPO / "samples")
    s.add_argument("--only", nargs="*", default=None, help="clip names to render (default all)")
    s.add_argument("--no-readme", action="store_true", help="do not rewrite samples/README.md")
    a = parser.parse_args(argv)

    if a.cmd == "render":
        # Re-split: everything but --name/--out is the clip's parameter list.
        rest: list[str] = []
        skip = False
        for x in argv[argv.index("render") + 1 :]:
            if skip:
                skip = False
                continue
            if x in ("--name", "--out"):
                skip = True
                continue
            if x.startswith(("--name=", "--out=")):
                continue
            rest.append(x)
        doc = _render(rest, a.out, a.name)
        print(f"wrote {a.out / a.name}.mp4 and .json ({doc['n_frames']} frames)")
        return 0

    from formcheck.studio.catalog import CATALOG, write_readme

    names = a.only or [c.name for c in CATALOG]
    unknown = set(names) - {c.name for c in CATALOG}
    if unknown:
        parser.error(f"unknown sample names {sorted(unknown)}")
    t0 = time.time()
    docs = {}
    for clip in CATALOG:
        if clip.name not in names:
            continue
        t1 = time.time()
        # The recorded command names the repository's samples/ folder relative to the repo.
        try:
            label = str(a.out.resolve().relative_to(_REPO))
        except ValueError:
            label = str(a.out)
        docs[clip.name] = _render(clip.args, a.out, clip.name, label)
        print(f"{clip.name}: {docs[clip.name]['n_frames']} frames, {time.time() - t1:.0f} s",
              flush=True)
    if not a.no_readme and a.only is None:
        write_readme(a.out)
    print(f"samples done in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
