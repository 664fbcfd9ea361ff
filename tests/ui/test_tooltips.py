"""Every control explains itself (tooltip) and the main widgets have names for screen readers."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QScrollBar,
    QTabBar,
    QWidget,
)

CONTROLS = (QAbstractButton, QLineEdit, QAbstractSpinBox, QComboBox, QAbstractSlider)


def _is_part_of_another_control(widget: QWidget) -> bool:
    """Scroll bars, a spin box's own line edit, a line edit's clear button, tab bar arrows,
    Qt's qt_* helpers: internals."""
    parent = widget.parentWidget()
    return (
        isinstance(widget, QScrollBar)
        or isinstance(parent, (QAbstractSpinBox, QComboBox, QTabBar, QLineEdit))
        or widget.objectName().startswith("qt_")
    )


def test_every_control_in_both_tabs_has_a_tooltip(main_window):
    missing = [
        f"{type(w).__name__} {w.objectName() or getattr(w, 'text', lambda: '')()!r}"
        for kind in CONTROLS
        for w in main_window.findChildren(kind)
        if not _is_part_of_another_control(w) and not w.toolTip().strip()
    ]
    assert not missing, "controls without a tooltip:\n" + "\n".join(sorted(set(missing)))


def test_both_tabs_have_a_tooltip(main_window):
    tabs = main_window.tabs
    assert all(tabs.tabToolTip(i) for i in range(tabs.count()))


def test_main_widgets_have_accessible_names(main_window):
    g, t = main_window.graph_tab, main_window.training_tab
    widgets = [
        g.editor, g.graph_view, g.inspector, main_window.tabs,
        t.data_plot.widget, t.loss_plot.widget, t.landscape.widget, t.controls, t.status,
    ]  # fmt: skip
    unnamed = [w.objectName() or type(w).__name__ for w in widgets if not w.accessibleName()]
    assert not unnamed, unnamed
