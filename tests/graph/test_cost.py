"""graph.cost on the real seed store: the statistics against a count of the store's quads, and
estimates of queries the engine accepts (every query here that should be understood is first
parsed by pyoxigraph, so the reader is tested on real SPARQL)."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rdflib import URIRef

from benchmarks.api import ANALYST, load_queries
from graph.cost import Estimate, Statistics, estimate
from graph.errors import InvalidInput
from graph.namespaces import AG, RDF, RDFS, SKOS
from graph.settings import PROJECT_ROOT
from graph.sparql import tokens
from graph.store import Store

EXAMPLES = sorted((PROJECT_ROOT / "examples").glob("*.rq"))


@pytest.fixture(scope="module")
def stats(store: Store) -> Statistics:
    return Statistics.from_store(store)


def parses(query: str) -> None:
    """The engine accepts the query: run on an empty store, where even a runaway is instant."""
    try:
        Store.memory().query(query)
    except InvalidInput as exc:  # pragma: no cover - a broken test case
        pytest.fail(f"not SPARQL for pyoxigraph: {exc}\n{query}")


def understood(store: Store, stats: Statistics, query: str) -> Estimate:
    parses(query)
    result = estimate(query, stats)
    assert result.understood, query
    return result


def n(stats: Statistics, iri: URIRef) -> float:
    return float(stats.predicates[str(iri)])


def cls(stats: Statistics, iri: URIRef) -> float:
    return float(stats.classes[str(iri)])


# ----------------------------------------------------------------------------- statistics
def test_statistics_count_the_quads_of_the_store(store: Store, stats: Statistics) -> None:
    predicates: Counter[str] = Counter()
    classes: Counter[str] = Counter()
    subjects: defaultdict[str, set[object]] = defaultdict(set)
    objects: defaultdict[str, set[object]] = defaultdict(set)
    quads = 0
    for s, p, o, _ in store.match():
        quads += 1
        predicates[str(p)] += 1
        subjects[str(p)].add(s)
        objects[str(p)].add(o)
        if p == RDF.type and isinstance(o, URIRef):
            classes[str(o)] += 1
    assert stats.triples == quads == len(store)
    assert dict(stats.predicates) == dict(predicates)
    assert dict(stats.classes) == dict(classes)
    assert dict(stats.subjects) == {p: len(v) for p, v in subjects.items()}
    assert dict(stats.objects) == {p: len(v) for p, v in objects.items()}
    assert stats.classes[str(AG.State)] == 11  # the seeds' states: the ≈ 11² case below


# ----------------------------------------------------------------------------- real queries
def analyst_queries() -> Iterator[tuple[str, str]]:
    queries = load_queries()
    assert set(ANALYST) <= set(queries)
    yield from sorted(queries.items())


@pytest.mark.parametrize(("name", "query"), list(analyst_queries()))
def test_example_and_analyst_queries_are_connected(
    store: Store, stats: Statistics, name: str, query: str
) -> None:
    result = understood(store, stats, query)
    assert result.product == 1.0, (name, result.reason)
    assert result.reason is None
    assert 0 < result.cost < stats.triples**2


CANNED = sorted((PROJECT_ROOT / "graph" / "queries").glob("*.rq"))


@pytest.mark.parametrize("path", CANNED, ids=[p.stem for p in CANNED])
def test_canned_queries_are_connected(store: Store, stats: Statistics, path: Path) -> None:
    result = understood(store, stats, path.read_text(encoding="utf-8"))
    assert result.product == 1.0, result.reason


def test_examples_are_all_there() -> None:
    assert len(EXAMPLES) >= 5
    assert {p.stem for p in EXAMPLES} <= {name for name, _ in analyst_queries()}


# ----------------------------------------------------------------------------- products
def test_three_way_runaway(store: Store, stats: Statistics) -> None:
    result = understood(store, stats, "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    assert math.isclose(result.product, float(stats.triples) ** 3)
    assert result.cost >= result.product
    assert result.reason is not None
    for part in ("`?a ?b ?c`", "`?d ?e ?f`", "`?g ?h ?i`"):
        assert part in result.reason
    assert "share no variable" in result.reason
    # the product, readably: 9,786³ ≈ 9.4e11 on the seed graph (it follows the seeds' size)
    mantissa, exponent = f"{float(stats.triples) ** 3:.1e}".split("e")
    assert f"{mantissa}e{int(exponent)}" in result.reason


def test_two_way_product(store: Store, stats: Statistics) -> None:
    result = understood(store, stats, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }")
    assert math.isclose(result.product, float(stats.triples) ** 2)
    assert result.reason is not None
    assert "`?a ?b ?c`" in result.reason and "`?d ?e ?f`" in result.reason


def test_two_sets_of_states(store: Store, stats: Statistics) -> None:
    result = understood(store, stats, "SELECT * { ?a a ag:State . ?b a ag:State }")
    assert result.product == 11 * 11
    assert result.reason is not None
    assert "`?a a ag:State` (about 11 rows)" in result.reason
    assert "(about 121 rows)" in result.reason


def test_state_and_everything(store: Store, stats: Statistics) -> None:
    query = "SELECT (COUNT(*) AS ?n) { ?a a ag:State . ?b ?p ?o }"
    assert understood(store, stats, query).product == 11 * stats.triples


def test_long_parts_are_shortened(store: Store, stats: Statistics) -> None:
    query = (
        "SELECT * { ?actorWithAVeryLongName rdfs:label ?theLabelOfThatActor ; "
        "skos:altLabel ?anotherLabelOfThatActorWithALongName . ?d ?e ?f }"
    )
    result = understood(store, stats, query)
    assert result.reason is not None
    parts = re.findall(r"`([^`]*)`", result.reason)
    assert len(parts) == 2
    assert all(len(p) <= 60 for p in parts)
    assert parts[0].startswith("?actorWithAVeryLongName rdfs:label") and parts[0].endswith("…")


# The expected product, from the statistics, for each construct (1.0: connected, nothing reported).
PRODUCTS: dict[str, tuple[str, Callable[[Statistics], float]]] = {
    # joins
    "chain": ("SELECT * { ?a a ag:State . ?a rdfs:label ?l . ?l ?p ?o }", lambda s: 1.0),
    "semicolon, comma": ("SELECT * { ?a a ag:State ; rdfs:label ?l , ?m }", lambda s: 1.0),
    "constant subject does not join": (
        "SELECT * { actor:russia ?p ?o ; ?q ?r }",
        lambda s: min(s.triples, 1000.0) ** 2,
    ),
    "blank node label": ("SELECT * { _:x a ag:State . _:x rdfs:label ?l }", lambda s: 1.0),
    "blank node property list": (
        "SELECT * { [ a ag:State ; rdfs:label ?l ] . ?x skos:prefLabel ?l }",
        lambda s: 1.0,
    ),
    "anonymous nodes are distinct": (
        "SELECT * { [] a ag:State . [] a ag:Person }",
        lambda s: cls(s, AG.State) * cls(s, AG.Person),
    ),
    "collection": ("SELECT * { ?a ag:x ( ?b [ ag:y ?c ] ) . ?b ?p ?c }", lambda s: 1.0),
    "literals": (
        """SELECT * { ?a rdfs:label "Russia"@en ; ag:confidence 0.9 , -1 , "1"^^xsd:integer ,
           true ; a ag:State . ?a ag:demonym 'Russian' , '''Rus'sian''' }""",
        lambda s: 1.0,
    ),
    # OPTIONAL, UNION, MINUS, FILTER, BIND
    "optional joined": ("SELECT * { ?a a ag:State OPTIONAL { ?a rdfs:label ?l } }", lambda s: 1.0),
    "optional alone": (
        "SELECT * { ?a a ag:State OPTIONAL { ?b a ag:Person } }",
        lambda s: cls(s, AG.State) * cls(s, AG.Person),
    ),
    "union sums": (
        "SELECT * { { ?a a ag:State } UNION { ?a a ag:Person } ?b a ag:Claim }",
        lambda s: (cls(s, AG.State) + cls(s, AG.Person)) * cls(s, AG.Claim),
    ),
    "union joined": (
        "SELECT * { { ?a a ag:State } UNION { ?b a ag:Person } ?b rdfs:label ?l }",
        lambda s: 1.0,
    ),
    "minus without shared variable removes nothing, multiplies nothing": (
        "SELECT * { ?a a ag:State MINUS { ?b a ag:Person } }",
        lambda s: 1.0,
    ),
    "product inside minus": (
        "SELECT * { ?a a ag:State MINUS { ?a a ag:Person . ?b a ag:Claim } }",
        lambda s: cls(s, AG.Person) * cls(s, AG.Claim),
    ),
    "filter does not join": (
        "SELECT * { ?a a ag:State . ?b a ag:Person FILTER (?a != ?b) }",
        lambda s: cls(s, AG.State) * cls(s, AG.Person),
    ),
    "filter exists does not join": (
        "SELECT * { ?a a ag:State . ?b a ag:Person FILTER EXISTS { ?a ?p ?b } }",
        lambda s: cls(s, AG.State) * cls(s, AG.Person),
    ),
    "product inside not exists": (
        "SELECT * { ?a a ag:State FILTER NOT EXISTS { ?a ?p ?o . ?b a ag:Claim } }",
        lambda s: s.triples * cls(s, AG.Claim),  # estimated on its own: ?a counts as free
    ),
    "exists inside an expression": (
        "SELECT * { ?a a ag:State FILTER (?a != actor:x && EXISTS { ?b a ag:Claim . ?c a ag:Person }) }",
        lambda s: cls(s, AG.Claim) * cls(s, AG.Person),
    ),
    "bind joins through its variable": (
        "SELECT * { ?a a ag:State BIND (?a AS ?b) ?b rdfs:label ?l }",
        lambda s: 1.0,
    ),
    "bind does not join its inputs": (
        "SELECT * { ?a a ag:State . ?b a ag:Person BIND (CONCAT(STR(?a), STR(?b)) AS ?c) }",
        lambda s: cls(s, AG.State) * cls(s, AG.Person),
    ),
    "less-than that looks like an IRI": (
        # the lexer reads `<?b&&(?c>` as an IRI; the grammar, and the engine, as less-than
        "SELECT (?a<?b&&(1>0) AS ?z) { ?a a ag:State . ?b a ag:Person FILTER(?a<?b&&(?c>1)) }",
        lambda s: cls(s, AG.State) * cls(s, AG.Person),
    ),
    # subqueries, VALUES, GRAPH, LATERAL
    "subquery projection hides its variables": (
        "SELECT * { { SELECT ?x { ?x a ag:State ; ?p ?y } } ?y a ag:Claim }",
        lambda s: cls(s, AG.State) * cls(s, AG.Claim),
    ),
    "subquery joined": (
        "SELECT * { { SELECT ?y { ?x a ag:State ; ?p ?y } } ?y a ag:Claim }",
        lambda s: 1.0,
    ),
    "subquery limit": (
        "SELECT * { { SELECT * { ?x a ag:Claim } LIMIT 3 } ?y a ag:State }",
        lambda s: 3 * cls(s, AG.State),
    ),
    "subquery aggregate is one row": (
        "SELECT * { { SELECT (COUNT(*) AS ?n) { ?a ?b ?c } } ?d a ag:State }",
        lambda s: 1.0,
    ),
    "values joined": (
        "SELECT * { VALUES ?a { actor:russia actor:taliban } ?a ?p ?o }",
        lambda s: 1.0,
    ),
    "values alone": (
        "SELECT * { VALUES (?v ?w) { (1 2) (UNDEF 3) (4 5) } ?a a ag:State }",
        lambda s: 3 * cls(s, AG.State),
    ),
    "trailing values joined": (
        "SELECT * { ?a a ag:State } VALUES ?a { actor:russia }",
        lambda s: 1.0,
    ),
    "trailing values alone": (
        "SELECT * { ?a a ag:State } VALUES ?b { 1 2 3 }",
        lambda s: 3 * cls(s, AG.State),
    ),
    "graph variable joins": ("SELECT * { GRAPH ?g { ?a a ag:State } ?g ?p ?o }", lambda s: 1.0),
    "two graphs": (
        "SELECT * { GRAPH ?g { ?a a ag:State } GRAPH <https://w3id.org/actorgraph/id/graph/actors> { ?b a ag:Person } }",
        lambda s: cls(s, AG.State) * cls(s, AG.Person),
    ),
    "lateral": (
        "SELECT * { ?a a ag:State LATERAL { SELECT ?l { ?a rdfs:label ?l } LIMIT 1 } }",
        lambda s: 1.0,
    ),
    # property paths
    "closure": (
        "SELECT * { ?a ag:accused+ ?b . ?c a ag:State }",
        lambda s: n(s, AG.accused) ** 1.5 * cls(s, AG.State),
    ),
    "sequence": (
        "SELECT * { ?a ag:participant/rdfs:label ?b . ?c a ag:State }",
        lambda s: min(n(s, AG.participant), n(s, RDFS.label)) * cls(s, AG.State),
    ),
    "alternative": (
        "SELECT * { ?a ag:accused|ag:denied ?b . ?c a ag:State }",
        lambda s: (n(s, AG.accused) + n(s, AG.denied)) * cls(s, AG.State),
    ),
    "inverse, optional step": (  # zero steps: every node matches itself
        "SELECT * { ?a ^ag:participant ?b . ?c (skos:broader?) ?d }",
        lambda s: n(s, AG.participant) * max(n(s, SKOS.broader), s.nodes),
    ),
    "zero or more steps of an unused predicate": (
        "SELECT * { ?a ?b ?c . ?d <urn:x:none>* ?e }",
        lambda s: s.triples * s.nodes,
    ),
    "negated property set": (
        "SELECT * { ?a !(rdf:type|^rdfs:label) ?b . ?c a ag:State }",
        lambda s: s.triples * cls(s, AG.State),
    ),
    "path joined": (
        "SELECT * { ?a a/rdfs:subClassOf* ?c . ?c ag:shortcutProperty ?p }",
        lambda s: 1.0,
    ),
    # other forms
    "construct template": (
        "CONSTRUCT { ?a ?p [ ag:x ( ?b 1 ) ] } WHERE { ?a a ag:State . ?b a ag:Person }",
        lambda s: cls(s, AG.State) * cls(s, AG.Person),
    ),
    "construct where": (
        "CONSTRUCT WHERE { ?a a ag:State . ?b a ag:Person }",
        lambda s: cls(s, AG.State) * cls(s, AG.Person),
    ),
    "describe where": (
        "DESCRIBE ?a ?b WHERE { ?a a ag:State . ?b a ag:Person }",
        lambda s: cls(s, AG.State) * cls(s, AG.Person),
    ),
    "ask": (
        "ASK { ?a a ag:State . ?b a ag:Person }",
        lambda s: cls(s, AG.State) * cls(s, AG.Person),
    ),
    "prologue and dataset": (
        """BASE <https://w3id.org/actorgraph/>
           PREFIX x: <ontology#>
           SELECT ?a FROM <id/graph/actors> WHERE { ?a a x:State . ?b a <ontology#Person> }""",
        lambda s: cls(s, AG.State) * cls(s, AG.Person),
    ),
    "modifiers": (
        """SELECT ?a (COUNT(?b) AS ?n) { ?a a ag:State . ?b a ag:Person }
           GROUP BY ?a HAVING (COUNT(?b) > 1) ORDER BY DESC(?n) STR(?a) LIMIT 10 OFFSET 2""",
        lambda s: cls(s, AG.State) * cls(s, AG.Person),
    ),
}


@pytest.mark.parametrize("case", sorted(PRODUCTS))
def test_products(store: Store, stats: Statistics, case: str) -> None:
    query, expected = PRODUCTS[case]
    result = understood(store, stats, query)
    assert math.isclose(result.product, expected(stats)), result
    assert (result.reason is None) == (result.product == 1.0)
    assert result.cost >= result.product


def test_minus_without_shared_variable_costs_every_pair(store: Store, stats: Statistics) -> None:
    apart = understood(store, stats, "SELECT * { ?a a ?c MINUS { ?b ?p ?o } }")
    joined = understood(store, stats, "SELECT * { ?a a ?c MINUS { ?a ?p ?o } }")
    pairs = n(stats, RDF.type) * stats.triples  # removes nothing, but compares every pair
    assert apart.product == joined.product == 1.0
    assert apart.cost >= pairs > joined.cost


def test_unknown_predicate_empties_the_product(store: Store, stats: Statistics) -> None:
    result = understood(store, stats, "SELECT * { ?a ?b ?c . ?d ag:noSuchProperty ?f }")
    assert result.product == 1.0 and result.reason is None


def test_describe_without_where(store: Store, stats: Statistics) -> None:
    result = understood(store, stats, "DESCRIBE actor:russia <https://w3id.org/actorgraph/id/x>")
    assert result.product == 1.0
    assert result.cost == 2 * min(stats.triples, 1000)


def test_fan_out_without_distinct_counts() -> None:
    counts = {str(AG.accused): 500, str(RDF.type): 50}
    stats = Statistics(triples=1000, predicates=counts, classes={str(AG.State): 5})
    query = "SELECT * { actor:russia ag:accused ?x . ?y a ag:State }"
    assert estimate(query, stats).product == 100 * 5
    with_fan_out = Statistics(1000, counts, stats.classes, {str(AG.accused): 50}, {})
    assert estimate(query, with_fan_out).product == 10 * 5


# ----------------------------------------------------------------------------- never raises
LOST = {
    "empty": "",
    "garbage": "garbage ( ] } ' \"",
    "no pattern": "SELECT ?s",
    "unclosed group": "SELECT * { ?s ?p ?o",
    "no object": "SELECT * { ?s ?p }",
    "extra text": "SELECT * { ?s ?p ?o } }",
    "union first": "SELECT * { UNION { ?s ?p ?o } }",
    "update": "INSERT DATA { <a> <b> <c> }",
    "quoted triple": "SELECT * { << ?s ?p ?o >> ?q ?r }",
    "10,000 braces": "{" * 10_000,
    "10,000 nested groups": "SELECT * WHERE " + "{" * 10_000 + "}" * 10_000,
    "10,000 parentheses in a filter": "SELECT * { FILTER"
    + "(" * 10_000
    + "1"
    + ")" * 10_000
    + " }",
    "10,000 parentheses in a path": "ASK { ?s " + "(" * 10_000 + "<p>" + ")" * 10_000 + " ?o }",
    "10,000 brackets": "ASK { ?s <p> " + "[ <p> " * 10_000 + "?o" + " ]" * 10_000 + " }",
    "10,000 collections": "ASK { ?s <p> " + "( " * 10_000 + "?o" + " )" * 10_000 + " }",
    "257 nested groups": "SELECT * WHERE " + "{" * 257 + " ?s ?p ?o " + "}" * 257,
}


@pytest.mark.parametrize("case", sorted(LOST))
def test_lost_queries_are_not_understood(stats: Statistics, case: str) -> None:
    result = estimate(LOST[case], stats)
    size = float(stats.triples)
    assert result == Estimate(cost=size, product=1.0, reason=None, understood=False, rows=size)


def test_256_nested_groups_are_understood(stats: Statistics) -> None:
    query = "SELECT * WHERE " + "{" * 256 + " ?a ?b ?c . ?d a ag:State " + "}" * 256
    result = estimate(query, stats)
    assert result.understood
    assert result.product == stats.triples * 11


def test_every_prefix_and_every_token_dropped(stats: Statistics) -> None:
    """A deterministic stand-in for fuzzing: the examples cut short anywhere, or missing any one
    token, give an estimate and never raise."""
    seen = Counter[bool]()
    for path in EXAMPLES:
        text = path.read_text(encoding="utf-8")
        for end in range(len(text) + 1):
            seen[estimate(text[:end], stats).understood] += 1
        for _, token, at in tokens(text):
            seen[estimate(text[:at] + text[at + len(token) :], stats).understood] += 1
    assert seen[True] and seen[False]  # both outcomes occur: the loop tested something


def test_random_text_never_raises(stats: Statistics) -> None:
    hypothesis = pytest.importorskip("hypothesis")
    vocabulary = """SELECT * WHERE { } ( ) [ ] ?a _:b ag:x <x> a . ; , / | ^ ! + ? OPTIONAL
                    UNION MINUS FILTER EXISTS NOT BIND AS VALUES GRAPH LIMIT 1 's' < >"""
    pieces = hypothesis.strategies.sampled_from(sorted({t for _, t, _ in tokens(vocabulary)}))

    def check(parts: list[str]) -> None:
        assert isinstance(estimate(" ".join(parts), stats), Estimate)

    given = hypothesis.given(hypothesis.strategies.lists(pieces, max_size=60))
    hypothesis.settings(max_examples=300, deadline=None)(given(check))()


@pytest.mark.parametrize("hops", [4, 5])
def test_a_chain_of_unbound_patterns_is_heavy_though_connected(
    stats: Statistics, hops: int
) -> None:
    """A connected query is never blamed for a product, but a chain of unbound patterns grows by
    the graph's mean degree at every hop: its pessimistic rows put it on the heavy lane."""
    names = [f"?v{i}" for i in range(hops + 1)]
    chain = " . ".join(f"{a} ?p{i} {b}" for i, (a, b) in enumerate(itertools.pairwise(names)))
    result = estimate(f"SELECT (COUNT(*) AS ?n) {{ {chain} }}", stats)
    assert result.product == 1.0 and result.understood
    assert result.rows > 1e6 > result.cost
    for path in EXAMPLES:  # the analysts' questions stay light
        assert estimate(path.read_text(encoding="utf-8"), stats).rows < 1e5
