"""The scored session: versioned JSON (metadata, reps, faults, per-frame traces) and a CSV of reps.

Files are written atomically (to a temporary name, then renamed), so an interrupted run
never leaves a half-written file behind.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from formcheck import __version__
from formcheck.checkers.base import Rep
from formcheck.safecsv import rows_to_csv

SESSION_FORMAT = "formcheck-session"
SESSION_VERSION = 1
MAX_SESSION_BYTES = 256 * 2**20  # hours of per-frame traces are a few MB


@dataclass
class Session:
    """Everything one scored video (or live set) produced.

    Attributes:
        exercise: exercise name ("squat").
        source: the video or trace scored, as given.
        view: the camera view over most reps ("side", "front", "oblique", "unknown").
        fps, n_frames, duration_s: of the source.
        reps: complete reps with metrics and faults.
        skipped_checks: check code -> why it could not run (e.g. wrong view).
        warnings: one sentence each, things that may make the result less trustworthy.
        prescription: the targets the reps were judged against.
        trace: per-frame arrays as lists: "t_s", "key_deg" (the key angle), "signal".
        ended: "complete", or how a live set ended ("interrupted", "camera lost", ...).
        stills: small JPEGs of the moments faults happened, keyed ``"<rep>:<code>"`` (see
            :mod:`formcheck.stills`); kept in the session store, not in the JSON.
        followed: who was scored when the pose model sees people (see
            :meth:`formcheck.track.PersonTracker.record`): the most people seen at once, where the
            followed one was among them and in the picture, and how they were chosen; None when
            not known (a trace of one person).
        analysis: how a video file's frames were analysed: ``analysed_fps`` (the frames a
            second the pose model looked at; the file's rate when every frame) and ``following``
            (``--fast``: the person followed between looks for everyone). None: a trace or a
            live set.
    """

    exercise: str
    source: str
    view: str
    fps: float
    n_frames: int
    duration_s: float
    reps: list[Rep]
    skipped_checks: dict[str, str]
    warnings: list[str]
    prescription: dict[str, float]
    key_label: str = ""
    trace: dict[str, list[float | None]] = field(default_factory=dict)
    ended: str = "complete"
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    stills: dict[str, bytes] = field(default_factory=dict, repr=False)
    followed: dict[str, Any] | None = None
    analysis: dict[str, Any] | None = None

    def reps_by_side(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.reps:
            if r.side:
                out[r.side] = out.get(r.side, 0) + 1
        return out

    def summary(self) -> dict[str, Any]:
        """The short form ``--json`` prints: exercise, view, reps, skipped checks, warnings."""
        return {
            "format": SESSION_FORMAT,
            "version": SESSION_VERSION,
            "source": self.source,
            "exercise": self.exercise,
            "view": self.view,
            "rep_count": len(self.reps),
            "reps_by_side": self.reps_by_side(),
            "reps": [r.to_dict() for r in self.reps],
            "skipped_checks": [{"code": c, "reason": r} for c, r in self.skipped_checks.items()],
            "warnings": list(self.warnings),
            "followed": None if self.followed is None else dict(self.followed),
            "prescription": dict(self.prescription),
        }

    def to_dict(self) -> dict[str, Any]:
        d = self.summary()
        d.update(
            {
                "formcheck_version": __version__,
                "created": self.created,
                "ended": self.ended,
                "fps": self.fps,
                "n_frames": self.n_frames,
                "duration_s": round(self.duration_s, 3),
                "key_label": self.key_label,
                "analysis": None if self.analysis is None else dict(self.analysis),
                "trace": self.trace,
            }
        )
        return d

    def reps_csv(self) -> str:
        metric_names: list[str] = []
        for r in self.reps:
            metric_names += [m for m in r.metrics if m not in metric_names]
        head = ["rep", "side", "start_s", "peak_s", "end_s", "view", *metric_names, "faults", "not_checked"]
        rows: list[list[Any]] = [head]
        for r in self.reps:
            d = r.to_dict()
            rows.append(
                [
                    r.index,
                    r.side or "",
                    d["start_s"],
                    d["peak_s"],
                    d["end_s"],
                    r.view,
                    *["" if d["metrics"].get(m) is None else d["metrics"][m] for m in metric_names],
                    ";".join(r.fault_codes),
                    ";".join(r.skipped),
                ]
            )
        return rows_to_csv(rows)

    def write(self, out_dir: Path) -> list[Path]:
        """Write ``session.json`` and ``reps.csv`` into ``out_dir``; returns the paths."""
        out_dir.mkdir(parents=True, exist_ok=True)
        js = out_dir / "session.json"
        cs = out_dir / "reps.csv"
        atomic_write_text(js, json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n")
        atomic_write_text(cs, self.reps_csv())
        return [js, cs]


def default_mode() -> int:
    """The permissions a newly created file would get (mkstemp's are owner-only)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, default_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def session_from_dict(d: dict[str, Any]) -> Session:
    """A Session from its JSON form (``Session.to_dict``); raises ValueError if it is not one."""
    from formcheck.checkers.base import Fault

    if d.get("format") != SESSION_FORMAT:
        raise ValueError("not a formcheck session file")
    try:
        version = int(d.get("version", 0))
    except (TypeError, ValueError):
        raise ValueError(f"its format version {str(d.get('version'))[:20]!r} is not a number") from None
    if version > SESSION_VERSION:
        raise ValueError(f"written by a newer formcheck (session format {d.get('version')})")

    def num(v: Any) -> float:
        return float("nan") if v is None else float(v)

    def count(v: Any) -> int:  # a whole number a store can hold
        n = int(v)
        if not 0 <= n < 2**53:
            raise ValueError(f"{n} is out of range")
        return n

    def when(v: Any) -> str:  # kept as written, once it is known to be a date and time
        datetime.fromisoformat(str(v))
        return str(v)

    def numbers(v: Any) -> list[float | None]:
        if not isinstance(v, list):
            raise TypeError("a trace is not a list")
        return [None if x is None else float(x) for x in v]

    try:
        reps = [
            Rep(
                index=count(r["index"]),
                side=None if r.get("side") is None else str(r["side"]),
                start_s=float(r["start_s"]),
                peak_s=float(r.get("peak_s", r["start_s"])),
                end_s=float(r["end_s"]),
                view=str(r.get("view", d.get("view", "unknown"))),
                metrics={k: num(v) for k, v in r.get("metrics", {}).items()},
                # the session's checks not made were not made in any rep (older files list only those)
                skipped={
                    **{str(k["code"]): str(k["reason"]) for k in d.get("skipped_checks", [])},
                    **{str(k["code"]): str(k["reason"]) for k in r.get("skipped", [])},
                },
                faults=[
                    Fault(
                        str(f["code"]),
                        str(f.get("message", "")),
                        str(f.get("source", "")),
                        str(f.get("quote", "")),
                        num(f.get("value")),
                        num(f.get("limit")),
                    )
                    for f in r.get("faults", [])
                ],
            )
            for r in d["reps"]
        ]
        return Session(
            exercise=str(d["exercise"]),
            source=str(d.get("source", "")),
            view=str(d.get("view", "unknown")),
            fps=float(d.get("fps", 0.0)),
            n_frames=count(d.get("n_frames", 0)),
            duration_s=float(d.get("duration_s", 0.0)),
            reps=reps,
            skipped_checks={s["code"]: s["reason"] for s in d.get("skipped_checks", [])},
            warnings=[str(w) for w in d.get("warnings", [])],
            prescription={k: float(v) for k, v in d.get("prescription", {}).items()},
            key_label=str(d.get("key_label", "")),
            trace={str(k): numbers(v) for k, v in d.get("trace", {}).items()},
            ended=str(d.get("ended", "complete")),
            created=when(d.get("created") or datetime.now(UTC).isoformat(timespec="seconds")),
            followed=_followed(d.get("followed")),
            analysis=_analysis(d.get("analysis")),
        )
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as e:
        raise ValueError(f"incomplete or malformed session file ({e})") from None


def _analysis(v: Any) -> dict[str, Any] | None:
    """A session file's ``analysis`` (None where absent: files before it, traces, live)."""
    if not isinstance(v, dict):
        return None
    return {"analysed_fps": float(v.get("analysed_fps", 0.0)), "following": bool(v.get("following", False))}


def _followed(v: Any) -> dict[str, Any] | None:
    """The session file's record of who was followed, its known fields typed (older files
    have none)."""
    if v is None:
        return None
    if not isinstance(v, dict):
        raise TypeError("'followed' is not a record")
    box = v.get("box")
    if box is not None and (not isinstance(box, list) or len(box) != 4):
        raise ValueError("'followed' box is not four numbers")
    text = {k: None if v.get(k) is None else str(v[k]) for k in ("place", "chosen_by")}
    return {
        "people_max": int(v.get("people_max", 0)),
        "crowded_share": float(v.get("crowded_share", 0.0)),
        "place": text["place"],
        "box": None if box is None else [float(x) for x in box],
        "chosen_by": text["chosen_by"],
        "switches": int(v.get("switches", 0)),
    }


def _no_constant(name: str) -> float:
    """formcheck writes no NaN or Infinity (strict JSON); a file that has them is not its own."""
    raise ValueError(f"not a formcheck session file (it holds {name})")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"not a formcheck session file (the number {text[:20]} is too large)")
    return value


def load_session(path: Path) -> Session:
    """Read a ``session.json``; raises ValueError (not a session) or OSError."""
    p = Path(path)
    if not p.is_file():  # a device such as /dev/zero would be read forever
        raise ValueError("not a regular file")
    if p.stat().st_size > MAX_SESSION_BYTES:
        raise ValueError(f"larger than any session file ({p.stat().st_size // 2**20} MB)")
    try:
        d = json.loads(Path(path).read_text(encoding="utf-8"), parse_constant=_no_constant,
                       parse_float=_finite_float)
    except UnicodeDecodeError:
        raise ValueError("not a text file") from None
    except RecursionError:
        raise ValueError("nested too deeply to be a session file") from None
    if not isinstance(d, dict):
        raise ValueError("not a formcheck session file")
    try:
        json.dumps(d, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\\udcff") no store or page can hold
        raise ValueError("it holds text that is not valid Unicode") from None
    return session_from_dict(d)
