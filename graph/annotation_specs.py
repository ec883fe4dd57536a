"""The seed annotation format (``seeds/actors.yaml``, ``seeds/annotations/*.yaml``) as typed records.

Why a module of its own: the records are the format's schema — what a data steward may write and
how each value is checked (pydantic) — while :mod:`graph.annotations` reads the files with their
line numbers and checks what one record cannot see alone (references between files, dates of an
event's reports). The format is documented in ``seeds/README.md``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

__all__ = [
    "ACTOR_KINDS",
    "DATE_BASES",
    "EVENT_TYPES",
    "MODALITIES",
    "ActorKind",
    "ActorSpec",
    "AnnotationFile",
    "ArticleSpec",
    "ClaimSpec",
    "DateSpan",
    "EventSpec",
    "EventType",
    "MembershipSpec",
    "PlaceSpec",
    "RegistryFile",
    "ReportSpec",
    "parse_date",
]

#: The kinds of actor (classes under ag:Actor), declared once.
ActorKind = Literal[
    "State",
    "IntergovernmentalOrganisation",
    "ArmedGroup",
    "ArmedForce",
    "GovernmentBody",
    "NewsOrganisation",
    "NonGovernmentalOrganisation",
    "Person",
    "Group",
]
ACTOR_KINDS: tuple[str, ...] = get_args(ActorKind)
#: The event types (classes under ag:PoliticalEvent), declared once.
EventType = Literal[
    "Meeting",
    "Conference",
    "PhoneCall",
    "Statement",
    "Accusation",
    "Criticism",
    "Denial",
    "CooperationOffer",
    "Invitation",
    "Rejection",
    "Request",
    "Demand",
    "Support",
    "Cooperation",
    "AidProvision",
    "Concession",
    "Investigation",
    "Sanction",
    "Threat",
    "Mobilisation",
    "Coercion",
    "ArmedAction",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
MODALITIES = ("negated", "hypothetical", "future", "historical")
#: What a date rests on (ag:DateBasis), from the most direct to the least; see seeds/README.md.
DateBasisName = Literal["stated", "relative", "context", "publication", "external"]
DATE_BASES: tuple[str, ...] = get_args(DateBasisName)

_ID = r"^[a-z0-9][a-z0-9-]*$"


# ---------------------------------------------------------------------------- records


def _as_list(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return value


IdList = Annotated[list[Annotated[str, Field(pattern=_ID)]], BeforeValidator(_as_list)]
Id = Annotated[str, Field(pattern=_ID)]


@dataclass(frozen=True)
class DateSpan:
    """A date as precise as the text allows: a day, a month, a year, or bounds."""

    earliest: dt.date | None
    latest: dt.date | None
    precision: Literal["day", "month", "year", "bounded"]

    @property
    def day(self) -> dt.date | None:
        return self.earliest if self.precision == "day" else None


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_date(value: Any) -> DateSpan:
    """``2016-12-29`` (a day), ``2016-12`` (a month) or ``2016`` (a year)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return DateSpan(value, value, "day")
    text = str(value).strip()
    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        return DateSpan(dt.date(year, 1, 1), dt.date(year, 12, 31), "year")
    if m := _MONTH.fullmatch(text):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"month {month} does not exist")
        nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
        return DateSpan(dt.date(year, month, 1), nxt - dt.timedelta(days=1), "month")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date: write YYYY-MM-DD, YYYY-MM or YYYY (or use date_earliest/date_latest)"
        ) from None
    return DateSpan(day, day, "day")


def _to_date(value: Any) -> Any:
    if value is None or isinstance(value, dt.date):
        return value
    return parse_date(value).earliest


Day = Annotated[dt.date, BeforeValidator(_to_date)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    line: int = 0
    source: str = ""


class ActorSpec(_Spec):
    id: Id
    kind: ActorKind
    label: str = Field(min_length=1)
    aliases: Annotated[list[str], BeforeValidator(_as_list)] = []
    demonyms: Annotated[list[str], BeforeValidator(_as_list)] = []
    wikidata: Annotated[str, Field(pattern=r"^Q[1-9][0-9]*$")] | None = None
    notation: str | None = None
    anonymous: bool = False
    note: str | None = None


class PlaceSpec(_Spec):
    id: Id
    label: str = Field(min_length=1)
    country: Id | None = None
    wikidata: Annotated[str, Field(pattern=r"^Q[1-9][0-9]*$")] | None = None
    note: str | None = None


class ArticleSpec(_Spec):
    file: str
    id: Id
    title: str
    publisher: Id | None = None
    published: Day | None = None
    published_earliest: Day | None = None
    published_latest: Day | None = None
    published_inferred: bool = False
    date_note: str | None = None
    language: str = "en"
    url: str | None = None
    cites: IdList = []

    @property
    def date_latest(self) -> dt.date | None:
        return self.published or self.published_latest


class MembershipSpec(_Spec):
    member: Id
    organisation: Id
    role: str = Field(min_length=1)
    quote: str = Field(min_length=1)
    occurrence: int | None = Field(default=None, ge=1)
    since: Any = Field(default=None, alias="from")
    until: Any = None
    date_basis: DateBasisName | None = None
    date_note: str | None = None
    note: str | None = None

    @field_validator("since", "until", mode="before")
    @classmethod
    def _check_date(cls, value: Any) -> Any:
        if value is not None:
            parse_date(value)
        return value

    @property
    def begins(self) -> dt.date | None:
        """The first day of the membership (``from``), if the article gives it."""
        return parse_date(self.since).earliest if self.since is not None else None

    @property
    def ends(self) -> dt.date | None:
        """The last day of the membership (``until``), if the article gives it."""
        return parse_date(self.until).latest if self.until is not None else None


class ClaimSpec(_Spec):
    id: Id
    text: str = Field(min_length=1)
    about: IdList = []
    condition: str | None = Field(default=None, min_length=1)
    note: str | None = None


Cameo = Annotated[str, Field(pattern=r"^[0-9]{2,4}$")]


class _Account(_Spec):
    """What one article's account of an event gives: its words, its outlet, and the code and date
    as it gives them. An event's own fields are its first account; a report is a further one."""

    quote: str = Field(min_length=1)
    occurrence: int | None = Field(default=None, ge=1)
    reported_via: Id | None = None
    cameo: Cameo | None = None
    date: Any = None
    date_earliest: Day | None = None
    date_latest: Day | None = None
    date_inferred: bool = False
    date_basis: DateBasisName | None = None
    date_note: str | None = None
    confidence: float | None = Field(default=None, ge=0, le=1)
    note: str | None = None

    @field_validator("date", mode="before")
    @classmethod
    def _check_date(cls, value: Any) -> Any:
        if value is not None:
            parse_date(value)
        return value

    @property
    def inferred(self) -> bool:
        """Whether the date was worked out rather than printed: from ``date_basis`` if given."""
        return self.date_basis != "stated" if self.date_basis else self.date_inferred

    @property
    def span(self) -> DateSpan:
        """The date: the ``date`` field, or else the explicit bounds."""
        if self.date is not None:
            return parse_date(self.date)
        return DateSpan(self.date_earliest, self.date_latest, "bounded")


class EventSpec(_Account):
    id: Id
    type: EventType
    agent: Id
    on_behalf_of: Id | None = None
    targets: IdList = []
    participants: IdList = []
    addressee: IdList = []
    host: Id | None = None
    mediators: IdList = []
    target_unnamed: bool = False
    place: Id | None = None
    claims: IdList = []
    denies_claim: IdList = []
    responds_to: IdList = []
    characterisation: str | None = None
    modality: Literal["negated", "hypothetical", "future", "historical"] | None = None
    # the code as this first account gives it, when further reports make the event's broader
    report_cameo: Cameo | None = None

    def actor_refs(self) -> Iterable[tuple[str, str]]:
        """Every (field, actor id) this event refers to."""
        yield "agent", self.agent
        for name in ("on_behalf_of", "host", "reported_via"):
            if (value := getattr(self, name)) is not None:
                yield name, value
        for name in ("targets", "participants", "addressee", "mediators"):
            for value in getattr(self, name):
                yield name, value


class ReportSpec(_Account):
    """A further account of an event recorded elsewhere (in this file or another): GDELT's
    mention row. The event's own fields are its first report; each ``reports:`` entry adds one."""

    id: Id
    event: Id


class AnnotationFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    article: ArticleSpec
    actors: list[ActorSpec] = []
    memberships: list[MembershipSpec] = []
    claims: list[ClaimSpec] = []
    events: list[EventSpec] = []
    reports: list[ReportSpec] = []


class RegistryFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    actors: list[ActorSpec] = []
    places: list[PlaceSpec] = []
