"""The records of the network (actors, events, ties, search hits, ego networks, paths) and the
constants they and the walks share.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, NamedTuple

import networkx as nx

from graph.networks.names import local_name

#: The relation (local name) of membership edges, ``org:memberOf``; ``affiliation`` is accepted too.
AFFILIATION = "memberOf"
_RELATION_ALIASES = {"affiliation": AFFILIATION}

Direction = Literal["out", "in", "both"]
DIRECTIONS: tuple[Direction, ...] = ("out", "in", "both")
_OUT, _IN = 1, 2
_MASK: dict[str, int] = {"out": _OUT, "in": _IN, "both": _OUT | _IN}

#: An actor's adjacency in the index: neighbour → ((edge, direction seen from the actor), …).
Row = dict[int, tuple[tuple[int, int], ...]]

#: How an edge's dates are known: every event to the day (``exact``); some event only by bounds
#: (a month, a year, a range, "before …") or not at all, and a bound holds for them all on at least
#: one side (``bounded``); no bound holds on either side — no event has a date, or one is known
#: only as "before X" and another only as "after Y" (``undated``).
Dating = Literal["exact", "bounded", "undated"]


# ---------------------------------------------------------------------------- records
#
# Actor, Event and Tie are named tuples: immutable, cheap to build by the hundred thousand, and
# (holding only strings) untracked by the garbage collector, so a large index does not slow the
# collections that every request's allocations trigger.


class Actor(NamedTuple):
    """A node of the network: IRI, label, most specific class (``kind``) and other names."""

    iri: str
    label: str
    kind: str = "Actor"
    aliases: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """The local id, the last segment of the IRI (``russia``)."""
        return local_name(self.iri)


class Event(NamedTuple):
    """An event behind an edge: IRI, class (local name), its date or date bounds (ISO), and the
    quad class ("1".."4") and polarity ("cooperative", "hostile") of its code."""

    iri: str
    type: str = "PoliticalEvent"
    earliest: str | None = None
    latest: str | None = None
    quad: str | None = None
    polarity: str | None = None

    @classmethod
    def on(cls, iri: str, day: str, type: str = "PoliticalEvent") -> Event:
        """An event known to the day.

        >>> Event.on("ex:e1", "2016-01-01").date
        '2016-01-01'
        """
        return cls(iri, type, day, day)

    @property
    def date(self) -> str | None:
        """The day when known exactly, else None (see ``earliest``/``latest``)."""
        return self.earliest if self.earliest is not None and self.earliest == self.latest else None

    def overlaps(self, start: str | None, end: str | None) -> bool:
        """Whether the event may fall in ``[start, end]`` (ISO dates, inclusive, open when None).

        A missing bound is open ("not before 2016" may be any time after); an event without any
        date is only in the unbounded range.

        >>> Event("ex:e", earliest="2016-01-01", latest="2016-12-31").overlaps("2016-06-01", None)
        True
        >>> Event("ex:e", earliest="2016-01-01").overlaps(None, "2015-12-31")
        False
        >>> Event("ex:e").overlaps(None, "2020-01-01")
        False
        """
        if start is None and end is None:
            return True
        if self.earliest is None and self.latest is None:
            return False
        return (start is None or self.latest is None or self.latest >= start) and (
            end is None or self.earliest is None or self.earliest <= end
        )


class Tie(NamedTuple):
    """A derived edge ``source -relation-> target`` with the events behind it.

    A symmetric relation (``metWith``) is one tie with ``directed=False``, walked both ways.
    """

    source: str
    target: str
    relation: str
    events: tuple[Event, ...] = ()
    directed: bool = True

    @property
    def span(self) -> tuple[str | None, str | None]:
        """The first and last date of the tie's events.

        >>> Tie("ex:a", "ex:b", "accused", (Event.on("ex:e1", "2016-01-01"), Event("ex:e2", latest="2017-03-01"))).span
        ('2016-01-01', '2017-03-01')
        """
        return _span(self.events)


@dataclass(frozen=True, slots=True)
class Match:
    """A search hit: the actor, the name that matched, and how (``label`` > ``alias`` >
    ``prefix`` > ``substring`` > ``fuzzy``)."""

    actor: Actor
    matched: str
    how: str
    score: float
    events: int


@dataclass(frozen=True)
class EgoNetwork:
    """An ego network, cut to a node budget, with what was left out.

    ``nodes`` and ``edges`` are plain records (shared with the index's cache: never mutate them);
    :attr:`graph` is the same network as a :class:`networkx.MultiDiGraph` keyed by relation, with
    the :attr:`summary` as graph data, built on first use. ``total`` is the number of actors
    within ``radius`` before the budget, ``omitted`` how many of them the budget left out.
    ``betweenness_sources`` is how many nodes the betweenness centrality was computed from: all of
    them (exact) or a seeded sample (an estimate; see :data:`BETWEENNESS_WORK`).
    """

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    center: str
    radius: int
    total: int
    omitted: int
    max_nodes: int
    filters: dict[str, Any] = field(default_factory=dict)
    betweenness_sources: int = 0

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        """The network in networkx: nodes by IRI, edges keyed by relation, records as data, the
        summary as graph data."""
        g = nx.MultiDiGraph(**self.summary)
        g.add_nodes_from((n["id"], {k: v for k, v in n.items() if k != "id"}) for n in self.nodes)
        g.add_edges_from(
            (
                e["source"],
                e["target"],
                e["relation"],
                {k: v for k, v in e.items() if k not in _ENDS},
            )
            for e in self.edges
        )
        return g

    @property
    def summary(self) -> dict[str, Any]:
        """What a visualiser shows next to the drawing: center, radius, counts, filters, and
        whether betweenness is exact."""
        label = next(n["label"] for n in self.nodes if n["id"] == self.center)
        return {
            "center": self.center,
            "label": label,
            "radius": self.radius,
            "nodes": len(self.nodes),
            "edges": len(self.edges),
            "total": self.total,
            "omitted": self.omitted,
            "max_nodes": self.max_nodes,
            "betweenness_exact": self.betweenness_sources >= len(self.nodes),
            "betweenness_sources": self.betweenness_sources,
            "filters": self.filters,
        }


#: Members of an edge record that networkx holds as the edge's ends and key, not as its data.
_ENDS = frozenset({"source", "target", "key"})


@dataclass(frozen=True, slots=True)
class Hop:
    """One step of a path, ``source`` to ``target``, with every tie between them that counts."""

    source: Actor
    target: Actor
    ties: tuple[Tie, ...]


@dataclass(frozen=True, slots=True)
class Path:
    """A shortest path between two actors, as its actors and hops."""

    actors: tuple[Actor, ...]
    hops: tuple[Hop, ...]


def _span(events: Iterable[Event]) -> tuple[str | None, str | None]:
    """The first and last date of some events: the least ``earliest`` and the greatest ``latest``
    (an event known only as "before X" says nothing about how early it was)."""
    if isinstance(events, tuple) and len(events) == 1:
        return events[0].earliest, events[0].latest
    lows = [e.earliest for e in events if e.earliest is not None]
    highs = [e.latest for e in events if e.latest is not None]
    return (min(lows) if lows else None, max(highs) if highs else None)
