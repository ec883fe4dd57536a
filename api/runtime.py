"""What a running service holds: the store, the query workers and the actor network.

Opened once by the app's lifespan. After a write, :meth:`Runtime.publish` (still under the write
lock: milliseconds) checkpoints the store and points the query workers at the checkpoint, and
:meth:`Runtime.refresh` (after the lock is released: seconds at a million triples) builds the actor
network from that checkpoint. Readers always see a whole graph, before or after a write; a
steward's next write never waits for the network of the previous one, nor for a slow query.
"""

from __future__ import annotations

import gc
import logging
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from graph.build import build
from graph.networks import ActorNetwork
from graph.pool import QueryPool
from graph.settings import Settings
from graph.store import Store

__all__ = ["Runtime"]

log = logging.getLogger("actorgraph")


def _fresh_network(store: Store) -> ActorNetwork:
    """Build the actor network and move it out of the garbage collector's way.

    The index holds millions of small objects at 1M triples; without ``gc.freeze`` a full
    collection during an ego request cost 250–550 ms (measured), with it about 120 ms.
    """
    network = ActorNetwork.from_store(store)
    gc.collect()
    gc.freeze()
    return network


@dataclass
class Runtime:
    settings: Settings
    store: Store
    pool: QueryPool
    network: ActorNetwork
    checkpoints: Path
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    _generation: int = 0
    _network_generation: int = 0
    _refresh_lock: threading.Lock = field(default_factory=threading.Lock)
    _retired: list[Path] = field(default_factory=list)
    _published: tuple[int, Path] | None = None  # the workers' checkpoint and its generation

    @classmethod
    def open(cls, settings: Settings) -> Runtime:
        """Open the store (building it from the seeds if there is none), checkpoint it, start workers."""
        path = settings.store_path
        fresh = not path.is_dir() or not any(path.iterdir())
        store = Store.open(path)
        if fresh or len(store) == 0:
            started = time.perf_counter()
            result = build(settings.seeds_path, store)
            log.info(
                "built %s from %s: %d triples in %.1f s",
                path,
                settings.seeds_path,
                result.triples,
                time.perf_counter() - started,
            )
        checkpoints = path.parent / f"{path.name}.checkpoints"
        shutil.rmtree(checkpoints, ignore_errors=True)
        checkpoints.mkdir(parents=True)
        runtime = cls(settings, store, None, None, checkpoints)  # type: ignore[arg-type]
        first = runtime._new_checkpoint()
        runtime.pool = QueryPool(
            first,
            workers=settings.query_workers,
            timeout=settings.query_timeout,
            memory_max_triples=settings.query_memory_max_triples,
        )
        runtime.network = _fresh_network(store)
        runtime._network_generation = runtime._generation
        return runtime

    @property
    def generation(self) -> int:
        """The version of the graph last published (one more per write): caches key on it."""
        return self._generation

    def _new_checkpoint(self) -> Path:
        self._generation += 1
        target = self.checkpoints / f"{self._generation:06d}"
        self.store.checkpoint(target)
        return target

    def publish(self) -> None:
        """Checkpoint what was just committed and point the query workers at it (call it under
        the write lock, so checkpoints follow the order of writes). Idle workers reopen now,
        busy ones after their query: this does not wait for a slow query."""
        target = self._new_checkpoint()
        old = self.pool.switch(target, wait=False)
        if old is not None:
            self._retired.append(old)
        self._published = (self._generation, target)

    def refresh(self) -> None:
        """Build the actor network from the newest checkpoint and publish it, unless a later
        refresh already did; delete the checkpoints no worker uses any more.

        Call it after releasing the write lock: it takes seconds at a million triples, and
        builds from an immutable checkpoint, so writes may go on meanwhile. Refreshes run one at
        a time; one that finds its write already covered returns at once.
        """
        with self._refresh_lock:
            if self._published is None:
                return
            generation, checkpoint = self._published
            if generation > self._network_generation:
                self.network = _fresh_network(Store.open_read_only(checkpoint))
                self._network_generation = generation
            for old in list(self._retired):
                if not self.pool.in_use(old):
                    self._retired.remove(old)
                    shutil.rmtree(old, ignore_errors=True)

    def close(self) -> None:
        self.pool.close()
        self.store.flush()
        shutil.rmtree(self.checkpoints, ignore_errors=True)
