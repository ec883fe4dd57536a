"""Real SPARQL clients (SPARQLWrapper, rdflib's SPARQLStore) against a real ``uvicorn`` process.

The server builds its own store from the seeds; the expected answers come from the session's
store built from the same seeds, so nothing here is hard-coded.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.request import urlopen
from xml.dom.minidom import Document

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, POST, POSTDIRECTLY, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from graph.namespaces import PREFIXES, RDFS, graph_iri
from graph.settings import PROJECT_ROOT
from graph.store import Store

pytestmark = pytest.mark.slow

STATES = "SELECT ?s WHERE { ?s a ag:State } ORDER BY ?s"
RUSSIA = URIRef(PREFIXES["actor"] + "russia")
TALIBAN = URIRef(PREFIXES["actor"] + "taliban")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``uvicorn --factory api.app:factory`` on a free port, stopped at the end of the module."""
    tmp = tmp_path_factory.mktemp("uvicorn")
    port = free_port()
    env = {**os.environ, "ACTORGRAPH_STORE_PATH": str(tmp / "store")}
    log = (tmp / "server.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "api.app:factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, server, tmp / "server.log")
        yield f"{base}/sparql"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def wait_until_up(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120  # builds the store from the seeds first
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"uvicorn exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        for path in ("/healthz", "/sparql"):
            try:
                with urlopen(base + path, timeout=2) as r:
                    if r.status == 200:
                        return
            except (URLError, ConnectionError, TimeoutError):
                pass
        time.sleep(0.25)
    pytest.fail(f"uvicorn did not answer within 120 s:\n{log.read_text()[-3000:]}")


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
