"""The event reader's shared parts: candidates, reader state, confidence and modality."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

from graph.extract.gazetteer import Gazetteer
from graph.extract.lexicon import (
    HYPOTHETICAL,
    NEGATIONS,
)
from graph.extract.mentions import Mention, Recogniser
from graph.extract.syntax import clause_modality

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
#: Two wrongdoing phrases of one speaker at least this many tokens apart are two claims.
_SAME_CLAIM = 8
#: A dismissal this close (characters) after the same speaker's denial of the same accuser
#: continues that denial.
_SAME_DENIAL = 300
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


class Make(Protocol):
    """What a rule calls to propose a candidate (``EventReader._sentence``'s ``make``): the
    candidate, or None when it is incomplete or a duplicate of one already proposed."""

    def __call__(
        self,
        etype: str,
        agent: str,
        targets: list[str],
        rule: str,
        trig: Span,
        conf: float,
        distinct: bool = False,
        **extra: object,
    ) -> Candidate | None: ...


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


class ReaderBase:
    """What every rule needs: the pipeline, the gazetteer, actors' kinds and sides, and modality."""

    nlp: Language
    recogniser: Recogniser
    matcher: Matcher

    @property
    def gazetteer(self) -> Gazetteer:
        return self.recogniser.gazetteer

    def _kind(self, actor: str, minted: Gazetteer) -> str | None:
        entry = minted.entries.get(actor) or self.gazetteer.entries.get(actor)
        return None if entry is None else entry.kind

    def _side(self, m: Mention, minted: Gazetteer) -> set[str]:
        """An actor's own side: itself, its state, its affiliations and their states."""
        side = {m.actor, m.state, self._state_of(m.actor, minted), *m.affiliations}
        side |= {self._state_of(a, minted) for a in m.affiliations}
        return {x for x in side if x}

    def _state_of(self, actor: str, minted: Gazetteer) -> str | None:
        entry = minted.entries.get(actor) or self.gazetteer.entries.get(actor)
        if entry is None:
            return None
        return entry.id if entry.kind == "State" else entry.state

    def _modality(
        self,
        doc: Doc,
        sent: Span,
        trig: Span,
        quoted: list[bool],
        speech: _Speech | None,
        etype: str,
    ) -> str | None:
        parsed = clause_modality(
            doc, trig, etype, indirect=speech is not None and not quoted[trig.start]
        )
        if parsed is not None:  # the parse scopes negation and conditions to the clause
            if etype == "Rejection" and parsed == "negated":
                return None  # "refused", "would not accept": the rejection itself
            return parsed or None
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
