"""The server of ``tests/api/test_crash.py``: the real app, with two places where a commit stops
and waits to be killed, so that the test kills it exactly there instead of guessing when.

``CRASH_TEST_CONTROL`` names a directory. While it holds a file ``pause`` naming one of the
places below, a commit that reaches that place writes the file ``paused`` (holding the place's
name) and waits until the process is killed:

* ``validating``: the batch is about to be validated (in the sandbox); nothing has been written.
* ``committed``: the write transaction has returned (the batch is in the store's log) and the
  server is about to checkpoint it, publish it to its readers and answer.

Run it as ``uvicorn --factory tests.api.crash_app:factory``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from api.app import create_app
from api.runtime import Runtime
from graph.sandbox import Sandbox

__all__ = ["PLACES", "factory"]

PLACES = ("validating", "committed")


def _stop_here(place: str) -> None:
    control = Path(os.environ["CRASH_TEST_CONTROL"])
    pause = control / "pause"
    if pause.exists() and pause.read_text() == place:
        note = control / "paused.tmp"
        note.write_text(place)
        note.replace(control / "paused")  # whole or absent for the test that polls it
        threading.Event().wait()  # until SIGKILL


def factory() -> FastAPI:
    run = Sandbox.run
    checkpoint = Runtime._checkpoint

    async def checking(sandbox: Sandbox, job: str, *args: Any) -> Any:
        if job == "check":
            _stop_here("validating")
        return await run(sandbox, job, *args)

    async def publishing(runtime: Runtime) -> None:
        _stop_here("committed")
        await checkpoint(runtime)

    patch = pytest.MonkeyPatch()  # for the life of this process: it is never undone
    patch.setattr(Sandbox, "run", checking)
    patch.setattr(Runtime, "_checkpoint", publishing)
    return create_app()
