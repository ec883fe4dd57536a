"""Time the hostile catalogue (``tests/hostile/catalogue.py``) against a real server; print a table.

    python benchmarks/hostile.py                     # every case, 5 runs each
    python benchmarks/hostile.py --runs 3 -k sparql  # the cases whose name holds "sparql"
    python benchmarks/hostile.py --json benchmarks/results/hostile.json

A store is built from ``seeds/`` into a temporary directory and served by ``uvicorn --factory
api.app:factory`` with the settings of the tests (``tests.hostile.harness.settings``); the
rate-limit cases get a second server. Each case runs ``--runs`` times: its setup requests first,
untimed, then the case itself, timed from the first byte sent to the last byte read. The table
gives the statuses seen, whether every answer was as the catalogue expects (the same checks as
the tests, but for the server's health and the store, checked once at the end), the median and
the maximum time, and the budget rule: bombs must be answered within 2 s and runaway queries
within the query time limit and a second, on every run (the maximum). Exit status 1 when a
budget is exceeded.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from graph.build import build  # noqa: E402
from graph.store import Store  # noqa: E402
from tests.hostile.catalogue import BOMB, CASES  # noqa: E402
from tests.hostile.harness import Canary, check_answer, health, send, serve  # noqa: E402
from tests.hostile.model import Case, ServerName, Target  # noqa: E402


@dataclass
class Result:
    case: Case
    seconds: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("nan")

    @property
    def worst(self) -> float:
        return max(self.seconds) if self.seconds else float("nan")

    @property
    def rule(self) -> str:
        budget = self.case.budget
        if budget is None:
            return "—"
        if not self.seconds:
            return "FAIL"
        return "PASS" if self.worst <= budget else "FAIL"


def run_case(case: Case, target: Target, runs: int) -> Result:
    result = Result(case)
    for _ in range(runs):
        try:
            for step in case.setup:
                send(step, target)
            outcome = send(case, target)
        except Exception as exc:  # a raw case asserts on the way; a transport error
            result.problems.append(f"{type(exc).__name__}: {exc}")
            result.statuses["error"] += 1
            continue
        result.seconds.append(outcome.seconds)
        result.statuses["closed" if outcome.status is None else str(outcome.status)] += 1
        try:
            check_answer(case, outcome, target)
        except AssertionError as exc:
            result.problems.append(str(exc).splitlines()[0])
    return result


def seed_store(where: Path) -> Path:
    path = where / "seed"
    store = Store.open(path)
    try:
        build(ROOT / "seeds", store)
    finally:
        store.close()
    return path


def table(results: list[Result], runs: int) -> Table:
    out = Table(title=f"Hostile catalogue: {len(results)} cases × {runs} runs")
    out.add_column("case", no_wrap=True)
    out.add_column("endpoint", no_wrap=True)
    out.add_column("answers", no_wrap=True)
    out.add_column("as expected")
    out.add_column("median ms", justify="right")
    out.add_column("max ms", justify="right")
    out.add_column("budget", justify="right")
    out.add_column("rule")
    for r in results:
        answers = ", ".join(f"{s}×{n}" if n > 1 else s for s, n in sorted(r.statuses.items()))
        rule = {"PASS": "[green]PASS[/]", "FAIL": "[bold red]FAIL[/]"}.get(r.rule, r.rule)
        out.add_row(
            r.case.name,
            r.case.endpoint,
            answers,
            "yes" if not r.problems else "[red]no[/]",
            f"{r.median * 1000:,.0f}",
            f"{r.worst * 1000:,.0f}",
            "—" if r.case.budget is None else f"{r.case.budget:g} s",
            rule,
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each case (default 5)")
    parser.add_argument("-k", dest="pattern", default="", help="only cases whose name holds this")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--notes", action="store_true", help="print what is known of each case")
    args = parser.parse_args(argv)
    cases = [c for c in CASES if args.pattern in c.name]
    if not cases:
        parser.error(f"no case name holds {args.pattern!r}")
    console = Console(width=None if sys.stdout.isatty() else 160)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="hostile-bench-") as tmp, ExitStack() as stack:
        where = Path(tmp)
        started = time.perf_counter()
        seed = seed_store(where)
        canary = Canary()
        stack.callback(canary.close)
        targets: dict[ServerName, Target] = {}
        for name in dict.fromkeys(c.server for c in cases):
            shutil.copytree(seed, where / name)
            targets[name] = stack.enter_context(
                serve(name, where / name, where / f"{name}.log", canary)
            )
        console.print(f"servers up in {time.perf_counter() - started:.1f} s", style="dim")
        for case in cases:
            result = run_case(case, targets[case.server], args.runs)
            results.append(result)
            console.print(
                f"{case.name}: {result.median * 1000:,.0f} ms median, {result.rule}", style="dim"
            )
        alive = {name: t.process.poll() is None for name, t in targets.items()}
        healthy = {name: health(t)["status"] == "ok" for name, t in targets.items() if alive[name]}
        hits = canary.hits
    console.print(table(results, args.runs))
    for r in results:
        for problem in dict.fromkeys(r.problems):
            console.print(f"[red]{r.case.name}[/]: {problem}", markup=True, highlight=False)
        if args.notes and r.case.note:
            console.print(f"[dim]{r.case.name}: {r.case.note}[/]")
    failed = [r for r in results if r.rule == "FAIL"]
    budgeted = [r for r in results if r.case.budget is not None]
    console.print(
        f"budget rule (bombs ≤ {BOMB:g} s, runaways ≤ time limit + 1 s, every run): "
        f"{len(budgeted) - len(failed)} PASS, {len(failed)} FAIL; "
        f"unexpected answers in {sum(1 for r in results if r.problems)} cases; "
        f"servers alive: {alive}, healthy: {healthy}; canary calls: {len(hits)}"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "runs": args.runs,
                    "cases": [
                        {
                            "name": r.case.name,
                            "endpoint": r.case.endpoint,
                            "statuses": dict(r.statuses),
                            "median_ms": round(r.median * 1000, 1),
                            "max_ms": round(r.worst * 1000, 1),
                            "budget_s": r.case.budget,
                            "rule": r.rule,
                            "as_expected": not r.problems,
                        }
                        for r in results
                    ],
                    "canary_calls": len(hits),
                },
                indent=1,
            )
            + "\n"
        )
    ok = not failed and not hits and all(alive.values()) and all(healthy.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
