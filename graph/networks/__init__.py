"""Ego networks, shortest paths and actor lookup for network visualisers.

An :class:`ActorNetwork` is a compact in-memory index of the actor-to-actor edges the build derives
(named graph ``id:graph/edges``), each with the events behind it, read from the store with a dozen
bulk scans (``graph/queries/network_*.rq``; the rule of :mod:`graph.rules` is applied to them
here). Neighbourhoods are found by breadth-first search over this index, cut to a node budget by
tie strength, and only then materialised, as plain records and (on demand) a
:class:`networkx.MultiDiGraph`: on a hub of a million-triple graph a walk over such an index takes
tens of milliseconds where ``nx.ego_graph`` or SPARQL take seconds (``PERFORMANCE.md``), because
most of the cost is materialising edges that no visualiser can draw anyway.

The writers turn an :class:`EgoNetwork` into what visualisers read, each in the form networkx's
own reader of that format loads (``nx.cytoscape_graph``, ``nx.node_link_graph``,
``nx.read_graphml``, ``nx.read_gexf``), with every node and edge attribute: Cytoscape.js JSON
(:func:`to_cytoscape`), node-link JSON for D3 (:func:`to_node_link`), GraphML and GEXF for Gephi
(:func:`to_graphml`, :func:`to_gexf`).

Every ego network has the same attributes, whatever its radius or size: nodes carry a
``short_label`` for display and a betweenness centrality, exact when the network is small enough
and otherwise estimated from a fixed, seeded sample of sources (:data:`BETWEENNESS_WORK`; the
summary says which); edges carry the day of their first and last event when every event is known
to the day (``first``/``last``), and always the bounds of when their events may have happened
(``earliest``/``latest``), with ``dating`` saying which of the two the edge has.

One module per concern, dependencies pointing one way (each only on those above it):

* :mod:`graph.networks.names` — the form names are compared in, IRIs, display labels, name search;
* :mod:`graph.networks.records` — the records (actors, events, ties, ego networks, paths);
* :mod:`graph.networks.load` — reading the store with scans;
* :mod:`graph.networks.ego` — the ego walk: layers, node budget, filters, edge and node records;
* :mod:`graph.networks.paths` — shortest paths;
* :mod:`graph.networks.index` — :class:`ActorNetwork`, the index, putting the above to work;
* :mod:`graph.networks.writers` — Cytoscape.js, node-link, GraphML, GEXF.

>>> import networkx as nx
>>> net = ActorNetwork(
...     [Actor("ex:ru", "Russia", "State", ("Moscow",)), Actor("ex:ta", "Taliban", "ArmedGroup"),
...      Actor("ex:us", "United States", "State")],
...     [Tie("ex:ru", "ex:ta", "offeredCooperationTo", (Event.on("ex:e1", "2015-12-29", "CooperationOffer"),)),
...      Tie("ex:us", "ex:ru", "accused", (Event.on("ex:e2", "2017-02-10", "Accusation"),))],
... )
>>> net.resolve("moscow")
'ex:ru'
>>> ego = net.ego("Taliban", radius=2)
>>> sorted(ego.graph.nodes), ego.omitted
(['ex:ru', 'ex:ta', 'ex:us'], 0)
>>> to_cytoscape(ego)["summary"]["edges"]
2
>>> sorted(nx.cytoscape_graph(to_cytoscape(ego)).edges(keys=True))
[('ex:ru', 'ex:ta', 'offeredCooperationTo'), ('ex:us', 'ex:ru', 'accused')]
"""

from graph.networks.ego import BETWEENNESS_SEED, BETWEENNESS_WORK, betweenness_sources
from graph.networks.index import ActorNetwork
from graph.networks.names import SHORT_LABEL_WIDTH, expand, local_name, normalise, short_label
from graph.networks.records import (
    AFFILIATION,
    DIRECTIONS,
    Actor,
    Dating,
    Direction,
    EgoNetwork,
    Event,
    Hop,
    Match,
    Path,
    Tie,
)
from graph.networks.writers import to_cytoscape, to_gexf, to_graphml, to_node_link

__all__ = [
    "AFFILIATION",
    "BETWEENNESS_SEED",
    "BETWEENNESS_WORK",
    "DIRECTIONS",
    "SHORT_LABEL_WIDTH",
    "Actor",
    "ActorNetwork",
    "Dating",
    "Direction",
    "EgoNetwork",
    "Event",
    "Hop",
    "Match",
    "Path",
    "Tie",
    "betweenness_sources",
    "expand",
    "local_name",
    "normalise",
    "short_label",
    "to_cytoscape",
    "to_gexf",
    "to_graphml",
    "to_node_link",
]
