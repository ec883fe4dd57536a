"""API benchmark: analyst SPARQL queries and ego networks over HTTP, against the engines underneath.

    python benchmarks/api.py                       # seed, 100k, 1m (≈ 15-25 min)
    python benchmarks/api.py --graphs seed,10k --reps 10 --name api-quick

For each graph (the seed build, synthetic graphs from :mod:`benchmarks.synth`) it starts the real
service — ``uvicorn --factory api.app:factory`` with ``ACTORGRAPH_STORE_PATH`` on a copy of the
store, default settings otherwise — and times, interleaved in one run:

* **HTTP**: ``POST /sparql`` (``application/sparql-query``, SPARQL JSON results) and
  ``GET /actors/{actor}/ego?radius=2`` on a kept-alive connection, from request to the last byte.
  The client is the standard library's ``http.client`` (``--client httpx`` for httpx, which
  spends ~0.6 ms more of its own per request here): the time is then the service's;
* **pyoxigraph in-process**: the same query on the same data as the query workers — an in-memory
  copy of the store when it is within ``ACTORGRAPH_QUERY_MEMORY_MAX_TRIPLES``, as theirs is —
  results serialised as SPARQL JSON as the endpoint does; for ego networks, ``ActorNetwork.ego``
  plus the Cytoscape.js JSON encoding. HTTP minus this is *our overhead*;
* **pyoxigraph on disk**: the same query on the RocksDB store (what the workers' copy buys);
* **rdflib in-process**: the same query on an rdflib ``Graph`` holding the union of the graphs, in
  a worker process that is killed past ``--cap`` seconds; timed inside the worker, evaluation plus
  reading every row (no serialisation: this favours rdflib). Only on the seed graph and scales up
  to ``--rdflib-max`` (nominal: the 100k graph holds a few % more).

Each cell is warmed up first; engines take turns query by query, and the order of the engines
rotates every round. A fast cell runs ``--burst`` times in a row per turn (default 21): the first
run follows another engine's work and wakes idle processes (a few tenths of a millisecond more on
this 2-vCPU VM), so it is reported apart as *cold*; the medians are of the 20 sequential runs after it, the way
``../shared/PERFORMANCE.md`` measured its HTTP anchors (20 sequential requests). Fast cells get ``--reps`` samples; a cell whose warm-up
took longer gets fewer (``budget / warm-up``, at least 3; the table says how many). Medians and
p99 (with 40 samples p99 is close to the maximum). Figures go to the console (rich) and to
``benchmarks/results/<name>.json``. The server waits until every query worker answers from memory
before the first measurement (``/healthz``).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import multiprocessing
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
# this file is benchmarks/api.py: its folder must not shadow the project's `api` package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import pydantic_core  # noqa: E402
import pyoxigraph as ox  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from benchmarks.synth import SynthInfo, cached, parse_scale, seed_store, union_ntriples  # noqa: E402
from graph.namespaces import PREFIXES  # noqa: E402
from graph.networks import ActorNetwork, to_cytoscape  # noqa: E402
from graph.settings import Settings  # noqa: E402
from graph.store import Store  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
EXAMPLES = ROOT / "examples"
console = Console()
if console.width < 160:  # a pipe or a narrow terminal: keep the table's rows on one line
    console = Console(width=160)

# ------------------------------------------------------------------------------------- queries
#: The analyst set: the README's example queries, plus a join and a property path.
ANALYST = (
    "who-accused-russia",
    "what-kabulov-denied",
    "contested-claims",
    "met-in-moscow-december-2016",
    "ego-taliban",
    "accusation-denial-join",
    "accusation-chains",
)
EXTRA_QUERIES = {
    "ask-empty": "# The fixed cost of one request: a query that does nothing.\nASK {}\n",
    "accusation-denial-join": """# Accusations and the denials answering them (by event or by claim), with both quotes.
SELECT DISTINCT ?accuser ?accused ?denier ?accusedOn ?deniedOn ?claim ?accusation ?denial
WHERE {
  ?acc a ag:Accusation ; ag:agent ?a ; ag:target ?t ; ag:quote ?accusation .
  ?den a ag:Denial ; ag:agent ?d ; ag:quote ?denial .
  { ?den ag:respondsTo ?acc } UNION { ?acc ag:makesClaim ?c . ?den ag:deniesClaim ?c }
  ?a rdfs:label ?accuser . ?t rdfs:label ?accused . ?d rdfs:label ?denier .
  OPTIONAL { ?acc ag:makesClaim/schema:text ?claim }
  OPTIONAL { ?acc sem:hasTimeStamp ?accusedOn }
  OPTIONAL { ?den sem:hasTimeStamp ?deniedOn }
}
ORDER BY ?accusedOn ?accuser ?denier
""",
    "accusation-chains": """# Chains of accusations from Russia (a property path): whom Russia accused, whom they
# accused, and so on; how many actors, and how many of them are states.
SELECT (COUNT(DISTINCT ?x) AS ?reached) (COUNT(DISTINCT ?state) AS ?states)
WHERE {
  actor:russia ag:accused+ ?x .
  OPTIONAL { ?x a ag:State BIND (?x AS ?state) }
}
""",
    "two-hop-sparql": """# Russia's radius-2 neighbourhood by SPARQL (the node set only), for comparison with
# the ego endpoint's in-memory index.
SELECT (COUNT(DISTINCT ?y) AS ?actors)
WHERE {
  { actor:russia ?p ?x } UNION { ?x ?p actor:russia }
  ?p rdfs:subPropertyOf* ag:interactedWith .
  { ?x ?q ?y } UNION { ?y ?q ?x }
  ?q rdfs:subPropertyOf* ag:interactedWith .
}
""",
}


def load_queries() -> dict[str, str]:
    out = {p.stem: p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.rq"))}
    out.update(EXTRA_QUERIES)
    missing = [q for q in ANALYST if q not in out]
    if missing:
        raise SystemExit(f"missing queries: {', '.join(missing)} (examples/ changed?)")
    return out


SPARQL_JSON = "application/sparql-results+json"


# ------------------------------------------------------------------------------------- engines
class Failed(Exception):
    """A run that did not give a result: a timeout (``kind='timeout'``) or an error."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class Server:
    """A real uvicorn process serving actorgraph on a copy of a store."""

    store: Path
    workdir: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    startup: float = 0.0  # launch to the first /healthz 200
    settled: float = 0.0  # launch to every query worker answering from memory
    memory_max: int = Settings().query_memory_max_triples
    client_kind: str = "stdlib"  # stdlib (http.client) | httpx
    env: dict[str, str] = field(default_factory=dict)  # ACTORGRAPH_* settings for the server
    access_log: bool = True  # as `actorgraph serve` runs it by default
    conn: http.client.HTTPConnection | None = None
    last_used: float = 0.0
    client: httpx.Client = field(init=False)

    def start(self) -> None:
        copy = self.workdir / "store"
        shutil.copytree(self.store, copy)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = {**os.environ, **self.env, "ACTORGRAPH_STORE_PATH": str(copy)}
        log = (self.workdir / "server.log").open("wb")
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "api.app:factory",
                "--http",
                "api.server:BoundedHead",  # as `actorgraph serve` runs it
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "info",  # as `actorgraph serve` runs it (access log on, unless access_log=False)
                *([] if self.access_log else ["--no-access-log"]),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=600)
        deadline = started + 600
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server died; see {self.workdir / 'server.log'}")
            with contextlib.suppress(httpx.TransportError):
                r = self.client.get("/healthz")
                if r.status_code == 200 and not self.startup:
                    self.startup = time.perf_counter() - started
                if r.status_code == 200 and self._settled(r.json()):
                    self.settled = time.perf_counter() - started
                    return
            time.sleep(0.02)
        raise SystemExit("the server did not answer /healthz within 600 s")

    def _settled(self, health: dict[str, Any]) -> bool:
        """Every query worker answers from memory, or the graph is over the memory cap."""
        if health["triples"] > self.memory_max:
            return True
        return bool(health["query_workers_in_memory"] == health["query_workers"])

    def sparql(self, query: str) -> bytes:
        return self._request(
            "POST",
            "/sparql",
            query.encode("utf-8"),
            {"Content-Type": "application/sparql-query", "Accept": SPARQL_JSON},
        )

    def ego(self, actor: str) -> bytes:
        return self._request("GET", f"/actors/{quote(actor)}/ego?radius=2", None, {})

    def _request(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> bytes:
        """One request on a kept-alive connection: the standard library's ``http.client`` (the
        default: a thin client, so the time is the service's) or httpx (``client='httpx'``)."""
        if self.client_kind == "httpx":
            r = self.client.request(method, path, content=body, headers=headers)
            status, content = r.status_code, r.content
        else:
            # uvicorn closes a connection idle for 5 s (its keep-alive timeout), and
            # http.client does not reconnect by itself: open a new one before that happens.
            if self.conn is None or time.monotonic() - self.last_used > 4:
                if self.conn is not None:
                    self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            status, content = response.status, response.read()
            self.last_used = time.monotonic()
        if status != 200:
            raise _http_failure(status, content)
        return content

    def stop(self) -> None:
        self.client.close()
        if self.conn is not None:
            self.conn.close()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _http_failure(status: int, content: bytes) -> Failed:
    """A non-200 answer as a short note: the problem+json title (a timeout is a 503)."""
    try:
        problem = json.loads(content)
        text = f"{problem.get('title', '')}: {problem.get('detail', '')}"
    except ValueError:
        text = content.decode("utf-8", "replace")
    kind = "timeout" if status == 503 and "longer than" in text else "error"
    return Failed(kind, f"HTTP {status} {text[:70]}")


class Oxigraph:
    """The same queries straight to pyoxigraph, in this process, on the same data as the query
    workers: an in-memory copy of the store when it is within the workers' memory cap (as theirs
    is), else the store on disk (``disk=True``: always the store on disk, read-only)."""

    def __init__(self, path: Path, *, disk: bool = False) -> None:
        self.store = ox.Store.read_only(str(path))
        self.in_memory = not disk and len(self.store) <= Server.memory_max
        if self.in_memory:
            memory = ox.Store()
            memory.bulk_extend(self.store.quads_for_pattern(None, None, None, None))
            self.store = memory

    def sparql(self, query: str) -> bytes:
        result = self.store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True)
        if isinstance(result, ox.QueryTriples):
            out = ox.serialize(result, format=ox.RdfFormat.TURTLE)
        else:
            out = result.serialize(format=ox.QueryResultsFormat.JSON)
        assert out is not None
        return out

    def rows(self, query: str) -> int:
        result = self.store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True)
        if isinstance(result, ox.QueryBoolean):
            return 1
        return sum(1 for _ in result)


def _rdflib_worker(conn: Connection, path: str) -> None:
    """Load the N-Triples into an rdflib Graph, then answer queries: (seconds, rows) or an error."""
    from rdflib import Graph

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    started = time.perf_counter()
    g = Graph()
    g.parse(path, format="nt")
    conn.send(("ready", time.perf_counter() - started, len(g)))
    while True:
        try:
            query = conn.recv()
        except EOFError:
            return
        if query is None:
            return
        try:
            t0 = time.perf_counter()
            result = g.query(query, initNs=PREFIXES)
            rows = 1 if result.type == "ASK" else sum(1 for _ in result)
            conn.send(("ok", time.perf_counter() - t0, rows))
        except RecursionError:
            conn.send(("error", 0.0, "RecursionError (rdflib evaluates paths recursively)"))
        except Exception as exc:
            conn.send(("error", 0.0, f"{type(exc).__name__}: {str(exc)[:200]}"))


class Rdflib:
    """An rdflib Graph in memory, in a worker process that is killed past the cap."""

    def __init__(self, ntriples: Path, cap: float) -> None:
        self.path, self.cap = ntriples, cap
        self.ctx = multiprocessing.get_context("spawn")
        self.load_seconds = 0.0
        self.triples = 0
        self._start()

    def _start(self) -> None:
        self.conn, child = self.ctx.Pipe()
        self.process = self.ctx.Process(
            target=_rdflib_worker, args=(child, str(self.path)), daemon=True
        )
        self.process.start()
        child.close()
        _, self.load_seconds, self.triples = self.conn.recv()

    def run(self, query: str) -> tuple[float, int]:
        self.conn.send(query)
        if not self.conn.poll(self.cap):
            self.process.kill()
            self.process.join()
            self._start()
            raise Failed("timeout", f"> {self.cap:g} s (killed)")
        status, seconds, detail = self.conn.recv()
        if status != "ok":
            raise Failed("error", str(detail))
        return seconds, int(detail)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()


#: Engines, in the table's order: the service over HTTP; pyoxigraph in this process on the data the
#: query workers answer from (our overhead is HTTP minus this); pyoxigraph on the store on disk
#: (what the workers' in-memory copy buys); rdflib in-process.
ENGINES = ("http", "oxigraph", "disk", "rdflib")


# ------------------------------------------------------------------------------------- cells
@dataclass
class Cell:
    """The samples of one (task, engine) pair, in seconds."""

    samples: list[float] = field(default_factory=list)  # warm: not the first of a burst
    cold: list[float] = field(default_factory=list)  # the first of each burst
    wanted: int = 0
    burst: int = 1
    status: str = "ok"  # ok | timeout | error | n/a
    note: str = ""
    rows: int | None = None
    size: int | None = None  # response bytes

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples and self.status == "ok" else None

    @property
    def cold_median(self) -> float | None:
        return statistics.median(self.cold) if self.cold and self.status == "ok" else None

    @property
    def p99(self) -> float | None:
        if not self.samples or self.status != "ok":
            return None
        if len(self.samples) == 1:
            return self.samples[0]
        return statistics.quantiles(self.samples, n=100, method="inclusive")[98]

    def to_json(self) -> dict[str, Any]:
        return {
            "median_ms": _ms(self.median),
            "p99_ms": _ms(self.p99),
            "n": len(self.samples),
            "cold_median_ms": _ms(self.cold_median),
            "cold_n": len(self.cold),
            "status": self.status,
            "note": self.note or None,
            "rows": self.rows,
            "bytes": self.size,
        }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)


Runner = Callable[[], float]  # runs once, returns seconds


def _timed(call: Callable[[], object]) -> Runner:
    def run() -> float:
        t0 = time.perf_counter()
        call()
        return time.perf_counter() - t0

    return run


@dataclass
class Task:
    """One thing to time, with a runner per engine (None: the engine cannot do it)."""

    name: str
    group: str  # analyst | ego | other
    runners: dict[str, Runner | None]
    cells: dict[str, Cell] = field(default_factory=dict)


def measure(
    tasks: list[Task], engines: list[str], reps: int, budget: float, burst: int = 21
) -> None:
    """Warm up every cell, then time them round-robin: tasks in order, engines rotating.

    A fast cell (warm-up under ``BURST_UNDER`` seconds) runs ``burst`` times in a row per turn:
    the first run of a burst, which follows another engine's work, is kept apart as *cold* (it
    wakes the idle server and worker processes); the others are the sequential samples the
    medians are taken from. Slower cells run once per turn.
    """
    for task in tasks:
        for engine in engines:
            cell = task.cells.setdefault(engine, Cell())
            runner = task.runners.get(engine)
            if runner is None:
                cell.status = "n/a"
                continue
            try:
                first = runner()
                estimate = first if engine == "rdflib" else min(first, runner())
            except Failed as exc:
                cell.status, cell.note = exc.kind, str(exc)
                continue
            cell.wanted = reps if estimate * reps <= budget else max(3, int(budget / estimate))
            cell.burst = burst if estimate < BURST_UNDER and burst > 1 else 1
            if cell.wanted < reps:
                cell.note = f"{cell.wanted} reps (warm-up {estimate:.2f} s)"
    rounds = max(
        (math.ceil(c.wanted / max(1, c.burst - 1)) for t in tasks for c in t.cells.values()),
        default=0,
    )
    for r in range(rounds):
        order = engines[r % len(engines) :] + engines[: r % len(engines)]
        for task in tasks:
            for engine in order:
                cell = task.cells[engine]
                runner = task.runners.get(engine)
                if runner is None or cell.status != "ok" or len(cell.samples) >= cell.wanted:
                    continue
                try:
                    if cell.burst == 1:
                        cell.samples.append(runner())
                        continue
                    cell.cold.append(runner())
                    cell.samples.extend(runner() for _ in range(cell.burst - 1))
                except Failed as exc:
                    cell.status, cell.note = exc.kind, str(exc)


#: Cells faster than this (seconds) are timed in bursts (see :func:`measure`).
BURST_UNDER = 0.05


# ------------------------------------------------------------------------------------- one graph
def median_degree_actors(net: ActorNetwork, k: int = 10) -> tuple[int, list[str]]:
    """The median number of distinct neighbours among actors with any edge, and the local ids of
    ``k`` actors with exactly that many (evenly spread over them in IRI order)."""
    neighbours: dict[str, set[str]] = {}
    for tie in net.ties:
        neighbours.setdefault(tie.source, set()).add(tie.target)
        neighbours.setdefault(tie.target, set()).add(tie.source)
    degrees = sorted(len(v) for v in neighbours.values())
    median = degrees[len(degrees) // 2]
    same = sorted(a for a, v in neighbours.items() if len(v) == median)
    step = max(1, len(same) // k)
    return median, [net.actor(a).id for a in same[::step][:k]]


def bench_graph(
    label: str,
    info: SynthInfo,
    queries: dict[str, str],
    *,
    reps: int,
    budget: float,
    burst: int,
    client: str,
    rdflib_max: int,
    cap: float,
) -> dict[str, Any]:
    console.rule(f"[bold]{label}[/]: {info.triples:,} triples, {info.graphs:,} named graphs")
    out: dict[str, Any] = {"graph": info.to_json()}
    out["graph"].pop("path")
    # the index the ego endpoint walks, built here as the service builds it at start-up
    builds = []
    for _ in range(3 if info.triples < 2_000_000 else 1):
        t0 = time.perf_counter()
        net = ActorNetwork.from_store(Store.open_read_only(info.path))
        builds.append(time.perf_counter() - t0)
    out["network_build_s"] = round(statistics.median(builds), 3)
    median_degree, typical = median_degree_actors(net)
    out["median_degree"] = median_degree
    out["median_degree_actors"] = typical
    console.print(
        f"ActorNetwork: {len(net):,} actors, {len(net.ties):,} edges, built in "
        f"{out['network_build_s']:.2f} s; median degree {median_degree}"
    )
    oxi = Oxigraph(info.path)
    disk = Oxigraph(info.path, disk=True)
    console.print(
        f"pyoxigraph in-process: {'an in-memory copy' if oxi.in_memory else 'the store on disk'}"
        " (as the query workers), and the store on disk"
    )
    rdf: Rdflib | None = None
    nominal = info.triples if info.seed is None else parse_scale(info.name.split("-")[1])
    if nominal <= rdflib_max:
        rdf = Rdflib(union_ntriples(info), cap)
        out["rdflib_load_s"] = round(rdf.load_seconds, 2)
        console.print(f"rdflib Graph: {rdf.triples:,} triples loaded in {rdf.load_seconds:.1f} s")
    with tempfile.TemporaryDirectory(prefix="actorgraph-bench-") as tmp:
        server = Server(info.path, Path(tmp), client_kind=client)
        server.start()
        out["startup_s"] = round(server.startup, 3)
        out["settled_s"] = round(server.settled, 3)
        console.print(
            f"server: GET /healthz 200 {server.startup:.2f} s after launch; every query worker "
            f"settled (in memory, if within the cap) after {server.settled:.2f} s"
        )
        try:
            tasks = _tasks(queries, server, oxi, disk, rdf, net, typical)
            engines = list(ENGINES)
            measure(tasks, engines, reps, budget, burst)
            _annotate(tasks, server, (oxi, disk), rdf, queries, typical)
        finally:
            server.stop()
            if rdf is not None:
                rdf.close()
    out["tasks"] = {
        t.name: {"group": t.group, **{e: c.to_json() for e, c in t.cells.items()}} for t in tasks
    }
    out["summary"] = summarise(tasks, cap)
    print_table(label, tasks, out)
    return out


def _tasks(
    queries: dict[str, str],
    server: Server,
    oxi: Oxigraph,
    disk: Oxigraph,
    rdf: Rdflib | None,
    net: ActorNetwork,
    typical: list[str],
) -> list[Task]:
    tasks: list[Task] = []
    for name in (*ANALYST, "two-hop-sparql", "ask-empty"):
        q = queries[name]
        runners: dict[str, Runner | None] = {
            "http": _timed(partial(server.sparql, q)),
            "oxigraph": _timed(partial(oxi.sparql, q)),
            "disk": _timed(partial(disk.sparql, q)),
            "rdflib": None if rdf is None else partial(_rdflib_seconds, rdf, q),
        }
        tasks.append(Task(name, "analyst" if name in ANALYST else "other", runners))

    def ego_local(actor: str) -> bytes:
        return pydantic_core.to_json(to_cytoscape(net.ego(actor, 2)))

    tasks.append(
        Task(
            "ego russia r2",
            "ego",
            {
                "http": _timed(lambda: server.ego("russia")),
                "oxigraph": _timed(lambda: ego_local("russia")),
                "disk": None,
                "rdflib": None,
            },
        )
    )
    cycle_http: Iterator[str] = _cycle(typical)
    cycle_local: Iterator[str] = _cycle(typical)
    tasks.append(
        Task(
            "ego median-degree r2",
            "ego",
            {
                "http": _timed(lambda: server.ego(next(cycle_http))),
                "oxigraph": _timed(lambda: ego_local(next(cycle_local))),
                "disk": None,
                "rdflib": None,
            },
        )
    )
    return tasks


def _rdflib_seconds(rdf: Rdflib, query: str) -> float:
    return rdf.run(query)[0]


def _cycle(items: list[str]) -> Iterator[str]:
    while True:
        yield from items


def _annotate(
    tasks: list[Task],
    server: Server,
    engines: tuple[Oxigraph, Oxigraph],
    rdf: Rdflib | None,
    queries: dict[str, str],
    typical: list[str],
) -> None:
    """Rows and response sizes (untimed), so that a wrong answer cannot pass for a fast one."""
    for task in tasks:
        if task.group == "ego":
            actor = "russia" if "russia" in task.name else typical[0]
            body = server.ego(actor)
            s = json.loads(body)["summary"]
            cell = task.cells["http"]
            cell.size, cell.rows = len(body), s["nodes"]
            cell.note = (
                f"{actor}: {s['nodes']} of {s['total']} nodes within radius 2, {s['edges']} edges, "
                f"{len(body) / 1e6:.2f} MB"
            )
            continue
        q = queries[task.name]
        with contextlib.suppress(Failed):
            body = server.sparql(q)
            task.cells["http"].size = len(body)
            data = json.loads(body)
            task.cells["http"].rows = len(data["results"]["bindings"]) if "results" in data else 1
        task.cells["oxigraph"].rows = engines[0].rows(q)
        task.cells["disk"].rows = engines[1].rows(q)
        if rdf is not None and task.cells["rdflib"].status == "ok":
            with contextlib.suppress(Failed):
                task.cells["rdflib"].rows = rdf.run(q)[1]


# ------------------------------------------------------------------------------------- report
TARGETS = {
    "overhead_ms": 2.0,
    "ego_hub_ms": 100.0,
    "ego_median_ms": 20.0,
    "speedup_geomean": 10.0,
}


def _geomean(values: list[float]) -> float:
    return math.exp(sum(map(math.log, values)) / len(values))


def summarise(tasks: list[Task], cap: float) -> dict[str, Any]:
    by = {t.name: t for t in tasks}
    s: dict[str, Any] = {}
    overheads, cold = [], []
    for t in tasks:
        hc, oc = t.cells["http"], t.cells["oxigraph"]
        if hc.median is not None and oc.median is not None and t.group != "ego":
            overheads.append(hc.median - oc.median)
            if hc.cold_median is not None and oc.cold_median is not None:
                cold.append(hc.cold_median - oc.cold_median)
    if overheads:
        s["overhead_median_ms"] = _ms(statistics.median(overheads))
    if cold:
        s["overhead_cold_median_ms"] = _ms(statistics.median(cold))
    speedups: dict[str, float | str] = {}
    bounds: list[float] = []  # every ratio, a timed-out rdflib counted at the cap (a lower bound)
    for q in ANALYST:
        t = by[q]
        h, r = t.cells["http"].median, t.cells["rdflib"]
        if h is None:
            s.setdefault("http_failed", []).append(f"{q}: {t.cells['http'].note}")
            continue
        if r.median is not None:
            speedups[q] = round(r.median / h, 2)
            bounds.append(r.median / h)
        elif r.status == "timeout":
            speedups[q] = f"> {cap / h:.0f} (rdflib timed out at {cap:g} s)"
            bounds.append(cap / h)
        elif r.status == "error":
            speedups[q] = f"rdflib failed: {r.note}"
    if speedups:
        exact = [v for v in speedups.values() if isinstance(v, float)]
        s["speedup_vs_rdflib"] = speedups
        if exact:
            s["speedup_geomean"] = round(_geomean(exact), 2)
            s["speedup_min"] = min(exact)
        if len(bounds) > len(exact):
            s["speedup_geomean_timeouts_at_cap"] = round(_geomean(bounds), 2)
    for key, task in (("ego_hub", "ego russia r2"), ("ego_median", "ego median-degree r2")):
        c = by[task].cells
        s[f"{key}_http_ms"] = _ms(c["http"].median)
        s[f"{key}_http_p99_ms"] = _ms(c["http"].p99)
        s[f"{key}_inprocess_ms"] = _ms(c["oxigraph"].median)
    return s


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    ms = seconds * 1000
    return f"{ms:,.2f}" if ms < 10 else f"{ms:,.1f}" if ms < 1000 else f"{ms:,.0f}"


def print_table(label: str, tasks: list[Task], out: dict[str, Any]) -> None:
    table = Table(title=f"{label}: milliseconds (median / p99)", title_justify="left")
    for col, justify in (
        ("task", "left"),
        ("HTTP", "right"),
        ("pyoxigraph in-process", "right"),
        ("pyoxigraph on disk", "right"),
        ("rdflib in-process", "right"),
        ("n", "right"),
        ("HTTP − in-proc (cold)", "right"),
        ("rdflib ÷ HTTP", "right"),
        ("rows", "right"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for t in tasks:
        cells = [t.cells[e] for e in ENGINES]
        shown = []
        for c in cells:
            if c.status == "ok":
                shown.append(f"{_fmt(c.median)} / {_fmt(c.p99)}")
            else:
                shown.append(f"[red]{c.status}[/] {c.note}" if c.status != "n/a" else "n/a")
        h, o, _, r = (c.median for c in cells)
        overhead = _fmt(h - o) if h is not None and o is not None else "—"
        hc, oc = cells[0].cold_median, cells[1].cold_median
        if hc is not None and oc is not None:
            overhead += f" ({_fmt(hc - oc)})"
        ratio = f"{r / h:,.1f}×" if h and r else "—"
        rows = "/".join("" if c.rows is None else str(c.rows) for c in cells).strip("/")
        table.add_row(
            t.name, *shown, "/".join(str(len(c.samples)) for c in cells), overhead, ratio, rows
        )
    console.print(table)
    for t in tasks:
        for engine, c in t.cells.items():
            if c.note and c.status == "ok":
                console.print(f"  {t.name} [{engine}]: {c.note}")
    console.print(f"  summary: {json.dumps(out['summary'])}")


def targets(results: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """The issue's targets, each with the figure measured and whether it is met."""
    rows: list[tuple[str, str, bool | None]] = []
    graphs = results["graphs"]
    if "seed" in graphs:
        v = graphs["seed"]["summary"].get("overhead_median_ms")
        rows.append(
            (
                "median API overhead over in-process pyoxigraph, seed ≤ 2 ms",
                f"{v} ms",
                None if v is None else v <= TARGETS["overhead_ms"],
            )
        )
        cold = graphs["seed"]["summary"].get("overhead_cold_median_ms")
        if cold is not None:
            rows.append(
                (
                    "… the first request of a burst, to idle processes (information)",
                    f"{cold} ms",
                    None,
                )
            )
    big = max(
        (k for k in graphs if k != "seed"),
        key=lambda k: graphs[k]["graph"]["triples"],
        default=None,
    )
    if big is not None:
        s = graphs[big]["summary"]
        for key, text, limit in (
            ("ego_hub_http_ms", "ego(Russia, r2) over HTTP", TARGETS["ego_hub_ms"]),
            (
                "ego_median_http_ms",
                "ego(median-degree actor, r2) over HTTP",
                TARGETS["ego_median_ms"],
            ),
        ):
            v = s.get(key)
            rows.append(
                (f"{text}, {big} ≤ {limit:g} ms", f"{v} ms", None if v is None else v <= limit)
            )
        g = graphs[big]
        rows.append((f"ActorNetwork build, {big} (information)", f"{g['network_build_s']} s", None))
        rows.append(
            (f"app start-up to GET /healthz 200, {big} (information)", f"{g['startup_s']} s", None)
        )
    mid = [k for k in graphs if k != "seed" and "speedup_geomean" in graphs[k]["summary"]]
    for k in mid:
        s = graphs[k]["summary"]
        n = sum(isinstance(v, float) for v in s["speedup_vs_rdflib"].values())
        for failure in s.get("http_failed", []):
            rows.append((f"analyst query over HTTP, {k}", f"failed: {failure}", False))
        rows.append(
            (
                f"analyst set over HTTP vs rdflib in-process, {k}: geometric mean ≥ 10×",
                f"{s['speedup_geomean']}× (the {n} queries rdflib answered)",
                s["speedup_geomean"] >= TARGETS["speedup_geomean"],
            )
        )
        if "speedup_geomean_timeouts_at_cap" in s:
            bound = s["speedup_geomean_timeouts_at_cap"]
            rows.append(
                (
                    "… counting rdflib's timeouts at the cap (a lower bound)",
                    f"≥ {bound}×",
                    bound >= TARGETS["speedup_geomean"],
                )
            )
        slower = s.get("speedup_min")
        rows.append(
            (
                f"… and no query slower than rdflib, {k}",
                f"min {slower}×",
                slower is not None and slower >= 1,
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--graphs", default="seed,100k,1m", help="seed and/or scales (10k, 100k, 1m, 250k…)"
    )
    parser.add_argument("--reps", type=int, default=40, help="samples of a fast cell")
    parser.add_argument(
        "--client",
        choices=("stdlib", "httpx"),
        default="stdlib",
        help="HTTP client: the standard library's http.client (thin) or httpx",
    )
    parser.add_argument(
        "--burst",
        type=int,
        default=21,
        help="runs in a row per turn of a fast cell: one cold, then sequential requests "
        "(20, as PERFORMANCE.md's HTTP anchors were measured); 1: none",
    )
    parser.add_argument(
        "--budget", type=float, default=20.0, help="seconds one cell may take in all"
    )
    parser.add_argument("--rdflib-max", default="100k", help="largest graph rdflib is run on")
    parser.add_argument("--cap", type=float, default=60.0, help="seconds an rdflib query may run")
    parser.add_argument(
        "--name", default="api", help="results go to benchmarks/results/<name>.json"
    )
    args = parser.parse_args(argv)
    queries = load_queries()
    results: dict[str, Any] = {
        "benchmark": "api",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "versions": _versions(),
        },
        "settings": {
            "reps": args.reps,
            "burst": args.burst,
            "client": args.client,
            "budget_s": args.budget,
            "rdflib_cap_s": args.cap,
            "rdflib_max_triples": parse_scale(args.rdflib_max),
        },
        "targets": TARGETS,
        "graphs": {},
    }
    for name in [g.strip() for g in args.graphs.split(",") if g.strip()]:
        t0 = time.perf_counter()
        info = seed_store() if name == "seed" else cached(name)
        console.print(
            f"[dim]{name}: store ready in {time.perf_counter() - t0:.1f} s ({info.path})[/]"
        )
        results["graphs"][name] = bench_graph(
            name,
            info,
            queries,
            reps=args.reps,
            burst=args.burst,
            client=args.client,
            budget=args.budget,
            rdflib_max=parse_scale(args.rdflib_max),
            cap=args.cap,
        )
    checks = targets(results)
    results["checks"] = [{"target": t, "measured": m, "met": ok} for t, m, ok in checks]
    table = Table(title="targets (issue 3)", title_justify="left")
    for col in ("target", "measured", "met"):
        table.add_column(col)
    for t, m, ok in checks:
        table.add_row(t, m, "—" if ok is None else "[green]yes[/]" if ok else "[red]no[/]")
    console.print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{args.name}.json"
    path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    console.print(f"wrote {path.relative_to(ROOT)}")
    return 0


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    return {
        p: version(p) for p in ("pyoxigraph", "rdflib", "fastapi", "uvicorn", "httpx", "networkx")
    }


if __name__ == "__main__":
    raise SystemExit(main())
