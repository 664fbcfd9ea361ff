"""The example programs shipped in ``resources/examples`` (no Qt, so core tests can use it).

Files are named ``NN_some_title.py``: the number fixes the menu order, the rest becomes the
title, and the first comment line says what to look at.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files


@dataclass(frozen=True)
class Example:
    """One example program as the Examples menu shows it."""

    filename: str
    title: str
    hint: str
    text: str


def _title(filename: str) -> str:
    stem = filename.removesuffix(".py")
    prefix, _, rest = stem.partition("_")
    words = (rest if prefix.isdigit() and rest else stem).replace("_", " ")
    return words[:1].upper() + words[1:]


def _hint(text: str) -> str:
    first = text.lstrip().splitlines()[0] if text.strip() else ""
    return first.removeprefix("#").strip() if first.startswith("#") else ""


def load_examples() -> list[Example]:
    """All examples, in file-name order (the textbook example first)."""
    folder = files("gradviz.resources") / "examples"
    entries = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".py")),
        key=lambda entry: entry.name,
    )
    examples = []
    for entry in entries:
        text = entry.read_text(encoding="utf-8")
        examples.append(Example(entry.name, _title(entry.name), _hint(text), text))
    return examples
