"""Dependencies, published as ``Annotated`` aliases for the routers."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import math
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import ClientDisconnect

from api.errors import (
    ClientGone,
    NotAcceptable,
    PayloadTooLarge,
    RateLimited,
    Unauthorized,
    UnsupportedMediaType,
    WritesDisabled,
)
from api.negotiation import parse_content_type
from api.runtime import Runtime, Snapshot
from graph.batches import Steward
from graph.payloads import REVIEW_MEDIA_TYPE
from graph.settings import Settings, steward_token
from graph.store import RDFFormat, Store

__all__ = [
    "RDF_MEDIA_TYPES",
    "JobCallerDep",
    "NotAcceptable",
    "PayloadTooLarge",
    "RDFPayload",
    "RDFPayloadDep",
    "RuntimeDep",
    "SettingsDep",
    "SnapshotDep",
    "StewardDep",
    "StoreDep",
    "Unauthorized",
    "UnsupportedMediaType",
    "WritesDisabled",
    "client_of",
    "read_body",
    "until_disconnected",
]

T = TypeVar("T")


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


# The dependencies are ``async``: FastAPI runs a plain ``def`` dependency in a thread pool, a hop
# that costs more than what these do.
async def get_runtime(request: Request) -> Runtime:
    return runtime_of(request)


async def get_settings(request: Request) -> Settings:
    return runtime_of(request).settings


async def get_store(request: Request) -> Store:
    return runtime_of(request).store


async def get_snapshot(request: Request) -> AsyncIterator[Snapshot]:
    """The version of the graph this request reads, taken once: every dependency and handler of
    the request that asks for it gets the same one, even if a write publishes a new one
    meanwhile, and its checkpoint (``snapshot.store``, the path a sandboxed job reads) stays
    until the request is done."""
    runtime = runtime_of(request)
    while True:
        snapshot = runtime.snapshot
        try:
            snapshot.checkpoint.acquire()
            break
        except RuntimeError:  # replaced and deleted between the two lines above: the next one
            continue
    try:
        yield snapshot
    finally:
        snapshot.checkpoint.release()


def client_of(request: Request) -> str:
    """Who is asking, for per-client limits: the peer's address (uvicorn puts the original
    client's there when the peer is a trusted proxy: ``--forwarded-allow-ips``)."""
    return request.client.host if request.client else "unknown"


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
SnapshotDep = Annotated[Snapshot, Depends(get_snapshot)]


# ------------------------------------------------------------------------------------ stewards
_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="stewardToken",
    description="A data steward's token: one of ACTORGRAPH_STEWARD_TOKENS (without its `name:`).",
)


async def get_steward(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],  # OpenAPI
    x_steward: Annotated[
        str | None,
        Header(
            max_length=100,
            description="Who is committing (recorded as the batch's author); default: the "
            "token's name.",
        ),
    ] = None,
    steward: Annotated[
        str | None, Query(max_length=100, description="Same as the X-Steward header.")
    ] = None,
) -> Steward:
    """The steward behind the request's bearer token, compared in constant time with every
    configured token (and never logged).

    Raises
    ------
    WritesDisabled
        No token is configured.
    Unauthorized
        No token was sent, or it is not one of the configured tokens.
    """
    tokens = runtime_of(request).settings.steward_tokens
    if not tokens:
        raise WritesDisabled(
            "writes are off: this server has no steward token. Set ACTORGRAPH_STEWARD_TOKENS "
            "(e.g. ACTORGRAPH_STEWARD_TOKENS=alice:<a secret of 16 or more characters>) and "
            "restart it; stewards then send `Authorization: Bearer <secret>`"
        )
    given = bearer_token(request)
    if given is None:
        raise Unauthorized(
            "this endpoint writes to the graph and needs a steward's token: "
            "send `Authorization: Bearer <token>`"
        )
    matched = _match(tokens_of(runtime_of(request).settings), given)
    if matched is None:
        raise Unauthorized("the bearer token is not a steward's token of this server")
    who = (x_steward or steward or "").strip() or matched
    return Steward(name=who, credential=matched)


StewardDep = Annotated[Steward, Depends(get_steward)]


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, exactly as sent, or ``None``
    (no header, or another scheme).

    Why not FastAPI's ``HTTPBearer`` value: it strips Unicode whitespace, so a token with a
    trailing no-break space matched. Only the blanks HTTP itself allows around a value (space,
    tab) are dropped here; the ``HTTPBearer`` dependency stays for OpenAPI.
    """
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip(" \t").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip(" \t") or None


def tokens_of(settings: Settings) -> list[tuple[str, bytes]]:
    """The configured tokens as (name, secret)."""
    out = []
    for number, entry in enumerate(settings.steward_tokens, start=1):
        name, secret = steward_token(entry.get_secret_value())
        out.append((name or f"steward-{number}", secret.encode("utf-8")))
    return out


def _match(tokens: list[tuple[str, bytes]], given: str) -> str | None:
    """The name of the token ``given`` is, compared in constant time with every token (so the
    time taken says nothing about which one, or how much of one, matched)."""
    raw = given.encode("utf-8", errors="replace")
    matched: str | None = None
    for name, secret in tokens:
        if hmac.compare_digest(raw, secret) and matched is None:
            matched = name
    return matched


# ---------------------------------------------------------------- work for anonymous callers
class RateLimiter:
    """A token bucket per client: ``per_minute`` requests a minute, in bursts of up to that.

    In memory and per process (one API process serves a store). At most ``max_clients`` buckets
    are kept; the least recently seen go first, so a flood of addresses cannot grow it.
    """

    def __init__(self, per_minute: int, *, max_clients: int = 10_000) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str, now: float | None = None) -> float:
        """Spend one request of ``client``'s bucket: 0 if allowed, else the seconds until one is
        available (nothing is spent)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            wait = 0.0 if tokens >= 1 else (1 - tokens) / self.rate
            self._buckets[client] = (tokens - 1 if wait == 0 else tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return wait


def _limiter(request: Request) -> RateLimiter:
    state = request.app.state
    limiter: RateLimiter | None = getattr(state, "job_limiter", None)
    if limiter is None:
        limiter = state.job_limiter = RateLimiter(
            runtime_of(request).settings.anonymous_jobs_per_minute
        )
    return limiter


async def job_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],  # OpenAPI
) -> str | None:
    """Who may make the server do work for them (``/validate``, ``/extract``): a steward (by
    token: no rate limit) or, as ACTORGRAPH_ANONYMOUS_JOBS says, anyone, anyone within a rate per
    client, or nobody else. Returns the steward's name, or ``None`` for an anonymous caller.

    Raises
    ------
    Unauthorized
        A token that is not a steward's (never silently treated as anonymous), or no token when
        ACTORGRAPH_ANONYMOUS_JOBS=token.
    RateLimited
        An anonymous client over ACTORGRAPH_ANONYMOUS_JOBS_PER_MINUTE.
    """
    settings = runtime_of(request).settings
    given = bearer_token(request)
    if given is not None:
        matched = _match(tokens_of(settings), given)
        if matched is None:
            raise Unauthorized("the bearer token is not a steward's token of this server")
        return matched
    if settings.anonymous_jobs == "token":
        raise Unauthorized(
            "this server does this work for data stewards only (ACTORGRAPH_ANONYMOUS_JOBS=token): "
            "send `Authorization: Bearer <token>`"
        )
    if settings.anonymous_jobs == "rate-limited":
        wait = _limiter(request).take(client_of(request))
        if wait > 0:
            per_minute = settings.anonymous_jobs_per_minute
            raise RateLimited(
                f"this client made more than {per_minute} requests a minute to /validate and "
                f"/extract (ACTORGRAPH_ANONYMOUS_JOBS_PER_MINUTE); try again in {math.ceil(wait)} s, "
                "or send a steward's token",
                retry_after=math.ceil(wait),
            )
    return None


JobCallerDep = Annotated[str | None, Depends(job_caller)]


# ------------------------------------------------------------------------------- RDF payloads
#: Content-Type → format of a steward's payload.
RDF_MEDIA_TYPES: dict[str, RDFFormat] = {
    "text/turtle": RDFFormat.TURTLE,
    "application/x-turtle": RDFFormat.TURTLE,
    "application/n-triples": RDFFormat.NTRIPLES,
    "application/trig": RDFFormat.TRIG,
    "application/n-quads": RDFFormat.NQUADS,
    "text/x-nquads": RDFFormat.NQUADS,
    "application/ld+json": RDFFormat.JSONLD,
    "application/json": RDFFormat.JSONLD,
    "application/rdf+xml": RDFFormat.RDFXML,
}


@dataclass(frozen=True)
class RDFPayload:
    """A request body of RDF: its bytes and their format; or a review document (the records of
    a review file and the article's text, JSON: graph/ingest.py), which the builder's code turns
    into RDF."""

    data: bytes
    format: RDFFormat
    review: bool = False

    @property
    def kind(self) -> str:
        """What the sandboxed check parses the bytes as: an RDFFormat's name, or ``REVIEW``."""
        return "REVIEW" if self.review else self.format.name


async def read_body(
    request: Request, limit: int, advice: str, setting: str = "ACTORGRAPH_MAX_PAYLOAD_BYTES"
) -> bytes:
    """The request body, refused as soon as it is known to be over ``limit`` bytes: by its
    Content-Length before reading, or while it streams. ``advice`` ends the message; ``setting``
    names the limit.

    Raises
    ------
    PayloadTooLarge
        The body is over the cap.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(
            f"the body is {int(declared):,} bytes and the limit is {limit:,} ({setting}): {advice}",
            limit=setting,
            allowed=limit,
        )
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(
                    f"the body is over the limit of {limit:,} bytes ({setting}): {advice}",
                    limit=setting,
                    allowed=limit,
                )
            chunks.append(chunk)
    except ClientDisconnect:
        raise ClientGone("the client went away while sending the body") from None
    return b"".join(chunks)


async def rdf_payload(request: Request) -> RDFPayload:
    """The body as RDF: an RDF Content-Type (UTF-8), at most ACTORGRAPH_MAX_PAYLOAD_BYTES, checked
    against Content-Length before reading and against the bytes as they arrive. The bytes
    themselves are checked in the sandbox (:func:`graph.batches.parse_batch`).

    Raises
    ------
    UnsupportedMediaType
        No Content-Type, one we do not read, or a charset other than UTF-8.
    PayloadTooLarge
        The body is over the cap.
    """
    content_type = parse_content_type(request.headers.get("content-type"))
    media = content_type.media_type
    review = media == REVIEW_MEDIA_TYPE
    if media not in RDF_MEDIA_TYPES and not review:
        accepted = ", ".join(sorted([*RDF_MEDIA_TYPES, REVIEW_MEDIA_TYPE]))
        raise UnsupportedMediaType(
            f"send the triples with an RDF Content-Type ({accepted}), not "
            f"{media or 'no Content-Type'}"
        )
    if not content_type.utf8:
        raise UnsupportedMediaType(f"send the triples as UTF-8, not {content_type.charset}")
    body = await read_body(
        request,
        runtime_of(request).settings.max_payload_bytes,
        "split the batch, or raise the limit",
    )
    if review or media is None:
        return RDFPayload(body, RDFFormat.JSONLD, review=True)
    return RDFPayload(body, RDF_MEDIA_TYPES[media])


RDFPayloadDep = Annotated[RDFPayload, Depends(rdf_payload)]


# ------------------------------------------------------------------------------- jobs
async def until_disconnected(request: Request, work: Coroutine[Any, Any, T]) -> T:
    """Await ``work``, cancelling it if the client disconnects first: a job nobody waits for
    must not keep a worker busy (the sandbox kills the worker of a cancelled job)."""
    task = asyncio.ensure_future(work)

    async def disconnected() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass

    watcher = asyncio.ensure_future(disconnected())
    try:
        done, _ = await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        raise ClientGone("the client went away; the work was stopped")
    finally:
        watcher.cancel()
        if not task.done():
            task.cancel()
