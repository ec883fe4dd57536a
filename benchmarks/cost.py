"""Calibrate graph.cost: how many rows of a cartesian product pyoxigraph makes per second.

    python benchmarks/cost.py                 # on the seed graph (built in a temporary directory)
    python benchmarks/cost.py --cap 15        # seconds before a query's process is killed

Each query counts a product of known size (``SELECT (COUNT(*) AS ?n) { A . B }`` with A and B
sharing no variable) in a fresh process, on an in-memory copy of the store as the query workers
use, and is killed after ``--cap`` seconds (pyoxigraph has no timeout). The rows per second it
prints turn a product limit into engine time. It also times :func:`graph.cost.estimate` on the
README's example queries.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from graph.build import build  # noqa: E402
from graph.cost import Statistics, estimate  # noqa: E402
from graph.settings import PROJECT_ROOT  # noqa: E402
from graph.store import Store  # noqa: E402

PRODUCTS = {
    "states × all": "?a a ag:State . ?b ?p ?o",
    "claims × all": "?a a ag:Claim . ?b ?p ?o",
    "concepts × all": "?a a skos:Concept . ?b ?p ?o",
    "typed × all": "?a a ?c . ?b ?p ?o",
    "all × all": "?a ?b ?c . ?d ?e ?f",
    "all × all × all": "?a ?b ?c . ?d ?e ?f . ?g ?h ?i",
}

# Runs in the child: copy the store to memory, count, print the seconds the count took.
CHILD = """
import sys, time
from graph.store import Store
memory = Store.open_read_only(sys.argv[1]).to_memory()
start = time.perf_counter()
n = next(memory.query(sys.argv[2]).values())[0]
print(n, time.perf_counter() - start)
"""


def run(path: Path, query: str, cap: float) -> tuple[int, float] | None:
    """The count and the seconds it took, or None when it ran past ``cap``."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(path), query],
            capture_output=True,
            text=True,
            timeout=cap,
            cwd=ROOT,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return None
    count, seconds = done.stdout.split()
    return int(count), float(seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=float, default=15.0, help="seconds before a query is killed")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store"
        store = Store.open(path)
        build(PROJECT_ROOT / "seeds", store)
        store.flush()
        stats = Statistics.from_store(store)
        checkpoint = Path(tmp) / "checkpoint"
        store.checkpoint(checkpoint)
        print(f"seed graph: {stats.triples:,} triples")
        print(f"{'product':<18} {'estimated':>10} {'counted':>10} {'seconds':>8} {'rows/s':>9}")
        for name, pattern in PRODUCTS.items():
            query = f"SELECT (COUNT(*) AS ?n) {{ {pattern} }}"
            product = estimate(query, stats).product
            runs = [run(checkpoint, query, args.cap) for _ in range(args.repeat)]
            finished = [r for r in runs if r is not None]
            if not finished:
                print(f"{name:<18} {product:>10.2e} {'killed':>10} {'>' + str(args.cap):>8}")
                continue
            count = finished[0][0]
            seconds = statistics.median(s for _, s in finished)
            print(
                f"{name:<18} {product:>10.2e} {count:>10.2e} {seconds:>8.3f} {count / seconds:>9.2e}"
            )

    print("\nestimate() on the example queries (median of 1,000 runs):")
    for rq in sorted((PROJECT_ROOT / "examples").glob("*.rq")):
        text = rq.read_text(encoding="utf-8")
        times = []
        for _ in range(1000):
            start = time.perf_counter()
            estimate(text, stats)
            times.append(time.perf_counter() - start)
        print(f"  {rq.stem:<30} {len(text):>5} chars {statistics.median(times) * 1e6:>7.0f} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
