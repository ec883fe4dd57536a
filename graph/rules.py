"""The edge rule, declared once: which events link which actors, by which relation.

Why a module of its own: the direct actor-to-actor edges (``ag:metWith``, ``ag:accused``, …) are
derived from events, and the build, the steward batches, the ego-network index and the benchmarks'
generator must derive exactly the same ones. The *table* is data in the ontology — each event
class's ``ag:shortcutProperty`` (inherited along ``rdfs:subClassOf``), which of those relations are
``owl:SymmetricProperty``, which classes are speech acts (they also derive ``ag:addressed``), and
which modalities have ``ag:suppressesEdges true`` — read here into an :class:`EdgeRules`; the
*logic* is :meth:`EdgeRules.edges`, the only place that turns an event's roles into edges:

- a symmetric relation (``ag:metWith``) links every two distinct participants, both ways;
- any other relation links the agent to each target;
- a speech act also links the agent to each addressee (``ag:addressed``);
- an event whose modality suppresses edges (negated, hypothetical, future) links no one;
- a membership links its member to its organisation (``org:memberOf``).

The shapes (``shapes/actorgraph.shacl.ttl``) check stored edges against the same ontology
declarations; ``tests/graph/test_rules.py`` holds them to this rule, edge for edge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.term import Node

from graph.namespaces import AG, ORG, OWL, RDF, RDFS

__all__ = ["EdgeRules", "EventRoles", "derive_edges"]

Edge = tuple[str, str, str]  # (source IRI, relation IRI, target IRI)

#: the predicates an event's edges depend on (besides its classes), for readers that scan
ROLE_PREDICATES: frozenset[URIRef] = frozenset(
    {AG.agent, AG.target, AG.addressee, AG.participant, AG.modality}
)


@dataclass
class EventRoles:
    """What the rule reads of one event: its classes, modalities and actors by role (IRIs)."""

    classes: set[str] = field(default_factory=set)
    modalities: set[str] = field(default_factory=set)
    agents: set[str] = field(default_factory=set)
    targets: set[str] = field(default_factory=set)
    addressees: set[str] = field(default_factory=set)
    participants: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class EdgeRules:
    """The rule table read from an ontology (module docstring)."""

    relations: dict[str, frozenset[str]]  # event class → the relations it derives
    symmetric: frozenset[str]  # relations that link every two participants
    speech_acts: frozenset[str]  # event classes that also derive ag:addressed
    suppressing: frozenset[str]  # modalities whose events derive nothing

    @classmethod
    def from_ontology(cls, onto: Graph) -> EdgeRules:
        """Read the table from ``onto`` (the ontology, or any graph that holds its declarations)."""

        def ancestors(c: Node) -> set[Node]:
            return {a for a in onto.transitive_objects(c, RDFS.subClassOf) if a is not None}

        events = {
            c for c in onto.transitive_subjects(RDFS.subClassOf, AG.PoliticalEvent) if c is not None
        }
        relations: dict[str, frozenset[str]] = {}
        speech: set[str] = set()
        for c in events:
            up = ancestors(c)
            found = {str(p) for a in up for p in onto.objects(a, AG.shortcutProperty)}
            if found:
                relations[str(c)] = frozenset(found)
            if AG.SpeechAct in up:
                speech.add(str(c))
        return cls(
            relations=relations,
            symmetric=frozenset(str(p) for p in onto.subjects(RDF.type, OWL.SymmetricProperty)),
            speech_acts=frozenset(speech),
            suppressing=frozenset(
                str(m)
                for m, v in onto.subject_objects(AG.suppressesEdges)
                if str(v).lower() in ("true", "1")
            ),
        )

    @property
    def event_classes(self) -> frozenset[str]:
        """The classes whose events can derive an edge."""
        return frozenset(self.relations) | self.speech_acts

    def edges(self, e: EventRoles) -> Iterator[Edge]:
        """The edges one event derives (each once; a symmetric relation in both directions)."""
        if e.modalities & self.suppressing:
            return
        seen: set[Edge] = set()
        for c in sorted(e.classes):
            for rel in sorted(self.relations.get(c, ())):
                if rel in self.symmetric:
                    pairs = ((a, b) for a in e.participants for b in e.participants)
                else:
                    pairs = ((a, b) for a in e.agents for b in e.targets)
                for a, b in pairs:
                    seen.add((a, rel, b))
            if c in self.speech_acts:
                for a in e.agents:
                    for b in e.addressees:
                        seen.add((a, str(AG.addressed), b))
        yield from sorted(edge for edge in seen if edge[0] != edge[2])

    @staticmethod
    def membership_edge(member: str, organisation: str) -> Edge:
        """A membership's edge: the member is a member of the organisation."""
        return (member, str(ORG.memberOf), organisation)


#: ``predicate → (subject, object)`` IRIs of every triple with that predicate: how the rule reads
#: data, from rdflib graphs (:func:`derive_edges`) or a pyoxigraph store (the benchmarks' generator)
Pairs = Callable[[URIRef], Iterable[tuple[str, str]]]


def read_events(pairs: Pairs, rules: EdgeRules) -> dict[str, EventRoles]:
    """Every event that may derive an edge, with its roles: one scan per predicate."""
    wanted = rules.event_classes
    events: dict[str, EventRoles] = {}
    for s, c in pairs(RDF.type):
        if c in wanted:
            events.setdefault(s, EventRoles()).classes.add(c)
    slots = {
        AG.agent: "agents",
        AG.target: "targets",
        AG.addressee: "addressees",
        AG.participant: "participants",
        AG.modality: "modalities",
    }
    for p, slot in slots.items():
        for s, o in pairs(p):
            roles = events.get(s)
            if roles is not None:
                getattr(roles, slot).add(o)
    return events


def derive(pairs: Pairs, rules: EdgeRules) -> set[Edge]:
    """Every edge the rule derives from the events and memberships that ``pairs`` reads."""
    out: set[Edge] = set()
    for roles in read_events(pairs, rules).values():
        out.update(rules.edges(roles))
    memberships = {s for s, c in pairs(RDF.type) if c == str(ORG.Membership)}
    members: dict[str, set[str]] = {}
    for s, o in pairs(ORG.member):
        if s in memberships:
            members.setdefault(s, set()).add(o)
    for s, o in pairs(ORG.organization):
        for m in members.get(s, ()):
            if m != o:
                out.add(EdgeRules.membership_edge(m, o))
    return out


def graph_pairs(data: Iterable[Graph]) -> Pairs:
    """:data:`Pairs` over the union of some rdflib graphs."""
    graphs = list(data)

    def pairs(p: URIRef) -> Iterator[tuple[str, str]]:
        for g in graphs:
            for s, _, o in g.triples((None, p, None)):
                yield str(s), str(o)

    return pairs


def derive_edges(data: Iterable[Graph], ontology: Graph) -> Graph:
    """The edges the rule derives from the events and memberships in ``data`` (their union)."""
    out = Graph()
    for a, p, b in derive(graph_pairs(data), EdgeRules.from_ontology(ontology)):
        out.add((URIRef(a), URIRef(p), URIRef(b)))
    return out
