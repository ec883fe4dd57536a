"""/stats: counts by class, edges by property and triples by graph."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.build import EDGES_GRAPH
from graph.settings import Settings
from graph.store import Store


@pytest.fixture(scope="module")
def client(seed_copy: Callable[[str], Path]) -> Iterator[TestClient]:
    app = create_app(Settings(store_path=seed_copy("stats")))
    with TestClient(app) as c:
        yield c


def test_stats_agree_with_the_store(client: TestClient, store: Store) -> None:
    r = client.get("/stats")
    assert r.status_code == 200
    body = r.json()
    assert body["triples"] == len(store)
    edges = {c["name"]: c["count"] for c in body["edges"]}
    assert sum(edges.values()) == store.graph_size(EDGES_GRAPH)
    classes = {c["name"]: c["count"] for c in body["classes"]}
    n = next(store.query("SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a ag:Accusation }").rows())[
        "n"
    ]
    assert classes["ag:Accusation"] == int(n)
    assert sum(c["count"] for c in body["graphs"]) == body["triples"]
    assert body["actors"] > 0 and body["ties"] > 0
