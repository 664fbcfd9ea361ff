"""The main window: two tabs, menus and a status bar. The tabs do the actual work."""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import torch
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, Slot
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gradviz import __version__
from gradviz.core.atomic_file import write_text_atomically
from gradviz.examples import Example, load_examples
from gradviz.ui.autosave import Autosave, announce_restore
from gradviz.ui.first_run import FirstRunBanner
from gradviz.ui.graph_export import FORMATS
from gradviz.ui.graph_tab import GraphTab
from gradviz.ui.language_reference import LanguageReferenceDialog
from gradviz.ui.settings import remember
from gradviz.ui.theme import Theme, ThemeController
from gradviz.ui.training_tab import TrainingTab

DEFAULT_SIZE = QSize(1280, 800)
SCREEN_FRACTION = 0.9
MAX_PROGRAM_BYTES = 1_000_000
"""Programs are a few lines; refusing huge files keeps the editor responsive."""
PROGRAM_FILTER = "gradviz programs (*.py *.txt);;All files (*)"

log = logging.getLogger(__name__)

OTHER_KEYS = [
    ("Ctrl+Enter", "Evaluate the program (editor)"),
    ("Ctrl+F", "Find nodes by name or op (Enter: next, Shift+Enter: previous, Esc: close)"),
    ("F", "Fit the graph in view (graph focused)"),
    ("Right / Left", "Step the backward pass forward / back (graph focused)"),
    ("Mouse wheel", "Zoom around the cursor"),
    ("Drag", "Pan the graph"),
    ("Click a node", "Show it in the inspector"),
]
"""Keys handled by widgets rather than by menu actions; the help lists them after those."""


class MainWindow(QMainWindow):
    """Composes the graph and training tabs; remembers its geometry and settings between runs."""

    def __init__(
        self,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
        open_example: bool = True,
        autosave_path: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("gradviz")
        self._settings = settings if settings is not None else QSettings()
        self._program_path: Path | None = None  # where Ctrl+S saves without asking

        self.graph_tab = GraphTab()
        self.training_tab = TrainingTab()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("tabs")
        self.tabs.setDocumentMode(True)
        self.tabs.setAccessibleName("Graph and Training tabs")
        self.tabs.addTab(self.graph_tab, "Graph")
        self.tabs.addTab(self.training_tab, "Training")
        self.tabs.setTabToolTip(0, "Type a program and see its autograd graph (Ctrl+1)")
        self.tabs.setTabToolTip(1, "Watch SGD fit a line, live; Space starts and pauses (Ctrl+2)")
        self.first_run_hint = FirstRunBanner(self._settings)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.first_run_hint)
        column.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.theme = ThemeController(self._settings, self)
        self.theme.changed.connect(self._apply_theme)

        self.examples = load_examples()
        self._build_menus()
        self.statusBar().showMessage("Ready")
        self.graph_tab.status_message.connect(self.statusBar().showMessage)
        self.tabs.currentChanged.connect(self.statusBar().clearMessage)  # messages are per tab
        self.tabs.currentChanged.connect(self._focus_current_tab)
        self.training_tab.graph_requested.connect(self._show_training_graph)

        self._remember_settings()
        self.resize(_default_size(self.screen().availableGeometry().size()))
        geometry = self._settings.value("window/geometry")
        if isinstance(geometry, (QByteArray, bytes)):
            self.restoreGeometry(geometry)
        elif geometry is not None:  # a hand-edited or corrupt settings file must not crash us
            log.warning("ignoring unusable window/geometry setting: %r", geometry)
        self._restore_splitters()
        self.theme.apply()

        if open_example and self.examples:
            self.open_example(self.examples[0])

        # Autosave (issue 7). Opt-in (run_app passes the path) so tests and embedders never
        # read or write the user's data directory.
        self.autosave: Autosave | None = None
        if autosave_path is not None:
            self.autosave = Autosave(autosave_path, self)
            self.autosave.watch(self.graph_tab.editor)
            self.autosave.save_failed.connect(self.statusBar().showMessage)

    # -- menus ----------------------------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._add_action(
            file_menu, "&Open program…", self.open_program, QKeySequence.StandardKey.Open
        )
        self._add_action(file_menu, "&Save program", self.save, QKeySequence.StandardKey.Save)
        self._add_action(
            file_menu, "Save program &as…", self.save_program, QKeySequence("Ctrl+Shift+S")
        )
        self._add_action(file_menu, "&Export graph…", self.export_graph, QKeySequence("Ctrl+E"))
        file_menu.addSeparator()
        self._add_action(file_menu, "&Quit", self.close, QKeySequence("Ctrl+Q"))

        examples_menu = self.menuBar().addMenu("E&xamples")
        for example in self.examples:
            action = examples_menu.addAction(example.title)
            action.setStatusTip(example.hint)
            action.setToolTip(example.hint)
            action.triggered.connect(lambda _=False, ex=example: self.open_example(ex))

        view_menu = self.menuBar().addMenu("&View")
        for number, tab in enumerate((self.graph_tab, self.training_tab), start=1):
            name = self.tabs.tabText(self.tabs.indexOf(tab))
            self._add_action(
                view_menu, f"&{name} tab", lambda _=False, t=tab: self.tabs.setCurrentWidget(t),
                QKeySequence(f"Ctrl+{number}"),
            )
        view_menu.addSeparator()
        theme_menu = view_menu.addMenu("T&heme")
        self.theme_actions = QActionGroup(self)
        for theme in Theme:
            action = theme_menu.addAction(theme.title)
            action.setCheckable(True)
            action.setData(theme.value)
            action.setChecked(theme is self.theme.theme)
            action.setStatusTip(f"Use the {theme.value} colour theme (remembered)")
            action.triggered.connect(lambda _=False, t=theme: self.theme.set_theme(t))
            self.theme_actions.addAction(action)

        # Space belongs to the training tab only: in the editor it must type a space.
        self.play_pause_action = QAction("Start / pause training", self.training_tab)
        self.play_pause_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.play_pause_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.play_pause_action.triggered.connect(self.training_tab.play_pause)
        self.training_tab.addAction(self.play_pause_action)

        help_menu = self.menuBar().addMenu("&Help")
        self._add_action(help_menu, "&Keyboard shortcuts", self.show_shortcuts, QKeySequence("F1"))
        self._add_action(help_menu, "&Language reference", self.show_language_reference)
        self._add_action(help_menu, "&About gradviz", self.show_about)

    def _add_action(
        self,
        menu: QMenu,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence | None = None,
    ) -> QAction:
        action = menu.addAction(text)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        return action

    # -- actions --------------------------------------------------------------------------

    def open_example(self, example: Example) -> None:
        if self.confirm_discard():
            self.load_program(example.text, f"Example: {example.title}")

    def confirm_discard(self) -> bool:
        """True if the editor's text may be replaced: it is saved, or the user says so."""
        if not self.graph_tab.editor.document().isModified():
            return True
        answer = self.ask_discard()
        if answer == QMessageBox.StandardButton.Save:
            return self.save_program()
        return answer == QMessageBox.StandardButton.Discard

    def ask_discard(self) -> QMessageBox.StandardButton:
        """The question itself, separate so tests can answer it (Alt+S/Alt+D/Esc work too)."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Unsaved program",
            "The program has changes that are not saved. Save them first?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.button(QMessageBox.StandardButton.Save).setText("&Save…")
        box.button(QMessageBox.StandardButton.Discard).setText("&Discard")
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        return QMessageBox.StandardButton(box.exec())

    @Slot()
    def open_program(self) -> None:
        if not self.confirm_discard():
            return
        path, _ = QFileDialog.getOpenFileName(
            self, "Open program", self._last_dir(), PROGRAM_FILTER
        )
        if not path:
            return
        try:
            if os.path.getsize(path) > MAX_PROGRAM_BYTES:
                raise OSError(f"{path} is larger than {MAX_PROGRAM_BYTES // 1000} kB")
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            QMessageBox.warning(self, "Open program", f"Could not open the program:\n{exc}")
            return
        self._remember_dir(path)
        self.load_program(text, Path(path).name)
        self._program_path = Path(path)

    @Slot()
    def save(self) -> bool:
        """Save to the file the program came from, or ask for one; True once it is saved."""
        if self._program_path is None:
            return self.save_program()
        return self._write_program(str(self._program_path))

    @Slot()
    def save_program(self) -> bool:
        """Save the editor's text to a file the user picks; True once it is saved."""
        path, _ = QFileDialog.getSaveFileName(
            self, "Save program as", self._last_dir(), PROGRAM_FILTER
        )
        if not path:
            return False
        if not Path(path).suffix:
            path += ".py"
        return self._write_program(path)

    def _write_program(self, path: str) -> bool:
        try:
            write_text_atomically(path, self.graph_tab.program())
        except OSError as exc:
            QMessageBox.warning(self, "Save program", f"Could not save the program:\n{exc}")
            return False
        self.graph_tab.editor.document().setModified(False)
        self._remember_dir(path)
        self._program_path = Path(path)
        self.setWindowTitle(f"gradviz — {Path(path).name}")
        self.statusBar().showMessage(f"Saved {path}")
        return True

    @Slot()
    def export_graph(self) -> None:
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export graph", self._last_dir(), ";;".join(FORMATS.values())
        )
        if not path:
            return
        if Path(path).suffix.lower() not in FORMATS:  # the user typed a bare name
            path += next((ext for ext, name in FORMATS.items() if name == chosen), ".png")
        try:
            self.graph_tab.graph_view.export_image(path)
        except OSError as exc:
            QMessageBox.warning(self, "Export graph", f"Could not export the graph:\n{exc}")
            return
        self._remember_dir(path)
        self.statusBar().showMessage(f"Exported {path}")

    def shortcuts(self) -> list[tuple[str, str]]:
        """(keys, what) for every action with a shortcut, then the keys widgets handle."""
        actions = [*self._menu_actions(self.menuBar().actions()), *self.training_tab.actions()]
        rows = [
            (action.shortcut().toString(QKeySequence.SequenceFormat.NativeText), _plain(action))
            for action in actions
            if not action.shortcut().isEmpty()
        ]
        taken = {keys for keys, _ in rows}
        return rows + [(keys, what) for keys, what in OTHER_KEYS if keys not in taken]

    def _menu_actions(self, actions: list[QAction]) -> list[QAction]:
        found = []
        for action in actions:
            menu = action.menu()
            found.extend(self._menu_actions(menu.actions()) if menu else [action])
        return found

    @Slot()
    def show_shortcuts(self) -> None:
        rows = "".join(
            f"<tr><td><b>{html.escape(keys)}</b>&nbsp;&nbsp;</td><td>{html.escape(what)}</td></tr>"
            for keys, what in self.shortcuts()
        )
        QMessageBox.information(self, "Keyboard shortcuts", f"<table>{rows}</table>")

    @Slot()
    def show_language_reference(self) -> None:
        LanguageReferenceDialog(self).exec()

    @Slot()
    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About gradviz",
            f"<h3>gradviz {__version__}</h3>"
            "<p>Type a small torch program and see its autograd graph, with the forward "
            "value and the gradient on every node.</p>"
            f"<p>torch {torch.__version__} · PySide6 {pyside_version}</p>",
        )

    # -- wiring ---------------------------------------------------------------------------

    def load_program(self, text: str, title: str) -> None:
        """Show `text` in the editor, evaluate it, and name the window after `title`."""
        self.tabs.setCurrentWidget(self.graph_tab)
        self._program_path = None
        self.graph_tab.set_program(text)
        self.graph_tab.editor.document().setModified(False)
        self.graph_tab.evaluate_text()
        self.graph_tab.setFocus()
        self.setWindowTitle(f"gradviz — {title}")

    def restore_autosave(self) -> bool:
        """Reopen the last session's program in place of the example; True if it did.

        It is marked unsaved (it lives in no file), so opening another program asks first.
        """
        text = self.autosave.load() if self.autosave is not None else None
        if text is None or (self.examples and text == self.examples[0].text):
            return False
        self.load_program(text, "restored program")
        self.graph_tab.editor.document().setModified(True)
        announce_restore(self.graph_tab.status_message, self.statusBar().showMessage)
        return True

    @Slot(object)
    def _show_training_graph(self, graph: nx.DiGraph) -> None:
        title = html.escape(graph.graph.get("title", "the current training step"))
        self.graph_tab.show_graph(graph, f"<b>From the training tab:</b> {title}")
        self.tabs.setCurrentWidget(self.graph_tab)

    @Slot()
    def _apply_theme(self) -> None:
        self.graph_tab.apply_theme()
        self.training_tab.apply_theme()
        for action in self.theme_actions.actions():
            action.setChecked(action.data() == self.theme.theme.value)

    @Slot(int)
    def _focus_current_tab(self, _index: int) -> None:
        """Keys go to the tab just shown (Space to the training tab), not to a hidden one."""
        self.tabs.currentWidget().setFocus()

    def _splitters(self) -> list[QSplitter]:
        return [s for s in self.findChildren(QSplitter) if s.objectName()]

    def _restore_splitters(self) -> None:
        for splitter in self._splitters():
            state = self._settings.value(f"splitters/{splitter.objectName()}")
            if isinstance(state, (QByteArray, bytes)):
                splitter.restoreState(state)

    def _remember_settings(self) -> None:
        """Toggles and training parameters come back as the user left them (issue 7)."""
        graph, training = self.graph_tab, self.training_tab.controls
        remember(self._settings, "graph", {
            "auto_evaluate": graph.auto_evaluate, "color_by_grad": graph.color_by_grad,
        })
        remember(self._settings, "training", {
            "samples": training.samples, "noise": training.noise, "coef": training.coef,
            "bias": training.bias, "seed": training.seed,
            "learning_rate": training.learning_rate, "epochs": training.epochs,
            "batch_size": training.batch_size, "speed": training.speed,
        })

    def _last_dir(self) -> str:
        return str(self._settings.value("files/last_dir", str(Path.home())))

    def _remember_dir(self, path: str) -> None:
        self._settings.setValue("files/last_dir", str(Path(path).parent))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        if not self.confirm_discard():
            event.ignore()
            return
        self._settings.setValue("window/geometry", self.saveGeometry())
        for splitter in self._splitters():
            self._settings.setValue(f"splitters/{splitter.objectName()}", splitter.saveState())
        if self.autosave is not None:
            self.autosave.flush()
        self.graph_tab.shutdown()
        self.training_tab.shutdown()
        super().closeEvent(event)


def _plain(action: QAction) -> str:
    """An action's menu text without its mnemonic ampersand or trailing ellipsis."""
    return action.text().replace("&", "").rstrip("…")


def _default_size(available: QSize) -> QSize:
    """1280×800, shrunk to fit smaller screens with room for panels and decorations."""
    return DEFAULT_SIZE.boundedTo(available * SCREEN_FRACTION)
