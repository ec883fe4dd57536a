"""The app factory: ``create_app(settings)``; routers are included here and nowhere else."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from api.docs import install_docs
from api.errors import PROBLEM_JSON, install_error_handlers
from api.examples import attach as attach_examples
from api.explorer import install_explorer
from api.routers import (
    actors,
    articles,
    batches,
    events,
    extract,
    health,
    paths,
    sparql,
    stats,
    validate,
)
from api.runtime import Runtime
from graph.settings import Settings

__all__ = ["create_app", "factory"]

DESCRIPTION = """
A knowledge graph of political actors and their relationships, built from news articles.
Every edge is backed by an event with its date, its article and the verbatim quote.

* **/sparql** — SPARQL 1.1 Protocol (read-only; SERVICE, LOAD and foreign datasets are refused;
  every query runs under a time limit).
* **/actors/{actor}/ego** — ego networks for visualisers (Cytoscape.js, node-link, GraphML, GEXF).
* **/actors**, **/paths**, **/events**, **/stats** — lookups with evidence; **/articles/{article}/text**
  the text the evidence's offsets count in.
* **/** — a page to explore the graph in a browser (ego networks, evidence, a SPARQL editor).
* **/validate**, **/batches** — data stewards validate new triples in the context of the graph,
  commit them as a batch (bearer token), review and retract batches.
* **/extract** — candidate actors and events from the text of an article.

Every payload, query and text is bounded (size, nesting, time, memory); a request over a limit
gets a problem+json answer that names the limit and its setting.
"""


def create_app(
    settings: Settings | None = None,
    *,
    query_functions: Mapping[str, Callable[..., Any]] | None = None,
) -> FastAPI:
    """Build the app; the store is opened by the lifespan, once, and closed on shutdown.

    ``query_functions``: SPARQL extension functions by IRI for the query workers (module-level
    callables; the tests use one that blocks until told to go)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # blocking steps run in threads: the loop keeps answering meanwhile
        runtime = await Runtime.open(settings, query_functions=query_functions)
        app.state.runtime = runtime
        try:
            yield
        finally:
            await runtime.close()

    app = FastAPI(
        title="actorgraph",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by install_docs, from files of the package: no CDN
        redoc_url=None,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Accept", "Content-Type"],
            allow_credentials=False,
        )
    install_error_handlers(app)
    install_docs(app)
    install_explorer(app)
    routers = (sparql, actors, paths, events, articles, stats, health, extract, validate, batches)
    for module in routers:
        app.include_router(module.router)
    app.openapi = partial(_openapi, app)  # type: ignore[method-assign]
    return app


#: Models of bodies that no route declares as its response_model (api.routers.actors: node-link).
EXTRA_SCHEMAS = (actors.NodeLinkGraph,)

#: RFC 9457 problem details, as every error of the API is written (api/errors.py).
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What is wrong and what to do, in words."},
        "line": {"type": "integer"},
        "column": {"type": "integer"},
        "source": {"type": "string"},
        "limit": {"type": "string", "description": "The setting of the limit that was hit."},
        "allowed": {"type": "number", "description": "Its value."},
        "suggestions": {"type": "array", "items": {"type": "string"}},
        "errors": {"type": "array", "items": {"type": "object"}},
        "report": {"type": "object"},
        "incident": {"type": "string"},
    },
    "additionalProperties": True,
}


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, with every error answer documented as what it is: problem+json (FastAPI
    documents its 422 as its own JSON shape, which this app never sends), and every success
    answer with real examples (api/examples.py)."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    # bodies documented under a media type of their own, not by a response_model
    _, extra = models_json_schema(
        [(model, "serialization") for model in EXTRA_SCHEMAS],
        ref_template="#/components/schemas/{model}",
    )
    for name, body in extra.get("$defs", {}).items():
        schemas.setdefault(name, body)
    problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if "422" in responses:
                responses["422"]["description"] = (
                    responses["422"].get("description", "")
                    if responses["422"].get("description") != "Validation Error"
                    else "Invalid request parameters (which, and why, in `errors`)."
                )
            for code, response in responses.items():
                if code.isdigit() and int(code) >= 400:
                    response["content"] = problem
    for unused in ("HTTPValidationError", "ValidationError"):
        schema["components"]["schemas"].pop(unused, None)
    attach_examples(schema)  # every success answer's examples, as recorded on the seed graph
    app.openapi_schema = schema
    return schema


def factory() -> FastAPI:
    """The uvicorn shim: ``uvicorn --factory api.app:factory`` (settings from the environment)."""
    return create_app()
