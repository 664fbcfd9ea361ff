"""gradviz: make PyTorch autograd visible.

The public API is small and stable; other programs and the tests use these names.
They load lazily so that `import gradviz.cli` can show a window before torch is
imported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_API = {
    "evaluate": "gradviz.core.evaluate",
    "Evaluation": "gradviz.core.evaluate",
    "ProgramError": "gradviz.core.program",
    "trace": "gradviz.core.trace",
    "record": "gradviz.core.recording",
    "regression": "gradviz.regression",
}

if TYPE_CHECKING:
    from gradviz.core.evaluate import Evaluation, evaluate
    from gradviz.core.program import ProgramError
    from gradviz.core.recording import record
    from gradviz.core.trace import trace


def __getattr__(name: str) -> Any:
    if name in _API:
        module = importlib.import_module(_API[name])
        return module if name == "regression" else getattr(module, name)
    raise AttributeError(f"module 'gradviz' has no attribute {name!r}")


def show(*tensors, names=None):
    """Open the viewer on tensors built by your own code (Qt is imported only here)."""
    from gradviz.ui.show import show as _show

    return _show(*tensors, names=names)


__all__ = ["Evaluation", "ProgramError", "__version__", "evaluate", "record", "show", "trace"]
