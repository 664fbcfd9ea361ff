"""The training tab's data and loss-curve plots.

Each plot creates its items once and only calls ``setData`` afterwards, so a redraw at
60 Hz allocates no scene items.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
import torch
from PySide6.QtGui import QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QCheckBox, QWidget

from gradviz.ui import palette

FIT_PEN = pg.mkPen("#d62728", width=2.5)
TITLE_SIZE = "11pt"
FIT_LINE_LIMIT = 10.0  # data heights: a fitted line beyond this says nothing about the data


class TimedPlotWidget(pg.PlotWidget):
    """A PlotWidget that adds up its painting time, so the tab can pace its redraws.

    It can also hold a small widget in its top-right corner, beside the title, where
    the plot has room to spare and the side panel has none.
    """

    _corner: QWidget | None = None  # a class default: pyqtgraph resizes during __init__

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._paint_seconds = 0.0

    def set_corner_widget(self, widget: QWidget) -> None:
        self._corner = widget
        widget.setParent(self)
        widget.adjustSize()
        self._place_corner()

    def resizeEvent(self, event: QResizeEvent | None) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._place_corner()

    def _place_corner(self) -> None:
        if self._corner is not None:
            self._corner.move(self.width() - self._corner.width() - 8, 4)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        started = time.perf_counter()
        super().paintEvent(event)
        self._paint_seconds += time.perf_counter() - started

    def take_paint_seconds(self) -> float:
        """Painting time since the last call."""
        spent, self._paint_seconds = self._paint_seconds, 0.0
        return spent


class DecadeLogAxis(pg.AxisItem):
    """A log axis labelled at whole decades only, with unlabelled ticks between.

    pyqtgraph labels the 2…9 ticks of each decade too, and those crowd into an
    unreadable stack ("0.9 0.8 0.7 0.6…") below every decade.
    """

    _inside_one_decade = False  # zoomed in past the decades: the 2…9 labels are all there is

    def logTickValues(self, minVal, maxVal, size, stdTicks):  # noqa: N802, N803 (pyqtgraph's)
        low, high = math.ceil(minVal), math.floor(maxVal)
        self._inside_one_decade = low > high
        if self._inside_one_decade:
            return super().logTickValues(minVal, maxVal, size, stdTicks)
        stride = max(1, math.ceil((high - low + 1) / 6))  # at most about six labels
        decades = [float(v) for v in range(low, high + 1) if v % stride == 0]
        minor: list[float] = []
        if stride == 1:  # the 2…9 marks only where a decade has room for them
            for v in range(math.floor(minVal), math.ceil(maxVal)):
                minor.extend(x for x in v + np.log10(np.arange(2, 10)) if minVal < x < maxVal)
        return [(float(stride), decades), (None, minor)]

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        if self._inside_one_decade:
            return super().logTickStrings(values, scale, spacing)
        if spacing is None:
            return [""] * len(values)
        return [_decade(round(v)) for v in values]


def _decade(exponent: int) -> str:
    """10**exponent as people write it: 0.01, 1, 1000, then 1e6 and beyond."""
    return f"{10.0**exponent:g}" if -3 <= exponent <= 4 else f"1e{exponent}"


def themed_plot(
    title: str, x_label: str, y_label: str, axis_items: dict[str, pg.AxisItem] | None = None
) -> TimedPlotWidget:
    """A plot in the theme's colours: white with dark axes (like the book's figures) or dark.

    No grid: pyqtgraph draws grid lines as part of the axes, and then every frame
    repaints the axes over the whole plot (it made a frame seven times slower).
    """
    widget = TimedPlotWidget(axisItems=axis_items)
    widget.setAccessibleName(title)
    widget.setTitle(title)
    widget.getAxis("bottom").setLabel(x_label)
    widget.getAxis("left").setLabel(y_label)
    style_plot(widget)
    return widget


def style_plot(widget: pg.PlotWidget) -> None:
    """(Re)colour background, title and axes from the current ``palette``."""
    text = palette.PLOT_TEXT.name()
    widget.setBackground(palette.PLOT_BACKGROUND)
    plot = widget.getPlotItem()
    plot.setTitle(plot.titleLabel.text, color=text, size=TITLE_SIZE)
    for side in ("bottom", "left"):
        axis = widget.getAxis(side)
        axis.setPen(text)
        axis.setTextPen(text)
        axis.setLabel(axis.labelText, color=text)


def add_legend(widget: pg.PlotWidget, on_heat_map: bool = False) -> pg.LegendItem:
    """A framed legend; ``on_heat_map`` keeps it dark, so white lines show on it."""
    legend = widget.addLegend(offset=(8, 8))
    style_legend(legend, on_heat_map)
    return legend


def style_legend(legend: pg.LegendItem, on_heat_map: bool = False) -> None:
    dark = on_heat_map or palette.is_dark()
    text, fill = ("#ffffff", (20, 20, 20, 170)) if dark else ("#222222", (255, 255, 255, 210))
    legend.setLabelTextColor(text)
    for _sample, label in legend.items:
        label.setText(label.text)  # pyqtgraph stores the new colour but keeps the old HTML
    legend.setBrush(pg.mkBrush(*fill))
    legend.setPen(pg.mkPen("#999999"))


class DataPlot:
    """The data scatter with the current fitted line in red (the book's Fig. 4.3).

    The view is fixed to the data, so a diverging line leaves the frame instead of
    zooming the points away. A line far off the scale is hidden with a note: drawn, it
    is a meaningless vertical stroke where huge w·x and b cancel.
    """

    def __init__(self) -> None:
        self.widget = themed_plot("Data and fitted line", "x", "y")
        self.legend = add_legend(self.widget)
        self.scatter = self.widget.plot(
            [],
            [],
            pen=None,
            symbol="o",
            symbolSize=4,
            symbolPen=None,
            symbolBrush=pg.mkBrush(31, 119, 180, 110),
            name="data",
        )
        self.true_line = self.widget.plot(
            [],
            [],
            pen=_reference_pen(),
            name="true line",
        )
        self.fit_line = self.widget.plot([], [], pen=FIT_PEN, name="fitted line")
        self.off_scale_note = pg.TextItem(color=FIT_PEN.color(), fill=_note_fill(), anchor=(1, 1))
        self.off_scale_note.hide()
        self.widget.addItem(self.off_scale_note)
        self._x_ends = np.zeros(2)
        self._y_limits = (-np.inf, np.inf)

    def apply_theme(self) -> None:
        style_plot(self.widget)
        style_legend(self.legend)
        self.true_line.setPen(_reference_pen())
        self.off_scale_note.fill = _note_fill()  # pyqtgraph has no setter; paint reads it
        self.off_scale_note.update()

    def set_data(self, X: torch.Tensor, y: torch.Tensor, coef: float, bias: float) -> None:
        x, t = X[:, 0].double().numpy(), y.double().numpy()
        self._x_ends = np.array([x.min(), x.max()])
        self.scatter.setData(x, t)
        self.true_line.setData(self._x_ends, coef * self._x_ends + bias)
        margin = FIT_LINE_LIMIT * max(float(t.max() - t.min()), 1e-9)
        self._y_limits = (float(t.min()) - margin, float(t.max()) + margin)
        self.off_scale_note.setPos(float(x.max()), float(t.min()))
        self.widget.setRange(
            xRange=(float(x.min()), float(x.max())),
            yRange=(float(t.min()), float(t.max())),
            padding=0.05,
        )

    def set_fit(self, w: float, b: float) -> None:
        ends = w * self._x_ends + b
        low, high = self._y_limits
        on_scale = bool(np.all((ends >= low) & (ends <= high)))
        self.fit_line.setData(self._x_ends if on_scale else [], ends if on_scale else [])
        self.off_scale_note.setVisible(not on_scale)
        if not on_scale:
            self.off_scale_note.setText(f"fitted line off the scale:\ny = {w:.3g}·x {b:+.3g}")


def _reference_pen() -> pg.QtGui.QPen:
    return pg.mkPen(palette.REFERENCE_LINE, width=1.5, style=pg.QtCore.Qt.PenStyle.DashLine)


def _note_fill() -> pg.QtGui.QBrush:
    background = pg.mkColor(palette.PLOT_BACKGROUND)
    background.setAlpha(220)
    return pg.mkBrush(background)


class LossCurvePlot:
    """MSE per epoch, falling live; a log scale shows the late, slow part of the fall.

    The view grows in steps instead of auto-ranging: a new range rebuilds both axes,
    and doing that every frame was the most expensive part of a redraw. The curve's own
    ``getData`` returns log10 values in log mode, so the plot keeps the losses itself.
    """

    def __init__(self) -> None:
        self.widget = themed_plot(
            "MSE per epoch", "epoch", "MSE", axis_items={"left": DecadeLogAxis("left")}
        )
        # An SI prefix on a log axis turns "1e8" into "(x1e+27) 1e-19": keep plain numbers.
        self.widget.getAxis("left").enableAutoSIPrefix(False)
        self.widget.disableAutoRange()
        self.log_scale = QCheckBox("Log scale", objectName="mseLogScale")
        self.log_scale.setToolTip("Show the MSE on a log axis: the slow late fall becomes visible")
        self.log_scale.toggled.connect(self.set_log)
        self.widget.set_corner_widget(self.log_scale)
        self.curve = self.widget.plot(
            [],
            [],
            pen=pg.mkPen("#1f77b4", width=2),
            symbol="o",
            symbolSize=4,
            symbolBrush="#1f77b4",
            symbolPen=None,
        )
        self._log = False
        self._view: tuple[float, float, float] | None = None  # x_end, y_low, y_high
        self._planned_epochs = 10
        self._epochs = self._losses = np.empty(0)

    def apply_theme(self) -> None:
        style_plot(self.widget)

    def set_planned_epochs(self, epochs: int) -> None:
        """The run's length: the view grows towards it and never past it."""
        self._planned_epochs = epochs
        self._view = None

    def set_log(self, on: bool) -> None:
        self._log = on
        self.widget.setLogMode(y=on)
        self._view = None
        self._fit_view()

    def set_curve(self, epochs: np.ndarray, losses: np.ndarray) -> None:
        # Markers help at the book's 30 epochs and only clutter a long run.
        self.curve.setSymbol("o" if len(epochs) <= 200 else None)
        self.curve.setData(epochs, losses)
        self._epochs, self._losses = epochs, losses
        if len(epochs) == 0:
            self._view = None
        self._fit_view()

    def _fit_view(self) -> None:
        """Widen the view only when the data leaves it, with room to grow into."""
        epochs, losses = self._epochs, self._losses
        if len(epochs) == 0:  # a new run: drop the last run's range (up to 1e34 after a blow-up)
            y_range = (-1.0, 2.0) if self._log else (0.0, 1.0)
            x_range = (0.0, float(self._planned_epochs))
            self.widget.setRange(xRange=x_range, yRange=y_range, padding=0)
            return
        x_end = float(epochs[-1])
        if self._log:
            positive = losses[losses > 0]  # log10(0) is -inf; pyqtgraph leaves such points out
            if len(positive) == 0:
                return
            low, high = float(np.log10(positive.min())), float(np.log10(positive.max()))
        else:
            low, high = 0.0, float(losses.max())
        view = self._view
        if view is None or x_end > view[0] or low < view[1] or high > view[2]:
            x_view = max(x_end, min(self._planned_epochs, max(10.0, 1.5 * x_end)))
            if self._log:
                view = (x_view, np.floor(low) - 0.5, np.ceil(high) + 0.5)
            else:
                view = (x_view, 0.0, 1.1 * high if high > 0 else 1.0)
            self._view = view
            self.widget.setRange(xRange=(0.0, 1.02 * view[0]), yRange=view[1:], padding=0)
