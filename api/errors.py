"""Errors as ``application/problem+json`` (RFC 9457): the API's own error classes, and the one
table that maps every error class to an HTTP status. Nothing else decides a status.

Anything else that escapes a handler — a bug — becomes a 500 problem+json with an incident id that
the server log repeats next to the traceback; the client never sees a traceback, a file path or
the exception's text.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from graph.batches import IdempotencyKeyReused
from graph.errors import (
    ActorGraphError,
    Conflict,
    EndpointBusy,
    InvalidInput,
    LimitExceeded,
    NotFound,
    QueryRefused,
    QueryTimeout,
    StoreUnavailable,
    ValidationFailed,
)

__all__ = [
    "PROBLEM_JSON",
    "ClientGone",
    "NotAcceptable",
    "PayloadTooLarge",
    "ProblemResponse",
    "RateLimited",
    "Unauthorized",
    "UnsupportedMediaType",
    "WritesDisabled",
    "install_error_handlers",
    "problem",
]

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("actorgraph")


# ------------------------------------------------------------------------- the API's own
class Unauthorized(ActorGraphError):
    """No steward token, or a token that is not one of ACTORGRAPH_STEWARD_TOKENS."""

    title = "Unauthorized"
    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": 'Bearer realm="actorgraph"'}


class WritesDisabled(ActorGraphError):
    """The server has no steward tokens, so nothing can be written."""

    title = "Writes are off"


class UnsupportedMediaType(ActorGraphError):
    """A body whose Content-Type (or charset) we do not read."""

    title = "Unsupported media type"


class PayloadTooLarge(LimitExceeded):
    """A body over ACTORGRAPH_MAX_PAYLOAD_BYTES."""

    title = "Payload too large"


class ClientGone(ActorGraphError):
    """The client closed the connection before the answer was ready (nobody reads this)."""

    title = "Client closed request"


class NotAcceptable(ActorGraphError):
    """None of the formats the client accepts can be served."""

    title = "Not acceptable"


class RateLimited(ActorGraphError):
    """A client over its rate for work done for anonymous callers."""

    title = "Too many requests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}


#: Every error class → (HTTP status, problem type slug). The most specific class wins.
STATUS: dict[type[ActorGraphError], tuple[int, str]] = {
    InvalidInput: (400, "invalid-input"),
    QueryRefused: (400, "query-refused"),
    Unauthorized: (401, "unauthorized"),
    WritesDisabled: (403, "writes-off"),
    NotFound: (404, "not-found"),
    NotAcceptable: (406, "not-acceptable"),
    Conflict: (409, "conflict"),
    LimitExceeded: (413, "limit-exceeded"),
    PayloadTooLarge: (413, "payload-too-large"),
    UnsupportedMediaType: (415, "unsupported-media-type"),
    ValidationFailed: (422, "validation-failed"),
    IdempotencyKeyReused: (422, "idempotency-key-reused"),
    RateLimited: (429, "rate-limited"),
    ClientGone: (499, "client-gone"),
    QueryTimeout: (503, "query-timeout"),
    EndpointBusy: (503, "busy"),
    StoreUnavailable: (503, "store-unavailable"),
}


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON


def problem(status: int, title: str, detail: str, slug: str, **extra: Any) -> ProblemResponse:
    """A problem+json response; ``extra`` members (line, column, suggestions…) are added when set."""
    body: dict[str, Any] = {
        "type": f"https://w3id.org/actorgraph/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"Retry-After": "1"} if status == 503 else None
    return ProblemResponse(body, status_code=status, headers=headers)


def status_of(exc: ActorGraphError) -> tuple[int, str]:
    """The HTTP status and problem slug of an error: its class's entry in :data:`STATUS`, or its
    nearest ancestor's."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500, "error"


def _for(exc: ActorGraphError) -> ProblemResponse:
    status, slug = status_of(exc)
    extra: dict[str, Any] = {}
    if isinstance(exc, InvalidInput):
        extra = {"line": exc.line, "column": exc.column, "source": exc.source}
    if isinstance(exc, LimitExceeded):
        extra = {"limit": exc.limit, "allowed": exc.allowed}
    if isinstance(exc, NotFound) and exc.suggestions:
        extra = {"suggestions": exc.suggestions}
    if isinstance(exc, ValidationFailed) and hasattr(exc.report, "to_json"):
        extra = {"report": exc.report.to_json()}
    response = problem(status, exc.title, exc.message, slug, **extra)
    response.headers.update(getattr(exc, "headers", None) or {})  # WWW-Authenticate, Retry-After
    return response


def install_error_handlers(app: FastAPI) -> None:
    """Register one handler per error family, and the catch-all; called once by ``create_app``."""

    async def on_actorgraph_error(_: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, ActorGraphError)
        return _for(exc)

    async def on_http_error(_: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, StarletteHTTPException)
        response = problem(exc.status_code, _title(exc.status_code), str(exc.detail), "http")
        response.headers.update(exc.headers or {})
        return response

    async def on_request_validation(_: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['where']}: {e['problem']}" for e in errors)
        return problem(
            422, "Invalid request parameters", detail, "invalid-parameters", errors=errors
        )

    async def on_unexpected(request: Request, exc: Exception) -> ProblemResponse:
        incident = uuid.uuid4().hex[:12]
        log.error(
            "incident %s: %s %s failed", incident, request.method, request.url.path, exc_info=exc
        )
        return problem(
            500,
            "Internal error",
            f"the server failed on this request (incident {incident}, in its log); this is a bug "
            "in actorgraph, not in the request: please report it with the incident id",
            "internal-error",
            incident=incident,
        )

    async def on_client_gone(_: Request, exc: Exception) -> ProblemResponse:
        # the client closed the connection while its body arrived: nobody reads this answer
        return _for(ClientGone("the client went away while sending the body"))

    app.add_exception_handler(ClientDisconnect, on_client_gone)
    app.add_exception_handler(ActorGraphError, on_actorgraph_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_request_validation)
    app.add_exception_handler(Exception, on_unexpected)


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
