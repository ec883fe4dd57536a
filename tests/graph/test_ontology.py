"""The ontology (ontology/actorgraph.ttl) and the code lists (ontology/codes.ttl).

The builder reads ``ag:shortcutProperty`` and ``ag:cameoCode`` from the ontology, and the ``AG``
namespace of :mod:`graph.namespaces` is closed, so these tests pin both files to the namespace and
to the event-type table of seeds/README.md.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS
from rdflib.term import Node

from graph.namespaces import AG, CAMEO, OA, PLOVER, SEM

ROOT = Path(__file__).resolve().parents[2]
ONTOLOGY_FILE = ROOT / "ontology" / "actorgraph.ttl"
CODES_FILE = ROOT / "ontology" / "codes.ttl"
ONTOLOGY_IRI = URIRef("https://w3id.org/actorgraph/ontology")
AG_NS = str(AG._NS)
PLOVER_EXT = "https://w3id.org/actorgraph/codes/plover-ext/"

# Plain namespaces: rdflib's SDO and XSD warn when pytest's doctest collector probes them.
SDO = Namespace("http://schema.org/")  # the http form, as Wikidata uses it
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")

AG_TERMS = sorted(AG.__annotations__)

# seeds/README.md, "Event types": class -> (default CAMEO code, derived edge, class declaring it)
EVENT_TYPES: dict[str, tuple[str, str, str]] = {
    "Meeting": ("040", "metWith", "Meeting"),
    "Conference": ("044", "metWith", "Meeting"),
    "PhoneCall": ("041", "metWith", "Meeting"),
    "Statement": ("010", "commentedOn", "Statement"),
    "Accusation": ("112", "accused", "Accusation"),
    "Criticism": ("111", "criticised", "Criticism"),
    "Denial": ("016", "denied", "Denial"),
    "CooperationOffer": ("030", "offeredCooperationTo", "CooperationOffer"),
    "Invitation": ("036", "invited", "Invitation"),
    "Rejection": ("120", "rejected", "Rejection"),
    "Request": ("020", "appealedTo", "Request"),
    "Support": ("051", "supported", "Support"),
    "Cooperation": ("060", "cooperatedWith", "Cooperation"),
    "AidProvision": ("070", "providedAidTo", "AidProvision"),
    "Sanction": ("160", "sanctioned", "Sanction"),
    "Threat": ("130", "threatened", "Threat"),
    "Demand": ("100", "demanded", "Demand"),
    "Investigation": ("090", "investigated", "Investigation"),
    "Concession": ("080", "concededTo", "Concession"),
    "Mobilisation": ("150", "mobilisedAgainst", "Mobilisation"),
    "Coercion": ("170", "coerced", "Coercion"),
    "ArmedAction": ("190", "attacked", "ArmedAction"),
}
ABSTRACT_EVENT_CLASSES = ("PoliticalEvent", "SpeechAct")

# Codes that annotators may use as finer `cameo:` overrides (besides the defaults above).
# fmt: off
FINER_CODES = [
    "010", "013", "015", "016", "020", "021", "023", "0231", "0233", "030", "031", "032",
    "033", "036", "039", "040", "041", "042", "043", "044", "046", "050", "051", "052",
    "057", "060", "061", "062", "064", "070", "071", "072", "073", "074", "110", "111",
    "112", "1121", "1123", "1125", "114", "120", "122", "125", "128", "130", "138", "160",
    "161", "162", "1621", "1622", "163", "164",
    "0871", "1032", "1042", "154", "1711", "1722", "180", "183", "192", "193",
]
# fmt: on

PLOVER_CATEGORIES = [
    "CONSULT",
    "ACCUSE",
    "REJECT",
    "REQUEST",
    "SUPPORT",
    "COOPERATE",
    "AID",
    "SANCTION",
    "THREATEN",
    "AGREE",
    "CONCEDE",
    "RETREAT",
    "MOBILIZE",
    "COERCE",
    "ASSAULT",
]

# shared/DATA-MODEL.md section 2.3 (and the ontology brief): subclass -> required superclasses
CLASS_ALIGNMENT: list[tuple[URIRef, URIRef]] = [
    (AG.Actor, PROV.Agent),
    (AG.Actor, FOAF.Agent),
    (AG.Actor, SEM.Actor),
    (AG.Person, AG.Actor),
    (AG.Person, FOAF.Person),
    (AG.Person, SDO.Person),
    (AG.Organisation, AG.Actor),
    (AG.Organisation, ORG.Organization),
    (AG.Organisation, SDO.Organization),
    (AG.State, AG.Organisation),
    (AG.State, ORG.FormalOrganization),
    (AG.State, SDO.Country),
    (AG.IntergovernmentalOrganisation, AG.Organisation),
    (AG.ArmedGroup, AG.Organisation),
    (AG.ArmedForce, AG.Organisation),
    (AG.GovernmentBody, AG.Organisation),
    (AG.NewsOrganisation, AG.Organisation),
    (AG.NewsOrganisation, SDO.NewsMediaOrganization),
    (AG.NonGovernmentalOrganisation, AG.Organisation),
    (AG.NonGovernmentalOrganisation, SDO.NGO),
    (AG.Group, AG.Actor),
    (AG.Group, FOAF.Group),
    (AG.Place, SEM.Place),
    (AG.Place, SDO.Place),
    (AG.PoliticalEvent, SEM.Event),
    (AG.PoliticalEvent, SDO.Event),
    (AG.PoliticalEvent, PROV.Entity),
    (AG.Conference, AG.Meeting),
    (AG.PhoneCall, AG.Meeting),
    (AG.SpeechAct, AG.PoliticalEvent),
    (AG.SpeechAct, SDO.CommunicateAction),
    (AG.Denial, SDO.DisagreeAction),
    (AG.Support, AG.SpeechAct),
    (AG.Claim, SDO.Claim),
    (AG.Claim, PROV.Entity),
    (AG.NewsArticle, SDO.NewsArticle),
    (AG.NewsArticle, PROV.Entity),
    (AG.Evidence, OA.Annotation),
    (AG.CurationActivity, PROV.Activity),
    (AG.ExtractionRun, PROV.Activity),
    (AG.Batch, PROV.Entity),
    (AG.Modality, SKOS.Concept),
    (AG.DateBasis, SKOS.Concept),
    (AG.Demand, AG.SpeechAct),
]
# fmt: off
SPEECH_ACTS = [
    "Statement", "Accusation", "Criticism", "Denial", "CooperationOffer",
    "Invitation", "Rejection", "Request", "Support", "Threat", "Demand",
]
# fmt: on
MATERIAL_EVENTS = (
    "Meeting",
    "Cooperation",
    "AidProvision",
    "Sanction",
    "Investigation",
    "Concession",
    "Mobilisation",
    "Coercion",
    "ArmedAction",
)

PROPERTY_ALIGNMENT: list[tuple[URIRef, URIRef]] = [
    (AG.participant, SEM.hasActor),
    (AG.agent, AG.participant),
    (AG.target, AG.participant),
    (AG.addressee, AG.participant),
    (AG.host, AG.participant),
    (AG.mediator, AG.participant),
    (AG.eventType, SEM.eventType),
]

RANGES: dict[str, URIRef] = {
    "quote": XSD.string,
    "confidence": XSD.decimal,
    "characterisation": RDF.langString,
    "dateInferred": XSD.boolean,
    "dateNote": XSD.string,
    "datePrecision": XSD.string,
    "publishedNotBefore": XSD.date,
    "publishedNotAfter": XSD.date,
    "contentSha256": XSD.string,
    "sourceFile": XSD.string,
    "isAnonymous": XSD.boolean,
    "demonym": RDF.langString,
    "attestedOn": XSD.date,
    "goldsteinScale": XSD.decimal,
    "makesClaim": AG.Claim,
    "deniesClaim": AG.Claim,
    "evidence": AG.Evidence,
    "eventType": SKOS.Concept,
    "modality": AG.Modality,
    "interactedWith": AG.Actor,
    "condition": RDF.langString,
    "quadClass": SKOS.Concept,
    "polarity": SKOS.Concept,
    "dateBasis": AG.DateBasis,
}

OWL_KINDS = {
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    OWL.NamedIndividual,
}


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@pytest.fixture(scope="module")
def codes() -> Graph:
    return Graph().parse(CODES_FILE, format="turtle")


def _is_ag(term: object) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(AG_NS)


def _ag(name: str) -> URIRef:
    """``ag:<name>`` (the closed namespace forbids subscripting with a variable in typed code)."""
    return URIRef(str(AG._NS) + name)


def _local(term: Node | None) -> str:
    return str(term)[len(AG_NS) :]


def _en_literals(graph: Graph, subject: URIRef, predicate: URIRef) -> list[Literal]:
    return [
        o
        for o in graph.objects(subject, predicate)
        if isinstance(o, Literal) and o.language == "en" and str(o).strip()
    ]


def _superclasses(graph: Graph, cls: URIRef) -> set[URIRef]:
    """``cls`` and all its superclasses (rdfs:subClassOf*)."""
    return {c for c in graph.transitive_objects(cls, RDFS.subClassOf) if isinstance(c, URIRef)}


def _event_classes(graph: Graph) -> set[str]:
    subclasses = graph.transitive_subjects(RDFS.subClassOf, AG.PoliticalEvent)
    return {_local(c) for c in subclasses if _is_ag(c)} - set(ABSTRACT_EVENT_CLASSES)


def _shortcuts(graph: Graph, cls: URIRef) -> set[URIRef]:
    """Every ag:shortcutProperty the derivation rule finds for ``cls`` (via rdfs:subClassOf*)."""
    found: set[URIRef] = set()
    for sup in _superclasses(graph, cls):
        found.update(o for o in graph.objects(sup, AG.shortcutProperty) if isinstance(o, URIRef))
    return found


def _edge_properties(graph: Graph) -> set[URIRef]:
    """The derived edges: ag:interactedWith and everything below it."""
    found = graph.transitive_subjects(RDFS.subPropertyOf, AG.interactedWith)
    return {p for p in found if isinstance(p, URIRef)}


# --- both files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [ONTOLOGY_FILE, CODES_FILE], ids=lambda p: p.name)
def test_file_parses(path: Path) -> None:
    graph = Graph().parse(path, format="turtle")
    assert len(graph) > 0


@pytest.mark.parametrize("path", [ONTOLOGY_FILE, CODES_FILE], ids=lambda p: p.name)
def test_no_owl_same_as(path: Path) -> None:
    graph = Graph().parse(path, format="turtle")
    assert not list(graph.triples((None, OWL.sameAs, None)))


# --- the ontology -------------------------------------------------------------------------------


def test_ontology_header(onto: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in onto
    assert list(onto.objects(ONTOLOGY_IRI, OWL.versionInfo))
    assert _en_literals(onto, ONTOLOGY_IRI, DCTERMS.title)
    assert _en_literals(onto, ONTOLOGY_IRI, DCTERMS.description)


def test_declared_terms_equal_the_closed_namespace(onto: Graph) -> None:
    declared = {_local(s) for s in onto.subjects(RDF.type, None) if _is_ag(s)}
    assert declared == set(AG_TERMS), (
        f"missing from the ontology: {sorted(set(AG_TERMS) - declared)}; "
        f"not in graph.namespaces.AG: {sorted(declared - set(AG_TERMS))}"
    )


@pytest.mark.parametrize("path", [ONTOLOGY_FILE, CODES_FILE], ids=lambda p: p.name)
def test_no_undeclared_ag_term_is_used(path: Path) -> None:
    graph = Graph().parse(path, format="turtle")
    used = {_local(t) for triple in graph for t in triple if _is_ag(t)}
    assert used <= set(AG_TERMS), sorted(used - set(AG_TERMS))


@pytest.mark.parametrize("name", AG_TERMS)
def test_term_has_one_owl_kind(onto: Graph, name: str) -> None:
    kinds = set(onto.objects(_ag(name), RDF.type)) & OWL_KINDS
    if {(_ag(name), RDF.type, AG.Modality), (_ag(name), RDF.type, AG.DateBasis)} & set(onto):
        assert kinds == {OWL.NamedIndividual}
    else:
        assert len(kinds) == 1, f"ag:{name} is typed {sorted(map(str, kinds))}"


@pytest.mark.parametrize("name", AG_TERMS)
def test_term_has_english_label_and_definition(onto: Graph, name: str) -> None:
    term = _ag(name)
    assert len(_en_literals(onto, term, RDFS.label)) == 1, f"ag:{name} needs one rdfs:label@en"
    definitions = _en_literals(onto, term, SKOS.definition)
    assert len(definitions) == 1, f"ag:{name} needs one skos:definition@en"
    assert len(str(definitions[0])) >= 30, f"ag:{name}: definition too short"


def test_event_classes_are_the_documented_event_types(onto: Graph) -> None:
    assert _event_classes(onto) == set(EVENT_TYPES)


@pytest.mark.parametrize("name", sorted(EVENT_TYPES))
def test_event_class_has_its_default_cameo_code(onto: Graph, codes: Graph, name: str) -> None:
    code = EVENT_TYPES[name][0]
    values = list(onto.objects(_ag(name), AG.cameoCode))
    assert values == [Literal(code)], f"ag:{name} ag:cameoCode {values}"
    concept = CAMEO[code]
    assert (concept, RDF.type, SKOS.Concept) in codes, f"cameo:{code} missing from codes.ttl"
    assert (concept, SKOS.notation, Literal(code)) in codes


@pytest.mark.parametrize("name", sorted(EVENT_TYPES))
def test_event_class_has_exactly_one_shortcut(onto: Graph, name: str) -> None:
    _, edge, declared_on = EVENT_TYPES[name]
    # the derivation rule follows rdfs:subClassOf*, so a second shortcut up the chain would
    # silently derive a second edge
    assert _shortcuts(onto, _ag(name)) == {_ag(edge)}
    assert set(onto.subjects(AG.shortcutProperty, _ag(edge))) == {_ag(declared_on)}
    assert _ag(edge) in _edge_properties(onto)
    assert _ag(edge) != AG.interactedWith


@pytest.mark.parametrize("name", ABSTRACT_EVENT_CLASSES)
def test_abstract_event_classes_have_no_code_or_shortcut(onto: Graph, name: str) -> None:
    assert not list(onto.objects(_ag(name), AG.cameoCode))
    assert not _shortcuts(onto, _ag(name))


def test_speech_acts_and_material_events(onto: Graph) -> None:
    for name in SPEECH_ACTS:
        assert AG.SpeechAct in _superclasses(onto, _ag(name)), name
    for name in MATERIAL_EVENTS:
        assert AG.SpeechAct not in _superclasses(onto, _ag(name)), name


def test_every_derived_edge_comes_from_an_event_class(onto: Graph) -> None:
    shortcuts = set(onto.objects(None, AG.shortcutProperty))
    below = _edge_properties(onto) - {AG.interactedWith}
    # ag:addressed comes from the addressee of speech acts, not from a shortcut
    assert below == shortcuts | {AG.addressed}
    for edge in _edge_properties(onto):
        assert (edge, RDF.type, OWL.ObjectProperty) in onto


def test_met_with_is_the_only_symmetric_edge(onto: Graph) -> None:
    assert (AG.metWith, RDF.type, OWL.SymmetricProperty) in onto
    symmetric = {s for s in onto.subjects(RDF.type, OWL.SymmetricProperty) if _is_ag(s)}
    assert symmetric == {AG.metWith}


def test_interacted_with_links_actors(onto: Graph) -> None:
    assert (AG.interactedWith, RDFS.domain, AG.Actor) in onto
    assert (AG.interactedWith, RDFS.range, AG.Actor) in onto


def test_derived_edge_definitions_warn_against_hand_assertion(onto: Graph) -> None:
    for edge in _edge_properties(onto):
        (definition,) = _en_literals(onto, edge, SKOS.definition)
        assert "never asserted by hand" in definition, edge
    (accused,) = _en_literals(onto, AG.accused, SKOS.definition)
    assert "allegation" in accused
    assert "not a fact" in accused
    (denied,) = _en_literals(onto, AG.denied, SKOS.definition)
    assert "016" in denied


@pytest.mark.parametrize(("sub", "sup"), CLASS_ALIGNMENT, ids=lambda t: t.n3(None))
def test_class_alignment(onto: Graph, sub: URIRef, sup: URIRef) -> None:
    assert sup in _superclasses(onto, sub)


@pytest.mark.parametrize(("sub", "sup"), PROPERTY_ALIGNMENT, ids=lambda t: t.n3(None))
def test_property_alignment(onto: Graph, sub: URIRef, sup: URIRef) -> None:
    assert sup in set(onto.transitive_objects(sub, RDFS.subPropertyOf))


def test_agent_is_schema_agent(onto: Graph) -> None:
    assert (AG.agent, RDFS.subPropertyOf, SDO.agent) in onto or (
        AG.agent,
        OWL.equivalentProperty,
        SDO.agent,
    ) in onto


@pytest.mark.parametrize("name", sorted(RANGES))
def test_property_range(onto: Graph, name: str) -> None:
    assert list(onto.objects(_ag(name), RDFS.range)) == [RANGES[name]]


def test_annotation_properties(onto: Graph) -> None:
    for name in ("shortcutProperty", "cameoCode"):
        assert (_ag(name), RDF.type, OWL.AnnotationProperty) in onto


def test_modalities(onto: Graph) -> None:
    individuals = set(onto.subjects(RDF.type, AG.Modality))
    assert individuals == {AG.Negated, AG.Hypothetical, AG.Future, AG.Historical}


# --- the code lists -----------------------------------------------------------------------------


def _cameo_concepts(codes: Graph) -> list[URIRef]:
    return [
        c
        for c in codes.subjects(RDF.type, SKOS.Concept)
        if isinstance(c, URIRef) and str(c).startswith(str(CAMEO))
    ]


@pytest.mark.parametrize("code", sorted(set(FINER_CODES) | {v[0] for v in EVENT_TYPES.values()}))
def test_cameo_code_is_available(codes: Graph, code: str) -> None:
    concept = CAMEO[code]
    assert (concept, RDF.type, SKOS.Concept) in codes
    assert (concept, SKOS.inScheme, URIRef(str(CAMEO))) in codes
    assert _en_literals(codes, concept, SKOS.prefLabel)


def test_cameo_concepts_are_well_formed(codes: Graph) -> None:
    concepts = _cameo_concepts(codes)
    roots = {f"{n:02d}" for n in range(1, 21)}
    assert {str(c)[len(str(CAMEO)) :] for c in concepts} >= roots
    for concept in concepts:
        code = str(concept)[len(str(CAMEO)) :]
        assert re.fullmatch(r"\d{2,4}", code), concept
        assert list(codes.objects(concept, SKOS.notation)) == [Literal(code)], concept
        assert len(_en_literals(codes, concept, SKOS.prefLabel)) == 1, concept
        assert (concept, SKOS.inScheme, URIRef(str(CAMEO))) in codes
        broader = list(codes.objects(concept, SKOS.broader))
        if len(code) == 2:
            assert not broader, concept
            assert (concept, SKOS.topConceptOf, URIRef(str(CAMEO))) in codes
        else:
            assert broader == [CAMEO[code[:-1]]], concept
            assert (CAMEO[code[:-1]], RDF.type, SKOS.Concept) in codes
        (score,) = codes.objects(concept, AG.goldsteinScale)
        assert isinstance(score, Literal)
        assert score.datatype == XSD.decimal, concept
        assert Decimal(-10) <= score.toPython() <= Decimal(10), concept


@pytest.mark.parametrize(
    ("code", "score"),
    [
        ("016", "-2.0"),
        ("036", "4.0"),
        ("040", "1.0"),
        ("041", "1.0"),
        ("042", "1.9"),
        ("043", "2.8"),
        ("044", "2.5"),
        ("046", "7.0"),
        ("051", "3.4"),
        ("057", "8.0"),
        ("062", "7.4"),
        ("072", "8.3"),
        ("074", "8.5"),
        ("111", "-2.0"),
        ("112", "-2.0"),
        ("1125", "-2.0"),
        ("120", "-4.0"),
        ("125", "-5.0"),
        ("130", "-4.4"),
        ("138", "-7.0"),
    ],
)
def test_goldstein_scores_from_the_data_model(codes: Graph, code: str, score: str) -> None:
    assert list(codes.objects(CAMEO[code], AG.goldsteinScale)) == [
        Literal(Decimal(score), datatype=XSD.decimal)
    ]


def test_cameo_labels_follow_gdelt(codes: Graph) -> None:
    expected = {
        "016": "Deny responsibility",
        "040": "Consult, not specified below",
        "112": "Accuse, not specified below",
        "11": "DISAPPROVE",
        "01": "MAKE PUBLIC STATEMENT",
    }
    for code, label in expected.items():
        assert _en_literals(codes, CAMEO[code], SKOS.prefLabel) == [Literal(label, lang="en")]


@pytest.mark.parametrize("category", PLOVER_CATEGORIES)
def test_plover_category_exists(codes: Graph, category: str) -> None:
    concept = PLOVER[category]
    assert (concept, RDF.type, SKOS.Concept) in codes
    assert (concept, SKOS.inScheme, URIRef(str(PLOVER))) in codes
    assert list(codes.objects(concept, SKOS.notation)) == [Literal(category)]
    assert _en_literals(codes, concept, SKOS.prefLabel)
    assert _en_literals(codes, concept, SKOS.definition)


def test_deny_extension(codes: Graph) -> None:
    deny = URIRef(PLOVER_EXT + "DENY")
    assert (deny, RDF.type, SKOS.Concept) in codes
    assert (deny, SKOS.inScheme, URIRef(PLOVER_EXT)) in codes
    assert _en_literals(codes, deny, SKOS.definition)
    assert (CAMEO["016"], SKOS.closeMatch, deny) in codes


@pytest.mark.parametrize(
    ("code", "category"),
    [
        ("040", "CONSULT"),
        ("041", "CONSULT"),
        ("044", "CONSULT"),
        ("112", "ACCUSE"),
        ("111", "ACCUSE"),
        ("120", "REJECT"),
        ("020", "REQUEST"),
        ("051", "SUPPORT"),
        ("060", "COOPERATE"),
        ("070", "AID"),
        ("160", "SANCTION"),
        ("130", "THREATEN"),
        ("030", "AGREE"),
        ("036", "AGREE"),
    ],
)
def test_cameo_to_plover(codes: Graph, code: str, category: str) -> None:
    matches = set(codes.objects(CAMEO[code], SKOS.closeMatch)) | set(
        codes.objects(CAMEO[code], SKOS.broadMatch)
    )
    assert PLOVER[category] in matches


def test_mapping_targets_exist(codes: Graph) -> None:
    concepts = set(codes.subjects(RDF.type, SKOS.Concept))
    for prop in (SKOS.closeMatch, SKOS.broadMatch, SKOS.relatedMatch, SKOS.broader):
        for subject, target in codes.subject_objects(prop):
            assert target in concepts, f"{subject} {prop} {target}"


def test_every_concept_is_in_a_scheme(codes: Graph) -> None:
    schemes = set(codes.subjects(RDF.type, SKOS.ConceptScheme))
    for concept in codes.subjects(RDF.type, SKOS.Concept):
        in_schemes = set(codes.objects(concept, SKOS.inScheme))
        assert in_schemes and in_schemes <= schemes, concept


def test_date_bases(onto: Graph) -> None:
    individuals = set(onto.subjects(RDF.type, AG.DateBasis))
    assert individuals == {
        AG.DateStated,
        AG.DateRelative,
        AG.DateContext,
        AG.DatePublication,
        AG.DateExternal,
    }
    notations = {str(onto.value(i, SKOS.notation)) for i in individuals}
    assert notations == {"stated", "relative", "context", "publication", "external"}


def test_disjoint_classes_include_places(onto: Graph) -> None:
    lists = [
        set(Collection(onto, m))
        for d in onto.subjects(RDF.type, OWL.AllDisjointClasses)
        for m in onto.objects(d, OWL.members)
    ]
    assert {
        AG.Actor,
        AG.Place,
        AG.PoliticalEvent,
        AG.Report,
        AG.Claim,
        AG.NewsArticle,
        AG.Evidence,
    } in lists
    assert (AG.Actor, OWL.disjointWith, SKOS.Concept) in onto
    assert (AG.Place, OWL.disjointWith, SKOS.Concept) in onto


# --- quad classes and polarity ------------------------------------------------------------------

QUAD = Namespace("https://w3id.org/actorgraph/codes/quad/")
POLARITY = Namespace("https://w3id.org/actorgraph/codes/polarity/")


def _root_quad(code: str) -> URIRef:
    """GDELT's QuadClass of a CAMEO code, from its two-digit root."""
    root = int(code[:2])
    return QUAD["1" if root <= 5 else "2" if root <= 8 else "3" if root <= 13 else "4"]


def test_quad_classes_and_their_polarity(codes: Graph) -> None:
    scheme = URIRef(str(QUAD))
    assert (scheme, RDF.type, SKOS.ConceptScheme) in codes
    expected = {"1": "cooperative", "2": "cooperative", "3": "hostile", "4": "hostile"}
    for n, polarity in expected.items():
        quad = QUAD[n]
        assert (quad, SKOS.inScheme, scheme) in codes
        assert list(codes.objects(quad, SKOS.notation)) == [Literal(n)]
        assert len(_en_literals(codes, quad, SKOS.prefLabel)) == 1
        assert list(codes.objects(quad, AG.polarity)) == [POLARITY[polarity]]
        assert (POLARITY[polarity], SKOS.notation, Literal(polarity)) in codes


def test_every_cameo_code_has_exactly_one_quad_class_that_of_its_root(codes: Graph) -> None:
    concepts = _cameo_concepts(codes)
    assert len(concepts) > 300
    for concept in concepts:
        code = str(concept)[len(str(CAMEO)) :]
        assert list(codes.objects(concept, AG.quadClass)) == [_root_quad(code)], code


def test_quad_class_is_not_text_in_notes(codes: Graph) -> None:
    for note in codes.objects(None, SKOS.note):
        assert "Quad" not in str(note), note


@pytest.mark.parametrize(
    ("category", "quad"),
    [
        ("AGREE", "1"),
        ("CONSULT", "1"),
        ("SUPPORT", "1"),
        ("CONCEDE", "1"),
        ("COOPERATE", "2"),
        ("AID", "2"),
        ("RETREAT", "2"),
        ("REQUEST", "3"),
        ("ACCUSE", "3"),
        ("REJECT", "3"),
        ("THREATEN", "3"),
        ("PROTEST", "4"),
        ("SANCTION", "4"),
        ("MOBILIZE", "4"),
        ("COERCE", "4"),
        ("ASSAULT", "4"),
    ],
)
def test_plover_category_quad_class(codes: Graph, category: str, quad: str) -> None:
    assert list(codes.objects(PLOVER[category], AG.quadClass)) == [QUAD[quad]]


@pytest.mark.parametrize(
    ("name", "quad"),
    [
        ("Request", "1"),
        ("Support", "1"),
        ("Denial", "1"),
        ("Cooperation", "2"),
        ("AidProvision", "2"),
        ("Concession", "2"),
        ("Demand", "3"),
        ("Investigation", "3"),
        ("Accusation", "3"),
        ("Threat", "3"),
        ("Sanction", "4"),
        ("Mobilisation", "4"),
        ("Coercion", "4"),
        ("ArmedAction", "4"),
    ],
)
def test_event_class_default_code_quad(onto: Graph, codes: Graph, name: str, quad: str) -> None:
    (code,) = onto.objects(_ag(name), AG.cameoCode)
    assert list(codes.objects(CAMEO[str(code)], AG.quadClass)) == [QUAD[quad]]
