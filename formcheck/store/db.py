"""The session store: patients, prescriptions, sessions, reps, faults and stills in SQLite.

One file (by default in the user's data folder; see :func:`default_path`). Each write is one
transaction, so an interrupted write leaves the store as it was. A store from a newer
formcheck, or a file that is not a formcheck store, is refused with one sentence and left
untouched; an older store is migrated forward when it is opened.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from formcheck import __version__
from formcheck.errors import MissingInputError, StoreError, name_is_utf8, shown
from formcheck.session import Session
from formcheck.store.schema import APPLICATION_ID, MIGRATIONS, latest_version

ORIGINS = ("score", "live", "import")


def default_path() -> Path:
    """``$FORMCHECK_STORE`` if set, else ``formcheck.sqlite3`` in the user's data folder."""
    env = os.environ.get("FORMCHECK_STORE")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return platformdirs.user_data_path("formcheck") / "formcheck.sqlite3"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _f32(values: list[float | None]) -> bytes:
    return np.array([np.nan if v is None else v for v in values], np.float32).tobytes()


def _array(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, np.float32).astype(np.float64)


def _num(v: float | None) -> float | None:
    return None if v is None or not np.isfinite(v) else float(v)


# A new session's id: one past any session's, deleted ones included (never one given before).
_NEXT_ID = (
    "SELECT coalesce(max(m), 0) + 1 FROM"
    " (SELECT max(id) AS m FROM sessions UNION ALL SELECT max(id) FROM deleted_sessions)"
)


def fingerprint(session: Session) -> str:
    """Identifies a session's content, so importing the same one twice stores it once."""
    key = json.dumps(
        [
            session.exercise,
            session.source,
            session.created,
            session.n_frames,
            # without the checks not made per rep, which older session files do not carry
            [{k: v for k, v in r.items() if k != "skipped"} for r in session.summary()["reps"]],
        ],
        sort_keys=True,
    )
    return hashlib.sha256(key.encode()).hexdigest()


class Store:
    """An open session store. Use :meth:`open`; close it (or use ``with``) when done.

    Args:
        path: the SQLite file.
        create: make the file if it does not exist (writers); readers pass False and get a
            :class:`~formcheck.errors.MissingInputError` for a missing store.
        readonly: open without write access (the dashboard): no migration, no integrity scan.
    Raises:
        StoreError: a damaged file, not a formcheck store, or one from a newer formcheck.
    """

    def __init__(self, path: Path, *, create: bool = True, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        if not name_is_utf8(self.path):
            raise StoreError(
                f"The store path {shown(self.path)} is not valid UTF-8; choose another with --store."
            )
        new = not self.path.exists()
        if new:
            if not create:
                raise MissingInputError(
                    f"No sessions are stored yet (no store at {self.path}); "
                    "score a video or run a live set first."
                )
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(
                    f"Cannot create the store folder {self.path.parent}: {e.strerror or e}."
                ) from None
        elif self.path.is_dir():
            raise StoreError(f"The store path {self.path} is a folder, not a file.")
        mode = "ro" if readonly else "rwc" if create else "rw"
        try:
            self.db = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode={mode}", uri=True, timeout=15, isolation_level=None
            )
        except sqlite3.Error as e:
            raise self._error(e, f"Cannot open the store at {self.path} ({e}).") from None
        self.db.row_factory = sqlite3.Row
        try:
            self._prepare()
        except BaseException:
            self.db.close()
            if new:  # a store this call began to make (on a full disk, say): leave no empty file
                with contextlib.suppress(OSError):
                    Path(f"{self.path}-journal").unlink(missing_ok=True)
                    if self.path.stat().st_size == 0:
                        self.path.unlink()
            raise

    @classmethod
    def open(cls, path: Path | None = None, *, create: bool = True, readonly: bool = False) -> Store:
        return cls(
            path if path is not None else default_path(), create=create and not readonly, readonly=readonly
        )

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    # -- opening and migrating --------------------------------------------------------------
    def _damaged(self) -> StoreError:
        return StoreError(
            f"The store at {self.path} is damaged or is not a formcheck store; it was left as it is."
        )

    def _error(self, e: sqlite3.Error, otherwise: str | None = None) -> StoreError:
        """The sentence for an SQLite error: busy, disk full, read-only and damaged differ.

        A busy store or a full disk is no reason to think the store is damaged, and saying so
        could lead someone to delete a good store.
        """
        name = getattr(e, "sqlite_errorname", "") or ""
        text = str(e).lower()
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text or "busy" in text:
            return StoreError(
                f"The store at {self.path} is busy: another program is writing to it; "
                "try again in a moment (it was left as it is)."
            )
        if name.startswith("SQLITE_FULL") or "disk is full" in text:
            return StoreError(
                f"The disk holding the store at {self.path} is full; free some space and try "
                "again (the store was left as it was)."
            )
        if name.startswith("SQLITE_READONLY") or "readonly" in text or "read-only" in text:
            return StoreError(
                f"The store at {self.path} cannot be written (read-only); it was left as it is."
            )
        if name.startswith(("SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_PERM")):
            return StoreError(
                otherwise
                or f"The store at {self.path} could not be read or written ({e}); it was left as it was."
            )
        if otherwise is not None and not name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
            return StoreError(otherwise)
        return self._damaged()

    def _prepare(self) -> None:
        try:
            self.db.execute("PRAGMA foreign_keys = ON")
            app = self.db.execute("PRAGMA application_id").fetchone()[0]
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            n_tables = self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        except sqlite3.DatabaseError as e:
            raise self._error(e) from None
        if app != APPLICATION_ID and (app != 0 or n_tables):
            raise self._damaged()
        if self.readonly and version == 0 and not n_tables:  # an empty file: nothing stored yet
            raise MissingInputError(
                f"No sessions are stored yet (the store at {self.path} is empty); "
                "score a video or run a live set first."
            )
        if version > latest_version():
            raise StoreError(
                f"The store at {self.path} was written by a newer formcheck (schema {version}; this one "
                f"reads up to {latest_version()}). Update formcheck to open it; it was left as it is."
            )
        if version < latest_version():
            if self.readonly:
                raise StoreError(
                    f"The store at {self.path} is from an older formcheck; run `formcheck sessions` once "
                    "to bring it up to date."
                )
            self._migrate()
            return
        if not self.readonly:
            try:
                ok = self.db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            except sqlite3.DatabaseError as e:
                if not getattr(e, "sqlite_errorname", "").startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
                    raise self._error(e) from None
                ok = False
            if not ok:
                raise self._damaged()

    def _migrate(self) -> None:
        try:
            with self._transaction():
                version = self.db.execute("PRAGMA user_version").fetchone()[0]  # under the write lock
                for step in MIGRATIONS[version:]:
                    for stmt in (s.strip() for s in step.split(";")):
                        if stmt:
                            self.db.execute(stmt)
                self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                self.db.execute(f"PRAGMA user_version = {latest_version()}")
        except sqlite3.DatabaseError as e:
            raise self._error(e) from None

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception (Ctrl-C included)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.DatabaseError as e:
            raise self._error(e) from None

    @property
    def version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    # -- writing ------------------------------------------------------------------------------
    def _patient_id(self, name: str) -> int:
        name = " ".join(name.split())
        if not name:
            raise StoreError("A patient name cannot be empty.")
        # "Ana" and "ana" are one patient, as lookups by name already treat them.
        row = self.db.execute("SELECT id FROM patients WHERE name = ? COLLATE NOCASE", (name,)).fetchone()
        if row:
            return int(row["id"])
        cur = self.db.execute("INSERT INTO patients(name, created) VALUES (?, ?)", (name, _now()))
        return int(cur.lastrowid or 0)

    def _prescription_id(self, patient_id: int, exercise: str, rx: dict[str, Any], created: str) -> int:
        """The patient's prescription for ``exercise``: the newest one, or a new row if it differs."""
        text = json.dumps({k: rx[k] for k in sorted(rx)})
        row = self.db.execute(
            "SELECT id, prescription_json FROM prescriptions WHERE patient_id = ? AND exercise = ? "
            "AND valid_from <= ? ORDER BY valid_from DESC, id DESC LIMIT 1",
            (patient_id, exercise, created),
        ).fetchone()
        if row and row["prescription_json"] == text:
            return int(row["id"])
        cur = self.db.execute(
            "INSERT INTO prescriptions(patient_id, exercise, created, valid_from, prescription_json)"
            " VALUES (?, ?, ?, ?, ?)",
            (patient_id, exercise, created, created, text),
        )
        return int(cur.lastrowid or 0)

    def add_session(
        self,
        session: Session,
        *,
        patient: str,
        origin: str,
        prescribed: dict[str, Any] | None = None,
        pain_before: int | None = None,
        pain_after: int | None = None,
    ) -> tuple[int, bool]:
        """Store a session (reps, metrics, faults, stills) in one transaction.

        Args:
            patient: the patient's name (added if new).
            origin: "score", "live" or "import".
            prescribed: a clinician's prescription for this patient (the file's values), kept
                as the patient's prescription in force from now on; None keeps the one in force.
        Returns:
            (session id, True) or, when this very session is already stored, (its id, False).
        """
        if origin not in ORIGINS:
            raise ValueError(f"origin must be one of {ORIGINS}")
        for p in (pain_before, pain_after):
            if p is not None and not 0 <= p <= 10:
                raise StoreError("A pain score must be from 0 to 10.")
        fp = fingerprint(session)
        try:
            with self._transaction():
                old = self.db.execute("SELECT id FROM sessions WHERE fingerprint = ?", (fp,)).fetchone()
                if old:
                    return int(old["id"]), False
                pid = self._patient_id(patient)
                rx_id = (
                    self._prescription_id(pid, session.exercise, prescribed, session.created)
                    if prescribed
                    else None
                )
                cur = self.db.execute(
                    "INSERT INTO sessions(id, patient_id, prescription_id, exercise, created, origin, source,"
                    " view, fps, n_frames, duration_s, ended, key_label, prescription_json, pain_before,"
                    " pain_after, warnings_json, skipped_json, trace_t, trace_key, formcheck_version,"
                    " fingerprint)"
                    f" VALUES (({_NEXT_ID}), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        pid,
                        rx_id,
                        session.exercise,
                        session.created,
                        origin,
                        session.source,
                        session.view,
                        float(session.fps),
                        int(session.n_frames),
                        float(session.duration_s),
                        session.ended,
                        session.key_label,
                        json.dumps(session.prescription, sort_keys=True),
                        pain_before,
                        pain_after,
                        json.dumps(session.warnings),
                        json.dumps(session.skipped_checks),
                        _f32(session.trace.get("t_s", [])),
                        _f32(session.trace.get("key_deg", [])),
                        __version__,
                        fp,
                    ),
                )
                sid = int(cur.lastrowid or 0)
                for rep in session.reps:
                    rid = self.db.execute(
                        "INSERT INTO reps(session_id, idx, side, start_s, peak_s, end_s, view, skipped_json)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            sid,
                            rep.index,
                            rep.side,
                            rep.start_s,
                            rep.peak_s,
                            rep.end_s,
                            rep.view,
                            json.dumps(rep.skipped),
                        ),
                    ).lastrowid
                    self.db.executemany(
                        "INSERT INTO rep_metrics(rep_id, name, value) VALUES (?, ?, ?)",
                        [(rid, k, _num(v)) for k, v in rep.metrics.items()],
                    )
                    for f in rep.faults:
                        fid = self.db.execute(
                            "INSERT INTO faults(rep_id, code, message, source, quote, value, lim)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (rid, f.code, f.message, f.source, f.quote, _num(f.value), _num(f.limit)),
                        ).lastrowid
                        jpeg = session.stills.get(f"{rep.index}:{f.code}")
                        if jpeg:
                            self.db.execute("INSERT INTO stills(fault_id, jpeg) VALUES (?, ?)", (fid, jpeg))
                return sid, True
        except sqlite3.DatabaseError as e:
            written = f"Cannot write to the store at {self.path} ({e}); it was left as it was."
            raise self._error(e, written if isinstance(e, sqlite3.OperationalError) else None) from None

    # -- reading ------------------------------------------------------------------------------
    def patients(self) -> list[dict[str, Any]]:
        """Every patient with their number of sessions and the date of the last one."""
        with self._reading():
            rows = self.db.execute(
                "SELECT p.id, p.name, p.created, count(s.id) AS n_sessions, max(s.created) AS last"
                " FROM patients p LEFT JOIN sessions s ON s.patient_id = p.id GROUP BY p.id ORDER BY p.name"
            ).fetchall()
        return [dict(r) for r in rows]

    def patient(self, ref: str | int) -> dict[str, Any]:
        """A patient by name (case-insensitive) or id; MissingInputError names the known ones."""
        with self._reading():
            if isinstance(ref, int):
                row = self.db.execute(
                    "SELECT id, name, created FROM patients WHERE id = ?", (ref,)
                ).fetchone()
            else:
                name = " ".join(ref.split())
                row = self.db.execute(
                    "SELECT id, name, created FROM patients WHERE name = ? COLLATE NOCASE", (name,)
                ).fetchone()
        if row is None:
            names = [p["name"] for p in self.patients()]
            known = (
                f" Patients in the store: {', '.join(names)}." if names else " The store has no patients yet."
            )
            raise MissingInputError(f"No patient {ref!r} in the store.{known}")
        return dict(row)

    def sessions(
        self,
        patient_id: int | None = None,
        start: str | None = None,
        end: str | None = None,
    ) -> list[dict[str, Any]]:
        """Session summaries, oldest first; ``start``/``end`` are ISO times (end exclusive)."""
        where: list[str] = []
        args: list[int | str] = []
        if patient_id is not None:
            where.append("s.patient_id = ?")
            args.append(patient_id)
        if start is not None:
            where.append("s.created >= ?")
            args.append(start)
        if end is not None:
            where.append("s.created < ?")
            args.append(end)
        sql = (
            "SELECT s.id, s.patient_id, p.name AS patient, s.exercise, s.created, s.origin, s.source, s.view,"
            " s.duration_s, s.ended, s.pain_before, s.pain_after,"
            " (SELECT count(*) FROM reps r WHERE r.session_id = s.id) AS n_reps,"
            " (SELECT count(DISTINCT f.rep_id) FROM faults f JOIN reps r ON f.rep_id = r.id"
            "  WHERE r.session_id = s.id) AS n_faulty_reps"
            " FROM sessions s JOIN patients p ON p.id = s.patient_id"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY s.created, s.id"
        )
        with self._reading():
            return [dict(r) for r in self.db.execute(sql, args).fetchall()]

    def session_row(self, session_id: int) -> sqlite3.Row:
        row = self.db.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            gone = self.db.execute(
                "SELECT deleted FROM deleted_sessions WHERE id = ?", (session_id,)
            ).fetchone()
            if gone is not None:
                day = gone["deleted"][:10]
                raise MissingInputError(
                    f"Session {session_id} was deleted on {day}; it is no longer in the store."
                )
            n = self.db.execute("SELECT count(*) FROM sessions").fetchone()[0]
            hint = "the store is empty" if n == 0 else "`formcheck sessions` lists them"
            raise MissingInputError(f"No session {session_id} in the store ({hint}).")
        return row

    def session(self, session_id: int) -> dict[str, Any]:
        """One session, whole: metadata, prescription, reps with metrics and faults, trace arrays.

        Faults carry ``id`` and ``has_still``; :meth:`still` returns a still's JPEG bytes.
        """
        with self._reading():
            s = self.session_row(session_id)
            patient = self.db.execute(
                "SELECT id, name FROM patients WHERE id = ?", (s["patient_id"],)
            ).fetchone()
            reps = self.db.execute(
                "SELECT * FROM reps WHERE session_id = ? ORDER BY idx", (session_id,)
            ).fetchall()
            rep_ids = [r["id"] for r in reps]
            marks = ",".join("?" * len(rep_ids))
            metrics: dict[int, dict[str, float]] = {i: {} for i in rep_ids}
            faults: dict[int, list[dict[str, Any]]] = {i: [] for i in rep_ids}
            if rep_ids:
                for m in self.db.execute(f"SELECT * FROM rep_metrics WHERE rep_id IN ({marks})", rep_ids):
                    metrics[m["rep_id"]][m["name"]] = np.nan if m["value"] is None else m["value"]
                for f in self.db.execute(
                    "SELECT f.*, (st.fault_id IS NOT NULL) AS has_still FROM faults f"
                    f" LEFT JOIN stills st ON st.fault_id = f.id WHERE f.rep_id IN ({marks}) ORDER BY f.id",
                    rep_ids,
                ):
                    faults[f["rep_id"]].append(
                        {
                            "id": f["id"],
                            "code": f["code"],
                            "message": f["message"],
                            "source": f["source"],
                            "quote": f["quote"],
                            "value": np.nan if f["value"] is None else f["value"],
                            "limit": np.nan if f["lim"] is None else f["lim"],
                            "has_still": bool(f["has_still"]),
                        }
                    )
            rx_in_force = None
            if s["prescription_id"] is not None:
                r = self.db.execute(
                    "SELECT prescription_json FROM prescriptions WHERE id = ?", (s["prescription_id"],)
                ).fetchone()
                rx_in_force = json.loads(r["prescription_json"]) if r else None
        return {
            "id": s["id"],
            "patient": {"id": patient["id"], "name": patient["name"]},
            "exercise": s["exercise"],
            "created": s["created"],
            "origin": s["origin"],
            "source": s["source"],
            "view": s["view"],
            "fps": s["fps"],
            "n_frames": s["n_frames"],
            "duration_s": s["duration_s"],
            "ended": s["ended"],
            "key_label": s["key_label"],
            "prescription": json.loads(s["prescription_json"]),
            "prescribed": rx_in_force,
            "pain_before": s["pain_before"],
            "pain_after": s["pain_after"],
            "warnings": json.loads(s["warnings_json"]),
            "skipped_checks": json.loads(s["skipped_json"]),
            "formcheck_version": s["formcheck_version"],
            "trace": {"t_s": _array(s["trace_t"]), "key_deg": _array(s["trace_key"])},
            "reps": [
                {
                    "index": r["idx"],
                    "side": r["side"],
                    "start_s": r["start_s"],
                    "peak_s": r["peak_s"],
                    "end_s": r["end_s"],
                    "view": r["view"],
                    "metrics": metrics[r["id"]],
                    "faults": faults[r["id"]],
                    # check code -> why not made; the session's were not made in any rep (reps
                    # stored before schema 3 know only those)
                    "skipped": {**json.loads(s["skipped_json"]), **json.loads(r["skipped_json"])},
                }
                for r in reps
            ],
        }

    def still(self, fault_id: int) -> bytes | None:
        """The JPEG still of a fault, or None."""
        with self._reading():
            row = self.db.execute("SELECT jpeg FROM stills WHERE fault_id = ?", (fault_id,)).fetchone()
        return bytes(row["jpeg"]) if row else None

    def prescription_in_force(self, patient_id: int, exercise: str, at: str) -> dict[str, Any] | None:
        """The patient's prescription for ``exercise`` in force at ``at`` (ISO): the one with the
        latest ``valid_from`` not after it (the newest made, among equals), or None."""
        with self._reading():
            row = self.db.execute(
                "SELECT prescription_json FROM prescriptions WHERE patient_id = ? AND exercise = ?"
                " AND valid_from <= ? ORDER BY valid_from DESC, id DESC LIMIT 1",
                (patient_id, exercise, at),
            ).fetchone()
        return json.loads(row["prescription_json"]) if row else None

    def prescriptions(self, patient_id: int, exercise: str | None = None) -> list[dict[str, Any]]:
        """A patient's prescription history, oldest in force first: id, exercise, valid_from,
        created, set_by and the prescription's values."""
        sql = (
            "SELECT id, exercise, created, valid_from, set_by, prescription_json FROM prescriptions"
            " WHERE patient_id = ?" + (" AND exercise = ?" if exercise else "") + " ORDER BY valid_from, id"
        )
        args: list[Any] = [patient_id] + ([exercise] if exercise else [])
        with self._reading():
            rows = self.db.execute(sql, args).fetchall()
        return [
            {k: r[k] for k in ("id", "exercise", "created", "valid_from", "set_by")}
            | {"values": json.loads(r["prescription_json"])}
            for r in rows
        ]

    def set_prescription(
        self, patient_id: int, exercise: str, values: dict[str, float], valid_from: str
    ) -> int:
        """Record a clinician's prescription for ``exercise``, in force from ``valid_from`` (ISO
        time) until a later one; earlier days keep the prescription they had. Returns its id."""
        clean = {k: float(v) for k, v in values.items()}
        try:
            with self._transaction():
                if self.db.execute("SELECT 1 FROM patients WHERE id = ?", (patient_id,)).fetchone() is None:
                    raise MissingInputError(f"No patient {patient_id} in the store.")
                cur = self.db.execute(
                    "INSERT INTO prescriptions(patient_id, exercise, created, valid_from, set_by,"
                    " prescription_json) VALUES (?, ?, ?, ?, 'clinician', ?)",
                    (patient_id, exercise, _now(), valid_from, json.dumps(dict(sorted(clean.items())))),
                )
                return int(cur.lastrowid or 0)
        except sqlite3.DatabaseError as e:
            raise self._error(e, f"Cannot write to the store at {self.path} ({e}).") from None

    def add_note(self, session_id: int, text: str) -> int:
        """Keep a clinician's note on a session, dated now. Returns its id."""
        text = text.strip()
        if not text:
            raise StoreError("A note cannot be empty.")
        try:
            with self._transaction():
                self.session_row(session_id)
                cur = self.db.execute(
                    "INSERT INTO notes(session_id, created, text) VALUES (?, ?, ?)",
                    (session_id, _now(), text),
                )
                return int(cur.lastrowid or 0)
        except sqlite3.DatabaseError as e:
            raise self._error(e, f"Cannot write to the store at {self.path} ({e}).") from None

    def delete_sessions(self, session_ids: list[int]) -> None:
        """Delete these sessions with their reps, faults, stills and notes: all of them, or none
        when one is not in the store (:class:`MissingInputError`). The deleted data are
        overwritten in the file (``secure_delete``), not just unlinked: a patient's recording
        removed is gone. Prescriptions and the patient stay."""
        try:
            self.db.execute("PRAGMA secure_delete = ON")
            with self._transaction():
                for sid in session_ids:
                    self.session_row(sid)
                self.db.executemany("DELETE FROM sessions WHERE id = ?", [(sid,) for sid in session_ids])
                self.db.executemany(
                    "INSERT INTO deleted_sessions(id, deleted) VALUES (?, ?)",
                    [(sid, _now()) for sid in session_ids],
                )
        except sqlite3.DatabaseError as e:
            raise self._error(e, f"Cannot write to the store at {self.path} ({e}).") from None

    def notes(self, session_id: int) -> list[dict[str, Any]]:
        """A session's notes, oldest first: id, created (ISO), text."""
        with self._reading():
            rows = self.db.execute(
                "SELECT id, created, text FROM notes WHERE session_id = ? ORDER BY created, id", (session_id,)
            ).fetchall()
        return [dict(r) for r in rows]
