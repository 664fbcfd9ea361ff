"""The wheel stands on its own: built, installed into a fresh venv, and run from elsewhere.

Everything else in the suite runs against the editable checkout, where a file missing from
the wheel (an example, the icon) would go unnoticed until a user hit it.

The venv uses ``--system-site-packages`` plus a ``.pth`` naming this interpreter's
site-packages, so torch and PySide6 come from the test environment instead of a download
(``--system-site-packages`` alone reaches only the *base* interpreter's packages when the
tests themselves run in a venv, as in CI). The wheel goes into the new venv's own
site-packages, which comes first on ``sys.path``; the tests check that it is the copy used.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import xml.etree.ElementTree as ET
import zipfile
from email.parser import Parser
from importlib.metadata import version as installed_version
from pathlib import Path

import pytest

import gradviz

REPO = Path(__file__).resolve().parents[1]
RESOURCES = REPO / "resources"
# Build from a copy: an in-tree build would leave build/ and egg-info in the checkout, and
# a stale build/lib can smuggle deleted files into the next wheel.
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", "*.pyc",
    ".*_cache", ".hypothesis", ".benchmarks", "docs",
)
NO_DISPLAY = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "PYTHONPATH", "PYTHONHOME",
              "VIRTUAL_ENV", "XDG_DATA_HOME")


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(arg) for arg in args], capture_output=True, text=True, timeout=180, **kwargs
    )
    assert proc.returncode == 0, f"{args}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc


def build_isolation_args() -> list[str]:
    """Build with the installed setuptools when it meets pyproject's floor (fast, offline);
    otherwise let pip fetch one into an isolated build env, as a user's ``pip install`` does.
    """
    floor = re.search(r'"setuptools>=(\d+)', (REPO / "pyproject.toml").read_text())
    assert floor, "pyproject.toml should pin a setuptools floor in build-system.requires"
    try:
        have = int(installed_version("setuptools").split(".")[0])
    except Exception:  # not installed, or an odd version string
        return []
    return ["--no-build-isolation"] if have >= int(floor.group(1)) else []


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    shutil.copytree(REPO, source, ignore=COPY_IGNORE)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-cache-dir", "--quiet",
        *build_isolation_args(), "-w", tmp / "dist", source)
    (built,) = (tmp / "dist").glob("gradviz-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed; returns its bin directory."""
    root = tmp_path_factory.mktemp("venv") / "env"
    run(sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", root)
    python = root / "bin" / "python"
    site_dir = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
    parents = dict.fromkeys(sysconfig.get_path(key) for key in ("purelib", "platlib"))
    (Path(site_dir.stdout.strip()) / "_gradviz_test_parent_env.pth").write_text(
        "".join(f"import site; site.addsitedir({path!r})\n" for path in parents)
    )
    # --ignore-installed: the editable gradviz of the parent env is visible and has the
    # same version; without it pip would call the wheel "already satisfied".
    run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps",
        "--no-index", "--ignore-installed", "--no-cache-dir", wheel)
    return root / "bin"


@pytest.fixture
def elsewhere(tmp_path) -> dict:
    """Run from a directory that is not the repo, with no display and no env overrides."""
    env = {k: v for k, v in os.environ.items() if k not in NO_DISPLAY}
    return {"cwd": tmp_path, "env": env}


def test_wheel_ships_every_resource(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {
        path.relative_to(RESOURCES).as_posix()
        for path in RESOURCES.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    assert {"gradviz.svg", "gradviz.desktop", "examples/01_textbook.py"} <= shipped
    missing = sorted(rel for rel in shipped if f"gradviz/resources/{rel}" not in names)
    assert missing == []
    strays = sorted(n for n in names if n.split("/")[0] in ("resources", "tests", "docs"))
    assert strays == []


def test_wheel_metadata_version_is_the_package_version(wheel):
    assert wheel.name.startswith(f"gradviz-{gradviz.__version__}-")
    with zipfile.ZipFile(wheel) as zf:
        (meta,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(zf.read(meta).decode())
        entry_points = zf.read(meta.replace("METADATA", "entry_points.txt")).decode()
    assert metadata["Version"] == gradviz.__version__
    assert "gradviz = gradviz.cli:main" in entry_points


def test_version_is_written_in_one_place():
    pyproject = (REPO / "pyproject.toml").read_text()
    assert re.search(r'^dynamic = \["version"\]', pyproject, re.M)
    assert re.search(r'^version = \{ attr = "gradviz.__version__" \}', pyproject, re.M)
    assert not re.search(r'^version = "', pyproject, re.M)
    setters = sorted(
        str(path.relative_to(REPO))
        for path in (REPO / "gradviz").rglob("*.py")
        if re.search(r"^__version__\s*=", path.read_text(encoding="utf-8"), re.M)
    )
    assert setters == ["gradviz/__init__.py"]


def test_installed_package_is_the_wheels_copy(venv, elsewhere):
    probe = (
        "import json, gradviz, importlib.metadata as md, importlib.resources as r;"
        "print(json.dumps({'file': gradviz.__file__, 'version': gradviz.__version__,"
        "'metadata': md.version('gradviz'),"
        "'dist': str(md.distribution('gradviz').locate_file('')),"
        "'icon': str(r.files('gradviz.resources') / 'gradviz.svg')}))"
    )
    found = json.loads(run(venv / "python", "-c", probe, **elsewhere).stdout)
    root = venv.parent.resolve()
    for key in ("file", "dist", "icon"):
        assert Path(found[key]).resolve().is_relative_to(root), (key, found[key])
    assert found["version"] == found["metadata"] == gradviz.__version__
    assert Path(found["icon"]).read_bytes() == (RESOURCES / "gradviz.svg").read_bytes()


def test_installed_command_prints_the_version(venv, elsewhere):
    proc = run(venv / "gradviz", "--version", **elsewhere)
    assert proc.stdout.strip() == f"gradviz {gradviz.__version__}"


def test_installed_command_exports_headless(venv, elsewhere):
    proc = run(venv / "gradviz", "-e", "a = 5; y = a**2", "--export", "out.svg", **elsewhere)
    out = elsewhere["cwd"] / "out.svg"
    assert out.is_file(), proc.stdout + proc.stderr
    words = " ".join(ET.parse(out).getroot().itertext()).split()
    assert "10" in words  # dy/da = 2a at a = 5


def test_installed_command_installs_its_desktop_entry(venv, elsewhere, tmp_path):
    """The launcher points at the venv's own script, not whatever `gradviz` is on PATH."""
    env = {**elsewhere["env"], "XDG_DATA_HOME": str(tmp_path / "xdg")}
    run(venv / "gradviz", "--install-desktop-entry", cwd=tmp_path, env=env)
    entry = (tmp_path / "xdg/applications/gradviz.desktop").read_text()
    assert f"\nExec={venv / 'gradviz'} %f\n" in entry
    icon = tmp_path / "xdg/icons/hicolor/scalable/apps/gradviz.svg"
    assert icon.read_bytes() == (RESOURCES / "gradviz.svg").read_bytes()
    run(venv / "gradviz", "--uninstall-desktop-entry", cwd=tmp_path, env=env)
    assert sorted(p for p in (tmp_path / "xdg").rglob("*") if p.is_file()) == []


@pytest.mark.parametrize("size", [16, 32, 256])
def test_app_icon_renders_through_qt(qapp, size):
    """The window icon loads via Qt's SVG icon engine (in PySide6-Essentials) at any size."""
    from gradviz.ui.app import app_icon

    icon = app_icon()
    assert not icon.isNull()
    image = icon.pixmap(size, size).toImage()
    assert image.width() == size
    centre = image.pixelColor(size // 2, size // 2)
    corner = image.pixelColor(0, 0)
    assert centre.alpha() == 255 and corner.alpha() < 64  # a rounded tile, drawn
