"""The ``formcheck`` command."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from formcheck.errors import ExitCode, FormcheckError, MissingInputError, UsageError

VIDEO_EXTS = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv"}
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
        "--jobs", "-j", type=int, default=0, help="parallel processes (default: one per core)"
    )
    add_store_options(sc, writes=True)
    lv = sub.add_parser("live", help="coach a set live from a webcam (or a video played as one)")
    from formcheck.live.app import add_arguments as live_arguments

    live_arguments(lv)
    ex = sub.add_parser("exercises", help="list exercises, their checks and source documents")
    ex.add_argument("name", nargs="?", choices=available())
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


def expand_paths(inputs: list[str], find: Callable[[Path], list[Path]], what: str) -> list[Path]:
    """Files as given, and for each folder the files ``find`` picks in it (``what`` names them).

    Raises:
        MissingInputError: a path that does not exist, or a folder with none of those files.
    """
    files: list[Path] = []
    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
            found = find(p)
            if not found:
                raise MissingInputError(f"No {what} in folder {p}.")
            files += found
        elif p.exists():
            files.append(p)
        else:
            raise MissingInputError(f"No such file or folder: {p}.")
    return files


def _collect(inputs: list[str]) -> list[Path]:
    return expand_paths(
        inputs,
        lambda folder: sorted(
            q for q in folder.iterdir() if q.suffix.lower() in VIDEO_EXTS | TRACE_EXTS and q.is_file()
        ),
        "videos",
    )


def _out_dir(base: Path, path: Path, all_paths: list[Path]) -> Path:
    same = [q for q in all_paths if q.stem == path.stem]
    name = path.stem if len(same) == 1 else f"{path.parent.name}_{path.stem}"
    return base / name


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
    show_progress: bool,
) -> dict[str, Any]:
    """Score one input in this process; returns a picklable result."""
    from formcheck.pipeline import score_sequence, score_video

    existed = out.exists()
    try:
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
    except FormcheckError as e:
        if not existed and out.is_dir() and not any(out.iterdir()):
            out.rmdir()
        return {"ok": False, "path": str(path), "error": e.message, "code": int(e.exit_code)}


def _ignore_sigint() -> None:
    """Pool workers leave Ctrl-C to the main process, which stops them and tidies up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from formcheck.quiet import quiet_worker

    quiet_worker()  # native log lines of workers stay off the terminal


def _remove_partial_files(outs: list[Path]) -> None:
    for out in outs:
        if out.is_dir():
            for tmp in out.glob(".*"):
                if tmp.is_file() and tmp.suffix in (".tmp", ".mp4", ".npz"):
                    tmp.unlink(missing_ok=True)


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
    files = _collect(args.inputs)
    from formcheck.store_cli import open_for_recording

    store = open_for_recording(args)
    try:
        return _score_files(args, files, rx, store)
    finally:
        if store is not None:
            store.close()


def _score_files(args: argparse.Namespace, files: list[Path], rx: dict[str, Any] | None, store: Any) -> int:
    tty = sys.stderr.isatty() and not args.json
    jobs = args.jobs if args.jobs > 0 else (os.cpu_count() or 1)
    jobs = max(1, min(jobs, len(files)))
    # Each process runs pose models side by side, one per CPU alone; the CPUs are shared out.
    pose_workers = None if jobs == 1 else max(1, (os.cpu_count() or 1) // jobs)
    results: list[dict[str, Any]] = []
    params = [
        (
            f,
            args.exercise,
            rx,
            _out_dir(args.out, f, files),
            args.annotate,
            args.save_landmarks,
            args.model,
            pose_workers,
        )
        for f in files
    ]
    if jobs == 1:
        for p in params:
            results.append(_score_one(*p, show_progress=tty))
            _record(store, results[-1], args, rx)
            _print_result(results[-1], args.json, len(files))
    else:
        if tty:
            sys.stderr.write(f"Scoring {len(files)} files in {jobs} processes...\n")
        pool = ProcessPoolExecutor(max_workers=jobs, initializer=_ignore_sigint)
        try:
            futures = [pool.submit(_score_one, *p, show_progress=False) for p in params]
            index = {fut: i for i, fut in enumerate(futures)}
            done: dict[int, dict[str, Any]] = {}
            for k, fut in enumerate(as_completed(futures), 1):
                i = index[fut]
                done[i] = fut.result()
                _record(store, done[i], args, rx)
                if not args.json:  # progress as each file finishes; results in input order
                    _print_progress(k, len(files), done[i])
                while len(results) in done:
                    results.append(done.pop(len(results)))
                    _print_result(results[-1], args.json, len(files))
        except KeyboardInterrupt:
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.terminate()
            pool.shutdown(wait=True, cancel_futures=True)
            _remove_partial_files([p[3] for p in params])
            raise
        pool.shutdown()
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
                    {"path": r["path"], "message": r["error"]} for r in results if not r["ok"]
                ],
            }
        print(json.dumps(payload, indent=1))
    failed = [r for r in results if not r["ok"]]
    if not failed:
        return ExitCode.STORE if any("store_error" in r for r in results) else ExitCode.OK
    if len(failed) == len(results):
        return failed[0]["code"] if len({r["code"] for r in failed}) == 1 else ExitCode.PARTIAL
    return ExitCode.PARTIAL


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
    name = Path(r["path"]).name
    what = f"{len(r['session'].reps)} reps" if r["ok"] else "not scored"
    sys.stderr.write(f"[{k}/{n}] {name}: {what}\n")
    sys.stderr.flush()


def _print_result(r: dict[str, Any], as_json: bool, n: int) -> None:
    from formcheck.report_text import session_text

    if not r["ok"]:
        print(f"formcheck: {r['error']}", file=sys.stderr)
        return
    if not as_json:
        print(session_text(r["session"], r["written"]))
        if "session_id" in r:
            print(f"Recorded as session {r['session_id']} in the store (formcheck report {r['session_id']}).")
        if n > 1:
            print()
    if "store_error" in r:
        print(f"formcheck: {r['store_error']} The files above were written.", file=sys.stderr)


def _cmd_exercises(args: argparse.Namespace) -> int:
    from formcheck.definitions import available, load

    for name in [args.name] if args.name else available():
        d = load(name)
        print(f"{d.title} ({name}) - film from the {d.preferred_view}. {d.setup}")
        for c in d.checks:
            print(
                f'  {c.code:20s} {c.label}: "{c.cue}"  '
                f"[doc {c.source}, {c.document}; views: {', '.join(c.views)}]"
            )
    return 0


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
    try:
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
        print(f"formcheck: {e.message}", file=sys.stderr)
        return int(e.exit_code)
    except KeyboardInterrupt:
        print("\nformcheck: stopped; nothing half-written was kept.", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
