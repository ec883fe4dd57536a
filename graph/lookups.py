"""Lookups with evidence: an actor's profile and events, events by type, actor and date, and one
event (or membership) in full.

What the visualiser asks when a user clicks a node or an edge: every answer carries the event's
date, its article (file and title) and the verbatim quote, so any edge can be checked against its
source; :func:`event_detail` adds where in the article the quote is (character offsets), the
article's publisher and date, and every participant's role. Each function is one or a few canned
queries (``graph/queries/*.rq``) with the user's values bound, never pasted. The default graph
is the union of the named graphs, where a statement that several graphs hold matches once per
graph: the queries of :func:`event_detail` are small, DISTINCT, and join nothing optional.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rdflib import URIRef

from graph.errors import InvalidInput, NotFound
from graph.namespaces import AG, ID, OA, ORG, PROV, RDF, RDFS, SCHEMA, SEM, SKOS, WD
from graph.networks import expand, local_name
from graph.query import canned, compact

if TYPE_CHECKING:
    from graph.store import Store

__all__ = [
    "ROLES",
    "ActorProfile",
    "ArticleDetail",
    "ArticleRef",
    "EventDetail",
    "EventPage",
    "EventRecord",
    "Evidence",
    "Membership",
    "Participant",
    "actor_events",
    "actor_profile",
    "article_detail",
    "article_text",
    "event_detail",
    "event_iris",
    "event_records",
    "event_types",
    "events",
    "participants",
]

#: Roles an actor can have in an event, most telling first (an agent is also a participant), then
#: in a membership.
ROLES = (
    "agent",
    "target",
    "addressee",
    "host",
    "onBehalfOf",
    "participant",
    "member",
    "organization",
)


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
class ArticleDetail:
    """An article as :func:`event_detail` shows it: title, file, publisher, date or bounds."""

    iri: str
    title: str | None
    file: str | None
    publisher: str | None
    publisher_label: str | None
    published: str | None
    published_earliest: str | None
    published_latest: str | None
    published_inferred: bool
    language: str | None
    url: str | None


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where an event's words are: the verbatim text (``exact``) in ``article`` from character
    ``start`` to ``end`` (Python string offsets in the article's text file, end excluded), with
    some text before and after (``prefix``, ``suffix``); from the evidence's Web Annotation
    selectors (``oa:TextQuoteSelector``, ``oa:TextPositionSelector``)."""

    iri: str
    article: str | None
    exact: str | None
    prefix: str | None
    suffix: str | None
    start: int | None
    end: int | None


@dataclass(frozen=True, slots=True)
class ReportRecord:
    """One article's account of an event: its article, the outlet it cites, the code and the date
    as it gives them (None: the event's), its words and where they are (``evidence``)."""

    iri: str
    article: ArticleRef
    reported_via: str | None
    reported_via_label: str | None
    code: str | None
    date: str | None
    earliest: str | None
    latest: str | None
    quote: str
    evidence: str


@dataclass(slots=True)
class EventDetail:
    """An event or a membership in full, for a drill-down from an edge of an ego network.

    ``date`` is the day when known to the day (for a membership, the day its article attests
    it); otherwise ``earliest``/``latest`` bound it (either may be None: "before …", "after …"),
    with ``precision`` (day, month, year, bounded) as annotated. ``inferred``: the date is read
    from context, not stated (``date_note`` says how). ``role``: a membership's role.
    """

    iri: str
    type: str
    label: str | None
    date: str | None
    earliest: str | None
    latest: str | None
    precision: str | None
    inferred: bool
    date_note: str | None
    modality: str | None
    role: str | None
    quote: str | None
    evidence: list[Evidence]
    article: ArticleDetail | None
    participants: list[Participant]
    reports: list[ReportRecord] = field(default_factory=list)


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


def event_iris(text: str) -> list[str]:
    """The IRIs an event id may stand for, to try in turn: a full IRI as it is; a CURIE
    (``event:…``, ``id:membership/…``) expanded; a path under ``id:`` (``membership/…``); a local
    id as an event, then as a membership.

    >>> [local_name(i) for i in event_iris("a003-taliban-assures-russia")]
    ['a003-taliban-assures-russia', 'a003-taliban-assures-russia']
    >>> event_iris("event:e1"), event_iris("membership/a003-1")
    (['https://w3id.org/actorgraph/id/event/e1'], ['https://w3id.org/actorgraph/id/membership/a003-1'])
    """
    text = text.strip()
    if not text:
        return []
    if text.startswith(("http://", "https://", "urn:")):
        return [text]
    expanded = expand(text)
    if expanded is not None:
        return [expanded]
    if text.startswith(("event/", "membership/")):
        return [str(ID) + text]
    return [str(ID) + "event/" + text, str(ID) + "membership/" + text]


_NOT_IN_IRIS = frozenset('<>"{}|\\^`')


def _plausible_iri(text: str) -> bool:
    """Whether ``text`` is free of what no IRI holds (RFC 3987): whitespace, control characters,
    and any of ``< > " { } | \\ ^`` and the backtick."""
    return not any(c in _NOT_IN_IRIS or c.isspace() or ord(c) < 0x20 for c in text)


def _statements(store: Store, query: str, name: str, iri: str) -> dict[str, list[str]]:
    """predicate IRI → the objects (as text, sorted) of one canned query's ``?p ?o`` rows."""
    out: dict[str, list[str]] = {}
    for row in store.query(canned(query), bindings={name: URIRef(iri)}).rows():
        out.setdefault(str(row["p"]), []).append(str(row["o"]))
    for values in out.values():
        values.sort()
    return out


def _article_detail(store: Store, iri: str) -> ArticleDetail:
    said = _statements(store, "article", "article", iri)

    def one(term: URIRef) -> str | None:
        got = said.get(str(term))
        return got[0] if got else None

    return ArticleDetail(
        iri=iri,
        title=one(SCHEMA.headline),
        file=one(AG.sourceFile),
        publisher=one(SCHEMA.publisher),
        publisher_label=one(SKOS.prefLabel),
        published=one(SCHEMA.datePublished),
        published_earliest=one(AG.publishedNotBefore),
        published_latest=one(AG.publishedNotAfter),
        published_inferred=one(AG.dateInferred) == "true",
        language=one(SCHEMA.inLanguage),
        url=one(SCHEMA.url),
    )


def article_detail(store: Store, article: str) -> ArticleDetail:
    """One article by its IRI, CURIE (``article:…``) or local id, as :func:`event_detail` shows it:
    the explorer page opens an article's text (``ArticleDetail.file``) at a quote's offsets.

    Raises
    ------
    NotFound
        The store states neither a headline nor a text file of this article.
    """
    text = article.strip()
    if text.startswith(("http://", "https://")):
        iri = text
    else:
        iri = (expand(text) if ":" in text else None) or str(ID) + "article/" + text
    if _plausible_iri(iri):
        try:
            detail = _article_detail(store, iri)
        except InvalidInput:  # not an IRI the engine takes (a C1 control character…): none has it
            raise NotFound(f"no article {article!r}") from None
        if detail.title is not None or detail.file is not None:
            return detail
    raise NotFound(f"no article {article!r}")


def article_text(store: Store, article: ArticleDetail) -> str | None:
    """The full text the store holds for ``article`` (``schema:articleBody``): every quote of its
    evidence is found in it at its offsets. None for an article stored without one (a store
    built before articles carried their text)."""
    for _s, _p, body, _g in store.match(URIRef(article.iri), SCHEMA.articleBody, None):
        return str(body)
    return None


def _evidence(store: Store, event: str) -> list[Evidence]:
    nodes: dict[str, dict[str, dict[str, list[str]]]] = {}  # evidence → node → p → objects
    for row in store.query(canned("event_evidence"), bindings={"event": URIRef(event)}).rows():
        node = nodes.setdefault(str(row["evidence"]), {}).setdefault(str(row["node"]), {})
        node.setdefault(str(row["p"]), []).append(str(row["o"]))
    out: list[Evidence] = []
    for iri, parts in sorted(nodes.items()):
        article: str | None = None
        quote: dict[str, list[str]] = {}
        position: dict[str, list[str]] = {}
        for said in parts.values():
            types = said.get(str(RDF.type), [])
            if str(OA.hasSource) in said:
                article = min(said[str(OA.hasSource)])
            if str(OA.TextQuoteSelector) in types:
                quote = said
            if str(OA.TextPositionSelector) in types:
                position = said

        def first(said: dict[str, list[str]], term: URIRef) -> str | None:
            got = said.get(str(term))
            return min(got) if got else None

        start, end = first(position, OA.start), first(position, OA.end)
        out.append(
            Evidence(
                iri=iri,
                article=article,
                exact=first(quote, OA.exact),
                prefix=first(quote, OA.prefix),
                suffix=first(quote, OA.suffix),
                start=int(start) if start is not None else None,
                end=int(end) if end is not None else None,
            )
        )
    return out


def _reports(store: Store, event: str) -> list[ReportRecord]:
    """The event's reports, one per account (``event_reports.rq``)."""
    out: dict[str, ReportRecord] = {}
    for r in store.query(canned("event_reports"), bindings={"event": URIRef(event)}).rows():
        iri = str(r["report"])
        if iri in out:  # an account has one of each; a second value would be a shape violation
            continue
        day = r.get("day")
        out[iri] = ReportRecord(
            iri=iri,
            article=ArticleRef(str(r["article"]), _opt(r.get("file")), _opt(r.get("title"))),
            reported_via=_opt(r.get("via")),
            reported_via_label=_opt(r.get("viaLabel")),
            code=compact(URIRef(str(r["code"]))) if r.get("code") is not None else None,
            date=_opt(day),
            earliest=None if day is not None else _opt(r.get("from")),
            latest=None if day is not None else _opt(r.get("to")),
            quote=str(r["quote"]),
            evidence=str(r["evidence"]),
        )
    return list(out.values())


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def event_detail(store: Store, event: str) -> EventDetail:
    """One event or membership in full: class, label, date or bounds, modality, quote with its
    character offsets in the article, the article (publisher, date), every participant and role.

    Six small queries (``event_class``, ``event_statements``, ``event_evidence``,
    ``event_participants``, ``article``), each DISTINCT and bound to one node.

    Parameters
    ----------
    store : Store
    event : str
        An event or membership IRI, a CURIE (``event:…``) or a local id (see :func:`event_iris`).

    Returns
    -------
    EventDetail

    Raises
    ------
    NotFound
        Nothing the store holds as an ``ag:PoliticalEvent`` or ``org:Membership`` has this id.
    StoreUnavailable
        The store cannot be read.
    """
    for iri in event_iris(event):
        if not _plausible_iri(iri):
            continue
        try:
            rows = list(
                store.query(canned("event_class"), bindings={"event": URIRef(iri)}).values()
            )
        except InvalidInput:  # not an IRI at all (spaces, brackets…): nothing can have it
            continue
        if rows:
            break
    else:
        raise NotFound(f"no event or membership {event!r}")
    cls = min(c for _, c in rows if c is not None)
    said = _statements(store, "event_statements", "event", iri)

    def one(term: URIRef) -> str | None:
        got = said.get(str(term))
        return got[0] if got else None

    date = one(SEM.hasTimeStamp) or one(AG.attestedOn)
    article = one(PROV.wasDerivedFrom)
    modality = one(AG.modality)
    return EventDetail(
        iri=iri,
        type=local_name(cls),
        label=one(RDFS.label),
        date=date,
        earliest=None if date else one(SEM.hasEarliestBeginTimeStamp),
        latest=None if date else one(SEM.hasLatestEndTimeStamp),
        precision=one(AG.datePrecision),
        inferred=one(AG.dateInferred) == "true",
        date_note=one(AG.dateNote),
        modality=local_name(modality) if modality else None,
        role=one(ORG.role),
        quote=one(AG.quote),
        evidence=_evidence(store, iri),
        article=_article_detail(store, article) if article else None,
        participants=participants(store, iri),
        reports=_reports(store, iri),
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

    wikidata = first(SCHEMA.sameAs)
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
