"""What a running service holds: the store, one snapshot of the graph for readers, the query
workers and the sandbox.

**Readers** see a :class:`Snapshot` — the graph's generation, its checkpoint, named graphs, actor
network, triple count and the cost estimator's statistics — swapped whole after a write. A request
takes the snapshot once (``api.deps.SnapshotDep``) and uses that version throughout; caches derived
from a version hang on its snapshot, so they can never mix versions.

**Writers** hold the write lock (:meth:`Runtime.writing`): the sandbox checks a batch against the
newest checkpoint (which under the lock is exactly the store), the store is written, and a new
checkpoint is made before the lock is released, so checkpoints follow the order of writes. After
the lock, a new snapshot is built from that checkpoint (the actor network takes seconds at a
million triples) and swapped in, and the query workers move to it; the steward's response comes
then. A failure after the write is durable cannot fail the request: the batch is committed, the
response says it is not visible yet, and the next write publishes it.

Checkpoints are deleted by their last user (:class:`graph.checkpoints.Checkpoint`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from graph.build import build
from graph.checkpoints import Checkpoint, hold, remove_tree
from graph.cost import Statistics
from graph.errors import Conflict, StoreUnavailable
from graph.networks import ActorNetwork
from graph.pool import QueryPool
from graph.sandbox import Sandbox
from graph.settings import Settings
from graph.store import Store

__all__ = ["Runtime", "Snapshot", "WriteBusy", "Writing", "open_store"]

log = logging.getLogger("actorgraph")


@dataclass(eq=False)
class Snapshot:
    """One version of the graph as readers see it (immutable but for ``cache``)."""

    generation: int
    checkpoint: Checkpoint  # one reference, held while this is the current snapshot
    store: Store  # the checkpoint, read-only (closed when the checkpoint is deleted)
    graphs: frozenset[str]
    network: ActorNetwork
    triples: int
    statistics: Statistics
    cache: dict[str, Any] = field(default_factory=dict)  # values derived from this version

    @classmethod
    def build(cls, checkpoint: Checkpoint) -> Snapshot:
        """Read a checkpoint into a snapshot (blocking: seconds at a million triples). Takes
        over the caller's reference to ``checkpoint`` (released if this fails)."""
        try:
            store = Store.open_read_only(checkpoint.path)
            checkpoint.on_delete(store.close)
            return cls(
                generation=checkpoint.generation,
                checkpoint=checkpoint,
                store=store,
                graphs=frozenset(str(g) for g in store.named_graphs()),
                network=ActorNetwork.from_store(store),
                triples=len(store),
                statistics=Statistics.from_store(store),
            )
        except BaseException:
            checkpoint.release()
            raise


def _settle_memory() -> None:
    """Move the new snapshot's objects out of the garbage collector's way, and let the old
    ones go.

    The actor network holds millions of small objects at 1M triples; a full collection during an
    ego request cost 250–550 ms (measured), 120 ms with the network frozen. Unfreezing first lets
    the previous snapshot's network be collected (frozen objects never are: the server's memory
    grew with every write before).
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def open_store(settings: Settings) -> Store:
    """Open the store at ``settings.store_path``, building it from the seeds only when the path
    was left at its default and holds nothing yet (a mistyped ACTORGRAPH_STORE_PATH must fail,
    not serve a fresh seed graph).

    Raises
    ------
    StoreUnavailable : no store there (with the command that makes one), not a directory, not a
        store, locked by another process, not writable, or damaged; the message says what to do.
    """
    path = settings.store_path
    empty = not path.exists() or (path.is_dir() and not any(path.iterdir()))
    if empty and not settings.store_path_is_default:
        raise StoreUnavailable(
            f"there is no store at {path} (ACTORGRAPH_STORE_PATH): build one with "
            f"`actorgraph build --store {path}`, or correct the path"
        )
    if path.exists() and not path.is_dir():
        raise StoreUnavailable(
            f"{path} is a file, not a store directory: point ACTORGRAPH_STORE_PATH at a directory"
        )
    if not empty and not (path / "CURRENT").is_file():
        raise StoreUnavailable(
            f"{path} is not an actorgraph store (it holds other files): point "
            "ACTORGRAPH_STORE_PATH at a store, or build one with `actorgraph build --store DIR`"
        )
    store = Store.open(path)
    if empty or len(store) == 0:
        started = time.perf_counter()
        try:
            result = build(settings.seeds_path, store)
        except BaseException:
            store.close()
            raise
        log.info(
            "built %s from %s: %d triples in %.1f s",
            path,
            settings.seeds_path,
            result.triples,
            time.perf_counter() - started,
        )
    return store


class WriteBusy(Conflict):
    """Another commit or retraction held the write lock for too long (409)."""

    headers = {"Retry-After": "5"}  # noqa: RUF012


@dataclass
class Writing:
    """One write under the lock: the checkpoint the store equals now (for the sandbox's check),
    and whether the write changed the store (then a new version is published)."""

    checkpoint: Checkpoint
    changed: bool = False
    visible: bool = True  # set after the block: whether readers see the write already


class Runtime:
    """The service's state; made by :meth:`open` inside the app's lifespan, closed by it."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        checkpoints: Path,
        latest: Checkpoint,
        snapshot: Snapshot,
        pool: QueryPool,
        sandbox: Sandbox,
    ) -> None:
        self.settings = settings
        self.store = store
        self.pool = pool
        self.sandbox = sandbox
        self._checkpoints = checkpoints
        self._held: IO[bytes] | None = None  # the lock that says these checkpoints are live
        self._latest = latest  # the store as of the last write (one reference held)
        self._snapshot = snapshot
        self._dirty = False  # a write is durable but no checkpoint holds it yet
        self._write_lock = asyncio.Lock()
        self._refresh_lock = asyncio.Lock()

    # ------------------------------------------------------------------------ opening
    @classmethod
    async def open(
        cls,
        settings: Settings,
        *,
        query_functions: Mapping[str, Callable[..., Any]] | None = None,
    ) -> Runtime:
        """Open (or, at the default path, build) the store, checkpoint it, read the first
        snapshot and start the workers. Blocking steps run in threads: the event loop keeps
        answering meanwhile. On failure everything opened so far is closed again.

        Raises
        ------
        StoreUnavailable : see :func:`open_store`; or no query worker could start.
        """
        store = await asyncio.to_thread(open_store, settings)
        path = settings.store_path
        checkpoints = path.parent / f"{path.name}.checkpoints"
        pool: QueryPool | None = None
        sandbox: Sandbox | None = None
        latest: Checkpoint | None = None
        held: IO[bytes] | None = None
        try:
            await asyncio.to_thread(remove_tree, checkpoints)  # a crashed server's
            checkpoints.mkdir(parents=True)
            held = hold(checkpoints)  # the command line reads these while we hold them
            latest = await asyncio.to_thread(
                Checkpoint.make, store, checkpoints / "000001", generation=1
            )
            snapshot = await asyncio.to_thread(Snapshot.build, latest.acquire())
            await asyncio.to_thread(_settle_memory)
            pool = QueryPool(
                latest,
                workers=settings.query_workers,
                light_workers=settings.query_light_workers,
                timeout=settings.query_timeout,
                heavy_per_client=settings.query_heavy_per_client,
                memory_max_triples=settings.query_memory_max_triples,
                memory_limit_mb=settings.query_memory_limit_mb,
                functions=query_functions,
            )
            await pool.start()
            sandbox = Sandbox(
                workers=settings.job_workers,
                timeout=settings.job_timeout,
                memory_limit_mb=settings.job_memory_limit_mb,
            )
            await sandbox.start()
        except BaseException:
            if sandbox is not None:
                await sandbox.close()
            if pool is not None:
                await pool.close()
            if latest is not None:
                latest.release()
            store.close()
            if held is not None:
                held.close()
            remove_tree(checkpoints)
            raise
        runtime = cls(settings, store, checkpoints, latest, snapshot, pool, sandbox)
        runtime._held = held
        return runtime

    async def close(self) -> None:
        await self.sandbox.close()
        await self.pool.close()
        self._snapshot.checkpoint.release()
        self._latest.release()
        await asyncio.to_thread(self.store.close)
        if self._held is not None:
            self._held.close()
        remove_tree(self._checkpoints)

    # ------------------------------------------------------------------------ readers
    @property
    def snapshot(self) -> Snapshot:
        """The version readers see now (take it once per request)."""
        return self._snapshot

    @property
    def generation(self) -> int:
        return self._snapshot.generation

    # ------------------------------------------------------------------------ writers
    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[Writing]:
        """Hold the write lock for one commit or retraction; publish what it changed.

        Inside the block the store equals ``writing.checkpoint`` (a reference is held for the
        block). Set ``writing.changed`` after writing. After the block the lock is released and
        the new version is published to readers before this returns; ``writing.visible`` says
        whether that worked (the write itself is durable either way).

        Raises
        ------
        WriteBusy : another write held the lock for ACTORGRAPH_WRITE_LOCK_TIMEOUT seconds.
        StoreUnavailable : an earlier write could not be checkpointed and still cannot.
        """
        timeout = self.settings.write_lock_timeout
        try:
            async with asyncio.timeout(timeout):
                await self._write_lock.acquire()
        except TimeoutError:
            raise WriteBusy(
                f"another steward's commit or retraction is in progress and did not finish "
                f"within {timeout:g} s (ACTORGRAPH_WRITE_LOCK_TIMEOUT); nothing was written: "
                "try again"
            ) from None
        try:
            if self._dirty:  # the last write's checkpoint failed: the check needs the store
                await self._checkpoint()
            writing = Writing(self._latest.acquire())
            try:
                yield writing
            finally:
                writing.checkpoint.release()
            if writing.changed:
                try:
                    await self._checkpoint()
                except StoreUnavailable as exc:
                    log.error("the write is durable, but it could not be published: %s", exc)
                    writing.visible = False
        finally:
            self._write_lock.release()
        if writing.changed and writing.visible:
            writing.visible = await self._refresh()

    async def _checkpoint(self) -> None:
        """Checkpoint the store as the newest version (under the write lock)."""
        self._dirty = True
        generation = self._latest.generation + 1
        target = self._checkpoints / f"{generation:06d}"
        new = await asyncio.to_thread(Checkpoint.make, self.store, target, generation=generation)
        old, self._latest = self._latest, new
        old.release()
        self._dirty = False

    async def _refresh(self) -> bool:
        """Build the snapshot of the newest checkpoint and swap it in, unless a later refresh
        already did; point the query workers at it. Returns whether readers now see the newest
        write (failures are logged: the write itself is durable)."""
        async with self._refresh_lock:
            latest = self._latest
            if latest.generation <= self._snapshot.generation:
                return True
            try:
                snapshot = await asyncio.to_thread(Snapshot.build, latest.acquire())
            except Exception as exc:
                log.error("could not read checkpoint %s: %s", latest.path, exc)
                return False
            old, self._snapshot = self._snapshot, snapshot
            await self.pool.switch(snapshot.checkpoint)
            old.checkpoint.release()
            await asyncio.to_thread(_settle_memory)
            return True
