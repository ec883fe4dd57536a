"""Throughput of the API under concurrent load, with ``wrk`` (as ``../shared/PERFORMANCE.md``
measured its anchors: 4 connections, 10 s, on the 100k graph).

    python benchmarks/throughput.py                 # 100k, 4 connections, 10 s per endpoint
    python benchmarks/throughput.py --graph seed --duration 5

Starts the real service on a copy of the store (as :mod:`benchmarks.api` does, waiting until the
query workers answer from memory), then drives each endpoint with ``wrk`` and prints requests per
second, latency percentiles and how many answers were not 200. Needs ``wrk`` on the PATH (Debian:
``apt-get install wrk``). PERFORMANCE.md's anchors for the same load on the 100k graph:
``oxigraph serve`` in memory 576 req/s on "accusations against Russia" and 52 req/s on the 2-hop
neighbourhood; a bare FastAPI app over in-memory pyoxigraph 329 and 51 req/s.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from benchmarks.api import EXTRA_QUERIES, RESULTS, Server, load_queries  # noqa: E402
from benchmarks.synth import cached, seed_store  # noqa: E402

console = Console(width=max(Console().width, 120))

#: (name, method, path, SPARQL query or None, PERFORMANCE.md anchor: oxigraph serve in memory,
#: bare FastAPI + in-memory pyoxigraph — req/s on 100k, or None)
CASES: list[tuple[str, str, str, str | None, tuple[int, int] | None]] = [
    ("who-accused-russia", "POST", "/sparql", "who-accused-russia", (576, 329)),
    ("two-hop-sparql", "POST", "/sparql", "two-hop-sparql", (52, 51)),
    ("ask-empty", "POST", "/sparql", "ask-empty", None),
    ("ego russia r2", "GET", "/actors/russia/ego?radius=2", None, None),
]

_LUA = """wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/sparql-query"
wrk.headers["Accept"] = "application/sparql-results+json"
"""


def _lua_string(text: str) -> str:
    """A Lua long string that cannot be closed by the query's own text."""
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    eq = "=" * level
    return f"[{eq}[{text}]{eq}]"


def run_wrk(
    url: str, script: Path | None, *, connections: int, threads: int, duration: int
) -> dict[str, Any]:
    """One wrk run; its requests/s, latency percentiles (ms) and non-200 count."""
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    if script is not None:
        cmd += ["-s", str(script)]
    out = subprocess.run(
        [*cmd, url], capture_output=True, text=True, check=True, timeout=duration + 60
    ).stdout
    result: dict[str, Any] = {"requests_per_s": float(_find(r"Requests/sec:\s+([\d.]+)", out))}
    for pct in ("50", "90", "99"):
        value, unit = _find(rf"\s{pct}(?:\.000)?%\s+([\d.]+)(us|ms|s)\b", out, groups=2)
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
        result[f"p{pct}_ms"] = round(float(value) * scale, 2)
    requests = re.search(r"(\d+) requests in", out)
    result["requests"] = int(requests.group(1)) if requests else None
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non_200"] = int(errors.group(1)) if errors else 0
    return result


def _find(pattern: str, text: str, groups: int = 1) -> Any:
    m = re.search(pattern, text)
    if m is None:
        raise SystemExit(f"could not read wrk's output ({pattern!r}):\n{text}")
    return m.group(1) if groups == 1 else m.groups()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--graph", default="100k", help="seed, or a scale: 10k, 100k, 1m…")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint")
    parser.add_argument("--name", default="throughput", help="results/<name>.json")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (Debian), then run again")
    queries = {**load_queries(), **EXTRA_QUERIES}
    info = seed_store() if args.graph == "seed" else cached(args.graph)
    rows: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="actorgraph-wrk-") as tmp:
        server = Server(info.path, Path(tmp))
        server.start()
        console.print(
            f"{args.graph}: {info.triples:,} triples; server settled {server.settled:.1f} s after "
            f"launch; wrk -t{args.threads} -c{args.connections} -d{args.duration}s per endpoint"
        )
        try:
            base = f"http://127.0.0.1:{server.port}"
            for name, method, path, query, _ in CASES:
                script = None
                if method == "POST":
                    assert query is not None
                    server.sparql(queries[query])  # answers 200 before it is loaded
                    script = Path(tmp) / f"{name}.lua"
                    script.write_text(_LUA.format(body=_lua_string(queries[query])))
                else:
                    server.ego("russia")
                rows[name] = run_wrk(
                    base + path,
                    script,
                    connections=args.connections,
                    threads=args.threads,
                    duration=args.duration,
                )
                time.sleep(1)
        finally:
            server.stop()
    table = Table(
        title=f"throughput, {args.graph} ({info.triples:,} triples)", title_justify="left"
    )
    for col in ("endpoint", "req/s", "p50 ms", "p90 ms", "p99 ms", "non-200", "anchors (req/s)"):
        table.add_column(col, justify="left" if col == "endpoint" else "right")
    for name, *_, anchor in CASES:
        r = rows[name]
        table.add_row(
            name,
            f"{r['requests_per_s']:,.0f}",
            f"{r['p50_ms']:.2f}",
            f"{r['p90_ms']:.2f}",
            f"{r['p99_ms']:.2f}",
            str(r["non_200"]),
            "—" if anchor is None else f"oxigraph serve {anchor[0]}, bare FastAPI {anchor[1]}",
        )
    console.print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{args.name}.json"
    record = {
        "benchmark": "throughput",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "graph": args.graph,
        "triples": info.triples,
        "wrk": {"threads": args.threads, "connections": args.connections, "seconds": args.duration},
        "results": rows,
        "anchors_performance_md": {n: a for n, *_, a in CASES if a is not None},
    }
    path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    console.print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
