"""Real SPARQL clients (SPARQLWrapper, rdflib's SPARQLStore) against a real ``uvicorn`` process.

The server answers from a copy of the session's seed store; the expected answers come from the
session's store itself, so nothing here is hard-coded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.dom.minidom import Document

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, POST, POSTDIRECTLY, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from graph.namespaces import PREFIXES, RDFS, graph_iri
from graph.store import Store
from tests.servers import uvicorn

pytestmark = pytest.mark.slow

STATES = "SELECT ?s WHERE { ?s a ag:State } ORDER BY ?s"
RUSSIA = URIRef(PREFIXES["actor"] + "russia")
TALIBAN = URIRef(PREFIXES["actor"] + "taliban")


@pytest.fixture(scope="module")
def endpoint(seed_copy: Callable[[str], Path]) -> Iterator[str]:
    """``uvicorn --factory api.app:factory`` on a free port, stopped at the end of the module."""
    store = seed_copy("uvicorn")
    with uvicorn(store, store.with_name("server.log")) as base:
        yield f"{base}/sparql"


def states(store: Store) -> list[str]:
    return [str(r["s"]) for r in store.query(STATES).rows()]


# ------------------------------------------------------------------------------- SPARQLWrapper
def test_sparqlwrapper_select_json(endpoint: str, store: Store) -> None:
    sw = SPARQLWrapper(endpoint)
    sw.setQuery(STATES)
    sw.setReturnFormat(JSON)
    result = sw.query().convert()
    assert isinstance(result, dict)
    assert [b["s"]["value"] for b in result["results"]["bindings"]] == states(store)


def test_sparqlwrapper_select_xml_by_post(endpoint: str, store: Store) -> None:
    sw = SPARQLWrapper(endpoint)
    sw.setQuery(STATES)
    sw.setMethod(POST)
    sw.setReturnFormat(XML)
    doc = sw.query().convert()
    assert isinstance(doc, Document)
    uris = [
        "".join(n.nodeValue or "" for n in u.childNodes) for u in doc.getElementsByTagName("uri")
    ]
    assert uris == states(store)


def test_sparqlwrapper_ask_posted_directly(endpoint: str) -> None:
    sw = SPARQLWrapper(endpoint)
    sw.setQuery("ASK { actor:john-nicholson ag:accused actor:russia }")
    sw.setMethod(POST)
    sw.setRequestMethod(POSTDIRECTLY)
    sw.setReturnFormat(JSON)
    result = sw.query().convert()
    assert isinstance(result, dict)
    assert result["boolean"] is True


def test_sparqlwrapper_construct_turtle(endpoint: str, store: Store) -> None:
    query = "CONSTRUCT { actor:taliban ?p ?o } WHERE { actor:taliban ?p ?o }"
    sw = SPARQLWrapper(endpoint)
    sw.setQuery(query)
    sw.setReturnFormat(TURTLE)
    data = sw.query().convert()
    assert isinstance(data, bytes)
    g = Graph().parse(data=data, format="turtle")
    assert len(g) == len(list(store.query(query).triples())) > 0


def test_sparqlwrapper_construct_rdfxml_as_a_graph(endpoint: str) -> None:
    sw = SPARQLWrapper(endpoint)
    sw.setQuery("CONSTRUCT WHERE { actor:russia rdfs:label ?l }")
    sw.setReturnFormat(XML)
    g = sw.query().convert()
    assert isinstance(g, Graph)
    assert (RUSSIA, RDFS.label, Literal("Russia", lang="en")) in g


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
def test_sparqlstore_query(endpoint: str, store: Store) -> None:
    remote = SPARQLStore(query_endpoint=endpoint)
    rows = remote.query(f"PREFIX ag: <{PREFIXES['ag']}> {STATES}")
    assert [str(row[0]) for row in rows] == states(store)  # type: ignore[index]
    assert remote.query("ASK { actor:taliban ?p ?o }").askAnswer is True


def test_sparqlstore_triples(endpoint: str, store: Store) -> None:
    remote = SPARQLStore(query_endpoint=endpoint)
    got = {(s, p, o) for (s, p, o), _ in remote.triples((TALIBAN, None, None))}
    expected = set(
        store.query("CONSTRUCT { actor:taliban ?p ?o } WHERE { actor:taliban ?p ?o }").triples()
    )
    assert got == expected


def test_sparqlstore_as_a_named_graph(endpoint: str) -> None:
    # rdflib's documented use: a Graph whose identifier is a graph of the endpoint.
    actors = Graph("SPARQLStore", identifier=graph_iri("actors"))
    actors.open(endpoint)
    assert actors.value(RUSSIA, RDFS.label) == Literal("Russia", lang="en")
    edges = Graph("SPARQLStore", identifier=graph_iri("edges"))
    edges.open(endpoint)
    assert edges.value(RUSSIA, RDFS.label) is None  # labels live in the actors graph only


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
