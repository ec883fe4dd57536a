"""Configuration, in one place: environment variables with the ``ACTORGRAPH_`` prefix.

Nothing else reads ``os.environ``. The CLI and the API factory take a ``Settings`` instance, so
tests build their own instead of patching globals.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["PROJECT_ROOT", "Settings"]

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
        default=2, description="Worker processes that run public SPARQL queries."
    )
    max_payload_bytes: int = Field(
        default=5_000_000, description="Largest request body accepted, bytes."
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed by CORS (none by default)."
    )
    steward_tokens: list[SecretStr] = Field(
        default_factory=list,
        description="Bearer tokens of data stewards; none means writes are off.",
    )

    @field_validator("query_timeout")
    @classmethod
    def _positive_timeout(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("ACTORGRAPH_QUERY_TIMEOUT must be a positive number of seconds")
        return value

    @field_validator("steward_tokens")
    @classmethod
    def _strong_tokens(cls, value: list[SecretStr]) -> list[SecretStr]:
        for token in value:
            if len(token.get_secret_value()) < 16:
                raise ValueError(
                    "each ACTORGRAPH_STEWARD_TOKENS entry must be at least 16 characters"
                )
        return value
