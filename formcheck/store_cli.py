"""Command-line parts that touch the session store: options shared by ``score`` and ``live``,
and the ``sessions``, ``import``, ``report`` and ``serve`` commands."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from formcheck.errors import MissingInputError, StoreError, UsageError, printable

DEFAULT_PATIENT = "me"


def add_store_options(p: argparse.ArgumentParser, *, writes: bool) -> None:
    """``--store`` (and, for commands that record sessions, ``--patient`` and ``--no-store``)."""
    p.add_argument(
        "--store",
        type=Path,
        metavar="FILE",
        help="the session store (default: $FORMCHECK_STORE, else formcheck.sqlite3 in your data folder)",
    )
    if writes:
        p.add_argument(
            "--patient",
            default=None,
            metavar="NAME",
            help=f"whose session this is (default: $FORMCHECK_PATIENT, else '{DEFAULT_PATIENT}')",
        )
        p.add_argument(
            "--no-store",
            action="store_true",
            help="don't record the session in the store, nor use the prescription kept there",
        )


def refuse_blank_patient(args: argparse.Namespace) -> None:
    """A ``--patient`` given empty or as spaces is refused before any work (never filed under
    the default patient, nor refused by the store after the scoring)."""
    if args.patient is not None and not args.patient.strip():
        raise UsageError("The patient name after --patient is empty; give the patient's name.")


def patient_name(args: argparse.Namespace, prescription: dict[str, Any] | None = None) -> str:
    """--patient, else the prescription file's ``patient``, else $FORMCHECK_PATIENT, else "me"."""
    import os

    from formcheck.errors import name_is_utf8

    refuse_blank_patient(args)
    named = (prescription or {}).get("patient")
    if named is not None and not str(named).strip():
        raise UsageError("The prescription's patient name is empty; give the patient's name there.")
    env = os.environ.get("FORMCHECK_PATIENT")
    if env is not None and env and not env.strip():
        raise UsageError("FORMCHECK_PATIENT holds only spaces; set it to the patient's name or unset it.")
    name = args.patient or (str(named) if named else None) or env or DEFAULT_PATIENT
    if not name_is_utf8(name):
        raise UsageError("The patient name is not valid text (UTF-8); type it again.")
    return name


def clinic_prescription(
    store: Any, args: argparse.Namespace, exercise: str, rx: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, str]:
    """What a ``score`` or ``live`` run judges with: the patient's prescription in force now in
    the store (what their clinician set on the dashboard, e.g. a depth limit), with the
    prescription file's values (``rx``) over it. Also a line telling the person, "" when the
    store holds none. Keys the exercise does not know are left out (a prescription written
    for an older formcheck still loads)."""
    if store is None:
        return rx, ""
    from datetime import UTC, datetime

    from formcheck.definitions import load

    try:
        patient = store.patient(patient_name(args, rx))
    except MissingInputError:
        return rx, ""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    stored = store.prescription_in_force(patient["id"], exercise, now) or {}
    d = load(exercise)
    known = d.prescription_keys - (rx or {}).keys()  # a prescription file's values win
    used = {
        k: float(v)
        for k, v in stored.items()
        if k in known and isinstance(v, int | float) and not isinstance(v, bool)
    }
    if not used:
        return rx, ""
    said = "Using the prescription in the store for " + printable(patient["name"])
    unit = d.report.spec(d.report.rom) if d.report is not None else None
    if used.get("ceiling") and unit is not None:
        said += f" (limit on {unit.label}: {used['ceiling']:g}{unit.unit})"
    said += "."
    mine, theirs = (rx or {}).get("ceiling"), stored.get("ceiling")
    if unit is not None and isinstance(theirs, int | float) and mine is not None and mine != theirs:
        said += (
            f" The prescription file's limit ({float(mine):g}{unit.unit}) replaces the one in the"
            f" store ({float(theirs):g}{unit.unit}), from now on."
        )
    return {**used, **(rx or {})}, said


def open_store(args: argparse.Namespace, *, create: bool) -> Any:
    from formcheck.store import Store

    return Store.open(getattr(args, "store", None), create=create)


def open_for_recording(args: argparse.Namespace) -> Any | None:
    """The store a ``score`` or ``live`` run will record into (opened now, to fail early), or None."""
    if args.no_store:
        return None
    try:
        return open_store(args, create=True)
    except StoreError as e:
        raise StoreError(f"{e.message} Use --no-store to go on without it.") from None


def add_parsers(sub: Any) -> None:
    ss = sub.add_parser("sessions", help="list the sessions in the store")
    ss.add_argument("--patient", metavar="NAME", help="only this patient's sessions")
    ss.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ss.add_argument(
        "--delete",
        nargs="+",
        type=int,
        metavar="ID",
        help="delete these sessions (one recorded by mistake) with their reps, faults, stills and notes",
    )
    ss.add_argument("--yes", action="store_true", help="with --delete: do not ask first")
    add_store_options(ss, writes=False)

    im = sub.add_parser("import", help="add saved session.json files (or folders of them) to the store")
    im.add_argument("paths", nargs="+", metavar="PATH")
    im.add_argument(
        "--patient", metavar="NAME", help=f"whose sessions these are (default '{DEFAULT_PATIENT}')"
    )
    add_store_options(im, writes=False)

    rp = sub.add_parser("report", help="write a clinician's report (HTML, PDF, CSV, JSON) from the store")
    which = rp.add_mutually_exclusive_group(required=True)
    which.add_argument("session_id", nargs="?", type=int, metavar="SESSION_ID", help="one session")
    which.add_argument("--patient", metavar="NAME", help="a patient's sessions over a period")
    rp.add_argument("--from", dest="first", metavar="DATE", help="first day (YYYY-MM-DD) with --patient")
    rp.add_argument("--to", dest="last", metavar="DATE", help="last day (YYYY-MM-DD) with --patient")
    rp.add_argument(
        "--out", "-o", type=Path, metavar="FILE", help="the HTML file (default: report-<id or name>.html)"
    )
    rp.add_argument(
        "--pdf", action="store_true", help="also write a PDF beside it (needs Chromium or Chrome)"
    )
    rp.add_argument("--csv", action="store_true", help="also write the reps (or sessions) as CSV beside it")
    rp.add_argument("--json", action="store_true", help="also write the report's data as JSON beside it")
    rp.add_argument(
        "--fhir",
        action="store_true",
        help="also write the session as a FHIR R4 Bundle beside it (.fhir.json), for a health record",
    )
    add_store_options(rp, writes=False)

    sv = sub.add_parser("serve", help="a local web dashboard of the store's patients and sessions")
    sv.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this computer only)"
    )
    sv.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    add_store_options(sv, writes=False)


def record(
    store: Any,
    session: Any,
    *,
    patient: str,
    origin: str,
    prescribed: dict[str, Any] | None,
    pain_before: int | None = None,
    pain_after: int | None = None,
) -> int:
    numbers = {
        k: float(v)
        for k, v in (prescribed or {}).items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }
    sid, _new = store.add_session(
        session,
        patient=patient,
        origin=origin,
        prescribed=numbers or None,
        pain_before=pain_before,
        pain_after=pain_after,
    )
    return int(sid)


def _session_line(r: dict[str, Any], ew: int) -> str:
    from formcheck.reports.data import local_dt

    when = local_dt(r["created"]).strftime("%Y-%m-%d %H:%M")
    name = r["patient"] if len(r["patient"]) <= 16 else r["patient"][:15] + "…"  # cut, and says so
    return printable(
        f"{r['id']:>4}  {when:16}  {name:16}  {r['exercise']:{ew}} "
        f"{r['n_reps']:>4} {r['n_faulty_reps']:>6}  {r['view']}"
    )


def _delete_sessions(args: argparse.Namespace) -> int:
    """``formcheck sessions --delete ID ...``: asks first (unless --yes), then all or none."""
    import sys

    if args.json:
        raise UsageError("--delete and --json do not go together; list the sessions first, then delete.")
    ids = list(dict.fromkeys(args.delete))
    bad = next((sid for sid in ids if not 0 < sid < 2**63), None)  # SQLite's integers
    if bad is not None:
        raise MissingInputError(f"No session {bad} in the store (`formcheck sessions` lists them).")
    with open_store(args, create=False) as store:
        rows = [dict(store.session_row(sid)) for sid in ids]  # a missing one: one sentence, nothing done
        if args.patient:  # only that patient's: an id typed wrong must not delete someone else's
            pid = store.patient(args.patient)["id"]
            other = next((r["id"] for r in rows if r["patient_id"] != pid), None)
            if other is not None:
                raise UsageError(f"Session {other} is not {args.patient}'s; nothing was deleted.")
        summary = {r["id"]: r for r in store.sessions() if r["id"] in ids}
        ew = max(len("exercise"), *(len(summary[i]["exercise"]) for i in ids))
        for i in ids:
            print(_session_line(summary[i], ew))
        what = f"these {len(rows)} sessions" if len(rows) > 1 else "this session"
        if not args.yes:
            if not sys.stdin.isatty():
                raise UsageError(f"Add --yes to delete {what} without being asked; nothing was deleted.")
            # Written and read as ask_pain does: input()'s prompt would go to the filtered fd 2.
            print(
                f"Delete {what} and their reps, faults, pictures and notes? [y/N] ",
                end="",
                file=sys.stderr,
                flush=True,
            )
            answer = sys.stdin.readline()
            if answer.strip().lower() not in ("y", "yes"):
                print("Nothing was deleted.")
                return 0
        store.delete_sessions(ids)
    print(f"Deleted {what}.")
    return 0


def cmd_sessions(args: argparse.Namespace) -> int:
    refuse_blank_patient(args)
    if args.delete:
        return _delete_sessions(args)
    with open_store(args, create=False) as store:
        pid = store.patient(args.patient)["id"] if args.patient else None
        rows = store.sessions(pid)
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    if not rows:
        print("The store has no sessions yet.")
        return 0
    ew = max(len("exercise"), *(len(r["exercise"]) for r in rows))  # the longest name sets the column
    print(f"{'id':>4}  {'date':16}  {'patient':16}  {'exercise':{ew}} {'reps':>4} {'faulty':>6}  view")
    for r in rows:
        print(_session_line(r, ew))
    return 0


def _session_files(paths: list[str]) -> list[Path]:
    from formcheck.inputs import expand_paths

    return expand_paths(paths, lambda folder: sorted(folder.rglob("session.json")), "session.json files")


def cmd_import(args: argparse.Namespace) -> int:
    from formcheck.session import load_session

    refuse_blank_patient(args)
    files = _session_files(args.paths)
    loaded = []
    for f in files:
        try:
            loaded.append((f, load_session(f)))
        except (OSError, ValueError) as e:
            # The JSON parser's words ("Expecting value: line 1 column 1") help no one.
            why = "" if isinstance(e, json.JSONDecodeError) or "session file" in str(e) else f" ({e})"
            raise UsageError(f"{f} is not a formcheck session file{why}; nothing was imported.") from None
    with open_store(args, create=True) as store:
        for f, s in loaded:
            sid, new = store.add_session(s, patient=args.patient or DEFAULT_PATIENT, origin="import")
            print(printable(f"{f}: {'imported as' if new else 'already in the store as'} session {sid}"))
    return 0


def _default_out(args: argparse.Namespace, report: dict[str, Any]) -> Path:
    if args.out is not None:
        return Path(args.out)
    if report["kind"] == "session":
        return Path(f"report-session-{report['session']['id']}.html")
    import re

    slug = re.sub(r"[^A-Za-z0-9]+", "-", report["patient"]["name"]).strip("-").lower() or "patient"
    return Path(f"report-{slug}.html")


def cmd_report(args: argparse.Namespace) -> int:
    from formcheck.reports import export
    from formcheck.reports.data import parse_day, patient_report, session_report
    from formcheck.reports.html import render
    from formcheck.session import atomic_write_text

    if args.session_id is not None and (args.first or args.last):
        raise UsageError("--from and --to go with --patient, not with a session id.")
    if args.fhir and args.session_id is None:
        raise UsageError("--fhir exports one session: give a session id, not --patient.")
    first, last = parse_day(args.first, "--from"), parse_day(args.last, "--to")
    with open_store(args, create=False) as store:
        if args.session_id is not None:
            report = session_report(store, args.session_id)
        else:
            report = patient_report(store, args.patient, first, last)
        fhir_text = None
        if args.fhir:  # made before anything is written, so a failure leaves no file behind
            from formcheck import fhir

            fhir_text = fhir.to_json(fhir.session_bundle(store, args.session_id))
    out = _default_out(args, report)
    if out.is_dir():  # -o FOLDER: the default name inside it
        out = out / _default_out(argparse.Namespace(out=None), report)
    if out.suffix.lower() != ".html":
        out = out.with_suffix(".html")
    if out.parent and not out.parent.exists():
        raise MissingInputError(f"No such folder for the report: {out.parent}.")
    if not out.parent.is_dir():
        raise UsageError(f"{out.parent} is a file, not a folder for the report.")
    written = [out]
    try:
        atomic_write_text(out, render(report))
        if args.csv:
            atomic_write_text(out.with_suffix(".csv"), export.to_csv(report))
            written.append(out.with_suffix(".csv"))
        if args.json:
            atomic_write_text(out.with_suffix(".json"), export.to_json(report))
            written.append(out.with_suffix(".json"))
        if fhir_text is not None:
            atomic_write_text(out.with_suffix(".fhir.json"), fhir_text)
            written.append(out.with_suffix(".fhir.json"))
    except OSError as e:
        raise UsageError(f"Cannot write the report in {out.parent} ({e.strerror or e}).") from None
    if args.pdf:
        from formcheck.reports.pdf import html_to_pdf

        html_to_pdf(out, out.with_suffix(".pdf"))
        written.append(out.with_suffix(".pdf"))
    for w in written:
        print(printable(f"wrote {w}"))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import contextlib

    from formcheck.dashboard import serve
    from formcheck.errors import MissingInputError
    from formcheck.store import Store, default_path

    path = args.store if args.store is not None else default_path()
    # A damaged, older or newer store is reported now. Opened read-only: the dashboard never
    # writes, not even the schema of an empty store or a migration. No store, or an empty one:
    # the dashboard says there is nothing yet.
    with contextlib.suppress(MissingInputError):
        Store.open(path, create=False, readonly=True).close()
    return serve(args.store, args.host, args.port)


COMMANDS = {"sessions": cmd_sessions, "import": cmd_import, "report": cmd_report, "serve": cmd_serve}


def run(args: argparse.Namespace) -> int:
    return COMMANDS[args.command](args)
