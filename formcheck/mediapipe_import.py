"""Import MediaPipe without the start-up cost of the parts formcheck does not use.

``import mediapipe`` imports every task of its Tasks API, among them the drawing helpers
(``mediapipe.tasks.python.vision.drawing_utils`` and ``drawing_styles``), which import
``matplotlib.pyplot``: about half a second of CPU at every start, two thirds of MediaPipe's
import, for plotting functions formcheck never calls. The audio tasks import ``sounddevice``,
which looks for the PortAudio library on the system (on Linux by running ``ldconfig``), and
the text tasks come along: about 0.04 s of CPU more, for tasks formcheck never runs. While
MediaPipe is imported those modules are given lazy loaders: each loads, with what it imports,
the first time something uses it. Import MediaPipe through this module
(``from formcheck.mediapipe_import import mp``).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec

_DEFERRED = frozenset({
    "mediapipe.tasks.python.vision.drawing_utils",  # imports matplotlib.pyplot
    "mediapipe.tasks.python.vision.drawing_styles",
    "mediapipe.tasks.python.audio",  # imports sounddevice
    "mediapipe.tasks.python.text",
})


class _LazyFinder:
    """A meta path finder that hands out MediaPipe's drawing modules with a lazy loader."""

    @staticmethod
    def find_spec(fullname: str, path: Sequence[str] | None, target: object = None) -> ModuleSpec | None:
        if fullname not in _DEFERRED:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


if "mediapipe" not in sys.modules:
    sys.meta_path.insert(0, _LazyFinder)  # type: ignore[arg-type]
    try:
        import mediapipe as mp
    finally:
        sys.meta_path.remove(_LazyFinder)  # type: ignore[arg-type]
else:
    import mediapipe as mp


def _quiet_mediapipe_del(unraisable: sys.UnraisableHookArgs) -> None:
    """A MediaPipe task's ``__del__`` that fails is not reported. formcheck closes every model
    it made; what is left is a landmarker MediaPipe half made while refusing a bad model file,
    collected at exit after MediaPipe's dispatcher stopped, whose closing then fails with a
    traceback after formcheck's own one-sentence error."""
    obj = unraisable.object
    module = str(getattr(obj, "__module__", ""))
    if getattr(obj, "__name__", "") == "__del__" and module.startswith("mediapipe."):
        return
    _previous_hook(unraisable)


_previous_hook = sys.unraisablehook
sys.unraisablehook = _quiet_mediapipe_del

__all__ = ["mp"]
