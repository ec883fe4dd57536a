"""``/batches``: data stewards commit new triples as a batch, review batches and retract them.

* ``POST /batches`` (steward token): validates the body in the context of the graph
  (:mod:`graph.batches`); a batch that does not conform gets 422 with the SHACL report and nothing
  is written; one that does is committed in ONE transaction into its own named graph
  ``id:graph/batch/<id>``, with the edges derived from its events and its PROV record
  (who, when, source, comment, counts), and the answer (201) gives its IRI and how many triples
  were new. Optional query parameters: ``source`` and ``comment``; the author is the
  ``X-Steward`` header (or ``steward``), else the token's name.
* ``GET /batches``, ``GET /batches/{id}`` (its record, and its triples as Turtle or N-Triples).
* ``DELETE /batches/{id}`` (steward token): retracts the batch in one transaction, with the edges
  derived only from it, and logs it in the audit graph ``id:graph/audit`` (queryable at /sparql);
  seed graphs and other batches are never touched. Refused with 409 and the report if what remains
  would not conform.

Writes are serialised on ``Runtime.write_lock``: a steward who cannot get it within
ACTORGRAPH_WRITE_LOCK_TIMEOUT seconds gets 409 Conflict. After a write, ``Runtime.publish`` (under
the lock) hands a new checkpoint to the SPARQL workers and ``Runtime.refresh`` (after it) a new
actor network, so readers see the graph before or after a batch, never part of it, and the
response comes once both show the batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, ClassVar, Literal

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import JSONResponse, Response

from api.deps import NotAcceptable, RDFPayloadDep, RuntimeDep, StewardDep, StoreDep
from api.negotiation import negotiate
from api.routers.validate import PAYLOAD_ERRORS, REQUEST_BODY
from api.runtime import Runtime
from graph.batches import (
    batch_content,
    commit_batch,
    get_batch,
    list_batches,
    parse_batch,
    retract_batch,
)
from graph.errors import Conflict
from graph.store import RDFFormat

__all__ = ["router"]

router = APIRouter(prefix="/batches", tags=["stewards"])

JSON = "application/json"
CONTENT = {
    RDFFormat.TURTLE.media_type: RDFFormat.TURTLE,
    RDFFormat.NTRIPLES.media_type: RDFFormat.NTRIPLES,
}
_ID_EXAMPLE = "20261122T153012345-7f3a"
BatchId = Annotated[
    str,
    Path(
        description="The batch id, as POST /batches answered it.",
        openapi_examples={"id": {"summary": "A batch id", "value": _ID_EXAMPLE}},
        max_length=40,
    ),
]
_RECORD = {
    "id": _ID_EXAMPLE,
    "iri": f"https://w3id.org/actorgraph/id/graph/batch/{_ID_EXAMPLE}",
    "committed_at": "2026-11-22T15:30:12.345Z",
    "steward": "alice",
    "credential": "alice",
    "source": "https://example.org/report.ttl",
    "comment": "talks reported on 1 March",
    "triples": 23,
    "submitted": 21,
    "new_triples": 21,
    "derived_edges": 2,
    "retracted_at": None,
    "retracted_by": None,
    "retraction_comment": None,
    "status": "committed",
}


class WriteBusy(Conflict):
    """Another commit or retraction held the write lock for too long (409)."""

    headers: ClassVar[dict[str, str]] = {"Retry-After": "5"}


@contextmanager
def writing(runtime: Runtime) -> Iterator[None]:
    """Hold the write lock for one commit or retraction, and publish the result after it."""
    timeout = runtime.settings.write_lock_timeout
    if not runtime.write_lock.acquire(timeout=timeout):
        raise WriteBusy(
            f"another steward's commit or retraction is in progress and did not finish within "
            f"{timeout:g} s (ACTORGRAPH_WRITE_LOCK_TIMEOUT); nothing was written: try again"
        )
    try:
        yield
        runtime.publish()
    finally:
        runtime.write_lock.release()
    runtime.refresh()  # the actor network, outside the lock: the next write need not wait


_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No steward token, or not one of this server's (problem+json)."},
    403: {"description": "Writes are off: the server has no steward token configured."},
    409: {"description": "Another write held the lock too long (retry), or a conflict."},
}


@router.post(
    "",
    status_code=201,
    summary="Commit a batch of new triples (steward token)",
    response_description="The batch's record; Location: /batches/{id}.",
    responses={
        201: {"content": {JSON: {"example": _RECORD}}},
        **PAYLOAD_ERRORS,
        422: {"description": "The batch does not conform; `report` says why. Nothing was written."},
        **_WRITE_ERRORS,
    },
    openapi_extra={"requestBody": REQUEST_BODY},
)
def commit(
    runtime: RuntimeDep,
    steward: StewardDep,
    payload: RDFPayloadDep,
    source: Annotated[
        str | None,
        Query(
            max_length=2000, description="Where the triples come from (a URL, a tool, a person)."
        ),
    ] = None,
    comment: Annotated[
        str | None, Query(max_length=2000, description="Why, or anything a reviewer should know.")
    ] = None,
) -> JSONResponse:
    """Validate the batch in the context of the graph and commit it all, or nothing."""
    batch = parse_batch(payload.data, payload.format, source="body")
    with writing(runtime):
        info = commit_batch(runtime.store, batch, steward=steward, source=source, comment=comment)
    return JSONResponse(
        info.to_json(), status_code=201, headers={"Location": f"/batches/{info.id}"}
    )


@router.get(
    "",
    summary="List the batches",
    responses={200: {"content": {JSON: {"example": {"batches": [_RECORD], "count": 1}}}}},
)
def batches(
    store: StoreDep,
    status: Annotated[
        Literal["all", "committed", "retracted"], Query(description="Which batches.")
    ] = "all",
) -> dict[str, Any]:
    """Every batch the registry records, oldest first, with who committed it and the counts."""
    records = [b.to_json() for b in list_batches(store)]
    if status != "all":
        records = [r for r in records if r["status"] == status]
    return {"batches": records, "count": len(records)}


@router.get(
    "/{batch_id}",
    summary="A batch: its record and its triples",
    responses={
        200: {
            "content": {
                JSON: {"example": {**_RECORD, "content": "@prefix ag: <…> .\n…"}},
                RDFFormat.TURTLE.media_type: {},
                RDFFormat.NTRIPLES.media_type: {},
            },
            "description": "JSON: the record with the triples as Turtle in `content`; Turtle or "
            "N-Triples: the triples only.",
        },
        404: {"description": "No such batch."},
        406: {"description": "Not JSON, Turtle or N-Triples."},
    },
)
def batch(
    store: StoreDep, batch_id: BatchId, accept: Annotated[str | None, Header()] = None
) -> Response:
    """The registry's record of the batch, and the triples it committed (submitted and derived)."""
    chosen = negotiate(accept, [JSON, *CONTENT])
    if chosen is None:
        raise NotAcceptable(f"a batch is served as {JSON}, {', '.join(CONTENT)}; not {accept}")
    if chosen in CONTENT:
        fmt = CONTENT[chosen]
        body = batch_content(store, batch_id, fmt)
        return Response(body, media_type=f"{fmt.media_type}; charset=utf-8")
    info = get_batch(store, batch_id)
    content = batch_content(store, batch_id, RDFFormat.TURTLE).decode("utf-8")
    return JSONResponse({**info.to_json(), "content": content})


@router.delete(
    "/{batch_id}",
    summary="Retract a batch (steward token)",
    responses={
        200: {
            "content": {
                JSON: {
                    "example": {
                        "id": _ID_EXAMPLE,
                        "iri": _RECORD["iri"],
                        "retracted_at": "2026-11-22T16:00:00.000Z",
                        "removed_triples": 23,
                        "gone_triples": 21,
                        "audit": f"https://w3id.org/actorgraph/id/audit/{_ID_EXAMPLE}/retraction",
                    }
                }
            }
        },
        404: {"description": "No such batch."},
        **_WRITE_ERRORS,
    },
)
def retract(
    runtime: RuntimeDep,
    steward: StewardDep,
    batch_id: BatchId,
    comment: Annotated[
        str | None, Query(max_length=2000, description="Why the batch is retracted.")
    ] = None,
) -> dict[str, Any]:
    """Remove the batch and the edges only it supported, in one transaction; log it."""
    with writing(runtime):
        done = retract_batch(runtime.store, batch_id, steward=steward, comment=comment)
    return done.to_json()
