"""Reported speech: who said it, to whom, and what part of the sentence reports it."""

from __future__ import annotations

from spacy.tokens import Doc, Span

from graph.extract.clauses import (
    _content_around,
    _has_quote,
    _head_of_apposition,
)
from graph.extract.lexicon import (
    SPEECH_VERBS,
    TITLE_WORDS,
)
from graph.extract.mentions import Mention
from graph.extract.reading import (
    ReaderBase,
    _Speech,
)


class SpeechRules(ReaderBase):
    """Reported speech: who said it, to whom, and what part of the sentence reports it."""

    def _speech(
        self, doc: Doc, sent: Span, ms: list[Mention], quoted: list[bool]
    ) -> _Speech | None:
        """The attribution of a sentence, if it reports speech."""
        best = self._attribution(doc, sent, ms, quoted, nested=False)
        if best is None and any(quoted[t.i] for t in sent):
            # a report inside a quotation: "…He said Moscow was lending legitimacy…"
            best = self._attribution(doc, sent, ms, [False] * len(quoted), nested=True)
        return best

    def _attribution(
        self, doc: Doc, sent: Span, ms: list[Mention], quoted: list[bool], *, nested: bool
    ) -> _Speech | None:
        actors = [m for m in ms if not m.place and not quoted[m.start]]
        by_end = {m.end: m for m in actors}
        by_start = {m.start: m for m in actors}
        best: _Speech | None = None
        for tok in sent:
            if quoted[tok.i] or (nested and tok.lower_ == "according"):
                continue
            speaker: Mention | None = None
            low = tok.lower_
            if low == "according" and tok.i + 1 < sent.end and doc[tok.i + 1].lower_ == "to":
                speaker = by_start.get(tok.i + 2)
                if speaker is not None:
                    content = _content_around(doc, sent, tok.i, speaker.end, quoted)
                    best = _Speech(speaker, [], content, _has_quote(content, quoted), tok.i)
                continue
            nxt = tok.i + 1
            while nxt < sent.end and doc[nxt].lower_ in TITLE_WORDS and nxt not in by_start:
                nxt += 1
            if low in ("quotes", "quoted", "quote") and nxt in by_start:
                speaker = by_start[nxt]
                content = (speaker.end, sent.end)
                return _Speech(speaker, [], content, _has_quote(content, quoted), tok.i)
            if low not in SPEECH_VERBS:
                continue
            speaker = self._subject_before(doc, sent, tok.i, by_end, actors)
            if speaker is None and tok.i + 1 < sent.end:
                prev = doc[tok.i - 1].text if tok.i > sent.start else ""
                if prev in (",", '"') and tok.i + 1 in by_start:
                    speaker = by_start[tok.i + 1]  # "…," said Kabulov
            if speaker is None:
                continue
            addressee: list[str] = []
            after = tok.i + 1
            if after < sent.end and doc[after].lower_ == "to":
                after += 1
            if low in ("told", "tells") and after in by_start:
                told = by_start[after]
                if told.via == "demonym":
                    told = next((m for m in actors if 0 < m.start - told.end <= 3), told)
                addressee.append(told.actor)
                after = told.end
            for m in actors:
                if (
                    m.start > 2
                    and doc[m.start - 1].lower_ in ("to", "with")
                    and doc[m.start - 2].lower_ in ("interview", "briefing")
                ):
                    addressee.append(m.actor)
            content = _content_around(doc, sent, tok.i, max(after, speaker.end), quoted)
            best = _Speech(speaker, addressee, content, _has_quote(content, quoted), tok.i)
        return best

    def _subject_before(
        self,
        doc: Doc,
        sent: Span,
        i: int,
        by_end: dict[int, Mention],
        actors: list[Mention],
    ) -> Mention | None:
        """The actor just before token ``i``, over an apposition or adverbs ("X, head of Y, said")."""
        j = i
        while j > sent.start and doc[j - 1].lower_ in (
            "also",
            "further",
            "has",
            "have",
            "had",
            "then",
            "later",
            "recently",
            "reportedly",
            "publicly",
            "again",
            "repeatedly",
            "once",
            "first",
            "had",
            "simply",
            "…",
            "...",
        ):
            j -= 1
        if j in by_end:
            return _head_of_apposition(doc, sent, by_end[j], actors)
        if j > sent.start and doc[j - 1].text == ",":
            k = j - 2
            while k > sent.start and doc[k].text != ",":
                k -= 1
            options = [x for x in (by_end.get(j - 1), by_end.get(k)) if x is not None]
            people = [x for x in options if x.roles or x.via in ("title", "surname", "coref")]
            if people or options:
                return (people or options)[0]
        if j > sent.start and doc[j - 1].lower_ == "and":
            before = [m for m in actors if m.end <= j - 1]
            if before and before[0].start - sent.start <= 3:
                return before[0]  # "X refuted the claims and said …"
        return None
