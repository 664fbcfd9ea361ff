"""Save what the graph view shows as PNG or SVG, atomically.

Images are written through ``write_atomic``, so a failed export never leaves a half-written
image where a good one used to be.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from gradviz.core.export import ExportError, write_atomic

FORMATS = {".png": "PNG image (*.png)", ".svg": "SVG image (*.svg)"}
PNG_SCALE = 2.0
"""Pixels per scene unit: twice the screen size keeps the text crisp when zoomed in."""
MARGIN = 20.0
MAX_PNG_PIXELS = 200_000_000
"""About 800 MB of RGBA; a bigger image would only fail slowly or exhaust memory."""


def export_scene(scene: QGraphicsScene, path: str | os.PathLike[str]) -> Path:
    """Render every item in ``scene`` to ``path``; the suffix (.png/.svg) picks the format."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in FORMATS:
        raise ExportError(f"Unknown image type {target.suffix!r}: use .png or .svg")
    source = scene.itemsBoundingRect().adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)
    if scene.items() == [] or source.isEmpty():
        raise ExportError("There is no graph to export yet.")
    write = _write_png if suffix == ".png" else _write_svg
    with _uncached(scene):
        write_atomic(target, lambda tmp: write(scene, source, str(tmp)))
    return target


@contextmanager
def _uncached(scene: QGraphicsScene) -> Iterator[None]:
    """Paint items directly: cached items would land in an SVG as blurry screen-size bitmaps."""
    modes = [(item, item.cacheMode()) for item in scene.items()]
    for item, _ in modes:
        item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    try:
        yield
    finally:
        for item, mode in modes:
            item.setCacheMode(mode)


def _write_png(scene: QGraphicsScene, source: QRectF, filename: str) -> None:
    size = QSize(round(source.width() * PNG_SCALE), round(source.height() * PNG_SCALE))
    if size.width() * size.height() > MAX_PNG_PIXELS:
        raise ExportError("The graph is too large for a PNG; export it as SVG instead.")
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(Qt.GlobalColor.white))
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    scene.render(painter, QRectF(image.rect()), source)
    painter.end()
    if not image.save(filename, "PNG"):
        raise ExportError(f"Could not write {filename}")


def _write_svg(scene: QGraphicsScene, source: QRectF, filename: str) -> None:
    generator = QSvgGenerator()
    generator.setFileName(filename)
    generator.setSize(source.size().toSize())
    generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
    generator.setTitle("gradviz graph")
    painter = QPainter()
    if not painter.begin(generator):
        raise ExportError(f"Could not write {filename}")
    scene.render(painter, QRectF(0, 0, source.width(), source.height()), source)
    painter.end()
