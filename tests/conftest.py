"""Shared fixtures: a private session store for every test, and sessions scored from samples."""

from __future__ import annotations

import dataclasses
import importlib.util
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

pytest.register_assert_rewrite("testkit.synthetic")  # its assert_matches explains a failure

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
# Tests that render with the studio need its extra (`pip install 'formcheck[studio]'`).
_STUDIO_MISSING = [m for m in ("torch", "anny", "pyrender", "trimesh") if importlib.util.find_spec(m) is None]
studio = pytest.mark.skipif(
    bool(_STUDIO_MISSING), reason=f"the studio extra is not installed (missing {', '.join(_STUDIO_MISSING)})"
)
# Clips with faults in each exercise, so sessions have faults and stills.
STORE_CLIPS = ("squat_side_faults_a", "bridge_side_faults", "clamshell_front_faults")


@pytest.fixture(autouse=True)
def _private_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test (and every formcheck it starts) records into its own store, never the user's."""
    path = tmp_path / "formcheck-store.sqlite3"
    monkeypatch.setenv("FORMCHECK_STORE", str(path))
    monkeypatch.delenv("FORMCHECK_PATIENT", raising=False)
    return path


@pytest.fixture(scope="session")
def sample_sessions() -> dict[str, object]:
    """Sessions scored by the real pipeline from bundled samples: clip name -> Session."""
    from formcheck.pipeline import score_video

    missing = [c for c in STORE_CLIPS if not (SAMPLES / f"{c}.mp4").is_file()]
    if missing:
        pytest.skip(f"bundled samples missing: {', '.join(missing)}")
    out: dict[str, object] = {}
    for clip in STORE_CLIPS:
        ex = clip.split("_")[0]
        out[clip] = score_video(SAMPLES / f"{clip}.mp4", ex)
    return out


def ago(days: float) -> datetime:
    """The moment ``days`` before now, counted from a "now" at least an hour from either midnight.

    Tests place sessions minutes apart and expect them on one local day; run just after midnight,
    "now minus 20 minutes" is yesterday. So the clock is read as if it were 01:00 before 01:00 and
    23:00 after 23:00 (an hour ahead or behind at most; the day is still today).
    """
    now = datetime.now().astimezone()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    anchor = min(max(now, midnight + timedelta(hours=1)), midnight + timedelta(hours=23))
    return (anchor - timedelta(days=days)).astimezone(UTC)


def _dated(session: object, days_ago: float) -> object:
    when = ago(days_ago).isoformat(timespec="seconds")
    return dataclasses.replace(session, created=when)  # type: ignore[type-var]


@pytest.fixture(scope="session")
def dated() -> object:
    """``dated(session, days_ago)``: a copy of a session recorded that many days ago."""
    return _dated
