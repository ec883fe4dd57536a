"""``/stats``: what the graph holds, counted."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import SnapshotDep
from graph.query import stats

__all__ = ["router"]

router = APIRouter(prefix="/stats", tags=["stats"])


class Count(BaseModel):
    name: str
    count: int


class StatsOut(BaseModel):
    triples: int
    classes: list[Count] = Field(
        description="Instances per ontology class (ag:Person, ag:Accusation…)."
    )
    edges: list[Count] = Field(description="Derived actor-to-actor edges per property.")
    graphs: list[Count] = Field(description="Triples per named graph.")
    actors: int = Field(description="Actors in the network index.")
    ties: int = Field(description="Edges in the network index (a symmetric relation once).")


@router.get("", response_model=StatsOut, summary="Counts by class, edge property and graph")
def get_stats(snapshot: SnapshotDep) -> StatsOut:
    """Instances per class, derived edges per property, triples per named graph."""
    s = stats(snapshot.store)
    return StatsOut(
        triples=s.triples,
        classes=[Count(name=n, count=c) for n, c in s.classes],
        edges=[Count(name=n, count=c) for n, c in s.edges],
        graphs=[Count(name=n, count=c) for n, c in s.graphs],
        actors=len(snapshot.network),
        ties=len(snapshot.network.ties),
    )
