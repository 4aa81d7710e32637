"""Headless Chromium for the front-end checks without Django (frontend/e2e/smoke.py,
bench/canvas.py): where the browser is, how it is started, and where the bundles lie."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The application bundle Django serves, and the development harness bundle (never served).
APP_BUILD = ROOT / "cellweb" / "static" / "cellweb" / "build"
HARNESS_BUILD = ROOT / "frontend" / "harness-build"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch(playwright):
    """A headless Chromium from the system package (no browser download)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def missing_bundles() -> list[Path]:
    """Bundle files `npm run build` should have written and did not."""
    wanted = [APP_BUILD / "app.js", APP_BUILD / "app.css"]
    wanted += [HARNESS_BUILD / "harness.js", HARNESS_BUILD / "harness.css"]
    return [p for p in wanted if not p.is_file()]
