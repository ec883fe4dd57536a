"""From a news article to a reviewed batch: the review file that ``actorgraph ingest`` writes, and
the batch that committing it makes.

Why a file in between: extraction proposes, a steward disposes. ``ingest`` stores nothing; it
writes the candidates as a review file in the seeds' own annotation format (``seeds/README.md``),
beside the article, with each candidate's rule and confidence, so that a steward accepts (keeps),
rejects (deletes) or edits (agent, targets, type, modality) each one in a text editor, and adds
what the extractor missed. Committing the file (``actorgraph commit FILE.review.yaml``) reads it
as the builder reads a seed annotation — every quote found in the article's text, with its
offsets — and stores the article (its full text, URL, publisher, date) with its events in one
batch, through the same validation as any batch.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from rdflib import Graph, Literal

from graph.annotation_specs import ActorSpec, AnnotationFile
from graph.annotations import Corpus, Problem, _LineLoader, _parse, _problems_error
from graph.build import SEED_ACTIVITY, corpus_to_rdf
from graph.errors import InvalidInput
from graph.extract import Extraction
from graph.extract.gazetteer import Gazetteer
from graph.extract.output import to_annotation
from graph.namespaces import AG, ID, PREFIXES, RDF, RDFS
from graph.payloads import REVIEW_MEDIA_TYPE, article_url

__all__ = [
    "REVIEW_MEDIA_TYPE",
    "REVIEW_SUFFIX",
    "guess_publisher",
    "read_review",
    "read_review_json",
    "review_document",
    "review_graph",
    "review_path",
    "review_text",
]

REVIEW_SUFFIX = ".review.yaml"


_HEADER = """\
# Review file written by `actorgraph ingest` ({pipeline}); nothing is stored yet.
# Article: {file} ({url})
#
# Review every event below against the article, then commit the file:
#     actorgraph commit {review}
# - keep a candidate that is right; delete one that is wrong (its whole `- id:` entry);
# - edit its `type`, `agent`, `targets`, `participants` or `modality` (negated | hypothetical |
#   future | historical) where the rule got them wrong; `quote` must stay the article's words;
# - add an event the extractor missed, with its `quote` copied from the article;
# - fill in `publisher` (an actor id of a news organisation) if it is missing.
# The format is the seeds' annotation format: seeds/README.md. `note` says which rule proposed
# each candidate and `confidence` how sure it is; both may stay. The article's text is read from
# `file`, next to this review file; do not edit the article after reviewing.
"""


def guess_publisher(url: str, known: Gazetteer) -> str | None:
    """The news organisation of the graph whose name is the URL's host ("www.reuters.com" →
    reuters), if exactly one is; else None (the review file asks the steward)."""
    host = urlsplit(url).hostname or ""
    labels = {part for part in host.lower().split(".") if len(part) > 2} - {"www", "com", "org"}
    found = {
        e.id
        for e in known.entries.values()
        if e.kind == "NewsOrganisation"
        and (
            e.id.replace("-", "") in labels
            or any(n.lower().replace(" ", "") in labels for n in e.names)
        )
    }
    return found.pop() if len(found) == 1 else None


def review_path(article: Path) -> Path:
    """Where ``ingest`` writes the review of ``article``: beside it, ``NAME.review.yaml``."""
    return article.with_name(article.stem + REVIEW_SUFFIX)


def review_text(
    extraction: Extraction,
    *,
    url: str,
    publisher: str | None,
    pipeline: str,
    review: Path,
) -> str:
    """The review file of an extraction: the candidates as an annotation, with a how-to header."""
    doc = review_document(extraction, url=url, publisher=publisher)
    header = _HEADER.format(pipeline=pipeline, file=extraction.file, url=url, review=review)
    body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
    return header + body


def review_document(
    extraction: Extraction, *, url: str | None = None, publisher: str | None = None
) -> dict[str, Any]:
    """The candidates as the records of a review file (the seeds' annotation format): the
    article, the new actors they refer to, their claims and events."""
    annotation, actors = to_annotation(extraction)
    update: dict[str, Any] = {"url": url or extraction.url}
    if publisher is not None:
        update["publisher"] = publisher
    article = annotation.article.model_copy(update=update)
    new_actors = [a for ident, a in actors.items() if extraction.actors[ident].source != "registry"]
    return {
        "article": _plain(article),
        "actors": [_plain(a) for a in new_actors],
        "claims": [_plain(c) for c in annotation.claims],
        "events": [_plain(e) for e in annotation.events],
    }


def _plain(record: Any) -> dict[str, Any]:
    data: dict[str, Any] = record.model_dump(mode="json", exclude_defaults=True, exclude_none=True)
    for key in ("source", "line"):
        data.pop(key, None)
    return data


def read_review(path: Path, known: Gazetteer) -> Graph:
    """The batch a reviewed file makes: the article (text, URL, publisher, date) and its actors,
    claims, events, reports and evidence, as the builder writes them for a seed article.

    ``known`` holds the actors of the graph, which the file refers to by id; the actors it
    declares under ``actors:`` are new and described in the batch.

    Raises:
        InvalidInput: the file or its article cannot be read, a record is malformed or refers to
            an unknown actor, or a quote is not in the article (file and line, as the build).
    """
    shown = str(path)
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", source=shown) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InvalidInput(
            f"{path} is not valid YAML: {getattr(exc, 'problem', exc)}",
            source=shown,
            line=mark.line + 1 if mark else None,
        ) from None
    annotation = _annotation(doc, shown, f"the review file {path.name}")
    text_path = path.parent / annotation.article.file
    try:
        raw = text_path.read_bytes()
        text = raw.decode("utf-8")
    except OSError as exc:
        raise InvalidInput(
            f"cannot read the article {text_path} (`file` of {path}): {exc.strerror}",
            source=shown,
            line=annotation.article.line,
        ) from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{text_path} is not UTF-8: {exc}", source=shown) from None
    return review_graph(annotation, text, known, shown, path.name)


def read_review_json(data: bytes, known: Gazetteer, *, source: str = "body") -> Graph:
    """The batch a review document sent as JSON makes (``POST /validate`` and ``POST /batches``
    with ``Content-Type: application/vnd.actorgraph.review+json``): the review file's records,
    with the article's full text under ``text`` instead of in a file beside it.

    Raises:
        InvalidInput: not JSON, no text, a malformed record, an unknown actor, or a quote that is
            not in the text (with the record's place in the document).
    """
    import json

    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InvalidInput(f"the review document is not JSON: {exc}", source=source) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("text"), str) or not doc["text"].strip():
        raise InvalidInput(
            "a review document is a JSON object with the article's full text under `text` and "
            "the records of a review file (`article`, `actors`, `claims`, `events`): "
            "POST /extract with Accept: application/json answers one under `review`",
            source=source,
        )
    text = doc.pop("text")
    for key in ("actors", "memberships", "claims", "events", "reports"):
        for n, record in enumerate(doc.get(key) or []):
            if isinstance(record, dict):  # name each record where a line would be
                record.setdefault("source", f"{key}[{n}] ({record.get('id', '')})")
    annotation = _annotation(_lined(doc), source, "the review document")
    return review_graph(annotation, text, known, source, "the review document")


def _lined(value: Any) -> Any:
    """JSON as the YAML loader's line-carrying containers (no lines: JSON has none to give)."""
    from graph.annotations import _LineDict, _LineList

    if isinstance(value, dict):
        mapping = _LineDict({str(k): _lined(v) for k, v in value.items()})
        mapping.line, mapping.key_lines = 0, {}
        return mapping
    if isinstance(value, list):
        items = _LineList(_lined(v) for v in value)
        items.line, items.item_lines = 0, [0] * len(items)
        return items
    return value


def _annotation(doc: Any, shown: str, what: str) -> AnnotationFile:
    problems: list[Problem] = []
    parsed = _parse(AnnotationFile, doc, shown, problems)
    if problems or not isinstance(parsed, AnnotationFile):
        raise _problems_error(problems, what)
    return parsed


def review_graph(
    annotation: AnnotationFile, text: str, known: Gazetteer, shown: str, what: str
) -> Graph:
    """The batch of a reviewed annotation of ``text``, written by the builder's own code."""
    if annotation.article.url is None:
        raise InvalidInput(
            "the article needs its `url` (the address it was published at)",
            source=shown,
            line=annotation.article.line,
        )
    article_url(annotation.article.url, source=shown)  # one the graph can hold
    raw = text.encode("utf-8")
    problems: list[Problem] = []
    local = {a.id: a for a in annotation.actors}
    actors: dict[str, ActorSpec] = {
        e.id: ActorSpec(id=e.id, kind=e.kind, label=e.label)  # type: ignore[arg-type]
        for e in known.entries.values()
        if e.source == "registry"
    }
    _check_references(annotation, {*actors, *local}, shown, problems)
    if problems:
        raise _problems_error(
            problems, f"the review file {what}" if what.endswith(".yaml") else what
        )
    corpus = Corpus(
        root=Path("."),
        actors={**actors, **local},
        places={},
        files=[annotation],
        texts={annotation.article.file: text},
        raw={annotation.article.file: raw},
    )
    seed = corpus_to_rdf(corpus)
    if seed.problems:
        lines = "\n".join(f"  {p}" for p in seed.problems)
        first = seed.problems[0]
        raise InvalidInput(
            f"{len(seed.problems)} problem(s) in {what}; nothing was written:\n{lines}",
            source=first.source,
            line=first.line,
        )
    review = ID[f"activity/review-{hashlib.sha256(raw).hexdigest()[:12]}"]
    out = Graph()
    for prefix, namespace in PREFIXES.items():
        out.bind(prefix, namespace, override=True)
    declared = {ID[f"actor/{ident}"] for ident in local}
    for s, p, o in seed.actors:
        if s in declared:
            out.add((s, p, o))
    for g in seed.articles.values():
        for s, p, o in g:
            out.add((s, p, review if o == SEED_ACTIVITY else o))
    out.add((review, RDF.type, AG.CurationActivity))
    out.add((review, RDFS.label, Literal(f"Steward review of {what}", lang="en")))
    return out


def _check_references(
    annotation: AnnotationFile, known: set[str], shown: str, problems: list[Problem]
) -> None:
    """Every actor id the file uses is in the graph or declared under ``actors:``."""

    def check(ident: str | None, line: int | None, field: str, where: str = "") -> None:
        if ident is not None and ident not in known:
            problems.append(
                Problem(
                    where or shown,  # a JSON document's records name themselves ("events[3] (id)")
                    line,
                    f"{field}: unknown actor {ident!r}: use the id of an actor of the graph "
                    "(`actorgraph actors`), or declare it under `actors:` with its kind and label",
                )
            )

    art = annotation.article
    check(art.publisher, art.line, "article.publisher")
    for c in art.cites:
        check(c, art.line, "article.cites")
    for e in annotation.events:
        for field, ident in e.actor_refs():  # every role, mediators and outlets included
            check(ident, e.line, f"event {e.id}: {field}", e.source)
    for m in annotation.memberships:
        check(m.member, m.line, "membership: member", m.source)
        check(m.organisation, m.line, "membership: organisation", m.source)
    for claim in annotation.claims:
        for ident in claim.about:
            check(ident, claim.line, f"claim {claim.id}: about", claim.source)
