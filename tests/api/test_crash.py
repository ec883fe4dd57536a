"""Crash safety: SIGKILL a real ``uvicorn`` server in the middle of committing a large batch, start
it again on the same store, and find the batch wholly present or wholly absent, as is right for
where the kill landed.

The server is the real app with two stops (``tests/api/crash_app.py``): a commit can be made to
wait there until it is killed, so each kill lands exactly where it should, on any machine.

* ``validating``: killed while the batch is validated. Nothing was written: the batch is absent.
* ``writing``: killed half-way through writing the transaction to the disk. The kill happens at
  the second stop, once the transaction has returned, and then the store's write-ahead log is cut
  back to the middle of the transaction's record: what a kill while RocksDB appends the record
  leaves on the disk (a prefix of it). The torn record must be dropped whole: the batch is
  absent, and the store opens cleanly.
* ``written``: killed at the same stop, the log left whole: the transaction is on the disk but
  the server never published it nor answered. The batch is present, and in the registry.

Before all three, a small batch is committed normally: it must survive every crash, which also
shows that the restarted server found a store that was not empty and did not rebuild it from the
seeds.
"""

from __future__ import annotations

import http.client
import json
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from rdflib import Graph

from api.routers.validate import EXAMPLE_BATCH
from graph.reports import complete_reports
from graph.sources import locate_quotes
from tests.servers import free_port, start, stop, wait_until_up

pytestmark = pytest.mark.slow

#: The real app with the stops of tests/api/crash_app.py.
UVICORN = [
    sys.executable,
    "-m",
    "uvicorn",
    "--factory",
    "tests.api.crash_app:factory",
    "--host",
    "127.0.0.1",
]
TOKEN = "crash-test-token-0123456789"
EVENTS = 1200  # ≈ 25,000 triples, 1 MB of Turtle
COUNT = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o "
    'FILTER (CONTAINS(STR(?s), "/event/bulk-") || CONTAINS(STR(?s), "/evidence/bulk-") '
    '|| CONTAINS(STR(?s), "/report/bulk-")) }'
)


def big_batch() -> tuple[bytes, int]:
    """``EVENTS`` meetings with their evidence, and how many triples have their nodes as subject."""
    body = EXAMPLE_BATCH.split("\n\n", 1)[1]
    parts = [EXAMPLE_BATCH.split("\n\n", 1)[0]]
    parts += [body.replace("example-russia-pakistan-talks", f"bulk-{i}") for i in range(EVENTS)]
    text = "\n\n".join(parts)
    graph = Graph().parse(data=text, format="turtle")
    graph += complete_reports(graph)  # the reports a commit makes for their evidence
    graph += locate_quotes(graph, graph.triples).made  # ... and their quotes' offsets
    return text.encode(), sum(1 for s in graph.subjects() if "bulk-" in str(s))


class Server:
    """The crash app on the given store, as a child process; its stops are controlled through
    the files of ``control``."""

    def __init__(self, store: Path, log: Path, control: Path) -> None:
        self.control = control
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            "ACTORGRAPH_STORE_PATH": str(store),
            "ACTORGRAPH_STEWARD_TOKENS": TOKEN,
            "ACTORGRAPH_MAX_PAYLOAD_BYTES": "20000000",
            "ACTORGRAPH_QUERY_WORKERS": "1",
            "CRASH_TEST_CONTROL": str(control),
        }
        self.log = log
        self.process = start([*UVICORN, "--port", str(self.port)], log, env)
        wait_until_up(self.base, self.process, log)

    def request(
        self, method: str, path: str, body: bytes | None = None, **params: str
    ) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"}
        conn.request(method, f"{path}?{urlencode(params)}", body=body, headers=headers)
        response = conn.getresponse()
        data = json.loads(response.read() or b"null")
        conn.close()
        return response.status, data

    def count(self) -> int:
        status, data = self.request("GET", "/sparql", query=COUNT)
        assert status == 200, data
        return int(data["results"]["bindings"][0]["n"]["value"])

    def batches(self) -> list[dict[str, Any]]:
        status, data = self.request("GET", "/batches")
        assert status == 200, data
        found: list[dict[str, Any]] = data["batches"]
        return found

    def commit_until(
        self, place: str, payload: bytes
    ) -> tuple[threading.Thread, dict[str, object]]:
        """Send a commit of ``payload`` that stops at ``place``; return once it waits there,
        with the client's thread and the dict that gets its outcome (once the server is killed)."""
        pause, paused = self.control / "pause", self.control / "paused"
        pause.write_text(place)
        answer: dict[str, object] = {}

        def commit() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
            headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"}
            try:
                conn.request("POST", "/batches", body=payload, headers=headers)
                answer["status"] = conn.getresponse().status
            except (OSError, http.client.HTTPException) as exc:
                answer["error"] = repr(exc)
            finally:
                conn.close()

        client = threading.Thread(target=commit)
        client.start()
        deadline = time.monotonic() + 300
        while not paused.exists():
            assert "status" not in answer, f"answered without stopping at {place}: {answer}"
            if self.process.poll() is not None:
                pytest.fail(f"the server exited:\n{self.log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"the commit did not reach {place} within 300 s")
            time.sleep(0.01)
        assert paused.read_text() == place
        return client, answer

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        for name in ("pause", "paused"):  # the next server goes on without stopping
            (self.control / name).unlink(missing_ok=True)

    def stop(self) -> None:
        stop(self.process)


def wal_sizes(store: Path) -> dict[str, int]:
    """Bytes in each of the store's write-ahead log files (RocksDB's ``*.log``)."""
    return {f.name: f.stat().st_size for f in store.iterdir() if f.suffix == ".log"}


def tear(store: Path, before: dict[str, int]) -> None:
    """Cut the one log file that grew since ``before`` back to the middle of what it gained."""
    grown = {
        name: (before.get(name, 0), size)
        for name, size in wal_sizes(store).items()
        if size > before.get(name, 0)
    }
    assert len(grown) == 1, f"expected the commit in one log file; grown: {grown}"
    [(name, (old, new))] = grown.items()
    assert new - old > 1_000_000, f"{name} gained {new - old} bytes: not the batch"
    with (store / name).open("r+b") as f:
        f.truncate(old + (new - old) // 2)


@pytest.fixture
def store(seed_copy: Callable[[str], Path]) -> Path:
    return seed_copy("crash")


def test_sigkill_during_a_commit_leaves_the_batch_all_there_or_not_at_all(
    store: Path, tmp_path: Path
) -> None:
    log, control = tmp_path / "server.log", tmp_path / "control"
    control.mkdir()
    payload, marked = big_batch()
    server = Server(store, log, control)
    status, first = server.request("POST", "/batches", EXAMPLE_BATCH.encode(), comment="before")
    assert status == 201, first
    try:
        for kill in ("validating", "writing", "written"):
            assert server.count() == 0
            before = wal_sizes(store)
            stop_at = "validating" if kill == "validating" else "committed"
            client, answer = server.commit_until(stop_at, payload)
            server.kill()
            client.join(60)
            assert not client.is_alive(), "the client did not notice the kill"
            assert "status" not in answer, f"the server answered before it was killed: {answer}"
            if kill == "writing":
                tear(store, before)

            server = Server(store, log, control)  # the same store directory: it must open cleanly
            n = server.count()
            recorded = [b for b in server.batches() if b["submitted"] > 20_000]
            present = kill == "written"
            assert n == (marked if present else 0), f"{n} of {marked} triples, killed {kill}"
            assert len(recorded) == (1 if present else 0), recorded
            assert [b["id"] for b in server.batches() if b["id"] == first["id"]] == [first["id"]]
            if present:  # whole: it is retracted like any other, and the next round starts clean
                status, gone = server.request("DELETE", f"/batches/{recorded[0]['id']}")
                assert status == 200, gone
        status, done = server.request("POST", "/batches", payload)  # the store still takes writes
        assert status == 201, done
        assert server.count() == marked
    finally:
        server.stop()
