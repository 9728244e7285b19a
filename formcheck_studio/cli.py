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

from formcheck_studio.args import add_render_args, params

_REPO = Path(__file__).resolve().parents[1]  # the checkout: formcheck_studio/ is in it


def _render(
    args: list[str], out: Path, name: str, out_label: str | None = None
) -> dict[str, object]:
    """Render from render-subcommand arguments (without --out/--name) into ``out``;
    ``out_label`` is how the recorded command names the output folder."""
    from formcheck_studio.render import RenderParams, render_clip

    p = argparse.ArgumentParser(prog="formcheck studio render")
    add_render_args(p)
    a = p.parse_args(args)
    try:
        mp, rp = params(a)
    except ValueError as e:  # an unknown fault or prescription value: one sentence, no traceback
        p.error(str(e))
    assert isinstance(rp, RenderParams)
    label = out_label if out_label is not None else str(out)
    command = "formcheck studio render " + shlex.join([*args, "--name", name, "--out", label])
    return render_clip(mp, rp, out, name, command)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``formcheck studio`` / ``python -m formcheck_studio``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="formcheck studio",
        description="Render exercise videos with exact ground truth (needs the studio extra).",
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("render", help="render one clip")
    add_render_args(r)
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

    from formcheck_studio.catalog import CATALOG, write_readme

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
