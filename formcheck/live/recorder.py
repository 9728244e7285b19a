"""Saving a live set as it happens, in the same session format as offline scoring.

A :class:`~formcheck.pipeline.Snapshot` copies what a :class:`~formcheck.session.Session` needs
from a running :class:`~formcheck.pipeline.Scorer` *without* finishing its checker (so counting
goes on), and :func:`~formcheck.pipeline.build_session` makes the session from it, as offline
scoring does. It is
taken on the thread that owns the scorer, right after a rep completes, and handed to the
:class:`Recorder`'s own thread, which writes ``session.json`` and ``reps.csv`` atomically
(``Session.write``), so a slow disk never stalls the picture. Only the newest snapshot waits to
be written. ``ended`` is "in progress" until the final write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from formcheck.pipeline import Snapshot, build_session
from formcheck.session import Session

IN_PROGRESS = "in progress"


@dataclass
class LiveSession(Session):
    """A live set's session: a :class:`Session` plus what the voice said.

    Attributes:
        spoken: ``{"t_s": seconds from the set's start, "text": the line}`` in the order said;
            saved as ``spoken`` in ``session.json``.
    """

    spoken: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["spoken"] = [dict(x) for x in self.spoken]
        return d


def session_dir(out: Path, exercise: str, now: datetime | None = None) -> Path:
    """A new folder name ``OUT/live-<exercise>-<YYYYmmdd-HHMMSS>`` (suffixed if taken)."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    base = out / f"live-{exercise}-{stamp}"
    d, i = base, 2
    while d.exists():
        d = base.with_name(f"{base.name}-{i}")
        i += 1
    return d


def completed_sets_today(out: Path, exercise: str, now: datetime | None = None) -> int:
    """How many sets of ``exercise`` saved in ``out`` today ended "complete"."""
    import json

    day = (now or datetime.now()).strftime("%Y%m%d")
    n = 0
    if not out.is_dir():
        return 0
    for d in out.glob(f"live-{exercise}-{day}-*"):
        try:
            if json.loads((d / "session.json").read_text()).get("ended") == "complete":
                n += 1
        except (OSError, ValueError):
            continue
    return n


class Recorder:
    """Writes snapshots of one live set into ``out_dir`` on its own thread.

    Args:
        out_dir: the set's folder (created on first write).
        exercise, source, fps, prescription, key_label: copied into every session.
        notify: called once with a sentence if writing fails.

    Attributes:
        writes: completed writes.
        error: the first write error, if any.
    """

    def __init__(
        self,
        out_dir: Path,
        *,
        exercise: str,
        source: str,
        fps: float,
        prescription: dict[str, Any],
        key_label: str,
        notify: Any = None,
    ) -> None:
        self.out_dir = out_dir
        self._meta: dict[str, Any] = dict(
            exercise=exercise,
            source=source,
            fps=fps,
            prescription=dict(prescription),
            key_label=key_label,
            created=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        self.notify = notify
        # Set by the live loop: what the voice has said so far, as LiveSession.spoken.
        self.transcript: Callable[[], list[dict[str, Any]]] | None = None
        self.writes = 0
        self.error: str | None = None
        self._pending: Snapshot | None = None
        self._cond = threading.Condition()
        self._write_lock = threading.Lock()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="formcheck-save", daemon=True)
        self._thread.start()

    @property
    def paths(self) -> list[Path]:
        return [self.out_dir / "session.json", self.out_dir / "reps.csv"]

    def session(self, snap: Snapshot, ended: str) -> Session:
        if self.transcript is not None and not snap.spoken:
            snap.spoken = self.transcript()
        return build_session(
            snap, ended=ended, session_type=LiveSession, spoken=[dict(x) for x in snap.spoken], **self._meta
        )

    def request(self, snap: Snapshot) -> None:
        """Write ``snap`` soon, as "in progress" (replaces one not yet written)."""
        with self._cond:
            self._pending = snap
            self._cond.notify_all()

    def write(self, snap: Snapshot, ended: str) -> Session:
        """Write now on this thread; returns the session written. Raises OSError."""
        session = self.session(snap, ended)
        with self._write_lock:
            session.write(self.out_dir)
        self.writes += 1
        return session

    def close(self) -> None:
        """Write what is pending, then stop the thread."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stop or self._pending is not None)
                snap, self._pending = self._pending, None
                stop = self._stop
            if snap is not None:
                try:
                    self.write(snap, IN_PROGRESS)
                except OSError as e:
                    if self.error is None:
                        self.error = f"Cannot save the session in {self.out_dir}: {e.strerror or e}."
                        if self.notify:
                            self.notify(self.error)
            if stop:
                return
