"""Worker processes that run public SPARQL queries under a wall-clock limit.

pyoxigraph has no query timeout (oxigraph/oxigraph#1926), so every query of the public endpoint
runs in a worker process that can be killed. Workers open an immutable read-only checkpoint of
the store (the writer keeps the live one), copy it into memory in the background, and, where the
kernel allows it, drop their network access, so even a query the guard
(:func:`graph.sparql.check_query`) missed cannot reach out.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ctypes
import itertools
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from rdflib import URIRef

from graph.errors import (
    ActorGraphError,
    EndpointBusy,
    InvalidInput,
    QueryRefused,
    QueryTimeout,
    StoreUnavailable,
)
from graph.store import QueryKind, RDFFormat, ResultsFormat, Store

__all__ = ["QueryPool"]

log = logging.getLogger("actorgraph")


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


def _isolate_network() -> bool:
    """Move this process into an empty network namespace (Linux), so no query can reach out.

    Defence in depth behind the guard; best effort (needs CAP_SYS_ADMIN or user namespaces).
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        clone_newnet, clone_newuser = 0x40000000, 0x10000000
        if libc.unshare(clone_newnet) == 0:
            return True
        return bool(libc.unshare(clone_newuser | clone_newnet) == 0)
    except (OSError, AttributeError):
        return False


def _error(exc: Exception) -> _Reply:
    if isinstance(exc, ActorGraphError):
        line, column = getattr(exc, "line", None), getattr(exc, "column", None)
        return ("error", type(exc).__name__, exc.message, line, column)
    return (
        "error",
        "StoreUnavailable",
        f"the query failed: {type(exc).__name__}: {exc}",
        None,
        None,
    )


class _Engine:
    """What a worker answers from: its checkpoint on disk at once, then a copy of it in memory.

    The copy is made by a background thread (queries keep being answered from disk meanwhile)
    when the checkpoint holds at most ``memory_max`` triples, and is swapped in whole. ``flag``
    (shared with the parent) says which one answers: 1 memory, 0 disk.
    """

    def __init__(self, memory_max: int, flag: ctypes.c_byte) -> None:
        self.memory_max = memory_max
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
            if size > self.memory_max:
                log.info(
                    "query worker: %s holds %d triples (> %d): answering from disk",
                    disk.path,
                    size,
                    self.memory_max,
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


def _worker_main(conn: Connection, checkpoint: str, memory_max: int, flag: ctypes.c_byte) -> None:
    """A worker: open the checkpoint read-only, then answer requests until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us; Ctrl-C is for it
    isolated = _isolate_network()
    engine = _Engine(memory_max, flag)
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
                conn.send(_answer(engine.store, message[1]))
        except Exception as exc:  # a failure comes back as data and the worker lives on
            conn.send(_error(exc))


def _answer(store: Store, request: _Request) -> _Reply:
    result = store.query(
        request.query,
        default_graphs=None
        if request.default_graphs is None
        else [URIRef(g) for g in request.default_graphs],
        named_graphs=None
        if request.named_graphs is None
        else [URIRef(g) for g in request.named_graphs],
        base_iri=request.base_iri,
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


def _fail(waiter: asyncio.Future[_Worker]) -> None:
    if not waiter.done():
        waiter.set_exception(StoreUnavailable("the query pool is closed"))


def _worker_died() -> StoreUnavailable:
    return StoreUnavailable("the query worker died while running the query; try again")


async def _readable(conn: Connection, timeout: float) -> None:
    """Wait until ``conn`` has something to read; ``TimeoutError`` after ``timeout`` seconds."""
    if conn.poll(0):
        return
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    fd = conn.fileno()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(fd, wake)
    try:
        await asyncio.wait_for(ready, timeout)
    finally:
        loop.remove_reader(fd)
        # uvloop (libuv's uv_poll_init) leaves the descriptor non-blocking, and Connection.recv
        # of a reply larger than one read would then fail half-way with BlockingIOError.
        os.set_blocking(fd, True)


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection
    checkpoint: Path
    isolated: bool
    in_memory: ctypes.c_byte


class QueryPool:
    """Worker processes that run public SPARQL queries under a wall-clock limit.

    Each worker opens the read-only checkpoint ``checkpoint`` (made by ``Store.checkpoint``).
    :meth:`run` sends a query to an idle worker; a worker that runs past ``timeout`` is killed
    (SIGKILL) and replaced, and the caller gets :class:`QueryTimeout` before any byte was sent.
    A slow query holds one worker only; when every worker stays busy for ``wait``, callers get
    :class:`EndpointBusy`. Workers come from a ``forkserver`` (never ``fork``: this process holds
    RocksDB and threads).

    Parameters
    ----------
    checkpoint : a checkpoint directory no process writes to.
    workers : how many queries may run at once.
    timeout : seconds a query may run.
    wait : seconds a caller may wait for a free worker (default: ``timeout``).
    memory_max_triples : workers copy a checkpoint of at most this many triples into memory
        (in the background; they answer from disk until the copy is whole) — 0: never.

    Raises
    ------
    StoreUnavailable : no worker could open the checkpoint.
    """

    def __init__(
        self,
        checkpoint: Path,
        *,
        workers: int,
        timeout: float,
        wait: float | None = None,
        memory_max_triples: int = 0,
    ) -> None:
        if workers < 1:
            raise ValueError("a QueryPool needs at least one worker")
        self.timeout = timeout
        self.memory_max_triples = memory_max_triples
        self.wait = timeout if wait is None else wait
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(["graph.pool"])
        self._cond = threading.Condition()
        self._checkpoint = Path(checkpoint)
        self._workers: set[_Worker] = set()
        self._idle: list[_Worker] = []
        # callers of arun waiting for a worker, first come first served (handed one directly)
        self._waiters: collections.deque[asyncio.Future[_Worker]] = collections.deque()
        self._starting: dict[int, Path] = {}
        self._ids = itertools.count()
        self._graphs: frozenset[str] = frozenset()
        self._closed = False
        starters = [threading.Thread(target=self._start_one, daemon=True) for _ in range(workers)]
        for t in starters:
            t.start()
        for t in starters:
            t.join()
        if not self._workers:
            raise StoreUnavailable(f"no query worker could open the checkpoint {self._checkpoint}")

    # ---------------------------------------------------------------------------- public
    @property
    def graphs(self) -> frozenset[str]:
        """The named graphs of the checkpoint the workers answer from."""
        return self._graphs

    @property
    def checkpoint(self) -> Path:
        return self._checkpoint

    @property
    def isolated(self) -> bool:
        """Whether every worker runs without network access (the guard's safety net)."""
        with self._cond:
            return bool(self._workers) and all(w.isolated for w in self._workers)

    @property
    def in_memory(self) -> int:
        """How many workers answer from an in-memory copy of the checkpoint (the rest: disk)."""
        with self._cond:
            return sum(1 for w in self._workers if w.in_memory.value)

    @property
    def pids(self) -> list[int]:
        """Process ids of the live workers (for monitoring and tests)."""
        with self._cond:
            return sorted(w.process.pid for w in self._workers if w.process.pid is not None)

    def run(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        result_format: ResultsFormat | RDFFormat = ResultsFormat.JSON,
        max_rows: int = 10_000,
        base_iri: str | None = None,
    ) -> tuple[bytes, str]:
        """Run ``query`` in a worker; return the serialised result and its media type.

        ``default_graphs``/``named_graphs`` set the dataset (``None``: the union of all graphs as
        the default graph, every graph named). ``result_format`` is used when it fits the query
        form; otherwise the form's default (SPARQL JSON, Turtle) is, and the media type says so.

        Raises
        ------
        InvalidInput : a syntax error, with line and column.
        QueryRefused : the result has more than ``max_rows`` rows (or triples).
        QueryTimeout : the query ran past the time limit; it was stopped.
        EndpointBusy : every worker stayed busy for ``wait`` seconds.
        StoreUnavailable : the pool is closed, or a worker died.
        """
        request = _request(query, default_graphs, named_graphs, result_format, max_rows, base_iri)
        worker: _Worker | None = self._acquire()
        assert worker is not None
        try:
            worker.conn.send(("query", request))
            if not worker.conn.poll(self.timeout):
                self._discard(worker, "timed out")
                worker = None
                raise self._timeout()
            reply: _Reply = worker.conn.recv()
        except (EOFError, OSError) as exc:
            if worker is not None:
                self._discard(worker, f"died ({exc})")
                worker = None
            raise _worker_died() from exc
        finally:
            if worker is not None:
                self._release(worker)
        return _decode(reply)

    async def arun(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        result_format: ResultsFormat | RDFFormat = ResultsFormat.JSON,
        max_rows: int = 10_000,
        base_iri: str | None = None,
    ) -> tuple[bytes, str]:
        """:meth:`run` for an event loop: waits on the worker's pipe, not in a thread.

        Why: a request to the public endpoint is mostly waiting for a worker, and handing that
        wait to a thread pool cost more than the typical query itself (a fraction of a
        millisecond each way). Only the rare slow paths (every worker busy, a worker to kill or
        to reopen on a new checkpoint) go to a thread. If the caller is cancelled mid-query, a
        thread collects the worker's reply so that the worker goes back to idle clean.

        Raises the same errors as :meth:`run`.
        """
        request = _request(query, default_graphs, named_graphs, result_format, max_rows, base_iri)
        worker = self._try_acquire() or await self._acquire_async()
        started = time.monotonic()
        try:
            worker.conn.send(("query", request))
            await _readable(worker.conn, self.timeout)
            reply: _Reply = worker.conn.recv()
        except TimeoutError:
            await asyncio.to_thread(self._discard, worker, "timed out")
            raise self._timeout() from None
        except (EOFError, OSError) as exc:
            await asyncio.to_thread(self._discard, worker, f"died ({exc})")
            raise _worker_died() from exc
        except BaseException:  # cancelled while the worker runs: collect its reply elsewhere
            left = max(0.0, self.timeout - (time.monotonic() - started))
            threading.Thread(target=self._drain, args=(worker, left), daemon=True).start()
            raise
        if worker.checkpoint == self._checkpoint:
            self._release(worker)
        else:  # reopening on a new checkpoint takes tens of milliseconds
            await asyncio.to_thread(self._release, worker)
        return _decode(reply)

    def switch(self, checkpoint: Path, *, wait: bool = True) -> Path | None:
        """Answer later queries from ``checkpoint``; return the old one.

        Idle workers reopen at once, busy ones when their query ends. With ``wait``, returns
        once no worker uses the old checkpoint (so the caller may delete it), or ``None`` when
        it is still open after a grace period; without, returns at once (see :meth:`in_use`).
        Returns ``None`` when ``checkpoint`` is already current.
        """
        new = Path(checkpoint)
        with self._cond:
            old = self._checkpoint
            if new == old:
                return None
            self._checkpoint = new
            idle, self._idle = self._idle, []
        for worker in idle:
            self._release(worker)  # reopens on the new checkpoint, then back to idle
        if not wait:
            return old
        deadline = time.monotonic() + 2 * self.timeout + 30
        with self._cond:
            while self._uses(old):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    log.warning("checkpoint %s is still in use; leaving it in place", old)
                    return None
                self._cond.wait(remaining)
        return old

    def in_use(self, checkpoint: Path) -> bool:
        """Whether a worker still has ``checkpoint`` open (or is opening it)."""
        with self._cond:
            return self._uses(Path(checkpoint))

    def _uses(self, checkpoint: Path) -> bool:
        return (
            checkpoint == self._checkpoint
            or any(w.checkpoint == checkpoint for w in self._workers)
            or checkpoint in self._starting.values()
        )

    def close(self) -> None:
        """Stop every worker (politely, then SIGKILL)."""
        with self._cond:
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
            self._idle.clear()
            waiters, self._waiters = list(self._waiters), collections.deque()
            self._cond.notify_all()
        for waiter in waiters:  # callers of arun still queued: tell them now
            with contextlib.suppress(RuntimeError):  # their loop may be closed already
                waiter.get_loop().call_soon_threadsafe(_fail, waiter)
        for worker in workers:
            with contextlib.suppress(OSError, ValueError):
                worker.conn.send(None)
        for worker in workers:
            worker.process.join(timeout=1)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=1)
            worker.conn.close()

    def __enter__(self) -> QueryPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------------------- workers
    def _timeout(self) -> QueryTimeout:
        return QueryTimeout(
            f"the query ran longer than {self.timeout:g} s and was stopped "
            "(setting ACTORGRAPH_QUERY_TIMEOUT); narrow it or add LIMIT"
        )

    def _busy(self) -> EndpointBusy:
        return EndpointBusy(
            f"every query worker stayed busy for {self.wait:g} s; try again shortly"
        )

    def _try_acquire(self) -> _Worker | None:
        """An idle worker at once, or ``None`` (without waiting)."""
        with self._cond:
            if self._closed:
                raise StoreUnavailable("the query pool is closed")
            return self._idle.pop() if self._idle else None

    async def _acquire_async(self) -> _Worker:
        """:meth:`_acquire` without blocking the loop: queue up and be handed the next free
        worker (first come, first served), or :class:`EndpointBusy` after ``wait`` seconds."""
        waiter: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
        with self._cond:
            if self._closed:
                raise StoreUnavailable("the query pool is closed")
            if self._idle:
                return self._idle.pop()
            if not self._workers and not self._starting:
                raise StoreUnavailable("no query worker is running; see the server log")
            self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(waiter, self.wait)
        except TimeoutError:
            raise self._busy() from None
        finally:
            with self._cond, contextlib.suppress(ValueError):
                self._waiters.remove(waiter)

    def _hand_over(self, waiter: asyncio.Future[_Worker], worker: _Worker) -> None:
        """In the waiter's loop: give it the worker, or — gone meanwhile — pass the worker on."""
        if waiter.done():
            self._release(worker)
        else:
            waiter.set_result(worker)

    def _drain(self, worker: _Worker, timeout: float) -> None:
        """Wait for the reply of a query nobody waits for any more, then free the worker."""
        try:
            if worker.conn.poll(timeout):
                worker.conn.recv()
                self._release(worker)
                return
            why = "timed out (abandoned query)"
        except (EOFError, OSError) as exc:
            why = f"died ({exc})"
        self._discard(worker, why)

    def _acquire(self) -> _Worker:
        deadline = time.monotonic() + self.wait
        with self._cond:
            while not self._idle:
                if self._closed:
                    raise StoreUnavailable("the query pool is closed")
                if not self._workers and not self._starting:
                    raise StoreUnavailable("no query worker is running; see the server log")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise self._busy()
                self._cond.wait(remaining)
            return self._idle.pop()

    def _release(self, worker: _Worker) -> None:
        """Back to idle, reopening first if the pool has switched checkpoints meanwhile."""
        while worker.checkpoint != self._checkpoint:
            target = self._checkpoint
            try:
                worker.conn.send(("open", str(target)))
                if not worker.conn.poll(60):
                    raise OSError("no answer within 60 s")
                reply = worker.conn.recv()
                if reply[0] != "ready":
                    raise OSError(reply[2])
            except (EOFError, OSError) as exc:
                self._discard(worker, f"could not open {target}: {exc}")
                return
            with self._cond:
                worker.checkpoint = target
                if target == self._checkpoint:
                    self._graphs = frozenset(reply[3])
                self._cond.notify_all()
        with self._cond:
            if self._closed or worker not in self._workers:
                return
            while self._waiters:
                waiter = self._waiters.popleft()
                if not waiter.done():
                    waiter.get_loop().call_soon_threadsafe(self._hand_over, waiter, worker)
                    return
            self._idle.append(worker)
            self._cond.notify_all()

    def _start_one(self) -> None:
        """Start a worker on the current checkpoint and wait until it is ready (own thread)."""
        key = next(self._ids)
        with self._cond:
            if self._closed:
                return
            checkpoint = self._checkpoint
            self._starting[key] = checkpoint
        worker: _Worker | None = None
        graphs: list[str] = []
        try:
            parent, child = self._ctx.Pipe(duplex=True)
            in_memory = self._ctx.Value("b", 0, lock=False)
            process = self._ctx.Process(
                target=_worker_main,
                args=(child, str(checkpoint), self.memory_max_triples, in_memory),
                name=f"actorgraph-query-{key}",
                daemon=True,
            )
            process.start()
            child.close()
            if not parent.poll(60):
                process.kill()
                raise OSError("the worker did not start within 60 s")
            reply = parent.recv()
            if reply[0] != "ready":
                process.join(timeout=5)
                raise OSError(reply[2])
            worker = _Worker(process, parent, checkpoint, bool(reply[2]), in_memory)
            graphs = reply[3]
            if not worker.isolated:
                log.warning(
                    "query worker %s keeps network access; the query guard stands alone", key
                )
        except (EOFError, OSError) as exc:
            if not self._closed:  # at shutdown the checkpoint may be gone already
                log.error("could not start a query worker on %s: %s", checkpoint, exc)
        with self._cond:
            self._starting.pop(key, None)
            if worker is not None and self._closed:
                worker.process.kill()
                worker = None
            if worker is not None:
                self._workers.add(worker)
                if checkpoint == self._checkpoint:
                    self._graphs = frozenset(graphs)
            self._cond.notify_all()
        if worker is not None:
            self._release(worker)

    def _discard(self, worker: _Worker, why: str) -> None:
        """Kill a worker (SIGKILL) and start its replacement in the background."""
        log.warning("query worker %s %s; replacing it", worker.process.name, why)
        worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()
        with self._cond:
            self._workers.discard(worker)
            closed = self._closed
            self._cond.notify_all()
        if not closed:
            threading.Thread(target=self._start_one, daemon=True).start()
