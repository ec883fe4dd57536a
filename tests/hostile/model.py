"""What a hostile case is, what it is run against, and what came back.

Shared by the catalogue (:mod:`tests.hostile.catalogue`), the harness that runs and checks a case
(:mod:`tests.hostile.harness`), the test (:mod:`tests.hostile.test_hostile`) and the benchmark
(``benchmarks/hostile.py``).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx

__all__ = [
    "CANARY",
    "SELF",
    "Body",
    "Case",
    "Outcome",
    "Raw",
    "ServerName",
    "Target",
]

#: Placeholders, replaced when a case runs: the canary's URL (``http://127.0.0.1:<port>``, no
#: trailing slash) and the server's own base URL. They are in the path, header values and bodies.
CANARY = "@@CANARY@@"
SELF = "@@SELF@@"

#: Which server a case runs against: the main one, or the one with a low anonymous rate.
ServerName = Literal["main", "rate"]


@dataclass(frozen=True)
class Target:
    """A running server as a case sees it."""

    name: ServerName
    base: str  # http://127.0.0.1:<port>
    host: str
    port: int
    log: Path  # the server's stdout and stderr
    canary: str  # the canary's URL
    client: httpx.Client  # base_url=base
    process: subprocess.Popen[bytes]

    def substitute(self, text: str) -> str:
        return text.replace(CANARY, self.canary).replace(SELF, self.base)

    def substitute_bytes(self, data: bytes) -> bytes:
        return data.replace(CANARY.encode(), self.canary.encode()).replace(
            SELF.encode(), self.base.encode()
        )


@dataclass(frozen=True)
class Outcome:
    """What the server answered. ``status`` is ``None`` when it closed the connection without
    answering (or the client left on purpose and read nothing)."""

    status: int | None
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    seconds: float  # from the first byte sent to the last byte read
    note: str = ""  # what a raw case saw on the way (for failure messages)


#: A body: bytes (placeholders substituted), or a factory that gets the target (big or computed
#: bodies; an iterator of chunks is sent with ``Transfer-Encoding: chunked``, no Content-Length).
Body = bytes | Callable[[Target], bytes | Iterable[bytes]]
#: A case that needs a raw socket or more than one request: it does everything itself (it may
#: assert on the way) and returns what the server answered.
Raw = Callable[[Target], Outcome]


@dataclass(frozen=True)
class Case:
    """One hostile request and what must come of it.

    Every case is also checked for what holds for all of them (:func:`tests.hostile.harness.check`):
    no 500, no traceback or file path in the answer, the server still up and healthy, nothing
    logged as an incident or an unhandled exception, nothing reaching the canary, and the store
    unchanged (unless ``store_may_change``; ``setup`` requests may change it, see below).
    """

    name: str  # the test id
    endpoint: str  # for grouping in the report: /sparql, /validate, HTTP…
    method: str = "GET"
    path: str = "/"
    headers: tuple[tuple[str, str | bytes], ...] = ()
    body: Body | None = None
    #: acceptable statuses (one, or a set where the brief allows several)
    expect: frozenset[int] = frozenset()
    #: the answer is problem+json (False where uvicorn answers itself, or for a 200)
    problem: bool = True
    #: what ``detail`` must mention (every string, case-sensitively); per status where the
    #: statuses differ in what they say
    mentions: tuple[str, ...] | Mapping[int, tuple[str, ...]] = ()
    #: the problem's ``limit`` member (the setting), checked on a 413
    limit: str | None = None
    #: other members the problem must have (``line``, ``column``)
    members: tuple[str, ...] = ()
    #: response headers that must be present (``retry-after``, ``www-authenticate``)
    response_headers: tuple[str, ...] = ()
    #: the media type of a non-problem answer (prefix)
    content_type: str | None = None
    #: strings that must never be in the answer (e.g. the content of /etc/passwd)
    forbid: tuple[str, ...] = ()
    #: the server may close the connection instead of answering (HTTP-level cases)
    closed_ok: bool = False
    #: requests run first (untimed, checked with the same rules), e.g. to set up a legitimate
    #: state; those with ``store_may_change`` may change the store
    setup: tuple[Case, ...] = ()
    #: this request itself may change the store (setup requests only)
    store_may_change: bool = False
    #: the raw procedure, instead of one request with ``method``, ``path``…
    raw: Raw | None = None
    server: ServerName = "main"
    #: seconds the answer must come within (the benchmark checks it; tests never time anything)
    budget: float | None = None
    #: why the case is here, or what is known about it (shown in the benchmark with --notes)
    note: str = ""
