"""parse_numbers: number literals and lists only, never code."""

from __future__ import annotations

import ast

import pytest

from gradviz.core.literal import parse_numbers
from gradviz.core.program import ProgramError


@pytest.mark.parametrize(
    "text", ["2", "-0.5", "[1, -1, 0.5]", "[[1, 2], [3, -4e-3]]", " (1, 2) ", "+3"]
)
def test_number_literals_read_as_python_would(text):
    expected = ast.literal_eval(text.strip())
    got = parse_numbers(text)

    def plain(v):
        return [plain(x) for x in v] if isinstance(v, list | tuple) else float(v)

    assert got == plain(expected)


@pytest.mark.parametrize(
    "text",
    ["__import__('os')", "[1, x]", "True", "'abc'", "[1, 2", "1 + 2", "--", "{1: 2}", "-'a'"],
)
def test_anything_else_is_a_program_error(text):
    with pytest.raises(ProgramError, match="grad_outputs"):
        parse_numbers(text, "grad_outputs")
