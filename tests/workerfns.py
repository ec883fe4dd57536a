"""A SPARQL extension function for tests, run inside query workers: a query that blocks until the
test says go, so tests control a "slow query" instead of timing one.

A query calls ``<urn:actorgraph-test:wait>("started-file", "go-file")``: the function creates the
first file (the test polls for it: the query is running) and returns once the second exists.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

WAIT = "urn:actorgraph-test:wait"


def wait(started: ox.Literal, go: ox.Literal) -> ox.Literal:
    """Say the query runs, then block until ``go`` exists (at most two minutes)."""
    Path(started.value).touch()
    deadline = time.monotonic() + 120
    while not os.path.exists(go.value) and time.monotonic() < deadline:
        time.sleep(0.005)
    return ox.Literal("done")


FUNCTIONS = {WAIT: wait}


class Gate:
    """A query that runs until the test opens the gate."""

    def __init__(self, folder: Path, name: str = "gate") -> None:
        self.started = folder / f"{name}.started"
        self.go = folder / f"{name}.go"

    @property
    def query(self) -> str:
        return f'SELECT ?r WHERE {{ BIND(<{WAIT}>("{self.started}", "{self.go}") AS ?r) }}'

    def running(self) -> bool:
        return self.started.exists()

    def open(self) -> None:
        self.go.touch()


# ------------------------------------------------------------------------- sandbox jobs
def hold(started: str, go: str) -> str:
    """A sandbox job that runs until the test opens the gate."""
    Path(started).touch()
    deadline = time.monotonic() + 120
    while not os.path.exists(go) and time.monotonic() < deadline:
        time.sleep(0.005)
    return "done"


def hog(megabytes: int) -> int:
    """A sandbox job that allocates ``megabytes`` (a MemoryError past the worker's limit)."""
    return len(bytearray(megabytes * 1024 * 1024))


def crash() -> None:
    """A sandbox job whose process aborts, as a native library does when an allocation fails."""
    os.abort()


JOBS: dict[str, Callable[..., Any]] = {"hold": hold, "hog": hog, "crash": crash}
