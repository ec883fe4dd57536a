"""The SPARQL endpoint's parameters with any values: ``query`` (bounded length), ``format``,
``Accept``, ``Content-Type`` and the bodies of POST.

Never a server error: a bad query is a 400, an unservable format a 406, a wrong body a 415, a query
past the time limit a 503 (the one 5xx /sparql documents). Queries are built from SPARQL tokens so
that most of them parse and run, and from any text so that the guard and the parser see garbage.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import example, given
from hypothesis import strategies as st

from api.errors import PROBLEM_JSON
from graph.errors import InvalidInput
from graph.settings import Settings
from graph.store import Store
from tests.fuzz.conftest import assert_problem, bounded

#: The longest generated query, characters (the server's cap is 20,000).
MAX_QUERY = 2_000

TOKENS = [
    *("SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "DISTINCT", "REDUCED", "*"),
    *("{", "}", "(", ")", "[", "]", ".", ";", ",", "a", "|", "/", "^", "+", "?", "!"),
    *("?s", "?p", "?o", "?x", "$y", "_:b", "[]", "()", "<>", "<x>", "<http://example.org/x>"),
    *("actor:russia", "ag:agent", "ag:Accusation", "rdfs:label", "sem:hasTimeStamp", "ex:x"),
    *('"x"', "'y'", '"""z"""', '"a"@en', '"1"^^xsd:integer', "1", "-1.5", "1e9", "true"),
    *("FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH", "BIND", "AS", "VALUES", "UNDEF"),
    *("SERVICE", "FROM", "NAMED", "PREFIX", "BASE", "ex:", "LOAD", "INSERT", "DATA", "DELETE"),
    *("LIMIT", "OFFSET", "ORDER", "BY", "GROUP", "HAVING", "COUNT", "SAMPLE", "GROUP_CONCAT"),
    *("REGEX", "STR", "LANG", "IRI", "BNODE", "NOW", "RAND", "SHA512", "EXISTS", "NOT", "IN"),
    *("&&", "||", "=", "!=", "<", ">", "<=", "*", "#", "\n", "\\", "\\u0000", "%00"),
]
QUERIES = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join),
    st.builds(
        lambda form, body, tail: f"{form} {{ {body} }} {tail}",
        st.sampled_from(["SELECT *", "ASK", "CONSTRUCT", "DESCRIBE ?s", "SELECT ?s WHERE"]),
        st.lists(st.sampled_from(TOKENS), max_size=20).map(" ".join),
        st.sampled_from(["", "LIMIT 5", "LIMIT 0", "OFFSET 99999999999999999999", "ORDER BY ?s"]),
    ),
    st.text(max_size=MAX_QUERY),
)
FORMATS = st.one_of(
    st.sampled_from(["json", "xml", "csv", "tsv", "turtle", "ttl", "nt", "jsonld", "rdfxml"]),
    st.sampled_from(["JSON", " csv ", "", "text/csv", "application/sparql-results+json"]),
    st.text(max_size=20),
)
ACCEPTS = st.one_of(
    st.sampled_from(["application/sparql-results+json", "text/csv", "text/turtle", "*/*"]),
    st.sampled_from(["application/json;q=0", "text/*;q=0.5, image/png", "application/xml"]),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60),
)
#: Queries that must be refused before they run, or run within the limits.
NASTY = [
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",  # a cross product
    "CONSTRUCT { ?a ?b ?c . ?d ?e ?f } WHERE { ?a ?b ?c . ?d ?e ?f }",
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * FROM <http://127.0.0.1:9/x> WHERE { ?s ?p ?o }",
    "DROP ALL",
    "LOAD <http://127.0.0.1:9/x>",
    "SELECT * WHERE { ?s ?p ?o FILTER regex(str(?o), '(a+)+$') } LIMIT 1",
    "SELECT * WHERE { ?s ?p ?o }" + " " * 19_990,
    "SELECT * WHERE { ?s ?p ?o }" + " " * 20_000,  # over the cap
]
STATUSES = {200, 400, 406, 503}
FORM = "application/x-www-form-urlencoded"


def assert_sparql_answer(r: httpx.Response, allowed: set[int] = STATUSES) -> None:
    assert_problem(r, allowed)
    if r.status_code == 503:  # documented: a time limit or every worker busy, with advice
        assert r.headers.get("retry-after"), r.headers
    if r.status_code == 200:
        media = r.headers["content-type"].split(";")[0].strip()
        assert media != PROBLEM_JSON
        if media.endswith("json"):
            json.loads(r.content)


def _params(query: str, fmt: str | None) -> dict[str, str]:
    return {"query": query} | ({"format": fmt} if fmt is not None else {})


@given(query=QUERIES, fmt=st.one_of(st.none(), FORMATS), accept=st.one_of(st.none(), ACCEPTS))
@example(query="", fmt=None, accept=None)
@example(query="ASK {}", fmt="turtle", accept=None)
@example(query="CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3", fmt=None, accept="text/csv")
@bounded(250)
def test_get_with_any_query_format_and_accept(
    reader: TestClient, query: str, fmt: str | None, accept: str | None
) -> None:
    headers = {"Accept": accept.encode("latin-1")} if accept is not None else {}
    r = reader.get("/sparql", params=_params(query, fmt), headers=headers)
    assert_sparql_answer(r)


@given(query=QUERIES)
@example(query='SELECT * WHERE { ?s ?p "open }')
@example(query="SELECT * WHERE { ?s ?p ?o } } }")
@bounded(500)
def test_a_syntax_error_is_named_at_a_place_in_the_query(query: str) -> None:
    """Whatever the text, the engine runs it or its error comes back in words
    (graph.sparql_syntax), at a line and column inside the text, never as another exception."""
    try:
        Store.memory().query(query)
    except InvalidInput as exc:
        lines = query.split("\n")
        assert exc.line is not None and exc.column is not None
        assert 1 <= exc.line <= len(lines)
        assert 1 <= exc.column <= len(lines[exc.line - 1]) + 1
        assert exc.message and "\\u{" not in exc.message and "[_]" not in exc.message


@pytest.mark.parametrize("query", NASTY, ids=range(len(NASTY)))
def test_queries_that_must_be_refused_or_bounded(reader: TestClient, query: str) -> None:
    assert_sparql_answer(reader.post("/sparql", data={"query": query}))


@given(
    body=st.one_of(st.binary(max_size=MAX_QUERY), QUERIES.map(str.encode)),
    content_type=st.one_of(
        st.sampled_from(
            [
                "application/sparql-query",
                "application/sparql-query; charset=utf-8",
                "application/sparql-query; charset=latin-1",
                "application/x-www-form-urlencoded",
                "application/sparql-update",
                "text/plain",
                "application/json",
                "",
            ]
        ),
        st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40),
    ),
    fmt=st.one_of(st.none(), FORMATS),
)
@example(body=b"\xff\xfe", content_type="application/sparql-query", fmt=None)
@example(body=b"query=%FF", content_type="application/x-www-form-urlencoded", fmt=None)
@example(
    body=b"query=ASK{}&query=ASK{}", content_type="application/x-www-form-urlencoded", fmt=None
)
@example(body=b"update=DROP+ALL", content_type="application/x-www-form-urlencoded", fmt=None)
@bounded(250)
def test_post_with_any_body_and_content_type(
    reader: TestClient, body: bytes, content_type: str, fmt: str | None
) -> None:
    r = reader.post(
        "/sparql",
        content=body,
        params={"format": fmt} if fmt is not None else {},
        headers={"Content-Type": content_type},
    )
    assert_sparql_answer(r, STATUSES | {415})


@given(query=st.sampled_from(["ASK {}", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"]), data=st.data())
@bounded(60)
def test_form_fields_in_any_combination(
    reader: TestClient, query: str, data: st.DataObject
) -> None:
    fields = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from(["query", "default-graph-uri", "named-graph-uri", "format", "x"]),
                st.one_of(st.just(query), st.text(max_size=30), FORMATS),
            ),
            max_size=5,
        )
    )
    body = urlencode(fields)  # repeated fields stay repeated, in order
    r = reader.post("/sparql", content=body, headers={"Content-Type": FORM})
    assert_sparql_answer(r)


def _nested(kind: str, depth: int) -> str:
    if kind == "braces":
        return "SELECT * WHERE " + "{" * depth + "}" * depth
    if kind == "parentheses":
        return "ASK { FILTER(" + "(" * depth + "1" + ")" * depth + ") }"
    if kind == "blank-nodes":
        return "SELECT * WHERE { ?s ?p " + "[ ?p " * depth + "1" + " ]" * depth + " }"
    assert kind == "collections"
    return "SELECT * WHERE { ?s ?p " + "(" * depth + ")" * depth + " }"


@pytest.mark.parametrize(
    ("kind", "depth"),
    [
        ("braces", Settings().max_nesting_depth + 1),  # just over the documented limit
        ("braces", 3_000),  # crashed the query worker (503 "Store unavailable")
        ("parentheses", 5_000),  # crashed the query worker
        ("blank-nodes", 300),  # ran out of the time limit (503), holding a worker
        ("collections", 300),  # ran out of the time limit
        ("collections", 5_000),  # crashed the query worker
    ],
)
def test_nesting_deeper_than_the_limit_is_refused(
    reader: TestClient, kind: str, depth: int
) -> None:
    """ACTORGRAPH_MAX_NESTING_DEPTH bounds the brackets of a query: deeper is a 400 that says
    so, before any worker parses it, not a 503 from a worker that crashed or ran out of time."""
    r = reader.post("/sparql", data={"query": _nested(kind, depth)})
    assert_problem(r, {400})
