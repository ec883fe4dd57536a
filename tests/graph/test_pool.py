"""The worker pool: real processes on a real checkpoint of the seed graph (timeouts, busy
workers, checkpoint switches, the event-loop path, the in-memory copy)."""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from graph.build import BuildResult
from graph.errors import EndpointBusy, InvalidInput, QueryRefused, QueryTimeout, StoreUnavailable
from graph.namespaces import PREFIXES, graph_iri
from graph.pool import QueryPool
from graph.settings import PROJECT_ROOT
from graph.store import RDFFormat, ResultsFormat, Store

ACTORS = str(graph_iri("actors"))
#: A query that takes far longer than any timeout used here (a triple cross product).
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
#: About 1–2 s on the seed graph: long enough to be waited for, short enough to finish.
MEDIUM = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d a ?f }"


# ------------------------------------------------------------------------------------ the pool
@pytest.fixture(scope="module")
def checkpoint(
    built: tuple[Store, BuildResult, Path], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    target = tmp_path_factory.mktemp("checkpoints") / "c1"
    built[0].checkpoint(target)
    return target


@pytest.fixture(scope="module")
def pool(checkpoint: Path) -> Iterator[QueryPool]:
    with QueryPool(checkpoint, workers=2, timeout=1.0) as p:
        yield p


def test_a_query_runs_in_a_worker_and_matches_the_store(pool: QueryPool, store: Store) -> None:
    query = "SELECT ?s WHERE { ?s a ag:State } ORDER BY ?s"
    body, media_type = pool.run(query, result_format=ResultsFormat.TSV)
    assert media_type == "text/tab-separated-values"
    rows = body.decode().splitlines()[1:]
    assert rows == [f"<{r['s']}>" for r in store.query(query).rows()]
    assert rows  # the seeds hold states


def test_the_worker_answers_in_the_format_asked(pool: QueryPool) -> None:
    _, media_type = pool.run("ASK {}", result_format=ResultsFormat.XML)
    assert media_type == "application/sparql-results+xml"
    body, media_type = pool.run(
        "CONSTRUCT WHERE { actor:taliban ?p ?o }", result_format=RDFFormat.NTRIPLES
    )
    assert media_type == "application/n-triples"
    assert b"<https://w3id.org/actorgraph/id/actor/taliban>" in body
    # A format of the wrong family falls back to the form's default, and says so.
    _, media_type = pool.run(
        "CONSTRUCT WHERE { actor:taliban ?p ?o }", result_format=ResultsFormat.JSON
    )
    assert media_type == "text/turtle"


def test_the_dataset_is_passed_to_the_engine(pool: QueryPool, store: Store) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    body, _ = pool.run(
        count, default_graphs=[ACTORS], named_graphs=[], result_format=ResultsFormat.CSV
    )
    assert int(body.decode().split()[1]) == store.graph_size(URIRef(ACTORS))
    body, _ = pool.run(count, result_format=ResultsFormat.CSV)
    assert int(body.decode().split()[1]) == len(store)  # the union of all graphs by default


def test_a_syntax_error_comes_back_with_line_and_column(pool: QueryPool) -> None:
    with pytest.raises(InvalidInput) as info:
        pool.run("SELECT ?s\nWHERE { ?s ?p }")
    assert info.value.line == 2
    assert info.value.column in (15, 16)  # at or just after the "}" where an object was due
    assert info.value.source == "query"


def test_more_rows_than_the_cap_is_refused_not_truncated(pool: QueryPool, store: Store) -> None:
    states = len(list(store.query("SELECT ?s WHERE { ?s a ag:State }").rows()))
    assert states > 2
    body, _ = pool.run(
        "SELECT ?s WHERE { ?s a ag:State }", max_rows=states, result_format=ResultsFormat.TSV
    )
    assert len(body.decode().splitlines()) == states + 1
    with pytest.raises(QueryRefused, match=f"more than {states - 1} rows"):
        pool.run("SELECT ?s WHERE { ?s a ag:State }", max_rows=states - 1)
    with pytest.raises(QueryRefused, match="more than 3 triples"):
        pool.run("CONSTRUCT WHERE { ?s a ag:State }", max_rows=3)


def test_a_timeout_kills_the_worker_and_the_pool_keeps_answering(checkpoint: Path) -> None:
    with QueryPool(checkpoint, workers=1, timeout=0.5) as pool:
        [victim] = pool.pids
        started = time.monotonic()
        with pytest.raises(QueryTimeout, match=r"longer than 0\.5 s"):
            pool.run(SLOW)
        assert time.monotonic() - started < 3
        with pytest.raises(ProcessLookupError):
            os.kill(victim, 0)  # SIGKILLed and reaped, not left running
        assert pool.run("ASK { actor:russia a ag:State }")[0] == b'{"head":{},"boolean":true}'
        assert pool.pids and pool.pids != [victim]


def test_a_slow_query_does_not_block_a_fast_one(pool: QueryPool) -> None:
    outcome: list[BaseException] = []

    def slow() -> None:
        try:
            pool.run(SLOW)
        except QueryTimeout as exc:
            outcome.append(exc)

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.1)  # let the slow query take its worker
    answer, _ = pool.run("ASK { actor:taliban ?p ?o }")
    assert thread.is_alive()  # the fast answer came while the slow query was still running
    assert answer == b'{"head":{},"boolean":true}'
    thread.join()
    assert isinstance(outcome[0], QueryTimeout)


def test_when_every_worker_stays_busy_callers_get_busy(checkpoint: Path) -> None:
    with QueryPool(checkpoint, workers=1, timeout=1.0, wait=0.2) as pool:
        outcome: list[type[BaseException]] = []

        def slow() -> None:
            try:
                pool.run(SLOW)
            except QueryTimeout as exc:
                outcome.append(type(exc))

        thread = threading.Thread(target=slow)
        thread.start()
        time.sleep(0.1)
        with pytest.raises(EndpointBusy, match=r"busy for 0\.2 s"):
            pool.run("ASK {}")
        thread.join()
        assert outcome == [QueryTimeout]


def test_switch_moves_every_worker_and_hands_back_the_old_checkpoint(
    checkpoint: Path, tmp_path: Path
) -> None:
    shutil.copytree(checkpoint, tmp_path / "copy")  # a private copy: the session store stays as is
    writable = Store.open(tmp_path / "copy")
    new_graph = URIRef("https://w3id.org/actorgraph/id/graph/test-switch")
    writable.add_graphs(
        {
            new_graph: [
                (
                    URIRef(PREFIXES["actor"] + "russia"),
                    URIRef(PREFIXES["rdfs"] + "comment"),
                    Literal("switched"),
                )
            ]
        }
    )
    writable.checkpoint(tmp_path / "c2")
    with QueryPool(checkpoint, workers=2, timeout=1.0) as pool:
        assert str(new_graph) not in pool.graphs
        assert pool.switch(tmp_path / "c2") == checkpoint
        assert pool.switch(tmp_path / "c2") is None  # already current
        assert str(new_graph) in pool.graphs
        for _ in range(4):  # whichever worker answers, it answers from the new checkpoint
            assert pool.run("ASK { actor:russia rdfs:comment 'switched' }")[0].endswith(b"true}")


# ------------------------------------------------------------------- the pool, from an event loop
def test_arun_answers_as_run_does(pool: QueryPool) -> None:
    query = "SELECT ?s WHERE { ?s a ag:State } ORDER BY ?s"
    got = asyncio.run(pool.arun(query, result_format=ResultsFormat.CSV))
    assert got == pool.run(query, result_format=ResultsFormat.CSV)
    with pytest.raises(InvalidInput) as info:
        asyncio.run(pool.arun("SELECT ?s\nWHERE { ?s ?p }"))
    assert info.value.line == 2


def test_arun_reads_a_large_reply_whole_under_uvloop(pool: QueryPool) -> None:
    """uvicorn runs on uvloop, whose add_reader leaves the pipe non-blocking; a reply of many
    reads must still arrive whole, and the pipe must be usable by the blocking path after."""
    uvloop = pytest.importorskip("uvloop")
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 8000"
    for _ in range(3):
        body, _ = uvloop.run(pool.arun(query, result_format=ResultsFormat.TSV))
        assert len(body) > 256 * 1024 and len(body.decode().splitlines()) == 8001
    assert len(pool.run(query, result_format=ResultsFormat.TSV)[0].splitlines()) == 8001


def test_arun_times_out_kills_the_worker_and_keeps_answering(checkpoint: Path) -> None:
    with QueryPool(checkpoint, workers=1, timeout=0.5) as pool:
        [victim] = pool.pids
        with pytest.raises(QueryTimeout, match=r"longer than 0\.5 s"):
            asyncio.run(pool.arun(SLOW))
        with pytest.raises(ProcessLookupError):
            os.kill(victim, 0)
        assert asyncio.run(pool.arun("ASK { actor:russia a ag:State }"))[0].endswith(b"true}")


def test_arun_waits_for_a_busy_worker_without_blocking_the_loop(checkpoint: Path) -> None:
    """One worker, two queries at once: the second waits (the loop still ticks), then answers."""

    async def main(pool: QueryPool) -> tuple[list[object], int]:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())
        results = await asyncio.gather(
            pool.arun(MEDIUM, result_format=ResultsFormat.CSV),
            pool.arun("ASK { actor:taliban ?p ?o }"),
            return_exceptions=True,
        )
        ticker.cancel()
        return list(results), ticks

    with QueryPool(checkpoint, workers=1, timeout=5.0) as pool:
        started = time.monotonic()
        results, ticks = asyncio.run(main(pool))
        elapsed = time.monotonic() - started
    assert results[1] == (b'{"head":{},"boolean":true}', "application/sparql-results+json")
    assert isinstance(results[0], tuple) and results[0][1] == "text/csv"
    assert elapsed > 0.3  # the second query really waited for the first
    assert ticks >= int(elapsed / 0.01) // 3  # and the loop was free meanwhile


def test_arun_callers_waiting_for_a_worker_are_served_in_order(checkpoint: Path) -> None:
    """One worker, six callers at once: each is handed the worker in the order it came (no
    polling, no starving), and every one gets its own answer."""
    query = "SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?b ?c . ?d a ag:Person }} # {i}"

    async def main(pool: QueryPool) -> list[int]:
        done: list[int] = []

        async def one(i: int) -> None:
            body, _ = await pool.arun(query.format(i=i), result_format=ResultsFormat.CSV)
            assert int(body.decode().split()[1]) > 0
            done.append(i)

        tasks = []
        for i in range(6):
            tasks.append(asyncio.create_task(one(i)))
            await asyncio.sleep(0.005)  # they arrive in this order
        await asyncio.gather(*tasks)
        return done

    with QueryPool(checkpoint, workers=1, timeout=10.0) as pool:
        assert asyncio.run(main(pool)) == list(range(6))
        assert not pool._waiters  # nobody left queued


def test_closing_the_pool_fails_queued_callers_at_once(checkpoint: Path) -> None:
    async def main(pool: QueryPool) -> tuple[object, float]:
        slow = asyncio.create_task(pool.arun(MEDIUM))
        await asyncio.sleep(0.1)
        queued = asyncio.create_task(pool.arun("ASK {}"))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        await asyncio.to_thread(pool.close)
        outcome = (await asyncio.gather(queued, return_exceptions=True))[0]
        await asyncio.gather(slow, return_exceptions=True)
        return outcome, time.monotonic() - started

    pool = QueryPool(checkpoint, workers=1, timeout=10.0, wait=30.0)
    outcome, took = asyncio.run(main(pool))
    assert isinstance(outcome, StoreUnavailable) and "closed" in str(outcome)
    assert took < 5  # not after the 30 s wait


def test_arun_busy_when_every_worker_stays_busy(checkpoint: Path) -> None:
    async def main(pool: QueryPool) -> list[object]:
        slow = asyncio.create_task(pool.arun(SLOW))
        await asyncio.sleep(0.1)
        fast = await asyncio.gather(pool.arun("ASK {}"), return_exceptions=True)
        return [*fast, *(await asyncio.gather(slow, return_exceptions=True))]

    with QueryPool(checkpoint, workers=1, timeout=1.0, wait=0.2) as pool:
        busy, timed_out = asyncio.run(main(pool))
    assert isinstance(busy, EndpointBusy)
    assert isinstance(timed_out, QueryTimeout)


def test_a_cancelled_arun_leaves_no_stale_reply_behind(checkpoint: Path) -> None:
    """The client went away mid-query: the worker finishes, its reply is dropped, and the next
    query on that (only) worker gets its own answer, not the abandoned one."""

    async def main(pool: QueryPool) -> bytes:
        task = asyncio.create_task(pool.arun(MEDIUM, result_format=ResultsFormat.CSV))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        body, _ = await pool.arun("ASK { actor:russia a ag:State }")
        return body

    with QueryPool(checkpoint, workers=1, timeout=5.0) as pool:
        [worker] = pool.pids
        assert asyncio.run(main(pool)) == b'{"head":{},"boolean":true}'
        assert pool.pids == [worker]  # drained and reused, not killed


# ------------------------------------------------------------------ the pool, answering from memory
def _wait_in_memory(pool: QueryPool, count: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while pool.in_memory != count:
        assert time.monotonic() < deadline, f"{pool.in_memory} of {count} workers in memory"
        time.sleep(0.02)


QUERIES_TO_COMPARE = [
    "SELECT ?s ?label WHERE { ?s a ag:State ; rdfs:label ?label } ORDER BY ?s ?label",
    (PROJECT_ROOT / "examples" / "who-accused-russia.rq").read_text(encoding="utf-8"),
    "CONSTRUCT WHERE { actor:taliban ?p ?o }",
]


def test_workers_copy_the_checkpoint_to_memory_and_answer_the_same(
    pool: QueryPool, checkpoint: Path, store: Store
) -> None:
    with QueryPool(checkpoint, workers=2, timeout=5.0, memory_max_triples=len(store)) as mem:
        _wait_in_memory(mem, 2)
        for query in QUERIES_TO_COMPARE:
            fmt = RDFFormat.NTRIPLES if query.startswith("CONSTRUCT") else ResultsFormat.CSV
            expected, media_type = pool.run(query, result_format=fmt)
            assert len(expected.splitlines()) > 2
            for _ in range(2):  # both workers; rows as a multiset (ties may come in any order)
                got, got_type = mem.run(query, result_format=fmt)
                assert got_type == media_type
                assert sorted(got.splitlines()) == sorted(expected.splitlines())


def test_a_memory_copy_is_whole_or_none(store: Store) -> None:
    """The copy a worker makes: every quad, or — cancelled by a newer checkpoint — nothing."""
    copy = store.to_memory(cancelled=lambda: False)
    assert copy is not None and len(copy) == len(store) and copy.read_only
    assert store.to_memory(cancelled=lambda: True) is None
    asked = 0

    def later() -> bool:  # cancelled after the first 10,000 quads
        nonlocal asked
        asked += 1
        return asked > 1

    assert len(store) > 10_000 and store.to_memory(cancelled=later) is None


def test_a_graph_over_the_memory_cap_stays_on_disk(checkpoint: Path, store: Store) -> None:
    with QueryPool(checkpoint, workers=1, timeout=5.0, memory_max_triples=len(store) - 1) as pool:
        time.sleep(1.0)  # the seed graph is copied in well under a second when allowed
        assert pool.in_memory == 0
        assert pool.run("ASK { actor:russia a ag:State }")[0].endswith(b"true}")


def test_after_a_switch_workers_answer_from_the_new_checkpoint_then_copy_it(
    checkpoint: Path, tmp_path: Path, store: Store
) -> None:
    shutil.copytree(checkpoint, tmp_path / "copy")
    writable = Store.open(tmp_path / "copy")
    graph = URIRef("https://w3id.org/actorgraph/id/graph/test-memory-switch")
    triple = (URIRef(PREFIXES["actor"] + "taliban"), URIRef(PREFIXES["rdfs"] + "comment"))
    writable.add_graphs({graph: [(*triple, Literal("in memory"))]})
    writable.checkpoint(tmp_path / "c2")
    ask = "ASK { actor:taliban rdfs:comment 'in memory' }"
    with QueryPool(checkpoint, workers=1, timeout=5.0, memory_max_triples=10 * len(store)) as pool:
        _wait_in_memory(pool, 1)
        assert pool.run(ask)[0].endswith(b"false}")
        pool.switch(tmp_path / "c2")
        assert pool.run(ask)[0].endswith(b"true}")  # from disk or memory: the new graph either way
        _wait_in_memory(pool, 1)
        assert pool.run(ask)[0].endswith(b"true}")


def test_a_closed_pool_refuses(checkpoint: Path) -> None:
    pool = QueryPool(checkpoint, workers=1, timeout=1.0)
    pool.close()
    with pytest.raises(StoreUnavailable, match="closed"):
        pool.run("ASK {}")


def test_a_missing_checkpoint_is_store_unavailable(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable):
        QueryPool(tmp_path / "nothing", workers=1, timeout=1.0)


def test_workers_without_network_cannot_reach_out_even_past_the_guard(pool: QueryPool) -> None:
    if not pool.isolated:
        pytest.skip("this kernel does not let the workers drop network access")
    with pytest.raises(StoreUnavailable, match=r"lookup|unreachable|resolve"):
        pool.run("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
