"""The explorer page's weight and its time to the first drawn network, measured in Chromium.

    python benchmarks/page.py              # 7 runs on the seed graph
    python benchmarks/page.py --runs 15

Builds the seed graph into a temporary directory, serves it with uvicorn (as ``actorgraph serve``
does) and opens ``/#actor=taliban`` in Debian's headless Chromium (``/usr/bin/chromium``) through
Playwright, each run in a new browser context (an empty cache), then once more in the same context
(a warm cache: the page revalidated, the assets from the cache). It prints:

* what crossed the network for the page and its assets (HTML, CSS, the module, Cytoscape.js,
  the favicon), and for the API calls of the first network; bytes as sent (headers and body;
  uvicorn sends no compression),
* the time from navigation start to the first drawn network (the ``network-drawn`` mark that
  ``explorer.js`` sets once Cytoscape.js has laid the network out), median and max.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.build import build
from graph.settings import PROJECT_ROOT
from graph.store import Store
from tests.servers import uvicorn

CHROMIUM = "/usr/bin/chromium"


def one_load(context: Any, url: str) -> tuple[float, dict[str, int]]:
    """Open ``url`` in ``context``; the time to the first network (ms) and bytes by kind."""
    sizes: dict[str, int] = {"page": 0, "api": 0}
    page = context.new_page()

    def count(request: Any) -> None:
        response = request.response()
        if response is None:
            return
        sent = request.sizes()
        size = sent["responseBodySize"] + sent["responseHeadersSize"]
        api = "/static/" not in request.url and request.resource_type in ("fetch", "xhr")
        sizes["api" if api else "page"] += max(size, 0)

    page.on("requestfinished", count)
    page.goto(url)
    page.locator("body[data-network='Taliban']").wait_for(state="attached", timeout=60_000)
    page.wait_for_load_state("networkidle")
    drawn = page.evaluate("() => performance.getEntriesByName('network-drawn')[0].startTime")
    page.close()
    return float(drawn), sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        built = Store.open(Path(tmp) / "built")
        build(PROJECT_ROOT / "seeds", built)
        built.checkpoint(Path(tmp) / "store")
        built.close()
        with uvicorn(Path(tmp) / "store", Path(tmp) / "server.log") as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM)
            url = base + "/#actor=taliban"
            cold: list[float] = []
            warm: list[float] = []
            sizes: dict[str, int] = {}
            warm_sizes: dict[str, int] = {}
            for _ in range(args.runs):
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                ms, sizes = one_load(context, url)
                cold.append(ms)
                ms, warm_sizes = one_load(context, url)
                warm.append(ms)
                context.close()
            browser.close()
    print(f"explorer page, Taliban radius 1, {args.runs} runs, 1280x800, headless Chromium")
    print(f"  page and assets, empty cache: {sizes['page'] / 1024:.0f} KB transferred")
    print(f"  page and assets, warm cache:  {warm_sizes['page'] / 1024:.1f} KB transferred")
    print(f"  API calls of the first network: {sizes['api'] / 1024:.1f} KB")
    for name, values in (("empty cache", cold), ("warm cache", warm)):
        print(
            f"  first network drawn, {name}: median {statistics.median(values):.0f} ms,"
            f" max {max(values):.0f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
