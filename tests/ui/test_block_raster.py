"""Cards rasterised with numpy cover the pixels a person would expect: those whose centres
they hold (as Qt's drawRects fills them), else the one pixel that holds their middle."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gradviz.ui.block_raster import block_image

SIZE = (24, 16)
ORANGE, BLUE = 0xFFE69F00, 0xFF56B4E9


def _span(start: float, end: float) -> range:
    """Pixels of one axis, by their centres, one pixel by brute force."""
    covered = [i for i in range(-50, 100) if start <= i + 0.5 < end]
    if covered:
        return range(covered[0], covered[-1] + 1)
    middle = math.floor((start + end) / 2)
    return range(middle, middle + 1)


def _pixels(image) -> np.ndarray:
    width, height = SIZE
    return np.array(
        [[image.pixel(x, y) for x in range(width)] for y in range(height)], dtype=np.uint32
    )


card = st.tuples(
    st.floats(-5, 30), st.floats(-5, 20), st.floats(0.05, 6), st.floats(0.05, 6)
)


@settings(max_examples=150, deadline=None)
@given(st.lists(card, min_size=1, max_size=12), st.floats(0.3, 2.5), st.floats(-3, 3))
@example([(0.0, 0.0, 1.0, 1.0), (3.0, 2.0, 1.0, 2.0)], 1.0, 0.0)  # edges on pixel centres
def test_cards_cover_the_pixels_whose_centres_they_hold(cards, scale, shift):
    boxes = np.array(cards, dtype=np.float64)
    origin = (shift, -shift / 2)
    image = block_image(boxes, np.full(len(cards), ORANGE, np.uint32), origin, (scale, scale), SIZE)
    expected = np.zeros(SIZE[::-1], dtype=np.uint32)
    for x, y, w, h in cards:
        xs = _span((x - w / 2 - origin[0]) * scale, (x + w / 2 - origin[0]) * scale)
        ys = _span((y - h / 2 - origin[1]) * scale, (y + h / 2 - origin[1]) * scale)
        for row in ys:
            for col in xs:
                if 0 <= row < SIZE[1] and 0 <= col < SIZE[0]:
                    expected[row, col] = ORANGE
    assert np.array_equal(_pixels(image), expected)


def test_a_rare_colour_is_drawn_over_a_common_one():
    """Where cards share pixels, the few (inputs, the output) stay visible on the many."""
    boxes = np.array([[5, 5, 4, 4], [6, 5, 4, 4], [7, 5, 4, 4], [6, 6, 2, 2]], dtype=float)
    colors = np.array([ORANGE, ORANGE, ORANGE, BLUE], dtype=np.uint32)
    for order in ([0, 1, 2, 3], [3, 2, 1, 0]):
        image = block_image(boxes[order], colors[order], (0.0, 0.0), (1.0, 1.0), SIZE)
        assert _pixels(image)[6, 6] == BLUE
