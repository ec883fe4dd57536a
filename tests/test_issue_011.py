"""Issue 11: steward batches that conformed although they were wrong, each refused now by
``POST /validate``, ``POST /batches`` and ``actorgraph validate --against-store`` with a message
that names what to write; the README's walkthrough batch still conforms.

The batches are the issue's, written against the seed graph (the IRIs are the seeds').
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.routers.validate import EXAMPLE_BATCH
from graph.settings import PROJECT_ROOT, Settings

TOKEN = "alice-0123456789-secret"
PREFIXES = """
@prefix ag:      <https://w3id.org/actorgraph/ontology#> .
@prefix actor:   <https://w3id.org/actorgraph/id/actor/> .
@prefix article: <https://w3id.org/actorgraph/id/article/> .
@prefix event:   <https://w3id.org/actorgraph/id/event/> .
@prefix ev:      <https://w3id.org/actorgraph/id/evidence/> .
@prefix cameo:   <https://w3id.org/actorgraph/codes/cameo/> .
@prefix foaf:    <http://xmlns.com/foaf/0.1/> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema:  <http://schema.org/> .
@prefix sem:     <http://semanticweb.cs.vu.nl/2009/11/sem/> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix wd:      <http://www.wikidata.org/entity/> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
"""
#: An evidence node of a seed event of the 2017 AT News article (not of the events below).
OTHER_EVIDENCE = "ev:a001-kabulov-offers-cooperation-us-nato"
ACCUSATION = """
event:x-accusation a ag:Accusation ;
    ag:agent actor:russia ;
    ag:participant actor:russia {targets};
    ag:eventType {code} ;
    {date} ;
    ag:quote "x" ;
    ag:evidence {evidence} ;
    prov:wasDerivedFrom {article} .
"""

#: name → (batch, words the message must hold, so that a steward knows what to write)
BATCHES: dict[str, tuple[str, list[str]]] = {
    # the batch: skos:exactMatch is no Wikidata link any more (it would make the actor a
    # SKOS concept; actors link with schema:sameAs), and Q30 is the United States' item
    "second-wikidata-item": (
        "actor:russia skos:exactMatch wd:Q30 .",
        ["does not declare", "schema:sameAs"],
    ),
    "second-wikidata-item-sameas": (
        "actor:russia schema:sameAs wd:Q30 .",
        ["second Wikidata item", "actor/united-states"],
    ),
    "second-label": ('actor:russia rdfs:label "Moscow regime" .', ["skos:altLabel"]),
    "foaf-knows": ("actor:russia foaf:knows actor:taliban .", ["does not declare", "event"]),
    "schema-knows": ("actor:russia schema:knows actor:taliban .", ["links two actors directly"]),
    "sponsor": ("actor:russia schema:sponsor actor:taliban .", ["does not declare"]),
    "undeclared-term": (
        "actor:russia ag:supportsTerrorism true .",
        ["ag.supportsTerrorism|supportsTerrorism", "does not declare"],
    ),
    "accusation-negated-type": (
        ACCUSATION.format(
            targets="",
            code="ag:Negated",
            date='sem:hasTimeStamp "2017-02-01"^^xsd:date',
            evidence=OTHER_EVIDENCE,
            article="article:atnews-2017-02-10-russia-offers-cooperation-us",
        ),
        ["no target (ag:target)", "not a CAMEO code", "not the text of its evidence", "oa:hasBody"],
    ),
    "accusation-praise-2019": (
        ACCUSATION.format(
            targets=", actor:taliban ;\n    ag:target actor:taliban ",
            code="cameo:051",
            date='sem:hasTimeStamp "2019-05-01"^^xsd:date',
            evidence=OTHER_EVIDENCE,
            article="article:wikinews-2016-01-01-russia-cooperate-taliban-nato-threat",
        ),
        ["not a CAMEO code", "after its article", "quotes no article", "oa:hasBody"],
    ),
    "seed-event-future": (
        "event:a002-russia-diplomatic-outreach-to-taliban ag:modality ag:Future .\n"
        "event:a003-russia-first-proposed-hosting ag:modality ag:Future .",
        ["no event behind it", "retract the batch"],
    ),
    "future-and-edge-by-hand": (
        "event:a002-russia-diplomatic-outreach-to-taliban ag:modality ag:Future .\n"
        "event:a003-russia-first-proposed-hosting ag:modality ag:Future .\n"
        "actor:russia ag:cooperatedWith actor:taliban .",
        ["no event behind it", "never written by hand"],
    ),
}


def _matches(message: str, words: list[str]) -> bool:
    return all(any(w in message for w in alt.split("|")) for alt in words)


def _assert_said(messages: list[str], words: list[str]) -> None:
    text = "\n".join(messages)
    for alt in words:
        assert _matches(text, [alt]), f"{alt!r} not in:\n{text}"


@pytest.fixture(scope="module")
def client(seed_copy: Callable[[str], Path]) -> Iterator[TestClient]:
    settings = Settings(
        store_path=seed_copy("issue-011"), steward_tokens=[SecretStr(f"alice:{TOKEN}")]
    )
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.mark.parametrize("name", sorted(BATCHES))
def test_the_api_refuses_the_batch(client: TestClient, name: str) -> None:
    batch, words = BATCHES[name]
    body = (PREFIXES + batch).encode()
    headers = {"Content-Type": "text/turtle"}
    r = client.post("/validate", content=body, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["conforms"] is False
    _assert_said([x["message"] for x in r.json()["results"]], words)
    r = client.post(
        "/batches", content=body, headers={**headers, "Authorization": f"Bearer {TOKEN}"}
    )
    assert r.status_code == 422, r.text
    _assert_said([x["message"] for x in r.json()["report"]["results"]], words)


def test_the_readme_walkthrough_still_conforms(client: TestClient) -> None:
    r = client.post(
        "/validate", content=EXAMPLE_BATCH.encode(), headers={"Content-Type": "text/turtle"}
    )
    assert r.json()["conforms"] is True, r.json()["results"]


def test_the_command_refuses_them(seed_copy: Callable[[str], Path], tmp_path: Path) -> None:
    store = str(seed_copy("issue-011-cli"))
    for name, (batch, words) in sorted(BATCHES.items()):
        path = tmp_path / f"{name}.ttl"
        path.write_text(PREFIXES + batch)
        done = subprocess.run(
            [sys.executable, "-m", "graph", "validate", "--against-store", "--store", store,
             str(path)],
            capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300,
            env={"COLUMNS": "400", "PATH": "/usr/bin:/bin", "HOME": str(PROJECT_ROOT)},
        )  # fmt: skip
        assert done.returncode == 1, (name, done.stdout, done.stderr)
        _assert_said([" ".join(done.stdout.split())], words)
