"""/actors: search, profile, ego networks in every format, over real HTTP (TestClient and uvicorn)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import networkx as nx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.errors import NotAcceptable
from api.negotiation import NODE_LINK
from api.routers.actors import choose_format
from graph.namespaces import ID
from graph.settings import Settings
from tests.servers import uvicorn

TALIBAN = str(ID["actor/taliban"])
RUSSIA = str(ID["actor/russia"])


@pytest.fixture(scope="module")
def client(seed_copy: Callable[[str], Path]) -> Iterator[TestClient]:
    app = create_app(Settings(store_path=seed_copy("actors")))
    with TestClient(app) as c:
        yield c


def _problem(r: httpx.Response, status: int) -> dict[str, object]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, object] = r.json()
    assert body["status"] == status
    return body


# ---------------------------------------------------------------------------- search


def test_search_ranks_exact_label_first(client: TestClient) -> None:
    r = client.get("/actors", params={"q": "taliban"})
    assert r.status_code == 200
    results = r.json()["results"]
    assert results[0]["iri"] == TALIBAN and results[0]["match"] == "label"
    assert results[0]["events"] > 0


def test_search_by_alias_and_limit(client: TestClient) -> None:
    results = client.get("/actors", params={"q": "the Kremlin", "limit": 3}).json()["results"]
    assert results[0]["iri"] == RUSSIA and results[0]["match"] == "alias"
    assert len(results) <= 3


def test_search_without_query_lists_busiest_actors(client: TestClient) -> None:
    results = client.get("/actors", params={"limit": 5}).json()["results"]
    counts = [a["events"] for a in results]
    assert len(results) == 5 and counts == sorted(counts, reverse=True)


def test_search_bad_limit_is_4xx(client: TestClient) -> None:
    _problem(client.get("/actors", params={"q": "x", "limit": 0}), 422)


# ---------------------------------------------------------------------------- profile


@pytest.mark.parametrize("name", ["Russia", "russia", "Moscow", "the Kremlin", "actor:russia"])
def test_actor_by_any_name(client: TestClient, name: str) -> None:
    r = client.get(f"/actors/{name}")
    assert r.status_code == 200, r.text
    assert r.json()["iri"] == RUSSIA


def test_actor_by_iri(client: TestClient) -> None:
    r = client.get(f"/actors/{RUSSIA}")
    assert r.status_code == 200 and r.json()["iri"] == RUSSIA


def test_actor_profile_has_events_with_evidence(client: TestClient) -> None:
    body = client.get("/actors/Taliban").json()
    assert body["kind"] == "ArmedGroup" and body["label"] == "Taliban"
    assert body["wikidata"] == "http://www.wikidata.org/entity/Q42418"
    assert "the Afghan Taliban" in body["aliases"]
    assert body["events"]
    for e in body["events"]:
        assert e["role"] in {"agent", "target", "addressee", "host", "onBehalfOf", "participant"}
        assert e["quote"] and e["article"]["file"] and e["article"]["title"]
        assert e["date"] or e["earliest"] or e["latest"]
    dates = [e["date"] or e["earliest"] or e["latest"] for e in body["events"]]
    assert dates == sorted(dates)


def test_actor_memberships(client: TestClient) -> None:
    body = client.get("/actors/Zamir Kabulov").json()
    orgs = {m["organisation"] for m in body["memberships"]}
    assert RUSSIA in orgs
    assert all(m["quote"] for m in body["memberships"])


def test_unknown_actor_is_404_with_suggestions(client: TestClient) -> None:
    body = _problem(client.get("/actors/Talibn"), 404)
    assert "Taliban" in body["suggestions"]  # type: ignore[operator]


# ---------------------------------------------------------------------------- ego networks


def test_ego_of_the_taliban_as_cytoscape(client: TestClient) -> None:
    r = client.get("/actors/Taliban/ego")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    nodes, edges = body["elements"]["nodes"], body["elements"]["edges"]
    ids = {n["data"]["id"] for n in nodes}
    assert TALIBAN in ids and len(ids) == len(nodes) == body["summary"]["nodes"]
    assert body["summary"]["center"] == TALIBAN and body["summary"]["radius"] == 1
    assert body["summary"]["omitted"] == 0
    for n in nodes:
        assert {"iri", "label", "kind", "degree", "degree_centrality"} <= n["data"].keys()
        assert {"short_label", "betweenness"} <= n["data"].keys()
    for e in edges:
        d = e["data"]
        assert d["source"] in ids and d["target"] in ids
        assert d["weight"] == len(d["events"]) >= 1 and d["relation"]
        assert {"first", "last", "earliest", "latest", "dating"} <= d.keys()
    assert body["data"] == body["summary"]  # the graph's data, as Cytoscape.js has it


def test_ego_of_the_taliban_as_graphml(client: TestClient) -> None:
    r = client.get("/actors/taliban/ego", headers={"Accept": "application/graphml+xml"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/graphml+xml")
    g = nx.read_graphml(io.BytesIO(r.content))
    cy = client.get("/actors/taliban/ego").json()
    assert set(g) == {n["data"]["id"] for n in cy["elements"]["nodes"]}
    assert g.number_of_edges() == len(cy["elements"]["edges"])
    assert all(isinstance(d["events"], str) for _, _, d in g.edges(data=True))


def test_ego_as_gexf_and_node_link(client: TestClient) -> None:
    r = client.get("/actors/Russia/ego", params={"format": "gexf"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/gexf+xml")
    gexf = nx.read_gexf(io.BytesIO(r.content))
    r = client.get("/actors/Russia/ego", params={"format": "node-link"})
    assert r.status_code == 200
    g = nx.node_link_graph(r.json())
    assert set(g) == set(gexf) and g.graph["center"] == RUSSIA


def _flat(data: dict[str, Any]) -> dict[str, Any]:
    """Attributes as GraphML and GEXF hold them: lists joined by spaces, no nulls."""
    return {k: " ".join(v) if isinstance(v, list) else v for k, v in data.items() if v is not None}


def _without(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in keys}


@pytest.mark.parametrize(
    ("actor", "radius"), [("Taliban", 1), ("Taliban", 2), ("Russia", 1), ("Russia", 2)]
)
def test_every_format_loads_in_networkx_with_the_same_graph(
    client: TestClient, actor: str, radius: int
) -> None:
    """Each format as served, read by networkx's own reader called as documented: the same
    nodes, the same edges keyed by relation, the same attributes (GraphML and GEXF without lists
    and nulls)."""

    def get(fmt: str) -> httpx.Response:
        r: httpx.Response = client.get(
            f"/actors/{actor}/ego", params={"radius": radius, "format": fmt}
        )
        assert r.status_code == 200, r.text
        return r

    node_link = nx.node_link_graph(get("node-link").json())
    cytoscape = nx.cytoscape_graph(get("cytoscape").json())
    graphml = nx.read_graphml(io.BytesIO(get("graphml").content))
    gexf = nx.read_gexf(io.BytesIO(get("gexf").content))
    for g in (node_link, cytoscape, graphml, gexf):
        assert isinstance(g, nx.MultiDiGraph)
    nodes = dict(node_link.nodes(data=True))
    edges = {(s, o, k): d for s, o, k, d in node_link.edges(keys=True, data=True)}
    assert len(edges) == node_link.number_of_edges() == node_link.graph["edges"]
    assert len(nodes) == node_link.graph["nodes"]
    assert {n["kind"] for n in nodes.values()} and all(n["short_label"] for n in nodes.values())
    assert all("betweenness" in n for n in nodes.values())
    assert dict(cytoscape.nodes(data=True)) == {
        iri: {**d, "id": iri, "value": iri, "name": d["label"]} for iri, d in nodes.items()
    }
    assert {
        (s, o, k): _without(d, "source", "target", "key")
        for s, o, k, d in cytoscape.edges(keys=True, data=True)
    } == edges
    assert cytoscape.graph == node_link.graph
    for g in (graphml, gexf):
        assert dict(g.nodes(data=True)) == {iri: _flat(d) for iri, d in nodes.items()}
        assert {(s, o, k): d for s, o, k, d in g.edges(keys=True, data=True)} == {
            key: _flat(d) for key, d in edges.items()
        }
        assert g.number_of_edges() == len(edges)
    assert graphml.graph["center"] == node_link.graph["center"]
    assert graphml.graph["betweenness_exact"] is node_link.graph["betweenness_exact"]


def test_format_parameter_beats_accept(client: TestClient) -> None:
    r = client.get(
        "/actors/Russia/ego",
        params={"format": "cytoscape"},
        headers={"Accept": "application/gexf+xml"},
    )
    assert r.headers["content-type"] == "application/json" and "elements" in r.json()


def test_radius_two_and_budget(client: TestClient) -> None:
    one = client.get("/actors/Russia/ego", params={"radius": 1}).json()["summary"]
    two = client.get("/actors/Russia/ego", params={"radius": 2}).json()["summary"]
    assert two["nodes"] > one["nodes"]
    cut = client.get("/actors/Russia/ego", params={"radius": 2, "max_nodes": 12}).json()
    assert cut["summary"]["nodes"] == len(cut["elements"]["nodes"]) == 12
    assert cut["summary"]["omitted"] == two["nodes"] - 12


def test_ego_filters(client: TestClient) -> None:
    params = {
        "relations": "accused,denied",
        "from": "2016-01-01",
        "to": "2017-12-31",
        "min_weight": 1,
    }
    body = client.get("/actors/Russia/ego", params=params).json()
    assert body["summary"]["filters"]["relations"] == ["accused", "denied"]
    for e in body["elements"]["edges"]:
        assert e["data"]["relation"] in {"accused", "denied"}
    out = client.get("/actors/Russia/ego", params={"direction": "out"}).json()
    both = client.get("/actors/Russia/ego", params={"direction": "both"}).json()
    assert out["summary"]["nodes"] <= both["summary"]["nodes"]


@pytest.mark.parametrize(
    "params",
    [
        {"radius": 0},
        {"radius": 4},
        {"radius": "two"},
        {"from": "2016-13-01"},
        {"to": "yesterday"},
        {"from": "2017-01-01", "to": "2016-01-01"},
        {"direction": "sideways"},
        {"min_weight": 0},
        {"max_nodes": 0},
        {"relations": "befriended"},
    ],
)
def test_bad_ego_parameters_are_4xx_problems(client: TestClient, params: dict[str, object]) -> None:
    r = client.get("/actors/Russia/ego", params=params)
    assert 400 <= r.status_code < 500, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_unknown_actor_ego_is_404_with_suggestions(client: TestClient) -> None:
    body = _problem(client.get("/actors/Rusia/ego"), 404)
    assert "Russia" in body["suggestions"]  # type: ignore[operator]


def test_unacceptable_accept_is_406(client: TestClient) -> None:
    body = _problem(client.get("/actors/Russia/ego", headers={"Accept": "image/png"}), 406)
    assert NODE_LINK in str(body["detail"]) and "format=" in str(body["detail"])


@pytest.mark.parametrize(
    ("params", "headers"),
    [({"format": "node-link"}, {}), ({}, {"Accept": NODE_LINK}), ({"format": NODE_LINK}, {})],
    ids=["format", "accept", "format-media-type"],
)
def test_node_link_by_its_name_or_its_media_type(
    client: TestClient, params: dict[str, str], headers: dict[str, str]
) -> None:
    r = client.get("/actors/Russia/ego", params=params, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == NODE_LINK  # the answer says what it is
    g = nx.node_link_graph(r.json())  # networkx's own reader, as it is called by default
    assert g.graph["center"] == RUSSIA and RUSSIA in g


@pytest.mark.parametrize("fmt", ["svg", "<script>alert(1)</script>", "yaml,xml"])
def test_an_unknown_format_falls_back_to_accept(client: TestClient, fmt: str) -> None:
    """An unknown ``format=`` used to be a 400; it is ignored now, as ``/sparql`` ignores a
    ``format=`` it does not know (clients add such parameters): Accept decides."""
    r = client.get(
        "/actors/Russia/ego", params={"format": fmt}, headers={"Accept": "application/gexf+xml"}
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/gexf+xml")
    r = client.get("/actors/Russia/ego", params={"format": fmt})
    assert r.status_code == 200 and "elements" in r.json()  # no Accept: Cytoscape
    _problem(
        client.get("/actors/Russia/ego", params={"format": fmt}, headers={"Accept": "image/png"}),
        406,
    )


@pytest.mark.parametrize(
    ("fmt", "accept", "expected"),
    [
        (None, None, "cytoscape"),
        (None, "*/*", "cytoscape"),
        (None, "application/json", "cytoscape"),
        (None, "application/graphml+xml", "graphml"),
        (None, "application/gexf+xml;q=0.9, application/graphml+xml;q=0.5", "gexf"),
        (None, "image/png, application/*;q=0.1", "cytoscape"),
        (None, "application/graphml+xml;q=0, application/json;q=0.2", "cytoscape"),
        ("GraphML", "application/json", "graphml"),
        ("node-link", None, "node-link"),
        ("json", None, "cytoscape"),
        (None, NODE_LINK, "node-link"),
        (None, f"application/json;q=0.5, {NODE_LINK}", "node-link"),
        (None, "application/*", "cytoscape"),  # Cytoscape stays the default for JSON
        (None, "application/vnd.cytoscape+json", "cytoscape"),
        (None, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "cytoscape"),
        ("svg", "application/graphml+xml", "graphml"),  # unknown format=: Accept decides
        ("svg", None, "cytoscape"),
    ],
)
def test_choose_format(fmt: str | None, accept: str | None, expected: str) -> None:
    assert choose_format(fmt, accept) == expected


def test_choose_format_refuses_what_neither_names() -> None:
    with pytest.raises(NotAcceptable, match="graphml"):
        choose_format("svg", "image/png")


def test_openapi_has_examples_for_every_parameter_of_ego(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    ego = spec["paths"]["/actors/{actor}/ego"]["get"]
    actor = next(p for p in ego["parameters"] if p["name"] == "actor")
    assert "Taliban" in actor["examples"]


# ---------------------------------------------------------------------------- a real server


@pytest.mark.slow
def test_ego_over_a_real_uvicorn(seed_copy: Callable[[str], Path], tmp_path: Path) -> None:
    with uvicorn(seed_copy("ego-uvicorn"), tmp_path / "server.log") as base:
        r = httpx.get(f"{base}/actors/Taliban/ego", headers={"Accept": "application/graphml+xml"})
        assert r.status_code == 200
        assert TALIBAN in nx.read_graphml(io.BytesIO(r.content))
        r = httpx.get(f"{base}/actors/Taliban/ego")
        assert json.loads(r.content)["summary"]["center"] == TALIBAN
