"""One card per autograd node: label, shape, forward value and gradient.

Cards are the bulk of a large scene, so each is one item that paints itself (no child
text items), keeps its strings pre-elided, and is cached in device coordinates: panning
blits the cache, zooming re-renders it at the new scale so text stays crisp.
Below a zoom threshold the text is skipped, and further out the card is a plain block.
"""

from __future__ import annotations

import html
import math
import sys
from collections.abc import Iterable
from enum import IntEnum
from typing import NamedTuple

import numpy as np
import torch
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from gradviz.core.formatting import (
    MISSING,
    SCALAR_DIGITS,
    format_numbers,
    format_shape,
    format_tensor,
    has_nonfinite,
    is_listed,
)
from gradviz.core.gradcheck import GradCheck
from gradviz.core.op_info import op_info
from gradviz.ui import palette
from gradviz.ui.check_badge import BADGE_SIZE, paint_badge
from gradviz.ui.text_widths import TextWidths

CARD_MAX_ELEMS = 4
CARD_DIGITS = 3
CARD_SUMMARY_DIGITS = 2
"""min/mean/max share a line, so each gets fewer digits (the inspector shows them all)."""
PAD_X = 8.0
HEADER_H = 20.0
ROW_H = 16.0
PAD_BOTTOM = 5.0
MIN_WIDTH = 84.0
MAX_WIDTH = 300.0
RADIUS = 5.0
KEY_GAP = 6.0
TEXT_SLACK = 2.0
"""Measured text must not be elided when drawn: allow for rounding at other zooms."""
STACK_OFFSET = 4.0
"""A group card (a collapsed module) has a second outline behind it, like a stack of cards."""

TEXT_MIN_SCALE = 0.45
"""Below this zoom the text is a few pixels tall: draw the card without it."""
BOX_MIN_SCALE = 0.12
"""Below this zoom a card is a few pixels wide: draw a filled block and no border."""


class Detail(IntEnum):
    """How much of a card to draw at a given zoom."""

    BLOCK = 0
    BOX = 1
    FULL = 2


def detail_for(scale: float) -> Detail:
    if scale >= TEXT_MIN_SCALE:
        return Detail.FULL
    if scale >= BOX_MIN_SCALE:
        return Detail.BOX
    return Detail.BLOCK


class CardText(NamedTuple):
    """The strings on a card, before measuring and eliding.

    A named tuple rather than a frozen dataclass: a 100k-node graph makes 100k of them,
    and a tuple is made in about half the time.
    """

    title: str
    tag: str
    rows: tuple[tuple[str, str], ...]


def card_text(attrs: dict) -> CardText:
    """What a node's card says: label, the variable an op is bound to, shape, value, grad."""
    keys = _VALUE_KEYS.get(attrs.get("kind"), _VALUE_KEYS[None])
    return _card_text_with(
        attrs, ((key, _seed_text(attrs, key) or _card_value(attrs.get(key))) for key in keys)
    )


def _seed_text(attrs: dict, key: str) -> str | None:
    """A non-scalar output seeded by default says ``ones`` rather than listing 1s."""
    seeded = attrs.get("kind") == "output" and isinstance(attrs.get("grad_outputs"), str)
    grad = attrs.get("grad")
    if key == "grad" and seeded and isinstance(grad, torch.Tensor) and grad.numel() > 1:
        return str(attrs["grad_outputs"])
    return None


def _card_value(value: object) -> str:
    summarised = isinstance(value, torch.Tensor) and not is_listed(value, CARD_MAX_ELEMS)
    digits = CARD_SUMMARY_DIGITS if summarised else CARD_DIGITS
    return format_tensor(value, CARD_MAX_ELEMS, digits, with_shape=False)


_BATCH_DTYPES = (torch.float32, torch.float64)
_BATCH_MAX_ELEMS = 64
_SEQUENTIAL_SUM = sys.version_info < (3, 12)
"""From 3.12 ``sum`` of floats is compensated, which a cumulative sum does not reproduce."""
"""``format_tensor`` sums up to this many elements left to right (a Python list), as
``np.cumsum`` does; bigger tensors are summed pairwise by numpy, so they take the slow path."""


def card_texts(graph) -> tuple[dict, dict]:
    """``card_text`` of every node and whether its gradient holds NaN or inf, in one pass.

    The card strings are exactly ``card_text``'s, but the min/mean/max lines of the many
    small float tensors of a large graph are computed together: the tensors of one shape
    are stacked into one array and reduced row by row (min, max, and a left-to-right
    cumulative sum, which is the order ``sum`` adds a list in). Anything else (other
    dtypes, tuples, listed or big tensors) goes through ``card_text``'s own path.
    """
    if not _SEQUENTIAL_SUM:
        texts = {node: card_text(attrs) for node, attrs in graph.nodes(data=True)}
        flags = nonfinite_flags([attrs.get("grad") for attrs in graph.nodes.values()])
        return texts, dict(zip(texts, flags, strict=True))
    texts: dict = {}
    nonfinite: dict = {}
    groups: dict[tuple, list | None] = {}  # (shape, dtype): rows to batch, or None: not batched
    rows_of: dict = {}
    for node, attrs in graph.nodes(data=True):
        kind = attrs.get("kind")
        rows: list = []
        grad_row = None  # a batched grad row tells whether the gradient is finite
        for key in _VALUE_KEYS.get(kind, _VALUE_KEYS[None]):
            value = attrs.get(key)
            seed = _seed_text(attrs, key) if kind == "output" else None
            members = None
            if seed is None and type(value) is torch.Tensor:
                signature = (value.shape, value.dtype)
                members = groups.get(signature, False)
                if members is False:  # the first tensor of this shape and dtype
                    members = groups[signature] = [] if _batched(*signature) else None
            if members is None:
                rows.append([key, seed or _card_value(value)])
            else:
                row = [key, None, False]  # text, and whether it holds NaN or inf
                members.append((value, row))
                rows.append(row)
                if key == "grad":
                    grad_row = row
        rows_of[node] = (attrs, rows, grad_row)
    _summarise([members for members in groups.values() if members])
    groups.clear()
    # Popped one by one, the rows are freed as they go: freed all at once on return (on
    # a worker, for 160k cards) they held the GIL, and so froze the window, for 0.1 s.
    for node in list(rows_of):
        attrs, rows, grad_row = rows_of.pop(node)
        texts[node] = _card_text_with(attrs, [(row[0], row[1]) for row in rows])
        nonfinite[node] = grad_row[2] if grad_row else has_nonfinite(attrs.get("grad"))
    return texts, nonfinite


_VALUE_KEYS: dict[str | None, tuple[str, ...]] = {
    None: ("value", "grad"),
    "constant": ("value",),  # no gradient flows into a constant
    "group": (),  # a box stands for a module: compact, so a whole model fits; click for more
}


def _batched(shape: torch.Size, dtype: torch.dtype) -> bool:
    """Whether a card sums up tensors of this shape and dtype from a list of their elements."""
    count = math.prod(shape)
    return dtype in _BATCH_DTYPES and (
        not shape  # a scalar: one number, of the many constants a loop writes
        or (0 < count <= _BATCH_MAX_ELEMS and (count > CARD_MAX_ELEMS or len(shape) > 2))
    )


def _stacked(tensors: list[torch.Tensor]) -> np.ndarray | None:
    """Same-shape tensors as the rows of one float64 array, or None where they cannot be.

    One ``torch.stack`` costs about what a single ``Tensor.numpy()`` does; it also reads
    tensors that ``numpy()`` refuses (needing grad, negated), and fails for ones on
    another device or sparse, which then take ``card_text``'s path. It is called on
    STACK_CHUNK tensors at a time: it holds the GIL while it reads its list, and one call
    on 160k tensors (on the loading worker) froze the window for 0.1-0.26 s.
    """
    try:
        with torch.no_grad():
            parts = [
                torch.stack(tensors[i : i + STACK_CHUNK]).reshape(-1, tensors[0].numel())
                for i in range(0, len(tensors), STACK_CHUNK)
            ]
            data = (torch.cat(parts) if len(parts) > 1 else parts[0]).numpy()
    except (TypeError, RuntimeError, NotImplementedError):
        return None
    return data.astype(np.float64)


STACK_CHUNK = 8192


def _summarise(groups: list[list]) -> None:
    """Fill in each row's min/mean/max line, as ``format_summary`` words it, and its flag;
    a scalar's row gets its number, as ``format_tensor`` prints it in full.

    Statistics are over the finite elements; NaN and inf are counted and left out of the
    sum by adding 0.0 in their place, which leaves a running sum exactly as it was.
    """
    digits = CARD_SUMMARY_DIGITS
    for members in groups:
        data = _stacked([tensor for tensor, _ in members])
        if data is None:
            for tensor, row in members:
                row[1], row[2] = _card_value(tensor), has_nonfinite(tensor)
            continue
        if members[0][0].ndim == 0:
            numbers = data[:, 0]
            flags = (~np.isfinite(numbers)).tolist()
            for (_, row), text, flag in zip(
                members, format_numbers(numbers, SCALAR_DIGITS), flags, strict=True
            ):
                row[1], row[2] = text, flag
            continue
        finite = np.isfinite(data)
        kept = finite.sum(axis=1)
        bad = (data.shape[1] - kept).tolist()
        if any(bad):
            low = np.where(finite, data, np.inf).min(axis=1)
            high = np.where(finite, data, -np.inf).max(axis=1)
            data = np.where(finite, data, 0.0)
        else:
            low, high = data.min(axis=1), data.max(axis=1)
        with np.errstate(over="ignore", invalid="ignore"):  # as a Python sum overflows to inf
            total = np.cumsum(data, axis=1)[:, -1]
            mean = np.where(kept > 0, total / np.maximum(kept, 1), np.nan)
        low = format_numbers(np.where(kept > 0, low, np.nan), digits)
        high = format_numbers(np.where(kept > 0, high, np.nan), digits)
        mean = format_numbers(mean, digits)
        lines = [f"min {a} · mean {b} · max {c}" for a, b, c in zip(low, mean, high, strict=True)]
        for (_, row), line in zip(members, lines, strict=True):
            row[1] = line
        for i in [i for i, count in enumerate(bad) if count]:
            row = members[i][1]
            row[1] += f" · {bad[i]} non-finite"
            row[2] = True


def _card_text_with(attrs: dict, value_rows: Iterable[tuple[str, str]]) -> CardText:
    kind = attrs.get("kind")
    title = str(attrs.get("label") or op_info(attrs.get("op")).label)
    name = attrs.get("name")
    tag = str(name) if kind == "op" and name and name != title else ""
    rows: list[tuple[str, str]] = []
    shape = attrs.get("shape")
    if shape:
        rows.append(("shape", _shape_text(tuple(shape))))
    rows.extend(value_rows)
    if kind == "group":
        rows.append(("ops", str(attrs.get("ops", MISSING))))
    return CardText(title, tag, tuple(rows))


_SHAPES: dict[tuple, str] = {}


def _shape_text(shape: tuple) -> str:
    text = _SHAPES.get(shape)
    if text is None:
        if len(_SHAPES) > 4096:
            _SHAPES.clear()
        text = _SHAPES[shape] = format_shape(shape)
    return text


def nonfinite_flags(values: list) -> list[bool]:
    """``has_nonfinite`` of each value; same-shape float tensors are checked together."""
    flags = [False] * len(values)
    groups: dict[tuple, list] = {}
    for i, value in enumerate(values):
        if value is None:
            continue
        array = None
        if type(value) is torch.Tensor and value.dtype in _BATCH_DTYPES:
            try:  # refused for tensors that need grad, live elsewhere, are sparse or negated
                array = value.numpy()
            except (TypeError, RuntimeError):
                array = None
        if array is None:
            flags[i] = has_nonfinite(value)
        else:
            groups.setdefault((array.shape, array.dtype), []).append((i, array))
    for members in groups.values():
        data = np.stack([array for _, array in members]).reshape(len(members), -1)
        for k in np.flatnonzero(~np.isfinite(data).all(axis=1)).tolist():
            flags[members[k][0]] = True
    return flags


class CardMetrics:
    """Fonts and their metrics, made once per view: measuring is the hot loop of set_graph."""

    def __init__(self, base: QFont) -> None:
        self.body = QFont(base)
        self.body.setPointSizeF(9.0)
        self.title = QFont(self.body)
        self.title.setBold(True)
        self.tag = QFont(self.body)
        self.tag.setItalic(True)
        self.body_fm = QFontMetricsF(self.body)
        self.title_fm = QFontMetricsF(self.title)
        self.tag_fm = QFontMetricsF(self.tag)
        self.key_width = max(self.body_fm.horizontalAdvance(k) for k in ("shape", "value", "grad"))
        self._shapes: dict[tuple[float, float], tuple[QPainterPath, QPainterPath]] = {}
        self._title_width = TextWidths(self.title_fm)
        self._tag_width = TextWidths(self.tag_fm)
        self._body_width = TextWidths(self.body_fm)

    def size(self, text: CardText) -> tuple[float, float]:
        """Card width and height that fit the text, within MIN_WIDTH..MAX_WIDTH."""
        return self.sizes([text])[0]

    def sizes(self, texts: Iterable[CardText]) -> list[tuple[float, float]]:
        """``size`` of each text, measured and reduced as arrays: a large graph has 100k cards."""
        texts = list(texts)
        rows = [len(text.rows) for text in texts]
        if 0 in rows:
            raise ValueError("a card without rows has no width")
        header = self._title_width.many([text.title for text in texts])
        tagged = [i for i, text in enumerate(texts) if text.tag]
        if tagged:
            tags = self._tag_width.many([texts[i].tag for i in tagged])
            header[tagged] += KEY_GAP * 2 + tags
        values = self._body_width.many([value for text in texts for _, value in text.rows])
        starts = np.cumsum([0, *rows[:-1]])
        body = np.maximum.reduceat(values, starts) if texts else values
        width = np.maximum(header, self.key_width + KEY_GAP + body) + 2 * PAD_X + TEXT_SLACK
        width = np.clip(np.ceil(width), MIN_WIDTH, MAX_WIDTH)
        height = HEADER_H + ROW_H * np.array(rows, dtype=np.float64) + PAD_BOTTOM
        return list(zip(width.tolist(), height.tolist(), strict=True))

    def shapes(self, width: float, height: float) -> tuple[QPainterPath, QPainterPath]:
        """Outline and header-band paths for a card size, shared by all cards of that size."""
        key = (width, height)
        if key not in self._shapes:
            rect = QRectF(-width / 2, -height / 2, width, height)
            outline = QPainterPath()
            outline.addRoundedRect(rect, RADIUS, RADIUS)
            band = QPainterPath()
            band.addRect(QRectF(rect.left(), rect.top(), width, HEADER_H))
            self._shapes[key] = (outline, outline.intersected(band))
        return self._shapes[key]

    def elide(self, text: str, font_metrics: QFontMetricsF, width: float) -> str:
        return font_metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(width, 0.0))


class NodeItem(QGraphicsItem):
    """A node's card, centred on its layout position."""

    def __init__(
        self,
        node_id: str,
        attrs: dict,
        text: CardText,
        size: tuple[float, float],
        metrics: CardMetrics,
        nonfinite: bool | None = None,
    ) -> None:
        super().__init__()
        self.node_id = node_id
        self.kind = attrs.get("kind")
        self.text = text
        self.nonfinite = has_nonfinite(attrs.get("grad")) if nonfinite is None else nonfinite
        self._metrics = metrics
        width, height = size
        self._rect = QRectF(-width / 2, -height / 2, width, height)
        self._outline, self._band = metrics.shapes(width, height)
        self._stacked = self.kind == "group"
        extra = STACK_OFFSET if self._stacked else 0.0
        # Room for the selection outline, and for the stack behind a group card.
        self._bounds = self._rect.adjusted(-2, -2, 2 + extra, 2 + extra)
        self._header_color = palette.kind_color(self.kind)
        self._selected = False
        self._step_current = False
        self._grad_waiting = False
        self.check: GradCheck | None = None
        self._fitted: tuple[str, str, list[tuple[str, str]]] | None = None
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def _fitted_text(self) -> tuple[str, str, list[tuple[str, str]]]:
        """Title, tag and rows cut to the card's width; done on first need, not per card up front.

        Only cards clamped to MAX_WIDTH can overflow: the others were sized to their text.
        """
        if self._fitted is None:
            text, m = self.text, self._metrics
            if self._rect.width() < MAX_WIDTH:
                self._fitted = (text.title, text.tag, list(text.rows))
            else:
                inner = self._rect.width() - 2 * PAD_X
                tag = m.elide(text.tag, m.tag_fm, inner / 2) if text.tag else ""
                tag_width = m.tag_fm.horizontalAdvance(tag) + KEY_GAP if tag else 0.0
                title = m.elide(text.title, m.title_fm, inner - tag_width)
                value_width = inner - m.key_width - KEY_GAP
                rows = [(k, m.elide(v, m.body_fm, value_width)) for k, v in text.rows]
                self._fitted = (title, tag, rows)
        return self._fitted

    # -- state ------------------------------------------------------------------------

    @property
    def size(self) -> tuple[float, float]:
        return self._rect.width(), self._rect.height()

    @property
    def header_color(self) -> QColor:
        return QColor(self._header_color)

    def set_header_color(self, color: QColor) -> None:
        """Kind colour normally; the |grad| colour in colour-by-gradient mode."""
        if color != self._header_color:
            self._header_color = QColor(color)
            self.update()

    def is_selected(self) -> bool:
        return self._selected

    def set_selected(self, selected: bool) -> None:
        if selected != self._selected:
            self._selected = selected
            self.update()

    def is_step_current(self) -> bool:
        return self._step_current

    def set_step_current(self, on: bool) -> None:
        """Outlined in the stepper colour: this node runs its backward at the current step."""
        if on != self._step_current:
            self._step_current = on
            self.update()

    def is_grad_waiting(self) -> bool:
        return self._grad_waiting

    def set_grad_waiting(self, on: bool) -> None:
        """Grad drawn faint: the stepper has not yet reached this node, its grad is not in."""
        if on != self._grad_waiting:
            self._grad_waiting = on
            self.update()

    def set_check(self, check: GradCheck | None) -> None:
        """Show a ✓/✗ badge for this leaf's numeric gradient check (None removes it)."""
        if check is not self.check:
            self.check = check
            self.update()

    def displayed_rows(self) -> list[tuple[str, str]]:
        """The (key, text) rows as drawn, after eliding."""
        return list(self._fitted_text()[2])

    # -- QGraphicsItem ----------------------------------------------------------------

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self._bounds

    def shape(self) -> QPainterPath:
        return self._outline

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        detail = detail_for(option.levelOfDetailFromTransform(painter.worldTransform()))
        if detail is Detail.BLOCK:
            painter.fillRect(self._rect, self._header_color)
            return
        border = self._border_pen()
        painter.setPen(border)
        if self._stacked:
            painter.setBrush(palette.CARD_BODY)
            painter.drawPath(self._outline.translated(STACK_OFFSET, STACK_OFFSET))
        if detail is Detail.BOX:  # the kind (or |grad|) colour is all one can see here
            painter.setBrush(self._header_color)
            painter.drawPath(self._outline)
            return
        painter.setBrush(palette.CARD_BODY)
        painter.drawPath(self._outline)
        painter.fillPath(self._band, self._header_color)
        self._paint_text(painter)
        if self.check is not None:
            r = self._rect
            top = r.top() + (HEADER_H - BADGE_SIZE) / 2
            badge = QRectF(r.right() - PAD_X / 2 - BADGE_SIZE, top, BADGE_SIZE, BADGE_SIZE)
            paint_badge(painter, badge, self.check.ok)
        painter.setPen(border)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._outline)  # again, so the band and text do not cover the border

    def _border_pen(self) -> QPen:
        """Cosmetic (fixed pixel width), so borders neither vanish nor bloat with zoom."""
        if self._step_current:
            pen = QPen(palette.STEP_CURRENT, 3.0)
        elif self._selected:
            pen = QPen(palette.SELECTED, 3.0)
        elif self.nonfinite:
            pen = QPen(palette.NONFINITE, 2.5)
        else:
            pen = QPen(palette.CARD_BORDER, 1.0)
        pen.setCosmetic(True)
        return pen

    def _paint_text(self, painter: QPainter) -> None:
        m, r = self._metrics, self._rect
        title, tag, rows = self._fitted_text()
        badge = BADGE_SIZE if self.check is not None else 0.0
        header = QRectF(r.left() + PAD_X, r.top(), r.width() - 2 * PAD_X - badge, HEADER_H)
        ink = palette.text_on(self._header_color)
        painter.setPen(ink)
        painter.setFont(m.title)
        middle = Qt.AlignmentFlag.AlignVCenter
        painter.drawText(header, Qt.AlignmentFlag.AlignLeft | middle, title)
        if tag:
            painter.setFont(m.tag)
            painter.drawText(header, Qt.AlignmentFlag.AlignRight | middle, tag)
        painter.setFont(m.body)
        left = r.left() + PAD_X
        value_left = left + m.key_width + KEY_GAP
        y = r.top() + HEADER_H + 1
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        for key, value in rows:
            painter.setPen(palette.TEXT_DIM)
            painter.drawText(QRectF(left, y, m.key_width, ROW_H), align, key)
            alarm = key == "grad" and self.nonfinite
            ink = palette.NONFINITE if alarm else palette.TEXT
            painter.setPen(palette.EDGE_DIM if key == "grad" and self._grad_waiting else ink)
            value_rect = QRectF(value_left, y, r.right() - PAD_X - value_left, ROW_H)
            painter.drawText(value_rect, align, value)
            y += ROW_H


def node_tooltip(attrs: dict) -> str:
    """Hover text for a card: what the node is, with more of its value and gradient."""
    info = op_info(attrs.get("op"))
    esc = html.escape
    label = esc(str(attrs.get("label") or info.label))
    lines = [f"<b>{label}</b> ({esc(str(attrs.get('kind') or '?'))})"]
    if attrs.get("op"):
        lines.append(esc(f"{attrs['op']}: {info.meaning}"))
    if attrs.get("name"):
        lines.append(f"bound to <i>{esc(str(attrs['name']))}</i>")
    if attrs.get("kind") == "group":
        lines.append(f"{attrs.get('count')} nodes inside · double-click to open")
    elif attrs.get("module"):
        lines.append(f"made by module <i>{esc(str(attrs['module']))}</i>")
    if attrs.get("shape") is not None:
        lines.append(esc(f"shape {format_shape(attrs['shape'])}, {attrs.get('dtype') or MISSING}"))
    lines.append(f"value: {esc(format_tensor(attrs.get('value'), 16))}")
    grad = esc(format_tensor(attrs.get("grad"), 16))
    if has_nonfinite(attrs.get("grad")):
        grad = f"<span style='color:{palette.NONFINITE.name()}'>{grad}</span>"
    lines.append(f"grad: {grad}")
    if attrs.get("note"):
        lines.append(f"<i>{esc(str(attrs['note']))}</i>")
    return "<br>".join(lines)
