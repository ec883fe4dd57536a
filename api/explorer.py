"""The explorer page at ``/``: ego networks, the evidence behind each edge, a SPARQL editor, and
the review of a new article before commit (its "Review" tab).

The page is ``api/static/explorer/`` (plain HTML, CSS and two ES modules, no build step:
``explorer.js``, and ``review.js`` for the Review tab, which calls ``/extract``, ``/validate``,
``/batches`` and ``/actors`` and nothing else) and the vendored Cytoscape.js
(``api/static/cytoscape-*``, see ``api/static/README.md``), all served under ``/static`` by
:mod:`api.docs`. ``/`` answers ``index.html`` with, written into it at serve time, the README's
example queries (``examples/*.rq``: one copy of each, never a second by hand) and
the version of each asset in its URL (a hash of its bytes), so that the year's cache of
``/static`` never serves a stale script after an upgrade. Its Content-Security-Policy allows this
origin only, and no inline script at all: the queries travel in a JSON data block, which the
browser never runs.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from api.docs import STATIC
from graph.settings import PROJECT_ROOT

__all__ = ["CYTOSCAPE", "EXPLORER", "POLICY", "example_queries", "install_explorer"]

EXPLORER = STATIC / "explorer"
#: The vendored Cytoscape.js (explorer.js imports it by this folder's name).
CYTOSCAPE = "cytoscape-3.35.0"
#: The queries of the README's "Analysts' questions", shown ready to run in the SPARQL tab.
EXAMPLES = PROJECT_ROOT / "examples"

#: This origin only; no inline script, no eval, no inline style; nothing may frame the page.
POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def example_queries(folder: Path = EXAMPLES) -> list[dict[str, str]]:
    """Each ``*.rq`` of ``folder`` by name: its title (its comment's first sentence) and text.

    None when the folder is absent (an installed package without the repository's examples)."""
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        out.append({"name": path.stem, "title": _title(text) or path.stem, "query": text})
    return out


def _title(query: str) -> str:
    r"""The first sentence of a query's leading comment: its question.

    >>> _title("# Who met in Moscow, who reported it,\n# in which words? One row per meeting.\nSELECT …")
    'Who met in Moscow, who reported it, in which words?'
    """
    comment = []
    for line in query.splitlines():
        if not line.startswith("#"):
            break
        comment.append(line.lstrip("#").strip())
    text = " ".join(comment)
    match = re.match(r"(.+?[.?])(?:\s|$)", text)
    return match.group(1) if match else text


def _version(name: str) -> str:
    return hashlib.sha256((EXPLORER / name).read_bytes()).hexdigest()[:12]


@cache
def page() -> str:
    """``index.html`` with the assets' versions and the example queries filled in (once: the
    files do not change while the server runs)."""
    template = (EXPLORER / "index.html").read_text(encoding="utf-8")
    # no "<" at all, so nothing in a query can end the data block ("</script>", "<!--")
    data = json.dumps(example_queries(), ensure_ascii=False).replace("<", "\\u003c")
    return (
        template.replace("{{css}}", _version("explorer.css"))
        .replace("{{js}}", _version("explorer.js"))
        .replace("{{review}}", _version("review.js"))
        .replace("{{examples}}", data)
    )


def install_explorer(app: FastAPI) -> None:
    """Serve the page at ``/`` (GET and HEAD, outside the OpenAPI schema, as ``/docs``)."""

    async def explorer(request: Request) -> HTMLResponse:
        return HTMLResponse(
            page(),
            headers={
                "Content-Security-Policy": POLICY,
                "Cache-Control": "no-cache",
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
            },
        )

    app.add_route("/", explorer, include_in_schema=False)
