"""The session store's SQLite schema and its forward migrations.

``PRAGMA user_version`` holds the schema version and ``PRAGMA application_id`` marks the file
as a formcheck store. ``MIGRATIONS[i]`` takes a store from version ``i`` to ``i + 1``; a new
schema version appends one step and never edits an old one. Every step runs inside the one
transaction that opens the store, so an interrupted migration leaves it as it was.
"""

from __future__ import annotations

APPLICATION_ID = 0x46434B31  # "FCK1"

_V1 = """
CREATE TABLE patients (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL
);
CREATE TABLE prescriptions (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    exercise TEXT NOT NULL,
    created TEXT NOT NULL,
    prescription_json TEXT NOT NULL
);
CREATE INDEX prescriptions_by_patient ON prescriptions(patient_id, exercise, created);
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    prescription_id INTEGER REFERENCES prescriptions(id),
    exercise TEXT NOT NULL,
    created TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('score', 'live', 'import')),
    source TEXT NOT NULL,
    view TEXT NOT NULL,
    fps REAL NOT NULL,
    n_frames INTEGER NOT NULL,
    duration_s REAL NOT NULL,
    ended TEXT NOT NULL,
    key_label TEXT NOT NULL,
    prescription_json TEXT NOT NULL,
    pain_before INTEGER CHECK (pain_before BETWEEN 0 AND 10),
    pain_after INTEGER CHECK (pain_after BETWEEN 0 AND 10),
    warnings_json TEXT NOT NULL,
    skipped_json TEXT NOT NULL,
    trace_t BLOB NOT NULL,
    trace_key BLOB NOT NULL,
    formcheck_version TEXT NOT NULL,
    fingerprint TEXT NOT NULL UNIQUE
);
CREATE INDEX sessions_by_patient ON sessions(patient_id, created);
CREATE TABLE reps (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    side TEXT,
    start_s REAL NOT NULL,
    peak_s REAL NOT NULL,
    end_s REAL NOT NULL,
    view TEXT NOT NULL,
    UNIQUE (session_id, idx)
);
CREATE TABLE rep_metrics (
    rep_id INTEGER NOT NULL REFERENCES reps(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value REAL,
    PRIMARY KEY (rep_id, name)
);
CREATE TABLE faults (
    id INTEGER PRIMARY KEY,
    rep_id INTEGER NOT NULL REFERENCES reps(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    source TEXT NOT NULL,
    quote TEXT NOT NULL,
    value REAL,
    lim REAL
);
CREATE INDEX faults_by_rep ON faults(rep_id);
CREATE TABLE stills (
    fault_id INTEGER PRIMARY KEY REFERENCES faults(id) ON DELETE CASCADE,
    jpeg BLOB NOT NULL
);
"""

# Version 2: a prescription has a history: each is in force from ``valid_from`` (an ISO time, the
# start of a local day for one a clinician sets) until the next one; ``set_by`` says whether it came
# with a session ("session") or from the dashboard ("clinician"). Clinicians' notes per session.
_V2 = """
ALTER TABLE prescriptions ADD COLUMN valid_from TEXT;
UPDATE prescriptions SET valid_from = created;
ALTER TABLE prescriptions ADD COLUMN set_by TEXT NOT NULL DEFAULT 'session';
CREATE INDEX prescriptions_in_force ON prescriptions(patient_id, exercise, valid_from);
CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    created TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX notes_by_session ON notes(session_id, created);
"""

# Version 3: each rep keeps the checks it could not make and why (check code -> reason, JSON): a
# rep without faults whose checks were all not made is "not checked", not clean. Reps stored
# before keep an empty object (nothing known).
_V3 = """
ALTER TABLE reps ADD COLUMN skipped_json TEXT NOT NULL DEFAULT '{}';
"""

# Version 4: the ids of deleted sessions, so an id is never given to another session (a printed
# report's "session 14" stays that session, or one that was deleted).
_V4 = """
CREATE TABLE deleted_sessions (
    id INTEGER PRIMARY KEY,
    deleted TEXT NOT NULL
);
"""

MIGRATIONS: list[str] = [_V1, _V2, _V3, _V4]


def latest_version() -> int:
    return len(MIGRATIONS)
