"""Crash safety: SIGKILL a real ``uvicorn`` server in the middle of committing a large batch, start
it again on the same store, and find the batch wholly present or wholly absent.

Three kills: while the batch is being validated (nothing may be written yet); at the moment the
write transaction reaches the disk (the store's write-ahead log starts to grow: the kill lands
while RocksDB writes the transaction); and once the log has stopped growing, while the server
publishes the commit to its readers and before it answers. Before both, a small batch is committed
normally: it must survive every crash, which also shows that the restarted server found a store
that was not empty and did not rebuild it from the seeds.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from rdflib import Graph

from api.routers.validate import EXAMPLE_BATCH
from tests.servers import UVICORN, free_port, start, stop, wait_until_up

pytestmark = pytest.mark.slow

TOKEN = "crash-test-token-0123456789"
EVENTS = 1200  # ≈ 25,000 triples, 1 MB of Turtle
COUNT = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o "
    'FILTER (CONTAINS(STR(?s), "/event/bulk-") || CONTAINS(STR(?s), "/evidence/bulk-")) }'
)


def big_batch() -> tuple[bytes, int]:
    """``EVENTS`` meetings with their evidence, and how many triples have their nodes as subject."""
    body = EXAMPLE_BATCH.split("\n\n", 1)[1]
    parts = [EXAMPLE_BATCH.split("\n\n", 1)[0]]
    parts += [body.replace("example-russia-pakistan-talks", f"bulk-{i}") for i in range(EVENTS)]
    text = "\n\n".join(parts)
    graph = Graph().parse(data=text, format="turtle")
    return text.encode(), sum(1 for s in graph.subjects() if "bulk-" in str(s))


class Server:
    """``uvicorn --factory api.app:factory`` on the given store, as a child process."""

    def __init__(self, store: Path, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            "ACTORGRAPH_STORE_PATH": str(store),
            "ACTORGRAPH_STEWARD_TOKENS": TOKEN,
            "ACTORGRAPH_MAX_PAYLOAD_BYTES": "20000000",
            "ACTORGRAPH_QUERY_WORKERS": "1",
        }
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

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        stop(self.process)


def wal_size(store: Path) -> int:
    """Bytes in the store's write-ahead log files (RocksDB's ``*.log``)."""
    total = 0
    for f in store.iterdir():
        if f.suffix == ".log":
            with contextlib.suppress(FileNotFoundError):  # rotated away
                total += f.stat().st_size
    return total


@pytest.fixture
def store(seed_copy: Callable[[str], Path]) -> Path:
    return seed_copy("crash")


def test_sigkill_during_a_commit_leaves_the_batch_all_there_or_not_at_all(
    store: Path, tmp_path: Path
) -> None:
    log = tmp_path / "server.log"
    payload, marked = big_batch()
    server = Server(store, log)
    small = EXAMPLE_BATCH.encode()
    status, first = server.request("POST", "/batches", small, comment="before the crashes")
    assert status == 201, first
    outcomes: list[str] = []
    try:
        for trigger in ("validating", "writing", "written"):
            assert server.count() == 0
            baseline = wal_size(store)
            sent = threading.Event()
            answer: dict[str, object] = {}

            def commit(
                server: Server = server,
                sent: threading.Event = sent,
                answer: dict[str, object] = answer,
            ) -> None:
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
                headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"}
                try:
                    conn.request("POST", "/batches", body=payload, headers=headers)
                    sent.set()
                    answer["status"] = conn.getresponse().status
                except (OSError, http.client.HTTPException) as exc:
                    answer["error"] = repr(exc)
                finally:
                    sent.set()
                    conn.close()

            client = threading.Thread(target=commit)
            client.start()
            assert sent.wait(60), "the request was not sent"
            if trigger == "validating":
                time.sleep(1.0)
            else:
                deadline = time.monotonic() + 180
                while wal_size(store) < baseline + 64_000:
                    assert time.monotonic() < deadline, "the commit never reached the disk"
                    assert "status" not in answer, f"answered before the kill: {answer}"
                    time.sleep(0.001)
                if trigger == "written":  # the log stopped growing: the transaction is written,
                    size = -1  # and the server is publishing it (checkpoint, actor network)
                    while size != (size := wal_size(store)):
                        time.sleep(0.02)
            server.kill()
            client.join(60)
            assert "status" not in answer, f"the server answered before it was killed: {answer}"

            server = Server(store, log)  # the same store directory: it must open cleanly
            n = server.count()
            recorded = [b for b in server.batches() if b["submitted"] > 20_000]
            assert n in (0, marked), f"{n} of {marked} triples after a kill while {trigger}"
            assert len(recorded) == (1 if n == marked else 0)
            assert [b["id"] for b in server.batches() if b["id"] == first["id"]] == [first["id"]]
            outcomes.append(f"{trigger}: {'present' if n else 'absent'}")
            if n == marked:  # take it back, so the next round starts from the same graph
                status, _ = server.request("DELETE", f"/batches/{recorded[0]['id']}")
                assert status == 200
        status, done = server.request("POST", "/batches", payload)  # the store still takes writes
        assert status == 201, done
        assert server.count() == marked
    finally:
        server.stop()
    print("crash outcomes:", "; ".join(outcomes))
