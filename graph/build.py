"""Build the knowledge graph from ``seeds/``: annotations → RDF → derived edges → SHACL → store.

The build is all-or-nothing: it reads and checks everything first (YAML, quotes, references, the
shapes) and writes only when all of it is right, in one transaction that replaces the seed graphs
(ontology, actors, one per article, derived edges) and leaves steward batches alone. The output is
a pure function of the input files, so building twice gives the same graph.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from graph.annotations import ActorSpec, Corpus, DateSpan, EventSpec, ReportSpec, load_corpus
from graph.errors import InvalidInput, ValidationFailed
from graph.namespaces import (
    AG,
    CAMEO,
    FOAF,
    ID,
    OA,
    ORG,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SEM,
    SKOS,
    TIME,
    WD,
    graph_iri,
)
from graph.rules import derive_edges
from graph.store import Store
from graph.validate import Report, in_annotation_terms, load_ontology, validate

__all__ = [
    "ACTORS_GRAPH",
    "EDGES_GRAPH",
    "ONTOLOGY_GRAPH",
    "BuildResult",
    "QuoteMatch",
    "build",
    "corpus_to_rdf",
    "derive_edges",
    "find_quote",
]

ONTOLOGY_GRAPH = graph_iri("ontology")
ACTORS_GRAPH = graph_iri("actors")
EDGES_GRAPH = graph_iri("edges")
ARTICLE_GRAPH_PREFIX = str(graph_iri("article")) + "/"
SEED_ACTIVITY = ID["activity/seed-curation"]
CONTEXT_CHARS = 32

Step = Callable[[str], None]


# ---------------------------------------------------------------------------- quotes

_EQUIVALENT = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "}
)


@dataclass(frozen=True)
class QuoteMatch:
    """Where a quote sits in an article: offsets in code points, end exclusive."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


def find_quote(text: str, quote: str, *, occurrence: int | None = None) -> QuoteMatch:
    """Find ``quote`` in ``text``, treating typographic and straight quotes, and no-break and plain
    spaces, as equal; return the article's own characters and offsets.

    >>> find_quote("He said \u201ca simple\u00a0lie\u201d.", '"a simple lie"').exact
    '\u201ca simple\u00a0lie\u201d'

    Raises:
        InvalidInput: the quote is not in the text, or occurs more than once and no ``occurrence``
            says which.
    """
    haystack, needle = text.translate(_EQUIVALENT), quote.strip().translate(_EQUIVALENT)
    starts = [m.start() for m in re.finditer(re.escape(needle), haystack)]
    if not starts:
        raise InvalidInput(
            f"quote not found in the article: {_shorten(quote)!r}{_near_miss(haystack, needle)}"
        )
    if occurrence is None and len(starts) > 1:
        raise InvalidInput(
            f"quote occurs {len(starts)} times in the article: add `occurrence: N` (1-{len(starts)}) "
            f"or quote a longer span: {_shorten(quote)!r}"
        )
    index = (occurrence or 1) - 1
    if index >= len(starts):
        raise InvalidInput(
            f"occurrence {occurrence} asked for, but the quote occurs {len(starts)} time(s)"
        )
    start = starts[index]
    end = start + len(needle)
    return QuoteMatch(
        start,
        end,
        text[start:end],
        text[max(0, start - CONTEXT_CHARS) : start],
        text[end : end + CONTEXT_CHARS],
    )


def _shorten(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _near_miss(haystack: str, needle: str) -> str:
    """Say how much of the quote does match, to point the steward at the typo."""
    lo, hi = 0, len(needle)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if needle[:mid] in haystack:
            lo = mid
        else:
            hi = mid - 1
    if lo < 10:
        return ""
    return f" (the first {lo} characters match; it differs from {_shorten(needle[lo:], 30)!r})"


# ---------------------------------------------------------------------------- RDF


@cache
def _ontology_annotations() -> tuple[dict[str, str], frozenset[URIRef]]:
    """Default CAMEO code per event class (from ``ag:cameoCode``) and the known code concepts."""
    onto = load_ontology()
    codes: dict[str, str] = {}
    for cls, code in onto.subject_objects(AG.cameoCode):
        codes[str(cls)] = str(code)
    concepts = frozenset(c for c in onto.subjects(RDF.type, SKOS.Concept) if isinstance(c, URIRef))
    return codes, concepts


@cache
def _under(code: URIRef) -> frozenset[URIRef]:
    """``code`` and every concept it is narrower than (``skos:broader*`` in the code lists)."""
    onto = load_ontology()
    return frozenset(
        c for c in onto.transitive_objects(code, SKOS.broader) if isinstance(c, URIRef)
    )


def _actor_iri(ident: str) -> URIRef:
    return ID[f"actor/{ident}"]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


def _decimal(x: float) -> Literal:
    """An xsd:decimal in canonical form ("0.9", "1"), as the store keeps it."""
    text = format(Decimal(str(x)).normalize(), "f")
    return Literal(text, datatype=XSD.decimal)


def _date(d: object) -> Literal:
    return Literal(str(d), datatype=XSD.date)


_DATE_BASES = {
    "stated": AG.DateStated,
    "relative": AG.DateRelative,
    "context": AG.DateContext,
    "publication": AG.DatePublication,
    "external": AG.DateExternal,
}


def _interval(g: Graph, ms: URIRef, begins: object, ends: object) -> None:
    """``org:memberDuring`` an OWL-Time interval whose known ends carry ``time:inXSDDate``."""
    during = URIRef(f"{ms}/during")
    g.add((ms, ORG.memberDuring, during))
    g.add((during, RDF.type, TIME.Interval))
    for prop, name, day in ((TIME.hasBeginning, "beginning", begins), (TIME.hasEnd, "end", ends)):
        if day is not None:
            instant = URIRef(f"{during}/{name}")
            g.add((during, prop, instant))
            g.add((instant, RDF.type, TIME.Instant))
            g.add((instant, TIME.inXSDDate, _date(day)))


def _actor_triples(g: Graph, actor: ActorSpec) -> None:
    s = _actor_iri(actor.id)
    g.add((s, RDF.type, AG[actor.kind]))
    g.add((s, RDFS.label, Literal(actor.label, lang="en")))
    g.add((s, SKOS.prefLabel, Literal(actor.label, lang="en")))
    for alias in sorted(set(actor.aliases) - {actor.label}):
        g.add((s, SKOS.altLabel, Literal(alias, lang="en")))
    for demonym in actor.demonyms:
        g.add((s, AG.demonym, Literal(demonym, lang="en")))
    if actor.notation:
        g.add((s, SKOS.notation, Literal(actor.notation)))
    if actor.wikidata:
        g.add((s, SCHEMA.sameAs, WD[actor.wikidata]))
    if actor.kind == "Person" and not actor.anonymous:
        g.add((s, FOAF.name, Literal(actor.label)))
    if actor.anonymous:
        g.add((s, AG.isAnonymous, Literal(True)))
    if actor.note:
        g.add((s, RDFS.comment, Literal(actor.note, lang="en")))


def _evidence(g: Graph, ev: URIRef, body: URIRef, article: URIRef, match: QuoteMatch) -> None:
    target, qsel, psel = URIRef(f"{ev}/target"), URIRef(f"{ev}/quote"), URIRef(f"{ev}/position")
    g.add((ev, RDF.type, AG.Evidence))
    g.add((ev, RDF.type, OA.Annotation))
    g.add((ev, OA.motivatedBy, OA.identifying))
    g.add((ev, OA.hasBody, body))
    g.add((ev, OA.hasTarget, target))
    g.add((target, RDF.type, OA.SpecificResource))
    g.add((target, OA.hasSource, article))
    g.add((target, OA.hasSelector, qsel))
    g.add((target, OA.hasSelector, psel))
    g.add((qsel, RDF.type, OA.TextQuoteSelector))
    g.add((qsel, OA.exact, Literal(match.exact)))
    g.add((qsel, OA.prefix, Literal(match.prefix)))
    g.add((qsel, OA.suffix, Literal(match.suffix)))
    g.add((psel, RDF.type, OA.TextPositionSelector))
    # xsd:integer, not the Web Annotation's xsd:nonNegativeInteger: the store canonicalises the
    # latter to the former, and the graph we validate must be the graph we store.
    g.add((psel, OA.start, Literal(match.start, datatype=XSD.integer)))
    g.add((psel, OA.end, Literal(match.end, datatype=XSD.integer)))


def _quote(text: str, quote: str, occurrence: int | None, source: str, line: int) -> QuoteMatch:
    try:
        return find_quote(text, quote, occurrence=occurrence)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, source=source, line=line or None) from None


@dataclass
class SeedGraphs:
    """The seed dataset before it is stored: one rdflib Graph per named graph."""

    actors: Graph
    articles: dict[URIRef, Graph]
    problems: list[InvalidInput] = field(default_factory=list)


def corpus_to_rdf(corpus: Corpus) -> SeedGraphs:
    """Turn the checked annotations into RDF, one graph per article (see docs/rdf-mapping.md).

    Every quote is located in its article; all quote problems are collected, not just the first.
    """
    codes, concepts = _ontology_annotations()
    actors = Graph()
    for actor in corpus.actors.values():
        _actor_triples(actors, actor)
    for place in corpus.places.values():
        p = ID[f"place/{place.id}"]
        actors.add((p, RDF.type, AG.Place))
        actors.add((p, RDFS.label, Literal(place.label, lang="en")))
        if place.country:
            actors.add((p, AG.inCountry, _actor_iri(place.country)))
        if place.wikidata:
            actors.add((p, SCHEMA.sameAs, WD[place.wikidata]))
    actors.add((SEED_ACTIVITY, RDF.type, AG.CurationActivity))
    actors.add(
        (SEED_ACTIVITY, RDFS.label, Literal("Curated annotation of the seed articles", lang="en"))
    )

    out = SeedGraphs(actors, {})
    for f in corpus.files:
        art = f.article
        text = corpus.texts[art.file]
        a = ID[f"article/{art.id}"]
        g = Graph()
        out.articles[URIRef(ARTICLE_GRAPH_PREFIX + art.id)] = g
        g.add((a, RDF.type, AG.NewsArticle))
        g.add((a, SCHEMA.headline, Literal(art.title, lang=art.language)))
        g.add((a, RDFS.label, Literal(art.title, lang=art.language)))
        g.add((a, SCHEMA.inLanguage, Literal(art.language)))
        g.add((a, AG.sourceFile, Literal(art.file)))
        g.add((a, AG.contentSha256, Literal(hashlib.sha256(corpus.raw[art.file]).hexdigest())))
        g.add((a, SCHEMA.articleBody, Literal(corpus.texts[art.file])))
        if art.publisher:
            g.add((a, SCHEMA.publisher, _actor_iri(art.publisher)))
        if art.published:
            g.add((a, SCHEMA.datePublished, _date(art.published)))
        if art.published_earliest:
            g.add((a, AG.publishedNotBefore, _date(art.published_earliest)))
        if art.published_latest:
            g.add((a, AG.publishedNotAfter, _date(art.published_latest)))
        if art.published_inferred:
            g.add((a, AG.dateInferred, Literal(True)))
        if art.date_note:
            g.add((a, AG.dateNote, Literal(art.date_note, lang="en")))
        if art.url:
            g.add((a, SCHEMA.url, URIRef(art.url)))
        for cited in art.cites:
            g.add((a, AG.citesSource, _actor_iri(cited)))

        for n, m in enumerate(f.memberships, start=1):
            try:
                match = _quote(text, m.quote, m.occurrence, m.source, m.line)
            except InvalidInput as exc:
                out.problems.append(exc)
                continue
            ms = ID[f"membership/{art.id}-{n}"]
            role = ID[f"role/{_slug(m.role)}"]
            g.add((ms, RDF.type, ORG.Membership))
            g.add((ms, ORG.member, _actor_iri(m.member)))
            g.add((ms, ORG.organization, _actor_iri(m.organisation)))
            g.add((ms, ORG.role, role))
            g.add((ms, AG.quote, Literal(match.exact)))
            if art.date_latest and not art.published_inferred:
                g.add((ms, AG.attestedOn, _date(art.date_latest)))
            if m.begins or m.ends:
                _interval(g, ms, m.begins, m.ends)
            if m.date_basis:
                g.add((ms, AG.dateBasis, _DATE_BASES[m.date_basis]))
            if m.date_note:
                g.add((ms, AG.dateNote, Literal(m.date_note, lang="en")))
            g.add((ms, PROV.wasDerivedFrom, a))
            ev = ID[f"evidence/membership-{art.id}-{n}"]
            g.add((ms, AG.evidence, ev))
            _evidence(g, ev, ms, a, match)
            g.add((role, RDF.type, ORG.Role))
            g.add((role, RDF.type, SKOS.Concept))
            g.add((role, SKOS.prefLabel, Literal(m.role, lang="en")))

        for c in f.claims:
            claim = ID[f"claim/{c.id}"]
            g.add((claim, RDF.type, AG.Claim))
            g.add((claim, SCHEMA.text, Literal(c.text, lang="en")))
            g.add((claim, RDFS.label, Literal(c.text, lang="en")))
            for about in c.about:
                g.add((claim, SCHEMA.about, _actor_iri(about)))
            if c.condition:
                g.add((claim, AG.condition, Literal(c.condition, lang="en")))
            g.add((claim, PROV.wasDerivedFrom, a))
            if c.note:
                g.add((claim, RDFS.comment, Literal(c.note, lang="en")))

        for e in f.events:
            try:
                match = _quote(text, e.quote, e.occurrence, e.source, e.line)
            except InvalidInput as exc:
                out.problems.append(exc)
                continue
            code = e.cameo or codes.get(str(AG[e.type]))
            if code is None or CAMEO[code] not in concepts:
                out.problems.append(
                    InvalidInput(
                        f"CAMEO code {code!r} is not in ontology/codes.ttl",
                        source=e.source,
                        line=e.line,
                    )
                )
                continue
            _event_triples(g, e, a, match, CAMEO[code], corpus)
            reported = CAMEO[e.report_cameo] if e.report_cameo else CAMEO[code]
            if reported not in concepts or CAMEO[code] not in _under(reported):
                out.problems.append(
                    InvalidInput(
                        f"report_cameo {e.report_cameo!r} is not cameo:{code} or a narrower code of "
                        "ontology/codes.ttl: the event's code is what its reports agree on",
                        source=e.source,
                        line=e.line,
                    )
                )
                continue
            _report_triples(
                g, ID[f"report/{e.id}"], ID[f"event/{e.id}"], a, ID[f"evidence/{e.id}"], match,
                reported, e, art.title,
            )  # fmt: skip
    events = {e.id: e for f in corpus.files for e in f.events}
    for f in corpus.files:
        art = f.article
        a = ID[f"article/{art.id}"]
        g = out.articles[URIRef(ARTICLE_GRAPH_PREFIX + art.id)]
        for r in f.reports:
            problem = _further_report(g, r, a, art.title, corpus.texts[art.file], corpus, events)
            if problem is not None:
                out.problems.append(problem)
    return out


def _further_report(
    g: Graph,
    r: ReportSpec,
    article: URIRef,
    title: str,
    text: str,
    corpus: Corpus,
    events: dict[str, EventSpec],
) -> InvalidInput | None:
    """Add a ``reports:`` entry to its event: the report node, its evidence, and on the event the
    report's article, evidence, quote and outlet. Returns the problem instead when there is one."""
    codes, concepts = _ontology_annotations()
    e = events[r.event]
    try:
        match = _quote(text, r.quote, r.occurrence, r.source, r.line)
    except InvalidInput as exc:
        return exc
    event_code = CAMEO[e.cameo or codes.get(str(AG[e.type]), "")]
    code = CAMEO[r.cameo] if r.cameo else event_code
    if code not in concepts:
        return InvalidInput(
            f"CAMEO code {r.cameo!r} is not in ontology/codes.ttl", source=r.source, line=r.line
        )
    if event_code not in _under(code):
        return InvalidInput(
            f"the report codes {r.event!r} {_curie(code)}, which is not {_curie(event_code)} or "
            f"narrower: an event carries the code its reports agree on; give the event the broader "
            "code (`cameo`), or correct the report's",
            source=r.source,
            line=r.line,
        )
    s, rep, ev = ID[f"event/{e.id}"], ID[f"report/{r.id}"], ID[f"evidence/{r.id}"]
    g.add((s, AG.evidence, ev))
    g.add((s, AG.quote, Literal(match.exact)))
    g.add((s, PROV.wasDerivedFrom, article))
    if r.reported_via:
        g.add((s, AG.reportedVia, _actor_iri(r.reported_via)))
    _report_triples(g, rep, s, article, ev, match, code, r, title)
    _evidence(g, ev, s, article, match)
    return None


def _curie(code: URIRef) -> str:
    return "cameo:" + str(code).removeprefix(str(CAMEO))


def _report_triples(
    g: Graph,
    rep: URIRef,
    event: URIRef,
    article: URIRef,
    evidence: URIRef,
    match: QuoteMatch,
    code: URIRef,
    spec: EventSpec | ReportSpec,
    title: str,
) -> None:
    """One article's account of an event (``ag:Report``): its article, passage, outlet, and the
    code and date as this account gives them."""
    g.add((event, AG.hasReport, rep))
    g.add((rep, AG.reportOf, event))
    g.add((rep, RDF.type, AG.Report))
    g.add((rep, PROV.wasDerivedFrom, article))
    g.add((rep, AG.evidence, evidence))
    g.add((rep, AG.quote, Literal(match.exact)))
    g.add((rep, AG.reportedType, code))
    _dated(g, rep, spec)
    if spec.reported_via:
        g.add((rep, AG.reportedVia, _actor_iri(spec.reported_via)))
    if spec.confidence is not None:
        g.add((rep, AG.confidence, _decimal(spec.confidence)))
    if isinstance(spec, ReportSpec) and spec.note:
        g.add((rep, RDFS.comment, Literal(spec.note, lang="en")))
    g.add((rep, PROV.wasGeneratedBy, SEED_ACTIVITY))
    g.add((rep, RDFS.label, Literal(f"Report in “{title}”", lang="en")))


def _dated(g: Graph, s: URIRef, account: EventSpec | ReportSpec) -> None:
    """An account's date (:func:`_dates`), whether it was inferred, what it rests on, and how."""
    _dates(g, s, account.span)
    if account.inferred:
        g.add((s, AG.dateInferred, Literal(True)))
    if account.date_basis:
        g.add((s, AG.dateBasis, _DATE_BASES[account.date_basis]))
    if account.date_note:
        g.add((s, AG.dateNote, Literal(account.date_note, lang="en")))


def _dates(g: Graph, s: URIRef, span: DateSpan) -> None:
    """A day as ``sem:hasTimeStamp``; a month, a year or bounds as the SEM bounds; and the precision."""
    if span.day is not None:
        g.add((s, SEM.hasTimeStamp, _date(span.day)))
    else:
        if span.earliest:
            g.add((s, SEM.hasEarliestBeginTimeStamp, _date(span.earliest)))
        if span.latest:
            g.add((s, SEM.hasLatestEndTimeStamp, _date(span.latest)))
    g.add((s, AG.datePrecision, Literal(span.precision)))


def _event_triples(
    g: Graph, e: EventSpec, article: URIRef, match: QuoteMatch, code: URIRef, corpus: Corpus
) -> None:
    s = ID[f"event/{e.id}"]
    g.add((s, RDF.type, AG[e.type]))
    g.add((s, AG.eventType, code))
    g.add((s, AG.agent, _actor_iri(e.agent)))
    participants = {
        e.agent,
        *e.targets,
        *e.participants,
        *e.addressee,
        *e.mediators,
        *([e.host] if e.host else []),
    }
    for p in sorted(participants):
        g.add((s, AG.participant, _actor_iri(p)))
    for t in e.targets:
        g.add((s, AG.target, _actor_iri(t)))
    if e.target_unnamed:
        g.add((s, AG.targetUnnamed, Literal(True)))
    for t in e.addressee:
        g.add((s, AG.addressee, _actor_iri(t)))
    if e.host:
        g.add((s, AG.host, _actor_iri(e.host)))
    for m in e.mediators:
        g.add((s, AG.mediator, _actor_iri(m)))
    if e.on_behalf_of:
        g.add((s, AG.onBehalfOf, _actor_iri(e.on_behalf_of)))
    if e.place:
        g.add((s, SEM.hasPlace, ID[f"place/{e.place}"]))
    _dated(g, s, e)
    for c in e.claims:
        g.add((s, AG.makesClaim, ID[f"claim/{c}"]))
    for c in e.denies_claim:
        g.add((s, AG.deniesClaim, ID[f"claim/{c}"]))
    for r in e.responds_to:
        g.add((s, AG.respondsTo, ID[f"event/{r}"]))
    if e.characterisation:
        g.add((s, AG.characterisation, Literal(e.characterisation, lang="en")))
    if e.modality:
        g.add((s, AG.modality, AG[e.modality.capitalize()]))
    if e.reported_via:
        g.add((s, AG.reportedVia, _actor_iri(e.reported_via)))
    if e.confidence is not None:
        g.add((s, AG.confidence, _decimal(e.confidence)))
    if e.note:
        g.add((s, RDFS.comment, Literal(e.note, lang="en")))
    g.add((s, AG.quote, Literal(match.exact)))
    ev = ID[f"evidence/{e.id}"]
    g.add((s, AG.evidence, ev))
    _evidence(g, ev, s, article, match)
    g.add((s, PROV.wasDerivedFrom, article))
    g.add((s, PROV.wasGeneratedBy, SEED_ACTIVITY))
    g.add((s, RDFS.label, Literal(_event_label(e, span_text(e), corpus), lang="en")))


def span_text(e: EventSpec) -> str:
    span = e.span
    if span.precision == "day":
        return str(span.day)
    if span.precision == "month" and span.earliest:
        return span.earliest.strftime("%Y-%m")
    if span.precision == "year" and span.earliest:
        return str(span.earliest.year)
    lo = str(span.earliest) if span.earliest else "…"
    hi = str(span.latest) if span.latest else "…"
    return f"{lo}/{hi}"


def _event_label(e: EventSpec, when: str, corpus: Corpus) -> str:
    def name(i: str) -> str:
        return corpus.actors[i].label

    others = [*e.targets, *e.participants] or e.addressee
    words = re.sub(r"(?<!^)([A-Z])", r" \1", e.type).lower()
    prefix = (
        "not "
        if e.modality == "negated"
        else ("hypothetical " if e.modality == "hypothetical" else "")
    )
    tail = f" → {', '.join(name(o) for o in others)}" if others else ""
    return f"{name(e.agent)}: {prefix}{words}{tail} ({when})"


# ---------------------------------------------------------------------------- build


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote: triples per named graph, and the SHACL report."""

    graphs: dict[URIRef, int]
    report: Report

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


def seed_graphs_in(store: Store) -> list[URIRef]:
    """The graphs a build owns (everything but steward batches)."""
    return [
        g
        for g in store.named_graphs()
        if g in (ONTOLOGY_GRAPH, ACTORS_GRAPH, EDGES_GRAPH)
        or str(g).startswith(ARTICLE_GRAPH_PREFIX)
    ]


def build(seeds: Path, store: Store, *, step: Step | None = None) -> BuildResult:
    """Build the graph from ``seeds`` into ``store``, all or nothing.

    Raises:
        InvalidInput: a seed file is malformed or a quote is not in its article (file and line).
        ValidationFailed: the result does not conform to the shapes; nothing is written.
    """
    say = step or (lambda _msg: None)
    say("reading annotations")
    corpus = load_corpus(seeds)
    say("locating quotes and writing RDF")
    seed = corpus_to_rdf(corpus)
    if seed.problems:
        lines = "\n".join(f"  {p}" for p in seed.problems)
        first = seed.problems[0]
        raise InvalidInput(
            f"{len(seed.problems)} problem(s) in the seed annotations; nothing was written:\n{lines}",
            source=first.source,
            line=first.line,
        )
    ontology = load_ontology()
    say("deriving edges")
    edges = derive_edges([seed.actors, *seed.articles.values()], ontology)
    say("validating with SHACL")
    merged = Graph()
    for g in (seed.actors, *seed.articles.values(), edges):
        for t in g:
            merged.add(t)
    report = validate(merged)
    if not report.conforms:
        report = in_annotation_terms(report)  # the seeds are YAML: say what to write there
        raise ValidationFailed(
            report,
            f"the seed graph does not conform to the shapes; nothing was written.\n{report.text}",
        )
    say("writing to the store")
    graphs: dict[URIRef, Graph] = {
        ONTOLOGY_GRAPH: ontology,
        ACTORS_GRAPH: seed.actors,
        **seed.articles,
        EDGES_GRAPH: edges,
    }
    _check_no_blank_nodes(graphs)
    store.replace_graphs(graphs, drop=seed_graphs_in(store))
    return BuildResult({g: len(t) for g, t in graphs.items()}, report)


def _check_no_blank_nodes(graphs: dict[URIRef, Graph]) -> None:
    """Blank nodes would make two builds differ; the ontology's (OWL lists) are the only allowed."""
    for name, g in graphs.items():
        if name == ONTOLOGY_GRAPH:
            continue
        for s, _p, o in g:
            if isinstance(s, BNode) or isinstance(o, BNode):
                raise AssertionError(f"blank node in {name}: builds must be deterministic")
