"""The graph tab's "Constants" and "Group by module" toggles, and double-click to open a box."""

from __future__ import annotations

import networkx as nx
from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QWidget

from gradviz.ui.graph_filters import (
    GraphFilters,
    has_constants,
    has_modules,
    node_of_module,
    shown_graph,
    toggle_module,
)


class GraphFilterBar(QWidget):
    """Holds the filters for the current graph; ``changed`` asks the owner to redraw."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filters = GraphFilters()
        self._shown: nx.DiGraph | None = None
        self._focus: str | None = None  # the module a double-click just opened or closed
        self.constants = QCheckBox("Constants")
        self.constants.setObjectName("showConstants")
        self.constants.setChecked(True)
        self.constants.setToolTip("Show inputs that take no gradient (numbers, data) as grey cards")
        self.group = QCheckBox("Group by module")
        self.group.setObjectName("groupByModule")
        self.group.setToolTip(
            "One box per nn.Module (recorded under gradviz.record()); double-click a box to "
            "open it, double-click a card inside to close it again"
        )
        self.group.setEnabled(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.constants)
        layout.addWidget(self.group)
        self.constants.toggled.connect(self._on_toggled)
        self.group.toggled.connect(self._on_toggled)

    def set_source(self, graph: nx.DiGraph | None) -> None:
        """A new graph: enable the toggles that apply to it. A graph with module information
        opens grouped, so a model reads as its layers; the checkbox opens it all."""
        modules = has_modules(graph)
        self.constants.setEnabled(has_constants(graph))
        self.group.setEnabled(modules)
        self.group.blockSignals(True)
        self.group.setChecked(modules)
        self.group.blockSignals(False)
        self.filters = GraphFilters(self.constants.isChecked(), self.group.isChecked())

    def shown(self, graph: nx.DiGraph | None) -> nx.DiGraph | None:
        """The graph to draw for ``graph`` under the current filters."""
        self._shown = shown_graph(graph, self.filters)
        return self._shown

    @Slot(str)
    def activate(self, node_id: str) -> None:
        """A double-click on a card of the shown graph: open or close a module box."""
        if self._shown is None:
            return
        filters = toggle_module(self._shown, node_id, self.filters)
        if filters is not None:
            opened = filters.expanded - self.filters.expanded
            closed = self.filters.expanded - filters.expanded
            self._focus = min(opened or closed, key=len)
            self.filters = filters
            self.changed.emit()

    def take_focus(self) -> str | None:
        """After a double-click redraw: the card that stands for the module it opened or
        closed, so the owner can keep it in view. Asked once; later redraws get None."""
        path, self._focus = self._focus, None
        if path is None or self._shown is None:
            return None
        return node_of_module(self._shown, path)

    @Slot()
    def _on_toggled(self) -> None:
        self.filters = GraphFilters(
            self.constants.isChecked(), self.group.isChecked(), self.filters.expanded
        )
        self.changed.emit()
