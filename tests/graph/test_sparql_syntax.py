"""SPARQL syntax errors in words (graph/sparql_syntax.py), through the store's query path as the
CLI and the query workers meet them: line, column, the offending text and what to write."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import InvalidInput
from graph.namespaces import PREFIXES
from graph.settings import PROJECT_ROOT
from graph.sparql_syntax import excerpt, syntax_error
from graph.store import Store

#: (query, line, column, words the message must hold)
MISTAKES = {
    "undeclared prefix": (
        "SELECT * WHERE { ?s foo:bar ?o }",
        1, 21,
        ["the prefix `foo:` (in `foo:bar`) is not declared", "declared: ag:, id:, actor:"],
    ),
    "misspelt prefix": (
        "SELECT ?d WHERE {\n  ?e sme:hasTimeStamp ?d\n}",
        2, 6,
        ["`sme:`", "did you mean `sem:hasTimeStamp`?"],
    ),
    "the query's own prefixes are declared too": (
        "PREFIX ex: <http://example.org/> SELECT * { ?s ex:p ?o . ?s exx:q ?o }",
        1, 61,
        ["`exx:`", "wd:, ex:;", "did you mean `ex:q`?"],
    ),
    "misspelt form": (
        "SELEC ?s WHERE { ?s ?p ?o }",
        1, 1,
        ["`SELEC` cannot start a query", "a query starts with SELECT, CONSTRUCT, ASK or "
         "DESCRIBE", "did you mean SELECT?"],
    ),
    "an update": (
        "INSERT DATA { actor:x a ag:State }",
        1, 1,
        ["`INSERT` is SPARQL Update", "read-only"],
    ),
    "a PREFIX line without its colon": (
        "PREFIX ex <http://example.org/>\nSELECT * {}",
        1, 8,
        ["PREFIX name: <namespace>"],
    ),
    "a misspelt keyword": (
        "SELECT * WHERE { ?s ?p ?o FITLER(?o > 3) }",
        1, 27,
        ["`FITLER` is not a SPARQL keyword", "did you mean FILTER?"],
    ),
    "a misspelt modifier": (
        "SELECT ?s WHERE { ?s ?p ?o } LIMT 3",
        1, 30,
        ["`LIMT`", "did you mean LIMIT?"],
    ),
    "an unclosed group": (
        "SELECT * WHERE {\n  ?s ?p ?o .\n",
        1, 16,
        ["this `{` is never closed", "add `}`"],
    ),
    "a brace too many": (
        "SELECT * WHERE { ?s ?p ?o } }",
        1, 29,
        ["this `}` closes nothing"],
    ),
    "an unclosed parenthesis": (
        "SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(?o = 3\n}",
        4, 1,
        ["the `(` at line 3, column 9 is not closed", "add `)` before this `}`"],
    ),
    "a missing dot": (
        "SELECT * WHERE {\n  ?s ?p ?o\n  ?s ?q ?r\n}",
        3, 3,
        ["a `.` is missing after `?o`", "`?s` starts a new triple pattern"],
    ),
    "a missing object": (
        "SELECT * WHERE {\n  ?s ?p }",
        2, 3,
        ["`?s ?p` is not a whole triple pattern", "lacks an object"],
    ),
    "a missing predicate after a dot": (
        "SELECT * WHERE { ?s ?p ?o . ?s . }",
        1, 29,
        ["`?s` is not a whole triple pattern", "lacks a predicate and an object"],
    ),
    "an unclosed string": (
        'SELECT * WHERE { ?s rdfs:label "Russia }',
        1, 32,
        ["this string is never closed"],
    ),
    "a relative IRI without a base": (
        "ASK { ?s <accused> ?o }",
        1, 10,
        ["`<accused>` is a relative IRI", "the query has no base"],
    ),
    "an empty query": ("  \n", 1, 1, ["the query is empty"]),
    "SELECT * with GROUP BY (the engine's words, reworded)": (
        "SELECT * WHERE { ?s ?p ?o } GROUP BY ?s",
        1, 40,
        ["SELECT * cannot be used with GROUP BY"],
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("query", "line", "column", "words"), MISTAKES.values(), ids=MISTAKES.keys()
)
def test_a_mistake_is_named_with_line_column_and_the_offending_text(
    query: str, line: int, column: int, words: list[str]
) -> None:
    with pytest.raises(InvalidInput) as info:
        Store.memory().query(query)
    error = info.value
    assert (error.line, error.column) == (line, column), error.message
    for w in words:
        assert w in error.message
    assert "\\u{" not in error.message and "[_]" not in error.message
    assert error.source == "query"


def test_an_undeclared_prefix_lists_every_declared_one() -> None:
    with pytest.raises(InvalidInput) as info:
        Store.memory().query("SELECT * WHERE { ?s zzz:p ?o }")
    declared = info.value.message.split("declared: ", 1)[1]
    assert declared.startswith(", ".join(f"{p}:" for p in PREFIXES))
    assert "PREFIX zzz: <https://…>" in info.value.message  # nothing close: how to declare it


def test_with_a_base_a_relative_iri_is_no_mistake() -> None:
    with pytest.raises(InvalidInput) as info:
        Store.memory().query("ASK { ?s <accused> ?o ", base_iri="http://localhost/sparql")
    assert "relative" not in info.value.message
    assert "never closed" in info.value.message


def test_the_engines_noise_never_shows() -> None:
    """What nothing names falls back to the engine's message, without its character classes."""
    message = (
        'error at 1:9: expected one of "$", "*", ":", "<", "?", [\'A\' ..= \'Z\' | \'a\' ..= '
        "'z' | '\\u{00C0}'..='\\u{00D6}']"
    )
    error = syntax_error(message, "DESCRIBE")
    assert (error.line, error.column) == (1, 9)
    assert error.message == "the query ends too early; expected `$`, `*`, `:`, `<`, `?`"
    expression = syntax_error(
        "error at 1:18: expected one of LANGDIR, MINUTES, NOT, REPLACE, [_], isBLANK",
        "ASK { FILTER(1 = ) ?s ?p ?o }",
    )
    assert expression.message == (
        "unexpected `)`; expected an expression (a variable, a value or a function call)"
    )


VALID = [
    *sorted((PROJECT_ROOT / "examples").glob("*.rq")),
    *sorted((PROJECT_ROOT / "graph" / "queries").glob("*.rq")),
]


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_valid_queries_hold_no_mistake(path: Path) -> None:
    """No rule fires on the project's own (valid) queries: told the engine failed at their end,
    the reading finds nothing and falls back to the engine's words."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    message = f"error at {len(lines)}:{len(lines[-1]) + 1}: expected [_]"
    error = syntax_error(message, text)
    assert error.message.startswith("the query ends too early: a pattern"), error.message


def test_the_excerpt_points_at_the_column() -> None:
    text = "SELECT * WHERE {\n  ?s foo:bar ?o }"
    assert excerpt(text, 2, 6) == "    ?s foo:bar ?o }\n       ^"
    long = "SELECT * WHERE { " + "?s ?p ?o . " * 20 + "?s foo:x ?o }"
    shown, caret = excerpt(long, 1, long.index("foo:") + 1).split("\n")
    assert shown.strip().startswith("…") and shown[caret.index("^") :].startswith("foo:x")
    assert excerpt(text, None, None) == ""
