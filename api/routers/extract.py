"""``POST /extract``: candidate actors and events from the text of a news article.

The body is the article as ``text/plain`` (UTF-8); the answer is Turtle in the ontology's own terms
(``text/turtle``, ready for ``POST /validate`` and ``POST /batches``) or JSON for review
(``application/json``), by ``Accept``. The extractor knows the store's actors (every label and
alias) and the standard actors; it is rebuilt only when the store changes. Nothing is written.
The text is read in a sandboxed worker (:mod:`graph.sandbox`) under limits on length, time and
memory; who may call it is ACTORGRAPH_ANONYMOUS_JOBS.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response

from api.deps import (
    JobCallerDep,
    RuntimeDep,
    SnapshotDep,
    UnsupportedMediaType,
    read_body,
    until_disconnected,
)
from api.negotiation import Formats, parse_content_type
from api.routers.validate import JOB_ERRORS, OPTIONAL_TOKEN
from graph.errors import InvalidInput, LimitExceeded
from graph.payloads import article_url, decode_utf8

__all__ = ["EXAMPLE_ARTICLE", "router"]

router = APIRouter(prefix="/extract", tags=["extract"])

TURTLE = "text/turtle"
JSON = "application/json"
CANDIDATES = Formats.of("candidates", TURTLE, JSON)
EXAMPLE_ARTICLE = (
    "MOSCOW (Agency) - Russian officials denied the claims on Monday. Russia, China and Pakistan "
    "held talks in Moscow, the Foreign Ministry said. The Russian envoy has not yet met the new US "
    "administration."
)


async def article_text(request: Request) -> str:
    """The request body as text: ``text/plain``, UTF-8, within the size and length limits."""
    content_type = parse_content_type(request.headers.get("content-type"))
    media = content_type.media_type
    if media != "text/plain":
        raise UnsupportedMediaType(
            f"send the article as text/plain (UTF-8), not {media or 'no Content-Type'}"
        )
    if not content_type.utf8:
        raise UnsupportedMediaType(
            f"send the article as UTF-8 (text/plain; charset=utf-8), not {content_type.charset}"
        )
    settings = request.app.state.runtime.settings
    cap = settings.max_article_chars
    if 4 * cap < settings.max_payload_bytes:  # UTF-8 takes at most 4 bytes a character
        body = await read_body(
            request,
            4 * cap,
            f"no article of at most {cap:,} characters is that long in UTF-8; send one article "
            "at a time",
            "ACTORGRAPH_MAX_ARTICLE_CHARS",
        )
    else:
        body = await read_body(request, settings.max_payload_bytes, "send one article at a time")
    text = decode_utf8(body, source="body")
    if len(text) > cap:
        raise LimitExceeded(
            f"the article is {len(text):,} characters long; the limit is {cap:,} "
            "(setting ACTORGRAPH_MAX_ARTICLE_CHARS): send one article at a time, or split it",
            limit="ACTORGRAPH_MAX_ARTICLE_CHARS",
            allowed=cap,
        )
    if not text.strip():
        raise InvalidInput("the body is empty: send the text of the article")
    return text


@router.post(
    "",
    summary="Propose actors and events from an article",
    response_description="Candidates as Turtle (text/turtle) or JSON (application/json).",
    responses={
        200: {
            "content": {
                TURTLE: {},  # examples: api/examples.py
                JSON: {},
            }
        },
        400: {
            "description": "The body is not UTF-8 (line and column), or empty; or `url` is "
            "not an http(s) address an article can have."
        },
        406: {"description": "No acceptable format."},
        413: {
            "description": "Over a limit (`limit` names its setting): bytes, characters, or the "
            "time or memory reading it may take."
        },
        415: {
            "description": "The body is not text/plain, or declared in a charset other than UTF-8."
        },
        **JOB_ERRORS,
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/plain": {"schema": {"type": "string"}, "example": EXAMPLE_ARTICLE}},
        },
        "security": OPTIONAL_TOKEN,
    },
)
async def extract(
    runtime: RuntimeDep,
    snapshot: SnapshotDep,
    caller: JobCallerDep,
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
    url: Annotated[
        str | None,
        Query(
            description="The address the article was published at (schema:url): a batch that "
            "brings the article needs it.",
            max_length=2000,
        ),
    ] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """Read the article and answer its candidate actors and events; the store is not changed.

    The reading runs in a sandboxed worker (limits on time and memory), killed if the client
    goes away."""
    chosen = CANDIDATES.choose(accept)
    if url is not None:
        url = article_url(url, source="url")
    # the request holds the snapshot's checkpoint (SnapshotDep) while the job reads it
    body: bytes = await until_disconnected(
        request,
        runtime.sandbox.run(
            "extract",
            str(snapshot.checkpoint.path),
            text,
            file,
            published.isoformat() if published else None,
            chosen == JSON,
            actors,
            url,
            runtime.settings.nlp_pipeline,
        ),
    )
    if chosen == JSON:
        return Response(body, media_type=JSON)
    return Response(body, media_type=f"{TURTLE}; charset=utf-8")
