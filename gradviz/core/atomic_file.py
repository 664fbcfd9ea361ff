"""Write files so that a failure never leaves a half-written file in place of a good one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NEW_FILE_MODE = 0o644


@contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[str]:
    """Yield a temporary file name beside ``target``; on success it is renamed onto it.

    The temporary file lives in the same directory so the rename is atomic. It gets the
    target's permissions (or rw-r--r-- for a new file) instead of mkstemp's private 0600.
    """
    target = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    try:
        yield tmp
        mode = target.stat().st_mode & 0o777 if target.exists() else NEW_FILE_MODE
        os.chmod(tmp, mode)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())  # the data is on disk before the name points at it
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomically(target: str | os.PathLike[str], text: str) -> None:
    with atomic_path(target) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
