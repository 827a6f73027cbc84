"""Playwright driving Debian's Chromium (``/usr/bin/chromium``), with every request outside the
server refused and recorded, and a 1280x800 screenshot of each page into ``build/screenshots``."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.server import ROOT

CHROMIUM = Path(os.environ.get("CODEANNALS_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = ROOT / "build" / "screenshots"
SKIP_REASON = f"no Chromium at {CHROMIUM} (apt-get install chromium), so the browser tests did not run"
skipped_for_want_of_a_browser: list[str] = []


def require_browser() -> Any:
    if not CHROMIUM.exists():
        skipped_for_want_of_a_browser.append(SKIP_REASON)
        pytest.skip(SKIP_REASON)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skipped_for_want_of_a_browser.append("playwright is not installed")
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    return sync_playwright


class Browser:
    def __init__(self, page: Any, base: str, outside: list[str]) -> None:
        self.page = page
        self.base = base
        self.outside = outside

    def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{re.sub(r'[^a-z0-9_-]', '_', name)}.png"))


@contextmanager
def browser(base: str, width: int = 1280, height: int = 800) -> Iterator[Browser]:
    sync_playwright = require_browser()
    outside: list[str] = []
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        context = chromium.new_context(viewport={"width": width, "height": height})

        def route(route: Any) -> None:
            url = route.request.url
            if url.startswith(base + "/") or url == base or url.startswith(("data:", "blob:")):
                route.continue_()
            else:
                outside.append(url)
                route.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.set_default_timeout(30_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        try:
            yield Browser(page, base, outside)
        finally:
            context.close()
            chromium.close()
        assert not errors, f"JavaScript errors on the pages: {errors}"
