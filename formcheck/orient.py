"""Which way round a lying person is shown to the pose model.

MediaPipe's pose model is not mirror-symmetric. On the studio samples it places the hips and
knees of a person lying down noticeably better when the head is on the right of the picture:
over six glute-bridge clips (three bodies, two outfits) the hip line at the top was 1-3 degrees
from the truth with the head on the right and 5-8 degrees with the head on the left, whichever
way the clip was filmed; the clamshell opening behaved the same way (0.2-0.7 against 2.3-2.6
degrees). Standing exercises showed no consistent side, so only exercises done lying down
(``lying = true`` in their TOML) use this.

For those, frames where the head is on the left are mirrored before inference and the
landmarks mirrored back (:data:`MIRROR_INDEX`, :func:`unmirror`), so every consumer still sees
the picture as filmed. :class:`Orienter` decides from the poses already seen, with hysteresis,
so a video is turned round once when the person lies down rather than flickering. In a file the
decision for frame ``i`` uses the poses up to frame ``i - lag`` only, whatever the number of
pose models working side by side, so the landmarks stay the same for any number of them.
"""

from __future__ import annotations

import warnings
from collections import deque

import numpy as np

from formcheck.landmarks import PoseLandmark

# Landmark i of a mirrored picture is landmark MIRROR_INDEX[i] of the original: left and right
# swap places (the nose, 0, stays).
MIRROR_INDEX: np.ndarray = np.array(
    [PoseLandmark[lm.name.replace("LEFT", "RIGHT") if "LEFT" in lm.name else lm.name.replace("RIGHT", "LEFT")]
     for lm in PoseLandmark]
)

# Consecutive lying poses with the head on the side the model sees badly before turning round.
SWITCH_AFTER = 5

# In a file, frames whose pose may decide the orientation of frame i: those up to i - LAG.
# Larger than the most frames :func:`formcheck.pose.detect_frames` keeps in flight.
LAG = 9


def unmirror(image: np.ndarray, world: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Landmarks found in a left-right mirrored picture, as they lie in the original.

    Args:
        image: (33, 4) normalised x, y, z, visibility from the mirrored picture.
        world: (33, 4) metres x, y, z, visibility from the mirrored picture.
    """
    im = image[MIRROR_INDEX].copy()
    im[:, 0] = 1.0 - im[:, 0]
    wo = world[MIRROR_INDEX].copy()
    wo[:, 0] = -wo[:, 0]
    return im, wo


def head_left(image: np.ndarray, aspect: float) -> bool | None:
    """Whether a pose lies down with its head on the left of the picture.

    Args:
        image: (33, 4) normalised landmarks, as filmed.
        aspect: frame width / height (x and y are normalised separately).

    Returns:
        True (head left) or False (head right) for a torso nearer horizontal than vertical;
        None when the person stands, sits up, or the shoulders or hips are missing.
    """
    with warnings.catch_warnings():  # nobody seen: NaN, not a warning on the user's screen
        warnings.simplefilter("ignore", RuntimeWarning)
        shoulders = np.nanmean(image[[PoseLandmark.LEFT_SHOULDER, PoseLandmark.RIGHT_SHOULDER], :2], 0)
        hips = np.nanmean(image[[PoseLandmark.LEFT_HIP, PoseLandmark.RIGHT_HIP], :2], 0)
    dx, dy = (shoulders - hips) * (aspect, 1.0)
    if not (np.isfinite(dx) and np.isfinite(dy)) or abs(dx) <= abs(dy):
        return None
    return bool(dx < 0)


class Orienter:
    """Decides, frame by frame, whether the pose model gets a mirrored picture.

    Feed it every pose in frame order with :meth:`observe` (as filmed, i.e. after
    :func:`unmirror`). :attr:`mirror` is the decision for the next frame; :meth:`mirror_for`
    the decision for frame ``index`` from the poses up to ``index - lag`` (for frames handed out
    ahead of their results).

    Args:
        aspect: frame width / height.
        enabled: False keeps every frame as filmed (exercises done standing).
        lag: see :meth:`mirror_for`.
    """

    def __init__(self, aspect: float, *, enabled: bool = True, lag: int = LAG) -> None:
        self.aspect = aspect
        self.enabled = enabled
        self.lag = lag
        self.mirror = False
        self.seen = 0  # poses observed
        self._against = 0  # consecutive lying poses whose head is on the unwanted side
        self._history: deque[bool] = deque(maxlen=max(1, lag) + 1)  # decision after each pose

    def observe(self, image: np.ndarray) -> None:
        """Take the pose of the next frame into account."""
        left = head_left(image, self.aspect) if self.enabled else None
        if left is not None:  # lying: count the poses in a row that want the other way round
            self._against = self._against + 1 if left != self.mirror else 0
            if self._against >= SWITCH_AFTER:
                self.mirror = left
                self._against = 0
        self.seen += 1
        self._history.append(self.mirror)

    def mirror_for(self, index: int) -> bool:
        """The decision for frame ``index`` (0-based), from the poses of frames up to
        ``index - lag``; those must have been observed.

        Raises:
            ValueError: the pose of frame ``index - lag`` has not been observed yet.
        """
        last = index - self.lag  # the newest frame allowed to count
        if last < 0:
            return False
        if last >= self.seen:
            raise ValueError(f"frame {last} must be observed before deciding frame {index}")
        back = self.seen - 1 - last  # how many decisions ago
        if back >= len(self._history):
            raise ValueError(f"frame {index} is too far behind the poses observed")
        return self._history[-1 - back]
