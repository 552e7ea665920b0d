"""``pix2lut-panel``: the QApplication, the command line, and ``--screenshot`` (render offscreen, save, exit).

The server address and Resolve's LUT folder default to the Resolve scripts' settings (their config file, then
``PIX2LUT_SERVER`` / ``PIX2LUT_LUT_ROOT``), so the panel talks to the server Resolve uses and copies LUTs to
where Grade Clip writes them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from PySide6.QtCore import QEventLoop, QStandardPaths, QTimer
from PySide6.QtWidgets import QApplication

from pix2lut import demo
from resolve_scripts.errors import ScriptError
from resolve_scripts.settings import load_settings
from server.cli import MODELS_HELP
from server.gui.window import MainWindow
from server.manifest import ManifestError
from server.model_folder import find_models

PROGRAM = "pix2lut-panel"
ORGANIZATION = "Pix2LUT"
SAMPLE_FRAME = demo.SAMPLE_FRAME  # package data of pix2lut, installed or not
STATE_FILE = "panel.ini"
SCREENSHOT_SIZE = (1500, 920)
SCREENSHOT_TIMEOUT_MS = 120_000  # starting a server loads and warms its models: generous, then shoot anyway
SETTLE_POLL_MS = 50
QT_PLATFORM_VARIABLE = "QT_QPA_PLATFORM"
OFFSCREEN = "offscreen"
EXIT_OK, EXIT_FAILURE = 0, 1  # argparse exits with 2 on bad usage


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROGRAM, description="The Pix2LUT panel: run the server, grade an image, look at and export its LUT."
    )
    parser.add_argument("--image", type=Path, help="the image to open (default: the sample frame)")
    parser.add_argument("--server", help="the server's address (default: the Resolve scripts' setting)")
    parser.add_argument("--models", type=Path, help=f"of a server started from the panel: {MODELS_HELP}")
    parser.add_argument("--lut-root", type=Path, help="Resolve's master LUT folder (default: the scripts' setting)")
    parser.add_argument("--start", action="store_true", help="start a local server at once if none answers")
    parser.add_argument("--screenshot", type=Path, metavar="OUT.png",
                        help="render the window offscreen with the image graded, save it as a PNG and exit")
    parser.add_argument("--no-start", action="store_true",
                        help="with --screenshot: use a running server only, never start one")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    image = args.image or SAMPLE_FRAME
    if not image.is_file():
        print(f"{PROGRAM}: {image}: no such image file", file=sys.stderr)
        return EXIT_FAILURE
    try:
        settings = load_settings() if args.server is None or args.lut_root is None else None
    except ScriptError as exc:
        print(f"{PROGRAM}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    address = args.server or settings.server
    lut_root = args.lut_root or Path(settings.lut_root)
    try:
        models = find_models(args.models)
    except ManifestError as exc:
        print(f"{PROGRAM}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    if args.screenshot and QT_PLATFORM_VARIABLE not in os.environ:
        os.environ[QT_PLATFORM_VARIABLE] = OFFSCREEN  # before the QApplication: no display needed
    app = QApplication.instance() or QApplication([PROGRAM])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(PROGRAM)
    if args.screenshot:
        window = MainWindow(address, models, lut_root, state_file=None)  # leaves the user's state alone
        return screenshot(window, image, args.screenshot, start=not args.no_start)
    state_dir = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppConfigLocation))
    window = MainWindow(address, models, lut_root, state_file=state_dir / STATE_FILE)
    window.show()
    if args.start:
        window.server.ensure_running()
    else:
        window.server.refresh()
    window.open_image(image)
    return app.exec()


def screenshot(window: MainWindow, image: Path, out: Path, start: bool) -> int:
    """Open ``image``, grade it if a server is (or can be) running, render the window to ``out`` and close it."""
    window.resize(*SCREENSHOT_SIZE)
    window.compare.set_split(0.5)
    window.show()
    if start:
        window.server.ensure_running()
    else:
        window.server.refresh()
    window.open_image(image)
    if not wait_until_settled(window, SCREENSHOT_TIMEOUT_MS):
        print(f"{PROGRAM}: still busy after {SCREENSHOT_TIMEOUT_MS // 1000} s; saving the window as it is",
              file=sys.stderr)
    saved = window.grab().save(str(out), "PNG")
    status = window.status_text
    window.close()  # stops a server the panel started
    if not saved:
        print(f"{PROGRAM}: cannot write {out}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"wrote {out} ({status})")
    return EXIT_OK


def wait_until_settled(window: MainWindow, timeout_ms: int) -> bool:
    """Run the event loop until the window is not busy; False if ``timeout_ms`` passed first."""
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(SETTLE_POLL_MS)
    poll.timeout.connect(lambda: loop.quit() if not window.is_busy() else None)
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    poll.start()
    deadline.start(timeout_ms)
    loop.exec()
    poll.stop()
    settled = deadline.isActive()
    deadline.stop()
    return settled


if __name__ == "__main__":
    raise SystemExit(main())
