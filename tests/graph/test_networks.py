"""graph.networks on the real seed store, checked against independent computations.

The reference for ego networks and paths is networkx itself, run on a graph built from a plain
SPARQL query of the edges graph, not the index under test.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from rdflib import URIRef

from graph.build import EDGES_GRAPH
from graph.errors import InvalidInput, NotFound
from graph.lookups import event_records
from graph.namespaces import AG, ID, ORG
from graph.networks import (
    BETWEENNESS_SEED,
    SHORT_LABEL_WIDTH,
    ActorNetwork,
    EgoNetwork,
    Event,
    Tie,
    betweenness_sources,
    local_name,
    normalise,
    short_label,
    to_cytoscape,
    to_gexf,
    to_graphml,
    to_node_link,
)
from graph.store import Store

RUSSIA = str(ID["actor/russia"])
TALIBAN = str(ID["actor/taliban"])
AFGHANISTAN = str(ID["actor/afghanistan"])

ALL_EDGES = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{EDGES_GRAPH}> {{ ?s ?p ?o }} }}"


@pytest.fixture(scope="module")
def net(store: Store) -> ActorNetwork:
    return ActorNetwork.from_store(store)


@pytest.fixture(scope="module")
def reference(store: Store) -> nx.MultiDiGraph:
    """The edges graph as networkx sees it: one edge per triple, keyed by the property's name."""
    g = nx.MultiDiGraph()
    for row in store.query(ALL_EDGES).rows():
        g.add_edge(str(row["s"]), str(row["o"]), key=local_name(str(row["p"])))
    return g


def _only(g: nx.MultiDiGraph, relations: Iterable[str]) -> nx.MultiDiGraph:
    keep = set(relations)
    h = nx.MultiDiGraph()
    h.add_nodes_from(g)
    h.add_edges_from((s, o, k) for s, o, k in g.edges(keys=True) if k in keep)
    return h


def _reference_ego(g: nx.MultiDiGraph, center: str, radius: int, direction: str) -> set[str]:
    if direction == "both":
        return set(nx.ego_graph(g, center, radius=radius, undirected=True))
    if direction == "out":
        return set(nx.ego_graph(g, center, radius=radius))
    return set(nx.ego_graph(g.reverse(copy=False), center, radius=radius))


# ---------------------------------------------------------------------------- resolution


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Russia", RUSSIA),
        ("russia", RUSSIA),
        ("Moscow", RUSSIA),
        ("the Kremlin", RUSSIA),
        ("  THE   kremlin ", RUSSIA),
        ("Putin\u2019s government", RUSSIA),
        ("actor:russia", RUSSIA),
        (RUSSIA, RUSSIA),
        ("taliban", TALIBAN),
        ("The Taliban", TALIBAN),
        ("Kaboul", AFGHANISTAN),
        ("Kabul", AFGHANISTAN),
    ],
)
def test_resolve_ids_labels_and_aliases(net: ActorNetwork, name: str, expected: str) -> None:
    assert net.resolve(name) == expected


def test_every_label_and_alias_of_the_registry_resolves_to_its_actor(
    net: ActorNetwork, store: Store
) -> None:
    rows = store.query(
        "SELECT ?a ?name WHERE { ?a skos:prefLabel ?name . ?a a/rdfs:subClassOf* ag:Actor }"
    ).rows()
    for row in rows:
        assert net.resolve(str(row["name"])) == str(row["a"]), row["name"]


@pytest.mark.parametrize(
    ("typo", "meant"), [("Rusia", "Russia"), ("Talibn", "Taliban"), ("Afganistan", "Afghanistan")]
)
def test_unknown_actor_raises_not_found_with_suggestions(
    net: ActorNetwork, typo: str, meant: str
) -> None:
    with pytest.raises(NotFound) as info:
        net.resolve(typo)
    assert meant in info.value.suggestions
    assert typo in str(info.value)


def test_unknown_iri_is_not_found(net: ActorNetwork) -> None:
    with pytest.raises(NotFound):
        net.resolve(str(ID["actor/atlantis"]))


def test_normalise_straightens_and_folds() -> None:
    assert normalise("The  KREMLIN\u00a0") == "kremlin"
    assert normalise("Putin\u2019s") == normalise("putin's")


# ---------------------------------------------------------------------------- search


def test_search_ranks_exact_label_first(net: ActorNetwork) -> None:
    hits = net.search("Taliban")
    assert hits[0].actor.iri == TALIBAN and hits[0].how == "label"
    assert all(h.how in {"label", "alias", "prefix", "substring", "fuzzy"} for h in hits)


def test_search_alias_before_prefix_before_substring(net: ActorNetwork) -> None:
    hits = net.search("kremlin", limit=20)
    assert hits[0].actor.iri == RUSSIA and hits[0].how == "alias"
    order = {"label": 0, "alias": 1, "prefix": 2, "substring": 3, "fuzzy": 4}
    ranks = [order[h.how] for h in hits]
    assert ranks == sorted(ranks)


def test_search_prefix_prefers_labels(net: ActorNetwork) -> None:
    hits = net.search("afgh")
    assert hits[0].actor.iri == AFGHANISTAN
    assert {h.how for h in hits} <= {"prefix", "substring"}


def test_search_fuzzy_and_limit(net: ActorNetwork) -> None:
    assert net.search("Talibn")[0].actor.iri == TALIBAN
    assert len(net.search("a", limit=3)) == 3
    assert net.search("", limit=1)[0].events == max(net.event_count(a.iri) for a in net)


# ---------------------------------------------------------------------------- ego networks


@pytest.mark.parametrize("direction", ["both", "out", "in"])
@pytest.mark.parametrize("radius", [1, 2])
@pytest.mark.parametrize("center", [RUSSIA, TALIBAN, str(ID["actor/zamir-kabulov"])])
def test_ego_nodes_match_nx_ego_graph(
    net: ActorNetwork, reference: nx.MultiDiGraph, center: str, radius: int, direction: str
) -> None:
    ego = net.ego(center, radius, direction=direction, max_nodes=10_000)  # type: ignore[arg-type]
    assert set(ego.graph) == _reference_ego(reference, center, radius, direction)
    assert ego.omitted == 0 and ego.total == ego.graph.number_of_nodes()


def test_radius_two_is_larger_than_radius_one(net: ActorNetwork) -> None:
    one, two = net.ego("Russia", 1), net.ego("Russia", 2)
    assert set(one.graph) < set(two.graph)
    assert {n for n, d in two.graph.nodes(data="distance") if d <= 1} == set(one.graph)


def test_ego_edges_are_the_induced_edges(net: ActorNetwork, reference: nx.MultiDiGraph) -> None:
    ego = net.ego("Taliban", 1)
    expected = reference.subgraph(ego.graph.nodes)
    # a symmetric relation is one edge in the ego network, two triples in the edges graph
    want = {
        (s, o, k) if k != "metWith" or s < o else (o, s, k) for s, o, k in expected.edges(keys=True)
    }
    assert set(ego.graph.edges(keys=True)) == want


def test_relations_filter(net: ActorNetwork, reference: nx.MultiDiGraph) -> None:
    relations = ["accused", "denied", "criticised"]
    ego = net.ego("Russia", 2, relations=relations)
    assert set(ego.graph) == _reference_ego(_only(reference, relations), RUSSIA, 2, "both")
    assert {k for _, _, k in ego.graph.edges(keys=True)} <= set(relations)


def test_affiliation_is_member_of(net: ActorNetwork, reference: nx.MultiDiGraph) -> None:
    ego = net.ego("Russia", 1, relations=["affiliation"])
    assert set(ego.graph) == _reference_ego(_only(reference, ["memberOf"]), RUSSIA, 1, "both")
    assert ego.graph.number_of_edges() > 0


def test_unknown_relation_lists_valid_ones(net: ActorNetwork) -> None:
    with pytest.raises(InvalidInput, match="accused"):
        net.ego("Russia", relations=["befriended"])


def _dates(store: Store, event: str) -> tuple[str | None, str | None]:
    q = """SELECT ?e ?d ?lo ?hi WHERE {
      OPTIONAL { ?e sem:hasTimeStamp|ag:attestedOn ?d }
      OPTIONAL { ?e sem:hasEarliestBeginTimeStamp ?lo }
      OPTIONAL { ?e sem:hasLatestEndTimeStamp ?hi } }"""
    row = next(store.query(q, bindings={"e": URIRef(event)}).rows())
    d = row.get("d")
    lo, hi = (d, d) if d is not None else (row.get("lo"), row.get("hi"))
    return (str(lo) if lo is not None else None, str(hi) if hi is not None else None)


def _in_range(lo: str | None, hi: str | None, start: str, end: str) -> bool:
    if lo is None and hi is None:
        return False
    return (hi is None or hi >= start) and (lo is None or lo <= end)


def test_date_filter_counts_only_events_in_range(net: ActorNetwork, store: Store) -> None:
    start, end = "2016-01-01", "2016-12-31"
    full = net.ego("Russia", 1)
    part = net.ego("Russia", 1, date_from=start, date_to=end)
    assert set(part.graph) < set(full.graph)
    for s, o, k, data in full.graph.edges(keys=True, data=True):
        in_range = [e for e in data["events"] if _in_range(*_dates(store, e), start, end)]
        if s in part.graph and o in part.graph and in_range:
            kept = part.graph.edges[s, o, k]
            assert sorted(kept["events"]) == sorted(in_range)
            assert kept["weight"] == len(in_range)
            assert kept["latest"] is None or start <= kept["latest"]
            assert kept["earliest"] is None or kept["earliest"] <= end
        else:
            assert not part.graph.has_edge(s, o, k)


def test_date_filter_validates(net: ActorNetwork) -> None:
    with pytest.raises(InvalidInput, match="after"):
        net.ego("Russia", date_from="2017-01-01", date_to="2016-01-01")
    with pytest.raises(InvalidInput, match="YYYY-MM-DD"):
        net.ego("Russia", date_from="last year")


def test_min_weight(net: ActorNetwork) -> None:
    full = net.ego("Russia", 2)
    heavy = net.ego("Russia", 2, min_weight=2)
    assert all(w >= 2 for _, _, w in heavy.graph.edges(data="weight"))
    ref = nx.Graph()
    ref.add_node(RUSSIA)
    ref.add_edges_from((s, o) for s, o, w in full.graph.edges(data="weight") if w >= 2)
    # the heavy network is the radius-2 neighbourhood over heavy edges only
    assert set(heavy.graph) <= set(nx.ego_graph(ref, RUSSIA, radius=2))
    assert set(heavy.graph) < set(full.graph)


def test_parameters_are_checked(net: ActorNetwork) -> None:
    for kwargs in (
        {"radius": 0},
        {"radius": 4},
        {"max_nodes": 0},
        {"min_weight": 0},
        {"direction": "up"},
    ):
        with pytest.raises(InvalidInput):
            net.ego("Russia", **kwargs)


def test_max_nodes_keeps_strongest_ties_and_reports_omitted(net: ActorNetwork) -> None:
    full = net.ego("Russia", 2)
    cut = net.ego("Russia", 2, max_nodes=10)
    assert cut.graph.number_of_nodes() == 10
    assert cut.total == full.graph.number_of_nodes()
    assert cut.omitted == cut.total - 10
    assert to_cytoscape(cut)["summary"]["omitted"] == cut.omitted
    # tie strength of each neighbour to Russia, from the uncut network
    strength: dict[str, int] = {}
    for s, o, w in full.graph.edges(data="weight"):
        if RUSSIA in (s, o) and s != o:
            other = o if s == RUSSIA else s
            strength[other] = strength.get(other, 0) + w
    kept = {n for n in cut.graph if n != RUSSIA}
    dropped = set(strength) - kept
    assert kept <= set(strength)  # 9 of Russia's many neighbours: the first layer comes first
    assert min(strength[n] for n in kept) >= max(strength[n] for n in dropped)


def test_every_edge_is_backed_by_events_of_the_right_class(net: ActorNetwork, store: Store) -> None:
    directed = """ASK { ?decl ag:shortcutProperty ?p . ?e a/rdfs:subClassOf* ?decl ;
                        ag:agent ?s ; ag:target ?o . }"""
    symmetric = """ASK { ?decl ag:shortcutProperty ?p . ?e a/rdfs:subClassOf* ?decl ;
                         ag:participant ?s , ?o . }"""
    addressed = "ASK { ?e a/rdfs:subClassOf* ag:SpeechAct ; ag:agent ?s ; ag:addressee ?o . }"
    member = "ASK { ?e a org:Membership ; org:member ?s ; org:organization ?o . }"
    ego = net.ego("Russia", 2)
    checked = 0
    for s, o, k, data in ego.graph.edges(keys=True, data=True):
        assert data["weight"] == len(data["events"]) >= 1
        for e in data["events"]:
            b = {"e": URIRef(e), "s": URIRef(s), "o": URIRef(o)}
            if k == "memberOf":
                q = member
            elif k == "addressed":
                q = addressed
            else:
                b["p"] = ORG.memberOf if k == "memberOf" else AG[k]
                q = directed if data["directed"] else symmetric
            assert store.query(q, bindings=b).boolean(), (s, k, o, e)
            checked += 1
    assert checked >= ego.graph.number_of_edges()


def test_nodes_carry_iri_label_kind_and_centrality(net: ActorNetwork) -> None:
    ego = net.ego("Taliban", 1)
    g = ego.graph
    n = g.number_of_nodes()
    for node, data in g.nodes(data=True):
        assert data["iri"] == node and data["label"] and data["kind"]
        assert data["degree"] == g.degree(node)
        neighbours = set(g.successors(node)) | set(g.predecessors(node))
        assert data["degree_centrality"] == pytest.approx(
            len(neighbours - {node}) / (n - 1), abs=1e-6
        )
    assert g.nodes[TALIBAN]["kind"] == "ArmedGroup"
    assert g.nodes[TALIBAN]["degree_centrality"] == pytest.approx(1.0)


# ---------------------------------------------------------------------------- paths


def test_shortest_paths_match_networkx_and_carry_evidence(
    net: ActorNetwork, reference: nx.MultiDiGraph, store: Store
) -> None:
    undirected = nx.Graph(reference.to_undirected())
    a, b = str(ID["actor/zamir-kabulov"]), str(ID["actor/donald-trump"])
    paths = net.shortest_paths(a, b, max_paths=50)
    expected = {tuple(p) for p in nx.all_shortest_paths(undirected, a, b)}
    assert {tuple(x.iri for x in p.actors) for p in paths} == expected
    for p in paths:
        for hop in p.hops:
            assert hop.ties
            records = event_records(store, [e.iri for t in hop.ties for e in t.events])
            assert len(records) == sum(len(t.events) for t in hop.ties)
            for r in records:
                assert r.type and r.article is not None and r.quote
                if r.type != "Membership":  # undated when the article's date is inferred
                    assert r.date or r.earliest or r.latest


def test_shortest_paths_limits_and_relations(net: ActorNetwork, reference: nx.MultiDiGraph) -> None:
    a, b = str(ID["actor/zamir-kabulov"]), str(ID["actor/donald-trump"])
    assert len(net.shortest_paths(a, b, max_paths=1)) == 1
    only = ["accused"]
    ref = nx.Graph(_only(reference, only).to_undirected())
    got = net.shortest_paths("Russia", "Taliban", relations=only)
    if nx.has_path(ref, RUSSIA, TALIBAN):
        assert len(got[0].hops) == nx.shortest_path_length(ref, RUSSIA, TALIBAN)
    else:
        assert got == []
    with pytest.raises(InvalidInput):
        net.shortest_paths("Russia", "Taliban", max_paths=0)


# ---------------------------------------------------------------------------- attributes

#: The ego networks the writers and attributes are checked on (actor, radius).
EGOS = [("Taliban", 1), ("Taliban", 2), ("Russia", 1), ("Russia", 2)]


def test_every_ego_network_has_the_same_attributes(net: ActorNetwork) -> None:
    egos = [net.ego(a, r) for a, r in EGOS]
    egos += [net.ego("Russia", 3), net.ego("Russia", 2, max_nodes=5), net.ego("zamir-kabulov", 1)]
    egos.append(net.ego("Russia", 2, relations=["accused"], date_from="2016-01-01"))
    node_keys = {frozenset(n) for ego in egos for n in ego.nodes}
    edge_keys = {frozenset(e) for ego in egos for e in ego.edges}
    summary_keys = {frozenset(ego.summary) for ego in egos}
    assert len(node_keys) == len(edge_keys) == len(summary_keys) == 1
    assert {"short_label", "betweenness", "degree_centrality"} <= next(iter(node_keys))
    assert {"first", "last", "earliest", "latest", "dating", "quad_class", "polarity"} <= next(
        iter(edge_keys)
    )


@pytest.mark.parametrize(("actor", "radius"), [*EGOS, ("Russia", 3)])
def test_betweenness_of_the_seed_networks(net: ActorNetwork, actor: str, radius: int) -> None:
    ego = net.ego(actor, radius)
    simple = nx.Graph(ego.graph.to_undirected())
    k = betweenness_sources(simple.number_of_nodes(), simple.number_of_edges())
    exact = k == len(ego.nodes)
    assert exact or radius > 1  # the radius-1 networks of the seed graph are small
    assert ego.summary["betweenness_exact"] is exact
    assert ego.summary["betweenness_sources"] == (len(ego.nodes) if exact else k)
    expected = nx.betweenness_centrality(simple, k=None if exact else k, seed=BETWEENNESS_SEED)
    for n in ego.nodes:
        assert n["betweenness"] == pytest.approx(expected[n["id"]], abs=1e-6)


def test_betweenness_of_a_large_network_is_a_seeded_estimate() -> None:
    """Above the work budget, betweenness comes from a fixed sample of sources: every node has
    it, the summary says so, and the same request gets the same values."""
    people = [f"ex:p{i}" for i in range(120)]
    ties = [Tie("ex:hub", p, "accused", (Event(f"ex:h{i}"),)) for i, p in enumerate(people)]
    ties += [
        Tie(a, b, "metWith", (Event(f"ex:m{i}-{j}"),), directed=False)
        for i, a in enumerate(people)
        for j, b in enumerate(people)
        if i < j and (i * j) % 7 < 2
    ]
    net = ActorNetwork([], ties)
    ego = net.ego("hub", 1)
    simple = nx.Graph(ego.graph.to_undirected())
    k = betweenness_sources(simple.number_of_nodes(), simple.number_of_edges())
    assert 1 <= k < len(ego.nodes)
    assert ego.summary["betweenness_exact"] is False
    assert ego.summary["betweenness_sources"] == k
    expected = nx.betweenness_centrality(simple, k=k, seed=BETWEENNESS_SEED)
    for n in ego.nodes:
        assert n["betweenness"] == pytest.approx(expected[n["id"]], abs=1e-6)
    again = net.ego("hub", 1)
    assert [n["betweenness"] for n in again.nodes] == [n["betweenness"] for n in ego.nodes]


def test_short_labels(net: ActorNetwork) -> None:
    long = "Afghan officials who claimed to have confiscated Russian arms in Kunduz (Anadolu Agency, 2016)"
    assert short_label(long) == "Afghan officials who claimed to…"
    assert short_label("Senior Afghan security official (Reuters, December 2016)") == (
        "Senior Afghan security official"
    )
    ego = net.ego("Taliban", 2, max_nodes=5000)
    assert any(n["label"] == long for n in ego.nodes)
    for n in ego.nodes:
        assert n["short_label"] == short_label(n["label"])
        assert 0 < len(n["short_label"]) <= SHORT_LABEL_WIDTH
        if len(n["label"]) <= SHORT_LABEL_WIDTH and "(" not in n["label"]:
            assert n["short_label"] == n["label"]
        stem = n["short_label"].removesuffix("…")
        assert n["label"].startswith(stem)


def _bounds_of(store: Store, events: list[str]) -> tuple[str | None, str | None, str]:
    """An edge's bounds, dating and exact days, from each event's own dates in the store."""
    spans = [_dates(store, e) for e in events]
    lows, highs = [lo for lo, _ in spans], [hi for _, hi in spans]
    exact = all(lo is not None and lo == hi for lo, hi in spans)
    earliest = None if None in lows else min(x for x in lows if x is not None)
    latest = None if None in highs else max(x for x in highs if x is not None)
    bounded = earliest is not None or latest is not None
    return earliest, latest, "exact" if exact else "bounded" if bounded else "undated"


@pytest.mark.parametrize(("actor", "radius"), EGOS)
def test_edge_dates_are_exact_days_or_bounds(
    net: ActorNetwork, store: Store, actor: str, radius: int
) -> None:
    for e in net.ego(actor, radius).edges:
        earliest, latest, dating = _bounds_of(store, e["events"])
        assert (e["earliest"], e["latest"], e["dating"]) == (earliest, latest, dating), e["id"]
        if dating == "exact":
            assert (e["first"], e["last"]) == (earliest, latest)
        else:
            assert e["first"] is None and e["last"] is None
        # "bounded" promises a bound the visualiser can draw; "undated" promises none.
        assert (e["dating"] == "undated") == (e["earliest"] is None and e["latest"] is None)


def _tone_of(store: Store, event: str) -> tuple[str | None, str | None]:
    """An event's quad class and polarity, read from its code in the ontology's code lists."""
    q = """SELECT ?e ?quad ?polarity WHERE {
      OPTIONAL { ?e ag:eventType/ag:quadClass ?q . ?q skos:notation ?quad ;
                   ag:polarity/skos:notation ?polarity } }"""
    row = next(store.query(q, bindings={"e": URIRef(event)}).rows())
    quad, polarity = row.get("quad"), row.get("polarity")
    return (str(quad) if quad else None, str(polarity) if polarity else None)


@pytest.mark.parametrize(("actor", "radius"), EGOS)
def test_edges_are_coloured_by_their_events_codes(
    net: ActorNetwork, store: Store, actor: str, radius: int
) -> None:
    """The quad class and polarity of an edge are those its events' codes share, "mixed" where
    they differ, null without a code (memberships); a visualiser colours edges by them."""
    coloured = 0
    for e in net.ego(actor, radius).edges:
        tones = [_tone_of(store, i) for i in e["events"]]
        quads = {q for q, _ in tones if q is not None}
        polarities = {p for _, p in tones if p is not None}
        expect_quad = None if not quads else quads.pop() if len(quads) == 1 else "mixed"
        expect_pol = (
            None if not polarities else polarities.pop() if len(polarities) == 1 else "mixed"
        )
        assert (e["quad_class"], e["polarity"]) == (expect_quad, expect_pol), e["id"]
        assert (e["polarity"] is None) == (e["relation"] == "memberOf"), e["id"]
        coloured += e["polarity"] in ("cooperative", "hostile")
    assert coloured > 0


def test_edges_known_only_by_bounds_say_so(net: ActorNetwork, store: Store) -> None:
    """The Taliban's edges with events known only by bounds (26 of 63 had no `first`, and no
    word on why) say so, and give every bound their events have."""
    edges = net.ego("Taliban", 1).edges
    bounded = [e for e in edges if e["dating"] == "bounded"]
    assert len(bounded) >= 26
    for e in bounded:
        assert e["first"] is None and e["last"] is None
        spans = [_dates(store, i) for i in e["events"]]
        if all(hi is not None for _, hi in spans):  # "before X", a month, a range…
            assert e["latest"] is not None
        if all(lo is not None for lo, _ in spans):
            assert e["earliest"] is not None
    assert all(e["dating"] == "exact" for e in edges if e["first"] is not None)


# ---------------------------------------------------------------------------- writers
#
# Each format read back with networkx's own reader, called as its documentation shows, must give
# the nodes, the edges (keyed by relation) and every attribute of the records. GraphML and GEXF
# have no lists and no nulls: lists come back joined by spaces, nulls absent.


def _nodes(ego: EgoNetwork) -> dict[str, dict[str, Any]]:
    return {n["id"]: {k: v for k, v in n.items() if k != "id"} for n in ego.nodes}


def _edges(ego: EgoNetwork) -> dict[tuple[str, str, str], dict[str, Any]]:
    out = {
        (e["source"], e["target"], e["key"]): {
            k: v for k, v in e.items() if k not in ("source", "target", "key")
        }
        for e in ego.edges
    }
    assert len(out) == len(ego.edges)  # one edge per source, target and relation
    return out


def _read_edges(g: nx.MultiDiGraph) -> dict[tuple[str, str, str], dict[str, Any]]:
    out = {(s, o, k): d for s, o, k, d in g.edges(keys=True, data=True)}
    assert len(out) == g.number_of_edges()
    return out


def _flat(data: dict[str, Any]) -> dict[str, Any]:
    return {k: " ".join(v) if isinstance(v, list) else v for k, v in data.items() if v is not None}


@pytest.fixture(scope="module", params=EGOS, ids=[f"{a}-r{r}" for a, r in EGOS])
def ego(net: ActorNetwork, request: pytest.FixtureRequest) -> EgoNetwork:
    actor, radius = request.param
    return net.ego(actor, radius)


def test_node_link_loads_in_networkx(ego: EgoNetwork) -> None:
    data = json.loads(json.dumps(to_node_link(ego)))
    g = nx.node_link_graph(data)
    assert isinstance(g, nx.MultiDiGraph)
    assert dict(g.nodes(data=True)) == _nodes(ego)
    assert _read_edges(g) == _edges(ego)
    assert g.graph == ego.summary


def test_cytoscape_loads_in_networkx(ego: EgoNetwork) -> None:
    data = json.loads(json.dumps(to_cytoscape(ego)))
    g = nx.cytoscape_graph(data)
    assert isinstance(g, nx.MultiDiGraph)
    # the reader keeps the members it reads its keys from: id, value and name (the label),
    # source, target and key (the relation)
    assert dict(g.nodes(data=True)) == {
        iri: {**d, "id": iri, "value": iri, "name": d["label"]} for iri, d in _nodes(ego).items()
    }
    assert _read_edges(g) == {
        (s, o, k): {**d, "source": s, "target": o, "key": k} for (s, o, k), d in _edges(ego).items()
    }
    assert g.graph == ego.summary == data["summary"]
    ids = [e["data"]["id"] for e in data["elements"]["edges"]]
    assert len(set(ids)) == len(ids)  # Cytoscape.js needs unique element ids


def test_cytoscape_is_what_networkx_writes(ego: EgoNetwork) -> None:
    """The writer skips building the MultiDiGraph; the result is the same as networkx's."""
    ours = to_cytoscape(ego)
    theirs = nx.cytoscape_data(ego.graph, name="label")
    assert ours["data"] == dict(theirs["data"])
    assert (ours["directed"], ours["multigraph"]) == (theirs["directed"], theirs["multigraph"])
    for kind in ("nodes", "edges"):
        assert sorted(ours["elements"][kind], key=lambda x: x["data"]["id"]) == sorted(
            theirs["elements"][kind], key=lambda x: x["data"]["id"]
        )


def test_graphml_loads_in_networkx(ego: EgoNetwork) -> None:
    g = nx.read_graphml(io.BytesIO(to_graphml(ego)))
    assert isinstance(g, nx.MultiDiGraph)
    assert dict(g.nodes(data=True)) == {iri: _flat(d) for iri, d in _nodes(ego).items()}
    assert _read_edges(g) == {key: _flat(d) for key, d in _edges(ego).items()}
    summary = ego.summary
    filters = {f"filter_{k}": v for k, v in summary.pop("filters").items()}
    graph = {k: v for k, v in g.graph.items() if k not in ("node_default", "edge_default")}
    assert graph == _flat({**summary, **filters})


def test_gexf_loads_in_networkx(ego: EgoNetwork) -> None:
    g = nx.read_gexf(io.BytesIO(to_gexf(ego)))
    assert isinstance(g, nx.MultiDiGraph)
    assert dict(g.nodes(data=True)) == {iri: _flat(d) for iri, d in _nodes(ego).items()}
    edges = _read_edges(g)
    assert edges == {key: _flat(d) for key, d in _edges(ego).items()}
    assert all(isinstance(d["weight"], float) for d in edges.values())  # GEXF's weight: a double
    name = g.graph["name"]
    assert ego.summary["label"] in name and f"radius {ego.radius}" in name
    if ego.summary["betweenness_exact"]:
        assert "exact betweenness" in name
    else:
        assert f"estimated from {ego.summary['betweenness_sources']} sources" in name


def test_the_index_holds_exactly_the_edges_graph(
    net: ActorNetwork, reference: nx.MultiDiGraph
) -> None:
    """The index applies graph.rules over scans; it must agree with what the build stored."""
    stored = {(s, k, o) for s, o, k in reference.edges(keys=True)}
    indexed: set[tuple[str, str, str]] = set()
    for tie in net.ties:
        indexed.add((tie.source, tie.relation, tie.target))
        if not tie.directed:
            indexed.add((tie.target, tie.relation, tie.source))
        assert tie.events
    assert indexed == stored


def test_budget_is_spent_layer_by_layer_on_the_strongest_ties() -> None:
    def tie(a: str, b: str, n: int) -> Tie:
        return Tie(f"ex:{a}", f"ex:{b}", "accused", tuple(Event(f"ex:{a}{b}{i}") for i in range(n)))

    net = ActorNetwork(
        [],
        [tie("a", "b", 3), tie("a", "c", 1), tie("b", "d", 5), tie("b", "e", 1), tie("c", "f", 10)],
    )
    ego = net.ego("a", 2, max_nodes=4)
    assert set(ego.graph) == {"ex:a", "ex:b", "ex:c", "ex:f"}  # layer 1 first, then the strongest
    assert (ego.total, ego.omitted) == (6, 2)
    assert set(net.ego("a", 2, max_nodes=2).graph) == {"ex:a", "ex:b"}


FUTURE_AND_PRESENT = """
@prefix ag: <https://w3id.org/actorgraph/ontology#> .
@prefix actor: <https://w3id.org/actorgraph/id/actor/> .
@prefix article: <https://w3id.org/actorgraph/id/article/> .
@prefix event: <https://w3id.org/actorgraph/id/event/> .
@prefix ev: <https://w3id.org/actorgraph/id/evidence/> .
@prefix cameo: <https://w3id.org/actorgraph/codes/cameo/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix sem: <http://semanticweb.cs.vu.nl/2009/11/sem/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
actor:t-one a ag:Person ; rdfs:label "One"@en .
actor:t-two a ag:Person ; rdfs:label "Two"@en .
"""
for _name, _a, _b, _future, _quote in (  # quotes of the article, as a batch's must be
    ("planned", "t-one", "t-two", True, "engage in peace talks"),
    ("held", "iran", "pakistan", False, "weapons were being smuggled"),
):
    FUTURE_AND_PRESENT += f"""
event:t-{_name} a ag:Meeting ; ag:eventType cameo:040 ;
    ag:agent actor:{_a} ; ag:participant actor:{_a} , actor:{_b} ;
    sem:hasTimeStamp "{"2018-06-01" if _future else "2018-01-10"}"^^xsd:date ;
    {"ag:modality ag:Future ;" if _future else ""}
    ag:quote "{_quote}" ; ag:evidence ev:t-{_name} ;
    prov:wasDerivedFrom article:sputnik-2018-03-29-us-accuses-russia-arming-taliban .
ev:t-{_name} a ag:Evidence , oa:Annotation ; oa:hasBody event:t-{_name} ;
    oa:hasTarget ev:t-{_name}-target .
ev:t-{_name}-target a oa:SpecificResource ;
    oa:hasSource article:sputnik-2018-03-29-us-accuses-russia-arming-taliban ;
    oa:hasSelector ev:t-{_name}-quote .
ev:t-{_name}-quote a oa:TextQuoteSelector ; oa:exact "{_quote}" .
"""


def test_the_index_equals_the_stored_edges_after_a_batch_with_a_future_event(
    seed_copy: Callable[[str], Path],
) -> None:
    """The modality rule is read from the ontology by the derivation rule and by the index alike
    (ag:suppressesEdges): a future meeting backs no edge in either, a held one in both."""
    from graph.batches import Steward, commit_batch, parse_batch
    from graph.store import RDFFormat

    store = Store.open(seed_copy("networks-future"))
    try:
        batch = parse_batch(FUTURE_AND_PRESENT.encode(), RDFFormat.TURTLE)
        commit_batch(store, batch, steward=Steward("Test", "test"))
        stored = {
            (str(r["s"]), local_name(str(r["p"])), str(r["o"]))
            for r in store.query(
                "SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o . "
                "{ ?p rdfs:subPropertyOf+ ag:interactedWith } UNION { VALUES ?p { org:memberOf } } }"
            ).rows()
        }
        net = ActorNetwork.from_store(store)
        indexed: set[tuple[str, str, str]] = set()
        for tie in net.ties:
            indexed.add((tie.source, tie.relation, tie.target))
            if not tie.directed:
                indexed.add((tie.target, tie.relation, tie.source))
            assert str(ID["event/t-planned"]) not in {e.iri for e in tie.events}
        assert indexed == stored
        one, two, pakistan, iran = (
            str(ID[f"actor/{a}"]) for a in ("t-one", "t-two", "pakistan", "iran")
        )
        assert (iran, "metWith", pakistan) in stored
        assert not {(s, o) for s, _, o in stored} & {(one, two), (two, one)}
    finally:
        store.close()
