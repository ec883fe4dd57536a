"""``/actors``: search, an actor's profile with its events, and ego networks for visualisers."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Any, Literal

import pydantic_core
from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from api.deps import SnapshotDep
from api.negotiation import CYTOSCAPE_NAMES, GEXF, GRAPHML, JSON, NODE_LINK, Formats
from graph.lookups import actor_profile
from graph.networks import (
    SHORT_LABEL_WIDTH,
    Dating,
    Direction,
    EgoNetwork,
    local_name,
    to_cytoscape,
    to_gexf,
    to_graphml,
    to_node_link,
)

__all__ = ["EGO_FORMATS", "choose_format", "router"]

router = APIRouter(prefix="/actors", tags=["actors"])

# ---------------------------------------------------------------------------- models


class ActorHit(BaseModel):
    """One search result."""

    iri: str
    id: str = Field(description="The local id, usable in every `{actor}` path.")
    label: str
    kind: str = Field(description="The most specific class: State, Person, ArmedGroup…")
    matched: str = Field(description="The name that matched the query.")
    match: str = Field(
        description="How: label, alias, prefix, substring, fuzzy (or any, without q)."
    )
    score: float
    events: int = Field(description="How many events the actor's edges carry.")


class ActorSearch(BaseModel):
    query: str
    results: list[ActorHit]


class ArticleOut(BaseModel):
    iri: str
    file: str | None
    title: str | None


class ActorEventOut(BaseModel):
    """An event the actor takes part in, with the evidence to check it."""

    iri: str
    type: str
    label: str | None
    role: str | None = Field(
        description="agent, target, addressee, host, onBehalfOf or participant."
    )
    roles: list[str]
    date: str | None
    earliest: str | None
    latest: str | None
    modality: str | None = Field(description="Negated, Hypothetical, Future, Historical, or null.")
    quote: str | None
    article: ArticleOut | None


class MembershipOut(BaseModel):
    iri: str
    member: str
    member_label: str | None
    organisation: str
    organisation_label: str | None
    role: str | None
    date: str | None
    quote: str | None
    article: ArticleOut | None


class ActorOut(BaseModel):
    iri: str
    id: str
    label: str
    kind: str
    aliases: list[str]
    demonyms: list[str]
    notation: str | None
    wikidata: str | None = Field(description="The Wikidata entity, when certain.")
    comment: str | None
    anonymous: bool
    memberships: list[MembershipOut]
    events: list[ActorEventOut]


class EgoNode(BaseModel):
    """A node of an ego network: an actor, with its place in the network."""

    id: str = Field(description="The actor's IRI.")
    iri: str
    label: str = Field(description="The whole label.")
    short_label: str = Field(
        description=f"A display label of at most {SHORT_LABEL_WIDTH} characters: the label before "
        "a parenthesis, ellipsised at a word boundary."
    )
    kind: str = Field(description="The most specific class: State, Person, ArmedGroup…")
    distance: int = Field(description="Steps from the center.")
    degree: int = Field(description="Edges at this node within the ego network.")
    weighted_degree: int = Field(description="Events on those edges.")
    neighbours: int
    degree_centrality: float = Field(
        description="Distinct neighbours / (nodes - 1), in the ego network."
    )
    betweenness: float = Field(
        description="Betweenness centrality in the ego network (normalised, over the undirected "
        "projection of its edges). Exact when `summary.betweenness_exact`; otherwise estimated "
        "from `summary.betweenness_sources` sources sampled with a fixed seed (networkx's `k`), "
        "so that a large network costs milliseconds: the same request gives the same values."
    )


class CytoscapeNodeData(EgoNode):
    value: str = Field(description="The IRI again: networkx's node key (`nx.cytoscape_graph`).")
    name: str = Field(description="The label again: what Cytoscape desktop shows.")


class EgoEdge(BaseModel):
    """An edge of an ego network: one relation from source to target, with the events behind it."""

    id: str
    source: str
    target: str
    key: str = Field(description="The relation again: networkx's edge key (a MultiDiGraph).")
    relation: str = Field(
        description="accused, denied, metWith, memberOf… (a symmetric one is undirected)."
    )
    directed: bool
    weight: int = Field(description="The number of events behind the edge (within the date range).")
    first: str | None = Field(
        description="The day of the first event, when every event is known to the day "
        "(`dating` = exact); otherwise null: see `earliest`."
    )
    last: str | None = Field(
        description="The day of the last event, when every event is known to the day; otherwise "
        "null: see `latest`."
    )
    earliest: str | None = Field(
        description="Bounds, whatever the dating: no event is before this day (null: some event "
        "has no lower bound, e.g. one known only as 'before …', or no date)."
    )
    latest: str | None = Field(
        description="No event is after this day (null: some event has no upper bound)."
    )
    dating: Dating = Field(
        description="How the dates are known: `exact` (every event to the day: `first`/`last` "
        "are days), `bounded` (some event only as a month, a year, a range or 'before …': "
        "`earliest`/`latest` are bounds, not days, at least one given), `undated` (no bound "
        "holds on either side: no event has a date, or one has only an upper and another only a "
        "lower bound)."
    )
    quad_class: Literal["1", "2", "3", "4", "mixed"] | None = Field(
        description="CAMEO quad class the edge's events share, from their codes (ag:quadClass): "
        "`1` verbal cooperation, `2` material cooperation, `3` verbal conflict, `4` material "
        "conflict; `mixed` when they differ (an `addressed` edge takes every speech act); null "
        "for memberships."
    )
    polarity: Literal["cooperative", "hostile", "mixed"] | None = Field(
        description="What to colour the edge by: `cooperative` (quad 1, 2) or `hostile` (3, 4) "
        "as its events' codes say, `mixed` when they differ, null for memberships."
    )
    events: list[str] = Field(
        description="The IRIs of those events: `GET /events/{iri}` gives each with its date, "
        "article, quote and participants."
    )


class CyNode(BaseModel):
    data: CytoscapeNodeData


class CyEdge(BaseModel):
    data: EgoEdge


class Elements(BaseModel):
    nodes: list[CyNode]
    edges: list[CyEdge]


class EgoFilters(BaseModel):
    relations: list[str] | None
    from_: str | None = Field(None, alias="from")
    to: str | None
    direction: str
    min_weight: int


class EgoSummary(BaseModel):
    center: str
    label: str
    radius: int
    nodes: int
    edges: int
    total: int = Field(description="Actors within the radius before the node budget.")
    omitted: int = Field(description="How many of them `max_nodes` left out.")
    max_nodes: int
    betweenness_exact: bool = Field(
        description="Whether every node's betweenness is exact (else a seeded estimate)."
    )
    betweenness_sources: int = Field(
        description="How many source nodes betweenness was computed from (all of them when exact)."
    )
    filters: EgoFilters


class NodeLinkGraph(BaseModel):
    """networkx node-link JSON (``format=node-link``), as ``nx.node_link_data`` writes it (edges
    under ``edges``, networkx's default): ``nx.node_link_graph(body)`` loads it;
    ``d3.forceLink(body.edges).id(n => n.id)`` draws it."""

    directed: bool
    multigraph: bool
    graph: EgoSummary
    nodes: list[EgoNode]
    edges: list[EgoEdge]


class CytoscapeGraph(BaseModel):
    """Cytoscape JSON as ``nx.cytoscape_data`` writes it: ``cy.add(body.elements)`` or
    ``cy.json(body)`` in Cytoscape.js, ``nx.cytoscape_graph(body)`` in networkx. The summary is
    both the graph's ``data`` and ``summary``."""

    data: EgoSummary
    directed: bool
    multigraph: bool
    elements: Elements
    summary: EgoSummary


# ---------------------------------------------------------------------------- formats

#: format name → media type, as asked for in Accept and as answered (application/json means
#: Cytoscape; node-link has a media type of its own).
EGO_FORMATS: dict[str, str] = {
    "cytoscape": JSON,
    "node-link": NODE_LINK,
    "graphml": GRAPHML,
    "gexf": GEXF,
}
#: The format follows Accept: a cache must key on it.
VARY = {"Vary": "Accept"}
EGO = Formats.of("an ego network", *EGO_FORMATS.values(), names=CYTOSCAPE_NAMES)
_BY_MEDIA_TYPE = {media: name for name, media in EGO_FORMATS.items()}


def choose_format(fmt: str | None, accept: str | None) -> str:
    """The ego network format: ``format=`` when it names one (``json`` is Cytoscape), else the best
    match of Accept (Cytoscape when anything goes); an unknown ``format=`` is ignored.

    Raises
    ------
    NotAcceptable
        406: neither ``format=`` nor Accept names one of the formats.
    """
    return _BY_MEDIA_TYPE[EGO.choose(accept, [fmt] if fmt else [])]


class FastJSONResponse(JSONResponse):
    """JSON written by pydantic-core's serializer (Rust): a hub's ego network is megabytes of
    JSON, which the standard library takes ~3.5× longer to write."""

    def render(self, content: Any) -> bytes:
        return pydantic_core.to_json(content)


def _render(ego: EgoNetwork, fmt: str) -> Response:
    name = f"ego-{local_name(ego.center)}-r{ego.radius}"
    if fmt == "graphml":
        return Response(
            to_graphml(ego),
            media_type=EGO_FORMATS[fmt],
            headers={"Content-Disposition": f'inline; filename="{name}.graphml"', **VARY},
        )
    if fmt == "gexf":
        return Response(
            to_gexf(ego),
            media_type=EGO_FORMATS[fmt],
            headers={"Content-Disposition": f'inline; filename="{name}.gexf"', **VARY},
        )
    body: dict[str, Any] = to_node_link(ego) if fmt == "node-link" else to_cytoscape(ego)
    return FastJSONResponse(body, media_type=EGO_FORMATS[fmt], headers=VARY)


# ---------------------------------------------------------------------------- examples

_ACTOR_EXAMPLES: dict[str, Any] = {
    "Taliban": {"summary": "The Taliban, by name", "value": "Taliban"},
    "Russia": {"summary": "Russia, by label", "value": "Russia"},
    "the Kremlin": {"summary": "Russia, by an alias", "value": "the Kremlin"},
    "id": {"summary": "A local id", "value": "zamir-kabulov"},
}
ActorParam = Annotated[
    str,
    Path(
        description="An IRI, a local id (`russia`), or any label or alias, case-insensitively.",
        openapi_examples=_ACTOR_EXAMPLES,
    ),
]
ACCEPT_DOC = (
    f"{JSON} (Cytoscape.js, the default), {NODE_LINK} (networkx node-link JSON), "
    f"{GRAPHML} or {GEXF}; `format=` wins over it when it names a format."
)


# ---------------------------------------------------------------------------- handlers


@router.get("", response_model=ActorSearch, summary="Search actors by label or alias")
def search_actors(
    snapshot: SnapshotDep,
    q: Annotated[
        str,
        Query(
            max_length=200,
            description="Part of a name. Exact labels rank first, then aliases, prefixes, "
            "substrings and close spellings. Empty: the actors with the most events.",
            openapi_examples={
                "afghan": {"summary": "Everything Afghan", "value": "afghan"},
                "kremlin": {"summary": "An alias", "value": "kremlin"},
                "typo": {"summary": "A misspelling", "value": "Talibn"},
            },
        ),
    ] = "",
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> ActorSearch:
    """Ranked search over the labels and aliases of every actor."""
    hits = snapshot.network.search(q, limit)
    return ActorSearch(
        query=q,
        results=[
            ActorHit(
                iri=h.actor.iri,
                id=h.actor.id,
                label=h.actor.label,
                kind=h.actor.kind,
                matched=h.matched,
                match=h.how,
                score=h.score,
                events=h.events,
            )
            for h in hits
        ],
    )


@router.get(
    "/{actor:path}/ego",
    response_model=CytoscapeGraph,
    summary="The ego network of an actor",
    responses={
        200: {
            "description": "Cytoscape.js JSON (default), node-link JSON, GraphML or GEXF.",
            "content": {
                NODE_LINK: {"schema": {"$ref": "#/components/schemas/NodeLinkGraph"}},
                "application/graphml+xml": {"schema": {"type": "string"}},
                "application/gexf+xml": {"schema": {"type": "string"}},
            },
        },
        400: {"description": "An unknown `format` or relation, or `from` after `to`."},
        404: {"description": "Unknown actor; `suggestions` holds the closest names."},
        406: {"description": "The Accept header allows none of the formats."},
    },
)
def ego_network(
    snapshot: SnapshotDep,
    actor: ActorParam,
    radius: Annotated[
        int,
        Query(
            ge=1,
            le=3,
            description="Steps from the actor.",
            openapi_examples={
                "one": {"summary": "Direct ties", "value": 1},
                "two": {"summary": "Ties of ties", "value": 2},
            },
        ),
    ] = 1,
    relations: Annotated[
        str | None,
        Query(
            description="Comma-separated relation names (accused, denied, metWith, memberOf or "
            "affiliation…); default all.",
            openapi_examples={
                "all": {"summary": "Every relation", "value": ""},
                "hostile": {
                    "summary": "Accusations and denials",
                    "value": "accused,denied,criticised",
                },
            },
        ),
    ] = None,
    date_from: Annotated[
        dt.date | None,
        Query(
            alias="from",
            description="Count only events from this day (YYYY-MM-DD).",
            openapi_examples={"2016": {"summary": "From 2016", "value": "2016-01-01"}},
        ),
    ] = None,
    date_to: Annotated[
        dt.date | None,
        Query(
            alias="to",
            description="Count only events up to this day (YYYY-MM-DD).",
            openapi_examples={"2017": {"summary": "Until the end of 2017", "value": "2017-12-31"}},
        ),
    ] = None,
    direction: Annotated[
        Direction, Query(description="Follow edges out of the actor, into it, or both.")
    ] = "both",
    min_weight: Annotated[int, Query(ge=1, description="Drop edges with fewer events.")] = 1,
    max_nodes: Annotated[
        int, Query(ge=1, le=5000, description="Node budget; the strongest ties are kept.")
    ] = 250,
    format: Annotated[
        str | None,
        Query(
            description=f"One of {', '.join(EGO_FORMATS)} (json: cytoscape); overrides Accept. "
            "Anything else is ignored: Accept decides, else cytoscape.",
            openapi_examples={
                "cytoscape": {"summary": "Cytoscape.js JSON", "value": "cytoscape"},
                "node-link": {"summary": "D3 / networkx node-link JSON", "value": "node-link"},
                "graphml": {"summary": "GraphML (Gephi, yEd)", "value": "graphml"},
                "gexf": {"summary": "GEXF (Gephi)", "value": "gexf"},
            },
        ),
    ] = None,
    accept: Annotated[str | None, Header(description=ACCEPT_DOC)] = None,
) -> Response:
    """The actors within `radius` steps and the edges among them, each edge with its weight (the
    number of events behind it), its dates (the first and last day when every event is known to
    the day, and always the bounds, with `dating` saying which) and the IRIs of its events
    (`GET /events/{iri}` for each). Nodes carry a `short_label` and their centralities, the same
    at every radius. A hub's neighbourhood is cut to `max_nodes` by tie strength;
    `summary.omitted` says how many actors were left out. Every format loads with networkx's own
    reader (`cytoscape_graph`, `node_link_graph`, `read_graphml`, `read_gexf`)."""
    fmt = choose_format(format, accept)
    ego = snapshot.network.ego(
        actor,
        radius,
        relations=relations.split(",") if relations else None,
        date_from=date_from,
        date_to=date_to,
        direction=direction,
        min_weight=min_weight,
        max_nodes=max_nodes,
    )
    return _render(ego, fmt)


@router.get(
    "/{actor:path}",
    response_model=ActorOut,
    summary="An actor, its memberships and every event it takes part in",
    responses={404: {"description": "Unknown actor; `suggestions` holds the closest names."}},
)
def get_actor(snapshot: SnapshotDep, actor: ActorParam) -> ActorOut:
    """Labels, aliases, kind, Wikidata link, memberships, and every event with its role, date,
    article and quote."""
    net = snapshot.network
    a = net.actor(net.resolve(actor))
    profile = actor_profile(snapshot.store, a.iri, label=a.label, kind=a.kind)
    return ActorOut.model_validate(
        {
            "iri": profile.iri,
            "id": a.id,
            "label": profile.label,
            "kind": profile.kind,
            "aliases": profile.aliases,
            "demonyms": profile.demonyms,
            "notation": profile.notation,
            "wikidata": profile.wikidata,
            "comment": profile.comment,
            "anonymous": profile.anonymous,
            "memberships": [asdict(m) for m in profile.memberships],
            "events": [asdict(e) for e in profile.events],
        }
    )
