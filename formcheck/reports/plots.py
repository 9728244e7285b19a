"""Report plots as inline SVG (matplotlib, drawn off screen).

Each function takes part of a report dict (see :mod:`formcheck.reports.data`) and returns SVG
markup to put straight into the HTML: text stays text (it prints sharply and uses the page's
font), and the output is the same for the same data.
"""

from __future__ import annotations

import html
import io
import re
from datetime import date, timedelta
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

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


def rom_svg(rom: dict[str, Any], faulty_reps: set[int] | None = None) -> str:
    """Range of motion per rep against the target and the fault limits."""
    fig, ax = _figure()
    reps = rom["reps"]
    vals = _nan(rom["values"])
    faulty = faulty_reps or set()
    x = np.arange(1, len(reps) + 1)
    if len(reps):
        for side in dict.fromkeys(rom["sides"]):
            idx = [i for i, s in enumerate(rom["sides"]) if s == side]
            colours = [FAULT if reps[i] in faulty else SIDE_COLOURS.get(side, BLUE) for i in idx]
            ax.bar(
                x[idx],
                vals[idx],
                color=colours,
                width=0.6,
                label=_plain(f"{side} side") if side else None,
            )
        for i, v in enumerate(vals):
            if np.isfinite(v):
                ax.annotate(
                    f"{v:.0f}",
                    (x[i], v),
                    ha="center",
                    va="bottom",
                    fontsize=7,
                    color=INK,
                    xytext=(0, 2),
                    textcoords="offset points",
                )
    if rom.get("target") is not None:
        ax.axhline(rom["target"], color=TARGET, lw=1.4, ls="--", label=f"target {rom['target']:g}")
    for lim in rom.get("limits", []):
        if lim["value"] is not None:
            ax.axhline(
                lim["value"],
                color=LIMIT,
                lw=1,
                ls=":",
                label=_plain(f"{lim['code'].replace('_', ' ')} limit"),
            )
    finite = vals[np.isfinite(vals)]
    refs = [v for v in [rom.get("target"), *[lim["value"] for lim in rom.get("limits", [])]] if v is not None]
    lo_hi = np.concatenate([finite, np.array(refs, np.float64)])
    if lo_hi.size:
        pad = max(5.0, 0.1 * float(np.ptp(lo_hi)))
        ax.set_ylim(max(0.0, float(lo_hi.min()) - 3 * pad), float(lo_hi.max()) + pad)
    ax.set_xticks(x, [str(r) for r in reps] if len(reps) <= 30 else None)
    ax.set_xlabel("rep")
    ax.set_ylabel(_plain(rom["label"] + _unit(rom["unit"])))
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=5)
    return _svg(fig, f"{rom['label']} per rep against the target")


def trace_svg(report: dict[str, Any]) -> str:
    """The key angle over the session, reps shaded, each fault marked where it happened."""
    fig, ax = _figure(h=3.2)
    tr = report["trace"]
    t, k = _nan(tr["t_s"]), _nan(tr["key_deg"])
    ax.plot(t, k, color=BLUE, lw=1.1)
    for r in report["reps"]:
        colour = FAULT if r["faults"] else GOOD
        ax.axvspan(r["start_s"], r["end_s"], color=colour, alpha=0.10, lw=0)
        ax.text(
            (r["start_s"] + r["end_s"]) / 2,
            1.0,
            str(r["index"]),
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="bottom",
            fontsize=7,
            color=MUTED,
        )
        for f in r["faults"]:
            if f["at_s"] is None:
                continue
            y = (
                float(np.interp(f["at_s"], t[np.isfinite(k)], k[np.isfinite(k)]))
                if np.isfinite(k).any()
                else 0
            )
            ax.plot([f["at_s"]], [y], marker="v", color=FAULT, ms=6)
    if tr.get("target") is not None:
        ax.axhline(tr["target"], color=TARGET, lw=1.2, ls="--", label=f"target {tr['target']:g}°")
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.04))
    ax.set_xlabel("time (s)")
    ax.set_ylabel(_plain(f"{tr['label']} angle (°)"))
    ax.margins(x=0.01)
    return _svg(fig, f"{tr['label']} angle over time with reps and faults")


def trend_svg(ex: dict[str, Any]) -> str:
    """Per session: range of motion (mean and best) against the target, hold time, fault rate."""
    pts = ex["points"]
    dates = [date.fromisoformat(p["date"]) for p in pts]
    has_hold = any(p["hold_mean_s"] is not None for p in pts)
    has_pain = any(p["pain_before"] is not None or p["pain_after"] is not None for p in pts)
    rows = 2 + has_hold + has_pain
    fig, axes = _figure(h=2.2 * rows + 0.5, rows=rows)
    rom = ex.get("rom") or {"label": "range of motion", "unit": "", "target": None}
    ax = axes[0]
    ax.plot(dates, _nan([p["rom_mean"] for p in pts]), marker="o", color=BLUE, label="mean")
    ax.plot(dates, _nan([p["rom_best"] for p in pts]), marker="^", ls="none", color=INK, label="best")
    if rom.get("target") is not None:
        ax.axhline(rom["target"], color=TARGET, ls="--", lw=1.2, label=f"target {rom['target']:g}")
    ax.set_ylabel(_plain(rom["label"] + _unit(rom["unit"])))
    ax.margins(y=0.2)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=3)
    i = 1
    if has_hold:
        ax = axes[i]
        ax.plot(dates, _nan([p["hold_mean_s"] for p in pts]), marker="o", color=BLUE)
        if ex.get("hold_target_s"):
            ax.axhline(ex["hold_target_s"], color=TARGET, ls="--", lw=1.2)
        ax.set_ylabel("hold (s)")
        ax.set_ylim(bottom=0)
        ax.margins(y=0.2)
        i += 1
    if has_pain:
        ax = axes[i]
        ax.plot(dates, _nan([p["pain_before"] for p in pts]), marker="o", color=MUTED, label="pain before")
        ax.plot(dates, _nan([p["pain_after"] for p in pts]), marker="s", color=FAULT, label="pain after")
        ax.set_ylim(0, 10.5)
        ax.set_ylabel("pain (0-10)")
        ax.legend(loc="upper right", ncol=2)
        i += 1
    ax = axes[i]
    rate = _nan([None if p["fault_rate"] is None else 100 * p["fault_rate"] for p in pts])
    ax.bar(dates, rate, color=FAULT, width=0.5)
    ax.set_ylim(0, 100)
    ax.set_ylabel("reps with a fault (%)")
    import matplotlib.dates as mdates

    lo, hi = min(dates), max(dates)
    pad = max(3, (hi - lo).days // 20)
    ax.set_xlim(lo - timedelta(days=pad), hi + timedelta(days=pad))
    if (hi - lo).days + 2 * pad <= 14:
        ax.xaxis.set_major_locator(mdates.DayLocator())
    else:
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=10))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    return _svg(fig, f"{ex['title']}: trends per session")


def adherence_svg(adherence: dict[str, Any]) -> str:
    """Days with a session per week, against the days prescribed."""
    weeks = adherence["weeks"]
    fig, ax = _figure(h=2.4)
    x = np.arange(len(weeks))
    ax.bar(x, [w["days_done"] for w in weeks], color=BLUE, width=0.6, label="days done")
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
    ax.set_xlabel("week of")
    ax.set_ylabel("days")
    ax.set_ylim(0, 7.5)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2)
    return _svg(fig, "sessions done per week against prescribed")
