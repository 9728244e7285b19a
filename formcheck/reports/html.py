"""Reports as one self-contained HTML file: inline CSS, inline SVG plots, stills as data URIs.

Nothing in the page loads from the network, so it opens anywhere and prints cleanly to PDF
from a browser. Templates are Jinja2 (``templates/``), autoescaped: patient names and file
names can never become markup.
"""

from __future__ import annotations

import base64
import math
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from formcheck.reports import plots
from formcheck.units import seconds, value_text

CSS: str = (resources.files("formcheck.reports") / "templates" / "style.css").read_text(encoding="utf-8")


@cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("formcheck.reports", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["num"] = num
    env.filters["pct"] = lambda v: "–" if v is None else f"{100 * v:.0f}%"
    env.filters["secs"] = lambda v: "–" if v is None else seconds(v)
    env.filters["side"] = lambda s: {"both": "", None: ""}.get(s, s)
    env.filters["metric"] = metric
    return env


def metric(v: Any, col: dict[str, Any]) -> str:
    """A rep's metric for its column: a signed value with words for its sign ("0.13 shin
    behind", not "-0.13 shin") when the column names them."""
    signs = (col.get("signs") or "").split("|")
    if len(signs) != 2 or not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v):
        return num(v, col.get("unit", ""))
    text = num(abs(v), col.get("unit", ""))
    if float(text.split()[0].rstrip("°%")) == 0:  # rounds to zero: no side to name
        return text
    return f"{text} {signs[0] if v < 0 else signs[1]}"


def num(v: Any, unit: str = "", nd: int | None = None) -> str:
    """A number for people: no NaN, sensible decimals, the unit attached."""
    if v is None:
        return "–"
    if isinstance(v, bool) or not isinstance(v, int | float):
        return str(v)
    if nd is None:
        if unit == "s":
            return seconds(v)  # the same everywhere (formcheck.units)
        text = value_text(float(v), unit)
        if text == "–":  # unknown: no unit either
            return text
    else:
        text = f"{v:.{nd}f}"
    if unit in ("°", "%"):  # "75%", as the percentages elsewhere in the reports
        return text + unit
    return f"{text} {unit}" if unit else text


def css_string(text: str) -> str:
    """Text as the inside of a CSS string: every character but letters and digits as a six-digit
    CSS escape, so nothing in it can end the string or the <style> element. Spaces too: CSS takes
    one white space after an escape as part of it ("Lima, Ana" would print "Lima,Ana")."""
    return "".join(c if c.isascii() and c.isalnum() else f"\\{ord(c):06x}" for c in text)


def data_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def page(title: str, body: str, *, nav: str = "", extra_css: str = "") -> str:
    """A complete page with the report styles (and ``extra_css``) around ``body`` (already-safe HTML)."""
    return (
        _env()
        .get_template("page.html.j2")
        .render(title=title, css=Markup(CSS + extra_css), body=Markup(body), nav=Markup(nav))
    )


def render(
    report: dict[str, Any],
    *,
    links: bool = False,
    nav: str = "",
    extra_css: str = "",
    note_form: str = "",
    prescription_form: str = "",
) -> str:
    """The whole HTML page of a session or patient report.

    Args:
        links: link sessions to ``/sessions/<id>`` (the dashboard); a saved file has no links.
        nav: safe HTML shown above the report on screen (not printed), e.g. a back link.
        extra_css: styles added after the report's own (the dashboard's navigation).
        note_form, prescription_form: safe HTML of the dashboard's forms (none in a saved file).
    """
    # Plot SVGs are formcheck's own markup, marked safe where they are made; all else is escaped.
    if report["kind"] == "session":
        faulty = {r["index"] for r in report["reps"] if r["faults"]}
        figs = {
            "rom": Markup(plots.rom_svg(report["rom"], faulty)) if report["rom"] and report["reps"] else "",
            "trace": Markup(plots.trace_svg(report)) if report["trace"]["t_s"] else "",
        }
        stills = [
            {"rep": r, "fault": f, "src": data_uri(f["still_jpeg"])}
            for r in report["reps"]
            for f in r["faults"]
            if f.get("still_jpeg")
        ]
        tpl, ctx = "session.html.j2", {"figs": figs, "stills": stills, "note_form": Markup(note_form)}
    else:
        figs_by_ex = {
            ex["exercise"]: {
                "trend": [Markup(x) for x in plots.trend_svgs(ex, report["from"], report["to"])]
                if ex["days"]
                else [],
                "adherence": Markup(plots.adherence_svg(ex["adherence"])),
            }
            for ex in report["exercises"]
        }
        tpl, ctx = "patient.html.j2", {"figs": figs_by_ex, "prescription_form": Markup(prescription_form)}
    body = _env().get_template(tpl).render(r=report, links=links, **ctx)
    # Printed, every page names the patient and is numbered (Chromium's @page margin boxes).
    who = css_string(report["patient"]["name"])
    running = (
        '@media print { @page { @top-left { content: "' + who + '"; font: 9px sans-serif; color: #616e7c; }'
        ' @bottom-right { content: "page " counter(page) " of " counter(pages); font: 9px sans-serif;'
        " color: #616e7c; } } }"
    )
    return page(_title(report), body, nav=nav, extra_css=extra_css + running)


def _title(report: dict[str, Any]) -> str:
    if report["kind"] == "session":
        s = report["session"]
        return f"{s['title']} – {report['patient']['name']} – {s['local_time']}"
    return f"{report['patient']['name']} – {report['from']} to {report['to']}"
