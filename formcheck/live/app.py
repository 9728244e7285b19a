"""``formcheck live``: coach a set through a webcam (or a video file played as one).

Wiring for the command line: :func:`add_arguments` adds the options to a parser and
:func:`run` runs one set and returns the exit code. Every user error is one sentence on stderr
(never a traceback); a set in progress is always saved first.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from formcheck.cliparse import Parser, exercise_arg
from formcheck.errors import ExitCode, FormcheckError, Terminated, UsageError


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the ``live`` options to ``p``."""
    from formcheck.definitions import available

    p.add_argument("--exercise", "-e", required=True, type=exercise_arg, metavar="NAME",
                   help="the exercise: " + ", ".join(available()))
    p.add_argument(
        "--camera",
        default="0",
        metavar="0|PATH",
        help="camera index (default 0), or a video file played in real time as a camera",
    )
    p.add_argument(
        "--prescription",
        type=Path,
        metavar="FILE",
        help="TOML file overriding targets, e.g. reps = 12 or depth_knee_deg = 110",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("formcheck-out"),
        metavar="DIR",
        help="where the set is saved, as DIR/live-<exercise>-<time>/ (default: formcheck-out)",
    )
    p.add_argument("--model", type=Path, metavar="PATH", help="another MediaPipe pose landmarker .task file")
    p.add_argument("--mute", action="store_true", help="start with the voice muted (m unmutes)")
    p.add_argument(
        "--headless",
        "--no-window",
        dest="headless",
        action="store_true",
        help="run without a window (for benchmarks; keys are not available)",
    )
    p.add_argument(
        "--max-seconds",
        type=float,
        metavar="S",
        help="end the set after this many seconds",
    )
    p.add_argument(
        "--ask-pain",
        action="store_true",
        help="ask for a pain score (0-10) before and after the set, kept with the session",
    )
    from formcheck.store_cli import add_store_options

    add_store_options(p, writes=True)
    p.add_argument(
        "--summary-seconds",
        type=float,
        default=8.0,
        metavar="S",
        help="how long the summary screen stays up (default 8; any key closes it)",
    )


LIVE_NUM_POSES = 4  # as offline scoring: the same landmarks, so the same counts and faults


def pose_options(model: Path | None) -> Any:
    """The pose model settings of the live loop (the bundled full model unless ``model``)."""
    from formcheck.pose import PoseOptions

    if model is None:
        return PoseOptions(num_poses=LIVE_NUM_POSES)
    return PoseOptions(model_path=Path(model), num_poses=LIVE_NUM_POSES)


def _prescription(args: argparse.Namespace) -> dict[str, Any] | None:
    from formcheck.definitions import load, load_prescription

    if args.prescription is None:
        return None
    rx = load_prescription(args.prescription)
    if rx.get("exercise", args.exercise) != args.exercise:
        raise UsageError(f"The prescription is for {rx['exercise']}, not {args.exercise}.")
    load(args.exercise).with_prescription(rx)  # validate before any work
    return rx


def ask_pain(when: str, stream: Any = None) -> int | None:
    """Ask on the terminal for a pain score 0-10; Enter (or no terminal input) skips it."""
    inp = stream if stream is not None else sys.stdin
    for _ in range(3):
        print(
            f"Pain {when}, from 0 (none) to 10 (worst)? Press Enter to skip: ",
            end="",
            file=sys.stderr,
            flush=True,
        )
        line = inp.readline()
        if not line:  # end of input
            print(file=sys.stderr)
            return None
        text = line.strip()
        if not text:
            return None
        if text.isdigit() and 0 <= int(text) <= 10:
            return int(text)
        print("Please type a whole number from 0 to 10.", file=sys.stderr, flush=True)
    return None


def starting_screen(title: str, source: str, size: tuple[int, int] = (1280, 720)) -> Any:
    """The first picture in the window, shown at once: what is starting."""
    from formcheck.live.overlay import GREY, WHITE, summary_screen

    what = "Starting camera…" if source.startswith("camera") else "Starting…"
    return summary_screen(None, [(what, 1.6, WHITE), (title, 1.0, GREY), (source, 0.6, GREY)], size)


def _say(msg: str) -> None:
    print(f"formcheck: {msg}", file=sys.stderr, flush=True)


def _saved(n: int, where: Path | None) -> str:
    reps = f"{n} completed rep{'s' if n != 1 else ''}"
    return f"{reps} saved in {where}" if where is not None else f"{reps} (not saved)"


def run(args: argparse.Namespace) -> int:
    """Run one live set from parsed arguments; returns the exit code."""
    try:
        return _run(args)
    except FormcheckError as e:
        _say(e.message)
        return int(e.exit_code)
    except KeyboardInterrupt as e:  # Ctrl-C, or SIGTERM (Terminated), outside the set itself
        if getattr(args, "set_saved", False):
            _say("stopped; the set was saved.")
        else:
            _say("stopped before the set began; nothing was saved.")
        return int(ExitCode.TERMINATED if isinstance(e, Terminated) else ExitCode.INTERRUPTED)


def _run(args: argparse.Namespace) -> int:
    from formcheck.definitions import load
    from formcheck.live.capture import open_source

    rx = _prescription(args)
    load(args.exercise).with_prescription(rx or {})  # validate before any work
    if args.model is not None and not Path(args.model).is_file():
        raise UsageError(f"No model file at {args.model}.")
    if args.max_seconds is not None and args.max_seconds <= 0:
        raise UsageError("--max-seconds must be more than 0.")
    source = open_source(args.camera)  # a file is checked here; a camera opens at start()
    from formcheck.store_cli import clinic_prescription, open_for_recording

    store = open_for_recording(args)  # a damaged or newer store is told before the set
    try:
        judged, said = clinic_prescription(store, args, args.exercise, rx)
        if said:
            _say(said)
        d = load(args.exercise).with_prescription(judged or {})
        return _run_set(args, rx, d, source, store, judged)
    finally:
        if store is not None:
            store.close()


def set_words(set_no: int, sets: int) -> str:
    """Which set this is today: "set 2 of 3"; past the prescribed sets, "set 4 (3 prescribed)"."""
    return f"set {set_no} of {sets}" if set_no <= sets else f"set {set_no} ({sets} prescribed)"


def _run_set(
    args: argparse.Namespace,
    rx: dict[str, Any] | None,
    d: Any,
    source: Any,
    store: Any,
    judged: dict[str, Any] | None,
) -> int:
    """One live set; ``rx``: the prescription file's values (kept by the store), ``judged``: what
    the set is judged against (the store's prescription in force with ``rx`` over it)."""
    from datetime import datetime

    from formcheck.live.recorder import completed_sets_today
    from formcheck.live.window import Window

    now = datetime.now()
    set_no = completed_sets_today(args.out, args.exercise, now) + 1
    sets = int(d.prescription.get("sets", 1) or 1)
    title = f"formcheck - {d.title} - {set_words(set_no, sets)}"
    target = int(d.prescription.get("reps", 0) or 0)
    # The window opens first and says what is happening while the model loads and the camera
    # starts (about 2 s), and asks for pain there: the person is on the mat, not at the keyboard.
    window = Window(title, headless=args.headless)
    in_window = args.ask_pain and not args.headless
    try:
        if in_window:
            from formcheck.live.pain import ask_pain_in_window

            pain_before = ask_pain_in_window(window, "right now, before the set")
        else:
            pain_before = ask_pain("right now, before the set") if args.ask_pain else None
        window.show(starting_screen(d.title, source.name))
        # Loaded while the start screen shows (the pose model alone takes about a second).
        from formcheck.live.loop import LiveConfig, LiveLoop, install_signal_handlers, restore_signal_handlers
        from formcheck.live.recorder import IN_PROGRESS, Recorder, session_dir
        from formcheck.live.voice import Voice
        from formcheck.pose import PoseEstimator
        from formcheck.report_text import session_text

        estimator = PoseEstimator(pose_options(args.model))
    except BaseException:
        window.close()
        raise
    try:
        try:
            window.show(starting_screen(d.title, source.name))
            source.start()  # CameraError: no camera, busy, or no picture
            out_dir = session_dir(args.out, args.exercise, now)
            voice = Voice(muted=args.mute, notify=_say)
            recorder = Recorder(
                out_dir,
                exercise=args.exercise,
                source=source.name,
                fps=source.fps,
                prescription=d.prescription,
                key_label=d.key_label,
                notify=_say,
            )
            cfg = LiveConfig(
                exercise=args.exercise,
                prescription=judged,
                title=title,
                target_reps=target,
                headless=args.headless,
                max_seconds=args.max_seconds,
                summary_s=args.summary_seconds,
                ask_pain=in_window and store is not None,
            )
            loop = LiveLoop(cfg, source, estimator, window, voice, recorder)
            try:
                recorder.write(loop.scorer.snapshot(), IN_PROGRESS)
            except OSError as e:
                raise UsageError(f"Cannot save the session in {out_dir}: {e.strerror or e}.") from None
            old = install_signal_handlers(loop)
            try:
                result = loop.run()
            finally:
                restore_signal_handlers(old)
        finally:
            source.stop()
            window.close()
    finally:
        estimator.close()

    n = len(result.session.reps) if result.session is not None else 0
    where = out_dir if result.paths else None
    if result.session is not None and result.ended != "interrupted":
        print(session_text(result.session, [str(p) for p in result.paths]), flush=True)
    args.set_saved = bool(result.paths)
    terminated = result.ended == "interrupted" and loop.terminated
    if store is not None and result.session is not None and result.session.reps:
        pain_after = result.pain_after
        if args.ask_pain and not in_window and result.ended != "interrupted":
            try:
                pain_after = ask_pain("now, after the set")
            except KeyboardInterrupt as e:  # the set is kept, without the pain score
                print(file=sys.stderr)
                terminated = isinstance(e, Terminated)
        # A prescription file is kept as the patient's prescription from now on, over what was
        # in force (so a file of reps keeps the clinician's limit); no file: nothing is written.
        _record_live(store, result.session, args, judged if rx else None, pain_before, pain_after)
    if result.ended == "interrupted":
        _say(f"stopped; {_saved(n, where)}.")
    elif result.ended == "camera lost":
        why = result.message or "The camera stopped sending frames."
        _say(f"{why.rstrip('.')}; {_saved(n, where)}.")
    elif result.ended == "error":
        err = result.error
        detail = f"{type(err).__name__}: {err}" if err is not None else "unknown"
        _say(f"internal error ({detail}); {_saved(n, where)}.")
    elif result.message:
        _say(result.message)
    if terminated:
        return int(ExitCode.TERMINATED)
    return result.exit_code


def _record_live(
    store: Any,
    session: Any,
    args: argparse.Namespace,
    rx: dict[str, Any] | None,
    pain_before: int | None,
    pain_after: int | None,
) -> None:
    from formcheck.errors import StoreError
    from formcheck.store_cli import patient_name, record

    try:
        sid = record(
            store,
            session,
            patient=patient_name(args, rx),
            origin="live",
            prescribed=rx,
            pain_before=pain_before,
            pain_after=pain_after,
        )
    except StoreError as e:
        _say(f"{e.message} The set's files were saved.")
        return
    print(f"Recorded as session {sid} in the store (formcheck report {sid}).", flush=True)


def main(argv: list[str] | None = None) -> int:
    p = Parser(
        prog="formcheck live",
        description="Live coaching through a webcam: counts reps and gives one cue at a time.",
    )
    add_arguments(p)
    return run(p.parse_args(argv))
