"""Shared fixtures: one real store built from seeds/ per session, in a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.build import BuildResult, build
from graph.settings import PROJECT_ROOT
from graph.store import Store

SEEDS = PROJECT_ROOT / "seeds"


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, BuildResult, Path]:
    path = tmp_path_factory.mktemp("store") / "store"
    store = Store.open(path)
    result = build(SEEDS, store)
    return store, result, path


@pytest.fixture(scope="session")
def store(built: tuple[Store, BuildResult, Path]) -> Store:
    return built[0]
