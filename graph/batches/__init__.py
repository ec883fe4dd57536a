"""Steward batches: parse new triples, validate them in the context of the store, commit them as a
unit, and take them back.

Why a module of its own: a steward must know *before* anything is written whether new triples
conform, be sure a commit is all there or not there at all, and be able to retract it. The API
(``POST /validate``, ``/batches``) and the CLI (``actorgraph validate --against-store``, ``commit``,
``retract``, ``batches``) are thin layers over the functions here; the store stays behind
:mod:`graph.store`.

**A batch** is committed into a named graph of its own, ``id:graph/batch/<id>`` (the id sorts by
time: ``20261122T153012345-7f3a``): the submitted triples the graph did not hold yet. A triple
repeated from the graph is not stored again — pyoxigraph's union default graph counts a triple
once per graph that holds it (oxigraph/oxigraph#1919), so a batch committed seven times made the
lookups' joins seven to the eighth times larger — and when it came from other batches, the new one
*requires* them (``dcterms:requires`` in the registry): they cannot be retracted before it, so
what it states stays traceable. All this in ONE transaction together with

* the direct edges derived from the batch's events by the project's one rule
  (:mod:`graph.rules`, run on the events' data as it will be after the commit). All
  of them are kept in the batch graph, even those the graph already holds: retracting the batch
  then removes exactly the edges only it supported, and an edge that other events support stays in
  their graphs;
* its PROV record in the registry graph ``id:graph/batches`` (an ``ag:Batch``: who, when, from
  which source, a comment, and counts as VoID ``void:triples``), and
* a commit activity in the audit log ``id:graph/audit``.

A retraction drops the batch graph and records a retraction activity in the same transaction; it
never touches the seed graphs or other batches, and it is refused (409) if what remains would not
conform (a later batch uses an actor that only this batch declares, say).

**Incremental validation.** Validating the whole store costs ~2 minutes at 1M triples, so a batch
is validated with only the part of the graph its shapes reach. The focus nodes whose results can
change are found from the triples that change (Δ), by what each kind of constraint reads:

1. every subject of a triple of Δ (its own properties, its targets);
2. along the shapes' sequence paths (evidence → target → source), the nodes that reach the subject
   of a changed later step;
3. for a removal, the nodes whose ``sh:class`` values lose a type (``sh:class`` is monotone: an
   added type can never make it fail, so additions need not look back);
4. the SPARQL constraints on direct edges read the events that link the edge's two actors (their
   types, modality and roles): for an event or membership that existed before and changes, the
   edges between every two of its actors are checked again. A *new* event can only back edges
   (the constraints are ``FILTER NOT EXISTS { backing event }``), never un-back one.

Each focus node is validated with its whole description, the relevant edges, the data along the
sequence paths, and the ``rdf:type`` of every value (for ``sh:class``); the ontology is added by
:func:`graph.validate.validate`. Nodes that are in this context only partially (a referenced actor
with only its type) would give false results, so results are kept for the focus nodes only. An edge
reported as unbacked is checked a second time with every event that links its two actors fetched
from the store. Finally, results that the same nodes already had before the change are dropped: a
batch is not blamed for what was wrong before it. When the store conforms (builds and commits keep
it so), the report is therefore identical to validating the merged graph in full;
``tests/graph/test_batches.py`` proves it on a smaller graph.

Literals are compared as the store keeps them: pyoxigraph canonicalises numbers
(``"5"^^xsd:nonNegativeInteger`` is stored as ``"5"^^xsd:integer``, ``"0.90"`` as ``"0.9"``), so a
triple the store already holds in another lexical form counts as repeated, not new.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
import secrets
import uuid
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from graph.build import derive_edges
from graph.errors import Conflict, InvalidInput, NotFound, RetractionRefused, ValidationFailed
from graph.namespaces import (
    AG,
    CAMEO,
    DCTERMS,
    ID,
    ORG,
    OWL,
    PLOVER,
    PROV,
    RDF,
    RDFS,
    SH,
    XSD,
    graph_iri,
)
from graph.networks import local_name, normalise
from graph.payloads import check_rdf
from graph.query import canned, compact
from graph.reports import complete_reports
from graph.store import RDFFormat, Store, Triple, load_rdf
from graph.validate import (
    AGS,
    Report,
    Result,
    load_ontology,
    load_shapes,
    reworded,
    validate,
)
from graph.validate import _result as _report_result  # one mapping from report nodes to Results
from graph.validate import _text as _report_text

__all__ = [
    "AUDIT_GRAPH",
    "BATCH_GRAPH_PREFIX",
    "REGISTRY_GRAPH",
    "VOID",
    "BatchInfo",
    "Check",
    "Idempotency",
    "IdempotencyKeyReused",
    "Retraction",
    "Steward",
    "batch_content",
    "batch_graph",
    "check_batch",
    "commit_batch",
    "get_batch",
    "list_batches",
    "literal_problem",
    "parse_batch",
    "replayed_batch",
    "retract_batch",
    "summary",
    "write_batch",
]

VOID = Namespace("http://rdfs.org/ns/void#")
REGISTRY_GRAPH = graph_iri("batches")
AUDIT_GRAPH = graph_iri("audit")
BATCH_GRAPH_PREFIX = str(graph_iri("batch")) + "/"
STEWARD_PREFIX = str(ID) + "steward/"
AUDIT_PREFIX = str(ID) + "audit/"
GENID_PREFIX = str(ID) + ".well-known/genid/"
PROV_TYPE = URIRef(str(PROV) + "type")  # not in rdflib's closed PROV namespace

#: The roles that link an event (or a membership) to the actors of the edges it backs.
ROLES: frozenset[URIRef] = frozenset(
    {AG.participant, AG.agent, AG.target, AG.addressee, ORG.member, ORG.organization}
)
#: What the edge constraints read of a backing event, besides its roles.
_BACKING = frozenset({RDF.type, AG.modality}) | ROLES
#: The SPARQL constraints whose reads rule 4 of the module docstring describes.
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
    )
)
#: The SHACL terms the dependency rules of the module docstring account for.
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

_BATCH_ID = re.compile(r"\d{8}T\d{9}-[0-9a-f]{4}")
_SHOWN = 5


# ----------------------------------------------------------------------------------- parsing

_XSD = str(XSD)
_TZ = r"(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))?"
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_DOUBLE = re.compile(r"(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?INF|NaN)")
_DATE = re.compile(r"(-?\d{4,})-(\d\d)-(\d\d)" + _TZ)
_DATETIME = re.compile(r"(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?" + _TZ)
_GYEAR = re.compile(r"-?\d{4,}" + _TZ)
_GYEARMONTH = re.compile(r"(-?\d{4,})-(\d\d)" + _TZ)
_BOUNDS: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None),
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-128, 127),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 255),
}


def _valid_day(year: int, month: int, day: int) -> bool:
    if not 1 <= month <= 12 or day < 1:
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return day <= days


def literal_problem(lexical: str, datatype: str) -> str | None:
    """What is wrong with a typed literal, in words, or ``None`` if it is well-formed.

    The parsers accept ``"abc"^^xsd:date`` and the store would keep it; a steward should hear about
    it with the fix. Only XSD datatypes are checked; others are taken as they are.

    >>> literal_problem("2017-02-30", "http://www.w3.org/2001/XMLSchema#date")
    '"2017-02-30" is not a valid xsd:date: there is no such calendar day; write YYYY-MM-DD, e.g. "2017-02-10"'
    >>> literal_problem("0.9", "http://www.w3.org/2001/XMLSchema#decimal") is None
    True
    """
    if not datatype.startswith(_XSD):
        return None
    kind = datatype[len(_XSD) :]

    def bad(hint: str) -> str:
        return f'"{lexical}" is not a valid xsd:{kind}: {hint}'

    if kind in _BOUNDS:
        if not _INTEGER.fullmatch(lexical):
            return bad('write a whole number in digits, e.g. "42"')
        low, high = _BOUNDS[kind]
        value = int(lexical)
        if (low is not None and value < low) or (high is not None and value > high):
            span = f"at least {low}" if high is None else f"between {low} and {high}"
            span = f"at most {high}" if low is None else span
            return bad(f"xsd:{kind} must be {span}")
        return None
    if kind == "decimal":
        return None if _DECIMAL.fullmatch(lexical) else bad('write a decimal number, e.g. "0.9"')
    if kind in ("double", "float"):
        return None if _DOUBLE.fullmatch(lexical) else bad('write a number, e.g. "1.5e3"')
    if kind == "boolean":
        return None if lexical in ("true", "false", "1", "0") else bad('write "true" or "false"')
    if kind == "date":
        m = _DATE.fullmatch(lexical)
        if m is None:
            return bad('write YYYY-MM-DD, e.g. "2017-02-10"')
        if not _valid_day(int(m.group(1)), int(m.group(2)), int(m.group(3))):
            return bad('there is no such calendar day; write YYYY-MM-DD, e.g. "2017-02-10"')
        return None
    if kind == "dateTime":
        m = _DATETIME.fullmatch(lexical)
        ok = m is not None and _valid_day(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if ok and m is not None:
            hour, minute, second = int(m.group(4)), int(m.group(5)), int(m.group(6))
            ok = (hour < 24 and minute < 60 and second < 60) or (hour, minute, second) == (24, 0, 0)
        return None if ok else bad('write YYYY-MM-DDThh:mm:ss, e.g. "2017-02-10T14:30:00Z"')
    if kind == "gYear":
        return None if _GYEAR.fullmatch(lexical) else bad('write a year, e.g. "2017"')
    if kind == "gYearMonth":
        m = _GYEARMONTH.fullmatch(lexical)
        ok = m is not None and 1 <= int(m.group(2)) <= 12
        return None if ok else bad('write YYYY-MM, e.g. "2017-02"')
    return None


#: Namespaces whose terms are defined by the ontology and the code lists, not by batches.
_VOCABULARY = (str(AG._NS), str(CAMEO), str(PLOVER), str(AGS), str(OWL), str(SH))
#: Subjects reserved for the store's own bookkeeping.
_BOOKKEEPING = (str(graph_iri("")), STEWARD_PREFIX, AUDIT_PREFIX)
_SCHEMA_PREDICATES = frozenset(
    {RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, AG.shortcutProperty}
)


def _vocabulary_problem(s: Node, p: Node, o: Node) -> str | None:
    """Why a triple does not belong in a batch (ontology or bookkeeping), or ``None``."""
    subject = str(s)
    if isinstance(s, URIRef) and subject.startswith(_VOCABULARY):
        return f"<{subject}> is a term of the ontology or the code lists"
    if isinstance(s, URIRef) and subject.startswith(_BOOKKEEPING):
        return f"<{subject}> is reserved for the store's records of batches and stewards"
    if p in _SCHEMA_PREDICATES or str(p).startswith((str(OWL), str(SH))):
        return f"<{p}> changes the ontology"
    if p == RDF.type and (o in (RDFS.Class, RDF.Property) or str(o).startswith(str(OWL))):
        return f"declaring <{subject}> a <{o}> changes the ontology"
    return None


def _friendlier(exc: InvalidInput, fmt: RDFFormat) -> InvalidInput:
    """The parser's message, with what to do about the usual mistakes."""
    message = exc.message
    if "LoadDocumentCallback" in message or "remote context" in message.lower():
        message = (
            "the JSON-LD document refers to a remote @context, and remote contexts are never "
            "fetched: put the @context object itself in the document "
            '(e.g. {"@context": {"ag": "https://w3id.org/actorgraph/ontology#"}, ...})'
        )
    elif (m := re.search(r"prefix (\S*):? has not been declared", message)) is not None:
        name = m.group(1).rstrip(":")
        from graph.namespaces import PREFIXES

        known = PREFIXES.get(name)
        declare = f"@prefix {name}: <{known}> ." if known else f"@prefix {name}: <https://…> ."
        message = f"the prefix {name}: is not declared: add `{declare}` at the top of the file" + (
            "" if known else ", or write the IRIs in full"
        )
    elif "No scheme found" in message or "relative IRI" in message.lower():
        message = (
            f"a relative IRI ({message}): a batch has no base IRI, so write every IRI in full "
            "(https://w3id.org/actorgraph/id/…) or with a declared prefix"
        )
    elif fmt is RDFFormat.JSONLD and "invalid" in message.lower() and exc.line is None:
        message = f"invalid JSON-LD: {message}"
    return InvalidInput(message, source=exc.source, line=exc.line, column=exc.column)


def parse_batch(
    data: bytes,
    fmt: RDFFormat,
    *,
    source: str = "batch",
    max_depth: int = 64,
    max_triples: int | None = None,
) -> Graph:
    """Parse a steward's payload strictly and check that it is instance data.

    The bytes are checked before any parser sees them (:func:`graph.payloads.check_rdf`: UTF-8,
    no DOCTYPE or entities in RDF/XML, no remote JSON-LD context, nesting at most ``max_depth``),
    and parsing stops at ``max_triples``. Blank nodes are replaced by fresh IRIs under
    ``id:.well-known/genid/`` (RDF 1.1 skolem IRIs), so that every node of a batch can be
    validated, found and retracted. Named graphs in TriG, N-Quads or JSON-LD are merged: the batch
    gets a graph of its own.

    Raises
    ------
    InvalidInput
        Malformed RDF (with line and column), an unknown prefix, a relative IRI, an ill-typed
        literal (with where it is), a remote JSON-LD context, a DOCTYPE, no triples at all, or
        triples that change the ontology or the store's bookkeeping.
    LimitExceeded
        Nested deeper than ``max_depth``, or more than ``max_triples`` triples.
    """
    data = data.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte order mark, which parsers refuse
    check_rdf(data, fmt, max_depth=max_depth, source=source)
    try:
        parsed = load_rdf(
            data, fmt, source=source, check_literal=literal_problem, max_triples=max_triples
        )
    except InvalidInput as exc:
        raise _friendlier(exc, fmt) from None
    if len(parsed) == 0:
        hint = (
            " (JSON-LD drops terms its @context does not define and relative @id values: check "
            "the @context and write IRIs in full)"
            if fmt is RDFFormat.JSONLD
            else ""
        )
        raise InvalidInput(
            f"no triples: it is empty, or holds only prefixes and comments{hint}", source=source
        )
    skolem: dict[BNode, URIRef] = {}

    def named(term: Node) -> Node:
        if isinstance(term, BNode):
            return skolem.setdefault(term, URIRef(GENID_PREFIX + uuid.uuid4().hex))
        return term

    batch = Graph()
    problems: list[str] = []
    for s, p, o in parsed:
        s, o = named(s), named(o)
        reason = _vocabulary_problem(s, p, o)
        if reason is not None:
            problems.append(f"{_n3(s)} {_n3(p)} {_n3(o)}: {reason}")
        batch.add((s, p, o))
    if problems:
        more = f"\n… and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else ""
        raise InvalidInput(
            f"{len(problems)} triple(s) are not instance data: a batch adds actors, events, "
            "claims, articles and evidence, while the ontology and the code lists change only "
            "in ontology/ (then rebuild):\n" + "\n".join(problems[:_SHOWN]) + more,
            source=source,
        )
    return batch


def _n3(term: Node) -> str:
    return term.n3() if isinstance(term, URIRef | Literal | BNode) else str(term)


# ---------------------------------------------------------------------- what the shapes read


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


# ------------------------------------------------------------------------------- the views


class _View:
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
class _Change:
    """A change to the store: the views before and after, and the triples that differ."""

    before: _View
    after: _View
    delta: set[Triple]
    removal: bool


def _reaching(view: _View, node: Node, steps: tuple[URIRef, ...]) -> set[Node]:
    """The nodes from which ``steps`` lead to ``node``."""
    frontier = {node}
    for step in reversed(steps):
        frontier = {s for f in frontier for s, _, _ in view.triples(None, step, f)}
    return frontier


def _affected(change: _Change) -> tuple[set[Node], set[Triple]]:
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


def _context(view: _View, focus: Collection[Node], edges: set[Triple]) -> Graph:
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
    view: _View, focus: Collection[Node], edges: set[Triple]
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
                for p in _BACKING:
                    for t in view.triples(e, p):
                        context.add(t)
        report = validate(context)
        results = _focus_results(report, names)
    return report, results


def _restricted(report: Report, keep: list[Result]) -> Report:
    """``report`` with only the results in ``keep`` (its graph and text too)."""
    wanted = Counter(keep)
    graph = Graph(namespace_manager=report.graph.namespace_manager)
    root = next(iter(report.graph.subjects(RDF.type, SH.ValidationReport)), BNode())
    conforms = not any(r.severity == "Violation" for r in keep)
    graph.add((root, RDF.type, SH.ValidationReport))
    graph.add((root, SH.conforms, Literal(conforms)))
    for node in report.graph.subjects(RDF.type, SH.ValidationResult):
        result = _report_result(report.graph, node)
        if wanted[result] > 0:
            wanted[result] -= 1
            graph.add((root, SH.result, node))
            _copy_tree(report.graph, node, graph)
    results = sorted(keep, key=Result.sort_key)
    return Report(conforms, results, graph, _report_text(conforms, results))


def _copy_tree(source: Graph, node: Node, target: Graph) -> None:
    for p, o in source.predicate_objects(node):
        target.add((node, p, o))
        if isinstance(o, BNode):
            _copy_tree(source, o, target)


def _new_results(change: _Change) -> tuple[Report, set[Node]]:
    """The results that the change brings (those the nodes had before are dropped)."""
    focus, edges = _affected(change)
    report, results = _validate_focus(change.after, focus, edges)
    existed = {r.focus_node for r in results}
    old_nodes = [f for f in focus if str(f) in existed and change.before.has_subject(f)]
    if old_nodes:
        _, before = _validate_focus(change.before, old_nodes, edges)
        results = list((Counter(results) - Counter(before)).elements())
    return _restricted(report, results), focus


# ---------------------------------------------------------------------------- validation


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
        requires.update(str(g)[len(BATCH_GRAPH_PREFIX) :] for g in holders if _is_batch(g))
    new_triples = len(new)
    view = _View(store, extra=batch)  # the reports its events' evidence lacks are made and kept
    made = complete_reports(batch, lambda t: view.triples(*t))
    for t in made:
        if not store.contains(t):
            new.add(t)
    derived = _derive(_View(store, extra=new), batch)
    added = Graph()
    for t in new:
        added.add(t)
    new_edges = 0
    for t in derived:
        if not store.contains(t):
            added.add(t)
            new_edges += 1
    change = _Change(
        before=_View(store),
        after=_View(store, extra=added),
        delta={(s, p, o) for s, p, o in added},
        removal=False,
    )
    report, focus = _new_results(change)
    report = _suggest_actors(report, store, batch)
    return Check(
        report, len(batch), new_triples, derived, new_edges, len(focus), added, new,
        frozenset(requires), len(set(made.subjects(RDF.type, AG.Report))),
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


def _is_batch(graph: URIRef | None) -> bool:
    return graph is not None and str(graph).startswith(BATCH_GRAPH_PREFIX)


def _derive(view: _View, batch: Graph) -> Graph:
    """The edges the rule derives from the batch's events, as they will be after the commit."""
    edge_predicates = rules().edge_predicates
    events = Graph()
    for s in set(batch.subjects()):
        for t in view.triples(s):
            if t[1] not in edge_predicates:
                events.add(t)
    return derive_edges([events], load_ontology())


# ---------------------------------------------------------------------------- the registry


@dataclass(frozen=True)
class Steward:
    """Who writes: ``name`` is recorded as the batch's author (``X-Steward``, or the token's name);
    ``credential`` names the token used (never the token itself)."""

    name: str
    credential: str

    @property
    def iri(self) -> URIRef:
        return URIRef(STEWARD_PREFIX + _slug(self.name))

    @property
    def credential_iri(self) -> URIRef:
        return URIRef(STEWARD_PREFIX + _slug(self.credential))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60] or "anonymous"


@dataclass(frozen=True)
class BatchInfo:
    """A batch as the registry records it."""

    id: str
    iri: str
    committed_at: str
    steward: str
    credential: str
    source: str | None
    comment: str | None
    triples: int  # in the batch graph: new submitted triples, reports made and derived edges
    submitted: int
    new_triples: int
    derived_edges: int
    report_triples: int = 0  # the reports made for its events' evidence (graph/reports.py)
    retracted_at: str | None = None
    retracted_by: str | None = None
    retraction_comment: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["status"] = "retracted" if self.retracted_at else "committed"
        return data


@dataclass(frozen=True)
class Retraction:
    """What retracting a batch removed."""

    batch: BatchInfo
    retracted_at: str
    removed: int  # triples in the batch graph
    gone: int  # ... that no other graph holds, so the union lost them
    audit: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.batch.id,
            "iri": self.batch.iri,
            "retracted_at": self.retracted_at,
            "removed_triples": self.removed,
            "gone_triples": self.gone,
            "audit": self.audit,
        }


def batch_graph(batch_id: str) -> URIRef:
    """The IRI of a batch's graph (and of the batch itself, an ``ag:Batch``).

    Raises
    ------
    NotFound
        ``batch_id`` is not of the form batch ids have.
    """
    if not _BATCH_ID.fullmatch(batch_id):
        raise NotFound(f"no batch {batch_id!r}: batch ids look like 20261122T153012345-7f3a")
    return URIRef(BATCH_GRAPH_PREFIX + batch_id)


def _new_id(store: Store, now: dt.datetime) -> str:
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%f")[:-3]
    taken = set(store.named_graphs())
    while True:
        batch_id = f"{stamp}-{secrets.token_hex(2)}"
        if URIRef(BATCH_GRAPH_PREFIX + batch_id) not in taken:
            return batch_id


def _time(now: dt.datetime) -> Literal:
    """A UTC time to the millisecond, as the store writes it back (``2026-11-22T15:30:12.34Z``:
    no trailing zeros), not as rdflib would normalise it (``…12.340000+00:00``)."""
    stamp = now.astimezone(dt.UTC).isoformat(timespec="milliseconds").removesuffix("+00:00")
    text = (stamp.rstrip("0").rstrip(".") if "." in stamp else stamp) + "Z"  # the store's form
    return Literal(text, datatype=XSD.dateTime, normalize=False)


def _count(subject: URIRef, n: int) -> Triple:
    return subject, VOID.triples, Literal(n, datatype=XSD.integer)


def _subset(batch: URIRef, name: str) -> URIRef:
    return URIRef(f"{batch}#{name}")


def _registry(
    batch: URIRef,
    steward: Steward,
    now: dt.datetime,
    source: str | None,
    comment: str | None,
    counts: dict[str, int],
    total: int,
) -> list[Triple]:
    commit = URIRef(f"{AUDIT_PREFIX}{batch.rsplit('/', 1)[1]}/commit")
    triples: list[Triple] = [
        (batch, RDF.type, AG.Batch),
        (batch, RDF.type, VOID.Dataset),
        (batch, RDFS.label, Literal(f"batch {batch.rsplit('/', 1)[1]}", lang="en")),
        (batch, PROV.generatedAtTime, _time(now)),
        (batch, PROV.wasAttributedTo, steward.iri),
        (batch, PROV.wasGeneratedBy, commit),
        _count(batch, total),
        (batch, DCTERMS.creator, Literal(steward.name)),
        (steward.iri, RDF.type, PROV.Agent),
    ]
    for name, n in counts.items():
        subset = _subset(batch, name)
        triples += [(batch, VOID.subset, subset), (subset, RDF.type, VOID.Dataset)]
        triples.append(_count(subset, n))
    if source:
        triples.append((batch, DCTERMS.source, Literal(source)))
    if comment:
        triples.append((batch, RDFS.comment, Literal(comment)))
    return triples


def _audit(
    activity: URIRef, kind: str, batch: URIRef, steward: Steward, now: dt.datetime
) -> list[Triple]:
    link = PROV.generated if kind == "commit" else PROV.invalidated
    return [
        (activity, RDF.type, PROV.Activity),
        (activity, PROV_TYPE, Literal(kind)),
        (activity, RDFS.label, Literal(f"{kind} of batch {batch.rsplit('/', 1)[1]}", lang="en")),
        (activity, link, batch),
        (activity, PROV.endedAtTime, _time(now)),
        (activity, PROV.wasAssociatedWith, steward.credential_iri),
        (steward.credential_iri, RDF.type, PROV.Agent),
        (steward.credential_iri, RDFS.label, Literal(steward.credential)),
    ]


def summary(what: str, report: Report) -> str:
    """``what``, then the first results of the report in words (for an error message)."""
    lines = report.text.splitlines()
    shown = "\n".join(lines[: _SHOWN + 1])
    more = (
        f"\n… and {len(lines) - _SHOWN - 1} more (see the report)"
        if len(lines) > _SHOWN + 1
        else ""
    )
    return f"{what}; nothing was written.\n{shown}{more}"


def commit_batch(
    store: Store,
    batch: Graph,
    *,
    steward: Steward,
    source: str | None = None,
    comment: str | None = None,
    now: dt.datetime | None = None,
) -> BatchInfo:
    """Validate ``batch`` against the store and, if it conforms, commit it in one transaction:
    its triples and derived edges into ``id:graph/batch/<id>``, its record into the registry and
    the audit log. The caller serialises writes (the API holds ``Runtime.write_lock``).

    Raises
    ------
    ValidationFailed
        The batch does not conform; its report says why, and nothing was written.
    """
    check = check_batch(store, batch)
    if not check.conforms:
        raise ValidationFailed(
            check.report, summary("the batch does not conform to the shapes", check.report)
        )
    counts = {
        "submitted": check.triples,
        "new": check.new_triples,
        "derived": len(check.derived),
        "reports": len(check.new) - check.new_triples,
    }
    return write_batch(
        store, check.new, check.derived, counts, steward=steward, source=source,
        comment=comment, now=now, requires=check.requires,
    )  # fmt: skip


def write_batch(
    store: Store,
    batch: Graph,
    derived: Graph,
    counts: dict[str, int],
    *,
    steward: Steward,
    source: str | None = None,
    comment: str | None = None,
    now: dt.datetime | None = None,
    key: Idempotency | None = None,
    requires: Collection[str] = (),
) -> BatchInfo:
    """Commit a batch that was checked against exactly this state of the store (by
    :func:`check_batch`, here or in a sandboxed worker on a checkpoint of it): in one
    transaction, its new triples (``batch``: those the store does not hold yet, ``Check.new``)
    and derived edges into ``id:graph/batch/<id>``, its record into the registry and the audit
    log. ``key`` records the client's idempotency key with it; ``requires`` the ids of the
    batches whose triples it repeats (``Check.requires``).
    """
    now = now or dt.datetime.now(dt.UTC)
    batch_id = _new_id(store, now)
    graph = URIRef(BATCH_GRAPH_PREFIX + batch_id)
    content = Graph()
    for t in batch:
        content.add(t)
    for t in derived:
        content.add(t)
    registry = _registry(graph, steward, now, source, comment, counts, len(content))
    if key is not None:
        registry += [
            (graph, DCTERMS.identifier, Literal(key.key_id)),
            (graph, DCTERMS.identifier, Literal(key.payload_id)),
        ]
    registry += [(graph, DCTERMS.requires, batch_graph(other)) for other in sorted(requires)]
    audit = _audit(URIRef(f"{AUDIT_PREFIX}{batch_id}/commit"), "commit", graph, steward, now)
    store.add_graphs({graph: content, REGISTRY_GRAPH: registry, AUDIT_GRAPH: audit})
    return get_batch(store, batch_id)  # as the store keeps it (it rewrites times canonically)


@dataclass(frozen=True)
class Idempotency:
    """A client's ``Idempotency-Key`` for a commit, and the payload it came with.

    Recorded with the batch (hashed: the key is the client's, scoped to its token) so that a
    retry of a commit whose answer was lost returns the batch already committed instead of
    committing it again under a new id.
    """

    credential: str
    key: str
    payload: bytes

    @property
    def key_id(self) -> str:
        digest = hashlib.sha256(f"{self.credential}\n{self.key}".encode()).hexdigest()
        return f"idempotency-key:{digest}"

    @property
    def payload_id(self) -> str:
        return f"payload-sha256:{hashlib.sha256(self.payload).hexdigest()}"


def replayed_batch(store: Store, key: Idempotency) -> BatchInfo | None:
    """The batch committed earlier with this idempotency key, or ``None``.

    Raises
    ------
    Conflict
        The key was used before with a different payload.
    """
    # read every row before raising: a live result kept in a traceback would be dropped on
    # another thread than its own, which pyoxigraph refuses (a panic in the log)
    rows = list(store.query(canned("batch_by_key"), bindings={"key": Literal(key.key_id)}).rows())
    for row in rows:
        batch_id = str(row["batch"])[len(BATCH_GRAPH_PREFIX) :]
        if str(row["payload"]) != key.payload_id:
            raise IdempotencyKeyReused(
                f"the Idempotency-Key {key.key!r} was used for another payload (batch "
                f"{batch_id}); use a new key for a new batch"
            )
        return get_batch(store, batch_id)
    return None


class IdempotencyKeyReused(Conflict):
    """An idempotency key sent again with a different payload (422, as the IETF draft says)."""

    title = "Idempotency key reused"


def _infos(store: Store, batch: URIRef | None = None) -> list[BatchInfo]:
    bindings = {"batch": batch} if batch is not None else None
    result = store.query(canned("batches"), bindings=bindings)
    names = result.variables
    out: list[BatchInfo] = []
    for values in result.values():  # the literals' own text (rdflib would rewrite the times)
        row = dict(zip(names, values, strict=True))
        iri = row["batch"] or ""
        out.append(
            BatchInfo(
                id=iri[len(BATCH_GRAPH_PREFIX) :],
                iri=iri,
                committed_at=row["committed"] or "",
                steward=row["steward"] or "",
                credential=row["credential"] or "",
                source=row["source"],
                comment=row["comment"],
                triples=int(row["triples"] or 0),
                submitted=int(row["submitted"] or 0),
                new_triples=int(row["new"] or 0),
                derived_edges=int(row["derived"] or 0),
                report_triples=int(row["reports"] or 0),
                retracted_at=row["retracted"],
                retracted_by=row["retractedBy"],
                retraction_comment=row["reason"],
            )
        )
    return out


def list_batches(store: Store) -> list[BatchInfo]:
    """Every batch the registry records, retracted ones too, oldest first."""
    return _infos(store)


def get_batch(store: Store, batch_id: str) -> BatchInfo:
    """The registry's record of one batch.

    Raises
    ------
    NotFound
        No batch has this id.
    """
    found = _infos(store, batch_graph(batch_id))
    if not found:
        raise NotFound(f"no batch {batch_id!r}: GET /batches (or `actorgraph batches`) lists them")
    return found[0]


def batch_content(store: Store, batch_id: str, fmt: RDFFormat) -> bytes:
    """The triples of a batch (submitted and derived), serialised.

    Raises
    ------
    NotFound
        No batch has this id.
    """
    get_batch(store, batch_id)
    return store.dump(fmt, graph=batch_graph(batch_id))


def retract_batch(
    store: Store,
    batch_id: str,
    *,
    steward: Steward,
    comment: str | None = None,
    now: dt.datetime | None = None,
) -> Retraction:
    """Retract a batch in one transaction: drop its graph (with the edges derived from it),
    mark it retracted in the registry and log the retraction in the audit graph.

    Raises
    ------
    NotFound
        No batch has this id.
    Conflict
        It was retracted already.
    RetractionRefused
        What would remain does not conform (another batch uses what only this one states);
        the report says which nodes, and nothing was written.
    """
    info = get_batch(store, batch_id)
    if info.retracted_at is not None:
        raise Conflict(
            f"batch {batch_id} was already retracted at {info.retracted_at} by {info.retracted_by}"
        )
    graph = batch_graph(batch_id)
    dependents = sorted(
        str(row["batch"])[len(BATCH_GRAPH_PREFIX) :]
        for row in list(
            store.query(canned("batch_dependents"), bindings={"required": graph}).rows()
        )
    )
    if dependents:
        raise Conflict(
            f"batch {batch_id} cannot be retracted while batch(es) {', '.join(dependents)} repeat "
            "its facts (they were committed on top of it and rely on them): retract those first"
        )
    content = list(store.triples(graph))
    gone: set[Triple] = {t for t in content if all(g == graph for *_, g in store.match(*t))}
    change = _Change(
        before=_View(store), after=_View(store, without=graph), delta=gone, removal=True
    )
    report, _ = _new_results(change)
    if not report.conforms:
        raise RetractionRefused(
            report,
            summary(
                f"retracting batch {batch_id} would leave data that does not conform (retract "
                "the batches that build on it first)",
                report,
            ),
        )
    now = now or dt.datetime.now(dt.UTC)
    activity = URIRef(f"{AUDIT_PREFIX}{batch_id}/retraction")
    audit = _audit(activity, "retraction", graph, steward, now)
    if comment:
        audit.append((activity, RDFS.comment, Literal(comment)))
    registry: list[Triple] = [
        (graph, PROV.invalidatedAtTime, _time(now)),
        (graph, PROV.wasInvalidatedBy, activity),
        (activity, DCTERMS.creator, Literal(steward.name)),
    ]
    if comment:
        registry.append((activity, RDFS.comment, Literal(comment)))
    store.change_graphs(add={REGISTRY_GRAPH: registry, AUDIT_GRAPH: audit}, drop=[graph])
    after = get_batch(store, batch_id)
    return Retraction(after, after.retracted_at or "", len(content), len(gone), str(activity))
