from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class CoachingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="UPLIFT_COACHING_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./var/coaching.db"
    # webhooks: deliveries are attempted in the background (tests drive them by hand); overdue actions are
    # looked for every so often and announced once (action.overdue)
    webhooks_deliver: bool = True
    overdue_sweep_seconds: float = 600.0
