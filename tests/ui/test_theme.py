"""View → Theme: System / Light / Dark switch the whole window at once and are remembered."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QStyle,
    QStyleFactory,
    QStyleOptionButton,
)

from gradviz.ui import palette
from gradviz.ui.highlighter import DARK as DARK_SYNTAX
from gradviz.ui.highlighter import LIGHT as LIGHT_SYNTAX
from gradviz.ui.main_window import MainWindow
from gradviz.ui.theme import Theme, dark_palette

AA_TEXT = 4.5  # WCAG 2.x minimum contrast for normal text


def contrast(a: QColor, b: QColor) -> float:
    """WCAG 2.x contrast ratio, written out from the spec (not palette.text_on's code)."""

    def luminance(c: QColor) -> float:
        def lin(v: float) -> float:
            return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF())

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.fixture(autouse=True)
def back_to_system_theme(qapp):
    """A theme is application-wide state: put it back for the tests that follow."""
    yield
    qapp.setPalette(QPalette())
    qapp.setPalette(QPalette(), "QCheckBox")
    palette.use_dark(False)


def theme_action(window: MainWindow, theme: Theme):
    (action,) = [a for a in window.theme_actions.actions() if a.data() == theme.value]
    return action


def window_colour(widget) -> QColor:
    return widget.grab().toImage().pixelColor(QPoint(widget.width() // 2, 5))


def test_dark_theme_recolours_every_view_without_a_restart(main_window, qtbot):
    view = main_window.graph_tab.graph_view
    plot = main_window.training_tab.data_plot.widget
    light_view = window_colour(view)
    theme_action(main_window, Theme.DARK).trigger()

    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128
    assert palette.is_dark() and palette.DARK["CARD_BODY"] == palette.CARD_BODY
    dark_view = window_colour(view)
    assert dark_view.lightness() < 64 < light_view.lightness()
    assert plot.backgroundBrush().color() == palette.DARK["PLOT_BACKGROUND"]
    editor = main_window.graph_tab.editor
    name_format = editor._highlighter._formats["name"]  # noqa: SLF001 (what the user sees)
    assert name_format.foreground().color() == QColor(DARK_SYNTAX["name"])

    theme_action(main_window, Theme.LIGHT).trigger()
    assert not palette.is_dark()
    assert window_colour(view) == light_view
    assert plot.backgroundBrush().color() == palette.LIGHT["PLOT_BACKGROUND"]


def test_inspector_text_follows_the_theme(main_window):
    tab = main_window.graph_tab
    leaf = next(n for n, a in tab.graph_view.graph.nodes(data=True) if a["kind"] == "leaf")
    tab.inspect_node(leaf)
    theme_action(main_window, Theme.DARK).trigger()
    html = "".join(label.text() for label in tab.inspector.findChildren(QLabel))
    assert palette.DARK["TEXT_DIM"].name() in html
    assert palette.LIGHT["TEXT_DIM"].name() not in html


def test_theme_choice_is_remembered_and_checked_in_the_menu(qtbot, main_window, settings):
    theme_action(main_window, Theme.DARK).trigger()
    assert [a.isChecked() for a in main_window.theme_actions.actions()] == [False, False, True]
    main_window.close()
    QApplication.setPalette(QPalette())  # as a new process would start
    palette.use_dark(False)

    again = MainWindow(settings=QSettings(settings.fileName(), QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    assert again.theme.theme is Theme.DARK
    assert theme_action(again, Theme.DARK).isChecked()
    assert palette.is_dark()


def test_system_theme_hands_the_palette_back_to_the_platform(main_window):
    platform = QApplication.palette().color(QPalette.ColorRole.Window)
    theme_action(main_window, Theme.DARK).trigger()
    theme_action(main_window, Theme.SYSTEM).trigger()
    assert QApplication.palette().color(QPalette.ColorRole.Window) == platform
    assert palette.is_dark() == (platform.lightness() < 128)


def test_system_theme_reapplies_when_the_desktop_switches_scheme(main_window, qtbot):
    """The offscreen platform cannot switch schemes, so this sends the signal Qt would."""
    controller = main_window.theme
    with qtbot.waitSignal(controller.changed):
        controller._on_scheme_changed(Qt.ColorScheme.Dark)  # noqa: SLF001
    theme_action(main_window, Theme.LIGHT).trigger()
    with qtbot.assertNotEmitted(controller.changed, wait=100):  # an override ignores it
        controller._on_scheme_changed(Qt.ColorScheme.Dark)  # noqa: SLF001


def test_a_corrupt_theme_setting_falls_back_to_system(qtbot, settings):
    settings.setValue("view/theme", "purple")
    window = MainWindow(settings=settings, open_example=False)
    qtbot.addWidget(window)
    assert window.theme.theme is Theme.SYSTEM


@pytest.mark.parametrize("neutrals", [palette.LIGHT, palette.DARK], ids=["light", "dark"])
def test_card_and_message_colours_are_readable(neutrals):
    assert contrast(neutrals["TEXT"], neutrals["CARD_BODY"]) >= 7
    assert contrast(neutrals["TEXT_DIM"], neutrals["CARD_BODY"]) >= AA_TEXT
    assert contrast(neutrals["ERROR_TEXT"], neutrals["ERROR_BACKGROUND"]) >= AA_TEXT
    assert contrast(neutrals["HINT_TEXT"], neutrals["HINT_BACKGROUND"]) >= AA_TEXT
    assert contrast(neutrals["PLOT_TEXT"], neutrals["PLOT_BACKGROUND"]) >= AA_TEXT
    assert contrast(neutrals["SELECTED"], neutrals["BACKGROUND"]) >= 3  # a 3 px outline


@pytest.mark.parametrize("kind", list(palette.KIND_COLORS))
def test_card_headers_keep_readable_ink(kind):
    header = palette.kind_color(kind)
    assert contrast(palette.text_on(header), header) >= AA_TEXT


@pytest.mark.parametrize(
    ("colours", "editor_palette"),
    [(LIGHT_SYNTAX, lambda: QStyleFactory.create("Fusion").standardPalette()),
     (DARK_SYNTAX, dark_palette)],
    ids=["light", "dark"],
)  # fmt: skip
def test_syntax_colours_are_readable_on_their_editor_background(colours, editor_palette):
    base = editor_palette().color(QPalette.ColorRole.Base)
    for kind, colour in colours.items():
        assert contrast(QColor(colour), base) >= AA_TEXT, kind


def test_an_unticked_check_box_is_visible_in_the_dark_theme(main_window):
    """Fusion's check box rim is the window colour darkened: on dark grey it disappeared."""
    theme_action(main_window, Theme.DARK).trigger()
    box = main_window.graph_tab.color_by_grad
    assert not box.isChecked()
    option = QStyleOptionButton()
    option.initFrom(box)
    rect = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
    image = box.grab().toImage()
    inside = box.palette().color(QPalette.ColorRole.Base)
    rim = max(
        contrast(image.pixelColor(x, rect.center().y()), inside)
        for x in range(rect.left(), rect.right() + 1)
    )
    assert rim >= 2.0
