"""Cards as blocks of colour, rasterised with numpy into an ARGB image.

The minimap draws a whole graph this way, and so do the overview blocks while a card is a
few pixels: Qt's ``drawRects`` for the 160k cards of a big graph took 55-80 ms of its
first paint; here each colour costs a few numpy passes over its cards.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def block_image(
    boxes: np.ndarray,
    colors: np.ndarray,
    origin: tuple[float, float],
    scale: tuple[float, float],
    size: tuple[int, int],
) -> QImage:
    """Cards (rows of centre x, centre y, width, height) as blocks of their ``colors``
    (ARGB, one per card), on the pixels whose centres they hold, as ``drawRects`` fills
    them, but at least one pixel each. Pixel (0, 0) starts at the scene point ``origin``;
    a scene unit is ``scale`` (x, y) pixels; ``size`` is (width, height)."""
    width, height = size
    x, y, w, h = np.ascontiguousarray(boxes.T)
    left, right = _pixel_span(x - w / 2 - origin[0], x + w / 2 - origin[0], scale[0])
    top, bottom = _pixel_span(y - h / 2 - origin[1], y + h / 2 - origin[1], scale[1])
    shown = (right > 0) & (left < width) & (bottom > 0) & (top < height)
    left, top = np.clip(left, 0, width - 1), np.clip(top, 0, height - 1)
    span_w = np.clip(right, 1, width) - left
    span_h = np.clip(bottom, 1, height) - top
    pixels = np.zeros((height, width), dtype=np.uint32)  # transparent
    # Many cards share a pixel: the commonest colour goes first, so the rare ones (the
    # output, the inputs) stay visible on top.
    values, counts = np.unique(colors[shown], return_counts=True)
    for color in values[np.argsort(-counts, kind="stable")]:
        mine = np.flatnonzero(shown & (colors == color))
        row, col, span_w_mine, span_h_mine = top[mine], left[mine], span_w[mine], span_h[mine]
        for dy in range(int(span_h_mine.max())):
            tall = span_h_mine > dy
            for dx in range(int(span_w_mine.max())):
                hit = tall & (span_w_mine > dx)
                pixels[row[hit] + dy, col[hit] + dx] = color
    image = QImage(pixels.data, width, height, 4 * width, QImage.Format.Format_ARGB32)
    return image.copy()  # own the memory: ``pixels`` goes away


def _pixel_span(start: np.ndarray, end: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """First pixel and one past the last whose centres lie in [start, end); where there is
    none, the pixel that holds the middle."""
    first = np.ceil(start * scale - 0.5)
    stop = np.ceil(end * scale - 0.5)
    empty = stop <= first
    if empty.any():
        middle = np.floor((start[empty] + end[empty]) * (scale / 2))
        first[empty], stop[empty] = middle, middle + 1
    return first.astype(np.int64), stop.astype(np.int64)
