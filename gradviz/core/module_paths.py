"""Which ``nn.Module`` call made each autograd node, recorded with global module hooks.

Paths are named from the outermost module being called (the root, usually the model),
as ``named_modules()`` names them: ``"0"``, ``"layers.3.fc"``. Nodes made directly in the
root's own ``forward`` get ``""``; nodes made outside any module call get None.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import networkx as nx
import torch
from torch import nn
from torch.nn.modules.module import (
    register_module_forward_hook,
    register_module_forward_pre_hook,
)


class ModuleTracker:
    """The stack of module calls in progress, and what each call produced.

    ``node_paths[grad_fn]`` is the innermost module path that was running when the node
    was made; ``tensor_paths[id(t)]`` names the module owning a parameter or buffer;
    ``classes[path]`` is the module's class name (``"Linear"``).
    """

    def __init__(self) -> None:
        self.node_paths: dict[object, str | None] = {}
        self.tensor_paths: dict[int, tuple[torch.Tensor, str]] = {}
        self.classes: dict[str, str] = {}
        self._stack: list[tuple[nn.Module, str]] = []
        self._roots: dict[int, dict[int, str]] = {}  # id(root) -> {id(module): path}
        self._names: dict[int, str] = {}  # the running root's
        # Module hooks are global; the recording mode, like this stack, is per thread.
        self._thread = threading.get_ident()

    @property
    def current(self) -> str | None:
        return self._stack[-1][1] if self._stack else None

    def claim(self, grad_fn: object) -> None:
        """Give ``grad_fn`` and the unclaimed nodes behind it to the running module.

        A call such as ``F.linear`` makes several nodes (``t``, ``addmm``) but only its
        output passes through the recording; the nodes behind it that nobody has claimed
        yet were made by this same call, because every earlier node was claimed when it
        was made. Each node is visited once over the whole recording.
        """
        path, paths = self.current, self.node_paths
        pending = [grad_fn]
        while pending:
            fn = pending.pop()
            if fn is None or fn in paths or type(fn).__name__ == "AccumulateGrad":
                continue
            paths[fn] = path
            pending.extend(next_fn for next_fn, _ in fn.next_functions)

    def _enter(self, module: nn.Module, _args: object) -> None:
        if threading.get_ident() != self._thread:
            return
        if not self._stack:
            names = self._roots.get(id(module))
            if names is None:
                # A second model called in the same block must not reuse the first's names.
                prefix = f"{type(module).__name__}[{len(self._roots)}]." if self._roots else ""
                names = self._roots[id(module)] = {
                    id(m): prefix + name if name else "" for name, m in module.named_modules()
                }
            self._names = names
        path = self._names.get(id(module))
        if path is None:  # not a submodule of the root (made or passed in on the fly)
            path = self.current or ""
        self._stack.append((module, path))
        self.classes.setdefault(path, type(module).__name__)
        # The dicts behind parameters(recurse=False): a third of the hook's time otherwise.
        for owned in (module._parameters, module._buffers):
            for tensor in owned.values():
                if tensor is not None:
                    self.tensor_paths.setdefault(id(tensor), (tensor, path))

    def _leave(self, module: nn.Module, _args: object, _output: object) -> None:
        if threading.get_ident() != self._thread:
            return
        # Pop down to this module's own entry: a submodule that raised never left.
        while self._stack:
            if self._stack.pop()[0] is module:
                break

    @contextmanager
    def hooked(self) -> Iterator[ModuleTracker]:
        """Track module calls during the block; the global hooks are always removed."""
        handles = [
            register_module_forward_pre_hook(self._enter),
            register_module_forward_hook(self._leave),
        ]
        try:
            yield self
        finally:
            for handle in handles:
                handle.remove()
            self._stack.clear()


def add_module_paths(graph: nx.DiGraph, node_of: Mapping[int, str], recording) -> None:
    """Set the ``module`` attribute of the op and leaf nodes a ``record()`` block saw made.

    ``node_of`` maps id(grad_fn) or id(leaf tensor) to its node. Without module tracking
    (no ``record()``, or a program) nodes get no ``module`` attribute at all, which
    readers take as None. ``graph.graph["modules"]`` maps each path to its class name.
    """
    tracker = getattr(recording, "modules", None)
    graph.graph["modules"] = dict(tracker.classes) if tracker is not None else {}
    if tracker is None:
        return
    attrs_of = dict(graph.nodes(data=True))  # a plain dict: graph.nodes[n] costs ~10x more
    for attrs in attrs_of.values():
        attrs["module"] = None
    for fn, path in tracker.node_paths.items():
        node = node_of.get(id(fn))
        if node is not None:
            attrs_of[node]["module"] = path
    for key, (_, path) in tracker.tensor_paths.items():
        node = node_of.get(key)
        if node is not None:
            attrs_of[node]["module"] = path
