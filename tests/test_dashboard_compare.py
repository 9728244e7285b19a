"""The dashboard's compare page: a hold target shows only when a hold is prescribed (0 s: none),
and reps are counted against the prescription per side, as the session report counts them."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import pytest
from test_dashboard import running  # the dashboard on a free port in a thread
from test_reports_per_side import _session  # a session with one rep per side given

from formcheck.definitions import load
from formcheck.reports.data import session_report
from formcheck.store import Store

LUNGE = {"knee_min_deg": 95.0, "hold_s": 1.3}  # each rep: a knee at 95 deg, held 1.3 s


def _row(page: str, key: str) -> list[str]:
    m = re.search(rf'<tr data-row="{key}">(.*?)</tr>', page, re.S)
    assert m, f"no {key} row"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", m[1], re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells]


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "s.sqlite3"
    assert load("lunge").prescription["hold_s"] == 0  # no hold prescribed by default
    with Store.open(path) as st:
        st.add_session(_session("lunge", ["left"] * 3, LUNGE, "a.mp4"), patient="Ana", origin="score")
        held = _session("lunge", ["left"] * 10 + ["right"] * 10, LUNGE, "b.mp4", {"hold_s": 2.0})
        st.add_session(held, patient="Ana", origin="score")
    return path


def test_compare_shows_no_hold_target_when_none_is_prescribed(store_path: Path) -> None:
    with running(store_path) as url, urllib.request.urlopen(f"{url}/compare?a=1&b=2", timeout=120) as r:
        page = r.read().decode("utf-8")
    a, b, _diff = _row(page, "hold")
    assert a == "mean 1.3 s" and "target" not in a  # not "(target 0.00 s)"
    assert b == "mean 1.3 s (target 2.0 s)"
    with Store.open(store_path) as st:  # and the report data (its JSON) says none, not 0 s
        assert session_report(st, 1, with_stills=False)["summary"]["hold"]["target_s"] is None
        assert session_report(st, 2, with_stills=False)["summary"]["hold"]["target_s"] == 2.0
    # Reps per side, as the session report counts them: a side without reps has done none.
    reps_a, reps_b, _ = _row(page, "reps")
    assert reps_a == "left 3 of 10 · right 0 of 10"
    assert reps_b == "left 10 of 10 · right 10 of 10"
