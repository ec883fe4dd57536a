"""Content negotiation: which of the formats we offer does the client's ``Accept`` prefer?

A pure function, so it is tested on its own. RFC 9110 §12.5.1: each offer gets the quality of the
most specific media range that matches it (``type/subtype`` > ``type/*`` > ``*/*``); the offer
with the highest quality wins, ties go to the server's order, quality 0 means "not this".

>>> negotiate("text/csv;q=0.5, application/sparql-results+xml", ["application/sparql-results+json",
...           "application/sparql-results+xml", "text/csv"])
'application/sparql-results+xml'
>>> negotiate(None, ["text/turtle", "application/n-triples"])
'text/turtle'
>>> negotiate("image/png", ["text/turtle"]) is None
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["MediaRange", "negotiate", "parse_accept"]


@dataclass(frozen=True)
class MediaRange:
    """One entry of an ``Accept`` header."""

    type: str
    subtype: str
    q: float

    @property
    def specificity(self) -> int:
        if self.type == "*":
            return 0
        return 1 if self.subtype == "*" else 2

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        return self.type in ("*", main) and self.subtype in ("*", sub)


def parse_accept(header: str) -> list[MediaRange]:
    """The media ranges of an ``Accept`` header; malformed entries are skipped, as RFC 9110 allows.

    >>> parse_accept("text/*;q=0.3, text/turtle")
    [MediaRange(type='text', subtype='*', q=0.3), MediaRange(type='text', subtype='turtle', q=1.0)]
    """
    ranges: list[MediaRange] = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        main, slash, sub = fields[0].lower().partition("/")
        if not slash or not main or not sub or (main == "*" and sub != "*"):
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
                q = min(max(q, 0.0), 1.0) if math.isfinite(q) else 0.0  # "nan", "inf": not a q
        ranges.append(MediaRange(main, sub, q))
    return ranges


def negotiate(
    accept: str | None,
    offers: Sequence[str],
    *,
    aliases: Mapping[str, Sequence[str]] | None = None,
) -> str | None:
    """The offer the client prefers, or ``None`` when it accepts none of them (406).

    Parameters
    ----------
    accept : the ``Accept`` header; missing or empty means anything (the first offer).
    offers : canonical media types, in the server's order of preference.
    aliases : other names a client may use for an offer (``application/json`` for SPARQL JSON);
        an alias counts only when named exactly, never through a wildcard.

    Examples
    --------
    >>> negotiate("application/json", ["application/sparql-results+xml", "application/sparql-results+json"],
    ...           aliases={"application/sparql-results+json": ["application/json"]})
    'application/sparql-results+json'
    """
    if not offers:
        return None
    if accept is None or not accept.strip():
        return offers[0]
    ranges = parse_accept(accept)
    if not ranges:
        return offers[0]
    best: str | None = None
    best_q = 0.0
    for offer in offers:
        # The most specific range naming the offer decides its quality; an alias counts only
        # when named exactly (``text/*`` must not pick XML results through ``text/xml``).
        chosen: tuple[int, float] | None = None
        for r in ranges:
            exact_alias = r.specificity == 2 and f"{r.type}/{r.subtype}" in (aliases or {}).get(
                offer, ()
            )
            if r.matches(offer) or exact_alias:
                key = (r.specificity, r.q)
                if chosen is None or key > chosen:
                    chosen = key
        if chosen is not None and chosen[1] > best_q:
            best, best_q = offer, chosen[1]
    return best
