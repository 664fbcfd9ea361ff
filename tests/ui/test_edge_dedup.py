"""Overview edges skip pieces that would draw the same pixels, and only those."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from gradviz.ui.edge_batch import _RECORD, CHUNK, _distinct, _row_keys


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


def test_distinct_keeps_one_of_each_group_of_pieces_on_the_same_pixels():
    rng = np.random.default_rng(7)
    unique = rng.integers(0, 500, size=(3 * CHUNK, 2, 2)) + 0.3  # segments: 2 points each
    near_copies = unique[rng.integers(0, len(unique), 2 * CHUNK)] + 0.1  # the same pixels
    pieces = np.concatenate([unique, near_copies])
    records = np.empty(pieces.shape[0] * 2, dtype=_RECORD)
    records["type"] = np.tile([0, 1], len(pieces))
    records["x"], records["y"] = pieces[..., 0].reshape(-1), pieces[..., 1].reshape(-1)
    kept = _distinct(records, per=2, step=1.0)
    kept_points = np.stack([kept["x"], kept["y"]], axis=-1).reshape(-1, 2, 2)
    assert len(kept_points) == len(unique)
    assert np.array_equal(kept_points, unique)  # the first of each, in the order drawn


def test_straight_pieces_within_one_pixel_are_skipped():
    rng = np.random.default_rng(3)
    starts = rng.integers(0, 500, size=(3 * CHUNK, 2)) + 0.2
    long = np.stack([starts, starts + [5.0, 3.0]], axis=1)
    dots = np.stack([starts, starts + 0.2], axis=1)  # start and end on the same pixel
    pieces = np.concatenate([long, dots])
    records = np.empty(pieces.shape[0] * 2, dtype=_RECORD)
    records["type"] = np.tile([0, 1], len(pieces))
    records["x"], records["y"] = pieces[..., 0].reshape(-1), pieces[..., 1].reshape(-1)
    kept = _distinct(records, per=2, step=1.0)
    assert np.array_equal(np.stack([kept["x"], kept["y"]], axis=-1).reshape(-1, 2, 2), long)
