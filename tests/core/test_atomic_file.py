"""Saving never leaves a half-written file, nor a stray temporary one."""

from __future__ import annotations

import os
import stat

import pytest

from gradviz.core import atomic_file
from gradviz.core.atomic_file import atomic_path, write_text_atomically


def test_a_new_file_gets_ordinary_permissions(tmp_path):
    target = tmp_path / "prog.py"
    write_text_atomically(target, "a = 1\n")
    assert target.read_text(encoding="utf-8") == "a = 1\n"
    assert stat.S_IMODE(target.stat().st_mode) == atomic_file.NEW_FILE_MODE
    assert os.listdir(tmp_path) == ["prog.py"]


def test_an_existing_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "prog.py"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o600)
    write_text_atomically(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_failed_write_keeps_the_old_file_and_cleans_up(tmp_path):
    target = tmp_path / "graph.png"
    target.write_bytes(b"good image")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        with open(tmp, "wb") as f:
            f.write(b"half an ima")
        raise RuntimeError("renderer crashed")
    assert target.read_bytes() == b"good image"
    assert os.listdir(tmp_path) == ["graph.png"]


def test_a_missing_directory_is_an_os_error(tmp_path):
    with pytest.raises(OSError):
        write_text_atomically(tmp_path / "missing" / "prog.py", "a = 1")
