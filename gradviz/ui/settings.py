"""Widget values that persist between runs through QSettings (issue 7).

``remember(settings, "training", {"epochs": spin_box, ...})`` restores each widget from
``training/epochs`` and writes it back on every change, so nothing depends on a clean exit.
A value that cannot be used (a hand-edited or corrupt settings file, a value out of range)
is skipped with a logged warning and the widget keeps its default: bad settings never stop
the app.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QAbstractButton, QComboBox, QDoubleSpinBox, QSpinBox, QWidget

log = logging.getLogger(__name__)

Persistent = QAbstractButton | QSpinBox | QDoubleSpinBox | QComboBox


def remember(settings: QSettings, group: str, widgets: Mapping[str, Persistent]) -> None:
    """Restore each widget from ``group/name`` now; save it to the same key on each change."""
    for name, widget in widgets.items():
        key = f"{group}/{name}"
        read, write, changed = _accessors(widget)
        stored = settings.value(key)
        if stored is not None:
            try:
                read(stored)
            except (TypeError, ValueError) as exc:
                log.warning("ignoring unusable setting %s=%r: %s", key, stored, exc)
        changed.connect(lambda *_, key=key, write=write: settings.setValue(key, write()))


def _accessors(widget: QWidget) -> tuple[Callable[[object], None], Callable[[], object], object]:
    """(restore from a stored value, the value to store, the change signal) for ``widget``."""
    if isinstance(widget, QAbstractButton):
        return (lambda v: widget.setChecked(_as_bool(v)), widget.isChecked, widget.toggled)
    if isinstance(widget, QDoubleSpinBox):
        return (lambda v: widget.setValue(_in_range(float(v), widget)), widget.value,
                widget.valueChanged)
    if isinstance(widget, QSpinBox):
        return (lambda v: widget.setValue(_in_range(int(v), widget)), widget.value,
                widget.valueChanged)
    if isinstance(widget, QComboBox):
        # Stored by text, not index: a reordered list must not pick a different entry.
        def select(v: object) -> None:
            index = widget.findText(str(v))
            if index < 0:
                raise ValueError("not one of the choices")
            widget.setCurrentIndex(index)

        return (select, widget.currentText, widget.currentIndexChanged)
    raise TypeError(f"cannot persist a {type(widget).__name__}")


def _as_bool(value: object) -> bool:
    """QSettings' INI files give "true"/"false" back as text; anything else is unusable."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise ValueError("not true or false")


def _in_range(value: float, box: QSpinBox | QDoubleSpinBox) -> float:
    """The value itself if the box can hold it; a box would silently clamp it instead."""
    if math.isnan(value) or not box.minimum() <= value <= box.maximum():
        raise ValueError(f"outside {box.minimum()}..{box.maximum()}")
    return value
