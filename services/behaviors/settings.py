from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class BehaviorsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="UPLIFT_BEHAVIORS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./var/behaviors.db"
