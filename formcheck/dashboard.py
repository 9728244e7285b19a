"""A local web dashboard of the session store: ``formcheck serve``.

Built on the standard library's :class:`http.server.ThreadingHTTPServer`, not on a web
framework: the dashboard only reads, runs on the clinician's own computer (bound to 127.0.0.1
unless told otherwise) and has a handful of GET routes, so a framework would add a dependency
and nothing else.

Routes (every id is an integer matched by a regular expression; no part of a request is ever
joined to a folder, so a request reaches only the store's data):

=========================================  ===============================================
``/``                                      patients, recent sessions, pick two to compare
``/patients/<id>``                         a patient's sessions and a report-for-a-period form
``/patients/<id>/report[.csv|.json]``      ``?from=YYYY-MM-DD&to=YYYY-MM-DD``: the patient report
``/sessions/<id>[.csv|.json]``             one session's report
``/compare?a=<id>&b=<id>``                 two sessions side by side
=========================================  ===============================================

Each request opens the store afresh (an SQLite connection belongs to one thread) and only reads
it. Errors are pages with one sentence: 404 for an unknown address or id, 400 for a bad query,
503 when the store cannot be read, 500 otherwise; a traceback goes to the terminal, never to
the browser. Every page is self-contained (inline CSS and SVG, stills as ``data:`` URIs) and
served with a Content-Security-Policy that allows nothing else: no scripts, no requests out.
"""

from __future__ import annotations

import errno
import html
import ipaddress
import re
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
RECENT = 50  # sessions listed on the front page
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
_ID = r"([0-9]{1,9})"  # small enough for SQLite and for int()

# Styles the report pages' shell does not have: the navigation bar, the dashboard's tables
# and forms, and the comparison's two columns.
EXTRA_CSS = """
nav.fc-nav { display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; align-items: baseline; justify-content: space-between;
  padding: .55rem 0 .6rem; margin: 0 0 1rem; border-bottom: 1px solid #d0d7de; font-size: .95rem; }
nav.fc-nav a { text-decoration: none; }
nav.fc-nav a:hover { text-decoration: underline; }
nav.fc-nav .fc-here { color: #57606a; }
.fc-dash table { border-collapse: collapse; width: 100%; margin: .4rem 0 1.2rem; }
.fc-dash th, .fc-dash td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #d8dee4;
  vertical-align: top; }
.fc-dash th { background: #f3f5f7; font-weight: 600; }
.fc-dash td.num, .fc-dash th.num { text-align: right; font-variant-numeric: tabular-nums; }
.fc-dash td.pick, .fc-dash th.pick { text-align: center; width: 2.2rem; }
.fc-dash tbody tr:hover { background: #f8fafc; }
.fc-dash .fc-muted { color: #57606a; }
.fc-dash .fc-empty { padding: 1rem 1.2rem; background: #f6f8fa; border: 1px solid #d8dee4; border-radius: 6px; }
.fc-dash form.fc-period { display: flex; flex-wrap: wrap; gap: .6rem 1rem; align-items: end; margin: .4rem 0 1.4rem; }
.fc-dash form.fc-period label { display: flex; flex-direction: column; font-size: .9rem; gap: .2rem; }
.fc-dash button, .fc-dash input[type=date] { font: inherit; padding: .3rem .7rem; }
.fc-dash .fc-actions { display: flex; gap: 1rem; align-items: center; margin: .2rem 0 1.5rem; }
.fc-cmp table.fc-side td, .fc-cmp table.fc-side th { width: 37%; }
.fc-cmp table.fc-side th:first-child { width: 26%; }
.fc-plots { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 1.5rem; }
.fc-plots > div { min-width: 0; }
.fc-plots svg { max-width: 100%; height: auto; }
@media print { nav.fc-nav { display: none; } }
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
    filename: str | None = None  # served as an attachment under this (ASCII, made-up) name


Query = dict[str, list[str]]
View = Callable[[Store, "re.Match[str]", Query], Response]

# -- small helpers -----------------------------------------------------------------------------


def esc(x: Any) -> str:
    """Text for HTML (element content and quoted attributes)."""
    return html.escape("" if x is None else str(x), quote=True)


def _when(iso: str | None) -> str:
    from formcheck.reports.data import local_dt

    return local_dt(iso).strftime("%Y-%m-%d %H:%M") if iso else "—"


@lru_cache(maxsize=64)
def _title(exercise: str) -> str:
    from formcheck.definitions import load

    try:
        return load(exercise).title
    except FormcheckError:
        return exercise


def _num(v: Any, unit: str = "", nd: int = 1) -> str:
    """A number with its unit ("93°", "2.1 s"), or a dash when it is missing."""
    if v is None:
        return "—"
    text = f"{float(v):.{nd}f}".rstrip("0").rstrip(".") if isinstance(v, float) else str(v)
    if not unit:
        return text
    return f"{text}{unit}" if unit == "°" else f"{text} {unit}"


def _pain(before: Any, after: Any) -> str:
    if before is None and after is None:
        return "—"
    return f"{'—' if before is None else before} → {'—' if after is None else after}"


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
        raise HttpError(400, f"“{key}” must be a date between 1970 and 2999, not {d.isoformat()}.")
    return d


def _page(title: str, body: str, *, nav: str = "", cls: str = "fc-dash") -> bytes:
    from formcheck.reports.html import page

    return _decorate(page(title, f'<div class="{cls}">{body}</div>'), nav)


def _decorate(doc: str, nav: str) -> bytes:
    """A page with the dashboard's extra CSS in its head and ``nav`` at the top of its body."""
    style = f"<style>{EXTRA_CSS}</style>"
    head_end = re.search(r"</head\s*>", doc, re.IGNORECASE)
    doc = doc[: head_end.start()] + style + doc[head_end.start() :] if head_end else style + doc
    if nav:
        body = re.search(r"<body\b[^>]*>", doc, re.IGNORECASE)
        doc = doc[: body.end()] + nav + doc[body.end() :] if body else nav + doc
    return doc.encode("utf-8")


def _nav(*links: tuple[str, str], here: str = "", right: tuple[tuple[str, str], ...] = ()) -> str:
    """The navigation bar: a trail of links (href, text) ending at this page, links on the right."""
    trail = [f'<a href="{esc(h)}">{esc(t)}</a>' for h, t in links]
    if here:
        trail.append(f'<span class="fc-here">{esc(here)}</span>')
    side = " · ".join(f'<a href="{esc(h)}">{esc(t)}</a>' for h, t in right)
    side_html = f'<span class="fc-right">{side}</span>' if side else ""
    return f'<nav class="fc-nav"><span class="fc-trail">{" › ".join(trail)}</span>{side_html}</nav>'


def _error_page(status: int, message: str) -> Response:
    titles = {400: "Bad request", 404: "Not found", 405: "Not allowed", 500: "Error", 503: "Store unavailable"}
    title = titles.get(status, "Error")
    body = f"<h1>{esc(title)}</h1><p>{esc(message)}</p>"
    nav = _nav(("/", "Dashboard"))
    try:
        doc = _page(f"formcheck — {title}", body, nav=nav)
    except Exception:  # the page shell itself failed: a bare page still says what happened
        doc = (
            f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(title)}</title></head>"
            f"<body>{nav}{body}</body></html>"
        ).encode()
    return Response(status, doc)


def _sessions_table(rows: list[dict[str, Any]], *, with_patient: bool) -> str:
    """Sessions, newest first, with a radio button in column A and in column B to compare two."""
    head = (
        '<tr><th class="pick" title="first session to compare">A</th>'
        '<th class="pick" title="second session to compare">B</th>'
        "<th>Date</th>"
        + ("<th>Patient</th>" if with_patient else "")
        + '<th>Exercise</th><th>View</th><th class="num">Reps</th><th class="num">Faulty reps</th>'
        "<th>Pain before → after</th><th>Export</th></tr>"
    )
    body = []
    for i, r in enumerate(rows):
        sid = int(r["id"])
        req = " required" if i == 0 else ""
        body.append(
            "<tr>"
            f'<td class="pick"><input type="radio" name="a" value="{sid}" id="a{sid}"{req}'
            f' aria-label="compare session {sid} as A"></td>'
            f'<td class="pick"><input type="radio" name="b" value="{sid}" id="b{sid}"{req}'
            f' aria-label="compare session {sid} as B"></td>'
            f'<td><a href="/sessions/{sid}">{esc(_when(r["created"]))}</a></td>'
            + (
                f'<td><a href="/patients/{int(r["patient_id"])}">{esc(r["patient"])}</a></td>'
                if with_patient
                else ""
            )
            + f"<td>{esc(_title(r['exercise']))}</td><td>{esc(r['view'])}</td>"
            f'<td class="num">{int(r["n_reps"])}</td><td class="num">{int(r["n_faulty_reps"])}</td>'
            f"<td>{esc(_pain(r['pain_before'], r['pain_after']))}</td>"
            f'<td><a href="/sessions/{sid}.csv">CSV</a> · <a href="/sessions/{sid}.json">JSON</a></td>'
            "</tr>"
        )
    return (
        '<form method="get" action="/compare" class="fc-compare">'
        f"<table class=\"fc-sessions\"><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"
        '<div class="fc-actions"><button type="submit">Compare A with B</button>'
        '<span class="fc-muted">Pick one session in column A and one in column B.</span></div>'
        "</form>"
    )


# -- views --------------------------------------------------------------------------------------


def index_empty() -> Response:
    body = (
        "<h1>formcheck dashboard</h1>"
        '<p class="fc-empty">There are no sessions yet. Score a video (<code>formcheck score</code>) or do a '
        "live set (<code>formcheck live</code>) and its session will appear here.</p>"
    )
    return Response(200, _page("formcheck — dashboard", body))


def view_index(store: Store, m: re.Match[str], q: Query) -> Response:
    rows = store.sessions()
    if not rows:
        return index_empty()
    patients = store.patients()
    prow = "".join(
        f'<tr><td><a href="/patients/{int(p["id"])}">{esc(p["name"])}</a></td>'
        f'<td class="num">{int(p["n_sessions"])}</td><td>{esc(_when(p["last"]))}</td></tr>'
        for p in patients
    )
    recent = list(reversed(rows))[:RECENT]
    more = (
        f'<p class="fc-muted">The {RECENT} newest of {len(rows)} sessions; a patient\'s page lists all of theirs.</p>'
        if len(rows) > RECENT
        else ""
    )
    body = (
        "<h1>formcheck dashboard</h1>"
        f"<h2>Patients</h2><table class=\"fc-patients\"><thead><tr><th>Patient</th>"
        f'<th class="num">Sessions</th><th>Last session</th></tr></thead><tbody>{prow}</tbody></table>'
        f"<h2>Recent sessions</h2>{more}{_sessions_table(recent, with_patient=True)}"
    )
    return Response(200, _page("formcheck — dashboard", body))


def _patient(store: Store, pid: int) -> dict[str, Any]:
    try:
        return store.patient(pid)
    except MissingInputError:
        raise HttpError(404, f"There is no patient {pid} in the store.") from None


def view_patient(store: Store, m: re.Match[str], q: Query) -> Response:
    p = _patient(store, int(m[1]))
    pid = int(p["id"])
    rows = list(reversed(store.sessions(pid)))
    from formcheck.reports.data import local_dt

    today = datetime.now().astimezone().date()
    first = local_dt(rows[-1]["created"]).date() if rows else today
    name = esc(p["name"])
    if rows:
        summary = (
            f"<p>{len(rows)} session{'s' if len(rows) != 1 else ''}, from {esc(_when(rows[-1]['created']))} "
            f"to {esc(_when(rows[0]['created']))}.</p>"
        )
        table = _sessions_table(rows, with_patient=False)
    else:
        summary = ""
        table = '<p class="fc-empty">This patient has no sessions yet.</p>'
    body = (
        f"<h1>{name}</h1>{summary}"
        "<h2>Report for a period</h2>"
        f'<form class="fc-period" method="get" action="/patients/{pid}/report">'
        f'<label>From <input type="date" name="from" value="{first.isoformat()}"></label>'
        f'<label>To <input type="date" name="to" value="{max(today, first).isoformat()}"></label>'
        '<button type="submit">Show the report</button></form>'
        f"<h2>Sessions</h2>{table}"
    )
    nav = _nav(("/", "Dashboard"), here=p["name"])
    return Response(200, _page(f"formcheck — {p['name']}", body, nav=nav))


def view_patient_report(store: Store, m: re.Match[str], q: Query) -> Response:
    from formcheck.reports import export
    from formcheck.reports.data import patient_report

    p = _patient(store, int(m[1]))
    pid = int(p["id"])
    first, last = _day(q, "from"), _day(q, "to")
    if first and last and last < first:
        raise HttpError(400, f"The period ends ({last}) before it starts ({first}).")
    # patient_report looks a patient up by name or by id; the id is exact where names may differ
    # only in case.
    pref: Any = pid
    report = patient_report(store, pref, first, last)
    if m[2] == "csv":
        return Response(200, export.to_csv(report).encode(), "text/csv; charset=utf-8", f"patient-{pid}-report.csv")
    if m[2] == "json":
        return Response(
            200, export.to_json(report).encode(), "application/json; charset=utf-8", f"patient-{pid}-report.json"
        )
    from formcheck.reports.html import render

    period = urlencode({"from": report["from"], "to": report["to"]})
    nav = _nav(
        ("/", "Dashboard"),
        (f"/patients/{pid}", p["name"]),
        here=f"Report {report['from']} to {report['to']}",
        right=((f"/patients/{pid}/report.csv?{period}", "Download CSV"), (f"/patients/{pid}/report.json?{period}", "Download JSON")),
    )
    return Response(200, _decorate(render(report), nav))


def _session_report(store: Store, sid: int, *, with_stills: bool = True) -> dict[str, Any]:
    from formcheck.reports.data import session_report

    try:
        store.session_row(sid)
    except MissingInputError:
        raise HttpError(404, f"There is no session {sid} in the store.") from None
    return session_report(store, sid, with_stills=with_stills)


def view_session(store: Store, m: re.Match[str], q: Query) -> Response:
    from formcheck.reports import export

    sid = int(m[1])
    if m[2] == "csv":
        report = _session_report(store, sid, with_stills=False)
        return Response(200, export.to_csv(report).encode(), "text/csv; charset=utf-8", f"session-{sid}.csv")
    if m[2] == "json":
        report = _session_report(store, sid, with_stills=False)
        return Response(200, export.to_json(report).encode(), "application/json; charset=utf-8", f"session-{sid}.json")
    from formcheck.reports.html import render

    report = _session_report(store, sid)
    pid = int(report["patient"]["id"])
    nav = _nav(
        ("/", "Dashboard"),
        (f"/patients/{pid}", report["patient"]["name"]),
        here=f"Session {sid}",
        right=((f"/sessions/{sid}.csv", "Download CSV"), (f"/sessions/{sid}.json", "Download JSON")),
    )
    return Response(200, _decorate(render(report), nav))


def _compare_column(store: Store, sid: int) -> dict[str, Any]:
    """What the comparison shows of one session: its report (no stills) and its trend point."""
    from formcheck.reports.data import _session_point

    rep = _session_report(store, sid, with_stills=False)
    row = next(r for r in store.sessions(rep["patient"]["id"]) if r["id"] == sid)
    return {"report": rep, "point": _session_point(store, row)}


def _reps_text(rep: dict[str, Any]) -> str:
    s = rep["summary"]
    if s["per_side"] and len(s["by_side"]) > 1:
        sides = ", ".join(f"{b['side']} {b['done']} of {b['prescribed']}" for b in s["by_side"])
        return f"{s['reps_done']} ({sides})"
    return f"{s['reps_done']} of {s['reps_prescribed']}"


def _hold_text(rep: dict[str, Any]) -> str:
    h = rep["summary"]["hold"]
    if not h:
        return "—"
    text = f"mean {_num(h['mean_s'], 's')}"
    if h["target_s"] is not None:
        text += f" (target {_num(h['target_s'], 's')})"
    if h["n_short"]:
        text += f", {h['n_short']} short"
    return text


def view_compare(store: Store, m: re.Match[str], q: Query) -> Response:
    from formcheck.reports.plots import rom_svg

    ids: list[int] = []
    for key in ("a", "b"):
        text = _one(q, key)
        if not text:
            raise HttpError(400, "Pick two sessions to compare: one as A and one as B.")
        if not re.fullmatch(_ID, text):
            raise HttpError(400, f"“{key}” must be a session number, not {text[:40]!r}.")
        ids.append(int(text))
    cols = [_compare_column(store, sid) for sid in ids]
    reps = [c["report"] for c in cols]
    pts = [c["point"] for c in cols]

    def row(label: str, cells: list[str], *, raw: bool = False) -> str:
        tds = "".join(f"<td>{c if raw else esc(c)}</td>" for c in cells)
        return f"<tr><th scope=\"row\">{esc(label)}</th>{tds}</tr>"

    roms = [r["rom"] for r in reps]
    rom_label = next((r["label"] for r in roms if r), "Range of motion")
    if len({r["label"] for r in roms if r}) > 1:
        rom_label = "Range of motion"

    def rom_cell(i: int, what: str) -> str:
        rom = roms[i]
        if not rom:
            return "—"
        unit = rom["unit"]
        value = {"mean": pts[i]["rom_mean"], "best": pts[i]["rom_best"], "target": rom["target"]}[what]
        prefix = f"{rom['label']}: " if rom_label != rom["label"] else ""
        return prefix + _num(value, unit)

    lines = [
        row("Patient", [f'<a href="/patients/{int(r["patient"]["id"])}">{esc(r["patient"]["name"])}</a>' for r in reps],
            raw=True),
        row("Date", [f'<a href="/sessions/{r["session"]["id"]}">{esc(r["session"]["local_time"])}</a>' for r in reps],
            raw=True),
        row("Exercise", [f"{r['session']['title']} ({r['session']['view']} view)" for r in reps]),
        row("Reps done of prescribed", [_reps_text(r) for r in reps]),
        row("Set that day", [f"{r['summary']['set_number']} of {r['summary']['sets_prescribed']}" for r in reps]),
        row(f"{rom_label}: mean", [rom_cell(i, "mean") for i in range(2)]),
        row(f"{rom_label}: best", [rom_cell(i, "best") for i in range(2)]),
        row(f"{rom_label}: target", [rom_cell(i, "target") for i in range(2)]),
        row("Hold", [_hold_text(r) for r in reps]),
        row("Clean / faulty reps", [f"{r['summary']['clean_reps']} / {r['summary']['faulty_reps']}" for r in reps]),
        row("Pain before → after", [_pain(r["session"]["pain_before"], r["session"]["pain_after"]) for r in reps]),
    ]
    codes: dict[str, str] = {}
    for r in reps:
        for f in r["summary"]["faults"]:
            codes.setdefault(f["code"], f["label"])
    fault_lines = []
    for code, label in codes.items():
        cells = []
        for r in reps:
            f = next((x for x in r["summary"]["faults"] if x["code"] == code), None)
            if f is None:
                cells.append("0")
            else:
                which = ", ".join(str(i) for i in f["reps"])
                cells.append(f"{f['count']} (rep{'s' if f['count'] != 1 else ''} {which})")
        fault_lines.append(
            f'<tr><th scope="row">{esc(label)} <code class="fc-muted">{esc(code)}</code></th>'
            + "".join(f"<td>{esc(c)}</td>" for c in cells)
            + "</tr>"
        )
    if not fault_lines:
        fault_lines.append(row("Faults", ["none", "none"]))
    heads = "".join(
        f"<th>{x} · session {r['session']['id']}</th>" for x, r in zip("AB", reps, strict=True)
    )
    table = (
        f'<table class="fc-side"><thead><tr><th></th>{heads}</tr></thead><tbody>{"".join(lines)}</tbody></table>'
        f'<h2>Faults (reps with each fault)</h2><table class="fc-side fc-faults"><thead><tr><th></th>{heads}</tr>'
        f'</thead><tbody>{"".join(fault_lines)}</tbody></table>'
    )
    plots = []
    for x, r in zip("AB", reps, strict=True):
        svg = rom_svg(r["rom"]) if r["rom"] else '<p class="fc-muted">No range-of-motion plot for this exercise.</p>'
        plots.append(
            f"<div><h3>{x}: {esc(r['session']['title'])}, {esc(r['session']['local_time'])}</h3>{svg}</div>"
        )
    body = (
        f"<h1>Sessions {reps[0]['session']['id']} and {reps[1]['session']['id']} side by side</h1>"
        f"{table}<h2>Range of motion per rep</h2><div class=\"fc-plots\">{''.join(plots)}</div>"
    )
    nav = _nav(("/", "Dashboard"), here="Compare")
    return Response(200, _page("formcheck — compare sessions", body, nav=nav, cls="fc-dash fc-cmp"))


ROUTES: list[tuple[re.Pattern[str], View]] = [
    (re.compile(r"/"), view_index),
    (re.compile(rf"/patients/{_ID}"), view_patient),
    (re.compile(rf"/patients/{_ID}/report(?:\.(csv|json))?"), view_patient_report),
    (re.compile(rf"/sessions/{_ID}(?:\.(csv|json))?"), view_session),
    (re.compile(r"/compare"), view_compare),
]

# -- the server ---------------------------------------------------------------------------------


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

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
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
        host = self.headers.get("Host", "")
        name = host[1:].split("]")[0] if host.startswith("[") else host.rsplit(":", 1)[0]
        return name.lower() in LOOPBACK_NAMES

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        try:
            response = self._answer()
        except HttpError as e:
            response = _error_page(e.status, e.message)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            response = _error_page(
                500, "Something went wrong showing this page; the terminal running formcheck serve has the details."
            )
        self._send(response)

    def _answer(self) -> Response:
        if not self._allowed_host():
            raise HttpError(400, "This dashboard answers only to this computer's own address (127.0.0.1).")
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        for pattern, view in ROUTES:
            match = pattern.fullmatch(parts.path)
            if match:
                break
        else:
            raise HttpError(404, "There is no such page on this dashboard.")
        try:
            store = Store.open(self.server.store_path, create=False)
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
        self._send(_error_page(405, "This dashboard only shows the store; it changes nothing."))

    do_POST = do_PUT = do_DELETE = do_PATCH = _not_allowed  # noqa: N815

    def _send(self, r: Response) -> None:
        try:
            self.send_response(r.status)
            self.send_header("Content-Type", r.content_type)
            self.send_header("Content-Length", str(len(r.body)))
            self.send_header("Content-Security-Policy", CSP)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Cache-Control", "no-store")
            if r.filename:
                self.send_header("Content-Disposition", f'attachment; filename="{r.filename}"')
            if r.status == 405:
                self.send_header("Allow", "GET")
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
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in str(host) else str(host)
    return f"http://{shown}:{port}/"


def serve(store_path: Path | None, host: str = "127.0.0.1", port: int = 8765, *, verbose: bool = False) -> int:
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
