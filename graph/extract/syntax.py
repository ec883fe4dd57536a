"""What the dependency parse says about a trigger: its clause's negation and modality, its
subject and its objects — when the pipeline has a parser (graph/extract/pipeline.py).

Why a module of its own: the word-order rules (:mod:`graph.extract.clauses`) guess a clause from
punctuation and look for "not" in a window before the trigger, so "Nicholson, who did not attend
the meeting, accused Russia" reads as a negated accusation and "offered to host talks" as a
meeting. On a parse, negation belongs to the verb it modifies, an offer governs the talks it
offers, and the accuser is the accusing verb's subject. Each function answers ``None`` when the
document has no parse or the parse does not say, and the caller falls back to word order.
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Doc, Span, Token

from graph.extract.lexicon import NEGATIONS, TITLE_WORDS
from graph.extract.mentions import Mention

__all__ = [
    "NO_EVENT",
    "aid_to",
    "clause_modality",
    "dismissals",
    "has_parse",
    "mention_at",
    "participations",
    "passive_agents",
    "syntactic_objects",
    "syntactic_subject",
    "verb_of",
]

#: ``clause_modality``'s answer when the trigger names no event of its own: the talks an actor
#: offers to host, the denial it refuses to make.
NO_EVENT = "no-event"

_MODALS = {"could": "hypothetical", "might": "hypothetical", "may": "hypothetical",
           "would": "hypothetical", "should": "hypothetical"}  # fmt: skip
_CONDITIONS = {"if", "unless", "whether"}
#: Verbs and adjectives whose complement is not (yet) an act: "offered to host talks", "is ready
#: to meet", "wants to invite"
_PROSPECTIVE = {
    "offer", "propose", "plan", "want", "hope", "seek", "try", "ready", "willing", "prepare",
    "prepared", "intend", "aim", "expect", "agree", "suggest", "consider", "able", "eager",
}  # fmt: skip
_REFUSING = {"refuse", "decline", "fail", "reluctant", "unwilling"}
_MEETINGS = {"Meeting", "Conference", "PhoneCall"}
#: Charges: made when said, whatever condition their content carries (seeds/README.md, rule 8)
_CHARGES = {"Accusation", "Criticism", "WRONGDOING", "CRITIQUE"}
#: Speech acts: what they report is said now, whatever it says of the future
_SAID = {"Accusation", "Denial", "Criticism", "Statement", "WRONGDOING", "DISMISSAL", "CRITIQUE"}


def has_parse(doc: Doc) -> bool:
    return doc.has_annotation("DEP")


def verb_of(trig: Span) -> Token:
    """The verb that carries a trigger: itself, or the verb a trigger noun is the object or
    subject of ("held talks" → held, "talks were held" → held)."""
    t = trig.root
    if t.pos_ in ("NOUN", "PROPN") and t.dep_ in ("dobj", "nsubjpass", "nsubj", "attr"):
        return t.head
    return t


def _chain(v: Token) -> list[Token]:
    """``v`` and the verbs (or adjectives) it is the open complement of: "refused to deny"."""
    out = [v]
    while out[-1].dep_ in ("xcomp", "acomp") or (
        out[-1].dep_ == "conj" and out[-1].head.pos_ in ("VERB", "AUX")
    ):
        out.append(out[-1].head)
        if len(out) > 6:
            break
    return out


def clause_modality(doc: Doc, trig: Span, etype: str, *, indirect: bool) -> str | None:
    """``"negated"``, ``"hypothetical"``, ``NO_EVENT`` or ``""`` (asserted), from the trigger's
    own clause; None without a parse. ``indirect``: the trigger is in reported speech, where
    "would" is the reporting tense, not a condition."""
    if not has_parse(doc):
        return None
    v = verb_of(trig)
    noun = trig.root if trig.root is not v else None
    chain = _chain(v)
    if noun is not None and any(
        c.dep_ == "det" and c.lower_ in ("no", "any") for c in noun.children
    ):
        return "negated" if any(c.lower_ == "no" for c in noun.children) else "hypothetical"
    for k, verb in enumerate(chain):
        lemma = verb.lemma_.lower()
        if k > 0 and lemma in _REFUSING:
            return NO_EVENT if etype in ("Denial", "Statement") else "negated"
        if k > 0 and lemma in _PROSPECTIVE and etype in _MEETINGS:
            return NO_EVENT  # "offered to host talks": an offer, read as such by its own trigger
        if any(
            c.dep_ == "neg" or (c.lower_ in NEGATIONS and c.dep_ == "advmod") for c in verb.children
        ):
            return "negated"
        if etype in _CHARGES:
            continue  # "said Russia would be violating …": a charge made; its condition is the claim's
        for c in verb.children:
            if c.dep_ == "aux" and c.lower_ in _MODALS and not (indirect and c.lower_ == "would"):
                return "hypothetical"
            if c.dep_ == "mark" and c.lower_ in _CONDITIONS and verb.dep_ == "advcl":
                return "hypothetical"
        if verb.dep_ == "advcl" and any(c.lower_ in _CONDITIONS for c in verb.children):
            return "hypothetical"
        if k > 0 and lemma in _PROSPECTIVE and etype not in _SAID:
            return "hypothetical"  # "wants to invite": not yet; "trying to undermine" is a charge
    return ""


def mention_at(token: Token, actors: Iterable[Mention]) -> Mention | None:
    """The actor a noun phrase headed by ``token`` names: the mention covering the head, else
    one inside its phrase (a person in apposition first: "Russia's envoy, Zamir Kabulov"), never
    one inside a relative clause or a prepositional phrase of it."""
    actors = [m for m in actors if m.actor]
    for m in actors:
        if m.start <= token.i < m.end:
            return m
    phrase = _phrase_of(token)
    found = [m for m in actors if all(i in phrase for i in range(m.start, m.end))]
    people = [m for m in found if any(t.dep_ == "appos" for t in token.doc[m.start : m.end])]
    if people:
        return people[0]
    wide = _phrase_of(token, keep_prep=True)
    apposed = [
        m
        for m in actors
        if all(i in wide for i in range(m.start, m.end))
        and any(t.dep_ == "appos" for t in token.doc[m.start : m.end])
    ]
    if apposed:  # "Russia's envoy for Afghanistan, Zamir Kabulov": the person after the title
        return apposed[0]
    if token.lower_ in TITLE_WORDS:  # "Envoy to Afghanistan Zamir Kabulov": the name after it
        after = [
            m for m in actors if m.start > token.i and all(i in wide for i in range(m.start, m.end))
        ]
        if len(after) > 1:
            return after[-1]
    if found and token.pos_ in ("NOUN",) and token.lower_ not in _COLLECTIVE:
        named = [m for m in found if m.via not in ("demonym",)]
        if named and named[0] is not found[0]:
            return named[0]
    return found[0] if found else None


#: Heads whose own actor is the group, not the state that qualifies them ("Russian officials")
_COLLECTIVE = {"officials", "diplomats", "forces", "troops", "authorities", "government"}


def _phrase_of(token: Token, *, keep_prep: bool = False) -> set[int]:
    """The token indices of the noun phrase ``token`` heads, without its relative clauses (and,
    unless ``keep_prep``, its prepositional phrases)."""
    skip = {"relcl", "acl", "advcl"} | (set() if keep_prep else {"prep"})
    inside: set[int] = set()
    stack = [token]
    while stack:
        t = stack.pop()
        inside.add(t.i)
        stack.extend(c for c in t.children if c.dep_ not in skip)
    return inside


def syntactic_subject(trig: Span, actors: list[Mention]) -> Mention | None:
    """Who does what the trigger says: the subject of its verb (through "refused to", "is ready
    to", coordinated verbs), or the "by" agent of a passive."""
    if not has_parse(trig.doc):
        return None
    for verb in _chain(verb_of(trig)):
        for c in verb.children:
            if c.dep_ == "agent":
                for p in c.children:
                    if p.dep_ == "pobj":
                        return mention_at(p, actors)
        for c in verb.children:
            if c.dep_ in ("nsubj", "csubj"):
                if c.lower_ in ("who", "which", "that") and verb.dep_ == "relcl":
                    return mention_at(verb.head, actors)  # "The US, which has accused Pakistan"
                return mention_at(c, actors)
            if c.dep_ == "nsubjpass":
                return None  # "Moscow has been accused": the subject is the target
    return None


def passive_agents(trig: Span, actors: list[Mention]) -> list[Mention]:
    """Every "by" agent of a passive trigger: "accused by Kabul and Washington"."""
    if not has_parse(trig.doc):
        return []
    out: list[Mention] = []
    for c in trig.root.children:
        if c.dep_ == "agent":
            for p in c.children:
                if p.dep_ == "pobj":
                    for t in [p, *_conjuncts(p)]:
                        m = mention_at(t, actors)
                        if m is not None and m not in out:
                            out.append(m)
    return out


def syntactic_objects(
    trig: Span, actors: list[Mention], preps: Iterable[str] = ()
) -> list[Mention]:
    """The actors the trigger's verb acts on: its direct object and those coordinated with it,
    or the objects of the given prepositions ("met with X and Y")."""
    if not has_parse(trig.doc):
        return []
    verb = verb_of(trig)
    heads: list[Token] = [c for c in verb.children if c.dep_ in ("dobj", "dative")]
    if trig.root is not verb:
        heads = []  # a noun trigger ("held talks with X"): the prepositions say who
    wanted = set(preps)
    for holder in (verb, trig.root):
        for c in holder.children:
            if c.dep_ == "prep" and c.lower_ in wanted:
                heads += [p for p in c.children if p.dep_ == "pobj"]
    out: list[Mention] = []
    for head in heads:
        for t in [head, *_conjuncts(head)]:
            m = mention_at(t, actors)
            if m is not None and m not in out:
                out.append(m)
    return out


def _conjuncts(t: Token) -> list[Token]:
    out = []
    stack = [c for c in t.children if c.dep_ == "conj"]
    while stack:
        c = stack.pop(0)
        out.append(c)
        stack.extend(x for x in c.children if x.dep_ == "conj")
    return out


#: Verbs of taking part in a gathering: "X, Y and Z attended the talks", "took part in", "joined".
_TAKING_PART = {"attend", "participate", "join"}
_GATHERINGS = {"talks", "talk", "meeting", "consultation", "consultations", "conference", "summit",
               "negotiation", "negotiations", "round", "session", "forum", "gathering"}  # fmt: skip


def participations(sent: Span, actors: list[Mention]) -> list[tuple[Token, list[Mention], str]]:
    """Gatherings the sentence says actors took part in, with every actor named among those who
    did: "Representatives of Russia, China and Pakistan attended the talks", "Delegations from
    eleven countries, including Russia and Iran, took part in the consultations", "The conference
    brought together officials from X and Y". Each is (the verb, the participants, the type:
    Conference for a conference or summit, else Meeting)."""
    if not has_parse(sent.doc):
        return []
    out = []
    for v in sent:
        lemma = v.lemma_.lower()
        gathering: Token | None = None
        people: list[Token] = []
        if lemma in _TAKING_PART or (
            lemma == "take" and any(c.lower_ == "part" for c in v.children)
        ):
            people = [c for c in v.children if c.dep_ in ("nsubj",)]
            objects = [c for c in v.children if c.dep_ == "dobj" and c.lower_ != "part"]
            objects += [
                p for c in v.children if c.dep_ == "prep" and c.lower_ in ("in", "at")
                for p in c.children if p.dep_ == "pobj"
            ]  # fmt: skip
            gathering = next(
                (o for o in objects if o.lemma_.lower() in _GATHERINGS or o.lower_ in _GATHERINGS),
                None,
            )
        elif lemma == "bring" and any(c.lower_ == "together" for c in v.children):
            people = [c for c in v.children if c.dep_ == "dobj"]
            gathering = next((c for c in v.children if c.dep_ == "nsubj"), None)
            if gathering is not None and gathering.lemma_.lower() not in _GATHERINGS:
                gathering = None
        if gathering is None or not people:
            continue
        inside = {t.i for p in people for t in _phrase(p)}
        found: list[Mention] = []
        for m in actors:  # where it met: "a conference … in Moscow" (its host, a participant)
            here = {t.i for t in gathering.subtree} | {
                t.i for c in v.children if c.dep_ == "prep" for t in c.subtree
            }
            if m.actor and m.place and all(i in here for i in range(m.start, m.end)):
                found.append(m)
        for m in actors:
            inside_phrase = all(i in inside for i in range(m.start, m.end))
            if m.actor and not m.place and inside_phrase and all(f.actor != m.actor for f in found):
                found.append(m)
        found.sort(key=lambda m: (m.place, m.start))  # those who took part first, then the host
        if len(found) >= 2:
            kind = (
                "Conference"
                if gathering.lemma_.lower() in ("conference", "summit", "forum")
                else "Meeting"
            )
            out.append((v, found, kind))
    return out


def _phrase(t: Token) -> list[Token]:
    """A noun phrase without its relative clauses: "Delegations from X, including Y"."""
    out, stack = [], [t]
    while stack:
        x = stack.pop()
        out.append(x)
        stack.extend(c for c in x.children if c.dep_ not in ("relcl", "acl"))
    return out


#: Verbs that, said of claims, deny them: "called the reports fake news", "rejected Nicholson's
#: claims", "dismissed the allegations as nonsense", "brushed aside the charges".
_DISMISSING = {"call", "describe", "dismiss", "brand", "label", "reject", "refute", "rebuff",
               "denounce", "term", "deride", "ridicule", "deny"}  # fmt: skip
_CALLING = {"call", "describe", "brand", "label", "term"}


def dismissals(
    sent: Span, claim_nouns: frozenset[str], dismissive: Iterable[str]
) -> list[tuple[Token, Token]]:
    """Verbs whose object is a claim, an allegation, an accusation or a report — "rejected the
    claims", "a charge the embassy rejected" — as (verb, claim). Calling or describing a claim
    denies it only as something ``dismissive`` ("called the reports fake"): "described the
    accusations as part of a campaign" accuses instead."""
    if not has_parse(sent.doc):
        return []
    words = {w.lower() for w in dismissive}
    out = []
    for v in sent:
        lemma = v.lemma_.lower()
        if lemma not in _DISMISSING or v.pos_ != "VERB":
            continue
        claims = [
            c for c in v.children
            if c.dep_ == "dobj" and (c.lower_ in claim_nouns or c.lemma_.lower() in claim_nouns)
        ]  # fmt: skip
        head = v.head
        if v.dep_ == "relcl" and (head.lower_ in claim_nouns or head.lemma_.lower() in claim_nouns):
            claims.append(head)  # "a charge the American embassy rejected as baseless"
        if lemma in _CALLING:
            said = " ".join(t.lower_ for t in v.subtree if t.i > v.i)
            if not any(w in said for w in words):
                continue
        out += [(v, c) for c in claims]
    return out


#: Helping an armed group, the wrongdoing most charges here are about: "Russia has been supplying
#: night-vision equipment to Taliban units", "Iran is arming the Taliban", "helped the insurgents".
_AIDING = {"supply", "arm", "equip", "fund", "finance", "train", "shelter", "harbour", "harbor",
           "help", "aid", "assist", "back", "sponsor", "deliver", "send", "provide", "smuggle"}  # fmt: skip


def aid_to(sent: Span, actors: list[Mention], armed: set[str]) -> list[tuple[Token, Mention]]:
    """(verb, who) for every verb of aiding whose beneficiary is an armed group (one of
    ``armed``): its direct object, or the object of "to" or "with"."""
    if not has_parse(sent.doc):
        return []
    out = []
    for v in sent:
        if v.pos_ != "VERB" or v.lemma_.lower() not in _AIDING:
            continue
        helped = [c for c in v.children if c.dep_ in ("dobj", "dative")]
        helped += [
            p for c in v.children if c.dep_ == "prep" and c.lower_ in ("to", "for")
            for p in c.children if p.dep_ == "pobj"
        ]  # fmt: skip
        beneficiary = [m for t in helped if (m := mention_at(t, actors)) is not None]
        if not any(m.actor in armed for m in beneficiary):
            continue
        doer = syntactic_subject(sent.doc[v.i : v.i + 1], actors)
        if doer is not None and doer.actor and doer.actor not in armed:
            out.append((v, doer))
    return out
