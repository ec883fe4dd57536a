"""Time the actor network in-process: building the index, ego networks, lookups; print medians.

    python benchmarks/networks.py                    # the seed graph, built in a temporary dir
    python benchmarks/networks.py --store PATH       # any built store (e.g. a synthetic 1M one)

Figures are medians (and the slowest run) of repeated calls in one process, after one warm-up
call. ``ego+json`` includes writing the Cytoscape.js JSON as the API does (pydantic-core).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pydantic_core  # noqa: E402

from graph.build import build  # noqa: E402
from graph.networks import ActorNetwork, to_cytoscape  # noqa: E402
from graph.store import Store  # noqa: E402


def timed(f: Callable[[], object], runs: int) -> str:
    f()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        f()
        times.append(time.perf_counter() - started)
    return f"median {statistics.median(times) * 1000:8.2f} ms   max {max(times) * 1000:8.2f} ms   ({runs} runs)"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, help="a built store (default: build the seeds)")
    parser.add_argument("--runs", type=int, default=0, help="repetitions (default: by graph size)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.store is None:
            store = Store.open(Path(tmp) / "store")
            build(ROOT / "seeds", store)
        else:
            store = Store.open(args.store)
        big = len(store) > 200_000
        runs = args.runs or (5 if big else 50)
        net = ActorNetwork.from_store(store)
        print(f"{len(store):,} triples, {len(net):,} actors, {len(net.ties):,} ties")
        print(
            f"{'ActorNetwork.from_store':28}", timed(lambda: ActorNetwork.from_store(store), runs)
        )
        by_events = sorted(net, key=lambda a: net.event_count(a.iri))
        median_actor = by_events[len(by_events) // 2].iri
        ego = net.ego("Russia", 2)
        print(
            f"ego(Russia, 2): {ego.summary['nodes']} nodes, {ego.summary['edges']} edges, "
            f"{ego.omitted} omitted of {ego.total}"
        )
        cases: list[tuple[str, Callable[[], object]]] = [
            ("ego(Russia, 1)", lambda: net.ego("Russia", 1)),
            ("ego(Russia, 2)", lambda: net.ego("Russia", 2)),
            (
                "ego(Russia, 2)+json",
                lambda: pydantic_core.to_json(to_cytoscape(net.ego("Russia", 2))),
            ),
            (
                "ego(Russia, 2, 2016)",
                lambda: net.ego("Russia", 2, date_from="2016-01-01", date_to="2016-12-31"),
            ),
            ("ego(median actor, 2)", lambda: net.ego(median_actor, 2)),
            ("resolve('russia')", lambda: net.resolve("russia")),
            ("search('afgh')", lambda: net.search("afgh")),
            ("paths(Russia, median)", lambda: net.shortest_paths("Russia", median_actor)),
        ]
        for name, f in cases:
            print(f"{name:28}", timed(f, runs * 20))


if __name__ == "__main__":
    main()
