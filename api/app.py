"""The app factory: ``create_app(settings)``; routers are included here and nowhere else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.errors import install_error_handlers
from api.routers import actors, batches, events, extract, health, paths, sparql, stats, validate
from api.runtime import Runtime
from graph.settings import Settings

__all__ = ["create_app", "factory"]

DESCRIPTION = """
A knowledge graph of political actors and their relationships, built from news articles.
Every edge is backed by an event with its date, its article and the verbatim quote.

* **/sparql** — SPARQL 1.1 Protocol (read-only; SERVICE, LOAD and foreign datasets are refused;
  every query runs under a time limit).
* **/actors/{actor}/ego** — ego networks for visualisers (Cytoscape.js, node-link, GraphML, GEXF).
* **/actors**, **/paths**, **/events**, **/stats** — lookups with evidence.
* **/validate**, **/batches** — data stewards validate new triples in the context of the graph,
  commit them as a batch (bearer token), review and retract batches.
* **/extract** — candidate actors and events from the text of an article.

Every payload, query and text is bounded (size, nesting, time, memory); a request over a limit
gets a problem+json answer that names the limit and its setting.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the store is opened by the lifespan, once, and closed on shutdown."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await Runtime.open(settings)  # blocking steps in threads: the loop runs on
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
    for module in (sparql, actors, paths, events, stats, health, extract, validate, batches):
        app.include_router(module.router)
    return app


def factory() -> FastAPI:
    """The uvicorn shim: ``uvicorn --factory api.app:factory`` (settings from the environment)."""
    return create_app()
