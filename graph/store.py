"""The store: the only module that talks to pyoxigraph.

Guarantees:

* **Persistent.** ``Store.open(path)`` opens (or creates) an on-disk RocksDB store; ``Store.memory()``
  makes a throw-away one for derivations and tests of pure functions.
* **Transactional.** Every write method is one transaction: either all of it is visible, or none.
  ``replace_graphs`` drops and refills a set of named graphs atomically, so readers see the graph
  before or after a rebuild, never half of it. The exceptions are ``bulk_load`` and
  ``drop_graph_now``, for dumps too large for one transaction (:mod:`graph.load` makes a file's
  load all or nothing by dropping the new graphs it made).
* **A query path that cannot write.** ``query`` only accepts the SPARQL query grammar (SELECT, ASK,
  CONSTRUCT, DESCRIBE); an update string is a syntax error there. Values are bound with
  ``bindings`` (pyoxigraph ``substitutions``), never pasted into the text.
* Terms in and out are rdflib terms (``URIRef``, ``Literal``, ``BNode``); pyoxigraph stays in here.
"""

from __future__ import annotations

import contextlib
import csv
import enum
import io
import itertools
import re
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from graph.errors import (
    InvalidInput,
    LimitExceeded,
    QueryRefused,
    StoreLocked,
    StoreUnavailable,
)
from graph.namespaces import PREFIXES

if TYPE_CHECKING:
    from rdflib import Graph

__all__ = ["QueryKind", "QueryResult", "RDFFormat", "ResultsFormat", "Store", "Term", "Triple"]

Term = URIRef | Literal | BNode
Triple = tuple[Node, Node, Node]


class RDFFormat(enum.Enum):
    """RDF serialisations the store reads and writes, with their media types."""

    TURTLE = ("turtle", "text/turtle", ox.RdfFormat.TURTLE)
    NTRIPLES = ("ntriples", "application/n-triples", ox.RdfFormat.N_TRIPLES)
    NQUADS = ("nquads", "application/n-quads", ox.RdfFormat.N_QUADS)
    TRIG = ("trig", "application/trig", ox.RdfFormat.TRIG)
    RDFXML = ("rdfxml", "application/rdf+xml", ox.RdfFormat.RDF_XML)
    JSONLD = ("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD)

    def __init__(self, key: str, media_type: str, ox_format: ox.RdfFormat) -> None:
        self.key = key
        self.media_type = media_type
        self.ox_format = ox_format

    @property
    def is_dataset(self) -> bool:
        return self in (RDFFormat.NQUADS, RDFFormat.TRIG, RDFFormat.JSONLD)


class ResultsFormat(enum.Enum):
    """SPARQL results serialisations (SELECT/ASK)."""

    JSON = ("json", "application/sparql-results+json", ox.QueryResultsFormat.JSON)
    XML = ("xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML)
    CSV = ("csv", "text/csv", ox.QueryResultsFormat.CSV)
    TSV = ("tsv", "text/tab-separated-values", ox.QueryResultsFormat.TSV)

    def __init__(self, key: str, media_type: str, ox_format: ox.QueryResultsFormat) -> None:
        self.key = key
        self.media_type = media_type
        self.ox_format = ox_format


class QueryKind(enum.Enum):
    SELECT = "select"
    ASK = "ask"
    GRAPH = "graph"  # CONSTRUCT and DESCRIBE


def to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term (validates IRIs on the way)."""
    if isinstance(term, URIRef):
        try:
            return ox.NamedNode(str(term))
        except ValueError as exc:
            raise InvalidInput(f"not a valid IRI: <{term}> ({exc})") from exc
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def _graph_name(graph: URIRef) -> ox.NamedNode:
    return ox.NamedNode(str(graph))


def from_ox(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | ox.DefaultGraph) -> Term:
    """A pyoxigraph term as an rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        if dt == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(dt))
    raise TypeError(f"unsupported term: {term!r}")


_POSITION = re.compile(r"^(?:error at )?(\d+):(\d+)(?:-\d+:\d+)?:?\s*")


def _syntax_error(exc: SyntaxError, source: str) -> InvalidInput:
    """pyoxigraph's SyntaxError as InvalidInput with 1-based line and column.

    pyoxigraph fills ``lineno``/``offset`` for RDF parsers; SPARQL errors carry them only in the
    message ("error at 2:9: expected …"), so both are read.
    """
    message = str(exc.msg or exc)
    line, column = exc.lineno or None, exc.offset or None
    if (m := _POSITION.match(message)) is not None:
        if line is None:
            line, column = int(m.group(1)), int(m.group(2))
        message = message[m.end() :]
    return InvalidInput(message, source=source, line=line, column=column)


@dataclass
class QueryResult:
    """The result of a query: rows for SELECT, a boolean for ASK, triples for CONSTRUCT/DESCRIBE."""

    kind: QueryKind
    variables: list[str]
    _raw: object

    def rows(self) -> Iterator[dict[str, Term]]:
        """SELECT solutions as ``{variable: term}`` (unbound variables are left out)."""
        if self.kind is not QueryKind.SELECT:
            raise TypeError("rows() is for SELECT results")
        assert isinstance(self._raw, ox.QuerySolutions)
        names = self.variables
        for solution in self._raw:
            row: dict[str, Term] = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = from_ox(value)
            yield row

    def values(self) -> Iterator[tuple[str | None, ...]]:
        """SELECT solutions as tuples of plain text (an IRI, a literal's lexical form, a blank
        node's id) in projection order, None when unbound.

        For bulk reads: the terms are decoded by pyoxigraph's own CSV writer and read back with
        :mod:`csv`, several times faster than :meth:`rows`. The price: an empty literal reads as
        None, and language tags and datatypes are dropped.
        """
        if self.kind is not QueryKind.SELECT:
            raise TypeError("values() is for SELECT results")
        assert isinstance(self._raw, ox.QuerySolutions)
        data = self._raw.serialize(format=ox.QueryResultsFormat.CSV)
        assert data is not None
        reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
        next(reader, None)  # the header
        for row in reader:
            yield tuple([v or None for v in row])

    def boolean(self) -> bool:
        if self.kind is not QueryKind.ASK:
            raise TypeError("boolean() is for ASK results")
        assert isinstance(self._raw, ox.QueryBoolean)
        return bool(self._raw)

    def triples(self) -> Iterator[tuple[Term, Term, Term]]:
        if self.kind is not QueryKind.GRAPH:
            raise TypeError("triples() is for CONSTRUCT/DESCRIBE results")
        assert isinstance(self._raw, ox.QueryTriples)
        for t in self._raw:
            yield from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)

    def serialize(self, fmt: ResultsFormat | RDFFormat, *, max_rows: int | None = None) -> bytes:
        """Serialise with pyoxigraph's own writers (fast; consumes the result).

        With ``max_rows``, a result of more rows (SELECT) or triples (CONSTRUCT/DESCRIBE) is
        refused rather than cut short, and is not read far past the cap.

        Raises:
            QueryRefused: the result has more than ``max_rows`` rows or triples.
        """
        if self.kind is QueryKind.GRAPH:
            if not isinstance(fmt, RDFFormat):
                raise TypeError("CONSTRUCT/DESCRIBE results serialise as RDF")
            assert isinstance(self._raw, ox.QueryTriples)
            triples: Iterable[ox.Triple] = self._raw
            if max_rows is not None:
                triples = list(itertools.islice(self._raw, max_rows + 1))
                if len(triples) > max_rows:
                    raise _too_many(max_rows, "triples")
            out = ox.serialize(triples, format=fmt.ox_format, prefixes=_prefixes_for(fmt))
        elif not isinstance(fmt, ResultsFormat):
            raise TypeError("SELECT/ASK results serialise as SPARQL results")
        elif isinstance(self._raw, ox.QuerySolutions) and max_rows is not None:
            # TSV has one line per row, so counting lines while pyoxigraph writes counts rows
            # exactly and stops a huge result early; other formats are re-written from it.
            sink = _RowCounter(max_rows)
            try:
                self._raw.serialize(sink, format=ox.QueryResultsFormat.TSV)
            except _TooManyRows:
                raise _too_many(max_rows, "rows") from None
            out = sink.getvalue()
            if fmt is not ResultsFormat.TSV:
                parsed = ox.parse_query_results(out, format=ox.QueryResultsFormat.TSV)
                out = parsed.serialize(format=fmt.ox_format)
        else:
            assert isinstance(self._raw, ox.QuerySolutions | ox.QueryBoolean)
            out = self._raw.serialize(format=fmt.ox_format)
        assert out is not None
        return out


class _Cancelled(Exception):
    pass


def _until(quads: Iterable[ox.Quad], cancelled: Callable[[], bool]) -> Iterator[ox.Quad]:
    for i, quad in enumerate(quads):
        if i % 10_000 == 0 and cancelled():
            raise _Cancelled
        yield quad


class _TooManyRows(Exception):
    pass


class _RowCounter(io.BytesIO):
    """A sink for pyoxigraph's TSV writer that stops it past ``limit`` rows (plus the header)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self._lines_left = limit + 1

    def write(self, data: Any) -> int:
        self._lines_left -= bytes(data).count(b"\n")
        if self._lines_left < 0:
            raise _TooManyRows
        return super().write(data)


def _too_many(cap: int, what: str) -> QueryRefused:
    return QueryRefused(
        f"the result has more than {cap:,} {what}, the cap (setting ACTORGRAPH_MAX_RESULT_ROWS); "
        "add LIMIT (and OFFSET to page through it)"
    )


def _prefixes_for(fmt: RDFFormat) -> dict[str, str] | None:
    return PREFIXES if fmt in (RDFFormat.TURTLE, RDFFormat.TRIG, RDFFormat.RDFXML) else None


class Store:
    """A pyoxigraph store behind a narrow interface.

    >>> from rdflib import URIRef, Literal
    >>> s = Store.memory()
    >>> g = URIRef("https://example.org/g")
    >>> s.replace_graphs({g: [(URIRef("https://example.org/a"), URIRef("https://example.org/p"), Literal("x"))]})
    >>> len(s)
    1
    >>> [r["o"] for r in s.query("SELECT ?o WHERE { ?s ?p ?o }").rows()]
    [rdflib.term.Literal('x')]
    """

    def __init__(self, inner: ox.Store, path: Path | None, *, read_only: bool = False) -> None:
        self._inner = inner
        self.path = path
        self.read_only = read_only

    # ------------------------------------------------------------------ opening
    @classmethod
    def memory(cls) -> Store:
        """A new empty in-memory store."""
        return cls(ox.Store(), None)

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open (or create) the persistent store at ``path`` for reading and writing.

        Raises:
            StoreLocked: another process holds the store (a server, another command).
            StoreUnavailable: the store is not a directory, not writable or damaged; the
                message says which, and what to do.
        """
        p = Path(path)
        try:
            p.mkdir(parents=True, exist_ok=True)
            return cls(ox.Store(str(p)), p)
        except (OSError, RuntimeError) as exc:
            problem = _open_problem(p, exc)
            if "lock" in str(exc).lower():
                raise StoreLocked(problem) from exc
            raise StoreUnavailable(problem) from exc

    def close(self) -> None:
        """Flush and let go of the store (its lock is released); later calls fail clearly."""
        if not isinstance(self._inner, _Closed):
            if not self.read_only:
                self._inner.flush()
            self._inner = cast(ox.Store, _Closed(self.path))

    @classmethod
    def open_read_only(cls, path: str | Path) -> Store:
        """Open a store (or a checkpoint made by :meth:`checkpoint`) read-only.

        Only safe on a directory no process writes to, such as a checkpoint.
        """
        p = Path(path)
        if not p.is_dir():
            raise StoreUnavailable(f"no store at {p}: run `actorgraph build` first")
        try:
            return cls(ox.Store.read_only(str(p)), p, read_only=True)
        except (OSError, RuntimeError) as exc:
            raise StoreUnavailable(f"cannot open the store at {p} read-only: {exc}") from exc

    def to_memory(self, *, cancelled: Callable[[], bool] | None = None) -> Store | None:
        """A read-only copy of this store in pyoxigraph's in-memory engine.

        Why: the same queries run 3–6× faster there than on RocksDB (measured on the 100k and 1M
        benchmark graphs), at about 0.7 GB per million triples. The query workers answer from
        such a copy of their (immutable) checkpoint. ``cancelled`` is asked every 10,000 quads;
        when it says yes, the copy stops and ``None`` is returned (its memory freed).
        """
        quads: Iterable[ox.Quad] = self._inner.quads_for_pattern(None, None, None, None)
        stop = False
        if cancelled is not None:
            quads = _until(quads, cancelled)
        inner = ox.Store()
        try:
            inner.bulk_extend(quads)
        except _Cancelled:
            stop = True
        return None if stop else type(self)(inner, None, read_only=True)

    def checkpoint(self, target: str | Path) -> None:
        """Write a consistent snapshot of the store to ``target`` (hard links; milliseconds).

        Raises:
            StoreUnavailable: it could not be written (disk full, no permission); nothing is left
                at ``target``.
        """
        try:
            self._inner.backup(str(target))
        except (OSError, RuntimeError) as exc:
            shutil.rmtree(target, ignore_errors=True)
            raise StoreUnavailable(
                f"cannot write a checkpoint of the store to {target}: {exc}"
            ) from exc

    def flush(self) -> None:
        self._inner.flush()

    def __len__(self) -> int:
        return len(self._inner)

    # ------------------------------------------------------------------ reading
    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        union_default_graph: bool = True,
        default_graphs: Sequence[URIRef] | None = None,
        named_graphs: Sequence[URIRef] | None = None,
        base_iri: str | None = None,
        functions: Mapping[str, Callable[..., Any]] | None = None,
    ) -> QueryResult:
        """Run a SPARQL query (never an update).

        ``bindings`` pre-bind variables (SEP-0007) so that user values never enter the query text;
        a bound variable of a SELECT must be in its projection (or use ``SELECT *``).
        The default graph is the union of all graphs unless ``default_graphs`` names some.
        ``functions`` are extension functions by IRI (pyoxigraph calls them per row with the
        argument terms; they return a term or ``None``).

        Raises:
            InvalidInput: the query is not valid SPARQL: what is wrong in words, with the line
                and column of the offending text (:func:`graph.sparql_syntax.syntax_error`).
        """
        subs: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
            ox.Variable(k): to_ox(v) for k, v in (bindings or {}).items()
        }
        kwargs: dict[str, object] = {}
        if default_graphs is not None:
            kwargs["default_graph"] = [to_ox(g) for g in default_graphs]
        else:
            kwargs["use_default_graph_as_union"] = union_default_graph
        if named_graphs is not None:
            kwargs["named_graphs"] = [to_ox(g) for g in named_graphs]
        if functions:
            kwargs["custom_functions"] = {ox.NamedNode(k): f for k, f in functions.items()}
        try:
            raw = self._inner.query(
                sparql,
                prefixes=PREFIXES,
                substitutions=subs or None,
                base_iri=base_iri,
                **kwargs,  # type: ignore[arg-type]
            )
        except SyntaxError as exc:
            from graph.sparql_syntax import syntax_error

            raise syntax_error(str(exc.msg or exc), sparql, base_iri=base_iri) from exc
        if isinstance(raw, ox.QueryBoolean):
            return QueryResult(QueryKind.ASK, [], raw)
        if isinstance(raw, ox.QuerySolutions):
            return QueryResult(QueryKind.SELECT, [v.value for v in raw.variables], raw)
        return QueryResult(QueryKind.GRAPH, [], raw)

    def named_graphs(self) -> list[URIRef]:
        """The IRIs of the named graphs, sorted."""
        return sorted(
            URIRef(g.value) for g in self._inner.named_graphs() if isinstance(g, ox.NamedNode)
        )

    def triples(self, graph: URIRef) -> Iterator[tuple[Term, Term, Term]]:
        """The triples of one named graph."""
        for q in self._inner.quads_for_pattern(None, None, None, _graph_name(graph)):
            yield from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)

    def match(
        self, subject: Node | None = None, predicate: Node | None = None, obj: Node | None = None
    ) -> Iterator[tuple[Term, Term, Term, URIRef | None]]:
        """The quads of any graph matching a pattern (``None`` matches anything), with their graph
        (``None`` for the default graph). Literals match by value, as the store keeps them
        (``"5"^^xsd:nonNegativeInteger`` matches the stored ``"5"^^xsd:integer``)."""
        for q in self._inner.quads_for_pattern(
            None if subject is None else to_ox(subject),  # type: ignore[arg-type]
            None if predicate is None else to_ox(predicate),  # type: ignore[arg-type]
            None if obj is None else to_ox(obj),
        ):
            g = q.graph_name
            yield (
                from_ox(q.subject),
                from_ox(q.predicate),
                from_ox(q.object),
                URIRef(g.value) if isinstance(g, ox.NamedNode) else None,
            )

    def contains(self, triple: Triple) -> bool:
        """Whether any graph holds ``triple`` (literals compared as the store keeps them)."""
        return next(self.match(*triple), None) is not None

    def graph_size(self, graph: URIRef) -> int:
        return sum(1 for _q in self._inner.quads_for_pattern(None, None, None, _graph_name(graph)))

    def dump(self, fmt: RDFFormat, *, graph: URIRef | None = None) -> bytes:
        """Serialise the whole dataset (quad formats) or one graph / the union (triple formats)."""
        if fmt.is_dataset and graph is None:
            out = self._inner.dump(format=fmt.ox_format, prefixes=_prefixes_for(fmt))
        else:
            if graph is None:
                quads = self._inner.quads_for_pattern(None, None, None)
                triples = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
                out = ox.serialize(
                    sorted(triples, key=str), format=fmt.ox_format, prefixes=_prefixes_for(fmt)
                )
            else:
                out = self._inner.dump(
                    format=fmt.ox_format, from_graph=_graph_name(graph), prefixes=_prefixes_for(fmt)
                )
        assert out is not None
        return out

    # ------------------------------------------------------------------ writing
    def replace_graphs(
        self, graphs: Mapping[URIRef, Iterable[Triple]], *, drop: Iterable[URIRef] = ()
    ) -> None:
        """Atomically drop ``drop`` and every graph in ``graphs``, then fill ``graphs``."""
        self.change_graphs(add=graphs, drop={*graphs, *drop})

    def add_graphs(self, graphs: Mapping[URIRef, Iterable[Triple]]) -> None:
        """Add triples to named graphs in one transaction."""
        self._check_writable()
        with self._writing():
            self._inner.extend(
                ox.Quad(to_ox(s), to_ox(p), to_ox(o), to_ox(g))  # type: ignore[arg-type]
                for g, triples in graphs.items()
                for s, p, o in triples
            )

    def drop_graphs(self, graphs: Iterable[URIRef]) -> None:
        """Remove whole named graphs in one transaction."""
        self.change_graphs(add={}, drop=graphs)

    def change_graphs(
        self, *, add: Mapping[URIRef, Iterable[Triple]], drop: Iterable[URIRef] = ()
    ) -> None:
        """Atomically drop the graphs ``drop`` and add triples to the graphs in ``add`` (kept).

        One SPARQL update, so one transaction (a rebuild replaces the seed graphs at once; a
        retraction drops a batch and logs it at once). Terms are serialised by pyoxigraph.
        """
        self._check_writable()
        parts = [f"DROP SILENT GRAPH {to_ox(g)}" for g in sorted(set(drop))]
        for g, triples in add.items():
            body = " .\n".join(f"{to_ox(s)} {to_ox(p)} {to_ox(o)}" for s, p, o in triples)
            if body:
                parts.append(f"INSERT DATA {{ GRAPH {to_ox(g)} {{\n{body} .\n}} }}")
        if parts:
            with self._writing():
                self._inner.update(" ;\n".join(parts))

    def bulk_load(
        self,
        stream: IO[bytes],
        fmt: RDFFormat,
        *,
        route: Callable[[URIRef | None], URIRef | None],
        source: str = "input",
        sample: int = 0,
        every: int = 10_000,
        progress: Callable[[int], None] | None = None,
    ) -> BulkLoaded:
        """Stream RDF from ``stream`` into the store with pyoxigraph's bulk loader: the quads
        written and skipped, and the subject (an IRI) of every ``sample``-th written quad (none
        when ``sample`` is 0).

        ``route(graph)`` decides where each graph of the input goes (``None`` for the default
        graph, and for every triple of a triple format): a named graph, or ``None`` to skip its
        quads; it is asked once per graph and may raise to refuse it. ``progress(n)`` is called
        every ``every`` quads. Blank nodes are renamed, so two files never share one by accident.

        Not a transaction: what was written before a syntax error stays (the caller drops the
        graphs it made; :func:`graph.load.load_file`).

        Raises:
            InvalidInput: the input is malformed (line and column).
            StoreUnavailable: the store could not be written.
        """
        self._check_writable()
        targets: dict[object, ox.NamedNode | None] = {}
        sampled: list[tuple[int, URIRef]] = []
        written = skipped = 0

        step = min(every, sample) if sample else every

        def quads() -> Iterator[ox.Quad]:  # per quad: as little Python as possible
            nonlocal written, skipped
            last: object = None
            target: ox.NamedNode | None = None
            keep = False
            for q in ox.parse(stream, format=fmt.ox_format, rename_blank_nodes=True):
                g = q.graph_name
                if g != last:  # dumps hold a graph's quads together: a lookup per graph
                    try:
                        target = targets[g]
                    except KeyError:
                        name = route(URIRef(g.value) if isinstance(g, ox.NamedNode) else None)
                        target = targets[g] = None if name is None else _graph_name(name)
                    last, keep = g, target == g
                if target is None:
                    skipped += 1
                    continue
                written += 1
                if written % step == 1:
                    if progress is not None and written % every == 1:
                        progress(written - 1)
                    if sample and written % sample == 1 and isinstance(q.subject, ox.NamedNode):
                        sampled.append((written, URIRef(q.subject.value)))
                yield q if keep else ox.Quad(q.subject, q.predicate, q.object, target)

        try:
            with self._writing():
                self._inner.bulk_extend(quads())
        except SyntaxError as exc:
            raise _syntax_error(exc, source) from exc
        if progress is not None:
            progress(written)
        return BulkLoaded(written, skipped, sampled)

    def drop_graph_now(self, graph: URIRef) -> None:
        """Remove a named graph (not one transaction with anything else: for undoing a bulk
        load, whose graphs may be too large for one)."""
        self._check_writable()
        with self._writing():
            self._inner.remove_graph(_graph_name(graph))

    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreUnavailable("this store was opened read-only")

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """A failed transaction (disk full, store gone read-only) as StoreUnavailable, in words:
        the transaction wrote nothing."""
        try:
            yield
        except (OSError, RuntimeError) as exc:
            raise StoreUnavailable(
                _open_problem(self.path or Path("(memory)"), exc).replace(
                    "cannot open the store", "cannot write to the store"
                )
                + "; nothing of this change was written"
            ) from exc


@dataclass
class BulkLoaded:
    """What :meth:`Store.bulk_load` did."""

    written: int
    skipped: int
    sampled: list[tuple[int, URIRef]]


class _Closed:
    """Stands in for a closed store: any use says so (instead of a crash in RocksDB)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def __getattr__(self, name: str) -> Any:
        raise StoreUnavailable(f"the store at {self.path} was closed")

    def __len__(self) -> int:
        raise StoreUnavailable(f"the store at {self.path} was closed")


def _open_problem(path: Path, exc: BaseException) -> str:
    """What went wrong opening a store, in words, with what to do (RocksDB's own messages are
    for developers: "IO error: While lock file: …/LOCK: Resource temporarily unavailable")."""
    text = str(exc)
    low = text.lower()
    if "lock" in low:
        return (
            f"the store at {path} is in use by another process (an `actorgraph serve`, or another "
            "command): stop it, or use the running server's API"
        )
    if "not a directory" in low:
        return (
            f"{path} is a file, not a store directory: point ACTORGRAPH_STORE_PATH at a directory"
        )
    if "read-only file system" in low or "permission denied" in low:
        return (
            f"cannot write to the store at {path} ({text}): give this user write access to it, "
            "or point ACTORGRAPH_STORE_PATH at a writable directory"
        )
    if "no space left" in low:
        return f"the disk holding {path} is full ({text}): free space, then start again"
    if "corrupt" in low:
        return (
            f"the store at {path} is damaged ({text}): restore it from a backup, or rebuild it "
            f"from the seeds with `actorgraph build --store {path}` (batches committed since the "
            "build are then lost unless exported)"
        )
    return f"cannot open the store at {path}: {text}"


def serialize_graph(graph: Iterable[tuple[Node, Node, Node]], fmt: RDFFormat) -> bytes:
    """Triples (an rdflib ``Graph``) serialised by pyoxigraph, with the project's prefixes.

    Why not rdflib's serialiser: its Turtle writer invents a prefix for every IRI it cannot
    abbreviate and then searches all of them for each term — quadratic (43 s for the 48,000
    triples of a long article's candidates; this takes a fraction of a second).
    """
    ordered = sorted(graph, key=lambda t: (t[0].n3(), t[1].n3(), t[2].n3()))  # same text each time
    triples = [ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in ordered]  # type: ignore[arg-type]
    out = ox.serialize(triples, format=fmt.ox_format, prefixes=_prefixes_for(fmt))
    assert out is not None
    return bytes(out)


def load_rdf(
    data: bytes | str,
    fmt: RDFFormat,
    *,
    source: str = "input",
    base_iri: str | None = None,
    check_literal: Callable[[str, str], str | None] | None = None,
    max_triples: int | None = None,
) -> Graph:
    """Parse RDF with pyoxigraph's strict parsers into an rdflib ``Graph`` (quads lose their graph).

    ``check_literal(lexical_form, datatype_iri)`` sees every typed literal as written, before
    rdflib or the store normalise it, and returns what is wrong with it or ``None`` (pyoxigraph
    accepts ill-typed literals such as ``"abc"^^xsd:date``, and the store would silently turn
    ``"-5"^^xsd:nonNegativeInteger`` into a valid ``xsd:integer``).

    Parsing stops as soon as the input holds more than ``max_triples`` statements.

    Raises:
        InvalidInput: malformed data, or a literal ``check_literal`` refuses, with line and column.
        LimitExceeded: more than ``max_triples`` statements.
    """
    from rdflib import Graph

    g = Graph()
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        for n, q in enumerate(ox.parse(raw, format=fmt.ox_format, base_iri=base_iri), 1):
            if max_triples is not None and n > max_triples:
                raise LimitExceeded(
                    f"the payload holds more than {max_triples:,} triples, the most one request "
                    "may send (setting ACTORGRAPH_MAX_BATCH_TRIPLES): split it into batches",
                    limit="ACTORGRAPH_MAX_BATCH_TRIPLES",
                    allowed=max_triples,
                )
            o = q.object
            if isinstance(q.subject, ox.Triple) or isinstance(o, ox.Triple):
                raise InvalidInput(
                    "quoted triples (RDF-star << … >>) are not supported here: state the triple "
                    "itself, or describe the statement with an event",
                    source=source,
                )
            if check_literal is not None and isinstance(o, ox.Literal) and o.language is None:
                problem = check_literal(o.value, o.datatype.value)
                if problem is not None:
                    line, column = _locate(raw, o.value)
                    raise InvalidInput(problem, source=source, line=line, column=column)
            g.add((from_ox(q.subject), from_ox(q.predicate), from_ox(o)))
    except SyntaxError as exc:
        raise _syntax_error(exc, source) from exc
    return g


def _locate(raw: bytes, lexical: str) -> tuple[int | None, int | None]:
    """Where a literal's text first occurs in the input (1-based line and column), quoted if
    possible; the parsers do not report positions of the terms they accept."""
    text = raw.decode("utf-8", errors="replace")
    for needle in (f'"{lexical}"', f"'{lexical}'", lexical):
        at = text.find(needle)
        if at >= 0 and needle:
            line = text.count("\n", 0, at) + 1
            return line, at - (text.rfind("\n", 0, at) + 1) + 1
    return None, None
