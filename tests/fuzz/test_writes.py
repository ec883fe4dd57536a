"""What the schema fuzzer's writes did to the read endpoints.

Schemathesis (its stateful phase, committing the documented example batch again and again) left a
server whose ``GET /actors/{actor}`` and ``GET /events`` ran for minutes: every commit of the same
triples adds one more named graph holding them, and the lookups read the union of the graphs, so
each OPTIONAL of their queries multiplies the rows by the number of copies (about ×3 per commit,
measured). The lookups run in the app's process without a time limit, so each such request holds
a thread until it ends. Reads must not depend on how often the same triples were committed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.routers.validate import EXAMPLE_BATCH
from graph.build import BuildResult
from graph.store import Store
from tests.fuzz.conftest import AUTH, fuzz_settings, store_copy

#: Commits of the same batch. Before a fix, the lookups below took ~0.01 s after one commit,
#: ~2.6 s after six and ~7–11 s after seven; a fixed server answers in milliseconds.
COMMITS = 7
#: Seconds a lookup may take on a loaded 2-core CI machine.
LIMIT = 2.0


@pytest.fixture(scope="module")
def writer(
    built: tuple[Store, BuildResult, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    app = create_app(fuzz_settings(store_copy(built, tmp_path_factory.mktemp("fuzz-writes"))))
    with TestClient(app) as client:
        yield client


def _timed(client: TestClient, url: str) -> float:
    started = time.perf_counter()
    r = client.get(url)
    assert r.status_code == 200, r.text
    return time.perf_counter() - started


def test_committing_the_same_batch_again_does_not_slow_reads_down(writer: TestClient) -> None:
    for _ in range(COMMITS):
        r = writer.post(
            "/batches", content=EXAMPLE_BATCH, headers={**AUTH, "Content-Type": "text/turtle"}
        )
        assert r.status_code == 201, r.text
    for url in ("/actors/pakistan", "/events?actor=pakistan&limit=1", "/events?limit=1"):
        elapsed = _timed(writer, url)
        assert elapsed < LIMIT, (
            f"GET {url} took {elapsed:.1f} s after {COMMITS} commits of one batch"
        )
