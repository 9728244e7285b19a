"""Clinician reports built from sessions the real pipeline scored from the bundled samples:
the numbers a report shows are checked against the session data itself."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from formcheck.definitions import load
from formcheck.live.app import ask_pain
from formcheck.reports import export
from formcheck.reports.data import local_dt, patient_report, session_report
from formcheck.reports.html import render
from formcheck.session import Session
from formcheck.store import Store


class _Page(HTMLParser):
    """Collects what the tests read back from a report page."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[str]] = {}  # data-rep -> cell texts
        self.tags: dict[str, list[str]] = {}  # data-rep -> fault tags
        self.cards: dict[str, str] = {}  # data-metric -> text
        self.stills: list[dict[str, str]] = []
        self.urls: list[str] = []
        self.svgs = 0
        self._rep: str | None = None
        self._card: str | None = None
        self._depth = 0
        self._cell: list[str] | None = None
        self._tag = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for k in ("src", "href"):
            if k in a:
                self.urls.append(a[k])
        if tag == "svg":
            self.svgs += 1
        if tag == "tr" and "data-rep" in a:
            self._rep = a["data-rep"]
            self.rows[self._rep], self.tags[self._rep] = [], []
        if tag == "td" and self._rep is not None:
            self._cell = []
        if tag == "span" and self._rep is not None and "tag" in a.get("class", ""):
            self._tag = True
        if tag == "div" and self._card is not None:
            self._depth += 1
        if tag == "div" and "data-metric" in a:
            self._card, self._depth = a["data-metric"], 1
            self.cards[self._card] = ""
        if tag == "figure" and "still" in a.get("class", ""):
            self.stills.append({"code": a["data-code"], "rep": a["data-rep"]})
        if tag == "img" and self.stills:
            self.stills[-1]["src"] = a.get("src", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._card is not None:
            self._depth -= 1
            if self._depth == 0:
                self._card = None
        if tag == "tr":
            self._rep = None
        if tag == "td" and self._cell is not None and self._rep is not None:
            self.rows[self._rep].append(" ".join("".join(self._cell).split()))
            self._cell = None
        if tag == "span":
            self._tag = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._tag and self._rep is not None:
            self.tags[self._rep].append(data.strip())
        if self._card is not None:
            self.cards[self._card] += " " + data

    def card(self, key: str) -> str:
        return " ".join(self.cards[key].split())


def _parse(html: str) -> _Page:
    p = _Page()
    p.feed(html)
    return p


@pytest.fixture
def store(tmp_path: Path) -> Store:
    st = Store.open(tmp_path / "reports.sqlite3")
    yield st  # type: ignore[misc]
    st.close()


@pytest.mark.parametrize("clip", ["squat_side_faults_a", "bridge_side_faults", "clamshell_front_faults"])
def test_session_report_numbers_match_the_session(
    store: Store, sample_sessions: dict[str, Session], clip: str
) -> None:
    s = sample_sessions[clip]
    sid, _ = store.add_session(s, patient="Ana Lima", origin="score", pain_before=5, pain_after=3)
    rep = session_report(store, sid)
    d = load(s.exercise)
    assert rep["summary"]["reps_done"] == len(s.reps) > 0
    assert rep["summary"]["faulty_reps"] == sum(1 for r in s.reps if r.faults)
    by_side = {b["side"]: b["done"] for b in rep["summary"]["by_side"]}
    assert by_side == (s.reps_by_side() if d.counting.per_side else {"both": len(s.reps)})
    counts: dict[str, int] = {}
    for r in s.reps:
        for f in r.faults:
            counts[f.code] = counts.get(f.code, 0) + 1
    assert {f["code"]: f["count"] for f in rep["summary"]["faults"]} == counts
    assert d.report is not None
    rom = [r.metrics[d.report.rom] for r in s.reps]
    assert rep["rom"]["values"] == pytest.approx(rom, abs=0.01)
    assert rep["rom"]["target"] == d.prescription[d.target]
    if "hold_s" in s.reps[0].metrics:
        assert rep["summary"]["hold"]["mean_s"] == pytest.approx(
            np.mean([r.metrics["hold_s"] for r in s.reps]), abs=0.01
        )

    page = _parse(render(rep))
    assert set(page.rows) == {str(r.index) for r in s.reps}
    labels = {c.code: c.label for c in d.checks}
    for r in s.reps:
        want = [labels[c] for c in r.fault_codes] or ["clean"]
        assert page.tags[str(r.index)] == want, f"rep {r.index}"
    for b in rep["summary"]["by_side"]:
        key = f"reps-{b['side']}" if d.counting.per_side else "reps"
        assert f"{b['done']} of {b['prescribed']}" in page.card(key)
    assert page.card("pain") == "Pain before → after (0–10) 5 → 3"
    assert (
        page.card("clean")
        == f"Reps without a fault {len(s.reps) - rep['summary']['faulty_reps']} of {len(s.reps)}"
    )
    # One still per fault, each the JPEG the store kept, and nothing fetched from anywhere.
    assert sorted((x["rep"], x["code"]) for x in page.stills) == sorted(
        (str(r.index), f.code) for r in s.reps for f in r.faults
    )
    assert all(x["src"].startswith("data:image/jpeg;base64,") for x in page.stills)
    assert not [u for u in page.urls if not u.startswith(("data:", "#"))]
    assert page.svgs >= 2


def test_rep_table_values_are_the_session_metrics(store: Store, sample_sessions: dict[str, Session]) -> None:
    s = sample_sessions["squat_side_faults_a"]
    sid, _ = store.add_session(s, patient="Ana", origin="score")
    rep = session_report(store, sid)
    page = _parse(render(rep))
    names = [c["name"] for c in rep["columns"]]
    assert "knee_min_deg" in names and "knee_gap_ratio_min" not in names  # front-only: left out
    col = names.index("knee_min_deg") + 2  # after rep and time
    for r in s.reps:
        assert page.rows[str(r.index)][col] == f"{r.metrics['knee_min_deg']:.0f}°"


def test_exports_carry_the_same_numbers(store: Store, sample_sessions: dict[str, Session]) -> None:
    s = sample_sessions["bridge_side_faults"]
    sid, _ = store.add_session(s, patient="Ana", origin="score")
    rep = session_report(store, sid)
    data = json.loads(export.to_json(rep))
    assert [r["metrics"]["hip_line_top_deg"] for r in data["reps"]] == pytest.approx(
        [r.metrics["hip_line_top_deg"] for r in s.reps], abs=0.001
    )
    assert "still_jpeg" not in json.dumps(data)
    import csv

    rows = list(csv.DictReader(io.StringIO(export.to_csv(rep))))
    assert [int(r["rep"]) for r in rows] == [r.index for r in s.reps]
    assert [r["faults"] for r in rows] == [";".join(r.fault_codes) for r in s.reps]


def test_patient_report_trends_and_adherence(
    store: Store, sample_sessions: dict[str, Session], dated: Any
) -> None:
    sq, br = sample_sessions["squat_side_faults_a"], sample_sessions["bridge_side_faults"]
    # Squats on 6 different days over three weeks (two sets on one day), bridges on 2 days.
    for days in (20, 16, 13, 9, 6, 2):
        store.add_session(dated(sq, days), patient="Ana", origin="score", pain_before=4, pain_after=3)
    store.add_session(dated(sq, 2.01), patient="Ana", origin="score")
    for days in (15, 1):
        store.add_session(dated(br, days), patient="Ana", origin="score")
    store.add_session(dated(sq, 3), patient="Someone Else", origin="score")
    rep = patient_report(store, "Ana")
    first = local_dt(dated(sq, 20).created).date()  # type: ignore[attr-defined]
    today = datetime.now().astimezone().date()
    assert rep["from"] == first.isoformat() and rep["to"] == today.isoformat()
    assert len(rep["sessions"]) == 9
    ex = {e["exercise"]: e for e in rep["exercises"]}
    n_days = (today - first).days + 1
    squat_days = {date.fromisoformat(p["date"]) for p in ex["squat"]["points"]}
    # A day counts only when the prescribed reps were done: these squats have fewer than 10.
    assert len(sq.reps) < load("squat").prescription["reps"]
    assert ex["squat"]["adherence"]["days_with_sets"] == len(squat_days) == len(ex["squat"]["days"])
    assert ex["squat"]["adherence"]["days_done"] == 0
    assert ex["squat"]["adherence"]["days_prescribed"] == pytest.approx(7 * n_days / 7, abs=0.05)
    assert ex["squat"]["adherence"]["percent"] == 0
    assert sum(w["days_with_sets"] for w in ex["squat"]["adherence"]["weeks"]) == len(squat_days)
    rom_mean = float(np.mean([r.metrics["knee_min_deg"] for r in sq.reps]))
    assert all(p["rom_mean"] == pytest.approx(rom_mean, abs=0.01) for p in ex["squat"]["points"])
    faulty = sum(1 for r in sq.reps if r.faults) / len(sq.reps)
    assert ex["squat"]["fault_rate"] == pytest.approx(faulty, abs=0.001)
    assert len(ex["bridge"]["points"]) == 2
    # A period: only what falls in it.
    lo = local_dt(dated(sq, 10).created).date()  # type: ignore[attr-defined]
    part = patient_report(store, "Ana", lo, today - timedelta(days=4))
    assert {p["date"] for p in part["sessions"]} <= {
        (lo + timedelta(days=i)).isoformat() for i in range((today - lo).days)
    }
    assert len(part["sessions"]) == 2  # the squats 9 and 6 days ago
    page = render(rep)
    assert "Someone Else" not in page
    assert len(re.findall(r'<tr data-session="\d+">', page)) == 9
    assert len(export.to_csv(rep).strip().splitlines()) == 1 + 9


def test_ask_pain_takes_0_to_10_or_nothing() -> None:
    assert ask_pain("now", io.StringIO("7\n")) == 7
    assert ask_pain("now", io.StringIO("\n")) is None
    assert ask_pain("now", io.StringIO("")) is None  # no input at all
    assert ask_pain("now", io.StringIO("eleven\n11\n3\n")) == 3
    assert ask_pain("now", io.StringIO("x\ny\nz\n")) is None


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(CHROMIUM is None, reason="writing PDFs needs Chromium (apt-get install chromium)")
def test_report_pdf_is_a4_pages(tmp_path: Path, sample_sessions: dict[str, Session]) -> None:
    path = tmp_path / "pdf.sqlite3"
    with Store.open(path) as st:
        sid, _ = st.add_session(sample_sessions["squat_side_faults_a"], patient="Ana", origin="score")
    env = {**os.environ, "FORMCHECK_STORE": str(path)}
    p = subprocess.run(
        [sys.executable, "-m", "formcheck", "report", str(sid), "--pdf", "-o", "r.html"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    pdf = (tmp_path / "r.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert boxes and all(abs(float(w) - 595) < 2 and abs(float(h) - 842) < 2 for w, h in boxes)  # A4
    assert 1 <= len(boxes) <= 4
    assert not list(tmp_path.glob(".r.*"))  # no temporary file left behind


def test_a_rep_none_of_whose_checks_were_made_is_not_checked_everywhere(
    store: Store, sample_sessions: dict[str, Session], tmp_path: Path
) -> None:
    """A rep whose every check was not made (knees out of the picture, a cut) is "not checked"
    in the terminal, session.json, the store, the report page, its chart and its CSV; never
    "clean". Checks some reps could not make are said per rep, with the reason."""
    import csv
    import dataclasses

    from formcheck.report_text import session_text
    from formcheck.session import load_session

    s = sample_sessions["squat_side_faults_a"]
    d = load("squat")
    assert not s.reps[0].faults and s.reps[1].faults
    every = {  # with those not made in any rep (the front-view ones), every check of the body:
        c.code: f"Keep your knees in the picture, clearly seen, to check {c.label}."
        for c in d.checks
        if c.code not in s.skipped_checks and c.joints  # tempo alone was judged (no fault)
    }
    assert "too_fast" not in every and "too_fast" not in s.reps[0].skipped
    depth = d.checks[[c.code for c in d.checks].index("shallow")]
    reps = [
        dataclasses.replace(  # its depth left blank, as a checker leaves a number it does not trust
            s.reps[0],
            skipped={**s.reps[0].skipped, **every},
            metrics={**s.reps[0].metrics, "knee_min_deg": np.nan},
        ),
        dataclasses.replace(
            s.reps[1],
            skipped={**s.reps[1].skipped, "trunk_lean": "Keep your shoulders in the picture, clearly seen, "
                     "to check back angle."},
        ),
        *s.reps[2:],
    ]
    s = dataclasses.replace(s, reps=reps)
    text = session_text(s, [])
    assert re.search(r"^\s*1\s.*not checked$", text, re.M) and not re.search(r"^\s*1\s.*good$", text, re.M)
    [line] = [x for x in text.splitlines() if x.startswith("Rep 1, not checked: ")]
    assert depth.label in line and line.endswith("(keep your knees in the picture, clearly seen).")
    assert "knee tracking" not in line  # not made in any rep: said once, on the session's line
    assert "Rep 2, not checked: back angle (keep your shoulders in the picture, clearly seen)." in text

    path = tmp_path / "session.json"
    s.write(tmp_path)
    back = load_session(path)
    assert [r.skipped for r in back.reps] == [r.skipped for r in s.reps]
    assert "not_checked" in s.reps_csv().splitlines()[0]

    sid, _ = store.add_session(back, patient="Ana", origin="score")
    rep = session_report(store, sid)
    sm = rep["summary"]
    assert [r["unchecked"] for r in rep["reps"]] == [True, False, False, False]
    assert (sm["clean_reps"], sm["faulty_reps"], sm["unchecked_reps"], sm["checked_reps"]) == (0, 3, 1, 3)
    html = render(rep)
    page = _parse(html)
    assert page.tags["1"] == ["not checked"]
    assert page.card("clean") == "Reps without a fault 0 of 3 checked 1 not checked (see the reps)"
    line = "<li>Rep 2, not checked: back angle (keep your shoulders in the picture, clearly seen).</li>"
    assert line in html
    rows = list(csv.DictReader(io.StringIO(export.to_csv(rep))))
    assert set(rows[0]["not_checked"].split(";")) == {c.code for c in d.checks} - {"too_fast"}
    # The angle chart shows no number the table left blank: rep 1's stretch of the trace is empty.
    tr = rep["trace"]
    trace = list(zip(tr["t_s"], tr["key_deg"], strict=True))
    inside = [k for t, k in trace if s.reps[0].start_s + 0.01 < t < s.reps[0].end_s - 0.01]
    after = [k for t, k in trace if s.reps[1].start_s <= t <= s.reps[1].end_s]
    assert inside and all(k is None for k in inside) and any(k is not None for k in after)
    assert rows[1]["not_checked"].endswith("trunk_lean")
    from formcheck.fhir import session_bundle

    [obs] = [
        e["resource"] for e in session_bundle(store, sid)["entry"]
        if e["resource"].get("code", {}).get("coding", [{}])[0].get("code") == "reps-completed"
    ]
    checked = {c["code"]["coding"][0]["code"]: c.get("valueQuantity", {}).get("value")
               for c in obs["component"]}
    assert obs["valueQuantity"]["value"] == 4 and checked["reps-form-checked"] == 3
    # A day's share of reps with a fault is of the reps that were checked.
    pr = patient_report(store, "Ana")
    [ex] = pr["exercises"]
    assert ex["fault_rate"] == pytest.approx(3 / 3)
