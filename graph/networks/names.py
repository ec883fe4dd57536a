"""Names: the form names are compared in, IRIs and CURIEs, display labels, and the name search
that :class:`graph.networks.ActorNetwork` answers ``resolve``, ``suggest`` and ``search`` with.

Plain functions over strings and over the index's name table; nothing here knows the records.
"""

from __future__ import annotations

import bisect
import difflib
import heapq
import unicodedata
from collections.abc import Sequence
from typing import Protocol

from graph.namespaces import PREFIXES

#: How long a ``short_label`` may be, in characters.
SHORT_LABEL_WIDTH = 32

#: normalised name → [(tier, actor, name as written)]; tier 0 id, 1 label, 2 alias.
NameTable = dict[str, list[tuple[int, int, str]]]


class Labelled(Protocol):
    """What the name search reads of an actor: its label."""

    @property
    def label(self) -> str: ...


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00a0": " "})


def normalise(name: str) -> str:
    """The form names are compared in: case-folded, typographic apostrophes straightened,
    whitespace collapsed, a leading "the " dropped.

    >>> normalise("  The  Kremlin ")
    'kremlin'
    >>> normalise("Putin\u2019s government") == normalise("putin's government")
    True
    """
    if not name.isascii():
        name = unicodedata.normalize("NFKC", name).translate(_APOSTROPHES)
    text = " ".join(name.casefold().split())
    return text[4:] if text.startswith("the ") else text


def local_name(iri: str) -> str:
    """The last segment of an IRI (after ``#``, ``/`` or ``:``).

    >>> local_name("https://w3id.org/actorgraph/ontology#accused"), local_name("https://w3id.org/actorgraph/id/actor/russia")
    ('accused', 'russia')
    """
    return iri[max(iri.rfind("/"), iri.rfind("#"), iri.rfind(":")) + 1 :]


def expand(curie: str) -> str | None:
    """``actor:russia`` or ``id:actor/russia`` as a full IRI, when the prefix is known.

    >>> expand("event:e1"), expand("https://example.org/x"), expand("nope:x")
    ('https://w3id.org/actorgraph/id/event/e1', None, None)
    """
    prefix, sep, rest = curie.partition(":")
    if sep and prefix in PREFIXES and not rest.startswith("//"):
        return PREFIXES[prefix] + rest
    return None


def short_label(label: str, width: int = SHORT_LABEL_WIDTH) -> str:
    """A display label of at most ``width`` characters: the part of ``label`` before a
    parenthesis, cut at a word boundary with an ellipsis when still too long.

    Labels of unnamed actors carry their source in parentheses and run long; the whole label
    stays in ``label``.

    >>> short_label("Afghan officials who claimed to have confiscated Russian arms in Kunduz (Anadolu Agency, 2016)")
    'Afghan officials who claimed to…'
    >>> short_label("Senior Afghan security official (Reuters, December 2016)")
    'Senior Afghan security official'
    >>> short_label("Russia"), short_label("(unnamed) spokesman")
    ('Russia', '(unnamed) spokesman')
    >>> short_label("Pneumonoultramicroscopicsilicovolcanoconiosis", 10)
    'Pneumonou…'
    """
    text = " ".join(label.split())
    before = text.split("(", 1)[0].rstrip(" ,;:-–—")
    if before:
        text = before
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    if cut[-1].isalnum() and text[width - 1].isalnum() and " " in cut:  # not inside a word
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-–—") + "…"


# ---------------------------------------------------------------------------- name search


def suggest_names(table: NameTable, actors: Sequence[Labelled], text: str, n: int) -> list[str]:
    """The names of ``table`` closest to ``text`` (labels and aliases as written; an id stands
    for its actor's label), for "did you mean"."""
    key = normalise(text)
    close = difflib.get_close_matches(key, table, n=n, cutoff=0.6)
    if not close and key:
        close = [k for k in table if key in k][:n]
    out: list[str] = []
    for k in close:
        tier, i, name = table[k][0]
        name = actors[i].label if tier == 0 else name
        if name not in out:
            out.append(name)
    return out


def closest_ids(ids: Sequence[tuple[str, str]], text: str, n: int) -> list[str]:
    """The IRIs whose local ids are closest to that of ``text``, in ``ids``, sorted
    ``(case-folded local id, IRI)`` pairs: a window of them around it, compared with difflib, so
    a typo after the first characters is found in microseconds at any size."""
    key = local_name(text.strip()).casefold()
    at = bisect.bisect_left(ids, (key,))
    window = ids[max(0, at - 50) : at + 50]
    close = difflib.get_close_matches(key, [k for k, _ in window], n=n, cutoff=0.6)
    by_id = dict(window)
    return [by_id[k] for k in close]


def rank_names(
    table: NameTable, actors: Sequence[Labelled], counts: Sequence[int], q: str, limit: int
) -> list[tuple[int, str, str, float]]:
    """The actors whose names match ``q``, best first, as ``(actor, name, how, score)``.

    An exact label (or local id) ranks before an exact alias, then names that start with ``q``
    (labels before aliases), then names that contain it, then close spellings; within a rank,
    actors with more events (``counts``) come first.
    """
    key = normalise(q)
    best: dict[int, tuple[int, float, str]] = {}

    def offer(i: int, rank: int, score: float, name: str) -> None:
        if i not in best or (rank, -score) < (best[i][0], -best[i][1]):
            best[i] = (rank, score, name)

    if not key:
        for i in range(len(actors)):
            offer(i, 6, 1.0, actors[i].label)
    else:
        for name_key, entries in table.items():
            if name_key == key:
                rank = 0
            elif name_key.startswith(key):
                rank = 2
            elif key in name_key:
                rank = 4
            else:
                continue
            score = len(key) / len(name_key)
            for tier, i, name in entries:
                offer(i, rank + (tier == 2), score, actors[i].label if tier == 0 else name)
        if len(best) < limit:
            for name_key in difflib.get_close_matches(key, table, n=limit, cutoff=0.6):
                score = difflib.SequenceMatcher(None, key, name_key).ratio()
                for tier, i, name in table[name_key]:
                    offer(i, 6, score, actors[i].label if tier == 0 else name)
    hows = (
        "label",
        "alias",
        "prefix",
        "prefix",
        "substring",
        "substring",
        "fuzzy" if key else "any",
    )
    order = heapq.nsmallest(
        limit,
        best.items(),
        key=lambda kv: (kv[1][0], -counts[kv[0]], -kv[1][1], actors[kv[0]].label),
    )
    return [(i, name, hows[rank], round(score, 3)) for i, (rank, score, name) in order]
