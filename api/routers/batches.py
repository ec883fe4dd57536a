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

Writes are serialised by ``Runtime.writing``: a steward who cannot get the lock within
ACTORGRAPH_WRITE_LOCK_TIMEOUT seconds gets 409 Conflict. The batch is parsed and checked in the
sandbox against the checkpoint the store equals under the lock, written in one transaction, and
checkpointed; after the lock a new snapshot (SPARQL workers, actor network) is published, so
readers see the graph before or after a batch, never part of it, and the response comes once both
show the batch. A failure after the write is durable does not fail the request (``visible``:
false). ``Idempotency-Key`` makes a retried commit return the batch it already committed.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from api.deps import (
    RDFPayloadDep,
    RuntimeDep,
    StewardDep,
    StoreDep,
    until_disconnected,
)
from api.negotiation import Formats
from api.routers.validate import PAYLOAD_ERRORS, REQUEST_BODY
from api.runtime import Runtime
from graph.batches import (
    BatchInfo,
    Idempotency,
    Steward,
    batch_content,
    get_batch,
    list_batches,
    replayed_batch,
    retract_batch,
    write_batch,
)
from graph.errors import ValidationFailed
from graph.sandbox import CheckResult
from graph.store import RDFFormat, load_rdf

__all__ = ["router"]

router = APIRouter(prefix="/batches", tags=["stewards"])

JSON = "application/json"
CONTENT = {
    RDFFormat.TURTLE.media_type: RDFFormat.TURTLE,
    RDFFormat.NTRIPLES.media_type: RDFFormat.NTRIPLES,
}
BATCH = Formats.of("a batch", JSON, *CONTENT)
_ID_EXAMPLE = "20261122T153012345-7f3a"
BatchId = Annotated[
    str,
    Path(
        description="The batch id, as POST /batches answered it.",
        openapi_examples={"id": {"summary": "A batch id", "value": _ID_EXAMPLE}},
        max_length=40,
    ),
]


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
        201: {
            "description": "Committed. `visible`: whether SPARQL and the ego networks show it "
            "already (false only if publishing failed after the durable write; the next write "
            "publishes it).",
            "content": {JSON: {}},  # examples: api/examples.py
        },
        200: {
            "description": "A retry with an Idempotency-Key already used with this payload: the "
            "batch committed then (header Idempotent-Replayed: true); nothing new was written.",
            "content": {JSON: {}},
        },
        **PAYLOAD_ERRORS,
        422: {
            "description": "The batch does not conform (`report` says why), or its "
            "Idempotency-Key was used with another payload. Nothing was written."
        },
        **_WRITE_ERRORS,
    },
    openapi_extra={"requestBody": REQUEST_BODY},
)
async def commit(
    runtime: RuntimeDep,
    steward: StewardDep,
    payload: RDFPayloadDep,
    request: Request,
    source: Annotated[
        str | None,
        Query(
            max_length=2000, description="Where the triples come from (a URL, a tool, a person)."
        ),
    ] = None,
    comment: Annotated[
        str | None, Query(max_length=2000, description="Why, or anything a reviewer should know.")
    ] = None,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=200,
            description="Any unique string per batch (a UUID): a retry with the same key and "
            "payload returns the batch already committed (200) instead of committing it again.",
        ),
    ] = None,
) -> JSONResponse:
    """Validate the batch in the context of the graph and commit it all, or nothing."""
    settings = runtime.settings
    key = (
        Idempotency(steward.credential, idempotency_key, payload.data) if idempotency_key else None
    )
    async with runtime.writing() as writing:
        if key is not None:
            earlier = await asyncio.to_thread(replayed_batch, runtime.store, key)
            if earlier is not None:
                return JSONResponse(
                    {**earlier.to_json(), "visible": True},
                    headers={"Location": f"/batches/{earlier.id}", "Idempotent-Replayed": "true"},
                )
        check: CheckResult = await until_disconnected(
            request,
            runtime.sandbox.run(
                "check",
                str(writing.checkpoint.path),
                payload.data,
                payload.kind,
                settings.max_nesting_depth,
                settings.max_batch_triples,
                False,
                True,
            ),
        )
        if not check.conforms:
            raise ValidationFailed(check.report, check.summary)
        info = await asyncio.to_thread(_write, runtime, check, steward, source, comment, key)
        writing.changed = True
    return JSONResponse(
        {**info.to_json(), "visible": writing.visible},
        status_code=201,
        headers={"Location": f"/batches/{info.id}"},
    )


def _write(
    runtime: Runtime,
    check: CheckResult,
    steward: Steward,
    source: str | None,
    comment: str | None,
    key: Idempotency | None,
) -> BatchInfo:
    """Commit what the sandbox checked (N-Triples of our own making, bounded by the triple cap)."""
    assert check.batch is not None and check.derived is not None
    batch = load_rdf(check.batch, RDFFormat.NTRIPLES, source="batch")
    derived = load_rdf(check.derived, RDFFormat.NTRIPLES, source="batch")
    return write_batch(
        runtime.store,
        batch,
        derived,
        check.counts,
        steward=steward,
        source=source,
        comment=comment,
        key=key,
        requires=check.requires,
    )


@router.get("", summary="List the batches")
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
                JSON: {},  # examples: api/examples.py
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
    chosen = BATCH.choose(accept)
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
        404: {"description": "No such batch."},
        **_WRITE_ERRORS,
    },
)
async def retract(
    runtime: RuntimeDep,
    steward: StewardDep,
    batch_id: BatchId,
    comment: Annotated[
        str | None, Query(max_length=2000, description="Why the batch is retracted.")
    ] = None,
) -> dict[str, Any]:
    """Remove the batch and the edges only it supported, in one transaction; log it."""
    async with runtime.writing() as writing:
        done = await asyncio.to_thread(
            retract_batch, runtime.store, batch_id, steward=steward, comment=comment
        )
        writing.changed = True
    return {**done.to_json(), "visible": writing.visible}
