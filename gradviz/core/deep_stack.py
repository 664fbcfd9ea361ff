"""Room on the C stack for freeing deep autograd graphs.

Once Python has touched a grad_fn node (as every trace does), torch frees a
chain of such nodes recursively: with Linux's default 8 MB main-thread stack,
dropping a ~30,000-deep traced chain segfaults. Raising the soft stack limit
lets the main thread's stack grow on demand; threads that may drop such
graphs are created with DEEP_STACK_BYTES.
"""

from __future__ import annotations

import contextlib
import resource

DEEP_STACK_BYTES = 512 * 1024 * 1024


def ensure_deep_stack() -> None:
    """Raise the soft RLIMIT_STACK to DEEP_STACK_BYTES where the hard limit allows."""
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
    except (OSError, ValueError):
        return
    target = DEEP_STACK_BYTES if hard == resource.RLIM_INFINITY else min(hard, DEEP_STACK_BYTES)
    if soft != resource.RLIM_INFINITY and soft < target:
        with contextlib.suppress(OSError, ValueError):
            resource.setrlimit(resource.RLIMIT_STACK, (target, hard))
