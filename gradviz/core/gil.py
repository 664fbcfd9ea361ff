"""A big graph is prepared on a worker thread, which shares the GIL with the GUI thread.

Python code gives the GIL up every few milliseconds, but one C-level loop (``map``,
``dict(zip(...))``, ``np.fromiter``, ``np.array`` of a list) keeps it until it ends: over a
160k-node graph's cards, that froze the window for about 0.1 s. Such loops go a chunk at
a time instead.
"""

GIL_CHUNK = 16384
"""Items per C-level loop over a big graph's cards or edges."""
