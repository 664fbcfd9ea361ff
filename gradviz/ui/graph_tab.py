"""The graph tab: type a program, evaluate it, see its autograd graph and inspect a node.

This is the only place that wires the editor, the evaluator, the graph view and the
inspector together; each of those knows nothing about the others.
"""

from __future__ import annotations

import html

import networkx as nx
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gradviz import Evaluation, ProgramError
from gradviz.core.formatting import format_tensor
from gradviz.ui.background_evaluator import BackgroundEvaluator
from gradviz.ui.editor import ProgramEditor
from gradviz.ui.graph_search import GraphSearch
from gradviz.ui.graph_view import GraphView
from gradviz.ui.inspector import NodeInspector

AUTO_EVALUATE_DELAY_MS = 800
EMPTY_PROGRAM_HINT = (
    "Nothing to evaluate yet. Type a program such as <code>a = 5; y = a**2</code> and press"
    " Ctrl+Enter, or pick one from the Examples menu."
)
ERROR_STYLE = "color: #b71c1c; background: #fdecea; border-radius: 3px; padding: 4px;"
HINT_STYLE = "color: #455a64; background: #eceff1; border-radius: 3px; padding: 4px;"


def is_blank_program(text: str) -> bool:
    """True if the text has nothing to run: only blank lines and comments."""
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


def _pane(bar: QHBoxLayout, body: QWidget, margins: tuple[int, int, int, int]) -> QWidget:
    """A tool bar above a widget that takes the remaining height."""
    pane = QWidget()
    layout = QVBoxLayout(pane)
    layout.setContentsMargins(*margins)
    layout.addLayout(bar)
    layout.addWidget(body, stretch=1)
    return pane


class GraphTab(QWidget):
    """Editor above the inspector on the left, the graph filling the rest.

    A failed evaluation leaves the last good graph and the user's text exactly as they were.
    Call ``shutdown()`` before discarding the tab: it stops the evaluation thread.
    """

    graph_shown = Signal(object)  # the nx.DiGraph now on screen
    evaluation_failed = Signal(str)  # the message shown in the error label
    status_message = Signal(str)  # one line for the window's status bar

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("graphTab")
        self._evaluated_text: str | None = None

        self.editor = ProgramEditor()
        self.evaluate_button = QPushButton("Evaluate")
        self.evaluate_button.setObjectName("evaluateButton")
        self.evaluate_button.setToolTip("Run the program and draw its graph (Ctrl+Enter)")
        self.auto_evaluate = QCheckBox("Auto")
        self.auto_evaluate.setChecked(True)
        self.auto_evaluate.setToolTip("Evaluate by itself after a short pause in typing")
        self.error_label = QLabel()
        self.error_label.setObjectName("programError")
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()

        self.graph_view = GraphView()
        self.title_label = QLabel()
        self.title_label.setObjectName("graphTitle")
        # A long title (e.g. from the training tab) wraps instead of squeezing the buttons.
        self.title_label.setWordWrap(True)
        self.title_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.busy_bar = QProgressBar()
        self.busy_bar.setObjectName("busyIndicator")
        self.busy_bar.setRange(0, 0)  # indeterminate: we cannot know how long it takes
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setFormat("")
        self.busy_bar.hide()
        self.color_by_grad = QCheckBox("Colour by |grad|")
        self.color_by_grad.setObjectName("colorByGrad")
        self.color_by_grad.setToolTip("Colour nodes by gradient magnitude (log scale)")
        self.fit_button = QPushButton("Fit")
        self.fit_button.setObjectName("fitButton")
        self.fit_button.setToolTip("Fit the whole graph in view (F)")
        self.search = GraphSearch(self.graph_view)
        self.load_bar = QProgressBar()
        self.load_bar.setObjectName("loadProgress")
        self.load_bar.setRange(0, 100)
        self.load_bar.setMaximumWidth(160)
        self.load_bar.setFormat("Drawing %p%")
        self.cancel_load_button = QPushButton("Cancel")
        self.cancel_load_button.setObjectName("cancelLoad")
        self.cancel_load_button.setToolTip("Stop drawing the new graph; keep the one shown")
        for widget in (self.load_bar, self.cancel_load_button):
            widget.hide()
        self._pending_title = ""

        self.inspector = NodeInspector()

        self._auto_timer = QTimer(self, singleShot=True, interval=AUTO_EVALUATE_DELAY_MS)
        self._evaluator = BackgroundEvaluator(self)

        self.setFocusProxy(self.editor)  # focusing the tab means: ready to type
        self._build_layout()
        self._connect()

    def _build_layout(self) -> None:
        program_bar = QHBoxLayout()
        program_bar.addWidget(QLabel("<b>Program</b>"))
        program_bar.addStretch()
        program_bar.addWidget(self.auto_evaluate)
        program_bar.addWidget(self.evaluate_button)
        program_pane = _pane(program_bar, self.editor, (6, 6, 0, 0))
        program_pane.layout().addWidget(self.error_label)

        graph_bar = QHBoxLayout()
        graph_bar.addWidget(self.title_label, stretch=1)
        graph_bar.addWidget(self.busy_bar)
        graph_bar.addWidget(self.load_bar)
        graph_bar.addWidget(self.cancel_load_button)
        graph_bar.addWidget(self.color_by_grad)
        graph_bar.addWidget(self.fit_button)
        graph_pane = _pane(graph_bar, self.graph_view, (6, 6, 6, 6))
        graph_pane.layout().insertWidget(1, self.search)

        # Programs are a few lines, so editor and inspector share the left column and the
        # graph, the point of the tab, gets most of the width.
        side = QSplitter(Qt.Orientation.Vertical)
        side.setObjectName("graphTabSide")
        side.addWidget(program_pane)
        side.addWidget(self.inspector)
        side.setSizes([300, 450])
        main = QSplitter(Qt.Orientation.Horizontal)
        main.setObjectName("graphTabSplitter")
        main.addWidget(side)
        main.addWidget(graph_pane)
        main.setStretchFactor(1, 1)
        main.setSizes([360, 920])
        for splitter in (side, main):
            splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(main)

    def _connect(self) -> None:
        self.editor.evaluate_requested.connect(self.evaluate_text)
        self.evaluate_button.clicked.connect(self.evaluate_text)
        self.editor.textChanged.connect(self._schedule_auto_evaluate)
        self._auto_timer.timeout.connect(self.evaluate_text)
        self._evaluator.succeeded.connect(self._on_evaluated)
        self._evaluator.failed.connect(self._on_failed)
        self._evaluator.busy_changed.connect(self.busy_bar.setVisible)
        self.graph_view.node_selected.connect(self._inspect)
        self.color_by_grad.toggled.connect(self.graph_view.set_color_by_grad)
        self.fit_button.clicked.connect(self.graph_view.fit)
        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.search.open)
        view = self.graph_view
        view.graph_loaded.connect(self._on_graph_loaded)
        view.loading_changed.connect(self.load_bar.setVisible)
        view.loading_changed.connect(self.cancel_load_button.setVisible)
        view.loading_progress.connect(self.load_bar.setValue)
        view.load_failed.connect(self._show_failure)
        self.cancel_load_button.clicked.connect(self.cancel_loading)

    # -- public ---------------------------------------------------------------------------

    def program(self) -> str:
        return self.editor.toPlainText()

    def set_program(self, text: str) -> None:
        """Replace the editor's text (it is evaluated by ``evaluate_text`` or auto-evaluate)."""
        self.editor.setPlainText(text)

    @property
    def evaluating(self) -> bool:
        """True while an evaluation is in flight."""
        return self._evaluator.pending

    @Slot()
    def evaluate_text(self) -> None:
        """Evaluate the editor's text on the worker thread; the graph follows by signal."""
        self._auto_timer.stop()
        text = self.program()
        self._evaluated_text = text
        if is_blank_program(text):
            self.show_graph(None)
            self.editor.clear_error()
            self._show_message(EMPTY_PROGRAM_HINT, HINT_STYLE, Qt.TextFormat.RichText)
            self.status_message.emit("Nothing to evaluate")
            return
        self.status_message.emit("Evaluating…")
        self._evaluator.submit(text)

    def show_graph(self, graph: nx.DiGraph | None, title: str = "") -> None:
        """Draw ``graph`` (from an evaluation or another tab; None clears).

        A large graph is drawn in the background: ``graph_shown`` follows once it is on
        screen, and until then (or if cancelled) the previous graph stays, inspectable.
        """
        self._evaluator.cancel()  # whatever is shown last wins over an older request
        self._pending_title = title
        self.graph_view.load_graph(graph)  # focus stays put: the user may still be typing
        if self.graph_view.is_loading():
            self.status_message.emit(f"Drawing {graph.number_of_nodes():,} nodes…")

    @Slot()
    def cancel_loading(self) -> None:
        """Stop drawing a large graph; the one on screen stays."""
        if self.graph_view.is_loading():
            self.graph_view.cancel_loading()
            self.status_message.emit("Drawing cancelled; the previous graph is still shown")

    def inspect_node(self, node_id: str) -> None:
        """Select ``node_id`` in the view and show it in the inspector, as a click would."""
        self.graph_view.select_node(node_id)
        self._inspect(node_id)

    def shutdown(self) -> None:
        """Stop the evaluation and graph-loading threads; the window calls this when it closes."""
        self._auto_timer.stop()
        self.graph_view.shutdown()
        self._evaluator.shutdown()

    # -- slots ----------------------------------------------------------------------------

    @Slot()
    def _schedule_auto_evaluate(self) -> None:
        if self.auto_evaluate.isChecked() and self.program() != self._evaluated_text:
            self._auto_timer.start()

    @Slot(object, float)
    def _on_evaluated(self, evaluation: Evaluation, seconds: float) -> None:
        name = evaluation.output_name or "output"
        value = html.escape(format_tensor(evaluation.output))
        title = f"output <b>{html.escape(name)}</b> = {value}"
        try:
            self.show_graph(evaluation.graph, title)
        except Exception as exc:  # a drawing bug must not take the app down
            self._show_failure(exc)
            return
        self.editor.clear_error()
        self._show_message("", "")
        nodes = evaluation.graph.number_of_nodes()
        self.status_message.emit(f"Evaluated in {seconds * 1000:.0f} ms · {nodes} nodes")

    @Slot(object)
    def _on_graph_loaded(self, graph: nx.DiGraph | None) -> None:
        self.inspector.clear()
        self.title_label.setText(self._pending_title)
        self.graph_shown.emit(graph)

    @Slot(object)
    def _on_failed(self, exc: Exception) -> None:
        self._show_failure(exc)

    @Slot(str)
    def _inspect(self, node_id: str) -> None:
        try:
            self.inspector.show_node(self.graph_view.graph, node_id)
        except Exception as exc:
            self._show_failure(exc)

    # -- helpers --------------------------------------------------------------------------

    def _show_failure(self, exc: Exception) -> None:
        if isinstance(exc, ProgramError):
            message = str(exc)
            if exc.line is not None:
                self.editor.mark_error(exc.line, exc.col)
            else:
                self.editor.clear_error()
        else:
            message = f"Internal error ({type(exc).__name__}): {exc}"
        self._show_message(message, ERROR_STYLE)
        self.status_message.emit("Error: " + message)
        self.evaluation_failed.emit(message)

    def _show_message(
        self, text: str, style: str, text_format: Qt.TextFormat = Qt.TextFormat.PlainText
    ) -> None:
        self.error_label.setTextFormat(text_format)  # messages may quote '<' from the program
        self.error_label.setText(text)
        self.error_label.setStyleSheet(style)
        self.error_label.setVisible(bool(text))
