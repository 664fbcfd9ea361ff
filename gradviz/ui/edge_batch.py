"""All of a large graph's edges as one item: the same curves and arrowheads as ``EdgeItem``.

Thousands of edge items cost time to build, and each repaint strokes every one whose
bounding rect meets the view; a fan-out of long edges covers every view, so that is all
of them, each stroked along its whole length. This item keeps the edges' route points in
numpy arrays and, per paint, draws only the pieces inside the exposed rect: every
curve segment is a Bézier with both tangents horizontal, monotone in x and y, so the
piece between two heights is found exactly (smoothstep has a closed-form inverse) and
drawn as a sub-curve of the very same curve. The pieces go into one path per colour,
built from a byte array in one call (``QDataStream >> QPainterPath``).

Below ``Detail.BOX`` zoom (cards are blocks) segments are drawn as straight one-pixel lines
without antialiasing and without arrowheads: the curves are a pixel or less across there.
They are cut to the exposed rect first, so the many that run off it end on a few pixels.
Thousands of curves in view (a wide fan-in) are drawn without antialiasing too.
Hover and tooltips find the edge under the cursor with ``edge_at``.
"""

from __future__ import annotations

from itertools import chain

import numpy as np
from PySide6.QtCore import QByteArray, QDataStream, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from gradviz.core.gil import GIL_CHUNK
from gradviz.ui import palette
from gradviz.ui.edge_item import (
    ARROW_HALF_WIDTH,
    ARROW_LENGTH,
    HOVER_WIDTH,
    PEN_WIDTH,
    Point,
    curve_through,
)
from gradviz.ui.node_item import Detail, detail_for

Area = tuple[float, float, float, float]
"""Left, top, right and bottom of a rect in scene units."""
_RECORD = np.dtype([("type", ">i4"), ("x", ">f8"), ("y", ">f8")])
_MOVE, _LINE, _CURVE, _CURVE_DATA = 0, 1, 2, 3
_WINDING = 1
HIGHLIGHT_WIDTH = 2.4
HOVER_PEN_WIDTH = 2.6
OVERVIEW_PEN_WIDTH = 1.0
"""Every aliased edge (overview zoom, dense fans) is one pixel wide: that takes the raster
engine's cosmetic fast path; wider ones go through the stroker, 2-3x slower for the same
look, since an aliased 1.4-pixel line is drawn one pixel wide anyway."""
CACHE_MAX_VIEWPORTS = 4
OVERVIEW_MAX_LINES = 20_000
"""At overview zoom at most this many lines are drawn, the longest: fans, skips and the
edges between rows carry a graph's shape; the short hops between neighbouring blocks of a
100k-node graph are a grey texture that took most of its first paint."""
DENSE_PIECES = 500
"""More curve pieces than this in one paint are stroked without antialiasing: a fan of
thousands of edges into one card is a solid sheaf either way, and antialiased it took
1.4 s a paint at 100% zoom (aliased, 1.4 px: 0.04 s; one pixel: 0.02 s)."""
PARTIAL_UPDATE_MAX = 32
"""More changed edges than this repaint the whole batch at once."""


def path_from_records(records: np.ndarray) -> QPainterPath:
    """A QPainterPath from (type, x, y) element records, read in one call."""
    path = QPainterPath()
    if records.size == 0:
        return path
    data = b"".join(
        (
            np.array([records.size], ">i4").tobytes(),
            records.astype(_RECORD, copy=False).tobytes(),
            np.array([0, _WINDING], ">i4").tobytes(),  # start of the last subpath; fill rule
        )
    )
    stream = QDataStream(QByteArray(data))
    stream >> path
    return path


class EdgeGeometry:
    """An ``EdgeBatch``'s numpy arrays, computed from the routes without any Qt item, so a
    large graph's can be computed on a worker thread.

    ``routes`` maps (source, target) to the points of ``EdgeItem``: start port, route
    corners, arrow tip. ``nonfinite`` flags edges whose gradient holds NaN or inf.
    """

    def __init__(self, routes: dict[tuple[str, str], list[Point]], nonfinite: list[bool]) -> None:
        self.keys = list(routes)
        self.index = {key: i for i, key in enumerate(self.keys)}
        self.points = list(routes.values())
        # Every edge's points in one array, its tip drawn back to where the arrowhead starts.
        counts = np.fromiter(map(len, self.points), dtype=np.int64, count=len(self.points))
        parts = [np.zeros(0)]
        for i in range(0, len(self.points), GIL_CHUNK):  # fromiter holds the GIL till it ends
            some = self.points[i : i + GIL_CHUNK]
            flat = chain.from_iterable(chain.from_iterable(some))
            count = 2 * int(counts[i : i + GIL_CHUNK].sum())
            parts.append(np.fromiter(flat, dtype=np.float64, count=count))
        line = np.concatenate(parts).reshape(-1, 2)
        last = np.cumsum(counts) - 1
        tip = line[last]
        line[last, 0] -= ARROW_LENGTH
        is_start = np.ones(len(line), dtype=bool)  # a segment from each point but the last
        is_start[last] = False
        start, end = line[is_start], line[np.flatnonzero(is_start) + 1]
        self.ends = np.concatenate((start.T, end.T))  # rows x0, y0, x1, y1: one gather
        self.x0, self.y0, self.x1, self.y1 = self.ends
        length = np.abs(self.x1 - self.x0) + np.abs(self.y1 - self.y0)
        self.by_length = np.argsort(-length, kind="stable")  # sorted once, off the GUI thread
        self.left, self.right = np.minimum(self.x0, self.x1), np.maximum(self.x0, self.x1)
        self.top, self.bottom = np.minimum(self.y0, self.y1), np.maximum(self.y0, self.y1)
        self.owner = np.repeat(np.arange(len(self.points), dtype=np.int64), counts - 1)
        self.first = np.concatenate(([0], np.cumsum(counts - 1)))  # edge i: first[i]:first[i+1]
        self.tip_x, self.tip_y = tip[:, 0].copy(), tip[:, 1].copy()
        self.nonfinite = np.array(nonfinite, dtype=bool).reshape(-1)
        margin = HOVER_WIDTH + ARROW_HALF_WIDTH
        self.bounds: tuple[float, float, float, float] | None = None  # left, top, right, bottom
        if self.owner.size:
            self.bounds = (
                float(self.left.min()) - margin,
                float(self.top.min()) - margin,
                float(self.right.max()) + margin,
                float(self.bottom.max()) + margin,
            )


class EdgeBatch(QGraphicsItem):
    """Every edge of a graph, drawn as ``EdgeItem`` draws one, in a single item.

    ``routes`` maps (source, target) to the points of ``EdgeItem``: start port, route
    corners, arrow tip. ``nonfinite`` flags edges whose gradient holds NaN or inf.
    """

    def __init__(
        self,
        routes: dict[tuple[str, str], list[Point]] | EdgeGeometry,
        nonfinite: list[bool] | None = None,
    ) -> None:
        """From routes and their non-finite flags, or from their ``EdgeGeometry``."""
        super().__init__()
        g = routes if isinstance(routes, EdgeGeometry) else EdgeGeometry(routes, nonfinite or [])
        self._g = g
        self.keys, self.index = g.keys, g.index
        self._special = np.zeros(len(self.keys), dtype=bool)  # highlighted or hovered
        self._lit = np.zeros(len(self.keys), dtype=bool)  # highlighted
        self._dimmed = np.zeros(len(self.keys), dtype=bool)  # no gradient along it yet
        self._highlighted: set[int] = set()
        self._hovered: int | None = None
        if g.bounds is None:
            self._bounds = QRectF()
        else:
            left, top, right, bottom = g.bounds
            self._bounds = QRectF(QPointF(left, top), QPointF(right, bottom))
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def cache_for(self, scale: float, viewport_pixels: int) -> None:
        """Keep a device-coordinate cache only while the whole batch at ``scale`` is at most
        CACHE_MAX_VIEWPORTS viewports: Qt caches (and so paints) the whole item, not just the
        part in view, so zoomed into a 100k-node graph every zoom step drew all its edges
        (0.45 s). Without the cache a pan paints the newly exposed strip only."""
        area = self._bounds.width() * self._bounds.height() * scale * scale
        cached = area <= CACHE_MAX_VIEWPORTS * viewport_pixels
        mode = QGraphicsItem.CacheMode
        wanted = mode.DeviceCoordinateCache if cached else mode.NoCache
        if self.cacheMode() != wanted:
            self.setCacheMode(wanted)

    # -- state ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.keys)

    def points(self, i: int) -> list[Point]:
        return self._g.points[i]

    def path(self, i: int) -> QPainterPath:
        """Edge ``i``'s curve, as ``EdgeItem.path``."""
        tip_x, tip_y = self._g.points[i][-1]
        return curve_through([*self._g.points[i][:-1], (tip_x - ARROW_LENGTH, tip_y)])

    def nonfinite(self, i: int) -> bool:
        return bool(self._g.nonfinite[i])

    def is_highlighted(self, i: int) -> bool:
        return i in self._highlighted

    def set_highlighted(self, i: int, on: bool) -> None:
        if on == (i in self._highlighted):
            return
        if on:
            self._highlighted.add(i)
        else:
            self._highlighted.discard(i)
        self._mark(i)

    def hovered(self) -> int | None:
        return self._hovered

    def is_dimmed(self, i: int) -> bool:
        return bool(self._dimmed[i])

    def set_dimmed_edges(self, dimmed: np.ndarray) -> None:
        """Which edges are drawn faint (one bool per edge). A stepper step changes a few
        edges: only their boxes are repainted, not the whole cached batch."""
        dimmed = np.asarray(dimmed, dtype=bool).reshape(-1)
        changed = np.flatnonzero(dimmed != self._dimmed)
        if not changed.size:
            return
        self._dimmed = dimmed.copy()
        if changed.size > PARTIAL_UPDATE_MAX:
            self.update()
            return
        for i in changed.tolist():
            self.update(self._edge_rect(i))

    def set_hovered(self, i: int | None) -> None:
        if i == self._hovered:
            return
        old, self._hovered = self._hovered, i
        for j in (old, i):
            if j is not None:
                self._mark(j)

    def _mark(self, i: int) -> None:
        self._lit[i] = i in self._highlighted
        self._special[i] = self._lit[i] or i == self._hovered
        self.update(self._edge_rect(i))

    def _edge_rect(self, i: int) -> QRectF:
        mine = slice(int(self._g.first[i]), int(self._g.first[i + 1]))
        margin = HOVER_WIDTH + ARROW_HALF_WIDTH
        return QRectF(
            QPointF(float(self._g.left[mine].min()), float(self._g.top[mine].min())),
            QPointF(float(self._g.right[mine].max()), float(self._g.bottom[mine].max())),
        ).adjusted(-margin, -margin, margin + ARROW_LENGTH, margin)

    # -- finding an edge --------------------------------------------------------------------

    def edge_at(self, x: float, y: float, radius: float = HOVER_WIDTH / 2) -> int | None:
        """The edge whose curve (or arrowhead) passes closest to (x, y), within ``radius``."""
        if self._g.owner.size == 0:
            return None
        near = (
            (self._g.left - radius <= x)
            & (self._g.right + radius >= x)
            & (self._g.top - radius <= y)
            & (self._g.bottom + radius >= y)
        )
        best, best_distance = None, np.inf
        segments = np.flatnonzero(near)
        if segments.size:
            distance = self._distance(segments, x, y)
            k = int(np.argmin(distance))
            if distance[k] <= radius:
                best, best_distance = int(self._g.owner[segments[k]]), float(distance[k])
        on_arrow = (
            (self._g.tip_x - ARROW_LENGTH - radius <= x)
            & (self._g.tip_x + radius >= x)
            & (np.abs(self._g.tip_y - y) <= ARROW_HALF_WIDTH + radius)
        )
        arrows = np.flatnonzero(on_arrow)
        if arrows.size:
            distance = np.abs(self._g.tip_y[arrows] - y)
            k = int(np.argmin(distance))
            if best is None or distance[k] < best_distance:
                best = int(arrows[k])
        return best

    def _distance(self, segments: np.ndarray, x: float, y: float) -> np.ndarray:
        """About the distance from (x, y) to each segment's curve (exact for straight runs)."""
        x0, y0, x1, y1 = (a[segments] for a in (self._g.x0, self._g.y0, self._g.x1, self._g.y1))
        dx_total, dy_total = x1 - x0, y1 - y0
        with np.errstate(divide="ignore", invalid="ignore"):
            # horizontally off the curve at the point's height
            u = np.clip((y - y0) / dy_total, 0.0, 1.0)
            t = _inverse_smoothstep(u)
            off_x = np.where(dy_total != 0, np.abs(_x_at(x0, dx_total, t) - x), np.inf)
            # vertically off the curve at the point's x
            w = np.clip((x - x0) / dx_total, 0.0, 1.0)
            t = _inverse_x(w)
            off_y = np.where(dx_total != 0, np.abs(_y_at(y0, dy_total, t) - y), np.inf)
            distance = np.where(
                np.isfinite(off_x) & np.isfinite(off_y),
                off_x * off_y / np.hypot(off_x, off_y),
                np.minimum(off_x, off_y),
            )
        distance = np.where(np.isnan(distance), 0.0, distance)  # on the curve: 0 / 0
        ends = np.minimum(np.hypot(x0 - x, y0 - y), np.hypot(x1 - x, y1 - y))
        return np.minimum(distance, ends)

    def longest(self, segments: np.ndarray, count: int) -> np.ndarray:
        """The ``count`` longest of ``segments``, longest first, from the order sorted once:
        a paint at overview zoom picks among 160k segments in a few boolean passes."""
        g = self._g
        chosen = np.zeros(g.x0.size, dtype=bool)
        chosen[segments] = True
        return g.by_length[chosen[g.by_length]][:count]

    # -- QGraphicsItem --------------------------------------------------------------------

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self._bounds

    def shape(self) -> QPainterPath:
        """Nothing: ``items(pos)`` must find cards, not this item; ``edge_at`` finds edges."""
        return QPainterPath()

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        scale = option.levelOfDetailFromTransform(painter.worldTransform())
        detail = detail_for(scale)
        exposed = option.exposedRect
        if exposed.isEmpty():
            exposed = self._bounds
        pad = (HOVER_PEN_WIDTH + 2) / max(scale, 1e-6)
        left, right = exposed.left() - pad, exposed.right() + pad
        top, bottom = exposed.top() - pad, exposed.bottom() + pad
        area = (left, top, right, bottom)
        shown = np.flatnonzero(
            (self._g.left <= right)
            & (self._g.right >= left)
            & (self._g.top <= bottom)
            & (self._g.bottom >= top)
        )
        arrows = np.array([], dtype=np.int64)
        if detail > Detail.BLOCK:
            arrows = np.flatnonzero(
                (self._g.tip_x - ARROW_LENGTH <= right)
                & (self._g.tip_x >= left)
                & (self._g.tip_y - ARROW_HALF_WIDTH <= bottom)
                & (self._g.tip_y + ARROW_HALF_WIDTH >= top)
            )
        straight = detail is Detail.BLOCK
        aliased = straight or shown.size > DENSE_PIECES
        if aliased:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        owners = self._g.owner[shown]
        plain_width = OVERVIEW_PEN_WIDTH if aliased else PEN_WIDTH
        for (color, chosen), (_, with_arrow) in zip(
            self._plain_groups(owners), self._plain_groups(arrows), strict=True
        ):
            self._draw(
                painter,
                shown[chosen],
                arrows[with_arrow],
                color,
                plain_width,
                area,
                straight,
            )
        hovered = -1 if self._hovered is None else self._hovered
        lit = self._lit[owners] & (owners != hovered)  # on top of the rest, in one go
        lit_arrows = arrows[self._lit[arrows] & (arrows != hovered)]
        if lit.any() or lit_arrows.size:
            self._draw(
                painter, shown[lit], lit_arrows, palette.SELECTED, HIGHLIGHT_WIDTH, area,
                straight,
            )  # fmt: skip
        if hovered >= 0:
            self._draw(
                painter, shown[owners == hovered], arrows[arrows == hovered], palette.EDGE_HOVER,
                HOVER_PEN_WIDTH, area, straight,
            )  # fmt: skip
        if aliased:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)

    def _plain_groups(self, edges: np.ndarray) -> list[tuple[QColor, np.ndarray]]:
        """Colour and mask over ``edges`` for the edges neither highlighted nor hovered."""
        plain, dimmed, bad = ~self._special[edges], self._dimmed[edges], self._g.nonfinite[edges]
        return [
            (palette.EDGE_DIM, plain & dimmed),
            (palette.EDGE, plain & ~dimmed & ~bad),
            (palette.NONFINITE, plain & ~dimmed & bad),
        ]

    def _draw(
        self,
        painter: QPainter,
        segments: np.ndarray,
        arrows: np.ndarray,
        color: QColor,
        width: float,
        area: Area,
        straight: bool,
    ) -> None:
        """Stroke ``segments`` and fill ``arrows`` in ``color``; ``area`` is the left, top,
        right and bottom of the exposed rect, padded."""
        if segments.size:
            pen = QPen(color, width)
            pen.setCosmetic(True)  # a fixed pixel width keeps overview edges visible
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            pixel = 1.0 / max(painter.worldTransform().m11(), 1e-9)
            if straight:
                ends = self._g.ends[:, self.longest(segments, 2 * OVERVIEW_MAX_LINES)]
                ends = _clipped(ends, area)
                ends = ends[:, _distinct_lines(ends.T, pixel)]
                records = _line_records(ends[:, _longest(ends, OVERVIEW_MAX_LINES)])
            else:
                _, top, _, bottom = area
                records = _distinct_curves(
                    self._segment_records(segments, top, bottom), _quantum(width) * pixel
                )
            per = 2 if straight else 4
            for chunk in _chunks(records, per, STRAIGHT_CHUNK if straight else CHUNK):
                painter.drawPath(path_from_records(chunk))
        if arrows.size:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawPath(path_from_records(self._arrow_records(arrows)))

    def _segment_records(self, segments: np.ndarray, top: float, bottom: float) -> np.ndarray:
        """Path elements for the parts of ``segments`` between heights ``top`` and ``bottom``."""
        x0, y0, x1, y1 = (a[segments] for a in (self._g.x0, self._g.y0, self._g.x1, self._g.y1))
        dx, dy = x1 - x0, y1 - y0
        count = segments.size
        with np.errstate(divide="ignore", invalid="ignore"):
            u_top = np.where(dy != 0, (top - y0) / dy, 0.0)
            u_bottom = np.where(dy != 0, (bottom - y0) / dy, 1.0)
        u_low = np.clip(np.minimum(u_top, u_bottom), 0.0, 1.0)
        u_high = np.clip(np.maximum(u_top, u_bottom), 0.0, 1.0)
        t0 = np.where(u_low > 0.0, _inverse_smoothstep(u_low), 0.0)
        t1 = np.where(u_high < 1.0, _inverse_smoothstep(u_high), 1.0)
        span = (t1 - t0) / 3.0
        ax, ay = _x_at(x0, dx, t0), _y_at(y0, dy, t0)
        bx, by = _x_at(x0, dx, t1), _y_at(y0, dy, t1)
        records = np.empty(4 * count, dtype=_RECORD)
        records["type"][0::4] = _MOVE
        records["type"][1::4] = _CURVE
        records["type"][2::4] = _CURVE_DATA
        records["type"][3::4] = _CURVE_DATA
        records["x"][0::4], records["y"][0::4] = ax, ay
        records["x"][1::4] = ax + span * _dx_at(dx, t0)
        records["y"][1::4] = ay + span * _dy_at(dy, t0)
        records["x"][2::4] = bx - span * _dx_at(dx, t1)
        records["y"][2::4] = by - span * _dy_at(dy, t1)
        records["x"][3::4], records["y"][3::4] = bx, by
        return records

    def _arrow_records(self, arrows: np.ndarray) -> np.ndarray:
        tip_x, tip_y = self._g.tip_x[arrows], self._g.tip_y[arrows]
        base = tip_x - ARROW_LENGTH
        records = np.empty(4 * arrows.size, dtype=_RECORD)
        records["type"][0::4] = _MOVE
        records["type"][1::4] = records["type"][2::4] = records["type"][3::4] = _LINE
        records["x"][0::4], records["y"][0::4] = tip_x, tip_y
        records["x"][1::4], records["y"][1::4] = base, tip_y - ARROW_HALF_WIDTH
        records["x"][2::4], records["y"][2::4] = base, tip_y + ARROW_HALF_WIDTH
        records["x"][3::4], records["y"][3::4] = tip_x, tip_y
        return records


CHUNK = 48
"""Sub-curves per drawn path. One path of thousands of overlapping curves is far slower to
fill than many small ones (every scanline crosses all of its outlines at once)."""
STRAIGHT_CHUNK = 1024
"""The same for the aliased straight lines of overview zoom, which stroke fast in any number."""
QUANTUM = 0.25
"""Curves whose points all agree to this fraction of a pixel are drawn once; straight lines
(overview zoom, no antialiasing) whose ends fall on the same pixels are drawn once."""


def _quantum(width: float) -> float:
    """How close, in pixels, two curves' points must be for one of them to be left out: one
    pixel for aliased hairlines (a dense fan), which land on whole pixels anyway; a wide
    fan at 100% then strokes a third fewer curves, 20-27 -> 12-16 ms a paint."""
    return 1.0 if width <= OVERVIEW_PEN_WIDTH else QUANTUM


def _distinct_curves(records: np.ndarray, step: float) -> np.ndarray:
    """Curve ``records`` (four elements each) without curves that draw the same pixels:
    those whose points all agree to ``step`` scene units.

    A fan of long edges puts thousands of nearly identical pieces on one spot of the
    screen: stroking each again changes nothing a person can see, only the time taken.
    """
    count = records.size // 4
    if count < 2 * CHUNK:
        return records
    first = _first_of_each(np.stack([records["x"], records["y"]], axis=1).reshape(count, 8), step)
    if first.size == count:
        return records
    return records.reshape(count, 4)[first].reshape(-1)


def _line_records(ends: np.ndarray) -> np.ndarray:
    """Path elements (a MoveTo and a LineTo each) for lines given as columns x0, y0, x1, y1."""
    x0, y0, x1, y1 = ends
    records = np.empty(2 * x0.size, dtype=_RECORD)
    records["type"][0::2], records["type"][1::2] = _MOVE, _LINE
    records["x"][0::2], records["y"][0::2] = x0, y0
    records["x"][1::2], records["y"][1::2] = x1, y1
    return records


def _clipped(ends: np.ndarray, area: Area) -> np.ndarray:
    """The parts, inside ``area`` (left, top, right, bottom), of the lines given as columns
    x0, y0, x1, y1; lines wholly outside are left out.

    At overview zoom a fan's thousands of long lines mostly run off screen: cut at its
    edge, they end on a few pixels there and ``_distinct_lines`` draws those once.
    """
    left, top, right, bottom = area
    x0, y0, x1, y1 = ends
    crossing = np.flatnonzero(
        (np.minimum(x0, x1) < left)
        | (np.maximum(x0, x1) > right)
        | (np.minimum(y0, y1) < top)
        | (np.maximum(y0, y1) > bottom)
    )
    if crossing.size == 0:  # the usual case at overview: the whole graph is exposed
        return ends
    kept, cut = _cut(ends[:, crossing], area)
    ends = ends.copy()
    ends[:, crossing[kept]] = cut
    out = np.ones(x0.size, dtype=bool)
    out[crossing[~kept]] = False
    return ends[:, out]


def _cut(ends: np.ndarray, area: Area) -> tuple[np.ndarray, np.ndarray]:
    """Liang-Barsky: which lines (columns x0, y0, x1, y1) meet ``area``, and their parts in it."""
    x0, y0, x1, y1 = ends
    dx, dy = x1 - x0, y1 - y0
    left, top, right, bottom = area
    low, high = np.zeros_like(x0), np.ones_like(x0)
    inside = np.ones(x0.shape, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # +-inf is right
        for p, q in ((-dx, x0 - left), (dx, right - x0), (-dy, y0 - top), (dy, bottom - y0)):
            inside &= (p != 0) | (q >= 0)  # parallel to this side and beyond it: out
            r = q / p
            low = np.where(p < 0, np.maximum(low, r), low)
            high = np.where(p > 0, np.minimum(high, r), high)
    inside &= low <= high
    low, high = low[inside], high[inside]
    x0, y0, dx, dy = x0[inside], y0[inside], dx[inside], dy[inside]
    return inside, np.stack((x0 + low * dx, y0 + low * dy, x0 + high * dx, y0 + high * dy))


def _distinct_lines(ends: np.ndarray, step: float) -> np.ndarray:
    """Which of the straight lines (rows of x0, y0, x1, y1) to draw at overview zoom: one
    of each set whose ends fall on the same pixels (``step`` scene units), and none that
    starts and ends on one pixel: its card's block is there."""
    first = _first_of_each(ends, step)
    quantised = np.round(ends[first] / step)
    return first[(quantised[:, :2] != quantised[:, 2:]).any(axis=1)]


def _longest(ends: np.ndarray, count: int) -> np.ndarray:
    """Indices, in order, of the ``count`` longest lines (columns of x0, y0, x1, y1)."""
    if ends.shape[1] <= count:
        return np.arange(ends.shape[1])
    length = np.abs(ends[2] - ends[0]) + np.abs(ends[3] - ends[1])
    return np.sort(np.argpartition(length, -count)[-count:])


def _first_of_each(rows: np.ndarray, step: float) -> np.ndarray:
    """Indices, in order, of the first of each set of rows that agree to ``step``."""
    keys = _row_keys(np.round(rows / step).astype(np.int64))
    _, first = np.unique(keys, return_index=True)
    first.sort()
    return first


def _row_keys(rows: np.ndarray) -> np.ndarray:
    """One key per row of integers, equal exactly when the rows are equal: the columns
    packed into one int64 when they fit (a 1-D sort, ~10x faster than ``unique(axis=0)``),
    else each row's bytes."""
    rows = rows - rows.min(axis=0)
    bits = max(int(rows.max()).bit_length(), 1)
    if bits * rows.shape[1] <= 63:
        keys = np.zeros(len(rows), dtype=np.int64)
        for column in rows.T:
            keys = (keys << bits) | column
        return keys
    return np.ascontiguousarray(rows).view(np.dtype((np.void, rows.itemsize * rows.shape[1])))[:, 0]


def _chunks(records: np.ndarray, per: int, size: int) -> list[np.ndarray]:
    """Groups of ``size`` pieces; a piece that starts where the one before it ends continues
    its subpath (no MoveTo), so the joints of an edge get no caps: antialiased caps
    overlapping at a joint would draw a darker dot."""
    count = records.size // per
    starts = records[0::per]
    ends = records[per - 1 :: per]
    joined = np.zeros(count, dtype=bool)
    joined[1:] = (np.abs(starts["x"][1:] - ends["x"][:-1]) < 1e-6) & (
        np.abs(starts["y"][1:] - ends["y"][:-1]) < 1e-6
    )
    joined[::size] = False
    keep = np.ones(records.size, dtype=bool)
    keep[0::per] = ~joined
    lengths = per - joined.astype(np.int64)
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    kept = records[keep]
    return [kept[offsets[i] : offsets[min(i + size, count)]] for i in range(0, count, size)]


# A segment from (x0, y0) to (x0 + dx, y0 + dy) is the cubic of ``curve_through``: control
# points (x0 + dx/2, y0) and (x0 + dx/2, y0 + dy), so
#   x(t) = x0 + dx (1.5 t - 1.5 t² + t³),   y(t) = y0 + dy (3 t² - 2 t³).


def _x_at(x0: np.ndarray, dx: np.ndarray, t: np.ndarray) -> np.ndarray:
    return x0 + dx * (t * (1.5 - t * (1.5 - t)))


def _y_at(y0: np.ndarray, dy: np.ndarray, t: np.ndarray) -> np.ndarray:
    return y0 + dy * (t * t * (3.0 - 2.0 * t))


def _dx_at(dx: np.ndarray, t: np.ndarray) -> np.ndarray:
    return dx * (1.5 - 3.0 * t + 3.0 * t * t)


def _dy_at(dy: np.ndarray, t: np.ndarray) -> np.ndarray:
    return dy * (6.0 * t * (1.0 - t))


def _inverse_smoothstep(u: np.ndarray) -> np.ndarray:
    """t in [0, 1] with 3 t² - 2 t³ = u."""
    return 0.5 - np.sin(np.arcsin(np.clip(1.0 - 2.0 * u, -1.0, 1.0)) / 3.0)


def _inverse_x(w: np.ndarray) -> np.ndarray:
    """t in [0, 1] with 1.5 t - 1.5 t² + t³ = w (increasing; slope at least 0.75)."""
    t = np.array(w, dtype=np.float64)
    for _ in range(6):
        f = t * (1.5 - t * (1.5 - t)) - w
        t = np.clip(t - f / (1.5 - 3.0 * t + 3.0 * t * t), 0.0, 1.0)
    return t


class BatchedEdge:
    """One edge of an ``EdgeBatch``, with the queries and state ``EdgeItem`` offers."""

    __slots__ = ("_batch", "_index", "source", "target")

    def __init__(self, batch: EdgeBatch, index: int) -> None:
        self._batch, self._index = batch, index
        self.source, self.target = batch.keys[index]

    @property
    def path(self) -> QPainterPath:
        return self._batch.path(self._index)

    @property
    def nonfinite(self) -> bool:
        return self._batch.nonfinite(self._index)

    def is_highlighted(self) -> bool:
        return self._batch.is_highlighted(self._index)

    def is_dimmed(self) -> bool:
        return self._batch.is_dimmed(self._index)

    def set_highlighted(self, on: bool) -> None:
        self._batch.set_highlighted(self._index, on)

    def is_hovered(self) -> bool:
        return self._batch.hovered() == self._index

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, BatchedEdge)
            and other._batch is self._batch
            and other._index == self._index
        )

    def __hash__(self) -> int:
        return hash((id(self._batch), self._index))
