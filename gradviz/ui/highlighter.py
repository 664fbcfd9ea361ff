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
        self._formats = {
            "comment": _format("#6a737d", italic=True),
            "number": _format("#005cc5"),
            "function": _format("#6f42c1", bold=True),
            "keyword": _format("#d73a49", bold=True),
            "constant": _format("#e36209"),
            "name": _format("#24292e"),
        }

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
