"""graph.payloads: what no RDF parser may see is refused before parsing, fast and with a message a
person can act on, and every conforming payload still passes and parses.

The attacks reproduced on pyoxigraph (billion laughs, JSON-LD 4,000 deep, RDF/XML 100,000 deep,
Turtle 100,000 brackets deep, invalid UTF-8 in a comment) are rebuilt here and must be refused by
class and message. Nothing here is timed: ``benchmarks/payloads.py`` prints the figures.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph
import pytest
from rdflib import Dataset, Graph

from api.routers.validate import EXAMPLE_BATCH
from graph.errors import InvalidInput, LimitExceeded
from graph.payloads import check_rdf, decode_utf8
from graph.settings import PROJECT_ROOT
from graph.store import RDFFormat, load_rdf

SETTING = "ACTORGRAPH_MAX_NESTING_DEPTH"
LIMIT = 8  # small, so that "at the limit" and "one more" are cheap to build for every format

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_ROOT = f'<rdf:RDF xmlns:rdf="{RDF}" xmlns:ex="http://example.org/">'


def parses(data: bytes, fmt: RDFFormat) -> int:
    """How many quads pyoxigraph reads (``load_rdf`` turns terms into rdflib terms, and rdflib
    has no triple terms)."""
    return len(list(pyoxigraph.parse(data, format=fmt.ox_format)))


def too_deep(data: bytes, fmt: RDFFormat, max_depth: int = LIMIT, **kwargs: Any) -> LimitExceeded:
    with pytest.raises(LimitExceeded) as caught:
        check_rdf(data, fmt, max_depth=max_depth, **kwargs)
    exc = caught.value
    assert exc.limit == SETTING
    assert exc.allowed == max_depth
    assert f"{SETTING}={max_depth}" in exc.message
    return exc


def invalid(data: bytes, fmt: RDFFormat, max_depth: int = LIMIT) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        check_rdf(data, fmt, max_depth=max_depth, source="body")
    assert caught.value.source == "body"
    return caught.value


# ------------------------------------------------------------------------- the reproduced attacks
def billion_laughs(levels: int = 10) -> bytes:
    entities = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">\n' for n in range(1, levels))
    return (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE rdf:RDF [\n<!ENTITY lol0 "lol">\n{entities}]>\n'
        f'{XML_ROOT}<rdf:Description rdf:about="http://example.org/a">'
        f"<ex:p>&lol{levels - 1};</ex:p></rdf:Description></rdf:RDF>"
    ).encode()


def test_billion_laughs_is_refused_at_the_doctype() -> None:
    exc = invalid(billion_laughs(10), RDFFormat.RDFXML)
    assert "billion laughs" in exc.message and "DOCTYPE" in exc.message
    assert "send RDF/XML without a DOCTYPE" in exc.message
    assert (exc.line, exc.column) == (2, 1)


@pytest.mark.parametrize(
    "document",
    [
        # XXE: a local file
        '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        f'{XML_ROOT}<rdf:Description rdf:about="http://example.org/a"><ex:p>&x;</ex:p>'
        "</rdf:Description></rdf:RDF>",
        # an external DTD (would be fetched)
        f'<!DOCTYPE rdf:RDF SYSTEM "http://127.0.0.1:1/x.dtd">\n{XML_ROOT}</rdf:RDF>',
        # lower case, and an ENTITY with no DOCTYPE around it
        f"<!doctype rdf:RDF>\n{XML_ROOT}</rdf:RDF>",
        f'{XML_ROOT}\n<!ENTITY x "y"></rdf:RDF>',
        # anywhere, even where XML would not look for one
        f"{XML_ROOT}<ex:p><![CDATA[<!DocType x>]]></ex:p></rdf:RDF>",
    ],
    ids=["xxe-file", "external-dtd", "lower-case", "entity-alone", "in-cdata"],
)
def test_doctype_and_entity_declarations_are_refused(document: str) -> None:
    exc = invalid(document.encode(), RDFFormat.RDFXML)
    assert exc.message.startswith("DOCTYPE and ENTITY declarations are refused")
    assert "XXE" in exc.message
    declaration = re.search("<!(doctype|entity)", document, re.IGNORECASE)
    assert declaration is not None
    assert exc.line == document.count("\n", 0, declaration.start()) + 1


def test_json_ld_4000_deep_is_refused() -> None:
    document = ('{"http://example.org/p": ' * 4000 + "{}" + "}" * 4000).encode()
    exc = too_deep(document, RDFFormat.JSONLD, max_depth=64)
    assert "JSON-LD nests objects and arrays deeper than 64 levels" in exc.message
    # The 65th "{" is where the limit is passed: after 64 × 25 characters.
    assert "(at line 1, column 1,601)" in exc.message
    assert "give nested nodes an @id" in exc.message


def test_json_ld_deeper_than_the_json_reader_is_a_limit_not_a_crash() -> None:
    """With a limit above what ``json`` can follow (~1,000 levels), json's RecursionError still
    comes out as LimitExceeded."""
    document = b"[" * 5000 + b"]" * 5000
    exc = too_deep(document, RDFFormat.JSONLD, max_depth=100_000)
    assert "too deeply for the server's JSON reader" in exc.message


def test_rdfxml_100000_deep_is_refused() -> None:
    document = (XML_ROOT + "<ex:p>" * 100_000).encode()
    exc = too_deep(document, RDFFormat.RDFXML, max_depth=64)
    assert "RDF/XML nests elements deeper than 64 levels" in exc.message
    column = len(XML_ROOT) + 63 * len("<ex:p>") + 1  # the root is level 1
    assert f"(at line 1, column {column:,})" in exc.message
    assert "rdf:Description of its own" in exc.message


def test_turtle_100000_brackets_deep_is_refused() -> None:
    document = (
        b"<http://example.org/s> <http://example.org/p> " + b"[ <http://example.org/p> " * 100_000
    )
    exc = too_deep(document, RDFFormat.TURTLE, max_depth=64)
    assert "Turtle nests blank nodes [ ], collections ( ) or quoted triples << >>" in exc.message
    column = len(b"<http://example.org/s> <http://example.org/p> ") + 64 * 25 + 1
    assert f"deeper than 64 levels (at line 1, column {column:,})" in exc.message


@pytest.mark.parametrize(
    ("document", "line", "column", "offset"),
    [
        (b"@prefix ex: <http://example.org/> .\n# caf\xe9 au lait\nex:a ex:b ex:c .\n", 2, 6, 41),
        (b'<http://example.org/a> <http://example.org/b> "caf\xff" .', 1, 51, 50),
        (b'<http://example.org/a> <http://example.org/b> """\nna\xc3\xafve \xc3(""" .', 2, 7, 57),
    ],
    ids=["turtle-comment", "literal", "long-literal-after-valid-multibyte"],
)
def test_invalid_utf8_is_refused_with_line_column_and_offset(
    document: bytes, line: int, column: int, offset: int
) -> None:
    exc = invalid(document, RDFFormat.TURTLE)
    assert (exc.line, exc.column) == (line, column)
    assert f"at line {line}, column {column} (byte offset {offset})" in exc.message
    assert f"byte 0x{document[offset]:02X}" in exc.message
    assert "send the payload encoded as UTF-8" in exc.message


@pytest.mark.parametrize("fmt", list(RDFFormat), ids=lambda f: f.key)
def test_invalid_utf8_is_refused_in_every_format(fmt: RDFFormat) -> None:
    exc = invalid(b'{"@id": "http://example.org/\x80"}\n', fmt)
    assert (exc.line, exc.column) == (1, 29)
    assert "cannot begin a UTF-8 character" in exc.message


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            b"ok \xed\xa0\x80",
            "begins a character that the bytes after it do not complete",
        ),  # surrogate
        (b"ok \xc0\x80", "cannot begin a UTF-8 character"),  # overlong NUL
        (b"ok \xe2\x82", "begins a character that the end of the data cuts off"),
    ],
    ids=["surrogate", "overlong", "truncated"],
)
def test_utf8_is_strict(data: bytes, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason) as caught:
        decode_utf8(data, source="f.ttl")
    assert str(caught.value).startswith("f.ttl:1:4: not valid UTF-8: byte 0x")


def test_a_utf8_byte_order_mark_is_dropped_and_not_counted() -> None:
    assert decode_utf8(b"\xef\xbb\xbfa", source="body") == "a"
    with pytest.raises(InvalidInput) as caught:
        decode_utf8(b"\xef\xbb\xbfab\xff", source="body")
    assert caught.value.column == 3


# -------------------------------------------------------------------------- depth, every format
def turtle_blank_nodes(depth: int) -> tuple[bytes, int]:
    """Blank nodes nested ``depth`` deep, and the column of the innermost "["."""
    head = "<http://example.org/s> <http://example.org/p> "
    step = "[ <http://example.org/p> "
    text = head + step * (depth - 1) + "[]" + " ]" * (depth - 1) + " ."
    return text.encode(), len(head) + len(step) * (depth - 1) + 1


def turtle_collections(depth: int) -> tuple[bytes, int]:
    head = "<http://example.org/s> <http://example.org/p> "
    text = head + "( " * depth + ") " * depth + "."
    return text.encode(), len(head) + 2 * (depth - 1) + 1


def turtle_reified(depth: int) -> tuple[bytes, int]:
    step = "<< <http://example.org/s> <http://example.org/p> "
    text = step * depth + "<http://example.org/o>" + " >>" * depth + " <http://example.org/p> 1 ."
    return text.encode(), len(step) * (depth - 1) + 1


def turtle_triple_terms(depth: int, graph: str = "") -> tuple[bytes, int]:
    head = "<http://example.org/s> <http://example.org/p> "
    step = "<<( <http://example.org/s> <http://example.org/p> "
    text = head + step * depth + "<http://example.org/o>" + " )>>" * depth + graph + " .\n"
    return text.encode(), len(head) + len(step) * (depth - 1) + 1


def trig_graphs(depth: int) -> tuple[bytes, int]:
    head = "<http://example.org/g> { <http://example.org/s> <http://example.org/p> "
    step = "[ <http://example.org/p> "
    text = head + step * (depth - 2) + "[]" + " ]" * (depth - 2) + " . }"
    return text.encode(), len(head) + len(step) * (depth - 2) + 1


def jsonld_objects(depth: int) -> tuple[bytes, int]:
    def node(n: int) -> str:
        return f'{{"@id": "http://example.org/n{n}", "http://example.org/p": '

    text = "".join(node(n) for n in range(depth - 1)) + '{"@id": "http://example.org/z"}'
    text += "}" * (depth - 1)
    return text.encode(), sum(len(node(n)) for n in range(depth - 1)) + 1


def rdfxml_elements(depth: int) -> tuple[bytes, int]:
    """rdf:RDF, then rdf:Description and ex:p in turn: a valid document ``depth`` deep."""
    names = ["rdf:Description" if n % 2 == 0 else "ex:p" for n in range(depth - 1)]
    text = XML_ROOT + "".join(f"<{n}>" for n in names) + "".join(f"</{n}>" for n in names[::-1])
    text += "</rdf:RDF>"
    return text.encode(), len(XML_ROOT) + sum(len(f"<{n}>") for n in names[:-1]) + 1


BUILDERS: list[tuple[str, RDFFormat, Callable[[int], tuple[bytes, int]]]] = [
    ("turtle-blank-nodes", RDFFormat.TURTLE, turtle_blank_nodes),
    ("turtle-collections", RDFFormat.TURTLE, turtle_collections),
    ("turtle-reified-triples", RDFFormat.TURTLE, turtle_reified),
    ("turtle-triple-terms", RDFFormat.TURTLE, turtle_triple_terms),
    ("trig-graph-and-blank-nodes", RDFFormat.TRIG, trig_graphs),
    ("ntriples-triple-terms", RDFFormat.NTRIPLES, turtle_triple_terms),
    (
        "nquads-triple-terms",
        RDFFormat.NQUADS,
        lambda d: turtle_triple_terms(d, " <http://example.org/g>"),
    ),
    ("jsonld-objects", RDFFormat.JSONLD, jsonld_objects),
    ("rdfxml-elements", RDFFormat.RDFXML, rdfxml_elements),
]


@pytest.mark.parametrize(("fmt", "build"), [b[1:] for b in BUILDERS], ids=[b[0] for b in BUILDERS])
def test_depth_at_the_limit_passes_and_parses_one_more_is_refused(
    fmt: RDFFormat, build: Callable[[int], tuple[bytes, int]]
) -> None:
    at_limit, _ = build(LIMIT)
    check_rdf(at_limit, fmt, max_depth=LIMIT)
    assert parses(at_limit, fmt) > 0  # the real parser: the builder makes valid RDF

    over, column = build(LIMIT + 1)
    exc = too_deep(over, fmt)
    assert f"deeper than {LIMIT} levels (at line 1, column {column:,})" in exc.message


def test_brackets_in_strings_iris_comments_and_escapes_do_not_count() -> None:
    q3 = "'" * 3  # Turtle's other long-string quote
    document = (
        "@prefix ex: <http://example.org/(a)/> .\n"
        "# [[[[ (((( {{{{ <<<< a comment, with a quote \" and a ' too\n"
        'ex:s ex:p "[[[[ (((( \\" [[[[" , \'(((( \\\' ((((\' , """ [[[[ "" " \\""" [[[ """ ,\n'
        f"    {q3}\n    (((( ''  ' \\{q3} (((( {q3} , <http://[::1]/(y)> , ex:a\\(\\#\\) ;\n"
        '    ex:q [ ex:r "<< [ ( {" ] .\n'
    ).encode()
    check_rdf(document, RDFFormat.TURTLE, max_depth=1)
    check_rdf(document, RDFFormat.TRIG, max_depth=1)
    assert parses(document, RDFFormat.TURTLE) == 8


def test_the_position_is_right_after_multi_line_strings_and_non_ascii() -> None:
    document = (
        '<http://example.org/s> <http://example.org/p> """ligne\nsur « deux » [[[[""" ;\n'
        '  <http://example.org/p> "ünïcödé ((((" , [ <http://example.org/p> [ <http://example.org/p> [] ] ] .\n'
    ).encode()
    check_rdf(document, RDFFormat.TURTLE, max_depth=3)
    exc = too_deep(document, RDFFormat.TURTLE, max_depth=2)
    # The third "[" of line 3 (the second line holds the end of the long string).
    line3 = document.decode().split("\n")[2]
    column = [m.start() for m in re.finditer(r"\[", line3)][2] + 1
    assert f"(at line 3, column {column})" in exc.message


def test_json_strings_do_not_count() -> None:
    document = rb'{"@id": "http://example.org/a", "http://example.org/p": "[[[[{{{{ \" [[[[ \\"}'
    check_rdf(document, RDFFormat.JSONLD, max_depth=1)
    assert len(load_rdf(document, RDFFormat.JSONLD)) == 1


def test_a_triple_term_counts_one_level() -> None:
    document, _ = turtle_triple_terms(3)
    check_rdf(document, RDFFormat.NTRIPLES, max_depth=3)
    too_deep(document, RDFFormat.NTRIPLES, max_depth=2)


# ------------------------------------------------------------------------ JSON-LD remote contexts
REMOTE = "http://127.0.0.1:1/context.jsonld"


@pytest.mark.parametrize(
    "document",
    [
        {"@context": REMOTE, "@id": "http://example.org/a"},
        {"@context": [REMOTE], "@id": "http://example.org/a"},
        {"@context": [{"ex": "http://example.org/"}, None, REMOTE], "@id": "http://example.org/a"},
        {"@context": [[REMOTE]], "@id": "http://example.org/a"},
        {
            "@context": {"@import": REMOTE, "ex": "http://example.org/"},
            "@id": "http://example.org/a",
        },
        {
            "@context": {"ex": {"@id": "http://example.org/p", "@context": REMOTE}}
        },  # property-scoped
        {"@context": {"T": {"@id": "http://example.org/T", "@context": [REMOTE]}}},  # type-scoped
        {
            "@context": {"ex": {"@id": "http://example.org/p", "@context": {"@import": REMOTE}}},
        },
        {"@graph": [{"@id": "http://example.org/a", "http://example.org/p": {"@context": REMOTE}}]},
        [{"@id": "http://example.org/a"}, {"@context": REMOTE}],
    ],
    ids=[
        "string",
        "array",
        "array-after-objects",
        "nested-array",
        "import",
        "property-scoped",
        "type-scoped",
        "scoped-import",
        "deep-in-graph",
        "second-node",
    ],
)
def test_remote_contexts_are_refused(document: Any) -> None:
    text = json.dumps(document, indent=1)
    exc = invalid(text.encode(), RDFFormat.JSONLD)
    assert exc.message.startswith("the JSON-LD refers to a remote @context (")
    assert f"<{REMOTE}>" in exc.message
    assert "SSRF" in exc.message and "put the context object itself in the document" in exc.message
    at = text.index(json.dumps(REMOTE))
    assert (exc.line, exc.column) == (text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at))


@pytest.mark.parametrize(
    "document",
    [
        # the key spelt with escapes is still @context
        '{"\\u0040cont\\u0065xt": "http://127.0.0.1:1/c", "@id": "http://example.org/a"}',
        # a duplicate key: json keeps the last, a streaming parser reads the first
        '{"@context": "http://127.0.0.1:1/c", "@context": {}, "@id": "http://example.org/a"}',
        # @import whose value is not even a string
        '{"@context": {"@import": {"x": 1}}, "@id": "http://example.org/a"}',
    ],
    ids=["escaped-key", "duplicate-key", "import-object"],
)
def test_remote_contexts_cannot_hide(document: str) -> None:
    exc = invalid(document.encode(), RDFFormat.JSONLD)
    assert "remote @context" in exc.message


@pytest.mark.parametrize(
    "context",
    [
        {"ex": "http://example.org/"},
        None,
        [
            None,
            {"ex": "http://example.org/"},
            {"p": {"@id": "http://example.org/p", "@context": {}}},
        ],
    ],
    ids=["object", "null", "array-of-objects"],
)
def test_inline_contexts_pass_and_parse(context: Any) -> None:
    document = {"@context": context, "@id": "http://example.org/a", "http://example.org/p": "x"}
    data = json.dumps(document).encode()
    check_rdf(data, RDFFormat.JSONLD, max_depth=LIMIT)
    assert len(load_rdf(data, RDFFormat.JSONLD)) == 1


def test_a_remote_looking_string_elsewhere_passes() -> None:
    document = {
        "@context": {"ex": "http://example.org/"},
        "@id": "http://example.org/a",
        "ex:note": 'says "@context": "http://127.0.0.1:1/c" in its text',
    }
    check_rdf(json.dumps(document).encode(), RDFFormat.JSONLD, max_depth=LIMIT)


# ----------------------------------------------------------------------------- malformed input
@pytest.mark.parametrize(
    ("document", "line", "column", "words"),
    [
        (f"{XML_ROOT}\n  <ex:p></ex:q></rdf:RDF>", 2, 11, "mismatched tag (a closing tag"),
        (f"{XML_ROOT}\n<ex:p>&nbsp;</ex:p></rdf:RDF>", 2, 7, "undefined entity (without a DOCTYPE"),
        (f"{XML_ROOT}<ex:p>", 1, len(XML_ROOT) + 7, "no element found"),
        ("", 1, 1, "no element found (the document is empty"),
        (f"{XML_ROOT}</rdf:RDF><x/>", 1, len(XML_ROOT) + 11, "junk after document element"),
    ],
    ids=["mismatched", "entity", "unclosed", "empty", "two-roots"],
)
def test_malformed_xml_is_invalid_input_in_plain_words(
    document: str, line: int, column: int, words: str
) -> None:
    exc = invalid(document.encode(), RDFFormat.RDFXML)
    assert exc.message.startswith("not well-formed XML: ")
    assert words in exc.message
    assert (exc.line, exc.column) == (line, column)


def test_malformed_json_is_invalid_input_with_its_position() -> None:
    exc = invalid(b'{"@id": "http://example.org/a",\n  "p": }', RDFFormat.JSONLD)
    assert exc.message == "not valid JSON: Expecting value"
    assert (exc.line, exc.column) == (2, 8)


def test_only_json_brackets_count_in_json() -> None:
    """Parentheses are Turtle's: in JSON they are a syntax error, not nesting."""
    exc = invalid(b"[[" + b"(" * 100, RDFFormat.JSONLD, max_depth=2)
    assert exc.message == "not valid JSON: Expecting value"


def test_json_numbers_are_not_converted() -> None:
    """A 5,000-digit number is valid JSON (pyoxigraph reads it as a double); Python's int() would
    refuse it, so the check must not convert numbers."""
    document = b'{"@id": "http://example.org/a", "http://example.org/p": ' + b"7" * 5000 + b"}"
    check_rdf(document, RDFFormat.JSONLD, max_depth=LIMIT)


def test_a_processing_instruction_is_not_followed() -> None:
    """expat reports processing instructions and never fetches what they name."""
    document = f'<?xml-stylesheet href="http://127.0.0.1:1/x.xsl"?>\n{XML_ROOT}</rdf:RDF>'.encode()
    check_rdf(document, RDFFormat.RDFXML, max_depth=LIMIT)


@pytest.mark.parametrize("fmt", list(RDFFormat), ids=lambda f: f.key)
def test_a_byte_order_mark_is_accepted(fmt: RDFFormat) -> None:
    bodies = {
        RDFFormat.RDFXML: f"{XML_ROOT}</rdf:RDF>",
        RDFFormat.JSONLD: '{"@id": "http://example.org/a"}',
    }
    body = bodies.get(fmt, "<http://example.org/a> <http://example.org/b> <http://example.org/c> .")
    check_rdf(b"\xef\xbb\xbf" + body.encode(), fmt, max_depth=LIMIT)


# ------------------------------------------------------------------- conforming payloads still pass
def example_batch_as(fmt: RDFFormat) -> bytes:
    if fmt is RDFFormat.TURTLE:
        return EXAMPLE_BATCH.encode()
    if fmt.is_dataset and fmt is not RDFFormat.JSONLD:
        dataset = Dataset()
        dataset.graph("https://w3id.org/actorgraph/id/graph/batch/x").parse(
            data=EXAMPLE_BATCH, format="turtle"
        )
        return dataset.serialize(format=fmt.key, encoding="utf-8")
    graph = Graph().parse(data=EXAMPLE_BATCH, format="turtle")
    if fmt is RDFFormat.JSONLD:
        context = {prefix: str(ns) for prefix, ns in graph.namespaces() if prefix}
        return graph.serialize(format="json-ld", context=context, encoding="utf-8")
    return graph.serialize(format={"ntriples": "nt", "rdfxml": "xml"}[fmt.key], encoding="utf-8")


@pytest.mark.parametrize("fmt", list(RDFFormat), ids=lambda f: f.key)
def test_the_example_batch_in_every_format_passes_and_parses(fmt: RDFFormat) -> None:
    data = example_batch_as(fmt)
    if fmt is RDFFormat.JSONLD:
        assert b'"@context": {' in data  # inline, not a remote context
    check_rdf(data, fmt, max_depth=64)
    expected = Graph().parse(data=EXAMPLE_BATCH, format="turtle")
    assert len(load_rdf(data, fmt)) == len(expected) > 0


RDF_SUFFIXES = {
    ".ttl": RDFFormat.TURTLE,
    ".nt": RDFFormat.NTRIPLES,
    ".nq": RDFFormat.NQUADS,
    ".trig": RDFFormat.TRIG,
    ".jsonld": RDFFormat.JSONLD,
    ".rdf": RDFFormat.RDFXML,
    ".owl": RDFFormat.RDFXML,
}
PROJECT_RDF = sorted(
    [p for p in (PROJECT_ROOT / "seeds").rglob("*") if p.suffix in RDF_SUFFIXES]
    + list((PROJECT_ROOT / "ontology").glob("*.ttl"))
    + list((PROJECT_ROOT / "shapes").glob("*.ttl"))
    + list((PROJECT_ROOT / "tests" / "graph" / "shapes").rglob("*.ttl"))
)


def test_the_project_has_rdf_files_to_check() -> None:
    assert any(p.parent.name == "ontology" for p in PROJECT_RDF)
    assert any(p.parent.name == "shapes" for p in PROJECT_RDF)


@pytest.mark.parametrize("path", PROJECT_RDF, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_the_project_rdf_passes(path: Path) -> None:
    check_rdf(path.read_bytes(), RDF_SUFFIXES[path.suffix], max_depth=64, source=path.name)


# --------------------------------------------------------------------------- random and properties
def random_tree(rng: random.Random, depth: int) -> list[Any]:
    """A random tree exactly ``depth`` levels deep (each list is a level; one path reaches the
    bottom, the others stop anywhere)."""
    if depth == 1:
        return []
    children = [random_tree(rng, rng.randrange(1, depth)) for _ in range(rng.randrange(3))]
    children.insert(rng.randrange(len(children) + 1), random_tree(rng, depth - 1))
    return children


def nested(fmt: RDFFormat, depth: int, rng: random.Random) -> bytes:
    """A random document of the format nested exactly ``depth`` deep, with noise that holds
    brackets which do not count (strings, IRIs, comments, escapes, CDATA)."""
    if fmt is RDFFormat.JSONLD:
        return json.dumps(to_json(random_tree(rng, depth), rng)).encode()
    if fmt is RDFFormat.RDFXML:  # the root element is the first level
        inner = to_xml(random_tree(rng, depth - 1), rng) if depth > 1 else ""
        return f"{XML_ROOT}{inner}</rdf:RDF>".encode()
    return to_turtle(random_tree(rng, depth), rng).encode()


def to_json(tree: list[Any], rng: random.Random) -> Any:
    children = [to_json(child, rng) for child in tree]
    if rng.random() < 0.5:
        return [*children, '[{"]', 1]
    return {f"k{n}": child for n, child in enumerate(children)} | {"s": "}]"}


def to_xml(tree: list[Any], rng: random.Random) -> str:
    noise = rng.choice(
        ["", "text", "<!-- <a><b> -->", "<![CDATA[<a><b>]]>", "<?pi <a>?>", "&lt;a&gt;"]
    )
    return "<ex:e>" + noise + "".join(to_xml(child, rng) for child in tree) + "</ex:e>"


def to_turtle(tree: list[Any], rng: random.Random) -> str:
    opening, closing = rng.choice(
        [("[", "]"), ("(", ")"), ("{", "}"), ("<<", ">>"), ("<<(", ")>>")]
    )
    noise = rng.choice(['"[["', "'(('", "<http://x/[>", "# ((\n", '"""\n]]"""', "ex:a\\(", ""])
    inner = " ".join(to_turtle(child, rng) for child in tree)
    return f"{opening} {noise} {inner} {closing}"


def depth_holds(data: bytes, fmt: RDFFormat, depth: int, max_depth: int) -> None:
    if depth <= max_depth:
        check_rdf(data, fmt, max_depth=max_depth)
    else:
        too_deep(data, fmt, max_depth=max_depth)


FORMATS = [RDFFormat.TURTLE, RDFFormat.TRIG, RDFFormat.NTRIPLES, RDFFormat.JSONLD, RDFFormat.RDFXML]


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.key)
def test_random_nesting_passes_iff_within_the_limit(fmt: RDFFormat) -> None:
    rng = random.Random(f"nesting-{fmt.key}")
    for _ in range(150):
        depth, max_depth = rng.randrange(1, 12), rng.randrange(1, 12)
        depth_holds(nested(fmt, depth, rng), fmt, depth, max_depth)


def mutations(rng: random.Random, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(rng.randrange(1, 8)):
        at = rng.randrange(len(data) + 1)
        kind = rng.randrange(3)
        if kind == 0:
            data[at:at] = rng.choice(
                [
                    b"[",
                    b"]",
                    b"{",
                    b'"',
                    b"'",
                    b"<",
                    b">>",
                    b"\\",
                    b"#",
                    b"\x00",
                    b"\xff",
                    b"\xc3",
                    b"<!DOCTYPE x>",
                    b"@context",
                ]
            )
        elif kind == 1 and data:
            del data[at : at + rng.randrange(1, 6)]
        else:
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 6)))
    return bytes(data)


@pytest.mark.parametrize("fmt", list(RDFFormat), ids=lambda f: f.key)
def test_random_and_mutated_bytes_raise_nothing_else(fmt: RDFFormat) -> None:
    rng = random.Random(f"bytes-{fmt.key}")
    seed = example_batch_as(fmt)
    for n in range(400):
        if n % 2:
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(60)))
        else:
            data = mutations(rng, seed)
        with contextlib.suppress(InvalidInput, LimitExceeded):
            check_rdf(data, fmt, max_depth=rng.randrange(1, 10))


def test_properties_with_hypothesis() -> None:
    """The two properties above, searched by Hypothesis when it is installed."""
    hypothesis = pytest.importorskip("hypothesis")
    st = pytest.importorskip("hypothesis.strategies")

    def nesting(fmt: RDFFormat, depth: int, max_depth: int, seed: int) -> None:
        depth_holds(nested(fmt, depth, random.Random(seed)), fmt, depth, max_depth)

    def any_bytes(fmt: RDFFormat, data: bytes, max_depth: int) -> None:
        with contextlib.suppress(InvalidInput, LimitExceeded):
            check_rdf(data, fmt, max_depth=max_depth)

    settings = hypothesis.settings(max_examples=200, deadline=None)
    settings(
        hypothesis.given(
            st.sampled_from(FORMATS),
            st.integers(1, 15),
            st.integers(1, 15),
            st.integers(0, 2**32),
        )(nesting)
    )()
    settings(
        hypothesis.given(
            st.sampled_from(list(RDFFormat)), st.binary(max_size=200), st.integers(1, 10)
        )(any_bytes)
    )()
