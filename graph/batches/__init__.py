"""Steward batches: parse new triples, validate them in the context of the store, commit them as a
unit, and take them back.

Why a package of its own: a steward must know *before* anything is written whether new triples
conform, be sure a commit is all there or not there at all, and be able to retract it. The API
(``POST /validate``, ``/batches``) and the CLI (``actorgraph validate --against-store``, ``commit``,
``retract``, ``batches``) are thin layers over the functions re-exported here; the store stays
behind :mod:`graph.store`.

**A batch** is committed into a named graph of its own, ``id:graph/batch/<id>`` (the id sorts by
time: ``20261122T153012345-7f3a``): the submitted triples the graph did not hold yet. A triple
repeated from the graph is not stored again — pyoxigraph's union default graph counts a triple
once per graph that holds it (oxigraph/oxigraph#1919), so a batch committed seven times made the
lookups' joins seven to the eighth times larger — and when it came from other batches, the new one
*requires* them (``dcterms:requires`` in the registry): they cannot be retracted before it, so
what it states stays traceable. All this in ONE transaction together with

* the direct edges derived from the batch's events by the project's one rule
  (:mod:`graph.rules`, run on the events' data as it will be after the commit). All
  of them are kept in the batch graph, even those the graph already holds: retracting the batch
  then removes exactly the edges only it supported, and an edge that other events support stays in
  their graphs;
* its PROV record in the registry graph ``id:graph/batches`` (an ``ag:Batch``: who, when, from
  which source, a comment, and counts as VoID ``void:triples``), and
* a commit activity in the audit log ``id:graph/audit``.

A retraction drops the batch graph and records a retraction activity in the same transaction; it
never touches the seed graphs or other batches, and it is refused (409) if what remains would not
conform (a later batch uses an actor that only this batch declares, say).

**Incremental validation.** Validating the whole store costs ~2 minutes at 1M triples, so a batch
(or a retraction) is validated with only the part of the graph its shapes reach; the report is the
same as validating the merged graph in full. :mod:`graph.batches.incremental` says how.

One module per concern, dependencies pointing one way (each only on those above it):

* :mod:`graph.batches.names` — the graphs and IRI prefixes of batches, stewards and the audit log;
* :mod:`graph.batches.literals` — typed literals checked as a steward wrote them;
* :mod:`graph.batches.parsing` — a steward's payload parsed into a batch of instance data;
* :mod:`graph.batches.reads` — what the shapes read beyond their focus node;
* :mod:`graph.batches.incremental` — a change validated with the part of the graph it reaches;
* :mod:`graph.batches.check` — a batch checked against the store, nothing written;
* :mod:`graph.batches.registry` — the PROV registry and audit log: records, listing, idempotency;
* :mod:`graph.batches.writer` — commit and retraction, the only code that writes batches.
"""

from graph.batches.check import Check, check_batch, summary
from graph.batches.literals import literal_problem
from graph.batches.names import (
    AUDIT_GRAPH,
    BATCH_GRAPH_PREFIX,
    REGISTRY_GRAPH,
    VOID,
    batch_graph,
)
from graph.batches.parsing import parse_batch
from graph.batches.reads import unknown_shape_terms
from graph.batches.registry import (
    BatchInfo,
    Idempotency,
    IdempotencyKeyReused,
    Retraction,
    Steward,
    batch_content,
    get_batch,
    list_batches,
    replayed_batch,
)
from graph.batches.writer import commit_batch, retract_batch, write_batch

__all__ = [
    "AUDIT_GRAPH",
    "BATCH_GRAPH_PREFIX",
    "REGISTRY_GRAPH",
    "VOID",
    "BatchInfo",
    "Check",
    "Idempotency",
    "IdempotencyKeyReused",
    "Retraction",
    "Steward",
    "batch_content",
    "batch_graph",
    "check_batch",
    "commit_batch",
    "get_batch",
    "list_batches",
    "literal_problem",
    "parse_batch",
    "replayed_batch",
    "retract_batch",
    "summary",
    "unknown_shape_terms",
    "write_batch",
]
