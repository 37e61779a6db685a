from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from common.settings import Environment


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="UPLIFT_GATEWAY_", extra="ignore")

    environment: Environment = "development"
    behaviors_url: str = "http://127.0.0.1:8001"
    coaching_url: str = "http://127.0.0.1:8002"
    metrics_url: str = "http://127.0.0.1:8003"
    request_timeout_seconds: float = 10.0  # the REST proxy's clients (ingest batches take longer than reads)
    max_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 2000
    max_body_bytes: int = 20_000_000  # ingest batches pass through the REST proxy
    # GraphQL introspection (`__schema`, `__type`) and "Did you mean …" suggestions in error messages: both tell a
    # caller the schema. None: on in development only; true/false: on/off in any environment.
    introspection: bool | None = None
    graphiql_dir: Path | None = None  # GraphiQL's fetched files (development); None: graphiql_assets.default_dir()
    # The longest URL (path and query string) sent to a service; longer is refused as a bad request before
    # it leaves (httpx cannot build one over 64 KiB; 200 batch keys of 128 characters fit).
    max_url_bytes: int = Field(32_768, ge=1024, le=65_000)

    # Degradation of GraphQL's downstream calls (docs/degradation.md).
    timeout_seconds: float = Field(5.0, gt=0)  # one call's whole budget, retries and backoff included
    connect_timeout_seconds: float = Field(1.0, gt=0)  # opening a connection (or waiting for a pooled one)
    read_timeout_seconds: float = Field(5.0, gt=0)  # between bytes of the answer (and of the request body)
    retries: int = Field(2, ge=0, le=5)  # extra attempts of a GET; writes are never repeated
    retry_backoff_seconds: float = Field(0.05, ge=0)  # before retry n: this * 2**(n-1) * random(0.5, 1)
    breaker_failures: int = Field(5, ge=1)  # consecutive failures that open a service's circuit ...
    breaker_window_seconds: float = Field(10.0, gt=0)  # ... when they fall within this many seconds
    breaker_cooldown_seconds: float = Field(15.0, gt=0)  # open this long, then one trial call

    @property
    def reveals_schema(self) -> bool:
        """Whether introspection and field suggestions are on (`introspection`, by default development only)."""
        return self.environment == "development" if self.introspection is None else self.introspection
