"""Draw a reproducible random sample of derived edges, each with the events (or memberships) and
verbatim quotes behind it, for reading against the articles as an event coder would.

    python benchmarks/edge_sample.py --seed 20261205                 # the seed graph, built in a temp dir
    python benchmarks/edge_sample.py --store PATH --seed 20261206    # any built store
    python benchmarks/edge_sample.py --seed 1 --n 60 --counts        # also the edge counts by property

The population is every distinct (subject, property, object) triple in ``GRAPH id:graph/edges``
whose property is an actor-to-actor interaction (a sub-property of ``ag:interactedWith``:
``ag:metWith``, ``ag:accused``, …, ``ag:addressed``). ``org:memberOf`` edges are left out unless
``--memberships`` is given: they come from memberships, not events, and the coding guide's
questions (who acted, was it said or done, is it hedged) do not apply to them. ``ag:metWith`` is
symmetric and stored in both directions; each direction counts as one edge, as in the store.

The sample is ``random.Random(seed).sample(sorted(population), n)``: the same store and seed give
the same sample. Print the seed with the result; draw a fresh seed for each evaluation.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rdflib import URIRef  # noqa: E402

from graph.build import build  # noqa: E402
from graph.lookups import event_detail  # noqa: E402
from graph.networks import ActorNetwork, local_name  # noqa: E402
from graph.query import compact  # noqa: E402
from graph.store import Store  # noqa: E402

EDGES = """
SELECT DISTINCT ?s ?p ?o WHERE {
  GRAPH <https://w3id.org/actorgraph/id/graph/edges> { ?s ?p ?o }
  FILTER (?p = org:memberOf || EXISTS { ?p rdfs:subPropertyOf+ ag:interactedWith })
}
"""

Edge = tuple[str, str, str]


def population(store: Store, memberships: bool) -> list[Edge]:
    """Every edge as (s, p, o) in N3 (full IRIs), sorted, so that a seed picks the same sample."""
    rows = []
    for r in store.query(EDGES).rows():
        if compact(r["p"]) == "org:memberOf" and not memberships:
            continue
        rows.append((r["s"].n3(), r["p"].n3(), r["o"].n3()))
    return sorted(rows)


def show(edge: Edge) -> str:
    return " ".join(compact(URIRef(t[1:-1])) for t in edge)


def behind(store: Store) -> dict[tuple[str, str, str], list[str]]:
    """(source, relation name, target) → the IRIs of the events behind that edge, from the
    ego-network index, which derives its edges with the project's one rule (graph/rules.py)."""
    out: dict[tuple[str, str, str], list[str]] = {}
    for tie in ActorNetwork.from_store(store).ties:
        events = [e.iri for e in tie.events]
        out[(tie.source, tie.relation, tie.target)] = events
        if not tie.directed:
            out[(tie.target, tie.relation, tie.source)] = events
    return out


def backing(
    store: Store, events: dict[tuple[str, str, str], list[str]], edge: Edge
) -> list[dict[str, str]]:
    """The events (or memberships) behind ``edge``, one row per report: an event reported by two
    articles shows both accounts."""
    s, p, o = (t[1:-1] for t in edge)
    out = []
    for iri in events.get((s, local_name(p), o), []):
        detail = event_detail(store, iri)
        accounts = [(r.article.iri, r.quote) for r in detail.reports] or [
            (detail.article.iri if detail.article else "", detail.quote or "")
        ]
        for article, quote in accounts:
            out.append(
                {
                    "event": compact(URIRef(iri)),
                    "type": detail.type,
                    "article": compact(URIRef(article)).removeprefix("article:"),
                    "quote": quote,
                    "modality": detail.modality or "",
                }
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, help="a built store (default: build the seeds)")
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds", help="seeds to build")
    parser.add_argument("--seed", type=int, required=True, help="the random seed (print it)")
    parser.add_argument("--n", type=int, default=60, help="sample size (default 60)")
    parser.add_argument("--memberships", action="store_true", help="include org:memberOf")
    parser.add_argument("--counts", action="store_true", help="also print counts by property")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.store is None:
            store = Store.open(Path(tmp) / "store")
            build(args.seeds, store)
        else:
            store = Store.open_read_only(args.store)
        pop = population(store, args.memberships)
        if args.counts:
            every = population(store, True)
            events = store.query(
                "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a/rdfs:subClassOf* ag:PoliticalEvent }"
            )
            reports = store.query("SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?e ag:hasReport ?r }")
            print(f"events: {next(events.values())[0]}, reports: {next(reports.values())[0]}")
            for p, c in sorted(
                Counter(compact(URIRef(p[1:-1])) for _, p, _ in every).items(),
                key=lambda x: (-x[1], x[0]),
            ):
                print(f"  {p:28} {c:4}")
            print(f"  {'total':28} {len(every):4}")
        events_behind = behind(store)
        n = min(args.n, len(pop))
        sample = random.Random(args.seed).sample(pop, n)
        print(f"seed {args.seed}: {n} of {len(pop)} edges")
        print("| # | edge | event(s) | quote |")
        print("|---|---|---|---|")
        for i, edge in enumerate(sample, start=1):
            backs = backing(store, events_behind, edge)
            by_event: dict[str, list[str]] = {}  # an event reported twice is one event
            for b in backs:
                by_event.setdefault(b["event"].removeprefix("event:"), []).append(b["article"][:12])
            ev = "; ".join(f"{e} ({', '.join(arts)})" for e, arts in by_event.items())
            quotes = " / ".join(f"“{b['quote']}”" for b in backs).replace("|", "\\|")
            print(f"| {i} | {show(edge)} | {ev} | {quotes} |")


if __name__ == "__main__":
    main()
