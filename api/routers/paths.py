"""``/paths``: the shortest paths between two actors, each edge with the events that justify it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import SnapshotDep
from graph.lookups import event_records
from graph.networks import Actor, Tie

__all__ = ["router"]

router = APIRouter(prefix="/paths", tags=["paths"])


class ActorRef(BaseModel):
    iri: str
    id: str
    label: str
    kind: str


class ArticleOut(BaseModel):
    iri: str
    file: str | None
    title: str | None


class EvidenceOut(BaseModel):
    """An event behind an edge: what happened, when, and the words in the article."""

    iri: str
    type: str
    label: str | None
    date: str | None
    earliest: str | None
    latest: str | None
    modality: str | None
    quote: str | None
    article: ArticleOut | None


class EdgeOut(BaseModel):
    source: str
    target: str
    relation: str
    directed: bool
    weight: int = Field(description="All events behind the edge.")
    first: str | None
    last: str | None
    evidence: list[EvidenceOut] = Field(description="The most recent `max_evidence` of them.")


class HopOut(BaseModel):
    source: str
    target: str
    edges: list[EdgeOut]


class PathOut(BaseModel):
    actors: list[ActorRef]
    hops: list[HopOut]


class PathsOut(BaseModel):
    source: ActorRef = Field(alias="from")
    target: ActorRef = Field(alias="to")
    length: int | None = Field(description="Hops in each path; null when not connected.")
    paths: list[PathOut]


def _ref(a: Actor) -> dict[str, str]:
    return {"iri": a.iri, "id": a.id, "label": a.label, "kind": a.kind}


_NAMES = {
    "Russia": {"summary": "Russia", "value": "Russia"},
    "Taliban": {"summary": "The Taliban", "value": "Taliban"},
    "Trump": {"summary": "Donald Trump", "value": "Donald Trump"},
    "Kabul": {"summary": "Afghanistan, by an alias", "value": "Kabul"},
}


@router.get(
    "",
    response_model=PathsOut,
    response_model_by_alias=True,
    summary="Shortest paths between two actors",
    responses={
        400: {"description": "An unknown relation."},
        404: {"description": "An unknown actor; `suggestions` holds the closest names."},
    },
)
def shortest_paths(
    snapshot: SnapshotDep,
    source: Annotated[
        str,
        Query(alias="from", description="An IRI, id, label or alias.", openapi_examples=_NAMES),
    ],
    target: Annotated[
        str,
        Query(
            alias="to",
            description="An IRI, id, label or alias.",
            openapi_examples={
                "Taliban": _NAMES["Taliban"],
                "Trump": _NAMES["Trump"],
                "Russia": _NAMES["Russia"],
            },
        ),
    ],
    max_paths: Annotated[
        int, Query(ge=1, le=50, openapi_examples={"three": {"summary": "Three paths", "value": 3}})
    ] = 5,
    relations: Annotated[
        str | None, Query(description="Comma-separated relation names to walk; default all.")
    ] = None,
    max_evidence: Annotated[int, Query(ge=1, le=100, description="Events shown per edge.")] = 10,
) -> PathsOut:
    """The shortest paths over the undirected projection of the actor network; every edge on
    them comes with its events (type, date, quote, article)."""
    net = snapshot.network
    a, b = net.actor(net.resolve(source)), net.actor(net.resolve(target))
    paths = net.shortest_paths(
        a.iri, b.iri, max_paths=max_paths, relations=relations.split(",") if relations else None
    )
    wanted: dict[str, None] = {}
    for p in paths:
        for hop in p.hops:
            for tie in hop.ties:
                for e in tie.events[-max_evidence:]:
                    wanted[e.iri] = None
    records = {r.iri: r for r in event_records(snapshot.store, wanted)}

    def edge(tie: Tie) -> dict[str, Any]:
        shown = [records[e.iri] for e in reversed(tie.events[-max_evidence:]) if e.iri in records]
        first, last = tie.span
        return {
            "source": tie.source,
            "target": tie.target,
            "relation": tie.relation,
            "directed": tie.directed,
            "weight": len(tie.events),
            "first": first,
            "last": last,
            "evidence": [asdict(r) for r in shown],
        }

    return PathsOut.model_validate(
        {
            "from": _ref(a),
            "to": _ref(b),
            "length": len(paths[0].hops) if paths else None,
            "paths": [
                {
                    "actors": [_ref(x) for x in p.actors],
                    "hops": [
                        {
                            "source": h.source.iri,
                            "target": h.target.iri,
                            "edges": [edge(t) for t in h.ties],
                        }
                        for h in p.hops
                    ],
                }
                for p in paths
            ],
        }
    )
