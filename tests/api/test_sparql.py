"""``/sparql`` through real HTTP (TestClient) on a store built from the seeds."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef

from api.app import create_app
from api.runtime import Runtime
from graph.errors import InvalidInput
from graph.namespaces import graph_iri
from graph.settings import Settings
from graph.store import Store
from tests.workerfns import FUNCTIONS, Gate

SD = "http://www.w3.org/ns/sparql-service-description#"
ACTORS = str(graph_iri("actors"))
EDGES = str(graph_iri("edges"))
MAX_ROWS = 500
MAX_LENGTH = 2_000
MAX_PAYLOAD = 50_000
#: The time limit of the app that tests it; the other tests run under the default (10 s), so no
#: ordinary query is cut short on a loaded machine.
TIMEOUT = 1.0
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
STATES = "SELECT ?s WHERE { ?s a ag:State } ORDER BY ?s"
TALIBAN = "CONSTRUCT { actor:taliban ?p ?o } WHERE { actor:taliban ?p ?o }"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def client(seed_copy: Callable[[str], Path]) -> Iterator[TestClient]:
    settings = Settings(
        store_path=seed_copy("api-sparql"),
        max_result_rows=MAX_ROWS,
        max_query_length=MAX_LENGTH,
        max_payload_bytes=MAX_PAYLOAD,
    )
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture(scope="module")
def store(client: TestClient) -> Store:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime.store


def states(store: Store) -> list[str]:
    return [str(r["s"]) for r in store.query(STATES).rows()]


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


# ----------------------------------------------------------------------------- the three ways
def test_get_select_answers_sparql_json_by_default(client: TestClient, store: Store) -> None:
    r = client.get("/sparql", params={"query": STATES})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/sparql-results+json"
    assert "Accept" in r.headers["vary"]
    body = r.json()
    assert body["head"]["vars"] == ["s"]
    assert [b["s"]["value"] for b in body["results"]["bindings"]] == states(store)


def test_post_form_and_post_direct_answer_the_same(client: TestClient) -> None:
    get = client.get("/sparql", params={"query": STATES}).content
    form = client.post("/sparql", data={"query": STATES})
    direct = client.post(
        "/sparql", content=STATES.encode(), headers={"content-type": "application/sparql-query"}
    )
    assert form.status_code == direct.status_code == 200
    assert form.content == direct.content == get


def test_a_charset_of_utf8_is_accepted(client: TestClient) -> None:
    r = client.post(
        "/sparql",
        content=b"ASK { ?s rdfs:label 'Russia'@en }",
        headers={"content-type": "application/sparql-query; charset=UTF-8"},
    )
    assert r.json() == {"head": {}, "boolean": True}


# ------------------------------------------------------------------------- content negotiation
@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv; charset=utf-8"),
        ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
        ("application/json", "application/sparql-results+json"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("text/*", "text/csv; charset=utf-8"),
        ("*/*", "application/sparql-results+json"),
        ("text/html, application/xml;q=0.9, */*;q=0.8", "application/sparql-results+xml"),
    ],
)
def test_select_negotiates_with_q_values(client: TestClient, accept: str, media_type: str) -> None:
    r = client.get("/sparql", params={"query": STATES}, headers={"accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"] == media_type


def test_every_results_format_carries_the_same_rows(client: TestClient, store: Store) -> None:
    expected = states(store)

    def fetch(accept: str) -> str:
        text: str = client.get("/sparql", params={"query": STATES}, headers={"accept": accept}).text
        return text

    xml = ET.fromstring(fetch("application/sparql-results+xml"))
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    assert [u.text for u in xml.findall(".//r:uri", ns)] == expected
    assert [row["s"] for row in csv.DictReader(io.StringIO(fetch("text/csv")))] == expected
    assert fetch("text/tab-separated-values").splitlines()[1:] == [f"<{s}>" for s in expected]


@pytest.mark.parametrize(
    ("accept", "media_type", "rdflib_format"),
    [
        (None, "text/turtle; charset=utf-8", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/rdf+xml;q=0.5, text/turtle;q=0.4", "application/rdf+xml", "xml"),
    ],
)
def test_construct_negotiates_rdf(
    client: TestClient, store: Store, accept: str | None, media_type: str, rdflib_format: str
) -> None:
    headers = {"accept": accept} if accept else {}
    r = client.get("/sparql", params={"query": TALIBAN}, headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"] == media_type
    g = Graph().parse(data=r.content, format=rdflib_format)
    assert len(g) == len(list(store.query(TALIBAN).triples())) > 0


def test_describe_is_rdf_too(client: TestClient) -> None:
    r = client.get(
        "/sparql",
        params={"query": "DESCRIBE actor:russia"},
        headers={"accept": "application/n-triples"},
    )
    assert r.headers["content-type"] == "application/n-triples"
    assert "<https://w3id.org/actorgraph/id/actor/russia>" in r.text


def test_ask_answers_json_and_xml(client: TestClient) -> None:
    ask = "ASK { actor:john-nicholson ag:accused actor:russia }"
    assert client.get("/sparql", params={"query": ask}).json() == {"head": {}, "boolean": True}
    r = client.get(
        "/sparql", params={"query": ask}, headers={"accept": "application/sparql-results+xml"}
    )
    assert "<boolean>true</boolean>" in r.text


@pytest.mark.parametrize(
    ("query", "fmt", "media_type"),
    [
        (STATES, "csv", "text/csv; charset=utf-8"),
        (STATES, "tsv", "text/tab-separated-values; charset=utf-8"),
        (STATES, "xml", "application/sparql-results+xml"),
        (TALIBAN, "ntriples", "application/n-triples"),
        (TALIBAN, "jsonld", "application/ld+json"),
        (TALIBAN, "application/rdf+xml", "application/rdf+xml"),
    ],
)
def test_format_parameter_overrides_accept(
    client: TestClient, query: str, fmt: str, media_type: str
) -> None:
    r = client.get(
        "/sparql", params={"query": query, "format": fmt}, headers={"accept": "application/json"}
    )
    assert r.headers["content-type"] == media_type


@pytest.mark.parametrize(
    ("query", "headers", "params"),
    [
        (STATES, {"accept": "image/png"}, {}),
        (STATES, {"accept": "text/turtle"}, {}),
        (TALIBAN, {"accept": "text/csv"}, {}),
        (STATES, {"accept": "application/sparql-results+json;q=0, text/csv;q=0"}, {}),
        # format= that does not fit is ignored (below), so only when Accept does not fit either
        (TALIBAN, {"accept": "text/csv"}, {"format": "csv"}),
        (STATES, {"accept": "image/png"}, {"format": "yaml"}),
    ],
)
def test_nothing_acceptable_is_406(
    client: TestClient, query: str, headers: dict[str, str], params: dict[str, str]
) -> None:
    body = problem(client.get("/sparql", params={"query": query, **params}, headers=headers), 406)
    assert "available" in body["detail"] and "format=" in body["detail"]


@pytest.mark.parametrize(
    ("query", "params", "media_type"),
    [
        # short names other clients send (SPARQLWrapper: format=, output= and results= alike)
        (TALIBAN, {"format": "n3"}, "text/turtle; charset=utf-8"),  # Turtle is valid N3
        (TALIBAN, {"output": "rdf+xml"}, "application/rdf+xml"),
        (TALIBAN, {"results": "json-ld"}, "application/ld+json"),
        (TALIBAN, {"format": "json"}, "application/ld+json"),
        (TALIBAN, {"format": "xml"}, "application/rdf+xml"),
        (TALIBAN, {"format": "rdf"}, "application/rdf+xml"),
        (STATES, {"output": "json"}, "application/sparql-results+json"),
        (STATES, {"results": "XML"}, "application/sparql-results+xml"),
        # media types, aliases and comma lists: the first that fits
        (TALIBAN, {"format": "application/ld+json,application/x-json+ld"}, "application/ld+json"),
        (TALIBAN, {"format": "text/n3"}, "text/turtle; charset=utf-8"),
        (
            STATES,
            {"format": "text/tab-separated-values"},
            "text/tab-separated-values; charset=utf-8",
        ),
        (STATES, {"format": "rdf+xml, text/csv"}, "text/csv; charset=utf-8"),
        (
            STATES,
            {"format": ["tsv", "text/tab-separated-values"]},
            "text/tab-separated-values; charset=utf-8",
        ),
        (STATES, {"format": ["", "yaml"], "output": "csv"}, "text/csv; charset=utf-8"),
    ],
)
def test_format_names_clients_use(
    client: TestClient, query: str, params: dict[str, Any], media_type: str
) -> None:
    r = client.get("/sparql", params={"query": query, **params}, headers={"accept": "*/*"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == media_type


@pytest.mark.parametrize(
    ("query", "fmt", "accept", "media_type"),
    [
        # not a format of this query form: Accept decides (SPARQLWrapper asks SELECT as N3…)
        (STATES, "n3", "*/*", "application/sparql-results+json"),
        (STATES, "turtle", "text/csv", "text/csv; charset=utf-8"),
        (TALIBAN, "csv", "application/n-triples", "application/n-triples"),
        (TALIBAN, "tsv", None, "text/turtle; charset=utf-8"),
        # not a format at all
        (STATES, "yaml", None, "application/sparql-results+json"),
        (
            STATES,
            "<script>alert(1)</script>",
            "application/sparql-results+xml",
            "application/sparql-results+xml",
        ),
        (TALIBAN, "", "application/ld+json", "application/ld+json"),
    ],
)
def test_a_format_that_does_not_fit_falls_back_to_accept(
    client: TestClient, query: str, fmt: str, accept: str | None, media_type: str
) -> None:
    headers = {"accept": accept} if accept else {}
    r = client.get("/sparql", params={"query": query, "format": fmt}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == media_type


def test_form_fields_name_the_format_too(client: TestClient) -> None:
    r = client.post("/sparql", data={"query": STATES, "output": "csv"})
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    # the query string's comes first; one that does not fit gives way to the form's
    r = client.post("/sparql", params={"format": "tsv"}, data={"query": STATES, "format": "csv"})
    assert r.headers["content-type"] == "text/tab-separated-values; charset=utf-8"
    r = client.post("/sparql", params={"format": "n3"}, data={"query": STATES, "format": "csv"})
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    r = client.post(
        "/sparql",
        params={"format": "n3"},
        content=TALIBAN,
        headers={"content-type": "application/sparql-query", "accept": "application/n-triples"},
    )
    assert r.headers["content-type"] == "text/turtle; charset=utf-8"


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("text/n3", "text/turtle; charset=utf-8"),
        ("application/x-turtle", "text/turtle; charset=utf-8"),
        ("application/x-json+ld", "application/ld+json"),
        ("application/json", "application/ld+json"),
        ("text/xml", "application/rdf+xml"),
    ],
)
def test_construct_answers_other_names_of_its_formats(
    client: TestClient, accept: str, media_type: str
) -> None:
    r = client.get("/sparql", params={"query": TALIBAN}, headers={"accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == media_type


# ----------------------------------------------------------------------------------- datasets
def count(client: TestClient, query: str, **params: Any) -> int:
    r = client.get("/sparql", params={"query": query, **params}, headers={"accept": "text/csv"})
    assert r.status_code == 200, r.text
    return int(r.text.split()[1])


COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def test_the_default_graph_is_the_union_of_all_graphs(client: TestClient, store: Store) -> None:
    assert count(client, COUNT) == len(store)


def test_default_graph_uri_sets_the_default_graph(client: TestClient, store: Store) -> None:
    assert count(client, COUNT, **{"default-graph-uri": ACTORS}) == store.graph_size(URIRef(ACTORS))
    both = count(client, COUNT, **{"default-graph-uri": [ACTORS, EDGES]})
    assert both == len(
        list(
            store.query(
                f"SELECT * FROM <{ACTORS}> FROM <{EDGES}> WHERE {{ ?s ?p ?o }}",
                union_default_graph=False,
            ).rows()
        )
    )


def test_named_graph_uri_limits_graph_patterns(client: TestClient) -> None:
    r = client.get(
        "/sparql",
        params={
            "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
            "named-graph-uri": EDGES,
        },
    )
    assert [b["g"]["value"] for b in r.json()["results"]["bindings"]] == [EDGES]


def test_the_querys_own_from_is_honoured(client: TestClient, store: Store) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM <{ACTORS}> WHERE {{ ?s ?p ?o }}"
    assert count(client, query) == store.graph_size(URIRef(ACTORS))
    # …and the protocol's dataset overrides it
    assert count(client, query, **{"default-graph-uri": EDGES}) == store.graph_size(URIRef(EDGES))


# ------------------------------------------------------------------------ service description
def test_get_without_a_query_is_the_service_description(client: TestClient, store: Store) -> None:
    r = client.get("/sparql")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/turtle; charset=utf-8"
    g = Graph().parse(data=r.text, format="turtle")
    service = g.value(None, URIRef(SD + "endpoint"), URIRef("http://testserver/sparql"), any=False)
    assert service is not None
    assert (service, URIRef(SD + "supportedLanguage"), URIRef(SD + "SPARQL11Query")) in g
    formats = {str(o).rsplit("/", 1)[1] for o in g.objects(service, URIRef(SD + "resultFormat"))}
    assert {
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
    } <= formats
    names = {str(o) for o in g.objects(None, URIRef(SD + "name"))}
    assert names == {str(x) for x in store.named_graphs()}
    comment = str(g.value(service, URIRef("http://www.w3.org/2000/01/rdf-schema#comment")))
    assert "N3 is answered as Turtle" in comment and "format=, output= or results=" in comment


@pytest.mark.parametrize(
    ("accept", "media_type", "rdflib_format"),
    [
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/n-triples", "application/n-triples", "nt"),
    ],
)
def test_the_service_description_negotiates(
    client: TestClient, accept: str, media_type: str, rdflib_format: str
) -> None:
    r = client.get("/sparql", headers={"accept": accept})
    assert r.headers["content-type"] == media_type
    g = Graph().parse(data=r.content, format=rdflib_format)
    assert (None, URIRef(SD + "endpoint"), URIRef("http://testserver/sparql")) in g


@pytest.mark.parametrize(
    ("params", "accept", "media_type"),
    [
        ({"format": "rdf+xml"}, None, "application/rdf+xml"),
        ({"output": "json-ld"}, "text/turtle", "application/ld+json"),
        ({"format": "csv"}, "application/n-triples", "application/n-triples"),  # falls back
        ({"format": "n3"}, None, "text/turtle; charset=utf-8"),
    ],
)
def test_the_service_description_takes_format_names_and_falls_back(
    client: TestClient, params: dict[str, str], accept: str | None, media_type: str
) -> None:
    r = client.get("/sparql", params=params, headers={"accept": accept} if accept else {})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == media_type


# ---------------------------------------------------------------------------------- the caps
def test_a_query_over_the_length_cap_is_refused_naming_the_cap(client: TestClient) -> None:
    long = "ASK {}" + " " * MAX_LENGTH
    body = problem(
        client.post("/sparql", content=long, headers={"content-type": "application/sparql-query"}),
        400,
    )
    assert f"cap is {MAX_LENGTH:,}" in body["detail"]
    assert "ACTORGRAPH_MAX_QUERY_LENGTH" in body["detail"]


def test_more_rows_than_the_cap_is_refused_never_truncated(client: TestClient) -> None:
    body = problem(client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}), 400)
    assert f"more than {MAX_ROWS} rows" in body["detail"]
    assert "LIMIT" in body["detail"]
    ok = client.get("/sparql", params={"query": f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {MAX_ROWS}"})
    assert len(ok.json()["results"]["bindings"]) == MAX_ROWS
    body = problem(client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}), 400)
    assert f"more than {MAX_ROWS} triples" in body["detail"]


@pytest.fixture(scope="module")
def short_timeout(seed_copy: Callable[[str], Path]) -> Iterator[TestClient]:
    """An app with the default settings but a short time limit and a query that waits."""
    settings = Settings(store_path=seed_copy("api-sparql-timeout"), query_timeout=TIMEOUT)
    with TestClient(create_app(settings, query_functions=FUNCTIONS)) as c:
        yield c


def test_a_timeout_is_a_503_problem_and_the_endpoint_lives_on(
    short_timeout: TestClient, tmp_path: Path
) -> None:
    client = short_timeout
    r = client.get("/sparql", params={"query": Gate(tmp_path).query})  # never opened: runs on
    body = problem(r, 503)
    assert f"longer than {TIMEOUT:g} s" in body["detail"]
    assert "ACTORGRAPH_QUERY_TIMEOUT" in body["detail"]
    assert r.headers["retry-after"] == "1"
    assert client.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True


def test_a_cartesian_runaway_is_refused_before_it_runs_with_the_reason(client: TestClient) -> None:
    body = problem(client.get("/sparql", params={"query": RUNAWAY}), 400)
    assert "`?a ?b ?c`" in body["detail"] and "`?g ?h ?i`" in body["detail"]
    assert "share no variable" in body["detail"]
    assert "ACTORGRAPH_QUERY_MAX_COST" in body["detail"]
    # connected, it runs (and a product of small parts is fine)
    ok = client.get(
        "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?a a ag:State . ?b a ag:State }"}
    )
    assert ok.status_code == 200, ok.text


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("SELECT * WHERE " + "{" * 9_000 + "?s ?p ?o" + "}" * 9_000, "nests brackets deeper"),
        ("SELECT * WHERE { FILTER(" + "(" * 5_000 + "1" + ")" * 5_000 + ") }", "nests brackets"),
        ("SELECT * WHERE { FILTER(" + "!" * 12_000 + "true) }", "'!' in a row"),
        ("SELECT * WHERE { BIND(1" + "+1" * 8_000 + " AS ?x) }", "more than 5,000 tokens"),
    ],
    ids=["groups", "parentheses", "negations", "a-long-sum"],
)
def test_queries_that_would_crash_the_parser_are_refused_as_bad_queries(
    short_timeout: TestClient, query: str, words: str
) -> None:
    """These crashed a worker (503 "the worker died", again on every retry): now a 400 saying
    why, and the endpoint answers the next query. (Under the default length cap.)"""
    client = short_timeout
    assert len(query) < Settings().max_query_length
    body = problem(
        client.post("/sparql", content=query, headers={"content-type": "application/sparql-query"}),
        400,
    )
    assert words in body["detail"] and "line 1" in body["detail"]
    assert client.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True


# ------------------------------------------------------------------------- refusals and errors
@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://169.254.169.254/latest/meta-data/> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE SILENT <http://localhost:22/> { ?s ?p ?x } } }",
    ],
)
def test_service_is_refused_by_get_and_post(client: TestClient, query: str) -> None:
    for r in (
        client.get("/sparql", params={"query": query}),
        client.post("/sparql", data={"query": query}),
        client.post("/sparql", content=query, headers={"content-type": "application/sparql-query"}),
    ):
        assert "SSRF" in problem(r, 400)["detail"]


def test_load_and_other_updates_in_query_are_refused_as_read_only(client: TestClient) -> None:
    for update in (
        "LOAD <http://169.254.169.254/latest/meta-data/>",
        "DROP ALL",
        "INSERT DATA { actor:x a ag:State }",
    ):
        assert (
            "read-only" in problem(client.get("/sparql", params={"query": update}), 400)["detail"]
        )


@pytest.mark.parametrize(
    "params",
    [
        {"query": "SELECT * FROM <http://169.254.169.254/latest/meta-data/> WHERE { ?s ?p ?o }"},
        {"query": "SELECT * FROM NAMED <http://169.254.169.254/> WHERE { GRAPH ?g { ?s ?p ?o } }"},
        {"query": "ASK {}", "default-graph-uri": "http://169.254.169.254/latest/meta-data/"},
        {"query": "ASK {}", "named-graph-uri": "http://localhost:6379/"},
    ],
    ids=["FROM", "FROM NAMED", "default-graph-uri", "named-graph-uri"],
)
def test_datasets_outside_the_store_are_refused(client: TestClient, params: dict[str, str]) -> None:
    detail = problem(client.get("/sparql", params=params), 400)["detail"]
    assert "is not a graph of this store" in detail
    assert "SSRF" in detail


def test_update_requests_are_refused(client: TestClient, store: Store) -> None:
    before = len(store)
    responses = [
        client.get("/sparql", params={"update": "DROP ALL"}),
        client.post("/sparql", data={"update": "DROP ALL"}),
        client.post(
            "/sparql", content="DROP ALL", headers={"content-type": "application/sparql-update"}
        ),
    ]
    for r in responses:
        assert "read-only" in problem(r, 400)["detail"]
    assert len(store) == before


SYNTAX_ERRORS = {
    "undeclared prefix": ("SELECT * WHERE { ?s foo:bar ?o }", 1, 21, "the prefix `foo:`"),
    "misspelt form": ("SELEC ?s WHERE { ?s ?p ?o }", 1, 1, "did you mean SELECT?"),
    "missing dot": ("SELECT * WHERE {\n  ?s ?p ?o\n  ?s ?q ?r\n}", 3, 3, "a `.` is missing"),
    "unclosed group": ("SELECT * WHERE { ?s ?p ?o ", 1, 16, "this `{` is never closed"),
    "misspelt keyword": ("SELECT ?s WHERE { ?s ?p ?o } LIMT 3", 1, 30, "did you mean LIMIT?"),
}


@pytest.mark.parametrize(
    ("query", "line", "column", "words"), SYNTAX_ERRORS.values(), ids=SYNTAX_ERRORS.keys()
)
def test_a_syntax_error_is_named_in_words_as_the_cli_names_it(
    client: TestClient, query: str, line: int, column: int, words: str
) -> None:
    """The query workers answer with the library's sentence (the CLI prints the same), its line
    and column, and none of the parser's character classes."""
    body = problem(client.post("/sparql", data={"query": query}), 400)
    assert (body["line"], body["column"]) == (line, column)
    assert words in body["detail"] and "\\u{" not in body["detail"]
    with pytest.raises(InvalidInput) as info:
        Store.memory().query(query, base_iri="http://testserver/sparql")
    assert body["detail"] == info.value.message


def test_an_update_in_the_query_is_refused_in_the_words_the_cli_uses(client: TestClient) -> None:
    body = problem(
        client.get("/sparql", params={"query": "INSERT DATA { actor:x a ag:State }"}), 400
    )
    assert body["detail"] == (
        "INSERT is SPARQL Update: this endpoint is read-only and runs queries only (SELECT, ASK, "
        "CONSTRUCT, DESCRIBE)"
    )


def test_a_syntax_error_is_400_with_line_and_column(client: TestClient) -> None:
    body = problem(client.get("/sparql", params={"query": "SELECT ?s\nWHERE { ?s ?p }"}), 400)
    assert body["line"] == 2
    assert isinstance(body["column"], int)
    assert body["title"] == "Invalid input"


@pytest.mark.parametrize(
    ("request_kw", "status", "words"),
    [
        (
            {"method": "POST", "content": "ASK {}", "headers": {"content-type": "text/plain"}},
            415,
            "text/plain",
        ),
        ({"method": "POST", "content": "ASK {}"}, 415, "Content-Type"),
        (
            {
                "method": "POST",
                "content": "ASK {}".encode("utf-16"),
                "headers": {"content-type": "application/sparql-query"},
            },
            400,
            "UTF-8",
        ),
        (
            {
                "method": "POST",
                "content": b"query=ASK%20%7B%7D%FF",
                "headers": {"content-type": "application/x-www-form-urlencoded"},
            },
            400,
            "UTF-8",
        ),
        (
            {"method": "GET", "params": [("query", "ASK {}"), ("query", "ASK {}")]},
            400,
            "exactly one query",
        ),
        ({"method": "GET", "params": {"query": "  "}}, 400, "empty"),
        ({"method": "PUT", "params": {"query": "ASK {}"}}, 405, "Method Not Allowed"),
    ],
    ids=[
        "wrong media type",
        "no media type",
        "utf-16",
        "form not utf-8",
        "two queries",
        "empty",
        "PUT",
    ],
)
def test_malformed_requests_get_a_clear_4xx(
    client: TestClient, request_kw: dict[str, Any], status: int, words: str
) -> None:
    method = request_kw.pop("method")
    body = problem(client.request(method, "/sparql", **request_kw), status)
    assert words in body["detail"]


def test_a_body_over_the_payload_cap_is_413_before_or_while_reading(client: TestClient) -> None:
    query = "ASK {} # " + "x" * MAX_PAYLOAD
    headers = {"content-type": "application/sparql-query"}
    body = problem(client.post("/sparql", content=query, headers=headers), 413)
    assert f"the limit is {MAX_PAYLOAD:,}" in body["detail"]  # by Content-Length

    def chunks() -> Iterator[bytes]:  # no Content-Length: refused while it streams
        yield query.encode()

    body = problem(client.post("/sparql", content=chunks(), headers=headers), 413)
    assert f"over the limit of {MAX_PAYLOAD:,} bytes" in body["detail"]
    assert client.post("/sparql", content="ASK {}", headers=headers).status_code == 200


# -------------------------------------------------------------------------------------- OpenAPI
def test_openapi_examples_are_present_and_work(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    get = spec["paths"]["/sparql"]["get"]
    [param] = [p for p in get["parameters"] if p["name"] == "query"]
    examples = {name: e["value"] for name, e in param["examples"].items()}
    assert len(examples) >= 3
    for name, query in examples.items():
        r = client.get("/sparql", params={"query": query})
        assert r.status_code == 200, (name, r.text)
        data = (
            r.content
            if r.headers["content-type"].startswith("text/turtle")
            else json.dumps(r.json())
        )
        assert data
    post = spec["paths"]["/sparql"]["post"]["requestBody"]["content"]
    for media_type, content in post.items():
        for name, example in content["examples"].items():
            value = example["value"]
            if media_type == "application/sparql-query":
                r = client.post("/sparql", content=value, headers={"content-type": media_type})
            else:
                r = client.post("/sparql", data=value)
            assert r.status_code == 200, (media_type, name, r.text)
