"""Content negotiation (RFC 9110 §12.5.1), Content-Type parsing, the names clients give formats,
and the fall-back from ``format=`` to ``Accept``: :mod:`api.negotiation`, on its own."""

from __future__ import annotations

import doctest

import pytest

from api import negotiation
from api.errors import NotAcceptable
from api.negotiation import (
    CYTOSCAPE_NAMES,
    NAMES,
    NODE_LINK,
    ContentType,
    Formats,
    MediaRange,
    negotiate,
    parse_accept,
    parse_content_type,
)

RESULTS = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
]
ALIASES = {
    "application/sparql-results+json": ["application/json"],
    "application/sparql-results+xml": ["application/xml", "text/xml"],
}


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, "application/sparql-results+json"),
        ("", "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("text/csv", "text/csv"),
        ("TEXT/CSV", "text/csv"),
        ("text/csv; charset=utf-8", "text/csv"),
        ("text/*", "text/csv"),  # the server's order breaks the tie
        ("text/*;q=0.5, text/tab-separated-values", "text/tab-separated-values"),
        ("text/csv;q=0.2, application/sparql-results+xml;q=0.8", "application/sparql-results+xml"),
        (
            "text/*;q=0.9, text/csv;q=0.1",
            "text/tab-separated-values",
        ),  # the specific range wins for csv
        ("*/*;q=0.1, application/json", "application/sparql-results+json"),
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "application/sparql-results+xml",
        ),
        ("application/sparql-results+json;q=0, */*", "application/sparql-results+xml"),
        ("image/png", None),
        ("text/csv;q=0", None),
        ("application/json;q=0, application/sparql-results+json;q=0", None),
    ],
)
def test_negotiate(accept: str | None, chosen: str | None) -> None:
    assert negotiate(accept, RESULTS, aliases=ALIASES) == chosen


def test_an_alias_counts_only_when_named_exactly() -> None:
    # text/* must not choose XML results through the alias text/xml
    assert negotiate("text/*", ["application/sparql-results+xml"], aliases=ALIASES) is None
    assert negotiate("text/xml", ["application/sparql-results+xml"], aliases=ALIASES) == (
        "application/sparql-results+xml"
    )


def test_garbage_ranges_are_skipped() -> None:
    assert negotiate("garbage, ;;, */x", RESULTS) == RESULTS[0]
    assert (
        negotiate("text/csv;q=abc, text/tab-separated-values", RESULTS)
        == "text/tab-separated-values"
    )


def test_no_offers_means_nothing_acceptable() -> None:
    assert negotiate("*/*", []) is None


@pytest.mark.parametrize(
    ("header", "ranges"),
    [
        ("text/turtle", [MediaRange("text", "turtle", 1.0)]),
        ("text/*;q=0.3", [MediaRange("text", "*", 0.3)]),
        ("*/*;q=2", [MediaRange("*", "*", 1.0)]),  # clamped
        ("a/b;level=1;q=0.5", [MediaRange("a", "b", 0.5)]),
        ("nonsense", []),
    ],
)
def test_parse_accept(header: str, ranges: list[MediaRange]) -> None:
    assert parse_accept(header) == ranges


@pytest.mark.parametrize(
    ("media_range", "specificity"),
    [
        (MediaRange("*", "*", 1), 0),
        (MediaRange("text", "*", 1), 1),
        (MediaRange("text", "csv", 1), 2),
    ],
)
def test_specificity(media_range: MediaRange, specificity: int) -> None:
    assert media_range.specificity == specificity


def test_the_docstring_examples_run() -> None:
    # api/ is not under pytest's doctest paths (testpaths: tests, graph)
    result = doctest.testmod(negotiation)
    assert result.attempted > 0 and result.failed == 0


# ------------------------------------------------------------------------------ Content-Type
@pytest.mark.parametrize(
    ("header", "parsed"),
    [
        (None, ContentType(None)),
        ("", ContentType(None)),
        ("  ", ContentType(None)),
        ("text/turtle", ContentType("text/turtle")),
        ("Text/Turtle ; Charset=UTF-8", ContentType("text/turtle", "utf-8")),
        (
            'application/sparql-query;charset="utf-8"',
            ContentType("application/sparql-query", "utf-8"),
        ),
        (
            "text/plain; charset=latin-1; format=flowed",
            ContentType("text/plain", "latin-1", {"format": "flowed"}),
        ),
        (
            'text/plain; title="a;b\\"c"; charset=utf8',
            ContentType("text/plain", "utf8", {"title": 'a;b"c'}),
        ),
        ("text/plain; ;; =x; charset", ContentType("text/plain", "")),  # junk parameters skipped
        ("; charset=utf-8", ContentType(None, "utf-8")),
    ],
)
def test_parse_content_type(header: str | None, parsed: ContentType) -> None:
    assert parse_content_type(header) == parsed


@pytest.mark.parametrize(
    ("header", "utf8"),
    [
        (None, True),
        ("text/turtle", True),
        ("text/turtle; charset=UTF-8", True),
        ("text/turtle; charset=utf8", True),
        ("text/turtle; charset=latin-1", False),
        ("text/turtle; charset=", False),
    ],
)
def test_utf8_unless_another_charset_is_declared(header: str | None, utf8: bool) -> None:
    assert parse_content_type(header).utf8 is utf8


# ------------------------------------------------------------------- names, aliases, fall-back
SELECT = Formats.of("SELECT/ASK", *RESULTS)
CONSTRUCT = Formats.of(
    "CONSTRUCT",
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
)
EGO = Formats.of(
    "an ego network",
    "application/json",
    NODE_LINK,
    "application/graphml+xml",
    "application/gexf+xml",
    names=CYTOSCAPE_NAMES,
)
REPORT = Formats.of("the report", "application/json", "text/turtle")


@pytest.mark.parametrize(
    ("formats", "values", "offer"),
    [
        # what SPARQLWrapper sends as format=, output= and results=
        (SELECT, ["json"], "application/sparql-results+json"),
        (SELECT, ["xml"], "application/sparql-results+xml"),
        (SELECT, ["csv"], "text/csv"),
        (SELECT, ["tsv", "text/tab-separated-values"], "text/tab-separated-values"),
        (SELECT, ["turtle"], None),
        (SELECT, ["n3"], None),
        (SELECT, ["rdf+xml", ""], None),
        (SELECT, ["json-ld", ""], None),
        (CONSTRUCT, ["turtle"], "text/turtle"),
        (CONSTRUCT, ["n3"], "text/turtle"),
        (CONSTRUCT, ["rdf+xml", "application/rdf+xml"], "application/rdf+xml"),
        (CONSTRUCT, ["xml"], "application/rdf+xml"),
        (CONSTRUCT, ["rdf"], "application/rdf+xml"),
        (
            CONSTRUCT,
            ["json-ld", "application/ld+json,application/x-json+ld"],
            "application/ld+json",
        ),
        (CONSTRUCT, ["json"], "application/ld+json"),
        (CONSTRUCT, ["csv"], None),
        (CONSTRUCT, ["tsv", ""], None),
        # case, blanks, parameters, comma lists, the first that fits
        (SELECT, [" CSV "], "text/csv"),
        (SELECT, ["Text/CSV; charset=utf-8"], "text/csv"),
        (SELECT, ["yaml,  tsv, csv"], "text/tab-separated-values"),
        (SELECT, ["", "yaml", "application/json"], "application/sparql-results+json"),
        (CONSTRUCT, ["text/n3"], "text/turtle"),
        (CONSTRUCT, ["application/ld+json"], "application/ld+json"),
        (CONSTRUCT, [",,"], None),
        # another resource's names: json is the ego network's own application/json (Cytoscape)
        (EGO, ["json"], "application/json"),
        (EGO, ["cytoscape"], "application/json"),
        (EGO, ["node-link"], NODE_LINK),
        (EGO, [NODE_LINK], NODE_LINK),
        (EGO, ["GraphML"], "application/graphml+xml"),
        (EGO, ["turtle"], None),
        # Cytoscape's names are the ego network's only
        (REPORT, ["cytoscape"], None),
        (REPORT, ["json"], "application/json"),
        (REPORT, ["n3"], "text/turtle"),
    ],
)
def test_named(formats: Formats, values: list[str], offer: str | None) -> None:
    assert formats.named(values) == offer


@pytest.mark.parametrize(
    ("formats", "accept", "offer"),
    [
        # SPARQLWrapper's Accept headers
        (
            SELECT,
            "application/sparql-results+json,application/json,text/javascript,application/javascript",
            "application/sparql-results+json",
        ),
        (CONSTRUCT, "application/turtle,text/turtle", "text/turtle"),
        (
            CONSTRUCT,
            "application/turtle,text/turtle,text/rdf+n3,application/n-triples,application/n3,text/n3",
            "text/turtle",
        ),
        (CONSTRUCT, "application/ld+json,application/x-json+ld", "application/ld+json"),
        (CONSTRUCT, "application/x-json+ld", "application/ld+json"),
        (CONSTRUCT, "text/n3", "text/turtle"),
        (CONSTRUCT, "*/*", "text/turtle"),
        # a browser's
        (
            SELECT,
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "application/sparql-results+xml",
        ),
        (
            CONSTRUCT,
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "application/rdf+xml",
        ),
        (
            EGO,
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "application/json",
        ),
        # Cytoscape is the default for JSON; node-link by its own media type
        (EGO, "application/json", "application/json"),
        (EGO, "application/*", "application/json"),
        (EGO, f"application/json;q=0.1, {NODE_LINK}", NODE_LINK),
        (EGO, "application/vnd.cytoscape+json", "application/json"),
        # an alias counts only when named exactly
        (CONSTRUCT, "text/*", "text/turtle"),
        (SELECT, "application/x-json+ld", None),
        (EGO, "text/turtle", None),
        (REPORT, "application/vnd.cytoscape+json", None),
    ],
)
def test_negotiate_with_the_aliases(formats: Formats, accept: str, offer: str | None) -> None:
    assert formats.negotiate(accept) == offer


def test_every_alias_names_a_known_format() -> None:
    # (application/json is both: an offer of its own, and an alias where it is not offered)
    ours = {*RESULTS, *CONSTRUCT.offers, *EGO.offers}
    for name, candidates in NAMES.items():
        assert name == name.strip().lower() and candidates, name
        assert set(candidates) <= ours, name


@pytest.mark.parametrize(
    ("requested", "accept", "chosen"),
    [
        (["csv"], "application/sparql-results+xml", "text/csv"),  # format= beats Accept
        (["turtle"], "application/sparql-results+xml", "application/sparql-results+xml"),
        (["yaml"], None, "application/sparql-results+json"),
        ([], "text/csv", "text/csv"),
        (["yaml", "tsv"], "text/csv", "text/tab-separated-values"),
    ],
)
def test_choose_falls_back_to_accept(requested: list[str], accept: str | None, chosen: str) -> None:
    assert SELECT.choose(accept, requested) == chosen


def test_choose_raises_406_listing_what_is_available() -> None:
    with pytest.raises(NotAcceptable) as raised:
        SELECT.choose("image/png", ["turtle"])
    message = raised.value.message
    assert all(offer in message for offer in RESULTS), message
    assert "format=csv|json|tsv|xml" in message and "SELECT/ASK" in message


def test_choose_without_fall_back_refuses_an_unknown_name() -> None:
    report = REPORT
    assert report.choose("text/turtle", ["json"], fall_back=False) == "application/json"
    assert report.choose("text/turtle", [], fall_back=False) == "text/turtle"
    with pytest.raises(NotAcceptable, match=r"format='xml' is not a format of the report"):
        report.choose("application/json", ["xml"], fall_back=False)


def test_messages_cut_what_the_client_sent_short() -> None:
    with pytest.raises(NotAcceptable) as raised:
        SELECT.choose("x/y, " * 10_000)
    assert len(raised.value.message) < 600
