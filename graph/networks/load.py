"""Reading the network from the store: the scans behind :meth:`ActorNetwork.from_store`.

The store is read with scans only (one triple pattern per row, joined here in dicts): on a
large on-disk store each per-row lookup of a SPARQL join costs more than decoding the row. The
edges come from graph.rules, the one rule the build and the batches use too;
tests/graph/test_networks.py checks that the result is exactly the edges graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from rdflib import Graph

from graph.networks.names import local_name
from graph.networks.records import AFFILIATION, Actor, Event, Tie
from graph.query import canned
from graph.rules import EdgeRules, EventRoles

if TYPE_CHECKING:
    from graph.store import Store


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


def _event_order(e: Event) -> tuple[str, str]:
    return (e.earliest or e.latest or "9999", e.iri)


def read_network(store: Store) -> tuple[list[Actor], list[Tie], dict[str, bool]]:
    """The actors, the derived edges with their events, and every relation name (→ whether it
    is symmetric) of ``store``, in a dozen scans (``graph/queries/network_*.rq``)."""
    relations = _read_relations(store)
    ties = _read_ties(store, relations)
    actors = _read_actors(store)
    return actors, ties, relations
