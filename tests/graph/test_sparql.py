"""The query guard (unit, parametrised), and proof that what it refuses the engine would run."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from graph.errors import QueryRefused
from graph.namespaces import graph_iri
from graph.settings import PROJECT_ROOT
from graph.sparql import QueryForm, check_graphs, check_query, service_description
from graph.store import Store

ACTORS = str(graph_iri("actors"))
EDGES = str(graph_iri("edges"))
KNOWN = {ACTORS, EDGES}


def guard(text: str, *, max_length: int = 10_000) -> QueryRefused:
    with pytest.raises(QueryRefused) as info:
        check_query(text, known_graphs=KNOWN, max_length=max_length)
    return info.value


# ---------------------------------------------------------------------------------- the guard
ALLOWED = {
    "string": "SELECT * WHERE { ?s ?p 'SERVICE' }",
    "long string": 'SELECT * WHERE { ?s ?p """SERVICE <http://169.254.169.254/> { }""" }',
    "escaped quote": r"SELECT * WHERE { ?s ?p 'it\'s SERVICE' }",
    "prefixed name": "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:service ex:LOAD }",
    "variables": "SELECT ?service $load WHERE { ?service ?insert $load }",
    "iri": "SELECT * WHERE { ?s <http://example.org/service> ?o }",
    "comment": "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://169.254.169.254/> { }",
    "iri with hash after a variable": "SELECT * WHERE { ?s <http://example.org/ns#p> ?o . ?o <http://example.org/ns#q> 'x' }",
    "comparison without spaces": "SELECT * WHERE { ?s ?p ?o FILTER(?o<10&&?o>2) }",
    "values row with hash iris": "SELECT * WHERE { VALUES (?a ?b) { (<http://e.org/x#a> <http://e.org/y#b>) } }",
    "collection with hash iris": "SELECT * WHERE { ?l <http://e.org/p> (<http://e.org/x#a> <http://e.org/y#b>) }",
    "update word inside a group": "SELECT * WHERE { ?s ?p 'DROP ALL' }",
}


@pytest.mark.parametrize("text", ALLOWED.values(), ids=ALLOWED.keys())
def test_keywords_in_strings_iris_comments_and_names_are_fine(text: str) -> None:
    assert check_query(text, known_graphs=KNOWN, max_length=10_000).form is QueryForm.SELECT
    ox.Store().query(text)  # and they are real, valid queries


SERVICES = {
    "plain": "SELECT * WHERE { SERVICE <http://169.254.169.254/latest/> { ?s ?p ?o } }",
    "lower case": "select * where { service <http://169.254.169.254/> { ?s ?p ?o } }",
    "silent": "SELECT * WHERE { SERVICE SILENT <http://169.254.169.254/> { ?s ?p ?o } }",
    "variable endpoint": "SELECT * WHERE { BIND(<http://169.254.169.254/> AS ?e) SERVICE ?e { ?s ?p ?o } }",
    "prefixed endpoint": "PREFIX m: <http://169.254.169.254/> SELECT * WHERE { SERVICE m:x { ?s ?p ?o } }",
    "no space before a prefixed name": "PREFIX : <http://169.254.169.254/> SELECT * WHERE { SERVICE:x { ?s ?p ?o } }",
    "comment before the group": "SELECT * WHERE { SERVICE <http://169.254.169.254/> # hi\n { ?s ?p ?o } }",
    "in OPTIONAL": "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE <http://169.254.169.254/> { ?s ?p ?x } } }",
    "in EXISTS": "ASK { ?s ?p ?o FILTER EXISTS { SERVICE <http://169.254.169.254/> { ?s ?p ?o } } }",
    "in a subquery": "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <http://169.254.169.254/> { ?s ?p ?o } } } }",
    # A naive lexer reads `<1)SERVICE:x#>` as one IRI; the engine reads "less than" and a comment.
    "hidden behind less-than and a comment": (
        "PREFIX : <http://169.254.169.254/> SELECT * WHERE { ?a ?b ?c FILTER(?c<2)SERVICE:x#>\n{ ?s ?p ?o } }"
    ),
    # `<'a>` looks like an IRI; the engine sees "less than" and a string, shifting every quote after.
    "hidden behind less-than and a quote": (
        "SELECT * WHERE { ?s ?p ?o FILTER(?o<'a>'||true) SERVICE <http://169.254.169.254/> { ?s ?p ?o } "
        "FILTER('x'!='y') }"
    ),
}


@pytest.mark.parametrize("text", SERVICES.values(), ids=SERVICES.keys())
def test_service_is_refused_as_ssrf(text: str) -> None:
    assert "SSRF" in str(guard(text))


@pytest.fixture(scope="module")
def listener() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request: the SSRF target, made harmless."""
    hits: list[str] = []

    class Record(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_error(500)

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Record)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", hits
    server.shutdown()


@pytest.mark.parametrize("text", SERVICES.values(), ids=SERVICES.keys())
def test_each_refused_service_is_one_the_engine_would_really_call(
    text: str, listener: tuple[str, list[str]]
) -> None:
    url, hits = listener
    local = text.replace("http://169.254.169.254/latest/", url).replace(
        "http://169.254.169.254/", url
    )
    store = ox.Store()
    one = ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    store.add(ox.Quad(ox.NamedNode("http://e.org/s"), ox.NamedNode("http://e.org/p"), one))
    before = len(hits)
    with contextlib.suppress(OSError):
        # pyoxigraph only calls a variable endpoint bound from outside (SEP-0007 substitution)
        subs: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] | None = (
            {ox.Variable("e"): ox.NamedNode(url)} if "?e" in text else None
        )
        result = store.query(local, use_default_graph_as_union=True, substitutions=subs)
        _ = bool(result) if isinstance(result, ox.QueryBoolean) else list(result)
    assert len(hits) > before  # pyoxigraph fetched the URL: without the guard this is SSRF


UPDATES = {
    "INSERT DATA": "INSERT DATA { <http://e.org/a> <http://e.org/b> 'c' }",
    "DELETE WHERE": "DELETE WHERE { ?s ?p ?o }",
    "DELETE/INSERT": "PREFIX ex: <http://e.org/> DELETE { ?s ex:p ?o } INSERT { ?s ex:q ?o } WHERE { ?s ex:p ?o }",
    "WITH": "WITH <http://e.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "LOAD": "LOAD <http://169.254.169.254/latest/meta-data/>",
    "LOAD lower case": "load <http://169.254.169.254/> into graph <http://e.org/g>",
    "CLEAR": "CLEAR ALL",
    "CREATE": "CREATE GRAPH <http://e.org/g>",
    "DROP": "DROP SILENT DEFAULT",
    "COPY": "COPY DEFAULT TO <http://e.org/g>",
    "MOVE": "MOVE DEFAULT TO <http://e.org/g>",
    "ADD": "ADD DEFAULT TO <http://e.org/g>",
    "after a query": "SELECT * WHERE { ?s ?p ?o } ; DROP ALL",
    "after a prologue": "PREFIX ex: <http://e.org/> BASE <http://e.org/> CLEAR GRAPH ex:g",
}


@pytest.mark.parametrize("text", UPDATES.values(), ids=UPDATES.keys())
def test_updates_are_refused_as_read_only(text: str) -> None:
    message = str(guard(text))
    assert "read-only" in message
    assert message.split()[0] in text.upper()


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { ?a ?b ?c FILTER(?c<1)SERVICE:x>1) }",
        "SELECT * WHERE { ?a ?b ?c FILTER(?c<1)SERVICE?x>1) }",
    ],
)
def test_service_code_inside_an_iri_shaped_comparison_is_refused(text: str) -> None:
    assert "SSRF" in str(guard(text))


def test_from_a_graph_of_the_store_is_allowed_and_reported() -> None:
    info = check_query(
        f"SELECT * FROM <{ACTORS}> FROM NAMED <{EDGES}> WHERE {{ ?s ?p ?o }}",
        known_graphs=KNOWN,
        max_length=1000,
    )
    assert info.from_graphs == (ACTORS,)
    assert info.from_named == (EDGES,)
    assert info.has_dataset


@pytest.mark.parametrize(
    ("text", "base"),
    [
        (
            "PREFIX g: <https://w3id.org/actorgraph/id/graph/> SELECT * FROM g:actors WHERE { ?s ?p ?o }",
            None,
        ),
        (
            "BASE <https://w3id.org/actorgraph/id/graph/> SELECT * FROM <actors> WHERE { ?s ?p ?o }",
            None,
        ),
        (
            "SELECT * FROM <actors> WHERE { ?s ?p ?o }",
            "https://w3id.org/actorgraph/id/graph/sparql",
        ),
        ("SELECT * FROM id:graph\\/actors WHERE { ?s ?p ?o }", None),  # a default prefix
    ],
    ids=["own prefix", "BASE", "endpoint as base", "default prefix"],
)
def test_from_iris_are_expanded_before_the_check(text: str, base: str | None) -> None:
    info = check_query(text, known_graphs=KNOWN, max_length=1000, base_iri=base)
    assert info.from_graphs == (ACTORS,)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM <http://169.254.169.254/latest/meta-data/> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <http://localhost:8080/admin> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "PREFIX m: <http://169.254.169.254/> SELECT * FROM m:x WHERE { ?s ?p ?o }",
        f"SELECT * FROM <{ACTORS}> FROM <{ACTORS}-not> WHERE {{ ?s ?p ?o }}",
    ],
    ids=["metadata", "named", "prefixed", "second"],
)
def test_from_iris_outside_the_store_are_refused(text: str) -> None:
    message = str(guard(text))
    assert "is not a graph of this store" in message
    assert "SSRF" in message
    assert ACTORS in message  # the refusal lists what may be used instead


def test_check_graphs_names_the_parameter() -> None:
    check_graphs([ACTORS], KNOWN, what="default-graph-uri")
    with pytest.raises(QueryRefused, match=re.escape("named-graph-uri <http://169.254.169.254/>")):
        check_graphs(["http://169.254.169.254/"], KNOWN, what="named-graph-uri")


def test_the_length_cap_is_inclusive_and_named() -> None:
    text = "ASK {}" + " " * 94
    assert check_query(text, known_graphs=KNOWN, max_length=100).form is QueryForm.ASK
    message = str(guard(text + " ", max_length=100))
    assert "101 characters" in message
    assert "cap is 100" in message
    assert "ACTORGRAPH_MAX_QUERY_LENGTH" in message


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", QueryForm.SELECT),
        (
            "# a comment\nprefix ex: <http://e.org/>\nbase <http://e.org/>\nselect ?s { ?s ?p ?o }",
            QueryForm.SELECT,
        ),
        ("ASK { ?s ?p ?o }", QueryForm.ASK),
        ("CONSTRUCT WHERE { ?s ?p ?o }", QueryForm.CONSTRUCT),
        ("PREFIX ex: <http://e.org/> DESCRIBE ex:x", QueryForm.DESCRIBE),
        (
            "SELECT * { { SELECT ?s { ?s ?p ?o } } } VALUES ?s { <http://e.org/x> }",
            QueryForm.SELECT,
        ),
        ("not sparql at all", None),
    ],
)
def test_the_form_is_read_for_content_negotiation(text: str, form: QueryForm | None) -> None:
    assert check_query(text, known_graphs=KNOWN, max_length=1000).form is form


def test_the_graph_forms_answer_with_rdf() -> None:
    assert [f.is_graph for f in QueryForm] == [False, False, True, True]


def test_service_description_lists_the_graphs() -> None:
    g = service_description("http://localhost:8000/sparql", [ACTORS, EDGES])
    sd = "http://www.w3.org/ns/sparql-service-description#"
    names = set(g.objects(None, URIRef(sd + "name")))
    assert names == {URIRef(ACTORS), URIRef(EDGES)}
    assert (None, URIRef(sd + "supportedLanguage"), URIRef(sd + "SPARQL11Query")) in g


CANNED = sorted((PROJECT_ROOT / "graph" / "queries").glob("*.rq"))


@pytest.mark.parametrize("path", CANNED, ids=[p.stem for p in CANNED])
def test_the_projects_own_queries_pass_with_the_form_the_engine_sees(
    path: Path, store: Store
) -> None:
    text = path.read_text(encoding="utf-8")
    form = check_query(text, known_graphs=KNOWN, max_length=100_000).form
    kind = store.query(text).kind.value  # select, ask or graph
    assert form is not None
    assert (form.value.lower() if not form.is_graph else "graph") == kind
