"""The loss landscape: MSE over (w, b) as a heat map with contours, and SGD's path on it.

The grid and the contours (exact ellipses: the MSE is quadratic) come from ``LossSurface``
in closed form, once per data set; a redraw only moves the path and the current point.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt import QtCore

from gradviz.core.regression import LossSurface
from gradviz.ui import palette
from gradviz.ui.training_plots import FIT_PEN, add_legend, style_plot, themed_plot

GRID_SIZE = 121
CONTOURS = 9
PATH_BOX = 3.0  # the path is cut where it leaves this many view half-widths round the optimum


class LandscapePlot:
    """Heat map of log10 MSE over a square around the optimum that holds the start point.

    The view stays on that square: a diverging path leaves it instead of shrinking it.
    The path is cut where it leaves a box a few times the view's size: a diverged run
    reaches ~1e19, and segments that long overflow Qt's repaint regions, leaving ghost
    lines on screen after the path is cleared.
    """

    def __init__(self) -> None:
        self.widget = themed_plot("Loss landscape  MSE(w, b)", "w  (coefficient)", "b  (bias)")
        colormap = pg.colormap.get("viridis")
        self.image = pg.ImageItem(axisOrder="col-major")
        self.image.setZValue(-10)
        self.widget.addItem(self.image)
        self.colorbar = pg.ColorBarItem(colorMap=colormap, interactive=False, width=14)
        self.colorbar.setImageItem(self.image, insert_in=self.widget.getPlotItem())
        self.colorbar.getAxis("right").setLabel("log10 MSE")
        self._style_colorbar()
        # All rings in one item, NaN-separated: one setData per data set.
        self.contours = self.widget.plot([], [], pen=pg.mkPen(255, 255, 255, 140), connect="finite")
        add_legend(self.widget, on_heat_map=True)
        self.path = self.widget.plot([], [], pen=pg.mkPen("w", width=1.5), name="SGD path")
        self.current = self.widget.plot(
            [],
            [],
            pen=None,
            symbol="o",
            symbolSize=11,
            symbolPen=pg.mkPen("w", width=1.5),
            symbolBrush=FIT_PEN.color(),
            name="current (w, b)",
        )
        self.optimum = self.widget.plot(
            [],
            [],
            pen=None,
            symbol="star",
            symbolSize=17,
            symbolPen=pg.mkPen("k"),
            symbolBrush="#ffdd33",
            name="least squares",
        )
        self._box = (np.zeros(2), np.ones(2))  # centre and half-size of where the path is drawn

    def apply_theme(self) -> None:
        style_plot(self.widget)
        self._style_colorbar()

    def _style_colorbar(self) -> None:
        axis = self.colorbar.getAxis("right")
        axis.setTextPen(palette.PLOT_TEXT.name())
        axis.setLabel(axis.labelText, color=palette.PLOT_TEXT.name())

    def set_surface(
        self, surface: LossSurface, optimum: tuple[float, float], start: tuple[float, float]
    ) -> None:
        """Grid a square centred on the optimum, wide enough to show where SGD starts."""
        half = 1.2 * max(abs(start[0] - optimum[0]), abs(start[1] - optimum[1]), 0.5)
        ws = np.linspace(optimum[0] - half, optimum[0] + half, GRID_SIZE)
        bs = np.linspace(optimum[1] - half, optimum[1] + half, GRID_SIZE)
        log_mse = np.log10(surface.grid(ws, bs))
        low, high = float(log_mse.min()), float(log_mse.max())
        self.image.setImage(log_mse, levels=(low, high))
        pixel = ws[1] - ws[0]
        side = pixel * GRID_SIZE
        self.image.setRect(QtCore.QRectF(ws[0] - pixel / 2, bs[0] - pixel / 2, side, side))
        self.colorbar.setLevels((low, high))
        # Contours evenly spaced in log MSE: rings get denser towards the optimum.
        rings = [surface.contour(10**level) for level in np.linspace(low, high, CONTOURS + 2)[1:-1]]
        gap = np.array([np.nan])
        self.contours.setData(
            np.concatenate([part for ring_w, _ in rings for part in (ring_w, gap)]),
            np.concatenate([part for _, ring_b in rings for part in (ring_b, gap)]),
        )
        self.optimum.setData([optimum[0]], [optimum[1]])
        self._box = (np.array(optimum), np.full(2, PATH_BOX * half))
        self.widget.setRange(
            xRange=(float(ws[0]), float(ws[-1])), yRange=(float(bs[0]), float(bs[-1])), padding=0
        )

    def set_path(self, ws: np.ndarray, bs: np.ndarray) -> None:
        """The trajectory so far, cut where it leaves the box; its last point is the current."""
        points = _cut_at_box(np.column_stack([ws, bs]), *self._box)
        self.path.setData(points[:, 0], points[:, 1])
        self.current.setData(points[-1:, 0], points[-1:, 1])

    def clear_path(self, start: tuple[float, float]) -> None:
        """No path, the marker at ``start``, and a full repaint so no old segment lingers."""
        self.path.setData(np.empty(0), np.empty(0))
        self.current.setData([start[0]], [start[1]])
        self.widget.viewport().update()


def _cut_at_box(points: np.ndarray, centre: np.ndarray, half: np.ndarray) -> np.ndarray:
    """The points up to the first one outside the box, that one moved onto the box's edge.

    Moving it along its segment keeps the segment's direction: the path visibly heads
    off the plot the way SGD went.
    """
    outside = ~np.all(np.abs(points - centre) <= half, axis=1)  # NaN counts as outside
    if not outside.any():
        return points
    first = int(np.argmax(outside))
    if first == 0:
        return points[:0]
    inside, beyond = points[first - 1], points[first]
    if not np.all(np.isfinite(beyond)):
        return points[:first]
    step = beyond - inside
    with np.errstate(divide="ignore", invalid="ignore"):
        room = np.where(step > 0, centre + half - inside, centre - half - inside) / step
    scale = float(np.nanmin(np.where(step != 0, room, np.inf)))
    return np.vstack([points[:first], inside + scale * step])
