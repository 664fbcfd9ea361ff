"""Syntax colours for gradviz programs: numbers, names, known functions, comments.

The language is a small, line-oriented subset of Python (no strings, no multi-line
constructs), so a per-line regular-expression highlighter is exact enough.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from gradviz.core.functions import FUNCTIONS

KEYWORDS = frozenset({"for", "in", "range", "torch", "F"})
CONSTANTS = frozenset({"pi", "e", "True", "False", "None"})

_TOKEN = re.compile(
    r"(?P<comment>#.*)"
    r"|(?P<number>(?<![\w.])(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_]\w*)"
)


# GitHub's light and dark syntax colours (the light constant darkened to reach WCAG AA,
# 4.5:1, on white); tests/ui/test_theme.py checks each against its editor background.
LIGHT = {
    "comment": "#6a737d",
    "number": "#005cc5",
    "function": "#6f42c1",
    "keyword": "#d73a49",
    "constant": "#b35900",
    "name": "#24292e",
}
DARK = {
    "comment": "#8b949e",
    "number": "#79c0ff",
    "function": "#d2a8ff",
    "keyword": "#ff7b72",
    "constant": "#ffa657",
    "name": "#e6edf3",
}


def _formats(colors: dict[str, str]) -> dict[str, QTextCharFormat]:
    return {
        kind: _format(color, bold=kind in ("function", "keyword"), italic=kind == "comment")
        for kind, color in colors.items()
    }


def _format(color: str, *, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(color))
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    fmt.setFontItalic(italic)
    return fmt


class ProgramHighlighter(QSyntaxHighlighter):
    """Colours one block (line) at a time; function names come from the core's whitelist."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._functions = frozenset(FUNCTIONS)
        self._formats = _formats(LIGHT)

    def set_dark(self, dark: bool) -> None:
        """Recolour for a dark or light editor background."""
        self._formats = _formats(DARK if dark else LIGHT)
        self.rehighlight()

    def token_kind(self, word: str) -> str:
        """The format name for one identifier (public so tests can check the word lists)."""
        if word in KEYWORDS:
            return "keyword"
        if word in CONSTANTS:
            return "constant"
        if word in self._functions:
            return "function"
        return "name"

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt override)
        for match in _TOKEN.finditer(text):
            kind = match.lastgroup
            if kind == "name":
                kind = self.token_kind(match.group())
            self.setFormat(match.start(), match.end() - match.start(), self._formats[kind])
