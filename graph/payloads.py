"""Checks on untrusted RDF payloads, run before any parser sees the bytes.

Why: pyoxigraph's parsers are strict about RDF but not hardened against hostile input. An RDF/XML
DOCTYPE with nested entities ("billion laughs") makes it expand 630 bytes into gigabytes; JSON-LD
nested ~4,000 levels deep overflows its stack and kills the whole process; RDF/XML and JSON-LD
parse in time quadratic in their nesting depth; and its Turtle parser lets invalid UTF-8 through
in comments. :func:`check_rdf` refuses all of that, in well under a second on a 5 MB payload,
with a message that says where the problem is and what to do:

* **every format**: strict UTF-8 (:func:`decode_utf8`); a leading UTF-8 byte order mark is allowed;
* **RDF/XML**: no DOCTYPE or ENTITY declaration anywhere (entity expansion, external entities:
  XXE); well-formed XML; elements at most ``max_depth`` deep;
* **JSON-LD**: objects and arrays at most ``max_depth`` deep; valid JSON; no remote ``@context``
  at any depth (a string, a string in an array, or ``@import``): the parser would fetch it;
* **Turtle, TriG, N-Triples, N-Quads**: ``[ ]``, ``( )``, ``{ }``, ``<< >>`` and ``<<( )>>``
  at most ``max_depth`` deep, outside strings, IRIs and comments.

Depth is counted lexically: C-level regular expressions blank the strings, IRIs and comments, and
``itertools.accumulate`` runs over the bracket characters alone, so no Python code runs per
character of the input, and the first bracket too deep is reported with its line and column.
(RDF/XML is counted by expat, whose callbacks run per element.)

>>> check_rdf(b'<https://example.org/a> <https://example.org/p> [ <https://example.org/q> "]]" ] .',
...           RDFFormat.TURTLE, max_depth=1)
>>> check_rdf(b'{"@id": "https://example.org/a", "https://example.org/p": [[1]]}',
...           RDFFormat.JSONLD, max_depth=2)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
graph.errors.LimitExceeded: the JSON-LD nests objects and arrays deeper than 2 levels (at line 1, column 60); ...
"""

from __future__ import annotations

import gc
import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from itertools import accumulate, chain, compress, islice, repeat
from operator import eq, is_not, itemgetter
from typing import Any, NoReturn
from xml.parsers import expat

from graph.errors import InvalidInput, LimitExceeded
from graph.store import RDFFormat

__all__ = [
    "ARTICLE_URL",
    "DEPTH_SETTING",
    "REVIEW_MEDIA_TYPE",
    "article_url",
    "check_rdf",
    "decode_utf8",
]

#: The setting that ``max_depth`` comes from, named in every depth error.
DEPTH_SETTING = "ACTORGRAPH_MAX_NESTING_DEPTH"

_BOM = b"\xef\xbb\xbf"

_UTF8_REASONS = {
    "invalid start byte": "cannot begin a UTF-8 character",
    "invalid continuation byte": "begins a character that the bytes after it do not complete",
    "unexpected end of data": "begins a character that the end of the data cuts off",
}


def decode_utf8(data: bytes, *, source: str) -> str:
    """Strict UTF-8 (a leading byte order mark is dropped); InvalidInput naming line, column and
    the byte offset of the first bad byte.

    Why strict here: pyoxigraph's Turtle parser skips comments without decoding them, so a body
    in Latin-1 or with stray bytes would otherwise be half accepted.

    >>> decode_utf8(b"\\xef\\xbb\\xbf# caf\\xc3\\xa9", source="body")
    '# café'
    >>> decode_utf8(b"# ok\\n# caf\\xe9\\n", source="body")
    Traceback (most recent call last):
    ...
    graph.errors.InvalidInput: body:2:6: not valid UTF-8: byte 0xE9 at line 2, column 6 (byte offset 10) begins a character that the bytes after it do not complete; send the payload encoded as UTF-8 (text in Latin-1 or Windows-1252 must be converted first, e.g. with iconv -t UTF-8)
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = exc.start
        line = data.count(b"\n", 0, start) + 1
        line_start = data.rfind(b"\n", 0, start) + 1
        if line_start == 0 and data.startswith(_BOM):
            line_start = len(_BOM)
        # Everything before the first bad byte is valid: its characters give the column.
        column = len(data[line_start:start].decode("utf-8")) + 1
        reason = _UTF8_REASONS.get(exc.reason, exc.reason)
        raise InvalidInput(
            f"not valid UTF-8: byte 0x{data[start]:02X} at line {line:,}, column {column:,} "
            f"(byte offset {start:,}) {reason}; send the payload encoded as UTF-8 (text in "
            "Latin-1 or Windows-1252 must be converted first, e.g. with iconv -t UTF-8)",
            source=source,
            line=line,
            column=column,
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


#: The media type of a review document (the records of a review file and the article's text, as
#: JSON: graph/ingest.py), which POST /validate and POST /batches take beside RDF.
REVIEW_MEDIA_TYPE = "application/vnd.actorgraph.review+json"


#: An article's address as an IRI the graph can hold: http(s), a host, and none of the characters
#: an IRI may not contain (space, <, >, ", {, }, |, \\, ^, `).
ARTICLE_URL = r"^https?://[^\x00-\x20\x7f\s<>\"{}|\\^`/?#]+[^\x00-\x20\x7f\s<>\"{}|\\^`]*$"


def article_url(text: str, *, source: str | None = None) -> str:
    """``text`` as an article's address (``schema:url``), or a clear error.

    Raises:
        InvalidInput: not an http(s) address, or with characters an IRI may not hold.
    """
    url = text.strip()
    if len(url) > 2000 or not re.fullmatch(ARTICLE_URL, url):
        raise InvalidInput(
            f"{text[:80]!r} is not an http(s) address an article can have: write it as "
            'https://host/path, with spaces and the characters <>"{}|\\^` percent-encoded',
            source=source,
        )
    return url


def check_rdf(data: bytes, fmt: RDFFormat, *, max_depth: int, source: str = "body") -> None:
    """Refuse, before parsing, what a parser must never see.

    ``max_depth`` is ``ACTORGRAPH_MAX_NESTING_DEPTH``. Passing this check does not mean the data
    is valid RDF: the parser still says what else is wrong.

    Raises:
        InvalidInput: not UTF-8, a DOCTYPE or ENTITY in RDF/XML, malformed XML or JSON, a remote
            JSON-LD context; with line and column.
        LimitExceeded: nesting deeper than ``max_depth`` (the message says where).
    """
    if max_depth < 0:
        raise ValueError(f"max_depth must be 0 or more, not {max_depth}")
    text = decode_utf8(data, source=source)
    if fmt is RDFFormat.RDFXML:
        _check_rdfxml(data, text, max_depth=max_depth, source=source)
    elif fmt is RDFFormat.JSONLD:
        _check_brackets(text, _JSON, max_depth=max_depth)
        _check_jsonld(text, max_depth=max_depth, source=source)
    else:
        _check_brackets(text, _SYNTAXES[fmt], max_depth=max_depth)


def _too_deep(what: str, where: str, max_depth: int, advice: str) -> LimitExceeded:
    levels = "level" if max_depth == 1 else "levels"
    return LimitExceeded(
        f"the {what} deeper than {max_depth:,} {levels} ({where}); the limit is "
        f"{DEPTH_SETTING}={max_depth}: {advice}",
        limit=DEPTH_SETTING,
        allowed=max_depth,
    )


def _line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of ``offset``."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _at(text: str, offset: int) -> str:
    line, column = _line_column(text, offset)
    return f"at line {line:,}, column {column:,}"


# ------------------------------------------------------------------------ brackets, lexically
# Markers written into the text while counting. A marker character in the payload itself starts
# a run (the last token below) and is blanked with it, so afterwards every marker comes from here.
_BLANKED = "\x00"  # a run of strings, IRIs, comments and other text without brackets
_OPEN = "\x01"  # << or <<( : one level each
_CLOSE = "\x02"  # >> or )>>
_FILLER = "\x03"  # the rest of << <<( >> )>>, so that offsets stay the same
_MARKERS = "\x00|\x01|\x02|\x03"

#: Turtle, TriG, N-Triples and N-Quads tokens that may hold brackets which do not nest. Each
#: alternative matches from its first character to its end or, unclosed, to the end of the line
#: (short strings) or of the input (long strings), so it never fails once started and the scan
#: stays linear on hostile input (the parser refuses an unclosed string anyway). An IRI holds no
#: "<", so "<<" never starts one; its second "<" can, when what follows up to a ">" has no space:
#: ``<<[]a[]>>`` then counts two levels less (nothing deeper can hide there, and the brackets
#: stay balanced).
_TURTLE_TOKENS = (
    r'"""[^"\\]*+(?:(?:\\.?|"(?!""))[^"\\]*+)*+(?:""")?',  # long strings
    r"'''[^'\\]*+(?:(?:\\.?|'(?!''))[^'\\]*+)*+(?:''')?",
    r'"[^"\\\n\r]*+(?:\\.?[^"\\\n\r]*+)*+"?',  # short strings
    r"'[^'\\\n\r]*+(?:\\.?[^'\\\n\r]*+)*+'?",
    r'<[^<>"{}|^`\x00-\x20]*+>',  # IRIs
    r"#[^\n\r]*+",  # comments
    r"\\.?",  # escapes in prefixed names: ex:a\(b
    _MARKERS,
)
_JSON_TOKENS = (r'"[^"\\]*+(?:\\.?[^"\\]*+)*+"?', _MARKERS)


def _runs(tokens: tuple[str, ...], plain: str) -> re.Pattern[str]:
    """Runs that start with a token and go on over tokens and text without brackets: one marker
    replaces a whole run, so text between brackets that holds no token is not even matched.
    Possessive quantifiers (nothing here ever needs to backtrack) make a flood of tiny tokens
    four times faster."""
    token = "|".join(tokens)  # all start with a literal: the regex engine skips ahead to them
    return re.compile(f"(?:{token})(?:{token}|{plain})*+", re.DOTALL)


_CHUNK = 1 << 16


class _Syntax:
    """How to count the nesting of one syntax, and what to say when it is too deep."""

    def __init__(
        self, what: str, advice: str, runs: re.Pattern[str], brackets: str, *, rdf_star: bool
    ) -> None:
        self.what = what  # "the {what} deeper than 64 levels"
        self.advice = advice
        self.runs = runs
        self.rdf_star = rdf_star  # << <<( >> )>> are marked as _OPEN and _CLOSE
        # ``brackets`` pairs opening and closing characters: "[]{}". They are ASCII, and no byte
        # of a multi-byte UTF-8 character is, so in the encoded text a byte table can turn them
        # into +1 and -1 (signed bytes) and delete every other byte. The regex finds the same
        # characters again, to say where the one too deep is.
        opening, closing = brackets[0::2].encode(), brackets[1::2].encode()
        self.steps = bytes.maketrans(
            opening + closing, b"\x01" * len(opening) + b"\xff" * len(closing)
        )
        self.others = bytes(b for b in range(256) if b not in opening + closing)
        self.brackets = re.compile(f"[{re.escape(brackets)}]")


_TURTLE_RUNS = _runs(_TURTLE_TOKENS, r"""[^\[\](){}"'<>#\\]++""")
_TURTLE_ADVICE = (
    "flatten the data (give nested blank nodes a label such as _:b1 and describe them at the "
    "top level)"
)
_TRIPLE_TERM_ADVICE = "state the nested triples on lines of their own"
_BLANK_NODES = "blank nodes [ ], collections ( ) or quoted triples << >>"


def _turtle(what: str, advice: str = _TURTLE_ADVICE) -> _Syntax:
    return _Syntax(what, advice, _TURTLE_RUNS, "[]()" + "{}" + _OPEN + _CLOSE, rdf_star=True)


_SYNTAXES = {
    RDFFormat.TURTLE: _turtle(f"Turtle nests {_BLANK_NODES}"),
    RDFFormat.TRIG: _turtle(f"TriG nests graphs {{ }}, {_BLANK_NODES}"),
    RDFFormat.NTRIPLES: _turtle("N-Triples nests triple terms <<( )>>", _TRIPLE_TERM_ADVICE),
    RDFFormat.NQUADS: _turtle("N-Quads nests triple terms <<( )>>", _TRIPLE_TERM_ADVICE),
}
_JSON = _Syntax(
    "JSON-LD nests objects and arrays",
    "flatten the document (give nested nodes an @id and list them at the top level)",
    _runs(_JSON_TOKENS, r'[^\[\]{}"]++'),
    "[]{}",
    rdf_star=False,
)


def _check_brackets(text: str, syntax: _Syntax, *, max_depth: int) -> None:
    """Raise LimitExceeded at the first bracket deeper than ``max_depth``.

    Unbalanced closing brackets are counted as they come (the depth may go below zero): the
    parser stops at the first one, so what it reads before is counted exactly.
    """
    blanked = syntax.runs.sub(_BLANKED, text)
    marked = blanked
    if syntax.rdf_star:  # RDF 1.2 triple terms first: <<( is one level, not two
        marked = (
            marked.replace("<<(", _OPEN + _FILLER * 2)
            .replace(")>>", _CLOSE + _FILLER * 2)
            .replace("<<", _OPEN + _FILLER)
            .replace(">>", _CLOSE + _FILLER)
        )
    steps = memoryview(marked.encode("utf-8").translate(syntax.steps, syntax.others)).cast("b")
    depth = 0
    for start in range(0, len(steps), _CHUNK):
        levels = list(accumulate(steps[start : start + _CHUNK], initial=depth))
        if max(levels) > max_depth:
            # Steps are ±1, so the first level past the limit is max_depth + 1.
            token = start + levels.index(max_depth + 1) - 1
            bracket = next(islice(syntax.brackets.finditer(marked), token, None), None)
            where = "position unknown"
            if bracket is not None:  # always, as both count the same characters
                where = _at(text, _unblank(text, blanked, syntax.runs, bracket.start()))
            raise _too_deep(syntax.what, where, max_depth, syntax.advice)
        depth = levels[-1]


def _unblank(text: str, blanked: str, runs: re.Pattern[str], offset: int) -> int:
    """The offset in ``text`` of ``offset`` in ``blanked`` (where each run is one marker)."""
    count = blanked.count(_BLANKED, 0, offset)
    if count == 0:
        return offset
    last = next(islice(runs.finditer(text), count - 1, None))
    return last.end() + offset - (blanked.rfind(_BLANKED, 0, offset) + 1)


# ---------------------------------------------------------------------------------- JSON-LD
_REMOTE_CONTEXT = (
    "the JSON-LD refers to a remote @context ({what}); remote contexts are never fetched (the "
    "server would fetch any URL: SSRF): put the context object itself in the document"
)


def _check_jsonld(text: str, *, max_depth: int, source: str) -> None:
    """Valid JSON, and no remote context. (Depth is checked before, lexically: ``json`` recurses.)

    The objects are collected flat while ``json`` parses (``object_pairs_hook`` is the list's
    ``append``, a C function; the tree keeps ``None`` in their place). Every key of every object
    is then looked at with C-level iterators, duplicates included, so that a remote context
    cannot hide behind a second ``@context`` key or deep in a scoped context. Numbers are not
    converted (``len`` instead of ``int``): a 5,000-digit number is not an error here.
    """
    objects: list[list[tuple[str, Any]]] = []
    try:
        with _gc_paused():
            json.loads(text, object_pairs_hook=objects.append, parse_int=len, parse_float=len)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"not valid JSON: {exc.msg}", source=source, line=exc.lineno, column=exc.colno
        ) from None
    except RecursionError:  # only if max_depth is above what the json module can follow
        raise LimitExceeded(
            "the JSON-LD nests objects and arrays too deeply for the server's JSON reader "
            f"(about {sys.getrecursionlimit():,} levels), although within "
            f"{DEPTH_SETTING}={max_depth}: {_JSON.advice}; an operator should lower "
            f"{DEPTH_SETTING}",
            limit=DEPTH_SETTING,
            allowed=max_depth,
        ) from None
    except ValueError as exc:  # pragma: no cover - json raises JSONDecodeError for bad syntax
        raise InvalidInput(f"not valid JSON: {exc}", source=source) from None
    pairs = list(chain.from_iterable(objects))
    keys = list(map(itemgetter(0), pairs))
    if "@context" in keys:
        contexts = map(itemgetter(1), compress(pairs, map(eq, keys, repeat("@context"))))
        for value in filter(partial(is_not, None), contexts):  # None: an object, inline
            if (iri := _remote(value)) is not None:
                _refuse_context(text, f"<{_shorten(iri)}>", iri, source)
    if "@import" in keys:  # only meaningful in a context, and always remote
        value = next(compress(pairs, map(eq, keys, repeat("@import"))))[1]
        what = f"@import <{_shorten(value)}>" if isinstance(value, str) else "@import"
        _refuse_context(text, what, value, source)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Why: ``json`` makes a container per array and object, and the cyclic garbage collector
    would scan them all again and again meanwhile (5 MB of ``[[],[],…]``: 0.45 s instead of 0.07)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _remote(context: Any) -> str | None:
    """The IRI a @context value would fetch: itself (a string) or a string in it (an array).
    Objects are None here (an @import in one is found as a key of its own)."""
    pending = [context]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            return item
        if isinstance(item, list):
            strings: list[str] = list(compress(item, map(isinstance, item, repeat(str))))
            if strings:
                return strings[0]
            pending.extend(compress(item, map(isinstance, item, repeat(list))))
    return None


def _refuse_context(text: str, what: str, value: Any, source: str) -> NoReturn:
    line, column = _find_string(text, value)
    raise InvalidInput(_REMOTE_CONTEXT.format(what=what), source=source, line=line, column=column)


def _shorten(value: Any, limit: int = 200) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _find_string(text: str, value: Any) -> tuple[int | None, int | None]:
    """Where a JSON string value is written (if it is written without escapes)."""
    if not isinstance(value, str):
        return None, None
    at = text.find(json.dumps(value, ensure_ascii=False))
    return _line_column(text, at) if at >= 0 else (None, None)


# ---------------------------------------------------------------------------------- RDF/XML
_DTD = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DTD_REFUSED = (
    "DOCTYPE and ENTITY declarations are refused: they allow entity expansion ('billion "
    "laughs') and external entities (XXE); send RDF/XML without a DOCTYPE"
)
_XML_ADVICE = (
    "flatten the document (describe each resource in an rdf:Description of its own at the top "
    "level and refer to it with rdf:resource or rdf:nodeID)"
)
_XML_HINTS = {
    expat.errors.XML_ERROR_TAG_MISMATCH: "a closing tag does not match the element it closes",
    expat.errors.XML_ERROR_UNDEFINED_ENTITY: "without a DOCTYPE only &lt; &gt; &amp; &quot; "
    "&apos; and character references such as &#233; exist",
    expat.errors.XML_ERROR_NO_ELEMENTS: "the document is empty or ends before its root element "
    "is closed",
    expat.errors.XML_ERROR_UNCLOSED_TOKEN: "the document ends inside a tag",
    expat.errors.XML_ERROR_JUNK_AFTER_DOC_ELEMENT: "there is more after the end of the root "
    "element; RDF/XML has one root element, rdf:RDF",
    expat.errors.XML_ERROR_INVALID_TOKEN: "a character that is not allowed there (a bare < or & "
    "in text must be written &lt; or &amp;)",
    expat.errors.XML_ERROR_UNBOUND_PREFIX: "a prefix used without its xmlns declaration",
}


class _Refused(Exception):
    """Raised from an expat handler to stop parsing at once."""

    def __init__(self, error: InvalidInput | LimitExceeded) -> None:
        super().__init__()
        self.error = error


def _check_rdfxml(data: bytes, text: str, *, max_depth: int, source: str) -> None:
    """No DOCTYPE or ENTITY (refused on the text, before expat sees it), well-formed, not too deep.

    expat is a C parser with a heap stack, so depth costs it nothing. It never fetches anything
    unless asked: no handler for external entities is set and parameter entities are off, and
    processing instructions (``<?xml-stylesheet href=...?>``) are only reported, never followed.
    """
    if (m := _DTD.search(text)) is not None:
        line, column = _line_column(text, m.start())
        raise InvalidInput(_DTD_REFUSED, source=source, line=line, column=column)
    parser = expat.ParserCreate(encoding="UTF-8")  # overrides any encoding="…" declaration
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = 0

    def start(name: str, attributes: list[str]) -> None:
        nonlocal depth
        depth += 1
        if depth > max_depth:
            where = (
                f"at line {parser.CurrentLineNumber:,}, column {parser.CurrentColumnNumber + 1:,}"
            )
            raise _Refused(_too_deep("RDF/XML nests elements", where, max_depth, _XML_ADVICE))

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1

    def doctype(*_: object) -> None:  # unreachable after the search above; kept as a backstop
        raise _Refused(
            InvalidInput(
                _DTD_REFUSED,
                source=source,
                line=parser.CurrentLineNumber,
                column=parser.CurrentColumnNumber + 1,
            )
        )

    parser.ordered_attributes = True  # a list per element is cheaper than a dict
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    try:
        parser.Parse(data, True)
    except _Refused as refused:
        raise refused.error from None
    except expat.ExpatError as exc:
        message = expat.errors.messages[exc.code]
        hint = _XML_HINTS.get(message)
        raise InvalidInput(
            f"not well-formed XML: {message}" + (f" ({hint})" if hint else ""),
            source=source,
            line=exc.lineno,
            column=exc.offset + 1,
        ) from None
