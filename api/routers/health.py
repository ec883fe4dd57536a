"""``/healthz``: 200 when the store answers a trivial query, 503 problem+json otherwise."""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel

from api.deps import RuntimeDep
from api.errors import problem
from graph.query import canned

__all__ = ["router"]

router = APIRouter(prefix="/healthz", tags=["health"])
log = logging.getLogger("actorgraph")


class Health(BaseModel):
    status: Literal["ok"]
    triples: int


@router.get(
    "",
    response_model=Health,
    summary="Liveness: does the store answer?",
    responses={503: {"description": "The store does not answer (problem+json)."}},
)
def healthz(runtime: RuntimeDep) -> Health | Response:
    """Checks that the store's directory is there and that the store answers ``ASK {}``."""
    path = runtime.store.path
    if path is not None and not path.is_dir():
        return problem(503, "Store unavailable", "the store's directory is missing", "store-unavailable")
    try:
        answered = runtime.store.query(canned("health")).boolean()
        triples = len(runtime.store)
    except Exception as exc:  # any failure of the store means "unhealthy", not a 500
        log.warning("health check failed: %s", exc)
        return problem(
            503,
            "Store unavailable",
            f"the store does not answer: {type(exc).__name__}",
            "store-unavailable",
        )
    if not answered:
        return problem(
            503, "Store unavailable", "the store gave a wrong answer to ASK {}", "store-unavailable"
        )
    return Health(status="ok", triples=triples)
