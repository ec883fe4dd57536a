"""Jobs on untrusted input, run where a bomb can only hurt itself.

Parsing a steward's payload, validating it against the shapes in the context of the graph, and
extracting candidates from an article all read input a client chose, with libraries that can be
made to exhaust memory (an XML entity bomb), the stack (deep nesting) or the CPU (quadratic
parses, pySHACL or spaCy on a large input, holding the GIL for seconds). In the API process any
of these would take every other request down with it. Here each runs in a worker process
(:mod:`graph.workers`) under an address-space limit and a CPU-time limit, killed at a wall-clock
deadline or when its client goes away, and replaced. What comes back is plain data.

The payload checks of :mod:`graph.payloads` still run first (inside the job): they refuse the
known bombs in milliseconds with a message naming the limit, so the process limits are the net
under the net.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import itertools
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from graph import errors
from graph.errors import ActorGraphError, EndpointBusy, LimitExceeded, StoreUnavailable
from graph.store import RDFFormat, Store
from graph.workers import Died, Limits, Worker, apply_limits, context, cpu_budget

__all__ = ["CheckResult", "ReportData", "Sandbox", "check_job", "extract_job"]

log = logging.getLogger("actorgraph")


# ------------------------------------------------------------------------------------ jobs
# The jobs run in the worker processes. Arguments and results are plain data (pickled).

_stores: dict[str, Store] = {}
_extractors: dict[tuple[str, str], Any] = {}
_gazetteers: dict[str, Any] = {}  # the actors of a checkpoint, for review documents


def _store(checkpoint: str) -> Store:
    """The checkpoint, opened read-only once per worker (a newer one replaces it)."""
    if checkpoint not in _stores:
        _stores.clear()
        _extractors.clear()
        _gazetteers.clear()
        _stores[checkpoint] = Store.open_read_only(checkpoint)
    return _stores[checkpoint]


@dataclass(frozen=True)
class ReportData:
    """A SHACL report as JSON-ready data (what crosses the process boundary)."""

    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return self.data


@dataclass(frozen=True)
class CheckResult:
    """What validating a payload in the context of a checkpoint found (see ``check_job``)."""

    conforms: bool
    json: dict[str, Any]  # Check.to_json(): the report and the counts
    turtle: str | None  # the sh:ValidationReport, when asked for
    summary: str  # the report in words, for a 422
    batch: (
        bytes | None
    )  # its triples the graph lacks (blank nodes skolemised), N-Triples, to commit
    derived: bytes | None  # the edges its events derive, as N-Triples, for a commit
    counts: dict[str, int]
    requires: frozenset[str] = frozenset()  # batches whose triples it repeats (their ids)

    @property
    def report(self) -> ReportData:
        return ReportData({"conforms": self.json["conforms"], "results": self.json["results"]})


def check_job(
    checkpoint: str,
    data: bytes,
    fmt: str,
    max_depth: int,
    max_triples: int,
    turtle: bool,
    for_commit: bool,
) -> CheckResult:
    """Parse ``data`` as a batch and validate it against the checkpoint (``POST /validate``, and
    the check of ``POST /batches`` under the write lock)."""
    from graph.batches import check_batch, parse_batch, summary

    if fmt == "REVIEW":  # a review document: the builder's code writes its triples
        batch = _review(checkpoint, data, max_depth)
    else:
        batch = parse_batch(
            data, RDFFormat[fmt], source="body", max_depth=max_depth, max_triples=max_triples
        )
    check = check_batch(_store(checkpoint), batch)
    return CheckResult(
        conforms=check.conforms,
        json=check.to_json(),
        turtle=check.report.to_turtle() if turtle else None,
        summary=summary("the batch does not conform to the shapes", check.report),
        batch=check.new.serialize(format="nt", encoding="utf-8") if for_commit else None,
        derived=check.derived.serialize(format="nt", encoding="utf-8") if for_commit else None,
        counts=check.counts(),
        requires=check.requires,
    )


def _review(checkpoint: str, data: bytes, max_depth: int) -> Any:
    """A review document (JSON) as the batch it makes, against the checkpoint's actors."""
    from graph.extract.gazetteer import Gazetteer
    from graph.ingest import read_review_json
    from graph.payloads import check_rdf

    check_rdf(data, RDFFormat.JSONLD, max_depth=max_depth, source="body")  # size and nesting
    known = _gazetteers.get(checkpoint)
    if known is None:
        known = Gazetteer.from_store(_store(checkpoint), standard=False)
        _gazetteers[checkpoint] = known
    return read_review_json(data, known)


def extract_job(
    checkpoint: str,
    text: str,
    file: str,
    published: str | None,
    as_json: bool,
    include_actors: bool,
    url: str | None = None,
    pipeline: str = "auto",
) -> bytes:
    """Candidates from an article (``POST /extract``): JSON or Turtle bytes."""
    from graph.extract import Extractor
    from graph.extract.output import to_json, to_turtle

    extractor = _extractors.get((checkpoint, pipeline))
    if extractor is None:
        extractor = Extractor.for_store(_store(checkpoint), pipeline=pipeline)
        _extractors[(checkpoint, pipeline)] = extractor
    day = dt.date.fromisoformat(published) if published else None
    result = extractor.extract(text, file=file, published=day, url=url)
    if as_json:
        from graph.ingest import review_document

        answer = {**to_json(result), "review": {**review_document(result), "text": text}}
        return json.dumps(answer, ensure_ascii=False).encode("utf-8")
    return to_turtle(result, include_actors=include_actors).encode("utf-8")


JOBS: dict[str, Callable[..., Any]] = {"check": check_job, "extract": extract_job}


# ------------------------------------------------------------------------ errors as data
def _encode(exc: BaseException) -> tuple[Any, ...]:
    if isinstance(exc, ActorGraphError):
        fields = {
            k: getattr(exc, k)
            for k in ("source", "line", "column", "limit", "allowed", "suggestions")
            if getattr(exc, k, None) is not None
        }
        return ("error", type(exc).__name__, exc.message, fields)
    log.warning("sandboxed job failed: %s: %s", type(exc).__name__, exc)
    return ("error", "StoreUnavailable", f"the job failed ({type(exc).__name__})", {})


def _decode(kind: str, message: str, fields: dict[str, Any]) -> ActorGraphError:
    cls = getattr(errors, kind, StoreUnavailable)
    if not (isinstance(cls, type) and issubclass(cls, ActorGraphError)):
        cls = StoreUnavailable
    if cls is errors.InvalidInput:
        return errors.InvalidInput(
            message,
            source=fields.get("source"),
            line=fields.get("line"),
            column=fields.get("column"),
        )
    if cls is LimitExceeded:
        return LimitExceeded(message, limit=fields.get("limit", "?"), allowed=fields.get("allowed"))
    if cls is errors.NotFound:
        return errors.NotFound(message, suggestions=fields.get("suggestions"))
    try:
        return cls(message)
    except TypeError:
        return StoreUnavailable(message)


def _job_main(
    conn: Connection,
    limits: Limits,
    cpu_seconds: float,
    extra: Mapping[str, Callable[..., Any]] | None,
) -> None:
    """A sandbox worker: run jobs until told to stop, each with a CPU-time budget."""
    apply_limits(limits)
    jobs = {**JOBS, **(extra or {})}
    with contextlib.suppress(Exception):  # load the libraries once, not on the first request
        import graph.batches
        import graph.extract  # noqa: F401  (spaCy)
    conn.send(("ready",))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        _, name, args = message
        cpu_budget(cpu_seconds)
        try:
            reply: tuple[Any, ...] = ("ok", jobs[name](*args))
        except MemoryError:
            _stores.clear()
            _extractors.clear()
            reply = (
                "error",
                "LimitExceeded",
                f"processing the input needed more memory than a job may use "
                f"({limits.memory_mb} MB, setting ACTORGRAPH_JOB_MEMORY_LIMIT_MB): split it",
                {"limit": "ACTORGRAPH_JOB_MEMORY_LIMIT_MB", "allowed": limits.memory_mb},
            )
        except BaseException as exc:
            reply = _encode(exc)
        conn.send(reply)


# ------------------------------------------------------------------------------ the sandbox
class Sandbox:
    """A few worker processes for jobs on untrusted input, first come first served.

    Parameters
    ----------
    workers : jobs that may run at once.
    timeout : wall-clock and CPU seconds one job may take (ACTORGRAPH_JOB_TIMEOUT).
    memory_limit_mb : each worker's address space (ACTORGRAPH_JOB_MEMORY_LIMIT_MB).
    wait : seconds a job may wait for a free worker before :class:`EndpointBusy`.
    jobs : more jobs by name (module-level functions, run in the workers), besides ``JOBS``.
    """

    def __init__(
        self,
        *,
        workers: int,
        timeout: float,
        memory_limit_mb: int | None,
        wait: float = 30.0,
        jobs: Mapping[str, Callable[..., Any]] | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("a Sandbox needs at least one worker")
        self.workers = workers
        self.timeout = timeout
        self.wait = wait
        self.limits = Limits(memory_mb=memory_limit_mb)
        self.jobs = dict(jobs or {})
        self._ctx = context()
        self._idle: list[Worker] = []
        self._all: set[Worker] = set()
        self._waiters: collections.deque[asyncio.Future[Worker]] = collections.deque()
        self._tasks: set[asyncio.Task[None]] = set()
        self._ids = itertools.count()
        self._closed = False

    async def start(self) -> None:
        """Start the workers (they import their libraries once, not per job)."""
        await asyncio.gather(*(self._start_one() for _ in range(self.workers)))
        if not self._all:
            raise StoreUnavailable("no sandbox worker could start; see the server log")

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(StoreUnavailable("the server is shutting down"))
        workers, self._idle = list(self._all), []
        self._all.clear()
        if workers:
            await asyncio.to_thread(_stop_all, workers)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    @property
    def pids(self) -> list[int]:
        return sorted(w.pid for w in list(self._all) if w.pid is not None)

    async def run(self, job: str, *args: Any) -> Any:
        """Run ``JOBS[job](*args)`` in a worker and return its result.

        Raises
        ------
        ActorGraphError : what the job raised (InvalidInput with line and column, …).
        LimitExceeded : the job ran past the time limit or out of memory; it was killed.
        EndpointBusy : no worker came free within ``wait`` seconds.
        """
        worker = await self._acquire()
        broken: str | None = None
        try:
            worker.send(("job", job, args))
            reply = await worker.receive(self.timeout)
        except TimeoutError:
            broken = "ran past the time limit"
            raise LimitExceeded(
                f"processing the input took longer than {self.timeout:g} s and was stopped "
                "(setting ACTORGRAPH_JOB_TIMEOUT): split it",
                limit="ACTORGRAPH_JOB_TIMEOUT",
                allowed=self.timeout,
            ) from None
        except Died as exc:
            broken = str(exc)
            raise self._death(exc) from None
        except BaseException:  # the client went away: stop burning a core for nobody
            broken = "abandoned by its client"
            raise
        finally:
            self._give_back(worker, broken)
        if reply[0] == "ok":
            return reply[1]
        _, kind, message, fields = reply
        raise _decode(kind, message, fields)

    def _death(self, exc: Died) -> ActorGraphError:
        log.warning("sandbox %s", exc)
        if exc.out_of_cpu:
            return LimitExceeded(
                f"processing the input needed more than {self.timeout:g} s of CPU time "
                "(setting ACTORGRAPH_JOB_TIMEOUT): split it",
                limit="ACTORGRAPH_JOB_TIMEOUT",
                allowed=self.timeout,
            )
        if exc.crashed:
            limit = self.limits.memory_mb
            return LimitExceeded(
                "processing the input exceeded a limit of this server and crashed its worker: it "
                f"needed more memory than a job may use ({limit} MB, setting "
                "ACTORGRAPH_JOB_MEMORY_LIMIT_MB) or nests too deeply (ACTORGRAPH_MAX_NESTING_DEPTH)",
                limit="ACTORGRAPH_JOB_MEMORY_LIMIT_MB",
                allowed=limit,
            )
        return StoreUnavailable(
            "the worker processing the input was stopped from outside; try again"
        )

    async def _acquire(self) -> Worker:
        if self._closed:
            raise StoreUnavailable("the server is shutting down")
        if self._idle:
            return self._idle.pop()
        waiter: asyncio.Future[Worker] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(self.wait):
                return await waiter
        except BaseException as exc:
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._give_back(waiter.result(), None)  # handed over as we were cancelled
            if isinstance(exc, TimeoutError):
                raise EndpointBusy(
                    f"every worker for validation and extraction stayed busy for {self.wait:g} s; "
                    "try again shortly"
                ) from None
            raise

    def _give_back(self, worker: Worker, broken: str | None) -> None:
        if self._closed or worker not in self._all:
            return
        if broken is not None:
            self._all.discard(worker)
            task = asyncio.get_running_loop().create_task(self._replace(worker, broken))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        self._idle.append(worker)

    async def _replace(self, worker: Worker, why: str) -> None:
        log.warning("sandbox worker %s %s; replacing it", worker.name, why)
        await asyncio.to_thread(worker.kill)
        await self._start_one()

    async def _start_one(self) -> None:
        if self._closed:
            return
        name = f"actorgraph-job-{next(self._ids)}"
        started = time.perf_counter()
        try:
            worker = await asyncio.to_thread(self._spawn, name)
        except (Died, OSError, TimeoutError) as exc:
            log.error("could not start a sandbox worker: %s", exc)
            return
        if self._closed:
            await asyncio.to_thread(worker.kill)
            return
        log.debug("sandbox worker %s ready in %.2f s", name, time.perf_counter() - started)
        self._all.add(worker)
        self._give_back(worker, None)

    def _spawn(self, name: str) -> Worker:
        worker = Worker.spawn(
            self._ctx, _job_main, (self.limits, self.timeout, self.jobs or None), name
        )
        try:
            reply = worker.receive_blocking(60)
        except BaseException:
            worker.kill()
            raise
        if reply[0] != "ready":
            worker.kill()
            raise OSError(f"unexpected first message {reply!r}")
        return worker


def _stop_all(workers: list[Worker]) -> None:
    for worker in workers:
        worker.stop()
