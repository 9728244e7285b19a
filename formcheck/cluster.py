"""Scoring many videos on a Ray cluster (``formcheck score FOLDER --ray [ADDRESS]``).

One actor per CPU (``num_cpus=1``) loads the pose model once and scores whole videos with
:func:`formcheck.batch.score_file`, the same function the process pool runs. The caller sends
each video's bytes to the actor that scores it (the nodes need no shared disk) and gets back
the :class:`~formcheck.batch.Scored` result and the bytes of the annotated video and landmark
trace, if asked for; it writes every output and the session store on its own machine, as
without Ray. Without an address a local Ray is started for the run and stopped after it.

``ray`` is imported here only, when ``--ray`` is given: it is the optional extra
``formcheck[cluster]``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from formcheck.batch import Scored, ScoreSettings, failed, score_file
from formcheck.errors import ExitCode, Terminated, UsageError, name_is_utf8, shown

INSTALL = "pip install 'formcheck[cluster]'"
LOCAL = "local"  # --ray without an address: start a Ray of our own on this machine


if TYPE_CHECKING:
    from formcheck.follow import FollowingEstimator
    from formcheck.pose import Detector


def import_ray(local: bool) -> ModuleType:
    """The ``ray`` module, with its usage statistics (which would go over the network) off.

    Args:
        local: a Ray of our own will be started on this machine: it then listens on the
            loopback address only (Ray's single-machine mode, as on macOS and Windows), not on
            the network, with a token made for the run. Takes effect on the first import only.

    Raises:
        UsageError: Ray is not installed.
    """
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if local and "ray" not in sys.modules:
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
        # A token of its own for the run (recent Ray releases want one, and would otherwise
        # write one into ~/.ray); Ray's processes inherit it.
        os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(16))
    try:
        import ray
    except ImportError:
        raise UsageError(f"--ray needs Ray, which is not installed here: {INSTALL}.") from None
    _quiet_ray_messages(ray)
    return ray


def _quiet_ray_messages(ray: ModuleType) -> None:
    """Ray prints what its raylets report (a worker that died...) on the caller's stdout, which
    ``--json`` keeps for the JSON; formcheck says what happened to a file in its own sentence.
    With FORMCHECK_DEBUG set, Ray's messages go to stderr instead."""
    worker = getattr(getattr(ray, "_private", None), "worker", None)
    if worker is None or not callable(getattr(worker, "print_to_stdstream", None)):
        return

    def elsewhere(data: dict[str, Any], ignore_prefix: bool = False) -> None:
        if os.environ.get("FORMCHECK_DEBUG"):
            for line in data.get("lines", []):
                print(f"(ray {data.get('pid', '')}) {line}", file=sys.stderr)

    worker.print_to_stdstream = elsewhere


class Scorer:
    """The Ray actor (one CPU): pose models loaded once, whole videos scored one at a time.

    Args:
        model: the bytes of another pose landmarker ``.task`` file (None: the bundled model).
        models: pose models side by side for a video (1: the actor's one CPU).
    """

    def __init__(self, model: bytes | None = None, models: int = 1) -> None:
        from formcheck.pose import PoseEstimator, PoseOptions

        # Only a model of the caller's own needs a file on the node (the follower reloads it);
        # close() removes it. Each video is scored in a temporary folder of its own.
        self._dir: Path | None = None
        options = PoseOptions()
        if model is not None:
            self._dir = Path(tempfile.mkdtemp(prefix="formcheck-actor-"))
            path = self._dir / "model.task"
            path.write_bytes(model)
            options = PoseOptions(model_path=path)
        self._estimators = [PoseEstimator(options) for _ in range(models)]
        self._options = options
        self._following: FollowingEstimator | None = None  # made at the first --fast video

    def close(self) -> None:
        """Remove the model file this actor wrote (if any); called before the actor is killed."""
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def version(self) -> str:
        """The formcheck version on the actor's node."""
        from formcheck import __version__

        return __version__

    def score(self, name: str, data: bytes, settings: ScoreSettings) -> tuple[Scored, dict[str, bytes]]:
        """Score the video ``data`` (the file the caller calls ``name``).

        Returns:
            the result, and the extra files written (``annotated.mp4``, ``landmarks.npz``) by
            name with their bytes; nothing stays on the node.
        """
        with tempfile.TemporaryDirectory(prefix="formcheck-video-") as tmp:
            local = Path(tmp) / ("input" + Path(name).suffix.lower())
            local.write_bytes(data)
            estimators: list[Detector] = list(self._estimators)
            if settings.follow:
                if self._following is None:
                    from formcheck.follow import FollowingEstimator

                    self._following = FollowingEstimator(self._options)
                self._following.reset()
                estimators = [self._following]
            scored = score_file(local, replace(settings, model=None, pose_workers=None),
                                Path(tmp) / "out", name=name, estimators=estimators)
            extras = {p.name: p.read_bytes() for p in scored.extras}
        return replace(scored, extras=[]), extras


@dataclass
class Done:
    """One input finished on the cluster.

    Attributes:
        index: its place among the inputs given to :meth:`RayRun.score`.
        scored: the result (its ``extras`` empty: the files are in ``extras``).
        extras: the extra output files by name (``annotated.mp4``...) with their bytes.
    """

    index: int
    scored: Scored
    extras: dict[str, bytes]


class RayRun:
    """A connection to Ray (or a local Ray started for the run) with its scoring actors.

    Use as a context manager: leaving it kills the actors and disconnects (and stops a local
    Ray). SIGTERM keeps the handler it had before (Ray's own would exit without tidying up).

    Args:
        address: a cluster's address (``ray://host:10001`` or ``host:6379``), or ``"local"``.
        workers: actors wanted (0: one per CPU of the cluster; locally, of this machine).
        inputs: how many files there are (no more actors than that are started).
        model: another pose landmarker ``.task`` file, sent to each actor (None: bundled).

    Raises:
        UsageError: Ray is missing, the cluster cannot be reached, or its nodes cannot run
            formcheck's actor (not installed there, or another version).
    """

    def __init__(self, address: str, workers: int, inputs: int, model: Path | None = None) -> None:
        self.ray = import_ray(address == LOCAL)
        ray = self.ray
        self.address = address
        self.note = ""
        self._temp: str | None = None  # a local Ray's sockets and logs, removed when it stops
        _answers(address)
        old = signal.getsignal(signal.SIGTERM)
        try:
            with _native_stderr_off():  # Ray's own warnings while it connects or starts
                if address == LOCAL:
                    self._temp = tempfile.mkdtemp(prefix="formcheck-ray.")
                    ray.init(address=LOCAL, num_cpus=workers or (os.cpu_count() or 1),
                             include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR,
                             _temp_dir=self._temp)
                else:
                    ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
        except SystemExit:  # Ray's own SIGTERM handler, while it started
            self._stop()
            raise Terminated from None
        except Exception as e:  # ConnectionError, RuntimeError, ValueError, Ray's own...
            self._stop()
            why = _last_line(e)
            causes = f"{type(e).__name__} {e} {type(e.__cause__).__name__} {e.__cause__}"
            if "authenticat" in causes.lower():
                why = ("it wants its token: set RAY_AUTH_MODE=token and RAY_AUTH_TOKEN "
                       "(or ~/.ray/auth_token) here as on the cluster")
            if address == LOCAL:
                raise UsageError(f"Could not start Ray on this machine: {why}.") from None
            raise UsageError(f"Could not connect to Ray at {address}: {why}.") from None
        except BaseException:  # Ctrl-C or SIGTERM while it started
            self._stop()
            raise
        finally:
            if old is not None:
                signal.signal(signal.SIGTERM, old)
        try:
            cpus = int(ray.cluster_resources().get("CPU", 0))
            if cpus < 1:
                raise UsageError(f"The Ray cluster at {address} has no CPUs free for formcheck.")
            n = min(workers or cpus, cpus, max(1, inputs))
            if workers > cpus:
                self.note = f"the Ray cluster has {cpus} CPUs, so {n} workers score the files."
            self._actor = ray.remote(num_cpus=1, max_restarts=0)(Scorer)
            self._model = model.read_bytes() if model is not None else None
            self.actors = [self._new_actor() for _ in range(n)]
            self._check_actors()
        except BaseException:
            self.close(stopping=True)
            raise

    def _new_actor(self) -> Any:
        return self._actor.remote(self._model)

    def _check_actors(self) -> None:
        """Every actor started and runs this formcheck version, or one sentence why not."""
        from formcheck import __version__

        ray = self.ray
        try:
            versions = _get(ray, [a.version.remote() for a in self.actors])
        except ray.exceptions.RayError as e:
            raise UsageError(
                f"The Ray cluster's workers could not start formcheck ({_last_line(e)}); "
                f"each node needs Python 3.11+ and {INSTALL}."
            ) from None
        other = sorted({v for v in versions if v != __version__})
        if other:
            raise UsageError(
                f"The Ray cluster's nodes have formcheck {', '.join(other)}, this machine {__version__}; "
                "install the same version on every node."
            )

    def score(self, paths: list[Path], settings: ScoreSettings) -> Iterator[Done]:
        """Score ``paths`` on the actors, one whole file each at a time; yields each as it
        finishes. A file that fails is a failed :class:`Scored`; an actor that dies (a crash
        in the decoder, a node lost) is replaced, and its file tried once more on a new one.
        """
        ray = self.ray
        todo: deque[tuple[int, int]] = deque((i, 0) for i in range(len(paths)))  # (index, tries)
        idle = list(self.actors)
        running: dict[Any, tuple[Any, int, int]] = {}
        while todo or running:
            while idle and todo:
                i, tries = todo.popleft()
                path = paths[i]
                try:
                    data = path.read_bytes() if name_is_utf8(path) else b""
                except OSError as e:
                    message = f"Cannot read {shown(path)}: {e.strerror or e}."
                    yield Done(i, failed(path, message, ExitCode.BAD_VIDEO), {})
                    continue
                actor = idle.pop()
                running[actor.score.remote(str(path), data, settings)] = (actor, i, tries)
                del data
            if not running:
                continue
            ready, _ = ray.wait(list(running), num_returns=1, timeout=0.5)  # short: Ctrl-C is seen
            for ref in ready:
                actor, i, tries = running.pop(ref)
                try:
                    scored, extras = ray.get(ref)
                except ray.exceptions.RayTaskError as e:  # an exception in formcheck's own code
                    idle.append(actor)
                    message = (f"An unexpected error stopped scoring {shown(paths[i])} "
                               f"({_last_line(e)}); please report it.")
                    yield Done(i, failed(paths[i], message, ExitCode.ERROR), {})
                    continue
                except ray.exceptions.RayError:  # the actor died, or its node was lost
                    self._replace(actor)
                    idle.append(self.actors[-1])
                    if tries == 0:
                        todo.appendleft((i, 1))
                        continue
                    message = f"{shown(paths[i])} made the scorer crash twice; the file may be damaged."
                    yield Done(i, failed(paths[i], message, ExitCode.BAD_VIDEO), {})
                    continue
                idle.append(actor)
                yield Done(i, scored, extras)

    def _replace(self, actor: Any) -> None:
        """Kill ``actor`` (already dead, or on a lost node) and start another in its place."""
        self.actors.remove(actor)
        with contextlib.suppress(Exception):
            self.ray.kill(actor)
        self.actors.append(self._new_actor())

    def close(self, stopping: bool = False) -> None:
        """Kill the actors and disconnect; a local Ray stops with it. Safe to call twice.

        ``stopping`` (Ctrl-C, SIGTERM, an error): the actors are not asked to tidy up first,
        which waits behind the video each is scoring (5-12 s), unless one holds a model file
        of the caller's. Ctrl-C and SIGTERM are held off meanwhile (a second Ctrl-C left a local
        Ray's files behind), and the run stops when it is done, as it would have."""
        with _signals_held():
            ray = self.ray
            actors = list(getattr(self, "actors", []))
            try:
                if not stopping or getattr(self, "_model", None) is not None:
                    with contextlib.suppress(Exception):  # a dead or lost actor leaves its files to its node
                        ray.get([actor.close.remote() for actor in actors], timeout=2 if stopping else 10)
                for actor in actors:
                    with contextlib.suppress(Exception):
                        ray.kill(actor)
                self.actors = []
            finally:
                self._stop()  # (the SIGTERM handler Ray's shutdown may replace: _signals_held restores it)

    def _stop(self) -> None:
        """Disconnect, stopping whatever part of a local Ray had started, and remove its files."""
        try:
            with contextlib.suppress(Exception):
                self.ray.shutdown()
        finally:
            if self._temp is not None:
                shutil.rmtree(self._temp, ignore_errors=True)
                self._temp = None

    def __enter__(self) -> RayRun:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close(stopping=exc_info[0] is not None)


def _answers(address: str) -> None:
    """Refuse at once an address where nothing listens (Ray itself retries for minutes).

    Raises:
        UsageError: a ``HOST:PORT`` (or ``ray://HOST:PORT``) that refuses or does not answer.
    """
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # "local", "auto", or a form Ray will judge itself
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=10):
            pass
    except OSError as e:
        raise UsageError(
            f"Nothing answers at {address} ({e.strerror or e}); is the Ray cluster running there?"
        ) from None


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block is done (on the main thread; elsewhere they
    cannot be caught anyway), then act as they would have."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: list[int] = []
    saved = {n: signal.getsignal(n) for n in (signal.SIGINT, signal.SIGTERM)}
    for n in saved:
        signal.signal(n, lambda num, _frame: got.append(num))
    try:
        yield
    finally:
        for n, h in saved.items():
            signal.signal(n, h)
        for num in got[:1]:
            signal.raise_signal(num)


@contextlib.contextmanager
def _native_stderr_off() -> Iterator[None]:
    """Native code's writes to file descriptor 2 go nowhere inside the block (and so do the
    streams of the processes a local Ray starts: they log to its own files)."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        yield
        return
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _get(ray: ModuleType, refs: list[Any]) -> list[Any]:
    """``ray.get(refs)``, waking every half second so that Ctrl-C and SIGTERM are seen."""
    pending = list(refs)
    while pending:
        _, pending = ray.wait(pending, num_returns=len(pending), timeout=0.5)
    return list(ray.get(refs))


def _last_line(e: BaseException) -> str:
    """The last line of an error's message (Ray's carry a traceback), shortened."""
    lines = [ln.strip() for ln in str(e).strip().splitlines() if ln.strip()]
    return (lines[-1] if lines else type(e).__name__)[:200]

