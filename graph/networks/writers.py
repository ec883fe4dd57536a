"""The writers: an :class:`~graph.networks.EgoNetwork` as what visualisers read, each in the form
networkx's own reader of that format loads.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from graph.networks.records import _ENDS, EgoNetwork


def to_cytoscape(ego: EgoNetwork) -> dict[str, Any]:
    """Cytoscape JSON as ``nx.cytoscape_data(ego.graph, name="label")`` writes it, plus the
    ``summary`` (center, radius, counts, omitted, filters, how betweenness was computed).

    ``cy.add(body.elements)`` or ``cy.json(body)`` in Cytoscape.js; ``nx.cytoscape_graph(body)``
    in networkx (a MultiDiGraph: edges keyed by relation). Node ``data``: id (the IRI), value
    (the IRI again: networkx's node key), name (the label: what Cytoscape desktop shows), iri,
    label, short_label, kind, distance, degree, weighted_degree, neighbours, degree_centrality,
    betweenness. Edge ``data``: id, source,
    target, key (the relation: networkx's edge key), relation, directed, weight, first, last,
    earliest, latest, dating, events (IRIs). The top-level ``data`` holds the summary too, as an
    object as Cytoscape.js and Cytoscape desktop write it (networkx writes a list of pairs; its
    reader takes either).

    Written from the records rather than through networkx, which would first build a
    MultiDiGraph: on a hub's 4,400 edges that doubles the cost of the request
    (``tests/graph/test_networks.py`` checks that the two are equal).

    Examples
    --------
    >>> from graph.networks import ActorNetwork, Event, Tie
    >>> net = ActorNetwork([], [Tie("ex:a", "ex:b", "accused", (Event.on("ex:e1", "2016-01-01", "Accusation"),))])
    >>> out = to_cytoscape(net.ego("a"))
    >>> out["elements"]["edges"][0]["data"]["events"], out["summary"]["omitted"]
    (['ex:e1'], 0)
    >>> g = nx.cytoscape_graph(out)
    >>> list(g.edges(keys=True)), g.graph["center"]
    ([('ex:a', 'ex:b', 'accused')], 'ex:a')
    """
    summary = ego.summary
    nodes = [{"data": {**n, "value": n["id"], "name": n["label"] or n["id"]}} for n in ego.nodes]
    edges = [{"data": e} for e in ego.edges]  # the records hold networkx's key already
    return {
        "data": summary,
        "directed": True,
        "multigraph": True,
        "elements": {"nodes": nodes, "edges": edges},
        "summary": summary,
    }


def to_node_link(ego: EgoNetwork) -> dict[str, Any]:
    """networkx node-link JSON, ``nx.node_link_data(ego.graph, edges="edges")``: the summary as
    ``graph``, the edges under ``edges`` (networkx's default since 3.6: ``nx.node_link_graph(d)``
    loads it as it is), each with its relation as ``key``.

    D3 force layouts take the edges as they are: ``d3.forceLink(d.edges).id(n => n.id)``.

    >>> from graph.networks import ActorNetwork, Event, Tie
    >>> net = ActorNetwork([], [Tie("ex:a", "ex:b", "accused", (Event("ex:e1"),))])
    >>> d = to_node_link(net.ego("a"))
    >>> sorted(d)
    ['directed', 'edges', 'graph', 'multigraph', 'nodes']
    >>> list(nx.node_link_graph(d).edges(keys=True))
    [('ex:a', 'ex:b', 'accused')]
    """
    data: dict[str, Any] = nx.node_link_data(ego.graph, edges="edges")
    return data


def _scalar_copy(ego: EgoNetwork) -> nx.MultiDiGraph:
    """A copy whose attribute values are all scalars (lists joined by spaces, None dropped),
    as GraphML and GEXF require."""

    def flat(data: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in data.items():
            if v is None:
                continue
            out[k] = " ".join(map(str, v)) if isinstance(v, list | tuple) else v
        return out

    g = nx.MultiDiGraph()
    summary = ego.summary
    g.graph.update(flat({k: v for k, v in summary.items() if k != "filters"}))
    g.graph.update(flat({f"filter_{k}": v for k, v in summary["filters"].items()}))
    g.add_nodes_from((n["id"], flat({k: v for k, v in n.items() if k != "id"})) for n in ego.nodes)
    g.add_edges_from(
        (
            e["source"],
            e["target"],
            e["relation"],
            flat({k: v for k, v in e.items() if k not in _ENDS}),
        )
        for e in ego.edges
    )
    return g


def to_graphml(ego: EgoNetwork) -> bytes:
    """GraphML (Gephi, yEd, Cytoscape desktop), the summary as graph data (the filters as
    ``filter_…``); event IRIs joined by spaces, null values left out.

    >>> from graph.networks import ActorNetwork, Event, Tie
    >>> net = ActorNetwork([], [Tie("ex:a", "ex:b", "accused", (Event("ex:e1"),))])
    >>> to_graphml(net.ego("a")).startswith(b"<?xml")
    True
    """
    lines = nx.generate_graphml(_scalar_copy(ego))
    return ("<?xml version='1.0' encoding='utf-8'?>\n" + "\n".join(lines) + "\n").encode("utf-8")


def to_gexf(ego: EgoNetwork) -> bytes:
    """GEXF 1.2 (Gephi); event IRIs joined by spaces, null values left out; the edge weight is a
    double, as GEXF defines it. GEXF has no graph data, so the summary goes into the graph's
    name.

    >>> from graph.networks import ActorNetwork, Event, Tie
    >>> net = ActorNetwork([], [Tie("ex:a", "ex:b", "accused", (Event("ex:e1"),))])
    >>> b"<gexf" in to_gexf(net.ego("a"))
    True
    """
    g = _scalar_copy(ego)
    s = ego.summary
    between = (
        "exact betweenness"
        if s["betweenness_exact"]
        else f"betweenness estimated from {s['betweenness_sources']} sources"
    )
    g.graph = {
        "name": f"ego network of {s['label']} (radius {s['radius']}): {s['nodes']} of {s['total']} "
        f"actors, {s['omitted']} omitted; {between}"
    }
    return ("\n".join(nx.generate_gexf(g)) + "\n").encode("utf-8")
