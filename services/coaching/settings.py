from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class CoachingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="UPLIFT_COACHING_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./var/coaching.db"
