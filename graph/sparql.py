"""The public SPARQL endpoint's guard: it reads a query before it runs (and writes the service
description). The worker processes that run queries are in :mod:`graph.pool`.

Why both:

* **The guard** (:func:`check_query`) refuses what must never reach the engine: SPARQL Update
  (the endpoint is read-only), ``SERVICE`` (pyoxigraph's wheel has an HTTP client, so it would
  fetch any URL the caller names: SSRF), ``FROM``/``FROM NAMED`` IRIs that are not graphs of the
  store, and queries over the length cap. It is a lexer, not a parser, so it costs microseconds;
  keywords inside strings, IRIs, comments, variables and prefixed names never trigger it. The
  one place where a lexer and the engine's parser can disagree is ``<``: an IRI, or "less than"?
  The guard decides as the grammar does (a comparison only exists inside an expression's
  parentheses, after an operand), and where that is uncertain it scans the other reading too.
* **The pool** (:class:`graph.pool.QueryPool`): pyoxigraph has no query timeout (oxigraph/oxigraph#1926),
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

import enum
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin

from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef

from graph.errors import QueryRefused
from graph.namespaces import PREFIXES

__all__ = [
    "QueryForm",
    "QueryInfo",
    "check_graphs",
    "check_query",
    "service_description",
    "tokens",
]


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
    (?:\s+|\#[^\n\r]*)*   # whitespace and comments before the token, skipped in the same match
    (?:
    (?P<STRING>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
             | '''(?:[^'\\]|\\.|'(?!''))*'''
             | "(?:[^"\\\n\r]|\\.)*"
             | '(?:[^'\\\n\r]|\\.)*')
  | (?P<IRI><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)  # \u escapes too
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
    )?                    # nothing: only whitespace or comments were left
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
#: Tokens one bracketed expression may hold (the engine's parser recurses per operator).
MAX_EXPRESSION_TOKENS = 5_000


@dataclass
class _Scan:
    """The lexer's running state (bracket stack and recent tokens), copyable for a second reading."""

    stack: list[str] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)  # tokens read inside each open bracket
    bangs: int = 0  # consecutive "!" tokens (each one level of the engine's parser)
    prev: tuple[str, str] = ("", "")
    prev2: tuple[str, str] = ("", "")
    clause: bool = False  # inside a projection or solution modifiers: "(" opens an expression
    values_next: bool = False  # the next "{" opens a VALUES data block
    # the previous token was `SERVICE:x`, which the engine may read as SERVICE and `:x`
    service_pname: bool = False

    def copy(self) -> _Scan:
        return _Scan(
            list(self.stack),
            list(self.sizes),
            self.bangs,
            self.prev,
            self.prev2,
            self.clause,
            self.values_next,
            self.service_pname,
        )


def tokens(text: str) -> Iterator[tuple[str, str, int]]:
    """The query's tokens as ``(kind, text, offset)``, whitespace and comments skipped.

    Kinds: ``STRING``, ``IRI``, ``VAR``, ``BNODE``, ``PNAME``, ``LANGTAG``, ``NUMBER``, ``WORD``
    (keywords, ``a``, function names) and ``OP`` (one punctuation character, or ``^^ && || != <=
    >=``). A lexer, not a parser: ``<`` followed by IRI characters up to ``>`` is read as an IRI
    (the guard decides that case as the grammar does; see :class:`_Guard`).

    >>> [(k, v) for k, v, _ in tokens("SELECT ?s { ?s a ag:Actor } # done")]
    [('WORD', 'SELECT'), ('VAR', '?s'), ('OP', '{'), ('VAR', '?s'), ('WORD', 'a'), ('PNAME', 'ag:Actor'), ('OP', '}')]
    """
    pos, n = 0, len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        assert m is not None  # every part of the pattern may match nothing
        kind = m.lastgroup
        if kind is None:
            return
        pos = m.end()
        yield kind, m.group(kind), m.start(kind)


def _refuse_service() -> QueryRefused:
    return QueryRefused(
        "SERVICE is refused: this endpoint does not call other endpoints "
        "(it would let a query make the server fetch any URL: SSRF)"
    )


class _Guard:
    """One pass over a query; see :func:`check_query`."""

    def __init__(self, text: str, base_iri: str | None, max_depth: int = 64) -> None:
        self.text = text
        self.base = base_iri
        self.max_depth = max_depth
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
            assert m is not None  # every part of the pattern may match nothing
            kind = m.lastgroup
            if kind is None:  # only whitespace or comments were left
                break
            value = m.group(kind)
            pos = m.end()
            if kind == "IRI":
                kind, pos = self._angle(value, m.start(kind), pos, st, primary=primary)
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
            self._size(kind, value, st, pos)
            if len(st.stack) > self.max_depth:
                line = text.count("\n", 0, pos) + 1
                column = pos - (text.rfind("\n", 0, pos) + 1)
                raise QueryRefused(
                    f"the query nests brackets deeper than {self.max_depth} levels (at line "
                    f"{line}, column {column}); the limit is ACTORGRAPH_MAX_NESTING_DEPTH="
                    f"{self.max_depth}: flatten it (the engine's parser would overflow its stack)"
                )
            st.prev2, st.prev = st.prev, (kind, upper)

    def _angle(
        self, span: str, start: int, end: int, st: _Scan, *, primary: bool
    ) -> tuple[str, int]:
        """Read the ``<…>`` span at ``start:end`` as an IRI or as "less than", as the grammar
        would."""
        top = st.stack[-1] if st.stack else None
        operand_before = st.prev[0] in _OPERAND_END or st.prev[1] in (")", "]", "TRUE", "FALSE")
        if not operand_before or top not in ("expr", "data"):
            return "IRI", end  # no comparison is possible here
        inner = span[1:-1]
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
                self._scan(end, _after(st, ("IRI", span)), primary=False)
            else:
                self._scan(start + 1, _after(st, ("OP", "<")), primary=False)
        # Code inside the span (the other reading) must not hide SERVICE either.
        if "service" in inner.lower():
            for sub in _TOKEN.finditer(inner):
                if sub.lastgroup is None:
                    continue
                word = sub.group(sub.lastgroup)
                if sub.lastgroup == "PNAME" and word.split(":", 1)[0].upper() == "SERVICE":
                    raise _refuse_service()  # SERVICE:x
                if sub.lastgroup == "WORD" and word.upper() == "SERVICE":
                    rest = inner[sub.end() :]
                    if rest[:1] in ("?", "$", ":") or rest[:1].isalpha():
                        raise _refuse_service()  # SERVICE?x
        if as_operator:
            return "OP", start + 1
        return "IRI", end

    def _size(self, kind: str, value: str, st: _Scan, pos: int) -> None:
        """Refuse the shapes that overflow the engine's recursive parser without any bracket:
        long runs of ``!`` and huge expressions (``1+1+…``: 8,000 terms crash it)."""
        st.bangs = st.bangs + 1 if kind == "OP" and value == "!" else 0
        if st.sizes:
            st.sizes[-1] += 1
        too_deep = st.bangs > self.max_depth
        too_big = bool(st.stack) and st.stack[-1] == "expr" and st.sizes[-1] > MAX_EXPRESSION_TOKENS
        if too_deep or too_big:
            line = self.text.count("\n", 0, pos) + 1
            column = pos - (self.text.rfind("\n", 0, pos) + 1)
            what = (
                f"more than {self.max_depth} '!' in a row (ACTORGRAPH_MAX_NESTING_DEPTH)"
                if too_deep
                else f"an expression of more than {MAX_EXPRESSION_TOKENS:,} tokens"
            )
            raise QueryRefused(
                f"the query has {what} at line {line}, column {column}: the engine's parser "
                "would overflow its stack; simplify it (a long list of values belongs in VALUES)"
            )

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
            st.sizes.append(0)
            st.values_next = False
            st.clause = False
        elif upper == "(":
            st.stack.append(self._paren(st))
            st.sizes.append(0)
        elif upper == "[":
            st.stack.append("bnode")
            st.sizes.append(0)
        elif upper in ("}", ")", "]"):
            if st.stack:
                st.stack.pop()
                st.sizes.pop()
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
        iri = _unescape(iri)
        if self.base is None or re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", iri):
            return iri
        return urljoin(self.base, iri)


_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _unescape(iri: str) -> str:
    """An IRI's ``\\uXXXX`` / ``\\UXXXXXXXX`` escapes decoded, as the engine decodes them."""
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), iri)


def _after(st: _Scan, token: tuple[str, str]) -> _Scan:
    other = st.copy()
    other.prev2, other.prev = other.prev, token
    return other


def check_query(
    text: str,
    *,
    known_graphs: Collection[str],
    max_length: int,
    max_depth: int = 64,
    base_iri: str | None = None,
) -> QueryInfo:
    """Refuse what the public endpoint must not run, before it runs; say which form it is.

    Parameters
    ----------
    text : the query as sent.
    known_graphs : the IRIs of the store's named graphs; ``FROM``/``FROM NAMED`` must name one.
    max_length : the longest query accepted, in characters.
    max_depth : the deepest nesting of brackets accepted (pyoxigraph's recursive parser crashes
        its process on a few thousand levels).
    base_iri : the base the engine resolves relative IRIs against (the endpoint's URL).

    Returns
    -------
    QueryInfo : the form (for content negotiation) and the query's own dataset clauses.

    Raises
    ------
    QueryRefused : an update, ``SERVICE``, a ``FROM`` IRI that is not a graph of the store, a
        query longer than ``max_length`` or nested deeper than ``max_depth``; the message says
        which, and why.

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
    guard = _Guard(text, base_iri, max_depth)
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
                "every query runs under a time limit and a cap on result rows. Formats by "
                "Accept, or by format=, output= or results= when they name one for the query "
                "form; N3 is answered as Turtle (text/turtle), which is valid N3.",
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
