"""Real SPARQL clients (SPARQLWrapper, rdflib's SPARQLStore, curl) against a real ``uvicorn`` process.

The server answers from a copy of the session's seed store; the expected answers come from the
session's store itself, so nothing here is hard-coded. These tests back the README's "any SPARQL
client works unchanged": every return format SPARQLWrapper has, for SELECT, ASK and CONSTRUCT, by
GET, POST (URL-encoded) and POST (the query as the body), parsed by SPARQLWrapper's own
``convert()``.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.dom.minidom import Document

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDF,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from graph.namespaces import PREFIXES, RDFS, graph_iri
from graph.store import Store
from tests.servers import uvicorn

pytestmark = pytest.mark.slow

STATES = "SELECT ?s WHERE { ?s a ag:State } ORDER BY ?s"
ASK = "ASK { actor:john-nicholson ag:accused actor:russia }"
TALIBAN_SAID = "CONSTRUCT { actor:taliban ?p ?o } WHERE { actor:taliban ?p ?o }"
RUSSIA = URIRef(PREFIXES["actor"] + "russia")
TALIBAN = URIRef(PREFIXES["actor"] + "taliban")

SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"
TEXT_CSV = "text/csv"
TEXT_TSV = "text/tab-separated-values"
TEXT_TURTLE = "text/turtle"
RDF_XML = "application/rdf+xml"
JSON_LD = "application/ld+json"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def endpoint(seed_copy: Callable[[str], Path]) -> Iterator[str]:
    """``uvicorn --factory api.app:factory`` on a free port, stopped at the end of the module."""
    store = seed_copy("uvicorn")
    with uvicorn(store, store.with_name("server.log")) as base:
        yield f"{base}/sparql"


def states(store: Store) -> list[str]:
    return [str(r["s"]) for r in store.query(STATES).rows()]


def taliban_said(store: Store) -> Graph:
    g = Graph()
    for triple in store.query(TALIBAN_SAID).triples():
        g.add(triple)
    assert len(g) > 0
    return g


# ------------------------------------------------------------------------------- SPARQLWrapper
QUERIES = {"SELECT": STATES, "ASK": ASK, "CONSTRUCT": TALIBAN_SAID}
#: Every return format SPARQLWrapper 2 knows (its _allowedFormats).
RETURN_FORMATS = [JSON, XML, TURTLE, N3, RDF, RDFXML, JSONLD, CSV, TSV]
#: HTTP method and how the query travels: in the URL, a URL-encoded form, or the body itself.
METHODS = {
    "GET": (GET, URLENCODED),
    "POST": (POST, URLENCODED),
    "POST-directly": (POST, POSTDIRECTLY),
}


def expected_media_type(form: str, fmt: str) -> str:
    """What the server must answer: the format asked for when the query form has it, else the
    form's default. SPARQLWrapper then sends ``Accept: */*`` (and ``format=<fmt>``, which the
    server ignores for that form) and reads whatever comes back."""
    if form == "CONSTRUCT":
        graphs = {TURTLE: TEXT_TURTLE, N3: TEXT_TURTLE, XML: RDF_XML, RDF: RDF_XML, RDFXML: RDF_XML}
        return {**graphs, JSONLD: JSON_LD, JSON: JSON_LD}.get(fmt, TEXT_TURTLE)
    return {JSON: SPARQL_JSON, XML: SPARQL_XML, CSV: TEXT_CSV, TSV: TEXT_TSV}.get(fmt, SPARQL_JSON)


def selected(converted: Any, media_type: str) -> list[str]:
    """The ?s column of a SELECT, from what ``convert()`` made of each results format."""
    if media_type == SPARQL_JSON:
        assert isinstance(converted, dict)
        return [b["s"]["value"] for b in converted["results"]["bindings"]]
    if media_type == SPARQL_XML:
        assert isinstance(converted, Document)
        return [
            "".join(n.nodeValue or "" for n in u.childNodes)
            for u in converted.getElementsByTagName("uri")
        ]
    assert isinstance(converted, bytes)
    text = converted.decode("utf-8")
    if media_type == TEXT_CSV:
        return [row["s"] for row in csv.DictReader(io.StringIO(text))]
    assert media_type == TEXT_TSV
    header, *rows = text.splitlines()
    assert header == "?s"
    return [row.removeprefix("<").removesuffix(">") for row in rows]


def answered(converted: Any, media_type: str) -> bool:
    """The boolean of an ASK."""
    if media_type == SPARQL_JSON:
        assert isinstance(converted, dict)
        return bool(converted["boolean"])
    if media_type == SPARQL_XML:
        assert isinstance(converted, Document)
        (node,) = converted.getElementsByTagName("boolean")
        return "".join(n.nodeValue or "" for n in node.childNodes) == "true"
    assert media_type in (TEXT_CSV, TEXT_TSV) and isinstance(converted, bytes)
    assert converted.strip() in (b"true", b"false")
    return converted.strip() == b"true"


def constructed(converted: Any, media_type: str) -> Graph:
    """The triples of a CONSTRUCT: SPARQLWrapper parses RDF/XML and JSON-LD into a graph itself
    and hands Turtle (N3) over as bytes."""
    if media_type == TEXT_TURTLE:
        assert isinstance(converted, bytes)
        return Graph().parse(data=converted, format="turtle")
    assert media_type in (RDF_XML, JSON_LD) and isinstance(converted, Graph)
    g = Graph()
    for triple in converted.triples((None, None, None)):
        g.add(triple)
    return g


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", RETURN_FORMATS)
@pytest.mark.parametrize("form", QUERIES)
def test_sparqlwrapper_every_return_format(
    endpoint: str, store: Store, form: str, fmt: str, method: str
) -> None:
    sw = SPARQLWrapper(endpoint)
    sw.setQuery(QUERIES[form])
    sw.setReturnFormat(fmt)
    sw.setMethod(METHODS[method][0])
    sw.setRequestMethod(METHODS[method][1])
    with warnings.catch_warnings():
        # SPARQLWrapper warns when it sends Accept: */* (no media type of its own for this form),
        # and when the answer is in another format than the one it named: both are expected here
        warnings.simplefilter("ignore", RuntimeWarning)
        result = sw.query()
        media_type = result.info()["content-type"].split(";")[0].strip()
        converted = result.convert()
    assert media_type == expected_media_type(form, fmt)
    if form == "SELECT":
        assert selected(converted, media_type) == states(store)
    elif form == "ASK":
        assert answered(converted, media_type) is True
    else:
        assert isomorphic(constructed(converted, media_type), taliban_said(store))


def test_sparqlwrapper_asks_for_what_it_gets() -> None:
    """What the matrix above relies on: SPARQLWrapper 2 names the format three ways, with values
    the server must read (``n3``, ``rdf+xml``, ``json-ld``, a comma list of media types)."""
    sw = SPARQLWrapper("http://localhost/sparql")
    sw.setQuery(TALIBAN_SAID)
    sw.setReturnFormat(JSONLD)
    request = sw._createRequest()
    assert "format=json-ld&format=application/ld%2Bjson%2Capplication/x-json%2Bld" in (
        request.full_url
    )
    assert "output=json-ld" in request.full_url and "results=json-ld" in request.full_url
    sw.setReturnFormat(N3)
    assert "format=n3" in sw._createRequest().full_url


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://169.254.169.254/latest/meta-data/> { ?s ?p ?o } }",
        "INSERT DATA { <http://example.org/a> <http://example.org/b> 'c' }",
    ],
    ids=["service", "update"],
)
def test_sparqlwrapper_sees_refusals_as_bad_queries(endpoint: str, query: str) -> None:
    sw = SPARQLWrapper(endpoint)
    sw.setQuery(query)
    sw.setReturnFormat(JSON)
    sw.setMethod(POST)
    with pytest.raises(QueryBadFormed, match=r"SSRF|read-only"):
        sw.query()


# ------------------------------------------------------------------------- rdflib SPARQLStore
STORE_METHODS = ["GET", "POST", "POST_FORM"]  # in the URL, as the body, as a form


@pytest.mark.parametrize("return_format", ["xml", "json", "csv", "tsv"])
@pytest.mark.parametrize("method", STORE_METHODS)
def test_sparqlstore_select_and_ask(
    endpoint: str, store: Store, method: str, return_format: str
) -> None:
    remote = SPARQLStore(query_endpoint=endpoint, method=method, returnFormat=return_format)
    rows = remote.query(f"PREFIX ag: <{PREFIXES['ag']}> {STATES}")
    assert [str(row[0]) for row in rows] == states(store)  # type: ignore[index]
    if return_format in ("xml", "json"):  # rdflib reads no boolean from CSV or TSV
        assert remote.query(ASK).askAnswer is True
        assert remote.query("ASK { actor:russia ag:accused actor:russia }").askAnswer is False


@pytest.mark.parametrize("method", STORE_METHODS)
def test_sparqlstore_construct(endpoint: str, store: Store, method: str) -> None:
    # rdflib's default (returnFormat xml) accepts application/rdf+xml for graphs
    remote = SPARQLStore(query_endpoint=endpoint, method=method)
    graph = remote.query(TALIBAN_SAID).graph
    assert graph is not None and isomorphic(graph, taliban_said(store))


def test_sparqlstore_triples(endpoint: str, store: Store) -> None:
    remote = SPARQLStore(query_endpoint=endpoint)
    got = {(s, p, o) for (s, p, o), _ in remote.triples((TALIBAN, None, None))}
    expected = set(store.query(TALIBAN_SAID).triples())
    assert got == expected


def test_sparqlstore_as_a_named_graph(endpoint: str) -> None:
    # rdflib's documented use: a Graph whose identifier is a graph of the endpoint.
    actors = Graph("SPARQLStore", identifier=graph_iri("actors"))
    actors.open(endpoint)
    assert actors.value(RUSSIA, RDFS.label) == Literal("Russia", lang="en")
    edges = Graph("SPARQLStore", identifier=graph_iri("edges"))
    edges.open(endpoint)
    assert edges.value(RUSSIA, RDFS.label) is None  # labels live in the actors graph only


# ------------------------------------------------------------------------------------ curl
@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize(
    ("query", "media_type"),
    [
        (STATES, SPARQL_XML),  # application/xml;q=0.9 names XML results, before */*;q=0.8
        (ASK, SPARQL_XML),
        (TALIBAN_SAID, RDF_XML),
        (None, RDF_XML),  # the service description
    ],
    ids=["select", "ask", "construct", "service-description"],
)
def test_curl_with_a_browsers_accept(endpoint: str, query: str | None, media_type: str) -> None:
    data = ["--data-urlencode", f"query={query}"] if query else []
    out = subprocess.run(
        [
            "curl",
            "-sS",
            "-G",
            endpoint,
            *data,
            "-H",
            f"Accept: {BROWSER}",
            "-w",
            "\n%{http_code} %{content_type}",
        ],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    body, _, trailer = out.rpartition(b"\n")
    status, _, content_type = trailer.decode().partition(" ")
    assert status == "200", body
    assert content_type.split(";")[0] == media_type  # it says what it is…
    if media_type == SPARQL_XML:  # …and it is that
        root = ET.fromstring(body)
        assert root.tag == "{http://www.w3.org/2005/sparql-results#}sparql"
    else:
        assert len(Graph().parse(data=body, format="xml")) > 0


def test_a_large_result_arrives_whole_over_uvicorn(endpoint: str, store: Store) -> None:
    """Thousands of rows (~1 MB): the reply crosses the worker's pipe in many reads. (uvloop once
    left that pipe non-blocking, and replies beyond one read failed as a dead worker: 503.)"""
    query = (
        "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER (!isBlank(?s) && !isBlank(?o)) } "
        "ORDER BY ?s ?p ?o LIMIT 9000"
    )
    wrapper = SPARQLWrapper(endpoint)
    wrapper.setQuery(query)
    wrapper.setReturnFormat(JSON)
    rows: list[dict[str, dict[str, str]]] = []
    for _ in range(3):  # both workers, and again
        result: Any = wrapper.queryAndConvert()
        rows = result["results"]["bindings"]
        assert len(rows) == 9000
    expected = [str(r["o"]) for r in store.query(query).rows()]
    assert [r["o"]["value"] for r in rows] == expected
