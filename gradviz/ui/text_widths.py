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
        self._summable = all(self._sum(text) == metrics.horizontalAdvance(text) for text in PROBES)
        """False if this font shapes these characters in ways sums miss (ligatures, say)."""

    def __call__(self, text: str) -> float:
        width = self._known.get(text)
        if width is None:
            if self._summable and NUMBER_CHARS.issuperset(text):
                width = self._sum(text)
            else:
                width = self._metrics.horizontalAdvance(text)
            self._known[text] = width
        return width

    def many(self, texts: list[str]) -> np.ndarray:
        """The width of each text: the remembered ones looked up at C speed, then the rest."""
        widths = list(map(self._known.get, texts))
        for i in [i for i, width in enumerate(widths) if width is None]:
            widths[i] = self(texts[i])
        return np.array(widths, dtype=np.float64)

    def _sum(self, text: str) -> float:
        """The width of ``text`` from its characters' advances and its pairs' kerning.

        Advances are multiples of 1/64 px, so the sum is exact in floating point.
        """
        try:
            return sum(map(self._char.__getitem__, text), 0.0) + sum(
                map(self._pair.__getitem__, map(add, text, text[1:]))
            )
        except KeyError:
            self._learn(text)
            return self._sum(text)

    def _learn(self, text: str) -> None:
        advance = self._metrics.horizontalAdvance
        for char in text:
            if char not in self._char:
                self._char[char] = advance(char)
        for pair in map(add, text, text[1:]):
            if pair not in self._pair:
                self._pair[pair] = advance(pair) - self._char[pair[0]] - self._char[pair[1]]
