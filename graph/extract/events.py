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
  Russia has moved to legitimize …"): a wrongdoing phrase makes the speaker accuse the subject
  of its clause. **Dismissals** ("a simple lie", "nonsense", "baseless") make the speaker deny.
* **Excuses** ("the accusations are an attempt to cover the failure of the American mission",
  "attempts to justify their own failures") deny the claim and accuse back: the actors named after
  the phrase, or for "their/its" the accuser and the accuser's state. A dismissal by the same
  speaker of the same accuser shortly after a denial continues it (one denial, not two).
* **Other accusation frames**: a shelter "in X" the speaker points to ("sanctuaries … in Pakistan");
  a state's weapons found ("claimed to have confiscated Russian arms"); taking up the latest claim
  ("have given credibility to this contention") makes each subject accuse its targets; a
  wrongdoing's target is the subject of its clause ("complained that Russia has moved to …"), and a
  possessive leader ("Putin's outreach … to undermine") brings his state; "Citing X, Y reported":
  X makes the claim. "alleged that …" is an accusation only through a wrongdoing phrase.
* **A denial's target** is the accuser: "remarks of X", or the agent of the latest asserted
  accusation in the article against the denier's side (itself, its state, its affiliations and
  their states), or of the latest claim by someone else. Dismissals are read after the sentence's
  accusations, so "X said …, a charge the Kremlin dismissed as nonsense" answers X.
* **Coreference**: "he"/"she" is the last speaker (or the last person named in the sentence); a
  description — "the diplomat", "the Russian envoy", "the US leader" — is the latest person whose
  title fits it (and whose state matches the demonym).
* **Modality**: a negation in the clause before the trigger ("has not yet held talks") makes it
  ``negated``; "if", "could", "might", "would" (not in reported speech, where "would" is a
  backshifted "will"), "any talks" make it ``hypothetical``. Both are kept, and produce no edge.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from graph.extract.boilerplate import Paragraph, is_spam
from graph.extract.claims import ClaimRules
from graph.extract.clauses import (
    _FIRST_PERSON,
    _clause_text,
    _coordinated_before,
    _dismisser,
    _nearest_before,
    _objects_after,
    _passive,
    _quoted,
    _subject,
    _we_and,
)
from graph.extract.coreference import CoreferenceRules
from graph.extract.gazetteer import Gazetteer, normalise
from graph.extract.lexicon import (
    CLAIM_NOUNS,
    CRITIQUES,
    DISMISSALS,
    ENDORSEMENTS,
    EVENT_TRIGGERS,
    EXCUSES,
    FINDING_VERBS,
    SHELTERS,
    WRONGDOING,
)
from graph.extract.meetings import MeetingRules
from graph.extract.mentions import Mention, Recogniser
from graph.extract.reading import (
    _CONFIDENCE,
    MEETING_TYPES,
    SPEECH_ACTS,
    Candidate,
    _Speech,
    _State,
)
from graph.extract.speech import SpeechRules
from graph.extract.syntax import (
    NO_EVENT,
    aid_to,
    dismissals,
    mention_at,
    participations,
    passive_agents,
    syntactic_objects,
    syntactic_subject,
)

#: What a dismissing verb denies when it is their object ("rejected the claims")
_DISMISSED = CLAIM_NOUNS | frozenset(["report", "reports", "rumour", "rumours", "rumor", "rumors"])
#: What calling a claim something denies it: "called the reports fake", "… idle gossip"
_DISMISSIVE = (*DISMISSALS, "fake", "gossip", "fiction", "speculation", "invention", "fairy tale")
#: What a refusal to say is not: a rejection of someone's proposal.
_SAYING = frozenset(
    ["deny", "comment", "confirm", "say", "discuss", "answer", "disclose", "reveal", "name",
     "specify", "elaborate", "speculate", "respond", "identify"]
)  # fmt: skip
_PROPOSALS = frozenset(
    ["offer", "invitation", "proposal", "proposition", "initiative", "call", "plan", "overture",
     "request", "demand", "appeal"]
)  # fmt: skip


_BACK_REFERENCE = re.compile(
    r"\b(?:the|this|that|which)\s+(?:was\s+|were\s+)?(?:attended|meeting|talks|conference|"
    r"consultations|session|gathering|summit|round|forum)\b",
    re.IGNORECASE,
)


def _merge_gatherings(candidates: list[Candidate], paragraphs: list[Paragraph]) -> list[Candidate]:
    """One gathering, one candidate: "Taliban envoys took part in a conference in Moscow on
    Friday. … The meeting, attended by delegations from China, Pakistan and Iran, …" is the
    conference of the lead with everyone the later sentence names, not a second meeting."""
    text = {p.start: p.text for p in paragraphs}

    def sentence(c: Candidate) -> str:
        for start, body in text.items():
            if start <= c.sentence_start < start + len(body):
                return body[c.sentence_start - start : c.sentence_end - start]
        return ""

    out: list[Candidate] = []
    for c in candidates:
        earlier = [
            e
            for e in out
            if e.type in ("Conference", "Meeting")
            and e.modality is None
            and 0 < c.sentence_start - e.sentence_end < 2500
            and len(e.participants) >= 2
        ]
        if (
            c.type in ("Conference", "Meeting")
            and c.modality is None
            and earlier
            and _BACK_REFERENCE.search(sentence(c))
            and set(c.participants) & set(earlier[-1].participants)
        ):
            first = earlier[-1]
            first.participants = list(dict.fromkeys([*first.participants, *c.participants]))
            continue
        out.append(c)
    return out


def _passive_subjects(trig: Span, actors: list[Mention]) -> list[str]:
    """The actors a passive verb is said of ("Moscow and Tehran have been accused by …")."""
    out: list[str] = []
    heads = [c for c in trig.root.children if c.dep_ == "nsubjpass"]
    if trig.root.dep_ == "acl":
        heads.append(trig.root.head)  # "Pakistan, accused by Kabul of …"
    for c in heads:
        if c:
            for t in [c, *c.conjuncts]:
                m = mention_at(t, actors)
                if m is not None and m.actor and m.actor not in out:
                    out.append(m.actor)
    return out


def _refuses_to_say(trig: Span) -> bool:
    """ "refused to deny", "declined to comment" (on a parse)."""
    return any(c.dep_ == "xcomp" and c.lemma_.lower() in _SAYING for c in trig.root.children)


def _proposer(
    trig: Span, agent: Mention, own_side: set[str | None], earlier: list[Candidate]
) -> list[str]:
    """Who made the proposal the agent rejects: the last offer, invitation or request made to
    the agent's side, when the object of the rejection is such a proposal."""
    objects = [c for c in trig.root.children if c.dep_ == "dobj"]
    if not objects or objects[0].lemma_.lower() not in _PROPOSALS:
        return []
    kinds = {"Invitation", "CooperationOffer", "Request", "Demand"}
    for c in reversed(earlier):
        if c.type in kinds and set(c.targets) & own_side and c.agent not in own_side:
            return [c.agent]
    return []


#: The prepositions whose object a verb trigger acts on ("appealed to X", "sanctions against X").
_TARGET_PREPOSITIONS = ("to", "against", "on", "with", "for")

__all__ = ["MEETING_TYPES", "SPEECH_ACTS", "Candidate", "EventReader"]


class EventReader(CoreferenceRules, SpeechRules, MeetingRules, ClaimRules):
    """Reads the candidate events of an article's paragraphs (see the module docstring)."""

    def __init__(self, nlp: Language, recogniser: Recogniser) -> None:
        self.nlp = nlp
        self.recogniser = recogniser
        self.matcher = Matcher(nlp.vocab)
        for etype, phrases in EVENT_TRIGGERS.items():
            self.matcher.add(etype, [self._pattern(p) for p in phrases])
        self.matcher.add("WRONGDOING", [self._pattern(p) for p in WRONGDOING])
        self.matcher.add("DISMISSAL", [self._pattern(p) for p in DISMISSALS])
        self.matcher.add("EXCUSE", [self._pattern(p) for p in EXCUSES])
        self.matcher.add("SHELTER", [self._pattern(p) for p in SHELTERS])
        self.matcher.add("ENDORSE", [self._pattern(p) for p in ENDORSEMENTS])
        self.matcher.add("FOUND", [[{"LOWER": {"IN": sorted(FINDING_VERBS)}}]])
        self.matcher.add("CRITIQUE", [self._pattern(p) for p in CRITIQUES])

    def _pattern(self, phrase: str) -> list[dict[str, object]]:
        return [{"LOWER": t.lower_} for t in self.nlp.make_doc(phrase)]

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
            found.sort(key=lambda m: m.start)
            starts = [m.start for m in found]  # a sentence's mentions by bisection: a paragraph
            for sent in sentences:  # of thousands of sentences was quadratic
                if is_spam(sent.text):
                    continue
                ms = found[bisect_left(starts, sent.start) : bisect_left(starts, sent.end)]
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
        return mentions, _merge_gatherings(state.candidates, paragraphs)

    def _triggers(self, doc: Doc) -> list[Span]:
        spans = [Span(doc, s, e, label=m) for m, s, e in self.matcher(doc)]
        return sorted(filter_spans(spans), key=lambda s: s.start)

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
        here = triggers[
            bisect_left(triggers, sent.start, key=lambda t: t.start) : bisect_left(
                triggers, sent.end, key=lambda t: t.start
            )
        ]
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
            modality = self._modality(doc, sent, trig, quoted, speech, etype)
            if modality == NO_EVENT:
                return None  # "offered to host talks", "refused to deny": no such event
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
                modality=modality,
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

        deferred: list[Span] = []
        for trig in here:
            etype = str(trig.label_)
            if etype == "DISMISSAL":
                deferred.append(trig)  # after the accusations of the sentence: "X said …, a
                continue  # charge the Kremlin dismissed as nonsense" answers X
            if etype == "EXCUSE":
                excuser = (
                    speech.speaker
                    if speech is not None and in_content(trig.start)
                    else _subject(doc, sent, actors)
                )
                if excuser is not None and excuser.actor:
                    self._excuse(doc, sent, trig, excuser, actors, state, found, make, minted)
                continue
            if etype == "SHELTER":
                if speech is not None and in_content(trig.start):
                    self._shelter(doc, sent, trig, speech.speaker, ms, make, minted)
                continue
            if etype == "FOUND":
                finder = (
                    speech.speaker
                    if speech is not None and in_content(trig.start)
                    else _subject(doc, sent, actors)
                )
                if finder is not None and finder.actor:
                    self._weapons_found(doc, sent, trig, finder, ms, make, minted)
                continue
            if etype == "ENDORSE":
                self._endorsement(doc, sent, trig, actors, state, found, make, minted)
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
            if etype == "Accusation" and trig.text.lower().endswith(" that"):
                continue  # "alleged that …": an accusation only if what follows is a wrongdoing
            if etype in MEETING_TYPES:
                self._meeting(doc, sent, trig, actors, speech, make, minted)
                continue
            subject = syntactic_subject(trig, actors) or _nearest_before(
                doc, sent, trig.start, actors
            )
            if etype == "Cooperation":
                together = _coordinated_before(doc, sent, trig.start, actors, close=True)
                if together and _we_and(doc, together[0]):
                    agent_id = (
                        self._state_of(speech.speaker.actor, minted) if speech is not None else None
                    )
                    if agent_id:
                        make(etype, agent_id, [m.actor for m in together], "cooperation", trig, 0.6)
                        continue
            accusers = passive_agents(trig, actors) if etype == "Accusation" else []
            if accusers:
                # "Moscow has been accused by Kabul of …", "Pakistan, accused by Kabul and
                # Washington of …": each "by" agent accuses what the passive is said of
                said_of = _passive_subjects(trig, actors)
                for by in accusers:
                    if said_of and by.actor not in said_of:
                        make("Accusation", by.actor, said_of, "passive-accusation-by", trig, 0.6)
                continue
            if etype == "Accusation" and any(c.dep_ == "agent" for c in trig.root.children):
                continue  # "accused by officials in Farah": an accuser the text does not name
            if etype == "Accusation" and _passive(doc, trig):
                # "Iran and Pakistan have also been accused": the accuser of the last accusation
                previous = [
                    c
                    for c in state.candidates + found
                    if c.type == "Accusation"
                    and c.rule != "excuse"
                    and (speech is None or c.agent != speech.speaker.actor)
                ]
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
            others = [m for m in actors if m.actor not in own_side]
            objects = syntactic_objects(trig, others, _TARGET_PREPOSITIONS) or _objects_after(
                doc, sent, trig.end, others
            )
            targets = [m.actor for m in objects]
            if etype == "Rejection" and _refuses_to_say(trig):
                continue  # "refused to deny reports", "declined to comment": no proposal refused
            if etype == "Rejection" and not targets:
                # "The Taliban rejected the offer": the offer's maker, not a word after the verb
                targets = _proposer(trig, agent, own_side, state.candidates + found)
            conf = _CONFIDENCE["verb"] - (0.1 if agent.via == "coref" else 0.0)
            if etype == "Denial":
                if trig.root.dep_ == "relcl" and trig.root.head.lower_ in _DISMISSED:
                    continue  # "an allegation it has denied": read by dismissals() below
                self._denial(doc, sent, trig, agent, actors, state, found, make, conf, minted)
                continue
            claim = _clause_text(doc, trig.end, sent.end) if etype in SPEECH_ACTS else None
            make(etype, agent.actor, targets, f"{etype.lower()}-verb", trig, conf, claim=claim)

        for verb, taking_part, kind in participations(sent, ms):  # places too: the host
            ids = [m.actor for m in taking_part]
            if not any(c.type in MEETING_TYPES and set(ids) <= set(c.participants) for c in found):
                make(kind, ids[0], [], "taking-part", doc[verb.i : verb.i + 1],
                     _CONFIDENCE["meeting"] - 0.1,
                     participants=ids)  # fmt: skip
        if speech is not None:
            self._reported(doc, sent, speech, here, actors, state, found, make, minted)
            armed = {m.actor for m in actors if self._kind(m.actor, minted) == "ArmedGroup"}
            for verb, doer in aid_to(sent, actors, armed):
                side = self._side(speech.speaker, minted)
                if (
                    in_content(verb.i)
                    and doer.actor not in side
                    and not any(c.type == "Accusation" and doer.actor in c.targets for c in found)
                ):
                    # "According to X, Russia has been supplying equipment to Taliban units"
                    make("Accusation", speech.speaker.actor, [doer.actor], "reported-aid",
                         doc[verb.i : verb.i + 1], _CONFIDENCE["reported-wrongdoing"],
                         claim=_clause_text(doc, speech.content[0], speech.content[1]))  # fmt: skip
        dismissed_here = False
        for verb, dismissed in dismissals(sent, _DISMISSED, _DISMISSIVE):
            charge = next((c for c in found if c.type == "Accusation"), None)
            if verb.dep_ != "relcl" and any(
                c.type == "Denial" and c.sentence_start == start for c in found
            ):
                continue  # the sentence's denial is read already
            denier = syntactic_subject(doc[verb.i : verb.i + 1], actors)
            nsubj = next((c for c in verb.children if c.dep_ == "nsubj"), None)
            it = nsubj is not None and nsubj.lower_ in ("it", "they")
            if verb.dep_ == "relcl" and charge is not None and denier is None and it:
                # "…, an allegation it has denied": the accused denies this sentence's charge
                denier = next((m for m in actors if m.actor in charge.targets), None)
            if denier is None and speech is not None and in_content(verb.i):
                denier = speech.speaker
            if denier is not None and denier.actor:
                dismissed_here = True
                accuser = [
                    m for m in actors if m.actor and m.start >= dismissed.left_edge.i
                    and m.end <= dismissed.right_edge.i + 1 and m.actor != denier.actor
                ]  # fmt: skip
                if verb.dep_ == "relcl" and charge is not None and charge.agent != denier.actor:
                    accuser = [m for m in actors if m.actor == charge.agent][:1] or accuser
                said = doc[verb.i : verb.i + 1]
                if accuser:  # "Nicholson's claims", "the claims made by the American general"
                    make("Denial", denier.actor, [accuser[0].actor], "dismissal-of-claim", said,
                         _CONFIDENCE["dismissal"], claim=_clause_text(doc, dismissed.i, sent.end))  # fmt: skip
                else:
                    self._denial(doc, sent, said, denier, actors, state, found, make,
                                 _CONFIDENCE["dismissal"], minted)  # fmt: skip
        for trig in deferred:
            if dismissed_here or any(
                c.type == "Denial" and c.sentence_start == start and c.rule == "denial-verb"
                for c in found
            ):
                break  # the sentence's denial is read (its verb, or dismissals() above)
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
        state.candidates.extend(found)
