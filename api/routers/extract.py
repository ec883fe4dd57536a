"""``POST /extract``: candidate actors and events from the text of a news article.

The body is the article as ``text/plain`` (UTF-8); the answer is Turtle in the ontology's own terms
(``text/turtle``, ready for ``POST /validate`` and ``POST /batches``) or JSON for review
(``application/json``), by ``Accept``. The extractor knows the store's actors (every label and
alias) and the standard actors; it is rebuilt only when the store changes. Nothing is written.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response

from api.deps import NotAcceptable, RuntimeDep, UnsupportedMediaType, read_body
from api.negotiation import negotiate
from api.runtime import Runtime
from graph.errors import InvalidInput

if TYPE_CHECKING:
    from graph.extract import Extractor

# graph.extract pulls in spaCy (~0.7 s): it is imported on the first /extract request, not when
# the app starts.

__all__ = ["router"]

router = APIRouter(prefix="/extract", tags=["extract"])

TURTLE = "text/turtle"
JSON = "application/json"
_EXAMPLE = (
    "MOSCOW (Agency) - Russian officials denied the claims on Monday. Russia, China and Pakistan "
    "held talks in Moscow, the Foreign Ministry said. The Russian envoy has not yet met the new US "
    "administration."
)
_lock = threading.Lock()


async def article_text(request: Request) -> str:
    """The request body as text: ``text/plain``, UTF-8, within the size limit."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "text/plain":
        raise UnsupportedMediaType(
            f"send the article as text/plain (UTF-8), not {media or 'no Content-Type'}"
        )
    limit = request.app.state.runtime.settings.max_payload_bytes
    body = await read_body(request, limit, "send one article at a time")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the body is not UTF-8: {exc}") from None
    if not text.strip():
        raise InvalidInput("the body is empty: send the text of the article")
    return text


def _extractor(runtime: Runtime, request: Request) -> Extractor:
    """The extractor for the store as it is now, rebuilt when a write changed it."""
    generation = runtime.generation
    with _lock:
        cached: tuple[int, Extractor] | None = getattr(request.app.state, "extractor", None)
        if cached is None or cached[0] != generation:
            from graph.extract import Extractor

            cached = (generation, Extractor.for_store(runtime.store))
            request.app.state.extractor = cached
        return cached[1]


@router.post(
    "",
    summary="Propose actors and events from an article",
    response_description="Candidates as Turtle (text/turtle) or JSON (application/json).",
    responses={
        200: {
            "content": {
                TURTLE: {"example": "@prefix ag: <https://w3id.org/actorgraph/ontology#> ."},
                JSON: {"example": {"actors": [], "events": []}},
            }
        },
        406: {"description": "No acceptable format."},
        413: {"description": "The article is too large."},
        415: {"description": "The body is not text/plain."},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/plain": {"schema": {"type": "string"}, "example": _EXAMPLE}},
        }
    },
)
def extract(
    runtime: RuntimeDep,
    request: Request,
    text: Annotated[str, Depends(article_text)],
    published: Annotated[
        dt.date | None,
        Query(description="Publication date (YYYY-MM-DD); bounds the dates of the events."),
    ] = None,
    file: Annotated[
        str, Query(description="A name for the text (recorded as ag:sourceFile).", max_length=200)
    ] = "pasted.txt",
    actors: Annotated[
        bool, Query(description="Describe the actors referred to, so the Turtle validates alone.")
    ] = True,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """Read the article and answer its candidate actors and events; the store is not changed."""
    chosen = negotiate(accept, [TURTLE, JSON])
    if chosen is None:
        raise NotAcceptable(f"this endpoint answers {TURTLE} or {JSON}, not {accept}")
    result = _extractor(runtime, request).extract(text, file=file, published=published)
    if chosen == JSON:
        from graph.extract.output import to_json

        body: dict[str, Any] = to_json(result)
        return JSONResponse(body)
    from graph.extract.output import to_turtle

    return Response(to_turtle(result, include_actors=actors), media_type=f"{TURTLE}; charset=utf-8")
