"""The index: :class:`ActorNetwork`, actors and derived edges interned as integers with each
actor's adjacency, name lookup (resolve, suggest, search), and methods that put the walks of
:mod:`graph.networks.ego` and :mod:`graph.networks.paths` to work on it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from graph.errors import InvalidInput, NotFound
from graph.networks.ego import (
    bfs_layers,
    check,
    edge_record,
    materialise,
    strongest,
    weigher,
    weighing,
)
from graph.networks.load import read_network
from graph.networks.names import (
    NameTable,
    closest_ids,
    expand,
    local_name,
    normalise,
    rank_names,
    suggest_names,
)
from graph.networks.paths import shortest, to_path
from graph.networks.records import (
    _IN,
    _MASK,
    _OUT,
    _RELATION_ALIASES,
    Actor,
    Direction,
    EgoNetwork,
    Event,
    Match,
    Path,
    Row,
    Tie,
    _span,
)

if TYPE_CHECKING:
    from graph.store import Store


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
        self._nbr: list[Row] = [{v: tuple(entries) for v, entries in row.items()} for row in nbr]
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

    def _name_table(self) -> NameTable:
        """normalised name → [(tier, actor, name as written)]; tier 0 id, 1 label, 2 alias."""
        table: NameTable = {}
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
        actors, ties, relations = read_network(store)
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
        return suggest_names(self._names, self._actors, text, n)

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
        return closest_ids(self._event_ids, text, n)

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
        return [
            Match(self._actors[i], name, how, score, self._counts[i])
            for i, name, how, score in rank_names(self._names, self._actors, self._counts, q, limit)
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
        start, end = check(radius, max_nodes, min_weight, direction, date_from, date_to)
        wanted = self.relation_names(relations)
        center = self._index[self.resolve(actor)]
        events = weigher(self._ties, self._spans, self._fully_dated, wanted, start, end)
        weight, counts = weighing(events, self._weight, min_weight)
        mask = _MASK[direction]
        layers = bfs_layers(self._dirs, self._nbr, center, radius, mask, counts)
        kept = strongest(self._nbr, self._actors, layers, max_nodes, mask, weight, counts)
        total = sum(len(layer) for layer in layers)
        nodes, edges, sources = materialise(
            kept,
            events,
            min_weight,
            actors=self._actors,
            ends=self._ends,
            nbr=self._nbr,
            weights=self._weight,
            record=self._record,
        )
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
        record = edge_record(tie, self._ids[s], self._ids[o], events, iris)
        if cache:
            self._records[eid] = record
        return record

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

        found = shortest(self._nbr, self._actors, a, b, ok, max_paths)
        return [to_path(self._nbr, self._actors, self._ties, p, ok) for p in found]
