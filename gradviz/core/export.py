"""Write a traced graph as GraphML, node-link JSON or DOT text (no Graphviz needed).

Values and gradients go into every format. Files are written atomically: to a
temporary file beside the target, then renamed, so a failure never leaves a
half-written file behind.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import torch

from gradviz.core.atomic_file import atomic_path

MAX_LISTED_ELEMENTS = 10_000
TEXT_FORMATS = ("graphml", "json", "dot")


class ExportError(OSError):
    """An export that could not be written; the message says why and where."""


def write_atomic(path: str | os.PathLike, write: Callable[[Path], None]) -> None:
    """Call write(tmp) on a temporary file beside `path`, then rename it into place."""
    target = Path(path)
    try:
        with atomic_path(target) as tmp:
            write(Path(tmp))
    except OSError as exc:
        if isinstance(exc, ExportError):
            raise
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc


def export_graph(G: nx.DiGraph, path: str | os.PathLike, fmt: str | None = None) -> None:
    """Write G to `path` in `fmt` (default: from the file's extension)."""
    fmt = (fmt or Path(path).suffix.lstrip(".")).lower()
    writers = {"graphml": _write_graphml, "json": _write_json, "dot": _write_dot}
    if fmt not in writers:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(TEXT_FORMATS)}")
    write_atomic(path, lambda tmp: writers[fmt](G, tmp))


def plain(value: object) -> object:
    """JSON-ready form of an attribute: tensors become lists (or a summary when huge)."""
    if isinstance(value, torch.Tensor):
        t = value.detach()
        if t.numel() <= MAX_LISTED_ELEMENTS:
            return t.tolist()
        f = t.double()
        return {"shape": list(t.shape), "min": f.min().item(), "mean": f.mean().item(),
                "max": f.max().item()}
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _json_text(value: object) -> str:
    return json.dumps(plain(value), allow_nan=True)


def _write_json(G: nx.DiGraph, path: Path) -> None:
    data = nx.node_link_data(_plain_graph(G), edges="edges")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1)


def _plain_graph(G: nx.DiGraph) -> nx.DiGraph:
    H = nx.DiGraph()
    H.graph.update({k: plain(v) for k, v in G.graph.items()})
    for node, attrs in G.nodes(data=True):
        H.add_node(node, **{k: plain(v) for k, v in attrs.items()})
    for u, v, attrs in G.edges(data=True):
        H.add_edge(u, v, **{k: plain(val) for k, val in attrs.items()})
    return H


def _write_graphml(G: nx.DiGraph, path: Path) -> None:
    """GraphML holds scalars only: numbers and text stay, everything else is JSON text."""
    H = nx.DiGraph()
    for key, value in G.graph.items():
        H.graph[key] = _scalar_or_json(value)
    for node, attrs in G.nodes(data=True):
        H.add_node(node, **{k: _scalar_or_json(v) for k, v in attrs.items()})
    for u, v, attrs in G.edges(data=True):
        H.add_edge(u, v, **{k: _scalar_or_json(val) for k, val in attrs.items()})
    nx.write_graphml(H, path)


def _scalar_or_json(value: object) -> object:
    if isinstance(value, (bool, int, float, str)):
        return value
    return _json_text(value)


def _write_dot(G: nx.DiGraph, path: Path) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(to_dot(G))


def to_dot(G: nx.DiGraph) -> str:
    """DOT text with each node's label, value and grad; readable by any Graphviz tool."""
    lines = ["digraph gradviz {", "  rankdir=LR;", '  node [shape=box, fontname="monospace"];']
    for node, attrs in G.nodes(data=True):
        label = "\\n".join(
            [
                _dot_escape(str(attrs.get("label") or node)),
                f"value {_dot_escape(_short(attrs.get('value')))}",
                f"grad {_dot_escape(_short(attrs.get('grad')))}",
            ]
        )
        lines.append(f'  "{_dot_escape(node)}" [label="{label}", kind="{attrs.get("kind")}"];')
    for u, v in G.edges:
        lines.append(f'  "{_dot_escape(u)}" -> "{_dot_escape(v)}";')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _short(value: object) -> str:
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return f"{value.item():.6g}"
    text = json.dumps(plain(value))
    return text if len(text) <= 60 else text[:57] + "..."


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
