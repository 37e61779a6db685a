from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class MetricsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="UPLIFT_METRICS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./var/metrics.db"
