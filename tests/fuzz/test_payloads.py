"""Request bodies with any content: RDF for ``POST /validate`` (the parser every steward payload
goes through) and article text for ``POST /extract``. Never a server error; errors are
problem+json with a ``detail``. Nothing here writes (``/validate`` is a dry run).
"""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from hypothesis import example, given
from hypothesis import strategies as st

from api.deps import RDF_MEDIA_TYPES
from api.routers.validate import EXAMPLE_BATCH
from tests.fuzz.conftest import assert_problem, bounded

PREFIXES = EXAMPLE_BATCH.split("\n\n")[0] + "\n\n"

#: Turtle-ish fragments: most bodies get past the tokenizer and reach the parser and the shapes.
TOKENS = [
    *("actor:russia", "ag:agent", "a", "ag:Meeting", "ag:Accusation", "event:x", "ev:x", "."),
    *(";", ",", "[", "]", "(", ")", '"x"', '"2017-03-01"^^xsd:date', '"x"@en', "1", "true"),
    *("<https://w3id.org/actorgraph/id/actor/x>", "<x>", "<>", "_:b", "@prefix", "@base"),
    *("sem:hasTimeStamp", "rdfs:label", "ag:quote", "prov:wasDerivedFrom", "rdf:type", "{", "}"),
]
RDF_BODIES = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=30).map(lambda ts: PREFIXES + " ".join(ts)),
    st.text(max_size=500).map(str.encode),
    st.binary(max_size=500),
    st.recursive(  # JSON-LD-ish documents
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.dictionaries(
                st.sampled_from(["@id", "@type", "@context", "@value", "@graph", "@vocab", "x"]),
                inner,
                max_size=3,
            ),
        ),
        max_leaves=10,
    ).map(json.dumps),
)
MEDIA = st.one_of(
    st.sampled_from(sorted(RDF_MEDIA_TYPES)),
    st.sampled_from(
        ["text/turtle; charset=UTF-8", "text/turtle; charset=utf-16", "", "text/plain"]
    ),
)


@given(body=RDF_BODIES, media=MEDIA, fmt=st.sampled_from([None, "json", "turtle", "xml", ""]))
@example(body=EXAMPLE_BATCH, media="text/turtle", fmt=None)
@example(body=EXAMPLE_BATCH, media="text/turtle", fmt="turtle")
@example(body=b"\xef\xbb\xbf" + EXAMPLE_BATCH.encode(), media="text/turtle", fmt=None)
@bounded(150)
def test_validate_any_payload(
    reader: TestClient, body: str | bytes, media: str, fmt: str | None
) -> None:
    r = reader.post(
        "/validate",
        content=body,
        headers={"Content-Type": media},
        params={"format": fmt} if fmt is not None else {},
    )
    assert_problem(r, {200, 400, 406, 413, 415, 422})


@given(
    text=st.one_of(st.text(max_size=2_000), st.binary(max_size=300)),
    published=st.one_of(st.none(), st.dates().map(str), st.text(max_size=12)),
    accept=st.sampled_from([None, "application/json", "text/turtle", "image/png", "*/*"]),
)
@example(text="", published=None, accept=None)
@example(text="Russia accused the Taliban on Monday.", published="2017-02-10", accept=None)
@example(text="Russia accused the Taliban on Monday.", published="0001-01-01", accept=None)
@bounded(100)
def test_extract_any_article(
    reader: TestClient, text: str | bytes, published: str | None, accept: str | None
) -> None:
    headers = {"Content-Type": "text/plain; charset=utf-8"}
    if accept is not None:
        headers["Accept"] = accept
    params = {"published": published} if published is not None else {}
    r = reader.post("/extract", content=text, headers=headers, params=params)
    assert_problem(r, {200, 400, 406, 413, 415, 422})
