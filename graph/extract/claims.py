"""Accusations, denials and criticism: reported wrongdoing, dismissals, excuses, shelters,
weapons found, endorsements, and whom a denial answers."""

from __future__ import annotations

from spacy.tokens import Doc, Span

from graph.extract.clauses import (
    _FIRST_PERSON,
    _cited,
    _clause_subject,
    _clause_text,
    _dismisser,
    _doc_offset,
    _objects_after,
    _subject,
    _token_at,
)
from graph.extract.gazetteer import Gazetteer
from graph.extract.lexicon import (
    CLAIM_NOUNS,
    NEGATIONS,
    TITLE_WORDS,
    WEAPON_NOUNS,
)
from graph.extract.mentions import Mention
from graph.extract.reading import (
    _CONFIDENCE,
    _SAME_CLAIM,
    _SAME_DENIAL,
    SPEECH_ACTS,
    Candidate,
    Make,
    ReaderBase,
    _Speech,
    _State,
)


class ClaimRules(ReaderBase):
    """Accusations, denials and criticism (see the module docstring)."""

    def _reported(
        self,
        doc: Doc,
        sent: Span,
        speech: _Speech,
        here: list[Span],
        actors: list[Mention],
        state: _State,
        found: list[Candidate],
        make: Make,
        minted: Gazetteer,
    ) -> None:
        """Accusations, denials and statements made by what a speaker is reported to say."""
        lo, hi = speech.content
        speaker = speech.speaker
        speaker_state = self._state_of(speaker.actor, minted)
        spoken = [t for t in here if lo <= t.start < hi]
        for trig in spoken:
            accusing = [
                t
                for t in spoken
                if t.label_ == "Accusation"
                and t.start < trig.start
                and not t.text.lower().endswith(" that")
            ]  # "accused X of supplying arms": the claim of that accusation, not the speaker's
            if (
                trig.label_ == "WRONGDOING"
                and not accusing
                and not any(
                    c.type == "Accusation"
                    and c.agent == speaker.actor
                    and abs(_token_at(doc, c.trigger_start) - trig.start) < _SAME_CLAIM
                    for c in found
                )
            ):
                own = self._side(speaker, minted)
                options = [
                    m
                    for m in actors
                    if lo <= m.start
                    and m.end <= trig.start
                    and m.actor not in own
                    and self._kind(m.actor, minted) not in ("Group", None)
                    and not (minted.entries.get(m.actor) or self.gazetteer[m.actor]).anonymous
                ]
                # the subject of the clause that states the wrongdoing: "complained that Russia
                # has moved to legitimize the Taliban by … giving birth to a false narrative"
                target = _clause_subject(doc, trig.start, options, floor=lo)
                targets = [target.actor] if target is not None and target.actor else []
                if (
                    target is not None
                    and target.end < len(doc)
                    and doc[target.end].lower_ in ("'s", "'")
                    and self._kind(target.actor, minted) == "Person"
                ):
                    # "Putin's outreach … to undermine": the leader, and the state he leads
                    side = self._state_of(target.actor, minted) or target.state
                    if side and side not in own:
                        targets.append(side)
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
                if any(
                    c.type == "Accusation" and c.targets == [target.actor] and c.modality
                    for c in found
                ):
                    continue  # "to the extent X was arming Y, it was a violation": one claim
                cited = _cited(doc, sent, actors)
                if cited is not None and cited.actor not in own:
                    # "Citing X, Y reported that …": X makes the claim, Y only reports it
                    make(
                        "Accusation",
                        cited.actor,
                        targets,
                        "reported-wrongdoing",
                        trig,
                        _CONFIDENCE["reported-wrongdoing"] - 0.1,
                        claim=_clause_text(doc, lo, hi),
                    )
                    continue
                make(
                    "Accusation",
                    speaker.actor,
                    targets,
                    "reported-wrongdoing",
                    trig,
                    _CONFIDENCE["reported-wrongdoing"],
                    distinct=True,  # a second wrongdoing further on is a second claim
                    claim=_clause_text(doc, lo, hi),
                )
            elif (
                trig.label_ == "DISMISSAL"
                and not any(c.type == "Denial" for c in found)
                and _dismisser(doc, sent, trig, actors) is None
            ):
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
        make: Make,
        minted: Gazetteer,
    ) -> None:
        """ "X called Y a total failure", "Moscow deems Y's attempts counterproductive"."""
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
        make: Make,
        conf: float,
        minted: Gazetteer,
        characterisation: str | None = None,
    ) -> None:
        """The denier's target is the accuser (see the module docstring)."""
        target, responds = self._accuser(doc, sent, agent, actors, state, found, minted)
        here = _doc_offset(doc) + sent.start_char
        if any(
            c.type == "Denial"
            and c.agent == agent.actor
            and c.targets == ([target] if target else [])
            and 0 <= here - c.sentence_end <= _SAME_DENIAL
            for c in state.candidates[-3:]
        ):
            return  # "This is a simple lie…. This is nonsense. He added, …": one denial
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

    def _weapons_found(
        self,
        doc: Doc,
        sent: Span,
        trig: Span,
        agent: Mention,
        ms: list[Mention],
        make: Make,
        minted: Gazetteer,
    ) -> None:
        """ "claimed to have confiscated Russian arms", "Russian machine guns had been found": a
        state's weapons found in the field — the finder accuses that state."""
        own = self._side(agent, minted)
        for m in ms:
            if abs(m.start - trig.start) > 6 or m.actor in own or not m.actor:
                continue
            noun = [t.lower_ for t in doc[m.end : min(sent.end, m.end + 3)]]
            if m.via == "demonym" and set(noun) & WEAPON_NOUNS:
                make(
                    "Accusation",
                    agent.actor,
                    [m.actor],
                    "weapons-found",
                    trig,
                    _CONFIDENCE["reported-wrongdoing"],
                    claim=_clause_text(doc, sent.start, sent.end),
                )
                return

    def _endorsement(
        self,
        doc: Doc,
        sent: Span,
        trig: Span,
        actors: list[Mention],
        state: _State,
        found: list[Candidate],
        make: Make,
        minted: Gazetteer,
    ) -> None:
        """ "Some Afghan policymakers and Gen. X have given credibility to this contention": each
        subject makes the latest accusation of the article (against the same targets)."""
        after = {t.lower_ for t in doc[trig.end : min(sent.end, trig.end + 3)]}
        if not after & CLAIM_NOUNS:
            return
        first = _subject(doc, sent, actors)
        if first is None or first.start >= trig.start:
            return
        run = [
            m
            for m in _objects_after(doc, sent, first.start, actors)
            if m.end <= trig.start
            and not (m.via == "demonym" and m.end < sent.end and doc[m.end].is_lower)
        ]
        previous = [c for c in state.candidates + found if c.type == "Accusation"]
        if not run or not previous:
            return
        claim = previous[-1]
        for m in run:
            make(
                "Accusation",
                m.actor,
                [t for t in claim.targets if t != m.actor],
                "endorsement",
                trig,
                _CONFIDENCE["reported-wrongdoing"] - 0.1,
                claim=claim.claim,
            )

    def _shelter(
        self,
        doc: Doc,
        sent: Span,
        trig: Span,
        agent: Mention,
        ms: list[Mention],
        make: Make,
        minted: Gazetteer,
    ) -> None:
        """ "He pointed out the sanctuaries that insurgents enjoy in Pakistan": the speaker accuses
        the state the shelter is in (the first state after "in" in the clause)."""
        own = self._side(agent, minted)
        for m in ms:
            if m.start < trig.end or doc[m.start - 1].lower_ != "in":
                continue
            if self._kind(m.actor, minted) == "State" and m.actor not in own:
                make(
                    "Accusation",
                    agent.actor,
                    [m.actor],
                    "shelter",
                    trig,
                    _CONFIDENCE["reported-wrongdoing"],
                    claim=_clause_text(doc, trig.start, sent.end),
                )
            return

    def _excuse(
        self,
        doc: Doc,
        sent: Span,
        trig: Span,
        agent: Mention,
        actors: list[Mention],
        state: _State,
        found: list[Candidate],
        make: Make,
        minted: Gazetteer,
    ) -> None:
        """ "The accusations are an attempt to cover the failure of the American mission": the
        speaker denies the claim and accuses whoever it says has failed — the actors named after
        the phrase, or (for "their/its failures") the accuser and the accuser's state."""
        before = len(found)
        self._denial(
            doc,
            sent,
            trig,
            agent,
            actors,
            state,
            found,
            make,
            _CONFIDENCE["dismissal"],
            minted,
            characterisation=trig.text,
        )
        for c in found[before:]:
            c.modality = "negated" if c.modality == "negated" else None  # "this might be …"
        own = self._side(agent, minted)
        named = [m.actor for m in actors if m.start >= trig.end and m.actor and m.actor not in own]
        targets = named[:1]
        if not targets:
            accuser, _ = self._accuser(doc, sent, agent, actors, state, found, minted)
            window = {t.lower_ for t in doc[trig.end : min(sent.end, trig.end + 4)]}
            if accuser is not None and window & {"their", "its", "his", "her"}:
                seen = [p for p in state.people if p.actor == accuser]
                side = self._state_of(accuser, minted) or (seen[-1].state if seen else None)
                targets = [accuser, *([side] if side else [])]
        targets = [t for t in dict.fromkeys(targets) if t and t not in own]
        if targets:
            made = make(
                "Accusation",
                agent.actor,
                targets,
                "excuse",
                trig,
                _CONFIDENCE["dismissal"] - 0.1,
                characterisation=trig.text,
                claim=_clause_text(doc, trig.start, sent.end),
            )
            if made is not None:
                made.modality = None

    def _accuser(
        self,
        doc: Doc,
        sent: Span,
        agent: Mention,
        actors: list[Mention],
        state: _State,
        found: list[Candidate],
        minted: Gazetteer,
    ) -> tuple[str | None, int | None]:
        """Whom ``agent`` answers: "remarks of X", else the latest accuser of the agent's side."""
        mine = self._side(agent, minted)
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
            if c.modality is not None:
                continue  # a negated or hypothetical accusation is nothing to deny
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
                if c.type == "Accusation" and c.agent not in mine and c.modality is None:
                    target = c.agent  # "X denied any role": the latest accuser in the article
                    responds = index if index < len(state.candidates) else None
                    break
        if target is None:
            for c in reversed(history[-6:]):  # "Moscow rejected the claims by X. Zakharova
                if c.type == "Denial" and c.targets and c.modality is None:  # called the
                    target = c.targets[0]  # reports fake": the same accuser, denied again
                    break
        if target is None:
            for c in reversed(history):
                if c.type in SPEECH_ACTS and c.agent not in mine:
                    target = c.agent
                    break
        return target, responds
