"""Lookups with evidence: an actor's profile and events, events by type, actor and date.

What the visualiser asks when a user clicks a node or an edge: every answer carries the event's
date, its article (file and title) and the verbatim quote, so any edge can be checked against its
source. Each function is one or two canned queries (``graph/queries/*.rq``) with the user's values
bound, never pasted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rdflib import URIRef

from graph.errors import InvalidInput, NotFound
from graph.namespaces import AG, RDFS, SKOS, WD
from graph.networks import local_name
from graph.query import canned

if TYPE_CHECKING:
    from graph.store import Store

__all__ = [
    "ROLES",
    "ActorProfile",
    "ArticleRef",
    "EventPage",
    "EventRecord",
    "Membership",
    "Participant",
    "actor_events",
    "actor_profile",
    "event_records",
    "event_types",
    "events",
    "participants",
]

#: Roles an actor can have in an event, most telling first (an agent is also a participant).
ROLES = ("agent", "target", "addressee", "host", "onBehalfOf", "participant")


@dataclass(frozen=True, slots=True)
class ArticleRef:
    """The article an event was read from."""

    iri: str
    file: str | None
    title: str | None


@dataclass(frozen=True, slots=True)
class Participant:
    iri: str
    label: str
    roles: tuple[str, ...]


@dataclass(slots=True)
class EventRecord:
    """An event with its evidence; ``role``/``roles`` are filled for an actor's own events."""

    iri: str
    type: str
    label: str | None
    date: str | None
    earliest: str | None
    latest: str | None
    modality: str | None
    quote: str | None
    article: ArticleRef | None
    role: str | None = None
    roles: tuple[str, ...] = ()
    participants: list[Participant] = field(default_factory=list)

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.date or self.earliest or self.latest or "9999", self.iri)

    def overlaps(self, start: str | None, end: str | None) -> bool:
        """Whether the event may fall in ``[start, end]``; undated events only in the open range."""
        if start is None and end is None:
            return True
        lo, hi = self.date or self.earliest, self.date or self.latest
        if lo is None and hi is None:
            return False
        return (start is None or hi is None or hi >= start) and (
            end is None or lo is None or lo <= end
        )


@dataclass(frozen=True, slots=True)
class Membership:
    iri: str
    member: str
    member_label: str | None
    organisation: str
    organisation_label: str | None
    role: str | None
    date: str | None
    quote: str | None
    article: ArticleRef | None


@dataclass(slots=True)
class ActorProfile:
    """What the registry says of an actor, its memberships and every event it takes part in."""

    iri: str
    label: str
    kind: str
    aliases: list[str]
    demonyms: list[str]
    notation: str | None
    wikidata: str | None
    comment: str | None
    anonymous: bool
    memberships: list[Membership]
    events: list[EventRecord]


@dataclass(frozen=True, slots=True)
class EventPage:
    """One page of a filtered event list, and how many events match in all."""

    total: int
    offset: int
    limit: int
    events: list[EventRecord]


# ---------------------------------------------------------------------------- helpers


def _article(iri: str | None, title: str | None, file: str | None) -> ArticleRef | None:
    return None if iri is None else ArticleRef(iri, file, title)


def _record(row: Sequence[str | None]) -> EventRecord:
    """``event class label date earliest latest modality quote article title file`` → record."""
    event, cls, label, date, earliest, latest, modality, quote, article, title, file = row
    assert event is not None and cls is not None
    return EventRecord(
        iri=event,
        type=local_name(cls),
        label=label,
        date=date,
        earliest=earliest,
        latest=latest,
        modality=local_name(modality) if modality else None,
        quote=quote,
        article=_article(article, title, file),
    )


def _iso(value: dt.date | str | None, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise InvalidInput(f"`{name}` must be a date as YYYY-MM-DD, not {value!r}") from None


# ---------------------------------------------------------------------------- event types


def event_types(store: Store) -> tuple[str, ...]:
    """The local names of ``ag:PoliticalEvent`` and its subclasses in the store's ontology.

    Raises
    ------
    StoreUnavailable
        The store cannot be read.
    """
    rows = store.query(canned("event_types")).values()
    return tuple(sorted(local_name(c) for (c,) in rows if c is not None))


def _type_iri(store: Store, type_: str | None) -> URIRef:
    if type_ is None or not type_.strip():
        return AG.PoliticalEvent
    valid = event_types(store)
    name = type_.strip()
    match = next((v for v in valid if v.lower() == name.lower()), None)
    if match is None:
        raise InvalidInput(f"unknown event type {type_!r}; valid types: {', '.join(valid)}")
    return URIRef(str(AG._NS) + match)


# ---------------------------------------------------------------------------- events


def event_records(store: Store, iris: Iterable[str]) -> list[EventRecord]:
    """The evidence of some events (or memberships): class, date, quote and article.

    Unknown IRIs are skipped. One query per event: meant for a handful (a path's edges).

    Parameters
    ----------
    store : Store
    iris : iterable of str
        Event or membership IRIs.

    Returns
    -------
    list of EventRecord
        In the order given.
    """
    out: list[EventRecord] = []
    for iri in iris:
        rows = list(store.query(canned("event"), bindings={"event": URIRef(iri)}).values())
        if rows:
            out.append(_record(min(rows, key=lambda r: r[1] or "")))
    return out


def participants(store: Store, event: str) -> list[Participant]:
    """The actors of one event with their roles (most telling first) and labels."""
    roles: dict[str, set[str]] = {}
    labels: dict[str, str] = {}
    for _e, role, actor, label in store.query(
        canned("event_participants"), bindings={"event": URIRef(event)}
    ).values():
        assert role is not None and actor is not None
        roles.setdefault(actor, set()).add(local_name(role))
        if label:
            labels[actor] = label
    return sorted(
        (
            Participant(a, labels.get(a, local_name(a)), tuple(r for r in ROLES if r in rs))
            for a, rs in roles.items()
        ),
        key=lambda p: (ROLES.index(p.roles[0]) if p.roles else len(ROLES), p.label),
    )


def events(
    store: Store,
    *,
    type: str | None = None,
    actor: str | None = None,
    date_from: dt.date | str | None = None,
    date_to: dt.date | str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> EventPage:
    """Events, oldest first, filtered by class, actor and date range, one page at a time.

    Parameters
    ----------
    store : Store
    type : str, optional
        An event class local name (``Accusation``); its subclasses count too.
    actor : str, optional
        An actor IRI (resolve names with :meth:`graph.networks.ActorNetwork.resolve`).
    date_from, date_to : date or ISO string, optional
        Keep events that may fall in this range (a bounded date counts if it overlaps).
    limit, offset : int
        The page.

    Returns
    -------
    EventPage
        With each event's participants.

    Raises
    ------
    InvalidInput
        An unknown type (the message lists the valid ones), a malformed date or a bad page.
    """
    if limit < 1 or offset < 0:
        raise InvalidInput("limit must be at least 1 and offset at least 0")
    start, end = _iso(date_from, "from"), _iso(date_to, "to")
    if start is not None and end is not None and start > end:
        raise InvalidInput(f"`from` ({start}) is after `to` ({end})")
    type_iri = _type_iri(store, type)
    if actor is None:
        rows = store.query(canned("events"), bindings={"type": type_iri}).values()
        records = {r[1]: _record(r[1:]) for r in rows if r[1] is not None}
    else:
        rows = store.query(
            canned("events_by_actor"), bindings={"type": type_iri, "actor": URIRef(actor)}
        ).values()
        records = {r[3]: _record(r[3:]) for r in rows if r[3] is not None}
    chosen = sorted(
        (r for r in records.values() if r.overlaps(start, end)), key=lambda r: r.sort_key
    )
    page = chosen[offset : offset + limit]
    for record in page:
        record.participants = participants(store, record.iri)
    return EventPage(len(chosen), offset, limit, page)


def actor_events(store: Store, actor: str) -> list[EventRecord]:
    """Every event an actor takes part in, oldest first, with its role(s) and evidence.

    ``role`` is the most telling of ``roles`` (agent, target, addressee, host, onBehalfOf,
    participant).
    """
    by_event: dict[str, EventRecord] = {}
    roles: dict[str, set[str]] = {}
    for row in store.query(
        canned("events_by_actor"), bindings={"actor": URIRef(actor), "type": AG.PoliticalEvent}
    ).values():
        event, role = row[3], row[2]
        assert event is not None and role is not None
        if event not in by_event:
            by_event[event] = _record(row[3:])
        roles.setdefault(event, set()).add(local_name(role))
    for event, record in by_event.items():
        record.roles = tuple(r for r in ROLES if r in roles[event])
        record.role = record.roles[0] if record.roles else None
    return sorted(by_event.values(), key=lambda r: r.sort_key)


def actor_profile(store: Store, actor: str, *, label: str, kind: str) -> ActorProfile:
    """An actor's names, codes, Wikidata link, memberships and events.

    Parameters
    ----------
    store : Store
    actor : str
        The actor's IRI (see :meth:`graph.networks.ActorNetwork.resolve`).
    label, kind : str
        As the network index has them.

    Returns
    -------
    ActorProfile

    Raises
    ------
    NotFound
        The store says nothing of this IRI.
    """
    values: dict[str, list[str]] = {}
    for _a, p, o in store.query(
        canned("actor_profile"), bindings={"actor": URIRef(actor)}
    ).values():
        assert p is not None and o is not None
        values.setdefault(p, []).append(o)
    if not values:
        raise NotFound(f"no actor <{actor}> in the store")

    def first(term: URIRef) -> str | None:
        got = values.get(str(term))
        return sorted(got)[0] if got else None

    wikidata = first(SKOS.exactMatch)
    memberships = []
    for row in store.query(canned("actor_memberships"), bindings={"actor": URIRef(actor)}).values():
        _a, ms, member, member_label, org, org_label, role, date, quote, article, title, file = row
        assert ms is not None and member is not None and org is not None
        memberships.append(
            Membership(
                ms,
                member,
                member_label,
                org,
                org_label,
                role,
                date,
                quote,
                _article(article, title, file),
            )
        )
    memberships.sort(key=lambda m: (m.date or "9999", m.iri))
    return ActorProfile(
        iri=actor,
        label=label,
        kind=kind,
        aliases=sorted(set(values.get(str(SKOS.altLabel), [])) - {label}),
        demonyms=sorted(values.get(str(AG.demonym), [])),
        notation=first(SKOS.notation),
        wikidata=wikidata if wikidata and wikidata.startswith(str(WD)) else None,
        comment=first(RDFS.comment),
        anonymous=values.get(str(AG.isAnonymous)) == ["true"],
        memberships=memberships,
        events=actor_events(store, actor),
    )
