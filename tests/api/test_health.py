"""/healthz: 200 while the store answers, 503 problem+json when it does not."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.settings import Settings


@pytest.fixture(scope="module")
def client(seed_copy: Callable[[str], Path]) -> Iterator[TestClient]:
    app = create_app(Settings(store_path=seed_copy("health")))
    with TestClient(app) as c:
        yield c


def test_healthy(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["triples"] == len(client.app.state.runtime.store)  # type: ignore[attr-defined]
    assert body["triples"] > 1000
    assert body["query_workers"] == client.app.state.runtime.settings.query_workers  # type: ignore[attr-defined]


def test_health_says_when_every_worker_answers_from_memory(client: TestClient) -> None:
    """The default cap (2M triples) admits the seed graph: the copies are made after start-up."""
    deadline = time.monotonic() + 60
    while (body := client.get("/healthz").json())["query_workers_in_memory"] < body[
        "query_workers"
    ]:
        assert time.monotonic() < deadline, body
        time.sleep(0.05)
    expected = client.app.state.runtime.settings.query_workers  # type: ignore[attr-defined]
    assert body["query_workers_in_memory"] == body["query_workers"] == expected


def test_unhealthy_while_the_store_directory_is_gone(client: TestClient) -> None:
    path = client.app.state.runtime.store.path  # type: ignore[attr-defined]
    moved = path.with_name(path.name + ".moved")
    path.rename(moved)
    try:
        r = client.get("/healthz")
        assert r.status_code == 503
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["status"] == 503 and "Retry-After" in r.headers
    finally:
        moved.rename(path)
    assert client.get("/healthz").status_code == 200
