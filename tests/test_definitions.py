"""Exercise definitions (exercises/*.toml): loading, validation, sources, prescriptions."""

from __future__ import annotations

import ast
import copy
import tomllib
from pathlib import Path

import pytest

from formcheck.checkers import CHECKERS, make_checker
from formcheck.definitions import DOCUMENTS, VIEWS, _exercises_dir, available, load, parse
from formcheck.errors import UsageError
from formcheck.pipeline import score_sequence
from testkit import synthetic

EXERCISES = available()
CLEAN = {
    "squat": [lambda: synthetic.squat(reps=2, view="side"), lambda: synthetic.squat(reps=2, view="front")],
    "bridge": [lambda: synthetic.bridge(reps=2)],
    "clamshell": [lambda: synthetic.clamshell(reps=2), lambda: synthetic.clamshell(reps=2, camera="above")],
    "hip_abduction": [lambda: synthetic.hip_abduction(reps=2, sides=("left", "right"))],
    "side_leg_raise": [
        lambda: synthetic.side_leg_raise(reps=2, sides=("left", "right")),
        lambda: synthetic.side_leg_raise(reps=2, camera="above"),
    ],
    "marching_bridge": [lambda: synthetic.marching_bridge(steps=4)],
    "lateral_walk": [lambda: synthetic.lateral_walk(steps=("right", "left"))],
    "hip_hinge": [
        lambda: synthetic.hip_hinge(reps=2, view="side"),
        lambda: synthetic.hip_hinge(reps=2, view="front"),
    ],
    "donkey_kick": [
        lambda: synthetic.donkey_kick(reps=2),
        lambda: synthetic.donkey_kick(reps=2, view="front"),
    ],
    "fire_hydrant": [
        lambda: synthetic.fire_hydrant(reps=2),
        lambda: synthetic.fire_hydrant(reps=2, view="side"),
    ],
    # The straight-leg check is made in side lunges only, from the front (the back knee of a
    # forward or back lunge bends by design).
    "lunge": [
        lambda: synthetic.lunge(reps=2, view="side", sides=("right",)),
        lambda: synthetic.lunge(reps=2, kind="side", view="front", sides=("left", "right")),
        lambda: synthetic.lunge(reps=2, view="front", sides=("right",)),
    ],
    "hip_flexor_stretch": [
        # the left knee down: the front leg is the one nearer the camera
        lambda: synthetic.hip_flexor_stretch(holds=(("left", 16.0), ("left", 16.0)), view="side"),
        lambda: synthetic.hip_flexor_stretch(holds=(("left", 16.0),), view="front"),
    ],
    "double_hip_rotation": [
        lambda: synthetic.double_hip_rotation(holds=(("left", 31.0), ("right", 31.0)), view="front"),
        lambda: synthetic.double_hip_rotation(holds=(("left", 31.0),), view="side"),
    ],
}


def raw(name: str) -> dict:
    with (_exercises_dir() / f"{name}.toml").open("rb") as f:
        return tomllib.load(f)


def test_all_exercises_present():
    # Every exercise file has its checker and the other way round (nothing else names them).
    want = {p.stem for p in _exercises_dir().glob("*.toml")}
    assert set(EXERCISES) == want == set(CHECKERS)
    assert {"squat", "bridge", "clamshell"} <= want


@pytest.mark.parametrize("name", EXERCISES)
def test_loads(name):
    d = load(name)
    assert d.name == name
    assert d.checks
    assert d.target in d.prescription
    assert d.preferred_view in VIEWS
    assert all(s in DOCUMENTS for s in d.sources)
    lo, hi = d.counting.rest_range
    assert lo < hi and d.counting.min_rep_s < d.counting.max_rep_s


@pytest.mark.parametrize("name", EXERCISES)
def test_checks_cite_documents_and_valid_views(name):
    d = load(name)
    codes = [c.code for c in d.checks]
    assert len(codes) == len(set(codes))
    for c in d.checks:
        assert c.source in DOCUMENTS, c.code
        assert c.document == DOCUMENTS[c.source]
        assert c.quote.strip() and c.cue.strip() and c.label.strip()
        assert c.views and set(c.views) <= set(VIEWS), c.code
        assert c.fault_when in ("above", "below")
        for key in (c.relative_to, c.requires):
            assert key is None or key in d.prescription
        assert c.skip_reason().startswith("Film from")


@pytest.mark.parametrize("name", EXERCISES)
def test_every_angle_states_its_error_from_every_view_it_is_made_from(name):
    """An angle a check reports has a stated error (worst |measured - truth| over the sweep
    and the samples, the TOML's ``error``) for each view the check is made from, shown by
    ``formcheck exercises`` and the README's table."""
    for c in load(name).checks:
        if c.unit == "°":
            assert [v for v, _ in c.error] == list(c.views), c.code
            assert all(0 < e < 45 for _, e in c.error), c.code
            assert c.error_text().startswith("±"), c.code
        else:
            assert not c.error, c.code  # only angles are stated so far


@pytest.mark.parametrize("name", EXERCISES)
def test_every_check_metric_is_produced(name):
    """The metric each check names is one the checker computes for a real rep, in every view
    the check claims (and the rep's metrics never contain names a check could mistype)."""
    produced: dict[str, set[str]] = {}
    for make in CLEAN[name]:
        seq, truth = make()
        session = score_sequence(seq, name)
        assert len(session.reps) == truth.count()
        for rep in session.reps:
            produced.setdefault(rep.view, set()).update(rep.metrics)
    all_metrics = set().union(*produced.values())
    for c in load(name).checks:
        assert c.metric in all_metrics, f"{c.code}: checker never produces {c.metric}"
        for view in set(c.views) & set(produced):
            assert c.metric in produced[view]


# Checks a movement's own variant rules leave out in a view they otherwise run in (exercise,
# code) -> the words of the reason: the test still requires the check to be made on the other
# clean sets of that view.
BY_DESIGN = {
    ("lunge", "shallow"): "in a side lunge",  # a side lunge's depth is judged from the side
    ("lunge", "straight_leg_bent"): "is checked in side lunges",  # a back lunge's knee bends
}


@pytest.mark.parametrize("name", EXERCISES)
def test_metric_finite_where_check_is_valid(name):
    """A check's metric is measurable (finite) in the views the check runs in; a check that
    needs a camera looking down is made in at least one of the clean sets (one filmed so)."""
    made_above: dict[str, bool] = {}
    made: dict[tuple[str, str], bool] = {}  # (view, code) -> made on some clean rep
    for make in CLEAN[name]:
        seq, _ = make()
        checker = make_checker(name)
        for fr in seq.frames():
            checker.update(fr)
        checker.finish()
        assert checker.reps
        for rep in checker.reps:
            if rep.faults:  # a fault may make another check unjudgeable (e.g. heels, knees far past toes)
                continue
            for c in checker.d.checks:
                if not (rep.view in c.views and c.active(checker.rx)):
                    continue
                if c.camera == "above":
                    made_above[c.code] = made_above.get(c.code, False) or c.code not in rep.skipped
                    continue
                made[rep.view, c.code] = made.get((rep.view, c.code), False) or c.code not in rep.skipped
                why = BY_DESIGN.get((name, c.code))
                if why and why in rep.skipped.get(c.code, ""):
                    continue
                assert c.code not in rep.skipped, (rep.view, c.code, rep.skipped)
    assert all(made_above.values()), made_above
    assert all(made.values()), [k for k, v in made.items() if not v]


def test_prescription_override_valid():
    d = load("squat").with_prescription({"depth_knee_deg": 100, "reps": 12, "note": "x"})
    assert d.prescription["depth_knee_deg"] == 100.0
    assert d.prescription["reps"] == 12.0
    assert load("squat").prescription["depth_knee_deg"] == 90.0  # the original is untouched
    assert make_checker("squat", {"depth_knee_deg": 100}).rx["depth_knee_deg"] == 100.0


@pytest.mark.parametrize(
    "overrides",
    [{"depth": 90}, {"depth_knee_deg": -1}, {"reps": "ten"}, {"reps": True}, {"hold_s": None}],
)
def test_prescription_override_invalid(overrides):
    with pytest.raises(UsageError):
        load("squat").with_prescription(overrides)
    with pytest.raises(UsageError):
        make_checker("squat", overrides)


def test_relative_threshold_moves_with_prescription():
    seq, truth = synthetic.squat(reps=2, depth_knee_deg=115.0)
    assert truth.reps[0].key_deg == pytest.approx(115.0)
    default = score_sequence(seq, "squat")
    deeper_ok = score_sequence(seq, "squat", {"depth_knee_deg": 110})
    assert len(default.reps) == len(deeper_ok.reps) == 2
    assert all("shallow" in r.fault_codes for r in default.reps)  # limit 90 + 15 = 105
    assert not any("shallow" in r.fault_codes for r in deeper_ok.reps)  # limit 125
    shallow = next(f for f in default.reps[0].faults if f.code == "shallow")
    assert shallow.limit == pytest.approx(105.0)


def test_a_depth_of_the_clinicians_own_is_cued_as_theirs():
    """The document's cue names its target (a right angle at the knee); with a prescribed depth
    of their own the cue must not send the person toward another one (nor past a set limit)."""
    seq, _ = synthetic.squat(reps=2, depth_knee_deg=130.0)  # shallow for either target
    own = score_sequence(seq, "squat", {"depth_knee_deg": 110, "ceiling": 100})
    default = score_sequence(seq, "squat", {"reps": 12})  # the document's depth
    for session, words in ((own, "the depth your clinician set"), (default, "a right angle")):
        cues = {f.message for r in session.reps for f in r.faults if f.code == "shallow"}
        assert cues and all(words in c for c in cues), cues
    for name in ("squat", "lunge"):  # every cue naming the document's target has its other words
        d = load(name).with_prescription({"depth_knee_deg": 100})
        assert not any("right angle" in c.cue for c in d.checks), name
        # A limit alone (the dashboard's form sends the default depth with it): a right angle
        # may be past it, so the clinician's words again.
        d = load(name).with_prescription({"depth_knee_deg": 90, "ceiling": 100})
        assert not any("right angle" in c.cue for c in d.checks), name
        # The document's words come back with the document's depth, however the copy was made.
        d = load(name).with_prescription({"depth_knee_deg": 110}).with_prescription({"depth_knee_deg": 90})
        assert any("right angle" in c.cue for c in d.checks), name


def test_requires_switches_a_check_on():
    seq, _ = synthetic.clamshell(reps=2, hold_s=0.3)
    off = score_sequence(seq, "clamshell")
    on = score_sequence(seq, "clamshell", {"hold_s": 2.0})
    assert not any("short_hold" in r.fault_codes for r in off.reps)
    assert all("short_hold" in r.fault_codes for r in on.reps)


def _break(data: dict, path: tuple[str, ...], value) -> dict:
    d = copy.deepcopy(data)
    node = d
    for k in path[:-1]:
        node = node[k]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return d


@pytest.mark.parametrize("name", EXERCISES)
def test_raw_definitions_parse(name):
    assert parse(raw(name)).name == name


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("exercise",), KeyError),
        (("counting",), KeyError),
        (("prescription",), KeyError),
        (("counting", "direction"), "sideways"),
        (("exercise", "target"), "nonexistent"),
        (("checks", "shallow", "fault_when"), "over"),
        (("checks", "shallow", "views"), ["top"]),
        (("checks", "shallow", "views"), []),
        (("checks", "shallow", "source"), "999"),
        (("checks", "shallow", "source"), KeyError),
        (("checks", "shallow", "relative_to"), "no_such_value"),
        (("checks", "shallow", "requires"), "no_such_value"),
        (("checks", "shallow", "metric"), KeyError),
        (("checks", "shallow", "threshold"), KeyError),
        (("checks", "shallow", "cue"), KeyError),
        (("checks", "shallow", "quote"), KeyError),
        (("checks", "trunk_lean", "error"), {"front": 5}),  # not one of the check's views
        (("checks", "shallow", "error"), {"side": -1}),
        (("checks", "shallow", "error"), {"side": float("nan")}),
        (("checks", "shallow", "error"), [9, 11]),
    ],
)
def test_malformed_definition_raises_value_error(path, value):
    bad = _break(raw("squat"), path, value)
    with pytest.raises(ValueError):
        parse(bad, where="bad.toml")


def test_unknown_exercise_is_usage_error():
    with pytest.raises(UsageError):
        load("deadlift")


def test_readme_table_of_checks_is_made_from_the_definitions() -> None:
    """The README's table is what `formcheck exercises --markdown` prints from the TOMLs."""
    from pathlib import Path

    from formcheck.cli import checks_table
    from formcheck.definitions import available

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert _readme_table(readme) == checks_table(available())
    # A row in the README that the definitions do not make is told apart.
    marker = readme.index("<!-- checks table")
    end = readme.index("\n\n", marker)
    extra = readme[:end] + "\n| squat | `made_up` | x | y | side | - | 004: z |" + readme[end:]
    assert _readme_table(extra) != checks_table(available())


def _readme_table(readme: str) -> str:
    """The README's table of checks: the table lines under its marker comment."""
    lines = readme[readme.index("<!-- checks table") :].splitlines()[1:]
    table = []
    for line in lines:
        if not line.startswith("|"):
            break
        table.append(line)
    return "\n".join(table)


def test_exercises_command_lists_every_exercise_with_its_checks_and_sources(capsys) -> None:  # type: ignore[no-untyped-def]
    from formcheck.cli import main

    assert main(["exercises"]) == 0
    blocks: dict[str, list[str]] = {}
    for line in capsys.readouterr().out.splitlines():
        if line and not line[0].isspace():
            head = blocks.setdefault(line, [])
        else:
            head.append(line.split())
    assert len(blocks) == len(available())
    for name in available():
        d = load(name)
        heads = [h for h in blocks if h.startswith(f"{d.title} ({name}) - film from the {d.preferred_view}")]
        assert len(heads) == 1, name
        rows = {r[0]: " ".join(r) for r in blocks[heads[0]] if r[0] != "-"}
        assert set(rows) == {c.code for c in d.checks}, name
        for c in d.checks:
            assert f"[doc {c.source}," in rows[c.code] and f"views: {', '.join(c.views)}" in rows[c.code]
        # The document cues not judged from video follow, each with why and what instead.
        unjudged = [" ".join(r[1:]) for r in blocks[heads[0]] if r[0] == "-"]
        assert len(unjudged) == len(d.not_judged), name
        for line, u in zip(unjudged, d.not_judged, strict=True):
            assert line.startswith(f"{u.label}: not judged.") and u.instead in line
            assert f"[doc {u.source}," in line


@pytest.mark.parametrize("name", available())
def test_key_number_unit_matches_its_signal(name: str) -> None:
    """The live window and annotated video put the key signal's own unit after it: a signal in
    % of a length (``*_pct``) is not shown in degrees, nor an angle (``*_deg``) in %."""
    d = load(name)
    unit = {"pct": "%", "deg": "°"}.get(d.key_signal.rsplit("_", 1)[-1])
    if unit is None:
        pytest.skip(f"{d.key_signal} names no unit")
    assert d.key_unit == unit


def test_side_walk_state_shows_percent() -> None:
    seq, _ = synthetic.lateral_walk(steps=("right", "right"), seed=1)
    checker, texts = synthetic.shown_keys("lateral_walk", seq)
    shown = [t for t in texts if not t.endswith("--")]
    assert shown and all(t.endswith("%") and "°" not in t for t in shown)
    assert checker.state.target_text == f"target {load('lateral_walk').prescription['stance_pct']:.0f}%"


def test_every_check_has_a_studio_sample_in_a_view_it_judges_from() -> None:
    """Each check's fault is planted in some bundled studio sample filmed from a view the check
    judges from (the samples' truth; tests/test_e2e_samples.py then asks that it be found)."""
    import json
    from pathlib import Path

    samples = Path(__file__).resolve().parents[1] / "samples"
    truths = [json.loads(p.read_text()) for p in sorted(samples.glob("*.json"))]
    if not truths:
        pytest.skip("bundled samples missing")
    planted: dict[tuple[str, str], set[str]] = {}
    for t in truths:
        for rep in t.get("reps", []):
            for code in rep["faults"]:
                planted.setdefault((t["exercise"], code), set()).add(t["view"])
    missing = [
        f"{name}.{c.code} (views {', '.join(c.views)})"
        for name in available()
        for c in load(name).checks
        if not planted.get((name, c.code), set()) & set(c.views)
    ]
    assert not missing, f"no sample plants these in a view they judge from: {missing}"


@pytest.mark.parametrize("name", EXERCISES)
def test_a_flagged_value_reads_past_its_limit_wherever_it_is_shown(name):
    """A check judges its value as the rep table and the reports write it: a pelvis roll of
    30.3 deg read "30°" flagged against "above 30", a 0.296 s hold "0.30 s" flagged under 0.3.
    Values a hair past each limit are not flagged; a flagged one reads past the limit in the
    rep table (formcheck.report_text) and the reports (formcheck.reports.html.num) alike."""
    from formcheck.report_text import _fmt
    from formcheck.reports.html import num
    from formcheck.units import value_text

    d = load(name)
    for hold in (2.0, 2.37, 1.5):  # limits on the written grid, off it (2.12 s), on a half (1.25)
        rx = {**d.prescription, "hold_s": hold}
        ceiling = d.ceiling_check(92.3) if d.ceiling_side else None  # a clinician's limit
        checks = [c for c in (*d.checks, ceiling) if c is not None and c.unit is not None]
        assert checks, "every exercise shows the values of some of its checks"
        for c in checks:
            if not c.active({**rx, "ceiling": 92.3}):
                continue
            lim = c.limit({**rx, "ceiling": 92.3})
            away = 1.0 if c.fault_when == "above" else -1.0
            # Just past a limit written as it is (not 1.75 s, written in tenths): it reads as
            # the limit, so it is not flagged.
            if float(value_text(lim, c.unit)) == lim:
                assert not c.is_fault(lim + away * 1e-3, {**rx, "ceiling": 92.3}), (c.code, lim)
            for step in (0.0, 0.001, 0.004, 0.01, 0.04, 0.4, 0.5, 0.6, 1.0, 3.0):
                # On the good side (or on the limit) a value is never flagged.
                assert not c.is_fault(lim - away * step, {**rx, "ceiling": 92.3}), (c.code, lim, step)
                v = lim + away * step
                if not c.is_fault(v, {**rx, "ceiling": 92.3}):
                    continue
                stored = round(v, 3)  # as a session keeps it (Rep.to_dict)
                for text in (_fmt(stored, c.unit), num(stored, c.unit)):
                    written = float(text.split()[0].rstrip("°%"))
                    assert (written > lim) if away > 0 else (written < lim), (c.code, v, text, lim)


def _names_in(root: Path, exercises: set[str]) -> list[str]:
    """Where a module under ``root`` names an exercise in code (a string that is an
    exercise's name, or a variable or attribute called so), other than its own checker."""
    found = []
    for p in sorted(root.rglob("*.py")):
        if p.parent.name == "checkers" and p.stem in exercises:
            continue
        for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            word = (
                n.value if isinstance(n, ast.Constant) and isinstance(n.value, str)
                else n.id if isinstance(n, ast.Name)
                else n.attr if isinstance(n, ast.Attribute)
                else None
            )
            if word is not None and word.lower() in exercises:
                found.append(f"{p.relative_to(root.parent)}:{n.lineno} {word}")
    return found


def test_nothing_in_the_package_but_its_toml_and_checker_names_an_exercise() -> None:
    """An exercise lives in its TOML and one checker module: no other module of the installed
    package names one (the registry finds checkers by file name, the live window, reports and
    the dashboard read everything else from the TOML). The sample studio, a development tool
    outside the package, does name them, which shows the scan finds a name where there is one."""
    root = Path(__file__).resolve().parents[1]
    names = set(EXERCISES)
    assert _names_in(root / "formcheck", names) == []
    assert any(" squat" in f for f in _names_in(root / "formcheck_studio", names))


@pytest.mark.parametrize("name", EXERCISES)
def test_every_signal_a_definition_names_is_one_its_checker_computes(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A misspelt signal name in a TOML (the count's, the start position's, the key number's, a
    held stretch's stillness) would read as never there: a stretch's stillness rule would be
    off without a word. Every name must be among what the checker computes on the frames of a
    synthetic clean set."""
    from formcheck.checkers import checker_class

    cls = checker_class(name)
    computed: set[str] = set()
    own = cls.signals

    def spy(self, frame, view):  # type: ignore[no-untyped-def]
        out = own(self, frame, view)
        computed.update(out)
        return out

    monkeypatch.setattr(cls, "signals", spy)
    seq, _ = CLEAN[name][0]()
    score_sequence(seq, name)
    d = load(name)
    named = {d.counting.signal, d.key_signal, *d.counting.still_signals} | ({d.counting.rest_signal} - {""})
    assert computed, name
    assert named <= computed, f"{name}: {sorted(named - computed)} not computed by its checker"
