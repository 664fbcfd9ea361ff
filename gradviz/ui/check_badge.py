"""The ✓/✗ badge on a leaf card: does autograd's gradient match float64 finite differences?

The mark is drawn as lines, not as a font glyph, so it looks the same with every font.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPen

from gradviz.core.formatting import format_number, format_tensor
from gradviz.core.gradcheck import GradCheck
from gradviz.ui import palette

BADGE_SIZE = 14.0
TOOLTIP_MAX_ELEMS = 8


def paint_badge(painter: QPainter, rect: QRectF, ok: bool) -> None:
    """A filled circle in ``rect``: a white tick on green, or a white cross on vermillion."""
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(palette.CHECK_OK if ok else palette.NONFINITE)
    painter.drawEllipse(rect)
    x, y, s = rect.left(), rect.top(), rect.width()
    mark = QPainterPath()
    if ok:
        mark.moveTo(QPointF(x + 0.27 * s, y + 0.52 * s))
        mark.lineTo(QPointF(x + 0.44 * s, y + 0.69 * s))
        mark.lineTo(QPointF(x + 0.74 * s, y + 0.33 * s))
    else:
        for (ax, ay), (bx, by) in (((0.32, 0.32), (0.68, 0.68)), ((0.68, 0.32), (0.32, 0.68))):
            mark.moveTo(QPointF(x + ax * s, y + ay * s))
            mark.lineTo(QPointF(x + bx * s, y + by * s))
    pen = QPen(palette.CARD_BODY, 0.14 * s)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(mark)


def check_tooltip(check: GradCheck) -> str:
    """What the badge means, with the numbers: errors, autograd's and the numeric gradient."""
    verdict = (
        "✓ gradient check passed" if check.ok else "✗ gradient check FAILED: wrong backward?"
    )
    numbers = [
        f"max |autograd − numeric| = {format_number(check.max_abs_err, 3)}",
        f"max relative error = {format_number(check.max_rel_err, 3)}",
        f"autograd: {format_tensor(check.analytic, TOOLTIP_MAX_ELEMS)}",
        f"numeric (float64 central differences): {format_tensor(check.numeric, TOOLTIP_MAX_ELEMS)}",
    ]
    return f"<b>{html.escape(verdict)}</b><br>" + "<br>".join(html.escape(n) for n in numbers)
