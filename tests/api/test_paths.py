"""/paths: shortest paths between actors, every edge with its evidence."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.namespaces import ID
from graph.settings import Settings

KABULOV, TRUMP = str(ID["actor/zamir-kabulov"]), str(ID["actor/donald-trump"])


@pytest.fixture(scope="module")
def client(seed_copy: Callable[[str], Path]) -> Iterator[TestClient]:
    app = create_app(Settings(store_path=seed_copy("paths")))
    with TestClient(app) as c:
        yield c


def test_paths_between_two_actors_with_evidence(client: TestClient) -> None:
    r = client.get("/paths", params={"from": "Zamir Kabulov", "to": "Donald Trump", "max_paths": 3})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["from"]["iri"] == KABULOV and body["to"]["iri"] == TRUMP
    assert 1 <= len(body["paths"]) <= 3
    for path in body["paths"]:
        actors = [a["iri"] for a in path["actors"]]
        assert actors[0] == KABULOV and actors[-1] == TRUMP
        assert len(path["hops"]) == body["length"] == len(actors) - 1
        for hop, (a, b) in zip(path["hops"], itertools.pairwise(actors), strict=True):
            assert (hop["source"], hop["target"]) == (a, b)
            assert hop["edges"]
            for edge in hop["edges"]:
                assert {edge["source"], edge["target"]} == {a, b}
                assert 1 <= len(edge["evidence"]) <= edge["weight"]
                for ev in edge["evidence"]:
                    assert ev["iri"] and ev["type"] and ev["quote"] and ev["article"]["file"]


def test_same_length_for_every_path(client: TestClient) -> None:
    body = client.get(
        "/paths", params={"from": "Russia", "to": "Donald Trump", "max_paths": 20}
    ).json()
    assert {len(p["hops"]) for p in body["paths"]} == {body["length"]}
    seq = [tuple(a["iri"] for a in p["actors"]) for p in body["paths"]]
    assert len(set(seq)) == len(seq)


def test_max_evidence_caps_events_per_edge(client: TestClient) -> None:
    body = client.get(
        "/paths", params={"from": "Russia", "to": "Taliban", "max_evidence": 1}
    ).json()
    assert body["length"] == 1
    assert all(len(e["evidence"]) == 1 for h in body["paths"][0]["hops"] for e in h["edges"])
    assert any(e["weight"] > 1 for h in body["paths"][0]["hops"] for e in h["edges"])


def test_unknown_actor_is_404_with_suggestions(client: TestClient) -> None:
    r = client.get("/paths", params={"from": "Rusia", "to": "Taliban"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    assert "Russia" in r.json()["suggestions"]


@pytest.mark.parametrize(
    "params",
    [
        {"from": "Russia"},
        {"from": "Russia", "to": "Taliban", "max_paths": 0},
        {"from": "Russia", "to": "Taliban", "relations": "befriended"},
    ],
)
def test_bad_parameters_are_4xx(client: TestClient, params: dict[str, object]) -> None:
    r = client.get("/paths", params=params)
    assert 400 <= r.status_code < 500
    assert r.headers["content-type"].startswith("application/problem+json")
