"""Fixtures of the hostile catalogue: a seed store per server, the canary, the servers.

One main server for the whole catalogue and one with a low anonymous rate for the rate-limit
cases, started the first time a case needs it. Each gets its own copy of one store built from
``seeds/`` (the app refuses to build a store at an explicit path).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from graph.build import build
from graph.settings import PROJECT_ROOT
from graph.store import Store
from tests.hostile.harness import Canary, serve
from tests.hostile.model import ServerName, Target

SEEDS = PROJECT_ROOT / "seeds"


@pytest.fixture(scope="session")
def hostile_seed_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built from the seeds, closed: copied for each server, never served itself."""
    path = tmp_path_factory.mktemp("hostile-seed") / "store"
    store = Store.open(path)
    try:
        build(SEEDS, store)
    finally:
        store.close()
    return path


@pytest.fixture(scope="session")
def canary() -> Iterator[Canary]:
    canary = Canary()
    yield canary
    canary.close()


@pytest.fixture(scope="session")
def hostile_server(
    hostile_seed_store: Path, canary: Canary, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[ServerName], Target]]:
    """The server a case runs against, by name; each started once, on first use."""
    started: dict[ServerName, Target] = {}
    with ExitStack() as stack:

        def server(name: ServerName) -> Target:
            if name not in started:
                where = tmp_path_factory.mktemp(f"hostile-{name}")
                store = where / "store"
                shutil.copytree(hostile_seed_store, store)
                started[name] = stack.enter_context(
                    serve(name, store, where / "server.log", canary)
                )
            return started[name]

        yield server
