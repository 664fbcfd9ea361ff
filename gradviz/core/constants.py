"""Grey ``constant`` nodes: the inputs of an op that take no gradient.

Autograd keeps no node for them (the ``3`` in ``y + 3``, the data ``X`` in a loss), so
the graph alone would hide half of each formula. The recording noted them as each op
ran; here they become nodes with an edge into the op that consumed them.

A Python number is a constant node only where it is an operand of arithmetic (the ``3``
in ``x ** 3`` and in ``x + 3``): that is the number the chain rule uses. Numbers that
configure an op (``dim=0``, ``reshape(2, 3)``) are not values and get no node. Each
number use is its own node, as it is written; a tensor used twice is one node.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import count

import networkx as nx
import numpy as np
import torch

from gradviz.core.bulk_graph import add_new
from gradviz.core.formatting import SCALAR_DIGITS, format_numbers, format_tensor
from gradviz.core.module_paths import ModuleTracker
from gradviz.core.recording import Recording

LABEL_MAX_CHARS = 14
"""Longer value texts make a card too wide; such a constant is labelled 'constant'."""


def add_constants(
    graph: nx.DiGraph,
    ops: Iterable[object],
    node_of: Mapping[int, str],
    recording: Recording | None,
    names: Mapping[int, str],
) -> None:
    """Add a constant node per recorded non-grad input of each op in ``ops`` (grad_fns).

    ``node_of`` maps id(grad_fn) to its node, ``names`` id(tensor) to a variable name.
    Without a recording the values are unknown, and no constants are added.
    """
    if recording is None or not recording.constants:
        return
    attrs_of = dict(graph.nodes(data=True))  # names taken, consumers' modules: no NodeView
    tensor_nodes: dict[int, str] = {}
    numbers: dict[tuple[type, object], list[dict]] = {}  # a loop writes a number many times
    ids = count()
    tracker = recording.modules
    nodes, edges = [], []
    for fn in ops:
        inputs = recording.constants.get(fn)
        if not inputs:
            continue
        consumer = node_of[id(fn)]
        for item, version in inputs:
            is_tensor = isinstance(item, torch.Tensor)
            node = tensor_nodes.get(id(item)) if is_tensor else None
            if node is None:
                node = f"c{next(ids)}"
                while node in attrs_of:  # never clash with a node of the walk
                    node = f"c{next(ids)}"
                if is_tensor:
                    tensor_nodes[id(item)] = node
                    attrs = _tensor_attrs(item, version, names)
                else:  # filled in below, with all the numbers at once
                    attrs = {}
                    numbers.setdefault((type(item), item), []).append(attrs)
                if tracker is not None:
                    attrs["module"] = _module_of(item, attrs_of[consumer], tracker)
                nodes.append((node, attrs))
            edges.append((node, consumer, {
                "output_nr": 0, "uses": [], "grad": None, "contributions": [],
            }))
    for base, uses in zip(_number_attrs(list(numbers)), numbers.values(), strict=True):
        for attrs in uses:
            own = attrs.copy()  # its module, when modules are tracked: after the rest
            attrs.clear()
            attrs.update(base, **own)
    add_new(graph, nodes, edges)


def _module_of(item: object, consumer: Mapping[str, object], tracker: ModuleTracker):
    """A number belongs to the module whose code wrote it, a buffer to its module; data
    passed into a model belongs to none."""
    if isinstance(item, torch.Tensor):
        entry = tracker.tensor_paths.get(id(item))
        return entry[1] if entry is not None else None
    return consumer.get("module")


def _tensor_attrs(item: torch.Tensor, version: int, names: Mapping[int, str]) -> dict:
    name = names.get(id(item))
    value: torch.Tensor | None = item.detach()
    note = None
    if item._version != version:
        value, note = None, "modified in place after it was used"
    return _attrs(name or _value_label(value), name, tuple(item.shape), item.dtype, value, note)


def _number_attrs(keys: list[tuple[type, object]]) -> list[dict]:
    """The attributes of each (type, number) in ``keys``. The floats (thousands in a loop
    like ``x * (0.5 + i / 100)``) become one tensor, cut into its scalars, and their labels
    are formatted together: a ``torch.tensor`` and a ``format_tensor`` each took 3x longer."""
    floats = [i for i, (kind, _) in enumerate(keys) if kind is float]
    values: list = [None] * len(keys)
    labels: list = [None] * len(keys)
    if floats:
        column = torch.tensor([keys[i][1] for i in floats])  # the dtype torch.tensor(x) gives
        texts = format_numbers(column.numpy().astype(np.float64), SCALAR_DIGITS)
        for i, value, text in zip(floats, column.unbind(), texts, strict=True):
            values[i], labels[i] = value, text if len(text) <= LABEL_MAX_CHARS else "constant"
    for i, (_, item) in enumerate(keys):
        if values[i] is None:
            values[i] = torch.tensor(item)
            labels[i] = _value_label(values[i])
    return [
        _attrs(label, None, (), value.dtype, value, None)
        for value, label in zip(values, labels, strict=True)
    ]


def _attrs(label: str, name: str | None, shape: tuple, dtype: torch.dtype,
           value: torch.Tensor | None, note: str | None) -> dict:
    return dict(
        kind="constant", op=None, label=label, name=name, shape=shape, dtype=str(dtype),
        value=value, grad=None, saved={}, order=None, note=note,
    )


def _value_label(value: torch.Tensor | None) -> str:
    if value is None or value.numel() > 3:
        return "constant"
    text = format_tensor(value, 3)
    return text if len(text) <= LABEL_MAX_CHARS else "constant"
