"""``gradviz.regression``: the textbook SGD regression, re-exported from the core."""

from gradviz.core.regression import *  # noqa: F403
