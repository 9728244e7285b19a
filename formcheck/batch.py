"""One input scored on its own: the unit of work of ``formcheck score``.

:func:`score_file` takes one video (or saved ``.npz`` landmark trace) and returns a
:class:`Scored`: the session, or the one sentence saying why there is none. The command runs it
in its own process, in a process pool, or on Ray actors (:mod:`formcheck.cluster`); whatever
runs it, the caller writes ``session.json`` and ``reps.csv`` (:func:`write_session`), records
the store and prints. Only the annotated video and the landmark trace are written as the video
is scored, into ``extras``: the output folder on this machine, a temporary folder on a cluster
node (whose bytes go back to the caller).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from formcheck.errors import BadVideoError, ExitCode, FormcheckError, UsageError, name_is_utf8, shown
from formcheck.session import Session

if TYPE_CHECKING:
    from formcheck.pose import Detector

TRACE_EXTS = {".npz"}
ANNOTATED = "annotated.mp4"
LANDMARKS = "landmarks.npz"


@dataclass(frozen=True)
class ScoreSettings:
    """How every input of a run is scored (picklable: it travels to workers and actors).

    Attributes:
        exercise: the exercise's name ("squat").
        prescription: the targets to judge against (None: the exercise's defaults).
        model: another MediaPipe pose landmarker ``.task`` file (None: the bundled one).
        annotate: also write ``annotated.mp4`` into the extras folder.
        save_landmarks: also write ``landmarks.npz`` into the extras folder.
        pose_workers: pose models side by side for one video (None: one per CPU).
        analysis_fps: the pose model looks at about this many frames a second (None: every
            frame; see :func:`formcheck.pipeline.score_video`).
        follow: follow the person between looks for everyone (:mod:`formcheck.follow`).
    """

    exercise: str
    prescription: dict[str, Any] | None = None
    model: Path | None = None
    annotate: bool = False
    save_landmarks: bool = False
    pose_workers: int | None = None
    analysis_fps: float | None = None
    follow: bool = False

    @property
    def extras(self) -> tuple[str, ...]:
        """The names of the files written as a video is scored."""
        return ((ANNOTATED,) if self.annotate else ()) + ((LANDMARKS,) if self.save_landmarks else ())


@dataclass
class Scored:
    """What scoring one input gave (picklable).

    Attributes:
        path: the input as the user named it.
        session: the scored session, or None when it failed.
        error: one sentence saying why it failed ("" when it did not).
        code: the exit code of that failure (:class:`~formcheck.errors.ExitCode`; 0 when scored).
        extras: the files written as it was scored (``annotated.mp4``, ``landmarks.npz``).
    """

    path: str
    session: Session | None
    error: str = ""
    code: int = 0
    extras: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.session is not None


def failed(path: str | Path, message: str, code: int) -> Scored:
    """A :class:`Scored` for an input that could not be scored."""
    return Scored(str(path), None, message, int(code))


def score_file(
    path: Path,
    settings: ScoreSettings,
    extras: Path | None = None,
    *,
    name: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    estimators: Sequence[Detector] | None = None,
) -> Scored:
    """Score one video or ``.npz`` landmark trace; never raises for a bad input.

    Args:
        path: the file to read.
        settings: exercise, prescription, model and extra outputs.
        extras: the folder for ``annotated.mp4`` and ``landmarks.npz`` (made if needed; left
            out when empty and made here); needed when ``settings`` asks for either.
        name: what to call the input in the session and in messages, when ``path`` is a copy
            (a cluster node's temporary file); default ``path``.
        progress: called as ``progress(frames_done, frames_total)``.
        estimators: pose models kept open across videos (see :mod:`formcheck.cluster`).

    Returns:
        the session, or the one sentence and exit code of why there is none (a file that is
        not a video, no person in it, an extras folder that cannot be written...).
    """
    from formcheck.pipeline import score_sequence, score_video

    called = name if name is not None else str(path)
    if settings.extras and extras is None:
        raise ValueError("score_file needs an extras folder to write " + ", ".join(settings.extras))
    existed = extras is not None and extras.exists()
    try:
        if not name_is_utf8(called):
            raise BadVideoError(
                f"{shown(called)} is not valid UTF-8 (its file or folder name); rename it to score it."
            )
        written: list[Path] = []
        if path.suffix.lower() in TRACE_EXTS:
            from formcheck.landmarks import PoseSequence

            try:
                seq = PoseSequence.load(path)
            except (OSError, ValueError, KeyError) as e:
                raise UsageError(f"{path} is not a formcheck landmark trace ({e}).") from None
            session = score_sequence(seq, settings.exercise, settings.prescription, source=str(path))
        else:
            if extras is not None and settings.extras:
                extras.mkdir(parents=True, exist_ok=True)
            session = score_video(
                path,
                settings.exercise,
                prescription=settings.prescription,
                model=settings.model,
                annotate_to=extras / ANNOTATED if extras is not None and settings.annotate else None,
                landmarks_to=extras / LANDMARKS if extras is not None and settings.save_landmarks else None,
                progress=progress,
                pose_workers=settings.pose_workers,
                estimators=estimators,
                analysis_fps=settings.analysis_fps,
                follow=settings.follow,
            )
            written = [extras / n for n in settings.extras if extras is not None and (extras / n).exists()]
        return _named(Scored(called, session, extras=written), str(path), called)
    except (FormcheckError, OSError) as e:
        if not existed and extras is not None and extras.is_dir() and not any(extras.iterdir()):
            extras.rmdir()
        if isinstance(e, FormcheckError):
            return _named(failed(called, e.message, int(e.exit_code)), str(path), called)
        where = Path(os.fsdecode(e.filename)) if e.filename is not None else None
        if extras is not None and where is not None and where.is_relative_to(extras):
            message = f"Could not write the results for {shown(called)} to {extras} ({e.strerror or e})."
            return failed(called, message, int(ExitCode.USAGE))
        return failed(called, f"Could not score {shown(called)} ({e.strerror or e}).", int(ExitCode.ERROR))


def _named(scored: Scored, local: str, called: str) -> Scored:
    """``scored`` with the copy's path ``local`` called ``called`` in its session and message."""
    if local == called:
        return scored
    session = scored.session
    if session is not None:
        session = replace(
            session,
            source=called,
            warnings=[w.replace(local, called) for w in session.warnings],
            skipped_checks={k: v.replace(local, called) for k, v in session.skipped_checks.items()},
        )
    return replace(scored, session=session, error=scored.error.replace(local, shown(called)))


def write_session(scored: Scored, out: Path) -> list[Path]:
    """Write ``session.json`` and ``reps.csv`` of a scored input into ``out``; returns them.

    Raises:
        ValueError: ``scored`` has no session (it failed).
        OSError: ``out`` cannot be written (the files are written whole or not at all).
    """
    if scored.session is None:
        raise ValueError(f"{scored.path} was not scored: {scored.error}")
    return scored.session.write(out)


def write_extras(extras: dict[str, bytes], out: Path) -> list[Path]:
    """Write extra output files that came back as bytes (from a cluster node) into ``out``,
    each whole or not at all; returns their paths.

    Raises:
        OSError: ``out`` cannot be written.
    """
    import tempfile

    from formcheck.session import default_mode

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in extras.items():
        dest = out / Path(name).name
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.stem}.", suffix=dest.suffix, dir=out)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, default_mode())
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(dest)
    return written
