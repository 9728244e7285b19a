"""formcheck: rep counting and form feedback for hip and low-back rehab exercises."""

from formcheck.landmarks import Frame, PoseLandmark, PoseSequence

__all__ = ["Frame", "PoseLandmark", "PoseSequence", "__version__"]
__version__ = "0.1.0"
