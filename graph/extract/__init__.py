"""Propose graph facts from a news article: candidate actors and events with their evidence.

The extractor is rule-based and offline: spaCy's blank English pipeline (tokenizer and rule-based
sentence splitter), an ``EntityRuler`` built from the gazetteer, and ``Matcher`` rules for event
triggers. No trained model is loaded and nothing is downloaded (docs/decisions/
20261122-extraction-engine.md says why). One module per concern:

* :mod:`graph.extract.gazetteer` — the actors it knows (registry, standard actors) and their names;
* :mod:`graph.extract.boilerplate` — the lines that are the article's own prose;
* :mod:`graph.extract.mentions` — actor mentions, and new actors (titled people, groups, ministries);
* :mod:`graph.extract.events` — the event reader: triggers, sentence by sentence, article by
  article; its rules by concern in :mod:`graph.extract.speech` (reported speech),
  :mod:`graph.extract.coreference`, :mod:`graph.extract.meetings`, :mod:`graph.extract.claims`
  (accusations, denials, criticism), on :mod:`graph.extract.reading` (candidates, modality) and
  :mod:`graph.extract.clauses` (clause helpers);
* :mod:`graph.extract.output` — candidates as RDF (through :func:`graph.build.corpus_to_rdf`, so
  they have exactly the shapes of curated events) and as JSON for review.

>>> from graph.extract import Extractor
>>> x = Extractor.standard()
>>> result = x.extract("Russian officials denied the claims. Russia and China held talks in Moscow.")
>>> sorted((c.type, result.actors[c.agent].label) for c in result.candidates)
[('Denial', 'Russian officials'), ('Meeting', 'Russia')]
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from graph.extract.boilerplate import content_paragraphs, is_site_line
from graph.extract.events import Candidate, EventReader
from graph.extract.gazetteer import Entry, Gazetteer
from graph.extract.mentions import Mention, Recogniser
from graph.extract.pipeline import AUTO, load_pipeline

if TYPE_CHECKING:
    from graph.store import Store

__all__ = [
    "EXTRACTOR_NAME",
    "EXTRACTOR_VERSION",
    "Candidate",
    "Entry",
    "Extraction",
    "Extractor",
    "Gazetteer",
    "Mention",
]

EXTRACTOR_NAME = "actorgraph-rules"
EXTRACTOR_VERSION = "0.1.0"

_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_DATE_PATTERNS = (
    re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)\b"),
    re.compile(rf"\b(?P<mn>{'|'.join(_MONTHS)}) (?P<d>\d{{1,2}}), (?P<y>(?:19|20)\d\d)\b"),
    re.compile(rf"\b(?P<d>\d{{1,2}}) (?P<mn>{'|'.join(_MONTHS)}),? (?P<y>(?:19|20)\d\d)\b"),
)


def printed_date(text: str, *, head: int = 1500) -> dt.date | None:
    """A publication date printed near the top of a page ("Friday, January 1, 2016", "2018-03-29").

    >>> printed_date("Headline\\n\\nFriday, January 1, 2016\\n\\nText")
    datetime.date(2016, 1, 1)
    """
    window = text[:head]
    hits: list[tuple[int, dt.date]] = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(window):
            month = int(m.group("m")) if "m" in m.groupdict() and m.group("m") else 0
            if not month:
                month = _MONTHS.index(m.group("mn")) + 1
            try:
                hits.append((m.start(), dt.date(int(m.group("y")), month, int(m.group("d")))))
            except ValueError:
                continue
    return min(hits)[1] if hits else None


@dataclass
class Extraction:
    """What the extractor read in one article."""

    text: str
    file: str
    title: str
    published: dt.date | None
    published_printed: bool
    mentions: list[Mention]
    candidates: list[Candidate]
    actors: dict[str, Entry]  # every actor referred to (mentions and candidates)
    extracted_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    url: str | None = None  # where the article was published (schema:url)
    pipeline: str = ""  # the spaCy pipeline that read it (Pipeline.description)
    warnings: list[str] = field(default_factory=list)  # candidates dropped, and why

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def article_id(self) -> str:
        return f"extracted-{self.sha256[:12]}"


class Extractor:
    """A configured extractor: a gazetteer and the spaCy pipeline built from it (reusable)."""

    def __init__(self, gazetteer: Gazetteer, *, pipeline: str = AUTO) -> None:
        self.gazetteer = gazetteer
        self.pipeline = load_pipeline(pipeline)
        self.nlp = self.pipeline.nlp
        self.recogniser = Recogniser(self.nlp, gazetteer)
        self.reader = EventReader(self.nlp, self.recogniser)

    @classmethod
    def standard(cls, *, pipeline: str = AUTO) -> Extractor:
        """An extractor that knows only the standard actors (no registry)."""
        return cls(Gazetteer.build([]), pipeline=pipeline)

    @classmethod
    def for_seeds(cls, seeds: Path, *, pipeline: str = AUTO) -> Extractor:
        """An extractor that knows the curated registry of ``seeds`` (and the standard actors).

        Raises:
            InvalidInput: the seed annotations are malformed (file and line).
        """
        from graph.annotations import load_corpus

        corpus = load_corpus(seeds)
        memberships = [(m.member, m.organisation) for f in corpus.files for m in f.memberships]
        gazetteer = Gazetteer.from_specs(corpus.actors.values(), memberships=memberships)
        return cls(gazetteer, pipeline=pipeline)

    @classmethod
    def for_store(cls, store: Store, *, pipeline: str = AUTO) -> Extractor:
        """An extractor that knows the actors of ``store`` (and the standard actors)."""
        return cls(Gazetteer.from_store(store), pipeline=pipeline)

    def extract(
        self,
        text: str,
        *,
        file: str = "article.txt",
        published: dt.date | None = None,
        url: str | None = None,
    ) -> Extraction:
        """Read ``text``; ``published`` (else a date printed at the top) bounds the events' dates."""
        paragraphs = content_paragraphs(text)
        minted = Gazetteer()
        mentions, candidates = self.reader.read(paragraphs, minted)
        _localise(minted, mentions, candidates, hashlib.sha256(text.encode()).hexdigest()[:6])
        referred = {m.actor for m in mentions if m.actor}
        for c in candidates:
            referred.update([c.agent, *c.targets, *c.participants, *c.addressee])
            referred.update(x for x in (c.host, c.on_behalf_of) if x)
        actors = {}
        for ident in sorted(referred):
            entry = minted.entries.get(ident) or self.gazetteer.entries.get(ident)
            if entry is not None:
                actors[ident] = entry
        date = published or printed_date(text)
        first = next(
            (
                line.strip()
                for line in text.splitlines()
                if len(line.split()) >= 3
                and not any(sep in line for sep in (" / ", " | ", "["))
                and not is_site_line(line)
            ),
            file,
        )
        return Extraction(
            text=text,
            file=file,
            title=_shortened(first, 200),
            published=date,
            published_printed=published is None and date is not None,
            mentions=mentions,
            candidates=candidates,
            actors=actors,
            url=url,
            pipeline=self.pipeline.description,
        )


def _shortened(text: str, most: int) -> str:
    """``text`` cut at a word boundary within ``most`` characters, with "…" when cut."""
    if len(text) <= most:
        return text
    cut = text[: most - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def _localise(
    minted: Gazetteer, mentions: list[Mention], candidates: list[Candidate], suffix: str
) -> None:
    """Give unnamed groups and anonymous people ids of this article: another article's "Afghan
    officials" are other people."""
    renamed = {
        e.id: f"{e.id}-{suffix}"
        for e in minted.entries.values()
        if e.kind == "Group" or e.anonymous
    }
    if not renamed:
        return
    for old, new in renamed.items():
        minted.entries[new] = replace(minted.entries.pop(old), id=new)
    for m in mentions:
        m.actor = renamed.get(m.actor, m.actor)
    for c in candidates:
        c.agent = renamed.get(c.agent, c.agent)
        c.targets = [renamed.get(t, t) for t in c.targets]
        c.participants = [renamed.get(t, t) for t in c.participants]
        c.addressee = [renamed.get(t, t) for t in c.addressee]
        c.host = renamed.get(c.host, c.host) if c.host else None
        c.on_behalf_of = renamed.get(c.on_behalf_of, c.on_behalf_of) if c.on_behalf_of else None
