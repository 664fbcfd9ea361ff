"""gradviz.core is Qt-free: importing and using it never loads PySide6 or pyqtgraph.

Two checks: a dynamic one (a fresh interpreter imports every core module, uses
the public API, and then looks at sys.modules) and a static one (no file under
gradviz/core contains an import of Qt, pyqtgraph or gradviz.ui). Each comes
with a control showing that it does catch a Qt import.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import gradviz

BANNED = ("PySide6", "shiboken6", "pyqtgraph")
CORE_DIR = Path(gradviz.__file__).resolve().parent / "core"

PROBE = textwrap.dedent(
    """
    import importlib, importlib.util, json, pkgutil, sys

    import gradviz
    import gradviz.core

    extra = sys.argv[1:]
    for name in extra:
        importlib.import_module(name)
    names = ["gradviz", "gradviz.core"]
    names += [m.name for m in pkgutil.walk_packages(gradviz.core.__path__, "gradviz.core.")]
    for name in names:
        importlib.import_module(name)
    if importlib.util.find_spec("gradviz.regression") is not None:
        importlib.import_module("gradviz.regression")
        names.append("gradviz.regression")
    # The public API loads lazily: touch every name, and run it once.
    for attr in ("evaluate", "Evaluation", "ProgramError", "trace", "record", "regression"):
        getattr(gradviz, attr)
    ev = gradviz.evaluate("a = 5\\nb = 6\\ny = a**3 - b**2 + 3")
    assert ev.grads["a"].item() == 75
    import torch
    with gradviz.record():
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        y = (x.sin() * 3).sum()
    G = gradviz.trace(y, names={{"x": x}})
    assert G.number_of_nodes() >= 3
    banned = {banned!r}
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in banned)
    print(json.dumps({{"imported": names, "loaded": loaded,
                       "ui": sorted(m for m in sys.modules if m.startswith("gradviz.ui"))}}))
    """
).format(banned=BANNED)


def run_probe(*extra_imports: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *extra_imports],
        capture_output=True, text=True, timeout=300, cwd=CORE_DIR.parent.parent,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def core_module_names() -> set[str]:
    """Module names from the file system, independent of pkgutil."""
    return {
        "gradviz.core." + ".".join(path.relative_to(CORE_DIR).with_suffix("").parts)
        for path in CORE_DIR.rglob("*.py")
        if path.name != "__init__.py"
    }


def package_of(path: Path) -> str:
    return ".".join(["gradviz", "core", *path.parent.relative_to(CORE_DIR).parts])


@pytest.fixture(scope="module")
def probe() -> dict:
    return run_probe()


def test_importing_and_using_the_core_loads_no_qt(probe):
    assert probe["loaded"] == []
    assert probe["ui"] == []


def test_the_probe_imported_every_core_module(probe):
    imported = set(probe["imported"])
    assert core_module_names() <= imported
    assert {"gradviz.core.program", "gradviz.core.evaluate", "gradviz.core.trace"} <= imported


@pytest.mark.skipif(importlib.util.find_spec("PySide6") is None, reason="PySide6 not installed")
def test_control_the_probe_sees_a_qt_import():
    assert "PySide6.QtCore" in run_probe("PySide6.QtCore")["loaded"]


def _resolve(package: str, level: int, module: str | None) -> str:
    """The absolute name of `from <level dots><module> import ...` inside `package`."""
    parts = package.split(".")
    base = parts[: len(parts) - (level - 1)] if level else []
    return ".".join([*base, *([module] if module else [])])


def banned_imports(source: str, package: str = "gradviz.core") -> list[str]:
    """Every import of Qt, pyqtgraph or gradviz.ui in `source`, as 'line: module'."""
    found = []
    for node in ast.walk(ast.parse(source)):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(package, node.level, node.module)
            modules = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and (getattr(node.func, "attr", None) == "import_module"
                   or getattr(node.func, "id", None) in ("__import__", "import_module"))):
            modules = [node.args[0].value]
        for module in modules:
            parts = module.split(".")
            if parts[0] in BANNED or parts[:2] == ["gradviz", "ui"]:
                found.append(f"{node.lineno}: {module}")
    return found


def test_no_core_file_imports_qt():
    files = sorted(CORE_DIR.rglob("*.py"))
    assert len(files) >= 5
    offenders = {
        str(path.relative_to(CORE_DIR)): hits
        for path in files
        if (hits := banned_imports(path.read_text(encoding="utf-8"), package_of(path)))
    }
    assert offenders == {}


@pytest.mark.parametrize(
    "source",
    ["import PySide6", "from PySide6.QtCore import Qt", "import pyqtgraph as pg",
     "import shiboken6", "from gradviz.ui import app", "import gradviz.ui.node_item",
     "from ..ui import palette", "from .. import ui", "from gradviz import ui",
     "def f():\n    import pyqtgraph", "from PySide6 import QtCore",
     "import importlib\nimportlib.import_module('PySide6.QtWidgets')", "__import__('pyqtgraph')"],
)
def test_control_the_static_check_sees_qt_imports(source):
    assert banned_imports(source)


@pytest.mark.parametrize(
    "source",
    ["import torch", "from gradviz.core.program import parse", "from . import limits",
     "from .. import examples", "import networkx as nx", "x = 'PySide6'",
     "import gradviz.uix"],
)
def test_control_the_static_check_allows_other_imports(source):
    assert banned_imports(source) == []
