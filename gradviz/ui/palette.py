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
    "group": QColor("#CC79A7"),  # Okabe–Ito reddish purple: a collapsed nn.Module
}
UNKNOWN_KIND = QColor("#DDDDDD")

NONFINITE = QColor("#D55E00")  # Okabe–Ito vermillion: NaN/inf gradients

# Fixed colours, the same in both themes.
STEP_CURRENT = QColor("#CC79A7")  # Okabe–Ito reddish purple: the backward stepper's node
CHECK_OK = QColor("#009E73")  # Okabe–Ito bluish green: the gradient check passed

# Neutral colours come in a light and a dark set (View → Theme). The views read them as
# ``palette.NAME`` at paint time, so after ``use_dark()`` a repaint is all a switch takes.
# Kind colours stay: black text on Okabe–Ito reads on both (``text_on`` picks the ink).
LIGHT: dict[str, QColor] = {
    "SELECTED": QColor("#0072B2"),  # Okabe–Ito blue: the selected card and its edges
    "NO_GRAD": QColor("#E4E4E4"),  # colour-by-grad mode: no gradient, or exactly zero
    "CARD_BODY": QColor("#FFFFFF"),
    "CARD_BORDER": QColor("#8A8A8A"),
    "TEXT": QColor("#1A1A1A"),
    "TEXT_DIM": QColor("#6B6B6B"),
    "EDGE": QColor("#9A9A9A"),
    "EDGE_DIM": QColor("#CFD2D6"),  # backward stepper: no gradient has flowed along it yet
    "EDGE_HOVER": QColor("#333333"),
    "BACKGROUND": QColor("#F4F5F7"),
    "PANEL": QColor(255, 255, 255, 225),  # the legend's see-through card
    "ERROR_TEXT": QColor("#B71C1C"),
    "ERROR_BACKGROUND": QColor("#FDECEA"),
    "HINT_TEXT": QColor("#455A64"),
    "HINT_BACKGROUND": QColor("#ECEFF1"),
    "PLOT_BACKGROUND": QColor("#FFFFFF"),  # white plots read like the book's figures
    "PLOT_TEXT": QColor("#222222"),
    "REFERENCE_LINE": QColor("#555555"),  # the true line under the fitted one
}
DARK: dict[str, QColor] = {
    "SELECTED": QColor("#F0E442"),  # Okabe–Ito yellow: Okabe–Ito blue is too dim on dark grey
    "NO_GRAD": QColor("#4A4C50"),
    "CARD_BODY": QColor("#2B2D31"),
    "CARD_BORDER": QColor("#70737A"),
    "TEXT": QColor("#E8E8E8"),
    "TEXT_DIM": QColor("#A8ABB0"),
    "EDGE": QColor("#8C8F95"),
    "EDGE_DIM": QColor("#3F4247"),
    "EDGE_HOVER": QColor("#F0F0F0"),
    "BACKGROUND": QColor("#1C1D20"),
    "PANEL": QColor(40, 42, 46, 225),
    "ERROR_TEXT": QColor("#FFB4A9"),
    "ERROR_BACKGROUND": QColor("#4A1F1A"),
    "HINT_TEXT": QColor("#C9D3D8"),
    "HINT_BACKGROUND": QColor("#2F3337"),
    "PLOT_BACKGROUND": QColor("#1F2023"),
    "PLOT_TEXT": QColor("#E0E0E0"),
    "REFERENCE_LINE": QColor("#B0B0B0"),
}
# Bound by use_dark() below; listed so readers and type checkers see them.
SELECTED: QColor
NO_GRAD: QColor
CARD_BODY: QColor
CARD_BORDER: QColor
TEXT: QColor
TEXT_DIM: QColor
EDGE: QColor
EDGE_DIM: QColor
EDGE_HOVER: QColor
BACKGROUND: QColor
PANEL: QColor
ERROR_TEXT: QColor
ERROR_BACKGROUND: QColor
HINT_TEXT: QColor
HINT_BACKGROUND: QColor
PLOT_BACKGROUND: QColor
PLOT_TEXT: QColor
REFERENCE_LINE: QColor
_dark = False


def use_dark(dark: bool) -> None:
    """Switch the neutral colours above to the dark (or light) set."""
    global _dark
    _dark = dark
    globals().update(DARK if dark else LIGHT)


def is_dark() -> bool:
    return _dark


use_dark(False)


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
