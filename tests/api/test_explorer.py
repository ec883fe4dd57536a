"""The explorer page at ``/`` and the article text it opens at a quote (``api/explorer.py``,
``api/routers/articles.py``); in a real browser: ``tests/browser/test_explorer.py``."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.docs import STATIC
from api.explorer import CYTOSCAPE, EXPLORER, example_queries
from graph.settings import Settings
from tests.api.test_docs import _URL, page_references, policy

ARTICLE = "sputnik-2018-03-29-us-accuses-russia-arming-taliban"
ARTICLE_IRI = "https://w3id.org/actorgraph/id/article/" + ARTICLE


@pytest.fixture(scope="module")
def client(seed_copy: Callable[[str], Path]) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(store_path=seed_copy("explorer")))) as c:
        yield c


# ---------------------------------------------------------------------------------- the page
def test_the_root_is_the_explorer_page_not_a_json_404(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert '<input id="search"' in response.text and 'role="combobox"' in response.text
    assert "{{" not in response.text  # every placeholder filled
    assert client.head("/").status_code == 200


def test_the_page_and_what_it_loads_come_from_this_origin(client: TestClient) -> None:
    html = client.get("/").text
    base = str(client.base_url).rstrip("/")
    assert [u for u in _URL.findall(html) if not u.startswith(base)] == []
    loaded = [urljoin(base + "/", r) for r in page_references(html) if r != "docs"]
    assert any("/static/explorer/explorer.js?v=" in u for u in loaded), loaded
    for url in loaded:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    # the module's one import: the vendored Cytoscape.js, as a JavaScript module
    script = client.get("/static/explorer/explorer.js").text
    imports = re.findall(r'^import .* from "([^"]+)";$', script, re.MULTILINE)
    assert imports == [f"../{CYTOSCAPE}/cytoscape.esm.min.mjs"]
    module = client.get(urljoin(base + "/static/explorer/explorer.js", imports[0]))
    assert module.status_code == 200
    assert module.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "fetch(" not in module.text  # Cytoscape.js loads nothing by itself


def test_the_asset_urls_change_with_their_content(client: TestClient) -> None:
    """A year's cache under /static: a changed script must get a new URL."""
    html = client.get("/").text
    for name in ("explorer.js", "review.js", "explorer.css"):
        digest = hashlib.sha256((EXPLORER / name).read_bytes()).hexdigest()[:12]
        assert f"static/explorer/{name}?v={digest}" in html


def test_the_policy_allows_this_origin_only_and_no_inline_code(client: TestClient) -> None:
    csp = policy(client.get("/"))
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["connect-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]


def test_the_example_queries_are_the_readme_files_embedded_as_data(client: TestClient) -> None:
    html = client.get("/").text
    block = re.search(r'<script type="application/json" id="examples">(.*?)</script>', html, re.S)
    assert block is not None
    embedded = json.loads(block.group(1))
    assert embedded == example_queries()
    names = {e["name"] for e in embedded}
    assert {"who-accused-russia", "contested-claims"} <= names
    by_name = {e["name"]: e for e in embedded}
    assert by_name["who-accused-russia"]["title"] == (
        "Who accused Russia, of what, when, and in whose words?"
    )
    # only <script> tags of the page itself (two modules, the data): no query text can close it
    assert html.count("</script>") == 3


def test_the_review_tab_is_a_module_of_its_own(client: TestClient) -> None:
    """The review page (``review.js``) is loaded by its own versioned URL and imports nothing: an
    import by a bare path would escape the versioning (and run explorer.js a second time)."""
    html = client.get("/").text
    assert re.search(
        r'<script type="module" src="static/explorer/review\.js\?v=[0-9a-f]{12}">', html
    )
    assert 'role="tab" id="tab-review" aria-controls="view-review"' in html
    assert '<section id="view-review" role="tabpanel"' in html
    script = client.get("/static/explorer/review.js")
    assert script.status_code == 200
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert not re.search(r"^\s*import\b", script.text, re.MULTILINE)
    # what it calls are the existing endpoints, by relative paths of this origin
    calls = set(re.findall(r'call\(`?"?([a-z]+)[?`"]', script.text))
    assert calls == {"extract", "actors", "validate", "batches"}, calls
    # never a stored token, never untrusted text as HTML
    for forbidden in (
        "localStorage",
        "sessionStorage",
        "document.cookie",
        "innerHTML",
        "insertAdjacentHTML",
    ):
        assert forbidden not in script.text, forbidden


def test_the_vendored_cytoscape_is_unchanged() -> None:
    folder = STATIC / CYTOSCAPE
    listed: dict[str, str] = {}
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name] = digest
    assert set(listed) == {p.name for p in folder.iterdir()} - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


# ----------------------------------------------------------------------------- article text
def test_the_evidence_offsets_slice_the_article_text(client: TestClient) -> None:
    event = client.get("/events/a003-taliban-assures-russia").json()
    evidence = event["evidence"][0]
    assert evidence["article"] == ARTICLE_IRI
    response = client.get(f"/articles/{ARTICLE}/text")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text[evidence["start"] : evidence["end"]] == evidence["exact"]


@pytest.mark.parametrize("name", [ARTICLE, f"article:{ARTICLE}", ARTICLE_IRI])
def test_an_article_is_named_by_id_curie_or_iri(client: TestClient, name: str) -> None:
    response = client.get(f"/articles/{name}/text")
    assert response.status_code == 200
    assert response.text.startswith(" date 2018-03-29")


@pytest.mark.parametrize(
    "name",
    [
        "no-such-article",
        "../../pyproject.toml",
        "..%2F..%2Fpyproject.toml",
        "https://example.org/article",
        "actor:russia",  # in the store, but not an article
        "%C3%84-%C2%8Cy",  # a C1 control character, which no IRI the engine takes holds (fuzzing)
    ],
)
def test_an_unknown_article_is_a_404_problem(client: TestClient, name: str) -> None:
    response = client.get(f"/articles/{name}/text")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"].lower() == "not found"  # ours, or the router's (../ removed)


def test_the_path_is_the_stores_never_the_clients(client: TestClient) -> None:
    """Only the file the store names for an article is read, and only from seeds/articles/."""
    assert client.get("/articles//etc/passwd/text").status_code == 404
