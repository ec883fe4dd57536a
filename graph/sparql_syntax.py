"""SPARQL syntax errors in words: line, column, the offending text and what to write instead.

Why: pyoxigraph's parser (rust-peg) reports the furthest position it reached and everything it
would have accepted there — a list of Unicode ranges for an undeclared prefix, ``expected
CONSTRUCT`` for a misspelt ``SELECT`` (or for ``INSERT DATA``), ``expected OPTIONAL`` for a
triple pattern without its object. The position is usually right; the list rarely helps. So the
query is read again with the guard's lexer (:func:`graph.sparql.tokens`), and the usual mistakes
are named:

* an empty query, a broken ``PREFIX``/``BASE`` line, a query that does not start with SELECT,
  CONSTRUCT, ASK or DESCRIBE (an update, or a misspelt form: "did you mean SELECT?");
* an undeclared prefix, with the declared ones (the predeclared ``ag:``, ``actor:``, … and the
  query's own);
* a word that is no SPARQL keyword (``FITLER``, ``LIMT``: "did you mean FILTER?");
* a bracket that closes nothing, closes the wrong bracket, or is never closed;
* a triple pattern without its predicate or object, or two without the ``.`` between them;
* a relative IRI in a query that has no base;

and anything else is the engine's own message without its character classes. Of several
mistakes the first in the text is named (fixing it may reveal the next). The one entry point,
:func:`syntax_error`, is called where the engine's ``SyntaxError`` is caught
(:meth:`graph.store.Store.query`), so the CLI and the API's query workers say the same.

>>> e = syntax_error("error at 1:28: expected one of Prefix not found, ['%']", "SELECT * WHERE { ?s foo:bar ?o }")
>>> (e.line, e.column)
(1, 21)
>>> e.message.split(";")[0]
'the prefix `foo:` (in `foo:bar`) is not declared'
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from graph.errors import InvalidInput
from graph.namespaces import PREFIXES
from graph.sparql import tokens

__all__ = ["KEYWORDS", "excerpt", "syntax_error"]

_POSITION = re.compile(r"^(?:error at )?(\d+):(\d+)(?:-\d+:\d+)?:?\s*")
_FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")
_UPDATES = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
#: Built-in functions and aggregates (SPARQL 1.1 and 1.2, as pyoxigraph reads them).
FUNCTIONS = frozenset(
    {
        "STR", "LANG", "LANGMATCHES", "DATATYPE", "BOUND", "IRI", "URI", "BNODE", "RAND",
        "ABS", "CEIL", "FLOOR", "ROUND", "CONCAT", "STRLEN", "UCASE", "LCASE",
        "ENCODE_FOR_URI", "CONTAINS", "STRSTARTS", "STRENDS", "STRBEFORE", "STRAFTER",
        "YEAR", "MONTH", "DAY", "HOURS", "MINUTES", "SECONDS", "TIMEZONE", "TZ", "NOW",
        "UUID", "STRUUID", "MD5", "SHA1", "SHA256", "SHA384", "SHA512", "COALESCE", "IF",
        "STRLANG", "STRDT", "SAMETERM", "ISIRI", "ISURI", "ISBLANK", "ISLITERAL",
        "ISNUMERIC", "REGEX", "SUBSTR", "REPLACE", "EXISTS", "COUNT", "SUM", "MIN", "MAX",
        "AVG", "SAMPLE", "GROUP_CONCAT", "TRIPLE", "SUBJECT", "PREDICATE", "OBJECT",
        "ISTRIPLE", "LANGDIR", "HASLANG", "HASLANGDIR", "STRLANGDIR", "ADJUST",
    }
)  # fmt: skip
#: Every word a SPARQL query may hold outside strings, IRIs, variables and prefixed names
#: (upper case; the language is case-insensitive, but for ``a``).
KEYWORDS = FUNCTIONS | frozenset(
    {
        "BASE", "PREFIX", "VERSION", "SELECT", "CONSTRUCT", "DESCRIBE", "ASK", "DISTINCT",
        "REDUCED", "AS", "FROM", "NAMED", "WHERE", "GROUP", "BY", "HAVING", "ORDER", "ASC",
        "DESC", "LIMIT", "OFFSET", "VALUES", "OPTIONAL", "SERVICE", "SILENT", "BIND",
        "UNDEF", "MINUS", "UNION", "FILTER", "IN", "NOT", "GRAPH", "DEFAULT", "ALL",
        "SEPARATOR", "LATERAL", "A", "TRUE", "FALSE", "LOAD", "INTO", "CLEAR", "DROP",
        "CREATE", "ADD", "MOVE", "COPY", "TO", "INSERT", "DELETE", "DATA", "WITH", "USING",
    }
)  # fmt: skip
#: Keywords that the parser lists after a finished pattern (it could go on with another one):
#: noise in an "expected one of" list.
_PATTERN_STARTS = frozenset(
    {"OPTIONAL", "LATERAL", "SERVICE", "MINUS", "VALUES", "GRAPH", "FILTER", "BIND", "UNION"}
)
#: The engine's own sentences inside its "expected" lists, said for people.
_ENGINE_SENTENCES = {
    "SELECT * is not authorized with GROUP BY": (
        "SELECT * cannot be used with GROUP BY: list the grouped variables and the aggregates, "
        "e.g. SELECT ?s (COUNT(?o) AS ?n)"
    ),
    "IRI parsing failed": "this is not a valid IRI (no spaces, quotes or braces inside < >)",
    "Duplicated variable name in SELECT": "a variable is selected twice (or twice bound with AS)",
    "The SELECT contains a variable that is unbound": (
        "with an aggregate such as COUNT, every other selected variable must be in GROUP BY"
    ),
}
_CLOSERS = {"{": "}", "(": ")", "[": "]"}
_OPENERS = {v: k for k, v in _CLOSERS.items()}
_TERMS = frozenset({"VAR", "IRI", "PNAME", "STRING", "NUMBER", "BNODE"})


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "WORD" else self.text

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(frozen=True)
class _Problem:
    """A mistake: where it shows (``order``: which comes first), where to point, what to say."""

    order: int
    at: int
    sentence: str


def syntax_error(
    message: str,
    text: str,
    *,
    base_iri: str | None = None,
    prefixes: Mapping[str, str] = PREFIXES,
    source: str = "query",
) -> InvalidInput:
    """The engine's SPARQL syntax error about ``text`` as :class:`InvalidInput` in words.

    Parameters
    ----------
    message : the ``SyntaxError``'s message (``error at 1:28: expected …``).
    text : the query the engine read.
    base_iri : the base the engine was given (without one, relative IRIs are mistakes).
    prefixes : the prefixes the engine predeclared.
    source : what the error names as its source.

    Returns
    -------
    InvalidInput : a sentence naming the offending text (in backticks) and what to write
        instead, with the 1-based line and column of that text.

    Examples
    --------
    >>> e = syntax_error("error at 1:10: expected CONSTRUCT", "SELEC ?s WHERE { ?s ?p ?o }")
    >>> str(e)
    'query:1:1: `SELEC` cannot start a query: a query starts with SELECT, CONSTRUCT, ASK or DESCRIBE (after its PREFIX and BASE lines); did you mean SELECT?'
    """
    engine, err = message, len(text)
    if (m := _POSITION.match(message)) is not None:
        engine = message[m.end() :]
        err = _offset(text, int(m.group(1)), int(m.group(2)))
    reading = _Reading(text, err, engine, base_iri, prefixes)
    problem = reading.first_problem()
    line, column = _where(text, problem.at)
    return InvalidInput(problem.sentence, source=source, line=line, column=column)


def excerpt(text: str, line: int | None, column: int | None, *, width: int = 76) -> str:
    """The line of ``text`` at ``line`` (shortened around ``column``) with a caret under
    ``column``; empty without a position.

    >>> print(excerpt("SELECT * WHERE { ?s foo:bar ?o }", 1, 21))
      SELECT * WHERE { ?s foo:bar ?o }
                          ^
    """
    lines = text.split("\n")
    if line is None or column is None or not 1 <= line <= len(lines):
        return ""
    source = lines[line - 1].rstrip("\r").expandtabs(1)
    start = max(0, min(column - 1 - width // 2, len(source) - width))
    shown = source[start : start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(source) else ""
    caret = " " * (len(prefix) + column - 1 - start) + "^"
    return f"  {prefix}{shown}{suffix}\n  {caret}"


# ---------------------------------------------------------------------------------- reading
class _Reading:
    """One query read for its mistakes (each ``_…`` method looks for one kind)."""

    def __init__(
        self,
        text: str,
        err: int,
        engine: str,
        base_iri: str | None,
        prefixes: Mapping[str, str],
    ) -> None:
        self.text = text
        self.err = err  # the engine's position, as an offset
        self.engine = engine
        self.base = base_iri
        self.declared: dict[str, str] = dict(prefixes)
        self.tokens = [_Token(k, v, at) for k, v, at in tokens(text)]
        self.body = 0  # the index of the first token after the prologue

    def first_problem(self) -> _Problem:
        if not self.tokens:
            return _Problem(
                0, 0, "the query is empty: write e.g. SELECT * WHERE { ?s ?p ?o } LIMIT 10"
            )
        start = self._prologue_and_form()
        if start is not None:
            return start
        found = [
            p
            for p in (
                *self._unclosed_strings(),
                *self._undeclared_prefixes(),
                *self._unknown_words(),
                *self._relative_iris(),
                *self._brackets(),
                *self._triple_patterns(),
            )
            if p.order <= self.err
        ]
        if found:
            return min(found, key=lambda p: p.order)
        return self._engine_message()

    # ---------------------------------------------------------------- the start of the query
    def _prologue_and_form(self) -> _Problem | None:
        toks, i, n = self.tokens, 0, len(self.tokens)

        def at(k: int) -> _Token | None:
            return toks[k] if k < n else None

        while i < n:
            word = toks[i].upper if toks[i].kind == "WORD" else ""
            if word == "BASE":
                iri = at(i + 1)
                if iri is None or iri.kind != "IRI":
                    return self._here(
                        iri or toks[i],
                        "BASE is followed by an IRI in angle brackets, e.g. "
                        "BASE <https://w3id.org/actorgraph/id/>",
                    )
                self.base = iri.text[1:-1]
                i += 2
            elif word == "PREFIX":
                name, iri = at(i + 1), at(i + 2)
                if name is None or name.kind != "PNAME" or not name.text.endswith(":"):
                    return self._here(
                        name or toks[i],
                        "a PREFIX line is `PREFIX name: <namespace>` (the name "
                        "ends with a colon), e.g. PREFIX ex: <https://example.org/>",
                    )
                if iri is None or iri.kind != "IRI":
                    return self._here(
                        iri or name,
                        f"`PREFIX {name.text}` needs its namespace IRI in angle "
                        f"brackets: PREFIX {name.text} <https://…>",
                    )
                self.declared[name.text[:-1]] = iri.text[1:-1]
                i += 3
            elif word == "VERSION":
                i += 2
            else:
                break
        self.body = i
        first = at(i)
        if first is None:
            return _Problem(
                len(self.text),
                len(self.text),
                "the query has only PREFIX or BASE lines: add "
                "the query itself (SELECT, CONSTRUCT, ASK or DESCRIBE)",
            )
        if first.kind == "WORD" and first.upper in _FORMS:
            return None
        if first.upper in _UPDATES:
            return self._here(
                first,
                f"`{first.text}` is SPARQL Update: queries are read-only (SELECT, ASK, "
                "CONSTRUCT, DESCRIBE); the graph changes through steward batches "
                "(actorgraph commit, POST /batches)",
            )
        guess = _closest(first.upper, _FORMS) if first.kind == "WORD" else None
        return self._here(
            first,
            f"`{_short(first.text)}` cannot start a query: a query starts with SELECT, "
            "CONSTRUCT, ASK or DESCRIBE (after its PREFIX and BASE lines)"
            + (f"; did you mean {guess}?" if guess else ""),
        )

    # ---------------------------------------------------------------- tokens that cannot be
    def _undeclared_prefixes(self) -> Iterator[_Problem]:
        for t in self.tokens[self.body :]:
            if t.kind != "PNAME":
                continue
            prefix, _, local = t.text.partition(":")
            if prefix in self.declared:
                continue
            shown = "`:` (the empty prefix)" if not prefix else f"`{prefix}:`"
            declared = ", ".join(f"{p}:" for p in self.declared)
            guess = _closest(prefix, self.declared, cutoff=0.5)
            advice = (
                f"did you mean `{guess}:{local}`?"
                if guess is not None
                else f"declare it before the query: PREFIX {prefix}: <https://…>"
            )
            yield self._here(
                t,
                f"the prefix {shown} (in `{_short(t.text)}`) is not declared; declared: "
                f"{declared}; {advice}",
            )
            return

    def _unclosed_strings(self) -> Iterator[_Problem]:
        for t in self.tokens[self.body :]:
            if t.kind == "OP" and t.text in ("'", '"'):
                yield self._here(
                    t,
                    f"this string is never closed: end it with {t.text} on the same line "
                    f"(text over several lines goes in {t.text * 3}…{t.text * 3})",
                )
                return

    def _unknown_words(self) -> Iterator[_Problem]:
        for t in self.tokens[self.body :]:
            if t.kind == "WORD" and t.upper not in KEYWORDS:
                guess = _closest(t.upper, KEYWORDS)
                yield self._here(
                    t,
                    f"`{_short(t.text)}` is not a SPARQL keyword"
                    + (f": did you mean {guess}?" if guess else "")
                    + " (variables start with ?, prefixed names have a colon: ?actor, ag:Actor; "
                    "text goes in quotes)",
                )
                return

    def _relative_iris(self) -> Iterator[_Problem]:
        if self.base is not None:
            return
        for t in self.tokens:
            if t.kind == "IRI" and not re.match(r"<[A-Za-z][A-Za-z0-9+.\-]*:", t.text):
                yield self._here(
                    t,
                    f"`{_short(t.text)}` is a relative IRI and the query has no base: write "
                    "it in full (<https://…>) or as a prefixed name (actor:russia)",
                )
                return

    # ---------------------------------------------------------------- structure
    def _brackets(self) -> Iterator[_Problem]:
        stack: list[_Token] = []
        for t in self.tokens[self.body :]:
            if t.kind != "OP":
                continue
            if t.text in _CLOSERS:
                stack.append(t)
            elif t.text in _OPENERS:
                if not stack:
                    yield self._here(
                        t,
                        f"this `{t.text}` closes nothing: remove it, or add the "
                        f"`{_OPENERS[t.text]}` it should close",
                    )
                    return
                opener = stack.pop()
                if _CLOSERS[opener.text] != t.text:
                    line, column = _where(self.text, opener.start)
                    yield self._here(
                        t,
                        f"the `{opener.text}` at line {line}, column {column} is not closed: "
                        f"add `{_CLOSERS[opener.text]}` before this `{t.text}`",
                    )
                    return
        if stack and not self.text[self.err :].strip():
            opener = stack[-1]
            yield _Problem(
                self.err,
                opener.start,
                f"this `{opener.text}` is never closed: the query "
                f"ends first; add `{_CLOSERS[opener.text]}`",
            )

    def _triple_patterns(self) -> Iterator[_Problem]:
        """Triple patterns with fewer than three terms, or two without a ``.`` between them.

        Counts the terms inside ``{ }`` groups since the last ``.``, ``;`` or ``,`` (a path's
        ``/`` and ``|`` and a literal's ``^^`` join terms into one; ``[ ]`` and ``( )`` of data
        count as one term). Projections, solution modifiers, expressions and VALUES blocks are
        skipped.
        """
        groups: list[str] = []  # what each open bracket holds: group, values, data or expr
        run = 0  # terms of the current pattern
        first = -1  # where the current pattern starts
        joined = False  # the next term continues the previous one (a path, a datatype)
        semicolon = False  # the last separator was ";" (a trailing ";" is allowed)
        values_next = False  # the next "{" opens a VALUES block
        skip = False  # a subquery's projection or modifiers, until its next brace
        previous: _Token | None = None
        for t in self.tokens[self.body :]:
            top = groups[-1] if groups else None
            in_group = top == "group" and not skip
            counted = False
            if t.kind == "OP" and t.text == "{":
                groups.append("values" if values_next else "group")
                values_next = skip = joined = semicolon = False
                run = 0
            elif t.kind == "OP" and t.text in ("(", "["):
                collection = t.text == "[" or previous is None or previous.kind != "WORD"
                if top == "data" or (in_group and collection):
                    groups.append("data")
                    counted = in_group
                else:
                    groups.append("values" if top == "values" else "expr")
            elif t.kind == "OP" and t.text in ("}", ")", "]"):
                closing = groups.pop() if groups else None
                if t.text == "}":
                    if closing == "group" and not skip:
                        yield from self._incomplete(run, first, t, semicolon)
                    skip = joined = semicolon = False
                    run = 0
            elif not in_group:
                if t.kind == "WORD" and t.upper == "VALUES":
                    values_next = True
            elif t.kind == "OP" and t.text in (".", ";", ","):
                yield from self._incomplete(run, first, t, semicolon, t.text)
                run = {".": 0, ";": 1, ",": 2}[t.text]
                semicolon, joined = t.text == ";", False
            elif t.kind == "OP" and t.text in ("/", "|", "^^"):
                joined = True
            elif t.kind in _TERMS or (t.kind == "WORD" and t.upper in ("A", "TRUE", "FALSE")):
                counted = True
            elif t.kind == "WORD":
                yield from self._incomplete(run, first, t, semicolon)
                skip = t.upper in ("SELECT", "GROUP", "ORDER", "HAVING", "LIMIT", "OFFSET")
                values_next = t.upper == "VALUES"
                run, semicolon = 0, False
            if counted:
                if joined:
                    joined = False
                else:
                    first = t.start if run == 0 else first
                    run, semicolon = run + 1, False
                    if run > 3:
                        yield self._missing_dot(t, previous)
                        run, first = 1, t.start
            previous = t

    def _incomplete(
        self, run: int, first: int, t: _Token, semicolon: bool, separator: str = ""
    ) -> Iterator[_Problem]:
        """The pattern of ``run`` terms ends at ``t``: a problem if it lacks terms."""
        # in an object list each item is an object; after ";" the subject alone is fine (a
        # trailing ";" is allowed)
        lacking = run in (1, 2) if separator == "," else run == 2 or (run == 1 and not semicolon)
        if not lacking:
            return
        pattern = _short(self.text[first : t.start]) if first >= 0 else ""
        missing = "a predicate and an object" if run == 1 else "an object"
        yield _Problem(
            t.start,
            first if first >= 0 else t.start,
            f"`{pattern}` is not a whole triple pattern: it lacks {missing} (a pattern is "
            "subject, predicate and object, e.g. ?event ag:agent ?actor)",
        )

    def _missing_dot(self, t: _Token, previous: _Token | None) -> _Problem:
        after = f" after `{_short(previous.text)}`" if previous is not None else ""
        return self._here(
            t,
            f"a `.` is missing{after}: `{_short(t.text)}` starts a new triple pattern, and "
            "patterns are separated by `.` (`;` repeats the subject, `,` the predicate)",
        )

    # ---------------------------------------------------------------- the engine's message
    def _engine_message(self) -> _Problem:
        items = _expected(self.engine)
        if items is None:  # not an "expected …" message: the engine's words, as they are
            return _Problem(self.err, self.err, self.engine.strip().splitlines()[0])
        sentences = [_ENGINE_SENTENCES.get(i, i) for i in items if " " in i and i[0] not in "\"'["]
        sentences = [s for s in sentences if s != "Prefix not found"]
        at_end = not self.text[self.err :].strip()
        here = "the query ends too early" if at_end else f"unexpected `{self._token_at()}`"
        if sentences:  # the engine's own words: about the query, not about this position
            return _Problem(self.err, self.err, "; ".join(sentences))
        wanted: list[str] = []
        words = [i for i in items if i.replace("_", "").isalnum() and not i.startswith("[")]
        expression = FUNCTIONS | {"NOT", "IN"}
        if any(w.upper() in FUNCTIONS for w in words):
            wanted.append("an expression (a variable, a value or a function call)")
            words = [w for w in words if w.upper() not in expression]
        wanted += [w for w in words if w.upper() not in _PATTERN_STARTS]
        wanted += [f"`{i[1:-1]}`" for i in items if i.startswith('"') and i != '"{|"']
        if "['0'..='9']" in items:
            wanted.append("a number")
        if wanted:
            return _Problem(self.err, self.err, f"{here}; expected {', '.join(wanted)}")
        if at_end:
            return _Problem(
                self.err, self.err, f"{here}: a pattern, an expression or a bracket is unfinished"
            )
        return _Problem(self.err, self.err, f"{here}: check the SPARQL syntax there")

    def _token_at(self) -> str:
        for t in self.tokens:
            if t.end > self.err:
                return _short(t.text)
        return _short(self.text[self.err :].strip())

    def _here(self, t: _Token, sentence: str) -> _Problem:
        return _Problem(t.start, t.start, sentence)


# ---------------------------------------------------------------------------------- helpers
def _expected(message: str) -> list[str] | None:
    """The items of an "expected one of A, B, [c..d]" message (None for another message)."""
    m = re.match(r"expected (?:one of )?", message)
    if m is None:
        return None
    rest, items, i = message[m.end() :], [], 0
    while i < len(rest):
        if rest[i] in ", \n":
            i += 1
            continue
        j = i
        if rest[i] == "[":  # a character class, with quoted characters that may hold brackets
            depth, quote = 0, ""
            while j < len(rest):
                c = rest[j]
                if quote:
                    if c == "\\":
                        j += 1
                    elif c == quote:
                        quote = ""
                elif c == "'":
                    quote = c
                elif c == "[":
                    depth += 1
                elif c == "]":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            items.append(rest[i : j + 1])
            i = j + 1
        elif rest[i] == '"':
            j += 1
            while j < len(rest) and rest[j] != '"':
                j += 2 if rest[j] == "\\" else 1
            items.append(rest[i : j + 1])
            i = j + 1
        else:
            j = rest.find(", ", i)
            j = len(rest) if j < 0 else j
            items.append(rest[i:j].strip())
            i = j
    return items


def _closest(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The choice most like ``word`` (case-insensitively), if one is close."""
    by_upper = {c.upper(): c for c in choices}
    found = difflib.get_close_matches(word.upper(), list(by_upper), n=1, cutoff=cutoff)
    return by_upper[found[0]] if found else None


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _offset(text: str, line: int, column: int) -> int:
    """The offset of a 1-based line and column (in characters, as the engine counts them)."""
    lines = text.split("\n")
    if line > len(lines):
        return len(text)
    return min(len(text), sum(len(x) + 1 for x in lines[: line - 1]) + max(column, 1) - 1)


def _where(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of an offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
