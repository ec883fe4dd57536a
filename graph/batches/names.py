"""Where batches and their records live: the named graphs and IRI prefixes of batches, stewards
and the audit log, and the IRI of a batch given its id.

Why a module of its own: the parser refuses triples about these IRIs (they are the store's
bookkeeping), the check tells batches' graphs from the others, and the registry and the writer mint
and read them; every part of :mod:`graph.batches` must agree on one set of names.
"""

from __future__ import annotations

import re

from rdflib import Namespace, URIRef

from graph.errors import NotFound
from graph.namespaces import ID, PROV, graph_iri

VOID = Namespace("http://rdfs.org/ns/void#")
REGISTRY_GRAPH = graph_iri("batches")
AUDIT_GRAPH = graph_iri("audit")
BATCH_GRAPH_PREFIX = str(graph_iri("batch")) + "/"
STEWARD_PREFIX = str(ID) + "steward/"
AUDIT_PREFIX = str(ID) + "audit/"
GENID_PREFIX = str(ID) + ".well-known/genid/"
PROV_TYPE = URIRef(str(PROV) + "type")  # not in rdflib's closed PROV namespace

_BATCH_ID = re.compile(r"\d{8}T\d{9}-[0-9a-f]{4}")

#: How many problems an error message spells out.
SHOWN = 5


def batch_graph(batch_id: str) -> URIRef:
    """The IRI of a batch's graph (and of the batch itself, an ``ag:Batch``).

    Raises
    ------
    NotFound
        ``batch_id`` is not of the form batch ids have.
    """
    if not _BATCH_ID.fullmatch(batch_id):
        raise NotFound(f"no batch {batch_id!r}: batch ids look like 20261122T153012345-7f3a")
    return URIRef(BATCH_GRAPH_PREFIX + batch_id)


def is_batch_graph(graph: URIRef | None) -> bool:
    """Whether ``graph`` is a batch's graph (not a seed graph, the registry or the audit log)."""
    return graph is not None and str(graph).startswith(BATCH_GRAPH_PREFIX)
