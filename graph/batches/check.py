"""Checking a batch against the store without writing anything: :func:`check_batch` and what it
finds, a :class:`Check`.

Why a module of its own: ``POST /validate``, ``actorgraph validate --against-store`` and every
commit (here or in a sandboxed worker on a checkpoint) must find exactly the same: which submitted
triples are new and which batches they repeat, the reports made for the evidence of its events
(:mod:`graph.reports`), the edges derived from them (:mod:`graph.rules`), and the validation
results the change brings (:mod:`graph.batches.incremental`), with "did you mean" for a value that
should be an actor and is none. :func:`summary` words a report that refuses a batch.

Literals are compared as the store keeps them: pyoxigraph canonicalises numbers
(``"5"^^xsd:nonNegativeInteger`` is stored as ``"5"^^xsd:integer``, ``"0.90"`` as ``"0.9"``), so a
triple the store already holds in another lexical form counts as repeated, not new.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from rdflib import Graph, URIRef
from rdflib.term import Node

from graph.batches.incremental import Change, View, new_results
from graph.batches.names import BATCH_GRAPH_PREFIX, SHOWN, is_batch_graph
from graph.batches.reads import rules
from graph.build import derive_edges
from graph.namespaces import AG, RDF, RDFS, SH
from graph.networks import local_name, normalise
from graph.query import canned, compact
from graph.reports import complete_reports
from graph.sources import locate_quotes
from graph.store import Store
from graph.validate import (
    AGS,
    Report,
    Result,
    load_ontology,
    load_shapes,
    reworded,
    with_results,
)


@dataclass(frozen=True)
class Check:
    """What validating a batch in the context of the store found, and what a commit would add."""

    report: Report
    triples: int  # distinct triples submitted
    new_triples: int  # ... of which the store does not hold yet
    derived: Graph  # the edges derived from the batch's events (all of them)
    new_edges: int  # ... of which the store does not hold yet
    focus_nodes: int  # nodes validated
    added: Graph = field(repr=False)  # the triples a commit would add to the union (Δ)
    new: Graph = field(repr=False)  # the triples a commit writes: new submitted, reports made
    requires: frozenset[str] = frozenset()  # the batches whose triples it repeats (their ids)
    reports_made: int = 0  # reports made for evidence of its events that no report covered
    positions_made: int = 0  # quote offsets located in the article's text (graph.sources)
    report_triples: int = 0  # the triples of the reports made that the store does not hold

    def counts(self) -> dict[str, int]:
        """The counts the registry records of a commit (``void:subset`` triples)."""
        return {
            "submitted": self.triples,
            "new": self.new_triples,
            "derived": len(self.derived),
            "reports": self.report_triples,
            "located": len(self.new) - self.new_triples - self.report_triples,
        }

    @property
    def conforms(self) -> bool:
        return self.report.conforms

    def to_json(self) -> dict[str, Any]:
        """The report as JSON, with the counts a steward wants to see before committing."""
        return {
            **self.report.to_json(),
            "triples": self.triples,
            "new_triples": self.new_triples,
            "derived_edges": len(self.derived),
            "new_edges": self.new_edges,
            "reports_made": self.reports_made,
            "positions_made": self.positions_made,
            "focus_nodes": self.focus_nodes,
            "summary": self.report.text,
        }


def check_batch(store: Store, batch: Graph) -> Check:
    """Validate ``batch`` (from :func:`parse_batch`) in the context of ``store``; write nothing.

    The report holds the results the batch would bring: for its own nodes, for the edges derived
    from its events, and for nodes of the store it changes (a second agent added to an event).
    """
    new = Graph()
    requires: set[str] = set()
    for t in batch:
        holders = [g for *_, g in store.match(*t)]
        if not holders:
            new.add(t)
        requires.update(str(g)[len(BATCH_GRAPH_PREFIX) :] for g in holders if is_batch_graph(g))
    new_triples = len(new)
    view = View(store, extra=batch)  # the reports its events' evidence lacks are made and kept
    made = complete_reports(batch, lambda t: view.triples(*t))
    located = locate_quotes(batch, lambda t: view.triples(*t))  # the build's quote check
    for t in made:
        if not store.contains(t):
            new.add(t)
    reports_new = len(new) - new_triples
    for t in located.made:
        if not store.contains(t):
            new.add(t)
    derived = _derive(View(store, extra=new), batch)
    added = Graph()
    for t in new:
        added.add(t)
    new_edges = 0
    for t in derived:
        if not store.contains(t):
            added.add(t)
            new_edges += 1
    change = Change(
        before=View(store),
        after=View(store, extra=added),
        delta={(s, p, o) for s, p, o in added},
        removal=False,
    )
    report, focus = new_results(change)
    report = with_results(_suggest_actors(report, store, batch), located.problems)
    return Check(
        report, len(batch), new_triples, derived, new_edges, len(focus), added, new,
        frozenset(requires), len(set(made.subjects(RDF.type, AG.Report))),
        located.positions_made, reports_new,
    )  # fmt: skip


@cache
def _actor_shapes() -> frozenset[str]:
    """The shapes whose values must be actors (``sh:class`` ag:Actor or one of its kinds)."""
    shapes, ontology = load_shapes(), load_ontology()
    kinds = {AG.Actor, *ontology.transitive_subjects(RDFS.subClassOf, AG.Actor)}
    return frozenset(
        "ags:" + str(shape).removeprefix(str(AGS))
        for shape, cls in shapes.subject_objects(SH["class"])
        if cls in kinds
    )


def _suggest_actors(report: Report, store: Store, batch: Graph) -> Report:
    """``report`` with "did you mean actor:pakistan (Pakistan)?" after each result whose value
    should be an actor and is none of the graph or the batch: the closest actor ids and names
    (difflib), read from the store only when such a result is there."""
    shapes = _actor_shapes()
    unknown = [
        r
        for r in report.results
        if r.source_shape in shapes
        and r.source_constraint_component == "ClassConstraintComponent"
        and r.value is not None
        and "://" in r.value
    ]
    if not unknown:
        return report
    names: dict[str, set[str]] = {}  # a name as compared → actor IRIs
    labels: dict[str, str] = {}
    rows = [(a, n) for a, n in store.query(canned("batch_actor_names")).values() if a]
    kinds = {AG.Actor, *load_ontology().transitive_subjects(RDFS.subClassOf, AG.Actor)}
    rows += [
        (str(s), str(batch.value(s, RDFS.label) or "") or None)
        for kind in kinds
        for s in batch.subjects(RDF.type, kind)
    ]
    for actor, name in rows:
        assert actor is not None
        names.setdefault(normalise(local_name(actor).replace("-", " ")), set()).add(actor)
        if name:
            names.setdefault(normalise(name), set()).add(actor)
            labels.setdefault(actor, name)
    actors = {a for group in names.values() for a in group}

    def with_suggestion(result: Result, _rule: Node | None) -> str | None:
        if result not in unknown or result.value in actors:
            return None
        assert result.value is not None
        key = normalise(local_name(result.value).replace("-", " "))
        found: list[str] = []
        close = difflib.get_close_matches(key, list(names), n=6, cutoff=0.6)
        ratios = [difflib.SequenceMatcher(None, key, c).ratio() for c in close]
        for name, ratio in zip(close, ratios, strict=True):
            if ratio >= ratios[0] - 0.1:  # the best and those nearly as close, not every 0.6
                found += sorted(a for a in names[name] if a not in found)
        if not found:
            return None
        shown = [compact(URIRef(a)) + (f" ({labels[a]})" if a in labels else "") for a in found[:3]]
        return f"{result.message} Did you mean {' or '.join(shown)}?"

    return reworded(report, with_suggestion)


def _derive(view: View, batch: Graph) -> Graph:
    """The edges the rule derives from the batch's events, as they will be after the commit."""
    edge_predicates = rules().edge_predicates
    events = Graph()
    for s in set(batch.subjects()):
        for t in view.triples(s):
            if t[1] not in edge_predicates:
                events.add(t)
    return derive_edges([events], load_ontology())


def summary(what: str, report: Report) -> str:
    """``what``, then the first results of the report in words (for an error message)."""
    lines = report.text.splitlines()
    shown = "\n".join(lines[: SHOWN + 1])
    more = (
        f"\n… and {len(lines) - SHOWN - 1} more (see the report)" if len(lines) > SHOWN + 1 else ""
    )
    return f"{what}; nothing was written.\n{shown}{more}"
