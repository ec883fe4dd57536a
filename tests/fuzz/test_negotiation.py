"""Properties of content negotiation (``api.negotiation``) on any ``Accept`` header text.

Whatever a client sends, ``parse_accept`` and ``negotiate`` never raise; the answer is one of the
offers or None (406); a media range with ``q=0`` excludes what it names (RFC 9110 §12.5.1).
"""

from __future__ import annotations

import math

from hypothesis import example, given
from hypothesis import strategies as st

from api.negotiation import negotiate, parse_accept
from tests.fuzz.conftest import bounded

RESULTS = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
]
GRAPHS = ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"]
ALIASES = {
    "application/sparql-results+json": ["application/json"],
    "application/sparql-results+xml": ["application/xml", "text/xml"],
    "text/turtle": ["application/x-turtle"],
    "application/ld+json": ["application/json"],
    "application/rdf+xml": ["application/xml", "text/xml"],
}
NAMES = sorted({*RESULTS, *GRAPHS, *(a for names in ALIASES.values() for a in names)})

#: q-values as clients write them, and as they should not.
QVALUES = st.one_of(
    st.sampled_from(["0", "0.0", "0.000", "1", "1.000", "0.5", "0.001", ".5", "1.5", "-1"]),
    st.sampled_from(["nan", "NaN", "inf", "-inf", "1e-400", "1e400", "", "q", "0x1", "١"]),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
#: media ranges: ours, wildcards, case variants and junk.
RANGES = st.one_of(
    st.sampled_from([*NAMES, "*/*", "text/*", "application/*", "*/json", "*", "/", "a/", "/b"]),
    st.sampled_from(NAMES).map(str.upper),
    st.from_regex(r"[a-z*]{1,8}/[a-z0-9.+*-]{1,12}", fullmatch=True),
    st.text(max_size=20),
)
PARAMS = st.lists(
    st.one_of(
        QVALUES.map(lambda q: f"q={q}"),
        QVALUES.map(lambda q: f" Q = {q} "),
        st.sampled_from(["charset=utf-8", "level=1", "q", "=", ";"]),
        st.text(max_size=10),
    ),
    max_size=3,
)
ENTRY = st.builds(lambda r, ps: ";".join([r, *ps]), RANGES, PARAMS)
HEADERS = st.one_of(
    st.lists(ENTRY, max_size=6).map(", ".join),
    st.text(max_size=200),  # anything at all, control characters included
)
OFFERS = st.sampled_from([RESULTS, GRAPHS, ["application/json", "text/turtle"]])


@given(header=HEADERS)
@example(header="text/csv;q=nan")
@example(header="text/csv;q=nan, text/csv;q=0.5")
@bounded(300)
def test_parse_accept_never_raises_and_keeps_q_in_range(header: str) -> None:
    for r in parse_accept(header):
        assert r.type and r.subtype, r
        assert r.type == r.type.lower() and r.subtype == r.subtype.lower(), r
        assert not (r.type == "*" and r.subtype != "*"), r
        assert not math.isnan(r.q) and 0.0 <= r.q <= 1.0, f"{header!r} parsed to q={r.q}"


@given(header=st.one_of(st.none(), HEADERS), offers=OFFERS)
@bounded(300)
def test_negotiate_answers_an_offer_or_none(header: str | None, offers: list[str]) -> None:
    chosen = negotiate(header, offers, aliases=ALIASES)
    assert chosen is None or chosen in offers
    if header is None or not header.strip() or not parse_accept(header):
        assert chosen == offers[0]  # no preference: the server's first choice


@given(header=HEADERS, offers=OFFERS, pick=st.integers(min_value=0, max_value=3))
@example(header="*/*", offers=RESULTS, pick=0)
@example(header="application/json", offers=RESULTS, pick=0)
@bounded(300)
def test_q_zero_excludes_what_it_names(header: str, offers: list[str], pick: int) -> None:
    excluded = offers[pick % len(offers)]
    # Drop every entry that names ``excluded`` exactly (it would compete with the q=0 one), then
    # refuse it explicitly: it must never be chosen, whatever else the header allows.
    kept = [
        part
        for part in header.split(",")
        if part.split(";")[0].strip().lower() != excluded
        and not any(part.split(";")[0].strip().lower() == a for a in ALIASES.get(excluded, ()))
    ]
    refused = ", ".join([*kept, f"{excluded};q=0"])
    assert negotiate(refused, offers, aliases=ALIASES) != excluded, refused


@given(
    entries=st.lists(
        RANGES.filter(lambda r: "," not in r and ";" not in r).map(lambda r: f"{r};q=0"),
        min_size=1,
        max_size=5,
    )
)
@bounded(200)
def test_nothing_with_a_positive_q_means_406(entries: list[str]) -> None:
    header = ", ".join(entries)
    if parse_accept(header):
        assert negotiate(header, RESULTS, aliases=ALIASES) is None, header
