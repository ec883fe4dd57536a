"""The edge rule (graph/rules.py): its table comes from the ontology, and the shapes accept exactly
the edges it derives — for every event class, relation and modality the ontology declares."""

from __future__ import annotations

import hashlib

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from graph.namespaces import AG, ID, OA, ORG, PROV, RDF, RDFS, SCHEMA, SEM
from graph.reports import complete_reports
from graph.rules import EdgeRules, EventRoles, derive_edges
from graph.validate import load_ontology, validate

ONTOLOGY = load_ontology()
RULES = EdgeRules.from_ontology(ONTOLOGY)
RELATIONS = sorted(
    {str(p) for p in ONTOLOGY.transitive_subjects(RDFS.subPropertyOf, AG.interactedWith)}
    - {str(AG.interactedWith)}
)
ARTICLE = ID["article/rules"]
BODY = "The text of the article the events of these tests come from."


def test_the_table_is_the_ontologys() -> None:
    """Every event class with an edge, its relation as the ontology declares it."""
    assert RULES.relations[str(AG.Meeting)] == {str(AG.metWith)}
    assert RULES.relations[str(AG.Accusation)] == {str(AG.accused)}
    assert str(AG.metWith) in RULES.symmetric and str(AG.accused) not in RULES.symmetric
    assert str(AG.Accusation) in RULES.speech_acts and str(AG.Meeting) not in RULES.speech_acts
    assert RULES.suppressing == {str(AG.Negated), str(AG.Hypothetical), str(AG.Future)}
    declared = {str(o) for o in ONTOLOGY.objects(None, AG.shortcutProperty)}
    assert {r for rels in RULES.relations.values() for r in rels} == declared


def test_one_event_gives_its_edges() -> None:
    meeting = EventRoles(classes={str(AG.Meeting)}, agents={"a"}, participants={"a", "b", "c"})
    assert {(s, o) for s, _, o in RULES.edges(meeting)} == {
        (x, y) for x in "abc" for y in "abc" if x != y
    }
    accusation = EventRoles(
        classes={str(AG.Accusation)}, agents={"a"}, targets={"b", "a"}, addressees={"c"}
    )
    assert set(RULES.edges(accusation)) == {
        ("a", str(AG.accused), "b"),
        ("a", str(AG.addressed), "c"),
    }
    accusation.modalities.add(str(AG.Hypothetical))
    assert list(RULES.edges(accusation)) == []
    accusation.modalities = {str(AG.Historical)}
    assert len(list(RULES.edges(accusation))) == 2


def _world() -> tuple[Graph, list[tuple[URIRef, URIRef, URIRef]]]:
    """One event of every class that derives an edge (and, per class, one with a suppressing
    modality, each modality in turn), each between actors of its own, with its evidence; and every actor-to-actor edge
    of every relation between each event's actors that the rule does NOT derive."""
    g = Graph()
    g.add((ARTICLE, RDF.type, AG.NewsArticle))
    g.add((ARTICLE, SCHEMA.datePublished, Literal("2017-02-10", datatype=XSD.date)))
    g.add((ARTICLE, AG.sourceFile, Literal("rules.txt")))
    g.add((ARTICLE, AG.contentSha256, Literal(hashlib.sha256(BODY.encode()).hexdigest())))
    g.add((ARTICLE, SCHEMA.articleBody, Literal(BODY)))
    codes = {str(c): code for c, code in ONTOLOGY.subject_objects(AG.cameoCode)}
    wrong: list[tuple[URIRef, URIRef, URIRef]] = []
    concrete = sorted(c for c in RULES.event_classes if c in codes)  # (SpeechAct is abstract)
    cases: list[tuple[str, str | None]] = [(c, None) for c in concrete]
    suppressing = sorted(RULES.suppressing)  # each class once with one of them, in turn
    cases += [(c, suppressing[i % len(suppressing)]) for i, c in enumerate(concrete)]
    for n, (cls, modality) in enumerate(cases):
        e, ev = ID[f"event/r{n}"], ID[f"evidence/r{n}"]
        agent, target, addressee = (ID[f"actor/r{n}-{x}"] for x in ("agent", "target", "to"))
        for actor, kind in ((agent, AG.Person), (target, AG.State), (addressee, AG.Person)):
            g.add((actor, RDF.type, kind))
            g.add((actor, RDFS.label, Literal(f"{actor.rsplit('/', 1)[1]}", lang="en")))
        g.add((e, RDF.type, URIRef(cls)))
        g.add((e, AG.eventType, URIRef(f"https://w3id.org/actorgraph/codes/cameo/{codes[cls]}")))
        g.add((e, AG.agent, agent))
        g.add((e, AG.target, target))
        g.add((e, AG.addressee, addressee))
        for actor in (agent, target, addressee):
            g.add((e, AG.participant, actor))
        if modality is not None:
            g.add((e, AG.modality, URIRef(modality)))
        if cls == str(AG.Denial):  # a denial says what it denies
            claim = ID[f"claim/r{n}"]
            g.add((claim, RDF.type, AG.Claim))
            g.add((claim, SCHEMA.text, Literal(f"claim {n}", lang="en")))
            g.add((claim, PROV.wasDerivedFrom, ARTICLE))
            g.add((e, AG.deniesClaim, claim))
        g.add((e, SEM.hasTimeStamp, Literal("2017-02-09", datatype=XSD.date)))
        g.add((e, AG.quote, Literal(f"quote {n}")))
        g.add((e, AG.evidence, ev))
        g.add((e, PROV.wasDerivedFrom, ARTICLE))
        target_node = ID[f"evidence/r{n}/target"]
        selector = ID[f"evidence/r{n}/quote"]
        g.add((ev, RDF.type, AG.Evidence))
        g.add((ev, OA.hasBody, e))
        g.add((ev, OA.hasTarget, target_node))
        g.add((target_node, OA.hasSource, ARTICLE))
        g.add((target_node, OA.hasSelector, selector))
        g.add((selector, RDF.type, OA.TextQuoteSelector))
        g.add((selector, OA.exact, Literal(f"quote {n}")))
        actors = (agent, target, addressee)
        one = Graph()
        for t in g.triples((e, None, None)):
            one.add(t)
        derived = set(derive_edges([one], ONTOLOGY))
        for a in actors:
            for b in actors:
                for rel in [*RELATIONS, str(ORG.memberOf)]:
                    t = (a, URIRef(rel), b)
                    if a != b and t not in derived:
                        wrong.append(t)
    return g, wrong


def test_the_shapes_accept_exactly_the_rules_edges() -> None:
    g, wrong = _world()
    g += complete_reports(g)
    right = derive_edges([g], ONTOLOGY)
    assert len(right) > 0
    with_right = g + right
    report = validate(with_right)
    assert report.conforms, report.text
    with_wrong = with_right + Graph()
    for t in wrong:
        with_wrong.add(t)
    report = validate(with_wrong)
    flagged = {(r.focus_node, r.result_path, r.value) for r in report.results}
    missed = [
        t for t in wrong if not any(f == str(t[0]) and (v == str(t[2])) for f, _, v in flagged)
    ]
    assert missed == [], (
        f"{len(missed)} edges the rule does not derive pass the shapes: {missed[:5]}"
    )
