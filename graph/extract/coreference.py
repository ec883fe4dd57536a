"""Coreference: he/she and descriptions (the Russian envoy) resolved to people."""

from __future__ import annotations

from spacy.tokens import Doc, Span

from graph.extract.clauses import (
    _PRONOUNS,
    _last,
)
from graph.extract.gazetteer import Gazetteer
from graph.extract.lexicon import (
    DESCRIPTION_HEADS,
)
from graph.extract.mentions import Mention
from graph.extract.reading import (
    ReaderBase,
    _State,
)


class CoreferenceRules(ReaderBase):
    """Coreference: he/she and descriptions (the Russian envoy) resolved to people."""

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
                subjects = list(dict.fromkeys(p.actor for p in previous if p.subject))
                if earlier:
                    target = earlier[-1]
                elif len(named_before) == 1:
                    target = next(p for p in reversed(previous) if p.actor == named_before[0])
                elif len(subjects) == 1:  # "Lavrov met Tillerson. He said …": the subject
                    target = next(p for p in reversed(previous) if p.actor == subjects[0])
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
