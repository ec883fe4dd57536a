"""graph.networks on the real seed store, checked against independent computations.

The reference for ego networks and paths is networkx itself, run on a graph built from a plain
SPARQL query of the edges graph, not the index under test.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable

import networkx as nx
import pytest
from rdflib import URIRef

from graph.build import EDGES_GRAPH
from graph.errors import InvalidInput, NotFound
from graph.lookups import event_records
from graph.namespaces import AG, ID, ORG
from graph.networks import (
    ActorNetwork,
    EgoNetwork,
    Event,
    Tie,
    local_name,
    normalise,
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
            assert kept["last"] is None or start <= kept["last"]
            assert kept["first"] is None or kept["first"] <= end
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


# ---------------------------------------------------------------------------- writers


@pytest.fixture(scope="module")
def taliban(net: ActorNetwork) -> EgoNetwork:
    return net.ego("Taliban", 1)


def test_cytoscape_parses_back(taliban: EgoNetwork) -> None:
    data = json.loads(json.dumps(to_cytoscape(taliban)))
    nodes, edges = data["elements"]["nodes"], data["elements"]["edges"]
    assert {n["data"]["id"] for n in nodes} == set(taliban.graph)
    assert len(edges) == taliban.graph.number_of_edges()
    ids = {n["data"]["id"] for n in nodes}
    for e in edges:
        d = e["data"]
        assert d["source"] in ids and d["target"] in ids
        assert d["weight"] == len(d["events"]) and d["relation"]
    assert data["summary"]["center"] == TALIBAN and data["summary"]["nodes"] == len(nodes)
    assert len({e["data"]["id"] for e in edges}) == len(edges)


def test_node_link_parses_back(taliban: EgoNetwork) -> None:
    data = json.loads(json.dumps(to_node_link(taliban)))
    g = nx.node_link_graph(data, edges="links")
    assert set(g) == set(taliban.graph)
    assert g.number_of_edges() == taliban.graph.number_of_edges()
    assert data["graph"]["center"] == TALIBAN


def _same(g: nx.MultiDiGraph, ego: EgoNetwork) -> None:
    assert set(g) == set(ego.graph)
    assert g.number_of_edges() == ego.graph.number_of_edges()
    for s, o, data in ego.graph.edges(data=True):
        found = [d for d in g.get_edge_data(s, o).values() if d["relation"] == data["relation"]]
        assert len(found) == 1
        assert found[0]["events"].split() == data["events"]
        assert int(found[0]["weight"]) == data["weight"]
    for n, data in ego.graph.nodes(data=True):
        assert g.nodes[n]["label"] == data["label"] and g.nodes[n]["kind"] == data["kind"]


def test_graphml_parses_back(taliban: EgoNetwork) -> None:
    g = nx.read_graphml(io.BytesIO(to_graphml(taliban)))
    _same(g, taliban)
    assert g.graph["center"] == TALIBAN and g.graph["omitted"] == 0


def test_gexf_parses_back(taliban: EgoNetwork) -> None:
    g = nx.read_gexf(io.BytesIO(to_gexf(taliban)))
    _same(g, taliban)


def test_the_index_holds_exactly_the_edges_graph(
    net: ActorNetwork, reference: nx.MultiDiGraph
) -> None:
    """The index applies derive_edges.rq over scans; it must agree with what the build stored."""
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
