"""Run a checked program by walking its AST.

Nothing here calls eval/exec/compile: each node type has a method, calls go
through the whitelist in `functions.py`, and every tensor operation passes the
Budget before it runs, so a hostile program ends in ProgramError.
"""

from __future__ import annotations

import ast
import difflib
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from gradviz.core.functions import (
    ALLOWED_KEYWORDS,
    CONSTANTS,
    FUNCTIONS,
    NAMESPACES,
    PROPERTIES,
    FunctionSpec,
)
from gradviz.core.limits import (
    OUT_OF_MEMORY,
    Budget,
    Limits,
    guarded_number_op,
    is_out_of_memory,
)
from gradviz.core.program import Program, ProgramError
from gradviz.core.recording import Recording

_BINOPS: dict[type, tuple[str, Callable]] = {
    ast.Add: ("+", operator.add),
    ast.Sub: ("-", operator.sub),
    ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv),
    ast.FloorDiv: ("//", operator.floordiv),
    ast.Mod: ("%", operator.mod),
    ast.Pow: ("**", operator.pow),
    ast.MatMult: ("@", operator.matmul),
}
_MATMULS = {"matmul", "mm", "dot", "outer", "@"}
_SIZED_CONSTRUCTORS = {"ones", "zeros", "randn", "rand"}


@dataclass(frozen=True)
class _Namespace:
    """`torch`, `F` or `torch.nn`: only their whitelisted functions resolve."""

    path: str


@dataclass(frozen=True)
class _Bound:
    """A function ready to call: a whitelisted spec, maybe bound to a tensor."""

    spec: FunctionSpec
    tensor: torch.Tensor | None = None


@dataclass
class Binding:
    """One assignment of a value to a name, in program order."""

    name: str
    label: str  # the name with a version suffix when rebound: "a (2)"
    value: object
    is_new_leaf: bool


@dataclass
class RunResult:
    env: dict[str, object]
    bindings: list[Binding]
    output: object
    output_name: str | None
    last_node: ast.AST | None
    budget: Budget = field(repr=False)


class Interpreter:
    def __init__(
        self,
        program: Program,
        limits: Limits,
        recording: Recording,
        seed: int = 0,
        dtype: torch.dtype = torch.float32,
        leaf_values: dict[str, torch.Tensor] | None = None,
    ):
        self.program = program
        # float64 with leaf_values replaces the leaves: how gradient checks re-run a program.
        self.dtype = dtype
        self.leaf_values = leaf_values or {}
        # Every torch op passes through _run, which records its outputs here; a
        # TorchFunctionMode would also intercept our own bookkeeping calls.
        self.recording = recording
        self.budget = Budget(limits)
        self.env: dict[str, object] = {}
        self.bindings: list[Binding] = []
        self.versions: dict[str, int] = {}
        # Tensors built with requires_grad=False, by id (the value keeps the id unique).
        self.constants: dict[int, torch.Tensor] = {}
        self.generator = torch.Generator().manual_seed(seed)
        self.output: object = None
        self.output_name: str | None = None
        self.last_node: ast.AST | None = None
        self.loop_product = 1  # iterations of the enclosing loops, multiplied
        self._names_read: dict[int, frozenset[str]] = {}

    def run(self) -> RunResult:
        self._block(self.program.tree.body)
        return RunResult(
            self.env, self.bindings, self.output, self.output_name, self.last_node, self.budget
        )

    def _error(self, node: ast.AST, message: str) -> ProgramError:
        return self.program.error_at(node, message)

    # -- statements ---------------------------------------------------------

    def _block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            try:
                self.budget.step()
            except ProgramError as exc:
                raise self._error(stmt, exc.message) from None
            if isinstance(stmt, ast.Assign):
                self._assign(stmt)
            elif isinstance(stmt, ast.AugAssign):
                self._aug_assign(stmt)
            elif isinstance(stmt, ast.Expr):
                self.output = self._expr(stmt.value)
                bare_name = isinstance(stmt.value, ast.Name) and stmt.value.id in self.env
                self.output_name = stmt.value.id if bare_name else None
                self.last_node = stmt
            elif isinstance(stmt, ast.For):
                self._for(stmt)

    def _assign(self, stmt: ast.Assign) -> None:
        value = self._expr(stmt.value)
        fresh = not self._reads_tensor(stmt.value)
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                self._bind(target, value, fresh)
            else:
                items = self._unpack(target, value)
                for name_node, item in zip(target.elts, items):
                    self._bind(name_node, item, fresh)

    def _unpack(self, target: ast.Tuple, value: object) -> tuple:
        if isinstance(value, torch.Tensor) and value.dim() > 0:
            value = tuple(value.unbind(0))
        if not isinstance(value, (tuple, list)) or len(value) != len(target.elts):
            raise self._error(target, f"cannot unpack that value into {len(target.elts)} names")
        return tuple(value)

    def _aug_assign(self, stmt: ast.AugAssign) -> None:
        # x += e rebinds x to x + e (never in place): the old node stays visible.
        target = ast.Name(id=stmt.target.id, ctx=ast.Load())
        ast.copy_location(target, stmt.target)
        value = self._binop(stmt, self._expr(target), stmt.op, self._expr(stmt.value))
        self._bind(stmt.target, value, fresh=False)

    def _for(self, stmt: ast.For) -> None:
        call = stmt.iter
        bounds = [self._int(arg, self._expr(arg)) for arg in call.args]
        try:
            steps = range(*bounds)
        except ValueError as exc:
            raise self._error(call, f"range(): {exc}") from None
        if len(steps) > self.budget.limits.max_loop:
            raise self._error(
                call, f"a loop may run at most {self.budget.limits.max_loop:,} times"
            )
        total = self.loop_product * len(steps)
        if total > self.budget.limits.max_iterations:
            raise self._error(
                call, f"nested loops would run {total:,} times "
                f"(limit {self.budget.limits.max_iterations:,})",
            )
        self._guard(call, lambda: self.budget.project_loop(total, _ops_per_iteration(stmt)))
        outer, self.loop_product = self.loop_product, total
        try:
            for i in steps:
                self._set_name(stmt.target, i)
                self._block(stmt.body)
        finally:
            self.loop_product = outer

    def _bind(self, target: ast.Name, value: object, fresh: bool) -> None:
        name = target.id
        if name in FUNCTIONS or name in CONSTANTS or name in NAMESPACES or name == "range":
            raise self._error(target, f"'{name}' is a built-in name; choose another name")
        value = self._as_value(target, value)
        is_new_leaf = False
        fresh_tensor = isinstance(value, torch.Tensor) and value.grad_fn is None and fresh
        if fresh_tensor and id(value) not in self.constants:
            if not value.is_floating_point():
                value = value.to(self.dtype)
            is_new_leaf = not value.requires_grad
            value.requires_grad_(True)
        version = self.versions.get(name, 0) + 1
        self.versions[name] = version
        label = name if version == 1 else f"{name} ({version})"
        if is_new_leaf and label in self.leaf_values:
            value = self.leaf_values[label]
        self.bindings.append(Binding(name, label, value, is_new_leaf))
        self.env[name] = value
        self.output, self.output_name, self.last_node = value, name, target

    def _set_name(self, target: ast.Name, value: object) -> None:
        if target.id in FUNCTIONS or target.id in CONSTANTS or target.id in NAMESPACES:
            raise self._error(target, f"'{target.id}' is a built-in name; choose another name")
        self.env[target.id] = value

    def _as_value(self, node: ast.AST, value: object) -> object:
        """Numbers and lists become float tensors when bound to a name."""
        if isinstance(value, list):
            return self._list_tensor(node, value)
        if isinstance(value, bool | int | float):
            return self._run(node, torch.tensor, (value,), {"dtype": self.dtype})
        if isinstance(value, tuple) and all(isinstance(v, torch.Tensor) for v in value):
            return value
        if isinstance(value, torch.Tensor):
            return value
        raise self._error(node, f"cannot bind a {type(value).__name__} to a name")

    def _reads_tensor(self, expr: ast.AST) -> bool:
        """True if the expression reads a variable holding a tensor."""
        names = self._names_read.get(id(expr))
        if names is None:  # loops run the same statement many times: walk it once
            names = self._names_read[id(expr)] = frozenset(
                node.id for node in ast.walk(expr) if isinstance(node, ast.Name)
            )
        env = self.env
        return any(isinstance(env.get(name), torch.Tensor) for name in names)

    # -- expressions --------------------------------------------------------

    def _expr(self, node: ast.AST) -> object:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.BinOp):
            return self._binop(node, self._expr(node.left), node.op, self._expr(node.right))
        if isinstance(node, ast.UnaryOp):
            return self._unary(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Attribute):
            return self._attribute(node)
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.List):
            return [self._expr(e) for e in node.elts]
        if isinstance(node, ast.Tuple):
            return tuple(self._expr(e) for e in node.elts)
        if isinstance(node, ast.Slice):
            return slice(*(None if p is None else self._int(p, self._expr(p))
                           for p in (node.lower, node.upper, node.step)))
        raise self._error(node, f"{type(node).__name__} is not supported")

    def _name(self, node: ast.Name) -> object:
        name = node.id
        if name in self.env:
            return self.env[name]
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in NAMESPACES:
            return _Namespace(name)
        if name in FUNCTIONS:
            return _Bound(FUNCTIONS[name])
        if name == "range":
            raise self._error(node, "range() can only be used in: for i in range(n):")
        known = [*self.env, *CONSTANTS, *NAMESPACES, *FUNCTIONS]
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise self._error(node, f"unknown name '{name}'{hint}")

    def _binop(self, node: ast.AST, left: object, op: ast.operator, right: object) -> object:
        symbol, fn = _BINOPS[type(op)]
        if _is_number(left) and _is_number(right):
            try:
                self.budget.op()
                return guarded_number_op(symbol, fn, left, right)
            except ProgramError as exc:
                raise self._error(node, exc.message) from None
        left, right = self._tensorish(node, left), self._tensorish(node, right)
        if symbol == "@" and isinstance(left, torch.Tensor) and isinstance(right, torch.Tensor):
            self._guard(node, lambda: self.budget.check_matmul(left, right))
        return self._run(node, fn, (left, right), {})

    def _unary(self, node: ast.UnaryOp) -> object:
        value = self._expr(node.operand)
        if _is_number(value):
            self._guard(node, self.budget.op)
            return -value if isinstance(node.op, ast.USub) else +value
        fn = operator.neg if isinstance(node.op, ast.USub) else operator.pos
        return self._run(node, fn, (self._tensorish(node, value),), {})

    def _tensorish(self, node: ast.AST, value: object) -> object:
        """Lists in arithmetic become tensors; anything non-numeric is refused."""
        if isinstance(value, list):
            return self._list_tensor(node, value)
        if isinstance(value, torch.Tensor) or _is_number(value):
            return value
        raise self._error(node, f"cannot do arithmetic with {_describe(value)}")

    def _list_tensor(self, node: ast.AST, value: list) -> torch.Tensor:
        """[1., 2.] becomes a tensor; [a, b] stacks its tensors so gradients flow through."""
        if all(_is_number(v) for v in _flatten(value)):
            return self._run(node, torch.tensor, (value,), {"dtype": self.dtype})
        items = [self._list_tensor(node, v) if isinstance(v, list) else v for v in value]
        if not all(isinstance(v, torch.Tensor) or _is_number(v) for v in items):
            raise self._error(node, "a list may hold only numbers and tensors")
        items = [v if isinstance(v, torch.Tensor)
                 else torch.tensor(float(v), dtype=self.dtype) for v in items]
        return self._run(node, torch.stack, (items,), {}, "stack")

    def _attribute(self, node: ast.Attribute) -> object:
        base = self._expr(node.value)
        attr = node.attr
        if isinstance(base, _Namespace):
            return self._namespace_attr(node, base, attr)
        if isinstance(base, torch.Tensor):
            if attr == "T":
                return self._run(node, lambda t: t.T if t.dim() == 2 else t.t(), (base,), {})
            if attr == "shape":
                return tuple(base.shape)
            spec = FUNCTIONS.get(attr)
            if spec is not None and spec.method:
                return _Bound(spec, base)
            known = [n for n, s in FUNCTIONS.items() if s.method] + list(PROPERTIES)
            close = difflib.get_close_matches(attr, known, n=1)
            hint = f"; did you mean '.{close[0]}'?" if close else ""
            raise self._error(node, f"tensors have no allowed attribute '.{attr}'{hint}")
        raise self._error(node, f"{_describe(base)} has no attribute '.{attr}'")

    def _namespace_attr(self, node: ast.Attribute, base: _Namespace, attr: str) -> object:
        if base.path == "torch" and attr == "nn":
            return _Namespace("torch.nn")
        if base.path == "torch.nn" and attr == "functional":
            return _Namespace("F")
        if base.path == "torch" and attr in CONSTANTS:
            return CONSTANTS[attr]
        spec = FUNCTIONS.get(attr)
        ok = spec is not None and (
            (base.path == "torch" and spec.in_torch) or (base.path == "F" and spec.in_functional)
        )
        if ok:
            return _Bound(spec)
        shown = "torch.nn.functional" if base.path == "F" else base.path
        raise self._error(node, f"{shown}.{attr} is not available in gradviz")

    def _subscript(self, node: ast.Subscript) -> object:
        base = self._expr(node.value)
        index = self._index(node.slice, self._expr(node.slice))
        if isinstance(base, torch.Tensor):
            return self._run(node, operator.getitem, (base, index), {})
        if isinstance(base, (tuple, list)) and isinstance(index, int | slice):
            try:
                return base[index]
            except IndexError:
                raise self._error(node, "index out of range") from None
        raise self._error(node, f"cannot index {_describe(base)}")

    def _index(self, node: ast.AST, value: object) -> object:
        if isinstance(value, tuple):
            return tuple(self._index(node, v) for v in value)
        if value is None or isinstance(value, slice):
            return value
        return self._int(node, value)

    def _int(self, node: ast.AST, value: object) -> int:
        """An int where one is needed; integral 0-dim tensors count (n = 3; range(n))."""
        if isinstance(value, torch.Tensor) and value.dim() == 0:
            value = value.item()
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise self._error(node, f"expected a whole number, got {_describe(value)}")

    # -- calls --------------------------------------------------------------

    def _call(self, node: ast.Call) -> object:
        target = self._expr(node.func)
        if not isinstance(target, _Bound):
            raise self._error(node.func, f"{_describe(target)} is not a function")
        args = [self._expr(a) for a in node.args]
        kwargs = {}
        for kw in node.keywords:
            if kw.arg not in ALLOWED_KEYWORDS:
                raise self._error(kw.value, f"the keyword argument '{kw.arg}=' is not allowed")
            kwargs[kw.arg] = self._expr(kw.value)
        spec = target.spec
        if spec.constructor:
            return self._construct(node, spec, args, kwargs)
        kwargs.pop("requires_grad", None)
        if target.tensor is not None:
            method = getattr(torch.Tensor, spec.name)
            return self._run(node, method, (target.tensor, *args), kwargs, spec.name)
        if spec.name not in ("stack", "cat"):
            args = [self._tensorish(node, a) if isinstance(a, list) else a for a in args]
        if spec.name == "cross_entropy":
            args = _class_index_target(args)
        return self._run(node, spec.impl, tuple(args), kwargs, spec.name)

    def _construct(self, node: ast.Call, spec: FunctionSpec, args: list, kwargs: dict) -> object:
        constant = kwargs.pop("requires_grad", True) is False
        name = spec.name
        if name == "tensor":
            if any(isinstance(a, torch.Tensor) for a in _flatten(args)):
                raise self._error(node, "tensor() takes numbers; use stack([...]) for tensors")
        else:
            args = [self._int(node, a) if isinstance(a, torch.Tensor) else a for a in args]
            numel = _constructor_numel
            self._guard(node, lambda: self.budget.check_numel(numel(name, args, kwargs)))
        kwargs["dtype"] = self.dtype
        if name in ("randn", "rand"):
            kwargs["generator"] = self.generator
        out = self._run(node, spec.impl, tuple(args), kwargs, name)
        if constant:
            self.constants[id(out)] = out
        return out

    # -- running one torch operation ----------------------------------------

    def _guard(self, node: ast.AST, check: Callable[[], None]) -> None:
        try:
            check()
        except ProgramError as exc:
            raise self._error(node, exc.message) from None
        except (TypeError, ValueError, OverflowError) as exc:
            raise self._error(node, _first_line(exc)) from None

    def _run(self, node: ast.AST, fn: Callable, args: tuple, kwargs: dict,
             name: str | None = None) -> object:
        """Run one torch operation within the budget, errors located at `node`."""
        try:
            self.budget.op()
            inputs = self._check_result_size(args, kwargs, name)
            out = fn(*args, **kwargs)
            if isinstance(out, tuple) and not isinstance(out, torch.Size):
                out = tuple(out)  # torch.return_types.max -> plain tuple
            for item in out if isinstance(out, tuple) else (out,):
                if isinstance(item, torch.Tensor):
                    self.budget.spend(item.numel())
        except ProgramError as exc:
            raise self._error(node, exc.message) from None
        except Exception as exc:  # torch reports shape/dtype problems many ways; MemoryError too
            message = OUT_OF_MEMORY if is_out_of_memory(exc) else _first_line(exc)
            raise self._error(node, message) from None
        self.recording.add(out, args, kwargs, fn)
        # Built from a requires_grad=False constant: a constant too, not a new leaf.
        derived = self.constants and isinstance(out, torch.Tensor) and out.grad_fn is None
        if derived and any(id(t) in self.constants for t in inputs):
            self.constants[id(out)] = out
        return out

    def _check_result_size(
        self, args: tuple, kwargs: dict, name: str | None
    ) -> list[torch.Tensor]:
        """Refuse an op whose result would be too large, before it allocates; charge its reads.

        Returns the op's tensor inputs.
        """
        if any(isinstance(a, (list, tuple)) for a in args):
            args = _flatten(args)
        tensors = [t for t in args if isinstance(t, torch.Tensor)]
        if kwargs:
            tensors += [t for t in kwargs.values() if isinstance(t, torch.Tensor)]
        if name in _MATMULS and len(tensors) >= 2:
            self.budget.check_matmul(tensors[0], tensors[1])
        if len(tensors) > 1:
            self.budget.check_numel(_result_numel(name, tensors))
        self.budget.read(sum([t.numel() for t in tensors]))
        return tensors


def _ops_per_iteration(loop: ast.For) -> int:
    """Operations one pass of the loop body surely does (nested loops are checked themselves).

    The language has no branches, so every operator and call in the body runs on every pass.
    """
    count, stack = 0, list(loop.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.For):
            continue
        if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Call, ast.AugAssign)):
            count += 1
        stack.extend(ast.iter_child_nodes(node))
    return count


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _describe(value: object) -> str:
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    if isinstance(value, _Bound):
        return f"the function {value.spec.name}"
    if isinstance(value, _Namespace):
        return f"'{value.path}'"
    return f"a {type(value).__name__}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _flatten(values) -> list:
    out, stack = [], list(values)
    while stack:
        value = stack.pop()
        if isinstance(value, (list, tuple)) and not isinstance(value, torch.Size):
            stack.extend(value)
        else:
            out.append(value)
    return out


def _result_numel(name: str | None, tensors: list[torch.Tensor]) -> int:
    """Elements an op on these tensors can produce; whitelisted ops never exceed it.

    Only joins, products and broadcasting grow a result; everything else
    (reductions, views, unary ops, int/slice indexing) is no larger than an input.
    """
    if name in ("stack", "cat"):
        return sum(t.numel() for t in tensors)
    if name == "outer":
        return tensors[0].numel() * tensors[1].numel()
    if name in _MATMULS:
        a, b = tensors[0].shape, tensors[1].shape
        rows = a[-2:-1] if len(a) >= 2 else ()
        cols = b[-1:] if len(b) >= 2 else ()
        batch = _broadcast(a[:-2], b[:-2])
        return 0 if batch is None else _prod((*batch, *rows, *cols))
    shape = _broadcast(*(t.shape for t in tensors))
    return 0 if shape is None else _prod(shape)


def _broadcast(*shapes) -> tuple[int, ...] | None:
    """The broadcast shape, or None if the shapes don't broadcast (the real call reports it).

    Written out because torch.broadcast_shapes imports sympy on first use (~1 s).
    """
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for shape in shapes:
        for i, d in enumerate(shape, start=ndim - len(shape)):
            if d != 1:
                if out[i] not in (1, d):
                    return None
                out[i] = d
    return tuple(out)


def _prod(dims) -> int:
    numel = 1
    for d in dims:
        numel *= int(d)
    return numel


def _shape_numel(args: list) -> int:
    dims = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
    numel = 1
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, int | torch.Tensor):
            raise ValueError(f"sizes must be whole numbers, got {d!r}")
        d = int(d)
        if d < 0:
            raise ValueError(f"sizes cannot be negative, got {d}")
        numel *= d
    return numel


def _constructor_numel(name: str, args: list, kwargs: dict) -> int:
    """Element count a constructor would allocate, computed from its arguments alone."""
    if name in _SIZED_CONSTRUCTORS:
        return _shape_numel(list(args) or list(kwargs.get("size", ())))
    if name == "full":
        return _shape_numel([args[0] if args else kwargs.get("size", ())])
    if name == "eye":
        n = args[0] if args else kwargs.get("n", 0)
        m = args[1] if len(args) > 1 else kwargs.get("m", n)
        return _shape_numel([n, m])
    if name == "linspace":
        steps = args[2] if len(args) > 2 else kwargs.get("steps", 0)
        return _shape_numel([steps])
    if name == "arange":
        start, end, step = _arange_bounds(args, kwargs)
        if not step:
            raise ValueError("arange() step must not be zero")
        return max(0, math.ceil((float(end) - float(start)) / float(step)))
    return 0


def _arange_bounds(args: list, kwargs: dict) -> tuple[object, object, object]:
    """(start, end, step) as torch.arange reads them: one positional value is the end."""
    if len(args) == 1 and "end" not in kwargs:
        return kwargs.get("start", 0), args[0], kwargs.get("step", 1)
    names = ["start", "end", "step"]
    values = {"start": 0, "step": 1, **dict(zip(names, args)), **kwargs}
    return values["start"], values.get("end", 0), values["step"]


def _class_index_target(args: list) -> list:
    """cross_entropy(logits, 2) or a float index tensor: make the target class indices."""
    if len(args) < 2 or not isinstance(args[0], torch.Tensor):
        return args  # cross_entropy itself refuses non-tensor logits, with a message
    logits, target = args[0], args[1]
    if _is_number(target):
        target = torch.tensor([int(target)]) if logits.dim() == 2 else torch.tensor(int(target))
    elif (isinstance(target, torch.Tensor) and isinstance(logits, torch.Tensor)
          and target.dim() == logits.dim() - 1 and target.is_floating_point()):
        target = target.detach().long()
    return [logits, target, *args[2:]]
