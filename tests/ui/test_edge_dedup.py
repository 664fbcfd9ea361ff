"""Edges skip pieces that would draw the same pixels, and only those; dense fans are drawn
with the cheapest pen."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QStyleOptionGraphicsItem

from gradviz.ui.edge_batch import (
    _CURVE,
    _CURVE_DATA,
    _MOVE,
    _RECORD,
    CHUNK,
    DENSE_PIECES,
    OVERVIEW_PEN_WIDTH,
    EdgeBatch,
    _clipped,
    _distinct_curves,
    _distinct_lines,
    _longest,
    _row_keys,
)
from gradviz.ui.edge_item import PEN_WIDTH


@given(st.integers(1, 60), st.integers(2, 8), st.sampled_from([3, 40, 1 << 20]), st.data())
def test_row_keys_are_equal_exactly_when_rows_are(count, width, span, data):
    values = data.draw(st.lists(st.integers(-span, span), min_size=count * width,
                                max_size=count * width))  # fmt: skip
    rows = np.array(values, dtype=np.int64).reshape(count, width)
    rows = np.concatenate([rows, rows[: count // 2]])  # some rows twice
    keys = _row_keys(rows)
    for i in range(len(rows)):
        same_row = (rows == rows[i]).all(axis=1)
        assert np.array_equal(keys == keys[i], same_row)


def _with_copies(unique: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``unique`` followed by copies of some of its rows, moved within their pixels."""
    copies = unique[rng.integers(0, len(unique), 2 * CHUNK)] + 0.1
    return np.concatenate([unique, copies])


def test_lines_on_the_same_pixels_are_drawn_once_and_one_pixel_lines_not_at_all():
    rng = np.random.default_rng(7)
    starts = rng.integers(0, 500, size=(3 * CHUNK, 2)) + 0.2
    lines = np.concatenate([starts, starts + [5.0, 3.0]], axis=1)  # x0, y0, x1, y1
    dots = np.concatenate([starts, starts + 0.2], axis=1)  # both ends on one pixel
    ends = np.concatenate([_with_copies(lines, rng), dots])
    kept = _distinct_lines(ends, step=1.0)
    assert np.array_equal(kept, np.arange(len(lines)))  # the first of each, in order


def test_curves_on_the_same_pixels_are_drawn_once():
    rng = np.random.default_rng(11)
    unique = rng.integers(0, 500, size=(3 * CHUNK, 4, 2)) + 0.3  # four points a curve
    curves = _with_copies(unique, rng)
    records = np.empty(curves.shape[0] * 4, dtype=_RECORD)
    records["type"] = np.tile([_MOVE, _CURVE, _CURVE_DATA, _CURVE_DATA], len(curves))
    records["x"], records["y"] = curves[..., 0].reshape(-1), curves[..., 1].reshape(-1)
    kept = _distinct_curves(records, step=0.25 * 4)
    kept_points = np.stack([kept["x"], kept["y"]], axis=-1).reshape(-1, 4, 2)
    assert np.array_equal(kept_points, unique)


def test_at_most_the_longest_lines_are_kept_in_their_order():
    rng = np.random.default_rng(5)
    lengths = rng.permutation(50).astype(float) + 1.0
    ends = np.stack([np.zeros(50), np.zeros(50), lengths, np.zeros(50)])
    kept = _longest(ends, 10)
    assert list(kept) == sorted(kept)
    assert set(lengths[kept]) == set(range(41, 51))
    assert np.array_equal(_longest(ends, 50), np.arange(50))


class _PenLog(QPainter):
    """A painter that notes the pen width and antialiasing of every path stroked."""

    def __init__(self, image: QImage) -> None:
        super().__init__(image)
        self.strokes: list[tuple[float, bool]] = []

    def drawPath(self, path) -> None:  # noqa: N802 (Qt override)
        if self.pen().style() != self.pen().style().NoPen:
            antialiased = self.testRenderHint(QPainter.RenderHint.Antialiasing)
            self.strokes.append((self.pen().widthF(), antialiased))
        super().drawPath(path)


def _strokes_of_a_fan(count: int) -> list[tuple[float, bool]]:
    """Paint, at 100% zoom, ``count`` edges fanning from one column into one card."""
    routes = {
        (f"s{i}", "t"): [(0.0, 20.0 * i), (300.0, 400.0 + i % 7)] for i in range(count)
    }
    batch = EdgeBatch(routes, [False] * count)
    image = QImage(400, 800, QImage.Format.Format_ARGB32_Premultiplied)
    painter = _PenLog(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    option = QStyleOptionGraphicsItem()
    option.exposedRect = QRectF(0, 0, 400, 800)
    batch.paint(painter, option)
    painter.end()
    return painter.strokes


def test_a_dense_fan_is_stroked_one_pixel_wide_without_antialiasing():
    """An aliased pen a pixel wide takes Qt's cosmetic fast path (twice as fast as 1.4 px,
    which draws one pixel wide anyway when aliased); a few edges keep the smooth pen."""
    dense = _strokes_of_a_fan(2 * DENSE_PIECES)
    assert dense and all(s == (OVERVIEW_PEN_WIDTH, False) for s in dense)
    sparse = _strokes_of_a_fan(10)
    assert sparse and all(s == (PEN_WIDTH, True) for s in sparse)


COORD = st.floats(-300, 300, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(COORD, COORD, COORD, COORD), min_size=1, max_size=30))
def test_lines_are_cut_to_the_part_inside_the_area(lines):
    """Each kept line is the part of one input line inside the area: its ends lie on the
    line and in the area, and every point of the line inside the area lies between them;
    lines that never enter the area are left out, and the rest keep their order."""
    area = (-100.0, -50.0, 120.0, 80.0)
    left, top, right, bottom = area
    t = np.linspace(0.0, 1.0, 401)
    pieces = []
    for x0, y0, x1, y1 in lines:
        cut = _clipped(np.array([[x0], [y0], [x1], [y1]]), area)
        xs, ys = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
        inside = (xs >= left) & (xs <= right) & (ys >= top) & (ys <= bottom)
        if inside.any():
            assert cut.shape == (4, 1)
        if cut.shape[1] == 0:
            continue
        a, b, c, d = cut[:, 0]
        pieces.append(cut[:, 0])
        for px, py in ((a, b), (c, d)):
            assert left - 1e-6 <= px <= right + 1e-6 and top - 1e-6 <= py <= bottom + 1e-6
            cross = (x1 - x0) * (py - y0) - (y1 - y0) * (px - x0)
            assert abs(cross) <= 1e-6 * (1 + np.hypot(x1 - x0, y1 - y0) ** 2)
        low, high = sorted(((a - x0) * (x1 - x0) + (b - y0) * (y1 - y0),
                            (c - x0) * (x1 - x0) + (d - y0) * (y1 - y0)))
        near = (xs >= left + 1) & (xs <= right - 1) & (ys >= top + 1) & (ys <= bottom - 1)
        along = (xs[near] - x0) * (x1 - x0) + (ys[near] - y0) * (y1 - y0)
        assert (along >= low - 1e-6).all() and (along <= high + 1e-6).all()
    together = _clipped(np.array(lines, dtype=np.float64).T, area)
    assert np.array_equal(together, np.array(pieces).T.reshape(4, -1))


def test_the_longest_of_some_segments_are_picked_from_the_order_sorted_once():
    rng = np.random.default_rng(3)
    routes = {
        (f"s{i}", f"t{i}"): [tuple(p) for p in rng.uniform(0, 500, size=(4, 2))]
        for i in range(60)
    }
    batch = EdgeBatch(routes, [False] * len(routes))
    g = batch._g
    length = np.abs(g.x1 - g.x0) + np.abs(g.y1 - g.y0)
    segments = np.flatnonzero(rng.random(length.size) < 0.5)
    picked = batch.longest(segments, 25)
    assert set(picked) <= set(segments) and len(set(picked)) == 25
    assert sorted(length[picked], reverse=True) == sorted(length[segments], reverse=True)[:25]
    assert list(length[picked]) == sorted(length[picked], reverse=True), "longest first"
