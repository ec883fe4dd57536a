"""A new article from paste to batch over HTTP: POST /extract answers a review document, which
POST /validate and POST /batches take as application/vnd.actorgraph.review+json (graph/ingest.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from graph.payloads import REVIEW_MEDIA_TYPE
from graph.settings import PROJECT_ROOT, Settings

TOKEN = "alice-0123456789-review"
ARTICLE = (
    PROJECT_ROOT / "seeds" / "eval" / "articles" / "e02_general_repeats_charge.txt"
).read_text(encoding="utf-8")
URL = "https://www.reuters.com/world/e02"
REVIEW = {"Content-Type": REVIEW_MEDIA_TYPE}


@pytest.fixture(scope="module")
def client(seed_copy: Callable[[str], Path]) -> Iterator[TestClient]:
    settings = Settings(
        store_path=seed_copy("review-documents"),
        steward_tokens=[SecretStr(f"alice:{TOKEN}")],
        anonymous_jobs="open",
    )
    with TestClient(create_app(settings)) as c:
        yield c


def proposed(client: TestClient) -> dict[str, Any]:
    r = client.post(
        f"/extract?url={URL}&published=2017-04-24",
        content=ARTICLE.encode(),
        headers={"Content-Type": "text/plain; charset=utf-8", "Accept": "application/json"},
    )
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


def test_extract_answers_a_review_document_with_the_text(client: TestClient) -> None:
    answer = proposed(client)
    review = answer["review"]
    assert review["text"] == ARTICLE
    assert review["article"]["url"] == URL
    assert {e["id"] for e in review["events"]} == {e["id"] for e in answer["events"]}
    assert answer["extractor"]["pipeline"]


def test_a_review_document_validates_and_commits_with_its_article(client: TestClient) -> None:
    review = proposed(client)["review"]
    review["events"] = [e for e in review["events"] if e["type"] in ("Accusation", "Denial")][:2]
    kept = {c for e in review["events"] for c in [*e.get("claims", []), *e.get("denies_claim", [])]}
    review["claims"] = [c for c in review["claims"] if c["id"] in kept]
    for e in review["events"]:
        e.pop("responds_to", None)
    body = json.dumps(review).encode()
    checked = client.post("/validate", content=body, headers=REVIEW)
    assert checked.status_code == 200, checked.text
    assert checked.json()["conforms"], checked.json()["summary"]
    refused = client.post("/batches", content=body, headers=REVIEW)
    assert refused.status_code in (401, 403)
    done = client.post(
        "/batches", content=body, headers={**REVIEW, "Authorization": f"Bearer {TOKEN}"}
    )
    assert done.status_code == 201, done.text
    text = client.get(f"/articles/{review['article']['id']}/text")
    assert text.status_code == 200 and text.text == ARTICLE


def test_a_quote_not_in_the_text_is_refused_naming_the_record(client: TestClient) -> None:
    review = proposed(client)["review"]
    first = review["events"][0]
    first["quote"] = "China and Pakistan held talks on Afghanistan"
    first.pop("occurrence", None)
    r = client.post("/validate", content=json.dumps(review).encode(), headers=REVIEW)
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    detail = r.json()["detail"]
    assert f"events[0] ({first['id']}): quote not found in the article" in detail


def test_an_unknown_actor_is_refused_naming_the_record(client: TestClient) -> None:
    review = proposed(client)["review"]
    review["events"][1]["agent"] = "pakistn"
    r = client.post("/validate", content=json.dumps(review).encode(), headers=REVIEW)
    assert r.status_code == 400
    assert f"events[1] ({review['events'][1]['id']})" in r.json()["detail"]
    assert "unknown actor 'pakistn'" in r.json()["detail"]


@pytest.mark.parametrize(
    "body", [b"not json", b"[1, 2]", json.dumps({"article": {}}).encode(), b"{" * 5000]
)
def test_what_is_not_a_review_document_is_a_clear_400(client: TestClient, body: bytes) -> None:
    r = client.post("/validate", content=body, headers=REVIEW)
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["detail"]


@pytest.mark.parametrize("url", ["https://^x", "ftp://example.org/a", "https://a b", "https://"])
def test_an_article_address_the_graph_cannot_hold_is_refused(client: TestClient, url: str) -> None:
    r = client.post(
        "/extract",
        params={"url": url},
        content=b"Russia and China held talks in Moscow.",
        headers={"Content-Type": "text/plain; charset=utf-8", "Accept": "application/json"},
    )
    assert r.status_code == 400, r.text
    assert "not an http(s) address" in r.json()["detail"]
