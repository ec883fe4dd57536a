"""A deterministic generator of synthetic actorgraph datasets, for benchmarks.

    python benchmarks/synth.py 1m             # build (or reuse) benchmarks/.cache/synth-1m-s1-<key>/
    python benchmarks/synth.py --prune        # remove stores of older generator versions
    python benchmarks/synth.py 10k --nquads /tmp/10k.nq

The data has the shape ``actorgraph build`` writes (docs/rdf-mapping.md) and conforms to the shapes:
the ontology graph, an actor registry (the real seed actors plus synthetic states, organisations and
people), one named graph per article (article node, memberships, claims, events with their evidence
nodes) and the derived edges, made by the project's own rule (:mod:`graph.rules`, over scans of the
store). What makes it realistic for benchmarks:

* **Heavy-tailed degrees.** Actors for every role are drawn with probability ∝ 1/rank (Zipf). The
  ranks start with the seed registry's hubs in a fixed order — ``actor:russia``,
  ``actor:united-states``, ``actor:taliban``, ``actor:afghanistan``… — so ``actor:russia`` is the
  top hub; a quarter of the draws go to an actor not drawn yet while there are any, so that almost
  every actor of the registry takes part in something, most of them in one or two events.
* **Every event type** of the ontology, with agent, targets, participants, addressee, host, place,
  ``onBehalfOf``, dates of every precision (day, month, year, bounds), a modality on a few (negated,
  hypothetical and future events derive no edge), a ~100-character quote anchored in the article's text
  with character offsets, prefix and suffix; accusations make claims, and denials answer earlier
  accusations (``ag:respondsTo``) and deny their claims (``ag:deniesClaim``).
* **Articles** as ``ag:NewsArticle`` with publisher, date (in order, 2014 to 2024), ``ag:sourceFile``
  and the SHA-256 of a synthetic text that really contains every quote at the recorded offsets.

The output is a pure function of ``(triples, seed)``: no set or dict iteration order leaks in.
Generated stores are cached under ``benchmarks/.cache/<name>-<key>/`` (the key hashes this file,
the ontology, the code lists, the seed registry and the derivation rule), so reruns open them in a
fraction of a second; ``--prune`` removes outdated ones.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import fcntl
import hashlib
import itertools
import json
import random
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.term import Node

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from graph import rules  # noqa: E402
from graph.annotations import ActorSpec, Corpus, load_corpus  # noqa: E402
from graph.build import (  # noqa: E402
    ACTORS_GRAPH,
    EDGES_GRAPH,
    ONTOLOGY_GRAPH,
    build,
    corpus_to_rdf,
)
from graph.namespaces import PREFIXES  # noqa: E402
from graph.store import RDFFormat, Store, to_ox  # noqa: E402
from graph.validate import CODES_FILE, ONTOLOGY_FILE, load_ontology  # noqa: E402

__all__ = [
    "CACHE",
    "DEFAULT_SEED",
    "SCALES",
    "SynthInfo",
    "cached",
    "dataset",
    "derive",
    "generate",
    "hubs",
    "ontology_quads",
    "parse_scale",
    "seed_store",
    "union_ntriples",
]

#: The named scales and their triple counts (at least this many; the derived edges come on top).
SCALES: dict[str, int] = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
DEFAULT_SEED = 1
CACHE = ROOT / "benchmarks" / ".cache"
SEEDS = ROOT / "seeds"

#: The seed registry's actors in hub order: rank 1 takes part in the most events.
HUB_ORDER = (
    "russia",
    "united-states",
    "taliban",
    "afghanistan",
    "pakistan",
    "china",
    "nato",
    "iran",
    "united-nations",
    "vladimir-putin",
    "zamir-kabulov",
    "sergey-lavrov",
    "european-union",
    "daesh",
    "donald-trump",
    "ashraf-ghani",
    "john-nicholson",
)
#: Zipf exponent of the role draws (weight of rank r is r ** -ALPHA).
ALPHA = 1.0
#: The share of role draws that go to an actor not drawn before, while there are any.
P_NEW = 0.25
#: Articles are dated from FIRST_DAY to LAST_DAY, in order; an article holds ≈ this many triples.
FIRST_DAY, LAST_DAY = dt.date(2014, 1, 1), dt.date(2024, 12, 31)
TRIPLES_PER_ARTICLE = 280
#: Synthetic actors per triple (≈ 18k actors at 1M triples).
ACTORS_PER_TRIPLE = 1 / 55

# ---------------------------------------------------------------------------------- vocabulary
_ID = PREFIXES["id"]
_AG = PREFIXES["ag"]
_XSD = PREFIXES["xsd"]


@cache
def _iri(curie: str) -> ox.NamedNode:
    prefix, _, local = curie.partition(":")
    return ox.NamedNode(PREFIXES[prefix] + local)


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


RDF_TYPE = _iri("rdf:type")
RDFS_LABEL = _iri("rdfs:label")
XSD_DATE = _iri("xsd:date")
XSD_BOOLEAN = _iri("xsd:boolean")
XSD_DECIMAL = _iri("xsd:decimal")
XSD_INTEGER = _iri("xsd:integer")  # what the store keeps (it canonicalises xsd:nonNegativeInteger)
TRUE = ox.Literal("true", datatype=XSD_BOOLEAN)
ACTIVITY = _n(_ID + "activity/synthetic-generator")

#: Event types, their share of events, and their default CAMEO code (from the ontology).
EVENT_MIX: tuple[tuple[str, int], ...] = (
    ("Statement", 16),
    ("Meeting", 10),
    ("Conference", 3),
    ("PhoneCall", 4),
    ("Accusation", 12),
    ("Criticism", 7),
    ("Denial", 8),
    ("CooperationOffer", 5),
    ("Invitation", 4),
    ("Rejection", 4),
    ("Request", 5),
    ("Support", 5),
    ("Threat", 3),
    ("Cooperation", 5),
    ("AidProvision", 4),
    ("Sanction", 3),
)
MEETINGS = frozenset({"Meeting", "Conference", "PhoneCall"})
SPEECH_ACTS = frozenset(
    {
        "Statement",
        "Accusation",
        "Criticism",
        "Denial",
        "CooperationOffer",
        "Invitation",
        "Rejection",
        "Request",
        "Support",
        "Threat",
    }
)
#: Synthetic actor kinds and their shares.
KIND_MIX: tuple[tuple[str, int], ...] = (
    ("Person", 55),
    ("GovernmentBody", 12),
    ("ArmedGroup", 8),
    ("ArmedForce", 5),
    ("NewsOrganisation", 6),
    ("NonGovernmentalOrganisation", 6),
    ("IntergovernmentalOrganisation", 2),
    ("State", 2),
    ("Group", 4),
)
ORGANISATIONS = frozenset(k for k, _ in KIND_MIX) - {"Person", "Group"}

TOPICS = (
    "security in Afghanistan",
    "the peace process",
    "drug trafficking across the border",
    "regional stability",
    "counter-terrorism cooperation",
    "the return of refugees",
    "energy supplies",
    "the withdrawal of foreign troops",
    "new trade routes",
    "the fight against Daesh",
    "water rights on the river",
    "the ceasefire",
    "prisoner exchanges",
    "election monitoring",
    "humanitarian access",
    "arms control",
)
CHARGES = (
    "supplying weapons to insurgents",
    "interfering in the peace process",
    "spreading a false narrative",
    "harbouring militants near the border",
    "violating the ceasefire",
    "funding armed groups",
    "undermining the international mission",
    "lending legitimacy to the insurgency",
    "blocking humanitarian convoys",
    "meddling in the elections",
)
CHARACTERISATIONS = ("a simple lie", "nonsense", "baseless", "a fabrication", "absurd")
ROLES = (
    "spokesperson",
    "foreign minister",
    "defence minister",
    "special envoy",
    "ambassador",
    "commander",
    "senior official",
    "deputy head",
    "adviser",
    "leader",
)
# fmt: off
FIRST = (
    "Ahmad", "Amir", "Anna", "Boris", "Carla", "Daniel", "Dmitry", "Elena", "Farid", "Fatima",
    "Gul", "Hamid", "Hassan", "Ivan", "Jamal", "John", "Karim", "Laila", "Leonid", "Maria",
    "Mikhail", "Nadia", "Nasir", "Oleg", "Omar", "Pavel", "Rahim", "Rustam", "Sara", "Sergei",
    "Shah", "Sofia", "Tahir", "Tatiana", "Viktor", "Wali", "Yusuf", "Zahra", "Zalmay",
    "Nikolai", "Aziz", "Bilal", "Chen", "Dilnoza", "Emil", "Faisal", "Grigory", "Hina", "Irina",
    "Javed",
)
LAST = (
    "Abdullah", "Ahmadi", "Alimov", "Barakzai", "Popov", "Durrani", "Fedorov", "Ghani",
    "Hakimi", "Haqqani", "Ivanov", "Jalali", "Karimov", "Khan", "Kuznetsov", "Lodin", "Mansoor",
    "Morozov", "Nazari", "Noori", "Orlov", "Petrov", "Qaderi", "Rahimi", "Rasuli", "Sadat",
    "Safi", "Sokolov", "Stanekzai", "Tarzi", "Usmani", "Vasiliev", "Wardak", "Yusufzai",
    "Zaheer", "Zakirov", "Baheer", "Chaudhry", "Dostum", "Egorov", "Faizi", "Gromov", "Hotak",
    "Ismaili", "Jamali", "Kakar", "Lebedev", "Mirzaev", "Nuristani", "Obaid", "Panjshiri",
    "Qasimi", "Rostami", "Sharifi", "Tokhi", "Ulumi", "Volkov", "Wazir", "Yaqubi", "Zazai",
)
SYLLABLES = (
    "al", "bar", "cor", "dan", "el", "fer", "gar", "hal", "is", "kar", "lun", "mir", "nor",
    "or", "pal", "quin", "ras", "sul", "tan", "ur", "val", "zan",
)
ADJECTIVES = (
    "Eastern", "Western", "Northern", "Southern", "Free", "United", "Popular", "National",
    "Islamic", "Democratic", "Central", "Mountain", "Valley", "River", "Border", "Independent",
    "Revolutionary", "Patriotic", "Civic", "Regional",
)
# fmt: on
GROUP_NOUNS = ("Front", "Movement", "Brigade", "Army", "Council", "Alliance", "League")
NGO_NOUNS = ("Foundation", "Watch", "Relief Council", "Institute", "Rights Network", "Aid Society")
NEWS_NOUNS = ("News", "Times", "Post", "Herald", "Agency", "Observer", "Daily", "Radio")
MINISTRIES = (
    "Ministry of Foreign Affairs",
    "Ministry of Defence",
    "Ministry of the Interior",
    "National Security Council",
    "Ministry of Finance",
    "Intelligence Service",
)
FORCES = ("Armed Forces", "Border Guard", "National Army", "Air Force", "Special Forces")
GROUP_KINDS = ("tribal elders", "officials", "protesters", "lawmakers", "villagers", "diplomats")


@dataclass
class _Actor:
    iri: str
    ident: str
    label: str
    kind: str
    affiliation: int | None = None  # index of the organisation a person speaks for
    node: ox.NamedNode = field(init=False)

    def __post_init__(self) -> None:
        self.node = ox.NamedNode(self.iri)


@dataclass(frozen=True)
class _Pool:
    """Actors to draw a role from: ranked members, their cumulative Zipf weights, and those not
    drawn yet (popped from the end)."""

    members: list[int]
    cum: list[float]
    unused: list[int]


@dataclass(frozen=True)
class _Accusation:
    event: ox.NamedNode
    agent: int
    target: int
    claim: ox.NamedNode
    charge: str


@dataclass(frozen=True)
class _Sentence:
    """A quote, the node it is evidence for, and its evidence node (placed in the text later)."""

    text: str
    subject: ox.NamedNode
    evidence: ox.NamedNode


#: ``add(subject, "prefix:predicate", object)``: one quad into the article's graph.
_Add = Callable[[ox.NamedNode, str, "ox.NamedNode | ox.Literal"], None]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def parse_scale(scale: str | int) -> int:
    """``"10k"``, ``"100k"``, ``"1m"`` or a number of triples (``250000``, ``"250k"``)."""
    if isinstance(scale, int):
        return scale
    text = scale.strip().lower().replace("_", "")
    if text in SCALES:
        return SCALES[text]
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    digits = text[:-1] if factor > 1 else text
    try:
        return int(float(digits) * factor)
    except ValueError:
        raise ValueError(f"not a scale: {scale!r} (use 10k, 100k, 1m or a number)") from None


def _quad(triple: tuple[Node, Node, Node], graph: ox.NamedNode) -> ox.Quad:
    """An rdflib triple as a pyoxigraph quad in ``graph``."""
    s, p, o = (to_ox(t) for t in triple)
    assert not isinstance(s, ox.Literal) and isinstance(p, ox.NamedNode)
    return ox.Quad(s, p, o, graph)


@cache
def ontology_quads() -> tuple[ox.Quad, ...]:
    """The ontology and the code lists, in the ontology graph (as the build stores them)."""
    g = _n(str(ONTOLOGY_GRAPH))
    return tuple(_quad(t, g) for t in load_ontology())


# ---------------------------------------------------------------------------------- generator
class _Generator:
    """One pass of generation; all randomness comes from ``self.rng``."""

    def __init__(self, triples: int, seed: int) -> None:
        self.target = triples
        self.rng = random.Random(seed)
        self.count = len(ontology_quads())
        self.actors_graph = _n(str(ACTORS_GRAPH))
        corpus = load_corpus(SEEDS)
        self.registry = corpus_to_rdf(corpus).actors
        self.actors: list[_Actor] = []
        self.by_ident: dict[str, int] = {}
        self.places: list[tuple[ox.NamedNode, str]] = []
        self.accusations: list[_Accusation] = []
        self.members: dict[int, list[int]] = {}  # organisation → people who speak for it
        self._labels: set[str] = set()
        self._roles: set[ox.NamedNode] = set()
        self._pending_places: list[tuple[ox.NamedNode, str, ox.NamedNode]] = []
        self._seed_actors(list(corpus.actors.values()), corpus)
        self.event_types = [t for t, _ in EVENT_MIX]
        self.event_cum = list(itertools.accumulate(w for _, w in EVENT_MIX))
        self.codes = _default_codes()

    # ------------------------------------------------------------------ actors
    def _seed_actors(self, specs: list[ActorSpec], corpus: Corpus) -> None:
        for spec in specs:
            self._add_actor(_Actor(PREFIXES["actor"] + spec.id, spec.id, spec.label, spec.kind))
        members = {
            m.member: m.organisation
            for f in reversed(corpus.files)
            for m in reversed(f.memberships)
        }
        for ident, org in sorted(members.items()):
            person = self.by_ident[ident]
            if self.actors[person].kind == "Person":
                self.actors[person].affiliation = self.by_ident[org]
        for place in corpus.places.values():
            self.places.append((_n(PREFIXES["place"] + place.id), place.label))
        self.seed_registry = [i for i, s in enumerate(specs) if s.source.endswith("actors.yaml")]

    def _add_actor(self, actor: _Actor) -> int:
        index = len(self.actors)
        self.actors.append(actor)
        self.by_ident[actor.ident] = index
        self._labels.add(actor.label)
        return index

    def _unique(self, label: str) -> str:
        if label not in self._labels:
            return label
        for n in itertools.count(2):
            candidate = f"{label} {n}"
            if candidate not in self._labels:
                return candidate
        raise AssertionError("unreachable")

    def _synthetic_actors(self, n: int) -> None:
        rng = self.rng
        kinds = [k for k, _ in KIND_MIX]
        cum = list(itertools.accumulate(w for _, w in KIND_MIX))
        states = [i for i, a in enumerate(self.actors) if a.kind == "State"]
        drawn = rng.choices(kinds, cum_weights=cum, k=n)
        # states and places first, so that ministries and capitals can refer to them
        for kind in sorted(drawn, key=lambda k: k != "State"):
            if kind == "State":
                name = self._unique(self._place_name().capitalize() + "ia")
                states.append(self._add_synthetic(name, "State"))
                capital = self._unique(self._place_name().capitalize())
                place = _n(PREFIXES["place"] + "synth-" + _slug(capital))
                self.places.append((place, capital))
                self._labels.add(capital)
                self._pending_places.append((place, capital, self.actors[states[-1]].node))
                continue
            state = self.actors[rng.choice(states)]
            if kind == "Person":
                label = (
                    f"{rng.choice(FIRST)} {rng.choice('ABCDEFGHKLMNPRSTVZ')}. {rng.choice(LAST)}"
                )
            elif kind == "GovernmentBody":
                label = f"{rng.choice(MINISTRIES)} of {state.label}"
            elif kind == "ArmedForce":
                label = f"{state.label} {rng.choice(FORCES)}"
            elif kind == "ArmedGroup":
                label = (
                    f"{rng.choice(ADJECTIVES)} {rng.choice(ADJECTIVES)} {rng.choice(GROUP_NOUNS)}"
                )
            elif kind == "NonGovernmentalOrganisation":
                label = f"{rng.choice(ADJECTIVES)} {rng.choice(NGO_NOUNS)}"
            elif kind == "IntergovernmentalOrganisation":
                label = f"{rng.choice(ADJECTIVES)} {rng.choice(('Cooperation', 'Security', 'Economic'))} Organisation"
            elif kind == "NewsOrganisation":
                label = f"{self._place_name().capitalize()} {rng.choice(NEWS_NOUNS)}"
            else:  # Group
                label = f"{rng.choice(GROUP_KINDS).capitalize()} of {state.label}"
            self._add_synthetic(self._unique(label), kind)
        organisations = [i for i, a in enumerate(self.actors) if a.kind in ORGANISATIONS]
        for actor in self.actors:
            if actor.kind == "Person" and actor.affiliation is None and rng.random() < 0.8:
                actor.affiliation = rng.choice(organisations)
        for i, actor in enumerate(self.actors):
            if actor.affiliation is not None:
                self.members.setdefault(actor.affiliation, []).append(i)

    def _add_synthetic(self, label: str, kind: str) -> int:
        ident = base = "synth-" + _slug(label)
        for n in itertools.count(2):
            if ident not in self.by_ident:
                break
            ident = f"{base}-{n}"
        return self._add_actor(_Actor(PREFIXES["actor"] + ident, ident, label, kind))

    def _place_name(self) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(2, 3)))

    def _actor_quads(self, start: int) -> Iterator[ox.Quad]:
        g = self.actors_graph
        for triple in self.registry:  # the seed registry, as the build writes it
            yield _quad(triple, g)
        yield ox.Quad(ACTIVITY, RDF_TYPE, _iri("ag:CurationActivity"), g)
        yield ox.Quad(
            ACTIVITY, RDFS_LABEL, ox.Literal("Synthetic benchmark data", language="en"), g
        )
        for actor in self.actors[start:]:
            s, label = actor.node, ox.Literal(actor.label, language="en")
            yield ox.Quad(s, RDF_TYPE, _iri("ag:" + actor.kind), g)
            yield ox.Quad(s, RDFS_LABEL, label, g)
            yield ox.Quad(s, _iri("skos:prefLabel"), label, g)
            if actor.kind == "Person":
                yield ox.Quad(s, _iri("foaf:name"), ox.Literal(actor.label), g)
            if actor.kind == "State":
                yield ox.Quad(s, _iri("skos:notation"), ox.Literal(actor.ident[6:9].upper()), g)
        for place, name, country in self._pending_places:
            yield ox.Quad(place, RDF_TYPE, _iri("ag:Place"), g)
            yield ox.Quad(place, RDFS_LABEL, ox.Literal(name, language="en"), g)
            yield ox.Quad(place, _iri("ag:inCountry"), country, g)

    # ------------------------------------------------------------------ draws
    def _zipf(self, n: int) -> list[float]:
        return list(itertools.accumulate((r + 1) ** -ALPHA for r in range(n)))

    def _rank(self) -> None:
        """Order the actors for the role draws: seed hubs first, then the rest at random."""
        rng = self.rng
        hub = [self.by_ident[i] for i in HUB_ORDER]
        rest_seed = [i for i in self.seed_registry if i not in hub]
        ranked = {*hub, *rest_seed}
        tail = [i for i in range(len(self.actors)) if i not in ranked]
        rng.shuffle(tail)
        order = [*hub, *rest_seed, *tail]
        players = [i for i in order if self.actors[i].kind != "NewsOrganisation"]
        outlets = [i for i in order if self.actors[i].kind == "NewsOrganisation"]
        self.pools = {
            name: _Pool(pool, self._zipf(len(pool)), list(reversed(pool[len(HUB_ORDER) :])))
            for name, pool in (("players", players), ("outlets", outlets))
        }
        self.places_cum = self._zipf(len(self.places))

    def _draw(self, which: str, avoid: Sequence[int] = ()) -> int:
        """An actor of the pool ``which``: with probability ``P_NEW`` one not drawn before (so
        that every actor of the registry takes part in some event), else by Zipf rank."""
        pool = self.pools[which]
        if pool.unused and self.rng.random() < P_NEW:
            i = pool.unused.pop()
            if i not in avoid:
                return i
            pool.unused.append(i)
        while True:
            i = pool.members[bisect.bisect(pool.cum, self.rng.random() * pool.cum[-1])]
            if i not in avoid:
                return i

    def _place(self) -> tuple[ox.NamedNode, str]:
        return self.places[bisect.bisect(self.places_cum, self.rng.random() * self.places_cum[-1])]

    # ------------------------------------------------------------------ run
    def quads(self) -> Iterator[ox.Quad]:
        n_actors = max(60, int(self.target * ACTORS_PER_TRIPLE))
        start = len(self.actors)
        self._synthetic_actors(n_actors)
        self._rank()
        actor_quads = list(self._actor_quads(start))
        self.count = len(ontology_quads()) + len(actor_quads)
        yield from actor_quads
        # articles in date order, spread evenly over the years (so denials follow accusations)
        expected = max(1, (self.target - self.count) // TRIPLES_PER_ARTICLE)
        span = (LAST_DAY - FIRST_DAY).days
        for n in itertools.count(0):
            if self.count >= self.target:
                return
            day = min(span, span * n // expected + self.rng.randint(0, 3))
            article = self._article(n + 1, FIRST_DAY + dt.timedelta(days=day))
            self.count += len(article)
            yield from article

    def _article(self, n: int, published: dt.date) -> list[ox.Quad]:
        rng = self.rng
        aid = f"synth-{n:06d}"
        g = _n(f"{_ID}graph/article/{aid}")
        a = _n(f"{_ID}article/{aid}")
        out: list[ox.Quad] = []

        def add(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
            out.append(ox.Quad(s, _iri(p), o, g))

        publisher = self.actors[self._draw("outlets")]
        sentences: list[_Sentence] = []
        cited: list[int] = []
        people_here: list[int] = []
        for k in range(1, rng.randint(4, 12) + 1):
            sentence = self._event(aid, k, a, published, add, cited, people_here)
            if sentence is not None:
                sentences.append(sentence)
        for m, person in enumerate(sorted(set(people_here))[:2], start=1):
            if rng.random() < 0.5:
                sentences.append(self._membership(aid, m, person, a, published, add))
        headline = sentences[0].text.split(",")[0][:90].rstrip(". ")
        # the article's text: the headline, then the quoted sentences with filler between them
        parts = [headline, "\n\n"]
        offset = len(headline) + 2
        located: list[tuple[_Sentence, int]] = []
        for sentence in sentences:
            filler = rng.choice(
                ("", "Officials gave no further details. ", "The report could not be verified. ")
            )
            parts.append(filler)
            offset += len(filler)
            located.append((sentence, offset))
            parts.append(sentence.text + " ")
            offset += len(sentence.text) + 1
        text = "".join(parts)
        for sentence, start in located:
            end = start + len(sentence.text)
            self._evidence(
                add, sentence, a, start, end, text[max(0, start - 32) : start], text[end : end + 32]
            )
        add(a, "rdf:type", _iri("ag:NewsArticle"))
        add(a, "schema:headline", ox.Literal(headline, language="en"))
        add(a, "rdfs:label", ox.Literal(headline, language="en"))
        add(a, "schema:inLanguage", ox.Literal("en"))
        add(a, "ag:sourceFile", ox.Literal(f"{aid}.txt"))
        add(a, "ag:contentSha256", ox.Literal(hashlib.sha256(text.encode()).hexdigest()))
        add(a, "schema:articleBody", ox.Literal(text))
        add(a, "schema:publisher", publisher.node)
        add(a, "schema:datePublished", ox.Literal(published.isoformat(), datatype=XSD_DATE))
        for c in sorted(set(cited)):
            add(a, "ag:citesSource", self.actors[c].node)
        return out

    def _evidence(
        self,
        add: _Add,
        sentence: _Sentence,
        article: ox.NamedNode,
        start: int,
        end: int,
        prefix: str,
        suffix: str,
    ) -> None:
        ev = sentence.evidence
        target, qsel, psel = (
            _n(f"{ev.value}/target"),
            _n(f"{ev.value}/quote"),
            _n(f"{ev.value}/position"),
        )
        add(sentence.subject, "ag:quote", ox.Literal(sentence.text))
        add(sentence.subject, "ag:evidence", ev)
        if sentence.subject.value.startswith(f"{_ID}event/"):  # its one report, as the builder's
            report = _n(ev.value.replace(f"{_ID}evidence/", f"{_ID}report/", 1))
            add(sentence.subject, "ag:hasReport", report)
            add(report, "ag:reportOf", sentence.subject)
            add(report, "rdf:type", _iri("ag:Report"))
            add(report, "prov:wasDerivedFrom", article)
            add(report, "ag:evidence", ev)
            add(report, "ag:quote", ox.Literal(sentence.text))
        add(ev, "rdf:type", _iri("ag:Evidence"))
        add(ev, "rdf:type", _iri("oa:Annotation"))
        add(ev, "oa:motivatedBy", _iri("oa:identifying"))
        add(ev, "oa:hasBody", sentence.subject)
        add(ev, "oa:hasTarget", target)
        add(target, "rdf:type", _iri("oa:SpecificResource"))
        add(target, "oa:hasSource", article)
        add(target, "oa:hasSelector", qsel)
        add(target, "oa:hasSelector", psel)
        add(qsel, "rdf:type", _iri("oa:TextQuoteSelector"))
        add(qsel, "oa:exact", ox.Literal(sentence.text))
        add(qsel, "oa:prefix", ox.Literal(prefix))
        add(qsel, "oa:suffix", ox.Literal(suffix))
        add(psel, "rdf:type", _iri("oa:TextPositionSelector"))
        add(psel, "oa:start", ox.Literal(str(start), datatype=XSD_INTEGER))
        add(psel, "oa:end", ox.Literal(str(end), datatype=XSD_INTEGER))

    def _membership(
        self, aid: str, m: int, person: int, article: ox.NamedNode, published: dt.date, add: _Add
    ) -> _Sentence:
        rng = self.rng
        who = self.actors[person]
        org_index = who.affiliation
        assert org_index is not None
        org = self.actors[org_index]
        role_text = f"{rng.choice(ROLES)} of {org.label}"
        role = _n(f"{_ID}role/{_slug(role_text)}")
        ms = _n(f"{_ID}membership/{aid}-{m}")
        add(ms, "rdf:type", _iri("org:Membership"))
        add(ms, "org:member", who.node)
        add(ms, "org:organization", org.node)
        add(ms, "org:role", role)
        add(ms, "ag:attestedOn", ox.Literal(published.isoformat(), datatype=XSD_DATE))
        add(ms, "prov:wasDerivedFrom", article)
        if role not in self._roles:
            self._roles.add(role)
            add(role, "rdf:type", _iri("org:Role"))
            add(role, "rdf:type", _iri("skos:Concept"))
            add(role, "skos:prefLabel", ox.Literal(role_text, language="en"))
        text = f"{who.label}, the {role_text}, spoke to reporters after the meeting"
        return _Sentence(text, ms, _n(f"{_ID}evidence/membership-{aid}-{m}"))

    def _event(
        self,
        aid: str,
        k: int,
        article: ox.NamedNode,
        published: dt.date,
        add: _Add,
        cited: list[int],
        people_here: list[int],
    ) -> _Sentence | None:
        rng = self.rng
        etype = self.event_types[bisect.bisect(self.event_cum, rng.random() * self.event_cum[-1])]
        if etype == "Denial" and not self.accusations:
            etype = "Statement"
        eid = f"{aid}-{k:02d}"
        e = _n(f"{_ID}event/{eid}")
        topic = rng.choice(TOPICS)
        targets: list[int] = []
        participants: list[int] = []
        addressees: list[int] = []
        host: int | None = None
        place: tuple[ox.NamedNode, str] | None = None
        claims: list[tuple[ox.NamedNode, str, list[int]]] = []
        denies: list[ox.NamedNode] = []
        responds: list[ox.NamedNode] = []
        characterisation: str | None = None

        if etype == "Denial":
            accusation = self.accusations[-rng.randint(1, min(300, len(self.accusations)))]
            agent = accusation.target
            speakers = [m for m in self.members.get(agent, []) if m != accusation.agent]
            if speakers and rng.random() < 0.3:
                agent = rng.choice(speakers)
            if agent != accusation.agent:
                targets.append(accusation.agent)
            if rng.random() < 0.7:
                responds.append(accusation.event)
            if not responds or rng.random() < 0.8:
                denies.append(accusation.claim)
            if rng.random() < 0.4:
                characterisation = rng.choice(CHARACTERISATIONS)
            charge = accusation.charge
        else:
            agent = self._draw("players")
            charge = rng.choice(CHARGES)
            if etype in MEETINGS:
                others = 1 if etype != "Conference" else rng.randint(2, 5)
                for _ in range(others):
                    participants.append(self._draw("players", [agent, *participants]))
                if rng.random() < 0.4:
                    host = agent
                if rng.random() < 0.5:
                    place = self._place()
            else:  # every directed event has a target (shapes: ags:DirectedEventHasTarget)
                for _ in range(1 if rng.random() < 0.85 else 2):
                    targets.append(self._draw("players", [agent, *targets]))
        if etype in SPEECH_ACTS and rng.random() < 0.25:
            addressees.append(self._draw("outlets", [agent]))
        if etype == "Accusation" or (etype == "Statement" and rng.random() < 0.2):
            about = targets[:1] or [agent]
            subject = self.actors[about[0]].label
            if etype == "Accusation":
                text = f"{subject} has been {charge}"
            else:
                text = f"{subject} is committed to {topic}"
            claims.append((_n(f"{_ID}claim/{eid}"), text, about))

        modality: str | None = None
        roll = rng.random()
        if roll < 0.03:
            modality = "Negated"
        elif roll < 0.05:
            modality = "Hypothetical"
        elif roll < 0.06:
            modality = "Future"
        elif roll < 0.08:
            modality = "Historical"

        who = self.actors[agent]
        names = [self.actors[i].label for i in (*targets, *participants)]
        text = _sentence(
            etype, who.label, names, place[1] if place else None, topic, charge, characterisation
        )
        if modality == "Negated":
            text = "It is not true that " + text[0].lower() + text[1:]
        elif modality == "Hypothetical":
            text = "If the talks fail, it is possible that " + text[0].lower() + text[1:]
        elif modality == "Future":
            text = "Next month, according to the plan, " + text[0].lower() + text[1:]

        add(e, "rdf:type", _iri("ag:" + etype))
        add(e, "ag:eventType", self.codes[etype])
        add(e, "ag:agent", who.node)
        everyone = sorted(
            {agent, *targets, *participants, *addressees, *([host] if host is not None else [])}
        )
        for i in everyone:
            add(e, "ag:participant", self.actors[i].node)
        for i in targets:
            add(e, "ag:target", self.actors[i].node)
        for i in addressees:
            add(e, "ag:addressee", self.actors[i].node)
        if host is not None:
            add(e, "ag:host", self.actors[host].node)
        if who.kind == "Person" and who.affiliation is not None:
            people_here.append(agent)
            if rng.random() < 0.6:
                add(e, "ag:onBehalfOf", self.actors[who.affiliation].node)
        if place is not None:
            add(e, "sem:hasPlace", place[0])
        when = self._dates(e, published, add)
        if rng.random() < 0.05:
            add(e, "ag:dateInferred", TRUE)
            add(e, "ag:dateNote", ox.Literal("inferred from the article's date", language="en"))
        for claim, claim_text, about in claims:
            add(claim, "rdf:type", _iri("ag:Claim"))
            add(claim, "schema:text", ox.Literal(claim_text, language="en"))
            add(claim, "rdfs:label", ox.Literal(claim_text, language="en"))
            for i in about:
                add(claim, "schema:about", self.actors[i].node)
            add(claim, "prov:wasDerivedFrom", article)
            add(e, "ag:makesClaim", claim)
        for claim in denies:
            add(e, "ag:deniesClaim", claim)
        for event in responds:
            add(e, "ag:respondsTo", event)
        if characterisation is not None:
            add(e, "ag:characterisation", ox.Literal(characterisation, language="en"))
        if modality is not None:
            add(e, "ag:modality", _iri("ag:" + modality))
        if rng.random() < 0.3:
            outlet = self._draw("outlets")
            add(e, "ag:reportedVia", self.actors[outlet].node)
            cited.append(outlet)
        if rng.random() < 0.2:
            add(
                e,
                "ag:confidence",
                ox.Literal(f"{rng.randint(50, 100) / 100:.2f}", datatype=XSD_DECIMAL),
            )
        add(e, "prov:wasDerivedFrom", article)
        add(e, "prov:wasGeneratedBy", ACTIVITY)
        words = re.sub(r"(?<!^)([A-Z])", r" \1", etype).lower()
        prefix = {"Negated": "not ", "Hypothetical": "hypothetical "}.get(modality or "", "")
        tail = f" → {', '.join(names)}" if names else ""
        add(
            e,
            "rdfs:label",
            ox.Literal(f"{who.label}: {prefix}{words}{tail} ({when})", language="en"),
        )
        if etype == "Accusation" and targets and claims:
            self.accusations.append(_Accusation(e, agent, targets[0], claims[0][0], charge))
        return _Sentence(text, e, _n(f"{_ID}evidence/{eid}"))

    def _dates(self, e: ox.NamedNode, published: dt.date, add: _Add) -> str:
        """The event's date at a random precision; returns it as text (for the label)."""
        rng = self.rng
        day = published - dt.timedelta(days=rng.randint(0, 10))
        roll = rng.random()
        if roll < 0.85:
            add(e, "sem:hasTimeStamp", _date(day))
            add(e, "ag:datePrecision", ox.Literal("day"))
            return day.isoformat()
        if roll < 0.93:
            lo = day.replace(day=1)
            hi = (lo + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            precision, text = "month", lo.strftime("%Y-%m")
        elif roll < 0.96:
            lo, hi = dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
            precision, text = "year", str(day.year)
        if roll < 0.96:  # an article reports what happened before it was published
            hi = min(hi, published)
        else:
            lo, hi = day - dt.timedelta(days=rng.randint(1, 60)), day
            precision, text = "bounded", f"{lo}/{hi}"
            which = rng.random()
            if which < 0.4:
                add(e, "sem:hasEarliestBeginTimeStamp", _date(lo))
                add(e, "ag:datePrecision", ox.Literal(precision))
                return f"{lo}/…"
            if which < 0.7:
                add(e, "sem:hasLatestEndTimeStamp", _date(hi))
                add(e, "ag:datePrecision", ox.Literal(precision))
                return f"…/{hi}"
        add(e, "sem:hasEarliestBeginTimeStamp", _date(lo))
        add(e, "sem:hasLatestEndTimeStamp", _date(hi))
        add(e, "ag:datePrecision", ox.Literal(precision))
        return text


def _date(day: dt.date) -> ox.Literal:
    return ox.Literal(day.isoformat(), datatype=XSD_DATE)


def _sentence(
    etype: str,
    agent: str,
    others: list[str],
    place: str | None,
    topic: str,
    charge: str,
    characterisation: str | None,
) -> str:
    """A sentence of about 100 characters that reports the event, naming its actors."""
    other = ", ".join(others) if others else "its partners"
    where = f" in {place}" if place else ""
    templates = {
        "Meeting": f"{agent} met {other}{where} to discuss {topic}, officials said after the talks",
        "Conference": f"{agent} hosted a conference{where} with {other} on {topic} that lasted two days",
        "PhoneCall": f"{agent} spoke by telephone with {other} about {topic}, according to a readout",
        "Statement": f"{agent} said{where} that {topic} remained the priority in its dealings with {other}",
        "Accusation": f"{agent} accused {other} of {charge}, calling it a threat to {topic}",
        "Criticism": f"{agent} criticised {other} over {topic}, saying the approach had failed repeatedly",
        "Denial": f"{agent} dismissed the claims by {other} of {charge} as {characterisation or 'untrue'}",
        "CooperationOffer": f"{agent} offered to cooperate with {other} on {topic}, proposing a joint group",
        "Invitation": f"{agent} invited {other} to talks on {topic}, the foreign ministry announced",
        "Rejection": f"{agent} rejected the proposal from {other} on {topic}, calling it unacceptable",
        "Request": f"{agent} called on {other} to act on {topic} without further delay",
        "Support": f"{agent} voiced support for {other} on {topic}, pledging to back its position",
        "Threat": f"{agent} threatened {other} with retaliation over {topic} if nothing changed",
        "Cooperation": f"{agent} and {other} agreed to work together on {topic} and signed a memorandum",
        "AidProvision": f"{agent} delivered aid to {other}, including supplies for {topic}, officials said",
        "Sanction": f"{agent} imposed sanctions on {other} over {topic}, freezing assets and banning travel",
    }
    return templates[etype] + "."


@cache
def _default_codes() -> dict[str, ox.NamedNode]:
    """Event class (local name) → its default CAMEO concept, from the ontology's ag:cameoCode."""
    onto = load_ontology()
    out: dict[str, ox.NamedNode] = {}
    for cls, code in onto.subject_objects(URIRef(_AG + "cameoCode")):
        out[str(cls)[len(_AG) :]] = ox.NamedNode(PREFIXES["cameo"] + str(code))
    return out


# ---------------------------------------------------------------------------------- public API
def generate(triples: int, *, seed: int = DEFAULT_SEED) -> Iterator[ox.Quad]:
    """The actor registry and the article graphs of a synthetic dataset (no ontology, no edges).

    Stops at the first article that brings the dataset, ontology included, to ``triples``; the
    derived edges (:func:`derive`) come on top. Deterministic for ``(triples, seed)``.
    """
    return _Generator(triples, seed).quads()


def derive(store: ox.Store) -> list[ox.Quad]:
    """The derived edges of the events in ``store``, by the project's own rule
    (:mod:`graph.rules`, its table read from the ontology), as quads of the edges graph: one
    scan per predicate, as the ego-network index reads a large store."""
    g = ox.NamedNode(str(EDGES_GRAPH))

    def pairs(p: object) -> list[tuple[str, str]]:
        out = []
        for q in store.quads_for_pattern(None, ox.NamedNode(str(p)), None):
            s, o = q.subject, q.object
            if isinstance(s, ox.NamedNode) and isinstance(o, ox.NamedNode | ox.Literal):
                out.append((s.value, o.value))
        return out

    edges = rules.derive(pairs, rules.EdgeRules.from_ontology(load_ontology()))
    return [
        ox.Quad(ox.NamedNode(a), ox.NamedNode(p), ox.NamedNode(b), g) for a, p, b in sorted(edges)
    ]


def dataset(triples: int, *, seed: int = DEFAULT_SEED, path: Path | None = None) -> ox.Store:
    """A whole synthetic dataset — ontology, actors, articles, derived edges — in a pyoxigraph
    store: in memory, or bulk-loaded into a new store directory at ``path``."""
    store = ox.Store() if path is None else ox.Store(str(path))
    store.bulk_extend(ontology_quads())
    store.bulk_extend(generate(triples, seed=seed))
    store.bulk_extend(derive(store))
    return store


@dataclass(frozen=True)
class SynthInfo:
    """A generated store on disk and what it holds."""

    name: str
    path: Path
    triples: int
    graphs: int
    actors: int
    events: int
    articles: int
    edges: int
    seconds: float
    seed: int | None
    key: str

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["path"] = str(self.path)
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> SynthInfo:
        values = dict(data)
        values["path"] = Path(str(values["path"]))
        return cls(**values)  # type: ignore[arg-type]


def _cache_key(*extra: str) -> str:
    h = hashlib.sha256()
    for f in (Path(__file__), ONTOLOGY_FILE, CODES_FILE, SEEDS / "actors.yaml"):
        if f.exists():
            h.update(f.read_bytes())
    h.update((ROOT / "graph" / "rules.py").read_bytes())
    for x in extra:
        h.update(x.encode())
    return h.hexdigest()[:16]


_COUNTS = """SELECT
  (SUM(IF(?k = "actor", 1, 0)) AS ?actors) (SUM(IF(?k = "event", 1, 0)) AS ?events)
  (SUM(IF(?k = "article", 1, 0)) AS ?articles)
WHERE {
  { ?x a ?c . ?c rdfs:subClassOf* ag:Actor . BIND ("actor" AS ?k) }
  UNION { ?x a ?c . ?c rdfs:subClassOf* ag:PoliticalEvent . BIND ("event" AS ?k) }
  UNION { ?x a ag:NewsArticle . BIND ("article" AS ?k) }
}"""


def _describe(
    store: ox.Store, name: str, path: Path, seconds: float, seed: int | None, key: str
) -> SynthInfo:
    result = store.query(_COUNTS, prefixes=PREFIXES, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    row = next(iter(result))
    counts = []
    for v in ("actors", "events", "articles"):
        term = row[v]
        counts.append(int(term.value) if isinstance(term, ox.Literal) else 0)
    edges = sum(1 for _ in store.quads_for_pattern(None, None, None, _n(str(EDGES_GRAPH))))
    return SynthInfo(
        name,
        path,
        len(store),
        sum(1 for _ in store.named_graphs()),
        counts[0],
        counts[1],
        counts[2],
        edges,
        round(seconds, 2),
        seed,
        key,
    )


def _cached(name: str, key: str, make: Callable[[Path], None], seed: int | None) -> SynthInfo:
    """The store ``name`` for ``key``, made by ``make`` unless it is cached already.

    Each key has a folder of its own (``<name>-<key>``), built under another name and renamed when
    complete, under a lock: a benchmark still reading an older version is never disturbed, and two
    processes asking at once build it once. Old versions stay until ``synth.py --prune``.
    """
    CACHE.mkdir(parents=True, exist_ok=True)
    folder = CACHE / f"{name}-{key}"
    meta = folder / "meta.json"
    with (CACHE / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if meta.exists():
            return SynthInfo.from_json(json.loads(meta.read_text()))
        building = CACHE / f".building-{name}-{key}"
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir()
        started = time.perf_counter()
        make(building / "store")
        seconds = time.perf_counter() - started
        store = ox.Store.read_only(str(building / "store"))
        info = _describe(store, name, folder / "store", seconds, seed, key)
        del store
        (building / "meta.json").write_text(json.dumps(info.to_json(), indent=2) + "\n")
        building.rename(folder)
        return info


def prune() -> list[Path]:
    """Remove cached stores of older generator versions and unfinished builds; return them.

    Only when no benchmark reads them: a reader of a removed store fails.
    """
    removed = []
    for folder in sorted(CACHE.iterdir()) if CACHE.is_dir() else []:
        if not folder.is_dir():
            continue
        name, _, key = folder.name.rpartition("-")
        m = re.fullmatch(r"synth-(\w+)-s(\d+)", name)
        if name == "seed":
            current = _seed_key()
        elif m is not None:
            current = _scale_key(parse_scale(m.group(1)), int(m.group(2)))
        else:
            current = ""  # an unfinished build, or not ours
        if key != current:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def cached(scale: str | int, *, seed: int = DEFAULT_SEED) -> SynthInfo:
    """The synthetic store of ``scale`` triples, generated once into ``benchmarks/.cache/``."""
    triples = parse_scale(scale)
    name = f"synth-{_scale_name(triples)}-s{seed}"

    def make(path: Path) -> None:
        store = dataset(triples, seed=seed, path=path)
        store.optimize()
        store.flush()
        del store

    return _cached(name, _scale_key(triples, seed), make, seed)


def _scale_key(triples: int, seed: int = DEFAULT_SEED) -> str:
    return _cache_key(str(triples), str(seed))


def seed_store() -> SynthInfo:
    """The store ``actorgraph build`` makes from ``seeds/``, built once into ``benchmarks/.cache/``."""

    def make(path: Path) -> None:
        memory = Store.memory()
        build(SEEDS, memory)
        store = ox.Store(str(path))
        store.bulk_load(memory.dump(RDFFormat.NQUADS), format=ox.RdfFormat.N_QUADS)
        store.flush()
        del store

    return _cached("seed", _seed_key(), make, None)


def _seed_key() -> str:
    files = sorted((SEEDS / "annotations").glob("*.yaml")) + sorted((SEEDS / "articles").glob("*"))
    return _cache_key(*(hashlib.sha256(f.read_bytes()).hexdigest() for f in files))


def union_ntriples(info: SynthInfo) -> Path:
    """The union of the store's graphs as N-Triples (what an rdflib ``Graph`` loads), cached."""
    out = info.path.parent / "union.nt"
    if out.exists() and out.stat().st_mtime >= info.path.stat().st_mtime:
        return out
    store = ox.Store.read_only(str(info.path))
    triples = {
        ox.Triple(q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None)
    }
    tmp = out.with_suffix(".tmp")
    ox.serialize(sorted(triples, key=str), str(tmp), format=ox.RdfFormat.N_TRIPLES)
    tmp.replace(out)
    return out


def hubs(store: ox.Store, limit: int = 5) -> list[tuple[str, int]]:
    """The actors taking part in the most events, with their counts (for reports and tests)."""
    result = store.query(
        "SELECT ?a (COUNT(?e) AS ?n) WHERE { ?e ag:participant ?a } GROUP BY ?a ORDER BY DESC(?n) ?a "
        f"LIMIT {int(limit)}",
        prefixes=PREFIXES,
        use_default_graph_as_union=True,
    )
    assert isinstance(result, ox.QuerySolutions)
    out = []
    for row in result:
        actor, count = row["a"], row["n"]
        assert isinstance(actor, ox.NamedNode) and isinstance(count, ox.Literal)
        out.append((actor.value, int(count.value)))
    return out


def _scale_name(triples: int) -> str:
    for name, n in SCALES.items():
        if n == triples:
            return name
    return str(triples)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scale", nargs="?", help="10k, 100k, 1m, or a number of triples")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--nquads", type=Path, help="also write the dataset as N-Quads here")
    parser.add_argument("--prune", action="store_true", help="remove outdated cached stores")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.prune:
        for folder in prune():
            print(f"removed {folder}")
    if args.scale is None:
        return 0
    info = cached(args.scale, seed=args.seed)
    print(json.dumps(info.to_json(), indent=2))
    store = ox.Store.read_only(str(info.path))
    print("top hubs:", ", ".join(f"{iri.rsplit('/', 1)[-1]} ({n})" for iri, n in hubs(store)))
    if args.nquads:
        store.dump(str(args.nquads), format=ox.RdfFormat.N_QUADS)
        print(f"wrote {args.nquads}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
