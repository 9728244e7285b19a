"""The studio's render parameters on the command line: the arguments of ``formcheck studio
render`` (also used by the sample catalog and the robustness sweep) and the motion and render
parameters they make."""

from __future__ import annotations

import argparse

from formcheck_studio.body import PHENOTYPES, Outfit
from formcheck_studio.motions import EXERCISES, FAULTS, LEAD_INS, VARIANTS, MotionParams


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


def _rx(text: str) -> tuple[str, float]:
    k, v = _kv(text)
    try:
        return k, float(v)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{k}: expected a number, got {v!r}") from None


def add_render_args(p: argparse.ArgumentParser) -> None:
    m = p.add_argument_group("motion (seconds, degrees, metres)")
    m.add_argument("--exercise", choices=EXERCISES, default="squat")
    m.add_argument("--variant", default="", choices=("", *sorted({v for e in VARIANTS.values() for v in e})),
                   help="a variant of the exercise (lunge: side, the side lunge, legs taking turns "
                   "from --side); its faults: "
                   + "; ".join(f"{ex} {v}: {', '.join(sorted(f))}" for ex, vs in VARIANTS.items()
                               for v, f in vs.items()))
    m.add_argument("--reps", type=int, default=3)
    m.add_argument("--descent", type=float, help="seconds start->peak (exercise default)")
    m.add_argument("--ascent", type=float, help="seconds peak->start (exercise default)")
    m.add_argument("--hold", type=float, help="seconds held at the peak on clean reps")
    m.add_argument("--rest", type=float, help="seconds still between reps")
    m.add_argument(
        "--depth",
        type=float,
        help="clean peak: squat bottom knee angle / bridge top hip line / clamshell opening / "
        "hip abduction angle between the legs / side-lying leg raise rise above level (deg); "
        "marching bridge foot lift / side walk step (cm)",
    )
    m.add_argument("--side", choices=("left", "right"), default="right",
                   help="clamshell / side-lying leg raise working (top) leg (the other side lies "
                   "down); hip abduction working leg; marching bridge first foot up; side walk "
                   "first direction (the second half of the steps come back)")
    m.add_argument("--lead-in", choices=LEAD_INS, default="still")
    m.add_argument("--lead-in-s", type=float, default=1.0, help="seconds before the first rep")
    m.add_argument("--tail", type=float, default=0.8, help="seconds still after the last rep")
    m.add_argument("--pause-after", type=int, default=0, help="rep after which to pause (0: none)")
    m.add_argument("--pause-s", type=float, default=0.0, help="seconds of that pause")
    m.add_argument("--stance-width", type=float, default=0.34,
                   help="squat / side walk ankle gap, metres")
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
    j = p.add_argument_group("judging")
    j.add_argument("--rx-hold", type=float,
                   help="held stretches: the prescribed hold (s) the clip is judged against, "
                   "written to the JSON (default: the exercise's)")
    j.add_argument("--rx", action="append", type=_rx, default=[], metavar="NAME=VALUE",
                   help="another prescription value the clip is judged against, written to the "
                   "JSON (repeatable; e.g. min_hinge_deg=80 for the hinge's depth check)")
    b = p.add_argument_group("body and clothes")
    b.add_argument("--phenotype", action="append", type=_kv, default=[], metavar="NAME=0..1",
                   help=f"anny phenotype, repeatable: {', '.join(PHENOTYPES)}")
    d = Outfit()
    for part in ("skin", "shirt", "shorts", "shoes", "hair"):
        b.add_argument(f"--{part}", type=_rgb, default=getattr(d, part), metavar="R,G,B")
    b.add_argument("--floor", type=_rgb, default=(110, 120, 95), metavar="R,G,B")
    b.add_argument("--background", type=_rgb, default=(205, 215, 225), metavar="R,G,B")


def params(a: argparse.Namespace) -> tuple[MotionParams, object]:
    from formcheck_studio.render import RenderParams

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
        variant=a.variant,
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
        rx_hold_s=a.rx_hold,
        rx=dict(a.rx),
    )
    if a.rx or a.rx_hold is not None:  # a name the exercise does not know fails now, not at scoring
        from formcheck.definitions import load
        from formcheck.errors import UsageError
        from formcheck_studio.render import prescription_of

        try:
            load(a.exercise).with_prescription(prescription_of(rp))
        except UsageError as e:
            raise ValueError(str(e)) from None
    return mp, rp
