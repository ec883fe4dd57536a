"""/docs and /redoc work with no network: the pages and every file they load come from the app.

What counts as "an outside URL that a browser would fetch at load" (the rule of these tests):

* In the pages (``/docs``, ``/redoc``): any ``http://`` or ``https://`` URL at all, in any tag,
  attribute, script or comment, other than the app's own (the test client's base). Their
  references (``src``, ``href``, the OpenAPI URL handed to the bundle) must each answer 200.
* In a stylesheet: every ``url(…)`` and ``@import``; each is a ``data:`` URI or a file the app
  answers 200 for.
* In a script: the literal arguments of what loads code or data by itself — ``import(…)``,
  ``import … from``, ``importScripts(…)``, ``new Worker(…)``, ``fetch(…)`` — and a literal URL
  given as an element's ``src`` (``src:"…"``, ``src="…"``), which the browser fetches when the
  element is rendered. Only URL-like strings count (a scheme, a path, or a file name with a web
  extension): ``from 'remarkable'`` in an error message is no reference. Each relative one must
  answer 200; an outside one fails, unless it is in :data:`BLOCKED`, where the page's own
  Content-Security-Policy is shown to block it (the browser then never sends the request).
* Not followed: ``sourceMappingURL`` (fetched only when the developer tools are open; the maps are
  not shipped), ``href`` in scripts (links a user clicks), URLs built at run time from
  configuration (Swagger UI's validator badge: ``validatorUrl`` is null on our page, and that
  badge is not in the layout FastAPI uses), and every other string — licence headers, links in
  error messages, JSON Schema and XML namespace identifiers, examples — which a browser never
  fetches on its own.

The Content-Security-Policy is checked too: it allows this origin only, so even a reference this
scan cannot see (one assembled at run time) is refused by the browser. The browser test at the end
(skipped without Chromium and Playwright) loads both pages with every request off this machine
aborted and checks that they render and work.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
import shutil
import tomllib
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.app import create_app
from api.docs import REDOC, STATIC, SWAGGER_UI
from api.routers import (
    actors,
    articles,
    batches,
    events,
    extract,
    health,
    paths,
    sparql,
    stats,
    validate,
)
from graph.settings import PROJECT_ROOT, Settings
from tests.servers import uvicorn

PAGES = ("/docs", "/redoc")
#: Outside URLs a bundle fetches at load, each with the CSP directive that blocks it on our pages.
BLOCKED = {
    # ReDoc 2's side menu shows Redocly's logo from its CDN (an <img>): not shown here.
    "https://cdn.redoc.ly/redoc/logo-mini.svg": "img-src",
}
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}

_URL = re.compile(r"https?://[^\s\"'`<>)\\]+")
_URL_LIKE = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*:|//|\.{0,2}/)|\.(?:m?js|css|json|svg|png|gif|jpe?g|webp|ico|woff2?|ttf|otf)(?:[?#]|$)",
    re.IGNORECASE,
)
_JS_LOADS = re.compile(
    r"""(?:\bimport\s*\(\s*|\bimportScripts\s*\(\s*|\bnew\s+(?:Shared)?Worker\s*\(\s*"""
    r"""|\bfetch\s*\(\s*|\bfrom\s*|\bimport\s*|\bsrc\s*[:=]\s*)(["'`])([^"'`\n]{0,500}?)\1"""
)
_CSS_LOADS = re.compile(r"""url\(\s*(["']?)([^"')]*)\1\s*\)|@import\s+(["'])([^"']*)\3""")


@pytest.fixture(scope="module")
def client(seed_copy: Callable[[str], Path]) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(store_path=seed_copy("docs")))) as c:
        yield c


class _References(HTMLParser):
    """``src`` and ``href`` of every tag, and ReDoc's ``spec-url``."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "spec-url") and value:
                self.found.append(value)
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append(data)


def page_references(html: str) -> list[str]:
    """What a docs page loads: its tags' ``src``/``href``, and the OpenAPI URL its inline script
    hands to Swagger UI (``url: '…'``)."""
    parser = _References()
    parser.feed(html)
    inline = [m for s in parser.inline for m in re.findall(r"\burl:\s*'([^']*)'", s)]
    return parser.found + inline


def asset_references(text: str, suffix: str) -> list[str]:
    """The literal references a browser follows at load in a stylesheet or a script (the rule is
    in the module docstring); ``data:`` and ``blob:`` URIs are left out, they fetch nothing."""
    if suffix == ".css":
        found = [m.group(2) or m.group(4) for m in _CSS_LOADS.finditer(text)]
    elif suffix == ".js":
        found = [m.group(2) for m in _JS_LOADS.finditer(text) if "${" not in m.group(2)]
        found = [f for f in found if _URL_LIKE.search(f)]
    else:
        found = []
    return [f for f in found if not f.startswith(("data:", "blob:"))]


def policy(response: Any) -> dict[str, list[str]]:
    """The Content-Security-Policy header, by directive."""
    header: str = response.headers["content-security-policy"]
    directives = [d.split() for d in header.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


def allows_outside(csp: dict[str, list[str]], directive: str) -> bool:
    """Whether ``directive`` (or ``default-src``, its fallback) lets the page fetch from any other
    origin: a host, a wildcard or a network scheme."""
    sources = csp.get(directive, csp.get("default-src", ["*"]))
    local = {"'self'", "'none'", "'unsafe-inline'", "data:", "blob:"}
    return any(s not in local and not s.startswith("'sha256-") for s in sources)


def crawl(client: TestClient, page: str) -> dict[str, Any]:
    """The page and everything it loads, followed through stylesheets and scripts: URL → response."""
    base = str(client.base_url)
    seen: dict[str, Any] = {}
    todo = [urljoin(base, page)]
    while todo:
        url = todo.pop()
        if url in seen or not url.startswith(base):
            continue
        response = client.get(url)
        seen[url] = response
        path = urlsplit(url).path
        if path == page:
            refs = page_references(response.text)
        else:
            refs = asset_references(response.text, Path(path).suffix)
        todo += [urljoin(url, r) for r in refs]
    return seen


# ---------------------------------------------------------------------------------- the pages
@pytest.mark.parametrize("page", PAGES)
def test_the_page_and_every_file_it_loads_are_served_by_the_app(
    client: TestClient, page: str
) -> None:
    loaded = crawl(client, page)
    base = str(client.base_url)
    assert all(url.startswith(base) for url in loaded)
    assert loaded[urljoin(base, page)].headers["content-type"].startswith("text/html")
    paths = {urlsplit(url).path: r for url, r in loaded.items()}
    bundle = {"/docs": f"/static/{SWAGGER_UI}/swagger-ui-bundle.js", "/redoc": f"/static/{REDOC}/"}
    assert any(p.startswith(bundle[page]) for p in paths), sorted(paths)
    assert "/openapi.json" in paths and "/static/favicon.svg" in paths
    for path, response in paths.items():
        assert response.status_code == 200, path
        if path.startswith("/static/"):
            assert response.headers["content-type"] == MEDIA_TYPES[Path(path).suffix], path
            assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("page", PAGES)
def test_no_outside_url_in_the_page(client: TestClient, page: str) -> None:
    html = client.get(page).text
    base = str(client.base_url).rstrip("/")
    outside = [u for u in _URL.findall(html) if not (u == base or u.startswith(base + "/"))]
    assert outside == []
    assert "fonts.googleapis.com" not in html and "cdn" not in html.lower()


@pytest.mark.parametrize("page", PAGES)
def test_no_outside_url_that_a_browser_fetches_at_load_in_the_files(
    client: TestClient, page: str
) -> None:
    csp = policy(client.get(page))
    for url, response in crawl(client, page).items():
        suffix = Path(urlsplit(url).path).suffix
        for ref in asset_references(response.text, suffix) if suffix in (".js", ".css") else []:
            if not urlsplit(ref).scheme and not ref.startswith("//"):
                continue  # relative: the previous test fetched it
            assert ref in BLOCKED, f"{url} loads {ref} from outside"
            assert not allows_outside(csp, BLOCKED[ref]), (ref, csp)


@pytest.mark.parametrize("page", PAGES)
def test_the_pages_policy_lets_the_browser_fetch_from_this_origin_only(
    client: TestClient, page: str
) -> None:
    response = client.get(page)
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    for directive in csp:
        assert not allows_outside(csp, directive), (directive, csp[directive])
    assert csp["object-src"] == ["'none'"]
    # inline scripts run by their hash only
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    inline = _References()
    inline.feed(response.text)
    assert len([s for s in csp["script-src"] if s.startswith("'sha256-")]) == len(inline.inline)


def test_the_favicon_and_the_static_files_name_no_outside_url(client: TestClient) -> None:
    svg = client.get("/static/favicon.svg").text
    assert _URL.findall(svg) == ["http://www.w3.org/2000/svg"]  # its XML namespace, not fetched


def test_a_missing_static_file_is_404(client: TestClient) -> None:
    assert client.get(f"/static/{SWAGGER_UI}/no-such-file.js").status_code == 404
    assert client.get("/static/../app.py").status_code == 404


def test_openapi_json_and_the_docs_pages_answer_head_too(client: TestClient) -> None:
    for path in (*PAGES, "/openapi.json"):
        assert client.head(path).status_code == 200


# ------------------------------------------------------------------------------ the examples
ROUTERS = (sparql, actors, paths, events, articles, stats, health, extract, validate, batches)


def test_every_operation_has_an_example_of_each_success_answer(client: TestClient) -> None:
    """Each 2xx answer of each operation, in each media type it is documented in, shows at least
    one example with a value (recorded answers, api/examples.py; tests/api/test_openapi_examples.py
    checks they are real). Every operation has a 2xx answer."""
    spec = client.get("/openapi.json").json()
    missing = []
    operations = 0
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            operations += 1
            success = {c: r for c, r in operation["responses"].items() if c.startswith("2")}
            assert success, (method, path)
            for status, response in success.items():
                assert response.get("content"), (method, path, status)
                for media_type, content in response["content"].items():
                    examples = content.get("examples", {})
                    if not examples or not all("value" in e for e in examples.values()):
                        missing.append(f"{method.upper()} {path} {status} {media_type}")
    assert missing == []
    declared = [
        route
        for module in ROUTERS
        for route in module.router.routes
        if isinstance(route, APIRoute) and route.include_in_schema
    ]
    assert operations == sum(len(route.methods or ()) for route in declared)  # all looked at


# ------------------------------------------------------------------------ the vendored files
def test_the_vendored_files_are_unchanged_and_complete() -> None:
    """Each folder's SHA256SUMS (api/static/README.md) lists exactly its files, with their
    hashes: a file edited, added or dropped by accident is caught."""
    for folder in (STATIC / SWAGGER_UI, STATIC / REDOC):
        listed = {}
        for line in (folder / "SHA256SUMS").read_text().splitlines():
            digest, name = line.split(maxsplit=1)
            listed[name.lstrip("*")] = digest
        present = {p.name for p in folder.iterdir()} - {"SHA256SUMS"}
        assert present == set(listed), folder
        for name, digest in listed.items():
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


def test_the_static_files_are_package_data() -> None:
    """An installed package finds them: pyproject's package-data names every file."""
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["api"]
    api = STATIC.parent
    for path in STATIC.rglob("*"):
        if path.is_file():
            relative = path.relative_to(api).as_posix()
            assert any(
                fnmatch.fnmatch(relative, p) and relative.count("/") == p.count("/")
                for p in patterns
            ), relative


# -------------------------------------------------------------------------- in a real browser
def _browser() -> Any:
    """Playwright's sync API and a Chromium to drive, or a skip naming what is missing (neither
    is a dependency of the project: ``apt-get install chromium``, ``pip install playwright``)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no chromium on this machine")
    playwright = pytest.importorskip("playwright.sync_api")
    return playwright, chromium


@pytest.mark.slow
def test_the_docs_render_and_work_in_a_browser_with_no_network(
    seed_copy: Callable[[str], Path], tmp_path: Path
) -> None:
    playwright, chromium = _browser()
    with uvicorn(seed_copy("docs-browser"), tmp_path / "server.log") as base:
        outside: list[str] = []
        problems: list[str] = []

        def local_only(route: Any) -> None:
            url = route.request.url
            if url.startswith((base + "/", "data:", "blob:")):
                route.continue_()
            else:
                outside.append(url)
                route.abort()

        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium)
            try:
                context = browser.new_context()
                context.route("**/*", local_only)
                page = context.new_page()
                page.on("pageerror", lambda e: problems.append(str(e)))
                page.on(
                    "console",
                    lambda m: problems.append(m.text) if m.type == "error" else None,
                )

                # Swagger UI: the operations are listed, and "Try it out" reaches the API
                page.goto(base + "/docs")
                page.locator("#operations-health-healthz_healthz_get").click()
                page.get_by_role("button", name="Try it out").click()
                page.get_by_role("button", name="Execute").click()
                page.locator(
                    ".live-responses-table tr.response .response-col_status"
                ).first.wait_for()
                assert page.locator(".opblock").count() >= 15
                status = page.locator(
                    ".live-responses-table tr.response .response-col_status"
                ).first
                assert status.inner_text().strip() == "200"
                assert problems == []

                # ReDoc: the operations are there, and its search (a worker) finds one
                page.goto(base + "/redoc")
                page.locator("[data-section-id^='tag/']").first.wait_for()
                page.get_by_placeholder("Search...").fill("ego network")
                page.locator("[data-role='search:results'] li").first.wait_for()
                assert page.locator("[role='menuitem']").count() >= 10
                # the page's policy refused ReDoc's logo (BLOCKED) before any request was sent
                refused = [p for p in problems if "Content Security Policy" in p]
                assert [p for p in problems if p not in refused] == []
                assert all(any(url in p for url in BLOCKED) for p in refused), refused
                assert outside == []  # no request even tried to leave the machine
            finally:
                browser.close()
