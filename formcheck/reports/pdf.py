"""The HTML report printed to PDF by a headless Chromium or Chrome, exactly as a browser prints it.

The report's print styles (A4, no page breaks inside tables or plots) are the layout; using the
browser's own printing keeps the PDF and the browser's "Print to PDF" the same, with no second
layout engine to maintain. Set ``FORMCHECK_CHROMIUM`` to a browser binary to choose one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from formcheck.errors import UsageError
from formcheck.session import default_mode

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def find_browser() -> str | None:
    """The Chromium/Chrome to print with, or None."""
    env = os.environ.get("FORMCHECK_CHROMIUM")
    if env:
        return env if Path(env).is_file() else shutil.which(env)
    return next((p for p in map(shutil.which, BROWSERS) if p), None)


def html_to_pdf(html: Path, pdf: Path, *, timeout_s: float = 120.0) -> None:
    """Print ``html`` to ``pdf`` (written atomically). Raises UsageError without a browser."""
    browser = find_browser()
    if browser is None:
        raise UsageError(
            "Writing a PDF needs Chromium or Google Chrome, and neither was found; the HTML report was "
            "written, and your browser's Print > Save as PDF gives the same pages."
        )
    fd, tmp = tempfile.mkstemp(prefix=f".{pdf.stem}.", suffix=".pdf", dir=pdf.parent)
    os.close(fd)
    profile = tempfile.mkdtemp(prefix="formcheck-chromium-")
    cmd = [
        browser,
        "--headless",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-pdf-header-footer",
        f"--user-data-dir={profile}",
        f"--print-to-pdf={tmp}",
        html.resolve().as_uri(),
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.insert(1, "--no-sandbox")  # Chromium refuses to start as root with its sandbox
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)
        if done.returncode != 0 or Path(tmp).stat().st_size == 0:
            raise UsageError(
                f"{Path(browser).name} could not print the report to PDF; the HTML report was written."
            )
        os.chmod(tmp, default_mode())
        os.replace(tmp, pdf)
    except subprocess.TimeoutExpired:
        raise UsageError("Printing the report to PDF took too long; the HTML report was written.") from None
    except OSError as e:  # not executable, or gone
        raise UsageError(
            f"Could not start {Path(browser).name} to print the PDF ({e.strerror or e}); "
            "the HTML report was written."
        ) from None
    finally:
        Path(tmp).unlink(missing_ok=True)
        shutil.rmtree(profile, ignore_errors=True)
