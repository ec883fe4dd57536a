"""Schemathesis against the OpenAPI schema the app publishes, every operation, in-process (ASGI).

Each operation gets the examples of the schema, Schemathesis' coverage cases (boundaries, missing
and wrong-typed parameters) and at most :data:`EXAMPLES` generated cases, valid and invalid, the
same ones on every run. One test per check and operation, so that one bug cannot hide another
(Hypothesis stops an operation at its first failure): :func:`test_no_server_error` (never a 5xx,
but a 503 where /sparql documents it: a query past the time limit, or every worker busy),
:func:`test_status_codes_are_documented`, :func:`test_content_types_are_documented` and
:func:`test_bodies_match_the_schema`.

The app runs with its lifespan, on a store of its own, with a steward token that every request
sends: the write endpoints (POST /batches, DELETE /batches/{id}) really write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from graph.build import BuildResult
from graph.settings import Settings
from graph.store import Store
from tests.fuzz.conftest import AUTH, bounded, fuzz_settings, store_copy

#: Generated cases per operation (on top of the schema's examples and the coverage cases).
EXAMPLES = 20

#: The schema every app publishes, whatever its settings (checked against the running app).
PUBLISHED = create_app(Settings(store_path=Path("unused"))).openapi()
SCHEMA = schemathesis.openapi.from_dict(PUBLISHED)

# The request bodies documented as strings in text formats (a SPARQL query, RDF): sent as the
# UTF-8 text itself, as Schemathesis sends text/plain. (Idempotent, so safe on re-import.)
TEXT_BODIES = sorted(
    {
        media
        for ops in PUBLISHED["paths"].values()
        for op in ops.values()
        for media in op.get("requestBody", {}).get("content", {})
        if media not in ("application/json", "application/x-www-form-urlencoded", "text/plain")
    }
)
schemathesis.serializer.alias(TEXT_BODIES, "text/plain")

Scope = dict[str, Any]
Case = schemathesis.Case[Any]


class Started:
    """The app, whose lifespan the fixture's ``TestClient`` already runs: Schemathesis would start
    a second one (a second Runtime on the same store), so its lifespan scope is a no-op here."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return  # an app that ends its lifespan at once: the server just serves
        await self.app(scope, receive, send)


def no_server_error(ctx: Any, response: schemathesis.Response, case: Case) -> None:
    """No 5xx, except the 503 that /sparql documents (time limit, every worker busy)."""
    status = response.status_code
    if status < 500:
        return
    documented = str(status) in case.operation.responses.status_codes
    assert status == 503 and documented and case.operation.path == "/sparql", (
        f"{case.operation.label} answered {status}: {response.text[:1000]}"
    )


Serve = Callable[[str], Started]


@pytest.fixture(scope="module")
def serve(
    built: tuple[Store, BuildResult, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Serve]:
    """``serve(name)``: the app of the test ``name``, running on a store copy of its own.

    One app per test, because every test writes: POST /batches commits the example batch at each
    run of its examples, after the test's reads (the schema's order of operations). Reads after
    many commits of the same batch hang (tests/fuzz/test_writes.py): a test that inherited the
    commits of the tests before it would run for hours.
    """
    with ExitStack() as stack:
        apps: dict[str, Started] = {}

        def start(name: str) -> Started:
            if name not in apps:
                store = store_copy(built, tmp_path_factory.mktemp(f"fuzz-openapi-{name}"))
                app = create_app(fuzz_settings(store))
                client = stack.enter_context(TestClient(app))
                assert client.get("/openapi.json").json() == PUBLISHED
                apps[name] = Started(app)
            return apps[name]

        yield start


@SCHEMA.parametrize()
@bounded(EXAMPLES)
def test_no_server_error(case: Case, serve: Serve) -> None:
    """Whatever the request, valid or not: never a 5xx (but the 503s /sparql documents)."""
    case.call_and_validate(app=serve("errors"), headers=AUTH, checks=[no_server_error])


@SCHEMA.parametrize()
@bounded(EXAMPLES)
def test_status_codes_are_documented(case: Case, serve: Serve) -> None:
    checks = [no_server_error, status_code_conformance]
    case.call_and_validate(app=serve("status"), headers=AUTH, checks=checks)


@SCHEMA.parametrize()
@bounded(EXAMPLES)
def test_content_types_are_documented(case: Case, serve: Serve) -> None:
    checks = [no_server_error, content_type_conformance]
    case.call_and_validate(app=serve("content-type"), headers=AUTH, checks=checks)


@SCHEMA.parametrize()
@bounded(EXAMPLES)
def test_bodies_match_the_schema(case: Case, serve: Serve) -> None:
    """Checked where the status code and the content type are documented (else: the tests
    above fail)."""
    checks = [no_server_error, response_schema_conformance]
    case.call_and_validate(app=serve("body"), headers=AUTH, checks=checks)
