"""Dependencies, published as ``Annotated`` aliases for the routers."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, ClassVar

from fastapi import Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.runtime import Runtime
from graph.batches import Steward
from graph.errors import ActorGraphError
from graph.settings import Settings, steward_token
from graph.store import RDFFormat, Store

__all__ = [
    "RDF_MEDIA_TYPES",
    "NotAcceptable",
    "PayloadTooLarge",
    "RDFPayload",
    "RDFPayloadDep",
    "RuntimeDep",
    "SettingsDep",
    "StewardDep",
    "StoreDep",
    "Unauthorized",
    "UnsupportedMediaType",
    "WritesDisabled",
    "read_body",
]


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_settings(request: Request) -> Settings:
    return get_runtime(request).settings


def get_store(request: Request) -> Store:
    return get_runtime(request).store


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]


# ------------------------------------------------------------------------------------ stewards
class Unauthorized(ActorGraphError):
    """No steward token, or a token that is not one of ACTORGRAPH_STEWARD_TOKENS (401)."""

    title = "Unauthorized"
    status = 401
    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": 'Bearer realm="actorgraph"'}


class WritesDisabled(ActorGraphError):
    """The server has no steward tokens, so nothing can be written (403)."""

    title = "Writes are off"
    status = 403


_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="stewardToken",
    description="A data steward's token: one of ACTORGRAPH_STEWARD_TOKENS (without its `name:`).",
)


def get_steward(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
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
    tokens = get_settings(request).steward_tokens
    if not tokens:
        raise WritesDisabled(
            "writes are off: this server has no steward token. Set ACTORGRAPH_STEWARD_TOKENS "
            "(e.g. ACTORGRAPH_STEWARD_TOKENS=alice:<a secret of 16 or more characters>) and "
            "restart it; stewards then send `Authorization: Bearer <secret>`"
        )
    if credentials is None:
        raise Unauthorized(
            "this endpoint writes to the graph and needs a steward's token: "
            "send `Authorization: Bearer <token>`"
        )
    given = credentials.credentials.encode("utf-8")
    matched: str | None = None
    for number, entry in enumerate(tokens, start=1):
        name, secret = steward_token(entry.get_secret_value())
        if hmac.compare_digest(given, secret.encode("utf-8")) and matched is None:
            matched = name or f"steward-{number}"
    if matched is None:
        raise Unauthorized("the bearer token is not a steward's token of this server")
    who = (x_steward or steward or "").strip() or matched
    return Steward(name=who, credential=matched)


StewardDep = Annotated[Steward, Depends(get_steward)]


# ------------------------------------------------------------------------------- RDF payloads
class UnsupportedMediaType(ActorGraphError):
    """A body whose Content-Type is not an RDF format we read (415)."""

    title = "Unsupported media type"
    status = 415


class PayloadTooLarge(ActorGraphError):
    """A body over ACTORGRAPH_MAX_PAYLOAD_BYTES (413)."""

    title = "Payload too large"
    status = 413


class NotAcceptable(ActorGraphError):
    """None of the formats the client accepts can be served (406)."""

    title = "Not acceptable"
    status = 406


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
    """A request body of RDF: its bytes and their format."""

    data: bytes
    format: RDFFormat


async def read_body(request: Request, limit: int, advice: str) -> bytes:
    """The request body, refused as soon as it is known to be over ``limit`` bytes: by its
    Content-Length before reading, or while it streams. ``advice`` ends the message.

    Raises
    ------
    PayloadTooLarge
        The body is over the cap.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(
            f"the body is {int(declared):,} bytes and the limit is {limit:,} "
            f"(ACTORGRAPH_MAX_PAYLOAD_BYTES): {advice}"
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(
                f"the body is over the limit of {limit:,} bytes (ACTORGRAPH_MAX_PAYLOAD_BYTES): "
                f"{advice}"
            )
        chunks.append(chunk)
    return b"".join(chunks)


async def rdf_payload(request: Request) -> RDFPayload:
    """The body as RDF: an RDF Content-Type (UTF-8), at most ACTORGRAPH_MAX_PAYLOAD_BYTES, checked
    against Content-Length before reading and against the bytes as they arrive. (Async, so the
    handlers stay plain ``def``.)

    Raises
    ------
    UnsupportedMediaType
        No Content-Type, one we do not read, or a charset other than UTF-8.
    PayloadTooLarge
        The body is over the cap.
    """
    header = request.headers.get("content-type", "")
    media, _, params = header.partition(";")
    media = media.strip().lower()
    accepted = ", ".join(sorted(RDF_MEDIA_TYPES))
    if media not in RDF_MEDIA_TYPES:
        raise UnsupportedMediaType(
            f"send the triples with an RDF Content-Type ({accepted}), not "
            f"{media or 'no Content-Type'}"
        )
    charset = next(
        (
            p.split("=", 1)[1].strip().strip('"').lower()
            for p in params.split(";")
            if p.strip().lower().startswith("charset=")
        ),
        "utf-8",
    )
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"send the triples as UTF-8, not {charset}")
    body = await read_body(
        request, get_settings(request).max_payload_bytes, "split the batch, or raise the limit"
    )
    return RDFPayload(body, RDF_MEDIA_TYPES[media])


RDFPayloadDep = Annotated[RDFPayload, Depends(rdf_payload)]
