"""Checkpoints: immutable copies of the store at one version, deleted by their last user.

Why: readers (query workers, sandboxed jobs, the actor network's build) must see one whole
version of the graph while stewards keep writing. The writer makes a checkpoint after every write
(hard links: milliseconds); each reader takes a reference while it has the checkpoint open, and
the directory goes when the last reference is released. Nobody has to know who else reads it.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

from graph.store import Store

__all__ = ["Checkpoint"]

log = logging.getLogger("actorgraph")


class Checkpoint:
    """A checkpoint directory and its reference count (one reference for its creator).

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> store = Store.open(folder / "store")
    >>> c = Checkpoint.make(store, folder / "c1", generation=1)
    >>> reader = c.acquire()
    >>> c.release(); c.path.is_dir()   # the creator lets go; a reader still has it
    True
    >>> reader.release(); c.path.exists()
    False
    """

    def __init__(self, path: Path, generation: int) -> None:
        self.path = path
        self.generation = generation
        self._refs = 1
        self._lock = threading.Lock()
        self._on_delete: list[Callable[[], None]] = []

    @classmethod
    def make(cls, store: Store, path: Path, *, generation: int) -> Checkpoint:
        """Checkpoint ``store`` into ``path`` (which must not exist).

        Raises
        ------
        StoreUnavailable : the checkpoint could not be written (disk full, permissions).
        """
        store.checkpoint(path)
        return cls(path, generation)

    def acquire(self) -> Checkpoint:
        """One more reference; raises ``RuntimeError`` if the checkpoint is already gone."""
        with self._lock:
            if self._refs <= 0:
                raise RuntimeError(f"checkpoint {self.path} was already deleted")
            self._refs += 1
        return self

    def on_delete(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` just before the directory is deleted (to close stores opened on
        it: nobody can be reading them then, as every reader holds a reference)."""
        with self._lock:
            self._on_delete.append(callback)

    def release(self) -> None:
        """One reference fewer; the last one deletes the directory."""
        with self._lock:
            self._refs -= 1
            gone = self._refs == 0
            callbacks, self._on_delete = (self._on_delete, []) if gone else ([], self._on_delete)
        if gone:
            for callback in callbacks:
                try:
                    callback()
                except Exception as exc:
                    log.warning("closing a reader of checkpoint %s: %s", self.path, exc)
            shutil.rmtree(self.path, ignore_errors=True)
            log.debug("checkpoint %s deleted", self.path)

    @property
    def alive(self) -> bool:
        with self._lock:
            return self._refs > 0

    def __repr__(self) -> str:
        return f"Checkpoint({self.path.name}, generation={self.generation}, refs={self._refs})"
