"""Shared fixtures: one real store built from seeds/ per session, in a temporary directory, and
private copies of it for the tests that write or serve (``seed_copy``)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
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
    store.checkpoint(_pristine(path))  # before any test can touch the store
    return store, result, path


def _pristine(path: Path) -> Path:
    return path.with_name("pristine")


@pytest.fixture(scope="session")
def store(built: tuple[Store, BuildResult, Path]) -> Store:
    return built[0]


@pytest.fixture(scope="session")
def seed_checkpoint(built: tuple[Store, BuildResult, Path]) -> Path:
    """A checkpoint of the session store taken as soon as it was built, never opened: the source
    of every ``seed_copy``."""
    return _pristine(built[2])


@pytest.fixture(scope="session")
def seed_copy(
    seed_checkpoint: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], Path]:
    """``seed_copy(name)``: a new store directory holding the seed graph, for one app, server or
    test that writes; milliseconds instead of a build from the seeds.

    Each copy has a directory of its own (``<tmp>/<name>N/store``), so no two open stores, nor
    the checkpoints a Runtime keeps beside its store, ever share one. A real copy, not hard
    links: RocksDB appends to a checkpoint's log files once the copy is opened for writing.
    """

    def copy(name: str) -> Path:
        target = tmp_path_factory.mktemp(name) / "store"
        shutil.copytree(seed_checkpoint, target)
        return target

    return copy
