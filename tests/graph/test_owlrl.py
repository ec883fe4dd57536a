"""The ontology, the code lists and the seed graph stay consistent once the axioms of the
vocabularies they align with (ontology/external/vocabularies.ttl) are loaded, under OWL-RL.

The closure is computed once, with ``owlrl`` (a dependency of pySHACL). Literals of annotation
properties (labels, definitions, quotes) are left out: they carry no logic and would only make the
closure slower; every literal of a property with a declared range is kept. See
docs/decisions/20261205-alignments-under-owl-rl.md.
"""

from __future__ import annotations

from pathlib import Path

import owlrl
import pytest
from owlrl.Namespaces import ERRNS
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS

from graph.annotations import load_corpus
from graph.build import corpus_to_rdf, derive_edges
from graph.namespaces import AG, ID, WD
from graph.settings import PROJECT_ROOT
from graph.validate import load_ontology

EXTERNAL = PROJECT_ROOT / "ontology" / "external" / "vocabularies.ttl"
HTTPS_SCHEMA = "https://schema.org/"
SCHEMA = Namespace("http://schema.org/")


def _logical(*graphs: Graph) -> Graph:
    """The union of ``graphs`` without the literals of properties that have no declared range."""
    union = Graph()
    for g in graphs:
        union += g
    ranged = set(union.subjects(RDFS.range, None))
    for triple in list(union):
        if isinstance(triple[2], Literal) and triple[1] not in ranged:
            union.remove(triple)
    return union


def _close(graph: Graph) -> Graph:
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(graph)
    return graph


def _errors(graph: Graph) -> list[str]:
    return sorted(
        str(graph.value(e, ERRNS.error)) for e in graph.subjects(RDF.type, ERRNS.ErrorMessage)
    )


@pytest.fixture(scope="module")
def seed() -> Graph:
    corpus = load_corpus(PROJECT_ROOT / "seeds")
    graphs = corpus_to_rdf(corpus)
    data = [graphs.actors, *graphs.articles.values()]
    union = Graph()
    for g in data:
        union += g
    return union + derive_edges(data, load_ontology())


@pytest.fixture(scope="module")
def closure(seed: Graph) -> Graph:
    external = Graph().parse(EXTERNAL, format="turtle")
    return _close(_logical(load_ontology(), external, seed))


def test_closure_is_consistent(closure: Graph) -> None:
    assert _errors(closure) == []
    assert not list(closure.subjects(RDF.type, OWL.Nothing))
    assert not list(closure.subject_objects(OWL.differentFrom))


def test_no_two_disjoint_classes_share_a_member(closure: Graph) -> None:
    pairs = [(a, b) for a, b in closure.subject_objects(OWL.disjointWith)]
    for axiom in closure.subjects(RDF.type, OWL.AllDisjointClasses):
        head = closure.value(axiom, OWL.members)
        assert head is not None, f"{axiom} has no owl:members"
        members = list(Collection(closure, head))
        pairs += [(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]
    assert len(pairs) > 20
    for a, b in pairs:
        shared = set(closure.subjects(RDF.type, a)) & set(closure.subjects(RDF.type, b))
        assert not shared, f"{a} and {b} are disjoint, yet share {sorted(shared, key=str)[:3]}"


def test_actors_places_and_wikidata_items_are_not_concepts(closure: Graph, seed: Graph) -> None:
    concepts = set(closure.subjects(RDF.type, SKOS.Concept))
    actors = set(closure.subjects(RDF.type, AG.Actor))
    places = set(closure.subjects(RDF.type, AG.Place))
    items = {o for o in seed.objects(None, SCHEMA.sameAs) if str(o).startswith(str(WD))}
    assert actors and places and items
    assert not (actors | places | items) & concepts


def test_events_are_entities_and_never_activities(closure: Graph) -> None:
    events = set(closure.subjects(RDF.type, AG.PoliticalEvent))
    assert len(events) > 100
    assert events <= set(closure.subjects(RDF.type, PROV.Entity))
    assert not events & set(closure.subjects(RDF.type, PROV.Activity))
    assert (ID["activity/seed-curation"], RDF.type, PROV.Activity) in closure


def test_codes_are_concepts_and_event_types(closure: Graph) -> None:
    cameo = URIRef("https://w3id.org/actorgraph/codes/cameo/112")
    assert (cameo, RDF.type, SKOS.Concept) in closure
    assert (cameo, RDF.type, URIRef("http://semanticweb.cs.vu.nl/2009/11/sem/EventType")) in closure


@pytest.mark.parametrize(
    "path",
    [
        PROJECT_ROOT / "ontology" / "actorgraph.ttl",
        PROJECT_ROOT / "ontology" / "codes.ttl",
        EXTERNAL,
        PROJECT_ROOT / "shapes" / "actorgraph.shacl.ttl",
    ],
    ids=lambda p: Path(p).name,
)
def test_schema_org_in_its_http_form(path: Path) -> None:
    assert HTTPS_SCHEMA not in path.read_text(encoding="utf-8")


def test_seed_graph_uses_http_schema_org(seed: Graph) -> None:
    terms = {t for triple in seed for t in triple if isinstance(t, URIRef)}
    assert not [t for t in terms if str(t).startswith(HTTPS_SCHEMA)]
    assert any(str(t).startswith(str(SCHEMA)) for t in terms)


def test_a_skos_mapping_from_an_actor_is_caught() -> None:
    """The misalignment this test guards against: skos:exactMatch makes an actor a concept."""
    actor = ID["actor/russia"]
    data = Graph()
    data.add((actor, RDF.type, AG.State))
    data.add((actor, SKOS.exactMatch, WD.Q159))
    onto = Graph().parse(PROJECT_ROOT / "ontology" / "actorgraph.ttl", format="turtle")
    closed = _close(_logical(onto, Graph().parse(EXTERNAL, format="turtle"), data))
    assert (actor, RDF.type, SKOS.Concept) in closed
    assert _errors(closed)
