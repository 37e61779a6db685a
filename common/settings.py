"""Per-service settings: `UPLIFT_<SERVICE>_X` first, then the shared `UPLIFT_X`."""

from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

Environment = Literal["development", "test", "production"]


class ServiceSettings(BaseSettings):
    """Base for every service's settings; subclasses set `env_prefix` and a default database."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./var/service.db"
    identity_database_url: str = "sqlite+aiosqlite:///./var/identity.db"
    environment: Environment = "development"
    jwt_secret: SecretStr | None = None
    jwt_public_key: str | None = None
    jwt_algorithms: list[str] | None = None  # default: HS256 with a secret, RS256/ES256 with a public key
    jwt_audience: str = "uplift"
    jwt_issuer: str | None = None
    # true: people's bearer tokens are off (API keys only), said once at startup; production without a JWT key
    # refuses to start unless this is set (common/people_tokens.py)
    jwt_disabled: bool = False
    api_key_cache_seconds: float = 5.0
    database_pool_size: int = 10
    max_body_bytes: int = 1_000_000
    # true: FastAPI's native OpenTelemetry (spans, metrics, logs through the process's global providers). Off, no
    # request asks whether a provider was configured (that check alone was ~5% of a GET by id's CPU)
    opentelemetry: bool = False
    # Events between services: empty = the embedded in-process bus (all-in-one) or none (a lone service keeps
    # its events in its outbox); `nats://host:4222` = NATS JetStream, on this stream and subject prefix.
    broker_url: str = ""
    broker_stream: str = "UPLIFT"
    broker_subject_prefix: str = "uplift"
    # how long a consumer may hold a message before the broker offers it again (a crashed consumer's
    # unacknowledged events come back after this); handlers apply one small transaction per event
    broker_ack_wait_seconds: float = 10.0

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        shared = EnvSettingsSource(settings_cls, env_prefix="UPLIFT_")
        return (init_settings, env_settings, shared, dotenv_settings, file_secret_settings)
