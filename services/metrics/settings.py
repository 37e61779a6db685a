from datetime import date

from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class MetricsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="UPLIFT_METRICS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./var/metrics.db"
    max_body_bytes: int = 20_000_000  # a batch of 5,000 activities with attributes
    # evidence (an activity's occurred_at, a completion's completed_at) before this UTC day is refused as
    # implausible, per item (ingest.py / plausibility.py)
    evidence_horizon: date = date(2000, 1, 1)
    # expected programme sessions accrue as days pass: the job looks for tenants not accrued through today this
    # often (cadence_accrual.py)
    cadence_accrual_seconds: float = 600.0
    # xAPI (services/metrics/xapi/): the homePage of the account a stored statement's authority is (the API key,
    # by its id), and the most statements one GET answers (a `limit` of 0 or above it means this)
    xapi_authority_home_page: str = "https://uplift.invalid/api-keys"
    xapi_max_limit: int = 500
