"""Analyst queries: run SPARQL on the store and the canned questions the CLI and API share.

Canned queries live as ``.rq`` files in ``graph/queries/``; user values reach them only through
bindings, never through the query text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from rdflib import Literal, URIRef

from graph.namespaces import PREFIXES
from graph.sparql import check_query
from graph.store import QueryResult, Store, Term

__all__ = ["Stats", "canned", "compact", "run", "stats"]


@cache
def canned(name: str) -> str:
    """The text of ``graph/queries/<name>.rq``."""
    return resources.files("graph.queries").joinpath(f"{name}.rq").read_text(encoding="utf-8")


def run(store: Store, sparql: str, *, max_length: int, max_depth: int = 64) -> QueryResult:
    """Run an analyst's SPARQL query on the union of all graphs, after the guard of the public
    endpoint (:func:`graph.sparql.check_query`): what ``/sparql`` refuses is refused here with
    the same words (an update, ``SERVICE``, a ``FROM`` outside the store, a query over
    ``max_length`` characters or nested deeper than ``max_depth``).

    Raises:
        QueryRefused: the guard refused the query, saying why.
        InvalidInput: the query is not valid SPARQL (in words, with line and column).
    """
    known = {str(g) for g in store.named_graphs()}
    check_query(sparql, known_graphs=known, max_length=max_length, max_depth=max_depth)
    return store.query(sparql)


_BY_LENGTH = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


def compact(term: Term) -> str:
    """A short human form of a term: ``id:actor/russia``, ``"text"@en`` → ``text``."""
    if isinstance(term, URIRef):
        iri = str(term)
        for prefix, ns in _BY_LENGTH:
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns) :]}"
        return f"<{iri}>"
    if isinstance(term, Literal):
        return str(term)
    return f"_:{term}"


@dataclass(frozen=True)
class Stats:
    """Counts by class and by edge property, and triples per named graph."""

    classes: list[tuple[str, int]]
    edges: list[tuple[str, int]]
    graphs: list[tuple[str, int]]
    triples: int


def stats(store: Store) -> Stats:
    """Count instances of each ontology class, derived edges per property, and graph sizes."""
    classes = [
        (compact(r["class"]), int(r["n"])) for r in store.query(canned("stats_classes")).rows()
    ]
    edges = [(compact(r["p"]), int(r["n"])) for r in store.query(canned("stats_edges")).rows()]
    graphs = [(compact(g), store.graph_size(g)) for g in store.named_graphs()]
    return Stats(classes, edges, graphs, len(store))
