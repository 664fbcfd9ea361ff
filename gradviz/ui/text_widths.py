"""How wide strings are in one font, for sizing the cards of a large graph quickly.

``QFontMetricsF.horizontalAdvance`` shapes the whole string (about 15 µs for a card's
number line), and nearly every card has number lines of its own. A line of digits and
a few Latin letters is laid out by advancing each character and adjusting each adjacent
pair (kerning), so its width is the sum of those advances and pair adjustments, each
measured once. Other strings (labels, names, anything beyond that alphabet) are measured
by Qt, and remembered: they repeat from card to card.
"""

from __future__ import annotations

from operator import add

import numpy as np
from PySide6.QtGui import QFontMetricsF

NUMBER_CHARS = frozenset("0123456789.,+-e ·×()[]minax")
"""What number lines are made of: ``min -1.5e-5 · mean 0.25 · max 3``, ``[1, 2.5]``.
Not ``f``: fonts join ``ff`` and ``fi`` into one glyph, which pairs do not add up to."""
PROBES = (
    "min -1.5e-5 · mean 0.25 · max 3",
    "[[-0.5, 1e+30], (0.125, 9)]",
    "4×8 2×3×5 xx ii mm aa ee",
)
"""Lines whose measured widths the character sums must reproduce before they are trusted."""


class TextWidths:
    """``horizontalAdvance`` of strings in one font, with number lines added up by character."""

    def __init__(self, metrics: QFontMetricsF) -> None:
        self._metrics = metrics
        self._known: dict[str, float] = {}
        self._char: dict[str, float] = {}
        self._pair: dict[str, float] = {}
        self._kerned: list[str] = []
        self._summable: bool | None = None
        """Whether sums reproduce Qt for PROBES; False if the font shapes these characters
        in ways sums miss. Found out on the first number line: label fonts never need it."""

    def __call__(self, text: str) -> float:
        width = self._known.get(text)
        if width is None:
            if NUMBER_CHARS.issuperset(text) and self._sums_work():
                width = self._sum(text)
            else:
                width = self._metrics.horizontalAdvance(text)
            self._known[text] = width
        return width

    def many(self, texts: list[str]) -> np.ndarray:
        """The width of each text: the remembered ones looked up at C speed, then the rest."""
        widths = list(map(self._known.get, texts))
        if None in widths:
            for text in {text for text, width in zip(texts, widths, strict=True) if width is None}:
                self(text)
            widths = list(map(self._known.__getitem__, texts))
        return np.array(widths, dtype=np.float64)

    def _sums_work(self) -> bool:
        if self._summable is None:
            advance = self._metrics.horizontalAdvance
            self._char = {char: advance(char) for char in NUMBER_CHARS}
            self._pair = {
                a + b: advance(a + b) - self._char[a] - self._char[b]
                for a in NUMBER_CHARS
                for b in NUMBER_CHARS
            }
            self._kerned = [pair for pair, kerning in self._pair.items() if kerning]
            self._summable = all(self._sum(text) == advance(text) for text in PROBES)
        return self._summable

    def _sum(self, text: str) -> float:
        """The width of ``text`` from its characters' advances and its pairs' kerning.

        Advances are multiples of 1/64 px, so the sum is exact in floating point.
        """
        width = sum(map(self._char.__getitem__, text), 0.0)
        if any(pair in text for pair in self._kerned):
            width += sum(map(self._pair.__getitem__, map(add, text, text[1:])))
        return width
