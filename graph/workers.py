"""Worker processes with limits: the plumbing under the query pool and the sandbox.

Why processes: pyoxigraph has no query timeout (oxigraph/oxigraph#1926), its parsers can be made
to exhaust memory or the stack by a small hostile input, and pySHACL or spaCy on a large input
hold the GIL for seconds. In a worker process such work can only hurt itself: it runs under an
address-space limit and a CPU-time limit, without network access where the kernel allows it, and
the parent kills it (SIGKILL) at a wall-clock deadline and starts another.

A worker comes from a ``forkserver`` (never ``fork``: the parent holds RocksDB and threads) and
talks over one duplex pipe. The parent waits for an answer on the event loop (the pipe's
descriptor is watched; no thread is held), so a slow job costs a file descriptor, not a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import multiprocessing
import os
import resource
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from typing import Any

__all__ = ["CRASH_SIGNALS", "Died", "Limits", "Worker", "apply_limits", "context", "cpu_budget"]

log = logging.getLogger("actorgraph")

#: Signals by which a worker's own code ended it (a crash), as opposed to being killed.
CRASH_SIGNALS = frozenset(
    {signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS, signal.SIGILL, signal.SIGFPE}
)


@dataclass(frozen=True)
class Limits:
    """What a worker process may use. ``None``: no limit of that kind."""

    memory_mb: int | None = None  # address space (RLIMIT_AS)
    isolate_network: bool = True  # an empty network namespace (best effort)


class Died(Exception):
    """The worker process ended (or closed its pipe) while the parent waited for it."""

    def __init__(self, name: str, exitcode: int | None) -> None:
        self.exitcode = exitcode
        self.signal = -exitcode if exitcode is not None and exitcode < 0 else None
        how = (
            f"was ended by {signal.Signals(self.signal).name}"
            if self.signal is not None and self.signal in signal.Signals._value2member_map_
            else f"exited with {exitcode}"
            if exitcode is not None
            else "closed its pipe"
        )
        super().__init__(f"worker {name} {how}")

    @property
    def crashed(self) -> bool:
        """Ended by its own fault (segfault, abort — Rust aborts when an allocation fails)."""
        return self.signal in CRASH_SIGNALS

    @property
    def out_of_cpu(self) -> bool:
        return self.signal == signal.SIGXCPU


def context() -> ForkServerContext:
    """The multiprocessing context of every worker (one forkserver per parent process)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["graph.workers"])
    return ctx


def _isolate_network() -> bool:
    """Move this process into an empty network namespace (Linux), so it cannot reach out.

    Defence in depth behind the query guard and the payload checks; best effort (needs
    CAP_SYS_ADMIN or unprivileged user namespaces).
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        clone_newnet, clone_newuser = 0x40000000, 0x10000000
        if libc.unshare(clone_newnet) == 0:
            return True
        return bool(libc.unshare(clone_newuser | clone_newnet) == 0)
    except (OSError, AttributeError):
        return False


def apply_limits(limits: Limits) -> bool:
    """In a worker, before it runs anything: its limits. Returns whether it has no network."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us; Ctrl-C is for it
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash must not write gigabytes
    if limits.memory_mb is not None:
        cap = limits.memory_mb * 1024 * 1024
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    return _isolate_network() if limits.isolate_network else False


def cpu_budget(seconds: float | None) -> None:
    """In a worker, before a job: allow it ``seconds`` more of CPU time (SIGXCPU past that).

    RLIMIT_CPU counts the process's whole life, so the soft limit is moved to what was used so
    far plus the budget; ``None`` lifts it.
    """
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if seconds is None:
        soft = hard
    else:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        soft = int(usage.ru_utime + usage.ru_stime + seconds) + 1
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


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
        async with asyncio.timeout(timeout):
            await ready
    finally:
        loop.remove_reader(fd)
        # uvloop (libuv's uv_poll_init) leaves the descriptor non-blocking, and Connection.recv
        # of a reply larger than one read would then fail half-way with BlockingIOError.
        os.set_blocking(fd, True)


class Worker:
    """One worker process and the parent's end of its pipe.

    ``close`` and ``kill`` may be called any number of times, from any thread: the pipe is
    closed exactly once (closing it twice raised ``EBADF`` when a worker died during shutdown).
    """

    def __init__(self, process: BaseProcess, conn: Connection, name: str) -> None:
        self.process = process
        self.conn = conn
        self.name = name
        self._lock = threading.Lock()
        self._closed = False

    @classmethod
    def spawn(
        cls,
        ctx: ForkServerContext,
        target: Callable[..., None],
        args: tuple[Any, ...],
        name: str,
    ) -> Worker:
        """Start ``target(conn, *args)`` in a new process. Blocking (tens of milliseconds, the
        forkserver's first start about a second): call it in a thread."""
        parent, child = ctx.Pipe(duplex=True)
        process = ctx.Process(target=target, args=(child, *args), name=name, daemon=True)
        process.start()
        child.close()
        return cls(process, parent, name)

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def send(self, message: Any) -> None:
        """Send one message; :class:`Died` if the worker is gone."""
        try:
            self.conn.send(message)
        except (OSError, ValueError) as exc:
            raise Died(self.name, self.process.exitcode) from exc

    async def receive(self, timeout: float) -> Any:
        """The next message, awaited on the event loop; ``TimeoutError`` after ``timeout``
        seconds, :class:`Died` if the worker ended."""
        try:
            await _readable(self.conn, timeout)
            return self.conn.recv()
        except TimeoutError:  # an OSError too: not a death
            raise
        except (EOFError, OSError, ValueError) as exc:
            raise await self._died() from exc

    def receive_blocking(self, timeout: float) -> Any:
        """:meth:`receive` for a thread."""
        try:
            if not self.conn.poll(timeout):
                raise TimeoutError(f"worker {self.name} did not answer within {timeout:g} s")
            return self.conn.recv()
        except TimeoutError:
            raise
        except (EOFError, OSError, ValueError) as exc:
            self.process.join(timeout=2)
            raise Died(self.name, self.process.exitcode) from exc

    async def _died(self) -> Died:
        # The pipe closes as the process exits; reap it to learn how it ended.
        await asyncio.to_thread(self.process.join, 2)
        return Died(self.name, self.process.exitcode)

    def kill(self) -> None:
        """SIGKILL, reap, close the pipe. Blocking (up to a few seconds): call it in a thread."""
        with contextlib.suppress(OSError, ValueError, AttributeError):
            self.process.kill()
        with contextlib.suppress(OSError, ValueError, AssertionError):
            self.process.join(timeout=5)
        self.close()

    def stop(self) -> None:
        """Ask the worker to end (``None``), wait a second, then :meth:`kill`. Blocking."""
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)
        with contextlib.suppress(OSError, ValueError, AssertionError):
            self.process.join(timeout=1)
        self.kill()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        with contextlib.suppress(OSError):
            self.conn.close()
