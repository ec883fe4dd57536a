"""Checkpoints: immutable copies of the store at one version, deleted by their last user.

Why: readers (query workers, sandboxed jobs, the actor network's build) must see one whole
version of the graph while stewards keep writing. The writer makes a checkpoint after every write
(hard links: milliseconds); each reader takes a reference while it has the checkpoint open, and
the directory goes when the last reference is released. Nobody has to know who else reads it.

Readers in other processes (the command line beside a server, :mod:`graph.beside`) hold no
reference: they pin a checkpoint with hard links of their own. Two rules make that safe: a
checkpoint directory appears whole (RocksDB writes it as ``<name>.tmp`` and renames it), and it is
renamed away before anything in it is deleted (:func:`remove_tree`), so a reader that linked every
file under the name it listed has the whole version.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO

from graph.store import Store

__all__ = ["HELD", "Checkpoint", "hold", "is_held", "remove_tree"]

#: The file a server keeps locked in its checkpoints' folder while it runs.
HELD = "server.lock"

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
            remove_tree(self.path)
            log.debug("checkpoint %s deleted", self.path)

    @property
    def alive(self) -> bool:
        with self._lock:
            return self._refs > 0

    def __repr__(self) -> str:
        return f"Checkpoint({self.path.name}, generation={self.generation}, refs={self._refs})"


def remove_tree(path: Path) -> None:
    """Delete a directory tree (if it is there) after renaming it away, so that nobody finds it
    half-deleted under its name: a reader linking its files either gets all of them or fails on
    the first one missing (and moves on to a newer checkpoint)."""
    doomed = path.with_name(f".{path.name}.deleting-{uuid.uuid4().hex[:8]}")
    try:
        os.rename(path, doomed)
    except FileNotFoundError:
        return
    except OSError:  # renaming is not allowed here: delete in place
        doomed = path
    shutil.rmtree(doomed, ignore_errors=True)


def hold(folder: Path) -> IO[bytes]:
    """Mark ``folder`` as the checkpoints of a running server for as long as the returned file
    stays open (an exclusive ``flock``, released by the kernel if the process dies): readers in
    other processes then know its checkpoints are current, not a crashed server's leftovers."""
    handle = (folder / HELD).open("ab")
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return handle


def is_held(folder: Path) -> bool:
    """Whether a running server holds ``folder`` (see :func:`hold`).

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> is_held(folder)
    False
    >>> handle = hold(folder)
    >>> is_held(folder)
    True
    """
    try:
        handle = (folder / HELD).open("rb")
    except OSError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False
