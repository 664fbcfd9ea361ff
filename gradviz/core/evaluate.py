"""Evaluate program text into named tensors, gradients and an annotated graph.

text -> program.parse -> Interpreter (under a recording mode) -> trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import torch

from gradviz.core.formatting import format_shape
from gradviz.core.gradcheck import GradCheck, compare, numeric_gradients
from gradviz.core.interpreter import Interpreter
from gradviz.core.limits import OUT_OF_MEMORY, Limits, is_out_of_memory
from gradviz.core.program import ProgramError, parse
from gradviz.core.recording import Recording
from gradviz.core.trace import gc_paused, trace


@dataclass
class Evaluation:
    """What a program computed. Exposed tensors are detached: safe to print and convert.

    The live autograd graph stays inside (`_live_output`, `_live_leaves`) for later
    questions such as higher-order derivatives.
    """

    text: str
    output: torch.Tensor
    output_name: str | None
    variables: dict[str, torch.Tensor]
    leaves: dict[str, torch.Tensor]
    grads: dict[str, torch.Tensor | None]
    graph: nx.DiGraph
    _live_output: torch.Tensor = field(repr=False)
    _live_leaves: dict[str, torch.Tensor] = field(repr=False)
    grad_outputs: torch.Tensor | None = None
    """The backward seed the user gave for a non-scalar output; None means ones."""
    _seed: int = field(default=0, repr=False)
    _limits: Limits = field(default_factory=Limits, repr=False)

    def derivative(self, name: str, order: int = 1) -> torch.Tensor:
        """dᵏ output / d nameᵏ for a scalar output and a scalar leaf (create_graph=True)."""
        return self._derivative_tensor(name, order).detach()

    def derivative_graph(self, name: str, order: int = 1) -> nx.DiGraph:
        """The autograd graph of the order-k derivative computation itself."""
        g = self._derivative_tensor(name, order)
        return trace(g, names={name: self._live_leaves[name], f"d{order}/d{name}": g})

    def _derivative_tensor(self, name: str, order: int) -> torch.Tensor:
        if order < 1:
            raise ValueError("order must be 1 or more")
        leaf = self._leaf(name)
        if self._live_output.numel() != 1 or leaf.numel() != 1:
            raise ValueError("higher-order derivatives need a scalar output and a scalar leaf")
        g = self._live_output
        for _ in range(order):
            if not g.requires_grad:
                return torch.zeros_like(leaf)
            (g,) = torch.autograd.grad(g, leaf, create_graph=True, allow_unused=True)
            if g is None:
                return torch.zeros_like(leaf)
        return g

    def jacobian(self, max_outputs: int = 10_000) -> dict[str, torch.Tensor]:
        """{leaf: d output / d leaf} with shape output.shape + leaf.shape."""
        out = self._live_output
        if out.numel() > max_outputs:
            raise ValueError(f"the output has more than {max_outputs:,} elements")
        names = list(self._live_leaves)
        leaves = [self._live_leaves[n] for n in names]
        rows: dict[str, list[torch.Tensor]] = {n: [] for n in names}
        flat = out.reshape(-1)
        for i in range(flat.numel()):
            grads = (
                torch.autograd.grad(flat[i], leaves, retain_graph=True, allow_unused=True)
                if out.requires_grad and leaves
                else [None] * len(leaves)
            )
            for n, leaf, g in zip(names, leaves, grads):
                rows[n].append(torch.zeros_like(leaf) if g is None else g.detach())
        return {
            n: torch.stack(rows[n]).reshape(*out.shape, *self._live_leaves[n].shape, 1).squeeze(-1)
            for n in names
        }

    def check_gradients(self, rtol: float = 1e-3, atol: float = 1e-4) -> dict[str, GradCheck]:
        """Per leaf: autograd's grad against float64 central finite differences."""
        program = parse(self.text)

        def run(values: dict[str, torch.Tensor]) -> torch.Tensor:
            interpreter = Interpreter(program, self._limits, Recording(), seed=self._seed,
                                      dtype=torch.float64, leaf_values=values)
            return _output_tensor(program, interpreter.run())

        seed = torch.ones_like(self.output) if self.grad_outputs is None else self.grad_outputs
        numeric = numeric_gradients(run, self.leaves, seed=seed)
        return {n: compare(self.grads[n], numeric[n], rtol, atol) for n in self.leaves}

    def _leaf(self, name: str) -> torch.Tensor:
        if name not in self._live_leaves:
            raise KeyError(f"no leaf named {name!r}; leaves are {sorted(self._live_leaves)}")
        return self._live_leaves[name]


def evaluate(
    text: str,
    *,
    limits: Limits | None = None,
    seed: int = 0,
    grad_outputs: object = None,
) -> Evaluation:
    """Run `text` in the program language and trace d output / d every node.

    ``grad_outputs`` seeds the backward pass of a non-scalar output (a number, a nested
    list or a tensor of the output's shape); by default it is ones, so the gradients are
    those of ``output.sum()``. Raises ProgramError (with line and column where there is
    one) for anything the language refuses, a broken limit, a torch error in the program,
    or a ``grad_outputs`` that does not fit the output.
    """
    program = parse(text)
    recording = Recording()
    interpreter = Interpreter(program, limits or Limits(), recording, seed=seed)
    try:
        with torch.enable_grad(), gc_paused():
            result = interpreter.run()
    except ProgramError:
        raise
    except RecursionError:
        raise ProgramError("the program is nested too deeply") from None
    except MemoryError:
        raise ProgramError(OUT_OF_MEMORY) from None

    output = _output_tensor(program, result)
    given = _grad_outputs(grad_outputs, output, result.output_name)
    bindings = [(b.label, b.value) for b in result.bindings if isinstance(b.value, torch.Tensor)]
    live_leaves: dict[str, torch.Tensor] = {}
    for b in result.bindings:
        if b.is_new_leaf:
            live_leaves[b.label] = b.value
    names = list(bindings)
    if result.output_name is None:
        names.append(("output", output))  # a name bound in the program wins
    try:
        with torch.enable_grad():  # a caller inside torch.no_grad() still gets its gradients
            graph = trace(
                output, names=names, recording=recording,
                grad_outputs=None if given is None else [given],
            )  # fmt: skip
    except Exception as exc:  # MemoryError too: the allocator can fail inside the tracer
        if is_out_of_memory(exc):
            raise ProgramError(f"{OUT_OF_MEMORY} (while tracing its graph)") from None
        raise
    for node in graph.graph["outputs"]:
        graph.nodes[node]["grad_outputs"] = "ones" if given is None else given
    # A leaf's node carries the name it was first bound to, which is its key here.
    leaf_nodes = {
        attrs["name"]: node for node, attrs in graph.nodes(data=True) if attrs["kind"] == "leaf"
    }
    grads = {
        name: graph.nodes[leaf_nodes[name]]["grad"] if name in leaf_nodes else None
        for name in live_leaves
    }
    variables = {
        name: (value.detach() if isinstance(value, torch.Tensor) else torch.tensor(float(value)))
        for name, value in result.env.items()
        if isinstance(value, torch.Tensor | int | float)
    }
    return Evaluation(
        text=text,
        output=output.detach(),
        output_name=result.output_name,
        variables=variables,
        leaves={name: leaf.detach() for name, leaf in live_leaves.items()},
        grads=grads,
        graph=graph,
        _live_output=output,
        _live_leaves=live_leaves,
        grad_outputs=given,
        _seed=seed,
        _limits=limits or Limits(),
    )


def _output_tensor(program, result) -> torch.Tensor:
    output = result.output
    if isinstance(output, bool | int | float):
        return torch.tensor(float(output))
    if isinstance(output, torch.Tensor):
        return output
    where = result.last_node
    message = f"the program's result must be a tensor or a number, not a {type(output).__name__}"
    if where is not None:
        raise program.error_at(where, message)
    raise ProgramError(message)


def _grad_outputs(value: object, output: torch.Tensor, name: str | None) -> torch.Tensor | None:
    """``value`` as a seed tensor shaped like ``output``, or a ProgramError saying why not."""
    if value is None:
        return None
    try:
        seed = torch.as_tensor(value, dtype=output.dtype).detach()
    except (TypeError, ValueError, RuntimeError):
        raise ProgramError("grad_outputs must be a number or a (nested) list of numbers") from None
    if seed.shape != output.shape:
        raise ProgramError(
            f"grad_outputs has shape {format_shape(seed.shape)}, but the output "
            f"{name or 'output'} has shape {format_shape(output.shape)}"
        )
    return seed
