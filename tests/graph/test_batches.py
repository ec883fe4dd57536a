"""graph.batches: parsing, incremental validation (proved equal to full validation), commit and
retraction on a real store built from the seeds.

The reference for every incremental report is pySHACL run on the whole merged graph: the store's
union plus the batch's new triples plus the new derived edges, minus the results the store had
before (the seed store as the store keeps it already has some; see the module docstring of
graph.batches). The batches are built from what the seed store holds (queried, not hard-coded).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import XSD

from graph.annotations import load_corpus
from graph.batches import (
    AUDIT_GRAPH,
    REGISTRY_GRAPH,
    Steward,
    batch_content,
    batch_graph,
    check_batch,
    commit_batch,
    get_batch,
    list_batches,
    literal_problem,
    parse_batch,
    retract_batch,
    unknown_shape_terms,
)
from graph.build import ACTORS_GRAPH, EDGES_GRAPH, derive_edges, find_quote, seed_graphs_in
from graph.errors import Conflict, InvalidInput, NotFound, RetractionRefused, ValidationFailed
from graph.namespaces import AG, CAMEO, ID, OA, PROV, RDF, RDFS, SCHEMA, SEM
from graph.reports import complete_reports
from graph.settings import PROJECT_ROOT
from graph.sources import locate_quotes
from graph.store import RDFFormat, Store, Triple
from graph.validate import Result, load_ontology, validate

STEWARD = Steward("Test Steward", "test-token")
ACTOR = Namespace(str(ID) + "actor/")
EVENT = Namespace(str(ID) + "event/")


# ------------------------------------------------------------------------------ the reference
def union(store: Store) -> Graph:
    g = Graph()
    for name in store.named_graphs():
        for t in store.triples(name):
            g.add(t)
    return g


_STORE_RESULTS: dict[tuple[Path | None, frozenset[tuple[URIRef, int]]], list[Result]] = {}


def store_results(store: Store, graph: Graph) -> list[Result]:
    """Full validation of the store alone, cached while its graphs keep their sizes."""
    key = store.path, frozenset((g, store.graph_size(g)) for g in store.named_graphs())
    if key not in _STORE_RESULTS:
        _STORE_RESULTS[key] = validate(graph).results
    return _STORE_RESULTS[key]


def full_new_results(store: Store, batch: Graph) -> tuple[list[Result], set[Triple]]:
    """pySHACL on the whole merged graph, minus what the store alone already reports; and the
    new derived edges (the rule run over the whole merged graph)."""
    before = union(store)
    merged = Graph()
    for t in before:
        merged.add(t)
    for t in batch:
        if not store.contains(t):
            merged.add(t)
    for t in complete_reports(batch, merged.triples):  # as check_batch: each evidence its report
        merged.add(t)
    located = locate_quotes(batch, merged.triples)  # ... and each quote its offsets
    for t in located.made:
        merged.add(t)
    new_edges = {t for t in derive_edges([merged], load_ontology()) if not store.contains(t)}
    for t in new_edges:
        merged.add(t)
    diff = Counter(validate(merged).results) - Counter(store_results(store, before))
    return sorted([*diff.elements(), *located.problems], key=Result.sort_key), new_edges


def full_results_without(store: Store, graph: URIRef) -> list[Result]:
    """pySHACL on the whole graph as it would be without ``graph``, minus what it reports now."""
    before = union(store)
    after = Graph()
    for name in store.named_graphs():
        if name != graph:
            for t in store.triples(name):
                after.add(t)
    diff = Counter(validate(after).results) - Counter(store_results(store, before))
    return sorted(diff.elements(), key=Result.sort_key)


def without_suggestions(results: list[Result]) -> list[Result]:
    """The results as pySHACL gives them: check_batch adds "Did you mean actor:…?" to a value
    that should be an actor and is none (the store's closest actors, which full validation does
    not look up)."""
    return [replace(r, message=r.message.split(" Did you mean ", 1)[0]) for r in results]


def assert_same_as_full(store: Store, batch: Graph) -> list[Result]:
    check = check_batch(store, batch)
    expected, new_edges = full_new_results(store, batch)
    assert without_suggestions(check.report.results) == expected
    assert check.report.conforms == (not any(r.severity == "Violation" for r in expected))
    assert {t for t in check.derived if not store.contains(t)} == new_edges
    return expected


# ------------------------------------------------------------------------------ fixtures
@dataclass
class Seeds:
    """IRIs from the seed store that the batches refer to (found by queries)."""

    article: URIRef
    states: list[URIRef]
    person: URIRef
    accusation: URIRef
    claim: URIRef
    meeting: URIRef
    meeting_actors: tuple[URIRef, URIRef]


@pytest.fixture(scope="module")
def store(seed_copy: Callable[[str], Path]) -> Store:
    return Store.open(seed_copy("batches"))


@pytest.fixture(scope="module")
def seeds(store: Store) -> Seeds:
    def one(query: str) -> dict[str, URIRef]:
        row = next(store.query(query).rows())
        return {k: URIRef(str(v)) for k, v in row.items()}

    states = [
        URIRef(str(r["s"]))
        for r in store.query("SELECT ?s WHERE { ?s a ag:State } ORDER BY ?s LIMIT 3").rows()
    ]
    acc = one("SELECT ?e ?c WHERE { ?e a ag:Accusation ; ag:makesClaim ?c } ORDER BY ?e LIMIT 1")
    meeting = one(
        """SELECT ?e ?a ?b WHERE {
             ?e a/rdfs:subClassOf* ag:Meeting ; ag:participant ?a , ?b . FILTER (STR(?a) < STR(?b))
             FILTER NOT EXISTS { ?e ag:modality ?m }
             ?a ag:metWith ?b .
             FILTER NOT EXISTS {
               ?other a/rdfs:subClassOf* ag:Meeting ; ag:participant ?a , ?b . FILTER (?other != ?e)
             }
           } ORDER BY ?e LIMIT 1"""
    )
    return Seeds(
        article=one("SELECT ?a WHERE { ?a a ag:NewsArticle } ORDER BY ?a LIMIT 1")["a"],
        states=states,
        person=one("SELECT ?p WHERE { ?p a ag:Person } ORDER BY ?p LIMIT 1")["p"],
        accusation=acc["e"],
        claim=acc["c"],
        meeting=meeting["e"],
        meeting_actors=(meeting["a"], meeting["b"]),
    )


_SEED_TEXTS_EXTRA: dict[URIRef, str] = {}  # articles a test's batch brings


@cache
def _seed_corpus_texts() -> dict[URIRef, str]:
    corpus = load_corpus(PROJECT_ROOT / "seeds")
    return {ID[f"article/{f.article.id}"]: corpus.texts[f.article.file] for f in corpus.files}


def _seed_texts() -> dict[URIRef, str]:
    return {**_seed_corpus_texts(), **_SEED_TEXTS_EXTRA}


def passage(article: URIRef, name: str) -> str:
    """A passage of ``article`` that occurs once in it, picked by ``name`` (a batch's quotes are
    found in their article's text, as the build's are)."""
    text = _seed_texts()[article]
    words = [m.start() for m in re.finditer(r"(?<!\S)[A-Za-z]", text)]
    first = int(hashlib.sha256(name.encode()).hexdigest(), 16) % len(words)
    for i in [*range(first, len(words)), *range(first)]:
        quote = " ".join(text[words[i] :].split(" ")[:6]).strip()
        if "\n" not in quote and len(quote) > 20 and text.count(quote) == 1:
            return quote
    raise AssertionError(f"no passage of {article} occurs once")


def event(
    g: Graph,
    name: str,
    cls: URIRef,
    code: str,
    *,
    agent: URIRef | None,
    article: URIRef,
    targets: tuple[URIRef, ...] = (),
    others: tuple[URIRef, ...] = (),
    date: Literal | None = None,
) -> URIRef:
    """An event as `actorgraph build` writes it, with its evidence."""
    e = EVENT[f"t-{name}"]
    ev = ID[f"evidence/t-{name}"]
    target, quote = URIRef(f"{ev}/target"), URIRef(f"{ev}/quote")
    g.add((e, RDF.type, cls))
    g.add((e, AG.eventType, CAMEO[code]))
    if agent is not None:
        g.add((e, AG.agent, agent))
    for t in targets:
        g.add((e, AG.target, t))
    for p in {*((agent,) if agent else ()), *targets, *others}:
        g.add((e, AG.participant, p))
    g.add((e, SEM.hasTimeStamp, date or Literal("2017-02-01", datatype=XSD.date)))
    g.add((e, AG.datePrecision, Literal("day")))
    g.add((e, AG.quote, Literal(passage(article, name))))
    g.add((e, AG.evidence, ev))
    g.add((e, PROV.wasDerivedFrom, article))
    g.add((ev, RDF.type, AG.Evidence))
    g.add((ev, RDF.type, OA.Annotation))
    g.add((ev, OA.hasBody, e))
    g.add((ev, OA.hasTarget, target))
    g.add((target, RDF.type, OA.SpecificResource))
    g.add((target, OA.hasSource, article))
    g.add((target, OA.hasSelector, quote))
    g.add((quote, RDF.type, OA.TextQuoteSelector))
    g.add((quote, OA.exact, Literal(passage(article, name))))
    return e


def actor(g: Graph, name: str, kind: URIRef = AG.Person) -> URIRef:
    a = ACTOR[f"t-{name}"]
    g.add((a, RDF.type, kind))
    g.add((a, RDFS.label, Literal(name, lang="en")))
    return a


def as_batch(g: Graph, fmt: RDFFormat = RDFFormat.TURTLE) -> Graph:
    """Through the serialiser and parse_batch, as a steward's file would go."""
    text = g.serialize(format={RDFFormat.TURTLE: "turtle", RDFFormat.NTRIPLES: "nt"}[fmt])
    return parse_batch(text.encode(), fmt)


# ------------------------------------------------------------------------------ the rules
def test_dependency_rules_cover_every_construct_of_the_shapes() -> None:
    """Incremental validation is exact only for constructs whose reads graph.batches knows."""
    terms, constraints = unknown_shape_terms()
    assert terms == set(), f"teach graph/batches/reads.py what these read: {terms}"
    assert constraints == set(), f"teach graph/batches/reads.py what these read: {constraints}"


# ------------------------------------------------------------------------------ equivalence
def test_conforming_batch_referring_to_existing_actors_and_article(
    store: Store, seeds: Seeds
) -> None:
    g = Graph()
    a, b, c = seeds.states
    event(g, "talks", AG.Meeting, "040", agent=a, others=(b, c), article=seeds.article)
    event(
        g, "accuses", AG.Accusation, "112", agent=seeds.person, targets=(b,), article=seeds.article
    )
    results = assert_same_as_full(store, as_batch(g))
    assert results == []


# ------------------------------------------------------------------ quotes in their articles


def _quoting(seeds: Seeds, quote: str) -> Graph:
    g = Graph()
    a, b, _ = seeds.states
    e = event(g, "quoted", AG.Meeting, "040", agent=a, others=(b,), article=seeds.article)
    for s, p, _o in list(g.triples((None, AG.quote, None))) + list(
        g.triples((None, OA.exact, None))
    ):
        g.set((s, p, Literal(quote)))
    assert (e, AG.quote, Literal(quote)) in g
    return g


def test_a_quote_not_in_its_article_is_refused_with_the_builds_message(
    store: Store, seeds: Seeds
) -> None:
    """The issue's case: a steward quotes a seed article for words it does not contain."""
    made_up = "China and Pakistan held talks on Afghanistan"
    with pytest.raises(InvalidInput) as built:  # what `actorgraph build` says of it
        find_quote(_seed_texts()[seeds.article], made_up)
    results = assert_same_as_full(store, as_batch(_quoting(seeds, made_up)))
    assert [r.message for r in results] == [built.value.message]
    assert results[0].focus_node.endswith("evidence/t-quoted")
    assert results[0].value == made_up
    assert not check_batch(store, as_batch(_quoting(seeds, made_up))).conforms


def test_a_found_quote_gets_its_offsets_in_the_article(store: Store, seeds: Seeds) -> None:
    quote = passage(seeds.article, "offsets")
    check = check_batch(store, as_batch(_quoting(seeds, quote)))
    assert check.conforms, check.report.text
    assert check.positions_made == 1
    start = next(check.new.objects(None, OA.start))
    end = next(check.new.objects(None, OA.end))
    assert _seed_texts()[seeds.article][int(str(start)) : int(str(end))] == quote


def test_offsets_that_do_not_hold_the_quote_are_refused(store: Store, seeds: Seeds) -> None:
    quote = passage(seeds.article, "offsets")
    at = _seed_texts()[seeds.article].index(quote)
    g = _quoting(seeds, quote)
    target = next(s for s in g.subjects(OA.hasSelector, None))
    wrong = URIRef(f"{target}/position")
    g.add((target, OA.hasSelector, wrong))
    g.add((wrong, RDF.type, OA.TextPositionSelector))
    g.add((wrong, OA.start, Literal(at + 1, datatype=XSD.integer)))
    g.add((wrong, OA.end, Literal(at + 1 + len(quote), datatype=XSD.integer)))
    results = assert_same_as_full(store, as_batch(g))
    assert [r.source_shape for r in results] == ["ags:EvidenceShape"]
    assert "not the text of its article" in results[0].message


def test_a_quote_that_occurs_twice_needs_its_position(store: Store, seeds: Seeds) -> None:
    text = _seed_texts()[seeds.article]
    twice = next(w for w in ("the Taliban", "Afghanistan", "Russia") if text.count(w) > 1)
    results = assert_same_as_full(store, as_batch(_quoting(seeds, twice)))
    assert len(results) == 1 and "occurs" in results[0].message
    assert "oa:TextPositionSelector" in results[0].message


def _bringing(body: str, *, url: bool = True, sha: str | None = None) -> Graph:
    g = Graph()
    art = ID["article/t-brought"]
    g.add((art, RDF.type, AG.NewsArticle))
    g.add((art, SCHEMA.headline, Literal("Brought", lang="en")))
    g.add((art, AG.sourceFile, Literal("brought.txt")))
    g.add((art, SCHEMA.datePublished, Literal("2017-02-02", datatype=XSD.date)))
    g.add((art, SCHEMA.articleBody, Literal(body)))
    if url:
        g.add((art, SCHEMA.url, URIRef("https://example.org/brought")))
    if sha is not None:
        g.add((art, AG.contentSha256, Literal(sha)))
    return g


def test_a_batch_brings_the_article_it_quotes(store: Store, seeds: Seeds) -> None:
    a, b, _ = seeds.states
    g = _bringing("KABUL - The two states held talks on Monday, officials said.")
    _SEED_TEXTS_EXTRA[ID["article/t-brought"]] = str(next(g.objects(None, SCHEMA.articleBody)))
    event(g, "brought", AG.Meeting, "040", agent=a, others=(b,), article=ID["article/t-brought"])
    assert assert_same_as_full(store, as_batch(g)) == []
    check = check_batch(store, as_batch(g))
    sha = hashlib.sha256(
        b"KABUL - The two states held talks on Monday, officials said."
    ).hexdigest()
    assert (ID["article/t-brought"], AG.contentSha256, Literal(sha)) in check.new


def test_a_brought_article_needs_its_address_and_its_own_hash(store: Store, seeds: Seeds) -> None:
    results = check_batch(store, as_batch(_bringing("Some text.", url=False, sha="0" * 64)))
    messages = " | ".join(r.message for r in results.report.results)
    assert "needs its address (schema:url" in messages
    assert "The SHA-256 of the text" in messages


def test_a_stored_articles_text_cannot_be_replaced(store: Store, seeds: Seeds) -> None:
    g = Graph()
    g.add((seeds.article, SCHEMA.articleBody, Literal("A different text.")))
    results = assert_same_as_full(store, as_batch(g))
    shapes = {r.source_shape for r in results}
    assert "ags:ArticleShape-articleBody" in shapes, results


def test_batch_with_new_actor_and_denial_of_an_existing_accusation(
    store: Store, seeds: Seeds
) -> None:
    g = Graph()
    newcomer = actor(g, "newcomer")
    d = event(
        g,
        "denial",
        AG.Denial,
        "016",
        agent=newcomer,
        targets=(seeds.person,),
        article=seeds.article,
    )
    g.add((d, AG.respondsTo, seeds.accusation))
    g.add((d, AG.deniesClaim, seeds.claim))
    assert assert_same_as_full(store, as_batch(g)) == []


def test_violations_in_the_batch_are_reported_as_full_validation_does(
    store: Store, seeds: Seeds
) -> None:
    g = Graph()
    a, b, _ = seeds.states
    event(g, "no-agent", AG.Statement, "010", agent=None, others=(a,), article=seeds.article)
    event(
        g, "bad-date", AG.Meeting, "040", agent=a, others=(b,), article=seeds.article,
        date=Literal("2017", datatype=XSD.gYear),
    )  # fmt: skip
    event(
        g,
        "ghost",
        AG.Accusation,
        "112",
        agent=ID["actor/t-ghost"],
        targets=(a,),
        article=seeds.article,
    )
    g.add((b, AG.accused, a))  # a hand-written edge with no event behind it
    results = assert_same_as_full(store, as_batch(g))
    shapes = {r.source_shape for r in results}
    assert {
        "ags:EventShape-agent",
        "ags:EventShape-timeStamp",
        "ags:EventShape-agentIsActor",
    } <= shapes
    assert any(r.focus_node == str(b) and r.result_path == "ag:accused" for r in results)


def test_a_change_to_an_existing_event_is_validated_with_that_event(
    store: Store, seeds: Seeds
) -> None:
    """A second agent for a seed event: the violation is at a node of the store."""
    g = Graph()
    g.add((seeds.accusation, AG.agent, seeds.states[2]))
    results = assert_same_as_full(store, as_batch(g))
    assert any(
        r.focus_node == str(seeds.accusation) and r.source_shape == "ags:EventShape-agent"
        for r in results
    )


def test_a_change_along_a_path_reaches_back_to_the_focus_node(store: Store, seeds: Seeds) -> None:
    """Evidence → target → source must be an article: a new source on a seed evidence's target
    is reported at the evidence node, two steps away from the changed triple."""
    evidence, target = next(
        (s, o) for s, _, o, _ in store.match(None, OA.hasTarget, None) if "evidence/a0" in str(s)
    )
    g = Graph()
    g.add((target, OA.hasSource, seeds.person))
    results = assert_same_as_full(store, as_batch(g))
    assert [(r.focus_node, r.source_shape) for r in results] == [
        (str(evidence), "ags:EvidenceShape-source")
    ]


def test_negating_an_existing_meeting_unbacks_its_edges(store: Store, seeds: Seeds) -> None:
    g = Graph()
    g.add((seeds.meeting, AG.modality, AG.Negated))
    results = assert_same_as_full(store, as_batch(g))
    a, b = seeds.meeting_actors
    assert any(r.focus_node == str(a) and r.value == str(b) for r in results)


def test_a_future_mark_on_an_existing_meeting_unbacks_its_edges(store: Store, seeds: Seeds) -> None:
    """Future suppresses edges as Negated does (ag:suppressesEdges, read from the ontology)."""
    g = Graph()
    g.add((seeds.meeting, AG.modality, AG.Future))
    results = assert_same_as_full(store, as_batch(g))
    a, b = seeds.meeting_actors
    assert any(r.focus_node == str(a) and r.value == str(b) for r in results)


def test_the_issue_11_rules_are_validated_incrementally_as_in_full(
    store: Store, seeds: Seeds
) -> None:
    """A new event with another event's evidence, a code outside its class's category and a date
    after its article; and a Wikidata item that another actor of the store holds (both actors
    are reported, as full validation reports them)."""
    g = Graph()
    other_evidence = next(iter(store.match(seeds.accusation, AG.evidence, None)))[2]
    e = event(g, "misfit", AG.Accusation, "051", agent=seeds.person, article=seeds.article,
              targets=(seeds.states[0],), date=Literal("2030-01-01", datatype=XSD.date))  # fmt: skip
    g.add((e, AG.evidence, other_evidence))
    results = assert_same_as_full(store, as_batch(g))
    found = {(r.focus_node, r.source_shape, r.result_path) for r in results}
    assert {
        (str(e), "ags:EventShape", "ag:eventType"),
        (str(e), "ags:EventShape", "sem:hasTimeStamp"),
        (str(e), "ags:SourcedShape", "ag:evidence"),
    } <= found
    holder, qid = next(
        (s, o) for s, _, o, _ in store.match(None, SCHEMA.sameAs, None) if s != seeds.states[1]
    )
    g = Graph()
    g.add((seeds.states[1], SCHEMA.sameAs, qid))
    results = assert_same_as_full(store, as_batch(g))
    assert {str(holder), str(seeds.states[1])} <= {r.focus_node for r in results}


def test_a_change_to_an_article_reaches_its_events(store: Store, seeds: Seeds) -> None:
    """ags:reads (prov:wasDerivedFrom schema:datePublished): a second, earlier publication date
    of an article puts its events dated after it in the report, two nodes away."""
    g = Graph()
    g.add((seeds.article, SCHEMA.datePublished, Literal("2000-01-01", datatype=XSD.date)))
    results = assert_same_as_full(store, as_batch(g))
    assert any(r.source_shape == "ags:EventShape" for r in results)


def test_a_batch_is_not_blamed_for_what_was_wrong_before(store: Store, seeds: Seeds) -> None:
    """A node of the store that already violates a shape, touched by a batch: the report (like
    full validation before and after) does not list the old violation, but lists a new one."""
    broken = ACTOR["t-broken"]
    junk = ID["graph/test-junk"]
    store.add_graphs({junk: [(broken, RDF.type, AG.Person)]})  # no label: violates ActorShape
    try:
        g = Graph()
        g.add((broken, RDFS.comment, Literal("touched")))
        assert assert_same_as_full(store, as_batch(g)) == []
        g.add((broken, RDF.type, AG.State))  # a second kind: new at that node (and disjoint)
        results = assert_same_as_full(store, as_batch(g))
        assert [r.source_shape for r in results] == ["ags:ActorShape-kind", "ags:InstanceShape"]
    finally:
        store.drop_graphs([junk])


def test_an_edge_valid_only_because_of_the_batch(store: Store, seeds: Seeds) -> None:
    g = Graph()
    newcomer = actor(g, "edge-maker")
    target = seeds.states[0]
    g.add((newcomer, AG.criticised, target))  # written by hand, backed by the event below
    event(
        g,
        "criticism",
        AG.Criticism,
        "111",
        agent=newcomer,
        targets=(target,),
        article=seeds.article,
    )
    assert assert_same_as_full(store, as_batch(g)) == []
    without_event = Graph()
    actor(without_event, "edge-maker")
    without_event.add((newcomer, AG.criticised, target))
    assert assert_same_as_full(store, as_batch(without_event)) != []


def test_a_batch_repeating_the_store_is_fine_and_counts_what_is_new(
    store: Store, seeds: Seeds
) -> None:
    g = Graph()
    for t in store.triples(ACTORS_GRAPH):
        if t[0] == seeds.person:
            g.add(t)
    repeated = len(g)
    newcomer = actor(g, "repeater")
    event(
        g,
        "repeat",
        AG.Meeting,
        "040",
        agent=newcomer,
        others=(seeds.person,),
        article=seeds.article,
    )
    batch = as_batch(g)
    check = check_batch(store, batch)
    assert check.conforms
    assert check.triples == len(batch)
    assert check.new_triples == len(batch) - repeated
    assert assert_same_as_full(store, batch) == []


# ------------------------------------------------------------------------------ commit, retract
@pytest.fixture
def own_store(seed_copy: Callable[[str], Path]) -> Store:
    """A store for one test alone, as built from the seeds: no batch of another test in it."""
    return Store.open(seed_copy("batches-own"))


def test_commits_and_retractions_over_several_batches(own_store: Store, seeds: Seeds) -> None:
    """Commit a sequence of batches, proving each report against full validation of the graph
    as it then is; retract one that a later batch depends on (refused), then in order. It counts
    every batch and audit record, so it has a store of its own."""
    store = own_store
    seed_graphs = {g: store.graph_size(g) for g in seed_graphs_in(store)}
    first = Graph()
    founder = actor(first, "founder", AG.GovernmentBody)
    e1 = event(
        first,
        "founding",
        AG.Meeting,
        "040",
        agent=founder,
        others=(seeds.states[0],),
        article=seeds.article,
    )
    b1 = as_batch(first)
    assert_same_as_full(store, b1)
    info1 = commit_batch(store, b1, steward=STEWARD, source="unit test", comment="first")
    assert info1.new_triples == len(b1)
    assert info1.derived_edges == 2  # metWith both ways

    second = Graph()
    event(
        second,
        "follow-up",
        AG.Statement,
        "010",
        agent=founder,
        targets=(seeds.states[0],),
        article=seeds.article,
    )
    second.add((e1, AG.participant, seeds.states[1]))  # and a change to the first batch's event
    b2 = as_batch(second)
    assert_same_as_full(store, b2)
    info2 = commit_batch(store, b2, steward=Steward("Other", "other-token"))

    bad = Graph()
    event(bad, "bad", AG.Meeting, "040", agent=founder, article=seeds.article)  # one participant
    with pytest.raises(ValidationFailed) as failed:
        commit_batch(store, as_batch(bad), steward=STEWARD)
    assert not failed.value.report.conforms
    assert "nothing was written" in failed.value.message
    assert len(list_batches(store)) == 2

    # the first batch is needed by the second: retracting it would leave the second's data broken
    with pytest.raises(RetractionRefused) as refused:
        retract_batch(store, info1.id, steward=STEWARD)
    results = refused.value.report.results
    assert results == full_results_without(store, batch_graph(info1.id))
    follow_up = str(EVENT["t-follow-up"])  # its agent, the founder, would not be an actor
    assert any(r.focus_node == follow_up and r.result_path == "ag:agent" for r in results)
    assert store.graph_size(batch_graph(info1.id)) == info1.triples

    gone = retract_batch(store, info2.id, steward=STEWARD, comment="wrong source")
    assert gone.removed == info2.triples
    assert get_batch(store, info2.id).retracted_at == gone.retracted_at
    assert get_batch(store, info2.id).retraction_comment == "wrong source"
    assert not store.contains((e1, AG.participant, seeds.states[1]))
    with pytest.raises(Conflict):
        retract_batch(store, info2.id, steward=STEWARD)

    retract_batch(store, info1.id, steward=STEWARD)
    assert not store.contains((founder, RDF.type, AG.GovernmentBody))
    assert {g: store.graph_size(g) for g in seed_graphs_in(store)} == seed_graphs
    audit = [
        (str(r["kind"]), str(r["batch"]))
        for r in store.query(
            "SELECT ?kind ?batch ?g WHERE { GRAPH ?g { ?a prov:type ?kind ; "
            "prov:generated|prov:invalidated ?batch ; prov:endedAtTime ?t } } ORDER BY ?t ?kind",
            bindings={"g": AUDIT_GRAPH},
        ).rows()
    ]
    assert audit == [
        ("commit", info1.iri),
        ("commit", info2.iri),
        ("retraction", info2.iri),
        ("retraction", info1.iri),
    ]


def test_retraction_keeps_edges_that_other_events_support(store: Store, seeds: Seeds) -> None:
    a, b = seeds.meeting_actors
    g = Graph()
    event(g, "again", AG.Meeting, "040", agent=a, others=(b,), article=seeds.article)
    info = commit_batch(store, as_batch(g), steward=STEWARD)
    content = Graph().parse(data=batch_content(store, info.id, RDFFormat.NTRIPLES), format="nt")
    assert (a, AG.metWith, b) in content  # kept in the batch though the seeds have it too
    retract_batch(store, info.id, steward=STEWARD)
    assert (a, AG.metWith, b) in set(store.triples(EDGES_GRAPH))


def test_registry_records_who_when_and_counts(store: Store, seeds: Seeds) -> None:
    g = Graph()
    event(
        g,
        "recorded",
        AG.Statement,
        "010",
        agent=seeds.person,
        targets=(seeds.states[0],),
        article=seeds.article,
    )
    now = dt.datetime(2026, 11, 22, 15, 30, 12, 300000, tzinfo=dt.UTC)  # the store drops 0s
    info = commit_batch(
        store, as_batch(g), steward=STEWARD, source="https://example.org/x", comment="c", now=now
    )
    assert info.id.startswith("20261122T153012300-")
    assert info.committed_at == "2026-11-22T15:30:12.3Z"
    again = get_batch(store, info.id)
    assert again == info
    graph = batch_graph(info.id)
    assert store.contains((graph, RDF.type, AG.Batch))
    assert not any(
        g2 != REGISTRY_GRAPH for *_, g2 in store.match(graph, PROV.wasAttributedTo, None)
    )
    with pytest.raises(NotFound):
        get_batch(store, "20991231T000000000-0000")
    with pytest.raises(NotFound):
        get_batch(store, "../../etc")
    retract_batch(store, info.id, steward=STEWARD)


# ------------------------------------------------------------------------------ parsing
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('<http://a/s> <http://a/p> "abc"^^<http://www.w3.org/2001/XMLSchema#date> .', "xsd:date"),
        (
            '<http://a/s> <http://a/p> "2017-02-30"^^<http://www.w3.org/2001/XMLSchema#date> .',
            "no such calendar day",
        ),
        (
            '<http://a/s> <http://a/p> "-5"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> .',
            "at least 0",
        ),
        (
            '<http://a/s> <http://a/p> "yes"^^<http://www.w3.org/2001/XMLSchema#boolean> .',
            '"true" or "false"',
        ),
        ("<http://a/s> <http://a/p> foo:bar .", "prefix foo: is not declared"),
        (
            "<http://a/s> <http://a/p> ag:Meeting .",
            "@prefix ag: <https://w3id.org/actorgraph/ontology#>",
        ),
        ("<s> <http://a/p> <http://a/o> .", "relative IRI"),
        ('<http://a/s> <http://a/p> "x" \n<http://a/t> <http://a/p> "y" .', "dot"),
        ("# nothing here\n", "no triples"),
        (
            "ag:Meeting <http://www.w3.org/2000/01/rdf-schema#subClassOf> ag:Event .",
            "not instance data",
        ),
    ],
)
def test_bad_input_says_where_and_what_to_do(text: str, expected: str) -> None:
    prefix = (
        "@prefix ag: <https://w3id.org/actorgraph/ontology#> .\n" if text.startswith("ag:") else ""
    )
    with pytest.raises(InvalidInput) as err:
        parse_batch((prefix + text).encode(), RDFFormat.TURTLE)
    assert expected in err.value.message
    if "not instance data" not in expected and "no triples" not in expected:
        assert err.value.line is not None and err.value.column is not None


def test_ill_typed_literal_position_is_found() -> None:
    text = '<http://a/s> <http://a/p> "1" .\n<http://a/s> <http://a/q>\n    "2017-13-01"^^<http://www.w3.org/2001/XMLSchema#date> .\n'
    with pytest.raises(InvalidInput) as err:
        parse_batch(text.encode(), RDFFormat.TURTLE)
    assert (err.value.line, err.value.column) == (3, 5)


def test_blank_nodes_become_skolem_iris_and_named_graphs_merge() -> None:
    trig = b"""@prefix ag: <https://w3id.org/actorgraph/ontology#> .
    <http://a/g1> { [] a ag:Person ; <http://www.w3.org/2000/01/rdf-schema#label> "x" . }
    <http://a/g2> { <http://a/s> <http://a/p> <http://a/o> . }"""
    g = parse_batch(trig, RDFFormat.TRIG)
    assert len(g) == 3
    assert all(isinstance(s, URIRef) and not str(s).startswith("_:") for s in g.subjects())
    assert any(str(s).startswith(str(ID) + ".well-known/genid/") for s in g.subjects())


@pytest.mark.parametrize(
    ("lexical", "datatype", "ok"),
    [
        ("2016-02-29", "date", True),
        ("2017-02-29", "date", False),
        ("2017-02-10Z", "date", True),
        ("2017-02-10T14:30:00Z", "dateTime", True),
        ("2017-02-10 14:30", "dateTime", False),
        ("007", "integer", True),
        ("1.5", "integer", False),
        ("300", "byte", False),
        (".5", "decimal", True),
        ("1,5", "decimal", False),
        ("INF", "double", True),
        ("2017", "gYear", True),
        ("2017-13", "gYearMonth", False),
        ("anything", "string", True),
    ],
)
def test_literal_problem(lexical: str, datatype: str, ok: bool) -> None:
    assert (literal_problem(lexical, str(XSD) + datatype) is None) == ok


def test_a_literal_of_another_vocabulary_is_not_checked() -> None:
    assert literal_problem("whatever", "https://example.org/dt") is None


def test_schema_prefix_is_not_mistaken(seeds: Seeds) -> None:
    """schema:text (a claim's content) is instance data, not vocabulary."""
    g = Graph()
    claim = ID["claim/t-claim"]
    g.add((claim, RDF.type, AG.Claim))
    g.add((claim, SCHEMA.text, Literal("x", lang="en")))
    g.add((claim, PROV.wasDerivedFrom, seeds.article))
    assert len(as_batch(g, RDFFormat.NTRIPLES)) == 3


# ------------------------------------------------------------------------------ the messages
def test_an_unknown_actor_gets_the_closest_actors_of_the_graph(store: Store, seeds: Seeds) -> None:
    g = Graph()
    a = seeds.states[0]
    event(g, "typo", AG.Meeting, "040", agent=a, others=(ACTOR["pakistn"],), article=seeds.article)
    event(
        g, "typo2", AG.Accusation, "112", agent=ACTOR["john-nicholsen"], targets=(a,),
        article=seeds.article,
    )  # fmt: skip
    event(g, "far", AG.Statement, "010", agent=ACTOR["zzzzzz-qqqq"], article=seeds.article)
    results = check_batch(store, as_batch(g)).report.results
    by_value = {
        r.value: r.message for r in results if r.result_path in ("ag:participant", "ag:agent")
    }
    assert by_value[str(ACTOR["pakistn"])].endswith("Did you mean actor:pakistan (Pakistan)?")
    assert (
        "Did you mean actor:john-nicholson (John Nicholson)"
        in by_value[str(ACTOR["john-nicholsen"])]
    )
    assert "Did you mean" not in by_value[str(ACTOR["zzzzzz-qqqq"])]  # nothing is close


def test_an_actor_the_batch_describes_is_suggested_too(store: Store, seeds: Seeds) -> None:
    g = Graph()
    actor(g, "ruritanian-envoy")  # actor:t-ruritanian-envoy, new in this batch
    event(g, "envoy", AG.Statement, "010", agent=ACTOR["t-ruritanian-envoi"], article=seeds.article)
    (result,) = [
        r for r in check_batch(store, as_batch(g)).report.results if r.result_path == "ag:agent"
    ]
    assert result.message.endswith("Did you mean actor:t-ruritanian-envoy (ruritanian-envoy)?")


def test_messages_for_triples_name_rdf_terms_not_yaml_fields(store: Store, seeds: Seeds) -> None:
    """The missing date of a Turtle event: the RDF properties, not `date_earliest` or `date_note`."""
    g = Graph()
    e = event(g, "undated", AG.Meeting, "040", agent=seeds.states[0], others=(seeds.states[1],),
              article=seeds.article)  # fmt: skip
    g.remove((e, SEM.hasTimeStamp, None))
    (result,) = check_batch(store, as_batch(g)).report.results
    assert result.source_shape == "ags:EventDateShape"
    for term in ("sem:hasTimeStamp", "sem:hasEarliestBeginTimeStamp", "ag:dateNote"):
        assert term in result.message
    assert "`" not in result.message and "date_note" not in result.message


# ------------------------------------------------------------------------------ the command
def actorgraph(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graph", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=300,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": str(PROJECT_ROOT)},
    )


def test_the_command_validates_commits_lists_and_retracts(
    seed_copy: Callable[[str], Path], tmp_path: Path
) -> None:
    from api.routers.validate import EXAMPLE_BATCH

    store = str(seed_copy("command"))  # `actorgraph build` itself is tested in test_cli.py
    good, bad = tmp_path / "talks.ttl", tmp_path / "bad.ttl"
    good.write_text(EXAMPLE_BATCH)
    bad.write_text(EXAMPLE_BATCH.replace("ag:agent actor:russia ;", ""))

    alone = actorgraph("validate", str(good))  # alone, the actors and the article are unknown
    assert alone.returncode == 1
    in_context = actorgraph("validate", "--against-store", "--store", store, str(good))
    assert in_context.returncode == 0, in_context.stdout + in_context.stderr
    assert "Conforms" in in_context.stdout and "2 derived edges" in in_context.stdout
    report = actorgraph(
        "validate", "--against-store", "--store", store, "--format", "json", str(bad)
    )
    assert report.returncode == 1
    results = json.loads(report.stdout)["results"]
    assert [r["source_shape"] for r in results] == ["ags:EventShape-agent"]
    typo = tmp_path / "typo.ttl"
    typo.write_text(
        EXAMPLE_BATCH.replace("actor:russia , actor:pakistan", "actor:russia , actor:pakistn")
    )
    told = actorgraph(
        "validate", "--against-store", "--store", store, "--format", "json", str(typo)
    )
    assert told.returncode == 1
    (result,) = json.loads(told.stdout)["results"]
    assert result["message"].endswith("Did you mean actor:pakistan (Pakistan)?")

    refused = actorgraph("commit", "--store", store, str(bad))
    assert refused.returncode == 1 and "nothing was written" in refused.stderr
    done = actorgraph(
        "commit", "--store", store, "--source", "unit", "--steward", "Tester", str(good)
    )
    assert done.returncode == 0, done.stderr
    batch_id = done.stdout.split("batch ", 1)[1].split(":", 1)[0]
    listed = actorgraph("batches", "--store", store)
    assert batch_id in listed.stdout and "Tester" in listed.stdout and "committed" in listed.stdout
    gone = actorgraph("retract", "--store", store, "--comment", "test", batch_id)
    assert gone.returncode == 0, gone.stderr
    assert "retracted by" in actorgraph("batches", "--store", store).stdout
    again = actorgraph("retract", "--store", store, batch_id)
    assert again.returncode == 3 and "already retracted" in again.stderr
