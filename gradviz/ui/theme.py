"""Light and dark themes: follow the system, or override it from View → Theme.

Light and Dark set a QPalette on the application under the Fusion style, which draws
every control from the palette, so a dark palette gives a consistently dark window on
any desktop. System hands the palette back to the platform and follows its colour
scheme as it changes. Either way ``palette.use_dark`` is set from the resulting window
colour, and ``changed`` tells the views (graph scene, plots, editor) to repaint.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from gradviz.ui import palette

SETTINGS_KEY = "view/theme"
FUSION = "Fusion"

_system_style: str | None = None
"""The style Qt picked before we first switched to Fusion, to go back to under System."""


class Theme(Enum):
    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"

    @property
    def title(self) -> str:
        return self.value.capitalize()


def dark_palette() -> QPalette:
    """Fusion's usual dark palette: grey surfaces, light text, a blue highlight."""
    window, base, text = QColor("#2d2f33"), QColor("#1f2023"), QColor("#e8e8e8")
    disabled = QColor("#7f8287")
    p = QPalette(window)
    roles = QPalette.ColorRole
    for role, color in (
        (roles.Window, window),
        (roles.WindowText, text),
        (roles.Base, base),
        (roles.AlternateBase, QColor("#2a2c30")),
        (roles.ToolTipBase, QColor("#3a3d42")),
        (roles.ToolTipText, text),
        (roles.PlaceholderText, disabled),
        (roles.Text, text),
        (roles.Button, QColor("#383a3f")),
        (roles.ButtonText, text),
        (roles.BrightText, QColor("#ff6b6b")),
        (roles.Link, QColor("#56B4E9")),
        (roles.Highlight, QColor("#3d7ab8")),
        (roles.HighlightedText, QColor("#ffffff")),
    ):
        p.setColor(role, color)
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


CHECK_BOX_OUTLINE_WINDOW = QColor("#8c8f95")
"""Fusion outlines a check box in the Window colour darkened by 40%: on the dark palette that
outline vanished into the dark box, so unticked boxes were near-invisible squares. Check
boxes get a lighter Window colour (they paint no background of their own) for a grey rim."""


def check_box_palette(dark: bool) -> QPalette:
    """The class palette for QCheckBox; an empty one (inherit everything) when light."""
    p = QPalette()
    if dark:
        p.setColor(QPalette.ColorRole.Window, CHECK_BOX_OUTLINE_WINDOW)
    return p


def is_dark_palette(p: QPalette) -> bool:
    return p.color(QPalette.ColorRole.Window).lightness() < 128


def message_style(error: bool) -> str:
    """Style sheet of an inline error or hint box in the current theme's colours."""
    fg, bg = (
        (palette.ERROR_TEXT, palette.ERROR_BACKGROUND)
        if error
        else (palette.HINT_TEXT, palette.HINT_BACKGROUND)
    )
    return f"color: {fg.name()}; background: {bg.name()}; border-radius: 3px; padding: 4px;"


def _set_style(app: QApplication, name: str) -> None:
    """Only on a real change: a new style re-polishes every widget, which costs start-up time."""
    if app.style().name().lower() != name.lower():
        app.setStyle(name)


class ThemeController(QObject):
    """Applies the chosen theme to the application and remembers it in ``settings``."""

    changed = Signal()  # after the palette and ``palette``'s colours have switched

    def __init__(self, settings: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        try:
            self._theme = Theme(settings.value(SETTINGS_KEY, Theme.SYSTEM.value))
        except ValueError:  # a hand-edited settings file must not stop the app
            self._theme = Theme.SYSTEM
        QApplication.styleHints().colorSchemeChanged.connect(self._on_scheme_changed)

    @property
    def theme(self) -> Theme:
        return self._theme

    def set_theme(self, theme: Theme) -> None:
        """Switch to ``theme`` now and for later runs."""
        self._theme = theme
        self._settings.setValue(SETTINGS_KEY, theme.value)
        self.apply()

    def apply(self) -> None:
        """Set the application's style and palette for the current theme, then announce it."""
        global _system_style
        app = QApplication.instance()
        if _system_style is None:
            _system_style = app.style().name()
        if self._theme is Theme.SYSTEM:
            _set_style(app, _system_style)
            app.setPalette(QPalette())  # an empty palette hands control back to the platform
        else:
            _set_style(app, FUSION)
            light = app.style().standardPalette()
            app.setPalette(dark_palette() if self._theme is Theme.DARK else light)
        app.setPalette(check_box_palette(self._theme is Theme.DARK), "QCheckBox")
        palette.use_dark(is_dark_palette(app.palette()))
        self.changed.emit()

    @Slot(Qt.ColorScheme)
    def _on_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        # Deferred: the platform may update its palette after announcing the new scheme.
        QTimer.singleShot(0, self, self._follow_system)

    @Slot()
    def _follow_system(self) -> None:
        if self._theme is Theme.SYSTEM:
            self.apply()
