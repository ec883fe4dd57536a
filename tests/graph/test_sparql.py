"""The query guard (unit, parametrised) and the worker pool (real processes on a real checkpoint)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef

from graph.build import BuildResult
from graph.errors import EndpointBusy, InvalidInput, QueryRefused, QueryTimeout, StoreUnavailable
from graph.namespaces import PREFIXES, graph_iri
from graph.settings import PROJECT_ROOT
from graph.sparql import QueryForm, QueryPool, check_graphs, check_query, service_description
from graph.store import RDFFormat, ResultsFormat, Store

ACTORS = str(graph_iri("actors"))
EDGES = str(graph_iri("edges"))
KNOWN = {ACTORS, EDGES}
#: A query that takes far longer than any timeout used here (a triple cross product).
#: About 1–2 s on the seed graph: long enough to be waited for, short enough to finish.
MEDIUM = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d a ?f }"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def guard(text: str, *, max_length: int = 10_000) -> QueryRefused:
    with pytest.raises(QueryRefused) as info:
        check_query(text, known_graphs=KNOWN, max_length=max_length)
    return info.value


# ---------------------------------------------------------------------------------- the guard
ALLOWED = {
    "string": "SELECT * WHERE { ?s ?p 'SERVICE' }",
    "long string": 'SELECT * WHERE { ?s ?p """SERVICE <http://169.254.169.254/> { }""" }',
    "escaped quote": r"SELECT * WHERE { ?s ?p 'it\'s SERVICE' }",
    "prefixed name": "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:service ex:LOAD }",
    "variables": "SELECT ?service $load WHERE { ?service ?insert $load }",
    "iri": "SELECT * WHERE { ?s <http://example.org/service> ?o }",
    "comment": "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://169.254.169.254/> { }",
    "iri with hash after a variable": "SELECT * WHERE { ?s <http://example.org/ns#p> ?o . ?o <http://example.org/ns#q> 'x' }",
    "comparison without spaces": "SELECT * WHERE { ?s ?p ?o FILTER(?o<10&&?o>2) }",
    "values row with hash iris": "SELECT * WHERE { VALUES (?a ?b) { (<http://e.org/x#a> <http://e.org/y#b>) } }",
    "collection with hash iris": "SELECT * WHERE { ?l <http://e.org/p> (<http://e.org/x#a> <http://e.org/y#b>) }",
    "update word inside a group": "SELECT * WHERE { ?s ?p 'DROP ALL' }",
}


@pytest.mark.parametrize("text", ALLOWED.values(), ids=ALLOWED.keys())
def test_keywords_in_strings_iris_comments_and_names_are_fine(text: str) -> None:
    assert check_query(text, known_graphs=KNOWN, max_length=10_000).form is QueryForm.SELECT
    ox.Store().query(text)  # and they are real, valid queries


SERVICES = {
    "plain": "SELECT * WHERE { SERVICE <http://169.254.169.254/latest/> { ?s ?p ?o } }",
    "lower case": "select * where { service <http://169.254.169.254/> { ?s ?p ?o } }",
    "silent": "SELECT * WHERE { SERVICE SILENT <http://169.254.169.254/> { ?s ?p ?o } }",
    "variable endpoint": "SELECT * WHERE { BIND(<http://169.254.169.254/> AS ?e) SERVICE ?e { ?s ?p ?o } }",
    "prefixed endpoint": "PREFIX m: <http://169.254.169.254/> SELECT * WHERE { SERVICE m:x { ?s ?p ?o } }",
    "no space before a prefixed name": "PREFIX : <http://169.254.169.254/> SELECT * WHERE { SERVICE:x { ?s ?p ?o } }",
    "comment before the group": "SELECT * WHERE { SERVICE <http://169.254.169.254/> # hi\n { ?s ?p ?o } }",
    "in OPTIONAL": "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE <http://169.254.169.254/> { ?s ?p ?x } } }",
    "in EXISTS": "ASK { ?s ?p ?o FILTER EXISTS { SERVICE <http://169.254.169.254/> { ?s ?p ?o } } }",
    "in a subquery": "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <http://169.254.169.254/> { ?s ?p ?o } } } }",
    # A naive lexer reads `<1)SERVICE:x#>` as one IRI; the engine reads "less than" and a comment.
    "hidden behind less-than and a comment": (
        "PREFIX : <http://169.254.169.254/> SELECT * WHERE { ?a ?b ?c FILTER(?c<2)SERVICE:x#>\n{ ?s ?p ?o } }"
    ),
    # `<'a>` looks like an IRI; the engine sees "less than" and a string, shifting every quote after.
    "hidden behind less-than and a quote": (
        "SELECT * WHERE { ?s ?p ?o FILTER(?o<'a>'||true) SERVICE <http://169.254.169.254/> { ?s ?p ?o } "
        "FILTER('x'!='y') }"
    ),
}


@pytest.mark.parametrize("text", SERVICES.values(), ids=SERVICES.keys())
def test_service_is_refused_as_ssrf(text: str) -> None:
    assert "SSRF" in str(guard(text))


@pytest.fixture(scope="module")
def listener() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request: the SSRF target, made harmless."""
    hits: list[str] = []

    class Record(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_error(500)

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Record)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", hits
    server.shutdown()


@pytest.mark.parametrize("text", SERVICES.values(), ids=SERVICES.keys())
def test_each_refused_service_is_one_the_engine_would_really_call(
    text: str, listener: tuple[str, list[str]]
) -> None:
    url, hits = listener
    local = text.replace("http://169.254.169.254/latest/", url).replace(
        "http://169.254.169.254/", url
    )
    store = ox.Store()
    one = ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    store.add(ox.Quad(ox.NamedNode("http://e.org/s"), ox.NamedNode("http://e.org/p"), one))
    before = len(hits)
    with contextlib.suppress(OSError):
        # pyoxigraph only calls a variable endpoint bound from outside (SEP-0007 substitution)
        subs: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] | None = (
            {ox.Variable("e"): ox.NamedNode(url)} if "?e" in text else None
        )
        result = store.query(local, use_default_graph_as_union=True, substitutions=subs)
        _ = bool(result) if isinstance(result, ox.QueryBoolean) else list(result)
    assert len(hits) > before  # pyoxigraph fetched the URL: without the guard this is SSRF


UPDATES = {
    "INSERT DATA": "INSERT DATA { <http://e.org/a> <http://e.org/b> 'c' }",
    "DELETE WHERE": "DELETE WHERE { ?s ?p ?o }",
    "DELETE/INSERT": "PREFIX ex: <http://e.org/> DELETE { ?s ex:p ?o } INSERT { ?s ex:q ?o } WHERE { ?s ex:p ?o }",
    "WITH": "WITH <http://e.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "LOAD": "LOAD <http://169.254.169.254/latest/meta-data/>",
    "LOAD lower case": "load <http://169.254.169.254/> into graph <http://e.org/g>",
    "CLEAR": "CLEAR ALL",
    "CREATE": "CREATE GRAPH <http://e.org/g>",
    "DROP": "DROP SILENT DEFAULT",
    "COPY": "COPY DEFAULT TO <http://e.org/g>",
    "MOVE": "MOVE DEFAULT TO <http://e.org/g>",
    "ADD": "ADD DEFAULT TO <http://e.org/g>",
    "after a query": "SELECT * WHERE { ?s ?p ?o } ; DROP ALL",
    "after a prologue": "PREFIX ex: <http://e.org/> BASE <http://e.org/> CLEAR GRAPH ex:g",
}


@pytest.mark.parametrize("text", UPDATES.values(), ids=UPDATES.keys())
def test_updates_are_refused_as_read_only(text: str) -> None:
    message = str(guard(text))
    assert "read-only" in message
    assert message.split()[0] in text.upper()


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { ?a ?b ?c FILTER(?c<1)SERVICE:x>1) }",
        "SELECT * WHERE { ?a ?b ?c FILTER(?c<1)SERVICE?x>1) }",
    ],
)
def test_service_code_inside_an_iri_shaped_comparison_is_refused(text: str) -> None:
    assert "SSRF" in str(guard(text))


def test_from_a_graph_of_the_store_is_allowed_and_reported() -> None:
    info = check_query(
        f"SELECT * FROM <{ACTORS}> FROM NAMED <{EDGES}> WHERE {{ ?s ?p ?o }}",
        known_graphs=KNOWN,
        max_length=1000,
    )
    assert info.from_graphs == (ACTORS,)
    assert info.from_named == (EDGES,)
    assert info.has_dataset


@pytest.mark.parametrize(
    ("text", "base"),
    [
        (
            "PREFIX g: <https://w3id.org/actorgraph/id/graph/> SELECT * FROM g:actors WHERE { ?s ?p ?o }",
            None,
        ),
        (
            "BASE <https://w3id.org/actorgraph/id/graph/> SELECT * FROM <actors> WHERE { ?s ?p ?o }",
            None,
        ),
        (
            "SELECT * FROM <actors> WHERE { ?s ?p ?o }",
            "https://w3id.org/actorgraph/id/graph/sparql",
        ),
        ("SELECT * FROM id:graph\\/actors WHERE { ?s ?p ?o }", None),  # a default prefix
    ],
    ids=["own prefix", "BASE", "endpoint as base", "default prefix"],
)
def test_from_iris_are_expanded_before_the_check(text: str, base: str | None) -> None:
    info = check_query(text, known_graphs=KNOWN, max_length=1000, base_iri=base)
    assert info.from_graphs == (ACTORS,)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM <http://169.254.169.254/latest/meta-data/> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <http://localhost:8080/admin> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "PREFIX m: <http://169.254.169.254/> SELECT * FROM m:x WHERE { ?s ?p ?o }",
        f"SELECT * FROM <{ACTORS}> FROM <{ACTORS}-not> WHERE {{ ?s ?p ?o }}",
    ],
    ids=["metadata", "named", "prefixed", "second"],
)
def test_from_iris_outside_the_store_are_refused(text: str) -> None:
    message = str(guard(text))
    assert "is not a graph of this store" in message
    assert "SSRF" in message
    assert ACTORS in message  # the refusal lists what may be used instead


def test_check_graphs_names_the_parameter() -> None:
    check_graphs([ACTORS], KNOWN, what="default-graph-uri")
    with pytest.raises(QueryRefused, match=re.escape("named-graph-uri <http://169.254.169.254/>")):
        check_graphs(["http://169.254.169.254/"], KNOWN, what="named-graph-uri")


def test_the_length_cap_is_inclusive_and_named() -> None:
    text = "ASK {}" + " " * 94
    assert check_query(text, known_graphs=KNOWN, max_length=100).form is QueryForm.ASK
    message = str(guard(text + " ", max_length=100))
    assert "101 characters" in message
    assert "cap is 100" in message
    assert "ACTORGRAPH_MAX_QUERY_LENGTH" in message


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", QueryForm.SELECT),
        (
            "# a comment\nprefix ex: <http://e.org/>\nbase <http://e.org/>\nselect ?s { ?s ?p ?o }",
            QueryForm.SELECT,
        ),
        ("ASK { ?s ?p ?o }", QueryForm.ASK),
        ("CONSTRUCT WHERE { ?s ?p ?o }", QueryForm.CONSTRUCT),
        ("PREFIX ex: <http://e.org/> DESCRIBE ex:x", QueryForm.DESCRIBE),
        (
            "SELECT * { { SELECT ?s { ?s ?p ?o } } } VALUES ?s { <http://e.org/x> }",
            QueryForm.SELECT,
        ),
        ("not sparql at all", None),
    ],
)
def test_the_form_is_read_for_content_negotiation(text: str, form: QueryForm | None) -> None:
    assert check_query(text, known_graphs=KNOWN, max_length=1000).form is form


def test_the_graph_forms_answer_with_rdf() -> None:
    assert [f.is_graph for f in QueryForm] == [False, False, True, True]


def test_service_description_lists_the_graphs() -> None:
    g = service_description("http://localhost:8000/sparql", [ACTORS, EDGES])
    sd = "http://www.w3.org/ns/sparql-service-description#"
    names = set(g.objects(None, URIRef(sd + "name")))
    assert names == {URIRef(ACTORS), URIRef(EDGES)}
    assert (None, URIRef(sd + "supportedLanguage"), URIRef(sd + "SPARQL11Query")) in g


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


CANNED = sorted((PROJECT_ROOT / "graph" / "queries").glob("*.rq"))


@pytest.mark.parametrize("path", CANNED, ids=[p.stem for p in CANNED])
def test_the_projects_own_queries_pass_with_the_form_the_engine_sees(
    path: Path, store: Store
) -> None:
    text = path.read_text(encoding="utf-8")
    form = check_query(text, known_graphs=KNOWN, max_length=100_000).form
    kind = store.query(text).kind.value  # select, ask or graph
    assert form is not None
    assert (form.value.lower() if not form.is_graph else "graph") == kind
