"""Worker processes that run public SPARQL queries under a wall-clock limit, in two lanes.

pyoxigraph has no query timeout (oxigraph/oxigraph#1926), so every query of the public endpoint
runs in a worker process that can be killed (plumbing: :mod:`graph.workers`). Workers open an
immutable read-only checkpoint of the store (the writer keeps the live one), copy it into memory
in the background, run under an address-space limit and, where the kernel allows it, without
network access, so even a query the guard (:func:`graph.sparql.check_query`) missed cannot reach
out.

**Lanes.** A runaway query holds a worker for the whole time limit. So that a few of them cannot
starve everyone else, ``light_workers`` of the workers are kept for queries the caller marks
light (estimated cheap, :mod:`graph.cost`); heavy queries use only the others, and one client may
hold at most ``heavy_per_client`` of those at a time. Callers that find no eligible worker wait
in one queue, first come first served among those a freed worker may serve
(docs/decisions/20261205-runaway-queries.md).

The pool lives on one event loop (every method is called from it); the only threads are for what
blocks: starting a process, and killing one.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ctypes
import itertools
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Literal

from rdflib import URIRef

from graph.checkpoints import Checkpoint
from graph.errors import (
    ActorGraphError,
    EndpointBusy,
    InvalidInput,
    QueryRefused,
    QueryTimeout,
    StoreUnavailable,
)
from graph.store import QueryKind, RDFFormat, ResultsFormat, Store
from graph.workers import Died, Limits, Worker, apply_limits, context

__all__ = ["Lane", "QueryPool"]

log = logging.getLogger("actorgraph")

Lane = Literal["light", "any"]
#: Bytes of memory per triple of an in-memory copy (measured: ≈ 0.7 GB per million triples).
_BYTES_PER_TRIPLE = 750


# ------------------------------------------------------------------------------------ workers
@dataclass(frozen=True)
class _Request:
    query: str
    fmt: str  # "ResultsFormat.JSON", "RDFFormat.TURTLE"… (the enums hold pyoxigraph objects)
    max_rows: int
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    base_iri: str | None


# What crosses the process boundary is plain data, never a live exception:
#   to a worker:   ("open", checkpoint) | ("query", _Request) | None (stop)
#   from a worker: ("ready", checkpoint, isolated, graphs) | ("ok", body, media_type)
#                  | ("error", class name, message, line, column)
_Reply = tuple[Any, ...]
_ERRORS: dict[str, type[ActorGraphError]] = {
    "InvalidInput": InvalidInput,
    "QueryRefused": QueryRefused,
    "StoreUnavailable": StoreUnavailable,
}


def _error(exc: Exception) -> _Reply:
    if isinstance(exc, ActorGraphError):
        line, column = getattr(exc, "line", None), getattr(exc, "column", None)
        return ("error", type(exc).__name__, exc.message, line, column)
    log.warning("query worker: %s: %s", type(exc).__name__, exc)  # the details stay in the log
    return ("error", "StoreUnavailable", f"the query failed ({type(exc).__name__})", None, None)


class _Engine:
    """What a worker answers from: its checkpoint on disk at once, then a copy of it in memory.

    The copy is made by a background thread (queries keep being answered from disk meanwhile)
    when the checkpoint holds at most ``memory_max`` triples and the copy fits well inside the
    worker's memory limit, and is swapped in whole. ``flag`` (shared with the parent) says which
    one answers: 1 memory, 0 disk.
    """

    def __init__(self, memory_max: int, memory_limit_mb: int | None, flag: ctypes.c_byte) -> None:
        self.memory_max = memory_max
        self.memory_limit = None if memory_limit_mb is None else memory_limit_mb * 1024 * 1024
        self.flag = flag
        self.store: Store | None = None
        self.generation = 0
        self._lock = threading.Lock()

    def open(self, checkpoint: str, isolated: bool) -> _Reply:
        disk = Store.open_read_only(checkpoint)
        with self._lock:
            self.generation += 1
            self.store = disk
            self.flag.value = 0
            generation = self.generation
        if self.memory_max > 0:
            threading.Thread(target=self._to_memory, args=(disk, generation), daemon=True).start()
        return ("ready", checkpoint, isolated, [str(g) for g in disk.named_graphs()])

    def _to_memory(self, disk: Store, generation: int) -> None:
        started = time.perf_counter()
        # The copy is background work: at 1M triples it takes two cores for ~12 s, and at full
        # priority it slowed the server's start-up 3-fold (network build, first /healthz).
        # Linux applies setpriority to the calling thread alone when given its thread id.
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 15)
        try:
            size = len(disk)
            fits = self.memory_limit is None or size * _BYTES_PER_TRIPLE < self.memory_limit // 2
            if size > self.memory_max or not fits:
                log.info(
                    "query worker: %s holds %d triples (cap %d, memory limit %s): answering "
                    "from disk",
                    disk.path,
                    size,
                    self.memory_max,
                    self.memory_limit,
                )
                return
            # a newer checkpoint (a write) stops this copy: its own copy starts at once
            memory = disk.to_memory(cancelled=lambda: generation != self.generation)
        except Exception as exc:  # the disk store still answers; say why the copy failed
            log.warning("query worker: no in-memory copy of %s: %s", disk.path, exc)
            return
        with self._lock:
            if memory is None or generation != self.generation:
                return
            self.store = memory
            self.flag.value = 1
        log.info(
            "query worker: %s in memory (%d triples, %.1f s)",
            disk.path,
            size,
            time.perf_counter() - started,
        )


def _worker_main(
    conn: Connection,
    checkpoint: str,
    memory_max: int,
    flag: ctypes.c_byte,
    limits: Limits,
    functions: Mapping[str, Callable[..., Any]] | None,
) -> None:
    """A worker: open the checkpoint read-only, then answer requests until told to stop."""
    isolated = apply_limits(limits)
    engine = _Engine(memory_max, limits.memory_mb, flag)
    try:
        ready = engine.open(checkpoint, isolated)
    except Exception as exc:
        conn.send(_error(exc))
        return
    conn.send(ready)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        try:
            if message[0] == "open":
                conn.send(engine.open(message[1], isolated))
            else:
                assert engine.store is not None
                conn.send(_answer(engine.store, message[1], functions))
        except MemoryError:
            conn.send(
                (
                    "error",
                    "QueryRefused",
                    f"the query needs more memory than a query may use ({limits.memory_mb} MB, "
                    "setting ACTORGRAPH_QUERY_MEMORY_LIMIT_MB): narrow it, or add LIMIT",
                    None,
                    None,
                )
            )
        except Exception as exc:  # a failure comes back as data and the worker lives on
            conn.send(_error(exc))


def _answer(
    store: Store, request: _Request, functions: Mapping[str, Callable[..., Any]] | None
) -> _Reply:
    result = store.query(
        request.query,
        default_graphs=None
        if request.default_graphs is None
        else [URIRef(g) for g in request.default_graphs],
        named_graphs=None
        if request.named_graphs is None
        else [URIRef(g) for g in request.named_graphs],
        base_iri=request.base_iri,
        functions=functions,
    )
    family, _, name = request.fmt.partition(".")
    fmt: ResultsFormat | RDFFormat = (RDFFormat if family == "RDFFormat" else ResultsFormat)[name]
    if result.kind is QueryKind.GRAPH and not isinstance(fmt, RDFFormat):
        fmt = RDFFormat.TURTLE
    elif result.kind is not QueryKind.GRAPH and not isinstance(fmt, ResultsFormat):
        fmt = ResultsFormat.JSON
    body = result.serialize(fmt, max_rows=request.max_rows)
    return ("ok", body, fmt.media_type)


def _request(
    query: str,
    default_graphs: Sequence[str] | None,
    named_graphs: Sequence[str] | None,
    result_format: ResultsFormat | RDFFormat,
    max_rows: int,
    base_iri: str | None,
) -> _Request:
    return _Request(
        query,
        f"{type(result_format).__name__}.{result_format.name}",
        max_rows,
        None if default_graphs is None else tuple(default_graphs),
        None if named_graphs is None else tuple(named_graphs),
        base_iri,
    )


def _decode(reply: _Reply) -> tuple[bytes, str]:
    """A worker's reply as (body, media type), or the error it carries, raised."""
    if reply[0] == "ok":
        return reply[1], reply[2]
    _, kind, message, line, column = reply
    if kind == "InvalidInput":
        raise InvalidInput(message, source="query", line=line, column=column)
    raise _ERRORS.get(kind, StoreUnavailable)(message)


# --------------------------------------------------------------------------------- the pool
@dataclass(eq=False)
class _Slot:
    """A live worker and what the pool knows of it."""

    worker: Worker
    checkpoint: Checkpoint  # the one it has open (a reference held for it)
    lane: Lane
    isolated: bool
    in_memory: ctypes.c_byte
    heavy: bool = False  # what it runs now
    client: str | None = None
    broken: str | None = None  # why it must be killed instead of reused
    pending: float | None = None  # a reply is still due by this monotonic time (abandoned query)


@dataclass(eq=False)
class _Waiter:
    future: asyncio.Future[_Slot]
    heavy: bool
    client: str | None


class QueryPool:
    """Worker processes that run public SPARQL queries under a wall-clock limit.

    Create it, then ``await pool.start()`` (or ``async with QueryPool(...) as pool``), on the
    event loop that will use it. :meth:`run` sends a query to a free worker; a query whose time
    at the pool (waiting for a worker, then running) passes ``timeout`` is stopped — its worker
    killed (SIGKILL) and replaced — and the caller gets :class:`QueryTimeout` before any byte was
    sent. When no eligible worker frees up within ``wait``, callers get :class:`EndpointBusy`.

    Parameters
    ----------
    checkpoint : the checkpoint the workers open (the pool takes a reference of its own).
    workers : how many queries may run at once.
    light_workers : of those, how many only light queries may use (the lane kept free for them).
    timeout : seconds a query may run.
    wait : seconds a caller may wait for a free worker (default: ``timeout``).
    heavy_per_client : heavy queries one client may run at once (default: no cap).
    memory_max_triples : workers copy a checkpoint of at most this many triples into memory
        (in the background; they answer from disk until the copy is whole) — 0: never.
    memory_limit_mb : each worker's address-space limit (a query past it fails alone).
    functions : SPARQL extension functions by IRI (module-level callables, run in the workers).
    """

    def __init__(
        self,
        checkpoint: Checkpoint,
        *,
        workers: int,
        timeout: float,
        light_workers: int = 0,
        wait: float | None = None,
        heavy_per_client: int | None = None,
        memory_max_triples: int = 0,
        memory_limit_mb: int | None = None,
        functions: Mapping[str, Callable[..., Any]] | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("a QueryPool needs at least one worker")
        if not 0 <= light_workers < workers:
            raise ValueError("light_workers must leave at least one worker for heavy queries")
        self.workers = workers
        self.light_workers = light_workers
        self.timeout = timeout
        self.wait = timeout if wait is None else wait
        self.heavy_per_client = heavy_per_client
        self.memory_max_triples = memory_max_triples
        self.limits = Limits(memory_mb=memory_limit_mb)
        self.functions = dict(functions or {})
        self._ctx = context()
        self._checkpoint = checkpoint.acquire()
        self._slots: set[_Slot] = set()
        self._idle: list[_Slot] = []
        self._waiters: collections.deque[_Waiter] = collections.deque()
        self._heavy: collections.Counter[str | None] = collections.Counter()  # by client
        self._starting = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._ids = itertools.count()
        self._graphs: frozenset[str] = frozenset()
        self._closed = False
        self._started = False

    # ---------------------------------------------------------------------------- public
    async def start(self) -> None:
        """Start the workers and wait until each has opened the checkpoint.

        Raises
        ------
        StoreUnavailable : no worker could open the checkpoint.
        """
        self._started = True
        light: list[Lane] = ["light"] * self.light_workers
        other: list[Lane] = ["any"] * (self.workers - self.light_workers)
        lanes = light + other
        await asyncio.gather(*(self._start_one(lane) for lane in lanes))
        if not self._slots:
            await self.close()
            raise StoreUnavailable(
                f"no query worker could open the checkpoint {self._checkpoint.path}; "
                "see the server log"
            )

    async def __aenter__(self) -> QueryPool:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def graphs(self) -> frozenset[str]:
        """The named graphs of the checkpoint the workers answer from."""
        return self._graphs

    @property
    def checkpoint(self) -> Checkpoint:
        return self._checkpoint

    @property
    def isolated(self) -> bool:
        """Whether every worker runs without network access (the guard's safety net)."""
        return bool(self._slots) and all(s.isolated for s in self._slots)

    @property
    def in_memory(self) -> int:
        """How many workers answer from an in-memory copy of the checkpoint (the rest: disk)."""
        return sum(1 for s in list(self._slots) if s.in_memory.value)

    @property
    def pids(self) -> list[int]:
        """Process ids of the live workers (for monitoring and tests)."""
        return sorted(s.worker.pid for s in list(self._slots) if s.worker.pid is not None)

    @property
    def idle(self) -> int:
        """Workers waiting for a query."""
        return len(self._idle)

    @property
    def waiting(self) -> int:
        """Callers queued for a worker."""
        return len(self._waiters)

    async def run(
        self,
        query: str,
        *,
        heavy: bool = False,
        client: str | None = None,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        result_format: ResultsFormat | RDFFormat = ResultsFormat.JSON,
        max_rows: int = 10_000,
        base_iri: str | None = None,
    ) -> tuple[bytes, str]:
        """Run ``query`` in a worker; return the serialised result and its media type.

        ``heavy`` keeps it off the light lane; ``client`` names who asks (for the per-client cap
        on heavy queries). ``default_graphs``/``named_graphs`` set the dataset (``None``: the
        union of all graphs as the default graph, every graph named). ``result_format`` is used
        when it fits the query form; otherwise the form's default (SPARQL JSON, Turtle) is, and
        the media type says so. If the caller is cancelled mid-query, the worker's reply is
        collected in the background so that the worker goes back to work clean.

        Raises
        ------
        InvalidInput : a syntax error, with line and column.
        QueryRefused : the result has more than ``max_rows`` rows (or triples), or the query
            made the engine crash or run out of memory (it would again: a bad query).
        QueryTimeout : the query ran past the time limit; it was stopped.
        EndpointBusy : no eligible worker came free within ``wait`` seconds.
        StoreUnavailable : the pool is closed, or the worker was stopped from outside.
        """
        request = _request(query, default_graphs, named_graphs, result_format, max_rows, base_iri)
        asked = time.monotonic()
        async with self.checkout(heavy=heavy, client=client) as slot:
            started = time.monotonic()
            # The time limit bounds the whole request, waiting included: a query that waited
            # for a worker has that much less to run (it used to be up to twice the limit).
            left = self.timeout - (started - asked)
            try:
                if left <= 0:
                    raise self._busy()
                slot.worker.send(("query", request))
                reply: _Reply = await slot.worker.receive(left)
            except TimeoutError:
                slot.broken = "timed out"
                raise self._timeout(waited=started - asked) from None
            except EndpointBusy:
                raise
            except Died as exc:
                slot.broken = str(exc)
                raise self._death(exc) from None
            except BaseException:  # cancelled while the worker runs: its reply is still due
                slot.pending = started + self.timeout
                raise
        return _decode(reply)

    @asynccontextmanager
    async def checkout(
        self, *, heavy: bool = False, client: str | None = None
    ) -> AsyncIterator[_Slot]:
        """A free worker for one query, given back (or replaced) when the block ends.

        Raises :class:`EndpointBusy` when none comes free within ``wait`` seconds and
        :class:`StoreUnavailable` when the pool is closed.
        """
        slot = await self._acquire(heavy, client)
        try:
            yield slot
        finally:
            self._give_back(slot)

    async def switch(self, checkpoint: Checkpoint) -> None:
        """Answer later queries from ``checkpoint``: idle workers reopen now, busy ones when
        their query ends. Returns at once; each worker lets go of the old checkpoint when it has
        reopened (its last user deletes it)."""
        if checkpoint is self._checkpoint or self._closed:
            return
        old, self._checkpoint = self._checkpoint, checkpoint.acquire()
        old.release()
        idle, self._idle = self._idle, []
        for slot in idle:
            self._give_back(slot)

    async def close(self) -> None:
        """Stop every worker (politely, then SIGKILL); queued callers fail at once."""
        if self._closed:
            return
        self._closed = True
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.future.done():
                waiter.future.set_exception(StoreUnavailable("the query pool is closed"))
        slots, self._idle = list(self._slots), []
        self._slots.clear()
        if slots:
            await asyncio.to_thread(_stop_all, [s.worker for s in slots])
        for slot in slots:
            slot.checkpoint.release()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._checkpoint.release()

    # ---------------------------------------------------------------------------- errors
    def _timeout(self, waited: float = 0.0) -> QueryTimeout:
        wait = f", {waited:.1f} s of it waiting for a worker" if waited >= 0.1 else ""
        return QueryTimeout(
            f"the query took longer than {self.timeout:g} s{wait}, and was stopped "
            "(setting ACTORGRAPH_QUERY_TIMEOUT); narrow it or add LIMIT"
        )

    def _busy(self) -> EndpointBusy:
        return EndpointBusy(
            f"no query worker came free within {self.wait:g} s (others run long queries); "
            "try again shortly"
        )

    def _death(self, exc: Died) -> ActorGraphError:
        log.warning("query %s", exc)
        if exc.crashed:
            limit = self.limits.memory_mb
            return QueryRefused(
                "the query engine crashed on this query: it needs more memory than a query may "
                f"use ({limit} MB, setting ACTORGRAPH_QUERY_MEMORY_LIMIT_MB) or nests too deeply; "
                "it would again, so narrow it (fewer patterns, LIMIT)"
            )
        if exc.out_of_cpu:
            return self._timeout()
        return StoreUnavailable(
            "the query worker was stopped from outside while running the query (perhaps the "
            "machine ran short of memory); try again"
        )

    # --------------------------------------------------------------------------- scheduling
    def _eligible(self, slot: _Slot, heavy: bool, client: str | None) -> bool:
        if not heavy:
            return True
        if slot.lane == "light":
            return False
        cap = self.heavy_per_client
        return cap is None or self._heavy[client] < cap

    def _take(self, heavy: bool, client: str | None) -> _Slot | None:
        """An idle eligible worker, light-lane ones first for light queries."""
        candidates = [s for s in self._idle if self._eligible(s, heavy, client)]
        if not candidates:
            return None
        slot = min(candidates, key=lambda s: s.lane != "light")
        self._idle.remove(slot)
        self._hold(slot, heavy, client)
        return slot

    def _hold(self, slot: _Slot, heavy: bool, client: str | None) -> None:
        slot.heavy, slot.client = heavy, client
        if heavy:
            self._heavy[client] += 1

    def _unhold(self, slot: _Slot) -> None:
        if slot.heavy:
            self._heavy[slot.client] -= 1
            if self._heavy[slot.client] <= 0:
                del self._heavy[slot.client]
        slot.heavy, slot.client = False, None

    async def _acquire(self, heavy: bool, client: str | None) -> _Slot:
        if self._closed:
            raise StoreUnavailable("the query pool is closed")
        slot = self._take(heavy, client)
        if slot is not None:
            return slot
        if not self._slots and not self._starting:
            raise StoreUnavailable("no query worker is running; see the server log")
        waiter = _Waiter(asyncio.get_running_loop().create_future(), heavy, client)
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(self.wait):
                return await waiter.future
        except BaseException as exc:
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)
            future = waiter.future
            if future.done() and not future.cancelled() and future.exception() is None:
                # Handed a worker in the same loop iteration in which we were cancelled or
                # timed out (Python 3.12+ raises here with the result set): pass it on.
                self._give_back(future.result())
            if isinstance(exc, TimeoutError):
                raise self._busy() from None
            raise

    def _give_back(self, slot: _Slot) -> None:
        """The end of a checkout: kill, drain, reopen, or hand the worker to the next caller."""
        self._unhold(slot)
        if self._closed or slot not in self._slots:
            return
        if slot.broken is not None:
            self._slots.discard(slot)
            self._starting += 1  # its replacement: callers wait for it rather than fail
            self._spawn_task(self._replace(slot))
        elif slot.pending is not None:
            self._spawn_task(self._drain(slot))
        elif slot.checkpoint is not self._checkpoint:
            self._spawn_task(self._reopen(slot))
        else:
            self._dispatch(slot)

    def _dispatch(self, slot: _Slot) -> None:
        for waiter in list(self._waiters):
            if waiter.future.done():
                self._waiters.remove(waiter)
                continue
            if self._eligible(slot, waiter.heavy, waiter.client):
                self._waiters.remove(waiter)
                self._hold(slot, waiter.heavy, waiter.client)
                waiter.future.set_result(slot)
                return
        self._idle.append(slot)

    def _spawn_task(self, coroutine: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -------------------------------------------------------------------- worker lifecycle
    async def _drain(self, slot: _Slot) -> None:
        """Collect the reply of a query nobody waits for any more, then reuse the worker."""
        assert slot.pending is not None
        left = max(0.0, slot.pending - time.monotonic())
        slot.pending = None
        try:
            await slot.worker.receive(left)
        except TimeoutError:
            slot.broken = "timed out (abandoned query)"
        except Died as exc:
            slot.broken = str(exc)
        self._give_back(slot)

    async def _reopen(self, slot: _Slot) -> None:
        """Point a free worker at the pool's current checkpoint, then give it back."""
        while slot.broken is None and slot.checkpoint is not self._checkpoint and not self._closed:
            target = self._checkpoint.acquire()
            try:
                slot.worker.send(("open", str(target.path)))
                reply = await slot.worker.receive(60)
                if reply[0] != "ready":
                    raise OSError(reply[2])
            except (TimeoutError, Died, OSError) as exc:
                target.release()
                slot.broken = f"could not open {target.path}: {exc}"
                break
            slot.checkpoint.release()
            slot.checkpoint = target
            if target is self._checkpoint:
                self._graphs = frozenset(reply[3])
        if self._closed:
            return
        self._give_back(slot)

    async def _replace(self, slot: _Slot) -> None:
        log.warning("query worker %s %s; replacing it", slot.worker.name, slot.broken)
        try:
            await asyncio.to_thread(slot.worker.kill)
        finally:
            slot.checkpoint.release()
            self._starting -= 1
        if not self._closed:
            await self._start_one(slot.lane)
        else:
            self._fail_waiters_if_empty()

    async def _start_one(self, lane: Lane) -> None:
        """Start a worker on the current checkpoint; give it out once it is ready."""
        if self._closed:
            return
        checkpoint = self._checkpoint.acquire()
        name = f"actorgraph-query-{next(self._ids)}"
        in_memory = self._ctx.Value("b", 0, lock=False)
        self._starting += 1
        worker: Worker | None = None
        try:
            worker, reply = await asyncio.to_thread(
                self._spawn, name, str(checkpoint.path), in_memory
            )
        except (Died, OSError, TimeoutError) as exc:
            if not self._closed:  # at shutdown the checkpoint may be gone already
                log.error("could not start a query worker on %s: %s", checkpoint.path, exc)
            reply = None
        finally:
            self._starting -= 1
        if worker is None or reply is None or self._closed:
            checkpoint.release()
            if worker is not None:
                await asyncio.to_thread(worker.kill)
            self._fail_waiters_if_empty()
            return
        slot = _Slot(worker, checkpoint, lane, bool(reply[2]), in_memory)
        if not slot.isolated:
            log.warning("query worker %s keeps network access; the guard stands alone", name)
        self._slots.add(slot)
        if checkpoint is self._checkpoint:
            self._graphs = frozenset(reply[3])
        self._give_back(slot)

    def _spawn(self, name: str, checkpoint: str, in_memory: ctypes.c_byte) -> tuple[Worker, _Reply]:
        worker = Worker.spawn(
            self._ctx,
            _worker_main,
            (checkpoint, self.memory_max_triples, in_memory, self.limits, self.functions or None),
            name,
        )
        try:
            reply = worker.receive_blocking(60)
        except BaseException:
            worker.kill()
            raise
        if reply[0] != "ready":
            worker.kill()
            raise OSError(reply[2])
        return worker, reply

    def _fail_waiters_if_empty(self) -> None:
        if self._slots or self._starting:
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.future.done():
                waiter.future.set_exception(
                    StoreUnavailable("no query worker is running; see the server log")
                )


def _stop_all(workers: list[Worker]) -> None:
    for worker in workers:
        with contextlib.suppress(OSError, ValueError):
            worker.conn.send(None)
    deadline = time.monotonic() + 1
    for worker in workers:
        with contextlib.suppress(OSError, ValueError, AssertionError):
            worker.process.join(timeout=max(0.0, deadline - time.monotonic()))
        worker.kill()
