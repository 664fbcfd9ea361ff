"""Colours of the graph view, shared by the cards, the edges and the legend.

Kind colours are from the Okabe–Ito palette (Okabe & Ito, "Color Universal Design", 2008),
chosen because its hues stay distinct under the common colour-vision deficiencies.
The |grad| scale is viridis (van der Walt & Smith, matplotlib 2015): perceptually uniform,
readable in grey-scale and colour-blind safe. Black text is legible on every kind colour.
"""

from __future__ import annotations

from PySide6.QtGui import QColor

KIND_COLORS: dict[str, QColor] = {
    "leaf": QColor("#56B4E9"),  # Okabe–Ito sky blue
    "op": QColor("#E69F00"),  # Okabe–Ito orange
    "output": QColor("#009E73"),  # Okabe–Ito bluish green
    "constant": QColor("#BBBBBB"),  # neutral grey: constants take no gradient
}
UNKNOWN_KIND = QColor("#DDDDDD")

NONFINITE = QColor("#D55E00")  # Okabe–Ito vermillion: NaN/inf gradients
SELECTED = QColor("#0072B2")  # Okabe–Ito blue: the selected card and its edges
STEP_CURRENT = QColor("#CC79A7")  # Okabe–Ito reddish purple: the backward stepper's node
CHECK_OK = QColor("#009E73")  # Okabe–Ito bluish green: the gradient check passed
NO_GRAD = QColor("#E4E4E4")  # colour-by-grad mode: no gradient, or exactly zero

CARD_BODY = QColor("#FFFFFF")
CARD_BORDER = QColor("#8A8A8A")
TEXT = QColor("#1A1A1A")
TEXT_DIM = QColor("#6B6B6B")
EDGE = QColor("#9A9A9A")
EDGE_DIM = QColor("#CFD2D6")  # backward stepper: no gradient has flowed along the edge yet
EDGE_HOVER = QColor("#333333")
BACKGROUND = QColor("#F4F5F7")

# Viridis sampled at nine evenly spaced points; intermediate values are interpolated.
_VIRIDIS = [
    QColor(c)
    for c in (
        "#440154", "#472D7B", "#3B528B", "#2C728E", "#21918C",
        "#28AE80", "#5EC962", "#ADDC30", "#FDE725",
    )
]  # fmt: skip


def kind_color(kind: str | None) -> QColor:
    return KIND_COLORS.get(kind or "", UNKNOWN_KIND)


def viridis(t: float) -> QColor:
    """The viridis colour at ``t`` in [0, 1] (clamped)."""
    t = min(1.0, max(0.0, t)) * (len(_VIRIDIS) - 1)
    i = min(int(t), len(_VIRIDIS) - 2)
    f = t - i
    a, b = _VIRIDIS[i], _VIRIDIS[i + 1]
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * f,
        a.greenF() + (b.greenF() - a.greenF()) * f,
        a.blueF() + (b.blueF() - a.blueF()) * f,
    )


def text_on(background: QColor) -> QColor:
    """Black or white, whichever reads better on ``background`` (WCAG relative luminance)."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    lum = (
        0.2126 * channel(background.redF())
        + 0.7152 * channel(background.greenF())
        + 0.0722 * channel(background.blueF())
    )
    return QColor("#000000") if lum > 0.179 else QColor("#FFFFFF")
