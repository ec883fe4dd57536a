"""Clause helpers of the event rules: where a clause starts and ends, its subject, its objects,
what an attribution reports, quotations and coordination (word order only; no parser)."""

from __future__ import annotations

from spacy.tokens import Doc, Span, Token

from graph.extract.lexicon import (
    SPEECH_VERBS,
)
from graph.extract.mentions import Mention

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


def _attributed(doc: Doc, sent: Span, m: Mention) -> bool:
    """``reports the Times of India, Russia, …``: ``m`` is the source of a report, not a subject."""
    if m.end >= sent.end or doc[m.end].text != ",":
        return False  # "said Moscow had held talks": Moscow is the subject of what was said
    k = m.start - 1
    if k >= sent.start and doc[k].lower_ == "the":
        k -= 1
    if k < sent.start:
        return False
    if doc[k].lower_ in SPEECH_VERBS:
        return True
    return doc[k].lower_ == "to" and k > sent.start and doc[k - 1].lower_ == "according"


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
    while k < sent.end and doc[k].lower_ in ("that", ",", ":", "on", "out", "thursday", "friday"):
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


def _clause_subject(doc: Doc, i: int, options: list[Mention], floor: int) -> Mention | None:
    """The first of ``options`` in the clause of token ``i`` (from ``floor`` or a clause word)."""
    k = i - 1
    while k > floor and doc[k].lower_ not in _CLAUSE_STOP and doc[k].lower_ != "that":
        k -= 1
    inside = [m for m in options if k <= m.start and m.end <= i]
    return inside[0] if inside else None


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


def _title_gap(gap: list[Token]) -> bool:
    """ ", EU Representative for Foreign Affairs ", ", and US Under Secretary of State ": a list
    item that is a capitalised title (with "for"/"of") before the next name."""
    if len(gap) < 2 or gap[0].text != "," or len(gap) > 9:
        return False
    rest = gap[2:] if gap[1].lower_ == "and" else gap[1:]
    return (
        bool(rest)
        and (rest[0].is_title or rest[0].is_upper)
        and all(t.is_title or t.is_upper or t.lower_ in ("for", "of", "the", ".") for t in rest)
    )


def _coordination(gap: list[Token]) -> bool:
    """Whether the tokens between two actors join them: ", ", " and ", " and his Afghan counterpart "."""
    words = [t.lower_ for t in gap]
    if all(w in _COORD for w in words):
        return True
    joins = {",", "and", "or"} & set(words)
    if _title_gap(gap):
        return True
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
    [
        "dismissed",
        "dismisses",
        "rejected",
        "rejects",
        "called",
        "calls",
        "described",
        "describes",
        "branded",
        "brands",
        "termed",
        "labelled",
        "labeled",
    ]
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
