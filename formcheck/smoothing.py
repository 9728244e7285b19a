"""One Euro filter (Casiez et al., CHI 2012) over arrays of any shape, NaN-aware.

MediaPipe's Tasks API has no landmark smoothing of its own. The One Euro filter removes
jitter when a point is still and follows it with little lag when it moves fast: its cutoff
frequency rises with the (filtered) speed. It is causal, so the same filter serves the
webcam and a file.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

GAP_FRAMES = 2.5  # one dropped frame is bridged, two or more are not


def _alpha(cutoff_hz: np.ndarray | float, dt: float) -> np.ndarray:
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff_hz, np.float64))
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """Streaming One Euro filter; each array element is filtered on its own.

    Attributes:
        min_cutoff_hz: cutoff when still; lower removes more jitter (Hz).
        beta: how fast the cutoff rises with speed (Hz per unit/s of the signal).
        d_cutoff_hz: cutoff of the speed estimate (Hz).
        max_gap_s: an element missing (NaN) for longer than this restarts from its next value.

    An element missing for more than ``GAP_FRAMES`` frame intervals also restarts: smoothing
    does not invent a path across frames where the point was not seen (a person rising from a
    squat while detection dropped out would otherwise seem to rise through the gap).
    """

    def __init__(
        self,
        min_cutoff_hz: float = 1.5,
        beta: float = 0.8,
        d_cutoff_hz: float = 1.0,
        max_gap_s: float = 0.5,
    ) -> None:
        if min_cutoff_hz <= 0 or d_cutoff_hz <= 0 or beta < 0:
            raise ValueError("cutoffs must be positive and beta non-negative")
        self.min_cutoff_hz = min_cutoff_hz
        self.beta = beta
        self.d_cutoff_hz = d_cutoff_hz
        self.max_gap_s = max_gap_s
        self._x: np.ndarray | None = None  # last filtered value, NaN where unknown
        self._dx: np.ndarray | None = None  # last filtered speed
        self._t: np.ndarray | None = None  # time each element was last seen (s)
        self._last_call = float("nan")
        self._step = float("inf")  # the frame interval: the shortest step between calls (s)

    def reset(self) -> None:
        self._x = self._dx = self._t = None

    def __call__(self, x: np.ndarray, t_s: float) -> np.ndarray:
        """Filter one sample ``x`` taken at time ``t_s`` (seconds); returns the same shape."""
        x = np.asarray(x, np.float64)
        step = t_s - self._last_call
        if step > 0:
            self._step = min(self._step, step)
        self._last_call = t_s
        if self._x is None or self._x.shape != x.shape:
            self._x = x.copy()
            self._dx = np.zeros_like(x)
            self._t = np.where(np.isfinite(x), t_s, -np.inf)
            return x.copy()
        assert self._dx is not None and self._t is not None
        seen = np.isfinite(x)
        dt = t_s - self._t
        gap = (dt > self.max_gap_s) | (dt > GAP_FRAMES * self._step)
        restart = seen & (~np.isfinite(self._x) | gap | (dt <= 0))
        update = seen & ~restart
        out = np.full_like(x, np.nan)
        if update.any():
            dtu = dt[update]
            dx = (x[update] - self._x[update]) / dtu
            a_d = _alpha(self.d_cutoff_hz, dtu)
            dx_hat = self._dx[update] + a_d * (dx - self._dx[update])
            cutoff = self.min_cutoff_hz + self.beta * np.abs(dx_hat)
            a = _alpha(cutoff, dtu)
            out[update] = self._x[update] + a * (x[update] - self._x[update])
            self._dx[update] = dx_hat
        out[restart] = x[restart]
        self._dx[restart] = 0.0
        self._x[seen] = out[seen]
        self._t[seen] = t_s
        return out


class FrameSmoother:
    """Smooths a :class:`~formcheck.landmarks.Frame` stream (image xy and world points)."""

    def __init__(self, min_cutoff_hz: float = 1.5, beta: float = 0.8) -> None:
        self._xy = OneEuroFilter(min_cutoff_hz, beta)
        self._world = OneEuroFilter(min_cutoff_hz, beta * 0.5)

    def reset(self) -> None:
        """Forget the past (after a cut: the next frame is another picture)."""
        self._xy.reset()
        self._world.reset()

    def __call__(self, frame):  # type: ignore[no-untyped-def]
        xy = self._xy(frame.xy, frame.t_s).astype(np.float32)
        world = self._world(frame.world, frame.t_s).astype(np.float32)
        return dataclasses.replace(frame, xy=xy, world=world)  # every other field as it was
