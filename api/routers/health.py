"""``/healthz``: 200 when the store answers a trivial query, 503 problem+json otherwise."""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.deps import RuntimeDep, SnapshotDep
from api.errors import problem
from graph.query import canned

__all__ = ["router"]

router = APIRouter(prefix="/healthz", tags=["health"])
log = logging.getLogger("actorgraph")


class Health(BaseModel):
    status: Literal["ok"]
    triples: int = Field(description="Triples of the version of the graph readers see.")
    generation: int = Field(description="That version: one more after every write.")
    query_workers: int = Field(description="Live worker processes answering /sparql.")
    query_workers_in_memory: int = Field(
        description="Of those, how many answer from an in-memory copy of the graph (the others "
        "answer from disk, e.g. while the copy is being made after start-up or a write)."
    )
    job_workers: int = Field(
        description="Live sandbox processes for /validate, /batches and /extract."
    )


@router.get(
    "",
    response_model=Health,
    summary="Liveness: does the store answer?",
    responses={503: {"description": "The store does not answer (problem+json)."}},
)
def healthz(runtime: RuntimeDep, snapshot: SnapshotDep) -> Health | Response:
    """Checks that the store's directory is there and that the store answers a query that reads
    data; reports the number of triples (counted once per version of the graph)."""
    path = runtime.store.path
    if path is not None and not path.is_dir():
        return problem(
            503, "Store unavailable", "the store's directory is missing", "store-unavailable"
        )
    try:
        answered = runtime.store.query(canned("health")).boolean()
    except Exception as exc:  # any failure of the store means "unhealthy", not a 500
        log.warning("health check failed: %s", exc)
        return problem(
            503,
            "Store unavailable",
            f"the store does not answer ({type(exc).__name__}); see the server log",
            "store-unavailable",
        )
    if not answered:
        return problem(503, "Store unavailable", "the store holds no data", "store-unavailable")
    pool = runtime.pool
    return Health(
        status="ok",
        triples=snapshot.triples,
        generation=snapshot.generation,
        query_workers=len(pool.pids),
        query_workers_in_memory=pool.in_memory,
        job_workers=len(runtime.sandbox.pids),
    )
