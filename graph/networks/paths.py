"""Shortest paths over the undirected projection of the index: breadth-first predecessors, then
every shortest path (up to a limit) walked back from the target.

Plain functions over the arrays of :class:`graph.networks.ActorNetwork`;
:meth:`ActorNetwork.shortest_paths` resolves the actors and the relations and calls them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from graph.networks.records import Actor, Hop, Path, Row, Tie


def shortest(
    nbr: Sequence[Row],
    actors: Sequence[Actor],
    a: int,
    b: int,
    ok: Callable[[int], bool],
    max_paths: int,
) -> list[list[int]]:
    """Up to ``max_paths`` shortest paths from ``a`` to ``b`` along the edges that are ``ok``,
    in either direction, as actor ids; empty when they are not connected. Where several
    predecessors lead on, they are taken by label, then id, so the choice is deterministic."""
    preds: dict[int, list[int]] = {a: []}
    frontier = [a]
    while frontier and b not in preds:
        nxt: dict[int, list[int]] = {}
        for u in frontier:
            for v, entries in nbr[u].items():
                if v not in preds and any(ok(e) for e, _ in entries):
                    nxt.setdefault(v, []).append(u)
        for v, us in nxt.items():
            preds[v] = sorted(set(us), key=lambda i: (actors[i].label, i))
        frontier = list(nxt)
    if b not in preds:
        return []

    paths: list[list[int]] = []

    def walk(node: int, tail: list[int]) -> None:
        if len(paths) >= max_paths:
            return
        if node == a:
            paths.append([a, *reversed(tail)])
            return
        for p in preds[node]:
            walk(p, [*tail, node])

    walk(b, [])
    return paths


def to_path(
    nbr: Sequence[Row],
    actors: Sequence[Actor],
    ties: Sequence[Tie],
    nodes: list[int],
    ok: Callable[[int], bool],
) -> Path:
    """The path through ``nodes`` (actor ids), each hop with every tie between its actors that
    is ``ok``."""
    hops = []
    for u, v in itertools.pairwise(nodes):
        hop_ties = tuple(ties[eid] for eid, _ in nbr[u][v] if ok(eid))
        hops.append(Hop(actors[u], actors[v], hop_ties))
    return Path(tuple(actors[i] for i in nodes), tuple(hops))
