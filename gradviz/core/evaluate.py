"""Evaluate program text into named tensors, gradients and an annotated graph.

text -> program.parse -> Interpreter (under a recording mode) -> trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import torch

from gradviz.core.interpreter import Interpreter
from gradviz.core.limits import Limits
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


def evaluate(text: str, *, limits: Limits | None = None, seed: int = 0) -> Evaluation:
    """Run `text` in the program language and trace d output / d every node.

    Raises ProgramError (with line and column where there is one) for anything
    the language refuses, a broken limit, or a torch error in the program.
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
        raise ProgramError("out of memory while running the program") from None

    output = _output_tensor(program, result)
    bindings = [(b.label, b.value) for b in result.bindings if isinstance(b.value, torch.Tensor)]
    live_leaves: dict[str, torch.Tensor] = {}
    for b in result.bindings:
        if b.is_new_leaf:
            live_leaves[b.label] = b.value
    names = list(bindings)
    if result.output_name is None:
        names = [("output", output), *names]
    try:
        graph = trace(output, names=names, recording=recording)
    except MemoryError:
        raise ProgramError("out of memory while tracing the program") from None
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

