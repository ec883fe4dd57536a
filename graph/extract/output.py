"""Candidates as RDF (in the ontology's own terms) and as JSON for review.

The RDF is not written here: the candidates become the records of a curated annotation
(:class:`graph.annotations.ArticleSpec`, ``EventSpec``, ``ClaimSpec``, ``ActorSpec``) and go through
:func:`graph.build.corpus_to_rdf`, the builder's own writer, so a candidate event has exactly the
triples a curated one has (docs/rdf-mapping.md) and the same shapes validate it. Two things differ
from a curated event and are set afterwards: ``prov:wasGeneratedBy`` points at the
``ag:ExtractionRun`` (with the extractor as ``prov:SoftwareAgent`` and each rule used as a
``prov:Plan``), not at the seed curation; and each event's ``rdfs:comment`` names its rule.

Dates: a candidate's date is bounded by the article's publication date (given, or printed at the
top of the page), else by the day of extraction, and marked as inferred.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from graph.annotations import (
    ActorSpec,
    AnnotationFile,
    ArticleSpec,
    ClaimSpec,
    Corpus,
    EventSpec,
)
from graph.build import SEED_ACTIVITY, corpus_to_rdf
from graph.errors import InvalidInput
from graph.extract import EXTRACTOR_NAME, EXTRACTOR_VERSION, Extraction
from graph.extract.events import Candidate
from graph.extract.gazetteer import slug
from graph.namespaces import AG, ID, PREFIXES, PROV, RDF, RDFS
from graph.store import RDFFormat, serialize_graph

__all__ = ["to_annotation", "to_json", "to_rdf", "to_turtle"]

_RULES = {
    "meeting": "Meeting, call or conference: participants coordinated around a meeting trigger.",
    "reported-wrongdoing": "Reported speech naming a wrongdoing: the speaker accuses the actor.",
    "dismissal": "Reported speech calling a claim false: the speaker denies it.",
    "critique": "An actor called a failure, a threat or counterproductive: criticism.",
    "reported-statement": "Reported speech about an actor with no more specific trigger.",
    "passive-accusation": "A passive accusation: the accuser of the preceding accusation.",
    "cooperation": "'we and X' with a cooperation trigger: the speaker's state cooperates.",
}


def _rule_text(rule: str) -> str:
    if rule.endswith("-verb"):
        return f"A {rule[:-5]} trigger with its agent before and its target after it."
    return _RULES.get(rule, rule)


def run_iri(extraction: Extraction) -> URIRef:
    """The ``ag:ExtractionRun`` of an extraction: one per article text and extractor version."""
    return ID[f"activity/extraction-{extraction.sha256[:12]}-{EXTRACTOR_VERSION}"]


def _event_id(extraction: Extraction, n: int, c: Candidate) -> str:
    return f"x{extraction.sha256[:8]}-{n:03d}-{slug(c.type)}"


def _dates(extraction: Extraction) -> tuple[dt.date, str]:
    if extraction.published is not None:
        how = "printed at the top of the article" if extraction.published_printed else "given"
        return (
            extraction.published,
            f"Not printed next to the event: bounded by the article's publication date ({how}).",
        )
    today = extraction.extracted_at.date()
    return today, "The article's date is unknown: bounded by the day of extraction."


def to_annotation(extraction: Extraction) -> tuple[AnnotationFile, dict[str, ActorSpec]]:
    """The candidates as the records of a curated annotation, and the actors they refer to."""
    latest, note = _dates(extraction)
    article = ArticleSpec(
        file=extraction.file,
        id=extraction.article_id,
        title=extraction.title or extraction.file,
        published=extraction.published,
        published_latest=None if extraction.published else latest,
        published_inferred=extraction.published is None,
        date_note=None if extraction.published else note,
        url=extraction.url,
    )
    claims: list[ClaimSpec] = []
    events: list[EventSpec] = []
    ids: list[str] = []
    dropped: set[str] = set()
    for n, c in enumerate(extraction.candidates, start=1):
        ident = _event_id(extraction, n, c)
        ids.append(ident)
        quote = extraction.text[c.sentence_start : c.sentence_end]
        claim_ids: list[str] = []
        if c.type == "Denial" and not c.claim:
            c.claim = quote
        responds = (
            [ids[c.responds_to]]
            if c.responds_to is not None
            and c.responds_to < len(ids) - 1
            and ids[c.responds_to] not in dropped
            else []
        )
        participants = (
            [p for p in c.participants if p != c.agent]
            if c.type in ("Meeting", "Conference", "PhoneCall")
            else []
        )
        try:
            claim = None
            if c.claim and c.type not in ("Meeting", "Conference", "PhoneCall"):
                claim = ClaimSpec(id=f"{ident}-claim", text=c.claim, about=c.targets)
                claim_ids.append(claim.id)
            spec = EventSpec(
                id=ident,
                type=c.type,  # type: ignore[arg-type]
                agent=c.agent,
                on_behalf_of=c.on_behalf_of,
                targets=[t for t in c.targets if t != c.agent],
                participants=[c.agent, *participants] if participants else [],
                addressee=c.addressee,
                host=c.host,
                date_latest=latest,
                # bounded by the article's date, or by the day of extraction when that is unknown
                date_basis="publication" if extraction.published else "external",
                date_note=note,
                quote=quote,
                occurrence=_occurrence(extraction.text, quote, c.sentence_start),
                claims=claim_ids if c.type != "Denial" else [],
                denies_claim=claim_ids if c.type == "Denial" else [],
                responds_to=responds,
                characterisation=c.characterisation,
                # a directed act whose text names no target: say so, rather than guess one
                target_unnamed=not [t for t in c.targets if t != c.agent]
                and c.type not in ("Meeting", "Conference", "PhoneCall"),
                modality=c.modality,  # type: ignore[arg-type]
                confidence=round(max(0.05, min(1.0, c.confidence)), 2),
                note=f"Candidate from rule {c.rule!r} (trigger {c.trigger!r}); review before commit.",
            )
        except ValidationError as exc:  # a candidate the rules could not complete: never a crash
            reason = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            warning = f"candidate {n} ({c.type}, rule {c.rule!r}, {quote[:60]!r}) dropped: {reason}"
            if warning not in extraction.warnings:  # to_annotation runs once per output format
                extraction.warnings.append(warning)
            dropped.add(ident)
            continue
        if claim is not None:
            claims.append(claim)
        events.append(spec)
    actors = {
        ident: ActorSpec(
            id=ident,
            kind=entry.kind,  # type: ignore[arg-type]
            label=entry.label,
            aliases=[n for n in entry.names if n != entry.label] if entry.source == "new" else [],
            anonymous=entry.anonymous,
            note=None
            if entry.source == "registry"
            else (
                "Standard actor not yet in the graph (graph/data/standard_actors.yaml)."
                if entry.source == "standard"
                else "New actor proposed by the extractor: review its kind, label and id."
            ),
        )
        for ident, entry in extraction.actors.items()
    }
    return AnnotationFile(article=article, claims=claims, events=events), actors


def _occurrence(text: str, quote: str, start: int) -> int | None:
    """Which occurrence of ``quote`` the candidate's sentence is (for :func:`find_quote`)."""
    import re

    from graph.build import _EQUIVALENT  # what find_quote treats as equal, and nothing else

    needle, haystack = quote.strip().translate(_EQUIVALENT), text.translate(_EQUIVALENT)
    starts = [m.start() for m in re.finditer(re.escape(needle), haystack)]
    if len(starts) <= 1:
        return None
    return next((n for n, at in enumerate(starts, start=1) if at >= start), len(starts))


def to_rdf(extraction: Extraction, *, include_actors: bool = True) -> Graph:
    """The candidates as one RDF graph: article, claims, events, evidence and the extraction run.

    With ``include_actors`` (the default) every actor referred to is described minimally (kind and
    label), so the graph validates on its own; leave them out to validate against a store.

    Raises:
        InvalidInput: a candidate's evidence could not be anchored in the text (a bug).
    """
    annotation, actors = to_annotation(extraction)
    raw = extraction.text.encode("utf-8")
    corpus = Corpus(
        root=Path("."),
        actors=actors,
        places={},
        files=[annotation],
        texts={extraction.file: extraction.text},
        raw={extraction.file: raw},
    )
    seed = corpus_to_rdf(corpus)
    if seed.problems:
        raise InvalidInput("; ".join(str(p) for p in seed.problems))
    run = run_iri(extraction)
    out = Graph()
    for prefix, namespace in PREFIXES.items():
        out.bind(prefix, namespace, override=True)
    parts = [g for g in seed.articles.values()]
    if include_actors:
        parts.insert(0, seed.actors)
    for g in parts:
        for s, p, o in g:
            if s == SEED_ACTIVITY:
                continue
            out.add((s, p, run if o == SEED_ACTIVITY else o))
    _run_triples(out, extraction, run, annotation)
    return out


def _run_triples(
    out: Graph, extraction: Extraction, run: URIRef, annotation: AnnotationFile
) -> None:
    from spacy import about

    agent = ID[f"agent/{EXTRACTOR_NAME}-{EXTRACTOR_VERSION}"]
    article = ID[f"article/{annotation.article.id}"]
    out.add((run, RDF.type, AG.ExtractionRun))
    out.add((run, RDF.type, PROV.Activity))
    out.add((run, RDFS.label, Literal(f"Extraction of {extraction.file}", lang="en")))
    out.add((run, PROV.used, article))
    out.add((run, PROV.wasAssociatedWith, agent))
    out.add(
        (
            run,
            PROV.startedAtTime,
            Literal(extraction.extracted_at.isoformat(), datatype=XSD.dateTime),
        )
    )
    out.add((agent, RDF.type, PROV.SoftwareAgent))
    out.add(
        (
            agent,
            RDFS.label,
            Literal(
                f"{EXTRACTOR_NAME} {EXTRACTOR_VERSION} "
                f"({extraction.pipeline or f'spaCy {about.__version__}'}; EntityRuler, Matcher)",
                lang="en",
            ),
        )
    )
    for rule in sorted({c.rule for c in extraction.candidates}):
        plan = ID[f"agent/{EXTRACTOR_NAME}-{EXTRACTOR_VERSION}/rule/{rule}"]
        assoc = URIRef(f"{run}/association/{rule}")
        out.add((plan, RDF.type, PROV.Plan))
        out.add((plan, RDFS.label, Literal(rule)))
        out.add((plan, RDFS.comment, Literal(_rule_text(rule), lang="en")))
        out.add((run, PROV.qualifiedAssociation, assoc))
        out.add((assoc, RDF.type, PROV.Association))
        out.add((assoc, PROV.agent, agent))
        out.add((assoc, PROV.hadPlan, plan))


def to_turtle(extraction: Extraction, *, include_actors: bool = True) -> str:
    """:func:`to_rdf` serialised as Turtle."""
    graph = to_rdf(extraction, include_actors=include_actors)
    return serialize_graph(graph, RDFFormat.TURTLE).decode("utf-8")


def to_json(extraction: Extraction) -> dict[str, Any]:
    """The candidates for a reviewer: actors with their mentions, events with their evidence."""
    mentions: dict[str, list[dict[str, Any]]] = {}
    for m in extraction.mentions:
        mentions.setdefault(m.actor, []).append(
            {
                "text": extraction.text[m.char_start : m.char_end],
                "start": m.char_start,
                "end": m.char_end,
                "via": m.via,
                "place": m.place,
            }
        )
    annotation, _ = to_annotation(extraction)
    specs = {spec.id: spec for spec in annotation.events}  # a candidate dropped has none
    events = []
    for n, c in enumerate(extraction.candidates, start=1):
        spec = specs.get(_event_id(extraction, n, c))
        if spec is None:
            continue
        events.append(
            {
                "id": spec.id,
                "iri": str(ID[f"event/{spec.id}"]),
                "type": c.type,
                "agent": c.agent,
                "targets": spec.targets,
                "participants": spec.participants,
                "addressee": c.addressee,
                "host": c.host,
                "on_behalf_of": c.on_behalf_of,
                "modality": c.modality,
                "characterisation": c.characterisation,
                "confidence": spec.confidence,
                "rule": c.rule,
                "trigger": {"text": c.trigger, "start": c.trigger_start, "end": c.trigger_end},
                "evidence": {
                    "text": extraction.text[c.sentence_start : c.sentence_end],
                    "start": c.sentence_start,
                    "end": c.sentence_end,
                },
                "claim": c.claim,
            }
        )
    return {
        "extractor": {
            "name": EXTRACTOR_NAME,
            "version": EXTRACTOR_VERSION,
            "pipeline": extraction.pipeline,
        },
        "warnings": extraction.warnings,
        "article": {
            "id": extraction.article_id,
            "iri": str(ID[f"article/{extraction.article_id}"]),
            "file": extraction.file,
            "title": extraction.title,
            "sha256": hashlib.sha256(extraction.text.encode("utf-8")).hexdigest(),
            "published": extraction.published.isoformat() if extraction.published else None,
            "url": extraction.url,
        },
        "actors": [
            {
                "id": ident,
                "iri": str(ID[f"actor/{ident}"]),
                "kind": entry.kind,
                "label": entry.label,
                "status": {"registry": "known", "standard": "standard", "new": "new"}[entry.source],
                "mentions": mentions.get(ident, []),
            }
            for ident, entry in extraction.actors.items()
        ],
        "events": events,
    }
