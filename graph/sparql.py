"""The public SPARQL endpoint's engine room: a guard that reads a query before it runs, and a pool
of worker processes that run it under a wall-clock limit.

Why both:

* **The guard** (:func:`check_query`) refuses what must never reach the engine: SPARQL Update
  (the endpoint is read-only), ``SERVICE`` (pyoxigraph's wheel has an HTTP client, so it would
  fetch any URL the caller names: SSRF), ``FROM``/``FROM NAMED`` IRIs that are not graphs of the
  store, and queries over the length cap. It is a lexer, not a parser, so it costs microseconds;
  keywords inside strings, IRIs, comments, variables and prefixed names never trigger it. The
  one place where a lexer and the engine's parser can disagree is ``<``: an IRI, or "less than"?
  The guard decides as the grammar does (a comparison only exists inside an expression's
  parentheses, after an operand), and where that is uncertain it scans the other reading too.
* **The pool** (:class:`QueryPool`): pyoxigraph has no query timeout (oxigraph/oxigraph#1926),
  so every query runs in a worker process that can be killed. Workers open an immutable
  read-only checkpoint of the store (the writer keeps the live one) and, where the kernel allows
  it, drop their network access, so even a query the guard missed cannot reach out.

>>> info = check_query("SELECT * WHERE { ?s ?p 'SERVICE' }", known_graphs=set(), max_length=1000)
>>> info.form
<QueryForm.SELECT: 'SELECT'>
>>> check_query("SELECT * { SERVICE <http://169.254.169.254/> { ?s ?p ?o } }", known_graphs=set(), max_length=1000)
Traceback (most recent call last):
...
graph.errors.QueryRefused: SERVICE is refused: this endpoint does not call other endpoints (it would let a query make the server fetch any URL: SSRF)
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import enum
import itertools
import logging
import multiprocessing
import os
import re
import signal
import threading
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef

from graph.errors import (
    ActorGraphError,
    EndpointBusy,
    InvalidInput,
    QueryRefused,
    QueryTimeout,
    StoreUnavailable,
)
from graph.namespaces import PREFIXES
from graph.store import QueryKind, RDFFormat, ResultsFormat, Store

__all__ = [
    "QueryForm",
    "QueryInfo",
    "QueryPool",
    "check_graphs",
    "check_query",
    "service_description",
]

log = logging.getLogger("actorgraph")


# ----------------------------------------------------------------------------------------- guard
class QueryForm(enum.Enum):
    """The four query forms; SELECT and ASK answer with results, the others with RDF."""

    SELECT = "SELECT"
    ASK = "ASK"
    CONSTRUCT = "CONSTRUCT"
    DESCRIBE = "DESCRIBE"

    @property
    def is_graph(self) -> bool:
        """CONSTRUCT and DESCRIBE return triples (negotiated as RDF, not as results)."""
        return self in (QueryForm.CONSTRUCT, QueryForm.DESCRIBE)


@dataclass(frozen=True)
class QueryInfo:
    """What the guard learnt: the form (``None`` if it could not tell; the parser will say why)
    and the dataset the query names itself (expanded, absolute IRIs)."""

    form: QueryForm | None
    from_graphs: tuple[str, ...] = ()
    from_named: tuple[str, ...] = ()

    @property
    def has_dataset(self) -> bool:
        return bool(self.from_graphs or self.from_named)


_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = r"[^\W\d_](?:[\w.\-\u00b7]*[\w\-\u00b7])?"
_PN_LOCAL = rf"(?:[\w:]|{_PLX})(?:(?:[\w.:\-\u00b7]|{_PLX})*(?:[\w:\-\u00b7]|{_PLX}))?"
_TOKEN = re.compile(
    r"""
    (?P<WS>\s+)
  | (?P<COMMENT>\#[^\n\r]*)
  | (?P<STRING>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
             | '''(?:[^'\\]|\\.|'(?!''))*'''
             | "(?:[^"\\\n\r]|\\.)*"
             | '(?:[^'\\\n\r]|\\.)*')
  | (?P<IRI><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<VAR>[?$][\w\u00b7\u0300-\u036f\u203f\u2040]+)
  | (?P<BNODE>_:[\w](?:[\w.\-]*[\w\-])?)
  | (?P<PNAME>(?:"""
    + _PN_PREFIX
    + r")?:(?:"
    + _PN_LOCAL
    + r""")?)
  | (?P<LANGTAG>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
  | (?P<NUMBER>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<WORD>[A-Za-z_]\w*)
  | (?P<OP>\^\^|&&|\|\||!=|<=|>=|.)
    """,
    re.VERBOSE | re.DOTALL,
)

_UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
_FORMS = {f.value: f for f in QueryForm}
# Tokens after which a "<" can be the comparison operator (an operand just ended).
_OPERAND_END = frozenset({"VAR", "IRI", "PNAME", "NUMBER", "STRING", "LANGTAG", "BNODE"})
# Keywords after which "(" opens an expression even inside a group (FILTER(…), BIND(…), STR(…)…).
_NOT_CALLS = frozenset({"A", "TRUE", "FALSE", "UNDEF"})
# Keywords that start a clause made of expressions (projection, solution modifiers).
_CLAUSE_START = frozenset({"SELECT", "GROUP", "ORDER", "HAVING"})
_CLAUSE_END = frozenset({"WHERE", "LIMIT", "OFFSET", "VALUES"})
_MAX_SHADOWS = 32


@dataclass
class _Scan:
    """The lexer's running state (bracket stack and recent tokens), copyable for a second reading."""

    stack: list[str] = field(default_factory=list)
    prev: tuple[str, str] = ("", "")
    prev2: tuple[str, str] = ("", "")
    clause: bool = False  # inside a projection or solution modifiers: "(" opens an expression
    values_next: bool = False  # the next "{" opens a VALUES data block
    # the previous token was `SERVICE:x`, which the engine may read as SERVICE and `:x`
    service_pname: bool = False

    def copy(self) -> _Scan:
        return _Scan(
            list(self.stack),
            self.prev,
            self.prev2,
            self.clause,
            self.values_next,
            self.service_pname,
        )


def _refuse_service() -> QueryRefused:
    return QueryRefused(
        "SERVICE is refused: this endpoint does not call other endpoints "
        "(it would let a query make the server fetch any URL: SSRF)"
    )


class _Guard:
    """One pass over a query; see :func:`check_query`."""

    def __init__(self, text: str, base_iri: str | None) -> None:
        self.text = text
        self.base = base_iri
        self.prefixes: dict[str, str] = dict(PREFIXES)
        self.form: QueryForm | None = None
        self.from_graphs: list[str] = []
        self.from_named: list[str] = []
        self.shadows = 0

    def run(self) -> None:
        self._scan(0, _Scan(), primary=True)

    # The scanner. `primary` is the main reading; a shadow reading (primary=False) only looks
    # for SERVICE, starting where an uncertain "<" was read the other way.
    def _scan(self, pos: int, st: _Scan, *, primary: bool) -> None:
        text, n = self.text, len(self.text)
        pending = ""  # what the prologue or a dataset clause expects next
        prefix = ""
        match = _TOKEN.match
        while pos < n:
            m = match(text, pos)
            assert m is not None  # the OP branch matches any character
            kind = m.lastgroup
            assert kind is not None
            if kind == "WS" or kind == "COMMENT":
                pos = m.end()
                continue
            value = m.group()
            pos = m.end()
            if kind == "IRI":
                kind, pos = self._angle(m, st, primary=primary)
                if kind == "OP":
                    value = "<"
            upper = value.upper() if kind == "WORD" else value

            # SSRF: SERVICE, in every reading
            if st.service_pname and value == "{":
                raise _refuse_service()
            st.service_pname = False
            if kind == "WORD" and upper == "SERVICE":
                raise _refuse_service()
            if kind == "PNAME" and value.split(":", 1)[0].upper() == "SERVICE":
                st.service_pname = True

            # The prologue, the form, updates and dataset clauses live at the top level.
            if primary and not st.stack:
                if pending == "prefix-name":
                    prefix, pending = (
                        value.split(":", 1)[0],
                        "prefix-iri" if kind == "PNAME" else "",
                    )
                elif pending == "prefix-iri":
                    if kind == "IRI":
                        self.prefixes[prefix] = self._resolve(value[1:-1])
                    pending = ""
                elif pending == "base":
                    if kind == "IRI":
                        self.base = self._resolve(value[1:-1])
                    pending = ""
                elif pending == "from" and kind == "WORD" and upper == "NAMED":
                    pending = "from-named"
                elif pending in ("from", "from-named"):
                    self._dataset(kind, value, named=pending == "from-named")
                    pending = ""
                elif kind == "WORD":
                    if upper in _UPDATE_WORDS:
                        raise QueryRefused(
                            f"{upper} is SPARQL Update: this endpoint is read-only and runs queries "
                            "only (SELECT, ASK, CONSTRUCT, DESCRIBE)"
                        )
                    if upper == "PREFIX":
                        pending = "prefix-name"
                    elif upper == "BASE":
                        pending = "base"
                    elif upper == "FROM":
                        pending = "from"
                    elif upper in _FORMS and self.form is None:
                        self.form = _FORMS[upper]
                elif kind == "PNAME":
                    self._keyword_pname(value)

            self._brackets(kind, upper, st)
            st.prev2, st.prev = st.prev, (kind, upper)

    def _angle(self, m: re.Match[str], st: _Scan, *, primary: bool) -> tuple[str, int]:
        """Read a ``<…>`` span as an IRI or as "less than", as the grammar would."""
        top = st.stack[-1] if st.stack else None
        operand_before = st.prev[0] in _OPERAND_END or st.prev[1] in (")", "]", "TRUE", "FALSE")
        if not operand_before or top not in ("expr", "data"):
            return "IRI", m.end()  # no comparison is possible here
        inner = m.group()[1:-1]
        as_operator = top == "expr"
        # Either reading keeps the rest of the query aligned unless the span holds a character
        # that opens a comment or a string in code; then read the other way too.
        if primary and ("#" in inner or "'" in inner):
            self.shadows += 1
            if self.shadows > _MAX_SHADOWS:
                raise QueryRefused(
                    "the query has too many places where '<' could be an IRI or a comparison; "
                    "put spaces around comparison operators"
                )
            if as_operator:
                self._scan(m.end(), _after(st, ("IRI", m.group())), primary=False)
            else:
                self._scan(m.start() + 1, _after(st, ("OP", "<")), primary=False)
        # Code inside the span (the other reading) must not hide SERVICE either.
        if "service" in inner.lower():
            for sub in _TOKEN.finditer(inner):
                word = sub.group()
                if sub.lastgroup == "PNAME" and word.split(":", 1)[0].upper() == "SERVICE":
                    raise _refuse_service()  # SERVICE:x
                if sub.lastgroup == "WORD" and word.upper() == "SERVICE":
                    rest = inner[sub.end() :]
                    if rest[:1] in ("?", "$", ":") or rest[:1].isalpha():
                        raise _refuse_service()  # SERVICE?x
        if as_operator:
            return "OP", m.start() + 1
        return "IRI", m.end()

    def _brackets(self, kind: str, upper: str, st: _Scan) -> None:
        if kind != "OP" and kind != "WORD":
            return
        if kind == "WORD":
            if upper in _CLAUSE_START:
                st.clause = True
            elif upper in _CLAUSE_END:
                st.clause = False
                if upper == "VALUES":
                    st.values_next = True
            return
        if upper == "{":
            st.stack.append("values" if st.values_next else "group")
            st.values_next = False
            st.clause = False
        elif upper == "(":
            st.stack.append(self._paren(st))
        elif upper == "[":
            st.stack.append("bnode")
        elif upper in ("}", ")", "]"):
            if st.stack:
                st.stack.pop()
            if upper == "}":
                st.clause = False

    @staticmethod
    def _paren(st: _Scan) -> str:
        """What a "(" opens: an expression, a collection or path ("data"), a VALUES row."""
        top = st.stack[-1] if st.stack else None
        if top is None or top == "expr":
            return "expr"
        if top == "values":
            return "row"
        if top in ("data", "row", "bnode"):
            return "data"
        # inside a group
        pkind, pvalue = st.prev
        if st.clause:
            return "expr"
        if pkind == "WORD" and pvalue not in _NOT_CALLS:
            return "expr"  # FILTER(, BIND(, STR(, EXISTS… (a function or keyword)
        if pkind in ("IRI", "PNAME"):
            before = st.prev2[1]
            prefix = pvalue.split(":", 1)[0].upper() if pkind == "PNAME" else ""
            if before in ("FILTER", "BY", "ASC", "DESC", "HAVING") or prefix == "FILTER":
                return "expr"  # FILTER <fn>(…) or FILTER:fn(…): a function call
        return "data"

    def _dataset(self, kind: str, value: str, *, named: bool) -> None:
        if kind == "IRI":
            iri: str | None = self._resolve(value[1:-1])
        elif kind == "PNAME":
            iri = self._expand(value)
        else:
            return  # not a dataset clause; the parser will say what is wrong
        if iri is not None:
            (self.from_named if named else self.from_graphs).append(iri)

    def _keyword_pname(self, value: str) -> None:
        """``FROM:g`` / ``NAMED:g`` parse as the keyword and ``:g``; treat them as such."""
        prefix, _, local = value.partition(":")
        upper = prefix.upper()
        if upper == "FROM" and self.form is not None:
            iri = self._expand(":" + local)
            if iri is not None:
                self.from_graphs.append(iri)

    def _expand(self, pname: str) -> str | None:
        prefix, _, local = pname.partition(":")
        ns = self.prefixes.get(prefix)
        if ns is None:
            return None
        return ns + re.sub(r"\\(.)", r"\1", local)

    def _resolve(self, iri: str) -> str:
        if self.base is None or re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", iri):
            return iri
        return urljoin(self.base, iri)


def _after(st: _Scan, token: tuple[str, str]) -> _Scan:
    other = st.copy()
    other.prev2, other.prev = other.prev, token
    return other


def check_query(
    text: str,
    *,
    known_graphs: Collection[str],
    max_length: int,
    base_iri: str | None = None,
) -> QueryInfo:
    """Refuse what the public endpoint must not run, before it runs; say which form it is.

    Parameters
    ----------
    text : the query as sent.
    known_graphs : the IRIs of the store's named graphs; ``FROM``/``FROM NAMED`` must name one.
    max_length : the longest query accepted, in characters.
    base_iri : the base the engine resolves relative IRIs against (the endpoint's URL).

    Returns
    -------
    QueryInfo : the form (for content negotiation) and the query's own dataset clauses.

    Raises
    ------
    QueryRefused : an update, ``SERVICE``, a ``FROM`` IRI that is not a graph of the store, or a
        query longer than ``max_length``; the message says which, and why.

    Examples
    --------
    >>> check_query("PREFIX ex: <http://example.org/> ASK { ex:service ?service 'LOAD' }",
    ...             known_graphs=set(), max_length=100).form
    <QueryForm.ASK: 'ASK'>
    >>> check_query("DROP ALL", known_graphs=set(), max_length=100)
    Traceback (most recent call last):
    ...
    graph.errors.QueryRefused: DROP is SPARQL Update: this endpoint is read-only and runs queries only (SELECT, ASK, CONSTRUCT, DESCRIBE)
    """
    if len(text) > max_length:
        raise QueryRefused(
            f"the query is {len(text):,} characters long; the cap is {max_length:,} "
            "(setting ACTORGRAPH_MAX_QUERY_LENGTH)"
        )
    guard = _Guard(text, base_iri)
    guard.run()
    check_graphs(guard.from_graphs, known_graphs, what="FROM")
    check_graphs(guard.from_named, known_graphs, what="FROM NAMED")
    return QueryInfo(guard.form, tuple(guard.from_graphs), tuple(guard.from_named))


def check_graphs(iris: Iterable[str], known_graphs: Collection[str], *, what: str) -> None:
    """Refuse a dataset IRI that is not a named graph of the store.

    The engines under us resolve such IRIs against the network (SSRF) or silently see nothing;
    either way the answer is a refusal that lists what the store holds.

    Raises
    ------
    QueryRefused : ``iris`` names a graph the store does not hold.
    """
    for iri in iris:
        if iri not in known_graphs:
            listing = ", ".join(f"<{g}>" for g in sorted(known_graphs)) or "none"
            raise QueryRefused(
                f"{what} <{iri}> is not a graph of this store; the endpoint does not fetch remote "
                f"data (SSRF). Its graphs: {listing}"
            )


# ----------------------------------------------------------------------- service description
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
_RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
)


def service_description(endpoint: str, named_graphs: Iterable[str]) -> Graph:
    """The SPARQL 1.1 Service Description of the endpoint at ``endpoint``.

    >>> g = service_description("http://localhost/sparql", ["https://example.org/g"])
    >>> (URIRef("http://localhost/sparql#service"), SD.endpoint, URIRef("http://localhost/sparql")) in g
    True
    """
    g = Graph()
    g.bind("sd", SD)
    g.bind("formats", FORMATS)
    service = URIRef(endpoint + "#service")
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, URIRef(endpoint)))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    for name in _RESULT_FORMATS:
        g.add((service, SD.resultFormat, FORMATS[name]))
    g.add(
        (
            service,
            RDFS.comment,
            Literal(
                "Read-only. SERVICE, LOAD and datasets outside the graphs below are refused; "
                "every query runs under a time limit and a cap on result rows.",
                lang="en",
            ),
        )
    )
    dataset = URIRef(endpoint + "#dataset")
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    default = BNode()
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, RDFS.comment, Literal("the union of all named graphs", lang="en")))
    for iri in sorted(named_graphs):
        node = BNode()
        g.add((dataset, SD.namedGraph, node))
        g.add((node, RDF.type, SD.NamedGraph))
        g.add((node, SD.name, URIRef(iri)))
    return g


# ------------------------------------------------------------------------------------ workers
@dataclass(frozen=True)
class _Request:
    query: str
    fmt: str  # "ResultsFormat.JSON", "RDFFormat.TURTLE"… (the enums hold pyoxigraph objects)
    max_rows: int
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    base_iri: str | None


# What crosses the process boundary is plain data, never a live exception:
#   to a worker:   ("open", checkpoint) | ("query", _Request) | None (stop)
#   from a worker: ("ready", checkpoint, isolated, graphs) | ("ok", body, media_type)
#                  | ("error", class name, message, line, column)
_Reply = tuple[Any, ...]
_ERRORS: dict[str, type[ActorGraphError]] = {
    "InvalidInput": InvalidInput,
    "QueryRefused": QueryRefused,
    "StoreUnavailable": StoreUnavailable,
}


def _isolate_network() -> bool:
    """Move this process into an empty network namespace (Linux), so no query can reach out.

    Defence in depth behind the guard; best effort (needs CAP_SYS_ADMIN or user namespaces).
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        clone_newnet, clone_newuser = 0x40000000, 0x10000000
        if libc.unshare(clone_newnet) == 0:
            return True
        return bool(libc.unshare(clone_newuser | clone_newnet) == 0)
    except (OSError, AttributeError):
        return False


def _error(exc: Exception) -> _Reply:
    if isinstance(exc, ActorGraphError):
        line, column = getattr(exc, "line", None), getattr(exc, "column", None)
        return ("error", type(exc).__name__, exc.message, line, column)
    return (
        "error",
        "StoreUnavailable",
        f"the query failed: {type(exc).__name__}: {exc}",
        None,
        None,
    )


class _Engine:
    """What a worker answers from: its checkpoint on disk at once, then a copy of it in memory.

    The copy is made by a background thread (queries keep being answered from disk meanwhile)
    when the checkpoint holds at most ``memory_max`` triples, and is swapped in whole. ``flag``
    (shared with the parent) says which one answers: 1 memory, 0 disk.
    """

    def __init__(self, memory_max: int, flag: ctypes.c_byte) -> None:
        self.memory_max = memory_max
        self.flag = flag
        self.store: Store | None = None
        self.generation = 0
        self._lock = threading.Lock()

    def open(self, checkpoint: str, isolated: bool) -> _Reply:
        disk = Store.open_read_only(checkpoint)
        with self._lock:
            self.generation += 1
            self.store = disk
            self.flag.value = 0
            generation = self.generation
        if self.memory_max > 0:
            threading.Thread(target=self._to_memory, args=(disk, generation), daemon=True).start()
        return ("ready", checkpoint, isolated, [str(g) for g in disk.named_graphs()])

    def _to_memory(self, disk: Store, generation: int) -> None:
        started = time.perf_counter()
        try:
            size = len(disk)
            if size > self.memory_max:
                log.info(
                    "query worker: %s holds %d triples (> %d): answering from disk",
                    disk.path,
                    size,
                    self.memory_max,
                )
                return
            memory = disk.to_memory()
        except Exception as exc:  # the disk store still answers; say why the copy failed
            log.warning("query worker: no in-memory copy of %s: %s", disk.path, exc)
            return
        with self._lock:
            if generation != self.generation:  # reopened on a newer checkpoint meanwhile
                return
            self.store = memory
            self.flag.value = 1
        log.info(
            "query worker: %s in memory (%d triples, %.1f s)",
            disk.path,
            size,
            time.perf_counter() - started,
        )


def _worker_main(conn: Connection, checkpoint: str, memory_max: int, flag: ctypes.c_byte) -> None:
    """A worker: open the checkpoint read-only, then answer requests until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us; Ctrl-C is for it
    isolated = _isolate_network()
    engine = _Engine(memory_max, flag)
    try:
        ready = engine.open(checkpoint, isolated)
    except Exception as exc:
        conn.send(_error(exc))
        return
    conn.send(ready)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        try:
            if message[0] == "open":
                conn.send(engine.open(message[1], isolated))
            else:
                assert engine.store is not None
                conn.send(_answer(engine.store, message[1]))
        except Exception as exc:  # a failure comes back as data and the worker lives on
            conn.send(_error(exc))


def _answer(store: Store, request: _Request) -> _Reply:
    result = store.query(
        request.query,
        default_graphs=None
        if request.default_graphs is None
        else [URIRef(g) for g in request.default_graphs],
        named_graphs=None
        if request.named_graphs is None
        else [URIRef(g) for g in request.named_graphs],
        base_iri=request.base_iri,
    )
    family, _, name = request.fmt.partition(".")
    fmt: ResultsFormat | RDFFormat = (RDFFormat if family == "RDFFormat" else ResultsFormat)[name]
    if result.kind is QueryKind.GRAPH and not isinstance(fmt, RDFFormat):
        fmt = RDFFormat.TURTLE
    elif result.kind is not QueryKind.GRAPH and not isinstance(fmt, ResultsFormat):
        fmt = ResultsFormat.JSON
    body = result.serialize(fmt, max_rows=request.max_rows)
    return ("ok", body, fmt.media_type)


def _request(
    query: str,
    default_graphs: Sequence[str] | None,
    named_graphs: Sequence[str] | None,
    result_format: ResultsFormat | RDFFormat,
    max_rows: int,
    base_iri: str | None,
) -> _Request:
    return _Request(
        query,
        f"{type(result_format).__name__}.{result_format.name}",
        max_rows,
        None if default_graphs is None else tuple(default_graphs),
        None if named_graphs is None else tuple(named_graphs),
        base_iri,
    )


def _decode(reply: _Reply) -> tuple[bytes, str]:
    """A worker's reply as (body, media type), or the error it carries, raised."""
    if reply[0] == "ok":
        return reply[1], reply[2]
    _, kind, message, line, column = reply
    if kind == "InvalidInput":
        raise InvalidInput(message, source="query", line=line, column=column)
    raise _ERRORS.get(kind, StoreUnavailable)(message)


def _worker_died() -> StoreUnavailable:
    return StoreUnavailable("the query worker died while running the query; try again")


async def _readable(conn: Connection, timeout: float) -> None:
    """Wait until ``conn`` has something to read; ``TimeoutError`` after ``timeout`` seconds."""
    if conn.poll(0):
        return
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    fd = conn.fileno()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(fd, wake)
    try:
        await asyncio.wait_for(ready, timeout)
    finally:
        loop.remove_reader(fd)
        # uvloop (libuv's uv_poll_init) leaves the descriptor non-blocking, and Connection.recv
        # of a reply larger than one read would then fail half-way with BlockingIOError.
        os.set_blocking(fd, True)


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection
    checkpoint: Path
    isolated: bool
    in_memory: ctypes.c_byte


class QueryPool:
    """Worker processes that run public SPARQL queries under a wall-clock limit.

    Each worker opens the read-only checkpoint ``checkpoint`` (made by ``Store.checkpoint``).
    :meth:`run` sends a query to an idle worker; a worker that runs past ``timeout`` is killed
    (SIGKILL) and replaced, and the caller gets :class:`QueryTimeout` before any byte was sent.
    A slow query holds one worker only; when every worker stays busy for ``wait``, callers get
    :class:`EndpointBusy`. Workers come from a ``forkserver`` (never ``fork``: this process holds
    RocksDB and threads).

    Parameters
    ----------
    checkpoint : a checkpoint directory no process writes to.
    workers : how many queries may run at once.
    timeout : seconds a query may run.
    wait : seconds a caller may wait for a free worker (default: ``timeout``).
    memory_max_triples : workers copy a checkpoint of at most this many triples into memory
        (in the background; they answer from disk until the copy is whole) — 0: never.

    Raises
    ------
    StoreUnavailable : no worker could open the checkpoint.
    """

    def __init__(
        self,
        checkpoint: Path,
        *,
        workers: int,
        timeout: float,
        wait: float | None = None,
        memory_max_triples: int = 0,
    ) -> None:
        if workers < 1:
            raise ValueError("a QueryPool needs at least one worker")
        self.timeout = timeout
        self.memory_max_triples = memory_max_triples
        self.wait = timeout if wait is None else wait
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(["graph.sparql"])
        self._cond = threading.Condition()
        self._checkpoint = Path(checkpoint)
        self._workers: set[_Worker] = set()
        self._idle: list[_Worker] = []
        self._starting: dict[int, Path] = {}
        self._ids = itertools.count()
        self._graphs: frozenset[str] = frozenset()
        self._closed = False
        starters = [threading.Thread(target=self._start_one, daemon=True) for _ in range(workers)]
        for t in starters:
            t.start()
        for t in starters:
            t.join()
        if not self._workers:
            raise StoreUnavailable(f"no query worker could open the checkpoint {self._checkpoint}")

    # ---------------------------------------------------------------------------- public
    @property
    def graphs(self) -> frozenset[str]:
        """The named graphs of the checkpoint the workers answer from."""
        return self._graphs

    @property
    def checkpoint(self) -> Path:
        return self._checkpoint

    @property
    def isolated(self) -> bool:
        """Whether every worker runs without network access (the guard's safety net)."""
        with self._cond:
            return bool(self._workers) and all(w.isolated for w in self._workers)

    @property
    def in_memory(self) -> int:
        """How many workers answer from an in-memory copy of the checkpoint (the rest: disk)."""
        with self._cond:
            return sum(1 for w in self._workers if w.in_memory.value)

    @property
    def pids(self) -> list[int]:
        """Process ids of the live workers (for monitoring and tests)."""
        with self._cond:
            return sorted(w.process.pid for w in self._workers if w.process.pid is not None)

    def run(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        result_format: ResultsFormat | RDFFormat = ResultsFormat.JSON,
        max_rows: int = 10_000,
        base_iri: str | None = None,
    ) -> tuple[bytes, str]:
        """Run ``query`` in a worker; return the serialised result and its media type.

        ``default_graphs``/``named_graphs`` set the dataset (``None``: the union of all graphs as
        the default graph, every graph named). ``result_format`` is used when it fits the query
        form; otherwise the form's default (SPARQL JSON, Turtle) is, and the media type says so.

        Raises
        ------
        InvalidInput : a syntax error, with line and column.
        QueryRefused : the result has more than ``max_rows`` rows (or triples).
        QueryTimeout : the query ran past the time limit; it was stopped.
        EndpointBusy : every worker stayed busy for ``wait`` seconds.
        StoreUnavailable : the pool is closed, or a worker died.
        """
        request = _request(query, default_graphs, named_graphs, result_format, max_rows, base_iri)
        worker: _Worker | None = self._acquire()
        assert worker is not None
        try:
            worker.conn.send(("query", request))
            if not worker.conn.poll(self.timeout):
                self._discard(worker, "timed out")
                worker = None
                raise self._timeout()
            reply: _Reply = worker.conn.recv()
        except (EOFError, OSError) as exc:
            if worker is not None:
                self._discard(worker, f"died ({exc})")
                worker = None
            raise _worker_died() from exc
        finally:
            if worker is not None:
                self._release(worker)
        return _decode(reply)

    async def arun(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        result_format: ResultsFormat | RDFFormat = ResultsFormat.JSON,
        max_rows: int = 10_000,
        base_iri: str | None = None,
    ) -> tuple[bytes, str]:
        """:meth:`run` for an event loop: waits on the worker's pipe, not in a thread.

        Why: a request to the public endpoint is mostly waiting for a worker, and handing that
        wait to a thread pool cost more than the typical query itself (a fraction of a
        millisecond each way). Only the rare slow paths (every worker busy, a worker to kill or
        to reopen on a new checkpoint) go to a thread. If the caller is cancelled mid-query, a
        thread collects the worker's reply so that the worker goes back to idle clean.

        Raises the same errors as :meth:`run`.
        """
        request = _request(query, default_graphs, named_graphs, result_format, max_rows, base_iri)
        worker = self._try_acquire() or await self._acquire_async()
        started = time.monotonic()
        try:
            worker.conn.send(("query", request))
            await _readable(worker.conn, self.timeout)
            reply: _Reply = worker.conn.recv()
        except TimeoutError:
            await asyncio.to_thread(self._discard, worker, "timed out")
            raise self._timeout() from None
        except (EOFError, OSError) as exc:
            await asyncio.to_thread(self._discard, worker, f"died ({exc})")
            raise _worker_died() from exc
        except BaseException:  # cancelled while the worker runs: collect its reply elsewhere
            left = max(0.0, self.timeout - (time.monotonic() - started))
            threading.Thread(target=self._drain, args=(worker, left), daemon=True).start()
            raise
        if worker.checkpoint == self._checkpoint:
            self._release(worker)
        else:  # reopening on a new checkpoint takes tens of milliseconds
            await asyncio.to_thread(self._release, worker)
        return _decode(reply)

    def switch(self, checkpoint: Path, *, wait: bool = True) -> Path | None:
        """Answer later queries from ``checkpoint``; return the old one.

        Idle workers reopen at once, busy ones when their query ends. With ``wait``, returns
        once no worker uses the old checkpoint (so the caller may delete it), or ``None`` when
        it is still open after a grace period; without, returns at once (see :meth:`in_use`).
        Returns ``None`` when ``checkpoint`` is already current.
        """
        new = Path(checkpoint)
        with self._cond:
            old = self._checkpoint
            if new == old:
                return None
            self._checkpoint = new
            idle, self._idle = self._idle, []
        for worker in idle:
            self._release(worker)  # reopens on the new checkpoint, then back to idle
        if not wait:
            return old
        deadline = time.monotonic() + 2 * self.timeout + 30
        with self._cond:
            while self._uses(old):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    log.warning("checkpoint %s is still in use; leaving it in place", old)
                    return None
                self._cond.wait(remaining)
        return old

    def in_use(self, checkpoint: Path) -> bool:
        """Whether a worker still has ``checkpoint`` open (or is opening it)."""
        with self._cond:
            return self._uses(Path(checkpoint))

    def _uses(self, checkpoint: Path) -> bool:
        return (
            checkpoint == self._checkpoint
            or any(w.checkpoint == checkpoint for w in self._workers)
            or checkpoint in self._starting.values()
        )

    def close(self) -> None:
        """Stop every worker (politely, then SIGKILL)."""
        with self._cond:
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
            self._idle.clear()
            self._cond.notify_all()
        for worker in workers:
            with contextlib.suppress(OSError, ValueError):
                worker.conn.send(None)
        for worker in workers:
            worker.process.join(timeout=1)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=1)
            worker.conn.close()

    def __enter__(self) -> QueryPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------------------- workers
    def _timeout(self) -> QueryTimeout:
        return QueryTimeout(
            f"the query ran longer than {self.timeout:g} s and was stopped "
            "(setting ACTORGRAPH_QUERY_TIMEOUT); narrow it or add LIMIT"
        )

    def _busy(self) -> EndpointBusy:
        return EndpointBusy(
            f"every query worker stayed busy for {self.wait:g} s; try again shortly"
        )

    def _try_acquire(self) -> _Worker | None:
        """An idle worker at once, or ``None`` (without waiting)."""
        with self._cond:
            if self._closed:
                raise StoreUnavailable("the query pool is closed")
            return self._idle.pop() if self._idle else None

    async def _acquire_async(self) -> _Worker:
        """:meth:`_acquire` without blocking the loop: look again every few milliseconds (only
        when every worker is busy; safe to cancel, as nothing is taken until it returns)."""
        deadline = time.monotonic() + self.wait
        while True:
            await asyncio.sleep(0.005)
            worker = self._try_acquire()
            if worker is not None:
                return worker
            with self._cond:
                if not self._workers and not self._starting:
                    raise StoreUnavailable("no query worker is running; see the server log")
            if time.monotonic() >= deadline:
                raise self._busy()

    def _drain(self, worker: _Worker, timeout: float) -> None:
        """Wait for the reply of a query nobody waits for any more, then free the worker."""
        try:
            if worker.conn.poll(timeout):
                worker.conn.recv()
                self._release(worker)
                return
            why = "timed out (abandoned query)"
        except (EOFError, OSError) as exc:
            why = f"died ({exc})"
        self._discard(worker, why)

    def _acquire(self) -> _Worker:
        deadline = time.monotonic() + self.wait
        with self._cond:
            while not self._idle:
                if self._closed:
                    raise StoreUnavailable("the query pool is closed")
                if not self._workers and not self._starting:
                    raise StoreUnavailable("no query worker is running; see the server log")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise self._busy()
                self._cond.wait(remaining)
            return self._idle.pop()

    def _release(self, worker: _Worker) -> None:
        """Back to idle, reopening first if the pool has switched checkpoints meanwhile."""
        while worker.checkpoint != self._checkpoint:
            target = self._checkpoint
            try:
                worker.conn.send(("open", str(target)))
                if not worker.conn.poll(60):
                    raise OSError("no answer within 60 s")
                reply = worker.conn.recv()
                if reply[0] != "ready":
                    raise OSError(reply[2])
            except (EOFError, OSError) as exc:
                self._discard(worker, f"could not open {target}: {exc}")
                return
            with self._cond:
                worker.checkpoint = target
                if target == self._checkpoint:
                    self._graphs = frozenset(reply[3])
                self._cond.notify_all()
        with self._cond:
            if self._closed or worker not in self._workers:
                return
            self._idle.append(worker)
            self._cond.notify_all()

    def _start_one(self) -> None:
        """Start a worker on the current checkpoint and wait until it is ready (own thread)."""
        key = next(self._ids)
        with self._cond:
            if self._closed:
                return
            checkpoint = self._checkpoint
            self._starting[key] = checkpoint
        worker: _Worker | None = None
        graphs: list[str] = []
        try:
            parent, child = self._ctx.Pipe(duplex=True)
            in_memory = self._ctx.Value("b", 0, lock=False)
            process = self._ctx.Process(
                target=_worker_main,
                args=(child, str(checkpoint), self.memory_max_triples, in_memory),
                name=f"actorgraph-query-{key}",
                daemon=True,
            )
            process.start()
            child.close()
            if not parent.poll(60):
                process.kill()
                raise OSError("the worker did not start within 60 s")
            reply = parent.recv()
            if reply[0] != "ready":
                process.join(timeout=5)
                raise OSError(reply[2])
            worker = _Worker(process, parent, checkpoint, bool(reply[2]), in_memory)
            graphs = reply[3]
            if not worker.isolated:
                log.warning(
                    "query worker %s keeps network access; the query guard stands alone", key
                )
        except (EOFError, OSError) as exc:
            if not self._closed:  # at shutdown the checkpoint may be gone already
                log.error("could not start a query worker on %s: %s", checkpoint, exc)
        with self._cond:
            self._starting.pop(key, None)
            if worker is not None and self._closed:
                worker.process.kill()
                worker = None
            if worker is not None:
                self._workers.add(worker)
                if checkpoint == self._checkpoint:
                    self._graphs = frozenset(graphs)
            self._cond.notify_all()
        if worker is not None:
            self._release(worker)

    def _discard(self, worker: _Worker, why: str) -> None:
        """Kill a worker (SIGKILL) and start its replacement in the background."""
        log.warning("query worker %s %s; replacing it", worker.process.name, why)
        worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()
        with self._cond:
            self._workers.discard(worker)
            closed = self._closed
            self._cond.notify_all()
        if not closed:
            threading.Thread(target=self._start_one, daemon=True).start()
