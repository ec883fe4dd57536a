"""Time incremental validation of a steward's batch against a big store; print medians.

    python benchmarks/validate_batch.py                 # 1M-triple synthetic store (synth.py)
    python benchmarks/validate_batch.py --scale 100k --verify   # and prove the report identical
                                                                # to pySHACL on the merged graph
    python benchmarks/validate_batch.py --shapes        # and the time of each SPARQL constraint

A batch is what a steward commits after reading one new article: the article node and ``--events``
events (default 57, ≈ 1,000 triples with their evidence) of the kinds and proportions of the store
— meetings, statements, accusations, criticism, denials answering accusations already in the store
and denying their claims — whose actors are drawn from the store in proportion to how many events
they take part in (so the hubs, Russia first, are in most batches). Each run validates a fresh
batch with :func:`graph.batches.check_batch`, which is exactly what ``POST /validate`` and
``POST /batches`` do, after one warm-up run. The store is opened read-only and never written.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rdflib import Graph, Literal, Namespace, URIRef  # noqa: E402
from rdflib.namespace import XSD  # noqa: E402

from benchmarks import synth  # noqa: E402
from graph.batches import check_batch, parse_batch  # noqa: E402
from graph.build import derive_edges  # noqa: E402
from graph.namespaces import AG, CAMEO, ID, OA, PROV, RDF, RDFS, SCHEMA, SEM  # noqa: E402
from graph.reports import complete_reports  # noqa: E402
from graph.store import RDFFormat, Store  # noqa: E402
from graph.validate import Result, load_ontology, validate  # noqa: E402

EVENT = Namespace(str(ID) + "event/")
EVIDENCE = Namespace(str(ID) + "evidence/")
ARTICLE = Namespace(str(ID) + "article/")
#: event class → (CAMEO code, share of batches' events, directed: agent → targets)
KINDS: dict[str, tuple[str, int, bool]] = {
    "Statement": ("010", 16, True),  # ag:commentedOn runs agent → target
    "Meeting": ("040", 14, False),
    "Accusation": ("112", 14, True),
    "Criticism": ("111", 10, True),
    "Denial": ("016", 10, True),
    "CooperationOffer": ("030", 8, True),
    "Request": ("020", 8, True),
    "Support": ("051", 8, True),
    "Threat": ("130", 6, True),
    "Sanction": ("163", 6, True),
}


class Sampler:
    """What batches refer to, read from the store once: actors weighted by their events,
    accusations with their claims, publishers."""

    def __init__(self, store: Store) -> None:
        rows = store.query(
            "SELECT ?a (COUNT(?e) AS ?n) WHERE { ?e ag:participant ?a } GROUP BY ?a ORDER BY ?a"
        ).values()
        self.actors: list[str] = []
        self.cumulative: list[int] = []
        total = 0
        for actor, n in rows:
            assert actor is not None and n is not None
            total += int(n)
            self.actors.append(actor)
            self.cumulative.append(total)
        self.accusations = [
            (a, c)
            for a, c in store.query(
                "SELECT ?a ?c WHERE { ?a a ag:Accusation ; ag:makesClaim ?c } ORDER BY ?a"
            ).values()
            if a is not None and c is not None
        ]
        self.publishers = [
            p
            for (p,) in store.query(
                "SELECT ?p WHERE { ?p a ag:NewsOrganisation } ORDER BY ?p"
            ).values()
            if p is not None
        ]

    def actor(self, rng: random.Random) -> URIRef:
        i = bisect.bisect_left(self.cumulative, rng.randrange(self.cumulative[-1]) + 1)
        return URIRef(self.actors[i])

    def distinct(self, rng: random.Random, n: int) -> list[URIRef]:
        out: list[URIRef] = []
        while len(out) < n:
            a = self.actor(rng)
            if a not in out:
                out.append(a)
        return out


def make_batch(sampler: Sampler, events: int, seed: int) -> Graph:
    """One article and its events, as Turtle through :func:`graph.batches.parse_batch`."""
    rng = random.Random(seed)
    g = Graph()
    name = f"bench-{seed}"
    article = ARTICLE[name]
    text = f"synthetic article {seed}"
    g.add((article, RDF.type, AG.NewsArticle))
    g.add((article, RDFS.label, Literal(f"Article {seed}", lang="en")))
    g.add((article, SCHEMA.publisher, URIRef(rng.choice(sampler.publishers))))
    g.add((article, SCHEMA.datePublished, Literal("2019-05-02", datatype=XSD.date)))
    g.add((article, AG.sourceFile, Literal(f"{name}.txt")))
    g.add((article, AG.contentSha256, Literal(hashlib.sha256(text.encode()).hexdigest())))
    kinds = [k for k, (_, share, _) in KINDS.items() for _ in range(share)]
    for i in range(events):
        kind = rng.choice(kinds)
        code, _, directed = KINDS[kind]
        e, ev = EVENT[f"{name}-{i}"], EVIDENCE[f"{name}-{i}"]
        target, selector = URIRef(f"{ev}/target"), URIRef(f"{ev}/quote")
        agent, *others = sampler.distinct(rng, 1 + rng.choice((1, 1, 1, 2)))
        quote = f"Quote {i} of the synthetic article about {kind.lower()} number {seed}."
        g.add((e, RDF.type, AG[kind]))
        g.add((e, AG.eventType, CAMEO[code]))
        g.add((e, AG.agent, agent))
        for a in (agent, *others):
            g.add((e, AG.participant, a))
        if directed:
            for a in others:
                g.add((e, AG.target, a))
        if kind == "Denial" and sampler.accusations:
            accusation, claim = rng.choice(sampler.accusations)
            g.add((e, AG.respondsTo, URIRef(accusation)))
            g.add((e, AG.deniesClaim, URIRef(claim)))
        g.add((e, SEM.hasTimeStamp, Literal(f"2019-04-{1 + i % 28:02d}", datatype=XSD.date)))
        g.add((e, AG.quote, Literal(quote)))
        g.add((e, AG.evidence, ev))
        g.add((e, PROV.wasDerivedFrom, article))
        g.add((ev, RDF.type, AG.Evidence))
        g.add((ev, OA.hasBody, e))
        g.add((ev, OA.hasTarget, target))
        g.add((target, OA.hasSource, article))
        g.add((target, OA.hasSelector, selector))
        g.add((selector, RDF.type, OA.TextQuoteSelector))
        g.add((selector, OA.exact, Literal(quote)))
    return parse_batch(g.serialize(format="turtle").encode(), RDFFormat.TURTLE)


def full_report(store: Store, batch: Graph) -> list[Result]:
    """pySHACL on the whole merged graph, minus what the store alone reports (the reference)."""
    before = Graph()
    for name in store.named_graphs():
        for stored in store.triples(name):
            before.add(stored)
    merged = Graph()
    for kept in before:
        merged.add(kept)
    for submitted in batch:
        if not store.contains(submitted):
            merged.add(submitted)
    for made in complete_reports(batch, merged.triples):  # as check_batch does
        merged.add(made)
    for edge in derive_edges([merged], load_ontology()):
        merged.add(edge)
    diff = Counter(validate(merged).results) - Counter(validate(before).results)
    return sorted(diff.elements(), key=Result.sort_key)


class ConstraintTimes:
    """The time pySHACL spends in each SPARQL constraint (all focus nodes), summed over runs."""

    def __init__(self) -> None:
        from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint

        self.seconds: Counter[str] = Counter()
        self.nodes: Counter[str] = Counter()
        evaluate = SPARQLBasedConstraint._evaluate_sparql_constraint

        def timed(component: Any, constraint: Any, graph: Any, focus: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return evaluate(component, constraint, graph, focus)
            finally:
                name = str(constraint.node).rsplit("#", 1)[-1]
                self.seconds[name] += time.perf_counter() - t0
                self.nodes[name] += len(focus)

        SPARQLBasedConstraint._evaluate_sparql_constraint = timed

    def print(self, runs: int) -> None:
        print(f"SPARQL constraints, per batch (mean of {runs} runs): ms, focus nodes, constraint")
        for name, seconds in self.seconds.most_common():
            print(f"  {seconds / runs * 1000:8.1f} {self.nodes[name] // runs:6d}  {name}")
        print(f"  {sum(self.seconds.values()) / runs * 1000:8.1f}         in all")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", default="1m", help="synthetic store: 10k, 100k, 1m (default)")
    parser.add_argument("--store", type=Path, help="validate against this store instead")
    parser.add_argument(
        "--events", type=int, default=57, help="events per batch (default 57: ≈ 1,000 triples)"
    )
    parser.add_argument("--runs", type=int, default=7, help="timed runs (default 7)")
    parser.add_argument(
        "--verify", action="store_true", help="also compare with full validation (slow at 1M)"
    )
    parser.add_argument(
        "--shapes", action="store_true", help="also time each SPARQL constraint (pySHACL's)"
    )
    args = parser.parse_args()
    path = args.store or synth.cached(args.scale).path
    started = time.perf_counter()
    store = Store.open_read_only(path)
    sampler = Sampler(store)
    print(
        f"store {path}: {len(store):,} triples, {len(sampler.actors):,} actors in events "
        f"(opened and sampled in {time.perf_counter() - started:.1f} s)"
    )
    check_batch(store, make_batch(sampler, args.events, seed=0))  # warm-up: shapes, ontology
    constraints = ConstraintTimes() if args.shapes else None
    times: list[float] = []
    for run in range(1, args.runs + 1):
        batch = make_batch(sampler, args.events, seed=run)
        t0 = time.perf_counter()
        check = check_batch(store, batch)
        times.append(time.perf_counter() - t0)
        print(
            f"  run {run}: {times[-1]:.3f} s  {len(batch):,} triples, {check.new_edges} new "
            f"edges, {check.focus_nodes} focus nodes, conforms={check.conforms}"
        )
        if not check.conforms:
            print(check.report.text[:2000])
    print(
        f"check_batch, {args.events} events (≈{len(batch):,} triples) against {len(store):,} "
        f"triples: median {statistics.median(times):.3f} s, max {max(times):.3f} s "
        f"({args.runs} runs)"
    )
    if constraints is not None:
        constraints.print(args.runs)
    if args.verify:
        batch = make_batch(sampler, args.events, seed=1)
        bad = Graph()
        for s, p, o in batch:
            bad.add((s, p, o))
        victim = next(iter(bad.subjects(AG.agent, None)))
        bad.add((victim, AG.agent, sampler.actor(random.Random(9))))  # a second agent
        for b in (batch, bad):
            t0 = time.perf_counter()
            reference = full_report(store, b)
            full = time.perf_counter() - t0
            same = check_batch(store, b).report.results == reference
            print(
                f"verify: identical to full validation: {same} ({len(reference)} results; "
                f"full validation of store and merged graph took {full:.1f} s)"
            )
            if not same:
                return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
