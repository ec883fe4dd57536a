"""Content negotiation, the one place that reads ``Accept`` and ``Content-Type``.

* :func:`parse_accept` and :func:`negotiate`: which of the formats we offer does the client's
  ``Accept`` prefer? RFC 9110 §12.5.1: each offer gets the quality of the most specific media
  range that matches it (``type/subtype`` > ``type/*`` > ``*/*``); the offer with the highest
  quality wins, ties go to the server's order, quality 0 means "not this".
* :func:`parse_content_type`: the media type, charset and other parameters of a body.
* :data:`NAMES`: every name a client may give a format by (``format=``, ``output=`` or
  ``results=`` short names, and media types other than ours), and :class:`Formats`: what one
  resource offers, with those names resolved ahead of time, so a request only looks them up.
  :meth:`Formats.choose` is the one way to pick a format or raise 406
  (:class:`~api.errors.NotAcceptable`, listing what is available).

>>> negotiate("text/csv;q=0.5, application/sparql-results+xml", ["application/sparql-results+json",
...           "application/sparql-results+xml", "text/csv"])
'application/sparql-results+xml'
>>> negotiate(None, ["text/turtle", "application/n-triples"])
'text/turtle'
>>> negotiate("image/png", ["text/turtle"]) is None
True
>>> GRAPHS = Formats.of("CONSTRUCT results", TURTLE, NTRIPLES, JSONLD, RDFXML)
>>> GRAPHS.choose("*/*", ["n3"])  # what SPARQLWrapper sends for N3: Turtle is valid N3
'text/turtle'
>>> GRAPHS.choose("application/rdf+xml", ["csv"])  # not a graph format: Accept decides
'application/rdf+xml'
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from api.errors import NotAcceptable

__all__ = [
    "CYTOSCAPE_NAMES",
    "FORMAT_PARAMETERS",
    "NAMES",
    "NODE_LINK",
    "ContentType",
    "Formats",
    "MediaRange",
    "negotiate",
    "parse_accept",
    "parse_content_type",
]

# ------------------------------------------------------------------------------- media types
SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"
JSON = "application/json"
#: networkx's node-link JSON (D3, ``networkx.node_link_graph``) has no registered media type;
#: this vendor type names it in ``Accept`` (answered as ``application/json``).
NODE_LINK = "application/vnd.networkx.node-link+json"
GRAPHML = "application/graphml+xml"
GEXF = "application/gexf+xml"

#: The query or form parameters that name a result format. No standard names one, so endpoints
#: differ (Virtuoso reads ``format``, Joseki and Fuseki ``output``, Rasqal ``results``) and
#: SPARQLWrapper sends all three with the same value.
FORMAT_PARAMETERS = frozenset({"format", "output", "results"})

#: Every name of a format other than its own media type → the media types it may mean, most likely
#: first; a resource takes the first one it offers (``json`` is SPARQL JSON for SELECT, JSON-LD for
#: CONSTRUCT, Cytoscape JSON for an ego network). Entries with a ``/`` count in ``Accept`` too, as
#: exact names only (``text/*`` never picks XML results through ``text/xml``). An offer always
#: answers to its own media type first.
NAMES: dict[str, tuple[str, ...]] = {
    # short names, as format=, output= and results= carry them
    "json": (SPARQL_JSON, JSONLD, JSON),
    "xml": (SPARQL_XML, RDFXML),
    "csv": (CSV,),
    "tsv": (TSV,),
    "turtle": (TURTLE,),
    "ttl": (TURTLE,),
    "n3": (TURTLE,),  # Turtle is valid N3: N3 is answered as Turtle
    "ntriples": (NTRIPLES,),
    "n-triples": (NTRIPLES,),
    "nt": (NTRIPLES,),
    "jsonld": (JSONLD,),
    "json-ld": (JSONLD,),
    "rdfxml": (RDFXML,),
    "rdf+xml": (RDFXML,),
    "rdf": (RDFXML,),  # SPARQLWrapper's RDF: "an RDF graph", which it reads from RDF/XML
    "node-link": (NODE_LINK,),
    "graphml": (GRAPHML,),
    "gexf": (GEXF,),
    # other media types clients send for ours
    JSON: (SPARQL_JSON, JSONLD),
    "application/xml": (SPARQL_XML, RDFXML),
    "text/xml": (SPARQL_XML, RDFXML),
    "application/x-turtle": (TURTLE,),
    "application/turtle": (TURTLE,),
    "text/n3": (TURTLE,),
    "text/rdf+n3": (TURTLE,),
    "application/n3": (TURTLE,),
    "application/x-json+ld": (JSONLD,),
}
#: Names of application/json where it is Cytoscape.js JSON (the ego networks), and only there.
CYTOSCAPE_NAMES: dict[str, str] = {"cytoscape": JSON, "application/vnd.cytoscape+json": JSON}


# ------------------------------------------------------------------------------------ Accept
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
    named = [(r, r.specificity, f"{r.type}/{r.subtype}") for r in ranges]
    best: str | None = None
    best_q = 0.0
    for offer in offers:
        # The most specific range naming the offer decides its quality; an alias counts only
        # when named exactly (``text/*`` must not pick XML results through ``text/xml``).
        others = aliases.get(offer, ()) if aliases else ()
        chosen: tuple[int, float] | None = None
        for r, specificity, name in named:
            if r.matches(offer) or (specificity == 2 and name in others):
                key = (specificity, r.q)
                if chosen is None or key > chosen:
                    chosen = key
        if chosen is not None and chosen[1] > best_q:
            best, best_q = offer, chosen[1]
    return best


# ------------------------------------------------------------------------------ Content-Type
@dataclass(frozen=True)
class ContentType:
    """A ``Content-Type`` header: the media type and charset lower-cased, ``None`` when absent."""

    media_type: str | None
    charset: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def utf8(self) -> bool:
        """Whether the body is UTF-8 as far as the header says (no charset means UTF-8 here)."""
        return self.charset in (None, "utf-8", "utf8")


_PARAMETER = re.compile(r';\s*([^\s;=]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^;]*))?')


def parse_content_type(header: str | None) -> ContentType:
    """The parts of a ``Content-Type`` header; never raises (a malformed parameter is skipped).

    >>> parse_content_type('application/sparql-query; Charset="UTF-8"; profile=x')
    ContentType(media_type='application/sparql-query', charset='utf-8', params={'profile': 'x'})
    >>> parse_content_type(None)
    ContentType(media_type=None, charset=None, params={})
    """
    if header is None:
        return ContentType(None)
    media, sep, rest = header.partition(";")
    media = media.strip().lower()
    charset: str | None = None
    params: dict[str, str] = {}
    for match in _PARAMETER.finditer(sep + rest):
        name, value = match.group(1).lower(), (match.group(2) or "").strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        if name == "charset":
            charset = value.lower()
        else:
            params[name] = value
    return ContentType(media or None, charset, params)


# ------------------------------------------------------------------------------ what we offer
def _shown(value: str, limit: int = 120) -> str:
    """A client's value, quoted and cut short, for a message."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


@dataclass(frozen=True)
class Formats:
    """The formats a resource offers, with every name that picks one of them.

    Built once (:meth:`of`); a request only looks names up.

    >>> results = Formats.of("SELECT results", SPARQL_JSON, SPARQL_XML, CSV, TSV)
    >>> results.named(["rdf+xml", "text/tab-separated-values,text/csv"])  # the first that fits
    'text/tab-separated-values'
    >>> results.choose("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    'application/sparql-results+xml'
    """

    what: str
    offers: tuple[str, ...]
    #: every name (short name or media type, lower-case) → the offer it picks
    names: Mapping[str, str]
    #: offer → the other media types that name it exactly in ``Accept`` (for :func:`negotiate`)
    aliases: Mapping[str, tuple[str, ...]]

    @classmethod
    def of(cls, what: str, *offers: str, names: Mapping[str, str] | None = None) -> Formats:
        """What ``what`` (a phrase for messages) offers, in the server's order of preference;
        ``names``: more names (short names or media types) of offers, for this resource only."""
        lookup: dict[str, str] = {}
        for name, candidates in NAMES.items():
            offered = next((c for c in candidates if c in offers), None)
            if offered is not None:
                lookup[name] = offered
        lookup.update({n: o for n, o in (names or {}).items() if o in offers})
        lookup.update({offer: offer for offer in offers})
        aliases = {
            offer: tuple(n for n, o in lookup.items() if o == offer and "/" in n and n != offer)
            for offer in offers
        }
        return cls(what, tuple(offers), lookup, aliases)

    def named(self, values: Iterable[str]) -> str | None:
        """The first offer that ``values`` name (``format=`` and the like, in the order given; each
        may be a comma-separated list of short names or media types), or ``None``."""
        for value in values:
            for item in value.split(","):
                offer = self.names.get(item.partition(";")[0].strip().lower())
                if offer is not None:
                    return offer
        return None

    def negotiate(self, accept: str | None) -> str | None:
        """The offer ``Accept`` prefers, aliases included, or ``None``."""
        return negotiate(accept, self.offers, aliases=self.aliases)

    def choose(
        self, accept: str | None, requested: Sequence[str] = (), *, fall_back: bool = True
    ) -> str:
        """The format to answer in: the first of ``requested`` (``format=``…) that names one of
        ours; else, or when ``requested`` is empty, the best match for ``Accept``.

        Parameters
        ----------
        accept : the ``Accept`` header.
        requested : the values of ``format=``, ``output=``, ``results=``, in the order sent.
        fall_back : when ``requested`` names none of ours, decide by ``Accept`` (``True``) or
            refuse (``False``, 406).

        Raises
        ------
        NotAcceptable
            Neither ``requested`` nor ``Accept`` names a format we offer; the message lists them.
        """
        if requested:
            offer = self.named(requested)
            if offer is not None:
                return offer
            if not fall_back:
                raise NotAcceptable(
                    f"format={_shown(requested[0])} is not a format of {self.what}; "
                    f"{self.available()}"
                )
        chosen = self.negotiate(accept)
        if chosen is None:
            raise NotAcceptable(
                f"none of Accept: {_shown(accept or '')} can be served for {self.what}; "
                f"{self.available()}"
            )
        return chosen

    def available(self) -> str:
        """What a client may ask for, in words."""
        short = sorted(n for n in self.names if "/" not in n)
        return f"available: {', '.join(self.offers)} (Accept) or format={'|'.join(short)}"
