"""Load: a crowd of analysts with a few runaway queries mixed in — do the cheap requests starve?

    python benchmarks/load.py                        # seed: 16 clients × 30 s, 10 % runaways
    python benchmarks/load.py --graphs seed,1m --check
    python benchmarks/load.py --quick                # 8 clients × 10 s, a smoke run
    python benchmarks/load.py --runaway connected    # a runaway the query guard cannot see
    python benchmarks/load.py --mix ask=100          # what one client process can drive

For each graph (the seed build, or a synthetic scale of :mod:`benchmarks.synth`) it starts the
real service as :mod:`benchmarks.api` does — ``uvicorn --factory api.app:factory`` on a copy of
the store, 127.0.0.1 and a free port — with ``ACTORGRAPH_QUERY_TIMEOUT=--timeout`` and the access
log off, waits until every query worker answers from memory (``/healthz``), and then runs
``--clients`` closed-loop clients for ``--duration`` seconds. Each client holds one kept-alive
HTTP/1.1 connection and draws every request at random (seeded) from ``--mix``:

* ``runaway``: ``POST /sparql`` of a query that cannot finish within the limit — a cartesian
  product (``--runaway cartesian``, which the server may refuse before running it) or a connected
  four-hop path that explodes (``--runaway connected``, which it cannot refuse by its shape; on
  the seed graph it finishes in a few seconds, with a 200, which the check counts as a failure);
* ``accused``: ``examples/who-accused-russia.rq``; ``ask``: ``ASK {}``;
* ``ego``: ``GET /actors/russia/ego?radius=2`` (the in-process networkx index, no query worker).

Latencies are from writing the request to the last byte of the answer. A request still running
at the end of the window is waited for (up to ``--request-timeout``) and counted in the latencies
— dropping it would hide the slowest ones — but not in the throughput, which counts the answers
completed within the window. A client timeout counts as a transport error at the time it fired.

The client is a minimal HTTP/1.1 client on asyncio streams, in this process (the server is
another): on 2 cores shared with the server, httpx's ``AsyncClient`` spends more CPU per request
than ``ASK {}`` costs the server. The client's own CPU time is reported, with the requests per
client CPU second: what one client process can drive (``--mix ask=100`` to see it at its highest).

Prints (rich) throughput, latency percentiles and statuses per kind, how the runaways ended, and a
check against the target — no error on a non-runaway request; p99 ≤ 250 ms for ask, accused and
ego; every runaway answered 503 or 400 within the time limit + ``--grace`` — and writes
``benchmarks/results/load-<graph>.json`` (``load-quick-<graph>.json`` with ``--quick``).
``--check`` makes the exit status 1 when a check fails. One run, medians and p99, same data, as
``../shared/PERFORMANCE.md`` quotes figures; the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# this file is benchmarks/load.py: its folder must not shadow the project's `api` package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from benchmarks.api import EXAMPLES, RESULTS, SPARQL_JSON, Server  # noqa: E402
from benchmarks.synth import SynthInfo, cached, seed_store  # noqa: E402

console = Console()
if console.width < 140:  # a pipe or a narrow terminal: keep the table's rows on one line
    console = Console(width=140)

RUNAWAYS = {
    "cartesian": "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "connected": "SELECT (COUNT(*) AS ?n) { ?a ?p ?b . ?b ?q ?c . ?c ?r ?d . ?d ?s ?e }",
}
KINDS = ("runaway", "accused", "ego", "ask")
DEFAULT_MIX = "runaway=10,accused=30,ego=30,ask=30"
#: The target: p99 of every non-runaway kind at most this (ms).
P99_TARGET_MS = 250.0
#: Seconds the whole load phase may overrun duration + request timeout (then clients are cancelled).
HARD_GRACE = 5.0


# ------------------------------------------------------------------------------- requests
def parse_mix(text: str) -> dict[str, float]:
    """``runaway=10,accused=30,…`` as weights (they need not sum to 100); unknown kinds refused."""
    mix: dict[str, float] = {}
    for part in text.split(","):
        name, _, weight = part.partition("=")
        name = name.strip()
        if name not in KINDS:
            raise SystemExit(f"--mix: unknown kind {name!r}; kinds: {', '.join(KINDS)}")
        try:
            mix[name] = float(weight)
        except ValueError:
            raise SystemExit(f"--mix: {part!r} is not kind=weight") from None
    mix = {k: w for k, w in mix.items() if w > 0}
    if not mix:
        raise SystemExit("--mix: no kind has a positive weight")
    return mix


def raw_requests(port: int, runaway: str) -> dict[str, bytes]:
    """Each kind's request as the bytes sent on the wire, made once: the client only writes them."""
    host = f"127.0.0.1:{port}"

    def sparql(query: str) -> bytes:
        body = query.encode("utf-8")
        head = (
            f"POST /sparql HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Type: application/sparql-query\r\nAccept: {SPARQL_JSON}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return head.encode("ascii") + body

    return {
        "runaway": sparql(RUNAWAYS[runaway]),
        "accused": sparql((EXAMPLES / "who-accused-russia.rq").read_text(encoding="utf-8")),
        "ego": f"GET /actors/russia/ego?radius=2 HTTP/1.1\r\nHost: {host}\r\n\r\n".encode(),
        "ask": sparql("ASK {}"),
    }


class Connection:
    """One kept-alive HTTP/1.1 connection, as one analyst's client holds it.

    Minimal on purpose (a status line, headers, a body by Content-Length or chunked): the client
    shares 2 cores with the server and must cost it as little CPU as possible.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        """Send ``raw``, read the answer: (status, body). Reconnects if the server closed."""
        if self.reader is None or self.writer is None or self.reader.at_eof():
            self.close()
            await self.open()
        assert self.reader is not None and self.writer is not None
        reader = self.reader
        self.writer.write(raw)
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip().lower()
        if "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            chunks = []
            while size := int((await reader.readline()).split(b";")[0], 16):
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
            while (await reader.readline()) not in (b"\r\n", b""):  # trailers
                pass
            body = b"".join(chunks)
        else:  # the body runs until the server closes
            body = await reader.read()
            headers["connection"] = "close"
        if headers.get("connection") == "close":
            self.close()
        return status, body


# ----------------------------------------------------------------------------------- load
@dataclass
class Sample:
    """One request: when it was written and answered, and how it ended."""

    kind: str
    start: float
    end: float
    status: int | None  # None: a transport error or a client timeout
    outcome: str  # "200", "400 query-refused", "503 query-timeout", "client timeout", …
    detail: str = ""  # the problem's detail, or the exception, for anything but a 200

    @property
    def ms(self) -> float:
        return (self.end - self.start) * 1000


def _outcome(status: int, body: bytes) -> tuple[str, str]:
    """A non-200 answer as (status and problem type, detail text)."""
    try:
        problem = json.loads(body)
        slug = str(problem.get("type", "")).rsplit("/", 1)[-1]
        return (
            f"{status} {slug}".strip(),
            f"{problem.get('title', '')}: {problem.get('detail', '')}",
        )
    except (ValueError, AttributeError):
        return str(status), body[:200].decode("utf-8", "replace")


async def analyst(
    conn: Connection,
    rng: random.Random,
    mix: dict[str, float],
    raw: dict[str, bytes],
    deadline: float,
    request_timeout: float,
    samples: list[Sample],
) -> None:
    """One closed-loop client: a request, its answer, the next request, until the deadline."""
    kinds, weights = list(mix), list(mix.values())
    while time.perf_counter() < deadline:
        kind = rng.choices(kinds, weights)[0]
        start = time.perf_counter()
        try:
            status, body = await asyncio.wait_for(conn.request(raw[kind]), request_timeout)
        except TimeoutError:
            conn.close()  # the answer may still come: this connection is out of step
            end = time.perf_counter()
            note = f"no answer within {request_timeout:g} s (--request-timeout)"
            samples.append(Sample(kind, start, end, None, "client timeout", note))
            continue
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as e:
            conn.close()
            end = time.perf_counter()
            samples.append(Sample(kind, start, end, None, "transport", f"{type(e).__name__}: {e}"))
            continue
        end = time.perf_counter()
        if status == 200:
            samples.append(Sample(kind, start, end, 200, "200"))
        else:
            samples.append(Sample(kind, start, end, status, *_outcome(status, body)))


def tree_memory_mb(pid: int) -> float:
    """Memory of a process and all its descendants (the query workers), from /proc: the sum of
    their proportional set sizes (PSS), so that pages they share are counted once."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, todo = set(), [pid]
    while todo:
        p = todo.pop()
        tree.add(p)
        todo += [c for c, parent in parents.items() if parent == p and c not in tree]
    kb = 0
    for p in tree:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    kb += int(line.split()[1])
    return kb / 1024


@dataclass
class Run:
    """What one load phase produced."""

    samples: list[Sample] = field(default_factory=list)
    started: float = 0.0
    deadline: float = 0.0
    ended: float = 0.0
    client_cpu_s: float = 0.0
    memory_mb: list[float] = field(default_factory=list)  # the server's PSS, once a second
    watcher_cpu_s: float = 0.0  # what measuring it cost (not counted as the client's CPU)
    cancelled: int = 0  # clients still running at the hard limit


async def load(
    port: int,
    server_pid: int,
    *,
    clients: int,
    duration: float,
    mix: dict[str, float],
    runaway: str,
    request_timeout: float,
    seed: int,
) -> Run:
    """Open every connection, then run all clients at once for ``duration`` seconds.

    Bounded whatever the server does: each request by ``request_timeout``, the whole phase by
    duration + request timeout + ``HARD_GRACE`` (clients still running then are cancelled).
    """
    raw = raw_requests(port, runaway)
    conns = [Connection(port) for _ in range(clients)]
    await asyncio.wait_for(asyncio.gather(*(c.open() for c in conns)), request_timeout)
    run = Run()

    def measure_memory() -> None:  # in a thread; its CPU time is not the client's
        t0 = time.thread_time()
        run.memory_mb.append(tree_memory_mb(server_pid))
        run.watcher_cpu_s += time.thread_time() - t0

    async def watch_memory() -> None:
        while True:
            await asyncio.to_thread(measure_memory)
            await asyncio.sleep(1)

    watcher = asyncio.create_task(watch_memory())
    cpu0 = _cpu_seconds()
    run.started = time.perf_counter()
    run.deadline = run.started + duration
    tasks = [
        asyncio.create_task(
            analyst(
                c,
                random.Random(seed * 1_000 + i),
                mix,
                raw,
                run.deadline,
                request_timeout,
                run.samples,
            )
        )
        for i, c in enumerate(conns)
    ]
    _, pending = await asyncio.wait(tasks, timeout=duration + request_timeout + HARD_GRACE)
    for t in pending:
        t.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    run.cancelled = len(pending)
    run.ended = time.perf_counter()
    run.client_cpu_s = _cpu_seconds() - cpu0 - run.watcher_cpu_s
    watcher.cancel()
    await asyncio.gather(watcher, return_exceptions=True)
    for c in conns:
        c.close()
    return run


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -------------------------------------------------------------------------------- figures
def _percentile(values: list[float], pct: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _status_column(status: int | None) -> str:
    if status is None:
        return "transport"
    return str(status) if status in (200, 400, 503) else "other"


def summarise(run: Run, mix: dict[str, float], duration: float, timeout: float) -> dict[str, Any]:
    """Every figure of the run: throughput, latencies, statuses per kind, runaway endings."""
    in_window = [s for s in run.samples if s.end <= run.deadline]
    kinds: dict[str, Any] = {}
    for kind in mix:
        mine = [s for s in run.samples if s.kind == kind]
        ms = [s.ms for s in mine]
        outcomes = Counter(s.outcome for s in mine)
        statuses = Counter(_status_column(s.status) for s in mine)
        examples: dict[str, str] = {}
        for s in mine:
            if s.outcome != "200":
                examples.setdefault(s.outcome, s.detail[:300])
        done = sum(1 for s in in_window if s.kind == kind)
        kinds[kind] = {
            "count": len(mine),
            "in_window": done,
            "requests_per_s": round(done / duration, 1),
            "p50_ms": _r(_percentile(ms, 50)),
            "p99_ms": _r(_percentile(ms, 99)),
            "max_ms": _r(max(ms, default=None)),
            "statuses": {
                k: statuses.get(k, 0) for k in ("200", "400", "503", "other", "transport")
            },
            "outcomes": dict(outcomes.most_common()),
            "examples": examples,
        }
    cpu_share = run.client_cpu_s / max(run.ended - run.started, 1e-9)
    result: dict[str, Any] = {
        "throughput_requests_per_s": round(len(in_window) / duration, 1),
        "requests": len(run.samples),
        "kinds": kinds,
        "client": {
            "cpu_s": round(run.client_cpu_s, 2),
            "cpu_share_of_one_core": round(cpu_share, 3),
            "requests_per_client_cpu_s": round(len(run.samples) / max(run.client_cpu_s, 1e-9)),
            "cancelled_at_hard_limit": run.cancelled,
        },
        "server_pss_mb": {
            "first": _r(run.memory_mb[0] if run.memory_mb else None, 0),
            "peak": _r(max(run.memory_mb, default=None), 0),
            "last": _r(run.memory_mb[-1] if run.memory_mb else None, 0),
        },
    }
    if "runaway" in kinds:
        r = kinds["runaway"]
        result["runaways"] = {
            "outcomes": r["outcomes"],
            "max_ms": r["max_ms"],
            "limit_ms": timeout * 1000,
            "example_refusal": next(
                (v for k, v in r["examples"].items() if k.startswith("400")), None
            ),
        }
    return result


def checks(figures: dict[str, Any], timeout: float, grace: float) -> list[dict[str, Any]]:
    """The target, line by line: (target, measured, passed); passed is None when not applicable."""
    kinds = figures["kinds"]
    cheap = [k for k in kinds if k != "runaway"]
    rows: list[dict[str, Any]] = []
    errors = {k: kinds[k]["count"] - kinds[k]["statuses"]["200"] for k in cheap}
    rows.append(
        {
            "target": "0 errors on non-runaway requests",
            "measured": ", ".join(f"{k} {n}" for k, n in errors.items()) or "no such requests",
            "passed": sum(errors.values()) == 0 if cheap else None,
        }
    )
    for k in cheap:
        p99 = kinds[k]["p99_ms"]
        rows.append(
            {
                "target": f"p99 ≤ {P99_TARGET_MS:g} ms, {k}",
                "measured": f"{p99} ms",
                "passed": p99 is not None and p99 <= P99_TARGET_MS,
            }
        )
    if "runaway" in kinds:
        r = kinds["runaway"]
        answered = sum(n for o, n in r["outcomes"].items() if o[:3] in ("400", "503"))
        limit_ms = (timeout + grace) * 1000
        late = r["max_ms"] is not None and r["max_ms"] > limit_ms
        rows.append(
            {
                "target": f"every runaway answered 400 or 503 within {timeout:g} s + {grace:g} s",
                "measured": f"{answered} of {r['count']} answered 400/503; max {r['max_ms']} ms",
                "passed": r["count"] > 0 and answered == r["count"] and not late,
            }
        )
    return rows


# ---------------------------------------------------------------------------------- output
def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def show(name: str, info: SynthInfo, record: dict[str, Any]) -> None:
    """The run's tables: per kind, the runaways, the checks."""
    cfg, fig = record["config"], record["figures"]
    table = Table(
        title=f"load, {name} ({info.triples:,} triples): {cfg['clients']} clients × "
        f"{cfg['duration_s']:g} s, runaway {cfg['runaway']}, limit {cfg['timeout_s']:g} s",
        title_justify="left",
    )
    for col in ("kind", "requests", "req/s", "p50 ms", "p99 ms", "max ms"):
        table.add_column(col, justify="left" if col == "kind" else "right")
    for col in ("200", "400", "503", "other", "transport"):
        table.add_column(col, justify="right")
    for kind, k in fig["kinds"].items():
        st = k["statuses"]
        table.add_row(
            kind,
            str(k["count"]),
            f"{k['requests_per_s']:,.1f}",
            _ms(k["p50_ms"]),
            _ms(k["p99_ms"]),
            _ms(k["max_ms"]),
            *(str(st[c]) if st[c] == 0 or c == "200" else f"[red]{st[c]}[/]" for c in st),
        )
    table.add_row(
        "all", str(fig["requests"]), f"{fig['throughput_requests_per_s']:,.1f}", *[""] * 8
    )
    console.print(table)
    for kind, k in fig["kinds"].items():
        for outcome, example in k["examples"].items():
            console.print(f"  {kind}, {outcome} ×{k['outcomes'][outcome]}: [dim]{example}[/]")
    if "runaways" in fig:
        r = fig["runaways"]
        ends = ", ".join(f"{o} ×{n}" for o, n in r["outcomes"].items())
        console.print(
            f"  runaways ended: {ends}; slowest answer {_ms(r['max_ms'])} ms "
            f"(time limit {r['limit_ms']:,.0f} ms)"
        )
    c, m = fig["client"], fig["server_pss_mb"]
    console.print(
        f"  client process: {c['cpu_s']} s of CPU ({c['cpu_share_of_one_core']:.0%} of one core), "
        f"{c['requests_per_client_cpu_s']:,} requests per client CPU second"
        + (
            f"; [red]{c['cancelled_at_hard_limit']} clients cancelled[/]"
            if c["cancelled_at_hard_limit"]
            else ""
        )
    )
    console.print(
        f"  server memory (PSS of all its processes): {m['first']} MB at the start, peak {m['peak']} MB; "
        f"load average {record['machine']['loadavg_before']} → {record['machine']['loadavg_after']}; "
        f"/healthz after: {record['server']['health_after']}"
    )
    log = record["server"]["log"]
    console.print(f"  server log: {log['lines']} lines, {log['levels']}")
    for line in log["examples"]:
        console.print(f"    [dim]{line}[/]")
    checks_table = Table(title=f"target, {name}", title_justify="left")
    for col in ("target", "measured", "result"):
        checks_table.add_column(col)
    for row in record["checks"]:
        ok = row["passed"]
        verdict = "n/a" if ok is None else "[green]PASS[/]" if ok else "[red]FAIL[/]"
        checks_table.add_row(row["target"], row["measured"], verdict)
    console.print(checks_table)


# ------------------------------------------------------------------------------------ main
def bench_graph(name: str, args: argparse.Namespace, mix: dict[str, float]) -> dict[str, Any]:
    """Start the service on a copy of the graph's store, load it, stop it; the run's record."""
    t0 = time.perf_counter()
    info = seed_store() if name == "seed" else cached(name)
    console.print(f"[dim]{name}: store ready in {time.perf_counter() - t0:.1f} s ({info.path})[/]")
    with tempfile.TemporaryDirectory(prefix="actorgraph-load-") as tmp:
        server = Server(
            info.path,
            Path(tmp),
            env={"ACTORGRAPH_QUERY_TIMEOUT": f"{args.timeout:g}"},
            access_log=False,
        )
        try:
            server.start()
            assert server.process is not None
            console.print(
                f"[dim]{name}: server settled {server.settled:.1f} s after launch; "
                f"{args.clients} clients × {args.duration:g} s[/]"
            )
            warm_up(server.port, args.request_timeout)
            loadavg_before = os.getloadavg()
            run = asyncio.run(
                load(
                    server.port,
                    server.process.pid,
                    clients=args.clients,
                    duration=args.duration,
                    mix=mix,
                    runaway=args.runaway,
                    request_timeout=args.request_timeout,
                    seed=args.seed,
                )
            )
            loadavg_after = os.getloadavg()
            health_after = _health(server.port)
        finally:
            server.stop()
        log = server_log(Path(tmp) / "server.log")
    record: dict[str, Any] = {
        "benchmark": "load",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": {
            "graph": name,
            "triples": info.triples,
            "clients": args.clients,
            "duration_s": args.duration,
            "mix": mix,
            "runaway": args.runaway,
            "runaway_query": RUNAWAYS[args.runaway],
            "timeout_s": args.timeout,
            "request_timeout_s": args.request_timeout,
            "grace_s": args.grace,
            "seed": args.seed,
            "client": "asyncio streams, minimal HTTP/1.1, one kept-alive connection per client",
            "access_log": False,
        },
        "machine": {
            "cpus": os.cpu_count(),
            "loadavg_before": [round(x, 2) for x in loadavg_before],
            "loadavg_after": [round(x, 2) for x in loadavg_after],
            "python": platform.python_version(),
            "platform": platform.platform(),
            "git_commit": _git("rev-parse", "HEAD"),
            "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        },
        "server": {
            "settled_s": round(server.settled, 1),
            "health_after": health_after,
            "log": log,
        },
        "figures": summarise(run, mix, args.duration, args.timeout),
    }
    record["checks"] = checks(record["figures"], args.timeout, args.grace)
    show(name, info, record)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{args.name}-{name}.json"
    path.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    console.print(f"wrote {path.relative_to(ROOT)}")
    return record


def warm_up(port: int, timeout: float) -> None:
    """Each cheap kind once before the clock starts (the server loads what it needs on first
    use); each must answer 200, else the run would measure a broken server."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=timeout) as client:
        for query in ("ASK {}", (EXAMPLES / "who-accused-russia.rq").read_text(encoding="utf-8")):
            r = client.post(
                "/sparql",
                content=query.encode("utf-8"),
                headers={"Content-Type": "application/sparql-query", "Accept": SPARQL_JSON},
            )
            if r.status_code != 200:
                raise SystemExit(f"warm-up: POST /sparql answered {r.status_code}: {r.text[:300]}")
        r = client.get("/actors/russia/ego?radius=2")
        if r.status_code != 200:
            raise SystemExit(f"warm-up: the ego network answered {r.status_code}: {r.text[:300]}")


def server_log(path: Path) -> dict[str, Any]:
    """What the server logged during the run, in short: lines per level, the first few lines that
    are not INFO (a warning or a traceback under load is worth knowing about)."""
    levels: Counter[str] = Counter()
    examples: list[str] = []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []
    for line in lines:
        level = line.split(":", 1)[0].strip()
        if level not in ("INFO", "WARNING", "ERROR", "CRITICAL"):
            level = "Traceback" if line.startswith("Traceback") else "other"  # e.g. a bare warning
        levels[level] += 1
        if level != "INFO" and len(examples) < 5 and line not in examples:
            examples.append(line[:300])
    return {"lines": len(lines), "levels": dict(levels), "examples": examples}


def _health(port: int) -> dict[str, Any] | str:
    """``/healthz`` right after the load (are the query workers back, and in memory?)."""
    try:
        r = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
        return dict(r.json()) if r.status_code == 200 else f"HTTP {r.status_code}"
    except (httpx.HTTPError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"


def _git(*command: str) -> str:
    try:
        out = subprocess.run(
            ["git", *command], cwd=ROOT, capture_output=True, text=True, check=True
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--graphs", default="seed", help="seed and/or scales (10k, 100k, 1m…)")
    parser.add_argument("--clients", type=int, help="concurrent clients (default 16; quick 8)")
    parser.add_argument("--duration", type=float, help="seconds of load (default 30; quick 10)")
    parser.add_argument("--mix", default=DEFAULT_MIX, help=f"kind=weight,… (default {DEFAULT_MIX})")
    parser.add_argument("--runaway", choices=tuple(RUNAWAYS), default="cartesian")
    parser.add_argument(
        "--timeout", type=float, default=5.0, help="the server's ACTORGRAPH_QUERY_TIMEOUT, s"
    )
    parser.add_argument(
        "--request-timeout", type=float, help="client timeout per request, s (default timeout + 5)"
    )
    parser.add_argument(
        "--grace", type=float, default=1.0, help="s a runaway's answer may come after the limit"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the clients' random draws")
    parser.add_argument("--quick", action="store_true", help="8 clients × 10 s: a smoke run")
    parser.add_argument("--check", action="store_true", help="exit status 1 if a check fails")
    parser.add_argument(
        "--name", help="results go to benchmarks/results/<name>-<graph>.json (load, load-quick)"
    )
    args = parser.parse_args(argv)
    args.clients = args.clients or (8 if args.quick else 16)
    args.duration = args.duration or (10.0 if args.quick else 30.0)
    args.request_timeout = args.request_timeout or args.timeout + 5
    args.name = args.name or ("load-quick" if args.quick else "load")
    mix = parse_mix(args.mix)
    failed = False
    for name in [g.strip() for g in args.graphs.split(",") if g.strip()]:
        record = bench_graph(name, args, mix)
        failed |= any(row["passed"] is False for row in record["checks"])
    return 1 if failed and args.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
