"""Bulk load: large RDF dumps streamed into the store (``actorgraph load``).

What a bulk load does, and why:

* **Streaming.** The file (N-Triples, N-Quads, Turtle, TriG; gzip or not) is parsed by pyoxigraph
  and written with its bulk loader as it is read (:meth:`graph.store.Store.bulk_load`): nothing
  holds the whole file in Python objects. ``actorgraph commit`` (one transaction, a SHACL check
  of the whole batch in the context of the store) did not finish a 1M-triple file in 900 s; this
  path is the one for dumps.
* **Its own named graphs.** The triples of a triple format go into one named graph per file
  (``id:graph/load/<file stem>``, or the one given). A quad format keeps its graphs (its default
  graph goes to the file's graph), with two exceptions: triples of the ontology graph are skipped
  and counted (the ontology comes from ``ontology/actorgraph.ttl``, ``actorgraph build`` writes
  it), and the bookkeeping graphs of the data stewards (the batch registry, the audit log, the
  batches' graphs) are refused. A bulk load only *creates* graphs: a graph that already holds
  triples (the seed graphs of a built store, an earlier load) is refused, so nothing curated is
  overwritten — and so a load can be undone by dropping the graphs it made.
* **All or nothing per file.** When a file turns out malformed (or refused) half-way, the graphs
  it made are dropped again: the store is as before that file (files before it stay loaded).
* **Shape-checked by sample.** With ``check``, the subject of every ``sample``-th quad is
  validated against the shapes in the context of the store once the file is in (about
  ``SAMPLES_PER_CHUNK`` nodes per ``CHUNK`` quads, :func:`graph.batches.incremental.validate_nodes`).
  Problems are reported, not fatal, unless ``strict``: then the file's graphs are dropped.
* **The store to itself.** A bulk load opens the store for writing, so a running server must be
  stopped first (its API takes batches, not dumps; the command says so).
"""

from __future__ import annotations

import gzip
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

from rdflib import URIRef
from rdflib.term import Node

from graph.batches.names import AUDIT_GRAPH, BATCH_GRAPH_PREFIX, REGISTRY_GRAPH
from graph.build import ACTORS_GRAPH, ARTICLE_GRAPH_PREFIX, EDGES_GRAPH, ONTOLOGY_GRAPH
from graph.errors import InvalidInput, ValidationFailed
from graph.namespaces import graph_iri
from graph.store import RDFFormat, Store
from graph.validate import Result

__all__ = [
    "CHUNK",
    "EXTENSIONS",
    "SAMPLES_PER_CHUNK",
    "LoadResult",
    "Refused",
    "default_graph_for",
    "format_of",
    "load_file",
]

#: The formats a bulk load reads, by extension (each also as ``.gz``).
EXTENSIONS: dict[str, RDFFormat] = {
    ".nt": RDFFormat.NTRIPLES,
    ".nq": RDFFormat.NQUADS,
    ".ttl": RDFFormat.TURTLE,
    ".trig": RDFFormat.TRIG,
}
#: Quads per chunk of the shape check, and nodes validated per chunk.
CHUNK = 100_000
SAMPLES_PER_CHUNK = 20

ONTOLOGY_SKIPPED = "the ontology comes from ontology/actorgraph.ttl, `actorgraph build` writes it"


class Refused(InvalidInput):
    """A file would write into a graph a bulk load may not write (exit code 2)."""


@dataclass
class LoadResult:
    """What one file brought: quads written per graph, ontology triples skipped, time taken,
    and the shape check's results (if it ran)."""

    path: Path
    quads: int
    graphs: list[URIRef]
    ontology_skipped: int
    seconds: float
    checked: int = 0
    check_seconds: float = 0.0
    problems: list[Result] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.quads / self.seconds if self.seconds > 0 else 0.0


def format_of(path: Path) -> tuple[RDFFormat, bool]:
    """The format of a dump from its extension, and whether it is gzipped."""
    name = path.name.lower()
    gz = name.endswith(".gz")
    suffix = Path(name.removesuffix(".gz")).suffix
    if suffix not in EXTENSIONS:
        known = ", ".join(f"{e}[.gz]" for e in EXTENSIONS)
        raise InvalidInput(f"cannot tell the RDF format of {path.name}: use one of {known}")
    return EXTENSIONS[suffix], gz


def default_graph_for(path: Path) -> URIRef:
    """``id:graph/load/<file stem>`` (``dump.nq.gz`` → ``id:graph/load/dump``)."""
    stem = path.name
    for ext in (".gz", *EXTENSIONS):
        stem = stem.removesuffix(ext) if stem.lower().endswith(ext) else stem
    return graph_iri("load", re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-") or "file")


def _bookkeeping(graph: URIRef) -> bool:
    return graph in (REGISTRY_GRAPH, AUDIT_GRAPH) or str(graph).startswith(BATCH_GRAPH_PREFIX)


def _describe(graph: URIRef) -> str:
    if graph in (ACTORS_GRAPH, EDGES_GRAPH) or str(graph).startswith(ARTICLE_GRAPH_PREFIX):
        return "a seed graph, written by `actorgraph build`"
    if _bookkeeping(graph):
        return "the data stewards' bookkeeping, written by `actorgraph commit`/`retract`"
    return "loaded before, or committed"


def load_file(
    store: Store,
    path: Path,
    *,
    graph: URIRef | None = None,
    check: bool = True,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """Bulk-load one dump into ``store`` (module docstring); all or nothing.

    Raises:
        InvalidInput: the file cannot be read or is malformed (line and column); nothing of it
            stays in the store.
        Refused: it writes into the ontology (``graph``), a bookkeeping graph, or a graph that
            already holds triples; nothing of it stays in the store.
        ValidationFailed: ``strict`` and the sampled nodes do not conform; nothing of it stays.
    """
    fmt, gz = format_of(path)
    own = graph or default_graph_for(path)
    made: list[URIRef] = []

    def route(name: URIRef | None) -> URIRef | None:
        target = own if name is None or not fmt.is_dataset else name
        if target == ONTOLOGY_GRAPH:
            if graph is not None:
                raise Refused(f"a bulk load may not write the ontology graph; {ONTOLOGY_SKIPPED}")
            return None
        if _bookkeeping(target):
            raise Refused(
                f"{path.name} writes into <{target}>, {_describe(target)}: a bulk load may not "
                "write the bookkeeping graphs; nothing of the file was loaded",
                source=str(path),
            )
        if target not in made and next(store.triples(target), None) is not None:
            raise Refused(
                f"{path.name} writes into <{target}>, which holds triples already "
                f"({_describe(target)}): a bulk load only creates graphs, so that nothing "
                "curated is overwritten; drop it, or load into another graph (--graph, or a "
                "fresh store); nothing of the file was loaded",
                source=str(path),
            )
        if target not in made:
            made.append(target)
        return target

    started = time.perf_counter()
    try:
        with _open(path, gz) as stream:
            loaded = store.bulk_load(
                stream,
                fmt,
                route=route,
                source=str(path),
                sample=CHUNK // SAMPLES_PER_CHUNK if check else 0,
                progress=progress,
            )
    except BaseException:
        for g in made:
            store.drop_graph_now(g)
        raise
    seconds = time.perf_counter() - started
    result = LoadResult(path, loaded.written, made, loaded.skipped, seconds)
    if check and loaded.sampled:
        from graph.batches.incremental import validate_nodes

        nodes: list[Node] = list(dict.fromkeys(s for _n, s in loaded.sampled))
        result.checked = len(nodes)
        result.problems = validate_nodes(store, nodes)
        result.check_seconds = time.perf_counter() - started - seconds
        if strict and result.problems:
            for g in made:
                store.drop_graph_now(g)
            raise ValidationFailed(
                None,
                f"{len(result.problems)} problem(s) in the {len(nodes)} sampled nodes of "
                f"{path.name} (--strict): nothing of the file was loaded",
            )
    return result


def _open(path: Path, gz: bool) -> IO[bytes]:
    try:
        raw = cast(IO[bytes], gzip.open(path, "rb")) if gz else path.open("rb")  # noqa: SIM115 (closed by _Reader)
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", source=str(path)) from None
    return cast(IO[bytes], _Reader(raw, path))


class _Reader:
    """A file whose read errors (not gzip, a truncated gzip stream, a disk error) say so as
    InvalidInput: the store would otherwise take them for its own write errors."""

    def __init__(self, raw: IO[bytes], path: Path) -> None:
        self._raw = raw
        self._path = path

    def read(self, size: int = -1) -> bytes:
        try:
            return self._raw.read(size)
        except (OSError, EOFError) as exc:
            raise InvalidInput(
                f"cannot read {self._path.name}: {exc}", source=str(self._path)
            ) from None

    def __enter__(self) -> _Reader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._raw.close()
