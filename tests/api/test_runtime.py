"""The runtime behind the app: opening without blocking the event loop, closing what it opened
when a step fails, one version of the graph per request, and a durable commit that publishing
cannot fail; the catch-all for bugs (500 problem+json with an incident id, nothing more)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.routers.validate import EXAMPLE_BATCH
from api.runtime import Runtime
from graph.errors import StoreUnavailable
from graph.settings import Settings
from graph.store import Store

TOKEN = "runtime-test-token-0123456789"


def test_opening_does_not_block_the_event_loop(seed_copy: Callable[[str], Path]) -> None:
    """Opening takes seconds at a million triples (checkpoint, network, workers): the loop must
    keep running other tasks meanwhile (it did not: the lifespan blocked it)."""
    settings = Settings(store_path=seed_copy("runtime-open"))

    async def main() -> int:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0)
                ticks += 1

        ticker = asyncio.create_task(tick())
        runtime = await Runtime.open(settings)
        during = ticks
        ticker.cancel()
        await runtime.close()
        return during

    assert asyncio.run(main()) > 10


def test_a_failed_start_closes_the_store_again(seed_copy: Callable[[str], Path]) -> None:
    """No query worker can start (their memory limit is below what Python needs): the open
    fails with a message, and the store is closed again (its lock released, no checkpoints
    left), so a second attempt or another process can open it."""
    path = seed_copy("runtime-failed")
    settings = Settings(store_path=path, query_memory_limit_mb=256, query_workers=1)

    async def main() -> None:
        await Runtime.open(settings)

    with pytest.raises(StoreUnavailable, match="no query worker"):
        asyncio.run(main())
    Store.open(path).close()  # the lock was released
    assert not path.with_name(f"{path.name}.checkpoints").exists()


def test_an_explicit_path_with_no_store_is_refused_not_built(tmp_path: Path) -> None:
    settings = Settings(store_path=tmp_path / "typo")

    async def main() -> None:
        await Runtime.open(settings)

    with pytest.raises(StoreUnavailable, match="there is no store at"):
        asyncio.run(main())
    assert not (tmp_path / "typo").exists()


def test_a_commit_is_answered_as_durable_when_publishing_fails(
    seed_copy: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checkpoint after a durable write fails (a full disk, say): the steward gets 201 with
    `visible: false`, not an error for a batch that was committed (a retry would commit it
    twice); the next write publishes both."""
    settings = Settings(
        store_path=seed_copy("runtime-visible"), steward_tokens=[SecretStr(f"rt:{TOKEN}")]
    )
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"}
    with TestClient(create_app(settings)) as client:
        runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
        checkpoint = Runtime._checkpoint
        failures = [StoreUnavailable("the disk holding the checkpoints is full")]

        async def failing(self: Runtime) -> None:
            if failures:
                raise failures.pop()
            await checkpoint(self)

        monkeypatch.setattr(Runtime, "_checkpoint", failing)
        first = client.post("/batches", content=EXAMPLE_BATCH, headers=auth)
        assert first.status_code == 201, first.text
        assert first.json()["visible"] is False
        assert runtime.snapshot.generation == 1  # readers still see the graph before it
        second = client.post(
            "/batches",
            content=EXAMPLE_BATCH.replace("example-russia-pakistan-talks", "example-second"),
            headers=auth,
        )
        assert second.status_code == 201 and second.json()["visible"] is True
        ask = "ASK { event:example-russia-pakistan-talks ?p ?o . event:example-second ?q ?r }"
        assert client.get("/sparql", params={"query": ask}).json()["boolean"] is True


def test_a_bug_is_a_500_problem_with_an_incident_id_and_no_details(
    seed_copy: Callable[[str], Path], caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(Settings(store_path=seed_copy("runtime-bug")))

    def broken() -> None:
        raise KeyError("/secret/path/of/the/server")

    app.add_api_route("/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as client, caplog.at_level(logging.ERROR):
        r = client.get("/broken")
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["title"] == "Internal error" and body["incident"] in body["detail"]
    assert "secret" not in r.text and "KeyError" not in r.text and "Traceback" not in r.text
    logged = [rec for rec in caplog.records if body["incident"] in rec.getMessage()]
    assert logged and logged[0].exc_info is not None  # the log has the traceback
