from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class MetricsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="UPLIFT_METRICS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./var/metrics.db"
    max_body_bytes: int = 20_000_000  # a batch of 5,000 activities with attributes
