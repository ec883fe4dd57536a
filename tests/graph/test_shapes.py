"""The SHACL shapes (shapes/actorgraph.shacl.ttl) and the validation module (graph/validate.py).

Every rule has a case under tests/graph/shapes/<case>/: ``conforming.ttl`` must conform and
``violating.ttl`` must fail with exactly the (source shape, result path) pairs that
tests/graph/shapes/cases.yaml lists. Each fixture is merged with tests/graph/shapes/_base.ttl, and
validated as the build validates: with the real ontology (ontology/actorgraph.ttl, codes.ttl).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from rdflib import Dataset, Graph, Literal, URIRef

from graph.build import ONTOLOGY_GRAPH
from graph.errors import ValidationFailed
from graph.namespaces import AG, ID, OWL, RDF, RDFS, SEM, SH
from graph.reports import complete_reports
from graph.store import Store
from graph.validate import (
    AGS,
    Report,
    in_annotation_terms,
    load_shapes,
    raise_if_invalid,
    validate,
)

SHAPES_DIR = Path(__file__).parent / "shapes"
CASES: dict[str, dict[str, Any]] = yaml.safe_load(
    (SHAPES_DIR / "cases.yaml").read_text(encoding="utf-8")
)


def case_data(case: str, kind: str) -> Graph:
    """``_base.ttl`` merged with one fixture of ``case`` (``kind``: conforming or violating)."""
    data = Graph().parse(SHAPES_DIR / "_base.ttl", format="turtle")
    data.parse(SHAPES_DIR / case / f"{kind}.ttl", format="turtle")
    if CASES[case].get("reports", "made") == "made":
        # as a batch is validated: the report of each evidence no report covers is made first
        data += complete_reports(data)
    return data


def expected(case: str) -> set[tuple[str, str | None]]:
    return {(shape, path) for shape, path in CASES[case]["expect"]}


def found(report: Report) -> set[tuple[str, str | None]]:
    return {(r.source_shape, r.result_path) for r in report.results}


# ------------------------------------------------------------------------------------------------
# one conforming and one violating fixture per rule


def test_base_conforms() -> None:
    report = validate(Graph().parse(SHAPES_DIR / "_base.ttl", format="turtle"))
    assert report.conforms, report.text


@pytest.mark.parametrize("case", sorted(CASES))
def test_conforming(case: str) -> None:
    report = validate(case_data(case, "conforming"))
    assert report.conforms, report.text
    assert report.results == []


@pytest.mark.parametrize("case", sorted(CASES))
def test_violating(case: str) -> None:
    report = validate(case_data(case, "violating"))
    assert not report.conforms
    assert found(report) == expected(case), report.text
    assert {r.severity for r in report.results} == {"Violation"}
    for result in report.results:  # messages are ours, in words, with every placeholder filled
        assert re.search(r"[A-Za-z]{3,}( [A-Za-z(]\S*){4,}", result.message), result
        assert "{?" not in result.message and "{$" not in result.message, result
        assert not result.message.startswith("Value "), "a pySHACL default message, not ours"
    # the SPARQL constraints are answered by the store's engine (pyoxigraph); rdflib, which
    # pySHACL uses on its own, is the reference: the same results, messages and values
    reference = validate(case_data(case, "violating"), engine=False)
    assert report.results == reference.results, (report.text, reference.text)


def test_the_store_engine_reports_as_rdflib_does_on_the_seed_graph(store: Store) -> None:
    """The store's engine reports as rdflib does (test_violating) on the seed graph too, with a few
    rules seed (a second agent, an asserted edge, an event dated after its article, an
    undeclared property)."""
    seed = Graph()
    for name in store.named_graphs():
        if name != ONTOLOGY_GRAPH:
            for t in store.triples(name):
                seed.add(t)
    event, _, agent = min(seed.triples((None, AG.agent, None)), key=str)
    other = min((a for a in seed.objects(None, AG.agent) if a != agent), key=str)
    seed.add((event, AG.agent, other))
    seed.add((agent, AG.accused, other))
    seed.add((event, SEM.hasTimeStamp, Literal(dt.date(2030, 1, 1))))
    seed.add((agent, URIRef(str(AG) + "undeclared"), Literal("x")))
    fast, reference = validate(seed), validate(seed, engine=False)
    assert fast.results == reference.results, (fast.text, reference.text)
    assert {r.source_shape for r in fast.results} >= {
        "ags:EventShape-agent",
        "ags:DirectEdgeShape",
        "ags:EventShape",
        "ags:InstanceShape",
    }, fast.text


def test_every_case_has_both_fixtures() -> None:
    on_disk = {p.name for p in SHAPES_DIR.iterdir() if p.is_dir()}
    assert on_disk == set(CASES)
    for case in CASES:
        assert (SHAPES_DIR / case / "conforming.ttl").is_file()
        assert (SHAPES_DIR / case / "violating.ttl").is_file()


def test_every_shape_has_a_case() -> None:
    """Each property shape attached with sh:property, and each node shape with a target and a
    constraint of its own (sh:or, sh:sparql), is expected by at least one violating case."""
    shapes = load_shapes()
    targets = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
    structural = {RDF.type, RDFS.comment, SH.property, SH.message, AGS.annotationMessage, *targets}
    own_constraints = {
        s
        for t in targets
        for s in shapes.subjects(t, None)
        if set(shapes.predicates(s)) - structural
    }
    top = own_constraints | set(shapes.objects(None, SH.property))
    named = {"ags:" + str(s).removeprefix(str(AGS)) for s in top}
    covered = {shape for case in CASES for shape, _ in CASES[case]["expect"]}
    assert named - covered == set()


# ------------------------------------------------------------------------------------------------
# the shapes file itself


def test_shapes_are_named() -> None:
    """Every shape and SPARQL constraint is an IRI in ags:, so that reports name it."""
    shapes = load_shapes()
    links = (SH.property, SH.sparql, SH.qualifiedValueShape, SH.node)
    nodes = set(shapes.subjects(SH.path, None)) | {
        o for p in links for o in shapes.objects(None, p)
    }
    for members in shapes.objects(None, SH["or"]):
        nodes |= set(shapes.items(members))
    assert nodes
    for node in nodes:
        assert isinstance(node, URIRef) and str(node).startswith(str(AGS)), node


def test_every_rule_has_a_message() -> None:
    """Each top-level shape or constraint says in words what is wrong and what to do."""
    shapes = load_shapes()
    rules = set(shapes.objects(None, SH.property)) | set(shapes.objects(None, SH.sparql))
    rules |= {s for s in shapes.subjects(SH["or"], None)}
    for rule in rules:
        messages = [str(m) for m in shapes.objects(rule, SH.message)]
        assert len(messages) == 1, rule
        assert len(messages[0].split()) >= 10, rule


#: Words of the YAML annotations and the actor registry, which people sending triples never see.
YAML_WORDS = re.compile(
    r"`|\brebuild|registry|\bbuilder\b|seeds/|\.yaml|annotation of its article|"
    r"article's annotation|article of the annotation"
)


def test_messages_speak_rdf_and_the_annotation_messages_yaml() -> None:
    """sh:message names the RDF terms to write (stewards send Turtle, JSON-LD…); where the seeds'
    YAML has words of its own (`date_earliest`, the actor registry, rebuild), the shape says it
    again in ags:annotationMessage, which `actorgraph build` shows instead."""
    shapes = load_shapes()
    for rule, message in shapes.subject_objects(SH.message):
        assert not YAML_WORDS.search(str(message)), (rule, str(message))
    annotated = dict(shapes.subject_objects(AGS.annotationMessage))
    assert annotated
    for rule, yaml_message in annotated.items():
        assert (rule, SH.message, None) in shapes, rule
        assert YAML_WORDS.search(str(yaml_message)), (rule, str(yaml_message))
    date = str(annotated[AGS.EventDateShape])
    assert "`date_earliest`" in date and "`date_note`" in date


def test_in_annotation_terms_fills_the_placeholders_as_pyshacl_does() -> None:
    report = validate(case_data("edge-backed-by-event", "violating"))
    ((before,), (after,)) = report.results, in_annotation_terms(report).results
    alice, ruritania = str(ID["actor/alice"]), str(ID["actor/ruritania"])
    assert f"{alice} ag:accused {ruritania}" in before.message
    assert "remove the edge, and add the event (with ag:agent and ag:target)" in before.message
    assert f"{alice} ag:accused {ruritania}" in after.message
    assert "add the event to the article's annotation and rebuild" in after.message
    assert "{" not in after.message
    assert replace(after, message=before.message) == before  # only the message changes
    assert after.message in in_annotation_terms(report).text


def test_sparql_messages_name_the_edge() -> None:
    report = validate(case_data("edge-backed-by-event", "violating"))
    (result,) = report.results
    alice, ruritania = str(ID["actor/alice"]), str(ID["actor/ruritania"])
    assert result.focus_node == alice
    assert result.value == ruritania
    assert result.source_constraint_component == "SPARQLConstraintComponent"
    assert f"{alice} ag:accused {ruritania}" in result.message


# ------------------------------------------------------------------------------------------------
# the validation module


def test_report_is_sorted_and_stable() -> None:
    data = case_data("event-agent-is-actor", "violating")
    data.parse(SHAPES_DIR / "article-date" / "violating.ttl", format="turtle")
    first, second = validate(data), validate(data)
    assert first.results == second.results
    assert first.text == second.text
    assert first.results == sorted(first.results, key=lambda r: r.sort_key())
    assert len(first.results) == 3


def test_report_to_json_and_turtle() -> None:
    report = validate(case_data("event-agent", "violating"))
    data = report.to_json()
    assert data["conforms"] is False
    (result,) = data["results"]
    assert result["source_shape"] == "ags:EventShape-agent"
    assert result["result_path"] == "ag:agent"
    assert result["focus_node"] == str(ID["event/e1"])
    assert result["source_constraint_component"] == "MinCountConstraintComponent"
    assert result["severity"] == "Violation"
    assert set(result) == {
        "focus_node",
        "result_path",
        "value",
        "severity",
        "source_shape",
        "source_constraint_component",
        "message",
    }
    back = Graph().parse(data=report.to_turtle(), format="turtle")
    assert (None, RDF.type, SH.ValidationReport) in back
    assert (None, SH.sourceShape, AGS["EventShape-agent"]) in back


def test_sequence_paths_are_rendered() -> None:
    (result,) = validate(case_data("evidence-exact", "violating")).results
    assert result.result_path == "oa:hasTarget/oa:hasSelector/oa:exact"


def test_raise_if_invalid() -> None:
    assert raise_if_invalid(case_data("event-agent", "conforming")).conforms
    with pytest.raises(ValidationFailed) as caught:
        raise_if_invalid(case_data("event-agent", "violating"))
    assert isinstance(caught.value.report, Report)
    assert caught.value.message.startswith("The data does not conform to the shapes: 1 problem.")
    assert "exactly one agent" in caught.value.message


def test_input_is_not_modified() -> None:
    data = case_data("edge-backed-by-event", "violating")
    before = len(data)
    validate(data)
    assert len(data) == before


def test_named_graphs_are_validated_together() -> None:
    """An edge in the edges graph is backed by an event in an article graph (the store's layout)."""
    case = case_data("edge-backed-by-event", "conforming")
    store = Dataset()
    edges = store.graph(ID["graph/edges"])
    article = store.graph(ID["graph/article/a1"])
    for triple in case:
        (edges if triple[1] == AG.accused else article).add(triple)
    assert len(edges) == 1
    assert validate(store).conforms
    article.remove((None, AG.agent, None))
    assert not validate(store).conforms


def test_include_ontology_false_needs_the_ontology_in_the_data() -> None:
    """Without the ontology no subclass is known: a State is not an ag:Actor for sh:class, and the
    edge check fails closed (no event class declares its shortcut property)."""
    report = validate(case_data("edge-backed-by-event", "conforming"), include_ontology=False)
    assert not report.conforms
    assert {
        ("ags:DirectEdgeShape", "ag:accused"),
        ("ags:ClaimShape-about", "schema:about"),
    } <= found(report)
    # and no term is declared: the nodes typed with an ag: class directly fail closed too
    others = {shape for shape, _ in found(report)} - {"ags:DirectEdgeShape", "ags:ClaimShape-about"}
    # (and the reports made for the events name an ag:PoliticalEvent no class is known to be)
    assert others == {"ags:InstanceShape", "ags:ReportShape-event"}


def test_the_edge_shape_targets_every_derived_edge_of_the_ontology() -> None:
    """The edge rule is the ontology's (ag:shortcutProperty, ag:suppressesEdges): the shapes read
    it there, and SHACL core needs the targets listed, so they must be exactly the ontology's
    derived edges (a new edge property would otherwise go unchecked)."""
    from graph.validate import load_ontology

    ontology, shapes = load_ontology(), load_shapes()
    edges = set(ontology.transitive_subjects(RDFS.subPropertyOf, AG.interactedWith))
    assert set(shapes.objects(AGS.DirectEdgeShape, SH.targetSubjectsOf)) == edges
    # the directed ones that ags:EdgeBackedByEvent lists (it lists them, rather than reading the
    # ontology's ag:shortcutProperty, so that it fails closed without the ontology)
    select = str(shapes.value(AGS.EdgeBackedByEvent, SH.select))
    listed = set(re.findall(r"ag:(\w+)", select.split("FILTER (?path IN (", 1)[1].split(")")[0]))
    directed = {
        str(p).rsplit("#", 1)[1]
        for p in ontology.objects(None, AG.shortcutProperty)
        if (p, RDF.type, OWL.SymmetricProperty) not in ontology
    }
    assert listed == directed
