"""The command line beside a running server: reading its checkpoints, writing through its API.

RocksDB lets one process open a store for writing, and ``Store.read_only`` on a store that
another process writes is undefined behaviour (pyoxigraph's own words). So while ``actorgraph
serve`` holds a store, the commands reach it in the two ways that are safe
(docs/decisions/20261205-cli-beside-the-server.md):

* **Reads** (``query``, ``stats``, ``export``, ``batches``, ``validate --against-store``,
  ``extract``) open the server's newest checkpoint, ``<store>.checkpoints/NNNNNN``: the store as
  of its last write (the server makes one after every write). The server deletes a checkpoint when
  its own last reader lets go, and knows nothing of ours, so the command first *pins* the
  checkpoint: it hard-links every file into a directory of its own beside the store (milliseconds;
  a copy where links are impossible), and reads that. A checkpoint appears whole (RocksDB writes it
  as ``NNNNNN.tmp`` and renames it) and is renamed away before its files are deleted
  (:func:`graph.checkpoints.remove_tree`), so a pin that linked every file it listed holds one
  whole version; one that lost a file to a deletion tries the next newest. Checkpoints are read
  only while their server holds them (:func:`graph.checkpoints.is_held`): a crashed server's
  leftovers are no version of the store.
* **Writes** (``commit``, ``retract``) go through the server's API, which serialises them with its
  own: ``actorgraph serve`` announces itself in ``<store>.server.json`` (its URL and process id,
  removed when it stops), and the command sends the steward token of ``ACTORGRAPH_TOKEN`` (or the
  first of ``ACTORGRAPH_STEWARD_TOKENS``). Without a token, or a server that did not announce
  itself, the command says what to run instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.checkpoints import is_held
from graph.errors import StoreLocked, StoreUnavailable
from graph.store import Store

__all__ = [
    "Reading",
    "Server",
    "announce",
    "checkpoints_of",
    "reading",
    "running_server",
    "send",
    "server_file",
]

_CHECKPOINT = re.compile(r"\d{6}")
#: Files RocksDB writes into a directory it merely reads (its info log): never shared.
_OWN_FILES = re.compile(r"LOG(\..*)?|LOCK")
_ATTEMPTS = 20


# ------------------------------------------------------------------------------ the server
@dataclass(frozen=True)
class Server:
    """A server that announced itself beside a store."""

    url: str  # where the command line reaches it, e.g. http://127.0.0.1:8000
    pid: int
    store: str  # the store it holds (absolute)
    started: str = ""

    @property
    def alive(self) -> bool:
        """Whether its process still exists (a server killed without cleaning up leaves its file)."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # someone else's process: it exists
            return True
        return True

    def describe(self) -> str:
        return f"the server at {self.url} (pid {self.pid})"


def server_file(store: Path) -> Path:
    """Where a server announces itself: ``<store>.server.json`` beside the store."""
    return store.parent / f"{store.name}.server.json"


def checkpoints_of(store: Path) -> Path:
    """The directory where a server keeps the checkpoints of ``store`` (api.runtime)."""
    return store.parent / f"{store.name}.checkpoints"


def connectable(host: str, port: int) -> str:
    """The URL a client on this machine uses for a server listening on ``host``:``port``.

    >>> connectable("0.0.0.0", 8000), connectable("::", 8000), connectable("::1", 80)
    ('http://127.0.0.1:8000', 'http://[::1]:8000', 'http://[::1]:80')
    """
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@contextlib.contextmanager
def announce(store: Path, url: str) -> Iterator[Path]:
    """Announce the server of this process in ``<store>.server.json`` for the time of the block
    (removed after it, if it is still ours)."""
    path = server_file(store)
    record = {
        "url": url,
        "pid": os.getpid(),
        "store": str(store.resolve()),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    try:
        yield path
    finally:
        found = _read_server(path)
        if found is not None and found.pid == os.getpid():
            path.unlink(missing_ok=True)


def running_server(store: Path) -> Server | None:
    """The server announced beside ``store``, if its process is alive and it holds this store."""
    found = _read_server(server_file(store))
    if found is None or not found.alive or Path(found.store) != store.resolve():
        return None
    return found


def _read_server(path: Path) -> Server | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Server(str(data["url"]), int(data["pid"]), str(data["store"]), str(data["started"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


# ------------------------------------------------------------------------------ reading
@dataclass(frozen=True)
class Reading:
    """What a read command reads: the store itself, or a pinned checkpoint of the server that
    holds it (``checkpoint`` names it, e.g. ``000012``)."""

    store: Store
    checkpoint: str | None = None
    server: Server | None = None

    def describe(self) -> str:
        """One line for stderr, when it is a checkpoint."""
        if self.checkpoint is None:
            return ""
        holder = self.server.describe() if self.server else "a server"
        return (
            f"reading the running server's checkpoint {self.checkpoint} (the store is in use by "
            f"{holder}): the graph as of its last write"
        )


@contextlib.contextmanager
def reading(path: Path) -> Iterator[Reading]:
    """The store at ``path`` for reading: itself when no other process holds it, else the
    newest checkpoint of the server that does, pinned for the time of the block.

    Raises
    ------
    StoreLocked : another process holds the store and publishes no checkpoint (another command,
        or a server still starting).
    StoreUnavailable : the store cannot be opened (see :meth:`graph.store.Store.open`).
    """
    try:
        store: Store | None = Store.open(path)
    except StoreLocked as exc:
        store, locked = None, exc
    if store is not None:
        try:
            yield Reading(store)
        finally:
            store.close()
        return
    pinned = _pin_newest(path)
    if pinned is None:
        raise StoreLocked(
            f"{locked}; it publishes no checkpoint to read beside it (not a server, or a server "
            "still starting): wait for it to finish, or try again in a moment"
        )
    name, directory = pinned
    try:
        snapshot = Store.open_read_only(directory)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    try:
        yield Reading(snapshot, name, running_server(path))
    finally:
        snapshot.close()
        shutil.rmtree(directory, ignore_errors=True)


def _pin_newest(store: Path) -> tuple[str, Path] | None:
    """Hard-link the newest complete checkpoint of ``store`` into a directory of our own; the
    checkpoint's name and that directory, or None when there is none."""
    folder = checkpoints_of(store)
    _sweep(store)
    if not is_held(folder):  # no server runs on them: a crashed server's leftovers
        return None
    for _ in range(_ATTEMPTS):
        try:
            names = sorted(n for n in os.listdir(folder) if _CHECKPOINT.fullmatch(n))
        except FileNotFoundError:
            return None
        if not names:
            return None
        newest = names[-1]
        target = _own_directory(store)
        try:
            _link_all(folder / newest, target)
        except FileNotFoundError:  # deleted while we linked: a newer one is there (or none)
            shutil.rmtree(target, ignore_errors=True)
            continue
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        return newest, target
    raise StoreUnavailable(
        f"the checkpoints beside {store} changed {_ATTEMPTS} times while this command read them "
        "(a server writing without a pause): try again"
    )


def _own_directory(store: Path) -> Path:
    """A new directory for a pin: beside the store (same file system: hard links), or in the
    temporary directory when the store's folder is not writable (then files are copied)."""
    prefix = f".{store.name}.reader-{os.getpid()}-"
    try:
        return Path(tempfile.mkdtemp(prefix=prefix, dir=store.parent))
    except OSError:
        return Path(tempfile.mkdtemp(prefix=prefix))


def _link_all(source: Path, target: Path) -> None:
    """Every file of ``source`` into ``target``: hard links, copies where links are not
    possible. Raises FileNotFoundError when ``source`` or one of its files is gone."""
    for entry in os.scandir(source):
        if _OWN_FILES.fullmatch(entry.name) or not entry.is_file(follow_symlinks=False):
            continue
        try:
            os.link(entry.path, target / entry.name)
        except FileNotFoundError:
            raise
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EACCES, errno.EMLINK):
                raise
            shutil.copy2(entry.path, target / entry.name)


def _sweep(store: Path) -> None:
    """Remove the pins of commands that died before cleaning up (their process is gone)."""
    pattern = re.compile(rf"\.{re.escape(store.name)}\.reader-(\d+)-.*")
    with contextlib.suppress(OSError):
        for entry in os.scandir(store.parent):
            m = pattern.fullmatch(entry.name)
            if m is not None and not Server("", int(m.group(1)), "").alive:
                shutil.rmtree(entry.path, ignore_errors=True)


# ------------------------------------------------------------------------------ writing
def send(
    server: Server,
    method: str,
    path: str,
    *,
    token: str,
    query: Mapping[str, str | None] | None = None,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 180.0,
) -> tuple[int, dict[str, Any]]:
    """One request to the running server: its status and its JSON answer.

    Raises
    ------
    StoreUnavailable : the server cannot be reached (stopped meanwhile, still starting), or it
        answered something other than JSON.
    """
    params = {k: v for k, v in (query or {}).items() if v is not None}
    url = server.url + path + (f"?{urllib.parse.urlencode(params)}" if params else "")
    request = urllib.request.Request(url, data=body, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Accept", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise StoreUnavailable(
            f"the store is in use by {server.describe()}, which does not answer ({reason}): if it "
            "is starting, try again in a moment; if it was stopped, run this again"
        ) from None
    try:
        answer = json.loads(raw) if raw else {}
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise StoreUnavailable(f"{server.describe()} answered {status} without a JSON body")
    return status, answer
