"""How expensive a SPARQL query looks, read from its text before it runs.

Why: the public endpoint runs each query in a worker under a time limit, and a runaway query
(a cartesian product of patterns that share no variable, such as
``SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }``) holds its worker for the whole
limit while cheap queries wait. :func:`estimate` reads the WHERE pattern (a lexer and a small
recursive-descent reader, no engine: microseconds) and returns the rows it expects the engine to
touch, the largest cartesian product of unconnected parts, and words a user can act on. What to
refuse, or which queries go to the heavy lane, is the server's decision, not this module's.

The model (orders of magnitude, from :class:`Statistics` counted once per version of the graph):

* **A triple pattern** matches ``triples`` rows when all three are variables; a constant predicate
  ``p`` matches ``predicates[p]`` (0 if unknown); ``?x rdf:type C`` matches ``classes[C]``. A
  constant subject (object) divides by the predicate's distinct subjects (objects) when they were
  counted, else caps at 100; both constant: at most 1. A variable predicate with a constant
  subject or object matches at most 1,000 rows.
* **Paths** count (start, end) pairs: a sequence matches as many as its smallest step
  (optimistic, as joins below), an alternative the sum, ``p*``/``p+`` ``n·√n``, ``p?`` ``n``
  (``p*`` and ``p?`` at least the graph's nodes: zero steps match every node to itself),
  ``!(…)`` like a variable predicate; a constant end caps the pairs at 100. Reading a path costs
  its pairs plus every step's triples.
* **A group** ``{ … }`` joins its parts. Parts that share a variable (or blank node) form a
  component, whose output is its smallest part (optimistic on purpose: a connected join is never
  blamed) and whose cost is the sum of its parts (pyoxigraph reads each pattern for a hash join).
  The group's output is the **product** of its components' outputs, and a product of two or more
  components of more than one row each is reported. OPTIONAL joins like a part that never removes
  rows; UNION sums its branches; a subquery exposes only its projection, yields 1 row when it
  aggregates without GROUP BY, √rows after GROUP BY or DISTINCT, and at most its LIMIT; VALUES
  yields its row count. MINUS and FILTER (NOT) EXISTS groups cost what they read but connect
  nothing, and neither do FILTER and BIND (a BIND's variable joins with the variables it is
  computed from when another part uses it). EXISTS groups are estimated on their own.
* **Rows** (for the lane, never for a refusal) counts each connected join pessimistically: its
  largest part times the average fan-out (rows per distinct subject of the graph, at least 1) of
  each other part, so a chain of unbound patterns grows by the mean degree at every hop.
* **Cost** is the sum over everything read, plus every group's output, plus group rows × MINUS
  rows for a MINUS that shares no variable with its group: it removes nothing, but pyoxigraph
  compares every pair (measured: about 1.5e7 pairs a second).
* **Calibration** (``benchmarks/cost.py``): pyoxigraph counts about 1e7 rows of a product a
  second, so a product of 1e7 is about a second of engine time when the query must see every
  row (COUNT, GROUP BY, ORDER BY); a query that streams stops at its LIMIT or the row cap.

>>> from graph.namespaces import AG, RDF
>>> stats = Statistics(triples=10_000, predicates={str(RDF.type): 2_000}, classes={str(AG.State): 11})
>>> estimate("SELECT * { ?a a ag:State . ?b a ag:State . ?a ?p ?o }", stats).product
121.0
>>> runaway = estimate("SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f }", stats)
>>> runaway.product
100000000.0
>>> print(runaway.reason)
the patterns `?a ?b ?c` (about 1.0e4 rows) and `?d ?e ?f` (about 1.0e4 rows) share no variable, so every solution of one is paired with every solution of the other (about 1.0e8 rows); join them through a shared variable, or ask for each separately
>>> estimate("SELECT * { ?s ?p", stats).understood
False
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import urljoin

from graph.namespaces import PREFIXES, RDF
from graph.sparql import tokens
from graph.store import Store

__all__ = ["Estimate", "Statistics", "estimate"]

_RDF_TYPE = str(RDF.type)
_RDF_FIRST = str(RDF.first)
_RDF_REST = str(RDF.rest)
_RDF_NIL = str(RDF.nil)

_MAX_DEPTH = 256  # brackets deeper than this: not understood (the reader is recursive)
_MAX_RELEX = 32  # "<" re-read as less-than this many times at most (each re-lexes the rest)
_HUGE = 1e300  # every estimate is capped here, so no product overflows to inf (inf·0 is nan)
_PART_TEXT = 60  # characters of a part's text in a reason
_CONSTANT_END = 100.0  # rows of a pattern with a constant end, when nothing better is known
_VARIABLE_PREDICATE = 1000.0  # rows of `<s> ?p ?o` / `?s ?p <o>`

_AGGREGATES = frozenset({"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"})
_OPERAND_END = frozenset({"VAR", "IRI", "PNAME", "NUMBER", "STRING", "LANGTAG", "BNODE"})
# Words that end a solution modifier's list of conditions (they may be followed by "(").
_MODIFIER_STOP = frozenset({"GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES"})

_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
_PREDICATES = """
SELECT ?p (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?o) AS ?objects)
WHERE { ?s ?p ?o }
GROUP BY ?p
"""
_NODES = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"
_CLASSES = """
SELECT ?class (COUNT(*) AS ?n)
WHERE { ?s a ?class FILTER (isIRI(?class)) }
GROUP BY ?class
"""


@dataclass(frozen=True)
class Statistics:
    """What the estimator knows about the graph: counted once per version of the graph.

    ``subjects`` and ``objects`` (distinct subjects and objects per predicate) are optional; with
    them a constant subject or object divides a predicate's count by its fan-out instead of
    capping it at 100.
    """

    triples: int
    predicates: Mapping[str, int]  # predicate IRI -> triples (union of all graphs)
    classes: Mapping[str, int]  # class IRI -> `?x rdf:type <class>` triples
    subjects: Mapping[str, int] = field(default_factory=dict)  # predicate IRI -> distinct subjects
    objects: Mapping[str, int] = field(default_factory=dict)  # predicate IRI -> distinct objects
    nodes: int = 0  # distinct subjects of the whole graph (0: not counted; triples / 3 is assumed)

    @classmethod
    def from_store(cls, store: Store) -> Statistics:
        """Count what :func:`estimate` needs, with three GROUP BY queries over the union of all
        graphs (what a query's default graph is).

        >>> from graph.namespaces import AG, ID, RDF, RDFS
        >>> from rdflib import Literal
        >>> store = Store.memory()
        >>> store.replace_graphs({ID.g: [(ID.russia, RDF.type, AG.State),
        ...                              (ID.russia, RDFS.label, Literal("Russia")),
        ...                              (ID.russia, RDFS.label, Literal("Russian Federation"))]})
        >>> stats = Statistics.from_store(store)
        >>> stats.triples, stats.classes[str(AG.State)], stats.predicates[str(RDFS.label)]
        (3, 1, 2)
        >>> stats.subjects[str(RDFS.label)], stats.objects[str(RDFS.label)]
        (1, 2)
        """
        triples = 0
        for (n,) in store.query(_TRIPLES).values():
            triples = int(n or 0)
        predicates: dict[str, int] = {}
        subjects: dict[str, int] = {}
        objects: dict[str, int] = {}
        for p, n, s, o in store.query(_PREDICATES).values():
            if p is not None:
                predicates[p] = int(n or 0)
                subjects[p] = int(s or 0)
                objects[p] = int(o or 0)
        classes = {c: int(n or 0) for c, n in store.query(_CLASSES).values() if c is not None}
        nodes = 0
        for (n,) in store.query(_NODES).values():
            nodes = int(n or 0)
        return cls(triples, predicates, classes, subjects, objects, nodes)


@dataclass(frozen=True)
class Estimate:
    """What a query looks like it costs (see the module docstring for the model)."""

    cost: float  # estimated rows the engine touches (sum over patterns scanned, plus outputs)
    product: float  # largest cartesian product of unconnected parts found (1.0 if none)
    reason: str | None  # when product > 1: which parts share no variable, and what to do
    understood: bool  # False when the estimator could not follow the query's structure
    rows: float = 0.0  # the largest join any group may produce, counted pessimistically


def estimate(query: str, stats: Statistics) -> Estimate:
    """Estimate the cost of ``query`` before it runs; never raises.

    When the reader cannot follow the query (bad syntax, brackets nested deeper than 256, an
    extension it does not know), the estimate is the size of the graph with
    ``understood=False``: the engine will report syntax errors itself.

    >>> stats = Statistics(triples=1_000, predicates={}, classes={})
    >>> estimate("ASK { ?s ?p ?o }", stats)
    Estimate(cost=2000.0, product=1.0, reason=None, understood=True, rows=2000.0)
    >>> estimate("{" * 10_000, stats)
    Estimate(cost=1000.0, product=1.0, reason=None, understood=False, rows=1000.0)
    """
    try:
        reader = _Reader(query, stats)
        cost = reader.read()
    except (_Lost, RecursionError):
        triples = float(stats.triples)
        return Estimate(cost=triples, product=1.0, reason=None, understood=False, rows=triples)
    return Estimate(
        cost=cost,
        product=reader.product,
        reason=reader.reason,
        understood=True,
        rows=max(reader.rows, cost),
    )


# ------------------------------------------------------------------------------------- reader
class _Lost(Exception):
    """The reader cannot follow the query."""


Span = tuple[int, int] | None  # a piece of the query text; None stands for an anonymous "[]"


@dataclass(frozen=True)
class _Part:
    """One joinable part of a group: a triple pattern, a nested group, a UNION, a subquery…"""

    vars: frozenset[str]
    rows: float
    cost: float
    spans: tuple[Span, ...]  # its text, for reasons (rendered only when needed)
    optional: bool = False
    upper: float | None = None  # output counted pessimistically (joins multiply); None: rows

    @property
    def most(self) -> float:
        return self.rows if self.upper is None else self.upper


@dataclass(frozen=True)
class _Node:
    """A subject or object: a variable (or blank node) by name, else a constant."""

    var: str | None
    iri: str | None  # the IRI of a constant IRI, for rdf:type classes
    span: Span


@dataclass(frozen=True)
class _Path:
    """A predicate or property path: ``pairs`` (start, end) pairs, ``reads`` triples read."""

    pairs: float
    reads: float
    iri: str | None = None  # a single predicate (possibly inverse)
    inverse: bool = False


@dataclass
class _Expr:
    """What the reader keeps of a skipped expression."""

    cost: float = 0.0  # of the EXISTS groups inside
    vars: set[str] = field(default_factory=set)
    target: str | None = None  # the variable after AS
    aggregate: bool = False


_EOF = ("EOF", "", -1)


class _Reader:
    """One pass over a query's tokens; see :func:`estimate`."""

    def __init__(self, text: str, stats: Statistics) -> None:
        self.text = text
        self.stats = stats
        self.toks = list(tokens(text))
        self.i = 0
        self.end = 0  # offset just past the last token taken
        self.prefixes: dict[str, str] = dict(PREFIXES)
        self.base: str | None = None
        self.fresh = 0  # anonymous nodes and groups made so far
        self.relexed = 0
        self.product = 1.0
        self.reason: str | None = None
        self.rows = 0.0  # the largest pessimistic join output of any group

    # ---------------------------------------------------------------- tokens
    def peek(self, ahead: int = 0) -> tuple[str, str, int]:
        try:
            return self.toks[self.i + ahead]
        except IndexError:
            return _EOF

    def take(self) -> tuple[str, str, int]:
        tok = self.peek()
        if tok is _EOF:
            raise _Lost
        self.i += 1
        self.end = tok[2] + len(tok[1])
        return tok

    def word(self, ahead: int = 0) -> str:
        """The current token upper-cased if it is a word (keywords are case-insensitive)."""
        kind, text, _ = self.peek(ahead)
        return text.upper() if kind == "WORD" else ""

    def op(self, text: str, ahead: int = 0) -> bool:
        kind, value, _ = self.peek(ahead)
        return kind == "OP" and value == text

    def expect_op(self, text: str) -> int:
        if not self.op(text):
            raise _Lost
        return self.take()[2]

    def expect_word(self, word: str) -> None:
        if self.word() != word:
            raise _Lost
        self.take()

    def start(self) -> int:
        return self.peek()[2]

    def iri(self) -> str | None:
        """Take an IRI or prefixed name; its absolute IRI (None for an unknown prefix)."""
        kind, text, _ = self.take()
        if kind == "IRI":
            return self.resolve(text[1:-1])
        if kind == "PNAME":
            prefix, _, local = text.partition(":")
            ns = self.prefixes.get(prefix)
            return None if ns is None else ns + re.sub(r"\\(.)", r"\1", local)
        raise _Lost

    def resolve(self, iri: str) -> str:
        if self.base is None or re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", iri):
            return iri
        head, hash_, fragment = iri.partition("#")  # urljoin drops an empty fragment ("ns#")
        try:
            return urljoin(self.base, head) + hash_ + fragment
        except ValueError:  # a base urllib cannot split ("http://[x"): the engine will say
            return iri

    def relex(self) -> None:
        """Read the ``<…>`` token here as "less than" and re-read what follows.

        The lexer takes ``<`` followed by IRI characters up to ``>`` as an IRI; inside an
        expression, after an operand, the grammar says it is a comparison (``?a<?b&&?c>1``).
        Re-reading stops where a token starts where an old one did: from there on the lexer
        (which keeps no state) reads the same tokens.
        """
        self.relexed += 1
        if self.relexed > _MAX_RELEX:
            raise _Lost
        _, _, at = self.toks[self.i]
        new = [("OP", "<", at)]
        j = self.i + 1
        for kind, text, offset in tokens(self.text[at + 1 :]):
            offset += at + 1
            while j < len(self.toks) and self.toks[j][2] < offset:
                j += 1
            if j < len(self.toks) and self.toks[j][2] == offset:
                break
            new.append((kind, text, offset))
        else:
            j = len(self.toks)
        self.toks[self.i : j] = new

    # ---------------------------------------------------------------- the query
    def read(self) -> float:
        """The whole query; its cost."""
        self.prologue()
        form = self.word()
        if form == "SELECT":
            part = self.select(0)
        elif form == "ASK":
            self.take()
            self.dataset()
            part = self.where(0)
            part = self.modified(part, self.modifiers(0))
            part = self.values_after(part)
        elif form == "CONSTRUCT":
            self.take()
            if self.op("{"):
                self.skip_template()
                self.dataset()
                part = self.where(0)
            else:
                self.dataset()
                self.expect_word("WHERE")
                part = self.group(1)
            part = self.modified(part, self.modifiers(0))
            part = self.values_after(part)
        elif form == "DESCRIBE":
            part = self.describe()
        else:
            raise _Lost
        if self.peek() is not _EOF:
            raise _Lost
        return part.cost

    def prologue(self) -> None:
        while True:
            word = self.word()
            if word == "BASE":
                self.take()
                kind, text, _ = self.take()
                if kind != "IRI":
                    raise _Lost
                self.base = self.resolve(text[1:-1])
            elif word == "PREFIX":
                self.take()
                kind, name, _ = self.take()
                if kind != "PNAME" or not name.endswith(":"):
                    raise _Lost
                kind, text, _ = self.take()
                if kind != "IRI":
                    raise _Lost
                self.prefixes[name[:-1]] = self.resolve(text[1:-1])
            else:
                return

    def dataset(self) -> None:
        while self.word() == "FROM":
            self.take()
            if self.word() == "NAMED":
                self.take()
            self.iri()

    def where(self, depth: int) -> _Part:
        if self.word() == "WHERE":
            self.take()
        return self.group(depth + 1)

    def describe(self) -> _Part:
        self.take()
        constants, names, star = 0, set[str](), False
        if self.op("*"):
            self.take()
            star = True
        while self.peek()[0] in ("VAR", "IRI", "PNAME"):
            kind, text, _ = self.take()
            if kind == "VAR":
                names.add(text[1:])
            else:
                constants += 1
        self.dataset()
        if self.word() == "WHERE" or self.op("{"):
            part = self.where(0)
        else:
            part = _Part(frozenset(), 1.0, 0.0, ())
        part = self.modified(part, self.modifiers(0))
        part = self.values_after(part)
        # each described resource costs what `<r> ?p ?o` does
        described = constants + len(part.vars if star else names) * part.rows
        per_resource = min(float(self.stats.triples), _VARIABLE_PREDICATE)
        return replace(part, cost=_cap(part.cost + described * per_resource))

    def skip_template(self) -> None:
        """CONSTRUCT's template: balanced brackets, not read (it costs nothing to match)."""
        level = 0
        while True:
            kind, text, _ = self.take()
            if kind == "OP" and text in "{[(":
                level += 1
                if level > _MAX_DEPTH:
                    raise _Lost
            elif kind == "OP" and text in "}])":
                level -= 1
                if level == 0:
                    return

    # ---------------------------------------------------------------- SELECT and subqueries
    def select(self, depth: int) -> _Part:
        """``SELECT … WHERE { … } modifiers VALUES …`` (the query, or a subquery at ``depth``)."""
        self.take()
        distinct = False
        if self.word() in ("DISTINCT", "REDUCED"):
            self.take()
            distinct = True
        projected: set[str] | None = None  # None: SELECT *
        aggregate, cost = False, 0.0
        if self.op("*"):
            self.take()
        else:
            projected = set()
            while True:
                kind, text, _ = self.peek()
                if kind == "VAR":
                    self.take()
                    projected.add(text[1:])
                elif self.op("("):
                    expr = self.expression(depth)
                    if expr.target is None:
                        raise _Lost
                    projected.add(expr.target)
                    aggregate = aggregate or expr.aggregate
                    cost += expr.cost
                else:
                    break
            if not projected:
                raise _Lost
        self.dataset()
        where = self.where(depth)
        grouped, limit, modifier_cost = self.modifiers(depth)
        rows = where.rows
        if aggregate and not grouped:
            rows = 1.0
        elif grouped or (distinct and projected is not None):
            rows = math.sqrt(rows)
        if limit is not None:
            rows = min(rows, limit)
        part = _Part(
            where.vars if projected is None else frozenset(projected),
            rows,
            _cap(where.cost + cost + modifier_cost),
            where.spans,
        )
        return self.values_after(part)

    def modifiers(self, depth: int) -> tuple[bool, float | None, float]:
        """GROUP BY, HAVING, ORDER BY, LIMIT, OFFSET: (grouped?, the limit, EXISTS costs)."""
        grouped, limit, cost = False, None, 0.0
        if self.word() == "GROUP":
            self.take()
            self.expect_word("BY")
            grouped = True
            cost += self.conditions(depth, need_one=True)
        if self.word() == "HAVING":
            self.take()
            cost += self.conditions(depth, need_one=True)
        if self.word() == "ORDER":
            self.take()
            self.expect_word("BY")
            cost += self.conditions(depth, need_one=True)
        for _ in range(2):
            word = self.word()
            if word in ("LIMIT", "OFFSET"):
                self.take()
                kind, text, _ = self.take()
                if kind != "NUMBER" or not text.isdigit():
                    raise _Lost
                if word == "LIMIT":
                    limit = float(text)
        return grouped, limit, cost

    def conditions(self, depth: int, *, need_one: bool) -> float:
        """A list of conditions (``?v``, ``(expr)``, ``fn(…)``, ``DESC(…)``); their EXISTS costs."""
        cost, seen = 0.0, 0
        while True:
            kind = self.peek()[0]
            if kind == "VAR":
                self.take()
            elif self.op("("):
                cost += self.expression(depth).cost
            elif (
                kind in ("IRI", "PNAME") or (kind == "WORD" and self.word() not in _MODIFIER_STOP)
            ) and self.op("(", 1):
                self.take()
                cost += self.expression(depth).cost
            else:
                break
            seen += 1
        if need_one and not seen:
            raise _Lost
        return cost

    def modified(self, part: _Part, modifiers: tuple[bool, float | None, float]) -> _Part:
        _, limit, cost = modifiers
        rows = part.rows if limit is None else min(part.rows, limit)
        return replace(part, rows=rows, cost=_cap(part.cost + cost))

    def values_after(self, part: _Part) -> _Part:
        """A trailing VALUES clause joins the query's (or subquery's) solutions."""
        if self.word() != "VALUES":
            return part
        return self.combine([part, self.values()], [], 0.0, part.spans)

    # ---------------------------------------------------------------- groups
    def group(self, depth: int) -> _Part:
        """``{ … }``: its parts joined (see the module docstring)."""
        if depth > _MAX_DEPTH:
            raise _Lost
        start = self.expect_op("{")
        if self.word() == "SELECT":
            sub = self.select(depth)
            self.expect_op("}")
            return replace(sub, spans=((start, self.end),))
        self.fresh += 1
        scope = f"@{self.fresh}"  # blank node labels are variables of this group only
        parts: list[_Part] = []
        binds: list[tuple[str, frozenset[str]]] = []
        side = 0.0  # FILTER EXISTS: read, but joined with nothing
        minus: list[_Part] = []
        while True:
            kind, text, at = self.peek()
            word = text.upper() if kind == "WORD" else ""
            if kind == "OP" and text == "}":
                self.take()
                break
            if kind == "OP" and text == ".":
                self.take()
            elif kind == "OP" and text == "{":
                parts.append(self.group_or_union(depth + 1))
            elif word in ("OPTIONAL", "LATERAL"):
                self.take()
                inner = self.group(depth + 1)
                parts.append(replace(inner, spans=((at, self.end),), optional=word == "OPTIONAL"))
            elif word == "MINUS":
                self.take()
                minus.append(self.group(depth + 1))
            elif word in ("GRAPH", "SERVICE"):
                self.take()
                if word == "SERVICE" and self.word() == "SILENT":
                    self.take()
                name: frozenset[str] = frozenset()
                if self.peek()[0] == "VAR":
                    name = frozenset({self.take()[1][1:]})
                else:
                    self.iri()
                inner = self.group(depth + 1)
                parts.append(_Part(inner.vars | name, inner.rows, inner.cost, ((at, self.end),)))
            elif word == "FILTER":
                self.take()
                side += self.filter(depth)
            elif word == "BIND":
                self.take()
                expr = self.expression(depth)
                if expr.target is None:
                    raise _Lost
                binds.append((expr.target, frozenset(expr.vars - {expr.target})))
                side += expr.cost
            elif word == "VALUES":
                parts.append(self.values())
            elif kind == "WORD" and word not in ("TRUE", "FALSE"):
                raise _Lost  # UNION without a group before it, a keyword out of place…
            else:
                self.triples(parts, scope, depth)
        return self.combine(parts, binds, side, ((start, self.end),), minus)

    def group_or_union(self, depth: int) -> _Part:
        at = self.start()
        branches = [self.group(depth)]
        while self.word() == "UNION":
            self.take()
            branches.append(self.group(depth))
        if len(branches) == 1:
            return branches[0]
        return _Part(
            frozenset().union(*(b.vars for b in branches)),
            _cap(sum(b.rows for b in branches)),
            _cap(sum(b.cost for b in branches)),
            ((at, self.end),),
        )

    def filter(self, depth: int) -> float:
        """``FILTER …`` after the keyword; the cost of the EXISTS groups inside."""
        word = self.word()
        if word == "NOT":
            self.take()
            word = self.word()
            if word != "EXISTS":
                raise _Lost
        if word == "EXISTS":
            self.take()
            return self.group(depth + 1).cost
        kind = self.peek()[0]
        if kind in ("WORD", "IRI", "PNAME") and self.op("(", 1):
            self.take()  # a function call: FILTER regex(…), FILTER <fn>(…)
        return self.expression(depth).cost

    def expression(self, depth: int) -> _Expr:
        """A bracketed expression, skipped without recursion except into EXISTS groups."""
        self.expect_op("(")
        expr = _Expr()
        level = 1
        prev_kind, prev = "OP", "("
        while level:
            kind, text, _ = self.peek()
            if kind == "IRI" and (prev_kind in _OPERAND_END or prev in (")", "TRUE", "FALSE")):
                self.relex()
                continue
            self.take()
            upper = text.upper() if kind == "WORD" else text
            if kind == "OP":
                if text == "(":
                    level += 1
                    if depth + level > _MAX_DEPTH:
                        raise _Lost
                elif text == ")":
                    level -= 1
                elif text in "{}[]":
                    raise _Lost
            elif kind == "VAR":
                if prev == "AS" and level == 1:
                    expr.target = text[1:]
                else:
                    expr.vars.add(text[1:])
            elif kind == "WORD":
                if upper == "EXISTS":
                    expr.cost += self.group(depth + level + 1).cost
                elif upper in _AGGREGATES and self.op("("):
                    expr.aggregate = True
            prev_kind, prev = kind, upper
        return expr

    def values(self) -> _Part:
        """``VALUES ?x { … }`` or ``VALUES (?x ?y) { (…) … }``: as many rows as it lists."""
        at = self.take()[2]
        names: set[str] = set()
        single = self.peek()[0] == "VAR"
        if single:
            names.add(self.take()[1][1:])
        else:
            self.expect_op("(")
            while self.peek()[0] == "VAR":
                names.add(self.take()[1][1:])
            self.expect_op(")")
        self.expect_op("{")
        rows = 0
        while not self.op("}"):
            if single:
                self.data_value()
            else:
                self.expect_op("(")
                while not self.op(")"):
                    self.data_value()
                self.take()
            rows += 1
        self.take()
        return _Part(frozenset(names), float(rows), float(rows), ((at, self.end),))

    def data_value(self) -> None:
        kind, text, _ = self.peek()
        if kind in ("IRI", "PNAME"):
            self.iri()
        elif kind == "STRING":
            self.literal()
        elif kind == "NUMBER" or (kind == "WORD" and text.upper() in ("TRUE", "FALSE", "UNDEF")):
            self.take()
        elif kind == "OP" and text in "+-" and self.peek(1)[0] == "NUMBER":
            self.take()
            self.take()
        else:
            raise _Lost

    def literal(self) -> None:
        self.take()
        if self.peek()[0] == "LANGTAG":
            self.take()
        elif self.op("^^"):
            self.take()
            self.iri()

    # ---------------------------------------------------------------- joining a group's parts
    def combine(
        self,
        parts: list[_Part],
        binds: list[tuple[str, frozenset[str]]],
        side: float,
        spans: tuple[Span, ...],
        minus: Iterable[_Part] = (),
    ) -> _Part:
        """Join a group's parts: components by shared variables, output the product of theirs."""
        parent: dict[str, str] = {}

        def find(v: str) -> str:
            root = v
            while parent.setdefault(root, root) != root:
                root = parent[root]
            while parent[v] != root:  # path compression
                parent[v], v = root, parent[v]
            return root

        used: set[str] = set()
        for part in parts:
            names = iter(part.vars)
            first = next(names, None)
            if first is None:
                continue
            used.add(first)
            root = find(first)
            for v in names:
                used.add(v)
                other = find(v)
                if other != root:
                    parent[other] = root
        # A BIND's variable is its expression's variables in disguise, if anything uses it.
        # (A BIND only sees variables bound before it, so one pass from the end follows chains.)
        for target, sources in reversed(binds):
            if target in used:
                for v in sources:
                    used.add(v)
                    a, b = find(target), find(v)
                    if a != b:
                        parent[b] = a

        components: dict[str, list[_Part]] = {}
        for n, part in enumerate(parts):
            key = find(next(iter(part.vars))) if part.vars else f"#{n}"
            components.setdefault(key, []).append(part)
        sizes: list[tuple[float, list[_Part]]] = []
        upper = 1.0
        for members in components.values():
            required = [p.rows for p in members if not p.optional]
            # only OPTIONAL parts: they add rows, never remove them
            rows = min(required) if required else max(1.0, min(p.rows for p in members))
            sizes.append((rows, members))
            upper = _cap(upper * self.join_upper(members))
        self.rows = max(self.rows, upper)

        rows = 1.0
        for size, _ in sizes:
            rows = _cap(rows * size)
        big = [(size, members) for size, members in sizes if size > 1]
        if rows > 0 and len(big) >= 2:
            product = 1.0
            for size, _ in big:
                product = _cap(product * size)
            if product > self.product:
                self.product = product
                self.reason = self.explain(big, product)
        exported = {v for p in parts for v in p.vars} | {t for t, _ in binds}
        cost = sum(p.cost for p in parts) + side + rows
        for right in minus:
            cost += right.cost if right.vars & exported else _cap(right.cost + rows * right.rows)
        cost = _cap(cost)
        kept = frozenset(v for v in exported if not v.startswith("_:"))
        return _Part(kept, rows, cost, spans, upper=max(upper, rows))

    @property
    def nodes(self) -> float:
        """The graph's nodes (distinct subjects; a third of the triples when not counted)."""
        return float(self.stats.nodes or max(1, self.stats.triples // 3))

    def join_upper(self, members: list[_Part]) -> float:
        """A connected component's output counted pessimistically, for deciding which queries
        are heavy (never for refusing one): its largest part, times the average fan-out of each
        other part (its rows per distinct node of the graph, at least 1). A chain of unbound
        patterns ``?a ?p ?b . ?b ?q ?c …`` grows by the graph's mean degree at every hop, as it
        does in the engine; a join through constants or selective patterns does not grow."""
        sizes = sorted((p.most for p in members), reverse=True)
        if not sizes:
            return 1.0
        nodes = self.nodes
        total = sizes[0]
        for size in sizes[1:]:
            total = _cap(total * max(1.0, size / nodes))
        return total

    def explain(self, big: list[tuple[float, list[_Part]]], rows: float) -> str:
        named = [
            f"`{self.describe_parts(members)}` (about {_approx(size)} rows)"
            for size, members in big
        ]
        listed = ", ".join(named[:-1]) + " and " + named[-1]
        other = "the other" if len(big) == 2 else "the others"
        return (
            f"the patterns {listed} share no variable, so every solution of one is paired with "
            f"every solution of {other} (about {_approx(rows)} rows); join them through a shared "
            "variable, or ask for each separately"
        )

    def describe_parts(self, parts: Iterable[_Part]) -> str:
        """The text of some parts, on one line, at most ``_PART_TEXT`` characters."""
        out = ""
        for part in parts:
            text = " ".join(self.render(span) for span in part.spans)
            out = f"{out} . {text}" if out else text
            if len(out) > _PART_TEXT:
                break
        out = " ".join(out.split())
        return out if len(out) <= _PART_TEXT else out[: _PART_TEXT - 1] + "…"

    def render(self, span: Span) -> str:
        return "[]" if span is None else self.text[span[0] : span[1]]

    # ---------------------------------------------------------------- triples
    def triples(self, parts: list[_Part], scope: str, depth: int) -> None:
        """One subject and its property list (``?s :p ?o ; :q ?x , ?y``), as triple patterns."""
        opens_node = (self.op("[") and not self.op("]", 1)) or (
            self.op("(") and not self.op(")", 1)
        )
        subject = self.node(parts, scope, depth)
        if opens_node and not self.starts_verb():
            return  # `[ :p ?o ] .` and `( ?a ?b ) .` stand alone
        self.property_list(subject, parts, scope, depth)

    def starts_verb(self) -> bool:
        kind, text, _ = self.peek()
        return (
            kind in ("VAR", "IRI", "PNAME")
            or text == "a"
            or self.op("^")
            or self.op("!")
            or self.op("(")
        )

    def property_list(self, subject: _Node, parts: list[_Part], scope: str, depth: int) -> None:
        while True:
            at = self.start()
            if self.peek()[0] == "VAR":
                verb: str | _Path = self.take()[1][1:]
            else:
                verb = self.path(depth)
            verb_span = (at, self.end)
            while True:
                obj = self.node(parts, scope, depth)
                parts.append(self.pattern(subject, verb, verb_span, obj))
                if not self.op(","):
                    break
                self.take()
            if not self.op(";"):
                return
            while self.op(";"):
                self.take()
            if not self.starts_verb():
                return

    def node(self, parts: list[_Part], scope: str, depth: int) -> _Node:
        """A subject or object; blank node property lists and collections add their patterns."""
        if depth > _MAX_DEPTH:
            raise _Lost
        kind, text, at = self.peek()
        if kind == "VAR":
            self.take()
            return _Node(text[1:], None, (at, self.end))
        if kind == "BNODE":
            self.take()
            return _Node(text + scope, None, (at, self.end))
        if kind in ("IRI", "PNAME"):
            iri = self.iri()
            return _Node(None, iri, (at, self.end))
        if kind == "STRING":
            self.literal()
            return _Node(None, None, (at, self.end))
        if kind == "NUMBER" or (kind == "WORD" and text.upper() in ("TRUE", "FALSE")):
            self.take()
            return _Node(None, None, (at, self.end))
        if kind == "OP" and text in "+-" and self.peek(1)[0] == "NUMBER":
            self.take()
            self.take()
            return _Node(None, None, (at, self.end))
        if self.op("["):
            self.take()
            anon = self.anonymous()
            if self.op("]"):
                self.take()
                return replace(anon, span=(at, self.end))
            self.property_list(replace(anon, span=None), parts, scope, depth + 1)
            self.expect_op("]")
            return replace(anon, span=(at, self.end))
        if self.op("("):
            self.take()
            if self.op(")"):
                self.take()
                return _Node(None, _RDF_NIL, (at, self.end))
            items: list[_Node] = []
            while not self.op(")"):
                items.append(self.node(parts, scope, depth + 1))
            self.take()
            span = (at, self.end)
            head = cell = self.anonymous()
            first, rest = (
                _Path(*self.count(_RDF_FIRST), _RDF_FIRST),
                _Path(*self.count(_RDF_REST), _RDF_REST),
            )
            for n, item in enumerate(items):
                following = self.anonymous() if n + 1 < len(items) else _Node(None, _RDF_NIL, span)
                parts.append(self.pattern(cell, first, span, item))
                parts.append(self.pattern(cell, rest, span, following))
                cell = following
            return replace(head, span=span)
        raise _Lost

    def anonymous(self) -> _Node:
        self.fresh += 1
        return _Node(f"_:#{self.fresh}", None, None)

    def count(self, iri: str) -> tuple[float, float]:
        n = float(self.stats.predicates.get(iri, 0))
        return n, n

    # ---------------------------------------------------------------- paths
    def path(self, depth: int) -> _Path:
        """``a``, an IRI, or a property path: alternatives of sequences of (inverse) steps."""
        if depth > _MAX_DEPTH:
            raise _Lost
        alternatives: list[_Path] = []
        while True:
            steps: list[_Path] = []
            while True:
                inverse = self.op("^")
                if inverse:
                    self.take()
                step = self.path_primary(depth)
                if self.op("*") or self.op("+") or self.op("?"):
                    modifier = self.take()[1]
                    pairs = step.pairs
                    if modifier != "?":
                        pairs = _cap(pairs * max(1.0, math.sqrt(pairs)))
                    if modifier != "+":  # zero steps: every node of the graph reaches itself
                        pairs = max(pairs, self.nodes)
                    step = _Path(pairs, step.reads)
                if inverse:
                    step = replace(step, inverse=not step.inverse)
                steps.append(step)
                if not self.op("/"):
                    break
                self.take()
            if len(steps) == 1:
                alternatives.append(steps[0])
            else:  # a join on the middle nodes: as many pairs as its smallest step (optimistic)
                alternatives.append(
                    _Path(min(s.pairs for s in steps), _cap(sum(s.reads for s in steps)))
                )
            if not self.op("|"):
                break
            self.take()
        if len(alternatives) == 1:
            return alternatives[0]
        return _Path(
            _cap(sum(a.pairs for a in alternatives)), _cap(sum(a.reads for a in alternatives))
        )

    def path_primary(self, depth: int) -> _Path:
        kind, text, _ = self.peek()
        if kind in ("IRI", "PNAME"):
            iri = self.iri()
            if iri is None:
                return _Path(0.0, 0.0)
            return _Path(*self.count(iri), iri)
        if kind == "WORD" and text == "a":
            self.take()
            return _Path(*self.count(_RDF_TYPE), _RDF_TYPE)
        if self.op("!"):  # a negated property set reads like a variable predicate
            self.take()
            if self.op("("):
                self.take()
                while not self.op(")"):
                    if self.op("^") or self.op("|") or self.peek()[:2] == ("WORD", "a"):
                        self.take()
                    else:
                        self.iri()
                self.take()
            else:
                if self.op("^"):
                    self.take()
                if self.peek()[1] == "a":
                    self.take()
                else:
                    self.iri()
            n = float(self.stats.triples)
            return _Path(n, n)
        if self.op("("):
            self.take()
            inner = self.path(depth + 1)
            self.expect_op(")")
            return inner
        raise _Lost

    def pattern(self, s: _Node, verb: str | _Path, verb_span: Span, o: _Node) -> _Part:
        """A triple pattern and what it matches (see the module docstring)."""
        stats = self.stats
        names = {v for v in (s.var, o.var) if v is not None}
        spans = (s.span, verb_span, o.span)
        s_const, o_const = s.var is None, o.var is None
        if isinstance(verb, str):  # a variable predicate
            names.add(verb)
            triples = float(stats.triples)
            if s_const and o_const:
                rows = min(triples, float(max(1, len(stats.predicates))))
            elif s_const or o_const:
                rows = min(triples, _VARIABLE_PREDICATE)
            else:
                rows = triples
            return _Part(frozenset(names), rows, rows, spans)
        if verb.iri is not None:  # one predicate, possibly inverse
            start, end = (o, s) if verb.inverse else (s, o)
            n = verb.pairs
            if verb.iri == _RDF_TYPE and end.var is None:
                n = float(stats.classes.get(end.iri or "", 0))
                rows = n if start.var is not None else min(n, 1.0)
            elif start.var is None and end.var is None:
                rows = min(n, 1.0)
            elif start.var is None:
                rows = _fan_out(n, stats.subjects.get(verb.iri))
            elif end.var is None:
                rows = _fan_out(n, stats.objects.get(verb.iri))
            else:
                rows = n
            return _Part(frozenset(names), rows, rows, spans)
        n = verb.pairs  # a property path
        if s_const and o_const:
            rows = min(n, 1.0)
        elif s_const or o_const:
            rows = min(n, _CONSTANT_END)
        else:
            rows = n
        return _Part(frozenset(names), rows, _cap(rows + verb.reads), spans)


def _fan_out(n: float, distinct: int | None) -> float:
    """Rows of a pattern with one constant end: the predicate's average fan-out."""
    if distinct:
        return n / distinct
    return min(n, _CONSTANT_END)


def _cap(x: float) -> float:
    return min(x, _HUGE)


def _approx(x: float) -> str:
    """A count for people: ``1.07``, ``121``, ``1.1e8``."""
    if x < 10:
        return f"{x:.3g}"
    if x < 10_000:
        return f"{round(x):,}"
    mantissa, exponent = f"{x:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"
