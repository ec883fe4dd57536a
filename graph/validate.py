"""Validate actorgraph data against the SHACL shapes, and turn the report into plain Python.

Why a module of its own: the build, the API's ingest and the tests must validate in exactly one way,
or data accepted by one path is rejected by another. The fixed design:

* the data graph is the instance data *plus* the ontology (``ontology/actorgraph.ttl`` and, when
  present, ``ontology/codes.ttl``), so ``sh:targetClass`` and ``sh:class`` see ``rdfs:subClassOf``
  and the event-type codes, and no reasoner runs (``inference="none"``);
* named graphs are flattened into one graph first, because the rules cross them (a derived edge in
  ``id:graph/edges`` is backed by an event in an article's graph) and pySHACL would otherwise
  validate each named graph on its own;
* the shapes are ``shapes/actorgraph.shacl.ttl``, which names every shape, so a result says which
  rule failed.

pySHACL's own text report is unordered; :class:`Report` sorts the results so that reports (and the
messages built from them) are stable from run to run.

Speed: pySHACL sends the text of a SPARQL constraint to rdflib once per focus node, and rdflib's
Python engine takes 1–5 ms for each (parsing it alone took ~90% before the texts were cached): the
SPARQL constraints were ~90% of the validation time. The data graph handed to pySHACL (validated in
place: it is a throwaway copy) therefore answers them from an in-memory copy of itself in the
store's engine (pyoxigraph, :meth:`graph.store.Store.query`, with ``$this`` pre-bound as SEP-0007
says, the pre-binding of SHACL), ~50 times faster, and maps the answers back to the data graph's
own terms. Whatever that engine cannot take (a term it refuses, a query it cannot parse) is
answered by rdflib as before, whose texts are parsed once each. ``tests/graph/test_shapes.py``
checks that both engines give the same report on every fixture and on the seed graph
(docs/decisions/20261206-sparql-constraints-in-the-store-engine.md).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyshacl
from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection as RDFList
from rdflib.graph import ConjunctiveGraph
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Processor
from rdflib.query import Result as QueryResult
from rdflib.term import Identifier, Node, Variable

from graph.errors import InvalidInput, ValidationFailed
from graph.namespaces import PREFIXES, RDF, SH
from graph.store import QueryKind, Store

__all__ = [
    "AGS",
    "Report",
    "Result",
    "in_annotation_terms",
    "load_ontology",
    "load_shapes",
    "raise_if_invalid",
    "reworded",
    "validate",
    "with_results",
]

#: The namespace of the shapes (``ags:``).
AGS = Namespace("https://w3id.org/actorgraph/shapes#")

_ROOT = Path(__file__).resolve().parent.parent
SHAPES_FILE = _ROOT / "shapes" / "actorgraph.shacl.ttl"
ONTOLOGY_FILE = _ROOT / "ontology" / "actorgraph.ttl"
CODES_FILE = _ROOT / "ontology" / "codes.ttl"

#: How many problems :func:`raise_if_invalid` spells out in its message.
_SHOWN_IN_MESSAGE = 5

_NAMESPACES: tuple[tuple[str, str], ...] = tuple(
    sorted({**PREFIXES, "ags": str(AGS)}.items(), key=lambda item: -len(item[1]))
)


@dataclass(frozen=True)
class Result:
    """One validation result.

    ``focus_node`` and ``value`` are full IRIs (or a literal's lexical form; blank nodes as
    ``_:id``); ``result_path`` is a SPARQL property path and ``source_shape`` a prefixed name
    (``ag:agent``, ``oa:hasTarget/oa:hasSource``, ``ags:EventShape-agent``); ``severity`` and
    ``source_constraint_component`` are local names (``Violation``,
    ``MinCountConstraintComponent``).
    """

    focus_node: str
    result_path: str | None
    value: str | None
    severity: str
    source_shape: str
    source_constraint_component: str
    message: str

    def sort_key(self) -> tuple[str, ...]:
        """The order of results in a report: by focus node, then shape, path, value and message."""
        return (
            self.focus_node,
            self.source_shape,
            self.result_path or "",
            self.value or "",
            self.source_constraint_component,
            self.message,
        )


@dataclass(frozen=True)
class Report:
    """The outcome of :func:`validate`: whether the data conforms, and the sorted results."""

    conforms: bool
    results: list[Result]
    graph: Graph
    text: str

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data: ``{"conforms": …, "results": [{…}, …]}``."""
        return {"conforms": self.conforms, "results": [asdict(r) for r in self.results]}

    def to_turtle(self) -> str:
        """The ``sh:ValidationReport`` graph as Turtle, with the project's prefixes."""
        return self.graph.serialize(format="turtle")

    def restricted(self, keep: list[Result]) -> Report:
        """This report with only the results in ``keep`` (each as often as it is listed there), in
        its results, its graph and its text alike; it conforms unless a kept result is a violation.

        Why: incremental validation (:mod:`graph.batches.incremental`) validates a batch with more
        than its focus nodes and keeps only the results the batch brings; the report it answers
        with must read as one :func:`validate` gave, which only this module knows how to write.
        """
        wanted = Counter(keep)
        graph = Graph(namespace_manager=self.graph.namespace_manager)
        root = next(iter(self.graph.subjects(RDF.type, SH.ValidationReport)), BNode())
        conforms = not any(r.severity == "Violation" for r in keep)
        graph.add((root, RDF.type, SH.ValidationReport))
        graph.add((root, SH.conforms, Literal(conforms)))
        for node in self.graph.subjects(RDF.type, SH.ValidationResult):
            result = _result(self.graph, node)
            if wanted[result] > 0:
                wanted[result] -= 1
                graph.add((root, SH.result, node))
                _copy_tree(self.graph, node, graph)
        results = sorted(keep, key=Result.sort_key)
        return Report(conforms, results, graph, _text(conforms, results))


@lru_cache(maxsize=1)
def load_shapes() -> Graph:
    """The shapes graph (``shapes/actorgraph.shacl.ttl``), parsed once."""
    return Graph().parse(SHAPES_FILE, format="turtle")


@lru_cache(maxsize=1)
def load_ontology() -> Graph:
    """The ontology (``ontology/actorgraph.ttl``, and ``codes.ttl`` if present), parsed once."""
    ontology = Graph().parse(ONTOLOGY_FILE, format="turtle")
    if CODES_FILE.exists():
        ontology.parse(CODES_FILE, format="turtle")
    return ontology


#: The named graph of the engine's copy of a data graph (queried as the union default graph).
_COPY = URIRef("urn:actorgraph:validation-data")


class _DataGraph(Graph):
    """A graph whose SPARQL queries go to an in-memory copy of it in the store's engine, once
    :meth:`copy_to_engine` has made one (see the module docstring), or else to rdflib, which
    parses each distinct text once."""

    def __init__(self) -> None:
        super().__init__()
        self._engine: Store | None = None
        self._literals: set[Literal] = set()
        self._canonical: dict[Literal, Literal] | None = None

    def copy_to_engine(self) -> None:
        """Copy the graph as it is now (pySHACL adds nothing to it: no rules, no inference);
        keep rdflib if the engine refuses a term (an IRI or blank node id it does not take)."""
        engine = Store.memory()
        try:
            engine.add_graphs({_COPY: self})
        except (InvalidInput, ValueError, TypeError):
            return
        self._engine = engine
        self._literals = {o for o in self.objects() if isinstance(o, Literal)}

    def query(
        self,
        query_object: str | Query,
        processor: str | Processor = "sparql",
        result: str | type[QueryResult] = "sparql",
        initNs: Mapping[str, Any] | None = None,  # noqa: N803 (rdflib's name)
        initBindings: Mapping[str, Identifier] | None = None,  # noqa: N803
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> QueryResult:
        if isinstance(query_object, str) and not initNs:
            if self._engine is not None and processor == "sparql" and result == "sparql":
                answer = self._engine_answer(query_object, initBindings or {})
                if answer is not None:
                    return answer
            query_object = _prepared(query_object)
        return super().query(
            query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs
        )

    def _engine_answer(self, text: str, bindings: Mapping[str, Identifier]) -> QueryResult | None:
        """A SELECT or ASK answered by the engine, as rdflib answers it; None to leave it to
        rdflib (a query the engine cannot parse, or a binding it cannot take)."""
        assert self._engine is not None
        try:
            answer = self._engine.query(text, bindings=dict(bindings))
        except (InvalidInput, ValueError, TypeError):
            return None
        if answer.kind is QueryKind.ASK:
            out = QueryResult("ASK")
            out.askAnswer = answer.boolean()
            return out
        if answer.kind is not QueryKind.SELECT:
            return None
        out = QueryResult("SELECT")
        out.vars = [Variable(v) for v in answer.variables]
        out.bindings = [
            {Variable(k): self._own(v) for k, v in row.items()} for row in answer.rows()
        ]
        return out

    def _own(self, term: Identifier) -> Identifier:
        """``term`` as the data graph has it: the engine writes literals of the XSD types in
        canonical form (``"1"^^xsd:boolean`` as ``"true"``, ``xsd:nonNegativeInteger`` as
        ``xsd:integer``), and a report must name the value as the data gives it."""
        if not isinstance(term, Literal) or term in self._literals:
            return term
        if self._canonical is None:
            self._canonical = _canonical_forms(self._literals)
        return self._canonical.get(term, term)


def _canonical_forms(literals: set[Literal]) -> dict[Literal, Literal]:
    """Each literal as the engine gives it back → the literal itself (when they differ)."""
    scratch = Store.memory()
    ordered = list(literals)
    name = "urn:actorgraph:literal:"
    scratch.add_graphs(
        {_COPY: [(URIRef(f"{name}{i}"), RDF.value, lit) for i, lit in enumerate(ordered)]}
    )
    out: dict[Literal, Literal] = {}
    for row in scratch.query("SELECT ?s ?o WHERE { ?s ?p ?o }").rows():
        back, own = row["o"], ordered[int(str(row["s"])[len(name) :])]
        if isinstance(back, Literal) and back != own:
            out.setdefault(back, own)
    return out


def _check_each_text_once() -> None:
    """Make pySHACL check the text of a SPARQL constraint once, not once per focus node.

    Before each query pySHACL searches the constraint's text for MINUS, VALUES, SERVICE and
    re-bound variables with regular expressions that backtrack over the whole text from every
    line (~0.2–1.7 ms for each of ours): more than the query itself costs in the store's engine.
    The outcome depends on the text and the pre-bound variables only, so a check that passed is
    remembered (one that fails still raises, every time).
    """
    check: Callable[..., object] = SPARQLQueryHelper.check_invalid_sparql
    if getattr(check, "_actorgraph_once", False):
        return
    passed: set[tuple[str, bool, frozenset[str]]] = set()

    def check_once(
        self: SPARQLQueryHelper,
        sparql_text: str,
        valuenode: Node | None = None,
        extravars: Collection[str] | None = None,
    ) -> bool:
        key = (sparql_text, valuenode is not None, frozenset(extravars or ()))
        if key not in passed:
            check(self, sparql_text, valuenode=valuenode, extravars=extravars)
            passed.add(key)
        return True

    check_once._actorgraph_once = True  # type: ignore[attr-defined]
    SPARQLQueryHelper.check_invalid_sparql = check_once  # type: ignore[method-assign]


_check_each_text_once()


@lru_cache(maxsize=256)
def _prepared(text: str) -> Query:
    """``text`` parsed and translated (pySHACL writes the shapes' sh:prefixes into the text)."""
    return prepareQuery(text, initNs=PREFIXES)


def validate(data: Graph, *, include_ontology: bool = True, engine: bool = True) -> Report:
    """Validate ``data`` (a graph, or a dataset whose named graphs are merged) against the shapes.

    With ``include_ontology`` (the default) the ontology triples are added to the data graph, as the
    shapes expect; turn it off only when ``data`` already contains them. ``data`` is not modified.
    ``engine=False`` answers the SPARQL constraints with rdflib alone: the reference that the tests
    compare the store's engine with (module docstring).
    Raises ``RuntimeError`` only when pySHACL cannot run the shapes at all (a bug in the shapes).
    """
    data_graph = _DataGraph()
    if isinstance(data, ConjunctiveGraph):
        data_graph.addN(
            (s, p, o, data_graph) for s, p, o, _ in data.quads((None, None, None, None))
        )
    else:
        data_graph.addN((s, p, o, data_graph) for s, p, o in data)
    if include_ontology:
        data_graph.addN((s, p, o, data_graph) for s, p, o in load_ontology())
    if engine:
        data_graph.copy_to_engine()
    conforms, report_graph, text = pyshacl.validate(
        data_graph,
        shacl_graph=load_shapes(),
        inference="none",
        advanced=True,
        allow_warnings=True,
        meta_shacl=False,
        inplace=True,
    )
    if not isinstance(report_graph, Graph):
        raise RuntimeError(f"SHACL validation could not run: {text}")
    for prefix, namespace in PREFIXES.items():
        report_graph.bind(prefix, namespace, override=True)
    report_graph.bind("ags", AGS, override=True)
    results = sorted(
        (
            _result(report_graph, node)
            for node in report_graph.subjects(RDF.type, SH.ValidationResult)
        ),
        key=Result.sort_key,
    )
    return Report(
        conforms=bool(conforms),
        results=results,
        graph=report_graph,
        text=_text(bool(conforms), results),
    )


def reworded(report: Report, message: Callable[[Result, Node | None], str | None]) -> Report:
    """``report`` with the messages that ``message(result, rule)`` gives (``None`` keeps a
    result's message), in its results, its graph and its text alike. ``rule`` is the SPARQL
    constraint that failed, or else the shape."""
    graph = Graph(namespace_manager=report.graph.namespace_manager)
    for t in report.graph:
        graph.add(t)
    for node in report.graph.subjects(RDF.type, SH.ValidationResult):
        rule = report.graph.value(node, SH.sourceConstraint) or report.graph.value(
            node, SH.sourceShape
        )
        new = message(_result(report.graph, node), rule)
        if new is not None:
            graph.remove((node, SH.resultMessage, None))
            graph.add((node, SH.resultMessage, Literal(new)))
    results = sorted(
        (_result(graph, node) for node in graph.subjects(RDF.type, SH.ValidationResult)),
        key=Result.sort_key,
    )
    return Report(report.conforms, results, graph, _text(report.conforms, results))


def with_results(report: Report, extra: list[Result]) -> Report:
    """``report`` with ``extra`` results found outside SHACL (a quote that is not in its
    article's text: :mod:`graph.sources`), in its results, graph and text alike, so that a client
    reads them as it reads the shapes' own."""
    if not extra:
        return report
    graph = Graph(namespace_manager=report.graph.namespace_manager)
    for t in report.graph:
        graph.add(t)
    root = next(iter(graph.subjects(RDF.type, SH.ValidationReport)), None)
    if root is None:
        root = BNode()
        graph.add((root, RDF.type, SH.ValidationReport))
    for r in extra:
        node = BNode()
        graph.add((root, SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.focusNode, _term(r.focus_node)))
        graph.add((node, SH.resultSeverity, SH[r.severity]))
        graph.add((node, SH.sourceShape, _expand(r.source_shape)))
        graph.add((node, SH.sourceConstraintComponent, SH[r.source_constraint_component]))
        graph.add((node, SH.resultMessage, Literal(r.message)))
        if r.value is not None:
            graph.add((node, SH.value, _term(r.value)))
        if r.result_path is not None:
            steps: list[Node] = [_expand(step) for step in r.result_path.split("/")]
            if len(steps) == 1:
                graph.add((node, SH.resultPath, steps[0]))
            else:
                head = BNode()
                graph.add((node, SH.resultPath, head))
                RDFList(graph, head, steps)
    conforms = report.conforms and not any(r.severity == "Violation" for r in extra)
    graph.set((root, SH.conforms, Literal(conforms)))
    results = sorted([*report.results, *extra], key=Result.sort_key)
    return Report(conforms, results, graph, _text(conforms, results))


def _expand(curie: str) -> URIRef:
    prefix, _, local = curie.partition(":")
    known = {**PREFIXES, "ags": str(AGS)}
    return URIRef(known[prefix] + local) if prefix in known else URIRef(curie)


def _term(text: str) -> Node:
    return URIRef(text) if "://" in text and " " not in text else Literal(text)


_PLACEHOLDER = re.compile(r"\{[$?](\w+)\}")


def _bindings(template: str, message: str) -> dict[str, str] | None:
    """The values pySHACL put in place of ``template``'s placeholders to give ``message``, or
    None when the message is not the template filled in.

    >>> _bindings("{$this} is a {?class}: add {?edge}.", "ex:e is a ag:Statement: add ag:target.")
    {'this': 'ex:e', 'class': 'ag:Statement', 'edge': 'ag:target'}
    >>> _bindings("{$this} is a {?class}.", "something else") is None
    True
    """
    pattern, seen, at = [], set(), 0
    for m in _PLACEHOLDER.finditer(template):
        pattern.append(re.escape(template[at : m.start()]))
        name = m.group(1)
        pattern.append(f"(?P={name})" if name in seen else f"(?P<{name}>.*?)")
        seen.add(name)
        at = m.end()
    pattern.append(re.escape(template[at:]))
    found = re.fullmatch("".join(pattern), message, re.S)
    return None if found is None else {k: v for k, v in found.groupdict().items()}


def in_annotation_terms(report: Report) -> Report:
    """``report`` as the seed build shows it: each message in the words of the YAML annotations
    and the actor registry (the shape's ``ags:annotationMessage``, where it has one).

    The shapes' own messages speak RDF, for stewards who send triples; the seeds are written as
    YAML, and "add sem:hasEarliestBeginTimeStamp" means nothing to someone editing
    ``date_earliest``. The placeholders of SPARQL constraints (``{$this}``, ``{?value}``, and the
    path as ``{?path}``, ``{?role}`` or ``{?edge}``) are filled as pySHACL fills them.

    >>> from rdflib import Graph
    >>> event = "<https://w3id.org/actorgraph/id/event/e> a <https://w3id.org/actorgraph/ontology#Meeting> ."
    >>> report = validate(Graph().parse(data=event, format="turtle"))
    >>> date = next(r for r in report.results if r.source_shape == "ags:EventDateShape")
    >>> "`date_earliest`" in date.message, "sem:hasTimeStamp" in date.message
    (False, True)
    >>> date = next(r for r in in_annotation_terms(report).results if r.source_shape == "ags:EventDateShape")
    >>> "`date_earliest`" in date.message
    True
    """
    shapes = load_shapes()

    def yaml_words(result: Result, rule: Node | None) -> str | None:
        wording = shapes.value(rule, AGS.annotationMessage) if rule is not None else None
        if wording is None:
            return None
        template = shapes.value(rule, SH.message)
        bound = _bindings(str(template), result.message) if template is not None else None
        if bound is not None:  # every placeholder as pySHACL filled it in the RDF wording
            return _PLACEHOLDER.sub(lambda m: bound.get(m.group(1), m.group(0)), str(wording))
        text = str(wording).replace("{$this}", result.focus_node)
        text = text.replace("{?value}", result.value or "")
        for name in ("path", "role", "edge"):
            text = text.replace(f"{{?{name}}}", result.result_path or "")
        return text

    return reworded(report, yaml_words)


def raise_if_invalid(data: Graph) -> Report:
    """Validate ``data``; return the report if it conforms, else raise :class:`ValidationFailed`."""
    report = validate(data)
    if not report.conforms:
        raise ValidationFailed(report, _summary(report.results))
    return report


def _result(report: Graph, node: Node) -> Result:
    """One ``sh:ValidationResult`` of the report graph as a :class:`Result`."""
    path = report.value(node, SH.resultPath)
    value = report.value(node, SH.value)
    messages = sorted(
        str(m) for m in report.objects(node, SH.resultMessage) if isinstance(m, Literal)
    )
    return Result(
        focus_node=_plain(report.value(node, SH.focusNode)),
        result_path=None if path is None else _path(report, path),
        value=None if value is None else _plain(value),
        severity=_local(report.value(node, SH.resultSeverity)),
        source_shape=_compact(report.value(node, SH.sourceShape)),
        source_constraint_component=_local(report.value(node, SH.sourceConstraintComponent)),
        message=" ".join(messages),
    )


def _copy_tree(source: Graph, node: Node, target: Graph) -> None:
    """Copy ``node``'s triples in ``source`` into ``target``, with those of its blank nodes."""
    for p, o in source.predicate_objects(node):
        target.add((node, p, o))
        if isinstance(o, BNode):
            _copy_tree(source, o, target)


def _path(graph: Graph, path: Node) -> str:
    """A SHACL property path (as stored in ``graph``) in SPARQL property-path syntax."""
    if isinstance(path, URIRef):
        return _compact(path)
    if graph.value(path, RDF.first) is not None:
        return "/".join(_path(graph, step) for step in graph.items(path))
    for predicate, template in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "({})*"),
        (SH.oneOrMorePath, "({})+"),
        (SH.zeroOrOnePath, "({})?"),
    ):
        inner = graph.value(path, predicate)
        if inner is not None:
            return template.format(_path(graph, inner))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_path(graph, step) for step in graph.items(alternatives)) + ")"
    return _plain(path)


def _compact(term: Node | None) -> str:
    """A vocabulary IRI as a prefixed name (``ags:EventShape``) when it has a simple local name."""
    text = _plain(term)
    for prefix, namespace in _NAMESPACES:
        local = text[len(namespace) :]
        if text.startswith(namespace) and local and local.replace("-", "_").isidentifier():
            return f"{prefix}:{local}"
    return text


def _local(term: Node | None) -> str:
    """The local name of an IRI (after the last ``#`` or ``/``)."""
    text = _plain(term)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _plain(term: Node | None) -> str:
    """An IRI or a literal as a plain string; a blank node as ``_:id``."""
    if term is None:
        return ""
    if isinstance(term, BNode):
        return term.n3()
    return str(term)


def _describe(result: Result) -> str:
    """One result in words: where, which property, what is wrong."""
    where = result.focus_node + (f" ({result.result_path})" if result.result_path else "")
    return f"{where}: {result.message}"


def _text(conforms: bool, results: list[Result]) -> str:
    """A readable, stable report: one line per result."""
    if conforms and not results:
        return "The data conforms to the shapes."
    verb = "conforms" if conforms else "does not conform"
    lines = [f"The data {verb} to the shapes: {len(results)} result(s)."]
    lines.extend(f"- {r.severity}: {_describe(r)}" for r in results)
    return "\n".join(lines)


def _summary(results: list[Result]) -> str:
    """The message of :class:`ValidationFailed`: the count and the first few problems."""
    problems = [r for r in results if r.severity == "Violation"] or results
    count = len(problems)
    noun = "problem" if count == 1 else "problems"
    lines = [f"The data does not conform to the shapes: {count} {noun}."]
    lines.extend(f"- {_describe(r)}" for r in problems[:_SHOWN_IN_MESSAGE])
    if count > _SHOWN_IN_MESSAGE:
        lines.append(f"… and {count - _SHOWN_IN_MESSAGE} more (see the report).")
    return "\n".join(lines)
