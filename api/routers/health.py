"""``/healthz``: 200 when the store answers a trivial query, 503 problem+json otherwise."""

from __future__ import annotations

import logging
import weakref
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.deps import RuntimeDep
from api.errors import problem
from graph.networks import ActorNetwork
from graph.query import canned

__all__ = ["router"]

router = APIRouter(prefix="/healthz", tags=["health"])
log = logging.getLogger("actorgraph")

#: The triple count per published version of the graph. Counting is a full scan (~0.3 s at a
#: million triples), too slow for a probe polled every few seconds; the Runtime publishes a new
#: ActorNetwork after every write, so keying on it re-counts exactly when the graph changed.
_TRIPLES: weakref.WeakKeyDictionary[ActorNetwork, int] = weakref.WeakKeyDictionary()


class Health(BaseModel):
    status: Literal["ok"]
    triples: int
    query_workers: int = Field(description="Live worker processes answering /sparql.")
    query_workers_in_memory: int = Field(
        description="Of those, how many answer from an in-memory copy of the graph (the others "
        "answer from disk, e.g. while the copy is being made after start-up or a write)."
    )


@router.get(
    "",
    response_model=Health,
    summary="Liveness: does the store answer?",
    responses={503: {"description": "The store does not answer (problem+json)."}},
)
def healthz(runtime: RuntimeDep) -> Health | Response:
    """Checks that the store's directory is there and that the store answers a query that reads
    data; reports the number of triples (counted once per version of the graph)."""
    path = runtime.store.path
    if path is not None and not path.is_dir():
        return problem(
            503, "Store unavailable", "the store's directory is missing", "store-unavailable"
        )
    try:
        answered = runtime.store.query(canned("health")).boolean()
        network = runtime.network
        triples = _TRIPLES.get(network)
        if triples is None:
            triples = _TRIPLES[network] = len(runtime.store)
    except Exception as exc:  # any failure of the store means "unhealthy", not a 500
        log.warning("health check failed: %s", exc)
        return problem(
            503,
            "Store unavailable",
            f"the store does not answer: {type(exc).__name__}",
            "store-unavailable",
        )
    if not answered:
        return problem(503, "Store unavailable", "the store holds no data", "store-unavailable")
    pool = runtime.pool
    return Health(
        status="ok",
        triples=triples,
        query_workers=len(pool.pids),
        query_workers_in_memory=pool.in_memory,
    )
