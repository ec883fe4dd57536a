"""Recognise actor mentions in a paragraph: gazetteer names, and actors the rules can propose.

spaCy's ``EntityRuler`` holds the gazetteer (multi-word names matched case-insensitively, single
words and acronyms with their case, so "US" is not "us" and "Dawn" is not "dawn"); plain Python over
the tokens adds what no list can hold:

* people with a title — "President X", "Gen. X", "spokesperson X", "US Secretary of State X" — and,
  once seen, their surname alone;
* unnamed officials and groups — "Afghan officials", "a senior Taliban official", "Russian
  officials", "Afghan officials in western Farah province" — a new ``Group`` (or an anonymous
  ``Person``) affiliated with the state of the demonym;
* a state's government under another name — "the Afghan government", "the new US administration";
* ministries with their state — "the Afghan Defense Ministry", "Russia's Foreign Ministry".

A mention of a capital or of a state after a preposition of place ("in Moscow", "to Afghanistan") is
marked as a place: it counts as a mention of the actor, but it never fills the agent or target of an
event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from spacy.language import Language
from spacy.pipeline import EntityRuler
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from graph.extract.gazetteer import Entry, Gazetteer, normalise, slug
from graph.extract.lexicon import (
    GROUP_HEADS,
    GROUP_MODIFIERS,
    LOCATION_PREPOSITIONS,
    PERSON_TITLES,
    SPEECH_VERBS,
    TITLE_WORDS,
)

__all__ = ["Mention", "Recogniser", "Via"]

Via = Literal[
    "name", "capital", "demonym", "title", "surname", "group", "government", "ministry", "coref"
]

_NAME_PARTICLES = frozenset({"al", "al-", "bin", "ibn", "de", "van", "von", "abu", "el"})
_GOVERNMENT = frozenset({"government", "administration", "authorities", "leadership", "cabinet"})
_MINISTRY_WORDS = frozenset(
    [
        "foreign",
        "defense",
        "defence",
        "interior",
        "finance",
        "justice",
        "economy",
        "economic",
        "affairs",
        "security",
        "intelligence",
    ]
)
_BODY_HEADS = {
    "committee": "GovernmentBody",
    "department": "GovernmentBody",
    "council": "GovernmentBody",
    "agency": "GovernmentBody",
    "parliament": "GovernmentBody",
    "senate": "GovernmentBody",
    "commission": "GovernmentBody",
    "office": "GovernmentBody",
    "army": "ArmedForce",
    "navy": "ArmedForce",
    "forces": "ArmedForce",
    "military": "ArmedForce",
}
_OF_TAIL = frozenset(
    {"countries", "states", "nations", "provinces", "foreign", "policy", "government", "and"}
)
_IN = frozenset({"in", "into", "across", "within", "throughout", "inside"})
_NOT_NAMES = frozenset(
    [
        "The",
        "A",
        "An",
        "In",
        "On",
        "At",
        "And",
        "But",
        "However",
        "Meanwhile",
        "Moreover",
        "According",
        "As",
        "After",
        "Before",
        "Since",
        "Until",
        "While",
        "When",
        "This",
        "That",
        "These",
        "Those",
        "It",
        "He",
        "She",
        "They",
        "We",
        "I",
        "His",
        "Her",
        "Its",
        "Their",
        "Our",
        "Responding",
        "Citing",
        "Asked",
        "Honestly",
        "Bilaterally",
        "Overall",
        "Instead",
        "Russia's",
    ]
)


@dataclass
class Mention:
    """An actor named in the text: token span in its paragraph and characters in the article."""

    start: int
    end: int
    char_start: int
    char_end: int
    text: str
    actor: str
    via: Via
    place: bool = False
    roles: frozenset[str] = field(default_factory=frozenset)  # title words seen with a person
    state: str | None = None  # a state named in the person's title
    affiliations: tuple[str, ...] = ()  # organisations and states named in the person's title
    subject: bool = False  # the subject of its clause, on a parse (whom "he" most likely means)


class Recogniser:
    """The gazetteer as an ``EntityRuler`` plus the rules of the module docstring."""

    def __init__(self, nlp: Language, gazetteer: Gazetteer) -> None:
        self.nlp = nlp
        self.gazetteer = gazetteer
        self.ruler = EntityRuler(nlp, phrase_matcher_attr="LOWER", overwrite_ents=True)
        patterns: list[dict[str, object]] = []
        self._demonyms: dict[str, str] = {}
        self._states_by_name: dict[str, str] = {}
        for e in gazetteer.entries.values():
            if not e.matchable:
                continue
            capitals = {normalise(c).lower() for c in e.capitals}
            for name in e.names:
                if normalise(name).lower() in capitals:
                    continue
                patterns.append(self._pattern(name, "ACTOR", e.id))
                if e.kind == "State":
                    self._states_by_name[normalise(name)] = e.id
            for name in e.capitals:
                patterns.append(self._pattern(name, "CAPITAL", e.id))
            for name in e.demonyms:
                patterns.append(self._pattern(name, "DEMONYM", e.id))
                self._demonyms[normalise(name)] = e.id
        self.ruler.add_patterns(patterns)  # type: ignore[arg-type]

    def _pattern(self, name: str, label: str, ident: str) -> dict[str, object]:
        words = [t.text for t in self.nlp.make_doc(normalise(name))]
        if len(words) == 1:
            variants = {words[0], words[0][:1].upper() + words[0][1:]}
            return {"label": label, "id": ident, "pattern": [{"ORTH": {"IN": sorted(variants)}}]}
        # case-insensitive, but a capitalised word of the name is not matched by a lower-case one
        # ("The Diplomat" is not "the diplomat")
        tokens: list[dict[str, object]] = [
            {"LOWER": w.lower(), "IS_LOWER": False} if w[:1].isupper() else {"LOWER": w.lower()}
            for w in words
        ]
        return {"label": label, "id": ident, "pattern": tokens}

    # ------------------------------------------------------------------ recognition
    def recognise(self, doc: Doc, offset: int, minted: Gazetteer) -> list[Mention]:
        """Mentions in ``doc`` (a paragraph starting at ``offset``); new actors go into ``minted``."""
        doc.user_data["ner"] = list(doc.ents)  # a trained pipeline's own entities, kept aside:
        doc.ents = []  # the gazetteer's names decide which actors are mentioned
        doc = self.ruler(doc)
        spans: list[Span] = list(doc.ents)
        spans.extend(self._titled_people(doc, minted))
        spans.extend(self._groups(doc, minted, offset))
        spans.extend(self._governments(doc))
        spans.extend(self._ministries(doc, minted))
        spans.extend(self._surnames(doc, minted))
        spans.extend(self._bodies(doc, minted))
        spans.extend(self._speakers(doc, minted, spans))
        spans.extend(self._named_people(doc, minted, spans))
        mentions = []
        for span in filter_spans(spans):
            if _inside_name(doc, span):
                continue
            via = str(span.label_)
            mention = Mention(
                span.start,
                span.end,
                offset + span.start_char,
                offset + span.end_char,
                span.text,
                span.ent_id_ if via in ("ACTOR", "CAPITAL", "DEMONYM") else span.kb_id_,
                _VIA.get(via, "name"),
            )
            self._context(doc, mention, minted)
            mention.subject = _is_subject(span)
            mentions.append(mention)
        return mentions

    def _context(self, doc: Doc, m: Mention, minted: Gazetteer) -> None:
        """Place or actor; for a person, the title words and state that come with the name."""
        entry = minted.entries.get(m.actor) or self.gazetteer.entries.get(m.actor)
        before = doc[m.start - 1].lower_ if m.start > 0 else ""
        before2 = doc[m.start - 2].lower_ if m.start > 1 else ""
        if (
            m.via == "capital"
            and (before in LOCATION_PREPOSITIONS or (before == "of" and before2 == "capital"))
        ) or (entry is not None and entry.kind == "State" and before in _IN):
            m.place = True
        if entry is None or entry.kind != "Person":
            return
        roles: set[str] = {t.lower_ for t in doc[m.start : m.end] if t.lower_ in TITLE_WORDS}
        state = entry.state
        affiliations: list[str] = []
        window_start = m.start
        i = m.start - 1
        while i >= 0 and m.start - i <= 8:
            tok = doc[i]
            low = tok.lower_
            if low in TITLE_WORDS:
                roles.add(low)
            elif low in ("'s", "of", "to", "for", "the", "and", "us", "u.s.", "u.s"):
                pass
            elif tok.ent_type_ in ("DEMONYM", "ACTOR") and tok.ent_id_:
                found = self.gazetteer.entries.get(tok.ent_id_)
                if found is not None and found.kind == "State" and state is None:
                    state = found.id
            elif not tok.is_title and not tok.is_upper:
                break
            window_start = i
            i -= 1
        for other in doc.ents:
            if (
                window_start <= other.start
                and other.end <= m.start
                and other.label_ in ("ACTOR", "DEMONYM")
            ):
                affiliations.append(str(other.ent_id_))
        for other in self._ministries(doc, Gazetteer()):
            if window_start <= other.start and other.end <= m.start:
                affiliations.insert(0, str(other.kb_id_))
        # apposition after the name: "Zamir Kabulov, Russia's Presidential Envoy to Afghanistan"
        if m.end < len(doc) and doc[m.end].text == ",":
            for tok in doc[m.end + 1 : m.end + 9]:
                if tok.text in (",", ".", ";"):
                    break
                if tok.lower_ in TITLE_WORDS:
                    roles.add(tok.lower_)
        m.roles = frozenset(roles)
        if state is None:
            for tok in doc[max(0, m.start - 8) : m.start]:
                if tok.ent_type_ in ("DEMONYM", "ACTOR", "CAPITAL") and tok.ent_id_:
                    found = self.gazetteer.entries.get(tok.ent_id_)
                    if found is not None and found.kind == "State":
                        state = found.id
        m.state = state
        m.affiliations = tuple(dict.fromkeys([*affiliations, *([state] if state else [])]))

    def _organisation_of(self, tok: Token) -> str | None:
        """A one-word capitalised name of a known non-state organisation ("Taliban", "NATO")."""
        if not tok.text[:1].isupper():
            return None
        entry = self.gazetteer.resolve(tok.text)
        if entry is None or entry.kind in ("State", "Person", "Group"):
            return None
        return entry.id

    def _state_of(self, token_text: str) -> str | None:
        text = normalise(token_text)
        return self._demonyms.get(text) or self._states_by_name.get(text)

    def _titled_people(self, doc: Doc, minted: Gazetteer) -> list[Span]:
        """``TITLE Name Surname``: a capitalised name after a title word is a person."""
        out: list[Span] = []
        i = 0
        known = {t.i for ent in doc.ents for t in ent}
        while i < len(doc):
            tok = doc[i]
            if tok.lower_ not in PERSON_TITLES:
                i += 1
                continue
            j = i + 1
            # skip the rest of a title: "Secretary of State", "Minister for Foreign Affairs"
            while j < len(doc) and (
                doc[j].lower_ in TITLE_WORDS or doc[j].lower_ in ("of", "for", "affairs")
            ):
                j += 1
            if j + 1 < len(doc) and doc[j].text == "," and doc[j + 1].is_title:
                j += 1  # "Its spokesperson, Sana Qureshi"
            if j + 1 < len(doc) and doc[j].lower_ in ("to", "for", "in") and doc[j + 1].i in known:
                j += 1
                while j < len(doc) and j in known:
                    j += 1
                if j < len(doc) and doc[j].text == ",":
                    j += 1
            k = j
            while (
                k < len(doc)
                and k - j < 4
                and k not in known
                and (
                    (doc[k].is_title and doc[k].is_alpha and doc[k].text not in _NOT_NAMES)
                    or doc[k].lower_ in _NAME_PARTICLES
                    or (
                        len(doc[k].text) == 2 and doc[k].text[0].isupper() and doc[k].text[1] == "."
                    )
                )
            ):
                k += 1
            if k > j and doc[k - 1].lower_ not in _NAME_PARTICLES:
                name = " ".join(t.text for t in doc[j:k])
                words = name.split()
                if len(words) >= 2 or tok.lower_ in PERSON_TITLES:
                    found = self.gazetteer.resolve(name) or minted.resolve(name)
                    if found is not None:
                        out.append(Span(doc, j, k, label="ACTOR", kb_id=found.id))
                    else:
                        entry = minted.add(
                            Entry(
                                id=slug(name),
                                kind="Person",
                                label=name,
                                names=(name,),
                                source="new",
                            )
                        )
                        out.append(Span(doc, j, k, label="TITLE", kb_id=entry.id))
                i = k
            else:
                i = j
        return out

    def _named_people(self, doc: Doc, minted: Gazetteer, known: list[Span]) -> list[Span]:
        """A trained pipeline's PERSON names (first and last name at least) that no other rule
        read: "Maria Zakharova called the reports fake news" names a person the graph may not
        know yet. Names of one word stay unread: a surname alone is resolved by the other rules."""
        taken = {t.i for span in known for t in span}
        out: list[Span] = []
        for ent in doc.user_data.get("ner", []):
            if ent.label_ != "PERSON" or any(t.i in taken for t in ent):
                continue
            words = [t for t in ent if t.is_alpha and t.is_title]
            if len(words) < 2 or len(words) != len([t for t in ent if not t.is_punct]):
                continue
            out.append(self._mint_person(doc, ent.start, ent.end, minted, "TITLE"))
        return out

    def _mint_person(self, doc: Doc, start: int, end: int, minted: Gazetteer, label: str) -> Span:
        name = doc[start:end].text
        found = self.gazetteer.resolve(name) or minted.resolve(name)
        if found is not None:
            return Span(doc, start, end, label="ACTOR", kb_id=found.id)
        entry = minted.add(
            Entry(id=slug(name), kind="Person", label=name, names=(name,), source="new")
        )
        return Span(doc, start, end, label=label, kb_id=entry.id)

    def _speakers(self, doc: Doc, minted: Gazetteer, known: list[Span]) -> list[Span]:
        """A capitalised name right before a verb of saying, or before ", TITLE": a new speaker.

        "The Daily Beast reported" → a news organisation; "Asif Durrani said", "Alexander X,
        Russian ambassador" → a person.
        """
        taken = {t.i for span in known for t in span}
        out: list[Span] = []
        for tok in doc:
            after = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
            speech = tok.lower_ in SPEECH_VERBS
            appos = (
                tok.text == ","
                and after is not None
                and (after.lower_ in PERSON_TITLES or self._state_of(after.text) is not None)
            )
            if not (speech or appos) or tok.i == 0:
                continue
            k = tok.i
            while k > 0 and k - 1 not in taken and doc[k - 1].is_title and doc[k - 1].is_alpha:
                k -= 1
                if tok.i - k >= 4:
                    break
            while k < tok.i and doc[k].text in _NOT_NAMES:
                k += 1
            if tok.i - k < 1 or any(doc[x].lower_ in TITLE_WORDS for x in range(k, tok.i)):
                continue
            the = k > 0 and doc[k - 1].lower_ == "the" and k - 1 not in taken
            if the and speech and tok.lower_ in ("reported", "reports", "wrote", "noted"):
                name = doc[k - 1 : tok.i].text
                found = self.gazetteer.resolve(name) or minted.resolve(name)
                entry = found or minted.add(
                    Entry(
                        id=slug(name),
                        kind="NewsOrganisation",
                        label=name,
                        names=(name,),
                        source="new",
                    )
                )
                out.append(Span(doc, k - 1, tok.i, label="SPEAKER", kb_id=entry.id))
            elif tok.i - k >= 2 and not the:
                out.append(self._mint_person(doc, k, tok.i, minted, "SPEAKER"))
        return out

    def _bodies(self, doc: Doc, minted: Gazetteer) -> list[Span]:
        """``(the) DEMONYM|STATE Title Words HEAD``: a government body or armed force of a state.

        "US Senate Armed Services Committee", "the Tajik Army", "the Russian army".
        """
        out: list[Span] = []
        for tok in doc:
            kind = _BODY_HEADS.get(tok.lower_)
            if kind is None or tok.i == 0:
                continue
            if not tok.is_title and tok.lower_ not in ("army", "navy", "forces", "military"):
                continue
            i = tok.i - 1
            while (
                i >= 0 and doc[i].is_title and self._state_of(doc[i].text) is None and tok.i - i < 6
            ):
                i -= 1
            if i > 0 and doc[i].lower_ == "'s" and i < tok.i - 1:
                i -= 1  # "Pakistan's Foreign Office"
            if i < 0 or self._state_of(doc[i].text) is None:
                continue
            state = self._state_of(doc[i].text)
            label = doc[i : tok.i + 1].text
            found = self.gazetteer.resolve(label) or minted.resolve(label)
            entry = found or minted.add(
                Entry(
                    id=slug(label),
                    kind=kind,
                    label=label,
                    names=(label,),
                    state=state,
                    source="new",
                )
            )
            out.append(Span(doc, i, tok.i + 1, label="BODY", kb_id=entry.id))
        return out

    def _surnames(self, doc: Doc, minted: Gazetteer) -> list[Span]:
        """The surname alone of a person minted earlier in the article ("Tillerson")."""
        by_surname = {
            e.label.split()[-1]: e.id
            for e in minted.entries.values()
            if e.kind == "Person" and e.source == "new" and len(e.label.split()) >= 2
        }
        return [
            Span(doc, t.i, t.i + 1, label="SURNAME", kb_id=by_surname[t.text])
            for t in doc
            if t.text in by_surname
        ]

    def _groups(self, doc: Doc, minted: Gazetteer, offset: int) -> list[Span]:
        """``(a|some)? MODIFIERS* DEMONYM (and DEMONYM)* MODIFIERS* HEAD (in … province)?``."""
        out: list[Span] = []
        for head in doc:
            kind = GROUP_HEADS.get(head.lower_)
            if kind is None:
                continue
            i = head.i - 1
            states: list[str] = []
            bodies: list[str] = []  # "a senior Taliban official": an organisation qualifies it
            while i >= 0 and (
                doc[i].lower_ in GROUP_MODIFIERS
                or self._state_of(doc[i].text) is not None
                or self._organisation_of(doc[i]) is not None
            ):
                state = self._state_of(doc[i].text)
                if state is not None:
                    states.append(state)
                elif (body := self._organisation_of(doc[i])) is not None:
                    bodies.append(body)
                i -= 1
            start = i + 1
            if not states and not bodies:
                span = self._of_group(doc, head, i)
                if span is not None:
                    entry = minted.add(
                        Entry(
                            id=slug(span.text),
                            kind="Group",
                            label=span.text[:1].upper() + span.text[1:],
                            names=(span.text,),
                            source="new",
                        )
                    )
                    out.append(Span(doc, span.start, span.end, label="GROUP", kb_id=entry.id))
                continue
            while start < head.i and doc[start].text in (",", "and"):
                start += 1
            determiner = doc[i].lower_ if i >= 0 else ""
            if kind == "Person" and determiner not in ("a", "an", "one", "another"):
                continue  # "the Russian envoy" is a description: coreference resolves it
            if determiner in ("a", "an", "some", "one", "another"):
                start = i
            end = head.i + 1
            # "… officials in (the) (restive) (northern) Farah province"
            if end + 1 < len(doc) and doc[end].lower_ == "in":
                k = end + 1
                while k < len(doc) and k - end <= 5 and doc[k].lower_ != "province":
                    k += 1
                if k < len(doc) and doc[k].lower_ == "province":
                    end = k + 1
            span = Span(doc, start, end)
            label = span.text
            state = states[0] if len(set(states)) == 1 else None
            ident = slug(label)
            entry = minted.add(
                Entry(
                    id=ident,
                    kind="Group" if kind == "Group" else "Person",
                    label=label[:1].upper() + label[1:],
                    names=(label,),
                    state=state,
                    source="new",
                    anonymous=kind == "Person",
                    # the states of the demonyms (or the organisation), for meetings
                    demonyms=tuple(states or bodies),
                )
            )
            out.append(Span(doc, start, end, label="GROUP", kb_id=entry.id))
        return out

    def _of_group(self, doc: Doc, head: Token, i: int) -> Span | None:
        """``(the) MODIFIERS* HEADS of Title Case words (countries)``: "the foreign ministers of
        Central Asian countries", "Critics of Russian foreign policy"."""
        if GROUP_HEADS.get(head.lower_) != "Group" or head.i + 2 >= len(doc):
            return None
        if doc[head.i + 1].lower_ != "of" or not doc[head.i + 2].is_title:
            return None
        k = head.i + 2
        while k < len(doc) and k - head.i <= 6 and (doc[k].is_title or doc[k].lower_ in _OF_TAIL):
            k += 1
        while k > head.i + 2 and doc[k - 1].lower_ in ("the", "and"):
            k -= 1
        start = i + 1
        if i >= 0 and doc[i].lower_ == "the":
            start = i
        if start == head.i and not head.is_title and start != 0:
            return None  # a bare lower-case "officials of X" inside a sentence: too vague
        return Span(doc, start, k)

    def _governments(self, doc: Doc) -> list[Span]:
        """``(the)? (new)? DEMONYM|STATE government|administration|authorities`` → the state."""
        out = []
        for tok in doc:
            if tok.lower_ not in _GOVERNMENT or tok.i == 0:
                continue
            i = tok.i - 1
            if doc[i].lower_ in ("new", "current", "central", "federal"):
                i -= 1
            if i < 0:
                continue
            state = self._state_of(doc[i].text)
            if state is None:
                continue
            start = i - 1 if i > 0 and doc[i - 1].lower_ == "the" else i
            out.append(Span(doc, start, tok.i + 1, label="GOVERNMENT", kb_id=state))
        return out

    def _ministries(self, doc: Doc, minted: Gazetteer) -> list[Span]:
        """``(the)? DEMONYM|STATE('s)? Foreign|Defense|… Ministry`` → a government body."""
        out = []
        for tok in doc:
            if tok.lower_ != "ministry" or tok.i < 2:
                continue
            i = tok.i - 1
            words: list[str] = []
            while i >= 0 and doc[i].lower_ in _MINISTRY_WORDS:
                words.insert(0, doc[i].text)
                i -= 1
            if not words or i < 0:
                continue
            if doc[i].lower_ == "'s":
                i -= 1
            state = self._state_of(doc[i].text) if i >= 0 else None
            if state is None:
                continue
            topic = " ".join(words)
            topic = "Foreign Affairs" if topic.lower() == "foreign" else topic
            label = f"Ministry of {topic} of {self.gazetteer.entries[state].label}"
            found = self.gazetteer.resolve(Span(doc, i, tok.i + 1).text) or self.gazetteer.resolve(
                label
            )
            ident = found.id if found is not None else slug(label)
            if found is None:
                minted.add(
                    Entry(
                        id=ident,
                        kind="GovernmentBody",
                        label=label,
                        names=(Span(doc, i, tok.i + 1).text,),
                        state=state,
                        source="new",
                    )
                )
            out.append(Span(doc, i, tok.i + 1, label="MINISTRY", kb_id=ident))
        return out


def _inside_name(doc: Doc, span: Span) -> bool:
    """``Times of India``, ``Bank of China``: a place name closing another proper name."""
    if span.label_ not in ("ACTOR", "CAPITAL") or span.start < 2:
        return False
    of, word = doc[span.start - 1], doc[span.start - 2]
    return (
        of.lower_ == "of"
        and word.is_title
        and word.lower_ not in TITLE_WORDS
        and word.ent_type_ == ""
        and word.lower_ not in ("republic", "government", "people", "state", "capital")
    )


_VIA: dict[str, Via] = {
    "ACTOR": "name",
    "CAPITAL": "capital",
    "DEMONYM": "demonym",
    "TITLE": "title",
    "SURNAME": "surname",
    "GROUP": "group",
    "GOVERNMENT": "government",
    "MINISTRY": "ministry",
    "SPEAKER": "title",
    "BODY": "ministry",
}


def _is_subject(span: Span) -> bool:
    """Whether a name is its sentence's subject (of the main clause), or in apposition to it
    ("The envoy, Zamir Kabulov, said"); False without a parse."""
    if not span.doc.has_annotation("DEP"):
        return False
    root = span.root
    while root.dep_ in ("appos", "compound", "conj") and root.head is not root:
        root = root.head
    return root.dep_ in ("nsubj", "nsubjpass") and root.head.dep_ == "ROOT"  # the main clause's
