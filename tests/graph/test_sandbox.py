"""The sandbox for untrusted input: real worker processes, real limits. Jobs that must run "for a
while" wait on a gate the test opens (tests/workerfns.py); nothing here times anything."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from api.routers.validate import EXAMPLE_BATCH
from graph.errors import EndpointBusy, InvalidInput, LimitExceeded
from graph.sandbox import CheckResult, Sandbox
from graph.store import Store
from tests.workerfns import JOBS, Gate

T = TypeVar("T")


def sandbox(**options: Any) -> Sandbox:
    options.setdefault("workers", 1)
    options.setdefault("timeout", 60.0)
    options.setdefault("memory_limit_mb", 2048)
    return Sandbox(jobs=JOBS, **options)


def run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(main())


async def until(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for: {what}"
        await asyncio.sleep(0.005)


def gone(pid: int) -> bool:
    """Whether the process was killed and reaped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def hold(box: Sandbox, gate: Gate) -> Coroutine[Any, Any, Any]:
    return box.run("hold", str(gate.started), str(gate.go))


def test_a_batch_is_checked_against_a_checkpoint(tmp_path: Path, store: Store) -> None:
    """The job the API runs for /validate: parse, check the bytes, validate in context."""
    store.checkpoint(tmp_path / "c")

    async def main() -> CheckResult:
        async with sandbox() as box:
            result: CheckResult = await box.run(
                "check", str(tmp_path / "c"), EXAMPLE_BATCH.encode(), "TURTLE", 64, 1000, True, True
            )
            return result

    result = run(main)
    assert result.conforms and result.json["conforms"] is True
    assert result.turtle is not None and "sh:conforms true" in result.turtle
    assert result.batch is not None and b"example-russia-pakistan-talks" in result.batch
    assert result.counts["submitted"] == result.json["triples"] > 10


def test_errors_come_back_as_the_library_raised_them(tmp_path: Path, store: Store) -> None:
    store.checkpoint(tmp_path / "c")

    async def main() -> None:
        async with sandbox() as box:
            with pytest.raises(InvalidInput) as info:
                await box.run(
                    "check", str(tmp_path / "c"), b"<a> <b>", "TURTLE", 64, 10, False, False
                )
            assert info.value.line == 1 and info.value.source == "body"
            deep = b"<http://a> <http://b> " + b"[ <http://b> " * 100 + b"1" + b" ]" * 100 + b" ."
            with pytest.raises(LimitExceeded) as limit:
                await box.run("check", str(tmp_path / "c"), deep, "TURTLE", 64, 10, False, False)
            assert limit.value.limit == "ACTORGRAPH_MAX_NESTING_DEPTH" and limit.value.allowed == 64

    run(main)


def test_a_job_past_the_time_limit_is_killed_and_replaced(tmp_path: Path) -> None:
    gate = Gate(tmp_path)

    async def main() -> None:
        async with sandbox(timeout=0.5) as box:
            [victim] = box.pids
            with pytest.raises(LimitExceeded, match="ACTORGRAPH_JOB_TIMEOUT") as info:
                await hold(box, gate)
            assert info.value.limit == "ACTORGRAPH_JOB_TIMEOUT"
            await until(lambda: gone(victim), "the worker to be killed")
            await until(lambda: bool(box.pids), "a replacement worker")
            assert await box.run("hog", 1) == 1024 * 1024

    run(main)


def test_a_job_past_the_memory_limit_fails_alone(tmp_path: Path) -> None:
    async def main() -> None:
        async with sandbox(memory_limit_mb=1024) as box:
            with pytest.raises(LimitExceeded, match="ACTORGRAPH_JOB_MEMORY_LIMIT_MB"):
                await box.run("hog", 4096)
            assert await box.run("hog", 10) == 10 * 1024 * 1024

    run(main)


def test_a_job_that_crashes_its_process_is_a_limit_and_the_sandbox_survives() -> None:
    async def main() -> None:
        async with sandbox() as box:
            with pytest.raises(LimitExceeded, match="crashed its worker"):
                await box.run("crash")
            assert await box.run("hog", 1) == 1024 * 1024

    run(main)


def test_a_cancelled_job_is_killed_at_once(tmp_path: Path) -> None:
    """The client went away: the job's process is killed, not left burning a core."""
    gate = Gate(tmp_path)

    async def main() -> None:
        async with sandbox() as box:
            [victim] = box.pids
            task = asyncio.create_task(hold(box, gate))
            await until(gate.running, "the job to start")
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await until(lambda: gone(victim), "the worker to be killed")
            await until(lambda: bool(box.pids), "a new worker")

    run(main)


def test_jobs_wait_their_turn_then_get_busy(tmp_path: Path) -> None:
    gate = Gate(tmp_path)

    async def main() -> None:
        async with sandbox(wait=0.2) as box:
            first = asyncio.create_task(hold(box, gate))
            await until(gate.running, "the first job to start")
            with pytest.raises(EndpointBusy, match="validation and extraction"):
                await box.run("hog", 1)
            gate.open()
            assert await first == "done"
            assert await box.run("hog", 1) == 1024 * 1024

    run(main)
