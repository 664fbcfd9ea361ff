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
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gradviz import Evaluation, ProgramError
from gradviz.core.backward_steps import BackwardStep
from gradviz.core.formatting import format_tensor
from gradviz.core.gradcheck import MAX_CHECKED_ELEMENTS, GradCheck
from gradviz.core.literal import parse_numbers
from gradviz.ui.background_call import BackgroundCall, single_thread_pool
from gradviz.ui.background_evaluator import BackgroundEvaluator
from gradviz.ui.derivative_controls import DerivativeControls, derivative_symbol
from gradviz.ui.editor import ProgramEditor
from gradviz.ui.graph_filter_bar import GraphFilterBar
from gradviz.ui.graph_search import GraphSearch
from gradviz.ui.graph_view import GraphView
from gradviz.ui.inspector import NodeInspector
from gradviz.ui.jacobian_table import EMPTY_TEXT as NO_JACOBIAN
from gradviz.ui.jacobian_table import MAX_COLUMNS, MAX_ROWS, JacobianTable, fits
from gradviz.ui.stepper_bar import StepperBar
from gradviz.ui.theme import message_style

AUTO_EVALUATE_DELAY_MS = 800
CHECK_BUDGET_SECONDS = 5.0
"""The numeric gradient check re-runs the program twice per leaf element; it is skipped when
that would take longer than this (estimated from the evaluation's own time)."""
EMPTY_PROGRAM_HINT = (
    "Nothing to evaluate yet. Type a program such as <code>a = 5; y = a**2</code> and press"
    " Ctrl+Enter, or pick one from the Examples menu."
)


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
        self._message_is_error = False
        self._graph: nx.DiGraph | None = None  # as traced; the view may show it filtered
        self._evaluation: Evaluation | None = None  # the one on screen, if any
        self._checks: tuple[nx.DiGraph, dict[str, GradCheck]] | None = None

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
        self.grad_outputs_edit = QLineEdit()
        self.grad_outputs_edit.setObjectName("gradOutputs")
        self.grad_outputs_edit.setPlaceholderText("ones (default), or e.g. [1, 0, -1]")
        self.grad_outputs_edit.setToolTip(
            "The vector v that seeds the backward pass of a non-scalar output: every grad is"
            " then vᵀ·J. Empty means ones. Press Enter to re-evaluate."
        )
        self._seed_row = QWidget()
        seed_layout = QHBoxLayout(self._seed_row)
        seed_layout.setContentsMargins(0, 0, 0, 0)
        seed_layout.addWidget(QLabel("grad_outputs"))
        seed_layout.addWidget(self.grad_outputs_edit, stretch=1)
        self._seed_row.hide()  # only for non-scalar outputs

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
        self.filter_bar = GraphFilterBar()
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
        self._announce = False  # graph_shown is owed once the graph being drawn is on screen
        self._drawn: nx.DiGraph | None = None  # the traced graph the view shows now

        self.inspector = NodeInspector()
        self.graph_view.setAccessibleName("Autograd graph")
        self.inspector.setAccessibleName("Node inspector")
        self.jacobian_table = JacobianTable()
        self.side_tabs = QTabWidget()
        self.side_tabs.setObjectName("graphTabSideTabs")
        self.side_tabs.addTab(self.inspector, "Node")
        self.side_tabs.addTab(self.jacobian_table, "Jacobian")
        self.stepper = StepperBar()
        self.derivatives = DerivativeControls()

        self._auto_timer = QTimer(self, singleShot=True, interval=AUTO_EVALUATE_DELAY_MS)
        self._evaluator = BackgroundEvaluator(self)
        self._check_pool = single_thread_pool(self)
        self._checker = BackgroundCall(self._check_pool, self)
        # Derivative graphs run autograd on the evaluation's live graph: one at a time.
        self._live_pool = single_thread_pool(self)
        self._derivative_call = BackgroundCall(self._live_pool, self)
        self._jacobian_call = BackgroundCall(self._live_pool, self)

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
        program_pane.layout().addWidget(self._seed_row)
        program_pane.layout().addWidget(self.error_label)

        # Three rows above the graph: what it is (a title that needs the width: derivative
        # and training titles ran to three squeezed lines beside the toggles at 1024 px),
        # what it shows, and the backward replay.
        graph_bar = QHBoxLayout()
        graph_bar.addWidget(self.title_label, stretch=1)
        graph_bar.addWidget(self.busy_bar)
        graph_bar.addWidget(self.load_bar)
        graph_bar.addWidget(self.cancel_load_button)
        graph_bar.addWidget(self.fit_button)
        graph_pane = _pane(graph_bar, self.graph_view, (6, 6, 6, 6))
        view_bar = QHBoxLayout()
        view_bar.addWidget(self.filter_bar)
        view_bar.addWidget(self.color_by_grad)
        view_bar.addStretch()
        view_bar.addWidget(self.derivatives)
        graph_pane.layout().insertLayout(1, view_bar)
        graph_pane.layout().insertWidget(2, self.stepper)
        graph_pane.layout().insertWidget(3, self.search)

        # Programs are a few lines, so editor and inspector share the left column and the
        # graph, the point of the tab, gets most of the width.
        side = QSplitter(Qt.Orientation.Vertical)
        side.setObjectName("graphTabSide")
        side.addWidget(program_pane)
        side.addWidget(self.side_tabs)
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
        self._set_tab_order()

    def _set_tab_order(self) -> None:
        """Tab follows the reading order: the program, then the graph's controls row by
        row, the graph itself, and last the inspector. (Qt's default followed the order
        the widgets were built in, which jumped from the editor to the inspector.)"""
        chain = [
            self.auto_evaluate,
            self.evaluate_button,
            self.editor,
            self.grad_outputs_edit,
            self.fit_button,
            self.filter_bar.constants,
            self.filter_bar.group,
            self.color_by_grad,
            self.derivatives.order_box,
            self.derivatives.leaf_box,
            self.stepper.back_button,
            self.stepper.play_button,
            self.stepper.step_button,
            self.search.field,
            self.graph_view,
            self.side_tabs,
        ]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    def _connect(self) -> None:
        self.editor.evaluate_requested.connect(self.evaluate_text)
        self.evaluate_button.clicked.connect(self.evaluate_text)
        self.editor.textChanged.connect(self._schedule_auto_evaluate)
        self._auto_timer.timeout.connect(self.evaluate_text)
        self._evaluator.succeeded.connect(self._on_evaluated)
        self._evaluator.failed.connect(self._on_failed)
        self._evaluator.busy_changed.connect(self.busy_bar.setVisible)
        self._checker.finished.connect(self._on_checked)
        self._checker.failed.connect(
            lambda exc: self.status_message.emit(f"Gradient check failed to run: {exc}")
        )
        self.graph_view.node_selected.connect(self._inspect)
        self.color_by_grad.toggled.connect(self.graph_view.set_color_by_grad)
        self.fit_button.clicked.connect(self.graph_view.fit)
        self.filter_bar.changed.connect(self._show_filtered)
        self.graph_view.node_activated.connect(self.filter_bar.activate)
        self.stepper.step_changed.connect(self._show_step)
        self.stepper.bind_keys(self.graph_view)
        self.derivatives.changed.connect(self._show_derivative)
        self._derivative_call.finished.connect(self._on_derivative_graph)
        self._derivative_call.failed.connect(self._show_failure)
        self.grad_outputs_edit.returnPressed.connect(self.evaluate_text)
        self._jacobian_call.finished.connect(self._on_jacobian)
        self._jacobian_call.failed.connect(
            lambda exc: self.jacobian_table.show_message(f"The Jacobian failed: {exc}")
        )
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
            self._show_message(EMPTY_PROGRAM_HINT, False, Qt.TextFormat.RichText)
            self.status_message.emit("Nothing to evaluate")
            return
        seed_text = self.grad_outputs_edit.text().strip()
        try:
            seed = parse_numbers(seed_text, "grad_outputs") if seed_text else None
        except ProgramError as exc:
            self._show_failure(exc)
            return
        self.status_message.emit("Evaluating…")
        self._evaluator.submit(text, grad_outputs=seed)

    def show_graph(self, graph: nx.DiGraph | None, title: str = "") -> None:
        """Draw ``graph`` (from an evaluation or another tab; None clears).

        A large graph is drawn in the background: ``graph_shown`` follows once it is on
        screen, and until then (or if cancelled) the previous graph stays, inspectable.
        """
        self._evaluator.cancel()  # whatever is shown last wins over an older request
        # The editor's text, even a blank one, is not owed an evaluation any more: the
        # window's start-up re-highlight (the theme) counts as an edit, and the pending
        # auto-evaluation of the empty editor replaced gradviz.show()'s graph with
        # "Nothing to evaluate" half a second after it appeared.
        self._auto_timer.stop()
        self._evaluated_text = self.program()
        self._set_evaluation(None)
        self._display(graph, title)

    @Slot()
    def cancel_loading(self) -> None:
        """Stop drawing a large graph; the one on screen stays."""
        if self.graph_view.is_loading():
            self.graph_view.cancel_loading()
            self._graph, self._announce = self._drawn, False  # the toggles act on what is shown
            self.filter_bar.set_source(self._drawn)
            self.status_message.emit("Drawing cancelled; the previous graph is still shown")

    def inspect_node(self, node_id: str) -> None:
        """Select ``node_id`` in the view and show it in the inspector, as a click would."""
        self.graph_view.select_node(node_id)
        self._inspect(node_id)

    def apply_theme(self) -> None:
        """Recolour after a theme switch: the message box, the editor and the graph."""
        self.error_label.setStyleSheet(message_style(self._message_is_error))
        self.editor.apply_theme()
        self.graph_view.apply_theme()
        selected = self.graph_view.selected_node()
        if selected is not None:  # its text was coloured when it was shown
            self._inspect(selected)

    def shutdown(self) -> None:
        """Stop the evaluation and graph-loading threads; the window calls this when it closes."""
        self._auto_timer.stop()
        self.graph_view.shutdown()
        self._evaluator.shutdown()
        for call in (self._checker, self._derivative_call, self._jacobian_call):
            call.cancel()
        self.wait_for_follow_ups()

    def wait_for_follow_ups(self) -> None:
        """Block until the gradient check, Jacobian and derivative work in flight is done, so
        a memory count (the soak) does not catch a float64 re-run half-way."""
        for pool in (self._check_pool, self._live_pool):
            pool.waitForDone()

    # -- slots ----------------------------------------------------------------------------

    @Slot()
    def _show_filtered(self) -> None:
        """Draw the traced graph as the Constants / Group-by-module toggles say; a large one
        is drawn in the background and ``_on_graph_loaded`` follows once it is on screen."""
        shown = self.filter_bar.shown(self._graph)
        self.graph_view.load_graph(shown)  # focus stays put: the user may still be typing
        if self.graph_view.is_loading():
            self.status_message.emit(f"Drawing {shown.number_of_nodes():,} nodes…")

    @Slot()
    def _schedule_auto_evaluate(self) -> None:
        if self.auto_evaluate.isChecked() and self.program() != self._evaluated_text:
            self._auto_timer.start()

    @Slot(object, float)
    def _on_evaluated(self, evaluation: Evaluation, seconds: float) -> None:
        try:
            self._evaluator.cancel()
            self._set_evaluation(evaluation)
            self._display(evaluation.graph, _evaluation_title(evaluation))
        except Exception as exc:  # a drawing bug must not take the app down
            self._show_failure(exc)
            return
        self.editor.clear_error()
        self._show_message("", False)
        nodes = evaluation.graph.number_of_nodes()
        skipped = self._check_gradients(evaluation, seconds)
        self._compute_jacobian(evaluation)
        seeded = bool(self.grad_outputs_edit.text().strip())
        self._seed_row.setVisible(evaluation.output.numel() > 1 or seeded)
        self.status_message.emit(f"Evaluated in {seconds * 1000:.0f} ms · {nodes} nodes{skipped}")

    @Slot(object)
    def _on_graph_loaded(self, shown: nx.DiGraph | None) -> None:
        self._drawn = self._graph
        self.inspector.clear()
        self.stepper.set_graph(shown)
        if self._checks is not None and self._checks[0] is self._graph:
            self.graph_view.set_gradient_checks(self._checks[1])
        self.title_label.setText(self._pending_title)
        if self._announce:  # a new graph, not the same one through other toggles
            self._announce = False
            self.graph_shown.emit(self._graph)
        opened = self.filter_bar.take_focus()  # a double-clicked box: keep it in view
        if opened is not None:
            self.inspect_node(opened)

    @Slot(object)
    def _on_failed(self, exc: Exception) -> None:
        self._show_failure(exc)

    @Slot(str)
    def _inspect(self, node_id: str) -> None:
        self.side_tabs.setCurrentWidget(self.inspector)
        try:
            self.inspector.show_node(self.graph_view.graph, node_id)
        except Exception as exc:
            self._show_failure(exc)

    @Slot(object)
    def _show_step(self, step: BackwardStep | None) -> None:
        if step is None:
            self.graph_view.set_step_state(None, None)
            return
        # The stepper's outline marks the node; a selection would paint its edges blue
        # and hide which of them carry gradient yet.
        self.graph_view.select_node(None)
        self.graph_view.set_step_state(step.node, step.done_edges, step.waiting)
        self._inspect(step.node)

    @Slot(object)
    def _on_checked(self, result: tuple[nx.DiGraph, dict[str, GradCheck]]) -> None:
        graph, checks = result
        leaf_node = {a["name"]: n for n, a in graph.nodes(data=True) if a["kind"] == "leaf"}
        shown = {leaf_node[name]: c for name, c in checks.items() if name in leaf_node}
        self._checks = (graph, shown)
        if graph is not self._graph or graph is not self._drawn:
            return  # _on_graph_loaded applies them once this graph is drawn
        self.graph_view.set_gradient_checks(shown)
        failed = sorted(name for name, c in checks.items() if name in leaf_node and not c.ok)
        if failed:  # a pass is said by the badges; a failure also deserves the status line
            self.status_message.emit(
                f"Gradient check ✗ for {', '.join(failed)}: autograd disagrees with finite"
                " differences (hover the badge for the numbers)"
            )

    @Slot(str, int)
    def _show_derivative(self, leaf: str, order: int) -> None:
        evaluation = self._evaluation
        if evaluation is None:
            return
        if order == 1:
            self._derivative_call.cancel()
            self._display(evaluation.graph, _evaluation_title(evaluation))
            return
        symbol = derivative_symbol(evaluation.output_name or "y", leaf, order)
        self.status_message.emit(f"Computing {symbol}…")
        self._derivative_call.submit(
            lambda: (evaluation, leaf, order, evaluation.derivative_graph(leaf, order))
        )

    @Slot(object)
    def _on_derivative_graph(self, result: tuple[Evaluation, str, int, nx.DiGraph]) -> None:
        evaluation, leaf, order, graph = result
        chosen = (self.derivatives.leaf(), self.derivatives.order())
        if evaluation is not self._evaluation or chosen != (leaf, order):
            return
        y = evaluation.output_name or "y"
        (out,) = graph.graph["outputs"]
        value = format_tensor(graph.nodes[out]["value"])
        title = f"<b>{html.escape(derivative_symbol(y, leaf, order))}</b> = {html.escape(value)}"
        leaf_node = next(
            (a for a in graph.nodes.values() if a["kind"] == "leaf" and a["name"] == leaf), None
        )
        if leaf_node is not None and leaf_node["grad"] is not None:
            nxt = derivative_symbol(y, leaf, order + 1)
            title += (
                f" · the graph that computes it; {html.escape(leaf)}'s grad here is"
                f" {html.escape(nxt)} = {html.escape(format_tensor(leaf_node['grad']))}"
            )
        self._display(graph, title)
        self.status_message.emit(f"{derivative_symbol(y, leaf, order)} = {value}")

    # -- helpers --------------------------------------------------------------------------

    def _set_evaluation(self, evaluation: Evaluation | None) -> None:
        """The evaluation whose graphs the tab shows; the order selector offers its leaves."""
        self._evaluation = evaluation
        self._checks = None
        for call in (self._checker, self._derivative_call, self._jacobian_call):
            call.cancel()
        if evaluation is None:
            self.jacobian_table.show_message(NO_JACOBIAN)
        scalar = evaluation is not None and evaluation.output.numel() == 1
        leaves = [n for n, t in evaluation.leaves.items() if t.numel() == 1] if scalar else []
        self.derivatives.set_leaves(leaves)

    def _compute_jacobian(self, evaluation: Evaluation) -> None:
        """The Jacobian table for small outputs, off the GUI thread (one backward per row)."""
        rows = evaluation.output.numel()
        columns = sum(leaf.numel() for leaf in evaluation.leaves.values())
        if not fits(rows, columns):
            self.jacobian_table.show_message(
                f"No table: the Jacobian is {rows:,} × {columns:,}; the table shows up to"
                f" {MAX_ROWS} output × {MAX_COLUMNS} leaf elements."
            )
            return
        self.jacobian_table.show_message("Computing the Jacobian…")
        self._jacobian_call.submit(lambda: (evaluation, evaluation.jacobian(MAX_ROWS)))

    @Slot(object)
    def _on_jacobian(self, result: tuple[Evaluation, dict]) -> None:
        evaluation, jacobian = result
        if evaluation is self._evaluation:
            name = evaluation.output_name or "output"
            self.jacobian_table.set_jacobian(jacobian, name, tuple(evaluation.output.shape))

    def _display(self, graph: nx.DiGraph | None, title: str) -> None:
        """Show a traced graph; the title and ``graph_shown`` follow once it is drawn."""
        self._graph = graph
        self._pending_title = title
        self._announce = True
        self.filter_bar.set_source(graph)
        self._show_filtered()

    def _check_gradients(self, evaluation: Evaluation, seconds: float) -> str:
        """Compare every leaf's gradient with float64 finite differences, off the GUI thread.

        Returns a note for the status line when the check is skipped as too slow, else "".
        """
        elements = sum(leaf.numel() for leaf in evaluation.leaves.values())
        if not elements:
            return ""
        if elements > MAX_CHECKED_ELEMENTS or 2 * elements * seconds > CHECK_BUDGET_SECONDS:
            return f" · gradient check skipped ({elements:,} leaf elements: too slow)"
        graph = evaluation.graph
        self._checker.submit(lambda: (graph, evaluation.check_gradients()))
        return ""

    def _show_failure(self, exc: Exception) -> None:
        if isinstance(exc, ProgramError):
            message = str(exc)
            if exc.line is not None:
                self.editor.mark_error(exc.line, exc.col)
            else:
                self.editor.clear_error()
        else:
            message = f"Internal error ({type(exc).__name__}): {exc}"
        self._show_message(message, True)
        self.status_message.emit("Error: " + message)
        self.evaluation_failed.emit(message)

    def _show_message(
        self, text: str, error: bool, text_format: Qt.TextFormat = Qt.TextFormat.PlainText
    ) -> None:
        self.error_label.setTextFormat(text_format)  # messages may quote '<' from the program
        self.error_label.setText(text)
        self._message_is_error = error
        self.error_label.setStyleSheet(message_style(error))
        self.error_label.setVisible(bool(text))


def _evaluation_title(evaluation: Evaluation) -> str:
    name = evaluation.output_name or "output"
    return f"output <b>{html.escape(name)}</b> = {html.escape(format_tensor(evaluation.output))}"
