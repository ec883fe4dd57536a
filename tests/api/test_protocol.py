"""The W3C SPARQL 1.1 Protocol test suite's query tests, re-expressed against our data.

Source: ``sparql/sparql11/protocol/manifest.ttl`` in w3c/rdf-tests; each test is named after
its W3C id. The suite's ``data1.rdf``…``data3.rdf`` graphs become three graphs of our store, and
``<dataN.rdf> a ?type`` becomes a resource typed in graph N only (found by query, not hard-coded).
Where the suite checks that a dataset is used, we also check the converse (the graph left out
is not seen), so a union-everything endpoint cannot pass by accident. The update tests are out
of scope for a read-only endpoint: each is sent as written and must be refused with a 4xx.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rdflib import URIRef

from api.app import create_app
from api.runtime import Runtime
from graph.namespaces import graph_iri
from graph.settings import Settings
from graph.store import Store

ENDPOINT = "/sparql/"  # as the suite writes it, with the trailing slash
TABULAR = {
    "application/sparql-results+xml",
    "application/sparql-results+json",
    "text/tab-separated-values; charset=utf-8",
    "text/csv; charset=utf-8",
}
BOOLEAN = {"application/sparql-results+xml", "application/sparql-results+json"}
RDF = {
    "application/rdf+xml",
    "text/turtle; charset=utf-8",
    "application/n-triples",
    "application/ld+json",
}
FORM = {"content-type": "application/x-www-form-urlencoded"}
DIRECT = {"content-type": "application/sparql-query"}


@pytest.fixture(scope="module")
def app_client(seed_copy: Callable[[str], Path]) -> Iterator[tuple[TestClient, Store]]:
    app = create_app(Settings(store_path=seed_copy("protocol")))
    with TestClient(app) as client:
        runtime: Runtime = app.state.runtime
        yield client, runtime.store


@pytest.fixture(scope="module")
def client(app_client: tuple[TestClient, Store]) -> TestClient:
    return app_client[0]


@pytest.fixture(scope="module")
def data(app_client: tuple[TestClient, Store]) -> dict[str, str]:
    """data0…data3: graph IRIs; s1…s3: a resource typed in graph N and in no other graph."""
    store = app_client[1]
    article = next(g for g in store.named_graphs() if "/graph/article/" in g)
    graphs = [graph_iri("actors"), graph_iri("ontology"), article]
    out = {"data0": str(graph_iri("edges"))}
    for n, g in enumerate(graphs, start=1):
        [row] = store.query(
            "SELECT * WHERE { GRAPH ?g { ?s a ?t } FILTER(isIRI(?s)) "
            "FILTER NOT EXISTS { GRAPH ?other { ?s a ?any } FILTER(?other != ?g) } } ORDER BY ?s LIMIT 1",
            bindings={"g": g},
        ).rows()
        out[f"data{n}"], out[f"s{n}"] = str(g), str(row["s"])
    return out


def boolean(response: Any) -> bool:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] in BOOLEAN
    value: bool = response.json()["boolean"]
    return value


# ---------------------------------------------------------------------------------- query tests
def test_query_post_form(client: TestClient, data: dict[str, str]) -> None:
    r = client.post(
        ENDPOINT,
        params={"default-graph-uri": data["data0"]},
        content="query=ASK%20%7B%7D",
        headers=FORM,
    )
    assert boolean(r) is True


def two_typed(d: dict[str, str]) -> str:
    return f"ASK {{ <{d['s1']}> a ?type1 . <{d['s2']}> a ?type2 . }}"


def test_query_dataset_default_graphs_get(client: TestClient, data: dict[str, str]) -> None:
    both = [
        ("query", two_typed(data)),
        ("default-graph-uri", data["data1"]),
        ("default-graph-uri", data["data2"]),
    ]
    assert boolean(client.get(ENDPOINT, params=both)) is True
    assert boolean(client.get(ENDPOINT, params=both[:2])) is False


def test_query_dataset_default_graphs_post(client: TestClient, data: dict[str, str]) -> None:
    r = client.post(
        ENDPOINT,
        params=[("default-graph-uri", data["data1"]), ("default-graph-uri", data["data2"])],
        content=two_typed(data),
        headers=DIRECT,
    )
    assert boolean(r) is True
    r = client.post(
        ENDPOINT,
        params={"default-graph-uri": data["data2"]},
        content=two_typed(data),
        headers=DIRECT,
    )
    assert boolean(r) is False


def in_named(d: dict[str, str]) -> str:
    return f"ASK {{ GRAPH ?g1 {{ <{d['s1']}> a ?type1 }} GRAPH ?g2 {{ <{d['s2']}> a ?type2 }} }}"


def test_query_dataset_named_graphs_post(client: TestClient, data: dict[str, str]) -> None:
    named = [("named-graph-uri", data["data1"]), ("named-graph-uri", data["data2"])]
    assert (
        boolean(client.post(ENDPOINT, params=named, content=in_named(data), headers=DIRECT)) is True
    )
    assert (
        boolean(client.post(ENDPOINT, params=named[:1], content=in_named(data), headers=DIRECT))
        is False
    )


def test_query_dataset_named_graphs_get(client: TestClient, data: dict[str, str]) -> None:
    named = [("named-graph-uri", data["data1"]), ("named-graph-uri", data["data2"])]
    assert boolean(client.get(ENDPOINT, params=[("query", in_named(data)), *named])) is True
    assert boolean(client.get(ENDPOINT, params=[("query", in_named(data)), *named[1:]])) is False


def test_query_dataset_full(client: TestClient, data: dict[str, str]) -> None:
    query = (
        f"ASK {{\n  <{data['s3']}> a ?type3\n"
        f"  GRAPH ?g1 {{ <{data['s1']}> a ?type1 }}\n  GRAPH ?g2 {{ <{data['s2']}> a ?type2 }}\n}}"
    )
    dataset = [
        ("default-graph-uri", data["data3"]),
        ("named-graph-uri", data["data1"]),
        ("named-graph-uri", data["data2"]),
    ]
    assert boolean(client.post(ENDPOINT, params=dataset, content=query, headers=DIRECT)) is True
    without_default = dataset[1:]  # then the default graph is empty
    assert (
        boolean(client.post(ENDPOINT, params=without_default, content=query, headers=DIRECT))
        is False
    )


def test_query_multiple_dataset(client: TestClient, data: dict[str, str]) -> None:
    # The query names data3 with FROM; the protocol's named graphs win, so FROM is ignored.
    query = f"ASK FROM <{data['data3']}> {{ {in_named(data)[6:-2]} }}"
    named = [("named-graph-uri", data["data1"]), ("named-graph-uri", data["data2"])]
    assert boolean(client.post(ENDPOINT, params=named, content=query, headers=DIRECT)) is True
    s3 = f"ASK FROM <{data['data3']}> {{ <{data['s3']}> a ?type }}"
    assert boolean(client.post(ENDPOINT, content=s3, headers=DIRECT)) is True  # FROM alone is used
    assert boolean(client.post(ENDPOINT, params=named, content=s3, headers=DIRECT)) is False


def test_query_get(client: TestClient, data: dict[str, str]) -> None:
    assert (
        boolean(
            client.get(ENDPOINT, params={"query": "ASK {}", "default-graph-uri": data["data0"]})
        )
        is True
    )


def test_query_content_type_select(client: TestClient, data: dict[str, str]) -> None:
    r = client.post(
        ENDPOINT,
        params={"default-graph-uri": data["data0"]},
        content="SELECT (1 AS ?value) {}",
        headers=DIRECT,
    )
    assert r.status_code == 200
    assert r.headers["content-type"] in TABULAR
    assert r.json()["results"]["bindings"][0]["value"]["value"] == "1"


def test_query_content_type_ask(client: TestClient, data: dict[str, str]) -> None:
    r = client.post(
        ENDPOINT, params={"default-graph-uri": data["data0"]}, content="ASK {}", headers=DIRECT
    )
    assert r.status_code == 200
    assert r.headers["content-type"] in BOOLEAN


def test_query_content_type_describe(client: TestClient, data: dict[str, str]) -> None:
    r = client.post(
        ENDPOINT,
        params={"default-graph-uri": data["data0"]},
        content="DESCRIBE <http://example.org/>",
        headers=DIRECT,
    )
    assert r.status_code == 200
    assert r.headers["content-type"] in RDF


def test_query_content_type_construct(client: TestClient, data: dict[str, str]) -> None:
    # Relative IRIs: the endpoint is the base, as the protocol allows.
    r = client.post(
        ENDPOINT,
        params={"default-graph-uri": data["data0"]},
        content="CONSTRUCT { <s> <p> 1 } WHERE {}",
        headers=DIRECT,
    )
    assert r.status_code == 200
    assert r.headers["content-type"] in RDF
    assert "<http://testserver/s>" in r.text


def test_query_post_direct(client: TestClient) -> None:
    assert boolean(client.post(ENDPOINT, content="ASK {}", headers=DIRECT)) is True


# ------------------------------------------------------------------------------ malformed queries
def assert_4xx(response: Any) -> None:
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"]


def test_bad_query_method(client: TestClient, data: dict[str, str]) -> None:
    assert_4xx(
        client.put(
            ENDPOINT, params={"query": "ASK {}", "default-graph-uri": data["data0"]}, headers=FORM
        )
    )


def test_bad_multiple_queries(client: TestClient) -> None:
    assert_4xx(client.get(ENDPOINT, params=[("query", "ASK {}"), ("query", "SELECT * {}")]))


def test_bad_query_wrong_media_type(client: TestClient) -> None:
    assert_4xx(client.post(ENDPOINT, content="ASK {}", headers={"content-type": "text/plain"}))


def test_bad_query_missing_form_type(client: TestClient) -> None:
    assert_4xx(client.post(ENDPOINT, content="query=ASK%20%7B%7D"))


def test_bad_query_missing_direct_type(client: TestClient) -> None:
    assert_4xx(client.post(ENDPOINT, content="ASK {}"))


def test_bad_query_non_utf8(client: TestClient) -> None:
    body = "ASK {}".encode("utf-16")  # with a BOM, as the suite sends it
    assert body.startswith((b"\xff\xfe", b"\xfe\xff"))
    assert_4xx(
        client.post(
            ENDPOINT,
            content=body,
            headers={"content-type": "application/sparql-query; charset=UTF-16"},
        )
    )


def test_bad_query_syntax(client: TestClient) -> None:
    r = client.get(ENDPOINT, params={"query": "ASK {"})
    assert_4xx(r)
    assert r.json()["line"] == 1


def test_bad_update_get(client: TestClient) -> None:
    assert_4xx(client.get(ENDPOINT, params={"update": "CLEAR ALL"}))


# --------------------------------------------------------------- update tests: refused, read-only
K = "http://kasei.us/2009/09/sparql/data/"
UPDATES: dict[str, dict[str, Any]] = {
    "update_dataset_default_graph": {
        "params": {"using-graph-uri": K + "data1.rdf"},
        "content": "PREFIX foaf: <http://xmlns.com/foaf/0.1/>\nCLEAR ALL ;\nINSERT DATA { GRAPH <"
        + K
        + "data1.rdf> { <"
        + K
        + "data1.rdf> a foaf:Document } }",
        "headers": {"content-type": "application/sparql-update"},
    },
    "update_dataset_default_graphs": {
        "params": [("using-graph-uri", K + "data1.rdf"), ("using-graph-uri", K + "data2.rdf")],
        "content": "CLEAR ALL",
        "headers": {"content-type": "application/sparql-update"},
    },
    "update_dataset_named_graphs": {
        "params": [("using-named-graph-uri", K + "data1.rdf")],
        "content": "CLEAR ALL",
        "headers": {"content-type": "application/sparql-update"},
    },
    "update_dataset_full": {
        "params": [
            ("using-graph-uri", K + "data3.rdf"),
            ("using-named-graph-uri", K + "data1.rdf"),
        ],
        "content": "CLEAR ALL",
        "headers": {"content-type": "application/sparql-update"},
    },
    "update_post_form": {"content": "update=CLEAR+ALL", "headers": FORM},
    "update_post_direct": {
        "content": "CLEAR ALL",
        "headers": {"content-type": "application/sparql-update"},
    },
    "update_base_uri": {
        "content": "CLEAR GRAPH <http://example.org/protocol-base-test/> ;\n"
        "INSERT DATA { GRAPH <http://example.org/protocol-base-test/> { <http://example.org/s> <http://example.org/p> <test> } }",
        "headers": {"content-type": "application/sparql-update"},
    },
    "bad_multiple_updates": {
        "content": "update=CLEAR%20NAMED&update=CLEAR%20DEFAULT",
        "headers": FORM,
    },
    "bad_update_wrong_media_type": {
        "content": "CLEAR NAMED",
        "headers": {"content-type": "text/plain"},
    },
    "bad_update_missing_form_type": {"content": "update=CLEAR%20NAMED"},
    "bad_update_non_utf8": {
        "content": "CLEAR NAMED".encode("utf-16"),
        "headers": {"content-type": "application/sparql-update; charset=UTF-16"},
    },
    "bad_update_syntax": {"content": "update=CLEAR%20XYZ", "headers": FORM},
    "bad_update_dataset_conflict": {
        "params": {"using-named-graph-uri": "http://example/people"},
        "content": "PREFIX foaf: <http://xmlns.com/foaf/0.1/>\nWITH <http://example/addresses>\n"
        "DELETE { ?person foaf:givenName 'Bill' }\nINSERT { ?person foaf:givenName 'William' }\n"
        "WHERE { ?person foaf:givenName 'Bill' }",
        "headers": {"content-type": "application/sparql-update"},
    },
    # …and an update sent where a query goes
    "update_as_query_form": {"content": "query=CLEAR+ALL", "headers": FORM},
    "update_as_query_direct": {"content": "DROP ALL", "headers": DIRECT},
}


@pytest.mark.parametrize("request_kw", UPDATES.values(), ids=UPDATES.keys())
def test_update_operations_are_refused(
    app_client: tuple[TestClient, Store], request_kw: dict[str, Any]
) -> None:
    client, store = app_client
    before = len(store), store.graph_size(URIRef(str(graph_iri("actors"))))
    assert_4xx(client.post(ENDPOINT, **request_kw))
    assert (len(store), store.graph_size(URIRef(str(graph_iri("actors"))))) == before
