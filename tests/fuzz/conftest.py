"""Fixtures of the fuzz suite: apps on their own copies of the session store, bounded settings.

Every app here runs with its lifespan (``TestClient`` entered as a context manager), so the store
is open and the query workers are running, exactly as under uvicorn. Each app gets a checkpoint of
the session store of its own (:func:`store_copy`): the schema fuzzer writes through the steward
endpoints, and nothing it commits may leak into other tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from pydantic import SecretStr

from api.app import create_app
from api.errors import PROBLEM_JSON
from graph.build import BuildResult
from graph.settings import Settings
from graph.store import Store

#: The steward of the fuzz apps: ``name:secret``; requests send ``Authorization: Bearer <secret>``.
STEWARD_SECRET = "x" * 32
STEWARD_TOKEN = f"fuzz:{STEWARD_SECRET}"
AUTH = {"Authorization": f"Bearer {STEWARD_SECRET}"}

#: Seconds a fuzzed SPARQL query may run before the worker is killed (a 503, documented).
QUERY_TIMEOUT = 3.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of this folder is marked ``fuzz`` (``-m "not fuzz"`` leaves them out)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.fuzz)


def bounded(max_examples: int) -> settings:
    """Hypothesis settings for CI: at most ``max_examples`` generated inputs, the same ones on
    every run (``derandomize``, no example database), no deadline (2 shared cores: timing is not
    a property), and no health check that fails a test for being slow."""
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture,
        ],
    )


def store_copy(built: tuple[Store, BuildResult, Path], where: Path) -> Path:
    """A checkpoint of the session store (hard links, milliseconds), for one app to own."""
    target = where / "store"
    built[0].checkpoint(target)
    return target


def fuzz_settings(store_path: Path) -> Settings:
    """The settings of a fuzz app: a steward, a short query timeout, one worker per core."""
    return Settings(
        store_path=store_path,
        steward_tokens=[SecretStr(STEWARD_TOKEN)],
        query_timeout=QUERY_TIMEOUT,
        query_workers=2,
        write_lock_timeout=QUERY_TIMEOUT,
        anonymous_jobs="open",  # the fuzzer sends hundreds of /validate and /extract a minute
    )


@pytest.fixture(scope="session")
def reader(
    built: tuple[Store, BuildResult, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """A running app for the read-only property tests (no test here writes through it)."""
    path = store_copy(built, tmp_path_factory.mktemp("fuzz-reader"))
    with TestClient(create_app(fuzz_settings(path))) as client:
        yield client


def assert_problem(r: httpx.Response, allowed: set[int]) -> None:
    """The answer is one of ``allowed``; an error is problem+json with its status and a detail."""
    assert r.status_code in allowed, f"{r.status_code} for {r.request.url!s}: {r.text[:500]}"
    if r.status_code >= 400:
        media = r.headers.get("content-type", "").split(";")[0].strip()
        assert media == PROBLEM_JSON, f"{r.status_code} as {media!r}: {r.text[:500]}"
        body = r.json()
        assert body["status"] == r.status_code, body
        assert isinstance(body.get("detail"), str) and body["detail"], body


def segment(text: str) -> str:
    """``text`` as one URL path segment, every reserved character escaped (``/`` too), and a
    segment of dots escaped as well: clients resolve ``/actors/..`` to ``/`` (the explorer page)
    before sending it, so the name would never reach the endpoint under test."""
    escaped = quote(text.encode("utf-8", "surrogatepass"), safe="")
    return escaped.replace(".", "%2E") if set(text) == {"."} else escaped
