"""Ego networks, shortest paths and actor lookup for network visualisers.

An :class:`ActorNetwork` is a compact in-memory index of the actor-to-actor edges the build derives
(named graph ``id:graph/edges``), each with the events behind it, read from the store with a dozen
bulk scans (``graph/queries/network_*.rq``; the rule of :mod:`graph.rules` is applied to them
here). Neighbourhoods are found by breadth-first search over this index, cut to a node budget by
tie strength, and only then materialised, as plain records and (on demand) a
:class:`networkx.MultiDiGraph`: on a hub of a million-triple graph a walk over such an index takes
tens of milliseconds where ``nx.ego_graph`` or SPARQL take seconds (``PERFORMANCE.md``), because
most of the cost is materialising edges that no visualiser can draw anyway.

The writers turn an :class:`EgoNetwork` into what visualisers read, each in the form networkx's
own reader of that format loads (``nx.cytoscape_graph``, ``nx.node_link_graph``,
``nx.read_graphml``, ``nx.read_gexf``), with every node and edge attribute: Cytoscape.js JSON
(:func:`to_cytoscape`), node-link JSON for D3 (:func:`to_node_link`), GraphML and GEXF for Gephi
(:func:`to_graphml`, :func:`to_gexf`).

Every ego network has the same attributes, whatever its radius or size: nodes carry a
``short_label`` for display and a betweenness centrality, exact when the network is small enough
and otherwise estimated from a fixed, seeded sample of sources (:data:`BETWEENNESS_WORK`; the
summary says which); edges carry the day of their first and last event when every event is known
to the day (``first``/``last``), and always the bounds of when their events may have happened
(``earliest``/``latest``), with ``dating`` saying which of the two the edge has.

>>> net = ActorNetwork(
...     [Actor("ex:ru", "Russia", "State", ("Moscow",)), Actor("ex:ta", "Taliban", "ArmedGroup"),
...      Actor("ex:us", "United States", "State")],
...     [Tie("ex:ru", "ex:ta", "offeredCooperationTo", (Event.on("ex:e1", "2015-12-29", "CooperationOffer"),)),
...      Tie("ex:us", "ex:ru", "accused", (Event.on("ex:e2", "2017-02-10", "Accusation"),))],
... )
>>> net.resolve("moscow")
'ex:ru'
>>> ego = net.ego("Taliban", radius=2)
>>> sorted(ego.graph.nodes), ego.omitted
(['ex:ru', 'ex:ta', 'ex:us'], 0)
>>> to_cytoscape(ego)["summary"]["edges"]
2
>>> sorted(nx.cytoscape_graph(to_cytoscape(ego)).edges(keys=True))
[('ex:ru', 'ex:ta', 'offeredCooperationTo'), ('ex:us', 'ex:ru', 'accused')]
"""

from __future__ import annotations

import bisect
import datetime as dt
import difflib
import heapq
import itertools
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import networkx as nx
from rdflib import Graph

from graph.errors import InvalidInput, NotFound
from graph.namespaces import PREFIXES
from graph.query import canned
from graph.rules import EdgeRules, EventRoles

if TYPE_CHECKING:
    from graph.store import Store

__all__ = [
    "AFFILIATION",
    "BETWEENNESS_SEED",
    "BETWEENNESS_WORK",
    "DIRECTIONS",
    "SHORT_LABEL_WIDTH",
    "Actor",
    "ActorNetwork",
    "Dating",
    "Direction",
    "EgoNetwork",
    "Event",
    "Hop",
    "Match",
    "Path",
    "Tie",
    "betweenness_sources",
    "expand",
    "local_name",
    "normalise",
    "short_label",
    "to_cytoscape",
    "to_gexf",
    "to_graphml",
    "to_node_link",
]

#: The relation (local name) of membership edges, ``org:memberOf``; ``affiliation`` is accepted too.
AFFILIATION = "memberOf"
_RELATION_ALIASES = {"affiliation": AFFILIATION}

Direction = Literal["out", "in", "both"]
DIRECTIONS: tuple[Direction, ...] = ("out", "in", "both")
_OUT, _IN = 1, 2
_MASK: dict[str, int] = {"out": _OUT, "in": _IN, "both": _OUT | _IN}

#: Betweenness centrality (Brandes) walks the whole ego network once per source node, at about
#: ``3 × nodes + edges`` steps a walk (0.1–0.3 µs a step in networkx). While walking from every
#: node takes at most this many steps, it is exact; above, it is estimated from as many sampled
#: sources as fit (networkx's ``k``, at least one), so that it adds a few milliseconds at most to
#: a request: exact on the seed graph's radius-1 networks; 30 of 66 sources for Russia at radius 2
#: (rank correlation with the exact values > 0.9); 3 of 250 on a hub of a million-triple graph,
#: where the exact value would take a quarter of a second (rank correlation ~0.8).
BETWEENNESS_WORK = 10_000
#: The seed of the sample: the same request gets the same estimate.
BETWEENNESS_SEED = 0

#: How long a ``short_label`` may be, in characters.
SHORT_LABEL_WIDTH = 32

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


# ---------------------------------------------------------------------------- names


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00a0": " "})


def normalise(name: str) -> str:
    """The form names are compared in: case-folded, typographic apostrophes straightened,
    whitespace collapsed, a leading "the " dropped.

    >>> normalise("  The  Kremlin ")
    'kremlin'
    >>> normalise("Putin\u2019s government") == normalise("putin's government")
    True
    """
    if not name.isascii():
        name = unicodedata.normalize("NFKC", name).translate(_APOSTROPHES)
    text = " ".join(name.casefold().split())
    return text[4:] if text.startswith("the ") else text


def local_name(iri: str) -> str:
    """The last segment of an IRI (after ``#``, ``/`` or ``:``).

    >>> local_name("https://w3id.org/actorgraph/ontology#accused"), local_name("https://w3id.org/actorgraph/id/actor/russia")
    ('accused', 'russia')
    """
    return iri[max(iri.rfind("/"), iri.rfind("#"), iri.rfind(":")) + 1 :]


def expand(curie: str) -> str | None:
    """``actor:russia`` or ``id:actor/russia`` as a full IRI, when the prefix is known.

    >>> expand("event:e1"), expand("https://example.org/x"), expand("nope:x")
    ('https://w3id.org/actorgraph/id/event/e1', None, None)
    """
    prefix, sep, rest = curie.partition(":")
    if sep and prefix in PREFIXES and not rest.startswith("//"):
        return PREFIXES[prefix] + rest
    return None


def short_label(label: str, width: int = SHORT_LABEL_WIDTH) -> str:
    """A display label of at most ``width`` characters: the part of ``label`` before a
    parenthesis, cut at a word boundary with an ellipsis when still too long.

    Labels of unnamed actors carry their source in parentheses and run long; the whole label
    stays in ``label``.

    >>> short_label("Afghan officials who claimed to have confiscated Russian arms in Kunduz (Anadolu Agency, 2016)")
    'Afghan officials who claimed to…'
    >>> short_label("Senior Afghan security official (Reuters, December 2016)")
    'Senior Afghan security official'
    >>> short_label("Russia"), short_label("(unnamed) spokesman")
    ('Russia', '(unnamed) spokesman')
    >>> short_label("Pneumonoultramicroscopicsilicovolcanoconiosis", 10)
    'Pneumonou…'
    """
    text = " ".join(label.split())
    before = text.split("(", 1)[0].rstrip(" ,;:-–—")
    if before:
        text = before
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    if cut[-1].isalnum() and text[width - 1].isalnum() and " " in cut:  # not inside a word
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-–—") + "…"


def _iso(value: dt.date | str | None, name: str) -> str | None:
    if value is None or (isinstance(value, str) and not value):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise InvalidInput(f"`{name}` must be a date as YYYY-MM-DD, not {value!r}") from None


# ---------------------------------------------------------------------------- the index


class ActorNetwork:
    """A compact, read-only index of actors and the derived edges between them.

    Build it with :meth:`from_store` (what the API does at startup and after every write) or from
    records. Actors and edges are interned as integers; each actor keeps its neighbours with the
    edges to each and their directions, so a breadth-first walk never touches the store or
    networkx. Safe to share between threads: nothing changes after construction but a cache of
    edge records.

    Parameters
    ----------
    actors : iterable of Actor
        The nodes. Endpoints of ``ties`` that are not among them are added with their local name
        as label.
    ties : iterable of Tie
        The edges with their events. Ties with the same source, target and relation are merged.
    relations : collection of str, optional
        Every relation name a filter may use (the ontology's), beyond those of ``ties``.

    Examples
    --------
    >>> net = ActorNetwork([Actor("ex:a", "A")], [Tie("ex:a", "ex:b", "accused", (Event("ex:e"),))])
    >>> len(net), net.actor("ex:b").label
    (2, 'b')
    """

    def __init__(
        self,
        actors: Iterable[Actor],
        ties: Iterable[Tie],
        *,
        relations: Collection[str] = (),
    ) -> None:
        self._actors: list[Actor] = []
        self._index: dict[str, int] = {}
        for actor in actors:
            if actor.iri not in self._index:
                self._index[actor.iri] = len(self._actors)
                self._actors.append(actor)
        merged: dict[tuple[str, str, str], Tie] = {}
        for tie in ties:
            key = (tie.source, tie.target, tie.relation)
            if not tie.directed and tie.target < tie.source:
                key = (tie.target, tie.source, tie.relation)
                tie = Tie(tie.target, tie.source, tie.relation, tie.events, directed=False)
            if key in merged:
                old = merged[key]
                events = {e.iri: e for e in (*old.events, *tie.events)}
                tie = Tie(
                    old.source, old.target, old.relation, tuple(events.values()), old.directed
                )
            merged[key] = tie
        self._ties: list[Tie] = [merged[k] for k in sorted(merged)]
        # adjacency: actor → {neighbour: [(edge, direction seen from the actor)]}, and the
        # union of those directions, for walks that filter nothing
        self._ends: list[tuple[int, int]] = []
        nbr: list[dict[int, list[tuple[int, int]]]] = [{} for _ in self._actors]
        self._dirs: list[dict[int, int]] = [{} for _ in self._actors]
        self._weight: list[int] = []
        self._spans: list[tuple[str | None, str | None]] = []
        self._fully_dated: list[bool] = []
        self._iris: list[tuple[str, ...]] = []
        for eid, tie in enumerate(self._ties):
            s, o = self._intern(tie.source), self._intern(tie.target)
            while len(nbr) < len(self._actors):  # endpoints that were not among the actors
                nbr.append({})
                self._dirs.append({})
            self._ends.append((s, o))
            there, back = (_OUT, _IN) if tie.directed else (_OUT | _IN, _OUT | _IN)
            nbr[s].setdefault(o, []).append((eid, there))
            nbr[o].setdefault(s, []).append((eid, back))
            self._dirs[s][o] = self._dirs[s].get(o, 0) | there
            self._dirs[o][s] = self._dirs[o].get(s, 0) | back
            self._weight.append(len(tie.events))
            self._spans.append(_span(tie.events))
            self._fully_dated.append(all(e.earliest and e.latest for e in tie.events))
            self._iris.append(tuple(e.iri for e in tie.events))
        # tuples of ints, which the garbage collector stops tracking: a big index then costs
        # nothing in the collections that the allocations of each request trigger
        self._nbr: list[dict[int, tuple[tuple[int, int], ...]]] = [
            {v: tuple(entries) for v, entries in row.items()} for row in nbr
        ]
        self._ids = [a.id for a in self._actors]
        self._records: dict[int, dict[str, Any]] = {}
        self._counts = [0] * len(self._actors)
        for (s, o), w in zip(self._ends, self._weight, strict=True):
            self._counts[s] += w
            self._counts[o] += w
        self.relations: frozenset[str] = frozenset(relations) | {t.relation for t in self._ties}
        self._names = self._name_table()

    def _intern(self, iri: str) -> int:
        if iri not in self._index:
            self._index[iri] = len(self._actors)
            self._actors.append(Actor(iri, local_name(iri)))
        return self._index[iri]

    def _name_table(self) -> dict[str, list[tuple[int, int, str]]]:
        """normalised name → [(tier, actor, name as written)]; tier 0 id, 1 label, 2 alias."""
        table: dict[str, list[tuple[int, int, str]]] = {}
        for i, actor in enumerate(self._actors):
            names = [(0, actor.id), (1, actor.label), *((2, a) for a in actor.aliases)]
            for tier, name in names:
                key = normalise(name)
                if key:
                    table.setdefault(key, []).append((tier, i, name))
        for entries in table.values():
            entries.sort(key=lambda t: (t[0], -self._counts[t[1]], self._actors[t[1]].iri))
        return table

    # ------------------------------------------------------------------ building

    @classmethod
    def from_store(cls, store: Store) -> ActorNetwork:
        """Read the actors, the derived edges and the events behind them from ``store``.

        A dozen scans (``graph/queries/network_*.rq``), no per-actor or per-event query: this
        runs at startup and after every write.

        Parameters
        ----------
        store : Store
            The store, built by :func:`graph.build.build`.

        Returns
        -------
        ActorNetwork

        Raises
        ------
        StoreUnavailable
            The store cannot be read.
        """
        relations = _read_relations(store)
        ties = _read_ties(store, relations)
        actors = _read_actors(store)
        return cls(actors, ties, relations=relations)

    # ------------------------------------------------------------------ actors

    def __len__(self) -> int:
        return len(self._actors)

    def __contains__(self, iri: object) -> bool:
        return iri in self._index

    def __iter__(self) -> Iterator[Actor]:
        return iter(self._actors)

    @property
    def ties(self) -> Sequence[Tie]:
        """Every edge of the index (symmetric relations once)."""
        return self._ties

    def actor(self, iri: str) -> Actor:
        """The actor with this IRI.

        Raises
        ------
        NotFound
            No actor has this IRI.
        """
        try:
            return self._actors[self._index[iri]]
        except KeyError:
            raise NotFound(f"no actor <{iri}>", suggestions=self.suggest(local_name(iri))) from None

    def event_count(self, iri: str) -> int:
        """How many events (counted per edge) the actor's edges carry: its weighted degree."""
        return self._counts[self._index[iri]]

    def resolve(self, actor: str) -> str:
        """The IRI of an actor given as an IRI, a CURIE, a local id, a label or an alias.

        Names are compared case-insensitively after :func:`normalise` ("the Kremlin" = "Kremlin").
        A name several actors share goes to an exact label before an alias, then to the actor with
        the most events.

        Parameters
        ----------
        actor : str
            ``https://w3id.org/actorgraph/id/actor/russia``, ``actor:russia``, ``russia``,
            ``Russia``, ``Moscow``, ``the Kremlin``…

        Returns
        -------
        str
            The actor's IRI.

        Raises
        ------
        NotFound
            Nothing matches; ``suggestions`` holds the closest names.

        Examples
        --------
        >>> net = ActorNetwork([Actor("ex:ru", "Russia", "State", ("the Kremlin",))], [])
        >>> net.resolve("KREMLIN"), net.resolve("ex:ru"), net.resolve("ru")
        ('ex:ru', 'ex:ru', 'ex:ru')
        >>> net.resolve("Rusia")
        Traceback (most recent call last):
        ...
        graph.errors.NotFound: no actor is called 'Rusia'
        """
        text = actor.strip()
        if text in self._index:
            return text
        expanded = expand(text)
        if expanded is not None and expanded in self._index:
            return expanded
        entries = self._names.get(normalise(text))
        if entries:
            return self._actors[entries[0][1]].iri
        raise NotFound(f"no actor is called {actor!r}", suggestions=self.suggest(text))

    def suggest(self, text: str, n: int = 5) -> list[str]:
        """The names closest to ``text`` (labels and aliases as written), for "did you mean".

        >>> ActorNetwork([Actor("ex:ta", "Taliban")], []).suggest("Talibn")
        ['Taliban']
        """
        key = normalise(text)
        close = difflib.get_close_matches(key, self._names, n=n, cutoff=0.6)
        if not close and key:
            close = [k for k in self._names if key in k][:n]
        out: list[str] = []
        for k in close:
            tier, i, name = self._names[k][0]
            name = self._actors[i].label if tier == 0 else name
            if name not in out:
                out.append(name)
        return out

    @cached_property
    def _event_ids(self) -> list[tuple[str, str]]:
        """``(case-folded local id, IRI)`` of every event behind an edge, sorted."""
        iris = {e.iri for tie in self._ties for e in tie.events}
        return sorted((local_name(iri).casefold(), iri) for iri in iris)

    def suggest_event(self, text: str, n: int = 5) -> list[str]:
        """The IRIs of events (behind some edge) whose local ids are closest to that of ``text``,
        for "did you mean": a window of the sorted ids around it, compared with difflib, so a
        typo after the first characters is found in microseconds at any size.

        >>> net = ActorNetwork([], [Tie("ex:a", "ex:b", "accused", (Event("ex:a003-taliban-assures-russia"),))])
        >>> net.suggest_event("a003-taliban-asures-russia")
        ['ex:a003-taliban-assures-russia']
        """
        key = local_name(text.strip()).casefold()
        ids = self._event_ids
        at = bisect.bisect_left(ids, (key,))
        window = ids[max(0, at - 50) : at + 50]
        close = difflib.get_close_matches(key, [k for k, _ in window], n=n, cutoff=0.6)
        by_id = dict(window)
        return [by_id[k] for k in close]

    def search(self, q: str, limit: int = 10) -> list[Match]:
        """Actors whose names match ``q``, best first.

        An exact label (or local id) ranks before an exact alias, then names that start with
        ``q`` (labels before aliases), then names that contain it, then close spellings; within a
        rank, actors with more events come first.

        Parameters
        ----------
        q : str
            Part of a name; empty lists the actors with the most events.
        limit : int
            At most this many hits.

        Returns
        -------
        list of Match

        Examples
        --------
        >>> net = ActorNetwork([Actor("ex:ta", "Taliban", "ArmedGroup", ("the Afghan Taliban",)),
        ...                     Actor("ex:af", "Afghanistan", "State", ("Kabul",))], [])
        >>> [(m.actor.label, m.how) for m in net.search("afghan")]
        [('Afghanistan', 'prefix'), ('Taliban', 'prefix')]
        """
        key = normalise(q)
        best: dict[int, tuple[int, float, str]] = {}

        def offer(i: int, rank: int, score: float, name: str) -> None:
            if i not in best or (rank, -score) < (best[i][0], -best[i][1]):
                best[i] = (rank, score, name)

        if not key:
            for i in range(len(self._actors)):
                offer(i, 6, 1.0, self._actors[i].label)
        else:
            for name_key, entries in self._names.items():
                if name_key == key:
                    rank = 0
                elif name_key.startswith(key):
                    rank = 2
                elif key in name_key:
                    rank = 4
                else:
                    continue
                score = len(key) / len(name_key)
                for tier, i, name in entries:
                    offer(
                        i, rank + (tier == 2), score, self._actors[i].label if tier == 0 else name
                    )
            if len(best) < limit:
                for name_key in difflib.get_close_matches(key, self._names, n=limit, cutoff=0.6):
                    score = difflib.SequenceMatcher(None, key, name_key).ratio()
                    for tier, i, name in self._names[name_key]:
                        offer(i, 6, score, self._actors[i].label if tier == 0 else name)
        hows = (
            "label",
            "alias",
            "prefix",
            "prefix",
            "substring",
            "substring",
            "fuzzy" if key else "any",
        )
        order = heapq.nsmallest(
            limit,
            best.items(),
            key=lambda kv: (kv[1][0], -self._counts[kv[0]], -kv[1][1], self._actors[kv[0]].label),
        )
        return [
            Match(self._actors[i], name, hows[rank], round(score, 3), self._counts[i])
            for i, (rank, score, name) in order
        ]

    # ------------------------------------------------------------------ filters

    def relation_names(self, relations: Iterable[str] | None) -> frozenset[str] | None:
        """Check relation names (``affiliation`` = ``memberOf``); None means every relation.

        Raises
        ------
        InvalidInput
            A name is not a relation of the network; the message lists the valid ones.
        """
        if relations is None:
            return None
        wanted = {_RELATION_ALIASES.get(r.strip(), r.strip()) for r in relations if r.strip()}
        if not wanted:
            return None
        unknown = sorted(wanted - self.relations)
        if unknown:
            raise InvalidInput(
                f"unknown relation(s) {', '.join(unknown)}; valid: {', '.join(sorted(self.relations))}"
                " (and 'affiliation' for memberOf)"
            )
        return frozenset(wanted)

    def _weigher(
        self, relations: frozenset[str] | None, start: str | None, end: str | None
    ) -> Callable[[int], tuple[Event, ...]] | None:
        """edge id → the events that count under the filters (memoised for one call); None
        when nothing is filtered and every edge counts with all its events."""
        if relations is None and start is None and end is None:
            return None
        memo: dict[int, tuple[Event, ...]] = {}
        dated = start is not None or end is not None
        spans, full = self._spans, self._fully_dated

        def events(eid: int) -> tuple[Event, ...]:
            got = memo.get(eid)
            if got is None:
                tie = self._ties[eid]
                if relations is not None and tie.relation not in relations:
                    got = ()
                elif dated:
                    lo, hi = spans[eid]
                    inside = (
                        full[eid]
                        and lo is not None
                        and hi is not None
                        and (start is None or lo >= start)
                        and (end is None or hi <= end)
                    )
                    if inside:
                        got = tie.events  # every event lies inside the range
                    else:
                        got = tuple(e for e in tie.events if e.overlaps(start, end))
                else:
                    got = tie.events
                memo[eid] = got
            return got

        return events

    # ------------------------------------------------------------------ ego networks

    def ego(
        self,
        actor: str,
        radius: int = 1,
        *,
        relations: Iterable[str] | None = None,
        date_from: dt.date | str | None = None,
        date_to: dt.date | str | None = None,
        direction: Direction = "both",
        min_weight: int = 1,
        max_nodes: int = 250,
    ) -> EgoNetwork:
        """The ego network of an actor: the actors within ``radius`` steps and the edges among them.

        Nodes are found by breadth-first search over the index. When there are more than
        ``max_nodes``, the walk keeps, layer by layer, the actors with the strongest ties (sum of
        weights) to those already kept; the rest are counted in ``omitted``. Only the chosen nodes
        are materialised, with every edge among them that passes the filters.

        Parameters
        ----------
        actor : str
            Anything :meth:`resolve` takes.
        radius : int
            Steps from the actor, 1 to 3.
        relations : iterable of str, optional
            Relation names (``accused``, ``metWith``, ``memberOf``…); default all.
        date_from, date_to : date or ISO string, optional
            An edge counts only its events that may fall in this range; an edge with none drops out.
        direction : {"out", "in", "both"}
            Follow edges from the actor outward, inward, or both (symmetric edges go both ways).
        min_weight : int
            Drop edges with fewer events than this (after the date filter).
        max_nodes : int
            The node budget, the actor included.

        Returns
        -------
        EgoNetwork

        Raises
        ------
        NotFound
            The actor is unknown (with suggestions).
        InvalidInput
            A parameter is out of range, a relation unknown or a date malformed.

        Examples
        --------
        >>> e = lambda i, d: (Event.on(f"ex:e{i}", d),)
        >>> net = ActorNetwork([], [Tie("ex:a", "ex:b", "metWith", e(1, "2016-01-01"), directed=False),
        ...                         Tie("ex:a", "ex:c", "accused", e(2, "2017-01-01")),
        ...                         Tie("ex:c", "ex:d", "accused", e(3, "2017-01-01"))])
        >>> sorted(net.ego("a", 2).graph), sorted(net.ego("a", 2, date_to="2016-12-31").graph)
        (['ex:a', 'ex:b', 'ex:c', 'ex:d'], ['ex:a', 'ex:b'])
        >>> net.ego("a", 2, max_nodes=2).omitted
        2

        See Also
        --------
        networkx.ego_graph : the same node set, computed on a whole networkx graph.
        """
        if not 1 <= radius <= 3:
            raise InvalidInput(f"radius must be 1, 2 or 3, not {radius}")
        if max_nodes < 1:
            raise InvalidInput(f"max_nodes must be at least 1, not {max_nodes}")
        if min_weight < 1:
            raise InvalidInput(f"min_weight must be at least 1, not {min_weight}")
        if direction not in _MASK:
            raise InvalidInput(
                f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}"
            )
        start, end = _iso(date_from, "from"), _iso(date_to, "to")
        if start is not None and end is not None and start > end:
            raise InvalidInput(f"`from` ({start}) is after `to` ({end})")
        wanted = self.relation_names(relations)
        center = self._index[self.resolve(actor)]
        events = self._weigher(wanted, start, end)
        if events is None:
            weights = self._weight
            weight: Callable[[int], int] = weights.__getitem__
        else:
            filtered = events

            def weight(eid: int) -> int:
                return len(filtered(eid))

        counts: Callable[[int], bool] | None = None
        if events is not None or min_weight > 1:

            def counts(eid: int) -> bool:
                return weight(eid) >= min_weight

        mask = _MASK[direction]
        layers = self._layers(center, radius, mask, counts)
        kept = self._strongest(layers, max_nodes, mask, weight, counts)
        total = sum(len(layer) for layer in layers)
        nodes, edges, sources = self._materialise(kept, events, min_weight)
        filters: dict[str, Any] = {
            "relations": sorted(wanted) if wanted is not None else None,
            "from": start,
            "to": end,
            "direction": direction,
            "min_weight": min_weight,
        }
        iri = self._actors[center].iri
        return EgoNetwork(
            nodes, edges, iri, radius, total, total - len(kept), max_nodes, filters, sources
        )

    def _layers(
        self, center: int, radius: int, mask: int, counts: Callable[[int], bool] | None
    ) -> list[list[int]]:
        """Breadth-first layers ``[[center], [distance 1], …]`` along the edges that count."""
        seen = {center}
        layers = [[center]]
        frontier = [center]
        for _ in range(radius):
            layer: list[int] = []
            for u in frontier:
                if counts is None:
                    for v, flag in self._dirs[u].items():
                        if flag & mask and v not in seen:
                            seen.add(v)
                            layer.append(v)
                else:
                    for v, entries in self._nbr[u].items():
                        if v not in seen and any(f & mask and counts(e) for e, f in entries):
                            seen.add(v)
                            layer.append(v)
            if not layer:
                break
            layers.append(layer)
            frontier = layer
        return layers

    def _strongest(
        self,
        layers: list[list[int]],
        budget: int,
        mask: int,
        weight: Callable[[int], int],
        counts: Callable[[int], bool] | None,
    ) -> dict[int, int]:
        """Keep up to ``budget`` nodes, layer by layer, preferring the strongest ties to those kept.

        Returns ``{node: distance}``. A node of layer k is a candidate only if it has a tie to a
        node kept from layer k-1; its strength is the sum of those ties' weights. Ties break by
        label, then IRI, so the choice is deterministic.
        """
        if sum(len(layer) for layer in layers) <= budget:
            return {n: d for d, layer in enumerate(layers) for n in layer}
        kept = {layers[0][0]: 0}
        previous = list(kept)
        actors = self._actors
        for distance, layer in enumerate(layers[1:], start=1):
            room = budget - len(kept)
            if room <= 0:
                break
            members = set(layer)
            strength: dict[int, int] = {}
            for u in previous:
                row = self._nbr[u]
                for v in _common(members, row):
                    for eid, flag in row[v]:
                        if flag & mask and (counts is None or counts(eid)):
                            strength[v] = strength.get(v, 0) + weight(eid)
            chosen = heapq.nsmallest(
                room, strength, key=lambda n: (-strength[n], actors[n].label, actors[n].iri)
            )
            for n in chosen:
                kept[n] = distance
            previous = chosen
        return kept

    def _record(self, eid: int, events: tuple[Event, ...] | None = None) -> dict[str, Any]:
        """The record of an edge, with all its events (cached: shared, never to be mutated) or
        with ``events`` only."""
        cache = events is None
        if cache:
            cached = self._records.get(eid)
            if cached is not None:
                return cached
        tie = self._ties[eid]
        s, o = self._ends[eid]
        if events is None:
            events, iris = tie.events, list(self._iris[eid])
        else:
            iris = [e.iri for e in events]
        earliest, latest, dating = _bounds(events)
        exact = dating == "exact"
        quad, polarity = _tone(events)
        record = {
            "id": f"{self._ids[s]}|{tie.relation}|{self._ids[o]}",
            "source": tie.source,
            "target": tie.target,
            "key": tie.relation,  # networkx's key of the edge in a MultiDiGraph
            "relation": tie.relation,
            "directed": tie.directed,
            "weight": len(iris),
            "first": earliest if exact else None,
            "last": latest if exact else None,
            "earliest": earliest,
            "latest": latest,
            "dating": dating,
            "quad_class": quad,
            "polarity": polarity,
            "events": iris,
        }
        if cache:
            self._records[eid] = record
        return record

    def _materialise(
        self,
        kept: dict[int, int],
        events: Callable[[int], tuple[Event, ...]] | None,
        min_weight: int,
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
        """Records of the chosen nodes and of every edge among them that counts, with degrees
        and centralities computed on the way, and how many sources betweenness was computed
        from."""
        ends = self._ends
        degree = dict.fromkeys(kept, 0)
        strength = dict.fromkeys(kept, 0)
        linked: set[tuple[int, int]] = set()
        edges: list[dict[str, Any]] = []
        for u in kept:
            row = self._nbr[u]
            for v in _common(kept, row):
                for eid, _ in row[v]:
                    if ends[eid][0] != u:
                        continue  # each edge once, from its source
                    if events is None:
                        w = self._weight[eid]
                        if w < min_weight:
                            continue
                        record = self._record(eid)
                    else:
                        evs = events(eid)
                        w = len(evs)
                        if w < min_weight:
                            continue
                        record = self._record(eid, evs)
                    edges.append(record)
                    degree[u] += 1
                    degree[v] += 1
                    strength[u] += w
                    strength[v] += w
                    linked.add((u, v) if u < v else (v, u))
        neighbours = dict.fromkeys(kept, 0)
        for u, v in linked:
            neighbours[u] += 1
            neighbours[v] += 1
        n = len(kept)
        sources = betweenness_sources(n, len(linked))
        simple = nx.Graph()
        simple.add_nodes_from(kept)
        simple.add_edges_from(linked)
        between = nx.betweenness_centrality(
            simple, k=None if sources >= n else sources, normalized=True, seed=BETWEENNESS_SEED
        )
        nodes: list[dict[str, Any]] = []
        for i, distance in kept.items():
            a = self._actors[i]
            nodes.append(
                {
                    "id": a.iri,
                    "iri": a.iri,
                    "label": a.label,
                    "short_label": short_label(a.label),
                    "kind": a.kind,
                    "distance": distance,
                    "degree": degree[i],
                    "weighted_degree": strength[i],
                    "neighbours": neighbours[i],
                    "degree_centrality": round(neighbours[i] / (n - 1), 6) if n > 1 else 0.0,
                    "betweenness": round(between[i], 6),
                }
            )
        return nodes, edges, sources

    # ------------------------------------------------------------------ paths

    def shortest_paths(
        self,
        source: str,
        target: str,
        *,
        max_paths: int = 5,
        relations: Iterable[str] | None = None,
    ) -> list[Path]:
        """The shortest paths between two actors over the undirected projection of the network.

        Each hop carries every tie between its two actors that passes ``relations``, with its
        events, so the path can be justified event by event.

        Parameters
        ----------
        source, target : str
            Anything :meth:`resolve` takes.
        max_paths : int
            At most this many paths (all of the same, shortest length).
        relations : iterable of str, optional
            Only walk these relations.

        Returns
        -------
        list of Path
            Empty when the actors are not connected.

        Raises
        ------
        NotFound
            An actor is unknown.
        InvalidInput
            ``max_paths`` < 1, or an unknown relation.

        Examples
        --------
        >>> net = ActorNetwork([], [Tie("ex:a", "ex:b", "accused"), Tie("ex:c", "ex:b", "denied")])
        >>> [[a.id for a in p.actors] for p in net.shortest_paths("a", "c")]
        [['a', 'b', 'c']]
        """
        if max_paths < 1:
            raise InvalidInput(f"max_paths must be at least 1, not {max_paths}")
        wanted = self.relation_names(relations)
        a, b = self._index[self.resolve(source)], self._index[self.resolve(target)]

        def ok(eid: int) -> bool:
            return wanted is None or self._ties[eid].relation in wanted

        preds: dict[int, list[int]] = {a: []}
        frontier = [a]
        while frontier and b not in preds:
            nxt: dict[int, list[int]] = {}
            for u in frontier:
                for v, entries in self._nbr[u].items():
                    if v not in preds and any(ok(e) for e, _ in entries):
                        nxt.setdefault(v, []).append(u)
            for v, us in nxt.items():
                preds[v] = sorted(set(us), key=lambda i: (self._actors[i].label, i))
            frontier = list(nxt)
        if b not in preds:
            return []

        paths: list[list[int]] = []

        def walk(node: int, tail: list[int]) -> None:
            if len(paths) >= max_paths:
                return
            if node == a:
                paths.append([a, *reversed(tail)])
                return
            for p in preds[node]:
                walk(p, [*tail, node])

        walk(b, [])
        return [self._path(p, ok) for p in paths]

    def _path(self, nodes: list[int], ok: Callable[[int], bool]) -> Path:
        hops = []
        for u, v in itertools.pairwise(nodes):
            ties = tuple(self._ties[eid] for eid, _ in self._nbr[u][v] if ok(eid))
            hops.append(Hop(self._actors[u], self._actors[v], ties))
        return Path(tuple(self._actors[i] for i in nodes), tuple(hops))


# ---------------------------------------------------------------------------- reading the store
#
# The store is read with scans only (one triple pattern per row, joined here in dicts): on a
# large on-disk store each per-row lookup of a SPARQL join costs more than decoding the row. The
# edges come from graph.rules, the one rule the build and the batches use too;
# tests/graph/test_networks.py checks that the result is exactly the edges graph.


def _rows(store: Store, name: str) -> Iterator[tuple[str | None, ...]]:
    return store.query(canned(name)).values()


def _read_relations(store: Store) -> dict[str, bool]:
    """relation name → whether it is symmetric (the ontology's, plus ``memberOf``)."""
    relations: dict[str, bool] = {AFFILIATION: False}
    for p, symmetric in _rows(store, "network_relations"):
        assert p is not None
        relations[local_name(p)] = symmetric == "true"
    return relations


def _most_specific(rows: Iterable[tuple[str | None, ...]]) -> dict[str, str]:
    """``(subject, class, depth)`` rows → subject → the local name of its deepest class."""
    best: dict[str, tuple[int, str]] = {}
    for subject, cls, depth in rows:
        assert subject is not None and cls is not None and depth is not None
        key = (-int(depth), local_name(cls))
        if subject not in best or key < best[subject]:
            best[subject] = key
    return {subject: name for subject, (_, name) in best.items()}


def _read_rules(store: Store) -> EdgeRules:
    """The edge rule's table from the store's own ontology (``network_rule_table.rq``)."""
    table = Graph()
    for t in store.query(canned("network_rule_table")).triples():
        table.add(t)
    return EdgeRules.from_ontology(table)


def _read_ties(store: Store, relations: dict[str, bool]) -> list[Tie]:
    """The derived edges with the events behind each: the rule of :mod:`graph.rules` (its table
    from the store's ontology) applied to each event's roles, read with scans."""
    rules = _read_rules(store)
    classes: dict[str, list[str]] = {}
    depth_rows: list[tuple[str | None, ...]] = []
    for row in _rows(store, "network_event_types"):
        event, cls, _ = row
        assert event is not None and cls is not None
        classes.setdefault(event, []).append(cls)
        depth_rows.append(row)
    kinds = _most_specific(depth_rows)
    modalities: dict[str, set[str]] = {}
    for event, modality in _rows(store, "network_modalities"):
        assert event is not None and modality is not None
        modalities.setdefault(event, set()).add(modality)
    roles: dict[str, dict[str, set[str]]] = {}
    for event, role, actor in _rows(store, "network_roles"):
        assert event is not None and role is not None and actor is not None
        roles.setdefault(event, {}).setdefault(role, set()).add(actor)
    participants: dict[str, set[str]] = {}
    for event, actor in _rows(store, "network_symmetric_participants"):
        assert event is not None and actor is not None
        participants.setdefault(event, set()).add(actor)
    dates: dict[str, tuple[str | None, str | None]] = {}
    for event, day, earliest, latest in _rows(store, "network_dates"):
        assert event is not None
        lo, hi = dates.get(event, (None, None))
        dates[event] = (day or earliest or lo, day or latest or hi)
    tones: dict[str, tuple[str | None, str | None]] = {}
    for event, quad, polarity in _rows(store, "network_event_polarity"):
        assert event is not None
        tones[event] = (quad, polarity)

    grouped: dict[tuple[str, str, str], dict[str, Event]] = {}

    def add(s: str, relation: str, o: str, event: Event) -> None:
        if s != o:
            if not relations.get(relation, False) or s < o:
                grouped.setdefault((s, relation, o), {})[event.iri] = event
            else:
                grouped.setdefault((o, relation, s), {})[event.iri] = event

    for iri, event_classes in classes.items():
        mine = roles.get(iri, {})
        edges = list(
            rules.edges(
                EventRoles(
                    classes=set(event_classes),
                    modalities=modalities.get(iri, set()),
                    agents=mine.get("a", set()),
                    targets=mine.get("t", set()),
                    addressees=mine.get("d", set()),
                    participants=participants.get(iri, set()),
                )
            )
        )
        if not edges:
            continue
        ev = Event(iri, kinds[iri], *dates.get(iri, (None, None)), *tones.get(iri, (None, None)))
        for a, relation, b in edges:
            add(a, local_name(relation), b, ev)
    for ms, member, organisation, day in _rows(store, "network_memberships"):
        assert ms is not None and member is not None and organisation is not None
        add(member, AFFILIATION, organisation, Event(ms, "Membership", day, day))
    return [
        Tie(
            s,
            o,
            r,
            tuple(evs.values()) if len(evs) == 1 else tuple(sorted(evs.values(), key=_event_order)),
            not relations.get(r, False),
        )
        for (s, r, o), evs in grouped.items()
    ]


def _read_actors(store: Store) -> list[Actor]:
    """Every actor with its label, most specific class and other names."""
    kinds = _most_specific(_rows(store, "network_actor_kinds"))
    labels: dict[str, str] = {}
    for subject, label in _rows(store, "network_labels"):
        assert subject is not None and label is not None
        if subject in kinds:
            labels[subject] = min(labels.get(subject, label), label)
    names: dict[str, set[str]] = {}
    for subject, name in _rows(store, "network_names"):
        assert subject is not None and name is not None
        if subject in kinds:
            names.setdefault(subject, set()).add(name)
    out = []
    for iri in sorted(kinds):
        label = labels.get(iri, local_name(iri))
        out.append(Actor(iri, label, kinds[iri], tuple(sorted(names.get(iri, set()) - {label}))))
    return out


# ---------------------------------------------------------------------------- helpers


def _common(few: Collection[int], row: dict[int, Any]) -> Iterable[int]:
    """The members of ``few`` that are keys of ``row``, walking whichever is smaller."""
    if len(few) < len(row):
        return [v for v in few if v in row]
    return [v for v in row if v in few]


def _event_order(e: Event) -> tuple[str, str]:
    return (e.earliest or e.latest or "9999", e.iri)


def betweenness_sources(nodes: int, edges: int) -> int:
    """How many source nodes betweenness centrality is computed from, in a network of ``nodes``
    nodes and ``edges`` distinct ties: all of them (exact) while that stays within
    :data:`BETWEENNESS_WORK` steps, else as many as fit (at least one).

    >>> betweenness_sources(18, 36), betweenness_sources(66, 131), betweenness_sources(250, 2399)
    (18, 30, 3)
    """
    per_source = 3 * nodes + edges
    if nodes * per_source <= BETWEENNESS_WORK:
        return nodes
    return max(1, min(nodes, BETWEENNESS_WORK // per_source))


def _tone(events: Sequence[Event]) -> tuple[str | None, str | None]:
    """The quad class and polarity an edge's events share, to colour it by: "mixed" where they
    differ (``addressed`` takes every speech act), None where no event has a code (memberships).

    >>> _tone([Event("ex:e1", quad="3", polarity="hostile"), Event("ex:e2", quad="3", polarity="hostile")])
    ('3', 'hostile')
    >>> _tone([Event("ex:e1", quad="1", polarity="cooperative"), Event("ex:e2", quad="3", polarity="hostile")])
    ('mixed', 'mixed')
    >>> _tone([Event("ex:m1", "Membership")])
    (None, None)
    """
    quads = {e.quad for e in events if e.quad is not None}
    polarities = {e.polarity for e in events if e.polarity is not None}
    quad = None if not quads else quads.pop() if len(quads) == 1 else "mixed"
    polarity = None if not polarities else polarities.pop() if len(polarities) == 1 else "mixed"
    return quad, polarity


def _bounds(events: Sequence[Event]) -> tuple[str | None, str | None, Dating]:
    """When some events happened: the earliest day the first may have been, the latest day the
    last may have been, and how they are known (see :data:`Dating`).

    A bound is None when some event has none on that side: an event known only as "before X"
    may have been at any time before, so no lower bound holds for the set.

    >>> _bounds([Event.on("ex:e1", "2016-01-01"), Event.on("ex:e2", "2017-02-10")])
    ('2016-01-01', '2017-02-10', 'exact')
    >>> _bounds([Event.on("ex:e1", "2016-01-01"), Event("ex:e2", earliest="2016-03-01", latest="2016-03-31")])
    ('2016-01-01', '2016-03-31', 'bounded')
    >>> _bounds([Event.on("ex:e1", "2016-01-01"), Event("ex:e2", latest="2018-03-29")])
    (None, '2018-03-29', 'bounded')
    >>> _bounds([Event("ex:e1")])
    (None, None, 'undated')
    >>> _bounds([Event("ex:e1", latest="2018-03-29"), Event("ex:e2", earliest="2016-01-01")])
    (None, None, 'undated')
    """
    lows: list[str] = []
    highs: list[str] = []
    open_low = open_high = False
    exact = bool(events)
    for e in events:
        lo, hi = e.earliest, e.latest
        if lo is None:
            open_low = True
        else:
            lows.append(lo)
        if hi is None:
            open_high = True
        else:
            highs.append(hi)
        exact = exact and lo is not None and lo == hi
    earliest = None if open_low or not lows else min(lows)
    latest = None if open_high or not highs else max(highs)
    bounded = earliest is not None or latest is not None
    dating: Dating = "exact" if exact else "bounded" if bounded else "undated"
    return earliest, latest, dating


def _span(events: Iterable[Event]) -> tuple[str | None, str | None]:
    """The first and last date of some events: the least ``earliest`` and the greatest ``latest``
    (an event known only as "before X" says nothing about how early it was)."""
    if isinstance(events, tuple) and len(events) == 1:
        return events[0].earliest, events[0].latest
    lows = [e.earliest for e in events if e.earliest is not None]
    highs = [e.latest for e in events if e.latest is not None]
    return (min(lows) if lows else None, max(highs) if highs else None)


# ---------------------------------------------------------------------------- writers


def to_cytoscape(ego: EgoNetwork) -> dict[str, Any]:
    """Cytoscape JSON as ``nx.cytoscape_data(ego.graph, name="label")`` writes it, plus the
    ``summary`` (center, radius, counts, omitted, filters, how betweenness was computed).

    ``cy.add(body.elements)`` or ``cy.json(body)`` in Cytoscape.js; ``nx.cytoscape_graph(body)``
    in networkx (a MultiDiGraph: edges keyed by relation). Node ``data``: id (the IRI), value
    (the IRI again: networkx's node key), name (the label: what Cytoscape desktop shows), iri,
    label, short_label, kind, distance, degree, weighted_degree, neighbours, degree_centrality,
    betweenness. Edge ``data``: id, source,
    target, key (the relation: networkx's edge key), relation, directed, weight, first, last,
    earliest, latest, dating, events (IRIs). The top-level ``data`` holds the summary too, as an
    object as Cytoscape.js and Cytoscape desktop write it (networkx writes a list of pairs; its
    reader takes either).

    Written from the records rather than through networkx, which would first build a
    MultiDiGraph: on a hub's 4,400 edges that doubles the cost of the request
    (``tests/graph/test_networks.py`` checks that the two are equal).

    Examples
    --------
    >>> net = ActorNetwork([], [Tie("ex:a", "ex:b", "accused", (Event.on("ex:e1", "2016-01-01", "Accusation"),))])
    >>> out = to_cytoscape(net.ego("a"))
    >>> out["elements"]["edges"][0]["data"]["events"], out["summary"]["omitted"]
    (['ex:e1'], 0)
    >>> g = nx.cytoscape_graph(out)
    >>> list(g.edges(keys=True)), g.graph["center"]
    ([('ex:a', 'ex:b', 'accused')], 'ex:a')
    """
    summary = ego.summary
    nodes = [{"data": {**n, "value": n["id"], "name": n["label"] or n["id"]}} for n in ego.nodes]
    edges = [{"data": e} for e in ego.edges]  # the records hold networkx's key already
    return {
        "data": summary,
        "directed": True,
        "multigraph": True,
        "elements": {"nodes": nodes, "edges": edges},
        "summary": summary,
    }


def to_node_link(ego: EgoNetwork) -> dict[str, Any]:
    """networkx node-link JSON, ``nx.node_link_data(ego.graph, edges="edges")``: the summary as
    ``graph``, the edges under ``edges`` (networkx's default since 3.6: ``nx.node_link_graph(d)``
    loads it as it is), each with its relation as ``key``.

    D3 force layouts take the edges as they are: ``d3.forceLink(d.edges).id(n => n.id)``.

    >>> net = ActorNetwork([], [Tie("ex:a", "ex:b", "accused", (Event("ex:e1"),))])
    >>> d = to_node_link(net.ego("a"))
    >>> sorted(d)
    ['directed', 'edges', 'graph', 'multigraph', 'nodes']
    >>> list(nx.node_link_graph(d).edges(keys=True))
    [('ex:a', 'ex:b', 'accused')]
    """
    data: dict[str, Any] = nx.node_link_data(ego.graph, edges="edges")
    return data


def _scalar_copy(ego: EgoNetwork) -> nx.MultiDiGraph:
    """A copy whose attribute values are all scalars (lists joined by spaces, None dropped),
    as GraphML and GEXF require."""

    def flat(data: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in data.items():
            if v is None:
                continue
            out[k] = " ".join(map(str, v)) if isinstance(v, list | tuple) else v
        return out

    g = nx.MultiDiGraph()
    summary = ego.summary
    g.graph.update(flat({k: v for k, v in summary.items() if k != "filters"}))
    g.graph.update(flat({f"filter_{k}": v for k, v in summary["filters"].items()}))
    g.add_nodes_from((n["id"], flat({k: v for k, v in n.items() if k != "id"})) for n in ego.nodes)
    g.add_edges_from(
        (
            e["source"],
            e["target"],
            e["relation"],
            flat({k: v for k, v in e.items() if k not in _ENDS}),
        )
        for e in ego.edges
    )
    return g


def to_graphml(ego: EgoNetwork) -> bytes:
    """GraphML (Gephi, yEd, Cytoscape desktop), the summary as graph data (the filters as
    ``filter_…``); event IRIs joined by spaces, null values left out.

    >>> net = ActorNetwork([], [Tie("ex:a", "ex:b", "accused", (Event("ex:e1"),))])
    >>> to_graphml(net.ego("a")).startswith(b"<?xml")
    True
    """
    lines = nx.generate_graphml(_scalar_copy(ego))
    return ("<?xml version='1.0' encoding='utf-8'?>\n" + "\n".join(lines) + "\n").encode("utf-8")


def to_gexf(ego: EgoNetwork) -> bytes:
    """GEXF 1.2 (Gephi); event IRIs joined by spaces, null values left out; the edge weight is a
    double, as GEXF defines it. GEXF has no graph data, so the summary goes into the graph's
    name.

    >>> net = ActorNetwork([], [Tie("ex:a", "ex:b", "accused", (Event("ex:e1"),))])
    >>> b"<gexf" in to_gexf(net.ego("a"))
    True
    """
    g = _scalar_copy(ego)
    s = ego.summary
    between = (
        "exact betweenness"
        if s["betweenness_exact"]
        else f"betweenness estimated from {s['betweenness_sources']} sources"
    )
    g.graph = {
        "name": f"ego network of {s['label']} (radius {s['radius']}): {s['nodes']} of {s['total']} "
        f"actors, {s['omitted']} omitted; {between}"
    }
    return ("\n".join(nx.generate_gexf(g)) + "\n").encode("utf-8")
