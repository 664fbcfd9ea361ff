"""Find nodes in a large graph by name or op (Ctrl+F), and jump from match to match.

Matching is a plain function of the graph, so it is tested without widgets; the bar only
types, counts and asks the view to highlight the matches and centre on the current one.
"""

from __future__ import annotations

import networkx as nx
from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from gradviz.core.layout import Layout
from gradviz.ui.graph_view import GraphView

SEARCHED_ATTRS = ("label", "name", "op")


def matching_nodes(graph: nx.DiGraph | None, query: str, layout: Layout | None = None) -> list[str]:
    """Nodes whose label, variable name or op contains ``query``, ignoring case.

    Ordered as they are drawn, left to right and then top to bottom, so stepping through
    the matches walks the graph from its inputs to its output. An empty query matches none.
    """
    needle = query.strip().casefold()
    if graph is None or not needle:
        return []
    found = [
        node
        for node, attrs in graph.nodes(data=True)
        if any(needle in str(attrs.get(key) or "").casefold() for key in SEARCHED_ATTRS)
    ]
    if layout is not None:
        positions = layout.positions
        found.sort(key=lambda node: positions[node])
    return found


class GraphSearch(QWidget):
    """A find bar for a ``GraphView``: type to find, Enter / Shift+Enter for the next /
    previous match, Esc to close. The matches are outlined and the current one centred."""

    def __init__(self, view: GraphView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("graphSearch")
        self._view = view
        self._matches: list[str] = []
        self._current = -1

        self.field = QLineEdit()
        self.field.setObjectName("searchField")
        self.field.setPlaceholderText("Find a node by name or op")
        self.field.setToolTip(
            "Cards whose label, variable name or op contains this text (any case);"
            " Enter: next, Shift+Enter: previous, Esc: close"
        )
        self.field.setClearButtonEnabled(True)
        self.count_label = QLabel()
        self.count_label.setObjectName("searchCount")
        self.count_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("99999 of 99999"))
        self.previous_button = _tool_button("↑", "Previous match (Shift+Enter)")
        self.next_button = _tool_button("↓", "Next match (Enter)")
        self.close_button = _tool_button("✕", "Close (Esc)")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Find"))
        layout.addWidget(self.field, stretch=1)
        layout.addWidget(self.count_label)
        for button in (self.previous_button, self.next_button, self.close_button):
            layout.addWidget(button)

        self.field.textChanged.connect(self._search)
        self.field.installEventFilter(self)
        view.installEventFilter(self)  # Esc also closes the bar after a click on the graph
        self.previous_button.clicked.connect(self.previous)
        self.next_button.clicked.connect(self.next)
        self.close_button.clicked.connect(self.close_search)
        view.graph_loaded.connect(self._on_graph_loaded)
        self.hide()

    # -- public ---------------------------------------------------------------------------

    def open(self) -> None:
        """Show the bar with its text selected, ready to type over."""
        self.show()
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()
        self._search()

    def close_search(self) -> None:
        """Hide the bar and its highlights; the view keeps where it is."""
        self.hide()
        self._view.set_search_matches([], None)
        self._view.setFocus(Qt.FocusReason.OtherFocusReason)

    def matches(self) -> list[str]:
        return list(self._matches)

    def current(self) -> str | None:
        return self._matches[self._current] if self._matches else None

    @Slot()
    def next(self) -> None:
        self._step(1)

    @Slot()
    def previous(self) -> None:
        self._step(-1)

    # -- internals ------------------------------------------------------------------------

    @Slot()
    def _search(self) -> None:
        view = self._view
        self._matches = matching_nodes(view.graph, self.field.text(), view.graph_layout)
        self._current = 0 if self._matches else -1
        self._show_current()

    @Slot(object)
    def _on_graph_loaded(self, _graph: object) -> None:
        if self.isVisible():
            self._search()

    def _step(self, direction: int) -> None:
        if self._matches:
            self._current = (self._current + direction) % len(self._matches)
            self._show_current()

    def _show_current(self) -> None:
        current = self.current()
        self._view.set_search_matches(self._matches, current)
        if current is not None:
            self._view.center_on(current)
        if self._matches:
            self.count_label.setText(f"{self._current + 1} of {len(self._matches)}")
        else:
            self.count_label.setText("no match" if self.field.text().strip() else "")
        for button in (self.previous_button, self.next_button):
            button.setEnabled(len(self._matches) > 1)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.KeyPress and watched in (self.field, self._view):
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key == Qt.Key.Key_Escape and self.isVisible():
                self.close_search()
                return True
            if watched is self.field and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                shift = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
                self._step(-1 if shift else 1)
                return True
        return super().eventFilter(watched, event)


def _tool_button(text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    return button
