"""``/events``: events by type, actor and date range, each with its participants and evidence."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import SnapshotDep
from graph.lookups import events

__all__ = ["router"]

router = APIRouter(prefix="/events", tags=["events"])


class ArticleOut(BaseModel):
    iri: str
    file: str | None
    title: str | None


class ParticipantOut(BaseModel):
    iri: str
    label: str
    roles: list[str] = Field(description="agent, target, addressee, host, onBehalfOf, participant.")


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
