"""The desktop launcher: where it goes, what its Exec line runs, and that uninstall is exact."""

from __future__ import annotations

import configparser
import json
import os
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest

from gradviz import desktop_entry as de

PACKAGED_ICON = files("gradviz.resources").joinpath("gradviz.svg").read_bytes()
PACKAGED_ENTRY = files("gradviz.resources").joinpath("gradviz.desktop").read_text("utf-8")


def parse_entry(text: str) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(text)
    return dict(parser["Desktop Entry"])


def unescape_string(value: str) -> str:
    """Inverse of the spec's string escapes (\\s \\n \\t \\r \\\\)."""
    out, chars = [], iter(value)
    for ch in chars:
        out.append({"s": " ", "n": "\n", "t": "\t", "r": "\r"}.get(n := next(chars), n)
                   if ch == "\\" else ch)
    return "".join(out)


def split_exec(value: str) -> list[str]:
    """An Exec value back into argv, the way a launcher reads it (spec, "The Exec key")."""
    args, current, quoted, started = [], [], False, False
    chars = iter(unescape_string(value))
    for ch in chars:
        if quoted and ch == "\\":
            current.append(next(chars))
        elif ch == '"':
            quoted, started = not quoted, True
        elif ch == " " and not quoted:
            if current or started:
                args.append("".join(current))
            current, started = [], False
        else:
            current.append(ch)
    if current or started:
        args.append("".join(current))
    return [arg if arg in FIELD_CODES else unpercent(arg) for arg in args]


FIELD_CODES = ("%f", "%F", "%u", "%U")


def unpercent(arg: str) -> str:
    """A literal % is written %%; any other % sequence inside an argument is invalid."""
    out, chars = [], iter(arg)
    for ch in chars:
        if ch == "%" and next(chars, None) != "%":
            raise ValueError(f"stray % in Exec argument {arg!r}")
        out.append(ch)
    return "".join(out)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_data_home_follows_the_xdg_rules():
    assert de.data_home({"XDG_DATA_HOME": "/x/data", "HOME": "/h"}) == Path("/x/data")
    for unusable in ({}, {"XDG_DATA_HOME": ""}, {"XDG_DATA_HOME": "relative/dir"}):
        assert de.data_home({**unusable, "HOME": "/h"}) == Path("/h/.local/share")


def test_install_writes_the_entry_and_icon_where_menus_look(tmp_path):
    written = de.install(tmp_path, command=["/opt/gv/bin/gradviz"])
    desktop = tmp_path / "applications" / "gradviz.desktop"
    icon = tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "gradviz.svg"
    assert written == [desktop, icon]
    assert set(snapshot(tmp_path)) == {str(desktop.relative_to(tmp_path)),
                                       str(icon.relative_to(tmp_path))}
    assert icon.read_bytes() == PACKAGED_ICON
    entry = parse_entry(desktop.read_text("utf-8"))
    assert entry["Exec"] == "/opt/gv/bin/gradviz %f"
    assert entry["TryExec"] == "/opt/gv/bin/gradviz"
    assert entry["Icon"] == "gradviz" == Path(de.ICON_NAME).stem  # the icon's theme name
    assert entry["Type"] == "Application" and entry["Terminal"] == "false"
    assert oct(desktop.stat().st_mode & 0o777) == oct(0o644)


def test_install_is_idempotent(tmp_path):
    de.install(tmp_path, command=["/opt/gv/bin/gradviz"])
    first = snapshot(tmp_path)
    de.install(tmp_path, command=["/opt/gv/bin/gradviz"])
    assert snapshot(tmp_path) == first


def test_reinstall_points_the_entry_at_the_new_command(tmp_path):
    de.install(tmp_path, command=["/old/bin/gradviz"])
    de.install(tmp_path, command=["/new/bin/gradviz"])
    entry = parse_entry((tmp_path / "applications/gradviz.desktop").read_text("utf-8"))
    assert entry["Exec"] == "/new/bin/gradviz %f"


def test_uninstall_removes_exactly_what_install_wrote(tmp_path):
    neighbours = {
        "applications/other.desktop": b"[Desktop Entry]\nName=other\n",
        "applications/gradviz-notes.desktop": b"[Desktop Entry]\nName=notes\n",
        "icons/hicolor/scalable/apps/other.svg": b"<svg/>",
        "icons/hicolor/48x48/apps/gradviz.png": b"not ours",
    }
    for rel, data in neighbours.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    before = snapshot(tmp_path)
    installed = de.install(tmp_path, command=["/opt/gv/bin/gradviz"])
    assert de.uninstall(tmp_path) == installed
    assert snapshot(tmp_path) == before
    assert de.uninstall(tmp_path) == []  # a second run is a no-op, not an error


def test_the_packaged_entry_runs_gradviz_with_a_file_argument():
    entry = parse_entry(PACKAGED_ENTRY)
    assert split_exec(entry["Exec"]) == ["gradviz", "%f"]
    assert entry["Name"] == "gradviz" and entry["Categories"].endswith(";")
    # The window's desktop-file name must match this entry's file name (see ui/app.py).
    assert de.DESKTOP_NAME == "gradviz.desktop"


@pytest.mark.parametrize(
    "command",
    [
        ["/opt/gv/bin/gradviz"],
        ["/home/ann/My Projects/.venv/bin/gradviz"],
        ['/tmp/we"ird $HOME `x` \\back/100%/gradviz'],
        ["/usr/bin/python3", "-m", "gradviz"],
        ["/tmp/tab\there/new\nline/gradviz"],
    ],
)
def test_exec_line_round_trips_awkward_paths(tmp_path, command):
    de.install(tmp_path, command=command)
    text = (tmp_path / "applications/gradviz.desktop").read_text("utf-8")
    entry = parse_entry(text)
    assert split_exec(entry["Exec"]) == [*command, "%f"]
    assert unescape_string(entry["TryExec"]) == command[0]
    assert len(text.splitlines()) == len(PACKAGED_ENTRY.splitlines())  # no raw newlines


def test_launcher_command_prefers_the_script_that_was_run(tmp_path, monkeypatch):
    script = tmp_path / "bin" / "gradviz"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\n")
    monkeypatch.setattr(sys, "argv", [str(script), "--install-desktop-entry"])
    assert de.launcher_command() == [str(script)]


def test_launcher_command_falls_back_to_this_interpreter(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "argv", [str(tmp_path / "__main__.py")])
    monkeypatch.setattr(de.sysconfig, "get_path", lambda *args, **kw: str(tmp_path))
    monkeypatch.setattr(de.shutil, "which", lambda name: None)
    assert de.launcher_command() == [sys.executable, "-m", "gradviz"]


CLI_PROBE = """
import json, sys
from gradviz.cli import main
rc = main(sys.argv[1:])
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"PySide6", "torch", "pyqtgraph"})
print(json.dumps({"rc": rc, "heavy": heavy}))
"""


def run_cli(*args: str, data_home: Path) -> tuple[dict, subprocess.CompletedProcess]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    env["XDG_DATA_HOME"] = str(data_home)
    proc = subprocess.run([sys.executable, "-c", CLI_PROBE, *args], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1]), proc


def test_cli_installs_and_uninstalls_without_loading_qt_or_torch(tmp_path):
    result, proc = run_cli("--install-desktop-entry", data_home=tmp_path)
    assert result == {"rc": 0, "heavy": []}
    assert str(tmp_path / "applications" / "gradviz.desktop") in proc.stdout
    assert (tmp_path / "icons/hicolor/scalable/apps/gradviz.svg").is_file()
    result, proc = run_cli("--uninstall-desktop-entry", data_home=tmp_path)
    assert result == {"rc": 0, "heavy": []}
    assert "removed" in proc.stdout and snapshot(tmp_path) == {}
    result, proc = run_cli("--uninstall-desktop-entry", data_home=tmp_path)
    assert result["rc"] == 0 and "nothing to remove" in proc.stdout


def test_cli_reports_an_unwritable_data_dir(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    result, proc = run_cli("--install-desktop-entry", data_home=blocker)
    assert result["rc"] == 1
    assert "cannot install the desktop entry" in proc.stderr


@pytest.mark.parametrize(
    "args",
    [["--install-desktop-entry", "--uninstall-desktop-entry"],
     ["--install-desktop-entry", "-e", "a = 5"],
     ["--uninstall-desktop-entry", "prog.py"]],
)
def test_cli_refuses_mixed_options(args, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "gradviz", *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "XDG_DATA_HOME": str(tmp_path)})
    assert proc.returncode == 2 and "error" in proc.stderr
    assert snapshot(tmp_path) == {}
