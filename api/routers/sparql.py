"""``/sparql``: the SPARQL 1.1 Protocol for queries, read-only and bounded.

* ``GET /sparql?query=…``, ``POST`` form-encoded (``query=…``) and ``POST application/sparql-query``;
  ``default-graph-uri`` / ``named-graph-uri`` set the dataset (they override the query's own
  ``FROM``); without any, the default graph is the union of all graphs.
* Results are negotiated (``Accept`` with q-values): SELECT/ASK as SPARQL JSON (default), XML,
  CSV, TSV; CONSTRUCT/DESCRIBE as Turtle (default; N3 is answered as Turtle, which is valid N3),
  N-Triples, JSON-LD, RDF/XML. ``format=``, ``output=`` or ``results=`` (what SPARQLWrapper and
  other clients add) override ``Accept`` when they name a format of the query form; otherwise
  ``Accept`` decides (:class:`api.negotiation.Formats`).
* ``GET /sparql`` without a query returns the Service Description.
* Refused before evaluation (:func:`graph.sparql.check_query`): updates, ``SERVICE``, datasets
  outside the store's graphs, queries over the length cap. Every query runs in a worker process
  under ``ACTORGRAPH_QUERY_TIMEOUT``; a timeout is a 503 problem+json, never a truncated 200.

Common prefixes (``ag:``, ``actor:``, ``event:``, ``sem:``, ``rdfs:``, ``skos:``…) are declared
for every query, so ``PREFIX`` lines are optional.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache, partial
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import UnsupportedMediaType, client_of, read_body
from api.negotiation import FORMAT_PARAMETERS, Formats, parse_content_type
from api.runtime import Runtime
from graph.cost import Statistics, estimate
from graph.errors import InvalidInput, QueryRefused
from graph.namespaces import graph_iri
from graph.settings import Settings
from graph.sparql import QueryForm, QueryInfo, check_graphs, check_query, service_description
from graph.store import RDFFormat, ResultsFormat

__all__ = ["router"]

router = APIRouter(prefix="/sparql", tags=["SPARQL"])

RESULTS = (ResultsFormat.JSON, ResultsFormat.XML, ResultsFormat.CSV, ResultsFormat.TSV)
GRAPHS = (RDFFormat.TURTLE, RDFFormat.NTRIPLES, RDFFormat.JSONLD, RDFFormat.RDFXML)
DESCRIPTION_FORMATS = (RDFFormat.TURTLE, RDFFormat.JSONLD, RDFFormat.NTRIPLES, RDFFormat.RDFXML)
#: What each query form can be answered in, with every name clients use for it (api.negotiation).
RESULT_FORMATS = Formats.of("SELECT/ASK", *(f.media_type for f in RESULTS))
GRAPH_FORMATS = Formats.of("CONSTRUCT/DESCRIBE", *(f.media_type for f in GRAPHS))
DESCRIPTION = Formats.of("the service description", *(f.media_type for f in DESCRIPTION_FORMATS))
_BY_MEDIA_TYPE: dict[str, ResultsFormat | RDFFormat] = {
    f.media_type: f for f in (*RESULTS, *GRAPHS)
}
_RDFLIB_NAMES = {
    RDFFormat.TURTLE: "turtle",
    RDFFormat.JSONLD: "json-ld",
    RDFFormat.NTRIPLES: "nt",
    RDFFormat.RDFXML: "xml",
}
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"

# ------------------------------------------------------------------------- OpenAPI examples
ACCUSATIONS = """SELECT ?event ?date ?accuser ?quote WHERE {
  ?event a ag:Accusation ; ag:target actor:russia ;
         ag:agent ?accuser ; ag:quote ?quote .
  OPTIONAL { ?event sem:hasTimeStamp ?date }
} ORDER BY ?date LIMIT 20"""
KINDS = """SELECT ?kind (COUNT(?actor) AS ?actors) WHERE {
  ?actor a ?kind . ?kind rdfs:subClassOf* ag:Actor .
} GROUP BY ?kind ORDER BY DESC(?actors)"""
ASK = "ASK { actor:john-nicholson ag:accused actor:russia }"
CONSTRUCT = "CONSTRUCT { actor:taliban ?p ?o } WHERE { actor:taliban ?p ?o }"
QUERY_EXAMPLES: dict[str, Any] = {
    "accusations": {"summary": "Accusations against Russia, with the quote", "value": ACCUSATIONS},
    "kinds": {"summary": "Actors per kind", "value": KINDS},
    "ask": {"summary": "Did John Nicholson accuse Russia?", "value": ASK},
    "construct": {"summary": "Everything said about the Taliban (CONSTRUCT)", "value": CONSTRUCT},
}
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "SELECT/ASK results, or RDF for CONSTRUCT/DESCRIBE, as negotiated.",
        "content": {
            # examples: api/examples.py
            ResultsFormat.JSON.media_type: {},
            ResultsFormat.XML.media_type: {},
            ResultsFormat.CSV.media_type: {},
            ResultsFormat.TSV.media_type: {},
            RDFFormat.TURTLE.media_type: {},
            RDFFormat.NTRIPLES.media_type: {},
            RDFFormat.JSONLD.media_type: {},
            RDFFormat.RDFXML.media_type: {},
        },
    },
    400: {
        "description": "A syntax error (with line and column), an update, SERVICE, a foreign dataset or a cap (problem+json)."
    },
    406: {"description": "None of the formats in Accept (or format=) fits this query form."},
    415: {
        "description": "POST without application/sparql-query or application/x-www-form-urlencoded."
    },
    503: {
        "description": "The query ran past ACTORGRAPH_QUERY_TIMEOUT and was stopped, or every worker is busy."
    },
}
GRAPH_EXAMPLE = [str(graph_iri("actors"))]


# ------------------------------------------------------------------------------- handlers
# The handlers read the request themselves instead of declaring parameters: FastAPI's parameter
# machinery and a thread-pool hop cost more than a typical query (measured: ~1 ms of a 1.3 ms
# round trip, benchmarks/api.py). They are ``async`` because all they wait for is a worker's pipe
# (QueryPool.arun); the guard runs inline for short queries and in a thread for long ones.
# The parameters are declared for OpenAPI below, by hand.
def _parameter(name: str, description: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, **extra}


_GRAPH_LIST = {"type": "array", "items": {"type": "string", "format": "uri"}}
PARAMETERS = [
    _parameter(
        "query",
        "The SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE). Common prefixes are predeclared. "
        "Without it, GET returns the service description.",
        schema={"type": "string"},
        examples=QUERY_EXAMPLES,
    ),
    _parameter(
        "default-graph-uri",
        "Graphs merged into the default graph (overrides the query's FROM).",
        schema=_GRAPH_LIST,
        examples={"actors": {"summary": "The actor registry only", "value": GRAPH_EXAMPLE}},
    ),
    _parameter(
        "named-graph-uri",
        "Graphs available to GRAPH patterns (overrides the query's FROM NAMED).",
        schema=_GRAPH_LIST,
        examples={"actors": {"summary": "The actor registry only", "value": GRAPH_EXAMPLE}},
    ),
    _parameter(
        "format",
        "Overrides Accept when it names a format of the query form: json, xml, csv, tsv "
        "(SELECT/ASK); turtle (n3: answered as Turtle), ntriples, jsonld, rdfxml, json, xml "
        "(CONSTRUCT/DESCRIBE); or a media type, or a comma-separated list of these (the first "
        "that fits). Anything else is ignored: Accept decides.",
        schema={"type": "string"},
        examples={
            "default": {"summary": "As negotiated", "value": ""},
            "csv": {"summary": "CSV", "value": "csv"},
        },
    ),
    *(
        _parameter(name, "Same as format (other clients' name for it).", schema={"type": "string"})
        for name in ("output", "results")
    ),
]
POST_PARAMETERS = [p for p in PARAMETERS if p["name"] != "query"]
POST_BODY = {
    "required": True,
    "content": {
        DIRECT: {
            "schema": {"type": "string"},
            "examples": {
                k: {"summary": v["summary"], "value": v["value"]} for k, v in QUERY_EXAMPLES.items()
            },
        },
        FORM: {
            "schema": {
                "type": "object",
                "required": ["query"],
                "properties": {
                    "query": {"type": "string"},
                    "default-graph-uri": _GRAPH_LIST,
                    "named-graph-uri": _GRAPH_LIST,
                },
            },
            "examples": {"kinds": {"summary": "Actors per kind", "value": {"query": KINDS}}},
        },
    },
}
#: Queries longer than this are checked in a thread, so the event loop never stalls on one.
INLINE_GUARD_CHARS = 2_000


@router.get(
    "",
    summary="Run a SPARQL query (GET), or read the service description",
    response_class=Response,
    responses=RESPONSES,
    openapi_extra={"parameters": PARAMETERS},
)
async def sparql_get(request: Request) -> Response:
    """SPARQL 1.1 Protocol, query via GET. Without ``query``: the SPARQL Service Description."""
    params = request.query_params
    _refuse_updates(params.getlist("update"))
    queries = params.getlist("query")
    requested = [v for k, v in params.multi_items() if k in FORMAT_PARAMETERS]
    if not queries:
        return _describe(request, requested)
    return await _run(
        request,
        queries,
        params.getlist("default-graph-uri"),
        params.getlist("named-graph-uri"),
        requested,
    )


@router.post(
    "",
    summary="Run a SPARQL query (POST, form-encoded or application/sparql-query)",
    response_class=Response,
    responses=RESPONSES,
    openapi_extra={"parameters": POST_PARAMETERS, "requestBody": POST_BODY},
)
async def sparql_post(request: Request) -> Response:
    """SPARQL 1.1 Protocol, query via POST: URL-encoded form, or the query as the body."""
    params = request.query_params
    content_type = parse_content_type(request.headers.get("content-type"))
    media_type = content_type.media_type
    if media_type not in (FORM, DIRECT, UPDATE):  # before reading a body we would refuse
        if media_type is None:
            raise UnsupportedMediaType(f"a POST needs Content-Type {DIRECT} or {FORM}")
        raise UnsupportedMediaType(
            f"Content-Type {media_type} is not accepted; send {DIRECT} or {FORM}"
        )
    runtime = _runtime(request)
    body = await read_body(
        request, runtime.settings.max_payload_bytes, "send the query itself, not data"
    )
    queries = params.getlist("query")
    defaults = params.getlist("default-graph-uri")
    nameds = params.getlist("named-graph-uri")
    requested = [v for k, v in params.multi_items() if k in FORMAT_PARAMETERS]
    if media_type == FORM:
        try:
            form = parse_qsl(
                body.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict"
            )
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                "the form is not UTF-8 (percent-encoded); SPARQL requests must be UTF-8"
            ) from exc
        _refuse_updates([v for k, v in form if k == "update"] + params.getlist("update"))
        queries += [v for k, v in form if k == "query"]
        defaults += [v for k, v in form if k == "default-graph-uri"]
        nameds += [v for k, v in form if k == "named-graph-uri"]
        requested += [v for k, v in form if k in FORMAT_PARAMETERS]  # after the query string's
    elif media_type == DIRECT:
        if not content_type.utf8:
            raise UnsupportedMediaType(
                f"the body is declared {content_type.charset}; send the query as UTF-8 "
                "(charset=utf-8)"
            )
        try:
            queries.append(body.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"the body is not UTF-8 (byte {exc.start}); SPARQL requests must be UTF-8"
            ) from exc
    else:
        _refuse_updates(["(the body)"])
    return await _run(request, queries, defaults, nameds, requested)


# Also under the trailing slash, as the W3C tests and some clients write it.
router.add_api_route(
    "/", sparql_get, methods=["GET"], include_in_schema=False, response_class=Response
)
router.add_api_route(
    "/", sparql_post, methods=["POST"], include_in_schema=False, response_class=Response
)


# -------------------------------------------------------------------------------- helpers
async def _run(
    request: Request,
    queries: list[str],
    default_graphs: list[str],
    named_graphs: list[str],
    requested: list[str],
) -> Response:
    runtime = _runtime(request)
    snapshot = runtime.snapshot  # one version of the graph for the whole request
    if len(queries) != 1:
        raise InvalidInput(f"send exactly one query; this request has {len(queries)}")
    text = queries[0]
    if not text.strip():
        raise InvalidInput("the query is empty")
    settings = runtime.settings
    known = snapshot.graphs
    base = _endpoint(request)
    guard = partial(
        _plan,
        text,
        known_graphs=known,
        settings=settings,
        statistics=snapshot.statistics,
        base_iri=base,
    )
    info, heavy = guard() if len(text) <= INLINE_GUARD_CHARS else await asyncio.to_thread(guard)
    check_graphs(default_graphs, known, what="default-graph-uri")
    check_graphs(named_graphs, known, what="named-graph-uri")
    if default_graphs or named_graphs:  # the protocol's dataset overrides the query's own
        dataset: tuple[list[str] | None, list[str] | None] = (default_graphs, named_graphs)
    elif info.has_dataset:  # the query's FROM / FROM NAMED, passed on explicitly
        dataset = (list(info.from_graphs), list(info.from_named))
    else:  # the union of all graphs; every graph named
        dataset = (None, None)
    fmt = _choose(info.form, request.headers.get("accept"), requested)
    body, media_type = await runtime.pool.run(
        text,
        heavy=heavy,
        client=client_of(request),
        default_graphs=dataset[0],
        named_graphs=dataset[1],
        result_format=fmt,
        max_rows=settings.max_result_rows,
        base_iri=base,
    )
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})


def _plan(
    text: str,
    *,
    known_graphs: frozenset[str],
    settings: Settings,
    statistics: Statistics,
    base_iri: str,
) -> tuple[QueryInfo, bool]:
    """The guard, then the cost estimate: refuse a query that pairs every solution of one part
    with every solution of another over ACTORGRAPH_QUERY_MAX_COST rows; say whether the rest is
    heavy (the lane it may use)."""
    info = check_query(
        text,
        known_graphs=known_graphs,
        max_length=settings.max_query_length,
        max_depth=settings.max_nesting_depth,
        base_iri=base_iri,
    )
    cost = estimate(text, statistics)
    if cost.product > settings.query_max_cost:
        raise QueryRefused(
            f"the query was refused before it ran: {cost.reason}; the limit is "
            f"{settings.query_max_cost:.0e} rows (setting ACTORGRAPH_QUERY_MAX_COST). Join the "
            "parts through a shared variable, or query them one at a time"
        )
    heavy = not cost.understood or cost.rows > settings.query_heavy_cost
    return info, heavy


def _choose(
    form: QueryForm | None, accept: str | None, requested: list[str]
) -> ResultsFormat | RDFFormat:
    """The result format: the first of ``format=``/``output=``/``results=`` that names one for
    this query form, else the best match for ``Accept``.

    Raises 406 when neither fits the query form. An unrecognised form (the parser will reject the
    query) is treated as SELECT.
    """
    formats = GRAPH_FORMATS if form is not None and form.is_graph else RESULT_FORMATS
    return _BY_MEDIA_TYPE[formats.choose(accept, requested)]


def _describe(request: Request, requested: list[str]) -> Response:
    media = DESCRIPTION.choose(request.headers.get("accept"), requested)
    fmt = next(f for f in DESCRIPTION_FORMATS if f.media_type == media)
    body = _description(_endpoint(request), _runtime(request).snapshot.graphs, fmt)
    return Response(body, media_type=fmt.media_type, headers={"Vary": "Accept"})


@lru_cache(maxsize=32)
def _description(endpoint: str, graphs: frozenset[str], fmt: RDFFormat) -> bytes:
    out = service_description(endpoint, graphs).serialize(
        format=_RDFLIB_NAMES[fmt], encoding="utf-8"
    )
    return bytes(out)


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _refuse_updates(updates: list[str]) -> None:
    if updates:
        raise QueryRefused(
            "SPARQL Update is refused: this endpoint is read-only and runs queries only "
            "(SELECT, ASK, CONSTRUCT, DESCRIBE)"
        )


def _endpoint(request: Request) -> str:
    """The endpoint's own URL: the base for relative IRIs and the service description's sd:endpoint."""
    url = request.url
    return f"{url.scheme}://{url.netloc}{url.path.rstrip('/')}"
