"""The training tab's data and loss-curve plots.

Each plot creates its items once and only calls ``setData`` afterwards, so a redraw at
60 Hz allocates no scene items.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
import torch
from PySide6.QtGui import QPaintEvent

FIT_PEN = pg.mkPen("#d62728", width=2.5)
TEXT_COLOR = "#222222"


class TimedPlotWidget(pg.PlotWidget):
    """A PlotWidget that adds up its painting time, so the tab can pace its redraws."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._paint_seconds = 0.0

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        started = time.perf_counter()
        super().paintEvent(event)
        self._paint_seconds += time.perf_counter() - started

    def take_paint_seconds(self) -> float:
        """Painting time since the last call."""
        spent, self._paint_seconds = self._paint_seconds, 0.0
        return spent


def light_plot(title: str, x_label: str, y_label: str) -> TimedPlotWidget:
    """A white plot with dark axes: it reads like the book's figures and prints well.

    No grid: pyqtgraph draws grid lines as part of the axes, and then every frame
    repaints the axes over the whole plot (it made a frame seven times slower).
    """
    widget = TimedPlotWidget(background="w")
    widget.setTitle(title, color=TEXT_COLOR, size="11pt")
    for side, label in (("bottom", x_label), ("left", y_label)):
        axis = widget.getAxis(side)
        axis.setPen(TEXT_COLOR)
        axis.setTextPen(TEXT_COLOR)
        axis.setLabel(label, color=TEXT_COLOR)
    return widget


def add_legend(widget: pg.PlotWidget, dark: bool = False) -> pg.LegendItem:
    """A framed legend; ``dark`` for one over a heat map, where white lines must show."""
    text, fill = ("#ffffff", (20, 20, 20, 170)) if dark else (TEXT_COLOR, (255, 255, 255, 210))
    legend = widget.addLegend(offset=(8, 8), labelTextColor=text)
    legend.setBrush(pg.mkBrush(*fill))
    legend.setPen(pg.mkPen("#999999"))
    return legend


class DataPlot:
    """The data scatter with the current fitted line in red (the book's Fig. 4.3).

    The view is fixed to the data, so a diverging line leaves the frame instead of
    zooming the points away.
    """

    def __init__(self) -> None:
        self.widget = light_plot("Data and fitted line", "x", "y")
        add_legend(self.widget)
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
            pen=pg.mkPen("#555555", width=1.5, style=pg.QtCore.Qt.PenStyle.DashLine),
            name="true line",
        )
        self.fit_line = self.widget.plot([], [], pen=FIT_PEN, name="fitted line")
        self._x_ends = np.zeros(2)

    def set_data(self, X: torch.Tensor, y: torch.Tensor, coef: float, bias: float) -> None:
        x, t = X[:, 0].double().numpy(), y.double().numpy()
        self._x_ends = np.array([x.min(), x.max()])
        self.scatter.setData(x, t)
        self.true_line.setData(self._x_ends, coef * self._x_ends + bias)
        self.widget.setRange(
            xRange=(float(x.min()), float(x.max())),
            yRange=(float(t.min()), float(t.max())),
            padding=0.05,
        )

    def set_fit(self, w: float, b: float) -> None:
        self.fit_line.setData(self._x_ends, w * self._x_ends + b)


class LossCurvePlot:
    """MSE per epoch, falling live; a log scale shows the late, slow part of the fall.

    The view grows in steps instead of auto-ranging: a new range rebuilds both axes,
    and doing that every frame was the most expensive part of a redraw.
    """

    def __init__(self) -> None:
        self.widget = light_plot("MSE per epoch", "epoch", "MSE")
        # An SI prefix on a log axis turns "1e8" into "(x1e+27) 1e-19": keep plain numbers.
        self.widget.getAxis("left").enableAutoSIPrefix(False)
        self.widget.disableAutoRange()
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

    def set_planned_epochs(self, epochs: int) -> None:
        """The run's length: the view grows towards it and never past it."""
        self._planned_epochs = epochs
        self._view = None

    def set_log(self, on: bool) -> None:
        self._log = on
        self.widget.setLogMode(y=on)
        self._view = None
        self._fit_view(*self.curve.getData())

    def set_curve(self, epochs: np.ndarray, losses: np.ndarray) -> None:
        # Markers help at the book's 30 epochs and only clutter a long run.
        self.curve.setSymbol("o" if len(epochs) <= 200 else None)
        self.curve.setData(epochs, losses)
        if len(epochs) == 0:
            self._view = None
        self._fit_view(epochs, losses)

    def _fit_view(self, epochs: np.ndarray | None, losses: np.ndarray | None) -> None:
        """Widen the view only when the data leaves it, with room to grow into."""
        if epochs is None or len(epochs) == 0:
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
