"""/events: by type, actor and date, with participants and evidence."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.namespaces import ID
from graph.settings import Settings
from graph.store import Store


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
