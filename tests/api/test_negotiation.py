"""Content negotiation, the pure function (RFC 9110 §12.5.1)."""

from __future__ import annotations

import pytest

from api.negotiation import MediaRange, negotiate, parse_accept

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
