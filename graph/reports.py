"""Reports: each article's account of an event (``ag:Report``), made for events that bring none.

Why a module of its own: the graph holds one event per real-world event and one report per
account of it (GDELT's event and mention rows). The builder writes a report for every account in
the annotations; a steward's batch usually describes an event with its evidence and nothing more,
so before a batch is validated the report of each evidence that no report covers yet is made here,
from what the batch already says: the evidence's article and text, the event's code, outlet and
confidence. A batch that brings its own reports (a second account of a stored event, with its
own code or date) keeps them as they are. Nothing is invented: every value is copied from the
event or its evidence, and a report is made only for evidence whose body is the event.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from functools import cache

from rdflib import Graph, URIRef
from rdflib.term import Node

from graph.namespaces import AG, ID, OA, PROV, RDF, RDFS
from graph.validate import load_ontology

__all__ = ["complete_reports", "report_iri"]

Triple = tuple[Node, Node, Node]
#: ``(s, p, o)`` with None as a wildcard → the matching triples (an rdflib Graph's ``triples``,
#: or a view of the store as it would be after a batch)
Lookup = Callable[[tuple[Node | None, Node | None, Node | None]], Iterable[Triple]]

_EVIDENCE = str(ID) + "evidence/"


@cache
def _event_classes() -> frozenset[Node]:
    """``ag:PoliticalEvent`` and its subclasses, from the ontology."""
    onto = load_ontology()
    return frozenset(
        c for c in onto.transitive_subjects(RDFS.subClassOf, AG.PoliticalEvent) if c is not None
    )


def report_iri(evidence: Node) -> URIRef:
    """The IRI of the report made for ``evidence``: ``id:report/<x>`` for ``id:evidence/<x>`` (as
    the builder names them), otherwise a hash of the evidence IRI."""
    text = str(evidence)
    if text.startswith(_EVIDENCE) and "/" not in text[len(_EVIDENCE) :]:
        return ID["report/" + text[len(_EVIDENCE) :]]
    return ID["report/" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]]


def _values(lookup: Lookup, s: Node, p: Node) -> list[Node]:
    return sorted({o for _, _, o in lookup((s, p, None))}, key=str)


def complete_reports(batch: Graph, lookup: Lookup | None = None) -> Graph:
    """The reports (and their links) that ``batch``'s events lack: one per evidence of an event
    that no report in ``lookup`` (default: the batch itself) lists as its evidence.

    ``lookup`` sees the data as it will be (the store plus the batch), so evidence of a stored
    event that already has its report is left alone.
    """
    look: Lookup = lookup if lookup is not None else batch.triples
    events = _event_classes()
    made = Graph()
    for event in sorted(set(batch.subjects(AG.evidence, None)), key=str):
        if not any(t in events for t in _values(look, event, RDF.type)):
            continue  # a membership, or not an event at all: the shapes say so
        reports = _values(look, event, AG.hasReport)
        covered = {o for r in reports for o in _values(look, r, AG.evidence)}
        for evidence in _values(look, event, AG.evidence):
            if evidence in covered or event not in _values(look, evidence, OA.hasBody):
                continue
            report = report_iri(evidence)
            made.add((event, AG.hasReport, report))
            made.add((report, AG.reportOf, event))
            made.add((report, RDF.type, AG.Report))
            made.add((report, AG.evidence, evidence))
            for target in _values(look, evidence, OA.hasTarget):
                for article in _values(look, target, OA.hasSource):
                    made.add((report, PROV.wasDerivedFrom, article))
                for selector in _values(look, target, OA.hasSelector):
                    for exact in _values(look, selector, OA.exact):
                        made.add((report, AG.quote, exact))
    return made
