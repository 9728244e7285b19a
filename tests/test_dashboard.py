"""The local web dashboard (``formcheck serve``): routes over HTTP, then end to end in Chromium.

The HTTP tests run the real server on a free port in a thread, with a store of sessions scored by
the real pipeline, and check that each page's numbers are the store's. The browser tests click
through the dashboard in headless Chromium (Playwright) and check their screenshots. Set
FORMCHECK_SCREENSHOTS=DIR to keep a copy of the screenshots to look at.
"""

from __future__ import annotations

import contextlib
import csv
import http.client
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from formcheck.dashboard import CSP, make_server, serve
from formcheck.definitions import load
from formcheck.errors import UsageError
from formcheck.store import Store

ODD_NAME = "O'Brien <b>& Co</b>"  # markup in a patient's name must show as text
SQUAT_REPS = int(load("squat").prescription["reps"])  # the sessions were scored with the default


@dataclass
class Dash:
    url: str
    store_path: Path
    ids: dict[str, int]  # clip name -> session id
    patients: dict[str, int]  # name -> patient id


@dataclass
class Reply:
    status: int
    headers: Any
    text: str


def fetch(url: str, path: str, *, method: str = "GET", headers: dict[str, str] | None = None) -> Reply:
    """A request with ``path`` sent exactly as written (nothing normalises ``..`` on the way)."""
    host, port = url.removeprefix("http://").rstrip("/").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        given = {k.lower() for k in headers or {}}
        conn.putrequest(method, path, skip_host="host" in given, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        r = conn.getresponse()
        return Reply(r.status, r.headers, r.read().decode("utf-8"))
    finally:
        conn.close()


@contextlib.contextmanager
def running(store_path: Path) -> Iterator[str]:
    """The dashboard on a free port in a thread; yields its base URL."""
    server = make_server(store_path, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(120)


# Ceiling for waiting on an event (a line printed, a process ending): generous, because the
# machine may be busy; a test waits for the event, never for a fixed time.
CEILING_S = 300.0


def first_line(proc: subprocess.Popen[str], ceiling_s: float = CEILING_S) -> str:
    """The first line ``proc`` prints, waited for (on a thread) up to ``ceiling_s``."""
    got: list[str] = []
    assert proc.stdout is not None
    stdout = proc.stdout
    reader = threading.Thread(target=lambda: got.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(ceiling_s)
    assert got, f"nothing printed in {ceiling_s:.0f} s"
    return got[0]


def error_sentence(page: str) -> str:
    m = re.search(r'<p class="error">(.*?)</p>', page, re.S)
    assert m, "an error page says what went wrong in a sentence"
    return m[1]


def rows_of(page: str, attr: str) -> set[int]:
    return {int(x) for x in re.findall(rf'<tr data-{attr}="(\d+)"', page)}


def tr(page: str, attr: str, value: str) -> str:
    m = re.search(rf'<tr data-{attr}="{re.escape(value)}">(.*?)</tr>', page, re.S)
    assert m, f"no row data-{attr}={value}"
    return m[1]


@pytest.fixture
def dash(tmp_path: Path, sample_sessions: dict[str, Any], dated: Any) -> Iterator[Dash]:
    """Two patients: Ana (a squat 5 days ago, a bridge 2 days ago) and one with markup in their name."""
    path = tmp_path / "dash.sqlite3"
    with Store.open(path) as store:
        ids = {
            "squat_side_faults_a": store.add_session(
                dated(sample_sessions["squat_side_faults_a"], 5), patient="Ana", origin="score"
            )[0],
            "bridge_side_faults": store.add_session(
                dated(sample_sessions["bridge_side_faults"], 2),
                patient="Ana",
                origin="live",
                pain_before=4,
                pain_after=2,
            )[0],
            "clamshell_front_faults": store.add_session(
                dated(sample_sessions["clamshell_front_faults"], 1), patient=ODD_NAME, origin="score"
            )[0],
        }
        patients = {p["name"]: int(p["id"]) for p in store.patients()}
    with running(path) as url:
        yield Dash(url, path, ids, patients)


# -- routes over HTTP --------------------------------------------------------------------------


def test_index_lists_patients_and_sessions(dash: Dash) -> None:
    r = fetch(dash.url, "/")
    assert r.status == 200
    assert r.headers["Content-Security-Policy"].startswith(
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    )
    assert r.headers["Content-Security-Policy"] == CSP
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert rows_of(r.text, "patient") == set(dash.patients.values())
    assert rows_of(r.text, "session") == set(dash.ids.values())
    with Store.open(dash.store_path, create=False) as store:
        for s in store.sessions():
            row = tr(r.text, "session", str(s["id"]))
            assert f'<td class="n">{s["n_reps"]}</td><td class="n">{s["n_faulty_reps"]}</td>' in row
            assert f'name="a" value="{s["id"]}"' in row and f'name="b" value="{s["id"]}"' in row
        for p in store.patients():
            last = datetime.fromisoformat(p["last"]).astimezone().date().isoformat()
            assert last in tr(r.text, "patient", str(p["id"]))  # the last session's day
    assert "O&#x27;Brien &lt;b&gt;&amp; Co&lt;/b&gt;" in r.text
    assert "<b>&" not in r.text
    assert 'action="/compare"' in r.text


def test_session_page_shows_the_stores_reps_and_faults(dash: Dash) -> None:
    with Store.open(dash.store_path, create=False) as store:
        for sid in dash.ids.values():
            s = store.session(sid)
            r = fetch(dash.url, f"/sessions/{sid}")
            assert r.status == 200, sid
            assert r.headers["Content-Security-Policy"] == CSP
            assert len(re.findall(r'<tr data-rep="\d+"', r.text)) == len(s["reps"])
            codes = {f["code"] for rep in s["reps"] for f in rep["faults"]}
            assert codes, "the sample sessions have faults"
            for code in codes:
                assert f'data-code="{code}"' in r.text
            assert '<a href="/">Dashboard</a>' in r.text
            assert f'href="/patients/{s["patient"]["id"]}"' in r.text
            stills = sum(f["has_still"] for rep in s["reps"] for f in rep["faults"])
            assert r.text.count('<img src="data:image/jpeg;base64,') == stills


def test_session_exports_are_attachments_with_the_stores_numbers(dash: Dash) -> None:
    sid = dash.ids["squat_side_faults_a"]
    with Store.open(dash.store_path, create=False) as store:
        s = store.session(sid)
    r = fetch(dash.url, f"/sessions/{sid}.csv")
    assert r.status == 200
    assert r.headers["Content-Type"].startswith("text/csv")
    assert r.headers["Content-Disposition"] == f'attachment; filename="session-{sid}.csv"'
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [int(x["rep"]) for x in rows] == [rep["index"] for rep in s["reps"]]
    assert [x["faults"] for x in rows] == [";".join(f["code"] for f in rep["faults"]) for rep in s["reps"]]
    r = fetch(dash.url, f"/sessions/{sid}.json")
    assert r.status == 200
    assert r.headers["Content-Disposition"] == f'attachment; filename="session-{sid}.json"'
    data = json.loads(r.text)
    assert data["kind"] == "session" and data["session"]["id"] == sid
    assert data["summary"]["reps_done"] == len(s["reps"])


def test_patient_page_and_period_report(dash: Dash) -> None:
    ana = dash.patients["Ana"]
    squat, bridge = dash.ids["squat_side_faults_a"], dash.ids["bridge_side_faults"]
    r = fetch(dash.url, f"/patients/{ana}")
    assert r.status == 200
    assert rows_of(r.text, "session") == {squat, bridge}
    assert f'action="/patients/{ana}/report"' in r.text
    assert 'name="from"' in r.text and 'name="to"' in r.text

    r = fetch(dash.url, f"/patients/{ana}/report")
    assert r.status == 200
    assert rows_of(r.text, "session") == {squat, bridge}
    assert f'href="/sessions/{squat}"' in r.text  # sessions link to their reports

    today = datetime.now().astimezone().date()
    period = f"from={today - timedelta(days=3)}&to={today}"
    r = fetch(dash.url, f"/patients/{ana}/report?{period}")
    assert r.status == 200
    assert rows_of(r.text, "session") == {bridge}
    assert f"/patients/{ana}/report.csv?{period}".replace("&", "&amp;") in r.text

    r = fetch(dash.url, f"/patients/{ana}/report.csv?{period}")
    assert r.status == 200
    assert r.headers["Content-Disposition"].startswith(f'attachment; filename="patient-{ana}-')
    assert [int(x["session_id"]) for x in csv.DictReader(io.StringIO(r.text))] == [bridge]
    r = fetch(dash.url, f"/patients/{ana}/report.json?{period}")
    data = json.loads(r.text)
    assert data["kind"] == "patient" and [p["session_id"] for p in data["sessions"]] == [bridge]

    odd = fetch(dash.url, f"/patients/{dash.patients[ODD_NAME]}")
    assert odd.status == 200 and "<b>&" not in odd.text and "&lt;b&gt;&amp; Co" in odd.text


def test_compare_shows_both_sessions(dash: Dash, sample_sessions: dict[str, Any], dated: Any) -> None:
    a = dash.ids["squat_side_faults_a"]
    with Store.open(dash.store_path) as store:  # a second squat, of the patient with markup in the name
        b = store.add_session(
            dated(sample_sessions["squat_side_faults_a"], 1), patient=ODD_NAME, origin="score"
        )[0]
    r = fetch(dash.url, f"/compare?a={a}&b={b}")
    assert r.status == 200
    assert r.headers["Content-Security-Policy"] == CSP
    with Store.open(dash.store_path, create=False) as store:
        sa, sb = store.session(a), store.session(b)
    reps = re.findall(r"<td>(.*?)</td>", tr(r.text, "row", "reps"))
    assert len(reps) == 2
    assert reps[0] == f"{len(sa['reps'])} of {SQUAT_REPS}" == reps[1]
    assert '<td class="diff">same</td>' in tr(r.text, "row", "rom-median")  # the same clip: no difference
    for s in (sa, sb):
        for code in {f["code"] for rep in s["reps"] for f in rep["faults"]}:
            counts = re.findall(r"<td>(.*?)</td>", tr(r.text, "code", code))
            n = sum(1 for rep in s["reps"] if any(f["code"] == code for f in rep["faults"]))
            assert f"{n} (rep" in counts[0 if s is sa else 1]
    assert r.text.count('<svg class="plot"') == 2
    ylims = re.findall(r'<svg class="plot".*?</svg>', r.text, re.S)
    ticks = [re.findall(r">(\d+)</text>", svg) for svg in ylims]
    assert ticks[0] == ticks[1]  # one scale for both
    assert r.text.count('<figure class="still"') >= 2  # the moments of the faults, A beside B
    assert f'href="/sessions/{a}"' in r.text and f'href="/sessions/{b}"' in r.text
    assert "&lt;b&gt;&amp; Co" in r.text and "<b>&" not in r.text


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/sessions/999", 404, "no session 999"),
        ("/sessions/999.csv", 404, "no session 999"),
        ("/patients/999", 404, "no patient 999"),
        ("/patients/999/report", 404, "no patient 999"),
        ("/nothing-here", 404, "no such page"),
        ("/compare", 400, "Pick two sessions"),
        ("/compare?a=1", 400, "Pick two sessions"),
        ("/compare?a=1&b=x", 400, "must be a session number"),
        ("/compare?a=1&b=999", 404, "no session 999"),
        ("/patients/1/report?from=yesterday", 400, "must be a date"),
        ("/patients/1/report?from=2026-02-30", 400, "must be a date"),
        ("/patients/1/report?from=0001-01-01", 400, "from 1970 to 2999"),
        ("/patients/1/report?from=2026-03-02&to=2026-03-01", 400, "ends (2026-03-01) before it starts"),
    ],
)
def test_errors_are_one_sentence_pages(dash: Dash, path: str, status: int, says: str) -> None:
    r = fetch(dash.url, path)
    assert r.status == status
    assert r.headers["Content-Type"].startswith("text/html")
    sentence = error_sentence(r.text)
    assert says.lower() in sentence.lower()
    assert sentence.endswith(".") and "Traceback" not in r.text


@pytest.mark.parametrize(
    "path",
    [
        "/../../etc/passwd",
        "/sessions/1/../../x",
        "/sessions/1/../../../../etc/passwd",
        "/%2e%2e/",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/sessions/1%2f..%2f..%2fetc%2fpasswd",
        "/sessions/..%2f..%2fpyproject.toml",
        "//etc/passwd",
        "/sessions/abc",
        "/sessions/1.txt",
        "/sessions/-1",
        "/sessions/99999999999999999999",
        "/patients/1/../../pyproject.toml",
        "/pyproject.toml",
        "/formcheck/dashboard.py",
        "/static/../../pyproject.toml",
    ],
)
def test_no_path_reaches_the_file_system(dash: Dash, path: str) -> None:
    r = fetch(dash.url, path)
    assert r.status == 404
    assert "root:" not in r.text and "[project]" not in r.text and "def " not in r.text
    assert "no such page" in error_sentence(r.text)


def test_only_get_and_its_own_forms(dash: Dash) -> None:
    for method, path in (("POST", "/"), ("POST", "/sessions/1"), ("PUT", "/"), ("DELETE", "/sessions/1")):
        r = fetch(dash.url, path, method=method, headers={"Content-Length": "0"})
        assert r.status == 405, method
        assert r.headers["Allow"] == "GET, POST"
        assert "changes nothing but prescriptions and notes" in error_sentence(r.text)


def test_answers_only_to_this_computers_names(dash: Dash) -> None:
    """A page elsewhere whose name is pointed at 127.0.0.1 (DNS rebinding) gets no patient data."""
    port = dash.url.rsplit(":", 1)[1]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}"):
        assert fetch(dash.url, "/", headers={"Host": host}).status == 200
    for host in (f"evil.example:{port}", "evil.example", "127.0.0.1.evil.example", ""):
        r = fetch(dash.url, "/", headers={"Host": host})
        assert r.status == 400, host
        assert "Ana" not in r.text


def test_binds_to_this_computer_by_default(tmp_path: Path) -> None:
    server = make_server(tmp_path / "none.sqlite3")
    try:
        assert server.server_address[0] == "127.0.0.1"
        assert server.server_address[1] > 0
    finally:
        server.server_close()
    import inspect

    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"


def test_port_in_use_is_a_usage_error(tmp_path: Path) -> None:
    first = make_server(tmp_path / "s.sqlite3", "127.0.0.1", 0)
    try:
        with pytest.raises(UsageError, match=r"Port \d+ on 127\.0\.0\.1 is in use"):
            make_server(tmp_path / "s.sqlite3", "127.0.0.1", first.server_address[1])
    finally:
        first.server_close()


def test_empty_and_missing_store(tmp_path: Path) -> None:
    missing = tmp_path / "missing.sqlite3"
    with running(missing) as url:
        r = fetch(url, "/")
        assert r.status == 200 and "There are no sessions yet" in r.text
        r = fetch(url, "/sessions/1")
        assert r.status == 503 and "No sessions are stored yet" in error_sentence(r.text)
    assert not missing.exists(), "the dashboard never creates a store"
    empty = tmp_path / "empty.sqlite3"
    Store.open(empty).close()
    with running(empty) as url:
        r = fetch(url, "/")
        assert r.status == 200 and "There are no sessions yet" in r.text
        assert fetch(url, "/sessions/1").status == 404


def test_damaged_store_is_one_sentence(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"this is not a database" * 100)
    with running(bad) as url:
        r = fetch(url, "/")
    assert r.status == 503
    assert "damaged or is not a formcheck store" in error_sentence(r.text)
    assert bad.read_bytes() == b"this is not a database" * 100


def test_serve_command_prints_its_address_and_stops_cleanly_on_ctrl_c(dash: Dash) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "formcheck", "serve", "--port", "0", "--store", str(dash.store_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = first_line(proc)
        m = re.fullmatch(r"formcheck dashboard on (http://127\.0\.0\.1:\d+/) — Ctrl-C to stop\n", line)
        assert m, line
        assert fetch(m[1], "/").status == 200
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=CEILING_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "stopped" in out
    assert "Traceback" not in err


# -- end to end in headless Chromium -----------------------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTH = 1280


@dataclass
class Browser:
    page: Any  # playwright.sync_api.Page
    problems: list[str]  # console errors (a CSP violation is one) and failed loads


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    """A Playwright page in headless Chromium, 1280 px wide, noting console errors and failed loads."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no chromium on PATH (Debian: apt install chromium)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": 900})
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("requestfailed", lambda req: problems.append(f"failed: {req.url}"))
            yield Browser(page, problems)
        finally:
            browser.close()


def shoot(page: Any, tmp_path: Path, name: str) -> Path:
    """A full-page screenshot, checked: 1280 px wide, not blank, no horizontal overflow."""
    out = tmp_path / "screenshots" / f"{name}.png"
    out.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(out), full_page=True)
    keep = os.environ.get("FORMCHECK_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(out, Path(keep) / out.name)
    import cv2

    img = cv2.imread(str(out), cv2.IMREAD_COLOR)
    assert img is not None, f"{out} is not a PNG"
    assert img.shape[1] == WIDTH, f"{name}: the page is wider than the window"
    assert img.shape[0] >= 300
    assert float(img.std()) > 4.0, f"{name}: the screenshot is blank"
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    assert (gray < 128).mean() > 0.001, f"{name}: no text to read"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{name}: overflows"
    return out


def visible_boxes(page: Any, selector: str) -> list[dict[str, float]]:
    boxes = [el.bounding_box() for el in page.query_selector_all(selector)]
    return [b for b in boxes if b and b["width"] > 0 and b["height"] > 0]


def assert_plots_visible(page: Any, n: int) -> None:
    boxes = visible_boxes(page, "svg.plot")
    assert len(boxes) >= n
    for b in boxes:
        assert b["width"] > 300 and b["height"] > 60, b
        assert b["x"] >= 0 and b["x"] + b["width"] <= WIDTH + 0.5, b


def test_browser_clicks_through_the_dashboard(
    dash: Dash, browser: Browser, tmp_path: Path, sample_sessions: dict[str, Any], dated: Any
) -> None:
    page = browser.page
    squat = dash.ids["squat_side_faults_a"]
    with Store.open(dash.store_path) as store:  # a second squat of Ana's, to compare like with like
        squat2 = store.add_session(
            dated(sample_sessions["squat_side_faults_a"], 1),
            patient="Ana",
            origin="score",
            pain_before=4,
            pain_after=6,
        )[0]
        s_squat, s_squat2 = store.session(squat), store.session(squat2)

    # The front page: who needs a look (Ana's pain after exercise went from 2 to 6), recent sessions.
    page.goto(dash.url + "/")
    assert page.locator("h1").inner_text() == "formcheck dashboard"
    assert page.locator("table.attention tbody tr").count() == 2
    first = page.locator("table.attention tbody tr").first
    assert first.locator("a").inner_text() == "Ana"
    assert "went up from 2 to 6" in first.locator(".flag").inner_text()
    assert page.locator("table.sessions tbody tr").count() == 4
    assert page.get_by_role("link", name=ODD_NAME).count() >= 1  # shown as text, not markup
    shoot(page, tmp_path, "01-index")

    # A patient's page: prescription forms, report links, sessions.
    page.locator("table.attention").get_by_role("link", name="Ana").click()
    page.wait_for_url(f"**/patients/{dash.patients['Ana']}")
    assert page.locator("h1").inner_text() == "Ana"
    assert page.locator("table.sessions tbody tr").count() == 3
    page.locator("details > summary").first.click()  # open the prescription forms
    week_ago = datetime.now().astimezone().date() - timedelta(days=7)
    page.locator('form.rx[data-exercise="squat"] input[name="valid_from"]').fill(str(week_ago))
    page.locator('form.rx[data-exercise="squat"] input[name="reps"]').fill("4")
    page.locator('form.rx[data-exercise="squat"] button').click()
    page.wait_for_url(f"**/patients/{dash.patients['Ana']}")
    assert "reps per set 4" in page.locator("table.prescriptions").inner_text()
    shoot(page, tmp_path, "02-patient")

    # A session's report, from the patient's list.
    page.locator(f'tr[data-session="{squat}"] td:nth-child(3) a').click()
    page.wait_for_url(f"**/sessions/{squat}")
    assert page.locator("tr[data-rep]").count() == len(s_squat["reps"])
    assert_plots_visible(page, 2)  # range of motion per rep, and the angle over the session
    stills = page.locator("figure.still img")
    n_stills = sum(f["has_still"] for r in s_squat["reps"] for f in r["faults"])
    assert n_stills > 0 and stills.count() == n_stills
    page.locator("figure.still img").last.scroll_into_view_if_needed()
    loaded = "Array.from(document.querySelectorAll('figure.still img'))"
    assert page.evaluate(f"{loaded}.every(i => i.complete && i.naturalWidth > 0)"), "every still loaded"
    shoot(page, tmp_path, "03-session")

    # A note on the session, kept and shown.
    page.fill('form.note textarea[name="text"]', "Deeper than last week <b>well done</b>")
    page.get_by_role("button", name="Save the note").click()
    page.wait_for_url(f"**/sessions/{squat}#notes")
    assert "Deeper than last week <b>well done</b>" in page.locator("p.note-text").inner_text()

    # Back to the dashboard by its link, then pick two sessions and compare them.
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url(dash.url + "/")
    page.check(f'input[name="a"][value="{squat2}"]')
    page.check(f'input[name="b"][value="{squat}"]')
    page.get_by_role("button", name="Compare A with B").first.click()
    page.wait_for_url(re.compile(r"/compare\?"))
    assert parse_qs(urlsplit(page.url).query) == {"a": [str(squat2)], "b": [str(squat)]}
    cells = page.locator('tr[data-row="reps"] td')
    assert cells.nth(0).inner_text() == f"{len(s_squat2['reps'])} of 4"  # the prescription set above
    pain = page.locator('tr[data-row="pain"] td')
    assert pain.nth(0).inner_text() == "4 → 6"
    assert_plots_visible(page, 2)
    shoot(page, tmp_path, "04-compare")

    # The patient's report for a period, from the form on their page.
    page.goto(f"{dash.url}/patients/{dash.patients['Ana']}")
    today = datetime.now().astimezone().date()
    page.fill('input[name="from"]', str(today - timedelta(days=7)))
    page.fill('input[name="to"]', str(today))
    page.get_by_role("button", name="Show the report").click()
    page.wait_for_url(re.compile(r"/report\?from="))
    assert page.locator("tr[data-session]").count() == 3
    assert_plots_visible(page, 2)
    shoot(page, tmp_path, "05-patient-report")

    # An error page is a page too.
    page.goto(dash.url + "/sessions/999")
    assert "There is no session 999 in the store." in page.locator("p.error").inner_text()
    shoot(page, tmp_path, "06-not-found")

    problems = [p for p in browser.problems if "favicon" not in p and "404" not in p]
    assert not problems, problems  # nothing blocked by the Content-Security-Policy, nothing failed to load


def test_browser_empty_store(browser: Browser, tmp_path: Path) -> None:
    with running(tmp_path / "none.sqlite3") as url:
        browser.page.goto(url + "/")
        assert "There are no sessions yet" in browser.page.locator("p.empty").inner_text()
        shoot(browser.page, tmp_path, "00-empty")
    assert not browser.problems, browser.problems
