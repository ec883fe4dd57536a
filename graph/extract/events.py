"""Event rules: who did what to whom, sentence by sentence, with coreference and modality.

The pipeline is spaCy's blank English tokenizer and rule-based sentencizer; triggers are found
with a ``Matcher`` over the lexicon of :mod:`graph.extract.lexicon`. Without a parser, roles come
from word order within a clause, which is how news prose states them:

* **Reported speech gives the speaker as agent.** "X said/told/added/stated …", "… , X said",
  "according to X", "quotes X as saying": X is the speaker; "told Y" / "in an interview to Y" makes Y
  the addressee. A quotation without an attribution in its own sentence belongs to the attribution
  of its paragraph.
* **Agent** of a trigger: in reported speech, the speaker for speech acts (what a spokesman says
  his state does, he says), otherwise the nearest actor before the trigger in its clause; for a
  meeting, every actor coordinated there ("Russia, China, and Pakistan held a meeting").
* **Target**: the first actor after the trigger in its clause, with those coordinated with it;
  for a meeting also "between A and B", "of A and B", "attended by A, B and C", "hosted X".
* **Accusations in reported speech** ("said Russian weapons were being smuggled", "complained that
  Russia has moved to legitimize …"): a wrongdoing phrase makes the speaker accuse the actor
  nearest before it. **Dismissals** ("a simple lie", "nonsense", "baseless") make the speaker deny.
* **A denial's target** is the accuser: "remarks of X", or the agent of the latest accusation in the
  article against the denier or the denier's state, or of the latest claim by someone else.
* **Coreference**: "he"/"she" is the last speaker (or the last person named in the sentence); a
  description — "the diplomat", "the Russian envoy", "the US leader" — is the latest person whose
  title fits it (and whose state matches the demonym).
* **Modality**: a negation in the clause before the trigger ("has not yet held talks") makes it
  ``negated``; "if", "could", "might", "would" (not in reported speech, where "would" is a
  backshifted "will"), "any talks" make it ``hypothetical``. Both are kept, and produce no edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from graph.extract.boilerplate import Paragraph, is_spam
from graph.extract.gazetteer import Gazetteer, normalise
from graph.extract.lexicon import (
    CRITIQUES,
    DESCRIPTION_HEADS,
    DISMISSALS,
    EVENT_TRIGGERS,
    HYPOTHETICAL,
    NEGATIONS,
    SPEECH_VERBS,
    TITLE_WORDS,
    WRONGDOING,
)
from graph.extract.mentions import Mention, Recogniser

__all__ = ["MEETING_TYPES", "SPEECH_ACTS", "Candidate", "EventReader"]

MEETING_TYPES = frozenset({"Meeting", "Conference", "PhoneCall"})
#: Types whose agent, in reported speech, is the speaker (not the state he speaks for).
SPEECH_ACTS = frozenset(
    {
        "Accusation",
        "Denial",
        "Criticism",
        "Statement",
        "CooperationOffer",
        "Invitation",
        "Rejection",
        "Request",
        "Support",
        "Threat",
    }
)
_MEETING_NOUNS = frozenset(
    {
        "telephonic conversation",
        "telephone conversation",
        "phone call",
        "phone conversation",
        "conference",
        "summit",
    }
)
_CLAUSE_STOP = frozenset({";", "which", "who", "whom", "while", "because", "but", "although"})
_COORD = frozenset({",", "and", "or", "both", "the", "its", "&"})
_PREPOSITIONS = frozenset(
    [
        "of",
        "to",
        "for",
        "with",
        "from",
        "in",
        "on",
        "by",
        "about",
        "against",
        "at",
        "over",
        "into",
        "after",
        "before",
        "than",
    ]
)
_FIRST_PERSON = frozenset({"we", "i", "us", "our", "my"})
_PRONOUNS = frozenset({"he", "she"})
_CONFIDENCE = {
    "verb": 0.8,
    "meeting": 0.8,
    "reported-wrongdoing": 0.6,
    "dismissal": 0.7,
    "statement": 0.4,
}


@dataclass
class Candidate:
    """One proposed event, with where it was read and the rule that read it."""

    type: str
    agent: str
    targets: list[str]
    rule: str
    sentence_start: int
    sentence_end: int
    trigger: str
    trigger_start: int
    trigger_end: int
    confidence: float
    participants: list[str] = field(default_factory=list)
    addressee: list[str] = field(default_factory=list)
    host: str | None = None
    on_behalf_of: str | None = None
    modality: str | None = None
    claim: str | None = None
    characterisation: str | None = None
    responds_to: int | None = None  # index of the accusation a denial answers
    reported_via: str | None = None


@dataclass
class _Speech:
    speaker: Mention
    addressee: list[str]
    content: tuple[int, int]  # token range (in the paragraph doc) of what is reported
    direct: bool  # a quotation (not indirect speech)
    verb: int


@dataclass
class _State:
    """What the reader remembers across sentences: people, the last speaker, the events so far."""

    people: list[Mention] = field(default_factory=list)
    last_speaker: Mention | None = None
    sentence_start: int = 0  # where the previous sentence starts (article offset)
    candidates: list[Candidate] = field(default_factory=list)


class EventReader:
    """Reads the candidate events of an article's paragraphs (see the module docstring)."""

    def __init__(self, nlp: Language, recogniser: Recogniser) -> None:
        self.nlp = nlp
        self.recogniser = recogniser
        self.matcher = Matcher(nlp.vocab)
        for etype, phrases in EVENT_TRIGGERS.items():
            self.matcher.add(etype, [self._pattern(p) for p in phrases])
        self.matcher.add("WRONGDOING", [self._pattern(p) for p in WRONGDOING])
        self.matcher.add("DISMISSAL", [self._pattern(p) for p in DISMISSALS])
        self.matcher.add("CRITIQUE", [self._pattern(p) for p in CRITIQUES])

    def _pattern(self, phrase: str) -> list[dict[str, object]]:
        return [{"LOWER": t.lower_} for t in self.nlp.make_doc(phrase)]

    @property
    def gazetteer(self) -> Gazetteer:
        return self.recogniser.gazetteer

    # ------------------------------------------------------------------ the article
    def read(
        self, paragraphs: list[Paragraph], minted: Gazetteer
    ) -> tuple[list[Mention], list[Candidate]]:
        """All mentions and candidate events of the paragraphs, in reading order."""
        state = _State()
        mentions: list[Mention] = []
        for para in paragraphs:
            doc = self.nlp(normalise(para.text))
            doc.user_data["offset"] = para.start
            found = self.recogniser.recognise(doc, para.start, minted)
            quoted = _quoted(doc)
            triggers = self._triggers(doc)
            para_speech: _Speech | None = None
            sentences = list(doc.sents)
            per_sentence: list[tuple[Span, list[Mention], _Speech | None]] = []
            for sent in sentences:
                if is_spam(sent.text):
                    continue
                ms = [m for m in found if sent.start <= m.start < sent.end]
                ms = self._coreference(doc, sent, ms, quoted, state, minted, para.start)
                speech = self._speech(doc, sent, ms, quoted)
                if speech is not None and para_speech is None:
                    para_speech = speech
                per_sentence.append((sent, ms, speech))
                for m in ms:
                    if self._kind(m.actor, minted) == "Person":
                        state.people.append(m)
                state.sentence_start = para.start + sent.start_char
            for sent, ms, speech in per_sentence:
                if speech is None and any(quoted[t.i] for t in sent) and para_speech is not None:
                    first = next(t.i for t in sent if quoted[t.i])
                    last = max(t.i for t in sent if quoted[t.i]) + 1
                    speech = _Speech(para_speech.speaker, [], (first, last), True, -1)
                mentions.extend(ms)
                self._sentence(doc, para, sent, ms, speech, triggers, quoted, state, minted)
                if speech is not None and self._kind(speech.speaker.actor, minted) == "Person":
                    state.last_speaker = speech.speaker
        return mentions, state.candidates

    def _kind(self, actor: str, minted: Gazetteer) -> str | None:
        entry = minted.entries.get(actor) or self.gazetteer.entries.get(actor)
        return None if entry is None else entry.kind

    def _state_of(self, actor: str, minted: Gazetteer) -> str | None:
        entry = minted.entries.get(actor) or self.gazetteer.entries.get(actor)
        if entry is None:
            return None
        return entry.id if entry.kind == "State" else entry.state

    def _triggers(self, doc: Doc) -> list[Span]:
        spans = [Span(doc, s, e, label=m) for m, s, e in self.matcher(doc)]
        return sorted(filter_spans(spans), key=lambda s: s.start)

    # ------------------------------------------------------------------ coreference
    def _coreference(
        self,
        doc: Doc,
        sent: Span,
        ms: list[Mention],
        quoted: list[bool],
        state: _State,
        minted: Gazetteer,
        offset: int,
    ) -> list[Mention]:
        out = list(ms)
        covered = {i for m in ms for i in range(m.start, m.end)}
        previous = [
            p
            for p in state.people
            if p.actor
            and p.via not in ("coref", "group")
            and state.sentence_start <= p.char_start < offset + sent.start_char
            and not (minted.entries.get(p.actor) or self.gazetteer.entries[p.actor]).anonymous
        ]
        named_before = list(dict.fromkeys(p.actor for p in previous))
        for tok in sent:
            if tok.i in covered:
                continue
            target: Mention | None = None
            end = tok.i + 1
            if tok.lower_ in _PRONOUNS:
                earlier = [
                    m
                    for m in out
                    if m.end <= tok.i and self._kind(m.actor, minted) == "Person" and not m.place
                ]
                if earlier:
                    target = earlier[-1]
                elif len(named_before) == 1:
                    target = next(p for p in reversed(previous) if p.actor == named_before[0])
                else:
                    target = state.last_speaker or _last(state.people)
            elif tok.lower_ == "the" and tok.i + 1 < sent.end:
                j = tok.i + 1
                demonym_state = None
                while j < sent.end and j - tok.i <= 3:
                    low = doc[j].lower_
                    if low in DESCRIPTION_HEADS:
                        break
                    st = self.recogniser._state_of(doc[j].text)
                    if st is not None:
                        demonym_state = st
                    elif low not in ("special", "presidential", "senior", "top", "former"):
                        j = sent.end
                        break
                    j += 1
                if j < sent.end and doc[j].lower_ in DESCRIPTION_HEADS:
                    fits = DESCRIPTION_HEADS[doc[j].lower_]
                    for person in reversed([*state.people, *[m for m in out if m.end <= tok.i]]):
                        if person.roles & fits and (
                            demonym_state is None or person.state in (None, demonym_state)
                        ):
                            target = person
                            break
                    end = j + 1
            if target is not None:
                out.append(
                    Mention(
                        tok.i,
                        end,
                        offset + doc[tok.i].idx,
                        offset + doc[end - 1].idx + len(doc[end - 1].text),
                        doc[tok.i : end].text,
                        target.actor,
                        "coref",
                        roles=target.roles,
                        state=target.state,
                        affiliations=target.affiliations,
                    )
                )
                covered.update(range(tok.i, end))
        return sorted(out, key=lambda m: m.start)

    # ------------------------------------------------------------------ reported speech
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

    # ------------------------------------------------------------------ events of one sentence
    def _sentence(
        self,
        doc: Doc,
        para: Paragraph,
        sent: Span,
        ms: list[Mention],
        speech: _Speech | None,
        triggers: list[Span],
        quoted: list[bool],
        state: _State,
        minted: Gazetteer,
    ) -> None:
        start, end = para.start + sent.start_char, para.start + sent.end_char
        text = sent.text
        lead = len(text) - len(text.lstrip())
        start += lead
        end = start + len(text.strip())
        actors = [m for m in ms if not m.place]
        found: list[Candidate] = []
        here = [t for t in triggers if sent.start <= t.start < sent.end]
        speaker_state = self._state_of(speech.speaker.actor, minted) if speech is not None else None
        own = (
            {speaker_state, *speech.speaker.affiliations} - {None} if speech is not None else set()
        )
        behalf = (
            (speech.speaker.affiliations[0] if speech.speaker.affiliations else speaker_state)
            if speech is not None
            else None
        )

        def in_content(i: int) -> bool:
            return speech is not None and speech.content[0] <= i < speech.content[1]

        def make(
            etype: str,
            agent: str,
            targets: list[str],
            rule: str,
            trig: Span,
            conf: float,
            distinct: bool = False,
            **extra: object,
        ) -> Candidate | None:
            targets = [t for t in dict.fromkeys(targets) if t != agent]
            if not targets and etype not in MEETING_TYPES and etype != "Denial":
                return None
            c = Candidate(
                type=etype,
                agent=agent,
                targets=targets,
                rule=rule,
                sentence_start=start,
                sentence_end=end,
                trigger=trig.text,
                trigger_start=para.start + trig.start_char,
                trigger_end=para.start + trig.end_char,
                confidence=conf,
                modality=self._modality(doc, sent, trig, quoted, speech, etype),
                **extra,  # type: ignore[arg-type]
            )
            if speech is not None and in_content(trig.start):
                c.addressee = [a for a in speech.addressee if a != agent]
                if c.agent == speech.speaker.actor:
                    c.on_behalf_of = behalf if behalf != agent else None
            for other in found:
                if (other.type, other.agent, other.targets) == (c.type, c.agent, c.targets) and (
                    not distinct or other.trigger == c.trigger
                ):
                    return None
            found.append(c)
            return c

        for trig in here:
            etype = str(trig.label_)
            if etype == "DISMISSAL":
                denier = _dismisser(doc, sent, trig, actors)
                if denier is None and not (speech is not None and in_content(trig.start)):
                    denier = _subject(doc, sent, actors)
                if denier is not None and denier.actor:
                    self._denial(
                        doc,
                        sent,
                        trig,
                        denier,
                        actors,
                        state,
                        found,
                        make,
                        _CONFIDENCE["dismissal"],
                        minted,
                        characterisation=trig.text,
                    )
                continue
            if etype == "WRONGDOING":
                continue
            before = doc[trig.start - 1].lower_ if trig.start > 0 else ""
            after = doc[trig.end].lower_ if trig.end < len(doc) else ""
            if before in ("alleged", "reported", "suspected", "possible", "potential"):
                continue  # "Russia's alleged support": not asserted by anyone here
            if after == "about" or (
                before in ("was", "were", "been", "being")
                and etype in ("Request", "Support", "Invitation")
            ):
                continue  # "asked about", "was asked": the actor is not the agent
            if etype == "CRITIQUE":
                self._critique(doc, sent, trig, actors, speech, make, minted)
                continue
            if (
                etype == "Accusation"
                and doc[trig.start].lower_ == "accusing"
                and in_content(trig.start)
            ):
                continue  # "… by accusing X": part of the speaker's own claim
            if etype in MEETING_TYPES:
                self._meeting(doc, sent, trig, actors, speech, make, minted)
                continue
            subject = _nearest_before(doc, sent, trig.start, actors)
            if etype == "Cooperation":
                together = _coordinated_before(doc, sent, trig.start, actors, close=True)
                if together and _we_and(doc, together[0]):
                    agent_id = (
                        self._state_of(speech.speaker.actor, minted) if speech is not None else None
                    )
                    if agent_id:
                        make(etype, agent_id, [m.actor for m in together], "cooperation", trig, 0.6)
                        continue
            if etype == "Accusation" and _passive(doc, trig):
                # "Iran and Pakistan have also been accused": the accuser of the last accusation
                previous = [c for c in state.candidates + found if c.type == "Accusation"]
                accused = _coordinated_before(doc, sent, trig.start, actors)
                if previous and accused:
                    make(
                        "Accusation",
                        previous[-1].agent,
                        [m.actor for m in accused],
                        "passive-accusation",
                        trig,
                        0.5,
                    )
                continue
            agent = subject
            if (
                speech is not None
                and in_content(trig.start)
                and (
                    (
                        subject is None
                        or doc[subject.start].lower_ in _FIRST_PERSON
                        or (etype in SPEECH_ACTS and subject.actor in own)
                    )
                    or (etype in SPEECH_ACTS and subject.start < speech.content[0])
                )
            ):
                agent = speech.speaker
            if agent is None:
                continue
            own_side = {agent.actor, self._state_of(agent.actor, minted), *agent.affiliations}
            objects = _objects_after(
                doc, sent, trig.end, [m for m in actors if m.actor not in own_side]
            )
            targets = [m.actor for m in objects]
            conf = _CONFIDENCE["verb"] - (0.1 if agent.via == "coref" else 0.0)
            if etype == "Denial":
                self._denial(doc, sent, trig, agent, actors, state, found, make, conf, minted)
                continue
            claim = _clause_text(doc, trig.end, sent.end) if etype in SPEECH_ACTS else None
            make(etype, agent.actor, targets, f"{etype.lower()}-verb", trig, conf, claim=claim)

        if speech is not None:
            self._reported(doc, sent, speech, here, actors, state, found, make, minted)
        state.candidates.extend(found)

    def _reported(
        self,
        doc: Doc,
        sent: Span,
        speech: _Speech,
        here: list[Span],
        actors: list[Mention],
        state: _State,
        found: list[Candidate],
        make: object,
        minted: Gazetteer,
    ) -> None:
        """Accusations, denials and statements made by what a speaker is reported to say."""
        assert callable(make)
        lo, hi = speech.content
        speaker = speech.speaker
        speaker_state = self._state_of(speaker.actor, minted)
        spoken = [t for t in here if lo <= t.start < hi]
        for trig in spoken:
            accusing = [
                t for t in spoken if t.label_ == "Accusation" and t.start < trig.start
            ]  # "accused X of supplying arms": the claim of that accusation, not the speaker's
            if (
                trig.label_ == "WRONGDOING"
                and not accusing
                and not any(
                    c.type == "Accusation"
                    and c.agent == speaker.actor
                    and abs(_token_at(doc, c.trigger_start) - trig.start) < 8
                    for c in found
                )
            ):
                own = {speaker.actor, speaker_state, *speaker.affiliations}
                options = [
                    m
                    for m in actors
                    if lo <= m.start
                    and m.end <= trig.start
                    and m.actor not in own
                    and self._kind(m.actor, minted) not in ("Group", None)
                    and not (minted.entries.get(m.actor) or self.gazetteer[m.actor]).anonymous
                ]
                clause = _nearest_before(doc, sent, trig.start, options, floor=lo)
                owners = [
                    m for m in options if m.end < len(doc) and doc[m.end].lower_ in ("'s", "'")
                ]
                target = owners[-1] if owners else clause
                mine = [
                    m for m in actors if lo <= m.start and m.end <= trig.start and m.actor in own
                ]
                window = {t.lower_ for t in doc[max(lo, trig.start - 4) : trig.start]}
                if target is None and mine and window & NEGATIONS:
                    # "Russia had never supplied arms": the speaker denies it for their side
                    if not any(c.type == "Denial" for c in found):
                        self._denial(
                            doc,
                            sent,
                            trig,
                            speaker,
                            actors,
                            state,
                            found,
                            make,
                            _CONFIDENCE["dismissal"],
                            minted,
                        )
                    continue
                if target is None or not target.actor:
                    continue
                make(
                    "Accusation",
                    speaker.actor,
                    [target.actor],
                    "reported-wrongdoing",
                    trig,
                    _CONFIDENCE["reported-wrongdoing"],
                    claim=_clause_text(doc, lo, hi),
                )
                cited = _cited(doc, sent, actors)
                if cited is not None and cited.actor not in own:
                    make(
                        "Accusation",
                        cited.actor,
                        [target.actor],
                        "reported-wrongdoing",
                        trig,
                        _CONFIDENCE["reported-wrongdoing"] - 0.1,
                        claim=_clause_text(doc, lo, hi),
                    )
            elif trig.label_ == "DISMISSAL" and not any(c.type == "Denial" for c in found):
                self._denial(
                    doc,
                    sent,
                    trig,
                    speaker,
                    actors,
                    state,
                    found,
                    make,
                    _CONFIDENCE["dismissal"],
                    minted,
                    characterisation=trig.text,
                )
        if any(
            lo <= _token_at(doc, c.trigger_start) < hi or c.agent == speaker.actor for c in found
        ):
            return
        about = [
            m
            for m in actors
            if lo <= m.start < hi
            and m.actor not in (speaker.actor, speaker_state)
            and doc[m.start].lower_ not in _FIRST_PERSON
        ]
        if about and spoken:
            trig = spoken[0]
        elif about:
            trig = doc[speech.verb : speech.verb + 1] if speech.verb >= 0 else doc[lo:hi]
        else:
            return
        make(
            "Statement",
            speaker.actor,
            [about[0].actor],
            "reported-statement",
            trig,
            _CONFIDENCE["statement"],
            claim=_clause_text(doc, lo, hi),
        )

    def _critique(
        self,
        doc: Doc,
        sent: Span,
        trig: Span,
        actors: list[Mention],
        speech: _Speech | None,
        make: object,
        minted: Gazetteer,
    ) -> None:
        """ "X called Y a total failure", "Moscow deems Y's attempts counterproductive"."""
        assert callable(make)
        if speech is not None and speech.content[0] <= trig.start < speech.content[1]:
            agent: Mention | None = speech.speaker
            floor = speech.content[0]
        else:
            agent = _subject(doc, sent, actors)
            floor = agent.end if agent is not None else sent.start
        if agent is None or not agent.actor:
            return
        own = {agent.actor, self._state_of(agent.actor, minted), *agent.affiliations}
        between = [
            m for m in actors if floor <= m.start and m.end <= trig.start and m.actor not in own
        ]
        owners = [m for m in between if m.end < len(doc) and doc[m.end].lower_ in ("'s", "'")]
        target = (owners or between)[-1] if (owners or between) else None
        if target is None:
            return
        make(
            "Criticism",
            agent.actor,
            [target.actor],
            "critique",
            trig,
            0.6 - (0.1 if agent.via == "coref" else 0.0),
            characterisation=trig.text,
            claim=_clause_text(doc, floor, sent.end),
        )

    def _denial(
        self,
        doc: Doc,
        sent: Span,
        trig: Span,
        agent: Mention,
        actors: list[Mention],
        state: _State,
        found: list[Candidate],
        make: object,
        conf: float,
        minted: Gazetteer,
        characterisation: str | None = None,
    ) -> None:
        """The denier's target is the accuser (see the module docstring)."""
        assert callable(make)
        denier_state = self._state_of(agent.actor, minted)
        mine = {agent.actor, denier_state, agent.state, *agent.affiliations} - {None}
        target: str | None = None
        responds: int | None = None
        for m in actors:
            p = m.start - 1
            while p > 0 and doc[p].lower_ in TITLE_WORDS:
                p -= 1  # "remarks of Gen. X"
            prev = doc[p].lower_ if p >= 0 else ""
            nxt = doc[m.end].lower_ if m.end < len(doc) else ""
            if (
                prev in ("of", "by")
                and p >= 1
                and doc[p - 1].lower_
                in (
                    "remarks",
                    "claims",
                    "allegations",
                    "accusations",
                    "statement",
                    "comments",
                )
            ) or nxt == "'s":
                run = [m, *_objects_after(doc, sent, m.end, actors, coordinated_only=True)]
                people = [x for x in run if self._kind(x.actor, minted) == "Person"]
                chosen = (people or run)[0]
                if chosen.actor not in mine:
                    target = chosen.actor
                    break
        history = state.candidates + found
        for index in range(len(history) - 1, -1, -1):
            c = history[index]
            if c.agent in mine:
                continue
            if (
                c.type == "Accusation"
                and (set(c.targets) & mine or not mine)
                and (target is None or target == c.agent)
            ):
                target = c.agent
                responds = index if index < len(state.candidates) else None
                break
        if target is None:
            for index in range(len(history) - 1, -1, -1):
                c = history[index]
                if c.type == "Accusation" and c.agent not in mine:
                    target = c.agent  # "X denied any role": the latest accuser in the article
                    responds = index if index < len(state.candidates) else None
                    break
        if target is None:
            for c in reversed(history):
                if c.type in SPEECH_ACTS and c.agent not in mine:
                    target = c.agent
                    break
        claim_source = None
        if responds is not None:
            claim_source = state.candidates[responds].claim
        make(
            "Denial",
            agent.actor,
            [target] if target else [],
            "denial-verb" if characterisation is None else "dismissal",
            trig,
            conf - (0.0 if target else 0.2),
            characterisation=characterisation,
            responds_to=responds,
            claim=claim_source or _clause_text(doc, sent.start, sent.end),
        )

    def _meeting(
        self,
        doc: Doc,
        sent: Span,
        trig: Span,
        actors: list[Mention],
        speech: _Speech | None,
        make: object,
        minted: Gazetteer,
    ) -> None:
        """Participants of a meeting, conference or call (see the module docstring)."""
        assert callable(make)
        words = trig.text.lower()
        etype = str(trig.label_)
        subjects = _coordinated_before(doc, sent, trig.start, actors, close=True)
        nominal = words.endswith(("between", "of")) or words in _MEETING_NOUNS
        if nominal and subjects:
            gap = {t.lower_ for t in doc[subjects[-1].end : trig.start]}
            if not gap & {"held", "hold", "holds", "had", "attended", "hosted", "joined"}:
                subjects = []
        if (
            subjects
            and speech is not None
            and subjects[-1].actor == speech.speaker.actor
            and subjects[-1].start < speech.content[0]
        ):
            subjects = []
        objects: list[Mention] = []
        host: str | None = None
        if nominal:
            k = trig.end
            if k < sent.end and doc[k].lower_ in ("of", "between", "with"):
                k += 1
            objects = _objects_after(doc, sent, k, actors, adjacent=True)
        elif words.endswith("with") or words.startswith(
            ("met", "meet", "visit", "host", "negotiated", "phoned", "telephoned", "called")
        ):
            objects = _objects_after(
                doc, sent, trig.end, actors, adjacent=True, include_places=words.startswith("visit")
            )
        elif trig.end < sent.end and doc[trig.end].lower_ in ("with", "between"):
            objects = _objects_after(doc, sent, trig.end + 1, actors, adjacent=True)
        if words in ("hosted", "hosts") and subjects:
            host = subjects[0].actor
            tail = [t for t in doc[trig.end : sent.end] if t.lower_ == "attended"]
            if tail:
                objects += _objects_after(doc, sent, tail[0].i + 2, actors, coordinated_only=True)
        if words == "attended by":
            host_tok = [t for t in doc[sent.start : trig.start] if t.lower_ in ("hosted", "hosts")]
            objects = _objects_after(doc, sent, trig.end, actors, coordinated_only=True)
            if host_tok:
                hosts = _coordinated_before(doc, sent, host_tok[0].i, actors)
                host = hosts[0].actor if hosts else None
            subjects = []
        for k in range(trig.end, sent.end):
            if doc[k].lower_ == "by" and k > trig.end and doc[k - 1].lower_ in ("talks", ";"):
                objects += _objects_after(doc, sent, k + 1, actors, adjacent=True)
        people = [*subjects, *objects]
        participants: list[str] = []
        for m in people:
            participants.extend(self._as_participants(m, minted))
        if host is not None:
            participants.insert(0, host)
        participants = list(dict.fromkeys(participants))
        if len(participants) < 2:
            return
        if etype == "Meeting" and ("phone" in words or "telephon" in words):
            etype = "PhoneCall"
        elif etype == "Meeting" and any(t.lower_ in ("conference", "summit") for t in sent):
            etype = "Conference"
        make(
            etype,
            participants[0],
            [],
            "meeting",
            trig,
            _CONFIDENCE["meeting"],
            participants=participants,
            host=host,
        )

    def _as_participants(self, m: Mention, minted: Gazetteer) -> list[str]:
        """A meeting's participant: officials of named states take part for their states."""
        entry = minted.entries.get(m.actor)
        if m.via == "group" and entry is not None and entry.demonyms:
            return list(dict.fromkeys(entry.demonyms))
        return [m.actor]

    # ------------------------------------------------------------------ modality
    def _modality(
        self,
        doc: Doc,
        sent: Span,
        trig: Span,
        quoted: list[bool],
        speech: _Speech | None,
        etype: str,
    ) -> str | None:
        lo = trig.start
        while (
            lo > sent.start
            and doc[lo - 1].text not in (";",)
            and doc[lo - 1].lower_
            not in (
                "that",
                "but",
                "while",
                "which",
            )
        ):
            lo -= 1
        window = [t.lower_ for t in doc[max(lo, trig.start - 5) : trig.start]]
        clause = [t.lower_ for t in doc[lo : trig.start]]
        if etype != "Rejection" and any(w in NEGATIONS for w in window):
            return "negated"
        indirect = speech is not None and not quoted[trig.start]
        hypothetical = set(HYPOTHETICAL) - ({"would"} if indirect else set())
        if "if" in clause or any(w in hypothetical for w in window):
            return "hypothetical"
        if etype in MEETING_TYPES and "any" in window:
            return "hypothetical"
        return None


# ---------------------------------------------------------------------- token helpers


def _token_at(doc: Doc, char: int) -> int:
    """The token index of an article offset inside ``doc`` (-1 when outside)."""
    for t in doc:
        if t.idx <= char - _doc_offset(doc) < t.idx + len(t.text):
            return t.i
    return -1


def _doc_offset(doc: Doc) -> int:
    return int(doc.user_data.get("offset", 0))


_APPOSITION_HEADS = frozenset(
    [
        "commander",
        "head",
        "chief",
        "director",
        "envoy",
        "minister",
        "spokesman",
        "spokesperson",
        "spokeswoman",
        "ambassador",
        "representative",
        "secretary",
        "leader",
        "president",
        "official",
        "member",
    ]
)


def _head_of_apposition(doc: Doc, sent: Span, m: Mention, actors: list[Mention]) -> Mention:
    """``X, commander of A and B told …``: the subject is X, not B."""
    for p in actors:
        if p.end >= m.start:
            break
        gap = doc[p.end : m.start]
        if (
            len(gap) >= 2
            and gap[0].text == ","
            and any(t.lower_ in _APPOSITION_HEADS for t in gap[1:4])
            and not any(t.lower_ in SPEECH_VERBS or t.text in (";", ".") for t in gap)
        ):
            return p
    return m


def _last(items: list[Mention]) -> Mention | None:
    return items[-1] if items else None


def _quoted(doc: Doc) -> list[bool]:
    """Whether each token is inside a quotation (straight double quotes after normalisation)."""
    flags = []
    inside = False
    for tok in doc:
        if tok.text == '"' or (tok.text.startswith('"') and len(tok.text) > 1):
            inside = not inside
            flags.append(False)
            continue
        flags.append(inside)
    return flags


def _has_quote(content: tuple[int, int], quoted: list[bool]) -> bool:
    return any(quoted[i] for i in range(*content))


def _content_around(
    doc: Doc, sent: Span, verb: int, after: int, quoted: list[bool]
) -> tuple[int, int]:
    """What an attribution reports: the quotation, or the clause after (or before) the verb."""
    inside = [t.i for t in sent if quoted[t.i]]
    if inside and not inside[0] <= verb <= inside[-1] and verb > inside[0]:
        return inside[0], inside[-1] + 1  # "…," X said
    k = after
    while k < sent.end and doc[k].lower_ in ("that", ",", ":", "on", "thursday", "friday"):
        k += 1
    if sent.end - k >= 3:
        return k, sent.end
    return sent.start, verb


def _nearest_before(
    doc: Doc, sent: Span, i: int, actors: list[Mention], floor: int | None = None
) -> Mention | None:
    """The nearest actor before token ``i`` in its clause."""
    lo = max(sent.start, floor or sent.start)
    k = i - 1
    while k >= lo and doc[k].lower_ not in _CLAUSE_STOP:
        k -= 1
    before = [m for m in actors if k < m.start and m.end <= i]
    if before:
        return before[-1]
    if k > lo and doc[k].lower_ == "who" and doc[k - 1].text == ",":
        antecedent = [m for m in actors if m.end == k - 1]
        if antecedent:
            return antecedent[0]  # "Obama, who negotiated with the Taliban"
    firsts = [t for t in doc[max(k, lo) : i] if t.lower_ in _FIRST_PERSON]
    if firsts:
        t = firsts[-1]
        return Mention(t.i, t.i + 1, t.idx, t.idx + len(t.text), t.text, "", "coref")
    return None


def _coordinated_before(
    doc: Doc, sent: Span, i: int, actors: list[Mention], *, close: bool = False
) -> list[Mention]:
    """The actors coordinated just before ``i``: "Russia, China, and Pakistan [held]"."""
    last = _nearest_before(doc, sent, i, actors)
    if last is None or not last.actor:
        return []
    gap = [t.lower_ for t in doc[last.end : i]]
    if len(gap) > 4:
        return [] if close else [last]
    out = [last]
    for m in reversed([m for m in actors if m.end <= last.start]):
        between = list(doc[m.end : out[0].start])
        if between and _coordination(between):
            out.insert(0, m)
        else:
            break
    return out


def _objects_after(
    doc: Doc,
    sent: Span,
    i: int,
    actors: list[Mention],
    *,
    adjacent: bool = False,
    coordinated_only: bool = False,
    include_places: bool = False,
) -> list[Mention]:
    """The first actor after ``i`` in its clause, with those coordinated with it."""
    k = i
    stop = sent.end
    while k < stop and doc[k].lower_ not in _CLAUSE_STOP and doc[k].text != ".":
        k += 1
    candidates = [
        m
        for m in actors
        if i <= m.start and m.end <= k and (include_places or not m.place) and m.actor
    ]
    if not candidates or ((adjacent or coordinated_only) and candidates[0].start - i > 3):
        return []

    def title_of_next(m: Mention) -> bool:
        return any(
            n.start > m.start and n.start - m.end <= 6 and m.actor in n.affiliations
            for n in candidates
        )

    candidates = [m for m in candidates if not title_of_next(m)]
    if not candidates:
        return []
    out = [candidates[0]]
    for m in candidates[1:]:
        if m.via == "demonym" and any(0 < n.start - m.end <= 2 for n in candidates):
            continue  # "his Afghan counterpart X": the demonym only qualifies X
        between = [t for t in doc[out[-1].end : m.start]]
        if _coordination(between):
            out.append(m)
        else:
            break
    return out


def _coordination(gap: list[Token]) -> bool:
    """Whether the tokens between two actors join them: ", ", " and ", " and his Afghan counterpart "."""
    words = [t.lower_ for t in gap]
    if all(w in _COORD for w in words):
        return True
    joins = {",", "and", "or"} & set(words)
    if any(w in SPEECH_VERBS or w in _PREPOSITIONS for w in words) or len(words) > 5:
        return False
    return bool(joins) and all(
        w in _COORD
        or w in ("his", "her", "their", "'s")
        or (w.isalpha() and w.islower())
        or t.is_title
        for w, t in zip(words, gap, strict=True)
    )


_DISMISSING = frozenset(
    ["dismissed", "rejected", "called", "described", "branded", "termed", "labelled", "labeled"]
)


def _dismisser(doc: Doc, sent: Span, trig: Span, actors: list[Mention]) -> Mention | None:
    """``a charge the Kremlin dismissed as nonsense``: the actor before a dismissing verb."""
    for k in range(trig.start - 1, max(sent.start, trig.start - 6) - 1, -1):
        if doc[k].lower_ in _DISMISSING:
            before = [
                m
                for m in actors
                if m.end == k or (m.end == k - 1 and doc[k - 1].lower_ in ("has", "had"))
            ]
            return before[0] if before else None
    return None


def _cited(doc: Doc, sent: Span, actors: list[Mention]) -> Mention | None:
    """``Citing X, Y reported …``: X, the source of the report."""
    if doc[sent.start].lower_ != "citing":
        return None
    return next((m for m in actors if m.start - sent.start <= 5), None)


def _we_and(doc: Doc, first: Mention) -> bool:
    """``we and the Taliban``: the speaker's side is coordinated with ``first``."""
    before = [t.lower_ for t in doc[max(0, first.start - 3) : first.start]]
    return "and" in before and any(w in _FIRST_PERSON for w in before)


def _subject(doc: Doc, sent: Span, actors: list[Mention]) -> Mention | None:
    """The subject of a sentence: its first actor, if it comes before any verb-like word."""
    lo = sent.start
    commas = [t.i for t in doc[sent.start : min(sent.end, sent.start + 8)] if t.text == ","]
    if commas and not any(m.start < commas[0] for m in actors):
        lo = commas[0] + 1  # skip a leading adverbial ("In January, …")
    for m in actors:
        if m.start >= lo:
            return m if m.start - lo <= 4 else None
    return None


def _passive(doc: Doc, trig: Span) -> bool:
    before = [t.lower_ for t in doc[max(0, trig.start - 3) : trig.start]]
    return "been" in before or (before[-1:] in (["were"], ["was"], ["are"], ["is"]))


def _clause_text(doc: Doc, lo: int, hi: int) -> str | None:
    text = doc[lo:hi].text.strip(' ,:;"')
    return text[:400] if len(text) >= 8 else None
