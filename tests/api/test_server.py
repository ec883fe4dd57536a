"""The HTTP protocol actorgraph serves with (api.server.BoundedHead), through a real uvicorn: a
request's head is bounded, its body is not the head's business."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from api.server import MAX_HEAD_BYTES
from tests.servers import uvicorn

pytestmark = pytest.mark.slow


def raw(base: str, data: bytes) -> bytes:
    """Send ``data`` and read the first answer (the server closes after a 431)."""
    host = urlsplit(base)
    with socket.create_connection((host.hostname, host.port), timeout=60) as sock:
        with contextlib.suppress(ConnectionError):  # it may close before all is sent
            sock.sendall(data)
        return sock.recv(65536)


def test_a_head_over_the_limit_is_431_and_a_large_body_is_the_apps_business(
    seed_copy: Callable[[str], Path], tmp_path: Path
) -> None:
    with uvicorn(seed_copy("server"), tmp_path / "server.log") as base:
        huge = b"x" * (16 * MAX_HEAD_BYTES)  # the cap is counted per read: far over it
        answer = raw(base, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + huge + b"\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
        assert b"application/problem+json" in answer
        # a body of many reads after a small head is not counted as head: the app answers (413)
        r = httpx.post(
            f"{base}/validate",
            content=b"<a> <b> <c> .\n" * 600_000,  # 8.4 MB, over the payload cap
            headers={"Content-Type": "application/n-triples"},
            timeout=60,
        )
        assert r.status_code == 413 and r.json()["limit"] == "ACTORGRAPH_MAX_PAYLOAD_BYTES"
        assert httpx.get(f"{base}/healthz", timeout=30).status_code == 200
