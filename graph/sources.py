"""The articles behind a batch: every quote of its evidence is found in its article's stored text.

Why a module of its own: "the graph never holds a relation that no source supports" is checked
by the builder for the seeds (:func:`graph.build.find_quote`); a steward's batch goes through the
same check here, with the same message, before it is validated. An article is first-class: its
full text (``schema:articleBody``) is in the graph, stored by the build for the seeds or brought
by the batch that first cites it, with its URL, publisher and date. For each quote selector of the
batch, the text of its article (from the batch, else the store) is searched the way the builder
searches it; a quote that is not there, or that could be at several places, is a violation. A
selector that is found and has no position gets one (``oa:TextPositionSelector`` with ``oa:start``
and ``oa:end``, as the builder writes them), so that every stored quote carries its offsets and the
shapes (``ags:QuoteAtItsPosition``) can hold the text to them on any engine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from graph.build import QuoteMatch, find_quote
from graph.errors import InvalidInput
from graph.namespaces import AG, OA, PROV, RDF, SCHEMA
from graph.query import compact
from graph.validate import Result

__all__ = ["Located", "locate_quotes"]

Triple = tuple[Node, Node, Node]
#: ``(s, p, o)`` with None as a wildcard → the matching triples (the store as it would be after
#: the batch)
Lookup = Callable[[tuple[Node | None, Node | None, Node | None]], Iterable[Triple]]

SHAPE = "ags:EvidenceInItsArticle"


@dataclass
class Located:
    """What locating a batch's quotes found: the positions it made, and the quotes it could not
    place (as validation results on the evidence, the event or the report)."""

    made: Graph = field(default_factory=Graph)
    problems: list[Result] = field(default_factory=list)
    quotes: int = 0  # selectors located
    checked: set[str] = field(default_factory=set)  # the exact quotes looked for

    @property
    def positions_made(self) -> int:
        return len(set(self.made.subjects(RDF.type, OA.TextPositionSelector)))


def _one(lookup: Lookup, s: Node, p: Node) -> list[Node]:
    return sorted({o for _, _, o in lookup((s, p, None))}, key=str)


def _result(focus: Node, path: str, value: str | None, message: str) -> Result:
    return Result(
        focus_node=str(focus),
        result_path=path,
        value=value,
        severity="Violation",
        source_shape=SHAPE,
        source_constraint_component="SPARQLConstraintComponent",
        message=message,
    )


def _text_of(lookup: Lookup, article: Node) -> str | None:
    bodies = [o for o in _one(lookup, article, SCHEMA.articleBody) if isinstance(o, Literal)]
    return str(bodies[0]) if len(bodies) == 1 else None


def _no_text(article: Node) -> str:
    return (
        f"the article {compact(article) if isinstance(article, URIRef) else article} has no text "
        "in the graph, so no quote can be found in it: a batch that brings events brings their "
        "article (schema:articleBody with its full text, schema:url, schema:publisher, "
        "schema:datePublished) or cites an article stored earlier (`actorgraph ingest` writes both)"
    )


def _position(lookup: Lookup, batch: Graph, target: Node, qsel: Node) -> tuple[int, int] | None:
    """The offsets the batch gives for this target (a TextPositionSelector), if any."""
    for sel in _one(lookup, target, OA.hasSelector):
        if sel == qsel or (sel, RDF.type, OA.TextPositionSelector) not in batch:
            continue
        starts, ends = _one(lookup, sel, OA.start), _one(lookup, sel, OA.end)
        if len(starts) == 1 and len(ends) == 1:
            try:
                return int(str(starts[0])), int(str(ends[0]))
            except ValueError:
                return None  # the shapes say what is wrong with the offsets
    return None


def _match(text: str, exact: str, prefix: str | None, suffix: str | None) -> QuoteMatch:
    """The one place of ``exact`` in ``text``, as the builder finds it; with several, the one
    that the selector's ``oa:prefix`` and ``oa:suffix`` (Web Annotation) single out."""
    try:
        return find_quote(text, exact)
    except InvalidInput as exc:
        if "occurs" not in exc.message or (prefix is None and suffix is None):
            raise
        first = exc
    n = 1
    while True:
        try:
            m = find_quote(text, exact, occurrence=n)
        except InvalidInput:
            raise first from None
        if (prefix is None or text[: m.start].endswith(prefix)) and (
            suffix is None or text[m.end :].startswith(suffix)
        ):
            return m
        n += 1


def locate_quotes(batch: Graph, lookup: Lookup) -> Located:
    """Find every quote of ``batch`` in its article's text; make the positions it lacks.

    ``lookup`` sees the store as it would be after the batch (the batch's own triples included),
    so a batch may bring the article it quotes.
    """
    out = Located()
    texts: dict[Node, str | None] = {}
    reported: set[Node] = set()
    for qsel in sorted(set(batch.subjects(RDF.type, OA.TextQuoteSelector)), key=str):
        exacts = [o for o in _one(lookup, qsel, OA.exact) if isinstance(o, Literal)]
        targets = sorted(set(batch.subjects(OA.hasSelector, qsel)), key=str)
        if len(exacts) != 1 or len(targets) != 1:
            continue  # the shapes say what is missing
        exact, target = str(exacts[0]), targets[0]
        out.checked.add(exact)
        articles = _one(lookup, target, OA.hasSource)
        if len(articles) != 1:
            continue  # the shapes say so
        article = articles[0]
        if article not in texts:
            texts[article] = _text_of(lookup, article)
        text = texts[article]
        evidence = next(iter(sorted(batch.subjects(OA.hasTarget, target), key=str)), target)
        if text is None:
            if article not in reported:
                reported.add(article)
                out.problems.append(
                    _result(evidence, "oa:hasTarget/oa:hasSource", str(article), _no_text(article))
                )
            continue
        out.quotes += 1
        if _position(lookup, batch, target, qsel) is not None:
            continue  # the offsets are held to the text by ags:QuoteAtItsPosition
        prefixes = [str(o) for o in _one(lookup, qsel, OA.prefix)]
        suffixes = [str(o) for o in _one(lookup, qsel, OA.suffix)]
        try:
            m = _match(
                text, exact, prefixes[0] if prefixes else None, suffixes[0] if suffixes else None
            )
        except InvalidInput as exc:
            message = exc.message
            if "occurs" in message:
                message = message.replace(
                    "add `occurrence: N` (1-",
                    "give its oa:TextPositionSelector (oa:start, oa:end), "
                    "or oa:prefix and oa:suffix, of the one meant (",
                )
            out.problems.append(
                _result(evidence, "oa:hasTarget/oa:hasSelector/oa:exact", exact, message)
            )
            continue
        if m.exact != exact:
            out.problems.append(
                _result(
                    evidence,
                    "oa:hasTarget/oa:hasSelector/oa:exact",
                    exact,
                    "the quote differs from the article's text in its quotation marks or spaces: "
                    f"write oa:exact (and ag:quote) with the article's own characters: {m.exact!r}",
                )
            )
            continue
        if not isinstance(qsel, URIRef):
            continue
        psel = URIRef(f"{qsel}-position")
        out.made.add((target, OA.hasSelector, psel))
        out.made.add((psel, RDF.type, OA.TextPositionSelector))
        out.made.add((psel, OA.start, Literal(m.start, datatype=XSD.integer)))
        out.made.add((psel, OA.end, Literal(m.end, datatype=XSD.integer)))
    _check_accounts(batch, lookup, texts, out)
    _check_brought(batch, out)
    return out


def _check_accounts(
    batch: Graph, lookup: Lookup, texts: dict[Node, str | None], out: Located
) -> None:
    """An event's or report's ``ag:quote`` is in the text of an article it is derived from."""
    for s, quote in sorted(batch.subject_objects(AG.quote), key=str):
        if str(quote) in out.checked:
            continue  # the quote of an evidence, found (or reported) above
        articles = _one(lookup, s, PROV.wasDerivedFrom)
        bodies = [texts.get(a) if a in texts else _text_of(lookup, a) for a in articles]
        known = [b for b in bodies if b is not None]
        if not known:
            continue  # no article (the shapes say so) or none with a text (said above)
        problems = []
        for body in known:
            try:
                find_quote(body, str(quote), occurrence=1)
                break
            except InvalidInput as exc:
                problems.append(exc.message)
        else:
            out.problems.append(_result(s, "ag:quote", str(quote), problems[0]))


def _check_brought(batch: Graph, out: Located) -> None:
    """An article a batch brings has its hash computed from its text, and an address."""
    for article, body in sorted(batch.subject_objects(SCHEMA.articleBody), key=str):
        if not isinstance(body, Literal):
            continue
        digest = hashlib.sha256(str(body).encode("utf-8")).hexdigest()
        if (article, AG.contentSha256, None) not in batch:
            out.made.add((article, AG.contentSha256, Literal(digest)))
        if (article, SCHEMA.url, None) not in batch:
            out.problems.append(
                _result(
                    article,
                    "schema:url",
                    None,
                    f"the article {compact(article) if isinstance(article, URIRef) else article} "
                    "that the batch brings needs its address (schema:url <https://…>), so that "
                    "anyone can read the original",
                )
            )
