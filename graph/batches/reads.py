"""What the SHACL shapes read beyond their focus node, as incremental validation needs to know it:
:func:`rules`.

Why a module of its own: incremental validation (:mod:`graph.batches.incremental`) is exact only
while it knows, for every construct of the shapes, which triples that construct reads. That
knowledge is kept here, apart from how it is used: the sequence paths and ``sh:class`` paths read
off the shapes (with the paths their SPARQL constraints list in ``ags:reads``), the direct-edge
predicates read off the ontology, the roles and properties the edge constraints read of a backing
event, and the SHACL terms and SPARQL constraints accounted for. :func:`unknown_shape_terms` names
any other, and ``tests/graph/test_batches.py`` keeps it empty: a new construct in
``shapes/actorgraph.shacl.ttl`` is taught here first.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rdflib import Graph, URIRef
from rdflib.term import Node

from graph.namespaces import AG, ORG, RDF, RDFS, SH
from graph.validate import AGS, load_ontology, load_shapes

#: The roles that link an event (or a membership) to the actors of the edges it backs.
ROLES: frozenset[URIRef] = frozenset(
    {AG.participant, AG.agent, AG.target, AG.addressee, ORG.member, ORG.organization}
)
#: What the edge constraints read of a backing event, besides its roles.
BACKING = frozenset({RDF.type, AG.modality}) | ROLES
#: The SPARQL constraints whose reads rule 4 of :mod:`graph.batches.incremental` describes.
KNOWN_SPARQL_CONSTRAINTS = frozenset(
    AGS[name]
    for name in (
        "RolesAreParticipants",
        "MetWithBackedByMeeting",
        "EdgeBackedByEvent",
        "AddressedBackedBySpeechAct",
        "InteractedWithNotAsserted",
        "MemberOfBackedByMembership",
        # these read the focus node's own triples, the types of its values and the ontology
        "DeclaredTerms",
        "ActorLinkedOnlyThroughEvents",
        "WikidataLinkWellFormed",
        "OneWikidataLink",
        "EventTypeInClassCategory",
        "DirectedEventHasTarget",
        "DisjointClasses",
        "WikidataLinkUnique",  # ... and the other nodes with its value (ags:readsSharedValues)
        "EvidenceOfItsNode",  # these follow the paths their ags:reads lists
        "EvidenceFromItsArticle",
        "QuoteIsTheEvidence",
        "DatedByPublication",
        "ReportOfItsEvent",
        "ReportEvidenceOfItsEvent",
        "EventEvidenceIsItsReports",
        "ReportCodeUnderEventCode",
        "EventWithinReportDates",
        "OneEventPerReport",  # ags:readsSharedValues
        "TextHasItsHash",  # these follow the paths their ags:reads lists, too
        "QuoteAtItsPosition",
    )
)
#: The SHACL terms the dependency rules of :mod:`graph.batches.incremental` account for.
KNOWN_SHACL_TERMS = frozenset(
    SH[name]
    for name in (
        "path", "class", "datatype", "nodeKind", "pattern", "in", "minCount", "maxCount",
        "minInclusive", "maxInclusive", "lessThan", "lessThanOrEquals", "disjoint", "or",
        "qualifiedValueShape", "qualifiedMinCount", "qualifiedMaxCount", "property", "sparql",
        "select", "prefixes", "declare", "prefix", "namespace", "message", "targetClass",
        "targetSubjectsOf",
    )
)  # fmt: skip


@dataclass(frozen=True)
class _Rules:
    """What the dependency rules need to know, read off the shapes and the ontology once."""

    sequence_paths: tuple[tuple[URIRef, ...], ...]
    class_paths: tuple[tuple[URIRef, ...], ...]
    edge_predicates: frozenset[Node]
    shared_values: frozenset[Node]  # properties whose values are compared across nodes


def _steps(shapes: Graph, path: Node) -> tuple[URIRef, ...]:
    if isinstance(path, URIRef):
        return (path,)
    steps = tuple(shapes.items(path))
    if not steps or not all(isinstance(s, URIRef) for s in steps):
        raise RuntimeError(
            f"incremental validation knows predicate and sequence paths only: {path}"
        )
    return tuple(s for s in steps if isinstance(s, URIRef))


@cache
def rules() -> _Rules:
    """The paths of the shapes and the direct-edge predicates (sub-properties of
    ``ag:interactedWith``, and ``org:memberOf``)."""
    shapes = load_shapes()
    paths: set[tuple[URIRef, ...]] = set()
    class_paths: set[tuple[URIRef, ...]] = set()
    for shape, path in shapes.subject_objects(SH.path):
        steps = _steps(shapes, path)
        paths.add(steps)
        if (shape, SH["class"], None) in shapes:
            class_paths.add(steps)
    for path in shapes.objects(None, AGS.reads):  # what SPARQL constraints follow (ags:reads)
        paths.add(_steps(shapes, path))
    ontology = load_ontology()
    edges: set[Node] = {AG.interactedWith, ORG.memberOf}
    edges.update(
        p for p in ontology.transitive_subjects(RDFS.subPropertyOf, AG.interactedWith) if p
    )
    return _Rules(
        sequence_paths=tuple(sorted(p for p in paths if len(p) > 1)),
        class_paths=tuple(sorted(class_paths)),
        edge_predicates=frozenset(edges),
        shared_values=frozenset(shapes.objects(None, AGS.readsSharedValues)),
    )


def unknown_shape_terms() -> tuple[set[Node], set[Node]]:
    """SHACL terms and SPARQL constraints in the shapes that the dependency rules do not cover
    (both empty while incremental validation is exact; a test keeps it so)."""
    shapes = load_shapes()
    used = {p for p in shapes.predicates() if str(p).startswith(str(SH))}
    sparql = set(shapes.objects(None, SH.sparql))
    return used - KNOWN_SHACL_TERMS, sparql - KNOWN_SPARQL_CONSTRAINTS
