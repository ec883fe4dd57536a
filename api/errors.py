"""Errors as ``application/problem+json`` (RFC 9457), mapped from the one hierarchy in one place."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph.errors import (
    ActorGraphError,
    Conflict,
    EndpointBusy,
    InvalidInput,
    NotFound,
    QueryRefused,
    QueryTimeout,
    StoreUnavailable,
    ValidationFailed,
)

__all__ = ["PROBLEM_JSON", "ProblemResponse", "install_error_handlers", "problem"]

PROBLEM_JSON = "application/problem+json"

#: error class → (HTTP status, problem type slug)
STATUS: dict[type[ActorGraphError], tuple[int, str]] = {
    InvalidInput: (400, "invalid-input"),
    QueryRefused: (400, "query-refused"),
    NotFound: (404, "not-found"),
    Conflict: (409, "conflict"),
    ValidationFailed: (422, "validation-failed"),
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


def _for(exc: ActorGraphError) -> ProblemResponse:
    status, slug = 500, "error"
    for cls in type(exc).__mro__:
        if cls in STATUS:
            status, slug = STATUS[cls]
            break
    extra: dict[str, Any] = {}
    if isinstance(exc, InvalidInput):
        extra = {"line": exc.line, "column": exc.column, "source": exc.source}
    if isinstance(exc, NotFound) and exc.suggestions:
        extra = {"suggestions": exc.suggestions}
    if isinstance(exc, ValidationFailed) and hasattr(exc.report, "to_json"):
        extra = {"report": exc.report.to_json()}
    status_override = getattr(exc, "status", None)
    if isinstance(status_override, int):
        status = status_override
    response = problem(status, exc.title, exc.message, slug, **extra)
    response.headers.update(getattr(exc, "headers", None) or {})  # WWW-Authenticate, Retry-After
    return response


def install_error_handlers(app: FastAPI) -> None:
    """Register one handler per error family; called once by ``create_app``."""

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

    app.add_exception_handler(ActorGraphError, on_actorgraph_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_request_validation)


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
