"""``/events``: events by type, actor and date range, each with its participants and evidence; one
event (or membership) in full, for a drill-down from an edge of an ego network."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from api.deps import SnapshotDep
from graph.errors import NotFound
from graph.lookups import event_detail, events

__all__ = ["router"]

router = APIRouter(prefix="/events", tags=["events"])


class ArticleOut(BaseModel):
    iri: str
    file: str | None
    title: str | None


class ParticipantOut(BaseModel):
    iri: str
    label: str
    roles: list[str] = Field(
        description="agent, target, addressee, host, onBehalfOf, participant; in a membership, "
        "member or organization. Most telling first."
    )


class EventOut(BaseModel):
    iri: str
    type: str = Field(description="The most specific event class (Accusation, Meeting…).")
    label: str | None
    date: str | None = Field(description="The day, when known to the day.")
    earliest: str | None = Field(description="Bounds, when the date is a month, a year or a range.")
    latest: str | None
    modality: str | None
    quote: str | None = Field(description="The verbatim text of the article.")
    article: ArticleOut | None
    participants: list[ParticipantOut]


class ArticleDetailOut(BaseModel):
    """The article an event was read from."""

    iri: str
    title: str | None
    file: str | None = Field(description="The text file under `seeds/articles/` (or the batch's).")
    publisher: str | None = Field(description="The publisher's IRI (an actor).")
    publisher_label: str | None
    published: str | None = Field(description="The day of publication, when stated.")
    published_earliest: str | None = Field(description="Bounds, when only those are known.")
    published_latest: str | None
    published_inferred: bool = Field(description="The date is inferred, not printed.")
    language: str | None
    url: str | None


class EvidenceOut(BaseModel):
    """Where the event's words are in its article (the Web Annotation's selectors)."""

    iri: str
    article: str | None = Field(description="The article the offsets count in.")
    exact: str | None = Field(description="The verbatim text.")
    prefix: str | None = Field(description="The text just before it.")
    suffix: str | None = Field(description="The text just after it.")
    start: int | None = Field(
        description="Offset of its first character in the article's text (Unicode characters "
        "from 0; `text[start:end] == exact`)."
    )
    end: int | None = Field(description="Offset just past its last character.")


class ReportOut(BaseModel):
    """One article's account of the event (an `ag:Report`): an event reported by several
    articles, or twice in one, is one event with several reports."""

    iri: str
    article: ArticleOut
    reported_via: str | None = Field(description="The outlet this account cites (TASS…).")
    reported_via_label: str | None
    code: str | None = Field(
        description="The CAMEO code this account gives (`cameo:043`), the event's or narrower; "
        "null: the event's."
    )
    date: str | None = Field(description="The day this account gives; null: see the bounds.")
    earliest: str | None = Field(description="Otherwise its bounds (null: the event's date).")
    latest: str | None
    quote: str = Field(description="This account's verbatim text.")
    evidence: str = Field(description="The IRI of its evidence (see `evidence`).")


class EventDetailOut(BaseModel):
    """One event or membership in full."""

    iri: str
    type: str = Field(
        description="The most specific class (Accusation, Meeting…), or Membership for a "
        "memberOf edge's evidence."
    )
    label: str | None
    date: str | None = Field(
        description="The day, when known to the day; for a membership, the day its article "
        "attests it."
    )
    earliest: str | None = Field(
        description="Otherwise the bounds: not before this day (null: no lower bound)."
    )
    latest: str | None = Field(description="Not after this day (null: no upper bound).")
    precision: str | None = Field(description="day, month, year or bounded, as annotated.")
    inferred: bool = Field(description="The date is read from context, not stated.")
    date_note: str | None = Field(description="How the date was inferred.")
    modality: str | None = Field(description="Negated, Hypothetical, Future, Historical, or null.")
    role: str | None = Field(description="A membership's role (special envoy…).")
    quote: str | None = Field(
        description="The verbatim text of the article (of one of them, when several report the "
        "event: `reports` lists each account)."
    )
    evidence: list[EvidenceOut] = Field(
        description="Where the words are in the articles: one per report."
    )
    article: ArticleDetailOut | None
    participants: list[ParticipantOut]
    reports: list[ReportOut] = Field(
        description="Each article's account of the event (none for a membership). Counts and "
        "edge weights count events, never reports."
    )


class EventList(BaseModel):
    total: int = Field(description="Events matching the filters, over all pages.")
    offset: int
    limit: int
    events: list[EventOut]


@router.get(
    "",
    response_model=EventList,
    summary="Events by type, actor and date",
    responses={
        400: {
            "description": "An unknown event type (the valid ones are listed), or `from` after "
            "`to`."
        },
        404: {"description": "Unknown actor; `suggestions` holds the closest names."},
    },
)
def list_events(
    snapshot: SnapshotDep,
    type: Annotated[
        str | None,
        Query(
            description="An event class (its subclasses count too): Accusation, Denial, Meeting, "
            "SpeechAct… An unknown one gets a 400 listing the valid types.",
            openapi_examples={
                "accusations": {"summary": "Accusations", "value": "Accusation"},
                "meetings": {"summary": "Meetings", "value": "Meeting"},
                "all": {"summary": "Every type", "value": ""},
            },
        ),
    ] = None,
    actor: Annotated[
        str | None,
        Query(
            description="An IRI, id, label or alias: only events the actor takes part in.",
            openapi_examples={
                "Taliban": {"summary": "The Taliban", "value": "Taliban"},
                "Russia": {"summary": "Russia", "value": "Russia"},
                "none": {"summary": "Any actor", "value": ""},
            },
        ),
    ] = None,
    date_from: Annotated[
        dt.date | None,
        Query(
            alias="from",
            description="YYYY-MM-DD.",
            openapi_examples={"2016": {"summary": "From 2016", "value": "2016-01-01"}},
        ),
    ] = None,
    date_to: Annotated[
        dt.date | None,
        Query(
            alias="to",
            description="YYYY-MM-DD.",
            openapi_examples={"2017": {"summary": "Until the end of 2017", "value": "2017-12-31"}},
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> EventList:
    """Events oldest first, each with its participants and roles, date, article and quote. A
    bounded date (a month, a year, a range) counts when it overlaps `from`–`to`."""
    actor_iri = snapshot.network.resolve(actor) if actor else None
    page = events(
        snapshot.store,
        type=type or None,
        actor=actor_iri,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        offset=offset,
    )
    return EventList.model_validate(
        {
            "total": page.total,
            "offset": page.offset,
            "limit": page.limit,
            "events": [asdict(e) for e in page.events],
        }
    )


_EVENT_EXAMPLES: dict[str, Any] = {
    "id": {"summary": "An event by its id", "value": "a003-taliban-assures-russia"},
    "curie": {"summary": "An event as a CURIE", "value": "event:a003-taliban-assures-russia"},
    "iri": {
        "summary": "An event by its IRI (as in an ego network's edge)",
        "value": "https://w3id.org/actorgraph/id/event/a003-taliban-assures-russia",
    },
    "membership": {
        "summary": "A membership (the evidence of a memberOf edge)",
        "value": "membership/sputnik-2018-03-29-us-accuses-russia-arming-taliban-1",
    },
}


_NOT_FOUND_EXAMPLE: dict[str, Any] = {
    "type": "https://w3id.org/actorgraph/problems/not-found",
    "title": "Not found",
    "status": 404,
    "detail": "no event or membership 'a003-taliban-asures-russia'",
    "suggestions": ["https://w3id.org/actorgraph/id/event/a003-taliban-assures-russia"],
}


@router.get(
    "/{event:path}",
    response_model=EventDetailOut,
    summary="One event or membership, with its evidence",
    responses={
        404: {
            "description": "No event or membership has this id; `suggestions` holds the closest "
            "ids of events behind edges.",
            "content": {"application/problem+json": {"example": _NOT_FOUND_EXAMPLE}},
        },
    },
)
def get_event(
    snapshot: SnapshotDep,
    event: Annotated[
        str,
        Path(
            description="An event or membership: its IRI (as listed in an ego network edge's "
            "`events`), a CURIE (`event:…`) or its id.",
            openapi_examples=_EVENT_EXAMPLES,
        ),
    ],
) -> EventDetailOut:
    """What happened, when (the day, or bounds, and whether the date is inferred), the modality,
    the verbatim quote with its character offsets in the article, the article (title, file,
    publisher, publication date) and every participant with its roles: the drill-down from an
    edge of an ego network, whose `events` are these IRIs."""
    try:
        detail = event_detail(snapshot.store, event)
    except NotFound as exc:
        raise NotFound(exc.message, suggestions=snapshot.network.suggest_event(event)) from None
    return EventDetailOut.model_validate(asdict(detail))
