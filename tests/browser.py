"""Debian's Chromium driven by Playwright, the way the project's machines allow (no download)."""

from __future__ import annotations

import contextlib
import shutil
import tempfile

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextlib.contextmanager
def chromium_page(width: int = 1200, height: int = 900):
    """A page of a fresh headless Chromium profile, closed afterwards."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        raise RuntimeError("chromium is not installed (make test installs it with apt)")
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=executable, headless=True, args=FLAGS,
            viewport={"width": width, "height": height})
        try:
            yield context.new_page()
        finally:
            context.close()
