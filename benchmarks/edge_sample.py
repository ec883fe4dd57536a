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
from graph.query import compact  # noqa: E402
from graph.store import Store  # noqa: E402

EDGES = """
SELECT DISTINCT ?s ?p ?o WHERE {
  GRAPH <https://w3id.org/actorgraph/id/graph/edges> { ?s ?p ?o }
  FILTER (?p = org:memberOf || EXISTS { ?p rdfs:subPropertyOf+ ag:interactedWith })
}
"""

# the events behind one edge, by the derivation rule's branches (graph/rules.py)
BACKING = """
SELECT DISTINCT ?e ?type ?quote ?article ?mod WHERE {
  {
    ?e a/rdfs:subClassOf* ?decl . ?decl ag:shortcutProperty $p . $p a owl:SymmetricProperty .
    ?e ag:participant $s , $o .
  } UNION {
    ?e a/rdfs:subClassOf* ?decl . ?decl ag:shortcutProperty $p .
    FILTER NOT EXISTS { $p a owl:SymmetricProperty }
    ?e ag:agent $s ; ag:target $o .
  } UNION {
    FILTER ($p = ag:addressed)
    ?e a/rdfs:subClassOf* ag:SpeechAct ; ag:agent $s ; ag:addressee $o .
  } UNION {
    FILTER ($p = org:memberOf)
    ?e a org:Membership ; org:member $s ; org:organization $o .
  }
  FILTER NOT EXISTS { ?e ag:modality/ag:suppressesEdges true }
  {
    ?e ag:hasReport ?r . ?r ag:quote ?quote ; prov:wasDerivedFrom ?article .   # each account
  } UNION {
    ?e a org:Membership ; ag:quote ?quote ; prov:wasDerivedFrom ?article .
  }
  OPTIONAL { ?e a ?type . FILTER (STRSTARTS(STR(?type), STR(ag:))) }
  OPTIONAL { ?e ag:modality ?mod }
}
ORDER BY ?e
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


def backing(store: Store, edge: Edge) -> list[dict[str, str]]:
    s, p, o = edge
    q = BACKING.replace("$s", s).replace("$p", p).replace("$o", o)
    out = []
    for r in store.query(q).rows():
        out.append(
            {
                "event": compact(r["e"]),
                "type": compact(r["type"]) if "type" in r else "",
                "article": compact(r["article"]).removeprefix("article:"),
                "quote": str(r["quote"]),
                "modality": compact(r["mod"]) if "mod" in r else "",
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
        n = min(args.n, len(pop))
        sample = random.Random(args.seed).sample(pop, n)
        print(f"seed {args.seed}: {n} of {len(pop)} edges")
        print("| # | edge | event(s) | quote |")
        print("|---|---|---|---|")
        for i, edge in enumerate(sample, start=1):
            backs = backing(store, edge)
            by_event: dict[str, list[str]] = {}  # an event reported twice is one event
            for b in backs:
                by_event.setdefault(b["event"].removeprefix("event:"), []).append(b["article"][:12])
            ev = "; ".join(f"{e} ({', '.join(arts)})" for e, arts in by_event.items())
            quotes = " / ".join(f"“{b['quote']}”" for b in backs).replace("|", "\\|")
            print(f"| {i} | {show(edge)} | {ev} | {quotes} |")


if __name__ == "__main__":
    main()
