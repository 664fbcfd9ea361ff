"""The inspector: everything about one node, and the chain-rule step that made its gradient.

It reads the node's attributes from the graph it is given and keeps nothing else, so it
can never show a stale mix of two graphs.
"""

from __future__ import annotations

import html

import networkx as nx
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.formatting import MISSING, format_shape, format_tensor, is_scalar
from gradviz.core.op_info import ChainRule, ChainTerm, chain_rule_terms, describe_op, op_info
from gradviz.ui import palette
from gradviz.ui.tensor_view import TensorView

EMPTY_TEXT = "Click a node in the graph to see its value, its gradient and the chain rule."
SAVED_MAX_ELEMS = 12


def _label(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setObjectName(name)
    return label


def _heading(text: str) -> QLabel:
    label = QLabel(f"<b>{html.escape(text)}</b>")
    label.setContentsMargins(0, 8, 0, 0)
    return label


class NodeInspector(QWidget):
    """Side panel for the selected node: ``show_node(G, node_id)`` fills it, ``clear()`` empties.

    Readable down to about 300 px wide: everything wraps, and the panel scrolls vertically.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("nodeInspector")
        self.node_id: str | None = None

        self.empty = _label(EMPTY_TEXT, "inspectorEmpty")
        self.title = _label(name="inspectorTitle")
        self.op = _label(name="inspectorOp")
        self.name = _label(name="inspectorName")
        self.shape = _label(name="inspectorShape")
        self.dtype = _label(name="inspectorDtype")
        self.order = _label(name="inspectorOrder")
        self.chain_rule = _label(name="inspectorChainRule")
        self.chain_rule.setTextFormat(Qt.TextFormat.RichText)
        self.value = TensorView()
        self.value.setObjectName("inspectorValue")
        self.grad = TensorView()
        self.grad.setObjectName("inspectorGrad")
        self.saved = _label(name="inspectorSaved")
        self.note = _label(name="inspectorNote")

        self._details = QWidget()
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for text, field in (
            ("Op", self.op),
            ("Name", self.name),
            ("Shape", self.shape),
            ("dtype", self.dtype),
            ("Backward order", self.order),
        ):
            form.addRow(text, field)
        details = QVBoxLayout(self._details)
        details.setContentsMargins(0, 0, 0, 0)
        details.addWidget(self.title)
        details.addLayout(form)
        for heading, widget in (
            ("Gradient, by the chain rule", self.chain_rule),
            ("Value", self.value),
            ("Gradient", self.grad),
            ("Saved for backward", self.saved),
        ):
            details.addWidget(_heading(heading))
            details.addWidget(widget)
        details.addWidget(self.note)

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(8, 8, 8, 8)
        column.addWidget(self.empty)
        column.addWidget(self._details)
        column.addStretch()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.setMinimumWidth(220)
        self.clear()

    def clear(self) -> None:
        """Back to the hint: no node selected."""
        self.node_id = None
        self._details.hide()
        self.empty.show()

    def show_node(self, G: nx.DiGraph, node_id: str) -> None:
        """Show ``G.nodes[node_id]``: its properties, value, gradient and chain rule."""
        attrs = G.nodes[node_id]
        self.node_id = node_id
        kind = attrs.get("kind") or "?"
        label = str(attrs.get("label") or op_info(attrs.get("op")).label)
        color = palette.kind_color(kind).name()
        self.title.setText(
            f"<span style='font-size:14pt; font-weight:600'>{html.escape(label)}</span>"
            f"&nbsp;&nbsp;<span style='background:{color}; color:#000'>&nbsp;{kind}&nbsp;</span>"
        )
        op = attrs.get("op")
        self.op.setText(
            f"{html.escape(describe_op(op))}<br><span style='color:{palette.TEXT_DIM.name()}'>"
            f"{html.escape(op_info(op).meaning)}</span>"
            if op
            else MISSING
        )
        self.name.setText(str(attrs.get("name") or MISSING))
        self.shape.setText(format_shape(attrs.get("shape")))
        self.dtype.setText(str(attrs.get("dtype") or MISSING).removeprefix("torch."))
        order = attrs.get("order")
        self.order.setText(MISSING if order is None else f"{order} (0 runs first)")
        self.chain_rule.setText(chain_rule_html(G, node_id))
        note = attrs.get("note")
        self.value.set_value(attrs.get("value"), note)
        self.grad.set_value(attrs.get("grad"), note)
        saved = attrs.get("saved") or {}
        self.saved.setText(
            "<br>".join(
                f"<i>{html.escape(str(k))}</i> = {html.escape(format_tensor(v, SAVED_MAX_ELEMS))}"
                for k, v in saved.items()
            )
            or "nothing"
        )
        self.note.setText(f"<i>{html.escape(note)}</i>" if note else "")
        self.note.setVisible(bool(note))
        self.empty.hide()
        self._details.show()


def _output_label(G: nx.DiGraph) -> str:
    outputs = G.graph.get("outputs") or []
    if len(outputs) == 1 and outputs[0] in G:
        return str(G.nodes[outputs[0]].get("label") or "y")
    return "out"


def _term_html(term: ChainTerm) -> str:
    who = html.escape(term.consumer_label)
    uses = f" ({term.uses} uses)" if term.uses > 1 else ""
    contribution = html.escape(format_tensor(term.contribution))
    if term.local is None:
        return f"• <b>{who}</b>{uses}: contribution {contribution}" + _uses_html(term)
    local = html.escape(term.local_formula or format_tensor(term.local))
    upstream = html.escape(format_tensor(term.upstream))
    line = f"• <b>{who}</b>{uses}: upstream {upstream} × local {local} = {contribution}"
    return line + _uses_html(term)


def _uses_html(term: ChainTerm) -> str:
    """The accumulation inside one consumer, e.g. x·x: ``the 2 uses add up: 3 + 3 = 6``."""
    if not term.parts:
        return ""
    parts = " + ".join(html.escape(format_tensor(p)) for p in term.parts)
    total = html.escape(format_tensor(term.contribution))
    return f"<br>&nbsp;&nbsp;&nbsp;the {len(term.parts)} uses add up: {parts} = {total}"


def chain_rule_html(G: nx.DiGraph, node_id: str) -> str:
    """The chain rule at a node, e.g. ``• pow: upstream 1 × local 3·5² = 75``, then the sum."""
    rule: ChainRule = chain_rule_terms(G, node_id)
    attrs = G.nodes[node_id]
    out = html.escape(_output_label(G))
    me = html.escape(str(attrs.get("label") or node_id))
    total = html.escape(format_tensor(rule.total))
    if rule.is_seed:
        given = attrs.get("grad_outputs")
        source = " (grad_outputs = ones, the default)" if isinstance(given, str) else ""
        return f"∂{out}/∂{me} = {total}: the seed that starts the backward pass{source}."
    if attrs.get("kind") == "constant":
        return "A constant: no gradient flows into it."
    if rule.total is None and not rule.terms:
        return "No gradient reaches this node."
    lines = [f"∂{out}/∂{me} = Σ over its consumers of upstream × local:"]
    lines += [_term_html(term) for term in rule.terms]
    if len(rule.terms) > 1 and is_scalar(rule.total):
        parts = " + ".join(html.escape(format_tensor(t.contribution)) for t in rule.terms)
        lines.append(f"Σ = {parts} = <b>{total}</b>")
    else:
        lines.append(f"∂{out}/∂{me} = <b>{total}</b>")
    return "<br>".join(lines)
