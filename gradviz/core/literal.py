"""Numbers typed into a field (a grad_outputs vector): ``2``, ``[1, -1, 0.5]``, nested lists.

The text is parsed with ``ast`` and only number literals, unary signs and lists are
accepted, so nothing a user types is ever evaluated as code.
"""

from __future__ import annotations

import ast

from gradviz.core.program import ProgramError, parse_python

MAX_LITERAL_CHARS = 20_000


def parse_numbers(text: str, what: str = "the value") -> float | list:
    """A number or a (nested) list of numbers from ``text``; ProgramError otherwise."""
    if len(text) > MAX_LITERAL_CHARS:
        raise ProgramError(f"{what} is too long ({len(text):,} characters)")
    try:
        tree = parse_python(text.strip(), "eval")
    except SyntaxError:
        raise ProgramError(f"{what} must be a number or a list such as [1, -1, 0.5]") from None
    return _value(tree.body, what)


def _value(node: ast.AST, what: str) -> float | list:
    if isinstance(node, ast.List | ast.Tuple):
        return [_value(item, what) for item in node.elts]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _value(node.operand, what)
        if isinstance(inner, float):
            return -inner if isinstance(node.op, ast.USub) else inner
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)
    raise ProgramError(f"{what} may hold only numbers and lists, e.g. [1, -1, 0.5]")
