"""Bulk load: triples/s of ``actorgraph load`` (:func:`graph.load.load_file`) on the embedded store.

    python benchmarks/bulk_load.py            # the 1M synthetic dump, gzipped
    python benchmarks/bulk_load.py 100k       # a smaller one

The dump is the whole synthetic dataset of :mod:`benchmarks.synth` (cached store, written once as
``benchmarks/.cache/synth-<scale>-s1.nq.gz``: ontology graph included, which the load skips).
Each run loads it into a new store in a temporary directory, three ways: pyoxigraph's own
``bulk_load`` of the file (the floor), ``load_file`` without the shape check, and with it.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import synth  # noqa: E402
from graph.load import load_file  # noqa: E402
from graph.store import Store  # noqa: E402


def dump(scale: str) -> Path:
    """The cached gzipped N-Quads dump of the synthetic store of ``scale``."""
    info = synth.cached(scale)
    out = info.path.parent / f"{info.name}.nq.gz"
    if not out.exists():
        tmp = out.with_suffix(".tmp")
        store = ox.Store.read_only(str(info.path))
        with gzip.open(tmp, "wb", compresslevel=1) as sink:
            store.dump(sink, format=ox.RdfFormat.N_QUADS)
        tmp.replace(out)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scale", nargs="?", default="1m")
    args = parser.parse_args()
    path = dump(args.scale)
    print(f"dump: {path} ({path.stat().st_size / 1e6:.0f} MB gzipped)")
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "store"
        started = time.perf_counter()
        raw = ox.Store(str(target))
        with gzip.open(path, "rb") as stream:
            raw.bulk_load(input=stream, format=ox.RdfFormat.N_QUADS)
        raw.flush()
        seconds = time.perf_counter() - started
        n = len(raw)
        del raw
        print(f"pyoxigraph bulk_load:   {n:>9,} quads {seconds:6.1f} s {n / seconds:>9,.0f} /s")
        for check in (False, True):
            shutil.rmtree(target)
            store = Store.open(target)
            started = time.perf_counter()
            result = load_file(store, path, check=check)
            store.close()
            total = time.perf_counter() - started
            label = "load --check:   " if check else "load --no-check:"
            print(
                f"actorgraph {label} {result.quads:>9,} quads {total:6.1f} s "
                f"{result.quads / total:>9,.0f} /s (loading {result.seconds:.1f} s, "
                f"{result.ontology_skipped:,} ontology triples skipped"
                + (
                    f"; {result.checked} nodes checked in {result.check_seconds:.1f} s, "
                    f"{len(result.problems)} problem(s))"
                    if check
                    else ")"
                )
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
