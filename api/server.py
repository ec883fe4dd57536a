"""HTTP-level limits the app cannot enforce itself: the size of a request's head.

Why: uvicorn's httptools protocol (the fast one, ``uvicorn[standard]``) accepts request lines and
headers of any size — a 1 MB header was answered 200, a 50 MB one took 5.7 s and 90 MB of the
API process — and the app only sees them once they are parsed. This protocol counts the bytes
of each request's head as they arrive and answers ``431`` (problem+json) once a head is still
incomplete past :data:`MAX_HEAD_BYTES`, closing the connection: a head is held in memory to at
most that plus one read (256 KB), never whole.

``actorgraph serve`` uses it; with uvicorn directly: ``uvicorn --http api.server:BoundedHead``.
Behind a reverse proxy the proxy's own limit applies first (nginx: 8 KB a header line).
"""

from __future__ import annotations

import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["MAX_HEAD_BYTES", "BoundedHead"]

#: The largest request line plus headers accepted, bytes (uvicorn's h11 protocol allows 16 KB).
MAX_HEAD_BYTES = 64 * 1024


class BoundedHead(HttpToolsProtocol):
    """uvicorn's httptools protocol with a cap on the size of each request's head."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_bytes = 0
        self._in_head = True
        self._refused = False

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        self._in_head = True

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        if self._refused:  # the connection is closing: drop what still arrives
            return
        if not self._in_head:
            super().data_received(data)
            return
        # A chunk may hold the end of the head and the start of the body: feed it first, and
        # refuse only if the head is still not complete past the limit (memory: the limit plus
        # one read).
        self._head_bytes += len(data)
        super().data_received(data)
        if self._in_head and self._head_bytes > MAX_HEAD_BYTES:
            self._refuse()

    def _refuse(self) -> None:
        body = json.dumps(
            {
                "type": "https://w3id.org/actorgraph/problems/limit-exceeded",
                "title": "Request header fields too large",
                "status": 431,
                "detail": f"the request line and headers are over {MAX_HEAD_BYTES:,} bytes",
                "allowed": MAX_HEAD_BYTES,
            }
        ).encode()
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/problem+json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n"
            b"connection: close\r\n\r\n" + body
        )
        self.transport.close()
        self._refused = True
