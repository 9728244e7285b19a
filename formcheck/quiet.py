"""Keep native libraries' log lines off the user's terminal, for the whole run.

MediaPipe's LiteRT and abseil write straight to file descriptor 2 ("INFO: [accelerator_registry.cc:43]
DestroyAccelerator...", "W0000 00:00:..."), including from destructors while the interpreter
shuts down, so Python-level logging settings cannot stop them. :func:`silence_native_logs`
points fd 2 at a pipe whose reader thread drops such lines and passes everything else on,
and gives Python's own ``sys.stderr`` a duplicate of the original fd, so formcheck's
sentences (and any traceback) reach the user directly. After Python has shut down nothing
reads the pipe any more: native lines written then are discarded with it.
"""

from __future__ import annotations

import io
import os
import re
import sys
import threading

# Native log lines: LiteRT/TFLite ("INFO: [file.cc:12] ...", "WARNING: [...]", "VERBOSE: ..."),
# abseil/glog ("I0000 00:00:... file.cc:12] ...", "W1129 ..."), and abseil's own preamble.
NATIVE_LOG = re.compile(
    rb"^(?:(?:INFO|WARNING|VERBOSE|DEBUG): "  # LiteRT's levels; formcheck's own lines never look so
    rb"|[IW]\d{4} \d\d:\d\d:\d\d"
    rb"|Stack trace:|\s+@\s+0x[0-9a-f]+\s"  # abseil's stack trace after a native warning
    rb"|=== Source Location Trace: ===)"  # and MediaPipe's after a failed calculator
)

# A source location as native loggers print it ("[model_load.cc:402]", "gl_context.cc:369]"),
# anywhere in a line: two processes writing to the same pipe can splice their lines.
NATIVE_SOURCE = re.compile(rb"[\w/.-]+\.(?:cc|cpp|h):\d+(?:\]|\)|\s*$)")
ENV = "FORMCHECK_QUIET_NATIVE"

_installed = False


def is_native_log(line: bytes) -> bool:
    """True for a log line written by a native library (to be dropped)."""
    line = line.lstrip(b"\r")
    return bool(NATIVE_LOG.match(line) or NATIVE_SOURCE.search(line))


def quiet_worker() -> None:
    """In a worker process of a silenced run: native output goes nowhere (workers report
    back through their results, never on stderr), so parallel workers cannot splice log
    lines into each other's on the way through the filter."""
    if os.environ.get(ENV) != "1":
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    os.dup2(devnull, 2)
    os.close(devnull)


def _pump(read_fd: int, out_fd: int) -> None:
    buf = b""
    with os.fdopen(read_fd, "rb", buffering=0) as r:
        while True:
            try:
                chunk = r.read(65536)
            except OSError:
                return
            if not chunk:
                break
            buf += chunk
            *lines, buf = buf.split(b"\n")
            keep = b"".join(ln + b"\n" for ln in lines if not is_native_log(ln))
            if keep:
                os.write(out_fd, keep)
    if buf and not is_native_log(buf):
        os.write(out_fd, buf)


def silence_native_logs() -> None:
    """Filter native log lines out of fd 2 from now until the process ends (idempotent; only
    where fd 2 exists)."""
    global _installed
    if _installed:
        return
    try:
        original = os.dup(2)
    except OSError:
        return
    sys.stderr.flush()
    read_fd, write_fd = os.pipe()
    os.dup2(write_fd, 2)
    os.close(write_fd)
    # Never block a native writer (e.g. at exit, when nothing reads any more): drop instead.
    os.set_blocking(2, False)
    threading.Thread(target=_pump, args=(read_fd, original), name="formcheck-stderr", daemon=True).start()
    sys.stderr = io.TextIOWrapper(
        os.fdopen(os.dup(original), "wb", buffering=0),
        encoding=getattr(sys.stderr, "encoding", None) or "utf-8",
        errors="backslashreplace",
        line_buffering=True,
        write_through=True,
    )
    os.environ[ENV] = "1"  # worker processes started from now on: see quiet_worker
    _installed = True
