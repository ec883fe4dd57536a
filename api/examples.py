"""The response examples of the OpenAPI schema: real answers of the app on the seed graph.

Every success response of every operation shows, for each media type it answers in, an example
that the app gave to the request the example names (its ``description``), on the graph built from
``seeds/``. The requests are :data:`REQUESTS`; ``make examples`` runs
them on a fresh build and records the answers in ``api/examples.json``, and :func:`attach` puts
them into the schema (``api/app.py``). ``tests/api/test_openapi_examples.py`` replays every request
and checks that the answer is still the example (and that the example fits the documented schema),
so an example cannot drift from what the API does: when an answer changes on purpose, record again.

What varies from run to run is named, never hidden: a batch's id and times (the replay maps them),
and the live worker counts of ``/healthz`` (:attr:`ExampleRequest.volatile`).
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from pydantic import SecretStr

from api.negotiation import NODE_LINK
from api.routers.extract import EXAMPLE_ARTICLE as ARTICLE
from api.routers.sparql import CONSTRUCT, KINDS
from api.routers.validate import EXAMPLE_BATCH

__all__ = ["EXAMPLES_FILE", "REQUESTS", "STEWARD", "ExampleRequest", "attach", "record"]

EXAMPLES_FILE = Path(__file__).with_name("examples.json")
#: The steward of the recorded batch (name:token, as ACTORGRAPH_STEWARD_TOKENS has it).
STEWARD = "alice:example-steward-token-0123456789"
_AUTH = {"Authorization": f"Bearer {STEWARD.split(':', 1)[1]}", "X-Steward": "Alice Example"}
_TURTLE = {"Content-Type": "text/turtle"}
_KEY = {"Idempotency-Key": "3f0c1e9a-0d7e-4c52-9a51-6b1f0e8d2c47"}
#: The request body example without its agent: /validate then has something to report.
NO_AGENT = EXAMPLE_BATCH.replace("    ag:agent actor:russia ;\n", "")
assert NO_AGENT != EXAMPLE_BATCH
#: In a path, the id of the batch committed by the request named ``batch-committed``.
BATCH_ID = "{batch_id}"

JSON = "application/json"
SPARQL_JSON = "application/sparql-results+json"


@dataclass(frozen=True)
class ExampleRequest:
    """A request whose answer is an example of ``operation``'s ``status`` answer in
    ``media_type``; sent in the order of :data:`REQUESTS`, to one app on the seed graph."""

    name: str
    summary: str
    operation: str  #: as "METHOD /path/{template}", as in the schema
    media_type: str
    path: str
    method: str = "GET"
    params: dict[str, str | int] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    status: int = 200
    #: Keys (anywhere in a JSON answer) whose values vary between runs: compared by type only.
    volatile: frozenset[str] = frozenset()

    @property
    def shown(self) -> str:
        """The request as a reader would repeat it (without the steward's token)."""
        query = f"?{urlencode(self.params, safe=':/,', quote_via=quote)}" if self.params else ""
        headers = [f"{k}: {v}" for k, v in self.headers.items() if k != "Authorization"]
        if "Authorization" in self.headers:
            headers.append("Authorization: Bearer <a steward's token>")
        head = f"`{self.method} {self.path}{query}`"
        return head + (f" with {', '.join(f'`{h}`' for h in headers)}" if headers else "")


def _sparql(media_type: str, query: str, name: str, what: str) -> list[ExampleRequest]:
    return [
        ExampleRequest(
            name=f"get-{name}",
            summary=what,
            operation="GET /sparql",
            media_type=media_type,
            path="/sparql",
            params={"query": query},
            headers={"Accept": media_type},
        ),
        ExampleRequest(
            name=f"post-{name}",
            summary=what,
            operation="POST /sparql",
            media_type=media_type,
            method="POST",
            path="/sparql",
            headers={"Content-Type": "application/sparql-query", "Accept": media_type},
            body=query,
        ),
    ]


_SELECT = "Actors per kind (the `kinds` query)"
_CONSTRUCT = "Everything said about the Taliban (the `construct` query)"
_EGO = "/actors/rex-tillerson/ego"

REQUESTS: tuple[ExampleRequest, ...] = (
    *_sparql(SPARQL_JSON, KINDS, "select-json", _SELECT),
    *_sparql("application/sparql-results+xml", KINDS, "select-xml", _SELECT),
    *_sparql("text/csv", KINDS, "select-csv", _SELECT),
    *_sparql("text/tab-separated-values", KINDS, "select-tsv", _SELECT),
    *_sparql("text/turtle", CONSTRUCT, "construct-turtle", _CONSTRUCT),
    *_sparql("application/n-triples", CONSTRUCT, "construct-ntriples", _CONSTRUCT),
    *_sparql("application/ld+json", CONSTRUCT, "construct-jsonld", _CONSTRUCT),
    *_sparql("application/rdf+xml", CONSTRUCT, "construct-rdfxml", _CONSTRUCT),
    ExampleRequest(
        name="actors-search",
        summary="Search by an alias",
        operation="GET /actors",
        media_type=JSON,
        path="/actors",
        params={"q": "kremlin", "limit": 3},
    ),
    ExampleRequest(
        name="ego-cytoscape",
        summary="Rex Tillerson's ties, as Cytoscape.js elements",
        operation="GET /actors/{actor}/ego",
        media_type=JSON,
        path=_EGO,
    ),
    ExampleRequest(
        name="ego-node-link",
        summary="The same, as node-link JSON",
        operation="GET /actors/{actor}/ego",
        media_type=NODE_LINK,
        path=_EGO,
        params={"format": "node-link"},
    ),
    ExampleRequest(
        name="ego-graphml",
        summary="The same, as GraphML",
        operation="GET /actors/{actor}/ego",
        media_type="application/graphml+xml",
        path=_EGO,
        headers={"Accept": "application/graphml+xml"},
    ),
    ExampleRequest(
        name="ego-gexf",
        summary="The same, as GEXF",
        operation="GET /actors/{actor}/ego",
        media_type="application/gexf+xml",
        path=_EGO,
        params={"format": "gexf"},
    ),
    ExampleRequest(
        name="actor",
        summary="Rex Tillerson, with his events",
        operation="GET /actors/{actor}",
        media_type=JSON,
        path="/actors/rex-tillerson",
    ),
    ExampleRequest(
        name="paths",
        summary="From Donald Trump to the Taliban",
        operation="GET /paths",
        media_type=JSON,
        path="/paths",
        params={"from": "Donald Trump", "to": "Taliban", "max_paths": 1, "max_evidence": 1},
    ),
    ExampleRequest(
        name="events",
        summary="Meetings Russia took part in, the first two",
        operation="GET /events",
        media_type=JSON,
        path="/events",
        params={"type": "Meeting", "actor": "Russia", "limit": 2},
    ),
    ExampleRequest(
        name="event",
        summary="One event in full: its date bounds, article, quote with offsets, and roles",
        operation="GET /events/{event}",
        media_type=JSON,
        path="/events/a003-taliban-assures-russia",
    ),
    ExampleRequest(
        name="article-text",
        summary="The text of an article, which evidence offsets count in",
        operation="GET /articles/{article}/text",
        media_type="text/plain",
        path="/articles/unknown-2016-russia-disengaging-us-afghanistan/text",
    ),
    ExampleRequest(
        name="stats",
        summary="The seed graph",
        operation="GET /stats",
        media_type=JSON,
        path="/stats",
    ),
    ExampleRequest(
        name="healthz",
        summary="Healthy",
        operation="GET /healthz",
        media_type=JSON,
        path="/healthz",
        volatile=frozenset({"query_workers", "query_workers_in_memory", "job_workers"}),
    ),
    ExampleRequest(
        name="extract-json",
        summary="Candidates from the request body's example, for review",
        operation="POST /extract",
        media_type=JSON,
        method="POST",
        path="/extract",
        params={"published": "2017-02-13"},
        headers={"Content-Type": "text/plain", "Accept": JSON},
        body=ARTICLE,
    ),
    ExampleRequest(
        name="extract-turtle",
        summary="The same candidates, as Turtle for /validate and /batches",
        operation="POST /extract",
        media_type="text/turtle",
        method="POST",
        path="/extract",
        params={"published": "2017-02-13"},
        headers={"Content-Type": "text/plain", "Accept": "text/turtle"},
        body=ARTICLE,
    ),
    ExampleRequest(
        name="validate-json",
        summary="The request body's example without its ag:agent: one violation",
        operation="POST /validate",
        media_type=JSON,
        method="POST",
        path="/validate",
        headers=_TURTLE,
        body=NO_AGENT,
    ),
    ExampleRequest(
        name="validate-turtle",
        summary="The same report, as an sh:ValidationReport",
        operation="POST /validate",
        media_type="text/turtle",
        method="POST",
        path="/validate",
        headers={**_TURTLE, "Accept": "text/turtle"},
        body=NO_AGENT,
    ),
    ExampleRequest(
        name="batch-committed",
        summary="The request body's example, committed",
        operation="POST /batches",
        media_type=JSON,
        method="POST",
        path="/batches",
        params={"source": "https://example.org/report", "comment": "talks on 1 March"},
        headers={**_TURTLE, **_AUTH, **_KEY},
        body=EXAMPLE_BATCH,
        status=201,
    ),
    ExampleRequest(
        name="batch-replayed",
        summary="The same request again (same Idempotency-Key): the batch committed then",
        operation="POST /batches",
        media_type=JSON,
        method="POST",
        path="/batches",
        params={"source": "https://example.org/report", "comment": "talks on 1 March"},
        headers={**_TURTLE, **_AUTH, **_KEY},
        body=EXAMPLE_BATCH,
    ),
    ExampleRequest(
        name="batches",
        summary="The batches, after that commit",
        operation="GET /batches",
        media_type=JSON,
        path="/batches",
    ),
    ExampleRequest(
        name="batch-json",
        summary="The batch: its record, and its triples in `content`",
        operation="GET /batches/{batch_id}",
        media_type=JSON,
        path=f"/batches/{BATCH_ID}",
    ),
    ExampleRequest(
        name="batch-turtle",
        summary="Its triples, as Turtle",
        operation="GET /batches/{batch_id}",
        media_type="text/turtle",
        path=f"/batches/{BATCH_ID}",
        headers={"Accept": "text/turtle"},
    ),
    ExampleRequest(
        name="batch-ntriples",
        summary="Its triples, as N-Triples",
        operation="GET /batches/{batch_id}",
        media_type="application/n-triples",
        path=f"/batches/{BATCH_ID}",
        headers={"Accept": "application/n-triples"},
    ),
    ExampleRequest(
        name="batch-retracted",
        summary="The batch, retracted",
        operation="DELETE /batches/{batch_id}",
        media_type=JSON,
        method="DELETE",
        path=f"/batches/{BATCH_ID}",
        params={"comment": "a duplicate"},
        headers={k: v for k, v in _AUTH.items() if k == "Authorization"},
    ),
)


def is_json(media_type: str) -> bool:
    """Whether answers in ``media_type`` are recorded decoded (as JSON) rather than as text."""
    return media_type == JSON or media_type.endswith("+json")


def send(client: Any, request: ExampleRequest, batch_id: str | None) -> Any:
    """Send ``request`` with ``client`` (a TestClient); the batch id fills ``{batch_id}``."""
    path = request.path
    if BATCH_ID in path:
        assert batch_id is not None, f"{request.name} comes after batch-committed"
        path = path.replace(BATCH_ID, batch_id)
    response = client.request(
        request.method, path, params=request.params, headers=request.headers, content=request.body
    )
    assert response.status_code == request.status, (request.name, response.text)
    answered = response.headers["content-type"].split(";")[0].strip()
    assert answered == request.media_type, (request.name, answered)
    return response


def record(client: Any) -> dict[str, Any]:
    """Every request of :data:`REQUESTS`, in order: name → the answer (JSON decoded, else text)."""
    answers: dict[str, Any] = {}
    batch_id: str | None = None
    for request in REQUESTS:
        response = send(client, request, batch_id)
        answers[request.name] = response.json() if is_json(request.media_type) else response.text
        if request.name == "batch-committed":
            batch_id = response.json()["id"]
    return answers


def attach(schema: dict[str, Any], answers: dict[str, Any] | None = None) -> None:
    """Put the recorded answers into ``schema`` as the ``examples`` of their operation's
    response and media type, replacing any hand-written ``example``.

    Raises:
        KeyError: a request names an operation, status or media type the schema does not have.
    """
    if answers is None:
        answers = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
    for request in REQUESTS:
        method, path = request.operation.split(" ", 1)
        response = schema["paths"][path][method.lower()]["responses"][str(request.status)]
        content = response["content"][request.media_type]
        content.pop("example", None)
        content.setdefault("examples", {})[request.name] = {
            "summary": request.summary,
            "description": f"The answer to {request.shown} on the seed graph.",
            "value": answers[request.name],
        }


def main() -> None:
    """Build the seed graph in a temporary directory, serve it, send :data:`REQUESTS`, and write
    the answers to ``api/examples.json``."""
    from fastapi.testclient import TestClient  # a dev dependency (httpx)

    from api.app import create_app
    from graph.build import build
    from graph.settings import Settings
    from graph.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(store_path=Path(tmp) / "store", steward_tokens=[SecretStr(STEWARD)])
        built = Store.open(Path(tmp) / "built")
        build(settings.seeds_path, built)
        built.checkpoint(settings.store_path)
        built.close()
        with TestClient(create_app(settings)) as client:
            answers = record(client)
    text = json.dumps(answers, indent=1, ensure_ascii=False) + "\n"
    EXAMPLES_FILE.write_text(text, encoding="utf-8")
    print(f"{len(answers)} examples written to {EXAMPLES_FILE}", file=sys.stderr)
