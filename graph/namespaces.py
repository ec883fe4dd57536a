"""Namespaces, declared once.

``AG`` is a closed namespace: a misspelt term raises ``AttributeError`` instead of minting a new IRI.
``tests/graph/test_namespaces.py`` keeps it in sync with ``ontology/actorgraph.ttl``.
Standard vocabularies come from :mod:`rdflib.namespace`; only those rdflib lacks are declared here.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import (
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SH,
    SKOS,
    TIME,
    XSD,
    DefinedNamespace,
)

__all__ = [
    "AG",
    "CAMEO",
    "DCTERMS",
    "FOAF",
    "ID",
    "OA",
    "ORG",
    "OWL",
    "PLOVER",
    "POLARITY",
    "PREFIXES",
    "PROV",
    "QUAD",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SEM",
    "SH",
    "SKOS",
    "TIME",
    "WD",
    "XSD",
    "graph_iri",
]


class AG(DefinedNamespace):
    """The actorgraph ontology (``ontology/actorgraph.ttl``)."""

    _NS = Namespace("https://w3id.org/actorgraph/ontology#")
    _fail = True

    # actors
    Actor: URIRef
    Person: URIRef
    Organisation: URIRef
    State: URIRef
    IntergovernmentalOrganisation: URIRef
    ArmedGroup: URIRef
    ArmedForce: URIRef
    GovernmentBody: URIRef
    NewsOrganisation: URIRef
    NonGovernmentalOrganisation: URIRef
    Group: URIRef
    Place: URIRef
    # events
    PoliticalEvent: URIRef
    Meeting: URIRef
    Conference: URIRef
    PhoneCall: URIRef
    SpeechAct: URIRef
    Statement: URIRef
    Accusation: URIRef
    Criticism: URIRef
    Denial: URIRef
    CooperationOffer: URIRef
    Invitation: URIRef
    Rejection: URIRef
    Request: URIRef
    Support: URIRef
    Cooperation: URIRef
    AidProvision: URIRef
    Sanction: URIRef
    Threat: URIRef
    Demand: URIRef
    Investigation: URIRef
    Concession: URIRef
    Mobilisation: URIRef
    Coercion: URIRef
    ArmedAction: URIRef
    # content, provenance
    Claim: URIRef
    NewsArticle: URIRef
    Evidence: URIRef
    Report: URIRef
    CurationActivity: URIRef
    ExtractionRun: URIRef
    Batch: URIRef
    Modality: URIRef
    Negated: URIRef
    Hypothetical: URIRef
    Future: URIRef
    Historical: URIRef
    DateBasis: URIRef
    DateStated: URIRef
    DateRelative: URIRef
    DatePublication: URIRef
    DateContext: URIRef
    DateExternal: URIRef
    # event roles and links
    participant: URIRef
    agent: URIRef
    target: URIRef
    addressee: URIRef
    host: URIRef
    mediator: URIRef
    targetUnnamed: URIRef
    onBehalfOf: URIRef
    makesClaim: URIRef
    deniesClaim: URIRef
    respondsTo: URIRef
    evidence: URIRef
    hasReport: URIRef
    reportOf: URIRef
    reportedType: URIRef
    reportedVia: URIRef
    citesSource: URIRef
    eventType: URIRef
    modality: URIRef
    inCountry: URIRef
    shortcutProperty: URIRef
    suppressesEdges: URIRef
    # derived actor-to-actor edges
    interactedWith: URIRef
    metWith: URIRef
    accused: URIRef
    denied: URIRef
    criticised: URIRef
    commentedOn: URIRef
    offeredCooperationTo: URIRef
    invited: URIRef
    rejected: URIRef
    appealedTo: URIRef
    supported: URIRef
    cooperatedWith: URIRef
    providedAidTo: URIRef
    sanctioned: URIRef
    threatened: URIRef
    addressed: URIRef
    demanded: URIRef
    investigated: URIRef
    concededTo: URIRef
    mobilisedAgainst: URIRef
    coerced: URIRef
    attacked: URIRef
    # literals
    quote: URIRef
    confidence: URIRef
    characterisation: URIRef
    dateInferred: URIRef
    dateNote: URIRef
    datePrecision: URIRef
    publishedNotBefore: URIRef
    publishedNotAfter: URIRef
    contentSha256: URIRef
    sourceFile: URIRef
    isAnonymous: URIRef
    demonym: URIRef
    attestedOn: URIRef
    cameoCode: URIRef
    goldsteinScale: URIRef
    condition: URIRef
    quadClass: URIRef
    polarity: URIRef
    dateBasis: URIRef


ID = Namespace("https://w3id.org/actorgraph/id/")
CAMEO = Namespace("https://w3id.org/actorgraph/codes/cameo/")
PLOVER = Namespace("https://w3id.org/actorgraph/codes/plover/")
SEM = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")
OA = Namespace("http://www.w3.org/ns/oa#")
WD = Namespace("http://www.wikidata.org/entity/")
QUAD = Namespace("https://w3id.org/actorgraph/codes/quad/")
POLARITY = Namespace("https://w3id.org/actorgraph/codes/polarity/")
#: schema.org in its http form, as Wikidata and the schema.org RDF releases use it (rdflib's SDO is
#: the https form, which would make our terms differ from Wikidata's).
SCHEMA = Namespace("http://schema.org/")

#: Prefixes bound on every serializer and passed to every query, so output never depends on
#: library defaults (RDFLib/rdflib#2103).
PREFIXES: dict[str, str] = {
    "ag": str(AG._NS),
    "id": str(ID),
    "actor": str(ID) + "actor/",
    "event": str(ID) + "event/",
    "claim": str(ID) + "claim/",
    "article": str(ID) + "article/",
    "place": str(ID) + "place/",
    "cameo": str(CAMEO),
    "plover": str(PLOVER),
    "quad": str(QUAD),
    "polarity": str(POLARITY),
    "time": str(TIME),
    "sem": str(SEM),
    "oa": str(OA),
    "prov": str(PROV),
    "org": str(ORG),
    "schema": str(SCHEMA),
    "foaf": str(FOAF),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "sh": str(SH),
    "wd": str(WD),
}


def graph_iri(*parts: str) -> URIRef:
    """The IRI of a named graph of the store: ``graph_iri("article", "x")`` → ``id:graph/article/x``."""
    return URIRef(str(ID) + "graph/" + "/".join(parts))
