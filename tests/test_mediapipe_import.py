"""formcheck.mediapipe_import: MediaPipe without matplotlib at start-up, its drawing helpers
still there when used."""

from __future__ import annotations

import subprocess
import sys

PROGRAM = """
import sys
import formcheck.pose
print("pyplot at start:", "matplotlib.pyplot" in sys.modules)
from mediapipe.tasks.python.vision import drawing_utils
print("draw_landmarks:", callable(drawing_utils.draw_landmarks))
print("pyplot once used:", "matplotlib.pyplot" in sys.modules)
"""


def test_pose_imports_without_pyplot_and_drawing_still_works() -> None:
    out = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out == ["pyplot at start: False", "draw_landmarks: True", "pyplot once used: True"]
