"""Run a hostile case against a real server and check everything that must hold afterwards.

* :class:`Canary`: an HTTP server on 127.0.0.1 (a thread) that records every connection. Cases
  aim SERVICE, FROM, dataset IRIs, external DTDs and remote JSON-LD contexts at it; it must never
  be called.
* :func:`serve`: ``uvicorn --factory api.app:factory`` with the hostile settings, on a store of
  its own.
* :func:`fingerprint`: what the store looks like from outside (``/healthz`` generation and triples,
  the batch ids, a SPARQL count of every quad).
* :func:`run` sends a case (its setup first), :func:`check` asserts on what came back and on the
  server after it. The benchmark uses :func:`run` alone and times it.
"""

from __future__ import annotations

import json
import secrets
import socketserver
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.hostile.model import Case, Outcome, ServerName, Target
from tests.servers import UVICORN, free_port, start, stop, wait_until_up

__all__ = [
    "QUERY_TIMEOUT",
    "SECRET",
    "STEWARD",
    "Canary",
    "Fingerprint",
    "check",
    "fingerprint",
    "run",
    "serve",
    "settings",
]

#: The steward's secret for this run (never written anywhere but the server's environment).
SECRET = "hostile-" + secrets.token_hex(20)
STEWARD = f"Bearer {SECRET}"
QUERY_TIMEOUT = 3
#: Anonymous /validate and /extract per minute on the server of the rate-limit cases.
LOW_RATE = 3


def settings(name: ServerName) -> dict[str, str]:
    """The environment of each server (the brief's settings)."""
    env = {
        "ACTORGRAPH_STEWARD_TOKENS": f"hostile:{SECRET}",
        "ACTORGRAPH_QUERY_TIMEOUT": str(QUERY_TIMEOUT),
        "ACTORGRAPH_MAX_BATCH_TRIPLES": "2000",
        "ACTORGRAPH_MAX_PAYLOAD_BYTES": "5000000",
        "ACTORGRAPH_ANONYMOUS_JOBS_PER_MINUTE": "10000",
        "RUST_BACKTRACE": "0",
    }
    if name == "rate":
        env["ACTORGRAPH_ANONYMOUS_JOBS_PER_MINUTE"] = str(LOW_RATE)
    return env


# ------------------------------------------------------------------------------------ canary
class _Recorder(socketserver.BaseRequestHandler):
    server: _CanaryServer

    def handle(self) -> None:
        self.request.settimeout(2)
        try:
            first = self.request.recv(2048)
        except OSError:
            first = b""
        self.server.hits.append((self.client_address[0], first[:200]))
        body = b'{"head":{"vars":[]},"results":{"bindings":[]}}'
        reply = b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
        reply += b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
        with suppress(OSError):
            self.request.sendall(reply)


class _CanaryServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Recorder)
        self.hits: list[tuple[str, bytes]] = []


class Canary:
    """An HTTP server on a free port of 127.0.0.1 that records every connection (and answers an
    empty SPARQL result, so that a client that reached it would not hang)."""

    def __init__(self) -> None:
        self._server = _CanaryServer()
        self.port: int = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def hits(self) -> list[tuple[str, bytes]]:
        return list(self._server.hits)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# ------------------------------------------------------------------------------------ server
@contextmanager
def serve(name: ServerName, store: Path, log: Path, canary: Canary) -> Iterator[Target]:
    """``uvicorn --factory api.app:factory`` on ``store`` with the hostile settings; yields the
    target once it answers /healthz."""
    port = free_port()
    env = {"ACTORGRAPH_STORE_PATH": str(store), **settings(name)}
    process = start([*UVICORN, "--port", str(port)], log, env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process, log)
        with httpx.Client(base_url=base, timeout=120) as client:
            yield Target(name, base, "127.0.0.1", port, log, canary.url, client, process)
    finally:
        stop(process)


# ------------------------------------------------------------------------------- fingerprint
COUNT_QUADS = "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"


@dataclass(frozen=True)
class Fingerprint:
    """The store as seen from outside."""

    generation: int
    triples: int
    batches: tuple[str, ...]
    quads: int


def health(target: Target) -> dict[str, Any]:
    response = target.client.get("/healthz")
    assert response.status_code == 200, f"/healthz answered {response.status_code}: {response.text}"
    data: dict[str, Any] = response.json()
    return data


def fingerprint(target: Target) -> Fingerprint:
    data = health(target)
    listing = target.client.get("/batches")
    assert listing.status_code == 200, listing.text
    ids = tuple(sorted(b["id"] for b in listing.json()["batches"]))
    count = target.client.get("/sparql", params={"query": COUNT_QUADS})
    assert count.status_code == 200, count.text
    quads = int(count.json()["results"]["bindings"][0]["n"]["value"])
    return Fingerprint(data["generation"], data["triples"], ids, quads)


# ------------------------------------------------------------------------------------ running
def _body(case: Case, target: Target) -> bytes | Iterable[bytes] | None:
    if case.body is None:
        return None
    if isinstance(case.body, bytes):
        return target.substitute_bytes(case.body)
    return case.body(target)


def _headers(case: Case, target: Target) -> list[tuple[bytes, bytes]]:
    out = []
    for name, value in case.headers:
        raw = value if isinstance(value, bytes) else target.substitute(value).encode("latin-1")
        out.append((name.encode("latin-1"), raw))
    return out


def send(case: Case, target: Target) -> Outcome:
    """The case's own request (no setup), timed from sending to the last byte read."""
    if case.raw is not None:
        return case.raw(target)
    started = time.perf_counter()
    response = target.client.request(
        case.method,
        target.substitute(case.path),
        headers=_headers(case, target),
        content=_body(case, target),
    )
    seconds = time.perf_counter() - started
    return Outcome(response.status_code, dict(response.headers), response.content, seconds)


def run(case: Case, target: Target) -> tuple[list[tuple[Case, Outcome]], Outcome]:
    """Send the setup requests, then the case; every outcome."""
    setups = [(step, send(step, target)) for step in case.setup]
    return setups, send(case, target)


# ------------------------------------------------------------------------------------ checking
def describe(case: Case, outcome: Outcome, target: Target | None = None) -> str:
    """The request (placeholders substituted when the target is known) and the answer, for a
    failure message."""

    def text(value: str | bytes) -> str:
        shown = value if isinstance(value, str) else value.decode("latin-1")
        shown = target.substitute(shown) if target is not None else shown
        return shown if len(shown) <= 300 else shown[:300] + f"… ({len(shown):,} characters)"

    headers = ", ".join(f"{k}: {text(v)}" for k, v in case.headers)
    body = "a body made by a factory" if case.body is not None else "no body"
    if isinstance(case.body, bytes):
        body = repr(text(case.body))
    if case.raw is not None:
        summary = ((case.raw.__doc__ or "").strip().splitlines() or [""])[0]
        request = f"raw: {case.raw.__name__}: {summary}"
    else:
        request = f"{case.method} {text(case.path)} [{headers}] {body}"
    answer = outcome.body[:800].decode("utf-8", "replace")
    return (
        f"\n  request: {request}\n  answered: {outcome.status} "
        f"{outcome.headers.get('content-type', '')} {answer}"
        + (f"\n  note: {outcome.note}" if outcome.note else "")
    )


def check_answer(case: Case, outcome: Outcome, target: Target | None = None) -> None:
    """What the answer itself must be."""
    why = describe(case, outcome, target)
    status = outcome.status
    if status is None:
        assert case.closed_ok, f"the server closed the connection without answering{why}"
    else:
        assert status != 500, f"a hostile request is never a 500{why}"
        assert status in case.expect, f"expected {sorted(case.expect)}{why}"
    text = outcome.body.decode("utf-8", "replace")
    for leak in ("Traceback", 'File "/', *case.forbid):
        assert leak not in text, f"the answer holds {leak!r}{why}"
    if status is None:
        return
    for header in case.response_headers:
        assert header in outcome.headers, f"no {header} header{why}"
    content_type = outcome.headers.get("content-type", "")
    if not case.problem:
        if case.content_type is not None:
            assert content_type.startswith(case.content_type), f"content type{why}"
        return
    assert content_type.startswith("application/problem+json"), f"not problem+json{why}"
    problem = json.loads(outcome.body)
    assert isinstance(problem, dict), why
    for member in ("type", "title", "status", "detail"):
        assert member in problem, f"the problem has no {member!r}{why}"
    assert problem["status"] == status, f"the problem's status is not the HTTP status{why}"
    assert isinstance(problem["detail"], str) and problem["detail"], why
    mentions = case.mentions
    wanted = mentions.get(status, ()) if isinstance(mentions, Mapping) else mentions
    for word in wanted:
        assert word in problem["detail"], f"the detail does not mention {word!r}{why}"
    if case.limit is not None and status == 413:
        assert problem.get("limit") == case.limit, f"the limit is not {case.limit}{why}"
    for member in case.members:
        assert problem.get(member) is not None, f"the problem has no {member!r}{why}"


def log_size(target: Target) -> int:
    return target.log.stat().st_size


def new_log(target: Target, since: int) -> str:
    with target.log.open("rb") as f:
        f.seek(since)
        return f.read().decode("utf-8", "replace")


#: What the server log must never gain from a hostile request: a 500 (the app's incident line)
#: or an exception no handler caught (uvicorn's).
LOG_ALARMS = ("incident ", "Exception in ASGI application", "Traceback (most recent call last)")


def check_server(target: Target, since: int, case: Case, outcome: Outcome) -> None:
    """The server is up and healthy, logged no error, and never called the canary."""
    why = describe(case, outcome, target)
    assert target.process.poll() is None, (
        f"the server died ({target.process.returncode}){why}\n{new_log(target, since)[-3000:]}"
    )
    health(target)
    logged = new_log(target, since)
    for alarm in LOG_ALARMS:
        assert alarm not in logged, f"the server logged {alarm.strip()!r}{why}\n{logged[-3000:]}"


def check_canary(hits: list[tuple[str, bytes]], case: Case) -> None:
    assert not hits, f"{case.name}: the server reached out to the canary: {hits}"


def check(case: Case, target: Target, canary: Canary) -> None:
    """Run ``case`` and assert everything: the answer (and the setup's), the server, the log,
    the canary, and the store (unchanged by the case itself)."""
    since = log_size(target)
    calls = len(canary.hits)
    for step in case.setup:
        outcome = send(step, target)
        check_answer(step, outcome, target)
    before = fingerprint(target)
    outcome = send(case, target)
    check_answer(case, outcome, target)
    check_server(target, since, case, outcome)
    after = fingerprint(target)
    if not case.store_may_change:
        assert after == before, (
            f"the store changed: {before} → {after}{describe(case, outcome, target)}"
        )
    check_canary(canary.hits[calls:], case)
