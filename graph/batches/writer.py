"""Writing batches: :func:`commit_batch` (check, then write), :func:`write_batch` (write what was
checked) and :func:`retract_batch`, the only code that writes batches to the store.

Why a module of its own: a commit must be all there or not there at all, and a retraction must
leave data that conforms; each is ONE transaction of the store
(:meth:`graph.store.Store.add_graphs`, :meth:`graph.store.Store.change_graphs`) that writes a
batch's graph, its record in the registry (:mod:`graph.batches.registry`) and its entry in the
audit log together. The callers serialise writes (the API holds ``Runtime.write_lock``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from rdflib import Graph, Literal, URIRef

from graph.batches.check import check_batch, summary
from graph.batches.incremental import Change, View, new_results
from graph.batches.names import (
    AUDIT_GRAPH,
    AUDIT_PREFIX,
    BATCH_GRAPH_PREFIX,
    REGISTRY_GRAPH,
    batch_graph,
)
from graph.batches.registry import (
    BatchInfo,
    Idempotency,
    Retraction,
    Steward,
    audit_triples,
    get_batch,
    new_batch_id,
    registry_triples,
    timestamp,
)
from graph.errors import Conflict, RetractionRefused, ValidationFailed
from graph.namespaces import DCTERMS, PROV, RDFS
from graph.query import canned
from graph.store import Store, Triple


def commit_batch(
    store: Store,
    batch: Graph,
    *,
    steward: Steward,
    source: str | None = None,
    comment: str | None = None,
    now: dt.datetime | None = None,
) -> BatchInfo:
    """Validate ``batch`` against the store and, if it conforms, commit it in one transaction:
    its triples and derived edges into ``id:graph/batch/<id>``, its record into the registry and
    the audit log. The caller serialises writes (the API holds ``Runtime.write_lock``).

    Raises
    ------
    ValidationFailed
        The batch does not conform; its report says why, and nothing was written.
    """
    check = check_batch(store, batch)
    if not check.conforms:
        raise ValidationFailed(
            check.report, summary("the batch does not conform to the shapes", check.report)
        )
    return write_batch(
        store, check.new, check.derived, check.counts(), steward=steward, source=source,
        comment=comment, now=now, requires=check.requires,
    )  # fmt: skip


def write_batch(
    store: Store,
    batch: Graph,
    derived: Graph,
    counts: dict[str, int],
    *,
    steward: Steward,
    source: str | None = None,
    comment: str | None = None,
    now: dt.datetime | None = None,
    key: Idempotency | None = None,
    requires: Collection[str] = (),
) -> BatchInfo:
    """Commit a batch that was checked against exactly this state of the store (by
    :func:`check_batch`, here or in a sandboxed worker on a checkpoint of it): in one
    transaction, its new triples (``batch``: those the store does not hold yet, ``Check.new``)
    and derived edges into ``id:graph/batch/<id>``, its record into the registry and the audit
    log. ``key`` records the client's idempotency key with it; ``requires`` the ids of the
    batches whose triples it repeats (``Check.requires``).
    """
    now = now or dt.datetime.now(dt.UTC)
    batch_id = new_batch_id(store, now)
    graph = URIRef(BATCH_GRAPH_PREFIX + batch_id)
    content = Graph()
    for t in batch:
        content.add(t)
    for t in derived:
        content.add(t)
    registry = registry_triples(graph, steward, now, source, comment, counts, len(content))
    if key is not None:
        registry += [
            (graph, DCTERMS.identifier, Literal(key.key_id)),
            (graph, DCTERMS.identifier, Literal(key.payload_id)),
        ]
    registry += [(graph, DCTERMS.requires, batch_graph(other)) for other in sorted(requires)]
    audit = audit_triples(URIRef(f"{AUDIT_PREFIX}{batch_id}/commit"), "commit", graph, steward, now)
    store.add_graphs({graph: content, REGISTRY_GRAPH: registry, AUDIT_GRAPH: audit})
    return get_batch(store, batch_id)  # as the store keeps it (it rewrites times canonically)


def retract_batch(
    store: Store,
    batch_id: str,
    *,
    steward: Steward,
    comment: str | None = None,
    now: dt.datetime | None = None,
) -> Retraction:
    """Retract a batch in one transaction: drop its graph (with the edges derived from it),
    mark it retracted in the registry and log the retraction in the audit graph.

    Raises
    ------
    NotFound
        No batch has this id.
    Conflict
        It was retracted already.
    RetractionRefused
        What would remain does not conform (another batch uses what only this one states);
        the report says which nodes, and nothing was written.
    """
    info = get_batch(store, batch_id)
    if info.retracted_at is not None:
        raise Conflict(
            f"batch {batch_id} was already retracted at {info.retracted_at} by {info.retracted_by}"
        )
    graph = batch_graph(batch_id)
    dependents = sorted(
        str(row["batch"])[len(BATCH_GRAPH_PREFIX) :]
        for row in list(
            store.query(canned("batch_dependents"), bindings={"required": graph}).rows()
        )
    )
    if dependents:
        raise Conflict(
            f"batch {batch_id} cannot be retracted while batch(es) {', '.join(dependents)} repeat "
            "its facts (they were committed on top of it and rely on them): retract those first"
        )
    content = list(store.triples(graph))
    gone: set[Triple] = {t for t in content if all(g == graph for *_, g in store.match(*t))}
    change = Change(before=View(store), after=View(store, without=graph), delta=gone, removal=True)
    report, _ = new_results(change)
    if not report.conforms:
        raise RetractionRefused(
            report,
            summary(
                f"retracting batch {batch_id} would leave data that does not conform (retract "
                "the batches that build on it first)",
                report,
            ),
        )
    now = now or dt.datetime.now(dt.UTC)
    activity = URIRef(f"{AUDIT_PREFIX}{batch_id}/retraction")
    audit = audit_triples(activity, "retraction", graph, steward, now)
    if comment:
        audit.append((activity, RDFS.comment, Literal(comment)))
    registry: list[Triple] = [
        (graph, PROV.invalidatedAtTime, timestamp(now)),
        (graph, PROV.wasInvalidatedBy, activity),
        (activity, DCTERMS.creator, Literal(steward.name)),
    ]
    if comment:
        registry.append((activity, RDFS.comment, Literal(comment)))
    store.change_graphs(add={REGISTRY_GRAPH: registry, AUDIT_GRAPH: audit}, drop=[graph])
    after = get_batch(store, batch_id)
    return Retraction(after, after.retracted_at or "", len(content), len(gone), str(activity))
