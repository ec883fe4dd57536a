"""POST /validate: the SHACL report of a batch in the context of the graph, and bad input."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from fastapi.testclient import TestClient
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import SH, XSD

from api.app import create_app
from api.routers.validate import EXAMPLE_BATCH
from graph.settings import Settings

LIMIT = 100_000
EVENT = URIRef("https://w3id.org/actorgraph/id/event/example-russia-pakistan-talks")
SEM_DATE = URIRef("http://semanticweb.cs.vu.nl/2009/11/sem/hasTimeStamp")
TURTLE = {"Content-Type": "text/turtle"}


@pytest.fixture(scope="module")
def client(seed_copy: Callable[[str], Path]) -> Iterator[TestClient]:
    settings = Settings(
        store_path=seed_copy("validate"),
        max_payload_bytes=LIMIT,
        anonymous_jobs="open",  # the rate per client has tests of its own (test_access.py)
    )
    app = create_app(settings)
    with TestClient(app) as c:
        yield c


def example() -> Graph:
    return Graph().parse(data=EXAMPLE_BATCH, format="turtle")


def broken() -> str:
    """The example without its agent and with a year where a day is required."""
    g = example()
    g.remove((EVENT, URIRef("https://w3id.org/actorgraph/ontology#agent"), None))
    g.set((EVENT, SEM_DATE, Literal("2017", datatype=XSD.gYear)))
    return g.serialize(format="turtle")


def store_size(client: TestClient) -> int:
    return len(client.app.state.runtime.store)  # type: ignore[attr-defined]


def test_the_openapi_example_conforms_in_the_context_of_the_graph(client: TestClient) -> None:
    before = store_size(client)
    r = client.post("/validate", content=EXAMPLE_BATCH, headers=TURTLE)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["conforms"] is True and body["results"] == []
    assert body["triples"] == len(example())
    assert body["derived_edges"] == 2  # metWith, both ways
    assert store_size(client) == before  # nothing written


def test_the_messages_speak_rdf_and_suggest_the_actor_meant(client: TestClient) -> None:
    """The README's steward mistakes: a misspelt actor id and no date. The messages name the RDF
    properties to write (not the YAML fields of the seeds) and the closest actor of the graph."""
    talks = EXAMPLE_BATCH.replace("actor:russia , actor:pakistan", "actor:russia , actor:pakistn")
    talks = talks.replace('    sem:hasTimeStamp "2017-03-01"^^xsd:date ;\n', "")
    assert talks.count("pakistn") == 1 and "hasTimeStamp" not in talks
    r = client.post("/validate", content=talks, headers=TURTLE)
    assert r.status_code == 200, r.text
    by_shape = {x["source_shape"]: x["message"] for x in r.json()["results"]}
    participant = by_shape["ags:EventShape-participant"]
    assert participant.endswith("Did you mean actor:pakistan (Pakistan)?")
    date = by_shape["ags:EventDateShape"]
    for term in ("sem:hasTimeStamp", "sem:hasEarliestBeginTimeStamp", "ag:dateNote"):
        assert term in date
    for message in by_shape.values():
        assert "`" not in message and "date_note" not in message and "registry" not in message


def test_a_batch_alone_would_not_conform() -> None:
    """The example refers to actors and an article of the graph: alone, it fails (sh:class)."""
    from graph.validate import validate

    assert not validate(example()).conforms


def test_results_say_where_what_and_why(client: TestClient) -> None:
    r = client.post("/validate", content=broken(), headers=TURTLE)
    assert r.status_code == 200
    body = r.json()
    assert body["conforms"] is False
    by_shape = {x["source_shape"]: x for x in body["results"]}
    agent = by_shape["ags:EventShape-agent"]
    assert agent["focus_node"] == str(EVENT)
    assert agent["result_path"] == "ag:agent"
    assert agent["severity"] == "Violation"
    assert "agent" in agent["message"]
    date = by_shape["ags:EventShape-timeStamp"]
    assert date["value"] == "2017" and "YYYY-MM-DD" in date["message"]


@pytest.mark.parametrize(
    ("params", "headers"),
    [({"format": "turtle"}, TURTLE), ({}, {**TURTLE, "Accept": "text/turtle"})],
)
def test_report_as_a_shacl_validation_report_in_turtle(
    client: TestClient, params: dict[str, str], headers: dict[str, str]
) -> None:
    r = client.post("/validate", content=broken(), headers=headers, params=params)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")
    report = Graph().parse(data=r.text, format="turtle")
    root = next(report.subjects(URIRef(str(SH) + "conforms"), None))
    assert report.value(root, URIRef(str(SH) + "conforms")) == Literal(False)
    as_json = client.post("/validate", content=broken(), headers=TURTLE).json()
    assert len(list(report.objects(root, SH.result))) == len(as_json["results"])


@pytest.mark.parametrize(
    ("media_type", "rdflib_format"),
    [
        ("application/n-triples", "nt"),
        ("application/n-quads", "nquads"),
        ("application/trig", "trig"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("text/turtle; charset=utf-8", "turtle"),
    ],
)
def test_every_rdf_format(client: TestClient, media_type: str, rdflib_format: str) -> None:
    if rdflib_format in ("nquads", "trig"):  # in a named graph, which the batch merges
        dataset = Dataset()
        named = dataset.graph(URIRef("https://example.org/submitted"))
        for t in example():
            named.add(t)
        body = dataset.serialize(format=rdflib_format)
    else:
        body = example().serialize(format=rdflib_format)
    r = client.post("/validate", content=body, headers={"Content-Type": media_type})
    assert r.status_code == 200, r.text
    assert r.json()["conforms"] is True
    assert r.json()["triples"] == len(example())


def problem(r: object) -> dict[str, object]:
    from httpx import Response

    assert isinstance(r, Response)
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert isinstance(body, dict)
    return body


def test_malformed_rdf_gets_400_with_line_and_column(client: TestClient) -> None:
    text = EXAMPLE_BATCH.replace('ag:datePrecision "day" ;', 'ag:datePrecision "day"')
    r = client.post("/validate", content=text, headers=TURTLE)
    assert r.status_code == 400
    body = problem(r)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "ag:quote" in s and "Russia" in s)
    assert body["line"] == line and isinstance(body["column"], int)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            EXAMPLE_BATCH.replace("@prefix sem:", "@prefix semx:"),
            "@prefix sem: <http://semanticweb.cs.vu.nl/2009/11/sem/> .",
        ),
        (EXAMPLE_BATCH.replace("actor:pakistan", "<pakistan>"), "relative IRI"),
        (
            EXAMPLE_BATCH.replace('"2017-03-01"^^xsd:date', '"2017-02-30"^^xsd:date'),
            "no such calendar day",
        ),
        (EXAMPLE_BATCH.replace('"2017-03-01"^^xsd:date', '"abc"^^xsd:date'), "YYYY-MM-DD"),
    ],
)
def test_mistakes_get_a_message_a_person_can_act_on(
    client: TestClient, text: str, words: str
) -> None:
    r = client.post("/validate", content=text, headers=TURTLE)
    assert r.status_code == 400
    body = problem(r)
    assert words in str(body["detail"])
    assert isinstance(body["line"], int) and isinstance(body["column"], int)


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/sparql-query", "text/turtle; charset=latin-1"]
)
def test_wrong_or_missing_content_type_is_415(client: TestClient, content_type: str | None) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    r = client.post("/validate", content=EXAMPLE_BATCH.encode(), headers=headers)
    assert r.status_code == 415
    assert "text/turtle" in str(problem(r)["detail"]) or "UTF-8" in str(problem(r)["detail"])


def test_over_the_size_limit_is_413_by_content_length(client: TestClient) -> None:
    padding = "# " + "x" * LIMIT + "\n"
    r = client.post("/validate", content=padding + EXAMPLE_BATCH, headers=TURTLE)
    assert r.status_code == 413
    assert f"{LIMIT:,}" in str(problem(r)["detail"])


def test_over_the_size_limit_is_413_when_streamed(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer encoding
        for _ in range(30):
            yield b"# " + b"x" * 10_000 + b"\n"

    r = client.post("/validate", content=chunks(), headers=TURTLE)
    assert r.status_code == 413


def test_empty_jsonld_says_why(client: TestClient) -> None:
    doc = {"@id": "relative", "name": "x"}
    r = client.post(
        "/validate", content=json.dumps(doc), headers={"Content-Type": "application/ld+json"}
    )
    assert r.status_code == 400
    assert "no triples" in str(problem(r)["detail"])


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        body = b'{"@context": {"name": "https://schema.org/name"}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/ld+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[str]:
    """A local HTTP server that serves a JSON-LD context and records every request."""
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/context.jsonld"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("nested", [False, True])
def test_remote_jsonld_contexts_are_never_fetched(
    client: TestClient, listener: str, nested: bool
) -> None:
    context: object = (
        [listener, {"ag": "https://w3id.org/actorgraph/ontology#"}] if nested else listener
    )
    doc = {"@context": context, "@id": "https://w3id.org/actorgraph/id/actor/x", "name": "X"}
    r = client.post(
        "/validate", content=json.dumps(doc), headers={"Content-Type": "application/ld+json"}
    )
    assert r.status_code == 400
    assert "never fetched" in str(problem(r)["detail"])
    assert _Recorder.hits == []
    from urllib.request import urlopen

    with urlopen(listener, timeout=5) as served:  # the listener works: a fetch would be recorded
        assert served.status == 200
    assert _Recorder.hits == ["/context.jsonld"]


def test_ontology_triples_are_refused(client: TestClient) -> None:
    text = EXAMPLE_BATCH + "\nag:Meeting rdfs:subClassOf ag:Accusation .\n"
    r = client.post("/validate", content=text, headers=TURTLE)
    assert r.status_code == 400
    assert "ontology" in str(problem(r)["detail"])


def test_unacceptable_report_format_is_406(client: TestClient) -> None:
    r = client.post("/validate", content=EXAMPLE_BATCH, headers={**TURTLE, "Accept": "image/png"})
    assert r.status_code == 406
    r = client.post("/validate", content=EXAMPLE_BATCH, headers=TURTLE, params={"format": "xml"})
    assert r.status_code == 406


@pytest.mark.parametrize(
    "body",
    [
        b"# caf\xe9\n<http://a.org/s> <http://a.org/p> <http://a.org/o> .",
        b'<http://a.org/s> <http://a.org/p> "caf\xe9" .',
    ],
    ids=["in-a-comment", "in-a-literal"],
)
def test_invalid_utf8_anywhere_is_400_with_where(client: TestClient, body: bytes) -> None:
    """A bad byte inside a Turtle comment was accepted (200)."""
    r = client.post("/validate", content=body, headers={"Content-Type": "text/turtle"})
    assert r.status_code == 400, r.text
    assert r.json()["line"] == 1 and "UTF-8" in r.json()["detail"]


def billion_laughs(levels: int = 8) -> bytes:
    entities = ['<!ENTITY a0 "lol">'] + [
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, levels)
    ]
    return (
        '<?xml version="1.0"?><!DOCTYPE rdf:RDF [' + "".join(entities) + "]>"
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:ex="http://example.org/"><rdf:Description rdf:about="http://example.org/s">'
        f"<ex:p>&a{levels - 1};</ex:p></rdf:Description></rdf:RDF>"
    ).encode()


@pytest.mark.parametrize(
    ("media_type", "body", "status", "words"),
    [
        ("application/rdf+xml", billion_laughs(), 400, "DOCTYPE and ENTITY declarations"),
        (
            "application/ld+json",
            ('{"@id":"http://a.org/s","http://a.org/p":' * 2000 + '"x"' + "}" * 2000).encode(),
            413,
            "ACTORGRAPH_MAX_NESTING_DEPTH",
        ),
        (
            "application/rdf+xml",
            (
                '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                'xmlns:ex="http://a.org/">'
                + "<rdf:Description><ex:p>" * 1_500
                + "</ex:p></rdf:Description>" * 1_500
                + "</rdf:RDF>"
            ).encode(),
            413,
            "ACTORGRAPH_MAX_NESTING_DEPTH",
        ),
    ],
    ids=["billion-laughs", "jsonld-2000-deep", "rdfxml-1500-deep"],  # under this app's size cap
)
def test_bombs_are_refused_before_parsing_and_the_service_lives_on(
    client: TestClient, media_type: str, body: bytes, status: int, words: str
) -> None:
    """These killed the API process (OOM, segfault) or stalled it for minutes."""
    r = client.post("/validate", content=body, headers={"Content-Type": media_type})
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert words in r.json()["detail"]
    assert client.get("/healthz").status_code == 200
