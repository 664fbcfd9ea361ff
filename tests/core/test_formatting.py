"""Card and inspector text: scalars in full, small tensors listed, big ones summarised."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from gradviz.core.formatting import (
    MISSING,
    LogScale,
    format_number,
    format_numbers,
    format_shape,
    format_tensor,
    grad_magnitude,
    has_nonfinite,
    summarize,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (75.0, "75"),
        (-12.0, "-12"),
        (0.25, "0.25"),
        (92, "92"),
        (-0.0, "0"),
        (1 / 3, "0.333333"),
        (1e-7, "1e-7"),
        (123456789.0, "123456789"),
        (1.5e20, "1.5e20"),
        (float("nan"), "nan"),
        (float("-inf"), "-inf"),
        (True, "True"),
    ],
)
def test_numbers_print_as_a_person_writes_them(value, text):
    assert format_number(value) == text


def test_scalar_tensors_print_in_full():
    assert format_tensor(torch.tensor(75.0)) == "75"
    assert format_tensor(torch.tensor(-12.0)) == "-12"
    assert format_tensor(torch.tensor(0.25, dtype=torch.float64)) == "0.25"
    assert format_tensor(torch.tensor(3)) == "3"


def test_small_tensors_print_compactly():
    assert format_tensor(torch.tensor([1.0, 2.0, 3.0])) == "[1, 2, 3]"
    assert format_tensor(torch.tensor([[1.0, 2.0], [3.0, 4.5]])) == "[[1, 2], [3, 4.5]]"


def test_large_tensors_print_shape_and_statistics():
    text = format_tensor(torch.arange(12.0).reshape(3, 4))
    assert text == "3×4 min 0 · mean 5.5 · max 11"


def test_max_elems_decides_between_list_and_summary():
    t = torch.arange(4.0)
    assert format_tensor(t, max_elems=4) == "[0, 1, 2, 3]"
    assert format_tensor(t, max_elems=3).startswith("4 min 0")


def test_three_dimensional_tensors_are_summarised_even_when_small():
    assert format_tensor(torch.ones(1, 1, 2)).startswith("1×1×2 min 1")


def test_missing_values_and_tuples():
    assert format_tensor(None) == MISSING
    assert format_tensor((torch.tensor(1.0), None)) == f"(1, {MISSING})"
    assert format_tensor((3,)) == "(3,)"
    assert format_tensor("mean") == "mean"


def test_summary_counts_nonfinite_and_ignores_them_in_statistics():
    t = torch.tensor([1.0, float("nan"), 3.0, float("inf"), 5.0, 7.0, 9.0])
    s = summarize(t)
    assert (s.numel, s.min, s.mean, s.max, s.nonfinite) == (7, 1.0, 5.0, 9.0, 2)
    assert format_tensor(t).endswith("2 non-finite")


def test_shapes():
    assert format_shape(()) == "scalar"
    assert format_shape((3, 4)) == "3×4"
    assert format_shape(None) == MISSING


def test_grad_magnitude_is_the_largest_finite_absolute_element():
    assert grad_magnitude(torch.tensor([-5.0, 2.0])) == 5.0
    assert grad_magnitude(torch.tensor([float("nan"), -2.0])) == 2.0
    assert grad_magnitude((torch.tensor(1.0), torch.tensor(-3.0))) == 3.0
    assert grad_magnitude(None) is None
    assert grad_magnitude(torch.tensor([float("inf")])) is None


def test_nonfinite_detection():
    assert has_nonfinite(torch.tensor([1.0, float("nan")]))
    assert has_nonfinite((torch.tensor(1.0), torch.tensor(float("-inf"))))
    assert not has_nonfinite(torch.tensor([1.0, 2.0]))
    assert not has_nonfinite(torch.tensor([1, 2]))
    assert not has_nonfinite(None)


def test_log_scale_spans_the_graphs_magnitudes():
    scale = LogScale.fit([1e-3, None, 0.0, 1.0, 10.0])
    assert scale(1e-3) == 0.0
    assert scale(10.0) == 1.0
    assert scale(1.0) == pytest.approx(0.75)
    assert scale(0.0) == 0.0
    assert scale(None) == 0.0
    assert LogScale.fit([]) == LogScale()


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_formatted_numbers_read_back_close_to_the_value(x):
    assert math.isclose(float(format_number(x)), x, rel_tol=1e-5, abs_tol=1e-300)


EDGE_NUMBERS = [
    0.0,
    -0.0,
    1.0,
    -3.0,
    0.5,
    1e-4,
    1.1e-4,
    9.99e-5,
    9.96e-5,
    89.9,
    90.0,
    94.9,
    95.0,
    99.4,
    99.6,
    1e15,
    1e15 + 0.5,
    2.5e16,
    1e-300,
    5e-324,
    1.7e308,
    math.nan,
    math.inf,
    -math.inf,
    -0.000123,
    123.456,
]


@pytest.mark.parametrize("digits", [1, 2, 3, 6])
def test_many_numbers_print_as_format_number_prints_each(digits):
    values = np.array(EDGE_NUMBERS + [-v for v in EDGE_NUMBERS])
    assert format_numbers(values, digits) == [format_number(v, digits) for v in values.tolist()]


@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=50),
    st.integers(min_value=1, max_value=8),
)
def test_many_random_numbers_print_as_format_number_prints_each(values, digits):
    expected = [format_number(v, digits) for v in values]
    assert format_numbers(np.array(values, dtype=np.float64), digits) == expected
