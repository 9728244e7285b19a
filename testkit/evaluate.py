"""Compare scored reps with labelled ones: rep counts, matching, fault precision and recall.

Used by the acceptance test over ``../shared/realdata`` and by the accuracy benchmark over
the studio's samples. Labels follow the realdata README: ``reps`` with ``start_s``,
``peak_s``, ``end_s`` and ``faults``; ``uncertain`` names faults that may or may not be there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.checkers.base import Rep
from formcheck.landmarks import PoseSequence

# Words in a label's free-text "uncertain" field -> the fault codes they mean.
UNCERTAIN_WORDS = {
    "lean": "trunk_lean",
    "trunk": "trunk_lean",
    "shallow": "shallow",
    "depth": "shallow",
    "pelvis": "pelvis_roll",
    "roll": "pelvis_roll",
    "caving": "knees_caving",
    "valgus": "knees_caving",
    "knees in": "knees_caving",
    "heel": "heels_lifting",
    "hold": "short_hold",
    "arch": "overarch",
    "feet apart": "feet_apart",
    "stance": "narrow_stance",
    "lockout": "incomplete_lockout",
    "toes": "knees_past_toes",
    "opening": "small_opening",
    "hips low": "hips_low",
}


def uncertain_codes(text: str | list[str]) -> set[str]:
    """Fault codes a free-text "uncertain" note refers to (not counted either way)."""
    if isinstance(text, list):
        return set(text)
    t = (text or "").lower()
    codes = {code for word, code in UNCERTAIN_WORDS.items() if word in t}
    # "the narrow stance is clear": a clause that calls a fault clear is not uncertain.
    for clause in t.replace(";", ",").split(","):
        if "clear" in clause:
            codes -= {code for word, code in UNCERTAIN_WORDS.items() if word in clause}
    return codes


@dataclass
class ClipResult:
    """How one clip's scored reps compare with its labels."""

    name: str
    exercise: str
    counted: int
    expected: int
    count_range: tuple[int, int]
    matched: list[tuple[dict[str, Any], Rep]] = field(default_factory=list)
    false_reps: list[Rep] = field(default_factory=list)  # reps in ignored segments
    tp: dict[str, int] = field(default_factory=dict)
    fp: dict[str, int] = field(default_factory=dict)
    fn: dict[str, int] = field(default_factory=dict)
    clean_reps: int = 0
    clean_flagged: int = 0
    uncertain: set[str] = field(default_factory=set)
    clean_flagged_codes: dict[str, int] = field(default_factory=dict)
    unchecked: dict[str, int] = field(default_factory=dict)  # labelled faults formcheck has no check for
    skipped: dict[str, str] = field(default_factory=dict)  # checks not made, with the reason given
    # Of the missed (``fn``), those the matched rep said it could not check (``Rep.skipped``):
    # still misses against the targets, but told apart in the tables, since "not checked,
    # film from above" is what a check should say where its measurement cannot be trusted.
    not_checked: dict[str, int] = field(default_factory=dict)
    not_checked_why: dict[str, str] = field(default_factory=dict)  # code -> the rep's reason
    # Per-side exercises: labelled reps with a side, matched to a counted rep, and of those the
    # ones counted on the labelled side.
    sided: int = 0
    sided_right: int = 0

    @property
    def count_ok(self) -> bool:
        return self.count_range[0] <= self.counted <= self.count_range[1]

    @property
    def count_error(self) -> int:
        lo, hi = self.count_range
        return 0 if self.count_ok else (self.counted - hi if self.counted > hi else self.counted - lo)


def _match(labs: list[dict[str, Any]], reps: list[Rep]) -> list[int | None]:
    """For each labelled rep, the index of the scored rep that is it (None: missed): the one
    nearest its peak among those around the peak (0.3 s either side), each used once, labels in
    order. Then, for a label still without one, a rep that holds no label's peak and lies mostly
    inside the labelled one, the most overlapping (a hold timed only in its second half: its
    middle is not the label's)."""
    pick: list[int | None] = []
    used: set[int] = set()
    for lab in labs:
        best, best_d = None, 1e9
        for i, r in enumerate(reps):
            d = abs(r.peak_s - lab["peak_s"])
            if i not in used and r.start_s - 0.3 <= lab["peak_s"] <= r.end_s + 0.3 and d < best_d:
                best, best_d = i, d
        pick.append(best)
        used |= {best} if best is not None else set()
    peaks = [lab["peak_s"] for lab in labs]
    for k, lab in enumerate(labs):
        if pick[k] is not None or "start_s" not in lab or "end_s" not in lab:
            continue
        best, most = None, 0.0
        for i, r in enumerate(reps):
            span = r.end_s - r.start_s
            within = min(r.end_s, lab["end_s"]) - max(r.start_s, lab["start_s"])
            holds_peak = any(r.start_s - 0.3 <= p <= r.end_s + 0.3 for p in peaks)
            if i not in used and not holds_peak and span > 0 and within >= span / 2 and within > most:
                best, most = i, within
        pick[k] = best
        used |= {best} if best is not None else set()
    return pick


def compare(
    name: str,
    label: dict[str, Any],
    reps: list[Rep],
    checkable: dict[str, set[str]] | None = None,
    known: set[str] | None = None,
    per_side: bool = False,
) -> ClipResult:
    """Match scored reps to labelled reps (by peak time) and tally faults.

    ``checkable`` maps a view to the fault codes that can be seen from it; a labelled fault
    the rep's view cannot show is left out of the tally (it is listed as a skipped check).
    ``known``: the fault codes formcheck checks for this exercise; a labelled fault outside it
    (e.g. ``rounded_back`` on a squat) is tallied in ``unchecked``, neither found nor missed.
    ``per_side``: the exercise is counted per side, so a matched rep's side is compared with
    the label's (``sided``, ``sided_right``).
    Faults a rep's label lists as ``uncertain`` count neither way, and a rep whose only
    labelled faults are uncertain counts as clean.
    """
    lo, hi = label.get("acceptable_count_range") or [label["complete_reps"]] * 2
    res = ClipResult(name, label["exercise"], len(reps), int(label["complete_reps"]), (int(lo), int(hi)))
    res.uncertain = uncertain_codes(label.get("uncertain", ""))
    labs = label["reps"]
    pick = _match(labs, reps)
    used = {i for i in pick if i is not None}
    for lab, best in zip(labs, pick, strict=True):
        if best is not None:
            res.matched.append((lab, reps[best]))
            if per_side and lab.get("side") in ("left", "right"):
                res.sided += 1
                res.sided_right += reps[best].side == lab["side"]
        unsure = res.uncertain | set(lab.get("uncertain") or [])
        want = set(lab["faults"]) - unsure
        if known is not None:
            for c in want - known:
                res.unchecked[c] = res.unchecked.get(c, 0) + 1
            want &= known
        if best is not None and checkable is not None:
            want &= checkable.get(reps[best].view, set())
        got = set(reps[best].fault_codes) - unsure if best is not None else set()
        for c in want & got:
            res.tp[c] = res.tp.get(c, 0) + 1
        for c in want - got:
            res.fn[c] = res.fn.get(c, 0) + 1
            if best is not None and c in reps[best].skipped:
                res.not_checked[c] = res.not_checked.get(c, 0) + 1
                res.not_checked_why[c] = reps[best].skipped[c]
        for c in got - want:
            res.fp[c] = res.fp.get(c, 0) + 1
        if not set(lab["faults"]) - unsure:
            res.clean_reps += 1
            res.clean_flagged += bool(got)
            for c in got:
                res.clean_flagged_codes[c] = res.clean_flagged_codes.get(c, 0) + 1
    for i, r in enumerate(reps):
        if i in used:
            continue
        if any(a <= r.peak_s <= b for a, b in label.get("segments_to_ignore", [])):
            res.false_reps.append(r)
    return res


# -- studio samples: ground truth known exactly -------------------------------------------

ANGLE_KEYS = {
    # exercise -> (truth angle key per side, how to measure it from image landmarks)
    "squat": ("knee", (23, 25, 27), (24, 26, 28)),
    "bridge": ("hip_line", (11, 23, 25), (12, 24, 26)),
}


@dataclass
class SampleResult:
    """One studio sample scored by the real pipeline, against its ground truth."""

    name: str
    exercise: str
    view: str
    detection_rate: float
    angle_errors: dict[str, float]  # joint -> median absolute error, degrees (per-frame)
    clip: ClipResult
    rep_metric_errors: dict[str, list[float]]  # metric -> per-rep error (scored - truth)
    session: Any = None


def studio_samples(folder: Path, pattern: str = "*.json") -> list[tuple[Path, dict[str, Any]]]:
    """(video, ground truth) for every studio clip in ``folder``: a ``formcheck-studio`` JSON
    with its mp4 beside it, in name order."""
    out = []
    for js in sorted(Path(folder).glob(pattern)):
        truth = json.loads(js.read_text())
        if truth.get("format") == "formcheck-studio" and js.with_suffix(".mp4").is_file():
            out.append((js.with_suffix(".mp4"), truth))
    return out


def truth_as_label(truth: dict[str, Any]) -> dict[str, Any]:
    """A studio ground-truth JSON in the realdata label format (for :func:`compare`)."""
    n = len(truth["reps"])
    return {
        "exercise": truth["exercise"],
        "complete_reps": n,
        "acceptable_count_range": [n, n],
        "reps": truth["reps"],
        "segments_to_ignore": truth.get("segments_to_ignore", []),
        "uncertain": "",
    }


def per_frame_angles(seq: Any, exercise: str) -> dict[str, np.ndarray]:
    """Image-plane angles (degrees) per frame from a PoseSequence, named like the truth keys."""
    from formcheck.geometry import angle, signed_line_angle, vector_angle

    xy = seq.image[..., :2] * np.array([seq.aspect, 1.0], np.float32)
    vis = seq.image[..., 3]
    xy = np.where((vis >= 0.5)[..., None], xy, np.nan)
    out: dict[str, np.ndarray] = {}
    if exercise == "squat":
        out["left_knee_2d"] = angle(xy[:, 23], xy[:, 25], xy[:, 27])
        out["right_knee_2d"] = angle(xy[:, 24], xy[:, 26], xy[:, 28])
    elif exercise == "bridge":
        out["left_hip_line_2d"] = signed_line_angle(xy[:, 11], xy[:, 23], xy[:, 25])
        out["right_hip_line_2d"] = signed_line_angle(xy[:, 12], xy[:, 24], xy[:, 26])
    elif exercise == "clamshell":
        out["opening_2d"] = vector_angle(xy[:, 25] - xy[:, 23], xy[:, 26] - xy[:, 24])
    return out


def truth_near_side(truth: dict[str, Any]) -> str:
    """The body side nearer the studio's camera ("left" or "right")."""
    pose = truth.get("params", {}).get("camera_pose")
    j = truth["frames"]["joints3d"]
    if pose is None:
        return "right" if truth.get("facing") == "right" else "left"
    cam = np.asarray(pose, np.float64)[:3, 3]
    dl = np.linalg.norm(np.asarray(j["left_hip"][0]) - cam)
    dr = np.linalg.norm(np.asarray(j["right_hip"][0]) - cam)
    return "left" if dl < dr else "right"


def evaluate_sample(
    video: Any, truth: dict[str, Any], seq: Any = None, prescription: dict[str, Any] | None = None
) -> SampleResult:
    """Run pose estimation (unless ``seq`` is given) and the checker on a studio sample,
    with the exercise's default prescription updated by the sample's own (its JSON's
    ``prescription``: a held stretch's sample asks for a shorter hold) and ``prescription``."""
    from formcheck.definitions import VIEWS, load
    from formcheck.pipeline import score_sequence
    from testkit.posecache import sample_poses

    ex = truth["exercise"]
    d = load(ex)
    if seq is None:
        seq = sample_poses(video, d.lying)
    rx_in = {**truth.get("prescription", {}), **(prescription or {})} or None
    session = score_sequence(seq, ex, rx_in, source=str(video))
    detected = np.isfinite(seq.image[:, 23, 0]) | np.isfinite(seq.image[:, 24, 0])
    errors: dict[str, float] = {}
    measured = per_frame_angles(seq, ex)
    tangles = truth["frames"]["angles"]
    n = min(len(seq), len(truth["frames"]["t_s"]))
    for key, vals in measured.items():
        if key not in tangles:
            continue
        t = np.asarray(tangles[key], np.float64)[:n]
        e = np.abs(vals[:n] - t)
        if np.isfinite(e).any():
            errors[key] = float(np.nanmedian(e))
    rx = session.prescription
    checks = [c for c in d.checks if c.active(rx)]
    checkable = {v: {c.code for c in checks if v in c.views} for v in (*VIEWS, "unknown")}
    clip = compare(Path(str(video)).stem, truth_as_label(truth), session.reps, checkable)
    rep_err: dict[str, list[float]] = {}
    near = truth_near_side(truth)
    ts = np.asarray(truth["frames"]["t_s"], np.float64)
    for lab, rep in clip.matched:
        # A one-sided rep (a lunge) is measured on its working leg; a squat's knees bend alike.
        leg = lab.get("side") if lab.get("side") in ("left", "right") else None
        per_rep = {  # our metric -> (truth per-frame angle, min or max over the rep)
            "knee_min_deg": (
                f"{leg or near}_knee_2d" if truth.get("view") == "side" else f"{leg or 'left'}_knee_3d",
                np.min,
            ),
            "hip_line_top_deg": (f"{near}_hip_line_2d", np.max),
            # From an angle formcheck reports the 3D opening (the picture's angle is not the opening).
            "opening_max_deg": ("opening_3d" if truth.get("view") == "oblique" else "opening_2d", np.max),
        }
        inside = (ts >= lab["start_s"]) & (ts <= lab["end_s"])
        for ours, (key, fn) in per_rep.items():
            ov = rep.metrics.get(ours)
            if key in tangles and ov is not None and np.isfinite(ov) and inside.any():
                rep_err.setdefault(ours, []).append(float(ov) - float(fn(np.asarray(tangles[key])[inside])))
        # The truth's own per-rep values; a stance is read differently per exercise (a hinge's
        # standing in the picture, a lunge's at the bottom in 3D), so it is named with it.
        for m, key in (("hold_s", "hold_s"), ("stance_ratio", f"stance_ratio ({ex})")):
            tv, ov = lab.get("metrics", {}).get(m), rep.metrics.get(m)
            if tv is not None and ov is not None and np.isfinite(ov):
                rep_err.setdefault(key, []).append(float(ov) - float(tv))
    return SampleResult(
        Path(str(video)).stem,
        ex,
        truth.get("view", "?"),
        float(detected.mean()) if len(seq) else 0.0,
        errors,
        clip,
        rep_err,
        session,
    )


def at_rate(seq: PoseSequence, fps: float) -> PoseSequence:
    """``seq`` as filmed at ``fps`` (at most its own rate): the frame nearest each tick of a
    clock at ``fps`` from the first frame, timed at its tick, as FFmpeg's ``fps`` filter picks
    and times them (IMAGE-mode frames do not depend on each other, so a frame's landmarks are
    what that film would give, without the re-encoding's compression). Timed at the tick, not
    the source frame: a camera's frames come evenly (from 30 fps the picked frames are 2 and 3
    apart, 67 and 100 ms, which no 12 fps camera gives)."""
    t = seq.t_ms.astype(float)
    if len(t) < 2 or fps >= seq.fps:
        return seq
    ticks = np.arange(t[0], t[-1] + 1e-9, 1000.0 / fps)
    pos = np.clip(np.searchsorted(t, ticks), 1, len(t) - 1)
    nearest = np.where(ticks - t[pos - 1] <= t[pos] - ticks, pos - 1, pos)
    keep, first = np.unique(nearest, return_index=True)
    return seq.take(keep, np.round(ticks[first]).astype(seq.t_ms.dtype), float(fps))


def thinned(seq: PoseSequence, stride: int) -> PoseSequence:
    """Every ``stride``-th frame of ``seq``, from the first: the same film analysed at 1/stride
    of its rate (IMAGE-mode frames do not depend on each other), or filmed at it."""
    return seq.take(slice(None, None, stride), fps=seq.fps / stride)
