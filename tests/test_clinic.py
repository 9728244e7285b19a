"""The clinician's view (issue 13): per-day numbers, adherence against the prescription in force
each day, set numbers, pain flags, who needs a look first, one-sided symmetry, and the dashboard's
two writes (a prescription, a note) behind a per-process token."""

from __future__ import annotations

import dataclasses
import http.client
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from formcheck.dashboard import TOKEN
from formcheck.definitions import load
from formcheck.reports.data import (
    attention,
    day_bounds,
    in_band,
    local_dt,
    pain_flag,
    patient_report,
    session_report,
)
from formcheck.reports.html import css_string, metric, render
from formcheck.session import Session
from formcheck.store import Store
from tests.conftest import ago
from tests.test_dashboard import error_sentence, fetch, running


def _at(s: Session, days_ago: float, source: str | None = None) -> Session:
    when = ago(days_ago).isoformat(timespec="seconds")
    return dataclasses.replace(s, created=when, source=source or f"{s.source}#{days_ago}")


def _day(days_ago: float) -> Any:
    return local_dt(ago(days_ago).isoformat()).date()


@pytest.fixture
def store(tmp_path: Path) -> Any:
    st = Store.open(tmp_path / "clinic.sqlite3")
    yield st
    st.close()


# -- small rules, as tables ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pains", "flagged"),
    [
        ([], False),
        ([("2026-11-01", 3)], False),
        ([("2026-11-01", 3), ("2026-11-03", 4)], False),
        ([("2026-11-01", 3), ("2026-11-03", 5)], True),  # up by 2
        ([("2026-10-01", 3), ("2026-11-03", 5)], False),  # the low was more than two weeks before
        ([("2026-11-01", 7)], False),  # once at 7 is not "stays"
        ([("2026-11-01", 9)], True),  # severe, even the first time
        ([("2026-11-01", 3), ("2026-11-02", 8)], True),  # severe after a low one
        ([("2026-11-01", 7), ("2026-11-02", 8)], True),  # stays at 7+
        ([("2026-11-01", 8), ("2026-11-02", 6)], False),  # coming down
    ],
)
def test_pain_flag(pains: list[tuple[str, int]], flagged: bool) -> None:
    flag = pain_flag(pains)
    assert (flag is not None) == flagged
    if flag:
        assert flag.endswith(".") and "diagnos" not in flag


@pytest.mark.parametrize(
    ("value", "limits", "inside"),
    [
        (180.0, [{"value": 163.0, "when": "below"}, {"value": 195.0, "when": "above"}], True),
        (156.0, [{"value": 163.0, "when": "below"}, {"value": 195.0, "when": "above"}], False),
        (205.0, [{"value": 163.0, "when": "below"}, {"value": 195.0, "when": "above"}], False),
        (None, [{"value": 163.0, "when": "below"}], None),
        # No limit set on the measure (shown, not judged): nothing to be inside, not "100%".
        (120.0, [], None),
        (120.0, [{"value": None, "when": "below"}], None),
    ],
)
def test_in_band(value: float | None, limits: list[dict[str, Any]], inside: bool | None) -> None:
    assert in_band(value, limits) is inside


@pytest.mark.parametrize(
    ("value", "shown"),
    [(-0.13, "0.13 shin behind"), (0.32, "0.32 shin past"), (0.001, "0.00 shin"), (None, "–")],
)
def test_signed_metric_words(value: float | None, shown: str) -> None:
    assert metric(value, {"unit": "shin", "signs": "behind|past"}) == shown


def test_a_metric_that_can_be_negative_names_its_sides() -> None:
    """Metrics measured either side of zero are shown with words, never as "-0.33 shin"."""
    two_sided = {
        "squat": ["knee_past_toes"],
        "lunge": ["knee_past_toes", "knee_inside"],
        "side_leg_raise": ["leg_lift_top_deg"],
        "donkey_kick": ["above_line_deg"],
        "fire_hydrant": ["hip_shift_ratio"],
        "hip_abduction": ["trunk_lean_deg"],
    }
    for name, metrics in two_sided.items():
        cols = {c.name: c for c in load(name).report.columns}  # type: ignore[union-attr]
        for m in metrics:
            assert cols[m].signs, (name, m)
            v = -3.3 if cols[m].unit == "°" else -0.33  # not rounding to zero (no side then)
            shown = metric(v, {"unit": cols[m].unit, "signs": cols[m].signs})
            assert not shown.startswith(("-", "−")) and shown.endswith(cols[m].signs.split("|")[0])
    assert metric(52.0, {"unit": "%"}) == "52%"  # as the reports' other percentages


def test_every_signed_column_of_every_exercise_has_two_words() -> None:
    from formcheck.definitions import available

    for name in available():
        d = load(name)
        for c in d.report.columns if d.report else ():
            assert c.signs == "" or len(c.signs.split("|")) == 2, (name, c.name)


def test_a_patient_name_cannot_leave_the_print_style() -> None:
    text = css_string('O\'Brien </style><script>x</script> "a" \\ é')
    assert "<" not in text and ">" not in text and '"' not in text and "'" not in text
    assert text.startswith("O\\000027Brien\\000020")

    def css_unescape(s: str) -> str:  # CSS Syntax 3: hex digits, then one white space is eaten
        return re.sub(r"\\([0-9a-fA-F]{1,6})[ \t\n]?", lambda m: chr(int(m.group(1), 16)), s)

    for name in ("Lima, Ana", 'O\'Brien </style> "a" \\ é', "Ana  Lima "):
        assert css_unescape(css_string(name)) == name  # what the PDF's page header prints


# -- with sessions the real pipeline scored ----------------------------------------------------------


def test_prescription_history_and_adherence_per_day(
    store: Store, sample_sessions: dict[str, Session]
) -> None:
    """A prescription set later does not rewrite the days before it; a day counts only when the
    prescribed sets with the prescribed reps were done; several sessions a day are one day."""
    br = sample_sessions["bridge_side_faults"]
    n = len(br.reps)
    for days in (12, 11, 4, 3, 3.01):  # two sets on the day 3 days ago
        store.add_session(_at(br, days), patient="Ana", origin="score")
    pid = store.patient("Ana")["id"]
    # From 5 days ago: two sets of the reps the sessions have, three days a week.
    store.set_prescription(
        pid, "bridge", {"reps": n, "sets": 2, "sessions_per_week": 3}, day_bounds(_day(5), _day(5))[0]
    )
    rep = patient_report(store, "Ana")
    ex = next(e for e in rep["exercises"] if e["exercise"] == "bridge")
    days = {d["date"]: d for d in ex["days"]}
    assert len(days) == 4 and days[_day(3).isoformat()]["sets"] == 2  # one day, two sets
    # Before the prescription: the default (10 reps, 1 set a day) was in force and not met.
    assert n < load("bridge").prescription["reps"]
    assert (
        not days[_day(12).isoformat()]["adherent"] and days[_day(12).isoformat()]["prescribed"]["reps"] == 10
    )
    # After it: two sets of n on one day is adherent; one set is not.
    assert days[_day(3).isoformat()]["adherent"]
    assert not days[_day(4).isoformat()]["adherent"]
    a = ex["adherence"]
    assert a["days_done"] == 1 and a["days_with_sets"] == 4
    weeks = a["weeks"]
    assert sum(w["days_done"] for w in weeks) == 1
    # Days prescribed: 7 a week before the change, 3 a week from it.
    first = local_dt(rep["sessions"][0]["created"]).date()
    before = (_day(5) - first).days
    after = (_day(0) - _day(5)).days + 1
    assert a["days_prescribed"] == pytest.approx(before + 3 * after / 7, abs=0.11)
    # Each session keeps the prescription of its own day.
    old = session_report(store, rep["sessions"][0]["session_id"], with_stills=False)
    new = session_report(store, rep["sessions"][-1]["session_id"], with_stills=False)
    assert old["summary"]["reps_prescribed"] == 10 and new["summary"]["reps_prescribed"] == n
    # The day's spread keeps both faults in sight: 156 and 205 do not average to "on target".
    vals = [v for v in old["rom"]["values"] if v is not None]
    day = days[_day(12).isoformat()]
    assert day["rom"]["min"] == pytest.approx(min(vals), abs=0.01)
    assert day["rom"]["max"] == pytest.approx(max(vals), abs=0.01)
    assert day["in_band"] == pytest.approx(sum(old["rom"]["in_band"]) / len(vals), abs=0.001)
    page = render(rep)
    assert "Trends per day" in page
    # One chart per measure (range, inside the band, hold, faults), each with its own date axis.
    assert page.count(">date</text>") == 4


def test_a_rescored_video_is_the_same_set(store: Store, sample_sessions: dict[str, Session]) -> None:
    sq = sample_sessions["squat_side_faults_a"]
    ids = [
        store.add_session(_at(sq, 0.02, "clip.mp4"), patient="Ana", origin="score")[0],
        store.add_session(_at(sq, 0.01, "clip.mp4"), patient="Ana", origin="score")[0],  # scored again
        store.add_session(_at(sq, 0.0, "other.mp4"), patient="Ana", origin="score")[0],
    ]
    sets = [session_report(store, i, with_stills=False)["summary"] for i in ids]
    assert [s["set_number"] for s in sets] == [1, 1, 2]
    assert all(s["sets_that_day"] == 2 for s in sets)
    page = render(session_report(store, ids[2]))
    card = re.search(r'data-metric="sets">(.*?)</div></div>', page, re.S)
    assert card and "an extra set" in card[1] and "2 of 1" not in card[1]
    first = re.search(r'data-metric="sets">(.*?)</div></div>', render(session_report(store, ids[0])), re.S)
    assert first and "1st" in first[1] and "(1 prescribed)" in first[1]
    assert "2 sets done that day in all" in first[1]


def test_session_report_names_documents_and_signs(store: Store, sample_sessions: dict[str, Session]) -> None:
    sid, _ = store.add_session(sample_sessions["squat_side_faults_a"], patient="Ana", origin="score")
    page = render(session_report(store, sid))
    assert "5 Daily Hip Exercises to Reduce Your Pain" in page
    assert not re.search(r"\d{3}_[0-9a-f]{16}\.txt", page)  # no seed file names
    assert not re.search(r">-\d+\.\d+ shin<", page) and re.search(r"shin (behind|past)<", page)


def test_one_sided_exercise_shows_each_side(store: Store, sample_sessions: dict[str, Session]) -> None:
    cl = sample_sessions["clamshell_front_faults"]
    assert load(cl.exercise).counting.per_side
    sid, _ = store.add_session(cl, patient="Ana", origin="score")
    rep = session_report(store, sid, with_stills=False)
    sides = {b["side"]: b for b in rep["symmetry"]}
    assert sides.keys() == cl.reps_by_side().keys()
    for side, b in sides.items():
        vals = [r.metrics[load(cl.exercise).report.rom] for r in cl.reps if r.side == side]
        assert b["reps"] == len(vals)
        assert b["min"] == pytest.approx(min(vals), abs=0.01) and b["max"] == pytest.approx(
            max(vals), abs=0.01
        )
    page = render(rep)
    assert 'id="symmetry"' in page and all(f'data-side="{s}"' in page for s in sides)


def test_a_clinicians_limit_becomes_a_fault(store: Store, sample_sessions: dict[str, Session]) -> None:
    sq = sample_sessions["squat_side_faults_a"]
    sid, _ = store.add_session(_at(sq, 1), patient="Ana", origin="score")
    spec = load("squat").report
    deepest = min(r.metrics[spec.rom] for r in sq.reps)
    pid = store.patient("Ana")["id"]
    store.set_prescription(pid, "squat", {"ceiling": deepest + 5}, day_bounds(_day(2), _day(2))[0])
    rep = session_report(store, sid, with_stills=False)
    past = next(f for f in rep["summary"]["faults"] if f["code"] == "past_limit")
    assert past["count"] == sum(1 for r in sq.reps if r.metrics[spec.rom] < deepest + 5) >= 1


def test_attention_puts_rising_pain_first(store: Store, sample_sessions: dict[str, Session]) -> None:
    br = sample_sessions["bridge_side_faults"]
    for days, pain in ((6, 3), (3, 3), (1, 5)):
        store.add_session(_at(br, days), patient="Rising", origin="live", pain_before=2, pain_after=pain)
    for days in (6, 3, 1):
        store.add_session(
            _at(br, days, f"steady{days}"), patient="Steady", origin="live", pain_before=2, pain_after=2
        )
    rows = attention(store)
    assert rows[0]["patient"]["name"] == "Rising"
    assert rows[0]["pain_flag"] == "Pain after exercise went up from 3 to 5."
    assert rows[1]["pain_flag"] is None and rows[1]["pain"] == [2, 2, 2]


def test_days_done_over_a_programme() -> None:
    """A patient's days from per-exercise calendars (reports.data._days_done), by hand."""
    from datetime import date

    from formcheck.reports.data import _days_done

    def cal(first: int, last: int, due: float, done: set[int]) -> list[dict[str, Any]]:
        days = range(first, last + 1)
        return [{"date": date(2026, 3, d).isoformat(), "due": due, "adherent": d in done} for d in days]

    today = date(2026, 3, 6)  # a Friday; the week began on Monday the 2nd
    # A daily exercise done Monday to Thursday, another first done on Thursday: no day before
    # Thursday is held against the second; Thursday is done, today not yet and not missed.
    assert _days_done([cal(2, 6, 1.0, {2, 3, 4, 5}), cal(5, 6, 1.0, {5})], today) == (4, 5.0, 0)
    # The same, the second not done on Thursday: Thursday is missed.
    assert _days_done([cal(2, 6, 1.0, {2, 3, 4, 5}), cal(5, 6, 1.0, set())], today) == (3, 5.0, 1)
    # Three days a week (3/7 a day) alongside a daily one: only the daily one decides a day.
    assert _days_done([cal(2, 6, 1.0, {2, 3}), cal(2, 6, 3 / 7, set())], today) == (2, 5.0, 2)
    # Only a three-days-a-week exercise, done twice: 4 days x 3/7 = 1.7 due before today, 2 done.
    done, due, missed = _days_done([cal(2, 6, 3 / 7, {2, 4})], today)
    assert (done, round(due, 2), missed) == (2, round(5 * 3 / 7, 2), 0)
    # Half a day due rounds up, as people count: 3.5 days, 2 done -> 2 missed.
    assert _days_done([cal(2, 8, 0.5, {2, 3})], date(2026, 3, 9))[2] == 2
    assert _days_done([], today) == (0, 0.0, 0)


def test_attention_counts_a_patients_days_not_exercise_days(
    store: Store, sample_sessions: dict[str, Session]
) -> None:
    """Three exercises on one day are one day; days before the first session and today (not over
    yet) are never missed; a day is done when every daily exercise had its prescribed sets."""
    clips = ("squat_side_faults_a", "bridge_side_faults", "clamshell_front_faults")
    picked = [sample_sessions[n] for n in clips]
    for s in picked:  # a new patient, first seen today: three exercises, too few reps each
        store.add_session(_at(s, 0), patient="New", origin="score")
    [row] = attention(store)
    assert row["week"] == {"days_done": 0, "days_prescribed": 1.0} and row["missed"] == 0

    # From yesterday the prescription is what the samples do: yesterday and today are done.
    pid = store.patient("New")["id"]
    start = day_bounds(_day(1), _day(1))[0]
    for s in picked:
        sides = [r.side for r in s.reps]
        per_side = load(s.exercise).counting.per_side
        reps = min(sides.count(x) for x in ("left", "right")) if per_side else len(sides)
        store.set_prescription(pid, s.exercise, {"reps": reps, "sets": 1}, start)
        store.add_session(_at(s, 1), patient="New", origin="score")
    today = _day(0)
    rows = {r["patient"]["name"]: r for r in attention(store, today)}
    new = rows["New"]
    # Yesterday is in this week only when today is not a Monday.
    yesterday_counts = _day(1) >= today - timedelta(days=today.weekday())
    assert new["week"]["days_done"] == (2 if yesterday_counts else 1)
    assert new["week"]["days_prescribed"] == (2.0 if yesterday_counts else 1.0)
    assert new["missed"] == 0
    store.add_session(_at(picked[0], 0, "second"), patient="New", origin="score")  # a set too many
    assert attention(store, today)[0]["week"]["days_done"] == new["week"]["days_done"]

    # Seen first three days ago (too few reps then): of this week's days from then to yesterday,
    # all but yesterday are missed.
    store.add_session(_at(picked[0], 3, "older"), patient="New", origin="score")
    week0 = today - timedelta(days=today.weekday())
    since = max(week0, _day(3))
    window = max(0, (_day(1) - since).days + 1)
    assert attention(store, today)[0]["missed"] == window - (1 if yesterday_counts else 0)


def test_a_version_1_store_gets_prescription_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Migrating keeps every prescription, in force from when it was made, and adds notes."""
    from formcheck.store import schema

    path = tmp_path / "v1.sqlite3"
    monkeypatch.setattr("formcheck.store.db.MIGRATIONS", schema.MIGRATIONS[:1])
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:1])
    with Store.open(path) as st:
        assert st.version == 1
        st.db.execute("INSERT INTO patients(name, created) VALUES ('Ana', '2026-01-01T00:00:00+00:00')")
        st.db.execute(
            "INSERT INTO prescriptions(patient_id, exercise, created, prescription_json)"
            " VALUES (1, 'squat', '2026-01-02T10:00:00+00:00', '{\"reps\": 8.0}')"
        )
    monkeypatch.undo()
    with Store.open(path) as st:
        assert st.version == schema.latest_version()
        [h] = st.prescriptions(1)
        assert h["valid_from"] == "2026-01-02T10:00:00+00:00" and h["set_by"] == "session"
        assert st.prescription_in_force(1, "squat", "2026-01-02T09:00:00+00:00") is None
        assert st.prescription_in_force(1, "squat", "2026-01-03T00:00:00+00:00") == {"reps": 8.0}
        assert st.notes(1) == []


# -- the dashboard's writes --------------------------------------------------------------------------


def _post(url: str, path: str, fields: dict[str, str], headers: dict[str, str] | None = None) -> Any:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.request(
            "POST",
            path,
            urllib.parse.urlencode(fields),
            {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
        )
        r = conn.getresponse()
        return r.status, r.getheader("Location"), r.read().decode()
    finally:
        conn.close()


def test_dashboard_writes_only_through_its_forms(tmp_path: Path, sample_sessions: dict[str, Session]) -> None:
    path = tmp_path / "dash.sqlite3"
    with Store.open(path) as st:
        sid, _ = st.add_session(_at(sample_sessions["squat_side_faults_a"], 1), patient="Ana", origin="score")
        bid, _ = st.add_session(_at(sample_sessions["bridge_side_faults"], 1), patient="Ana", origin="score")
        pid = st.patient("Ana")["id"]
    with running(path) as url:
        page = fetch(url, f"/patients/{pid}").text
        assert f'name="token" value="{TOKEN}"' in page and 'data-exercise="squat"' in page
        rx = {"exercise": "squat", "valid_from": str(_day(0)), "reps": "4", "sets": "2"}
        for fields, headers, status, says in [
            (rx, {}, 403, "out of date"),  # no token
            ({**rx, "token": "guess"}, {}, 403, "out of date"),
            ({**rx, "token": TOKEN}, {"Origin": "http://evil.example"}, 403, "own pages"),
            ({**rx, "token": TOKEN, "reps": "lots"}, {}, 400, "must be a number"),
            ({**rx, "token": TOKEN, "reps": "-1"}, {}, 400, "from 0 to 10000"),
            ({**rx, "token": TOKEN, "exercise": "../etc"}, {}, 400, "Pick an exercise"),
            ({**rx, "token": TOKEN, "valid_from": "soon"}, {}, 400, "must be a date"),
        ]:
            status_got, _, text = _post(url, f"/patients/{pid}/prescription", fields, headers)
            assert status_got == status, fields
            assert says.lower() in error_sentence(text).lower()
        with Store.open(path, create=False) as st:
            assert st.prescriptions(pid) == []  # nothing written by any of those
        status, where, _ = _post(url, f"/patients/{pid}/prescription", {**rx, "token": TOKEN})
        assert (status, where) == (303, f"/patients/{pid}")
        with Store.open(path, create=False) as st:
            hist = st.prescriptions(pid, "squat")
        assert (
            len(hist) == 1
            and hist[0]["values"] == {"reps": 4.0, "sets": 2.0}
            and hist[0]["set_by"] == "clinician"
        )
        assert "reps per set 4, sets a day 2" in fetch(url, f"/patients/{pid}").text

        note = "Knees <b>much</b> better & less pain"
        status, where, _ = _post(url, f"/sessions/{sid}/notes", {"token": TOKEN, "text": note})
        assert (status, where) == (303, f"/sessions/{sid}#notes")
        shown = fetch(url, f"/sessions/{sid}").text
        assert "Knees &lt;b&gt;much&lt;/b&gt; better &amp; less pain" in shown and "<b>much" not in shown
        assert _post(url, f"/sessions/{sid}/notes", {"token": "x", "text": "y"})[0] == 403
        assert _post(url, "/sessions/999/notes", {"token": TOKEN, "text": "y"})[0] == 404

        # Compare only like with like.
        r = fetch(url, f"/compare?a={sid}&b={bid}")
        assert r.status == 400 and "one exercise" in error_sentence(r.text)


def test_patient_page_is_paged(tmp_path: Path, sample_sessions: dict[str, Session]) -> None:
    from formcheck.dashboard import PAGE

    path = tmp_path / "many.sqlite3"
    with Store.open(path) as st:
        for i in range(PAGE + 3):
            st.add_session(_at(sample_sessions["bridge_side_faults"], i / 4), patient="Ana", origin="score")
        pid = st.patient("Ana")["id"]
    with running(path) as url:
        one = fetch(url, f"/patients/{pid}").text
        two = fetch(url, f"/patients/{pid}?page=2").text
        assert len(re.findall(r'<tr data-session="\d+"', one)) == PAGE
        assert len(re.findall(r'<tr data-session="\d+"', two)) == 3
        assert "page 1 of 2" in one and f'href="/patients/{pid}?page=2"' in one
        for bad in ("3", "0", "x"):
            r = fetch(url, f"/patients/{pid}?page={bad}")
            assert r.status == 400 and "page" in error_sentence(r.text)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(CHROMIUM is None, reason="writing PDFs needs Chromium (apt-get install chromium)")
@pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="reading the PDF needs pdftotext (poppler-utils)"
)
def test_patient_pdf_names_the_patient_and_numbers_every_page(
    tmp_path: Path, sample_sessions: dict[str, Session]
) -> None:
    path = tmp_path / "pdf.sqlite3"
    with Store.open(path) as st:
        for days in range(6):
            for clip in ("squat_side_faults_a", "bridge_side_faults"):
                st.add_session(_at(sample_sessions[clip], days), patient="Ana Lima", origin="score")
    p = subprocess.run(
        [sys.executable, "-m", "formcheck", "report", "--patient", "ana lima", "--pdf", "-o", "r.html"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "FORMCHECK_STORE": str(path)},
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = [pg for pg in text.split("\f") if pg.strip()]
    assert len(pages) >= 2
    for i, pg in enumerate(pages, 1):
        assert "Ana Lima" in pg, f"page {i}"
        assert f"page {i} of {len(pages)}" in pg
