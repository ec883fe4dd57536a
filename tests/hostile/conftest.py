"""Fixtures of the hostile catalogue: a seed store per server, the canary, the servers.

One main server for the whole catalogue and one with a low anonymous rate for the rate-limit
cases, started the first time a case needs it, each on its own copy of the session's seed store
(``seed_copy``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from graph.settings import PROJECT_ROOT
from tests.hostile.harness import Canary, serve
from tests.hostile.model import ServerName, Target

SEEDS = PROJECT_ROOT / "seeds"


@pytest.fixture(scope="session")
def canary() -> Iterator[Canary]:
    canary = Canary()
    yield canary
    canary.close()


@pytest.fixture(scope="session")
def hostile_server(
    seed_copy: Callable[[str], Path], canary: Canary, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[ServerName], Target]]:
    """The server a case runs against, by name; each started once, on first use."""
    started: dict[ServerName, Target] = {}
    with ExitStack() as stack:

        def server(name: ServerName) -> Target:
            if name not in started:
                where = tmp_path_factory.mktemp(f"hostile-{name}")
                store = seed_copy(f"hostile-{name}-store")
                started[name] = stack.enter_context(
                    serve(name, store, where / "server.log", canary)
                )
            return started[name]

        yield server
