"""What the browser tests share: Debian's Chromium driven by Playwright, the viewports, where the
screenshots go, and a page that records what went wrong (script and console errors, requests
that tried to leave this machine).

Without ``/usr/bin/chromium`` or Playwright the browser tests are skipped on a developer's
machine; CI sets ``CI_REQUIRE_BROWSER=1`` (``.ci/run``), and then a missing browser fails the run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.settings import PROJECT_ROOT

__all__ = [
    "ARTIFACTS",
    "CHROMIUM",
    "DESKTOP",
    "MARKS",
    "PHONE",
    "TIMEOUT_MS",
    "Page",
    "launch",
    "sync_api",
]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "artifacts" / "browser"
#: Generous: the machine may be busy (CI shares its cores); a wait ends as soon as it is met.
TIMEOUT_MS = 30_000

#: CI sets it (.ci/run): there, a missing browser fails the run instead of skipping its tests
REQUIRED = os.environ.get("CI_REQUIRE_BROWSER") == "1"
if REQUIRED and not CHROMIUM.exists():
    raise RuntimeError("CI_REQUIRE_BROWSER=1 and no /usr/bin/chromium: install Debian's chromium")

#: Each browser test module's ``pytestmark``.
MARKS = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="no /usr/bin/chromium (Debian: apt-get install chromium)"
    ),
]
if REQUIRED:
    import playwright.sync_api as sync_api
else:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency")

sync_api.expect.set_options(timeout=TIMEOUT_MS)

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def launch() -> Iterator[Any]:
    """Chromium, headless, for a module's ``browser`` fixture."""
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield chromium
        finally:
            chromium.close()


class Page:
    """A page of the explorer, on a fresh browser context, that records what went wrong: script
    errors, console errors (a refused policy shows there) and requests that tried to leave."""

    def __init__(self, browser: Any, base: str, viewport: dict[str, int]) -> None:
        self.context = browser.new_context(viewport=viewport)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.problems: list[str] = []
        self.outside: list[str] = []
        self.context.route("**/*", self._local_only)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))
        self.page.on(
            "console", lambda m: self.problems.append(m.text) if m.type == "error" else None
        )
        self.base = base

    def _local_only(self, route: Any) -> None:
        url = route.request.url
        if url.startswith((self.base + "/", "data:", "blob:")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def network_of(self, label: str) -> None:
        """Wait until the network of ``label`` is drawn."""
        self.page.locator(f"body[data-network='{label}']").wait_for(state="attached")

    def close(self) -> None:
        self.context.close()
        assert self.outside == []
        assert self.problems == []
