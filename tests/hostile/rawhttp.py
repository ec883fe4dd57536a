"""HTTP over a raw socket, for what an HTTP client refuses to send: a 1 MB request line, a NUL in
a header, contradictory framing, a body that stops half-way, a header value with trailing bytes.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterable

from tests.hostile.model import Outcome, Target

__all__ = ["exchange", "parse_response", "read_response", "request_head"]

#: How long a raw exchange waits for the server at most (a deadline, not a delay: the answer is
#: read as soon as it is there).
DEADLINE = 60.0


def request_head(
    method: str, path: str, headers: Iterable[tuple[str, str | bytes]], host: str = "127.0.0.1"
) -> bytes:
    """A request line and header block, byte-exact (values are sent as given)."""
    lines = [f"{method} {path} HTTP/1.1".encode("latin-1"), b"Host: " + host.encode()]
    for name, value in headers:
        raw = value if isinstance(value, bytes) else value.encode("latin-1")
        lines.append(name.encode("latin-1") + b": " + raw)
    return b"\r\n".join(lines) + b"\r\n\r\n"


def read_response(sock: socket.socket, deadline: float) -> bytes:
    """Bytes of one response: until its Content-Length is complete, or the server closes (or
    resets) the connection, or ``deadline`` (monotonic) passes."""
    data = b""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = sock.recv(1 << 16)
        except (ConnectionResetError, BrokenPipeError, TimeoutError):
            break
        if not chunk:
            break
        data += chunk
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            m = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
            if m and len(body) >= int(m.group(1)):
                break
    return data


def parse_response(data: bytes, seconds: float, note: str = "") -> Outcome:
    """The status, headers and body of ``data``; status ``None`` if there is no response."""
    head, _, body = data.partition(b"\r\n\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    if m is None:
        return Outcome(None, {}, data, seconds, note)
    headers: dict[str, str] = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    return Outcome(int(m.group(1)), headers, body, seconds, note)


def exchange(target: Target, chunks: Iterable[bytes], *, half_close: bool = False) -> Outcome:
    """Send ``chunks`` on a new connection and read the answer. The server may answer and close
    before everything is sent (a 400 to a 1 MB request line): a broken pipe stops the sending and
    what it answered is read. ``half_close``: shut the sending side down after the last chunk
    (the server sees the end of the request stream)."""
    started = time.perf_counter()
    deadline = time.monotonic() + DEADLINE
    note = ""
    with socket.create_connection((target.host, target.port), timeout=DEADLINE) as sock:
        try:
            for chunk in chunks:
                sock.sendall(chunk)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError) as exc:
            note = f"the server stopped reading ({type(exc).__name__})"
        data = read_response(sock, deadline)
    return parse_response(data, time.perf_counter() - started, note)
