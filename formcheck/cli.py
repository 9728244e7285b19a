"""The ``formcheck`` command."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from pathlib import Path
from typing import Any

from formcheck.errors import (
    BadVideoError,
    ExitCode,
    FormcheckError,
    Terminated,
    UsageError,
    name_is_utf8,
    printable,
    shown,
)
from formcheck.inputs import expand_paths

VIDEO_EXTS = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".gif"}
TRACE_EXTS = {".npz"}


def _parser() -> argparse.ArgumentParser:
    from formcheck.definitions import available
    from formcheck.store_cli import add_parsers as add_store_parsers
    from formcheck.store_cli import add_store_options

    p = argparse.ArgumentParser(
        prog="formcheck", description="Rep counting and form feedback for rehab exercises."
    )
    p.add_argument("--version", action="version", version=f"formcheck {_version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sc = sub.add_parser("score", help="score recorded videos rep by rep")
    sc.add_argument(
        "inputs",
        nargs="+",
        metavar="VIDEO",
        help="video files, folders of videos, or .npz landmark traces",
    )
    sc.add_argument("--exercise", "-e", required=True, choices=available())
    sc.add_argument(
        "--prescription",
        type=Path,
        metavar="FILE",
        help="TOML file overriding targets, e.g. depth_knee_deg = 110",
    )
    sc.add_argument(
        "--out",
        type=Path,
        default=Path("formcheck-out"),
        metavar="DIR",
        help="output folder (default: formcheck-out)",
    )
    sc.add_argument(
        "--json", action="store_true", help="print one JSON object on stdout instead of the table"
    )
    sc.add_argument(
        "--annotate",
        action="store_true",
        help="also write a video with skeleton, angle, count and cue",
    )
    sc.add_argument(
        "--save-landmarks",
        action="store_true",
        help="also save the pose trace (.npz) to re-score later",
    )
    sc.add_argument(
        "--model", type=Path, metavar="PATH", help="another MediaPipe pose landmarker .task file"
    )
    sc.add_argument(
        "--analysis-fps", type=float, default=0.0, metavar="N",
        help="look at about N frames a second of a video, the frames between interpolated "
             "(about half the work on 30 fps; per-rep angles may move by a degree or two); "
             "default: every frame",
    )
    sc.add_argument(
        "--jobs", "-j", type=int, default=0, help="parallel processes (default: one per core)"
    )
    add_store_options(sc, writes=True)
    lv = sub.add_parser("live", help="coach a set live from a webcam (or a video played as one)")
    from formcheck.live.app import add_arguments as live_arguments

    live_arguments(lv)
    ex = sub.add_parser("exercises", help="list exercises, their checks and source documents")
    ex.add_argument("name", nargs="?", choices=available())
    ex.add_argument("--markdown", action="store_true", help="print the table of checks as in the README")
    add_store_parsers(sub)
    st = sub.add_parser(
        "studio",
        help="render sample videos with known ground truth (needs the 'studio' extra)",
        add_help=False,
    )
    st.add_argument("args", nargs=argparse.REMAINDER)
    return p


def _version() -> str:
    from formcheck import __version__

    return __version__


def _collect(inputs: list[str]) -> list[Path]:
    return expand_paths(
        inputs,
        lambda folder: sorted(
            q for q in folder.iterdir() if q.suffix.lower() in VIDEO_EXTS | TRACE_EXTS and q.is_file()
        ),
        "videos",
    )


def _once_each(files: list[Path]) -> list[Path]:
    """The files in order, a file given twice (or also through its folder) only once."""
    seen: set[Path] = set()
    out = []
    for f in files:
        if f.resolve() not in seen:
            seen.add(f.resolve())
            out.append(f)
    return out


def _out_dirs(base: Path, paths: list[Path]) -> list[Path]:
    """One output folder per input, never two the same: ``<stem>``, for inputs with the same
    name ``<parent>_<stem>``, and if those clash too ``<parent>_<stem>-2``, ``-3``..."""

    def stem(p: Path) -> str:
        return p.stem if p.stem.strip(".") else "video"  # "..mp4" must not write into base

    def fits(name: str) -> str:  # at most 200 bytes, room for "-2" (file systems allow 255)
        while len(os.fsencode(name)) > 200:
            name = name[:-1]
        return name

    def folded(name: str) -> str:  # clashes on case-insensitive file systems too
        return name.casefold()

    counts: dict[str, int] = {}
    for p in paths:
        counts[folded(stem(p))] = counts.get(folded(stem(p)), 0) + 1
    names = [
        fits(stem(p) if counts[folded(stem(p))] == 1 else f"{p.parent.resolve().name or 'root'}_{stem(p)}")
        for p in paths
    ]
    taken: set[str] = set()
    out: list[Path] = []
    for name in names:
        unique, n = name, 1
        while folded(unique) in taken:
            n += 1
            unique = f"{name}-{n}"
        taken.add(folded(unique))
        out.append(base / unique)
    return out


class _Progress:
    def __init__(self, name: str, enabled: bool) -> None:
        self.name = name
        self.enabled = enabled
        self._last = -1

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        pct = int(100 * done / total) if total else -1
        if pct == self._last:
            return
        self._last = pct
        width = 30
        bar = "#" * (width * max(pct, 0) // 100)
        shown = f"{pct:3d}%" if pct >= 0 else f"{done} frames"
        sys.stderr.write(f"\r{self.name[:30]:30s} [{bar:<{width}}] {shown}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self._last != -1:
            sys.stderr.write("\r" + " " * 72 + "\r")
            sys.stderr.flush()


def _score_one(
    path: Path,
    exercise: str,
    rx: dict[str, Any] | None,
    out: Path,
    annotate: bool,
    save_landmarks: bool,
    model: Path | None,
    pose_workers: int | None,
    analysis_fps: float | None,
    show_progress: bool,
) -> dict[str, Any]:
    """Score one input in this process; returns a picklable result."""
    from formcheck.pipeline import score_sequence, score_video

    existed = out.exists()
    try:
        if not name_is_utf8(path):
            raise BadVideoError(
                f"{shown(path)} is not valid UTF-8 (its file or folder name); rename it to score it."
            )
        if path.suffix.lower() in TRACE_EXTS:
            from formcheck.landmarks import PoseSequence

            try:
                seq = PoseSequence.load(path)
            except (OSError, ValueError, KeyError) as e:
                raise UsageError(f"{path} is not a formcheck landmark trace ({e}).") from None
            session = score_sequence(seq, exercise, rx, source=str(path))
        else:
            bar = _Progress(path.name, show_progress)
            try:
                out.mkdir(parents=True, exist_ok=True) if (annotate or save_landmarks) else None
                session = score_video(
                    path,
                    exercise,
                    prescription=rx,
                    model=model,
                    annotate_to=out / "annotated.mp4" if annotate else None,
                    landmarks_to=out / "landmarks.npz" if save_landmarks else None,
                    progress=bar,
                    pose_workers=pose_workers,
                    analysis_fps=analysis_fps,
                )
            finally:
                bar.close()
        written = [str(p) for p in session.write(out)]
        if annotate and (out / "annotated.mp4").exists():
            written.append(str(out / "annotated.mp4"))
        return {
            "ok": True,
            "path": str(path),
            "summary": session.summary(),
            "session": session,
            "written": written,
        }
    except (FormcheckError, OSError) as e:
        if not existed and out.is_dir() and not any(out.iterdir()):
            out.rmdir()
        if isinstance(e, FormcheckError):
            return _failed(path, e.message, int(e.exit_code))
        if e.filename is not None and Path(os.fsdecode(e.filename)).is_relative_to(out):
            message = f"Could not write the results for {shown(path)} to {out} ({e.strerror or e})."
            return _failed(path, message, int(ExitCode.USAGE))
        return _failed(path, f"Could not score {shown(path)} ({e.strerror or e}).", int(ExitCode.ERROR))


def _failed(path: Path, message: str, code: int) -> dict[str, Any]:
    return {"ok": False, "path": str(path), "error": message, "code": code}


def _ignore_sigint() -> None:
    """Pool workers leave Ctrl-C to the main process, which stops them and tidies up; SIGTERM
    (sent by the main process to stop them) ends a worker at once, so it starts no other file."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):  # and if the main process is killed outright, so are they
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    from formcheck.quiet import quiet_worker

    quiet_worker()  # native log lines of workers stay off the terminal


def _on_sigterm(signum: int, _frame: Any) -> None:
    """SIGTERM unwinds like Ctrl-C (workers stopped, temporary files removed); once only, so
    a second SIGTERM cannot cut the tidying short."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Terminated


def _handle_sigterm() -> Any:
    """Install :func:`_on_sigterm` (main thread only); returns the handler it replaced."""
    import threading

    if threading.current_thread() is threading.main_thread():
        return signal.signal(signal.SIGTERM, _on_sigterm)
    return None


def _remove_partial_files(outs: list[Path], existed: set[Path] | None = None) -> None:
    """Remove the temporary files of stopped work in ``outs``, and the folders of ``outs`` that
    are left empty and were not there before (``existed``)."""
    for out in outs:
        if out.is_dir():
            for tmp in out.glob(".*"):
                if tmp.is_file() and tmp.suffix in (".tmp", ".mp4", ".npz"):
                    tmp.unlink(missing_ok=True)
            if existed is not None and out not in existed:
                with contextlib.suppress(OSError):
                    out.rmdir()  # only if empty


def _cmd_score(args: argparse.Namespace) -> int:
    from formcheck.definitions import load, load_prescription

    rx = None
    if args.prescription is not None:
        rx = load_prescription(args.prescription)
        if rx.get("exercise", args.exercise) != args.exercise:
            raise UsageError(f"The prescription is for {rx['exercise']}, not {args.exercise}.")
        load(args.exercise).with_prescription(rx)  # validate before any work
    if args.model is not None and not args.model.is_file():
        raise UsageError(f"No model file at {args.model}.")
    if args.model is not None:
        from formcheck.pose import PoseOptions

        PoseOptions(model_path=args.model)  # checks the bundle loads and runs, before any work
    files = _once_each(_collect(args.inputs))
    from formcheck.store_cli import clinic_prescription, open_for_recording, patient_name

    if not args.no_store:
        patient_name(args, rx)  # a name the store cannot hold is refused before the work
    created = _writable_out(args.out)

    try:
        store = open_for_recording(args)
        try:
            judged, said = clinic_prescription(store, args, args.exercise, rx)
            if said:
                print(f"formcheck: {said}", file=sys.stderr)
            # A prescription file is kept as the patient's prescription from now on, over what
            # was in force (so a file of reps keeps the clinician's limit); no file: no write.
            return _score_files(args, files, judged, store, prescribed=judged if rx else None)
        finally:
            if store is not None:
                store.close()
    finally:
        for folder in reversed(created):  # made for this run and left empty: not kept
            with contextlib.suppress(OSError):
                folder.rmdir()


def _writable_out(out: Path) -> list[Path]:
    """Make sure files can be written into ``out`` before any work; returns the folders made.

    Raises:
        UsageError: ``out`` is a file, or it (or its parent) cannot be written (read-only,
            no permission, disk full).
    """
    if out.exists() and not out.is_dir():
        raise UsageError(f"The output folder {out} is a file; choose a folder with --out.")
    created = [q for q in [out, *out.parents] if not q.exists()][::-1]
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".formcheck-probe.", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        for folder in reversed(created):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise UsageError(
            f"Cannot write to the output folder {out} ({e.strerror or e}); choose another with --out."
        ) from None
    return created


def _score_files(
    args: argparse.Namespace,
    files: list[Path],
    rx: dict[str, Any] | None,
    store: Any,
    prescribed: dict[str, Any] | None = None,
) -> int:
    """Score ``files`` judged against ``rx``; ``prescribed``: the prescription file's values,
    which the store keeps as the patient's prescription from now on."""
    tty = sys.stderr.isatty() and not args.json
    jobs = args.jobs if args.jobs > 0 else (os.cpu_count() or 1)
    jobs = max(1, min(jobs, len(files)))
    # Each process runs pose models side by side, one per CPU alone; the CPUs are shared out.
    pose_workers = None if jobs == 1 else max(1, (os.cpu_count() or 1) // jobs)
    results: list[dict[str, Any]] = []
    outs = _out_dirs(args.out, files)
    renamed = [(f, o) for f, o in zip(files, outs, strict=True) if o.name != f.stem]
    if renamed:
        print(
            "formcheck: some inputs have the same name, so their results go to "
            + printable(", ".join(f"{o} (for {f})" for f, o in renamed)) + ".",
            file=sys.stderr,
        )
    params = [
        (f, args.exercise, rx, o, args.annotate, args.save_landmarks, args.model, pose_workers,
         args.analysis_fps or None)
        for f, o in zip(files, outs, strict=True)
    ]
    existed = {o for o in outs if o.exists()}
    try:
        if jobs == 1:
            for p in params:
                results.append(_score_one(*p, show_progress=tty))
                _record(store, results[-1], args, prescribed)
                _print_result(results[-1], args.json, len(files))
        else:
            if tty:
                sys.stderr.write(f"Scoring {len(files)} files in {jobs} processes...\n")
            order = {str(p[0]): i for i, p in enumerate(params)}
            pending: dict[int, dict[str, Any]] = {}
            finished = 0

            def done(r: dict[str, Any]) -> None:
                nonlocal finished
                finished += 1
                _record(store, r, args, prescribed)
                if not args.json:  # progress as each file finishes; results in input order
                    _print_progress(finished, len(files), r)
                pending[order.get(str(r["path"]), len(order) + finished)] = r
                while len(results) in pending:
                    results.append(pending.pop(len(results)))
                    _print_result(results[-1], args.json, len(files))

            # A worker that dies natively (a decoder crash) breaks the whole pool: the files it
            # left unfinished are run again one at a time, each in a pool of its own, so only
            # the file that crashes is lost.
            for p in _run_pool(params, jobs, done):
                if _run_pool([p], 1, done):
                    message = f"{shown(p[0])} made the video decoder crash; the file may be damaged."
                    done(_failed(p[0], message, int(ExitCode.BAD_VIDEO)))
            for i in sorted(pending):  # any left behind a gap
                results.append(pending.pop(i))
                _print_result(results[-1], args.json, len(files))
    except BaseException:  # Ctrl-C or SIGTERM: remove what the stopped work half-wrote
        _remove_partial_files(outs, existed)
        raise
    if args.json:
        payload: Any
        if len(files) == 1 and results[0]["ok"]:
            payload = results[0]["summary"]
        else:
            order = {str(f): i for i, f in enumerate(files)}
            results.sort(key=lambda r: order[r["path"]])
            payload = {
                "sessions": [r["summary"] for r in results if r["ok"]],
                "errors": [
                    {"path": shown(r["path"]), "message": r["error"]} for r in results if not r["ok"]
                ],
            }
        print(json.dumps(payload, indent=1))
    failed = [r for r in results if not r["ok"]]
    if not failed:
        return ExitCode.STORE if any("store_error" in r for r in results) else ExitCode.OK
    if len(failed) == len(results):
        return failed[0]["code"] if len({r["code"] for r in failed}) == 1 else ExitCode.PARTIAL
    return ExitCode.PARTIAL


def _run_pool(
    params: list[tuple[Any, ...]], jobs: int, done: Callable[[dict[str, Any]], None]
) -> list[tuple[Any, ...]]:
    """Score ``params`` in ``jobs`` processes, calling ``done`` with each result as it comes.

    Returns the params left unfinished because a worker process died (the pool broke).
    """
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_ignore_sigint)
    unfinished: list[tuple[Any, ...]] = []
    try:
        score = partial(_score_one, show_progress=False)
        futures = {pool.submit(score, *p): p for p in params}
        for fut in as_completed(futures):
            try:
                r = fut.result()
            except BrokenProcessPool:
                unfinished.append(futures[fut])
                continue
            done(r)
    except BaseException:  # Ctrl-C or SIGTERM: stop the workers now (the caller tidies up)
        _stop_pool(pool)
        raise
    pool.shutdown()
    order = {id(p): i for i, p in enumerate(params)}
    return sorted(unfinished, key=lambda p: order[id(p)])


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Terminate the workers at once (they would finish their files first) and wait for them."""
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        proc.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def _record(store: Any, r: dict[str, Any], args: argparse.Namespace, rx: dict[str, Any] | None) -> None:
    """Add a scored session to the store; a store that fails is told once, the files stay."""
    if store is None or not r["ok"]:
        return
    from formcheck.errors import StoreError
    from formcheck.store_cli import patient_name, record

    try:
        sid = record(store, r["session"], patient=patient_name(args, rx), origin="score", prescribed=rx)
    except StoreError as e:
        r["store_error"] = e.message
        return
    r["session_id"] = sid
    r["summary"]["session_id"] = sid


def _print_progress(k: int, n: int, r: dict[str, Any]) -> None:
    name = printable(shown(Path(r["path"]).name))
    what = f"{len(r['session'].reps)} reps" if r["ok"] else "not scored"
    sys.stderr.write(f"[{k}/{n}] {name}: {what}\n")
    sys.stderr.flush()


def _print_result(r: dict[str, Any], as_json: bool, n: int) -> None:
    from formcheck.report_text import session_text

    if not r["ok"]:
        print(printable(f"formcheck: {r['error']}"), file=sys.stderr)
        return
    if not as_json:
        print(printable(session_text(r["session"], r["written"])))
        if "session_id" in r:
            print(f"Recorded as session {r['session_id']} in the store (formcheck report {r['session_id']}).")
        if n > 1:
            print()
    if "store_error" in r:
        print(printable(f"formcheck: {r['store_error']} The files above were written."), file=sys.stderr)


def _cmd_exercises(args: argparse.Namespace) -> int:
    from formcheck.definitions import available, load

    names = [args.name] if args.name else available()
    if args.markdown:
        print(checks_table(names))
        return 0
    for name in names:
        d = load(name)
        print(f"{d.title} ({name}) - film from the {d.preferred_view}. {d.setup}")
        for c in d.checks:
            needs = c.requirements()
            print(
                f'  {c.code:20s} {c.label}: "{c.cue}"  '
                f"[doc {c.source}, {c.document}; views: {', '.join(c.views)}"
                + (f"; needs {needs}" if needs else "")
                + "]"
            )
    return 0


def checks_table(names: list[str]) -> str:
    """The README's table of checks, made from the exercise definitions."""
    from formcheck.definitions import load

    rows = [
        "| exercise | fault code | checks | fault when | views | needs | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in names:
        for c in load(name).checks:
            rows.append(
                f"| {name} | `{c.code}` | {c.label} | {c.rule()} | {', '.join(c.views)} | "
                f"{c.requirements() or '-'} | {c.source}: {c.quote} |"
            )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    if argv is None:  # the command itself (not a test calling main): native log lines stay off
        from formcheck.quiet import silence_native_logs

        silence_native_logs()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["studio"]:
        try:
            from formcheck.studio.cli import main as studio_main
        except ImportError as e:
            print(
                "formcheck: the studio needs its extra packages: "
                f"pip install 'formcheck[studio]' ({e.name} is missing).",
                file=sys.stderr,
            )
            return ExitCode.USAGE
        return studio_main(argv[1:])
    args = _parser().parse_args(argv)
    old_sigterm = _handle_sigterm()
    try:
        return _run(args)
    finally:
        if old_sigterm is not None:  # main() called from Python (tests) leaves no handler behind
            signal.signal(signal.SIGTERM, old_sigterm)


def _run(args: argparse.Namespace) -> int:
    """Run the parsed command; every error a user can cause ends in one sentence."""
    try:
        patient = getattr(args, "patient", None)
        if isinstance(patient, str) and not name_is_utf8(patient):
            raise UsageError("The patient name is not valid text (UTF-8); type it again.")
        if args.command == "score":
            return _cmd_score(args)
        if args.command == "live":
            from formcheck.live.app import run as live_run

            return live_run(args)
        if args.command == "exercises":
            return _cmd_exercises(args)
        from formcheck.store_cli import run as store_run

        return store_run(args)
    except FormcheckError as e:
        print(printable(f"formcheck: {e.message}"), file=sys.stderr)
        return int(e.exit_code)
    except KeyboardInterrupt as e:
        print("\nformcheck: stopped; nothing half-written was kept.", file=sys.stderr)
        return int(ExitCode.TERMINATED if isinstance(e, Terminated) else ExitCode.INTERRUPTED)
    except BrokenPipeError:
        return 0
    except Exception as e:  # a bug: one sentence, not a traceback (FORMCHECK_DEBUG=1 shows it)
        if os.environ.get("FORMCHECK_DEBUG"):
            raise
        print(
            f"formcheck: an unexpected error stopped it ({type(e).__name__}: {str(e)[:200]}); "
            "please report it (FORMCHECK_DEBUG=1 shows where it happened).",
            file=sys.stderr,
        )
        return int(ExitCode.ERROR)


if __name__ == "__main__":
    sys.exit(main())
