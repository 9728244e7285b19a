"""The patient report counts a one-sided exercise's reps per side, as the session report does.

Its Sessions row, its CSV and its adherence agree with the session report's "1 of 2 per side";
and its tables fit a 1280 px page without a column hidden behind a scrollbar. Sessions here are
built by hand, so the counts are known exactly.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from formcheck.checkers.base import Rep
from formcheck.definitions import load
from formcheck.reports import export
from formcheck.reports.data import patient_report, session_report
from formcheck.reports.html import render
from formcheck.session import Session
from formcheck.store import Store

FPS = 30.0


def _session(
    exercise: str, sides: list[str | None], metrics: dict[str, float], source: str,
    rx: dict[str, float] | None = None,
) -> Session:
    """``exercise`` with one rep per entry of ``sides`` (2 s each), each with ``metrics``, scored
    with its default prescription updated by ``rx``."""
    d = load(exercise)
    n = int((2.0 * len(sides) + 1.0) * FPS)
    t = np.arange(n) / FPS
    reps = [
        Rep(
            index=i + 1,
            side=side,
            start_s=0.5 + 2.0 * i,
            peak_s=1.5 + 2.0 * i,
            end_s=2.4 + 2.0 * i,
            view="side",
            metrics=dict(metrics),
            faults=[],
        )
        for i, side in enumerate(sides)
    ]
    return Session(
        exercise=exercise,
        source=source,
        view="side",
        fps=FPS,
        n_frames=n,
        duration_s=n / FPS,
        reps=reps,
        skipped_checks={},
        warnings=[],
        prescription={**d.prescription, **(rx or {})},
        key_label=d.key_label,
        trace={"t_s": [float(x) for x in t], "key_deg": [100.0] * n},
    )


STRETCH = {"front_knee_deg": 88.0, "hold_s": 15.5, "trunk_lean_deg": 5.0}
LEG_OUT = {"leg_angle_max_deg": 44.0, "trunk_lean_deg": 3.0, "knee_bend_deg": 4.0, "hold_s": 0.3}


def _cells(page: str, sid: int) -> list[str]:
    row = re.search(rf'<tr data-session="{sid}">(.*?)</tr>', page, re.S)
    assert row, f"no row for session {sid}"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row[1], re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells]


@pytest.mark.parametrize(
    ("sides", "want", "adherent"),
    [
        (["left", "right"], {"left": 1, "right": 1}, False),  # the tester's: 1 of 2 each side
        (["left", "right", "left", "right"], {"left": 2, "right": 2}, True),
        (["left", "left"], {"left": 2, "right": 0}, False),  # one side only: the other not done
        # a rep whose side could not be told counts for neither side (it was a third row, "both")
        (["left", "right", "left", "right", None], {"left": 2, "right": 2}, True),
    ],
)
def test_a_per_side_exercise_counts_reps_per_side_everywhere(
    tmp_path: Path, sides: list[str | None], want: dict[str, int], adherent: bool
) -> None:
    rx = int(load("hip_flexor_stretch").prescription["reps"])
    assert rx == 2 and load("hip_flexor_stretch").counting.per_side
    with Store.open(tmp_path / "s.sqlite3") as st:
        s = _session("hip_flexor_stretch", list(sides), STRETCH, "stretch.mp4")
        sid, _ = st.add_session(s, patient="Ana", origin="score")
        one = session_report(st, sid, with_stills=False)  # the session report
        rep = patient_report(st, "Ana")
    # What the session report says, per side (a side without reps: none done).
    said = {b["side"]: b["done"] for b in one["summary"]["by_side"]}
    assert {side: said.get(side, 0) for side in ("left", "right")} == want
    assert all(b["prescribed"] == rx for b in one["summary"]["by_side"])
    [ex] = rep["exercises"]
    assert ex["adherence"]["days_done"] == int(adherent)
    # The patient report's row: each side against the per-side prescription, never both added up.
    page = render(rep)
    [point] = rep["sessions"]
    assert _cells(page, point["session_id"])[2] == f"left {want['left']} / {rx} right {want['right']} / {rx}"
    assert "Holds per side" in page and "Reps per side" not in page  # a stretch counts holds
    # The CSV: reps done against the prescription per side (the side with fewer), and each side.
    [row] = list(csv.DictReader(io.StringIO(export.to_csv(rep))))
    assert (int(row["reps_done"]), int(row["reps_prescribed"])) == (min(want.values()), rx)
    assert (int(row["reps_left"]), int(row["reps_right"]), int(row["reps_total"])) == (
        want["left"],
        want["right"],
        len(sides),
    )
    # ... from the report's data, which the JSON export carries.
    assert {b["side"]: (b["done"], b["prescribed"]) for b in point["by_side"]} == {
        side: (n, rx) for side, n in want.items()
    }
    assert point["reps_done"] == min(want.values()) and point["reps_prescribed"] == rx
    assert point["reps_total"] == len(sides)
    # Done against prescribed says "done" exactly when the day counts for adherence.
    assert (int(row["reps_done"]) >= int(row["reps_prescribed"])) == adherent


def test_the_range_card_gives_each_sides_median(tmp_path: Path) -> None:
    """A left hold at 125 deg and a right one at 85: the card says each, not a "median" of 105
    that neither side reached."""
    s = _session("hip_flexor_stretch", ["left", "right"], STRETCH, "stretch.mp4")
    s.reps[0].metrics["front_knee_deg"], s.reps[1].metrics["front_knee_deg"] = 125.0, 85.0
    with Store.open(tmp_path / "s.sqlite3") as st:
        sid, _ = st.add_session(s, patient="Ana", origin="score")
        page = render(session_report(st, sid, with_stills=False))
    card = re.search(r'data-metric="rom">(.*?)</div></div>', page, re.S)
    assert card, "no range-of-motion card"
    text = " ".join(re.sub(r"<[^>]+>", " ", card[1]).split())
    assert "by side" in text and "L 125°" in text and "R 85°" in text and "105" not in text, text


def test_a_two_sided_exercise_keeps_its_count(tmp_path: Path) -> None:
    d = load("squat")
    assert not d.counting.per_side
    with Store.open(tmp_path / "s.sqlite3") as st:
        s = _session("squat", [None, None, None], {"knee_min_deg": 85.0}, "squat.mp4")
        sid, _ = st.add_session(s, patient="Ana", origin="score")
        rep = patient_report(st, "Ana")
    assert _cells(render(rep), sid)[2] == f"3 / {int(d.prescription['reps'])}"
    [row] = list(csv.DictReader(io.StringIO(export.to_csv(rep))))
    assert (row["reps_done"], row["reps_total"], row["reps_left"], row["reps_right"]) == ("3", "3", "", "")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)")
def test_patient_report_tables_fit_a_1280_px_page(tmp_path: Path) -> None:
    """Every table of the patient report fits the page at 1280 px: no column (the View column,
    last) is cut off behind a scrollbar."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with Store.open(tmp_path / "s.sqlite3") as st:
        legs: tuple[list[str | None], ...] = (["left", "right"] * 3, ["right", "left", "left"])
        for i, sides in enumerate(legs):
            session = _session("hip_abduction", sides, LEG_OUT, f"legs-{i}.mp4")
            st.add_session(session, patient="Ana", origin="score", pain_before=3, pain_after=4)
        stretch = _session("hip_flexor_stretch", ["left", "right"], STRETCH, "s.mp4")
        st.add_session(stretch, patient="Ana", origin="score")
        rep = patient_report(st, "Ana")
    page_file = tmp_path / "patient.html"
    page_file.write_text(render(rep), encoding="utf-8")
    with sync_api.sync_playwright() as p:
        args = ["--no-sandbox", "--disable-gpu"]
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(page_file.as_uri())
            tables = page.evaluate(
                """() => [...document.querySelectorAll('.table-wrap')].map(w => {
                    const last = w.querySelector('thead th:last-child').getBoundingClientRect();
                    const box = w.getBoundingClientRect();
                    return {id: w.closest('section').id, scroll: w.scrollWidth, client: w.clientWidth,
                            lastRight: last.right, boxRight: box.right};
                })"""
            )
        finally:
            browser.close()
    assert {t["id"] for t in tables} == {"ex-hip_abduction", "ex-hip_flexor_stretch"}
    for t in tables:
        assert t["scroll"] <= t["client"], f"{t['id']}: the table is wider than the page"
        assert t["lastRight"] <= t["boxRight"] + 0.5, f"{t['id']}: the last column is cut off"
