"""Report plots as inline SVG (matplotlib, drawn off screen).

Each function takes part of a report dict (see :mod:`formcheck.reports.data`) and returns SVG
markup to put straight into the HTML: text stays text (it prints sharply and uses the page's
font), and the output is the same for the same data.
"""

from __future__ import annotations

import html
import io
import math
import re
from datetime import date, timedelta
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from formcheck.units import seconds, value_text

INK = "#1f2933"
MUTED = "#7b8794"
GOOD = "#2f8f5b"
FAULT = "#c8553d"
TARGET = "#2f8f5b"
LIMIT = "#d9822b"
BLUE = "#3a6ea5"
SIDE_COLOURS = {"left": "#3a6ea5", "right": "#8e5ea2", None: BLUE}

plt.rcParams.update(
    {
        "svg.fonttype": "none",
        "svg.hashsalt": "formcheck",
        "font.size": 10,
        "axes.edgecolor": MUTED,
        "axes.labelcolor": INK,
        "xtick.color": MUTED,
        "ytick.color": MUTED,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#e4e7eb",
        "grid.linewidth": 0.6,
        "legend.frameon": False,
        "legend.fontsize": 9,
    }
)


def _figure(h: float = 3.0, w: float = 11.0, rows: int = 1) -> tuple[Figure, Any]:
    fig, ax = plt.subplots(rows, 1, figsize=(w, h), sharex=rows > 1, squeeze=True)
    return fig, ax


def _svg(fig: Figure, label: str) -> str:
    """The figure as an <svg> element that scales to its container, with an accessible label."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", svg, count=1)
    # The label holds stored text (an exercise's key label): escaped, it can never become markup.
    return svg.replace("<svg", f'<svg class="plot" role="img" aria-label="{html.escape(label)}"', 1)


def _plain(text: str) -> str:
    """Text for matplotlib drawn as is: a ``$`` would start mathtext (and bad mathtext raises)."""
    return text.replace("$", r"\$")


def _nan(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], np.float64)


def _unit(u: str) -> str:
    return f" ({u})" if u else ""


def rom_limits(roms: list[dict[str, Any]]) -> tuple[float, float] | None:
    """One y range for several range-of-motion plots (values, targets and limits of all)."""
    vals: list[float] = []
    for rom in roms:
        vals += [v for v in rom["values"] if v is not None]
        refs = [rom.get("target"), *[x["value"] for x in rom.get("limits", [])]]
        vals += [v for v in refs if v is not None]
    if not vals:
        return None
    lo, hi = min(vals), max(vals)
    pad = max(5.0, 0.12 * (hi - lo))
    return lo - pad, hi + pad


def rom_svg(
    rom: dict[str, Any], faulty_reps: set[int] | None = None, *, ylim: tuple[float, float] | None = None
) -> str:
    """Range of motion per rep as dots (not bars: the number is an angle, not an amount), the
    target dashed and the band between the fault limits shaded. A dot is red only when that
    rep's range of motion is outside the band; a ring marks a rep with another fault. Where a
    lower value is better (a deeper knee angle), the axis runs downwards, so up is always better."""
    fig, ax = _figure()
    reps = rom["reps"]
    vals = _nan(rom["values"])
    band = rom.get("in_band") or [None] * len(reps)
    faulty = faulty_reps or set()
    x = np.arange(1, len(reps) + 1)
    limits = [lim for lim in rom.get("limits", []) if lim["value"] is not None]
    below = [lim["value"] for lim in limits if lim["when"] == "below"]
    above = [lim["value"] for lim in limits if lim["when"] == "above"]
    lo_y, hi_y = ylim if ylim else (rom_limits([rom]) or (0.0, 1.0))
    if below or above:
        ax.axhspan(
            max(below) if below else lo_y,
            min(above) if above else hi_y,
            color=TARGET,
            alpha=0.08,
            lw=0,
            label="inside the limits",
        )
    if len(reps):
        for side in dict.fromkeys(rom["sides"]):
            idx = [i for i, s in enumerate(rom["sides"]) if s == side]
            colours = [FAULT if band[i] is False else SIDE_COLOURS.get(side, BLUE) for i in idx]
            ax.vlines(x[idx], lo_y, vals[idx], color="#d5dbe1", lw=1)
            ax.scatter(
                x[idx],
                vals[idx],
                c=colours,
                s=46,
                zorder=3,
                marker="o" if side != "right" else "s",
                label=_plain(f"{side} side") if side else None,
            )
        other = [
            i for i, r in enumerate(reps) if r in faulty and band[i] is not False and np.isfinite(vals[i])
        ]
        if other:
            ax.scatter(
                x[other],
                vals[other],
                s=140,
                facecolors="none",
                edgecolors=FAULT,
                lw=1.2,
                zorder=4,
                label=f"another fault in the {rom.get('counted', 'rep')}",
            )
        for i, v in enumerate(vals):
            if np.isfinite(v):
                ax.annotate(
                    value_text(float(v), rom["unit"]),  # as the rep table writes it
                    (x[i], v),
                    ha="center",
                    va="bottom",
                    fontsize=7,
                    color=INK,
                    xytext=(0, 6),
                    textcoords="offset points",
                )
    if rom.get("target") is not None:
        ax.axhline(rom["target"], color=TARGET, lw=1.4, ls="--", label=f"target {rom['target']:g}")
    for lim in limits:
        ax.axhline(lim["value"], color=LIMIT, lw=1, ls=":")
    better_low = rom.get("better") == "lower"
    ax.set_ylim((hi_y, lo_y) if better_low else (lo_y, hi_y))
    ax.set_xlim(0.4, max(len(reps), 1) + 0.6)
    ax.set_xticks(x, [str(r) for r in reps] if len(reps) <= 30 else None)
    ax.set_xlabel(rom.get("counted", "rep"))
    way = " (deeper is up)" if better_low else ""
    ax.set_ylabel(_plain(rom["label"] + _unit(rom["unit"]) + way))
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=5)
    return _svg(fig, f"{rom['label']} per {rom.get('counted', 'rep')} against the target")


def measured_at(t: np.ndarray, k: np.ndarray, at_s: float) -> float | None:
    """The traced value ``k`` at moment ``at_s`` where it was measured then, else None.

    On the drawn curve: between two measured samples, the value on the line drawn between them;
    otherwise the nearest sample's, when it was measured and is within one sample interval (a
    frame) of ``at_s``. Never a value joined across a gap (samples not measured, or blanked as
    not trusted from that camera): that is a number nobody measured."""
    ok = np.isfinite(t)
    t, k = t[ok], k[ok]
    if not len(t) or not np.isfinite(at_s):
        return None
    i = int(np.searchsorted(t, at_s))
    if 0 < i < len(t) and np.isfinite(k[i - 1]) and np.isfinite(k[i]):
        return float(np.interp(at_s, t[i - 1 : i + 1], k[i - 1 : i + 1]))
    j = int(np.argmin(np.abs(t - at_s)))
    step = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    if np.isfinite(k[j]) and abs(t[j] - at_s) <= step + 1e-6:
        return float(k[j])
    return None


def fault_marks(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Where each fault's ▼ goes on the key-angle chart: ``at_s``, the moment of the fault, and
    ``y``, a value measured at that moment, or None when none was (drawn on the top edge).

    The ▼ says when a fault happened ("▼ marks the moment of a fault"), and a physiotherapist
    reads its height as the angle then. So its height is always a measured angle, in this order:

    1. the curve at that moment, where it was measured then (the ▼ sits on the line);
    2. in a gap of the curve, at a fault judged at the rep's peak: the rep's own measure of this
       angle (the range-of-motion metric, which the report takes as the rep's measure of the key
       angle, see ``data._untrusted_blank``) when it was measured: the number in the rep table;
    3. else no height (``y`` None): the ▼ goes on the chart's top edge and claims no angle.

    Never a value joined across the gap (a knee shown at 135° when it was bent to about 50°), nor
    the nearest measured sample of the rep: that is the angle at another moment (the start of
    the rep, standing), not at the fault's."""
    tr = report["trace"]
    t, k = _nan(tr["t_s"]), _nan(tr["key_deg"])
    rom = report.get("rom")
    metric = rom["metric"] if rom and rom.get("unit") == tr.get("unit", "°") else None  # same axis
    marks = []
    for r in report["reps"]:
        for f in r["faults"]:
            if f.get("at_s") is None:
                continue
            at = float(f["at_s"])
            y = measured_at(t, k, at)
            own = r["metrics"].get(metric) if metric else None
            at_peak = r.get("peak_s") is not None and abs(at - float(r["peak_s"])) < 1e-6
            if y is None and at_peak and own is not None and np.isfinite(own):
                y = float(own)
            marks.append({"rep": r["index"], "code": f["code"], "at_s": at, "y": y})
    return marks


def trace_svg(report: dict[str, Any]) -> str:
    """The key angle over the session, reps shaded, each fault marked where it happened (see
    :func:`fault_marks`)."""
    fig, ax = _figure(h=3.2)
    tr = report["trace"]
    unit = tr.get("unit", "°")
    t, k = _nan(tr["t_s"]), _nan(tr["key_deg"])
    ax.plot(t, k, color=BLUE, lw=1.1)
    for r in report["reps"]:
        colour = FAULT if r["faults"] else MUTED if r.get("unchecked") else GOOD
        ax.axvspan(r["start_s"], r["end_s"], color=colour, alpha=0.10, lw=0)
        hold = r["metrics"].get("hold_s")
        ax.text(
            (r["start_s"] + r["end_s"]) / 2,
            1.0,
            str(r["index"]) + (f" · hold {seconds(hold)}" if hold is not None else ""),
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="bottom",
            fontsize=7,
            color=MUTED,
        )
    unmeasured = _plain(f"fault, {tr['label'] or 'angle'} not measured then")
    for m in fault_marks(report):
        if m["y"] is not None:
            ax.plot([m["at_s"]], [m["y"]], marker="v", color=FAULT, ms=6)
        else:  # no value claimed: a hollow ▼ on the top edge, at the moment only
            ax.plot(
                [m["at_s"]],
                [0.97],
                transform=ax.get_xaxis_transform(),
                marker="v",
                ls="none",
                mfc="white",
                mec=FAULT,
                ms=6,
                clip_on=False,
                label=unmeasured,
            )
            unmeasured = "_"  # one legend entry
    if tr.get("target") is not None:
        ax.axhline(tr["target"], color=TARGET, lw=1.2, ls="--", label=f"target {tr['target']:g}{unit}")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.04), ncol=2)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(_plain(f"{tr['label']} angle (°)" if unit == "°" else f"{tr['label']} ({unit})"))
    ax.margins(x=0.01)
    what = f"{tr['label']} angle" if unit == "°" else str(tr["label"])
    return _svg(fig, f"{what} over time with {report['session'].get('unit', 'rep')}s and faults")


def _date_axis(ax: Any, lo: date, hi: date) -> None:
    """A labelled date axis from ``lo`` to ``hi`` (a day's padding each side), on every chart."""
    import matplotlib.dates as mdates

    ax.set_xlim(lo - timedelta(days=1), hi + timedelta(days=1))
    span = (hi - lo).days + 2
    if span <= 16:  # whole days, at most 8 labels: "19 Nov" side by side for 17 days ran together
        ax.xaxis.set_major_locator(mdates.DayLocator(interval=math.ceil(span / 8)))
    else:
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=10))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.tick_params(axis="x", labelbottom=True)
    ax.set_xlabel("date")


def trend_svgs(ex: dict[str, Any], first: str | None = None, last: str | None = None) -> list[str]:
    """Per day (several sessions on a day are one day): range of motion as the day's median with
    its lowest and highest rep, and the share of reps inside the target band; hold; pain before
    and after; the share of reps with a fault. Every chart has its date axis."""
    days = ex["days"]
    w = ex.get("unit", "rep")  # what is counted: "rep", or "hold" for a held stretch
    dates = [date.fromisoformat(p["date"]) for p in days]
    lo = date.fromisoformat(first) if first else min(dates)
    hi = date.fromisoformat(last) if last else max(dates)
    has_rom = any(p["rom"]["median"] is not None for p in days)
    has_band = any(p["in_band"] is not None for p in days)
    has_hold = any(p["hold"]["median"] is not None for p in days)
    has_pain = any(p["pain_before"] is not None or p["pain_after"] is not None for p in days)
    panels = ["rom"] * has_rom + ["band"] * has_band + ["hold"] * has_hold + ["pain"] * has_pain + ["faults"]
    rom = ex.get("rom") or {"label": "range of motion", "unit": "", "target": None, "limits": []}
    names = {
        "rom": f"{rom['label']} per day",
        "band": f"{w}s inside the target band per day",
        "hold": "hold per day",
        "pain": "pain before and after per day",
        "faults": f"{w}s with a fault per day",
    }
    out = []
    for what in panels:  # one chart each, so a printed page can break between them
        fig, ax = _figure(h=2.4 if what == "rom" else 2.0)
        if what == "rom":
            med = _nan([p["rom"]["median"] for p in days])
            mn, mx = _nan([p["rom"]["min"] for p in days]), _nan([p["rom"]["max"] for p in days])
            ax.vlines(dates, mn, mx, color=BLUE, lw=2.2, alpha=0.45, label=f"lowest to highest {w}")
            ax.plot(dates, med, marker="o", ls="none", color=BLUE, label=f"median {w}")
            limits = [lim for lim in rom.get("limits", []) if lim["value"] is not None]
            for lim in limits:
                ax.axhline(lim["value"], color=LIMIT, lw=1, ls=":")
            if rom.get("target") is not None:
                ax.axhline(rom["target"], color=TARGET, ls="--", lw=1.2, label=f"target {rom['target']:g}")
            ax.set_ylabel(_plain(rom["label"] + _unit(rom["unit"])), fontsize=9)
            ax.margins(y=0.2)
            if rom.get("better") == "lower":
                ax.invert_yaxis()
            ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=3)
        elif what == "band":
            share = _nan([None if p["in_band"] is None else 100 * p["in_band"] for p in days])
            ax.bar(dates, share, color=GOOD, width=0.7)
            ax.set_ylim(0, 105)
            ax.set_ylabel(f"{w}s inside the\ntarget band (%)", fontsize=9)
        elif what == "hold":
            med = _nan([p["hold"]["median"] for p in days])
            ax.vlines(
                dates,
                _nan([p["hold"]["min"] for p in days]),
                _nan([p["hold"]["max"] for p in days]),
                color=BLUE,
                lw=2.2,
                alpha=0.45,
            )
            ax.plot(dates, med, marker="o", ls="none", color=BLUE)
            if ex.get("hold_target_s"):
                ax.axhline(ex["hold_target_s"], color=TARGET, ls="--", lw=1.2)
            ax.set_ylabel("hold (s)", fontsize=9)
            tops = [v for v in [*_nan([p["hold"]["max"] for p in days]), ex.get("hold_target_s")] if v]
            top = np.nanmax(np.asarray(tops, float)) if tops else np.nan
            ax.set_ylim(0, 1.15 * top if np.isfinite(top) and top > 0 else 1.0)  # room above the longest
        elif what == "pain":
            ax.plot(dates, _nan([p["pain_before"] for p in days]), marker="o", color=MUTED, label="before")
            ax.plot(dates, _nan([p["pain_after"] for p in days]), marker="s", color=FAULT, label="after")
            ax.set_ylim(0, 10.5)
            ax.set_yticks([0, 2, 4, 6, 8, 10])  # whole numbers, as the scale is
            ax.set_ylabel("pain (0-10)", fontsize=9)
            ax.legend(loc="upper right", ncol=2)
        else:
            rate = _nan([None if p["fault_rate"] is None else 100 * p["fault_rate"] for p in days])
            ax.bar(dates, rate, color=FAULT, width=0.7)
            ax.set_ylim(0, 105)
            ax.set_ylabel(f"{w}s with a\nfault (%)", fontsize=9)
        _date_axis(ax, lo, hi)
        out.append(_svg(fig, f"{ex['title']}: {names[what]}"))
    return out


def adherence_svg(adherence: dict[str, Any]) -> str:
    """Days per week with the prescribed sets done, against the days prescribed."""
    weeks = adherence["weeks"]
    fig, ax = _figure(h=2.4)
    x = np.arange(len(weeks))
    ax.bar(x, [w["days_with_sets"] for w in weeks], color="#c9d6e6", width=0.6, label="days with a set")
    ax.bar(x, [w["days_done"] for w in weeks], color=BLUE, width=0.6, label="days with every set done")
    ax.plot(
        x,
        [w["days_prescribed"] for w in weeks],
        color=TARGET,
        marker="_",
        ms=18,
        mew=2,
        ls="none",
        label="prescribed",
    )
    ax.set_xticks(x, [date.fromisoformat(w["week_of"]).strftime("%d %b") for w in weeks])
    ax.set_xlim(-0.6, max(len(weeks), 6) - 0.4)
    ax.set_xlabel("week starting (date)")
    ax.set_ylabel("days")
    ax.set_ylim(0, 7.5)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=3)
    return _svg(fig, "days done per week against prescribed")
