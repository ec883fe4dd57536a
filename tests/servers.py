"""Real server processes for the tests that must cross a real socket (uvicorn, `actorgraph serve`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import pytest

from graph.settings import PROJECT_ROOT

#: As `actorgraph serve` runs it: the app, and the protocol that bounds a request's head.
UVICORN = [
    sys.executable,
    "-m",
    "uvicorn",
    "--factory",
    "api.app:factory",
    "--http",
    "api.server:BoundedHead",
    "--host",
    "127.0.0.1",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start(
    command: list[str], log: Path, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start ``command`` from the project root, its output appended to ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env={**os.environ, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_until_up(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    """Until ``base`` answers /healthz (or /sparql) with 200; fail with the log if it dies."""
    deadline = time.monotonic() + 120  # `actorgraph serve` on no store builds it first
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        for path in ("/healthz", "/sparql"):
            try:
                with urlopen(base + path, timeout=2) as r:
                    if r.status == 200:
                        return
            except (URLError, ConnectionError, TimeoutError):
                pass
        time.sleep(0.25)
    pytest.fail(f"the server did not answer within 120 s:\n{log.read_text()[-3000:]}")


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@contextmanager
def uvicorn(store: Path, log: Path, **env: str) -> Iterator[str]:
    """``uvicorn --factory api.app:factory`` on ``store`` and a free port, answering; yields its
    base URL. ``env`` adds ACTORGRAPH_* settings."""
    port = free_port()
    server = start(
        [*UVICORN, "--port", str(port)], log, {"ACTORGRAPH_STORE_PATH": str(store), **env}
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, server, log)
        yield base
    finally:
        stop(server)
