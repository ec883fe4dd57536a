"""The registry of batches: who committed what, when, from which source and how many triples, as
PROV in ``id:graph/batches`` with an audit log in ``id:graph/audit``; read back as
:class:`BatchInfo`, and searched for a client's idempotency key.

Why a module of its own: the registry's records are written by :mod:`graph.batches.writer` and
read back by the canned queries ``batches.rq`` and ``batch_by_key.rq``; the triples and the
reading of them are kept together here so that the two stay in step. Nothing here writes to the
store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from rdflib import Literal, URIRef

from graph.batches.names import (
    AUDIT_PREFIX,
    BATCH_GRAPH_PREFIX,
    PROV_TYPE,
    STEWARD_PREFIX,
    VOID,
    batch_graph,
)
from graph.errors import Conflict, NotFound
from graph.namespaces import AG, DCTERMS, PROV, RDF, RDFS, XSD
from graph.query import canned
from graph.store import RDFFormat, Store, Triple


@dataclass(frozen=True)
class Steward:
    """Who writes: ``name`` is recorded as the batch's author (``X-Steward``, or the token's name);
    ``credential`` names the token used (never the token itself)."""

    name: str
    credential: str

    @property
    def iri(self) -> URIRef:
        return URIRef(STEWARD_PREFIX + _slug(self.name))

    @property
    def credential_iri(self) -> URIRef:
        return URIRef(STEWARD_PREFIX + _slug(self.credential))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60] or "anonymous"


@dataclass(frozen=True)
class BatchInfo:
    """A batch as the registry records it."""

    id: str
    iri: str
    committed_at: str
    steward: str
    credential: str
    source: str | None
    comment: str | None
    triples: int  # in the batch graph: new submitted triples, reports made and derived edges
    submitted: int
    new_triples: int
    derived_edges: int
    report_triples: int = 0  # the reports made for its events' evidence (graph/reports.py)
    retracted_at: str | None = None
    retracted_by: str | None = None
    retraction_comment: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["status"] = "retracted" if self.retracted_at else "committed"
        return data


@dataclass(frozen=True)
class Retraction:
    """What retracting a batch removed."""

    batch: BatchInfo
    retracted_at: str
    removed: int  # triples in the batch graph
    gone: int  # ... that no other graph holds, so the union lost them
    audit: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.batch.id,
            "iri": self.batch.iri,
            "retracted_at": self.retracted_at,
            "removed_triples": self.removed,
            "gone_triples": self.gone,
            "audit": self.audit,
        }


@dataclass(frozen=True)
class Idempotency:
    """A client's ``Idempotency-Key`` for a commit, and the payload it came with.

    Recorded with the batch (hashed: the key is the client's, scoped to its token) so that a
    retry of a commit whose answer was lost returns the batch already committed instead of
    committing it again under a new id.
    """

    credential: str
    key: str
    payload: bytes

    @property
    def key_id(self) -> str:
        digest = hashlib.sha256(f"{self.credential}\n{self.key}".encode()).hexdigest()
        return f"idempotency-key:{digest}"

    @property
    def payload_id(self) -> str:
        return f"payload-sha256:{hashlib.sha256(self.payload).hexdigest()}"


class IdempotencyKeyReused(Conflict):
    """An idempotency key sent again with a different payload (422, as the IETF draft says)."""

    title = "Idempotency key reused"


def new_batch_id(store: Store, now: dt.datetime) -> str:
    """A batch id that sorts by time (``now`` to the millisecond, then four random hex digits),
    not taken by a graph of the store."""
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%f")[:-3]
    taken = set(store.named_graphs())
    while True:
        batch_id = f"{stamp}-{secrets.token_hex(2)}"
        if URIRef(BATCH_GRAPH_PREFIX + batch_id) not in taken:
            return batch_id


def timestamp(now: dt.datetime) -> Literal:
    """A UTC time to the millisecond, as the store writes it back (``2026-11-22T15:30:12.34Z``:
    no trailing zeros), not as rdflib would normalise it (``…12.340000+00:00``)."""
    stamp = now.astimezone(dt.UTC).isoformat(timespec="milliseconds").removesuffix("+00:00")
    text = (stamp.rstrip("0").rstrip(".") if "." in stamp else stamp) + "Z"  # the store's form
    return Literal(text, datatype=XSD.dateTime, normalize=False)


def _count(subject: URIRef, n: int) -> Triple:
    return subject, VOID.triples, Literal(n, datatype=XSD.integer)


def _subset(batch: URIRef, name: str) -> URIRef:
    return URIRef(f"{batch}#{name}")


def registry_triples(
    batch: URIRef,
    steward: Steward,
    now: dt.datetime,
    source: str | None,
    comment: str | None,
    counts: dict[str, int],
    total: int,
) -> list[Triple]:
    """The registry's record of ``batch``: an ``ag:Batch`` with who committed it, when, from which
    source, with which comment, and its counts as VoID (one ``void:subset`` per entry of
    ``counts``, ``total`` for the whole batch graph)."""
    commit = URIRef(f"{AUDIT_PREFIX}{batch.rsplit('/', 1)[1]}/commit")
    triples: list[Triple] = [
        (batch, RDF.type, AG.Batch),
        (batch, RDF.type, VOID.Dataset),
        (batch, RDFS.label, Literal(f"batch {batch.rsplit('/', 1)[1]}", lang="en")),
        (batch, PROV.generatedAtTime, timestamp(now)),
        (batch, PROV.wasAttributedTo, steward.iri),
        (batch, PROV.wasGeneratedBy, commit),
        _count(batch, total),
        (batch, DCTERMS.creator, Literal(steward.name)),
        (steward.iri, RDF.type, PROV.Agent),
    ]
    for name, n in counts.items():
        subset = _subset(batch, name)
        triples += [(batch, VOID.subset, subset), (subset, RDF.type, VOID.Dataset)]
        triples.append(_count(subset, n))
    if source:
        triples.append((batch, DCTERMS.source, Literal(source)))
    if comment:
        triples.append((batch, RDFS.comment, Literal(comment)))
    return triples


def audit_triples(
    activity: URIRef, kind: str, batch: URIRef, steward: Steward, now: dt.datetime
) -> list[Triple]:
    """The audit log's record of an activity on ``batch`` (``kind``: commit or retraction): when,
    and with which credential."""
    link = PROV.generated if kind == "commit" else PROV.invalidated
    return [
        (activity, RDF.type, PROV.Activity),
        (activity, PROV_TYPE, Literal(kind)),
        (activity, RDFS.label, Literal(f"{kind} of batch {batch.rsplit('/', 1)[1]}", lang="en")),
        (activity, link, batch),
        (activity, PROV.endedAtTime, timestamp(now)),
        (activity, PROV.wasAssociatedWith, steward.credential_iri),
        (steward.credential_iri, RDF.type, PROV.Agent),
        (steward.credential_iri, RDFS.label, Literal(steward.credential)),
    ]


def replayed_batch(store: Store, key: Idempotency) -> BatchInfo | None:
    """The batch committed earlier with this idempotency key, or ``None``.

    Raises
    ------
    Conflict
        The key was used before with a different payload.
    """
    # read every row before raising: a live result kept in a traceback would be dropped on
    # another thread than its own, which pyoxigraph refuses (a panic in the log)
    rows = list(store.query(canned("batch_by_key"), bindings={"key": Literal(key.key_id)}).rows())
    for row in rows:
        batch_id = str(row["batch"])[len(BATCH_GRAPH_PREFIX) :]
        if str(row["payload"]) != key.payload_id:
            raise IdempotencyKeyReused(
                f"the Idempotency-Key {key.key!r} was used for another payload (batch "
                f"{batch_id}); use a new key for a new batch"
            )
        return get_batch(store, batch_id)
    return None


def _infos(store: Store, batch: URIRef | None = None) -> list[BatchInfo]:
    bindings = {"batch": batch} if batch is not None else None
    result = store.query(canned("batches"), bindings=bindings)
    names = result.variables
    out: list[BatchInfo] = []
    for values in result.values():  # the literals' own text (rdflib would rewrite the times)
        row = dict(zip(names, values, strict=True))
        iri = row["batch"] or ""
        out.append(
            BatchInfo(
                id=iri[len(BATCH_GRAPH_PREFIX) :],
                iri=iri,
                committed_at=row["committed"] or "",
                steward=row["steward"] or "",
                credential=row["credential"] or "",
                source=row["source"],
                comment=row["comment"],
                triples=int(row["triples"] or 0),
                submitted=int(row["submitted"] or 0),
                new_triples=int(row["new"] or 0),
                derived_edges=int(row["derived"] or 0),
                report_triples=int(row["reports"] or 0),
                retracted_at=row["retracted"],
                retracted_by=row["retractedBy"],
                retraction_comment=row["reason"],
            )
        )
    return out


def list_batches(store: Store) -> list[BatchInfo]:
    """Every batch the registry records, retracted ones too, oldest first."""
    return _infos(store)


def get_batch(store: Store, batch_id: str) -> BatchInfo:
    """The registry's record of one batch.

    Raises
    ------
    NotFound
        No batch has this id.
    """
    found = _infos(store, batch_graph(batch_id))
    if not found:
        raise NotFound(f"no batch {batch_id!r}: GET /batches (or `actorgraph batches`) lists them")
    return found[0]


def batch_content(store: Store, batch_id: str, fmt: RDFFormat) -> bytes:
    """The triples of a batch (submitted and derived), serialised.

    Raises
    ------
    NotFound
        No batch has this id.
    """
    get_batch(store, batch_id)
    return store.dump(fmt, graph=batch_graph(batch_id))
