"""The synthetic-data generator of the benchmarks: deterministic, shaped like the build's output,
heavy-tailed. No timings here: figures live in ``benchmarks/``."""

from __future__ import annotations

import statistics
from collections import Counter

import pyoxigraph as ox
import pytest
from rdflib import Graph

from benchmarks.synth import derive, generate, hubs, ontology_quads, parse_scale
from graph.build import EDGES_GRAPH, derive_edges
from graph.namespaces import PREFIXES
from graph.store import from_ox
from graph.validate import load_ontology, validate

SAMPLE = 10_000
EVENT_TYPES = {
    "Statement", "Meeting", "Conference", "PhoneCall", "Accusation", "Criticism", "Denial",
    "CooperationOffer", "Invitation", "Rejection", "Request", "Support", "Threat", "Cooperation",
    "AidProvision", "Sanction",
}  # fmt: skip


@pytest.fixture(scope="module")
def sample() -> tuple[list[ox.Quad], list[ox.Quad], ox.Store]:
    """A 10k-triple dataset: the generated quads, the derived edges, and all of it in a store."""
    quads = list(generate(SAMPLE, seed=3))
    store = ox.Store()
    store.extend(ontology_quads())
    store.extend(quads)
    edges = derive(store)
    store.extend(edges)
    return quads, edges, store


def select(store: ox.Store, query: str) -> list[tuple[str, ...]]:
    result = store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    variables = [v.value for v in result.variables]
    rows = []
    for solution in result:
        terms = [solution[v] for v in variables]
        rows.append(tuple(t.value if t is not None else "" for t in terms))
    return rows


def test_same_seed_same_data_and_another_seed_other_data() -> None:
    first = sorted(map(str, generate(4_000, seed=11)))
    again = sorted(map(str, generate(4_000, seed=11)))
    other = sorted(map(str, generate(4_000, seed=12)))
    assert first == again
    assert first != other


def test_reaches_the_scale(sample: tuple[list[ox.Quad], list[ox.Quad], ox.Store]) -> None:
    quads, edges, store = sample
    assert len(store) >= SAMPLE
    assert len(store) == len(ontology_quads()) + len(quads) + len(edges)  # no duplicate quads
    assert parse_scale("1m") == 1_000_000 and parse_scale("250k") == 250_000


def test_conforms_to_the_shapes(sample: tuple[list[ox.Quad], list[ox.Quad], ox.Store]) -> None:
    quads, edges, _ = sample
    data = Graph()
    for q in (*quads, *edges):
        data.add((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))
    report = validate(data)
    assert report.conforms, report.text[:5000]


def test_every_event_type_with_dates_quotes_and_articles(
    sample: tuple[list[ox.Quad], list[ox.Quad], ox.Store],
) -> None:
    _, _, store = sample
    types = {t for (t,) in select(store, "SELECT DISTINCT ?t WHERE { ?e ag:agent ?a ; a ?t }")}
    assert {t.rsplit("#", 1)[1] for t in types} == EVENT_TYPES
    missing = select(
        store,
        """SELECT ?e WHERE {
             ?e ag:agent ?a .
             FILTER NOT EXISTS { ?e ag:quote ?q ; ag:evidence ?ev ; prov:wasDerivedFrom ?art .
                                 ?art a ag:NewsArticle ; ag:sourceFile ?f ; ag:contentSha256 ?h }
             FILTER NOT EXISTS { ?e sem:hasTimeStamp|sem:hasEarliestBeginTimeStamp|sem:hasLatestEndTimeStamp ?d }
           }""",
    )
    assert missing == []
    lengths = [len(q) for (q,) in select(store, "SELECT ?q WHERE { ?e ag:agent ?a ; ag:quote ?q }")]
    assert 70 <= statistics.median(lengths) <= 140


def test_quote_offsets_span_the_quote(
    sample: tuple[list[ox.Quad], list[ox.Quad], ox.Store],
) -> None:
    _, _, store = sample
    rows = select(
        store,
        """SELECT ?exact ?start ?end WHERE {
             ?ev oa:hasTarget/oa:hasSelector ?q , ?p .
             ?q oa:exact ?exact . ?p oa:start ?start ; oa:end ?end }""",
    )
    assert rows
    assert all(int(end) - int(start) == len(exact) for exact, start, end in rows)


def test_denials_answer_accusations_and_claims(
    sample: tuple[list[ox.Quad], list[ox.Quad], ox.Store],
) -> None:
    _, _, store = sample
    rows = select(
        store,
        """SELECT ?d ?acc ?claim WHERE {
             ?d a ag:Denial .
             OPTIONAL { ?d ag:respondsTo ?acc . ?acc a ag:Accusation }
             OPTIONAL { ?d ag:deniesClaim ?claim . ?claim a ag:Claim }
           }""",
    )
    assert rows
    assert all(acc or claim for _, acc, claim in rows)


def test_degrees_are_heavy_tailed_with_russia_on_top(
    sample: tuple[list[ox.Quad], list[ox.Quad], ox.Store],
) -> None:
    _, _, store = sample
    top = hubs(store, limit=3)
    assert top[0][0] == PREFIXES["actor"] + "russia"
    events = Counter(
        actor for actor, _ in select(store, "SELECT ?a ?e WHERE { ?e ag:participant ?a }")
    )
    median = statistics.median(events.values())
    assert top[0][1] >= 10 * median, (top, median)


def test_edges_are_what_the_build_derives(
    sample: tuple[list[ox.Quad], list[ox.Quad], ox.Store],
) -> None:
    quads, edges, store = sample
    assert all(q.graph_name == ox.NamedNode(str(EDGES_GRAPH)) for q in edges)
    data = Graph()
    for q in quads:
        data.add((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))
    expected = set(derive_edges([data], load_ontology()))
    got = {(from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)) for q in edges}
    assert got == expected
    excluded = select(
        store,
        "SELECT ?e WHERE { ?e ag:modality ?m . FILTER (?m IN (ag:Negated, ag:Hypothetical)) }",
    )
    assert excluded  # the sample has events that must derive nothing
