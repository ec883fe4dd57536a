"""Incremental validation: a change to the store (a batch added, a batch's graph dropped) validated
with only the part of the graph its shapes reach, reporting only the results the change brings.

Why a module of its own: validating the whole store costs ~2 minutes at 1M triples, and neither
the check before a commit (:mod:`graph.batches.check`) nor the one before a retraction
(:mod:`graph.batches.writer`) may take that long. What is validated follows from the rules below,
which must stay in step with what the shapes read (:mod:`graph.batches.reads`).

The focus nodes whose results can change are found from the triples that change (Δ), by what each
kind of constraint reads:

1. every subject of a triple of Δ (its own properties, its targets);
2. along the shapes' sequence paths (evidence → target → source), the nodes that reach the subject
   of a changed later step;
3. for a removal, the nodes whose ``sh:class`` values lose a type (``sh:class`` is monotone: an
   added type can never make it fail, so additions need not look back);
4. the SPARQL constraints on direct edges read the events that link the edge's two actors (their
   types, modality and roles): for an event or membership that existed before and changes, the
   edges between every two of its actors are checked again. A *new* event can only back edges
   (the constraints are ``FILTER NOT EXISTS { backing event }``), never un-back one;
5. for a property whose values are compared across nodes (``ags:readsSharedValues``: uniqueness),
   every node with a value that changes.

Each focus node is validated with its whole description, the relevant edges, the data along the
sequence paths, and the ``rdf:type`` of every value (for ``sh:class``); the ontology is added by
:func:`graph.validate.validate`. Nodes that are in this context only partially (a referenced actor
with only its type) would give false results, so results are kept for the focus nodes only. An edge
reported as unbacked is checked a second time with every event that links its two actors fetched
from the store. Finally, results that the same nodes already had before the change are dropped: a
batch is not blamed for what was wrong before it. When the store conforms (builds and commits keep
it so), the report is therefore identical to validating the merged graph in full;
``tests/graph/test_batches.py`` proves it on a smaller graph.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from graph.batches.reads import BACKING, ROLES, rules
from graph.namespaces import RDF
from graph.query import canned
from graph.store import Store, Triple
from graph.validate import Report, Result, validate


class View:
    """The union of the store's graphs as it is, or as it would be: plus ``extra`` triples (a
    batch being committed) or minus the graph ``without`` (a batch being retracted)."""

    def __init__(
        self, store: Store, *, extra: Graph | None = None, without: URIRef | None = None
    ) -> None:
        self.store = store
        self.extra = extra
        self.without = without

    def triples(
        self, s: Node | None = None, p: Node | None = None, o: Node | None = None
    ) -> Iterator[Triple]:
        for s2, p2, o2, g in self.store.match(s, p, o):
            if self.without is None or g != self.without:
                yield s2, p2, o2
        if self.extra is not None:
            for t in self.extra.triples((s, p, o)):
                yield t[0], t[1], t[2]

    def has_subject(self, s: Node) -> bool:
        return next(self.triples(s), None) is not None

    def linking_events(self, a: Node, b: Node) -> set[Node]:
        """Events and memberships with both ``a`` and ``b`` in a role (candidates to back an
        edge between them; :meth:`triples` then decides what they say in this view)."""
        found: set[Node] = {
            row["e"]
            for row in self.store.query(
                canned("batch_linking_events"), bindings={"a": a, "b": b}
            ).rows()
        }
        if self.extra is not None:
            for role in ROLES:
                for e in self.extra.subjects(role, a):
                    if any((e, r, b) in self.extra for r in ROLES):
                        found.add(e)
        return found


@dataclass
class Change:
    """A change to the store: the views before and after, and the triples that differ."""

    before: View
    after: View
    delta: set[Triple]
    removal: bool


def _reaching(view: View, node: Node, steps: tuple[URIRef, ...]) -> set[Node]:
    """The nodes from which ``steps`` lead to ``node``."""
    frontier = {node}
    for step in reversed(steps):
        frontier = {s for f in frontier for s, _, _ in view.triples(None, step, f)}
    return frontier


def _affected(change: Change) -> tuple[set[Node], set[Triple]]:
    """The focus nodes whose results can change, and the edges to check (module docstring)."""
    r = rules()
    views = (change.before, change.after)
    focus: set[Node] = {s for s, _, _ in change.delta}
    for x, p, _ in change.delta:  # 2. sequence paths
        for path in r.sequence_paths:
            for i in range(1, len(path)):
                if path[i] == p:
                    for view in views:
                        focus |= _reaching(view, x, path[:i])
    if change.removal:  # 3. sh:class values that lose a type
        for v, p, _ in change.delta:
            if p == RDF.type:
                for path in r.class_paths:
                    focus |= _reaching(change.after, v, path)
    for _, p, v in change.delta:  # 5. nodes that share a value compared across nodes
        if p in r.shared_values:
            for view in views:
                focus |= {x for x, _, _ in view.triples(None, p, v)}
    edges = {t for t in change.delta if t[1] in r.edge_predicates}
    if change.removal:
        edges = set()
    for s in {s for s, _, _ in change.delta}:  # 4. events that existed and changed
        if not change.removal and not change.before.has_subject(s):
            continue
        actors = {o for view in views for role in ROLES for _, _, o in view.triples(s, role)}
        for a in actors:
            for b in actors:
                if a == b:
                    continue
                for t in change.after.triples(a, None, b):
                    if t[1] in r.edge_predicates:
                        edges.add(t)
                        focus.add(a)
    return {f for f in focus if isinstance(f, URIRef)}, edges


def _context(view: View, focus: Collection[Node], edges: set[Triple]) -> Graph:
    """The focus nodes with everything their shapes read (module docstring)."""
    r = rules()
    context = Graph()
    values: set[Node] = set()
    for f in focus:
        for t in view.triples(f):
            if t[1] in r.edge_predicates and t not in edges:
                continue
            context.add(t)
            values.add(t[2])
        for path in r.sequence_paths:
            frontier: set[Node] = {f}
            for step in path:
                reached: set[Node] = set()
                for t in (t for x in frontier for t in view.triples(x, step)):
                    context.add(t)
                    reached.add(t[2])
                frontier = reached
            values |= frontier
        for _, p, v in list(context.triples((f, None, None))):
            if p in r.shared_values:  # the other nodes with the same value, and their types
                for t in view.triples(None, p, v):
                    context.add(t)
                    values.add(t[0])
    for v in values:
        if not isinstance(v, Literal):
            for t in view.triples(v, RDF.type):
                context.add(t)
    return context


def _focus_results(report: Report, focus: set[str]) -> list[Result]:
    return [r for r in report.results if r.focus_node in focus]


def _validate_focus(
    view: View, focus: Collection[Node], edges: set[Triple]
) -> tuple[Report, list[Result]]:
    """Validate ``focus`` in ``view``; an edge reported as unbacked is checked again with every
    event that links its actors (the first pass only has the events in the context)."""
    context = _context(view, focus, edges)
    names = {str(f) for f in focus}
    report = validate(context)
    results = _focus_results(report, names)
    reported = {(r.focus_node, r.value) for r in results}
    unbacked = {(a, b) for a, _, b in edges if (str(a), str(b)) in reported}
    if unbacked:
        for a, b in unbacked:
            for e in view.linking_events(a, b):
                for p in BACKING:
                    for t in view.triples(e, p):
                        context.add(t)
        report = validate(context)
        results = _focus_results(report, names)
    return report, results


def new_results(change: Change) -> tuple[Report, set[Node]]:
    """The results that the change brings (those the nodes had before are dropped)."""
    focus, edges = _affected(change)
    report, results = _validate_focus(change.after, focus, edges)
    existed = {r.focus_node for r in results}
    old_nodes = [f for f in focus if str(f) in existed and change.before.has_subject(f)]
    if old_nodes:
        _, before = _validate_focus(change.before, old_nodes, edges)
        results = list((Counter(results) - Counter(before)).elements())
    return report.restricted(results), focus


def validate_nodes(store: Store, nodes: Collection[Node]) -> list[Result]:
    """The results for ``nodes`` validated in the context of the store as it is (each node with
    everything its shapes read; derived edges are not checked). For spot checks of data that is
    already in the store, such as a sample of a bulk load (:mod:`graph.load`)."""
    _, results = _validate_focus(View(store), nodes, set())
    return results
