"""Exercise definitions and prescriptions, loaded from TOML and validated.

The definitions live in ``exercises/*.toml`` (installed as ``formcheck/exercises``). A
prescription file lets a clinician override the ``[prescription]`` values for one patient.
"""

from __future__ import annotations

import contextlib
import difflib
import math
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from formcheck.errors import MissingInputError, UsageError
from formcheck.landmarks import PART_INDICES
from formcheck.units import past, value_text

VIEWS = ("side", "front", "oblique")
MOMENTS = ("start", "peak", "end")
BETTER = ("lower", "higher", "closer")
# Joint names a check may mark on the picture -> MediaPipe landmark indices (left, right).
JOINTS: dict[str, tuple[int, int]] = {
    "shoulder": (11, 12),
    "wrist": (15, 16),
    "hip": (23, 24),
    "knee": (25, 26),
    "ankle": (27, 28),
    "heel": (29, 30),
    "toe": (31, 32),
}
DOCUMENTS = {
    "000": "000_2c2fe7a3486a5c1e.txt",
    "001": "001_3655a9a4f8da819c.txt",
    "002": "002_446b0c36ce5fe331.txt",
    "003": "003_e418d96018aaf0b4.txt",
    "004": "004_c015dc04302b5aca.txt",
}
CEILING = "past_limit"  # the fault of a rep past a clinician's limit (prescription key "ceiling")
CLINICIAN = "clinician"  # the source of that check: the clinician's prescription, not a document
# What a report calls each source document: its own title, or (000, 002 have none) what it is.
DOCUMENT_TITLES = {
    "000": "Hip pain: causes and treatments",
    "001": "Hip pain: 11 possible causes (and what to do?)",
    "002": "Hip anatomy and the causes of hip pain",
    "003": "How to Alleviate Hip Pain With Physical Therapy Exercises",
    "004": "5 Daily Hip Exercises to Reduce Your Pain",
}


BODY_PARTS = ("shoulder", "wrist", "hip", "knee", "ankle", "heel", "toe")
PART_WORDS = {
    "shoulder": "shoulders",
    "wrist": "wrists",
    "hip": "hips",
    "knee": "knees",
    "ankle": "ankles",
    "heel": "heels",
    "toe": "feet",
}  # as said to the person
LYING_ON = ("back", "side", "hands_knees")  # how an exercise done on the floor lies (posture hints)


@dataclass(frozen=True)
class Check:
    """One fault rule: ``metric`` compared with a threshold, in the views where it is valid.

    Attributes:
        code: fault code, e.g. "shallow".
        label: what is checked, in words ("depth").
        metric: name of the per-rep metric the checker computes.
        fault_when: "above" or "below" the threshold.
        threshold: the limit, or an offset added to ``prescription[relative_to]``.
        relative_to: prescription key the threshold is relative to, or None.
        requires: prescription key that must be > 0 for the check to run, or None.
        views: camera views in which the metric is valid.
        cue: formcheck's short words to the user.
        cue_rx: the cue instead where a prescription sets its own ``relative_to`` value (``cue``
            names the document's target, e.g. "a right angle at the knee"), or None.
        source: the document id ("004") the cue comes from; quote: what it says.
        moment: when in a rep the fault shows best ("start", "peak" or "end"): the still a
            report shows is taken then.
        needs: body parts ("shoulder", "wrist", "hip", "knee", "ankle", "heel", "toe") that must be
            seen clearly, inside the picture, through the rep (the side nearer the camera in a
            side view, both sides otherwise); else the check is not made.
        camera: "level": the measurement is a 2D angle that a camera on the floor or high
            above distorts, so it is made only when the camera is near the body's height
            (lying on the back: when it does not look down across the body from above);
            "above": lying on the side, the measurement needs a camera looking down on the
            hips from above; "not_above": lying on the side, a camera looking down on the hips
            from above loses it; "any": camera height does not matter.
        after: the measurement needs the moment after the rep (e.g. standing up fully), so a
            rep the clip ends on, or cuts away from, is not judged.
        joints: where on the body the fault shows (names of :data:`JOINTS`, e.g. "knee"): the
            annotated video and live window mark them while the check's cue is shown.
    """

    code: str
    label: str
    metric: str
    fault_when: str
    threshold: float
    views: tuple[str, ...]
    cue: str
    source: str
    quote: str
    relative_to: str | None = None
    requires: str | None = None
    moment: str = "peak"
    needs: tuple[str, ...] = ()
    camera: str = "any"
    after: bool = False
    joints: tuple[str, ...] = ()
    unit: str | None = None  # the metric's unit where a report shows it: judged as written there
    # The stated error of the metric in each view the check is made from (its unit): the worst
    # measured - truth over the studio's robustness sweep where the check was made (the TOML's
    # ``error``; see the README's table of checks). An angle is reported for a view only with one.
    error: tuple[tuple[str, float], ...] = ()
    cue_rx: str | None = None
    cue_doc: str = ""  # the TOML's ``cue``, kept while ``cue`` is ``cue_rx`` (with_prescription)

    def stated_error(self, view: str) -> float:
        """The metric's stated error from ``view`` (NaN when none is stated for it)."""
        return dict(self.error).get(view, math.nan)

    def error_text(self) -> str:
        """The stated error in words: "±9° side, ±11° front" ("" when none is stated)."""
        unit = self.unit or ""
        return ", ".join(f"±{value_text(e, unit)}{unit} {v}" for v, e in self.error)

    @property
    def landmarks(self) -> tuple[int, ...]:
        """Landmark indices (both sides) of :attr:`joints`."""
        return tuple(i for j in self.joints for i in JOINTS[j])

    def limit(self, prescription: dict[str, float]) -> float:
        base = prescription[self.relative_to] if self.relative_to else 0.0
        return base + self.threshold

    def active(self, prescription: dict[str, float]) -> bool:
        return self.requires is None or prescription.get(self.requires, 0.0) > 0

    def is_fault(self, value: float, prescription: dict[str, float]) -> bool:
        """True when ``value`` breaks the rule; a missing (NaN) value is never a fault."""
        return past(value, self.limit(prescription), self.fault_when, self.unit)

    def requirements(self, lying_on: str | None = None) -> str:
        """What the check needs from the camera, in words ("" when nothing beyond its views).
        ``lying_on``: the exercise's (a "level" camera lying on the back is a low one)."""
        out = []
        if self.needs:
            out.append(", ".join(PART_WORDS[n] for n in self.needs) + " in the picture")
        if self.camera == "level":
            low = lying_on == "back"  # lying on the back, a level camera is a low one
            out.append("camera low, not looking down from above" if low else "camera at about hip height")
        if self.camera == "above":
            out.append("camera looking down from above")
        if self.camera == "not_above":
            out.append("camera not looking down from above")
        if self.after:
            out.append("the end of the rep filmed")
        return "; ".join(out)

    def rule(self) -> str:
        """The fault rule in words, e.g. "knee_min_deg above depth_knee_deg + 15"."""
        if self.relative_to:
            sign = "+" if self.threshold >= 0 else "-"
            limit = self.relative_to
            if self.threshold:
                limit += f" {sign} {abs(self.threshold):g}"
        else:
            limit = f"{self.threshold:g}"
        when = f"only when {self.requires} is prescribed" if self.requires else ""
        return f"{self.metric} {self.fault_when} {limit}" + (f" ({when})" if when else "")

    def skip_reason(self) -> str:
        where = " or ".join("the " + v if v != "oblique" else "an angle" for v in self.views)
        return f"Film from {where} to check {self.label}."

    @property
    def document(self) -> str:
        return DOCUMENTS.get(self.source, self.source)


@dataclass(frozen=True)
class UnjudgedCue:
    """A document cue formcheck does not judge from video (the TOML's ``[not_judged]``): the
    pose model cannot measure it well enough from one camera, or nothing on film shows it (a
    muscle working). Said with what to do instead, so that a person and a clinician know what
    the video did not show.

    Attributes:
        code: a short name, e.g. "hips_forward".
        label: what the cue asks, in words ("hips facing forward").
        source: the document id the cue comes from; quote: what it says.
        why: why formcheck cannot judge it from video, in a sentence.
        instead: what the person can do instead, in a sentence ("Watch your hips in a mirror.").
    """

    code: str
    label: str
    source: str
    quote: str
    why: str
    instead: str

    @property
    def document(self) -> str:
        return DOCUMENTS.get(self.source, self.source)


@dataclass(frozen=True)
class Counting:
    """Rep counting parameters; see ``exercises/*.toml`` for their meaning (degrees, seconds)."""

    signal: str
    direction: str
    rest_range: tuple[float, float]
    start_delta: float
    return_fraction: float
    min_excursion: float
    min_rep_s: float
    max_rep_s: float
    per_side: bool = False
    # Fastest the counting signal can change in a real movement (units per second). Faster
    # than this between two looks is a cut in the video or a switch of person, not motion.
    max_speed: float = float("inf")
    # Fastest the counting signal moves in a real rep, with room to spare (units per second).
    # A rep whose signal moved faster, yet not as fast as a cut, was read unsteadily from this
    # camera (the model's joints jumping about): its checks are not made.
    steady_speed: float = float("inf")
    # "reps" (a movement out and back is one rep) or "hold" (a position held is one "rep";
    # see formcheck/checkers/hold.py). A hold counts once it lasted ``min_hold_s``.
    mode: str = "reps"
    min_hold_s: float = 0.0
    # A held exercise's signals (degrees) that change while the body moves into or out of the
    # position: the hold is timed from when the body is still in the position to when it last
    # was (formcheck/checkers/hold.py). Empty: the time in the position.
    still_signals: tuple[str, ...] = ()
    # The signal means the same in any view (e.g. hip height as a share of standing, not an angle
    # in the picture): a rep under way at a cut between shots may go on in the next shot
    # (formcheck/checkers/carry.py).
    same_in_any_view: bool = False
    # A second signal for the start position, one that reads the body's posture the same from
    # any camera (e.g. a 3D joint angle): the start position is also taken when this one is in
    # ``rest_signal_range``. A picture's angle at rest moves with the camera's height (a bridge's
    # shoulder-hip-knee line reads 158-171 deg from above, 120-145 from the side), its 3D
    # angle does not; the movement is still counted in the picture, which follows it closely.
    rest_signal: str = ""
    rest_signal_range: tuple[float, float] = (float("nan"), float("nan"))


MODES = ("reps", "hold")


def _names(v: Any, what: str) -> tuple[str, ...]:
    """A TOML list of names."""
    if not (isinstance(v, list) and all(isinstance(x, str) and x for x in v)):
        raise ValueError(f"{what} must be a list of signal names")
    return tuple(v)


def _pair(v: Any, what: str) -> tuple[float, float]:
    """``[lo, hi]`` from a TOML list of two numbers."""
    if not (isinstance(v, list) and len(v) == 2):
        raise ValueError(f"{what} must be [low, high]")
    return float(v[0]), float(v[1])


# A held exercise's [counting] needs only ``mode``, ``signal`` (1 in position, 0 out: the live
# set-up guide's start position), ``min_hold_s`` and ``per_side``; the rep machine's values
# get these (``max_rep_s``: the longest hold a report keeps frames for).
HOLD_COUNTING = {
    "direction": "up",
    "rest_range": [0.5, 1.5],
    "start_delta": 0.5,
    "return_fraction": 0.5,
    "min_excursion": 0.5,
    "max_rep_s": 120.0,
}


@dataclass(frozen=True)
class MetricSpec:
    """How a report shows one per-rep metric: its words and unit."""

    name: str
    label: str
    unit: str = ""
    # Words for a signed value instead of its sign, "below zero|above zero" (e.g. "behind|past"):
    # shown as "0.13 shin behind" rather than "-0.13 shin".
    signs: str = ""


@dataclass(frozen=True)
class ReportSpec:
    """What a clinician's report plots and tabulates for an exercise.

    Attributes:
        rom: the per-rep range-of-motion metric, compared with ``prescription[target]``.
        better: which way the range of motion improves: "lower" (a deeper knee angle),
            "higher" (a wider opening) or "closer" to the target (a straight hip line).
        columns: metrics in the per-rep table, in order.
        brief: the few metrics of the short rep table printed after scoring, with short titles.
    """

    rom: str
    better: str
    columns: tuple[MetricSpec, ...]
    brief: tuple[MetricSpec, ...] = ()

    def spec(self, name: str) -> MetricSpec:
        return next((c for c in self.columns if c.name == name), MetricSpec(name, name.replace("_", " ")))


@dataclass(frozen=True)
class ExerciseDef:
    name: str
    title: str
    sources: tuple[str, ...]
    preferred_view: str
    setup: str
    key_signal: str
    key_label: str
    target: str
    landmarks: tuple[str, ...]
    counting: Counting
    prescription: dict[str, float]
    checks: tuple[Check, ...] = field(default_factory=tuple)
    not_judged: tuple[UnjudgedCue, ...] = field(default_factory=tuple)  # document cues not judged
    report: ReportSpec | None = None
    lying: bool = False  # done lying down: the pose model sees the head on the right (orient.py)
    lying_on: str | None = None  # "back", "side" or "hands_knees" when on the floor
    pattern: str = "knee"  # the joint angle a rep moves, to tell who is exercising (track.py)
    setup_views: tuple[str, ...] = ("side", "front", "oblique")  # the live set-up guide's views
    setup_turn: str = ""  # its words asking for that view
    setup_start: str = ""  # its words asking for the start position ("" : ``setup``)
    # Hold exercises: its words for a frame whose position the camera cannot tell (hold.UNCLEAR),
    # naming what it cannot see ("" : the usual set-up and timer cues)
    unclear_cue: str = ""
    key_unit: str = "°"  # the unit of ``key_signal`` as shown on screen ("°" or "%")
    documented: dict[str, float] = field(default_factory=dict)  # the TOML's prescription, kept

    @property
    def unit_word(self) -> str:
        """What one counted unit is called on screen and in messages: "rep", or "hold"."""
        return "hold" if self.counting.mode == "hold" else "rep"

    @property
    def required_landmarks(self) -> tuple[int, ...]:
        """MediaPipe indices of the body parts in ``landmarks``: what must be in the picture."""
        word_part = {w: p for p, w in PART_WORDS.items()}
        return tuple(i for w in self.landmarks for i in PART_INDICES[word_part[w]])

    def unchecked(self, rx: dict[str, float], skipped: Iterable[str]) -> bool:
        """True when a rep's form was not checked: every check active under prescription ``rx``
        that looks at the body is among the ``skipped`` codes (a rep without faults is then not
        "clean"). Checks of time alone (tempo, hold time: nothing on the body to point at,
        ``joints = []``) do not make a rep checked; an exercise with only those counts them."""
        active = [c for c in self.checks if c.active(rx)]
        codes = {c.code for c in active if c.joints} or {c.code for c in active}
        return bool(codes) and codes <= set(skipped)

    def check_for_cue(self, cue: str | None) -> Check | None:
        """The check whose cue is ``cue`` (the words a checker's state shows), or None."""
        return next((c for c in self.checks if cue is not None and c.cue == cue), None)

    @property
    def ceiling_side(self) -> str | None:
        """Which side of a clinician's limit on the range of motion is too far: "below" where a
        lower value goes further (a knee angle), "above" where a higher one does (an opening);
        None where the range of motion aims at a target from both sides (no limit can be set)."""
        if self.report is None:
            return None
        return {"lower": "below", "higher": "above"}.get(self.report.better)

    def ceiling_check(self, limit: float) -> Check | None:
        """The check of a clinician's limit (prescription ``ceiling``) on the range of motion:
        trusted where the document check on the same metric is (its views, needs and camera),
        else in the views the set-up guide asks for. None where no limit can be set."""
        when = self.ceiling_side
        if when is None or self.report is None:
            return None
        spec = self.report.spec(self.report.rom)
        like = next((c for c in self.checks if c.metric == spec.name), None)
        unit = spec.unit if spec.unit in ("°", "%") else f" {spec.unit}" if spec.unit else ""
        return Check(
            code=CEILING,
            label="the set limit",
            metric=spec.name,
            fault_when=when,
            threshold=0.0,
            views=like.views if like else self.setup_views,
            cue="Stop at the limit your clinician set.",
            source=CLINICIAN,
            quote=f"{spec.label.capitalize()} not past {limit:g}{unit}.",
            relative_to="ceiling",
            requires="ceiling",
            needs=like.needs if like else (),
            camera=like.camera if like else "any",
            joints=like.joints if like else (),
            unit=spec.unit,
        )

    def prescription_words(self, key: str) -> tuple[str, str]:
        """A prescription value's name for people and its unit: ("knee at bottom target", "°"),
        ("reps per set", ""): forms and lists show these, not ``depth_knee_deg``."""
        end, unit = next(((e, u) for e, u in _RX_UNITS if key.endswith(e)), ("", ""))
        stem = key.removesuffix(end)
        spec = self.report.spec(self.report.rom) if self.report is not None else None
        rom = spec.label.split(" (")[0] if spec is not None else self.key_label  # no "(leg %)"
        if key == "ceiling":
            words = f"limit on {rom}"
            unit = spec.unit if spec is not None and spec.unit in ("°", "%") else ""
        elif key in _RX_WORDS:
            words = _RX_WORDS[key].format(unit=self.unit_word)
        elif key == self.target:
            words = f"{rom} target"
        else:  # "least descent (s)", "lockout (°)"
            words = stem.replace("min_", "least ").replace("_", " ")
        return words, unit

    @property
    def prescription_keys(self) -> frozenset[str]:
        """The values a prescription may set: the exercise's own, and a clinician's ``ceiling``
        where the range of motion has a direction to limit."""
        return frozenset({*self.prescription, *(("ceiling",) if self.ceiling_side is not None else ())})

    def with_prescription(self, overrides: dict[str, Any]) -> ExerciseDef:
        """A copy with prescription values replaced; unknown keys raise UsageError. A
        clinician's ``ceiling`` (a limit on the range of motion, e.g. a depth limit after hip
        surgery) adds :meth:`ceiling_check`, so going past it is a fault like any other."""
        merged = dict(self.prescription)
        merged.update(dict.fromkeys(sorted(self.prescription_keys - merged.keys()), 0.0))  # "ceiling"
        for key, value in overrides.items():
            if key in ("exercise", "patient", "note", "notes"):
                continue
            if key not in merged:
                valid = ", ".join(sorted(merged))
                raise UsageError(f"Unknown prescription value '{key}' for {self.name}; use one of: {valid}.")
            is_number = isinstance(value, int | float) and not isinstance(value, bool)
            try:
                number = float(value) if is_number else -1.0
            except OverflowError:  # an integer too large for a float
                number = math.inf
            if not (0 <= number < math.inf):  # also refuses nan and inf, which TOML allows
                raise UsageError(f"Prescription value '{key}' must be a number of zero or more.")
            merged[key] = number
        # A target of the clinician's own, or a limit they set on the same measure: a cue that
        # names the document's target ("toward a right angle") says theirs instead (cue_rx).
        documented = self.documented or self.prescription
        own = {k for k in merged if k != "ceiling" and merged[k] != documented.get(k)}
        limited = self.report.rom if self.report is not None and merged.get("ceiling", 0.0) > 0 else None
        checks = tuple(
            replace(
                c,
                cue=c.cue_rx
                if c.cue_rx and (c.relative_to in own or c.metric == limited)
                else c.cue_doc or c.cue,
            )
            for c in self.checks
            if c.code != CEILING
        )
        ceiling = self.ceiling_check(merged.get("ceiling", 0.0)) if merged.get("ceiling", 0.0) > 0 else None
        if ceiling is None:
            merged.pop("ceiling", None)
        else:
            checks += (ceiling,)
        return ExerciseDef(**{**self.__dict__, "prescription": merged, "checks": checks})


# Units a prescription key's ending names, and the words for the values every exercise has.
_RX_UNITS = (("_deg", "°"), ("_pct", "%"), ("_s", "s"))
_RX_WORDS = {
    "reps": "{unit}s per set",
    "sets": "sets a day",
    "sessions_per_week": "days a week",
    "hold_s": "hold",
}


def _exercises_dir() -> Path:
    installed = resources.files("formcheck") / "exercises"
    if installed.is_dir():
        return Path(str(installed))
    return Path(__file__).resolve().parent.parent / "exercises"


def available() -> list[str]:
    return sorted(p.stem for p in _exercises_dir().glob("*.toml"))


def _key(text: str) -> str:
    return "_".join(text.lower().replace("-", " ").replace("_", " ").split())


def exercise_name(text: str) -> str:
    """The exercise ``text`` names: its name or its title, in any case, with spaces or
    hyphens for underscores ("Glute bridge" is ``bridge``). ValueError, with a suggestion,
    for anything else."""
    names = available()
    if text in names:  # the usual case, without reading every definition for its title
        return text
    titles = {_key(load(n).title): n for n in names}
    known = {**{n: n for n in names}, **titles}
    key = _key(text)
    for k in (key, key.removesuffix("s"), key.removesuffix("es")):  # "squats", "stretches"
        if k in known:
            return known[k]
    within = sorted({n for k, n in known.items() if key and key in k})  # "glute" is in "glute bridge"
    close = within if len(within) == 1 else difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    hint = f" Did you mean {known.get(close[0], close[0])}?" if close else ""
    raise ValueError(f"There is no exercise called '{text}'.{hint} 'formcheck exercises' lists them.")


def _need(d: dict[str, Any], key: str, where: str) -> Any:
    if key not in d:
        raise ValueError(f"{where}: missing '{key}'")
    return d[key]


def parse(data: dict[str, Any], where: str = "definition") -> ExerciseDef:
    """Validate a parsed TOML definition; raises ValueError naming what is wrong."""
    ex = _need(data, "exercise", where)
    co = _need(data, "counting", where)
    mode = co.get("mode", "reps")
    if mode not in MODES:
        raise ValueError(f"{where}: counting.mode must be one of {MODES}")
    if mode == "hold":
        hold = float(_need(co, "min_hold_s", f"{where}: counting"))
        co = {**HOLD_COUNTING, "min_rep_s": hold, **co}
    pr = {k: float(v) for k, v in _need(data, "prescription", where).items()}
    if co["direction"] not in ("up", "down"):
        raise ValueError(f"{where}: counting.direction must be 'up' or 'down'")
    if not isinstance(co.get("same_in_any_view", False), bool):
        raise ValueError(f"{where}: counting.same_in_any_view must be true or false")
    counting = Counting(
        signal=co["signal"],
        direction=co["direction"],
        rest_range=(float(co["rest_range"][0]), float(co["rest_range"][1])),
        start_delta=float(co["start_delta"]),
        return_fraction=float(co["return_fraction"]),
        min_excursion=float(co["min_excursion"]),
        min_rep_s=float(co["min_rep_s"]),
        max_rep_s=float(co["max_rep_s"]),
        per_side=bool(co.get("per_side", False)),
        max_speed=float(co.get("max_speed", float("inf"))),
        steady_speed=float(co.get("steady_speed", float("inf"))),
        same_in_any_view=co.get("same_in_any_view", False),
        rest_signal=str(co.get("rest_signal", "")),
        rest_signal_range=_pair(
            co.get("rest_signal_range", co["rest_range"]), f"{where}: counting.rest_signal_range"
        ),
        mode=mode,
        min_hold_s=float(co.get("min_hold_s", 0.0)),
        still_signals=_names(co.get("still_signals", []), f"{where}: counting.still_signals"),
    )
    report = _parse_report(data.get("report"), where)
    shown = {m.name: m.unit for m in (report.brief + report.columns)} if report is not None else {}
    checks = []
    for code, c in data.get("checks", {}).items():
        w = f"{where}: checks.{code}"
        if c.get("fault_when") not in ("above", "below"):
            raise ValueError(f"{w}: fault_when must be 'above' or 'below'")
        views = _views(c.get("views", VIEWS), f"{w}: views")
        for key in ("relative_to", "requires"):
            if c.get(key) is not None and c[key] not in pr:
                raise ValueError(f"{w}: {key} '{c[key]}' is not a prescription value")
        moment = c.get("moment", "peak")
        if moment not in MOMENTS:
            raise ValueError(f"{w}: moment must be one of {MOMENTS}")
        needs = tuple(c.get("needs", ()))
        if any(n not in BODY_PARTS for n in needs):
            raise ValueError(f"{w}: needs must name body parts of {BODY_PARTS}")
        if c.get("camera", "any") not in ("any", "level", "above", "not_above"):
            raise ValueError(f"{w}: camera must be 'any', 'level', 'above' or 'not_above'")
        joints = tuple(c.get("joints", ()))
        if any(j not in JOINTS for j in joints):
            raise ValueError(f"{w}: joints must be names from {sorted(JOINTS)}")
        if _need(c, "source", w) not in DOCUMENTS:
            raise ValueError(f"{w}: source must be one of the documents {sorted(DOCUMENTS)}")
        checks.append(
            Check(
                code=code,
                label=_need(c, "label", w),
                metric=_need(c, "metric", w),
                fault_when=c["fault_when"],
                threshold=float(_need(c, "threshold", w)),
                views=views,
                cue=_need(c, "cue", w),
                cue_doc=c["cue"],
                source=c["source"],
                quote=_need(c, "quote", w),
                relative_to=c.get("relative_to"),
                requires=c.get("requires"),
                moment=moment,
                needs=needs,
                camera=c.get("camera", "any"),
                after=bool(c.get("after", False)),
                joints=joints,
                unit=shown.get(c["metric"]),
                error=_errors(c.get("error", {}), views, f"{w}: error"),
                cue_rx=c.get("cue_rx"),
            )
        )
    if ex.get("unclear_cue") and counting.mode != "hold":
        raise ValueError(f"{where}: exercise.unclear_cue is for held exercises (counting.mode = \"hold\")")
    if ex.get("target") not in pr:
        raise ValueError(f"{where}: exercise.target must name a prescription value")
    not_judged = _not_judged(data.get("not_judged", {}), {c.code for c in checks}, where)
    return ExerciseDef(
        name=ex["name"],
        title=ex["title"],
        sources=tuple(ex["sources"]),
        preferred_view=ex["preferred_view"],
        setup=ex["setup"],
        key_signal=ex["key_signal"],
        key_label=ex["key_label"],
        target=ex["target"],
        landmarks=_landmarks(ex, where),
        counting=counting,
        prescription=pr,
        documented=dict(pr),
        checks=tuple(checks),
        not_judged=not_judged,
        report=report,
        lying=bool(ex.get("lying", False)),
        lying_on=_lying_on(ex, where),
        pattern=_pattern(ex, where),
        setup_views=_views(ex.get("setup_views", VIEWS), f"{where}: exercise.setup_views"),
        setup_turn=str(ex.get("setup_turn", "")),
        setup_start=str(ex.get("setup_start", ex["setup"])),
        unclear_cue=str(ex.get("unclear_cue", "")),
        key_unit=_key_unit(ex, where),
    )


def _not_judged(table: Any, check_codes: set[str], where: str) -> tuple[UnjudgedCue, ...]:
    """The ``[not_judged.CODE]`` tables: label, source, quote, why, instead (all words)."""
    if not isinstance(table, dict):
        raise ValueError(f"{where}: not_judged must be a table of cues, [not_judged.NAME]")
    out = []
    for code, c in table.items():
        w = f"{where}: not_judged.{code}"
        if code in check_codes:
            raise ValueError(f"{w}: '{code}' is a check; a cue is either checked or not")
        if not isinstance(c, dict):
            raise ValueError(f"{w} must be a table")
        words = {k: _need(c, k, w) for k in ("label", "source", "quote", "why", "instead")}
        if not all(isinstance(v, str) and v.strip() for v in words.values()):
            raise ValueError(f"{w}: label, source, quote, why and instead must be words")
        if words["source"] not in DOCUMENTS:
            raise ValueError(f"{w}: source must be one of the documents {sorted(DOCUMENTS)}")
        out.append(UnjudgedCue(code=code, **words))
    return tuple(out)


KEY_UNITS = ("°", "%")  # what the live window and annotated video put after the key number


def _key_unit(ex: dict[str, Any], where: str) -> str:
    unit = ex.get("key_unit", "°")
    if unit not in KEY_UNITS:
        raise ValueError(f"{where}: exercise.key_unit must be one of {KEY_UNITS}")
    return str(unit)


def _lying_on(ex: dict[str, Any], where: str) -> str | None:
    on = ex.get("lying_on")
    if on not in (None, *LYING_ON) or (on is not None and not ex.get("lying", False)):
        raise ValueError(f"{where}: exercise.lying_on is one of {LYING_ON}, for an exercise done lying")
    return on


def _views(items: Any, w: str) -> tuple[str, ...]:
    views = tuple(items)
    if not views or any(v not in VIEWS for v in views):
        raise ValueError(f"{w} must be a non-empty list of {VIEWS}")
    return views


def _errors(table: Any, views: tuple[str, ...], w: str) -> tuple[tuple[str, float], ...]:
    """A check's stated error by view (``error = { side = 9, front = 11 }``), in its views' order."""
    if not isinstance(table, dict) or any(v not in views for v in table):
        raise ValueError(f"{w} must be a table of the check's views ({', '.join(views)}) to numbers")
    out = []
    for v in views:
        if v in table:
            e = float(table[v])
            if not (math.isfinite(e) and e > 0):
                raise ValueError(f"{w}: {v} must be a positive number")
            out.append((v, e))
    return tuple(out)


def _landmarks(ex: dict[str, Any], where: str) -> tuple[str, ...]:
    words = tuple(ex.get("landmarks", ()))
    allowed = tuple(PART_WORDS[p] for p in PART_INDICES)
    if not words or any(w not in allowed for w in words):
        raise ValueError(f"{where}: exercise.landmarks must name body parts of {allowed}")
    return words


PATTERNS = ("knee", "hip", "thighs")  # joint angles a rep can move (see formcheck/track.py)


def _pattern(ex: dict[str, Any], where: str) -> str:
    pattern = ex.get("pattern", "knee")
    if pattern not in PATTERNS:
        raise ValueError(f"{where}: exercise.pattern must be one of {PATTERNS}")
    return str(pattern)


def _parse_report(rep: dict[str, Any] | None, where: str) -> ReportSpec | None:
    if rep is None:
        return None
    w = f"{where}: report"
    if rep.get("better") not in BETTER:
        raise ValueError(f"{w}.better must be one of {BETTER}")
    cols = _metric_specs(_need(rep, "columns", w), f"{w}.columns")
    brief = _metric_specs(rep.get("brief", []), f"{w}.brief")
    rom = _need(rep, "rom", w)
    if rom not in [c.name for c in cols]:
        raise ValueError(f"{w}.rom '{rom}' must be one of the columns")
    return ReportSpec(rom=rom, better=rep["better"], columns=tuple(cols), brief=tuple(brief))


def _metric_specs(items: list[Any], w: str) -> list[MetricSpec]:
    out = []
    for c in items:
        if not isinstance(c, list) or not 2 <= len(c) <= 4:
            raise ValueError(f"{w}: each is [metric, label], adding a unit and then signs if wanted")
        if len(c) == 4 and len(str(c[3]).split("|")) != 2:
            raise ValueError(f"{w}: signs are two words, 'below zero|above zero', e.g. 'behind|past'")
        out.append(MetricSpec(*[str(v) for v in c]))
    return out


def load(name: str) -> ExerciseDef:
    """Load the built-in definition ``name`` (e.g. "squat")."""
    path = _exercises_dir() / f"{name}.toml"
    if not path.is_file():
        raise UsageError(f"Unknown exercise '{name}'; choose one of: {', '.join(available())}.")
    with path.open("rb") as f:
        return parse(tomllib.load(f), where=path.name)


MAX_PRESCRIPTION_BYTES = 1 << 20  # a prescription is a few lines


def load_prescription(path: str | Path) -> dict[str, Any]:
    """Read a prescription TOML file (flat keys, e.g. ``depth_knee_deg = 110``)."""
    p = Path(path)
    if not p.exists():
        raise MissingInputError(f"No prescription file at {p}.")
    if p.is_dir():
        raise UsageError(f"{p} is a folder, not a prescription file.")
    try:
        with p.open("rb") as f:
            raw = f.read(MAX_PRESCRIPTION_BYTES + 1)  # a pipe too (<(...)); not forever from /dev/zero
        if len(raw) > MAX_PRESCRIPTION_BYTES:
            raise UsageError(f"The prescription file {p} is too large to be a prescription.")
        data = tomllib.loads(raw.decode())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise UsageError(f"The prescription file {p} is not valid TOML ({e}).") from None
    except OSError as e:
        raise UsageError(f"Cannot read the prescription file {p}: {e.strerror or e}.") from None
    if isinstance(data.get("exercise"), str):
        # "Glute bridge" names the bridge here as on the command line; another name is compared,
        # and refused, where it is used.
        with contextlib.suppress(ValueError):
            data["exercise"] = exercise_name(data["exercise"])
    return data
