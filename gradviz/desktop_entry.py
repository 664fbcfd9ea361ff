"""Put gradviz in the desktop menu: install or remove its launcher and icon for this user.

The files go where the freedesktop specs say a per-user install belongs, so every Linux
desktop finds them without root: ``$XDG_DATA_HOME/applications/gradviz.desktop`` and
``$XDG_DATA_HOME/icons/hicolor/scalable/apps/gradviz.svg``. No Qt here: the command
must work (and be quick) over ssh or before any display exists.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path

from gradviz.core.atomic_file import atomic_path

APP_ID = "gradviz"
DESKTOP_NAME = f"{APP_ID}.desktop"
ICON_NAME = f"{APP_ID}.svg"

# Characters that force an Exec argument into double quotes (Desktop Entry spec, "The Exec
# key"); inside the quotes these four need a backslash.
_EXEC_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
_EXEC_QUOTED_ESCAPES = '"`$\\'


def data_home(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_DATA_HOME``, or ``~/.local/share`` when unset, empty or relative (XDG spec)."""
    env = os.environ if environ is None else environ
    value = env.get("XDG_DATA_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    home = env.get("HOME") or os.path.expanduser("~")
    return Path(home) / ".local" / "share"


def target_paths(base: Path | None = None) -> tuple[Path, Path]:
    """Where the launcher and the icon go under ``base`` (default: :func:`data_home`)."""
    base = data_home() if base is None else base
    return (
        base / "applications" / DESKTOP_NAME,
        base / "icons" / "hicolor" / "scalable" / "apps" / ICON_NAME,
    )


def launcher_command() -> list[str]:
    """The command the menu entry runs: the ``gradviz`` script of *this* installation.

    A bare ``gradviz`` would depend on the desktop session's PATH, which rarely includes a
    virtual environment's ``bin``; an absolute path keeps working from the menu.
    """
    invoked = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if invoked is not None and invoked.name == APP_ID and invoked.is_file():
        return [os.path.abspath(invoked)]
    user_scheme = f"{os.name}_user"
    candidates = [sysconfig.get_path("scripts")]
    if user_scheme in sysconfig.get_scheme_names():
        candidates.append(sysconfig.get_path("scripts", user_scheme))
    for folder in candidates:
        script = Path(folder) / APP_ID
        if script.is_file():
            return [str(script)]
    found = shutil.which(APP_ID)
    if found:
        return [os.path.abspath(found)]
    return [sys.executable, "-m", APP_ID]


def _escape_string(value: str) -> str:
    """Desktop Entry ``string`` escaping, applied to every value on disk."""
    return (value.replace("\\", "\\\\").replace("\n", "\\n")
            .replace("\t", "\\t").replace("\r", "\\r"))


def exec_quote(arg: str) -> str:
    """One Exec argument, quoted by the spec's rules (a path with spaces must still work)."""
    arg = arg.replace("%", "%%")
    if not arg or any(ch in _EXEC_RESERVED for ch in arg):
        arg = '"' + "".join("\\" + ch if ch in _EXEC_QUOTED_ESCAPES else ch for ch in arg) + '"'
    return _escape_string(arg)


def render_entry(template: str, command: list[str]) -> str:
    """The packaged entry with Exec and TryExec pointing at ``command``.

    Field codes after the program in the template's Exec (``%f``) are kept. TryExec names
    the program, so the entry hides itself if that environment is deleted.
    """
    lines = []
    for line in template.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() == "Exec":
            field_codes = value.split()[1:]
            line = "Exec=" + " ".join([*map(exec_quote, command), *field_codes])
        elif sep and key.strip() == "TryExec":
            line = "TryExec=" + _escape_string(command[0])
        lines.append(line)
    return "\n".join(lines) + "\n"


def install(base: Path | None = None, command: list[str] | None = None) -> list[Path]:
    """Write the launcher and icon; running it again just rewrites the same two files."""
    desktop_path, icon_path = target_paths(base)
    resources = files("gradviz.resources")
    entry = render_entry(
        resources.joinpath(DESKTOP_NAME).read_text(encoding="utf-8"),
        launcher_command() if command is None else command,
    )
    icon = resources.joinpath(ICON_NAME).read_bytes()
    # The icon goes first, so a menu that notices the launcher can already draw it.
    for path, data in ((icon_path, icon), (desktop_path, entry.encode("utf-8"))):
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            Path(tmp).write_bytes(data)
    return [desktop_path, icon_path]


def uninstall(base: Path | None = None) -> list[Path]:
    """Remove the two files :func:`install` writes (and nothing else); returns those removed."""
    removed = []
    for path in target_paths(base):
        if path.is_file() or path.is_symlink():
            path.unlink()
            removed.append(path)
    return removed
