"""Parsing a steward's payload into a batch: :func:`parse_batch`.

Why a module of its own: what a steward sends is untrusted bytes, and this is the one way from them
to a graph of instance data: checked before any parser sees them (:mod:`graph.payloads`), parsed
strictly with every typed literal checked (:mod:`graph.batches.literals`), blank nodes made IRIs,
and triples about the ontology or the store's bookkeeping refused; the parsers' messages are
reworded into what to do. Nothing here reads the store.
"""

from __future__ import annotations

import re
import uuid

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from graph.batches.literals import literal_problem
from graph.batches.names import AUDIT_PREFIX, GENID_PREFIX, SHOWN, STEWARD_PREFIX
from graph.errors import InvalidInput
from graph.namespaces import AG, CAMEO, OWL, PLOVER, RDF, RDFS, SH, graph_iri
from graph.payloads import check_rdf
from graph.store import RDFFormat, load_rdf
from graph.validate import AGS

#: Namespaces whose terms are defined by the ontology and the code lists, not by batches.
_VOCABULARY = (str(AG._NS), str(CAMEO), str(PLOVER), str(AGS), str(OWL), str(SH))
#: Subjects reserved for the store's own bookkeeping.
_BOOKKEEPING = (str(graph_iri("")), STEWARD_PREFIX, AUDIT_PREFIX)
_SCHEMA_PREDICATES = frozenset(
    {RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, AG.shortcutProperty}
)


def _vocabulary_problem(s: Node, p: Node, o: Node) -> str | None:
    """Why a triple does not belong in a batch (ontology or bookkeeping), or ``None``."""
    subject = str(s)
    if isinstance(s, URIRef) and subject.startswith(_VOCABULARY):
        return f"<{subject}> is a term of the ontology or the code lists"
    if isinstance(s, URIRef) and subject.startswith(_BOOKKEEPING):
        return f"<{subject}> is reserved for the store's records of batches and stewards"
    if p in _SCHEMA_PREDICATES or str(p).startswith((str(OWL), str(SH))):
        return f"<{p}> changes the ontology"
    if p == RDF.type and (o in (RDFS.Class, RDF.Property) or str(o).startswith(str(OWL))):
        return f"declaring <{subject}> a <{o}> changes the ontology"
    return None


def _friendlier(exc: InvalidInput, fmt: RDFFormat) -> InvalidInput:
    """The parser's message, with what to do about the usual mistakes."""
    message = exc.message
    if "LoadDocumentCallback" in message or "remote context" in message.lower():
        message = (
            "the JSON-LD document refers to a remote @context, and remote contexts are never "
            "fetched: put the @context object itself in the document "
            '(e.g. {"@context": {"ag": "https://w3id.org/actorgraph/ontology#"}, ...})'
        )
    elif (m := re.search(r"prefix (\S*):? has not been declared", message)) is not None:
        name = m.group(1).rstrip(":")
        from graph.namespaces import PREFIXES

        known = PREFIXES.get(name)
        declare = f"@prefix {name}: <{known}> ." if known else f"@prefix {name}: <https://…> ."
        message = f"the prefix {name}: is not declared: add `{declare}` at the top of the file" + (
            "" if known else ", or write the IRIs in full"
        )
    elif "No scheme found" in message or "relative IRI" in message.lower():
        message = (
            f"a relative IRI ({message}): a batch has no base IRI, so write every IRI in full "
            "(https://w3id.org/actorgraph/id/…) or with a declared prefix"
        )
    elif fmt is RDFFormat.JSONLD and "invalid" in message.lower() and exc.line is None:
        message = f"invalid JSON-LD: {message}"
    return InvalidInput(message, source=exc.source, line=exc.line, column=exc.column)


def parse_batch(
    data: bytes,
    fmt: RDFFormat,
    *,
    source: str = "batch",
    max_depth: int = 64,
    max_triples: int | None = None,
) -> Graph:
    """Parse a steward's payload strictly and check that it is instance data.

    The bytes are checked before any parser sees them (:func:`graph.payloads.check_rdf`: UTF-8,
    no DOCTYPE or entities in RDF/XML, no remote JSON-LD context, nesting at most ``max_depth``),
    and parsing stops at ``max_triples``. Blank nodes are replaced by fresh IRIs under
    ``id:.well-known/genid/`` (RDF 1.1 skolem IRIs), so that every node of a batch can be
    validated, found and retracted. Named graphs in TriG, N-Quads or JSON-LD are merged: the batch
    gets a graph of its own.

    Raises
    ------
    InvalidInput
        Malformed RDF (with line and column), an unknown prefix, a relative IRI, an ill-typed
        literal (with where it is), a remote JSON-LD context, a DOCTYPE, no triples at all, or
        triples that change the ontology or the store's bookkeeping.
    LimitExceeded
        Nested deeper than ``max_depth``, or more than ``max_triples`` triples.
    """
    data = data.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte order mark, which parsers refuse
    check_rdf(data, fmt, max_depth=max_depth, source=source)
    try:
        parsed = load_rdf(
            data, fmt, source=source, check_literal=literal_problem, max_triples=max_triples
        )
    except InvalidInput as exc:
        raise _friendlier(exc, fmt) from None
    if len(parsed) == 0:
        hint = (
            " (JSON-LD drops terms its @context does not define and relative @id values: check "
            "the @context and write IRIs in full)"
            if fmt is RDFFormat.JSONLD
            else ""
        )
        raise InvalidInput(
            f"no triples: it is empty, or holds only prefixes and comments{hint}", source=source
        )
    skolem: dict[BNode, URIRef] = {}

    def named(term: Node) -> Node:
        if isinstance(term, BNode):
            return skolem.setdefault(term, URIRef(GENID_PREFIX + uuid.uuid4().hex))
        return term

    batch = Graph()
    problems: list[str] = []
    for s, p, o in parsed:
        s, o = named(s), named(o)
        reason = _vocabulary_problem(s, p, o)
        if reason is not None:
            problems.append(f"{_n3(s)} {_n3(p)} {_n3(o)}: {reason}")
        batch.add((s, p, o))
    if problems:
        more = f"\n… and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
        raise InvalidInput(
            f"{len(problems)} triple(s) are not instance data: a batch adds actors, events, "
            "claims, articles and evidence, while the ontology and the code lists change only "
            "in ontology/ (then rebuild):\n" + "\n".join(problems[:SHOWN]) + more,
            source=source,
        )
    return batch


def _n3(term: Node) -> str:
    return term.n3() if isinstance(term, URIRef | Literal | BNode) else str(term)
