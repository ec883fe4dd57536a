"""Who may do what (docs/decisions/20261205-who-may-do-what.md): work for anonymous callers
(/validate, /extract) is rate-limited per client, or stewards-only; a token that is not a
steward's is refused, never served as anonymous; stewards are not limited."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.deps import RateLimiter
from api.routers.validate import EXAMPLE_BATCH
from graph.settings import Settings

TOKEN = "access-test-token-0123456789"
TURTLE = {"Content-Type": "text/turtle"}
TEXT = {"Content-Type": "text/plain"}
ARTICLE = "Russia met Pakistan in Moscow on Monday."


@pytest.fixture(scope="module")
def limited(seed_copy: Callable[[str], Path]) -> Iterator[TestClient]:
    settings = Settings(
        store_path=seed_copy("access"),
        steward_tokens=[SecretStr(f"steward:{TOKEN}")],
        anonymous_jobs_per_minute=3,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_anonymous_work_is_rate_limited_per_client_and_stewards_are_not(
    limited: TestClient,
) -> None:
    answers = [limited.post("/validate", content=EXAMPLE_BATCH, headers=TURTLE) for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 200]
    over = limited.post("/extract", content=ARTICLE, headers=TEXT)  # one budget for both
    assert over.status_code == 429
    assert over.headers["content-type"] == "application/problem+json"
    assert int(over.headers["retry-after"]) >= 1
    assert "ACTORGRAPH_ANONYMOUS_JOBS_PER_MINUTE" in over.json()["detail"]
    steward = {"Authorization": f"Bearer {TOKEN}"}
    for _ in range(5):
        r = limited.post("/validate", content=EXAMPLE_BATCH, headers={**TURTLE, **steward})
        assert r.status_code == 200, r.text


def test_a_token_that_is_not_a_stewards_is_refused_not_served_as_anonymous(
    limited: TestClient,
) -> None:
    r = limited.post(
        "/validate", content=EXAMPLE_BATCH, headers={**TURTLE, "Authorization": "Bearer wrong"}
    )
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")


def test_stewards_only(seed_copy: Callable[[str], Path]) -> None:
    settings = Settings(
        store_path=seed_copy("access-token"),
        steward_tokens=[SecretStr(f"steward:{TOKEN}")],
        anonymous_jobs="token",
    )
    with TestClient(create_app(settings)) as client:
        r = client.post("/extract", content=ARTICLE, headers=TEXT)
        assert r.status_code == 401 and "ACTORGRAPH_ANONYMOUS_JOBS=token" in r.json()["detail"]
        r = client.post(
            "/extract", content=ARTICLE, headers={**TEXT, "Authorization": f"Bearer {TOKEN}"}
        )
        assert r.status_code == 200, r.text


def test_the_bucket_refills_at_its_rate_and_forgets_the_oldest_clients() -> None:
    limiter = RateLimiter(6, max_clients=2)  # 6 a minute: one every 10 s, bursts of 6
    assert [limiter.take("a", now=0.0) for _ in range(6)] == [0.0] * 6
    assert limiter.take("a", now=0.0) == pytest.approx(10.0)
    assert limiter.take("a", now=5.0) == pytest.approx(5.0)  # refused: nothing spent
    assert limiter.take("a", now=10.0) == 0.0
    assert limiter.take("b", now=10.0) == 0.0
    assert limiter.take("c", now=10.0) == 0.0  # "a" is forgotten: at most two clients kept
    assert limiter.take("a", now=10.0) == 0.0  # a fresh bucket
