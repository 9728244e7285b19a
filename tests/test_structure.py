"""The package's shape: no import circles, test helpers outside it."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "formcheck"


def _imports() -> dict[str, set[str]]:
    """formcheck module -> the formcheck modules it imports (at the top or inside functions)."""
    mods = {}
    for p in PKG.rglob("*.py"):
        parts = p.relative_to(PKG.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = p
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for m, p in mods.items():
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "formcheck":
                for a in node.names:
                    sub = f"{node.module}.{a.name}"
                    graph[m].add(sub if sub in mods else node.module)
            elif isinstance(node, ast.Import):
                graph[m].update(a.name for a in node.names if a.name in mods)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_circles() -> None:
    assert _cycles(_imports()) == []


def test_the_cycle_finder_finds_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_test_helpers_are_not_in_the_package() -> None:
    for name in ("synthetic.py", "evaluate.py", "realdata.py"):
        assert not (PKG / name).exists(), name


def _tool(module: str) -> None:
    import importlib.util
    import subprocess
    import sys

    import pytest

    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (pip install -e '.[dev]')")
    args = ["check", "formcheck", "tests", "testkit", "benchmarks"] if module == "ruff" else ["formcheck"]
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=PKG.parent,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_the_code_is_ruff_clean() -> None:
    _tool("ruff")


def test_the_package_is_typed_clean() -> None:
    _tool("mypy")


@cache
def _exercise_words(names: frozenset[str]) -> tuple[re.Pattern[str], dict[str, str]]:
    """Any way code could name an exercise (its name, the name with spaces, its title; in any
    case, as a word or a word's start: "lunge_left" names the lunge), and whose word each is."""
    from formcheck.definitions import load

    whose = {}
    for n in names:
        for w in (n, n.replace("_", " "), load(n).title):
            whose[w.lower()] = n
    alt = "|".join(sorted((re.escape(w) for w in whose), key=len, reverse=True))
    return re.compile(rf"(?<![a-z])({alt})(?![a-z])", re.IGNORECASE), whose


def _exercise_names_used(path: Path, names: set[str]) -> set[str]:
    """The exercises named in one module's strings or identifiers (docstrings aside)."""
    words, whose = _exercise_words(frozenset(names))  # made once, not for every module
    tree = ast.parse(path.read_text())
    docs = {
        id(n.body[0].value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and n.body
        and isinstance(n.body[0], ast.Expr)
        and isinstance(n.body[0].value, ast.Constant)
    }
    found = set()
    for n in ast.walk(tree):
        text = (
            n.value
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs
            else n.id
            if isinstance(n, ast.Name)
            else n.attr
            if isinstance(n, ast.Attribute)
            else n.name
            if isinstance(n, ast.FunctionDef | ast.ClassDef)
            else None
        )
        if text is not None:
            found |= {whose[m.group(1).lower()] for m in words.finditer(text)}
    return found


def test_only_an_exercise_s_own_checker_names_it(tmp_path: Path) -> None:
    """One exercise, two files (README, design notes): its TOML and its checker module. The
    studio (a renderer of test clips, the `studio` extra) holds each exercise's motion and is
    left out, and an exercise's checker module may name it; the checkers' shared modules may not."""
    from formcheck.definitions import available

    exercises = set(available())
    assert {"squat", "bridge", "clamshell"} <= exercises
    found = {}
    for p in PKG.rglob("*.py"):
        rel = p.relative_to(PKG)
        if rel.parts[0] == "studio" or (rel.parts[0] == "checkers" and p.stem in exercises):
            continue
        used = _exercise_names_used(p, exercises)
        if used:
            found[str(rel)] = sorted(used)
    assert not found, f"exercise names outside their TOML and checker: {found}"
    # The scan finds a name where one is written.
    probe = tmp_path / "probe.py"
    for code, name in [
        ('if exercise == "clamshell":\n    pass\n', "clamshell"),
        ('ok = ex.startswith("lunge_")\n', "lunge"),
        ('title = "Squat"\n', "squat"),
        ('both = "hip_hinge and more"\n', "hip_hinge"),
        ('words = f"{n} side-lying leg raise"\n', "side_leg_raise"),
        ("def is_bridge(x):\n    return x\n", "bridge"),
    ]:
        probe.write_text(code)
        assert name in _exercise_names_used(probe, exercises), code
    probe.write_text('"""A docstring may say squat."""\nGAP_S = 1.0  # so may a comment: bridge\n')
    assert _exercise_names_used(probe, exercises) == set()
