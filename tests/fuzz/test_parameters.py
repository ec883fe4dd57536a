"""Query parameters with any values: ``/events``, ``/actors/{actor}/ego`` and ``/paths``.

Whatever the values, the answer is never a server error; an error is problem+json with a
``detail``; a 200 is well-formed in the media type it declares.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import httpx
from fastapi.testclient import TestClient
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz.conftest import assert_problem, bounded, segment

#: Dates as clients send them, well and badly.
DATES = st.one_of(
    st.dates().map(str),
    st.sampled_from(
        ["2017-02-10", "2017-02-30", "2017-13-01", "0000-01-01", "9999-12-31", "10000-01-01"]
    ),
    st.sampled_from(["2017", "2017-02", "20170210", "2017-02-10T00:00:00", "-2017-01-01", ""]),
    st.sampled_from(["null", "today", "2017-02-10Z", " 2017-02-10", "２０１７-０２-１０"]),
    st.text(max_size=20),
)
NUMBERS = st.one_of(
    st.integers().map(str),
    st.sampled_from(["0", "1", "-1", "1.5", "1e3", "NaN", "inf", "", " 2", "0x10", "٣"]),
    st.sampled_from([str(2**63), str(-(2**63) - 1), "9" * 400]),
    st.text(max_size=8),
)
ACTORS = st.one_of(
    st.sampled_from(["Russia", "Taliban", "Donald Trump", "actor:russia", "Kabul", "nobody"]),
    st.text(max_size=40),
)
RELATIONS = st.one_of(
    st.sampled_from(["accused", "denied", "metWith", "memberOf", "affiliation", "criticised"]),
    st.lists(st.sampled_from(["accused", "denied", "metWith", "x", "", " "]), max_size=4).map(
        ",".join
    ),
    st.text(max_size=30),
)
EVENT_TYPES = st.one_of(
    st.sampled_from(["Accusation", "accusation", "Meeting", "PoliticalEvent", "Denial", "Foo"]),
    st.sampled_from(["ag:Accusation", "https://w3id.org/actorgraph/ontology#Accusation", "*"]),
    st.text(max_size=30),
)
ACCEPT = st.one_of(
    st.sampled_from(
        ["application/json", "application/graphml+xml", "application/gexf+xml", "*/*", "text/html"]
    ),
    st.sampled_from(["application/json;q=0", "application/*;q=0.5", "image/png, */*;q=0"]),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40),
)


def optional(values: st.SearchStrategy[str]) -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), values)


def _params(**values: str | None) -> dict[str, str]:
    return {k.rstrip("_"): v for k, v in values.items() if v is not None}


def assert_well_formed(r: httpx.Response) -> None:
    """A 200 is what its Content-Type says."""
    media = r.headers["content-type"].split(";")[0].strip()
    if media.endswith("json"):
        json.loads(r.content)
    elif media.endswith("xml"):
        ET.fromstring(r.content)
    else:
        raise AssertionError(f"unexpected media type {media!r}")


@given(
    from_=optional(DATES),
    to=optional(DATES),
    type_=optional(EVENT_TYPES),
    actor=optional(ACTORS),
    limit=optional(NUMBERS),
    offset=optional(NUMBERS),
)
@example(from_="2018-01-01", to="2017-01-01", type_=None, actor=None, limit=None, offset=None)
@example(from_=None, to=None, type_="Accusation", actor="Russia", limit="500", offset=str(2**62))
@bounded(250)
def test_events_with_any_parameters(
    reader: TestClient,
    from_: str | None,
    to: str | None,
    type_: str | None,
    actor: str | None,
    limit: str | None,
    offset: str | None,
) -> None:
    params = _params(from_=from_, to=to, type_=type_, actor=actor, limit=limit, offset=offset)
    r = reader.get("/events", params=params)
    assert_problem(r, {200, 400, 404, 422})
    if r.status_code == 200:
        page = r.json()
        assert len(page["events"]) <= page["limit"] and page["total"] >= 0


@given(
    actor=ACTORS,
    radius=optional(NUMBERS),
    max_nodes=optional(NUMBERS),
    relations=optional(RELATIONS),
    from_=optional(DATES),
    to=optional(DATES),
    direction=optional(st.one_of(st.sampled_from(["in", "out", "both", "IN", ""]), st.text())),
    min_weight=optional(NUMBERS),
    format_=optional(
        st.one_of(
            st.sampled_from(["cytoscape", "node-link", "graphml", "gexf", "json", "GEXF", ""]),
            st.text(max_size=12),
        )
    ),
    accept=optional(ACCEPT),
)
@example(
    actor="Russia",
    radius="3",
    max_nodes="5000",
    relations=None,
    from_=None,
    to=None,
    direction=None,
    min_weight=None,
    format_="graphml",
    accept=None,
)
@example(
    actor="Taliban",
    radius="2",
    max_nodes="1",
    relations="accused,metWith",
    from_="2017-01-01",
    to="2016-01-01",
    direction="in",
    min_weight="1",
    format_="gexf",
    accept="text/html",
)
@bounded(250)
def test_ego_network_with_any_parameters(
    reader: TestClient,
    actor: str,
    radius: str | None,
    max_nodes: str | None,
    relations: str | None,
    from_: str | None,
    to: str | None,
    direction: str | None,
    min_weight: str | None,
    format_: str | None,
    accept: str | None,
) -> None:
    params = _params(
        radius=radius,
        max_nodes=max_nodes,
        relations=relations,
        from_=from_,
        to=to,
        direction=direction,
        min_weight=min_weight,
        format_=format_,
    )
    headers = {"Accept": accept} if accept is not None else {}
    r = reader.get(f"/actors/{segment(actor)}/ego", params=params, headers=headers)
    assert_problem(r, {200, 400, 404, 406, 422})
    if r.status_code == 200:
        assert_well_formed(r)


@given(
    source=ACTORS,
    target=ACTORS,
    max_paths=optional(NUMBERS),
    relations=optional(RELATIONS),
    max_evidence=optional(NUMBERS),
)
@example(source="Russia", target="Taliban", max_paths="50", relations=None, max_evidence="100")
@example(source="Russia", target="Russia", max_paths=None, relations=None, max_evidence=None)
@example(source="", target="", max_paths=None, relations=None, max_evidence=None)
@bounded(250)
def test_paths_with_any_parameters(
    reader: TestClient,
    source: str,
    target: str,
    max_paths: str | None,
    relations: str | None,
    max_evidence: str | None,
) -> None:
    params = {"from": source, "to": target} | _params(
        max_paths=max_paths, relations=relations, max_evidence=max_evidence
    )
    r = reader.get("/paths", params=params)
    assert_problem(r, {200, 400, 404, 422})
    if r.status_code == 200:
        body = r.json()
        assert body["from"]["iri"] and body["to"]["iri"]
        if body["length"] is not None:
            assert all(len(p["hops"]) == body["length"] for p in body["paths"])
