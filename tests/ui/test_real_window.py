"""The real app on a real X server (Xvfb), started by the ``gradviz`` command itself.

Offscreen tests cannot catch a window that never maps, paints nothing, or dies on the first
keystroke; this one can. It is skipped when Xvfb/xdotool/ImageMagick are missing, unless
GRADVIZ_REQUIRE_XVFB=1 (CI sets it), in which case it fails instead.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QColor

from gradviz.ui import palette

TOOLS = ("Xvfb", "xdotool", "import", "convert")
SCREEN = (1600, 1000)
START_TIMEOUT_S = 60.0
EXIT_TIMEOUT_S = 20.0
MIN_DISTINCT_COLOURS = 200
"""A mapped but unpainted window has a handful of colours; text and a graph have hundreds."""
MIN_HEADER_PIXELS = 1000
"""More than the legend's swatch: at least one card header of that kind is on screen."""
CONTROLS_WIDTH = 250
"""The training tab's control column, from the window's left edge; its only blue is the
progress bar's filled part."""
SETTLED_S = 1.5
"""Two screenshots this far apart are equal: the app has drawn everything it is going to."""


def _unavailable(reason: str) -> None:
    if os.environ.get("GRADVIZ_REQUIRE_XVFB") == "1":
        pytest.fail(f"{reason} (GRADVIZ_REQUIRE_XVFB=1)")
    pytest.skip(reason)


def _gradviz_command() -> str | None:
    beside_python = Path(sys.executable).with_name("gradviz")
    return str(beside_python) if beside_python.exists() else shutil.which("gradviz")


def _wait_for(condition: Callable[[], object], timeout: float, what: str) -> object:
    """Poll until ``condition`` returns something other than None/False, and return that.

    There is no Qt event loop in this process to wait on: the app is another process.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result is not None and result is not False:
            return result
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture
def display() -> Iterator[str]:
    """A private Xvfb; -displayfd makes it pick a free display number itself."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        _unavailable(f"missing {', '.join(missing)}")
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_end),
            "-nolisten",
            "tcp",
            "-screen",
            "0",
            f"{SCREEN[0]}x{SCREEN[1]}x24",
        ],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], START_TIMEOUT_S)
        number = os.read(read_end, 32).decode().strip() if ready else ""
        if not number:
            pytest.fail("Xvfb did not report a display number")
        yield f":{number}"
    finally:
        os.close(read_end)
        server.terminate()
        server.wait(timeout=EXIT_TIMEOUT_S)


class RunningApp:
    """The ``gradviz`` process plus the X tools to look at it and type into it."""

    def __init__(self, display: str, workdir: Path) -> None:
        command = _gradviz_command()
        if command is None:
            _unavailable("the gradviz command is not installed")
        self.display = display
        self.workdir = workdir
        env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
        runtime = workdir / "runtime"
        runtime.mkdir(mode=0o700)
        env.update(
            DISPLAY=display,
            XDG_CONFIG_HOME=str(workdir / "config"),  # never the user's saved geometry
            XDG_DATA_HOME=str(workdir / "data"),  # nor the user's autosave and log
            XDG_RUNTIME_DIR=str(runtime),
            NO_AT_BRIDGE="1",
        )
        self.env = env
        self.stderr_path = workdir / "gradviz.stderr"
        with open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(
                [command], env=env, stdout=subprocess.DEVNULL, stderr=stderr
            )

    def x(self, *args: str, timeout: float = 30.0) -> str:
        result = subprocess.run(
            args, env=self.env, capture_output=True, text=True, timeout=timeout, check=True
        )
        return result.stdout

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def find_window(self) -> str:
        output = self.x(
            "xdotool",
            "search",
            "--sync",
            "--onlyvisible",
            "--name",
            "^gradviz",
            timeout=START_TIMEOUT_S,
        )
        return output.split()[0]

    def answer_dialog(self, title: str, key: str) -> None:
        """Wait for a dialog, give it the keyboard, press `key`, and wait until it is gone."""
        dialog = self.x(
            "xdotool", "search", "--sync", "--onlyvisible", "--name", title,
            timeout=START_TIMEOUT_S,
        ).split()[0]
        self.x("xdotool", "windowfocus", "--sync", dialog)
        self.x("xdotool", "key", key)

        def closed() -> bool:
            found = subprocess.run(
                ["xdotool", "search", "--onlyvisible", "--name", title],
                env=self.env, capture_output=True, text=True, timeout=30,
            )
            return found.returncode != 0 or not found.stdout.strip()

        _wait_for(closed, START_TIMEOUT_S, f"the dialog {title!r} to close")

    def screenshot(self, name: str) -> tuple[Path, np.ndarray]:
        """PNG of the whole screen (kept for people) and its pixels (for asserts)."""
        png = self.workdir / f"{name}.png"
        self.x("import", "-display", self.display, "-window", "root", str(png))
        ppm = subprocess.run(
            ["convert", str(png), "ppm:-"], capture_output=True, check=True, timeout=30
        ).stdout
        return png, _parse_ppm(ppm)

    def geometry(self, window: str) -> dict[str, int]:
        shell = self.x("xdotool", "getwindowgeometry", "--shell", window)
        return {key: int(value) for key, value in (line.split("=") for line in shell.split())}

    def settled(self, name: str) -> np.ndarray:
        """The screen once it stops changing (the training tab redraws on a paced timer)."""
        last = [self.screenshot(name)[1]]

        def unchanged() -> np.ndarray | None:
            time.sleep(SETTLED_S)
            pixels = self.screenshot(name)[1]
            same = np.array_equal(pixels, last[0])
            last[0] = pixels
            return pixels if same else None

        return _wait_for(unchanged, START_TIMEOUT_S, f"the screen to settle ({name})")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=EXIT_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _parse_ppm(data: bytes) -> np.ndarray:
    """Binary PPM (P6, 8-bit) -> H×W×3 array; ImageMagick writes exactly this header."""
    fields = []
    pos = 0
    while len(fields) < 4:
        while data[pos : pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    magic, width, height, maxval = fields[0], int(fields[1]), int(fields[2]), int(fields[3])
    assert magic == b"P6" and maxval == 255
    pixels = np.frombuffer(data, dtype=np.uint8, count=width * height * 3, offset=pos + 1)
    return pixels.reshape(height, width, 3)


def pixels_of(pixels: np.ndarray, color: QColor) -> int:
    return int(np.all(pixels == (color.red(), color.green(), color.blue()), axis=-1).sum())


def graph_is_drawn(pixels: np.ndarray) -> bool:
    """Leaf and output card headers are visible, in their kind colours."""
    return all(
        pixels_of(pixels, palette.kind_color(kind)) >= MIN_HEADER_PIXELS
        for kind in ("leaf", "output")
    )


def progress_fill(pixels: np.ndarray, window: dict[str, int]) -> int:
    """Blue pixels in the control column: the progress bar's filled width times its height."""
    x, y = window["X"], window["Y"]
    column = pixels[y : y + window["HEIGHT"], x : x + CONTROLS_WIDTH].astype(int)
    blue, red = column[..., 2], column[..., 0]
    return int(((blue > 150) & (blue - red > 80)).sum())


def distinct_colours(pixels: np.ndarray) -> int:
    packed = pixels.astype(np.uint32)
    return len(np.unique((packed[..., 0] << 16) | (packed[..., 1] << 8) | packed[..., 2]))


@pytest.fixture
def app(display, tmp_path) -> Iterator[RunningApp]:
    running = RunningApp(display, tmp_path)
    yield running
    running.stop()


def test_gradviz_command_opens_a_painted_window_that_survives_typing(app):
    window = app.find_window()
    assert app.process.poll() is None, app.stderr()

    def painted() -> tuple[Path, np.ndarray] | None:
        png, pixels = app.screenshot("start")
        return (png, pixels) if graph_is_drawn(pixels) else None

    # The window opens on the textbook example: wait until its graph is on screen.
    first_png, first = _wait_for(painted, START_TIMEOUT_S, "the first graph to be drawn")
    print(f"screenshot: {first_png}")
    assert distinct_colours(first) >= MIN_DISTINCT_COLOURS
    size = app.geometry(window)
    assert size["WIDTH"] >= 800 and size["HEIGHT"] >= 600, size

    # Click into the editor (left pane, below the text), add a line and evaluate.
    app.x("xdotool", "mousemove", "--window", window, "150", "300", "click", "1")
    app.x("xdotool", "key", "ctrl+End", "Return")
    app.x("xdotool", "type", "--delay", "20", "z = y * sin(a)")
    app.x("xdotool", "key", "ctrl+Return")

    def redrawn() -> np.ndarray | None:
        if app.process.poll() is not None:
            pytest.fail(f"gradviz died after typing:\n{app.stderr()}")
        pixels = app.screenshot("edited")[1]
        return pixels if graph_is_drawn(pixels) and not np.array_equal(pixels, first) else None

    edited = _wait_for(redrawn, START_TIMEOUT_S, "the window to redraw after ctrl+Return")
    assert pixels_of(edited, palette.ERROR_BACKGROUND) == 0, "the typed line was marked as an error"

    # Ctrl+E opens the export dialog even while the editor has focus.
    app.x("xdotool", "key", "ctrl+e")
    app.answer_dialog("^Export graph", "Escape")

    # The typed line is unsaved: quitting asks first, and Discard lets it go.
    app.x("xdotool", "windowfocus", "--sync", window)
    app.x("xdotool", "key", "ctrl+q")
    app.answer_dialog("^Unsaved program", "alt+d")
    try:
        code = app.process.wait(timeout=EXIT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pytest.fail("gradviz did not quit on ctrl+q")
    assert code == 0, app.stderr()
    assert "Traceback" not in app.stderr(), app.stderr()


def test_ctrl_2_then_space_starts_pauses_and_resumes_training(app):
    window = app.find_window()
    _wait_for(lambda: graph_is_drawn(app.screenshot("start")[1]), START_TIMEOUT_S, "the graph")
    geometry = app.geometry(window)
    app.x("xdotool", "windowfocus", "--sync", window)

    app.x("xdotool", "key", "ctrl+2")
    _wait_for(
        lambda: not graph_is_drawn(app.screenshot("training")[1]),
        START_TIMEOUT_S,
        "the training tab to replace the graph",
    )
    idle = progress_fill(app.settled("training"), geometry)

    app.x("xdotool", "key", "space")  # start: the progress bar begins to fill
    _wait_for(
        lambda: progress_fill(app.screenshot("running")[1], geometry) > idle,
        START_TIMEOUT_S,
        "Space to start training",
    )
    app.x("xdotool", "key", "space")  # pause: the screen settles part-way
    paused_png = app.workdir / "paused.png"
    paused = progress_fill(app.settled("paused"), geometry)
    print(f"screenshot: {paused_png}")

    app.x("xdotool", "key", "space")  # resume: it runs on to the last epoch
    _wait_for(
        lambda: progress_fill(app.screenshot("resumed")[1], geometry) > paused,
        START_TIMEOUT_S,
        "Space to resume training",
    )
    finished = progress_fill(app.settled("finished"), geometry)
    # Paused means part-way: had the second Space come after the end, it would have started
    # a new run, and the bar would have been full (or refilling) when the screen settled.
    assert idle < paused < finished, (idle, paused, finished)
    assert app.process.poll() is None, app.stderr()
    assert "Traceback" not in app.stderr(), app.stderr()
