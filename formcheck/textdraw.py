"""Text on video frames, the same on every machine: Pillow draws DejaVu Sans glyphs.

OpenCV's Hershey fonts have no degree sign, and its outline-then-fill trick (draw the text
twice, thick then thin) drifts apart with some builds' font metrics. Here each string is
rendered once by FreeType (through Pillow) into two coverage masks from the same glyphs, the
fill and the fill grown by a stroke; the stroke is blended in dark first, then the fill in the
colour. Masks are cached, so drawing the same string again costs one blend.

The font is DejaVu Sans Bold as shipped inside matplotlib (a dependency already), so the
result does not depend on the system's fonts or OpenCV's build. Sizes are pixel heights of
the font (``px``); helpers in :mod:`formcheck.annotate` and :mod:`formcheck.live.overlay`
scale them with the frame.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

DARK = (30, 30, 30)
Color = tuple[int, int, int]


def font_path(bold: bool = True) -> Path:
    """DejaVu Sans (Bold) from matplotlib's package data (found without importing matplotlib)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - a dependency
        raise RuntimeError("matplotlib is needed for its DejaVu Sans font.")
    base = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"
    return base / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")


@lru_cache(maxsize=64)
def font(px: int) -> ImageFont.FreeTypeFont:
    """The overlay font at ``px`` pixels (em size)."""
    return ImageFont.truetype(str(font_path()), max(6, int(px)))


def stroke_for(px: int) -> int:
    """Outline width (pixels) for a font size: about 1/12 of it, at least 1."""
    return max(1, round(px / 12))


@lru_cache(maxsize=512)
def render(text: str, px: int, stroke: int) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Coverage masks of ``text``: (fill, outline) as (h, w) float32 in 0..1, and the offset
    (dx, dy) of the masks' top-left corner from the baseline-left origin."""
    f = font(px)
    left, top, right, bottom = f.getbbox(text, anchor="ls", stroke_width=stroke)
    left, top = int(left), int(top)
    w, h = max(1, int(right) - left), max(1, int(bottom) - top)
    fill = Image.new("L", (w, h), 0)
    ImageDraw.Draw(fill).text((-left, -top), text, font=f, fill=255, anchor="ls")
    outline = Image.new("L", (w, h), 0)
    ImageDraw.Draw(outline).text(
        (-left, -top), text, font=f, fill=255, anchor="ls", stroke_width=stroke, stroke_fill=255
    )
    return (
        np.asarray(fill, np.float32) / 255.0,
        np.asarray(outline, np.float32) / 255.0,
        int(left),
        int(top),
    )


def text_size(text: str, px: int) -> tuple[int, int]:
    """(width, height above the baseline) in pixels of ``text`` at ``px``, without outline."""
    left, top, right, _bottom = font(px).getbbox(text, anchor="ls")
    return int(right - left), int(-top)


def _blend(roi: np.ndarray, mask: np.ndarray, color: Color) -> None:
    a = mask[..., None]
    roi[:] = (roi.astype(np.float32) * (1.0 - a) + np.asarray(color, np.float32) * a + 0.5).astype(np.uint8)


def draw_text(
    img: np.ndarray,
    text: str,
    org: tuple[int, int],
    px: int,
    color: Color = (255, 255, 255),
    outline: Color | None = DARK,
) -> tuple[int, int, int, int]:
    """Draw ``text`` on ``img`` (H, W, 3 uint8, in place) with its baseline starting at ``org``
    (x, y pixels), ``px`` pixels high (em), in ``color``, with an ``outline`` (or None) grown
    from the same glyphs. Returns the box drawn (x0, y0, x1, y1), clipped to the image."""
    if not text:
        return (org[0], org[1], org[0], org[1])
    stroke = stroke_for(px) if outline is not None else 0
    fill, grown, dx, dy = render(text, int(px), stroke)
    x0, y0 = org[0] + dx, org[1] + dy
    h, w = fill.shape
    H, W = img.shape[:2]  # noqa: N806 - image size
    cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(W, x0 + w), min(H, y0 + h)
    if cx0 >= cx1 or cy0 >= cy1:
        return (cx0, cy0, cx0, cy0)
    roi = img[cy0:cy1, cx0:cx1]
    sl = (slice(cy0 - y0, cy1 - y0), slice(cx0 - x0, cx1 - x0))
    if outline is not None:
        _blend(roi, grown[sl], outline)
    _blend(roi, fill[sl], color)
    return (cx0, cy0, cx1, cy1)
