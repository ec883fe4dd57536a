"""POST/GET/DELETE /batches: tokens, commit, review, retract, what readers see, two stewards."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from pydantic import SecretStr
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from api.app import create_app
from api.routers.validate import EXAMPLE_BATCH
from api.runtime import Runtime
from graph.checkpoints import HELD
from graph.reports import complete_reports
from graph.settings import Settings
from graph.sources import locate_quotes
from tests.workerfns import FUNCTIONS, Gate

ALICE = "alice-0123456789-secret"
UNNAMED = "fedcba9876543210-unnamed"
EVENT = "https://w3id.org/actorgraph/id/event/example-russia-pakistan-talks"
RUSSIA = "https://w3id.org/actorgraph/id/actor/russia"
PAKISTAN = "https://w3id.org/actorgraph/id/actor/pakistan"
TURTLE = {"Content-Type": "text/turtle"}
#: How long a steward waits for another's write here: far longer than any commit takes, even on a
#: loaded machine. The test of the 409 holds the lock itself and lowers it.
WRITE_WAIT = 300.0


def auth(token: str = ALICE) -> dict[str, str]:
    return {**TURTLE, "Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def client(seed_copy: Callable[[str], Path]) -> Iterator[TestClient]:
    settings = Settings(
        store_path=seed_copy("batches"),
        steward_tokens=[SecretStr(f"alice:{ALICE}"), SecretStr(UNNAMED)],
        write_lock_timeout=WRITE_WAIT,
    )
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture(scope="module")
def closed(seed_copy: Callable[[str], Path]) -> Iterator[TestClient]:
    """A server with no steward token: writes are off."""
    with TestClient(create_app(Settings(store_path=seed_copy("closed")))) as c:
        yield c


def problem(r: Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    return body


def ask(client: TestClient, query: str) -> bool:
    r = client.get("/sparql", params={"query": query})
    assert r.status_code == 200, r.text
    return bool(r.json()["boolean"])


def ego_events(client: TestClient, actor: str) -> set[str]:
    r = client.get(f"/actors/{actor.rsplit('/', 1)[1]}/ego", params={"radius": 1})
    assert r.status_code == 200, r.text
    return {e for edge in r.json()["elements"]["edges"] for e in edge["data"].get("events", [])}


def batch_with(name: str, participants: tuple[str, str] = (RUSSIA, PAKISTAN)) -> str:
    """The OpenAPI example, renamed (so several can be committed) and between other actors."""
    text = EXAMPLE_BATCH.replace("example-russia-pakistan-talks", f"example-{name}")
    return text.replace("actor:russia", f"<{participants[0]}>").replace(
        "actor:pakistan", f"<{participants[1]}>"
    )


# ------------------------------------------------------------------------------ tokens
def test_openapi_marks_the_write_endpoints(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    scheme = spec["components"]["securitySchemes"]["stewardToken"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert spec["paths"]["/batches"]["post"]["security"] == [{"stewardToken": []}]
    assert spec["paths"]["/batches/{batch_id}"]["delete"]["security"] == [{"stewardToken": []}]
    assert "security" not in spec["paths"]["/batches"]["get"]
    for work in ("/validate", "/extract"):  # a token is optional there: stewards skip the rate
        assert spec["paths"][work]["post"]["security"] == [{"stewardToken": []}, {}]
    example = spec["paths"]["/batches"]["post"]["requestBody"]["content"]["text/turtle"]
    assert example["example"] == EXAMPLE_BATCH


def test_writes_are_off_without_tokens(closed: TestClient) -> None:
    for r in (
        closed.post("/batches", content=EXAMPLE_BATCH, headers=auth()),
        closed.delete("/batches/20261122T153012345-7f3a", headers=auth()),
    ):
        body = problem(r, 403)
        assert "ACTORGRAPH_STEWARD_TOKENS" in body["detail"]
    assert closed.get("/batches").json()["count"] == 0


@pytest.mark.parametrize(
    "headers",
    [TURTLE, auth("not-a-token-of-this-server"), {**TURTLE, "Authorization": f"Basic {ALICE}"}],
)
def test_missing_or_wrong_token_is_401(client: TestClient, headers: dict[str, str]) -> None:
    before = client.get("/batches").json()["count"]
    r = client.post("/batches", content=EXAMPLE_BATCH, headers=headers)
    problem(r, 401)
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert ALICE not in r.text
    assert client.get("/batches").json()["count"] == before


def test_tokens_are_never_logged(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    r = client.post(
        "/batches", content=batch_with("logged"), headers={**auth(), "X-Steward": "Logger"}
    )
    assert r.status_code == 201, r.text
    client.post("/batches", content=EXAMPLE_BATCH, headers=auth(ALICE + "x"))
    client.delete(f"/batches/{r.json()['id']}", headers=auth())
    assert ALICE not in caplog.text
    assert ALICE not in r.text


# ------------------------------------------------------------------------------ the workflow
def test_commit_find_in_sparql_and_ego_network_then_retract(client: TestClient) -> None:
    assert not ask(client, f"ASK {{ <{EVENT}> ?p ?o }}")
    r = client.post(
        "/batches",
        content=EXAMPLE_BATCH,
        headers={**auth(), "X-Steward": "Alice Example"},
        params={"source": "https://example.org/report", "comment": "talks on 1 March"},
    )
    assert r.status_code == 201, r.text
    record = r.json()
    assert r.headers["location"] == f"/batches/{record['id']}"
    assert record["iri"] == f"https://w3id.org/actorgraph/id/graph/batch/{record['id']}"
    assert record["steward"] == "Alice Example" and record["credential"] == "alice"
    assert record["source"] == "https://example.org/report"
    assert record["submitted"] == record["new_triples"] == len(Graph().parse(data=EXAMPLE_BATCH))
    # one report made for the event's evidence: 6 triples (graph/reports.py)
    assert record["report_triples"] == 6
    # and the quote's offsets (4 triples) and the article's hash (1), found by graph/sources.py
    assert record["derived_edges"] == 2 and record["triples"] == record["submitted"] + 6 + 5 + 2
    assert record.pop("visible") is True  # readers see it as the answer comes

    assert client.get(f"/batches/{record['id']}").json() | {"content": None} == record | {
        "content": None
    }
    assert any(b["id"] == record["id"] for b in client.get("/batches").json()["batches"])
    turtle = client.get(f"/batches/{record['id']}", headers={"Accept": "text/turtle"})
    content = Graph().parse(data=turtle.text, format="turtle")
    assert (
        URIRef(RUSSIA),
        URIRef("https://w3id.org/actorgraph/ontology#metWith"),
        URIRef(PAKISTAN),
    ) in content
    assert ask(client, f"ASK {{ GRAPH <{record['iri']}> {{ <{EVENT}> a ag:Meeting }} }}")
    assert ask(
        client,
        f"ASK {{ GRAPH id:graph\\/batches {{ <{record['iri']}> a ag:Batch ; dcterms:creator 'Alice Example' }} }}",
    )
    assert EVENT in ego_events(client, PAKISTAN)

    r = client.delete(
        f"/batches/{record['id']}", headers=auth(UNNAMED), params={"comment": "duplicate"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["removed_triples"] == record["triples"]
    assert not ask(client, f"ASK {{ <{EVENT}> ?p ?o }}")
    assert EVENT not in ego_events(client, PAKISTAN)
    assert ask(client, f"ASK {{ <{RUSSIA}> ag:metWith <{PAKISTAN}> }}") == ask(
        client, f"ASK {{ GRAPH id:graph\\/edges {{ <{RUSSIA}> ag:metWith <{PAKISTAN}> }} }}"
    )  # the edge stays only if the seeds have it
    retracted = client.get(f"/batches/{record['id']}").json()
    assert retracted["status"] == "retracted" and retracted["retracted_by"] == "steward-2"
    assert retracted["retraction_comment"] == "duplicate" and retracted["content"].strip() == ""
    assert ask(
        client,
        f"ASK {{ GRAPH id:graph\\/audit {{ ?a prov:invalidated <{record['iri']}> ; prov:type 'retraction' }} }}",
    )
    assert problem(client.delete(f"/batches/{record['id']}", headers=auth()), 409)
    listed = client.get("/batches", params={"status": "retracted"}).json()["batches"]
    assert record["id"] in {b["id"] for b in listed}


def test_non_conforming_batch_is_422_with_the_report_and_nothing_is_written(
    client: TestClient,
) -> None:
    g = Graph().parse(data=batch_with("bad"), format="turtle")
    event = URIRef(EVENT.replace("example-russia-pakistan-talks", "example-bad"))
    g.set(
        (
            event,
            URIRef("http://semanticweb.cs.vu.nl/2009/11/sem/hasTimeStamp"),
            Literal("2017", datatype=XSD.gYear),
        )
    )
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    before, batches = len(runtime.store), client.get("/batches").json()["count"]
    body = problem(
        client.post("/batches", content=g.serialize(format="turtle"), headers=auth()), 422
    )
    assert body["report"]["conforms"] is False
    assert [r["source_shape"] for r in body["report"]["results"]] == ["ags:EventShape-timeStamp"]
    assert "nothing was written" in body["detail"]
    assert len(runtime.store) == before
    assert client.get("/batches").json()["count"] == batches


def test_a_batch_repeating_the_graph_stores_only_what_is_new_and_requires_the_batch_it_repeats(
    client: TestClient,
) -> None:
    """A repeated triple is not stored twice (the union default graph would count it twice, and
    lookups multiply such counts); the batch it came from cannot be retracted while the new one
    relies on it, and once the new one is gone it can."""
    text = batch_with("repeat")
    first = client.post("/batches", content=text, headers=auth()).json()
    extra = (
        text + '\n<https://w3id.org/actorgraph/id/event/example-repeat> rdfs:comment "again" .\n'
    )
    second = client.post("/batches", content=extra, headers=auth())
    assert second.status_code == 201, second.text
    record = second.json()
    assert record["submitted"] == first["submitted"] + 1
    assert record["new_triples"] == 1
    assert record["triples"] == 1 + record["derived_edges"]  # the new triple and the edges
    stored = client.get(f"/batches/{record['id']}", headers={"Accept": "application/n-triples"})
    assert stored.text.count('"again"') == 1 and "example-repeat> <http" in stored.text

    refused = client.delete(f"/batches/{first['id']}", headers=auth())
    body = problem(refused, 409)
    assert record["id"] in body["detail"] and "retract those first" in body["detail"]
    assert ask(client, "ASK { <https://w3id.org/actorgraph/id/event/example-repeat> a ag:Meeting }")

    gone = client.delete(f"/batches/{record['id']}", headers=auth())
    assert gone.status_code == 200, gone.text
    assert client.delete(f"/batches/{first['id']}", headers=auth()).status_code == 200
    assert not ask(client, "ASK { <https://w3id.org/actorgraph/id/event/example-repeat> ?p ?o }")


def test_committing_the_same_batch_again_stores_no_copy(client: TestClient) -> None:
    """Seven identical commits: the event is stored once (the lookups stay as fast as after one;
    tests/fuzz/test_writes.py times nothing but checks they answer)."""
    text = batch_with("again")
    ids = []
    for _ in range(7):
        r = client.post("/batches", content=text, headers=auth())
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    count = client.get(
        "/sparql",
        params={
            "query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { "
            "<https://w3id.org/actorgraph/id/event/example-again> rdfs:label ?l } }"
        },
    ).json()["results"]["bindings"][0]["n"]["value"]
    assert count == "1"
    events = client.get("/events", params={"actor": PAKISTAN, "type": "Meeting"}).json()
    assert sum(e["iri"].endswith("example-again") for e in events["events"]) == 1
    for batch_id in reversed(ids):
        assert client.delete(f"/batches/{batch_id}", headers=auth()).status_code == 200


def test_unknown_batches_are_404(client: TestClient) -> None:
    for batch_id in ("20991231T000000000-0000", "not-a-batch-id"):
        problem(client.get(f"/batches/{batch_id}"), 404)
        problem(client.delete(f"/batches/{batch_id}", headers=auth()), 404)


def test_bad_payloads_on_commit(client: TestClient) -> None:
    problem(
        client.post(
            "/batches", content=EXAMPLE_BATCH, headers={"Authorization": f"Bearer {ALICE}"}
        ),
        415,
    )
    body = problem(client.post("/batches", content="<a> <b> <c> .", headers=auth()), 400)
    assert body["line"] == 1 and "relative IRI" in body["detail"]


# ------------------------------------------------------------------------------ concurrency
def test_two_stewards_committing_at_once_both_succeed(client: TestClient) -> None:
    results: dict[str, Response] = {}

    def commit(name: str, token: str) -> None:
        results[name] = client.post("/batches", content=batch_with(name), headers=auth(token))

    threads = [
        threading.Thread(target=commit, args=(n, t)) for n, t in (("a1", ALICE), ("b1", UNNAMED))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {r.status_code for r in results.values()} == {201}, [r.text for r in results.values()]
    committed = {
        b["id"] for b in client.get("/batches", params={"status": "committed"}).json()["batches"]
    }
    assert {r.json()["id"] for r in results.values()} <= committed
    # each steward's response came once the actor network showed its batch: both are there now
    events = ego_events(client, PAKISTAN)
    assert {f"{EVENT.rsplit('/', 1)[0]}/example-{n}" for n in ("a1", "b1")} <= events
    for r in results.values():
        client.delete(f"/batches/{r.json()['id']}", headers=auth())


def test_a_steward_who_cannot_get_the_lock_gets_409(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    monkeypatch.setattr(runtime.settings, "write_lock_timeout", 0.5)
    assert client.portal is not None
    # another commit in progress: the test holds the write lock, on the app's own event loop
    with client.portal.wrap_async_context_manager(runtime.writing()):
        r = client.post("/batches", content=batch_with("blocked"), headers=auth())
    body = problem(r, 409)
    assert r.headers["retry-after"] == "5"
    assert "try again" in body["detail"] and "ACTORGRAPH_WRITE_LOCK_TIMEOUT" in body["detail"]
    assert not ask(client, "ASK { <https://w3id.org/actorgraph/id/event/example-blocked> ?p ?o }")


def big_batch(events: int) -> tuple[str, int]:
    """``events`` meetings between two actors of the seeds, and how many triples have their
    nodes as subjects."""
    parts = [EXAMPLE_BATCH]
    for i in range(events):
        body = EXAMPLE_BATCH.split("\n\n", 1)[1].replace(
            "example-russia-pakistan-talks", f"bulk-{i}"
        )
        parts.append(body)
    text = "\n".join(parts)
    g = Graph().parse(data=text, format="turtle")
    g += complete_reports(g)  # the reports a commit makes for their evidence
    g += locate_quotes(g, g.triples).made  # ... and their quotes' offsets in the article
    marked = sum(1 for s in g.subjects() if "bulk-" in str(s))
    return text, marked


def test_readers_during_a_commit_see_all_of_it_or_none(client: TestClient) -> None:
    """A reader polls through a commit. The commit is held once its transaction is in the store
    (and checkpointed) and before it is published to the readers, until the reader has read five
    more times; every read sees none of the batch or all of it."""
    text, total = big_batch(150)
    count = (
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o "
        'FILTER (CONTAINS(STR(?s), "/event/bulk-") || CONTAINS(STR(?s), "/evidence/bulk-") '
        '|| CONTAINS(STR(?s), "/report/bulk-")) }'
    )
    seen: list[int] = []
    failed: list[str] = []
    read = threading.Condition()
    answered = threading.Event()

    def reads(more: int) -> bool:
        """Wait until the reader has read ``more`` more times (or stopped, or a minute passed)."""
        with read:
            target = len(seen) + more
            return read.wait_for(lambda: len(seen) >= target or bool(failed), timeout=60)

    def reader() -> None:
        while True:
            last = answered.is_set()  # a read begun after the answer must see the batch
            r = client.get("/sparql", params={"query": count})
            with read:
                if r.status_code != 200:
                    failed.append(r.text)
                else:
                    seen.append(int(r.json()["results"]["bindings"][0]["n"]["value"]))
                read.notify_all()
            if last or failed:
                return

    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    publish = runtime._refresh  # the step that shows a written batch to readers
    held: list[bool] = []

    async def publish_after_reads() -> bool:
        held.append(await asyncio.to_thread(reads, 5))
        return await publish()

    thread = threading.Thread(target=reader)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runtime, "_refresh", publish_after_reads)
        thread.start()
        try:
            r = client.post("/batches", content=text, headers=auth())
        finally:
            answered.set()
            thread.join(60)
    assert not thread.is_alive(), "the reader is stuck"
    assert not failed, failed
    assert r.status_code == 201, r.text
    assert held == [True], "the reader did not read five times while the commit was held"
    assert set(seen) <= {0, total}, sorted(set(seen))
    assert seen[0] == 0 and seen[-1] == total and len(seen) > 5
    client.delete(f"/batches/{r.json()['id']}", headers=auth())


def until(condition: Callable[[], object], what: str, timeout: float = 120) -> None:
    """Poll ``condition`` until it holds; fail saying ``what`` did not happen after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout:g} s")
        time.sleep(0.02)


def test_a_commit_does_not_wait_for_a_slow_query(
    seed_copy: Callable[[str], Path], tmp_path: Path
) -> None:
    """The workers move to the new checkpoint without waiting for a query still running on the
    old one; the old checkpoint is deleted by its last user, the worker, once its query ends.

    The slow query waits on a gate the test opens only after the commit returned (its time limit
    is far away), so the commit returning while it still runs is proof that the commit did not
    wait for it.
    """
    settings = Settings(
        store_path=seed_copy("slow-query"),
        steward_tokens=[SecretStr(f"alice:{ALICE}")],
        query_timeout=600.0,
        query_workers=2,
        query_light_workers=0,
    )
    gate = Gate(tmp_path)
    with TestClient(create_app(settings, query_functions=FUNCTIONS)) as c:
        runtime: Runtime = c.app.state.runtime  # type: ignore[attr-defined]
        first = runtime.snapshot.checkpoint
        slow: list[Response] = []
        reader = threading.Thread(
            target=lambda: slow.append(c.get("/sparql", params={"query": gate.query}))
        )
        reader.start()
        until(gate.running, "a worker running the slow query")
        r = c.post("/batches", content=batch_with("during-slow"), headers=auth())
        assert r.status_code == 201, r.text
        assert reader.is_alive()  # the slow query was still running when the commit returned
        assert first.path.is_dir()  # and its checkpoint is still there
        assert runtime.snapshot.checkpoint is not first
        assert ask(c, f"ASK {{ <{EVENT.rsplit('/', 1)[0]}/example-during-slow> ?p ?o }}")

        gate.open()  # the slow query ends now
        reader.join(60)
        assert not reader.is_alive(), "the slow query's request did not end"
        assert slow[0].status_code == 200, slow[0].text
        until(lambda: not first.path.exists(), "the old checkpoint deleted by its last user")
        folder = runtime.snapshot.checkpoint.path.parent
        # renamed away first (graph.checkpoints.remove_tree), then deleted
        until(
            lambda: not any(p.name.startswith(".") for p in folder.iterdir()),
            "the old checkpoint's files deleted",
        )
        current = runtime.snapshot.checkpoint.path.name
        assert sorted(p.name for p in folder.iterdir()) == [current, HELD]
        c.delete(f"/batches/{r.json()['id']}", headers=auth())
