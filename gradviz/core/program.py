"""Parse program text into a checked AST.

User text is parsed with :mod:`ast` and every node is checked against a
whitelist before anything runs; the text is never handed to eval/exec/compile.
Everything that goes wrong becomes a :class:`ProgramError` with a 1-based
line and column, so the editor can point at it.
"""

from __future__ import annotations

import ast
import threading
from dataclasses import dataclass

MAX_SOURCE_CHARS = 100_000
MAX_AST_NODES = 20_000
MAX_AST_DEPTH = 60
MAX_STRING_CHARS = 32
MAX_INT_LITERAL = 2**63


class ProgramError(ValueError):
    """A program that cannot run, with where (1-based line/col) when known."""

    def __init__(self, message: str, line: int | None = None, col: int | None = None):
        self.message = message
        self.line = line
        self.col = col
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        if self.col is None:
            return f"line {self.line}: {self.message}"
        return f"line {self.line}, col {self.col}: {self.message}"

    def __reduce__(self):
        return (ProgramError, (self.message, self.line, self.col))


@dataclass(frozen=True)
class Program:
    """A parsed program whose every node passed the whitelist."""

    text: str
    tree: ast.Module

    def error_at(self, node: ast.AST, message: str) -> ProgramError:
        """A ProgramError located at `node`, with the column in characters."""
        return error_at(self.text, node, message)


def error_at(text: str, node: ast.AST, message: str) -> ProgramError:
    line = getattr(node, "lineno", None)
    if line is None:
        return ProgramError(message)
    offset = getattr(node, "col_offset", 0)
    # ast columns are UTF-8 byte offsets; the editor counts characters.
    lines = text.splitlines()
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    col = len(source_line.encode("utf-8")[:offset].decode("utf-8", errors="ignore")) + 1
    return ProgramError(message, line, col)


_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.MatMult)
_ALLOWED = (
    ast.Module, ast.Assign, ast.AugAssign, ast.Expr, ast.For, ast.Name, ast.Load, ast.Store,
    ast.Constant, ast.BinOp, ast.UnaryOp, ast.UAdd, ast.USub, ast.Call, ast.keyword,
    ast.Attribute, ast.Subscript, ast.Slice, ast.List, ast.Tuple, *_OPERATORS,
)

_REFUSALS = {
    "Import": "import is not allowed",
    "ImportFrom": "import is not allowed",
    "Lambda": "lambda is not allowed",
    "FunctionDef": "def is not allowed",
    "AsyncFunctionDef": "def is not allowed",
    "ClassDef": "class is not allowed",
    "ListComp": "comprehensions are not allowed; use a for loop",
    "SetComp": "comprehensions are not allowed; use a for loop",
    "DictComp": "comprehensions are not allowed; use a for loop",
    "GeneratorExp": "comprehensions are not allowed; use a for loop",
    "While": "while loops are not allowed; use for i in range(n)",
    "With": "with is not allowed",
    "AsyncWith": "with is not allowed",
    "Try": "try is not allowed",
    "TryStar": "try is not allowed",
    "Global": "global is not allowed",
    "Nonlocal": "nonlocal is not allowed",
    "Return": "return is only meaningful in a function, and def is not allowed",
    "If": "if is not supported",
    "IfExp": "conditional expressions are not supported",
    "Compare": "comparisons are not supported",
    "BoolOp": "and/or are not supported",
    "Dict": "dicts are not supported",
    "Set": "sets are not supported",
    "JoinedStr": "strings are not supported (f-strings neither)",
    "NamedExpr": "the walrus operator := is not supported",
    "Starred": "starred arguments are not supported",
    "Await": "await is not supported",
    "Yield": "yield is not supported",
    "YieldFrom": "yield is not supported",
    "Delete": "del is not supported",
    "Assert": "assert is not supported",
    "Raise": "raise is not supported",
    "Match": "match is not supported",
    "AsyncFor": "async for is not supported",
    "AnnAssign": "annotated assignments are not supported",
    "Break": "break is not supported",
    "Continue": "continue is not supported",
    "Pass": "pass is not supported",
    "BitOr": "the | operator is not supported",
    "BitAnd": "the & operator is not supported",
    "BitXor": "the ^ operator is not supported; use ** for powers",
    "LShift": "the << operator is not supported",
    "RShift": "the >> operator is not supported",
    "Invert": "the ~ operator is not supported",
    "Not": "not is not supported",
    "Del": "del is not supported",
}



_AST_LOCK = threading.Lock()


def parse_python(text: str, mode: str) -> ast.AST:
    """``ast.parse`` made safe for threads.

    On CPython 3.11 the AST constructor's recursion counter is shared by all threads, so two
    parses at once (an evaluation and the float64 gradient check) can fail with a spurious
    ``SystemError: AST constructor recursion depth mismatch`` (CPython gh-106905). Our parses
    take turns; one retry covers a parse by other code at the same moment.
    """
    with _AST_LOCK:
        try:
            return ast.parse(text, mode=mode)
        except SystemError:
            return ast.parse(text, mode=mode)

def parse(text: str) -> Program:
    """Parse and check `text`; raise ProgramError on anything not in the language."""
    if not isinstance(text, str):
        raise ProgramError("a program must be text")
    if len(text) > MAX_SOURCE_CHARS:
        raise ProgramError(f"the program is too long (over {MAX_SOURCE_CHARS:,} characters)")
    if "\x00" in text:
        at = text.index("\x00")
        line = text.count("\n", 0, at) + 1
        col = at - text.rfind("\n", 0, at)
        raise ProgramError("the program contains a NUL character", line, col)
    if not text.strip():
        raise ProgramError("the program is empty: type an expression, e.g. y = a**2 + 3")
    try:
        tree = parse_python(text, "exec")
    except SyntaxError as exc:
        col = max(exc.offset or 1, 1) if exc.lineno else None
        raise ProgramError(f"syntax error: {exc.msg}", exc.lineno, col) from None
    except (ValueError, MemoryError, RecursionError, OverflowError) as exc:
        raise ProgramError(f"cannot parse the program: {exc}") from None
    program = Program(text, tree)
    _check(program)
    if not tree.body:
        raise ProgramError("the program has only comments: type an expression, e.g. y = a**2 + 3")
    return program


def _check(program: Program) -> None:
    """Walk the tree iteratively (a deep tree must not exhaust the C stack)."""
    # Each entry: node, depth, parent, and the nearest node with a position (ctx nodes have none).
    stack: list[tuple[ast.AST, int, ast.AST | None, ast.AST]] = [
        (program.tree, 0, None, program.tree)
    ]
    count = 0
    while stack:
        node, depth, parent, where = stack.pop()
        if hasattr(node, "lineno"):
            where = node
        count += 1
        if count > MAX_AST_NODES:
            raise program.error_at(where, f"the program is too big (over {MAX_AST_NODES:,} parts)")
        if depth > MAX_AST_DEPTH:
            raise program.error_at(where, f"the program nests too deeply (over {MAX_AST_DEPTH})")
        _check_node(program, node, parent)
        stack.extend((child, depth + 1, node, where) for child in ast.iter_child_nodes(node))


def _check_node(program: Program, node: ast.AST, parent: ast.AST | None) -> None:
    kind = type(node).__name__
    if not isinstance(node, _ALLOWED):
        message = _REFUSALS.get(kind, f"{kind} is not supported")
        raise program.error_at(node if hasattr(node, "lineno") else parent, message)
    if isinstance(node, ast.Name) and node.id.startswith("_"):
        raise program.error_at(node, "names starting with '_' are not allowed")
    elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
        raise program.error_at(node, "attributes starting with '_' are not allowed")
    elif isinstance(node, ast.Constant):
        _check_constant(program, node, parent)
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, (ast.Name, ast.Attribute)):
            raise program.error_at(node, "only named functions can be called")
    elif isinstance(node, ast.keyword) and node.arg is None:
        raise program.error_at(parent, "**keyword arguments are not supported")
    elif isinstance(node, ast.Assign):
        for target in node.targets:
            _check_target(program, target)
    elif isinstance(node, ast.AugAssign):
        if not isinstance(node.target, ast.Name):
            raise program.error_at(node.target, "only a plain name can be updated with +=")
    elif isinstance(node, ast.For):
        _check_for(program, node)


def _check_constant(program: Program, node: ast.Constant, parent: ast.AST | None) -> None:
    value = node.value
    if isinstance(value, str):
        if not isinstance(parent, ast.keyword):
            raise program.error_at(
                node, "text is only allowed as a keyword value, e.g. reduction='sum'"
            )
        if len(value) > MAX_STRING_CHARS:
            raise program.error_at(node, "that text value is too long")
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) >= MAX_INT_LITERAL:
            raise program.error_at(node, "that number is too large")
    elif not isinstance(value, float):
        raise program.error_at(node, f"{type(value).__name__} values are not supported")


def _check_target(program: Program, target: ast.AST) -> None:
    if isinstance(target, ast.Name):
        return
    if isinstance(target, ast.Tuple) and all(isinstance(t, ast.Name) for t in target.elts):
        return
    if isinstance(target, ast.Subscript):
        raise program.error_at(target, "assigning into part of a tensor is not supported")
    raise program.error_at(target, "you can only assign to a name, or to names: v, i = ...")


def _check_for(program: Program, node: ast.For) -> None:
    if not isinstance(node.target, ast.Name):
        raise program.error_at(node.target, "a for loop needs one name: for i in range(n):")
    it = node.iter
    if not (
        isinstance(it, ast.Call)
        and isinstance(it.func, ast.Name)
        and it.func.id == "range"
        and 1 <= len(it.args) <= 3
        and not it.keywords
    ):
        raise program.error_at(it, "a for loop must run over range(n)")
    if node.orelse:
        raise program.error_at(node.orelse[0], "for ... else is not supported")
