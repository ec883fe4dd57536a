"""Check an evaluation folder's annotations as strictly as the seeds: every file, actor, date and
quote, and the SHACL shapes, by building the five seeds together with the folder in a scratch store.

    python benchmarks/check_folder.py seeds/untuned

Prints the problems with their file and line, or the counts; exits 1 on a problem. Nothing is written
outside a temporary directory. The extractor is never run here: an evaluation folder is annotated
before any rule looks at it.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.build import build  # noqa: E402
from graph.errors import ActorGraphError  # noqa: E402
from graph.store import Store  # noqa: E402


def merged_root(folder: Path, into: Path) -> Path:
    """The seeds and ``folder`` as one seeds directory under ``into``."""
    seeds = into / "seeds"
    shutil.copytree(ROOT / "seeds", seeds, ignore=shutil.ignore_patterns("eval", "untuned"))
    for sub in ("articles", "annotations"):
        for path in sorted((folder / sub).glob("*")):
            shutil.copy(path, seeds / sub / path.name)
    return seeds


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    folder = Path(argv[0])
    with tempfile.TemporaryDirectory() as tmp:
        seeds = merged_root(folder, Path(tmp))
        try:
            result = build(seeds, Store.memory())
        except ActorGraphError as e:
            print(e)
            return 1
    files = sorted(p.name for p in (folder / "annotations").glob("*.yaml"))
    print(f"{len(files)} annotation file(s) in {folder} conform, with the seeds:")
    print(f"  {sum(result.graphs.values()):,} triples in {len(result.graphs)} graphs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
