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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from formcheck.cliparse import Parser, exercise_arg
from formcheck.errors import (
    ExitCode,
    FormcheckError,
    Terminated,
    UsageError,
    name_is_utf8,
    printable,
    shown,
)
from formcheck.inputs import expand_paths

if TYPE_CHECKING:
    from formcheck.batch import Scored, ScoreSettings

VIDEO_EXTS = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".gif"}
TRACE_EXTS = {".npz"}
LOCAL_RAY = "local"  # formcheck.cluster.LOCAL, without importing it
FAST_FPS = 15.0  # formcheck.pipeline.ANALYSIS_FPS, without importing it


def _parser() -> argparse.ArgumentParser:
    from formcheck.definitions import available
    from formcheck.store_cli import add_parsers as add_store_parsers
    from formcheck.store_cli import add_store_options

    p = Parser(
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
    sc.add_argument("--exercise", "-e", required=True, type=exercise_arg, metavar="NAME",
                    help="the exercise: " + ", ".join(available()))
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
        "--analysis-fps", type=float, default=None, metavar="N",
        help="look at about N frames a second of a video, the frames between interpolated "
             "(about half the work on 30 fps; per-rep angles may move by a degree or two); "
             "default: every frame (15 with --fast; 0: every frame)",
    )
    sc.add_argument(
        "--fast", action="store_true",
        help="about 40%% of the CPU: look at 15 frames a second (unless --analysis-fps says "
             "otherwise) and follow the person between looks for everyone, on one core a video",
    )
    sc.add_argument(
        "--jobs", "-j", type=int, default=None, help="parallel processes (default: one per core)"
    )
    sc.add_argument(
        "--ray",
        nargs="?",
        const=LOCAL_RAY,
        metavar="ADDRESS",
        help="score on a Ray cluster at ADDRESS, or without one on a Ray started here "
        "(needs formcheck[cluster])",
    )
    sc.add_argument(
        "--ray-workers", type=int, default=None, metavar="N",
        help="with --ray: scoring workers (default: one per CPU of the cluster)",
    )
    add_store_options(sc, writes=True)
    lv = sub.add_parser("live", help="coach a set live from a webcam (or a video played as one)")
    from formcheck.live.app import add_arguments as live_arguments

    live_arguments(lv)
    ex = sub.add_parser("exercises", help="list exercises, their checks and source documents")
    ex.add_argument("name", nargs="?", type=exercise_arg, help="one exercise (default: all)")
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


class _FilesBar:
    """A bar over files on stderr (a terminal only), kept under the lines printed as files finish."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled
        self._shown = False

    def show(self, done: int) -> None:
        if not self.enabled:
            return
        width = 30
        bar = "#" * (width * done // max(self.total, 1))
        sys.stderr.write(f"\r{'files':30s} [{bar:<{width}}] {done}/{self.total}")
        sys.stderr.flush()
        self._shown = True

    def clear(self) -> None:
        if self._shown:
            sys.stderr.write("\r" + " " * 72 + "\r")
            sys.stderr.flush()
            self._shown = False


def _finish(scored: Scored, out: Path) -> dict[str, Any]:
    """In the caller: write a scored input's ``session.json`` and ``reps.csv`` into ``out``;
    returns the result as the rest of the command reads it."""
    from formcheck.batch import write_session

    if scored.session is None:
        return _failed(scored.path, scored.error, scored.code)
    existed = out.exists()
    try:
        written = [str(p) for p in write_session(scored, out)]
    except OSError as e:
        if not existed and out.is_dir() and not any(out.iterdir()):
            out.rmdir()
        return _unwritable(scored.path, out, e)
    written += [str(p) for p in scored.extras]  # the annotated video, the landmark trace
    return {
        "ok": True,
        "path": scored.path,
        "summary": scored.session.summary(),
        "session": scored.session,
        "written": written,
    }


def _failed(path: str | Path, message: str, code: int) -> dict[str, Any]:
    return {"ok": False, "path": str(path), "error": message, "code": code}


def _unwritable(path: str, out: Path, e: OSError) -> dict[str, Any]:
    message = f"Could not write the results for {shown(path)} to {out} ({e.strerror or e})."
    return _failed(path, message, int(ExitCode.USAGE))


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


_sigterm_seen = False  # Ray's waits turn any KeyboardInterrupt, Terminated too, into a plain one


def _on_sigterm(signum: int, _frame: Any) -> None:
    """SIGTERM unwinds like Ctrl-C (workers stopped, temporary files removed); once only, so
    a second SIGTERM cannot cut the tidying short."""
    global _sigterm_seen
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _sigterm_seen = True
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
    if args.ray_workers is not None and args.ray is None:
        raise UsageError("--ray-workers goes with --ray.")
    if args.jobs is not None and args.ray is not None:
        raise UsageError("--jobs sets processes on this machine; with --ray, --ray-workers sets the workers.")
    for flag, n in (("--jobs", args.jobs), ("--ray-workers", args.ray_workers)):
        if n is not None and n < 1:
            raise UsageError(f"{flag} must be 1 or more, got {n}.")
    if args.ray is not None:
        from formcheck.cluster import import_ray

        import_ray(args.ray == LOCAL_RAY)  # missing: one sentence saying how to install it, before any work
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
    which the store keeps as the patient's prescription from now on.

    The files are scored here, in a process pool (``--jobs``) or on Ray (``--ray``), all by
    :func:`formcheck.batch.score_file`; the outputs, the store and what is printed are made here.
    """
    from formcheck.batch import ScoreSettings, score_file

    tty = sys.stderr.isatty() and not args.json
    on_ray = getattr(args, "ray", None) is not None
    jobs = args.jobs or os.cpu_count() or 1
    jobs = max(1, min(jobs, len(files)))
    # Each process runs pose models side by side, one per CPU alone; the CPUs are shared out.
    pose_workers = None if jobs == 1 else max(1, (os.cpu_count() or 1) // jobs)
    settings = ScoreSettings(
        args.exercise, rx, args.model, args.annotate, args.save_landmarks, pose_workers,
        _analysis_fps(args), follow=args.fast,
    )
    results: list[dict[str, Any]] = []
    outs = _out_dirs(args.out, files)
    renamed = [(f, o) for f, o in zip(files, outs, strict=True) if o.name != f.stem]
    if renamed:
        print(
            "formcheck: some inputs have the same name, so their results go to "
            + printable(", ".join(f"{o} (for {f})" for f, o in renamed)) + ".",
            file=sys.stderr,
        )
    out_of = {str(f): o for f, o in zip(files, outs, strict=True)}
    existed = {o for o in outs if o.exists()}
    order = {str(f): i for i, f in enumerate(files)}
    pending: dict[int, dict[str, Any]] = {}
    finished = 0
    bar = _FilesBar(len(files), tty and (on_ray or jobs > 1))

    def done(r: dict[str, Any]) -> None:
        nonlocal finished
        finished += 1
        _record(store, r, args, prescribed)
        bar.clear()
        if not args.json:  # progress as each file finishes; results in input order
            _print_progress(finished, len(files), r)
        pending[order.get(str(r["path"]), len(order) + finished)] = r
        while len(results) in pending:
            results.append(pending.pop(len(results)))
            _print_result(results[-1], args.json, len(files))
        bar.show(finished)

    try:
        if on_ray:
            _score_on_ray(args, files, settings, out_of, bar, done)
        elif jobs == 1:
            for f, o in zip(files, outs, strict=True):
                progress = _Progress(f.name, tty)
                try:
                    scored = score_file(f, settings, o, progress=progress)
                finally:
                    progress.close()
                results.append(_finish(scored, o))
                _record(store, results[-1], args, prescribed)
                _print_result(results[-1], args.json, len(files))
        else:
            if tty:
                sys.stderr.write(f"Scoring {len(files)} files in {jobs} processes...\n")
            bar.show(0)

            def scored_done(scored: Scored) -> None:
                done(_finish(scored, out_of[scored.path]))

            # A worker that dies natively (a decoder crash) breaks the whole pool: the files it
            # left unfinished are run again one at a time, each in a pool of its own, so only
            # the file that crashes is lost.
            for f in _run_pool(files, settings, out_of, jobs, scored_done):
                if _run_pool([f], settings, out_of, 1, scored_done):
                    message = f"{shown(f)} made the video decoder crash; the file may be damaged."
                    done(_failed(f, message, int(ExitCode.BAD_VIDEO)))
        for i in sorted(pending):  # any left behind a gap
            results.append(pending.pop(i))
            _print_result(results[-1], args.json, len(files))
    except BaseException:  # Ctrl-C or SIGTERM: remove what the stopped work half-wrote
        bar.clear()
        _remove_partial_files(outs, existed)
        raise
    bar.clear()
    if args.json:
        payload: Any
        if len(files) == 1 and results[0]["ok"]:
            payload = results[0]["summary"]
        else:
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


def _score_on_ray(
    args: argparse.Namespace,
    files: list[Path],
    settings: ScoreSettings,
    out_of: dict[str, Path],
    bar: _FilesBar,
    done: Callable[[dict[str, Any]], None],
) -> None:
    """Score ``files`` on Ray's actors (:mod:`formcheck.cluster`); each result comes back here,
    where its files are written into ``out_of[path]`` and ``done`` is called with it."""
    from formcheck.batch import write_extras
    from formcheck.cluster import RayRun

    where = "a local Ray" if args.ray == LOCAL_RAY else f"Ray at {args.ray}"
    starting = printable(f"Starting {where}..." if args.ray == LOCAL_RAY else f"Connecting to {where}...")
    if bar.enabled:
        sys.stderr.write(starting)
        sys.stderr.flush()
    try:
        run = RayRun(args.ray, args.ray_workers or 0, len(files), args.model)
    finally:
        if bar.enabled:
            sys.stderr.write("\r" + " " * len(starting) + "\r")
    with run:
        if run.note:
            print(f"formcheck: {run.note}", file=sys.stderr)
        if bar.enabled:
            sys.stderr.write(f"Scoring {len(files)} files on {where}, {len(run.actors)} workers...\n")
        bar.show(0)
        for d in run.score(files, settings):
            out = out_of[str(files[d.index])]
            scored = d.scored
            if scored.ok and d.extras:
                try:
                    scored.extras = write_extras(d.extras, out)
                except OSError as e:
                    done(_unwritable(scored.path, out, e))
                    continue
            done(_finish(scored, out))


def _run_pool(
    files: list[Path],
    settings: ScoreSettings,
    out_of: dict[str, Path],
    jobs: int,
    done: Callable[[Scored], None],
) -> list[Path]:
    """Score ``files`` in ``jobs`` processes, calling ``done`` with each result as it comes.

    Returns the files left unfinished because a worker process died (the pool broke).
    """
    from formcheck import batch

    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_ignore_sigint)
    unfinished: list[Path] = []
    try:
        futures = {pool.submit(batch.score_file, f, settings, out_of[str(f)]): f for f in files}
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
    order = {f: i for i, f in enumerate(files)}
    return sorted(unfinished, key=lambda f: order[f])


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


def _analysis_fps(args: argparse.Namespace) -> float | None:
    """Frames a second the pose model looks at: ``--analysis-fps`` (0: every frame), else 15
    with ``--fast``, else every frame (None)."""
    if args.analysis_fps is not None:
        return args.analysis_fps or None
    return FAST_FPS if args.fast else None


def _print_progress(k: int, n: int, r: dict[str, Any]) -> None:
    name = printable(shown(Path(r["path"]).name))
    from formcheck.report_text import reps_text, unit_word

    what = reps_text(len(r["session"].reps), unit_word(r["session"].exercise)) if r["ok"] else "not scored"
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
            needs = c.requirements(d.lying_on)
            print(
                f'  {c.code:20s} {c.label}: "{c.cue}"  '
                f"[doc {c.source}, {c.document}; views: {', '.join(c.views)}"
                + (f"; stated error {c.error_text()}" if c.error else "")
                + (f"; needs {needs}" if needs else "")
                + "]"
            )
        for u in d.not_judged:
            print(f"  {'-':20s} {u.label}: not judged. {u.why} {u.instead}  [doc {u.source}, {u.document}]")
    return 0


def checks_table(names: list[str]) -> str:
    """The README's table of checks, made from the exercise definitions."""
    from formcheck.definitions import load

    rows = [
        "| exercise | fault code | checks | fault when | views | stated error | needs | source |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in names:
        d = load(name)
        for c in d.checks:
            rows.append(
                f"| {name} | `{c.code}` | {c.label} | {c.rule()} | {', '.join(c.views)} | "
                f"{c.error_text() or '-'} | {c.requirements(d.lying_on) or '-'} | {c.source}: {c.quote} |"
            )
        for u in d.not_judged:
            row = f"| {name} | - | {u.label} | not judged: {u.why} | - | - | - | {u.source}: {u.quote} |"
            rows.append(row)
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    if argv is None:  # the command itself (not a test calling main): native log lines stay off
        from formcheck.quiet import silence_native_logs

        silence_native_logs()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["studio"]:
        # The sample studio is a development tool: it comes with formcheck's source (the
        # formcheck_studio folder beside formcheck/), not with the installed package.
        try:
            from formcheck_studio.cli import main as studio_main
        except ImportError as e:
            if (e.name or "").partition(".")[0] == "formcheck_studio":
                print(
                    "formcheck: the studio comes with formcheck's source, not the installed "
                    "package: run it from a checkout (pip install -e '.[studio]').",
                    file=sys.stderr,
                )
            else:
                print(
                    "formcheck: the studio needs its extra packages: "
                    f"pip install 'formcheck[studio]' ({e.name} is missing).",
                    file=sys.stderr,
                )
            return ExitCode.USAGE
        return studio_main(argv[1:])
    args = _parser().parse_args(argv)
    global _sigterm_seen
    _sigterm_seen = False
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
        lead = "\n" if sys.stderr.isatty() else ""  # past the terminal's "^C" or a progress bar
        print(f"{lead}formcheck: stopped; nothing half-written was kept.", file=sys.stderr)
        terminated = isinstance(e, Terminated) or _sigterm_seen
        return int(ExitCode.TERMINATED if terminated else ExitCode.INTERRUPTED)
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
