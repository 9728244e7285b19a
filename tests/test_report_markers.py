"""The report chart's fault markers (▼) stand at values that were measured at the fault's moment.

A marker's height reads as the key angle at that moment, so it is never a value joined across a
stretch where the curve is not drawn (not measured, or blanked because the rep's measure was not
trusted from that camera). Sessions here are built by hand, so the numbers are known exactly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.axes import Axes

from formcheck.checkers.base import Fault, Rep
from formcheck.definitions import load
from formcheck.reports import plots
from formcheck.reports.data import session_report
from formcheck.session import Session
from formcheck.store import Store

FPS = 30.0


def _knee(t: np.ndarray, reps: list[tuple[float, float, float, float]]) -> np.ndarray:
    """Standing at 170°, each rep (start, peak, end, bottom angle) down to its bottom and back."""
    k = np.full(t.shape, 170.0)
    for start, peak, end, bottom in reps:
        down = (t >= start) & (t <= peak)
        up = (t > peak) & (t <= end)
        k[down] = 170.0 + (bottom - 170.0) * (t[down] - start) / (peak - start)
        k[up] = bottom + (170.0 - bottom) * (t[up] - peak) / (end - peak)
    return k


def _squat(depths: list[float | None]) -> Session:
    """A squat with one rep per depth; None: a depth left blank (not trusted from this camera).
    Every rep has a fault judged at its peak."""
    d = load("squat")
    spans = [(1.0 + 3.0 * i, 2.0 + 3.0 * i, 3.0 + 3.0 * i, depth) for i, depth in enumerate(depths)]
    n = int((3.0 * len(depths) + 1.0) * FPS)
    t = np.arange(n) / FPS
    key = _knee(t, [(a, b, c, 50.0 if x is None else x) for a, b, c, x in spans])
    reps = [
        Rep(
            index=i + 1,
            side=None,
            start_s=a,
            peak_s=b,
            end_s=c,
            view="front",
            metrics={"knee_min_deg": np.nan if x is None else x, "stance_ratio": 0.7},
            faults=[Fault("narrow_stance", "Set your feet shoulder-width apart.", "004", "Stand.", 0.7, 0.8)],
            skipped={"shallow": "film from about hip height"} if x is None else {},
        )
        for i, (a, b, c, x) in enumerate(spans)
    ]
    return Session(
        exercise="squat",
        source="hand-made-squat.mp4",
        view="front",
        fps=FPS,
        n_frames=n,
        duration_s=n / FPS,
        reps=reps,
        skipped_checks={},
        warnings=[],
        prescription=dict(d.prescription),
        key_label=d.key_label,
        trace={"t_s": [float(x) for x in t], "key_deg": [float(x) for x in key]},
    )


@pytest.fixture
def markers(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every ▼ the chart draws: its x, its y and whether y is in data units (an angle)."""
    drawn: list[dict[str, Any]] = []
    plot = Axes.plot

    def spy(self: Axes, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("marker") == "v":
            x, y = args[0], args[1]
            transform = kwargs.get("transform")
            drawn.append({"x": float(x[0]), "y": float(y[0]), "angle": transform in (None, self.transData)})
        return plot(self, *args, **kwargs)

    monkeypatch.setattr(Axes, "plot", spy)
    return drawn


def test_a_fault_in_a_blank_stretch_claims_no_angle(tmp_path: Path, markers: list[dict[str, Any]]) -> None:
    """Squat reps 1 and 2 with their depth left blank (the tester's session 4): their stretch of
    the curve is not drawn, so their ▼ claims no knee angle; rep 3's sits on its curve."""
    with Store.open(tmp_path / "s.sqlite3") as st:
        sid, _ = st.add_session(_squat([None, None, 44.0]), patient="Ana", origin="score")
        rep = session_report(st, sid, with_stills=False)
    svg = plots.trace_svg(rep)
    assert svg.startswith("<svg")
    assert [round(m["x"], 2) for m in markers] == [2.0, 5.0, 8.0]  # each at its fault's moment
    blank1, blank2, measured = markers
    # Before the fix: 170°, standing, joined across the gap, where the knee was bent to about 50°.
    assert not blank1["angle"] and not blank2["angle"]
    assert measured["angle"] and measured["y"] == pytest.approx(44.0, abs=0.5)
    # Nothing the rep table left blank is on the chart: the ▼ says so in the legend, in words.
    assert "not measured then" in svg


def test_a_marker_stands_on_a_measured_value() -> None:
    """On the curve where it was measured at the moment; in a gap, the rep's own measure of the
    angle when the fault is judged at its peak; else no height."""
    t = [i / 10 for i in range(40)]
    key: list[float | None] = [170.0 - 3 * i for i in range(40)]
    for i in range(12, 19):  # 1.2 s to 1.8 s not measured
        key[i] = None
    for i in range(25, 36):  # 2.5 s to 3.5 s not measured
        key[i] = None

    def rep(index: int, peak: float, rom: float | None, at: float | None = None) -> dict[str, Any]:
        return {
            "index": index,
            "start_s": peak - 0.4,
            "peak_s": peak,
            "end_s": peak + 0.4,
            "metrics": {"knee_min_deg": rom},
            "faults": [{"code": "shallow", "at_s": peak if at is None else at}],
        }

    report = {
        "trace": {"t_s": t, "key_deg": key, "label": "knee", "unit": "°", "target": 90.0},
        "rom": {"metric": "knee_min_deg", "unit": "°"},
        "reps": [
            rep(1, 0.55, 150.0),  # measured: on the line between 0.5 s and 0.6 s
            rep(2, 1.5, 121.0),  # in a gap, at the peak: the rep's own knee angle
            rep(3, 3.0, None),  # in a gap, nothing measured: no height
            rep(4, 3.0, 80.0, at=3.3),  # in a gap, not at the peak: the rep's value is of another moment
        ],
    }
    got = {m["rep"]: m["y"] for m in plots.fault_marks(report)}
    assert got[1] == pytest.approx(170.0 - 3 * 5.5)
    assert got[2] == 121.0
    assert got[3] is None and got[4] is None
    # A moment right at the end of the drawn curve (within a frame) takes that last sample.
    k = np.array([np.nan if v is None else v for v in key])
    assert plots.measured_at(np.array(t), k, 1.15) == pytest.approx(170.0 - 3 * 11)
