"""/events: by type, actor and date, with participants and evidence; /events/{id}: one in full."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.namespaces import ID
from graph.settings import PROJECT_ROOT, Settings
from graph.store import Store

SEEDS = PROJECT_ROOT / "seeds"


@pytest.fixture(scope="module")
def client(seed_copy: Callable[[str], Path]) -> Iterator[TestClient]:
    app = create_app(Settings(store_path=seed_copy("events")))
    with TestClient(app) as c:
        yield c


def _count(store: Store, sparql: str) -> int:
    return int(next(store.query(sparql).rows())["n"])


def test_events_by_type_match_the_store(client: TestClient, store: Store) -> None:
    body = client.get("/events", params={"type": "Accusation", "limit": 500}).json()
    expected = _count(store, "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a ag:Accusation }")
    assert body["total"] == len(body["events"]) == expected > 0
    assert {e["type"] for e in body["events"]} == {"Accusation"}
    for e in body["events"]:
        assert e["quote"] and e["article"]["file"] and e["participants"]


def test_type_includes_subclasses(client: TestClient, store: Store) -> None:
    body = client.get("/events", params={"type": "SpeechAct", "limit": 1}).json()
    expected = _count(
        store, "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a/rdfs:subClassOf* ag:SpeechAct }"
    )
    assert body["total"] == expected


def test_events_of_an_actor(client: TestClient) -> None:
    taliban = str(ID["actor/taliban"])
    body = client.get("/events", params={"actor": "the Taliban", "limit": 500}).json()
    assert body["total"] > 0
    for e in body["events"]:
        assert taliban in {p["iri"] for p in e["participants"]}


def test_date_range_and_paging(client: TestClient) -> None:
    all_ = client.get("/events", params={"limit": 500}).json()
    ranged = client.get(
        "/events", params={"from": "2017-01-01", "to": "2017-12-31", "limit": 500}
    ).json()
    assert 0 < ranged["total"] < all_["total"]
    for e in ranged["events"]:
        lo = e["date"] or e["earliest"]
        hi = e["date"] or e["latest"]
        assert (hi is None or hi >= "2017-01-01") and (lo is None or lo <= "2017-12-31")
    page = client.get("/events", params={"limit": 5, "offset": 5}).json()
    assert [e["iri"] for e in page["events"]] == [e["iri"] for e in all_["events"][5:10]]
    keys = [e["date"] or e["earliest"] or e["latest"] or "9999" for e in all_["events"]]
    assert keys == sorted(keys)


def test_unknown_type_is_400_listing_valid_types(client: TestClient) -> None:
    r = client.get("/events", params={"type": "Hug"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    assert "Accusation" in r.json()["detail"] and "Meeting" in r.json()["detail"]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"from": "2017-02-30"}, 422),
        ({"limit": 0}, 422),
        ({"offset": -1}, 422),
        ({"from": "2018-01-01", "to": "2017-01-01"}, 400),
        ({"actor": "Atlantis"}, 404),
    ],
)
def test_bad_parameters(client: TestClient, params: dict[str, object], status: int) -> None:
    r = client.get("/events", params=params)
    assert r.status_code == status and r.headers["content-type"].startswith(
        "application/problem+json"
    )


# ---------------------------------------------------------------------------- one event


ASSURES = str(ID["event/a003-taliban-assures-russia"])


def _article_text(file: str) -> str:
    return (SEEDS / "articles" / file).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "ident",
    [
        "a003-taliban-assures-russia",
        "event:a003-taliban-assures-russia",
        "event/a003-taliban-assures-russia",
        ASSURES,
    ],
)
def test_event_by_id_curie_or_iri(client: TestClient, ident: str) -> None:
    r = client.get(f"/events/{ident}")
    assert r.status_code == 200, r.text
    assert r.json()["iri"] == ASSURES


def test_event_detail_is_documented_with_its_parameters(client: TestClient) -> None:
    """The answer's example is recorded and replayed with the others (api/examples.json,
    tests/api/test_openapi_examples.py); the parameter's examples name every way to say it."""
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/events/{event}"]["get"]
    assert op["responses"]["200"]["content"]["application/json"]["examples"]
    assert {"id", "iri", "membership"} <= op["parameters"][0]["examples"].keys()


def test_every_event_behind_the_taliban_edges_drills_down(client: TestClient, store: Store) -> None:
    """Each event IRI of an ego network edge: its date within the edge's bounds, its actors at
    the ends of the edge, its quote at its offsets in the article's text."""
    ego = client.get("/actors/Taliban/ego").json()
    seen = 0
    for edge in (e["data"] for e in ego["elements"]["edges"]):
        for iri in edge["events"]:
            r = client.get(f"/events/{iri}")
            assert r.status_code == 200, (iri, r.text)
            e = r.json()
            seen += 1
            assert e["iri"] == iri and e["type"] and e["article"]["file"]
            lo = e["date"] or e["earliest"]
            hi = e["date"] or e["latest"]
            if edge["earliest"] is not None:
                assert lo is not None and edge["earliest"] <= lo
            if edge["latest"] is not None:
                assert hi is not None and hi <= edge["latest"]
            if edge["dating"] == "exact":
                assert e["date"] and edge["first"] <= e["date"] <= edge["last"]
            actors = {p["iri"]: p["roles"] for p in e["participants"]}
            assert edge["source"] in actors and edge["target"] in actors
            if edge["relation"] == "memberOf":
                assert e["type"] == "Membership" and e["role"]
                assert "member" in actors[edge["source"]]
                assert "organization" in actors[edge["target"]]
            for p in e["participants"]:
                assert p["label"] and p["roles"]
            # one evidence per report (an event reported twice has two), each at its offsets in
            # its own article; a membership has its one evidence and no report
            files = {r["article"]["iri"]: r["article"]["file"] for r in e["reports"]}
            files.setdefault(e["article"]["iri"], e["article"]["file"])
            assert len(e["evidence"]) == max(1, len(e["reports"]))
            assert e["quote"] in {x["exact"] for x in e["evidence"]}
            assert {r["evidence"] for r in e["reports"]} <= {x["iri"] for x in e["evidence"]}
            for evidence in e["evidence"]:
                text = _article_text(files[evidence["article"]])
                assert text[evidence["start"] : evidence["end"]] == evidence["exact"]
                assert text[: evidence["start"]].endswith(evidence["prefix"] or "")
                assert text[evidence["end"] :].startswith(evidence["suffix"] or "")
            for report in e["reports"]:
                assert report["quote"] in {x["exact"] for x in e["evidence"]}
            article = e["article"]
            assert bool(article["publisher"]) == bool(article["publisher_label"])
            assert article["published"] or article["published_latest"]
            assert not (article["published"] and article["published_latest"])
    assert seen >= sum(e["data"]["weight"] for e in ego["elements"]["edges"]) > 0


def test_event_dates_say_when_they_are_inferred(client: TestClient, store: Store) -> None:
    q = """SELECT DISTINCT ?e WHERE { ?e a/rdfs:subClassOf* ag:PoliticalEvent ; ag:dateInferred true ;
             sem:hasLatestEndTimeStamp ?hi . FILTER NOT EXISTS { ?e sem:hasEarliestBeginTimeStamp ?lo } }"""
    [iri] = next(iter(store.query(q).values()))
    assert iri is not None
    e = client.get(f"/events/{iri}").json()
    assert e["inferred"] is True and e["date_note"]
    assert e["date"] is None and e["earliest"] is None and e["latest"]
    assert e["precision"] == "bounded"


def test_unknown_event_is_404_with_suggestions(client: TestClient) -> None:
    r = client.get("/events/a003-taliban-asures-russia")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    assert ASSURES in r.json()["suggestions"]


@pytest.mark.parametrize(
    "ident",
    [
        str(ID["actor/russia"]),  # something else the store holds
        "actor:russia",
        "no such event",
        "a<b>",
        "%00",
        "https://example.org/%zz",
        "x" * 5000,
    ],
)
def test_what_is_not_an_event_is_404(client: TestClient, ident: str) -> None:
    r = client.get(f"/events/{ident}")
    assert r.status_code == 404, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
