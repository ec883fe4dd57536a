"""Faults from outside the request: a full disk during a commit, a read-only, locked, damaged or
missing store, bad settings, a taken port. Each gets one clear line (and a documented exit code
at start-up, or a problem+json answer while serving), and afterwards the store opens with nothing
lost and nothing half-written. (SIGKILL during a commit: tests/api/test_crash.py.)

The full-disk and read-only cases mount a small tmpfs, which needs root (CI runs as root); they
are skipped, saying why, where mounting is not allowed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.routers.validate import EXAMPLE_BATCH
from graph.settings import PROJECT_ROOT
from tests.servers import free_port, uvicorn

pytestmark = pytest.mark.slow

TOKEN = "faults-test-token-0123456789abcdef"
EVENTS = 1200  # ≈ 25,000 triples, ~1 MB of Turtle: more than the full disk leaves


def actorgraph(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The console command, as a user runs it (no TTY, so no colours)."""
    return subprocess.run(
        [sys.executable, "-m", "graph", *args],
        cwd=PROJECT_ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "COLUMNS": "200", **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The error a user sees: one line, no traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines, "no message at all"
    return " ".join(lines)


def big_batch() -> bytes:
    head, body = EXAMPLE_BATCH.split("\n\n", 1)
    parts = [head] + [
        body.replace("example-russia-pakistan-talks", f"fault-{i}") for i in range(EVENTS)
    ]
    return "\n\n".join(parts).encode()


def fingerprint(base: str) -> dict[str, Any]:
    """What must not change when a write fails: the batches, and the triples of every graph."""
    batches = httpx.get(f"{base}/batches", timeout=30).json()["batches"]
    count = httpx.post(
        f"{base}/sparql",
        content="SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
        headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"},
        timeout=30,
    ).text.split()[1]
    return {"batches": sorted(b["id"] for b in batches), "triples": int(count)}


@contextlib.contextmanager
def small_disk(folder: Path, megabytes: int) -> Iterator[Path]:
    """A tmpfs of ``megabytes`` mounted at ``folder`` (skips the test where that is not allowed)."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fill(disk: Path) -> Path:
    """Fill the disk to the last byte; the ballast file is returned (delete it to free space)."""
    ballast = disk / "ballast"
    fd = os.open(ballast, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (1 << 20, 4096, 1):  # unbuffered: every byte the disk takes
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)
    return ballast


# ------------------------------------------------------------------------------ full disk
def test_a_full_disk_fails_the_commit_in_words_and_loses_nothing(
    seed_copy: Callable[[str], Path], tmp_path: Path
) -> None:
    with small_disk(tmp_path / "disk", 48) as disk:
        store = disk / "store"
        shutil.copytree(seed_copy("full-disk"), store)
        log = tmp_path / "server.log"
        env = {"ACTORGRAPH_STEWARD_TOKENS": f"faults:{TOKEN}", "ACTORGRAPH_QUERY_WORKERS": "2"}
        with uvicorn(store, log, **env) as base:
            before = fingerprint(base)
            ballast = fill(disk)
            answer = httpx.post(
                f"{base}/batches",
                content=big_batch(),
                headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
                timeout=300,
            )
            assert answer.status_code == 503, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
            detail = answer.json()["detail"]
            assert "full" in detail and "nothing of this change was written" in detail
            assert httpx.get(f"{base}/healthz", timeout=30).status_code == 200
            ballast.unlink()
            assert fingerprint(base) == before
        # restarted on the same store: it opens, nothing lost, nothing half-written, and writes
        with uvicorn(store, tmp_path / "again.log", **env) as base:
            assert fingerprint(base) == before
            small = httpx.post(
                f"{base}/batches",
                content=EXAMPLE_BATCH.encode(),
                headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
                timeout=120,
            )
            assert small.status_code == 201, small.text
            assert fingerprint(base)["batches"] == sorted([*before["batches"], small.json()["id"]])


# ------------------------------------------------------------------ stores that cannot serve
def test_a_read_only_store_is_one_line_and_exit_3(
    seed_copy: Callable[[str], Path], tmp_path: Path
) -> None:
    with small_disk(tmp_path / "disk", 32) as disk:
        store = disk / "store"
        shutil.copytree(seed_copy("read-only"), store)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        result = actorgraph("serve", "--port", str(free_port()), "--store", str(store))
        assert result.returncode == 3
        message = one_line(result)
        assert "cannot write to the store" in message and "read-only" in message.lower()


def test_a_store_in_use_by_a_running_server_says_so(
    seed_copy: Callable[[str], Path], tmp_path: Path
) -> None:
    store = seed_copy("locked")
    with uvicorn(store, tmp_path / "server.log") as base:
        before = fingerprint(base)
        second = actorgraph("serve", "--port", str(free_port()), "--store", str(store))
        assert second.returncode == 3
        assert "in use by another process" in one_line(second)
        assert "serving on" not in second.stderr  # it never claimed to serve
        stats = actorgraph("stats", "--store", str(store))  # reads read the server's checkpoint
        assert stats.returncode == 0, stats.stderr
        assert "reading the running server's checkpoint 000001" in stats.stderr
        assert fingerprint(base) == before  # the running server was not disturbed


def test_a_damaged_store_says_how_to_recover(
    seed_copy: Callable[[str], Path], tmp_path: Path
) -> None:
    store = seed_copy("damaged")
    (store / "CURRENT").write_text("garbage\n")
    result = actorgraph("serve", "--port", str(free_port()), "--store", str(store))
    assert result.returncode == 3
    message = one_line(result)
    assert "damaged" in message and "actorgraph build" in message


def not_a_store(kind: str, folder: Path) -> Path:
    """A store path that holds no store: missing, a file, or a directory of other files."""
    path = folder / kind
    if kind == "a-file":
        path.write_text("x")
    elif kind == "another-directory":
        path.mkdir()
        (path / "notes.txt").write_text("x")
    return path


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("missing", "there is no store at"),
        ("a-file", "is a file"),
        ("another-directory", "not an actorgraph store"),
    ],
)
def test_a_store_path_that_holds_no_store_is_refused(
    tmp_path: Path, kind: str, expected: str
) -> None:
    path = not_a_store(kind, tmp_path)
    result = actorgraph(
        "serve", "--port", str(free_port()), env={"ACTORGRAPH_STORE_PATH": str(path)}
    )
    assert result.returncode == 3
    assert expected in one_line(result)
    if kind == "missing":
        assert not path.exists()  # nothing was built in its place


# --------------------------------------------------------------------- settings and ports
@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ACTORGRAPH_QUERY_TIMEOUT", "-1"),
        ("ACTORGRAPH_QUERY_WORKERS", "many"),
        ("ACTORGRAPH_STEWARD_TOKENS", "alice:short"),
        ("ACTORGRAPH_MAX_NESTING_DEPTH", "100000"),
        ("ACTORGRAPH_ANONYMOUS_JOBS", "everyone"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it_and_exit_4(variable: str, value: str) -> None:
    result = actorgraph("serve", "--port", str(free_port()), env={variable: value})
    assert result.returncode == 4, result.stderr
    message = one_line(result)
    assert variable in message


def test_a_taken_port_is_one_line_and_exit_5(seed_copy: Callable[[str], Path]) -> None:
    store = seed_copy("port")
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = actorgraph("serve", "--port", str(port), "--store", str(store))
    assert result.returncode == 5
    assert "cannot listen on" in one_line(result)
