"""Walk a tensor's grad_fn graph into a networkx.DiGraph (schema: DESIGN.md §2).

Walk first, annotate second: the walk is an iterative BFS over
``next_functions`` (no recursion limit), then one backward pass with node hooks
fills in every node's gradient and the engine's execution order.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache, partial
from itertools import count
from operator import attrgetter

import networkx as nx
import torch

from gradviz.core.bulk_graph import add_new
from gradviz.core.constants import add_constants
from gradviz.core.deep_stack import ensure_deep_stack
from gradviz.core.module_paths import add_module_paths
from gradviz.core.process_switch import ProcessSwitch
from gradviz.core.recording import Recording, last_recording

ensure_deep_stack()

NamesArg = Mapping[str, torch.Tensor] | Iterable[tuple[str, torch.Tensor]] | None

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_BACKWARD_SUFFIX = re.compile(r"Backward\d*$")
_SAVED_ATTRS: dict[type, tuple[tuple[str, ...], tuple[str, ...], attrgetter | None]] = {}
"""Per grad_fn class: its `_saved_*` attributes, their names in ``saved``, one getter."""
_AS_IS = frozenset((int, float, bool, str, type(None)))
"""Types of saved values that _plain returns unchanged (the common case, checked inline)."""
FREED = "freed by an earlier backward()"
_DTYPE_TEXT: dict[torch.dtype, str] = {}


@lru_cache(maxsize=1024)
def op_label(op: str) -> str:
    """'PowBackward0' -> 'pow', 'MseLossBackward0' -> 'mse_loss'."""
    return _CAMEL.sub("_", _BACKWARD_SUFFIX.sub("", op)).lower() or op


def trace(
    *outputs: torch.Tensor,
    names: NamesArg = None,
    recording: Recording | None = None,
    grad_outputs: Iterable[torch.Tensor] | None = None,
) -> nx.DiGraph:
    """The annotated autograd graph of `outputs`.

    Forward values come from `recording` (default: the last ``record()`` block)
    and from the named and output tensors themselves. Gradients are d output /
    d node, seeded with ones (or `grad_outputs`). Tracing leaves every ``.grad``
    as it was, removes its hooks, and never raises because a backward fails:
    the affected nodes get ``grad=None`` and a ``note`` saying why.
    """
    if not outputs:
        raise TypeError("trace() needs at least one tensor")
    for out in outputs:
        if not isinstance(out, torch.Tensor):
            raise TypeError(f"trace() takes tensors, not {type(out).__name__}")
    seeds = list(grad_outputs) if grad_outputs is not None else None
    with gc_paused():
        return _build(outputs, names, recording or last_recording(), seeds)


def _build(outputs, names: NamesArg, recording: Recording | None, seeds) -> nx.DiGraph:
    """The graph; the builder's bookkeeping is freed on return, before the GC pause ends,
    so the collection that follows the pause does not walk it."""
    builder = _GraphBuilder(outputs, _name_maps(names), recording)
    builder.walk()
    builder.add_nodes()
    builder.backward(seeds)
    add_module_paths(builder.graph, builder.node_id, builder.recording)
    add_constants(builder.graph, builder.fns, builder.node_id, builder.recording,
                  builder.leaf_names)
    return builder.graph


PROMOTE_BACKLOG = 100_000
"""Objects made during a pause beyond which they are moved straight to the oldest GC
generation when it ends (see ``_GcPause``)."""


class _GcPause(ProcessSwitch):
    """Pause the cyclic GC: its passes walk whole autograd graphs and dominate big traces.

    Safe to nest and to use from several threads at once: the GC is one switch for the
    whole process, so it comes back on (if it was on) only when the last pause ends. A pass
    during a worker's big build would also hold the GIL for hundreds of ms and freeze the
    GUI thread. For the same reason, a big pause's objects skip the young generations when
    it ends: otherwise the next two passes walked all of them (0.3 s and 0.2 s for a
    100k-node graph, on whichever thread allocated next: the GUI's). ``freeze()`` then
    ``unfreeze()`` moves every object into the oldest generation without a scan; cyclic
    garbage among them is collected by the next full pass, as any old object's is.
    """

    def __init__(self) -> None:
        super().__init__()
        self._was_enabled = False

    def _enter(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()

    def _leave(self) -> None:
        if self._was_enabled:
            if gc.get_count()[0] > PROMOTE_BACKLOG:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


gc_paused = _GcPause()


def _name_maps(names: NamesArg) -> tuple[dict[int, str], dict[tuple[int, int], str]]:
    """Leaf tensor id -> name, and (grad_fn id, output_nr) -> name; first name wins."""
    pairs = names.items() if isinstance(names, Mapping) else (names or ())
    leaf_names: dict[int, str] = {}
    fn_names: dict[tuple[int, int], str] = {}
    for name, tensor in pairs:
        if not isinstance(tensor, torch.Tensor):
            continue
        if tensor.grad_fn is None:
            leaf_names.setdefault(id(tensor), name)
        else:
            fn_names.setdefault((id(tensor.grad_fn), tensor.output_nr), name)
    return leaf_names, fn_names


class _GraphBuilder:
    def __init__(self, outputs, name_maps, recording: Recording | None):
        self.outputs = outputs
        self.leaf_names, self.fn_names = name_maps
        self.recording = recording
        self.graph = nx.DiGraph()
        self.node_id: dict[int, str] = {}  # id(grad_fn) or id(leaf tensor) -> node id
        self.fns: list[object] = []  # op grad_fns, in walk order (kept alive)
        self.leaves: list[torch.Tensor] = []
        # (producer, consumer) -> the edge's attribute dict, in walk order
        self.edge_attrs: dict[tuple[str, str], dict] = {}
        # op node -> per input, the contributions list of the edge it arrives by (or None)
        self.inputs_of: dict[str, list[list | None]] = {}
        self.node_attrs: dict[str, dict] = {}  # node -> the attribute dict the graph holds
        self.known: dict[tuple[int, int], torch.Tensor] = {}
        for out in outputs:
            if out.grad_fn is not None:
                self.known[(id(out.grad_fn), out.output_nr)] = out.detach()

    # -- walk ---------------------------------------------------------------

    def walk(self) -> None:
        """Breadth-first over ``next_functions``; one loop with local names, as it runs per edge.

        ``fns`` is the queue: the loop over it also visits the ops appended as it goes.
        """
        node_id, fns, leaves = self.node_id, self.fns, self.leaves
        edge_attrs, inputs_of = self.edge_attrs, self.inputs_of
        for out in self.outputs:
            start = out.grad_fn if out.grad_fn is not None else out
            if (out.grad_fn is not None or out.requires_grad) and id(start) not in node_id:
                node_id[id(start)] = f"n{len(node_id)}"
                (leaves if start is out else fns).append(start)
        for fn in fns:
            consumer = node_id[id(fn)]
            inputs: list[list | None] = []
            for in_nr, (producer_fn, out_nr) in enumerate(fn.next_functions):
                if producer_fn is None:
                    inputs.append(None)
                    continue
                is_leaf = type(producer_fn).__name__ == "AccumulateGrad"
                obj = producer_fn.variable if is_leaf else producer_fn
                producer = node_id.get(id(obj))
                if producer is None:
                    producer = node_id[id(obj)] = f"n{len(node_id)}"
                    (leaves if is_leaf else fns).append(obj)
                attrs = edge_attrs.get((producer, consumer))
                if attrs is None:
                    attrs = edge_attrs[producer, consumer] = {
                        "output_nr": out_nr, "uses": [(out_nr, in_nr)], "grad": None,
                        "contributions": [],
                    }
                else:
                    attrs["uses"].append((out_nr, in_nr))
                inputs.append(attrs["contributions"])
            inputs_of[consumer] = inputs

    # -- nodes --------------------------------------------------------------

    def add_nodes(self) -> None:
        """All nodes and edges at once, their dicts stored as built (see bulk_graph)."""
        node_id, leaf_names, attrs = self.node_id, self.leaf_names, self.node_attrs
        for leaf in self.leaves:
            name = leaf_names.get(id(leaf))
            attrs[node_id[id(leaf)]] = {
                "kind": "leaf", "op": "AccumulateGrad", "label": name or "leaf", "name": name,
                "shape": tuple(leaf.shape), "dtype": _dtype_text(leaf.dtype),
                "value": leaf.detach(), "grad": None, "saved": {}, "order": None, "note": None,
            }
        self._add_op_attrs()
        edges = [(u, v, data) for (u, v), data in self.edge_attrs.items()]
        outputs = []
        for k, out in enumerate(self.outputs):
            node = f"out{k}"
            outputs.append(node)
            name = self._output_name(out)
            attrs[node] = {
                "kind": "output", "op": None,
                "label": name or ("output" if len(self.outputs) == 1 else f"output {k}"),
                "name": name, "shape": tuple(out.shape), "dtype": _dtype_text(out.dtype),
                "value": out.detach(), "grad": None, "saved": {}, "order": None, "note": None,
            }
            source = out.grad_fn if out.grad_fn is not None else out
            if id(source) in node_id:
                edges.append((node_id[id(source)], node, {
                    "output_nr": out.output_nr, "uses": [(out.output_nr, 0)], "grad": None,
                    "contributions": [],
                }))
        G = self.graph
        add_new(G, attrs.items(), edges)
        G.graph["outputs"] = outputs
        G.graph["grad_outputs"] = "ones"
        G.graph["backward_error"] = None

    def _output_name(self, out: torch.Tensor) -> str | None:
        if out.grad_fn is None:
            return self.leaf_names.get(id(out))
        return self.fn_names.get((id(out.grad_fn), out.output_nr))

    def _add_op_attrs(self) -> None:
        """Every op node's attributes, in one loop with local names (it runs for most nodes)."""
        attrs_of, node_id, known, fn_names = (
            self.node_attrs, self.node_id, self.known, self.fn_names
        )
        recorded = self.recording.value if self.recording is not None else None
        for fn in self.fns:
            op = type(fn).__name__
            metadata = getattr(fn, "_input_metadata", None) or ()
            n_out = len(metadata) or 1
            key = id(fn)
            values, notes = [], []
            for nr in range(n_out):
                value = known.get((key, nr))
                if value is None and recorded is not None:
                    value, note = recorded(fn, nr)
                    if note:
                        notes.append(note)
                values.append(value)
            name = None
            if fn_names:  # usually empty: trace() without names
                name = next((n for nr in range(n_out) if (n := fn_names.get((key, nr)))), None)
            attrs_of[node_id[key]] = {
                "kind": "op", "op": op, "label": op_label(op), "name": name,
                "shape": tuple(metadata[0].shape) if n_out == 1 and metadata else None,
                "dtype": _dtype_text(metadata[0].dtype) if metadata else None,
                "value": values[0] if n_out == 1 else tuple(values), "grad": None,
                "saved": _saved_values(fn), "order": None, "note": "; ".join(notes) or None,
                "n_outputs": n_out,
            }

    # -- backward -----------------------------------------------------------

    def backward(self, seeds: list[torch.Tensor] | None) -> None:
        G = self.graph
        diff = [(k, out) for k, out in enumerate(self.outputs) if out.requires_grad]
        if seeds is None:
            seeds = [torch.ones_like(out) for out in self.outputs]
        else:
            G.graph["grad_outputs"] = "given"
        for k in range(len(self.outputs)):
            node = f"out{k}"
            G.nodes[node]["grad"] = seeds[k].detach()
            for producer in G.predecessors(node):
                G.edges[producer, node]["grad"] = seeds[k].detach()
        if not diff:
            return
        if not self.leaves:
            self._note_missing("no input below this node requires grad")
            return
        # Each hook annotates its own node as it fires, in the engine's order. It is bound
        # to the node's attribute dict and its in-edges' contribution lists (a partial: no
        # closure per node), so nothing is looked up per node and no log is replayed.
        order = count().__next__
        attrs_of, node_id, inputs_of = self.node_attrs, self.node_id, self.inputs_of
        handles = []
        for fn in self.fns:
            node = node_id[id(fn)]
            hook = partial(_op_fired, attrs_of[node], inputs_of[node], order)
            handles.append(fn.register_hook(hook))
        for leaf in self.leaves:
            hook = partial(_leaf_fired, attrs_of[node_id[id(leaf)]], order)
            handles.append(leaf.register_hook(hook))
        try:
            # Seeding through sum(out * seed) rather than grad_outputs= gives the same
            # gradients and skips torch's grad_outputs check, which imports sympy (~1 s).
            total = sum((out * seeds[k]).sum() for k, out in diff)
            torch.autograd.grad(total, self.leaves, retain_graph=True, allow_unused=True)
        except Exception as exc:  # an unsupported or freed backward must not lose the graph
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            G.graph["backward_error"] = message
            self._note_missing(f"backward stopped before this node: {message}")
        finally:
            for handle in handles:
                handle.remove()
        self._sum_edge_grads()

    def _sum_edge_grads(self) -> None:
        """The walk's edges only: output edges keep their seed, constants come later."""
        for data in self.edge_attrs.values():
            parts = data["contributions"]
            if parts:
                total = parts[0]
                for part in parts[1:]:
                    total = total + part
                data["grad"] = total

    def _note_missing(self, why: str) -> None:
        for attrs in self.node_attrs.values():
            if attrs["kind"] in ("op", "leaf") and attrs["order"] is None:
                attrs["note"] = "; ".join(filter(None, (attrs["note"], why)))


def _op_fired(attrs: dict, inputs: list, order, grad_inputs: tuple, grad_outputs: tuple) -> None:
    """An op's hook: its order and grad, and what it sends back along each in-edge.

    A node whose backward raised never fires: it keeps no grad and backward() notes why.
    Grads need no detach: without create_graph, backward makes none that require grad.
    """
    attrs["order"] = order()
    attrs["grad"] = grad_outputs[0] if len(grad_outputs) == 1 else tuple(grad_outputs)
    for parts, part in zip(inputs, grad_inputs, strict=False):
        if parts is not None and part is not None:
            parts.append(part)


def _leaf_fired(attrs: dict, order, grad: torch.Tensor) -> None:
    attrs["order"] = order()
    attrs["grad"] = grad


def _saved_values(fn) -> dict[str, object]:
    """The node's `_saved_*` attributes; a freed buffer becomes the FREED marker.

    Read through one ``attrgetter`` per class (this runs for every node of a big graph);
    only when one of them is freed are they read one by one, to mark just that one.
    """
    entry = _SAVED_ATTRS.get(type(fn))
    if entry is None:
        attrs = tuple(a for a in dir(fn) if a.startswith("_saved_"))
        entry = _SAVED_ATTRS[type(fn)] = (
            attrs, tuple(a.removeprefix("_saved_") for a in attrs),
            attrgetter(*attrs) if attrs else None,
        )
    attrs, keys, read_all = entry
    if read_all is None:
        return {}
    try:
        values = read_all(fn)
    except RuntimeError:
        values = tuple(_read_saved(fn, attr) for attr in attrs)
    else:
        if len(attrs) == 1:
            values = (values,)
    return {
        key: value if type(value) in _AS_IS else _plain(value)
        for key, value in zip(keys, values, strict=True)
    }


def _read_saved(fn, attr: str) -> object:
    try:
        return getattr(fn, attr)
    except RuntimeError:
        return FREED


def _plain(value: object) -> object:
    """Saved values as plain data: tensors detached, sizes and lists as tuples."""
    if isinstance(value, torch.Tensor):
        return value.detach()
    if type(value) is tuple and all(map(_AS_IS.__contains__, map(type, value))):
        return value  # sizes and strides: immutable, so the same as the copy below
    if isinstance(value, (tuple, list)):  # torch.Size too
        return tuple(_plain(v) for v in value)
    return value


def _dtype_text(dtype: torch.dtype) -> str:
    """``str(dtype)``, remembered: formatting a dtype costs more than the dict lookup."""
    text = _DTYPE_TEXT.get(dtype)
    if text is None:
        text = _DTYPE_TEXT[dtype] = str(dtype)
    return text
