"""Run every benchmark with sane defaults (``make bench``); each prints its own figures.

    python benchmarks/run_all.py            # API on seed, 100k and 1M triples, then the others
    python benchmarks/run_all.py --quick    # smoke run: API on seed and 10k only, fewer repetitions

The API benchmark (``api.py``) runs first; then, when present, ``extraction.py``, ``networks.py``,
``validate_batch.py`` and ``payloads.py`` with their own defaults (``validate_batch.py`` on 10k and
``payloads.py`` on 1 MB payloads with ``--quick``).

The API benchmark writes ``benchmarks/results/api.json`` (``api-quick.json`` with ``--quick``).
Synthetic stores are generated once into ``benchmarks/.cache/`` and reused.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="seed + 10k only, 10 repetitions")
    args = parser.parse_args(argv)
    api = ["--graphs", "seed,100k,1m", "--name", "api"]
    if args.quick:
        api = ["--graphs", "seed,10k", "--reps", "10", "--budget", "5", "--cap", "20"]
        api += ["--name", "api-quick"]
    runs = [[sys.executable, str(HERE / "api.py"), *api]]
    # the other benchmarks, each with its own defaults (smaller with --quick), when present
    others = {
        "extraction.py": [],
        "networks.py": [],
        "validate_batch.py": ["--scale", "10k", "--runs", "3"] if args.quick else [],
        "payloads.py": ["--size", "1e6"] if args.quick else [],
    }
    for script, extra in others.items():
        if (HERE / script).exists():
            runs.append([sys.executable, str(HERE / script), *extra])
    failed = 0
    for cmd in runs:
        print(
            f"\n$ {' '.join(Path(c).name if c == sys.executable else c for c in cmd)}", flush=True
        )
        started = time.perf_counter()
        code = subprocess.call(cmd, cwd=HERE.parent)
        print(f"({Path(cmd[1]).name}: exit {code}, {time.perf_counter() - started:.0f} s)")
        failed += code != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
