"""Command line: open the app (optionally on a program), or export a graph headless."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from gradviz import __version__

IMAGE_FORMATS = (".png", ".svg")
TEXT_FORMATS = (".graphml", ".json", ".dot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gradviz",
        description="Type a small torch program and see its autograd graph.",
        epilog="Examples:  gradviz   |   gradviz prog.py   |   "
        "gradviz -e 'a = 5; y = a**2' --export graph.svg",
    )
    parser.add_argument("file", nargs="?", help="a program file to open (e.g. prog.py)")
    parser.add_argument("-e", "--eval", metavar="PROGRAM", help="program text to open")
    parser.add_argument(
        "--export",
        metavar="OUT",
        help="write the program's graph to OUT and exit, without a window; the format comes "
        f"from the extension: {', '.join(IMAGE_FORMATS + TEXT_FORMATS)}",
    )
    parser.add_argument("--version", action="version", version=f"gradviz {__version__}")
    desktop = parser.add_mutually_exclusive_group()
    desktop.add_argument(
        "--install-desktop-entry",
        action="store_true",
        help="add gradviz and its icon to your desktop's application menu (this user only)",
    )
    desktop.add_argument(
        "--uninstall-desktop-entry",
        action="store_true",
        help="remove what --install-desktop-entry added",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else argv
    parser = _parser()
    # Unknown options are Qt's (-platform, -style, ...): pass them on rather than refuse them.
    args, qt_args = parser.parse_known_args(args_in)
    if args.install_desktop_entry or args.uninstall_desktop_entry:
        if args.file or args.eval or args.export or qt_args:
            parser.error("the desktop-entry options take no other arguments")
        return desktop_entry(install=args.install_desktop_entry)
    if args.file and args.eval:
        parser.error("give a program file or -e PROGRAM, not both")
    try:
        program = _read_program(args)
    except OSError as exc:
        print(f"gradviz: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if args.export:
        if program is None:
            parser.error("--export needs a program: a file or -e PROGRAM")
        return export(program[0], args.export)

    from gradviz.ui.app import run_app  # Qt is loaded only once we know we need a window

    return run_app([sys.argv[0], *qt_args], program=program)


def desktop_entry(install: bool) -> int:
    """Install or remove the menu launcher; no Qt, so it works without a display."""
    from gradviz import desktop_entry as entry

    action = "install" if install else "remove"
    try:
        paths = entry.install() if install else entry.uninstall()
    except OSError as exc:
        print(f"gradviz: cannot {action} the desktop entry: {exc}", file=sys.stderr)
        return 1
    if install:
        launcher, icon = paths
        print(f"installed {launcher}\ninstalled {icon}")
        print("gradviz is in your application menu; undo with gradviz --uninstall-desktop-entry")
    elif paths:
        print("\n".join(f"removed {path}" for path in paths))
    else:
        print(f"nothing to remove: no gradviz desktop entry under {entry.data_home()}")
    return 0


def _read_program(args: argparse.Namespace) -> tuple[str, str] | None:
    """(text, title) of the program named on the command line, if any."""
    if args.eval is not None:
        return args.eval, "-e"
    if args.file:
        return Path(args.file).read_text(encoding="utf-8"), Path(args.file).name
    return None


def export(text: str, out: str) -> int:
    """Evaluate `text` and write its graph to `out`; never opens a window."""
    import gradviz
    from gradviz.core.export import ExportError, export_graph

    suffix = Path(out).suffix.lower()
    if suffix not in IMAGE_FORMATS + TEXT_FORMATS:
        print(f"gradviz: cannot export to {suffix or 'a file without extension'}; use one of "
              f"{', '.join(IMAGE_FORMATS + TEXT_FORMATS)}", file=sys.stderr)
        return 2
    try:
        evaluation = gradviz.evaluate(text)
    except gradviz.ProgramError as exc:
        where = f"{exc.line}:{exc.col or 1}: " if exc.line else ""
        print(f"{where}{exc.message}", file=sys.stderr)
        return 1
    try:
        if suffix in TEXT_FORMATS:
            export_graph(evaluation.graph, out)
        else:
            _export_image(evaluation.graph, out)
    except ExportError as exc:
        print(f"gradviz: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {out}")
    return 0


def _export_image(graph, out: str) -> None:
    # No display needed, and none is touched: an export never opens a window.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    from gradviz.ui.graph_view import GraphView

    app = QApplication.instance() or QApplication([sys.argv[0]])
    view = GraphView()
    view.set_graph(graph)
    view.export_image(out)
    view.deleteLater()
    app.processEvents()
