"""The errors actorgraph raises, one small hierarchy.

``graph/`` raises only these. The API maps each class to an HTTP status in one place
(``api/errors.py``) and the CLI maps them to exit codes, so a user error never surfaces as a
traceback or a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "ActorGraphError",
    "Conflict",
    "EndpointBusy",
    "InvalidInput",
    "LimitExceeded",
    "NotFound",
    "QueryRefused",
    "QueryTimeout",
    "RetractionRefused",
    "StoreLocked",
    "StoreUnavailable",
    "ValidationFailed",
]


class ActorGraphError(Exception):
    """Base class: something the user can act on, with a message saying what to do."""

    title = "actorgraph error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFound(ActorGraphError):
    """An actor, event, batch or graph that the store does not hold."""

    title = "Not found"

    def __init__(self, message: str, *, suggestions: list[str] | None = None) -> None:
        super().__init__(message)
        self.suggestions = suggestions or []


@dataclass
class Location:
    """Where in an input the problem is (1-based line and column, when known)."""

    source: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.source or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class InvalidInput(ActorGraphError):
    """Malformed RDF, SPARQL or annotation: says where (file, line, column) and what is wrong."""

    title = "Invalid input"

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.location = Location(source, line, column)
        super().__init__(message)

    @property
    def line(self) -> int | None:
        return self.location.line

    @property
    def column(self) -> int | None:
        return self.location.column

    @property
    def source(self) -> str | None:
        return self.location.source

    def __str__(self) -> str:
        if self.location.source is None and self.location.line is None:
            return self.message
        return f"{self.location}: {self.message}"


class LimitExceeded(ActorGraphError):
    """Input over one of the server's limits (size, nesting depth, triples, characters, or the
    time or memory its processing may take). Says which limit, its value and its setting, so a
    client can split the input and an operator can raise the limit.
    """

    title = "Limit exceeded"

    def __init__(self, message: str, *, limit: str, allowed: int | float | None = None) -> None:
        super().__init__(message)
        self.limit = limit  #: the setting, e.g. ``ACTORGRAPH_MAX_NESTING_DEPTH``
        self.allowed = allowed  #: its value


class QueryRefused(ActorGraphError):
    """A query the public endpoint will not run (an update, SERVICE, LOAD, a foreign dataset, a cap)."""

    title = "Query refused"


class QueryTimeout(ActorGraphError):
    """A query that ran past its time limit and was stopped."""

    title = "Query timed out"


class EndpointBusy(QueryTimeout):
    """Every query worker stayed busy for the whole time limit; nothing was run."""

    title = "Endpoint busy"


class Conflict(ActorGraphError):
    """A write that clashes with another one in progress or with what the store holds."""

    title = "Conflict"


class StoreUnavailable(ActorGraphError):
    """The store cannot be opened (missing, locked by another process, damaged)."""

    title = "Store unavailable"


class StoreLocked(StoreUnavailable):
    """The store is held by another process (a server, or another command): RocksDB lets one
    process open it for writing. The command line reads the server's checkpoints instead
    (:mod:`graph.beside`)."""


class ValidationFailed(ActorGraphError):
    """Data that does not conform to the SHACL shapes; carries the report."""

    title = "Validation failed"

    def __init__(
        self, report: Any, message: str = "the data does not conform to the shapes"
    ) -> None:
        super().__init__(message)
        self.report = report


class RetractionRefused(Conflict, ValidationFailed):
    """A retraction that would leave data that does not conform (another batch builds on this
    one); carries the report of what would break. A conflict (409), not a bad request."""

    title = "Retraction refused"

    def __init__(self, report: Any, message: str) -> None:
        ValidationFailed.__init__(self, report, message)
