"""Hostile requests against a real ``uvicorn`` process: one test per case of the catalogue.

    PYTHONPATH=. .venv/bin/python -m pytest tests/hostile -q -p no:cacheprovider

Every case (``tests/hostile/catalogue.py``) asserts its status and its problem+json answer (what
the detail mentions, the ``limit`` a 413 names), and then that the server is still up and
healthy, logged no incident, never called the canary and did not change the store
(``tests/hostile/harness.py``). Nothing here is timed: ``benchmarks/hostile.py`` runs the same
catalogue and times it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.hostile.catalogue import CASES
from tests.hostile.harness import LOG_ALARMS, Canary, check, new_log
from tests.hostile.model import Case, ServerName, Target

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile(
    case: Case, hostile_server: Callable[[ServerName], Target], canary: Canary
) -> None:
    check(case, hostile_server(case.server), canary)


def test_the_catalogue_is_large_enough() -> None:
    assert len(CASES) >= 60


def test_the_canary_was_never_called(
    hostile_server: Callable[[ServerName], Target], canary: Canary
) -> None:
    """After every case (this test runs last): no connection ever reached the canary."""
    hostile_server("main")
    assert canary.hits == []


def test_the_server_log_holds_no_incident(hostile_server: Callable[[ServerName], Target]) -> None:
    """After every case: the main server never logged an incident (a 500) or an exception no
    handler caught, even for what happened after a case's own checks."""
    log = new_log(hostile_server("main"), 0)
    for alarm in LOG_ALARMS:
        assert alarm not in log, f"{alarm.strip()!r} in the server log:\n{log[-4000:]}"
