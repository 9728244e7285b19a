"""A local web dashboard of the session store: ``formcheck serve``.

Built on the standard library's :class:`http.server.ThreadingHTTPServer`, not on a web
framework: the dashboard only reads, runs on the clinician's own computer (bound to 127.0.0.1
unless told otherwise) and has a handful of GET routes, so a framework would add a dependency
and nothing else.

Routes (every id is an integer matched by a regular expression; no part of a request is ever
joined to a folder, so a request reaches only the store's data):

=========================================  ===============================================
``/``                                      who needs a look today, then recent sessions
``/patients/<id>[?page=N]``                a patient's prescription, report links and sessions
``POST /patients/<id>/prescription``       a new prescription, in force from a date (form + token)
``POST /sessions/<id>/notes``              a clinician's note on a session (form + token)
``/patients/<id>/report[.csv|.json]``      ``?from=YYYY-MM-DD&to=YYYY-MM-DD``: the patient report
``/sessions/<id>[.csv|.json|.fhir]``       one session's report (``.fhir``: a FHIR R4 Bundle)
``/compare?a=<id>&b=<id>``                 two sessions side by side
=========================================  ===============================================

Each request opens the store afresh (an SQLite connection belongs to one thread). GET requests
only read it. The two POST routes are the only writes: they need the per-process token that this
server puts in its own forms (a page elsewhere cannot know it), a form body of at most 8 KB, and
answer with a redirect back to the page.

Errors are pages with one sentence: 404 for an unknown address or id, 400 for a bad query,
503 when the store cannot be read, 500 otherwise; a traceback goes to the terminal, never to
the browser. Every page is self-contained (inline CSS and SVG, stills as ``data:`` URIs) and
served with a Content-Security-Policy that allows nothing else: no scripts, no requests out.
"""

from __future__ import annotations

import errno
import hmac
import html
import ipaddress
import re
import secrets
import socket
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from formcheck.errors import FormcheckError, MissingInputError, StoreError, UsageError
from formcheck.store.db import Store, default_path

CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
RECENT = 20  # sessions listed on the front page
PAGE = 20  # sessions per page on a patient's page
MAX_FORM = 8192  # bytes of a form body
NOTE_MAX = 2000  # characters of a note
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
_ID = r"([0-9]{1,9})"  # small enough for SQLite and for int()
DASH = "\u2013"  # an en dash  # a missing value, as the reports show it

# What the report pages' styles lack: the dashboard's navigation, forms and pick columns.
EXTRA_CSS = """
nav.top { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 4px 16px; }
nav.top .here { color: var(--muted); }
nav.top .trail a { margin-right: 0; }
nav.top .sep { color: var(--muted); margin: 0 6px; }
td.pick, th.pick { text-align: center; width: 34px; padding-left: 4px; padding-right: 4px; }
td.pick input { margin: 2px 0 0; }
tbody tr:hover { background: #fafbfc; }
.empty { padding: 14px 16px; background: var(--bg); border: 1px solid var(--line); border-radius: 8px; }
form.period { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: end; margin: 6px 0 8px; }
form.period label { display: flex; flex-direction: column; gap: 3px; color: var(--muted); font-size: 12px; }
.actions { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: center; margin: 4px 0 8px; }
button, input[type=date] { font: inherit; padding: 4px 10px; }
button { cursor: pointer; border: 1px solid var(--accent); background: var(--accent); color: #fff;
  border-radius: 6px; }
table.patients { width: auto; min-width: 60%; }
table.side th[scope=row] { width: 24%; }
table.side td { width: 32%; }
table.side td.diff { width: 12%; white-space: nowrap; }
.flag { color: var(--fault); font-weight: 600; }
.pager { display: flex; gap: 12px; align-items: center; margin: 6px 0; }
form.rx { display: flex; flex-wrap: wrap; gap: 10px 14px; align-items: end; margin: 6px 0 8px; }
form.rx label, form.note label { display: flex; flex-direction: column; gap: 3px; color: var(--muted);
  font-size: 12px; }
form.rx input[type=number] { width: 7em; font: inherit; padding: 3px 6px; }
select, textarea { font: inherit; padding: 3px 6px; }
form.note textarea { width: 100%; min-height: 4em; }
"""


class HttpError(Exception):
    """A page to answer with instead of the one asked for: a status and one sentence."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    filename: str | None = None  # served as an attachment under this name (made up here, ASCII)
    location: str | None = None  # a redirect's target (a path made up here)


Query = dict[str, list[str]]
View = Callable[[Store, "re.Match[str]", Query], Response]

# -- small helpers -----------------------------------------------------------------------------


def esc(x: Any) -> str:
    """Text for HTML element content and quoted attributes."""
    return html.escape("" if x is None else str(x), quote=True)


def _when(iso: str | None) -> str:
    from formcheck.reports.data import local_dt

    return local_dt(iso).strftime("%Y-%m-%d %H:%M") if iso else DASH


@lru_cache(maxsize=64)
def _title(exercise: str) -> str:
    from formcheck.definitions import load

    try:
        return load(exercise).title
    except FormcheckError:
        return exercise


def _num(v: Any, unit: str = "", nd: int | None = None) -> str:
    """A number the way the reports write it (their decimals and units)."""
    from formcheck.reports.html import num as report_num

    return report_num(v, unit, nd)


def _pain(before: Any, after: Any) -> str:
    if before is None and after is None:
        return "not asked"
    return f"{DASH if before is None else before} → {DASH if after is None else after}"


def _one(q: Query, key: str) -> str | None:
    vals = q.get(key)
    return vals[0].strip() if vals else None


def _day(q: Query, key: str) -> date | None:
    text = _one(q, key)
    if not text:
        return None
    try:
        d = date.fromisoformat(text)
    except ValueError:
        raise HttpError(400, f"“{key}” must be a date like 2026-11-01, not {text[:40]!r}.") from None
    if not date(1970, 1, 1) <= d <= date(2999, 12, 31):
        raise HttpError(400, f"“{key}” must be a date from 1970 to 2999, not {d.isoformat()}.")
    return d


def _page(title: str, body: str, nav: str) -> bytes:
    from formcheck.reports.html import page

    return page(title, body, nav=nav, extra_css=EXTRA_CSS).encode("utf-8")


def _link(href: str, text: str) -> str:
    return f'<a href="{esc(href)}">{esc(text)}</a>'


def _nav(*trail: tuple[str, str], here: str = "", right: tuple[tuple[str, str], ...] = ()) -> str:
    """The bar above a page: links back (href, text) ending at this page; downloads on the right."""
    parts = [_link(h, t) for h, t in trail]
    if here:
        parts.append(f'<span class="here">{esc(here)}</span>')
    downloads = "".join(_link(h, t) for h, t in right)
    return f'<span class="trail">{"<span class=sep>/</span>".join(parts)}</span><span>{downloads}</span>'


def _error_page(status: int, message: str) -> Response:
    titles = {400: "Bad request", 404: "Not found", 405: "Not allowed", 503: "Store unavailable"}
    title = titles.get(status, "Error")
    body = f'<h1>{esc(title)}</h1><p class="error">{esc(message)}</p>'
    nav = _nav(("/", "Dashboard"))
    try:
        doc = _page(f"formcheck · {title}", body, nav)
    except Exception:  # the page shell itself failed: a bare page still says what happened
        doc = (
            f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(title)}</title></head>"
            f"<body>{body}<p><a href='/'>Dashboard</a></p></body></html>"
        ).encode()
    return Response(status, doc)


TOKEN = secrets.token_urlsafe(24)  # this process's form token: a page elsewhere cannot know it


def _token_input() -> str:
    return f'<input type="hidden" name="token" value="{esc(TOKEN)}">'


def _sessions_table(rows: list[dict[str, Any]], *, with_patient: bool) -> str:
    """Sessions (as given) in a form: a radio button in column A and in column B picks two to compare."""
    head = (
        '<tr><th class="pick" title="first session to compare">A</th>'
        '<th class="pick" title="second session to compare">B</th><th>Date</th>'
        + ("<th>Patient</th>" if with_patient else "")
        + '<th>Exercise</th><th>View</th><th class="n">Reps</th><th class="n">Reps with a fault</th>'
        '<th class="n">Pain before → after</th><th>Download</th></tr>'
    )
    body = []
    for i, r in enumerate(rows):
        sid = int(r["id"])
        req = " required" if i == 0 else ""
        patient = _link(f"/patients/{int(r['patient_id'])}", r["patient"])
        body.append(
            f'<tr data-session="{sid}">'
            + "".join(
                f'<td class="pick"><input type="radio" name="{x.lower()}" value="{sid}"{req}'
                f' aria-label="session {sid} as {x}"></td>'
                for x in "AB"
            )
            + f"<td>{_link(f'/sessions/{sid}', _when(r['created']))}</td>"
            + (f"<td>{patient}</td>" if with_patient else "")
            + f"<td>{esc(_title(r['exercise']))}</td><td>{esc(r['view'])}</td>"
            f'<td class="n">{int(r["n_reps"])}</td><td class="n">{int(r["n_faulty_reps"])}</td>'
            f'<td class="n">{esc(_pain(r["pain_before"], r["pain_after"]))}</td>'
            f"<td>{_link(f'/sessions/{sid}.csv', 'CSV')} · {_link(f'/sessions/{sid}.json', 'JSON')}"
            f" · {_link(f'/sessions/{sid}.fhir', 'FHIR')}</td></tr>"
        )
    button = (
        '<div class="actions"><button type="submit">Compare A with B</button>'
        '<span class="note">Pick one session in column A and one in column B, of the same exercise.</span>'
        "</div>"
    )
    return (
        '<form method="get" action="/compare" class="compare">'
        f"{button}"
        f'<div class="table-wrap"><table class="sessions"><thead>{head}</thead>'
        f"<tbody>{''.join(body)}</tbody></table></div></form>"
    )


# -- views --------------------------------------------------------------------------------------


def index_empty() -> Response:
    body = (
        "<h1>formcheck dashboard</h1>"
        '<p class="empty">There are no sessions yet. Score a video (<code>formcheck score</code>) or do a '
        "live set (<code>formcheck live</code>) and its session will appear here.</p>"
    )
    return Response(200, _page("formcheck · dashboard", body, ""))


def _attention_table(rows: list[dict[str, Any]]) -> str:
    body = []
    for a in rows:
        pid = int(a["patient"]["id"])
        wk = a["week"]
        pain = " → ".join(str(x) for x in a["pain"]) or "not asked"
        flag = f'<div class="flag">{esc(a["pain_flag"])}</div>' if a["pain_flag"] else ""
        since = {0: "today", 1: "yesterday"}.get(a["days_since"], f"{a['days_since']} days ago")
        body.append(
            f'<tr data-patient="{pid}"><td>{_link(f"/patients/{pid}", a["patient"]["name"])}</td>'
            f"<td>{esc(a['last_day'])} <span class=note>({esc(since)})</span></td>"
            f'<td class="n">{wk["days_done"]} of {esc(_num(wk["days_prescribed"], "", 0))}</td>'
            f'<td class="n">{a["missed"]}</td>'
            f"<td>{esc(pain)}{flag}</td>"
            f"<td>{esc(', '.join(a['new_faults'])) or DASH}</td></tr>"
        )
    return (
        '<table class="attention"><thead><tr><th>Patient</th><th>Last session</th>'
        '<th class="n">Days done this week</th><th class="n">Days missed</th>'
        "<th>Pain after exercise, last days</th><th>New this week</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def view_index(store: Store, m: re.Match[str], q: Query) -> Response:
    from formcheck.reports.data import attention

    rows = store.sessions()
    if not rows:
        return index_empty()
    recent = rows[::-1][:RECENT]
    shown = f"the {RECENT} newest of {len(rows)}" if len(rows) > RECENT else f"{len(rows)}"
    body = (
        '<h1>formcheck dashboard</h1><p class="sub">Who needs a look today: patients with a pain flag, '
        "missed days or new faults come first.</p>"
        f"<h2>Patients</h2>{_attention_table(attention(store))}"
        '<p class="note">Days done: days this week (from the first session) on which every exercise '
        "prescribed daily had its prescribed sets and reps, against the days prescribed so far; missed: "
        "such days before today without them. Pain is flagged when pain after exercise goes up by 2 or "
        "more, stays at 7 or more, or is 8 or more. New: faults not seen in the four weeks before.</p>"
        f'<h2>Recent sessions <span class="note">({shown}, newest first)</span></h2>'
        f"{_sessions_table(recent, with_patient=True)}"
    )
    return Response(200, _page("formcheck · dashboard", body, ""))


def _patient(store: Store, pid: int) -> dict[str, Any]:
    try:
        return store.patient(pid)
    except MissingInputError:
        raise HttpError(404, f"There is no patient {pid} in the store.") from None


def _rx_value(v: Any) -> str:
    """A prescription value as a form shows it: 10, 2.5 (no trailing zeros)."""
    return f"{float(v):g}"


def _one_rx_form(store: Store, pid: int, exercise: str, today: str) -> str:
    """The form for one exercise's prescription: its own values, filled with those in force now."""
    from formcheck.definitions import load
    from formcheck.reports.data import ceiling_side, day_end, prescription_on

    d = load(exercise)
    now = prescription_on(store, pid, exercise, day_end(datetime.now().astimezone().date()))
    fields = []
    for k in d.prescription:
        fields.append(
            f'<label>{esc(_rx_label(d, k))}<input type="number" name="{esc(k)}" min="0" step="any" '
            f'value="{esc(_rx_value(now.get(k, d.prescription[k])))}"></label>'
        )
    if ceiling_side(d) and d.report is not None:
        spec = d.report.spec(d.report.rom)
        way = "below" if ceiling_side(d) == "below" else "above"
        value = _rx_value(now["ceiling"]) if now.get("ceiling") else ""
        fields.append(
            f'<label title="reps that go further are marked as a fault">limit: no {esc(spec.label)} {way}'
            f'<input type="number" name="ceiling" min="0" step="any" value="{esc(value)}"></label>'
        )
    return (
        f'<form class="rx" method="post" action="/patients/{pid}/prescription" '
        f'data-exercise="{esc(exercise)}">'
        f'{_token_input()}<input type="hidden" name="exercise" value="{esc(exercise)}">'
        f"<strong>{esc(_title(exercise))}</strong>"
        f'<label>in force from<input type="date" name="valid_from" value="{today}" required></label>'
        f'{"".join(fields)}<button type="submit">Save</button></form>'
    )


def _prescription_form(store: Store, pid: int) -> str:
    """The patient's prescription history, and a form per exercise for a new one."""
    from formcheck.definitions import available
    from formcheck.reports.data import local_dt

    history = store.prescriptions(pid)
    done = sorted({r["exercise"] for r in store.sessions(pid)} | {h["exercise"] for h in history})
    others = [n for n in available() if n not in done]
    rows = "".join(
        f'<tr data-prescription="{int(h["id"])}"><td>{esc(_title(h["exercise"]))}</td>'
        f"<td>{esc(local_dt(h['valid_from']).date().isoformat())}</td>"
        f"<td>{esc(_rx_text(h['exercise'], h['values']))}</td>"
        f"<td>{esc('by a clinician' if h['set_by'] == 'clinician' else 'with a session')}</td></tr>"
        for h in history[::-1]
    )
    table = (
        '<table class="prescriptions"><thead><tr><th>Exercise</th><th>In force from</th><th>Values</th>'
        f"<th>Set</th></tr></thead><tbody>{rows}</tbody></table>"
        if rows
        else '<p class="note">No prescription stored yet: each exercise\'s defaults apply.</p>'
    )
    today = datetime.now().astimezone().date().isoformat()
    forms = "".join(_one_rx_form(store, pid, ex, today) for ex in done if _known(ex))
    more = "".join(_one_rx_form(store, pid, ex, today) for ex in others)
    return (
        f"<h2>Prescription</h2>{table}"
        '<details class="noprint"><summary>Change a prescription</summary>'
        '<p class="note">Each form holds the values in force today. Days before the date keep the '
        "prescription they had.</p>"
        f"{forms}"
        + (f"<details><summary>Prescribe another exercise</summary>{more}</details>" if more else "")
        + "</details>"
    )


def _rx_text(exercise: str, values: dict[str, Any]) -> str:
    """A stored prescription in words: "reps per set 12, limit on knee at bottom (°) 100"."""
    from formcheck.definitions import load

    if not _known(exercise):  # an exercise this version does not know: its stored names
        return ", ".join(f"{k.replace('_', ' ')} {_rx_value(v)}" for k, v in sorted(values.items()))
    d = load(exercise)
    out = []
    order = [*d.prescription, "ceiling"]  # the exercise's own order: reps and sets first
    for k, v in sorted(values.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)):
        words, unit = d.prescription_words(k)
        out.append(f"{words} {_rx_value(v)}{unit if unit in ('°', '%') else f' {unit}' if unit else ''}")
    return ", ".join(out)


def _rx_label(d: Any, key: str) -> str:
    """A prescription form's label: "knee at bottom target (°)"."""
    words, unit = d.prescription_words(key)
    return f"{words} ({unit})" if unit else words


def _known(exercise: str) -> bool:
    from formcheck.definitions import available

    return exercise in available()


def view_patient(store: Store, m: re.Match[str], q: Query) -> Response:
    from formcheck.reports.data import local_dt

    p = _patient(store, int(m[1]))
    pid = int(p["id"])
    rows = store.sessions(pid)[::-1]
    today = datetime.now().astimezone().date()
    first = local_dt(rows[-1]["created"]).date() if rows else today
    n_pages = max(1, -(-len(rows) // PAGE))
    page_text = _one(q, "page") or "1"
    if not re.fullmatch(r"[0-9]{1,6}", page_text) or not 1 <= int(page_text) <= n_pages:
        raise HttpError(400, f"“page” must be a number from 1 to {n_pages}, not {page_text[:20]!r}.")
    page_no = int(page_text)
    shown = rows[(page_no - 1) * PAGE : page_no * PAGE]
    if rows:
        n = len(rows)
        sub = (
            f"{n} session{'s' if n != 1 else ''}, {_when(rows[-1]['created'])} to {_when(rows[0]['created'])}"
        )
        table = _sessions_table(shown, with_patient=False)
    else:
        sub, table = "No sessions yet.", '<p class="empty">This patient has no sessions yet.</p>'
    pager = ""
    if n_pages > 1:
        prev = _link(f"/patients/{pid}?page={page_no - 1}", "← newer") if page_no > 1 else ""
        nxt = _link(f"/patients/{pid}?page={page_no + 1}", "older →") if page_no < n_pages else ""
        pager = f'<div class="pager">{prev}<span class="note">page {page_no} of {n_pages}</span>{nxt}</div>'
    period = urlencode({"from": first.isoformat(), "to": max(today, first).isoformat()})
    body = (
        f'<h1>{esc(p["name"])}</h1><p class="sub">{esc(sub)}</p>'
        '<div class="actions">'
        f"{_link(f'/patients/{pid}/report?{period}', 'Report: every session so far')}"
        f"{_link(f'/patients/{pid}/report.pdf?{period}', 'PDF')}"
        f"{_link(f'/patients/{pid}/report.csv?{period}', 'CSV')}"
        f"{_link(f'/patients/{pid}/report.json?{period}', 'JSON')}</div>"
        f'<form class="period" method="get" action="/patients/{pid}/report">'
        f'<label>From <input type="date" name="from" value="{first.isoformat()}" required></label>'
        f'<label>To <input type="date" name="to" value="{max(today, first).isoformat()}" required></label>'
        '<button type="submit">Show the report</button></form>'
        f"{_prescription_form(store, pid)}"
        f'<h2>Sessions <span class="note">(newest first)</span></h2>{pager}{table}{pager}'
    )
    return Response(200, _page(f"formcheck · {p['name']}", body, _nav(("/", "Dashboard"), here=p["name"])))


def _download(text: str | bytes, kind: str, filename: str) -> Response:
    types = {
        "csv": "text/csv; charset=utf-8",
        "json": "application/json; charset=utf-8",
        "pdf": "application/pdf",
        "fhir": "application/fhir+json; charset=utf-8",
    }
    body = text if isinstance(text, bytes) else text.encode("utf-8")
    return Response(200, body, types[kind], filename)


def _pdf(page_html: str) -> bytes:
    """A page printed to PDF by headless Chromium, in a private temporary folder."""
    import tempfile

    from formcheck.reports.pdf import html_to_pdf

    with tempfile.TemporaryDirectory(prefix="formcheck-pdf-") as tmp:
        src = Path(tmp) / "report.html"
        src.write_text(page_html, encoding="utf-8")
        try:
            html_to_pdf(src, Path(tmp) / "report.pdf")
        except UsageError as e:
            raise HttpError(503, e.message.split(";")[0].rstrip(".") + ".") from None
        return (Path(tmp) / "report.pdf").read_bytes()


def view_patient_report(store: Store, m: re.Match[str], q: Query) -> Response:
    from formcheck.reports import export
    from formcheck.reports.data import patient_report
    from formcheck.reports.html import render

    p = _patient(store, int(m[1]))
    pid = int(p["id"])
    first, last = _day(q, "from"), _day(q, "to")
    if first and last and last < first:
        raise HttpError(400, f"The period ends ({last}) before it starts ({first}).")
    # By id, not by name: two patients' names may differ only in case.
    report = patient_report(store, pid, first, last)
    stem = f"patient-{pid}-{report['from']}-to-{report['to']}"
    if m[2] == "csv":
        return _download(export.to_csv(report), "csv", f"{stem}.csv")
    if m[2] == "json":
        return _download(export.to_json(report), "json", f"{stem}.json")
    if m[2] == "pdf":
        return _download(_pdf(render(report)), "pdf", f"{stem}.pdf")
    period = urlencode({"from": report["from"], "to": report["to"]})
    nav = _nav(
        ("/", "Dashboard"),
        (f"/patients/{pid}", p["name"]),
        here=f"Report {report['from']} to {report['to']}",
        right=(
            (f"/patients/{pid}/report.pdf?{period}", "Download PDF"),
            (f"/patients/{pid}/report.csv?{period}", "Download CSV"),
            (f"/patients/{pid}/report.json?{period}", "Download JSON"),
        ),
    )
    return Response(200, render(report, links=True, nav=nav, extra_css=EXTRA_CSS).encode("utf-8"))


def _known_session(store: Store, sid: int) -> None:
    try:
        store.session_row(sid)
    except MissingInputError:
        raise HttpError(404, f"There is no session {sid} in the store.") from None


def _session_report(store: Store, sid: int, *, with_stills: bool = True) -> dict[str, Any]:
    from formcheck.reports.data import session_report

    _known_session(store, sid)
    return session_report(store, sid, with_stills=with_stills)


def view_session(store: Store, m: re.Match[str], q: Query) -> Response:
    from formcheck.reports import export
    from formcheck.reports.html import render

    sid = int(m[1])
    if m[2] == "csv":
        return _download(
            export.to_csv(_session_report(store, sid, with_stills=False)), "csv", f"session-{sid}.csv"
        )
    if m[2] == "json":
        report = _session_report(store, sid, with_stills=False)
        return _download(export.to_json(report), "json", f"session-{sid}.json")
    if m[2] == "fhir":
        from formcheck import fhir

        _known_session(store, sid)
        return _download(fhir.to_json(fhir.session_bundle(store, sid)), "fhir", f"session-{sid}.fhir.json")
    if m[2] == "pdf":
        return _download(_pdf(render(_session_report(store, sid))), "pdf", f"session-{sid}.pdf")
    report = _session_report(store, sid)
    pid = int(report["patient"]["id"])
    nav = _nav(
        ("/", "Dashboard"),
        (f"/patients/{pid}", report["patient"]["name"]),
        here=f"Session {sid}",
        right=(
            (f"/sessions/{sid}.pdf", "Download PDF"),
            (f"/sessions/{sid}.csv", "Download CSV"),
            (f"/sessions/{sid}.json", "Download JSON"),
            (f"/sessions/{sid}.fhir", "Download FHIR"),
        ),
    )
    form = (
        f'<form class="note noprint" method="post" action="/sessions/{sid}/notes">{_token_input()}'
        f'<label>A note on this session (kept with today\'s date)<textarea name="text" '
        f'maxlength="{NOTE_MAX}" required></textarea></label>'
        '<div class="actions"><button type="submit">Save the note</button></div></form>'
    )
    page_html = render(report, links=True, nav=nav, extra_css=EXTRA_CSS, note_form=form)
    return Response(200, page_html.encode("utf-8"))


def _compared(store: Store, sid: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """One session's report (without stills) and its trend numbers (ROM mean and best)."""
    from formcheck.reports.data import session_point

    rep = _session_report(store, sid, with_stills=False)
    row = next(r for r in store.sessions(rep["patient"]["id"]) if r["id"] == sid)
    return rep, session_point(store, row)


def _reps_text(rep: dict[str, Any]) -> str:
    """Reps done of prescribed, per side for a one-sided exercise (as the session report counts)."""
    from formcheck.reports.data import reps_against_rx

    return " · ".join(
        (f"{b['side']} " if rep["summary"]["per_side"] else "")
        + (f"{b['done']} of {b['prescribed']}" if b["prescribed"] else str(b["done"]))
        for b in reps_against_rx(rep["summary"])
    )


def _set_text(rep: dict[str, Any]) -> str:
    n, rx = rep["summary"]["set_number"], rep["summary"]["sets_prescribed"]
    return f"{n} of {rx}" if n <= rx else f"{n} ({rx} prescribed)"


def _clean_text(sm: dict[str, Any]) -> str:
    """ "3 of 5", or "2 of 3 checked (2 not checked)" when some reps could not be checked."""
    if not sm["unchecked_reps"]:
        return f"{sm['clean_reps']} of {sm['reps_done']}"
    return f"{sm['clean_reps']} of {sm['checked_reps']} checked ({sm['unchecked_reps']} not checked)"


def _hold_text(rep: dict[str, Any]) -> str:
    h = rep["summary"]["hold"]
    if not h:
        return DASH
    text = f"mean {_num(h['mean_s'], 's')}"
    if h["target_s"]:  # 0 s (or none) is no hold prescribed: no target to show
        text += f" (target {_num(h['target_s'], 's')})"
    return text + (f", {h['n_short']} too short" if h["n_short"] else "")


def _fault_text(rep: dict[str, Any], code: str) -> str:
    f = next((x for x in rep["summary"]["faults"] if x["code"] == code), None)
    if f is None:
        return "0"
    word = rep["session"].get("unit", "rep")  # "hold" for a held stretch
    return f"{f['count']} ({word}{'s' if len(f['reps']) != 1 else ''} {', '.join(str(i) for i in f['reps'])})"


def view_compare(store: Store, m: re.Match[str], q: Query) -> Response:
    from formcheck.reports.plots import rom_limits, rom_svg

    ids: list[int] = []
    for key in ("a", "b"):
        text = _one(q, key)
        if not text:
            raise HttpError(400, "Pick two sessions to compare: one as A and one as B.")
        if not re.fullmatch(_ID, text):
            raise HttpError(400, f"“{key}” must be a session number, not {text[:40]!r}.")
        ids.append(int(text))
    pairs = [_compared(store, sid) for sid in ids]
    reps, pts = [r for r, _ in pairs], [p for _, p in pairs]
    ex_a, ex_b = (r["session"]["exercise"] for r in reps)
    if ex_a != ex_b:
        raise HttpError(
            400,
            f"Compare sessions of one exercise: session {ids[0]} is {_title(ex_a).lower()} and "
            f"session {ids[1]} is {_title(ex_b).lower()}.",
        )

    def row(label: str, cells: list[str], *, key: str = "", safe: bool = False, diff: str = "") -> str:
        tds = "".join(f"<td>{c if safe else esc(c)}</td>" for c in cells)
        tds += f'<td class="diff">{esc(diff)}</td>'
        return f'<tr data-row="{esc(key)}"><th scope="row">{esc(label)}</th>{tds}</tr>'

    def rom_cell(i: int, what: str) -> str:
        rom = reps[i]["rom"]
        if not rom:
            return DASH
        value = {"median": pts[i]["rom_median"], "best": pts[i]["rom_best"], "target": rom["target"]}[what]
        return _num(value, rom["unit"]) + (f" ({rom['label']})" if mixed else "")

    labels = {r["rom"]["label"] for r in reps if r["rom"]}
    mixed = len(labels) > 1
    rom_label = labels.pop().capitalize() if len(labels) == 1 else "Range of motion"
    ss = [r["session"] for r in reps]
    w = "hold" if all(s.get("unit") == "hold" for s in ss) else "rep"  # what both count
    cap = w.capitalize()

    def delta(a: Any, b: Any, unit: str = "") -> str:
        """B against A, in A's words: "+3°", "-1", "same"."""
        if a is None or b is None:
            return ""
        d = b - a
        text = f"{d:+.0f}" if unit in ("°", "%", "") else f"{d:+.1f}"
        if text.lstrip("+-") in ("0", "0.0"):
            return "same"
        return text + {"°": "°", "%": " points", "": ""}.get(unit, f" {unit}")

    unit = reps[0]["rom"]["unit"] if reps[0]["rom"] else ""
    lines = [
        row(
            "Patient",
            [_link(f"/patients/{int(r['patient']['id'])}", r["patient"]["name"]) for r in reps],
            key="patient",
            safe=True,
        ),
        row("Date", [_link(f"/sessions/{s['id']}", s["local_time"]) for s in ss], key="date", safe=True),
        row("Exercise", [f"{s['title']}, {s['view']} view" for s in ss], key="exercise"),
        row(f"{cap}s done of prescribed", [_reps_text(r) for r in reps], key="reps"),
        row(
            "Set that day",
            [_set_text(r) for r in reps],
            key="set",
        ),
        row(
            f"{rom_label}, median",
            [rom_cell(i, "median") for i in range(2)],
            key="rom-median",
            diff=delta(pts[0]["rom_median"], pts[1]["rom_median"], unit),
        ),
        row(
            f"{rom_label}, best",
            [rom_cell(i, "best") for i in range(2)],
            key="rom-best",
            diff=delta(pts[0]["rom_best"], pts[1]["rom_best"], unit),
        ),
        row(
            f"{cap}s inside the target band",
            [_num(None) if p["in_band"] is None else f"{100 * p['in_band']:.0f}%" for p in pts],
            key="in-band",
            diff=delta(
                None if pts[0]["in_band"] is None else round(100 * pts[0]["in_band"]),
                None if pts[1]["in_band"] is None else round(100 * pts[1]["in_band"]),
                "%",
            ),
        ),
        row(f"{rom_label}, target", [rom_cell(i, "target") for i in range(2)], key="rom-target"),
        row(
            (reps[0]["summary"]["hold"] or {}).get("label", "hold").capitalize(),
            [_hold_text(r) for r in reps],
            key="hold",
        ),
        row(
            f"{cap}s without a fault",
            [_clean_text(r["summary"]) for r in reps],
            key="clean",
            diff=delta(reps[0]["summary"]["clean_reps"], reps[1]["summary"]["clean_reps"]),
        ),
        row(
            "Pain before → after (0 to 10)",
            [_pain(s["pain_before"], s["pain_after"]) for s in ss],
            key="pain",
        ),
    ]
    codes: dict[str, str] = {}
    for r in reps:
        for f in r["summary"]["faults"]:
            codes.setdefault(f["code"], f["label"])
    faults = [
        f'<tr data-code="{esc(code)}"><th scope="row"><span class="tag">{esc(label)}</span></th>'
        + "".join(f"<td>{esc(_fault_text(r, code))}</td>" for r in reps)
        + '<td class="diff"></td></tr>'
        for code, label in codes.items()
    ] or [row("Faults", ["none", "none"], key="no-faults")]
    heads = "".join(f"<th>{x} · session {s['id']}</th>" for x, s in zip("AB", ss, strict=True))
    heads += "<th>B against A</th>"
    thead = f'<thead><tr><th scope="col"></th>{heads}</tr></thead>'
    plots = []
    ylim = rom_limits([r["rom"] for r in reps if r["rom"]])
    for x, r in zip("AB", reps, strict=True):
        faulty = {rep["index"] for rep in r["reps"] if rep["faults"]}
        svg = (
            rom_svg(r["rom"], faulty, ylim=ylim)
            if r["rom"] and r["reps"]
            else '<p class="note">No reps to plot.</p>'
        )
        s = r["session"]
        plots.append(
            f'<section class="rom-plot" data-session="{s["id"]}"><h3>{x} · session {s["id"]}: '
            f"{esc(s['title'])}, {esc(s['local_time'])}</h3>{svg}</section>"
        )
    who = esc(reps[0]["patient"]["name"])
    if reps[0]["patient"]["id"] != reps[1]["patient"]["id"]:
        who += f" and {esc(reps[1]['patient']['name'])}"
    body = (
        f'<h1>Session {ss[0]["id"]} and session {ss[1]["id"]}</h1><p class="sub">{who} · side by side</p>'
        f'<h2>Summary</h2><table class="side summary">{thead}<tbody>{"".join(lines)}</tbody></table>'
        f'<h2>Faults <span class="note">({w}s with each fault)</span></h2>'
        f'<table class="side faults">{thead}<tbody>{"".join(faults)}</tbody></table>'
        f'<h2>Range of motion per {w}</h2><p class="note">Both on one scale, each against its target. '
        "A red dot "
        f"is outside the fault limits; a red ring marks a {w} with another fault.</p>{''.join(plots)}"
        f"{_compare_stills(store, ids)}"
    )
    return Response(
        200, _page("formcheck · compare sessions", body, _nav(("/", "Dashboard"), here="Compare"))
    )


def _compare_stills(store: Store, ids: list[int]) -> str:
    """The first still of each fault of each session, A's beside B's."""
    from formcheck.reports.html import data_uri

    cols = []
    for x, sid in zip("AB", ids, strict=True):
        s = store.session(sid)
        seen: set[str] = set()
        figs = []
        for rep in s["reps"]:
            for f in rep["faults"]:
                if f["code"] in seen or not f["has_still"]:
                    continue
                jpeg = store.still(f["id"])
                if not jpeg:
                    continue
                seen.add(f["code"])
                figs.append(
                    f'<figure class="still" data-session="{sid}"><img src="{data_uri(jpeg)}" '
                    f'alt="Session {sid}, rep {rep["index"]}: {esc(f["code"])}"><figcaption>{x} · rep '
                    f"{rep['index']}: {esc(f['message'])}</figcaption></figure>"
                )
        faulty = any(rep["faults"] for rep in s["reps"])
        # A session with faults but no stills was imported (stills are taken while recording).
        none = "Its faults have no stills (a session imported from a file has none)."
        none = none if faulty else "No faults."
        cols.append(
            f'<div><h3>{x} · session {sid}</h3><div class="stills">{"".join(figs)}</div></div>'
            if figs
            else f'<div><h3>{x} · session {sid}</h3><p class="note">{none}</p></div>'
        )
    return (
        '<h2>Moments of the faults</h2><div style="display:grid;grid-template-columns:1fr 1fr;gap:16px">'
        + "".join(cols)
        + "</div>"
    )


def _redirect(to: str) -> Response:
    return Response(303, b"", "text/plain; charset=utf-8", location=to)


def _prescription_from(form: Query) -> tuple[str, dict[str, float], str]:
    """(exercise, values, valid_from as UTC ISO) from the prescription form; values left empty keep
    the ones in force. Raises HttpError with one sentence for anything else."""
    import math

    from formcheck.definitions import available, load
    from formcheck.reports.data import day_bounds

    exercise = _one(form, "exercise") or ""
    if exercise not in available():
        raise HttpError(400, "Pick an exercise from the list.")
    d = load(exercise)
    day = _day(form, "valid_from")
    if day is None:
        raise HttpError(400, "Say from which day the prescription is in force.")
    from formcheck.reports.data import ceiling_side

    values: dict[str, float] = {}
    for key in [*d.prescription, *(["ceiling"] if ceiling_side(d) else [])]:
        text = _one(form, key)
        if not text:
            continue
        name = d.prescription_words(key)[0]  # as the form's label says it
        try:
            v = float(text)
        except ValueError:
            raise HttpError(400, f"“{name}” must be a number, not {text[:20]!r}.") from None
        if not math.isfinite(v) or v < 0 or v > 10000:
            raise HttpError(400, f"“{name}” must be a number from 0 to 10000.")
        values[key] = v
    for key in ("reps", "sets"):
        if key in values and values[key] != int(values[key]):
            raise HttpError(400, f"“{d.prescription_words(key)[0]}” must be a whole number.")
    if values.get("sessions_per_week", 0) > 7:
        raise HttpError(400, f"“{d.prescription_words('sessions_per_week')[0]}” can be at most 7.")
    if not values:
        raise HttpError(400, "Fill in at least one value of the prescription.")
    return exercise, values, day_bounds(day, day)[0]


ROUTES: list[tuple[re.Pattern[str], View]] = [
    (re.compile(r"/"), view_index),
    (re.compile(rf"/patients/{_ID}"), view_patient),
    (re.compile(rf"/patients/{_ID}/report(?:\.(csv|json|pdf))?"), view_patient_report),
    (re.compile(rf"/sessions/{_ID}(?:\.(csv|json|pdf|fhir))?"), view_session),
    (re.compile(r"/compare"), view_compare),
]

# -- the server ---------------------------------------------------------------------------------


def _route(path: str) -> tuple[View, re.Match[str]]:
    """The view for a request's path (matched whole, never unquoted or joined to a folder)."""
    for pattern, view in ROUTES:
        match = pattern.fullmatch(path)
        if match:
            return view, match
    raise HttpError(404, "There is no such page on this dashboard.")


class DashboardServer(ThreadingHTTPServer):
    daemon_threads = True
    store_path: Path
    verbose: bool = False


class DashboardServer6(DashboardServer):
    address_family = socket.AF_INET6


class Handler(BaseHTTPRequestHandler):
    server: DashboardServer
    server_version = "formcheck"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def _allowed_host(self) -> bool:
        """Bound to this computer only, answer only to its own names: a web page elsewhere whose
        name was pointed at 127.0.0.1 (DNS rebinding) cannot read the store."""
        bound = str(self.server.server_address[0])
        try:
            loopback = ipaddress.ip_address(bound).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            return True
        hosts = self.headers.get_all("Host") or []
        if len(hosts) != 1:
            return False
        host = hosts[0].strip()
        name = host[1:].split("]")[0] if host.startswith("[") else host.rsplit(":", 1)[0]
        return name.lower() in LOOPBACK_NAMES

    def do_GET(self) -> None:
        self._respond(self._answer, "showing this page")

    def _respond(self, make: Callable[[], Response], doing: str) -> None:
        """Send what ``make`` answers, or an error page: its own words, or for anything
        unforeseen a pointer to the traceback printed in the terminal."""
        try:
            response = make()
        except HttpError as e:
            response = _error_page(e.status, e.message)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            response = _error_page(
                500, f"Something went wrong {doing}; the terminal running formcheck serve says what."
            )
        self._send(response)

    def _answer(self) -> Response:
        if not self._allowed_host():
            raise HttpError(400, "This dashboard answers only to this computer's own address (127.0.0.1).")
        parts = urlsplit(self.path)
        view, match = _route(parts.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        try:
            store = Store.open(self.server.store_path, create=False, readonly=True)
        except MissingInputError as e:
            if view is view_index:
                return index_empty()
            raise HttpError(503, e.message) from None
        except FormcheckError as e:
            raise HttpError(503, e.message) from None
        with store:
            try:
                return view(store, match, query)
            except MissingInputError as e:
                raise HttpError(404, e.message) from None
            except UsageError as e:
                raise HttpError(400, e.message) from None
            except StoreError as e:
                raise HttpError(503, e.message) from None
            except FormcheckError as e:
                raise HttpError(500, e.message) from None

    def _not_allowed(self) -> None:
        self._send(
            _error_page(
                405, "This dashboard changes nothing but prescriptions and notes, through its own forms."
            )
        )

    do_PUT = do_DELETE = do_PATCH = _not_allowed  # noqa: N815

    def do_POST(self) -> None:
        self._respond(self._write, "saving this")

    def _form(self) -> Query:
        """The request's form fields, after the checks every write must pass."""
        if not self._allowed_host():
            raise HttpError(400, "This dashboard answers only to this computer's own address (127.0.0.1).")
        origin = self.headers.get("Origin")
        if origin and urlsplit(origin).netloc.lower() != (self.headers.get("Host") or "").lower():
            raise HttpError(403, "This form can only be sent from the dashboard's own pages.")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            raise HttpError(400, "Send this from the dashboard's form.")
        try:
            length = int(self.headers.get("Content-Length") or "")
        except ValueError:
            raise HttpError(400, "Send this from the dashboard's form.") from None
        if not 0 <= length <= MAX_FORM:
            raise HttpError(400, f"The form is too long (at most {MAX_FORM} bytes).")
        raw = self.rfile.read(length)
        try:
            form = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise HttpError(400, "The form is not valid text (UTF-8).") from None
        token = _one(form, "token") or ""
        if not hmac.compare_digest(token.encode(), TOKEN.encode()):
            raise HttpError(
                403, "This form is out of date or not from this dashboard; reload the page and try again."
            )
        return form

    def _write(self) -> Response:
        path = urlsplit(self.path).path
        rx = re.fullmatch(rf"/patients/{_ID}/prescription", path)
        note = re.fullmatch(rf"/sessions/{_ID}/notes", path)
        if not rx and not note:
            if not self._allowed_host():
                raise HttpError(
                    400, "This dashboard answers only to this computer's own address (127.0.0.1)."
                )
            raise HttpError(
                405, "This dashboard changes nothing but prescriptions and notes, through its own forms."
            )
        form = self._form()
        try:
            store = Store.open(self.server.store_path, create=False)
        except FormcheckError as e:
            raise HttpError(503, e.message) from None
        with store:
            try:
                if rx:
                    pid = int(rx[1])
                    store.patient(pid)
                    exercise, values, valid_from = _prescription_from(form)
                    store.set_prescription(pid, exercise, values, valid_from)
                    return _redirect(f"/patients/{pid}")
                sid = int(note[1]) if note else 0
                text = (_one(form, "text") or "").strip()
                if not text:
                    raise HttpError(400, "Write a note before saving it.")
                if len(text) > NOTE_MAX:
                    raise HttpError(400, f"A note can be at most {NOTE_MAX} characters.")
                store.add_note(sid, text)
                return _redirect(f"/sessions/{sid}#notes")
            except MissingInputError as e:
                raise HttpError(404, e.message) from None
            except (UsageError, StoreError) as e:
                raise HttpError(400 if isinstance(e, UsageError) else 503, e.message) from None

    def _send(self, r: Response) -> None:
        try:
            self.send_response(r.status)
            self.send_header("Content-Type", r.content_type)
            self.send_header("Content-Length", str(len(r.body)))
            self.send_header("Content-Security-Policy", CSP)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "same-origin")  # the forms need their Origin sent
            self.send_header("Cache-Control", "no-store")
            if r.filename:
                self.send_header("Content-Disposition", f'attachment; filename="{r.filename}"')
            if r.location:
                self.send_header("Location", r.location)
            if r.status == 405:
                self.send_header("Allow", "GET, POST")
            self.end_headers()
            self.wfile.write(r.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser went away


def make_server(
    store_path: Path | None, host: str = "127.0.0.1", port: int = 0, *, verbose: bool = False
) -> DashboardServer:
    """A dashboard server bound to ``host``:``port`` (0: a free port), not yet serving.

    Raises:
        UsageError: the port is in use, or the address cannot be listened on.
    """
    ipv6 = ":" in host
    cls = DashboardServer6 if ipv6 else DashboardServer
    try:
        server = cls((host, port), Handler)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            raise UsageError(
                f"Port {port} on {host} is in use (another formcheck serve?); pick another with --port, "
                "or --port 0 for any free one."
            ) from None
        raise UsageError(f"Cannot listen on {host} port {port} ({e.strerror or e}).") from None
    server.store_path = Path(store_path) if store_path is not None else default_path()
    server.verbose = verbose
    return server


def url_of(server: DashboardServer) -> str:
    raw, port = server.server_address[:2]
    host = raw.decode() if isinstance(raw, bytes) else str(raw)
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def serve(
    store_path: Path | None, host: str = "127.0.0.1", port: int = 8765, *, verbose: bool = False
) -> int:
    """Serve the dashboard until Ctrl-C; returns the exit code (0)."""
    server = make_server(store_path, host, port, verbose=verbose)
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host.lower() == "localhost"
    print(f"formcheck dashboard on {url_of(server)} — Ctrl-C to stop", flush=True)
    if not loopback:
        print(
            f"formcheck: listening on {host}: other computers that can reach it can see the patients' data.",
            file=sys.stderr,
            flush=True,
        )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nformcheck dashboard stopped.", flush=True)
    finally:
        server.server_close()
    return 0


__all__ = ["CSP", "make_server", "serve", "url_of"]
