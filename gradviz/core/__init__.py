"""The Qt-free core: program language, evaluator, tracer, layout, regression.

Nothing in this package may import Qt or pyqtgraph (a test enforces it).
"""
