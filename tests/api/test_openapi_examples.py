"""Every response example of the OpenAPI schema is what the app answers (api/examples.py).

The requests the examples name are sent again, in order, to the app on a copy of the seed graph
(with a steward's token, for the batch's commit, replay and retraction), and each answer must be
its example: equal JSON, equal text (CSV, TSV, SPARQL XML), isomorphic RDF graphs (Turtle,
N-Triples, JSON-LD, RDF/XML: the serialisers' triple order varies), equal networks (GraphML, GEXF:
the file also carries a date and the writer's version). What may differ is named: the new batch's
id, which replaces the recorded one; timestamps; the worker counts of /healthz, compared by type.
When a test here fails because an answer changed on purpose, record the examples again:
``make examples``.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema_rs
import networkx as nx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from rdflib import Graph
from rdflib.compare import isomorphic

from api.app import create_app
from api.examples import EXAMPLES_FILE, REQUESTS, STEWARD, ExampleRequest, is_json, record
from graph.settings import Settings

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z?")
RDF = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}
NETWORKS: dict[str, Callable[[io.BytesIO], Any]] = {
    "application/graphml+xml": nx.read_graphml,
    "application/gexf+xml": nx.read_gexf,
}
BY_NAME = {r.name: r for r in REQUESTS}


@pytest.fixture(scope="module")
def answers(seed_copy: Callable[[str], Path]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The recorded examples, and the app's answers to the same requests now."""
    settings = Settings(store_path=seed_copy("examples"), steward_tokens=[SecretStr(STEWARD)])
    with TestClient(create_app(settings)) as client:
        now = record(client)
    recorded: dict[str, Any] = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
    return recorded, now


@pytest.fixture(scope="module")
def spec(seed_copy: Callable[[str], Path]) -> dict[str, Any]:
    schema: dict[str, Any] = create_app(Settings(store_path=seed_copy("spec"))).openapi()
    return schema


def comparable(value: Any, request: ExampleRequest, ids: dict[str, str]) -> Any:
    """``value`` in a form where only what the example promises can differ: the batch ids of
    ``ids`` replaced, timestamps fixed, volatile keys by their type, documents parsed."""
    text = json.dumps(value) if is_json(request.media_type) else str(value)
    for old, new in ids.items():
        text = text.replace(old, new)
    text = TIMESTAMP.sub("2000-01-01T00:00:00Z", text)
    if request.media_type in RDF:
        return Graph().parse(data=text, format=RDF[request.media_type])
    if request.media_type in NETWORKS:
        return NETWORKS[request.media_type](io.BytesIO(text.encode()))
    if is_json(request.media_type):
        return _types_of(json.loads(text), request.volatile)
    return text


def _types_of(value: Any, volatile: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {
            k: type(v).__name__ if k in volatile else _types_of(v, volatile)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_types_of(v, volatile) for v in value]
    return value


def same(a: Any, b: Any) -> bool:
    if isinstance(a, Graph):
        return isomorphic(a, b)
    if isinstance(a, nx.Graph):
        return bool(nx.utils.graphs_equal(a, b))
    return bool(a == b)


def test_every_request_has_a_recorded_example(answers: tuple[dict[str, Any], Any]) -> None:
    recorded, _ = answers
    assert set(recorded) == set(BY_NAME)


@pytest.mark.parametrize("name", list(BY_NAME))
def test_the_example_is_the_answer_to_its_request(
    answers: tuple[dict[str, Any], dict[str, Any]], name: str
) -> None:
    recorded, now = answers
    ids = {recorded["batch-committed"]["id"]: now["batch-committed"]["id"]}
    request = BY_NAME[name]
    example = comparable(recorded[name], request, ids)
    answer = comparable(now[name], request, ids)
    assert same(example, answer), f"{name}: the answer changed; run `make examples` if on purpose"


def test_the_comparison_sees_a_change(answers: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """The comparisons are not vacuous: one triple, one node, one value less is a difference."""
    recorded, _ = answers
    for name, cut in (
        ("get-construct-ntriples", lambda t: "\n".join(t.splitlines()[1:])),
        ("ego-gexf", lambda t: re.sub(r"<node id=.*?</node>", "", t, count=1, flags=re.DOTALL)),
        ("stats", lambda d: {**d, "actors": d["actors"] + 1}),
        ("get-select-csv", lambda t: t.replace("20", "21")),
    ):
        request = BY_NAME[name]
        changed = cut(recorded[name])
        assert not same(comparable(recorded[name], request, {}), comparable(changed, request, {}))


def test_every_json_example_fits_the_documented_schema(spec: dict[str, Any]) -> None:
    """Where the schema documents an answer's shape, each example of it conforms."""
    checked = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if not status.startswith("2"):
                    continue
                for media_type, content in response.get("content", {}).items():
                    schema = content.get("schema")
                    if not schema or not is_json(media_type):
                        continue
                    validator = jsonschema_rs.validator_for(
                        {**schema, "components": spec["components"]}
                    )
                    for name, example in content.get("examples", {}).items():
                        errors = [e.message for e in validator.iter_errors(example["value"])]
                        assert errors == [], (method, path, name, errors[:3])
                        checked += 1
    assert checked >= 10
