"""The command line beside a running server (graph/beside.py): real `actorgraph serve` processes
on store copies, the CLI as a subprocess. Reads read the server's checkpoint; commits and
retractions go through its API, or say exactly what to run."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest

from api.routers.validate import EXAMPLE_BATCH
from graph.beside import checkpoints_of, reading, running_server, server_file
from graph.settings import PROJECT_ROOT
from graph.store import RDFFormat, Store
from tests.servers import free_port, start, stop, uvicorn, wait_until_up

SECRET = "beside-0123456789abcdef"
TOKENS = {"ACTORGRAPH_STEWARD_TOKENS": f"alice:{SECRET}"}
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
READING = re.compile(r"reading the running server's checkpoint (\d{6}) \(the store is in use by ")


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`actorgraph …` as a user runs it: a shell without ACTORGRAPH_* unless given."""
    return subprocess.run(
        [sys.executable, "-m", "graph", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=300,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": str(PROJECT_ROOT), **env},
    )


@dataclass
class Served:
    store: Path
    base: str
    process: subprocess.Popen[bytes]


@contextlib.contextmanager
def serving(store: Path, log: Path) -> Iterator[Served]:
    """`actorgraph serve` on ``store`` (a steward's token: SECRET), answering."""
    port = free_port()
    command = [sys.executable, "-m", "graph", "serve", "--store", str(store), "--port", str(port)]
    process = start([*command, "--no-access-log"], log, TOKENS)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process, log)
        yield Served(store, base, process)
    finally:
        stop(process)


@pytest.fixture(scope="module")
def served(
    seed_copy: Callable[[str], Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    log = tmp_path_factory.mktemp("beside") / "serve.log"
    with serving(seed_copy("beside"), log) as s:
        yield s


def http(
    served: Served, method: str, path: str, body: bytes | None = None, **headers: str
) -> tuple[int, Any]:
    request = Request(served.base + path, data=body, method=method, headers=headers)
    try:
        with urlopen(request, timeout=120) as r:
            return r.status, json.load(r)
    except HTTPError as exc:
        return exc.code, json.load(exc)


def server_count(served: Served) -> int:
    query = urlencode({"query": COUNT})
    with urlopen(f"{served.base}/sparql?{query}", timeout=30) as r:
        return int(json.load(r)["results"]["bindings"][0]["n"]["value"])


def batch_ids(served: Served) -> dict[str, str]:
    """Every batch the server lists, with its status."""
    status, answer = http(served, "GET", "/batches")
    assert status == 200
    return {b["id"]: b["status"] for b in answer["batches"]}


def no_pins_left(store: Path) -> bool:
    return not list(store.parent.glob(f".{store.name}.reader-*"))


# ------------------------------------------------------------------------------------ reads
def test_read_commands_read_the_servers_checkpoint(served: Served, tmp_path: Path) -> None:
    store = str(served.store)
    n = server_count(served)
    query = cli("query", COUNT, "--format", "csv", "--store", store)
    assert query.returncode == 0, query.stderr
    assert query.stdout.split() == ["n", str(n)]  # the graph the server serves
    assert READING.search(query.stderr), query.stderr
    assert f"the server at {served.base} (pid {served.process.pid})" in query.stderr

    out = tmp_path / "all.nq"
    export = cli("export", "--format", "nquads", "-o", str(out), "--store", store)
    assert export.returncode == 0, export.stderr
    assert len([x for x in out.read_text().splitlines() if x.strip()]) == n
    for command in ("stats", "batches"):
        done = cli(command, "--store", store)
        assert done.returncode == 0, done.stderr
        assert READING.search(done.stderr), done.stderr
    check = tmp_path / "talks.ttl"
    check.write_text(EXAMPLE_BATCH)
    validated = cli("validate", "--against-store", "--store", store, str(check))
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "Conforms" in validated.stdout
    assert no_pins_left(served.store)  # each command removed its pin
    assert served.process.poll() is None  # and the server was not disturbed


def test_a_pinned_checkpoint_outlives_its_deletion_by_the_server(served: Served) -> None:
    """The failure mode of reading beside a server: it deletes a checkpoint when its own last
    reader lets go, and knows nothing of ours. A pin (hard links) keeps every file."""
    with reading(served.store) as found:
        assert found.checkpoint is not None and found.server is not None
        assert found.server.url == served.base
        original = checkpoints_of(served.store) / found.checkpoint
        before = len(found.store)
        status, answer = http(
            served, "POST", "/batches?source=pin-test", EXAMPLE_BATCH.encode(),
            Authorization=f"Bearer {SECRET}", **{"Content-Type": "text/turtle"},
        )  # fmt: skip
        assert status == 201, answer
        deadline = time.monotonic() + 120
        while original.exists():  # the server lets its old version go
            assert time.monotonic() < deadline, f"{original} was never deleted"
            time.sleep(0.1)
        assert len(found.store) == before  # still whole, every file read
        assert sum(1 for _ in found.store.match()) == before
        assert len(found.store.dump(RDFFormat.NQUADS).splitlines()) == before
    assert no_pins_left(served.store)
    status, _ = http(served, "DELETE", f"/batches/{answer['id']}", Authorization=f"Bearer {SECRET}")
    assert status == 200


# ------------------------------------------------------------------------------------ writes
def test_commit_and_retract_go_through_the_server(served: Served, tmp_path: Path) -> None:
    store = str(served.store)
    batch = tmp_path / "talks.ttl"
    batch.write_text(EXAMPLE_BATCH)
    done = cli("commit", str(batch), "--source", "beside", "--comment", "through",
               "--store", store, ACTORGRAPH_TOKEN=SECRET)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"(through the server at {served.base} (pid " in " ".join(done.stdout.split())
    batch_id = re.search(r"Committed batch (\S+):", done.stdout).group(1)  # type: ignore[union-attr]
    assert batch_ids(served)[batch_id] == "committed"
    seen = cli("query", f"ASK {{ GRAPH <https://w3id.org/actorgraph/id/graph/batch/{batch_id}> "
               "{ ?s ?p ?o } }", "--store", store)  # fmt: skip
    assert seen.stdout.strip() == "yes", seen.stderr  # the next read reads the new checkpoint
    listed = cli("batches", "--store", store)
    assert batch_id in listed.stdout and "alice" in listed.stdout

    # the first of ACTORGRAPH_STEWARD_TOKENS serves as well (the shell that started the server)
    gone = cli("retract", batch_id, "--comment", "done", "--store", store, **TOKENS)
    assert gone.returncode == 0, gone.stderr
    assert "Retracted batch" in gone.stdout and served.base in gone.stdout
    assert batch_ids(served)[batch_id] == "retracted"
    again = cli("retract", batch_id, "--store", store, ACTORGRAPH_TOKEN=SECRET)
    assert again.returncode == 3 and "already retracted" in again.stderr


def test_without_a_token_commit_and_retract_say_exactly_what_to_run(
    served: Served, tmp_path: Path
) -> None:
    store = str(served.store)
    batch = tmp_path / "talks.ttl"
    batch.write_text(EXAMPLE_BATCH)
    before = batch_ids(served)
    pid = served.process.pid
    done = cli("commit", str(batch), "--source", "https://example.org/r", "--store", store)
    assert done.returncode == 3
    line = done.stderr.strip()
    assert "\n" not in line
    assert f"in use by the server at {served.base}" in line
    assert "set ACTORGRAPH_TOKEN to a steward token of that server" in line
    assert (
        f"curl -X POST '{served.base}/batches?source=https%3A%2F%2Fexample.org%2Fr' "
        "-H 'Authorization: Bearer <token>' -H 'Content-Type: text/turtle' "
        f"--data-binary @{batch}" in line
    )
    assert f"stop the server (kill {pid})" in line
    retract = cli("retract", "20261122T163419797-4375", "--comment", "why", "--store", store)
    assert retract.returncode == 3
    assert (
        f"curl -X DELETE '{served.base}/batches/20261122T163419797-4375?comment=why' "
        "-H 'Authorization: Bearer <token>'" in retract.stderr
    )
    wrong = cli(
        "commit", str(batch), "--store", store, ACTORGRAPH_TOKEN="not-the-right-token-at-all"
    )
    assert wrong.returncode == 3 and "refused the token" in wrong.stderr
    assert batch_ids(served) == before  # nothing was written


def test_a_failed_commit_through_the_server_is_told_as_a_local_one(
    served: Served, tmp_path: Path
) -> None:
    store = str(served.store)
    typo = tmp_path / "typo.ttl"
    typo.write_text(
        EXAMPLE_BATCH.replace("actor:russia , actor:pakistan", "actor:russia , actor:pakistn")
    )
    refused = cli("commit", str(typo), "--store", store, ACTORGRAPH_TOKEN=SECRET)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "Did you mean actor:pakistan (Pakistan)?" in " ".join(
        re.sub(r"[│┃|]", " ", refused.stdout).split()
    )
    assert "nothing was written" in refused.stderr
    broken = tmp_path / "broken.ttl"
    broken.write_text('@prefix ag: <https://w3id.org/actorgraph/ontology#> .\nag:x ag:y "open .\n')
    malformed = cli("commit", str(broken), "--store", store, ACTORGRAPH_TOKEN=SECRET)
    assert malformed.returncode == 2
    assert f"{broken}:" in malformed.stderr and "Traceback" not in malformed.stderr


# ------------------------------------------------------------------------------ announcement
def test_the_announcement_comes_and_goes_with_the_server(
    seed_copy: Callable[[str], Path], tmp_path: Path
) -> None:
    store = seed_copy("announce")
    with serving(store, tmp_path / "serve.log") as s:
        found = running_server(store)
        assert found is not None and found.url == s.base and found.pid == s.process.pid
        second = cli("serve", "--port", str(free_port()), "--store", str(store))
        assert second.returncode == 3
        assert "in use by another process" in second.stderr and s.base in second.stderr
        build = cli("build", "--store", str(store))
        assert build.returncode == 3
        assert (
            f"in use by the server at {s.base}" in build.stderr and "stop it first" in build.stderr
        )
    assert not server_file(store).exists()  # taken back at a graceful stop (SIGTERM)
    assert not checkpoints_of(store).exists()
    alone = cli("stats", "--store", str(store))
    assert alone.returncode == 0 and "checkpoint" not in alone.stderr  # the store itself


def test_a_stale_announcement_is_ignored(seed_copy: Callable[[str], Path], tmp_path: Path) -> None:
    """A server killed with SIGKILL leaves its file: its process is gone, so nobody believes it."""
    store = seed_copy("stale")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    server_file(store).write_text(json.dumps({
        "url": "http://127.0.0.1:9", "pid": int(gone.stdout), "store": str(store.resolve()),
        "started": "",
    }))  # fmt: skip
    assert running_server(store) is None
    batch = tmp_path / "talks.ttl"
    batch.write_text(EXAMPLE_BATCH)
    done = cli("commit", str(batch), "--store", str(store))
    assert done.returncode == 0, done.stderr  # on the store itself, as nothing holds it
    assert "through" not in done.stdout


def test_a_crashed_servers_checkpoints_are_not_read(
    seed_copy: Callable[[str], Path], tmp_path: Path
) -> None:
    """Checkpoints left by a server killed with SIGKILL are no version of the store: with the
    store held by another process (here, this test), a read says it has nothing to read."""
    path = seed_copy("crashed")
    holder = Store.open(path)  # another command holds the store
    try:
        checkpoints_of(path).mkdir()
        holder.checkpoint(checkpoints_of(path) / "000007")  # and a dead server's leftover
        done = cli("stats", "--store", str(path))
        assert done.returncode == 3
        assert "in use by another process" in done.stderr
        assert "publishes no checkpoint to read beside it" in done.stderr
        assert "checkpoint 000007" not in done.stderr
    finally:
        holder.close()


def test_a_server_that_did_not_announce_itself(
    seed_copy: Callable[[str], Path], tmp_path: Path
) -> None:
    """uvicorn started by hand: reads still read its checkpoints; a commit cannot know where to
    go, and says so."""
    store = seed_copy("unannounced")
    batch = tmp_path / "talks.ttl"
    batch.write_text(EXAMPLE_BATCH)
    with uvicorn(store, tmp_path / "uvicorn.log"):
        read = cli("query", COUNT, "--format", "csv", "--store", str(store))
        assert read.returncode == 0, read.stderr
        assert "the store is in use by a server" in read.stderr
        write = cli("commit", str(batch), "--store", str(store), ACTORGRAPH_TOKEN=SECRET)
        assert write.returncode == 3
        assert "in use by another process" in write.stderr
        assert "curl -X POST 'http://HOST:PORT/batches'" in write.stderr
        assert "stop the server" in write.stderr
