"""``POST /validate``: a dry run of a steward's batch against the shapes, in the context of the graph.

The body is RDF (Turtle, N-Triples, TriG, N-Quads, JSON-LD or RDF/XML, by Content-Type). The batch
is validated incrementally with the part of the graph its shapes reach (:mod:`graph.batches`), so
a new event may refer to actors, articles and accusations already in the graph, and the edges that
its events would derive are checked too. The answer is the SHACL report — conforms or not, and for
each result the focus node, path, value, severity, shape and a message in words — as JSON (default)
or as an ``sh:ValidationReport`` in Turtle (``Accept: text/turtle`` or ``format=turtle``), with the
counts a commit would add. Nothing is written. Who may call it: ACTORGRAPH_ANONYMOUS_JOBS (by
default anyone, within a rate per client; stewards with a token without one).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, Response

from api.deps import (
    RDF_MEDIA_TYPES,
    JobCallerDep,
    RDFPayloadDep,
    RuntimeDep,
    SnapshotDep,
    until_disconnected,
)
from api.negotiation import Formats
from graph.sandbox import CheckResult

__all__ = [
    "EXAMPLE_BATCH",
    "JOB_ERRORS",
    "OPTIONAL_TOKEN",
    "PAYLOAD_ERRORS",
    "REQUEST_BODY",
    "router",
]

router = APIRouter(prefix="/validate", tags=["stewards"])

JSON = "application/json"
TURTLE = "text/turtle"
REPORT = Formats.of("the report", JSON, TURTLE)

#: A conforming batch against the seed graph: a meeting between two actors of the registry,
#: taken from a seed article, with its evidence. (tests/api/test_validate.py checks it conforms.)
EXAMPLE_BATCH = """\
@prefix ag:      <https://w3id.org/actorgraph/ontology#> .
@prefix actor:   <https://w3id.org/actorgraph/id/actor/> .
@prefix article: <https://w3id.org/actorgraph/id/article/> .
@prefix event:   <https://w3id.org/actorgraph/id/event/> .
@prefix ev:      <https://w3id.org/actorgraph/id/evidence/> .
@prefix cameo:   <https://w3id.org/actorgraph/codes/cameo/> .
@prefix oa:      <http://www.w3.org/ns/oa#> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema:  <http://schema.org/> .
@prefix sem:     <http://semanticweb.cs.vu.nl/2009/11/sem/> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .

event:example-russia-pakistan-talks a ag:Meeting ;
    rdfs:label "Russia and Pakistan held talks (2017-03-01)"@en ;
    ag:eventType cameo:040 ;
    ag:agent actor:russia ;
    ag:participant actor:russia , actor:pakistan ;
    sem:hasTimeStamp "2017-03-01"^^xsd:date ;
    ag:datePrecision "day" ;
    ag:quote "Russia and Pakistan held talks in Moscow" ;
    ag:evidence ev:example-russia-pakistan-talks ;
    prov:wasDerivedFrom article:example-news-2017-03-01-talks-in-moscow .

ev:example-russia-pakistan-talks a ag:Evidence , oa:Annotation ;
    oa:motivatedBy oa:identifying ;
    oa:hasBody event:example-russia-pakistan-talks ;
    oa:hasTarget ev:example-russia-pakistan-talks-target .

ev:example-russia-pakistan-talks-target a oa:SpecificResource ;
    oa:hasSource article:example-news-2017-03-01-talks-in-moscow ;
    oa:hasSelector ev:example-russia-pakistan-talks-quote .

ev:example-russia-pakistan-talks-quote a oa:TextQuoteSelector ;
    oa:exact "Russia and Pakistan held talks in Moscow" .

article:example-news-2017-03-01-talks-in-moscow a ag:NewsArticle ;
    schema:headline "Russia and Pakistan hold talks on Afghanistan"@en ;
    schema:url <https://example.org/news/2017/03/01/talks-in-moscow> ;
    schema:datePublished "2017-03-01"^^xsd:date ;
    ag:sourceFile "talks-in-moscow.txt" ;
    schema:articleBody \"\"\"MOSCOW, March 1 (Example News) - Russia and Pakistan held talks in Moscow
on Wednesday on the security of Afghanistan, the Russian Foreign Ministry said.\"\"\" .
"""

#: A steward's token is optional on the endpoints that work for anonymous callers too: OpenAPI
#: says so with an empty requirement beside the bearer one (FastAPI adds the bearer one).
OPTIONAL_TOKEN: list[dict[str, list[str]]] = [{}]
#: The answers of the endpoints that do work for anonymous callers (who may: ACTORGRAPH_ANONYMOUS_JOBS).
JOB_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "A token that is not a steward's, or none where one is required."},
    429: {"description": "Too many requests from this client (Retry-After says when)."},
}

#: The request body in OpenAPI: one example, every RDF media type.
#: The answers to a bad RDF payload, shared by every endpoint that reads one (OpenAPI).
PAYLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "description": "Malformed RDF (line and column), not UTF-8, an unknown prefix, a relative "
        "IRI, an ill-typed literal, a remote JSON-LD context, a DOCTYPE or entity in RDF/XML, "
        "ontology triples."
    },
    413: {
        "description": "Over a limit (`limit` names its setting): the body's bytes, its nesting "
        "depth, its triples, or the time or memory its processing may take."
    },
    415: {"description": "No RDF Content-Type, or a charset other than UTF-8."},
}

REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        media: (
            {"schema": {"type": "string"}, "example": EXAMPLE_BATCH}
            if media == TURTLE
            else {"schema": {"type": "string"}}
        )
        for media in RDF_MEDIA_TYPES
    },
}


@router.post(
    "",
    summary="Validate new triples against the shapes, in the context of the graph (dry run)",
    response_description="The SHACL report (JSON, or sh:ValidationReport as Turtle).",
    responses={
        200: {
            "content": {
                JSON: {},  # examples: api/examples.py
                TURTLE: {},
            }
        },
        406: {"description": "Neither JSON nor Turtle is acceptable."},
        **PAYLOAD_ERRORS,
        **JOB_ERRORS,
    },
    openapi_extra={"requestBody": REQUEST_BODY, "security": OPTIONAL_TOKEN},
)
async def validate_batch(
    runtime: RuntimeDep,
    snapshot: SnapshotDep,
    payload: RDFPayloadDep,
    caller: JobCallerDep,
    request: Request,
    fmt: Annotated[
        str | None,
        Query(alias="format", description="`json` or `turtle`; overrides Accept."),
    ] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """Validate the triples as a batch would be validated before a commit; write nothing.

    Parsing and validation run in a sandboxed worker (limits on time and memory), killed if the
    client goes away."""
    # an unknown format= stays a 406 here, as documented (/sparql and the ego networks ignore one)
    chosen = REPORT.choose(accept, [] if fmt is None else [fmt], fall_back=False)
    settings = runtime.settings
    # the request holds the snapshot's checkpoint (SnapshotDep) while the job reads it
    check: CheckResult = await until_disconnected(
        request,
        runtime.sandbox.run(
            "check",
            str(snapshot.checkpoint.path),
            payload.data,
            payload.kind,
            settings.max_nesting_depth,
            settings.max_batch_triples,
            chosen == TURTLE,
            False,
        ),
    )
    if chosen == TURTLE:
        assert check.turtle is not None
        return Response(check.turtle, media_type=f"{TURTLE}; charset=utf-8")
    return JSONResponse(check.json)
