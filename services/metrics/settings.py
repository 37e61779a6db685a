from datetime import date

from pydantic import Field
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
    # an open gap whose indicators did not move after this many of the seller's sessions is a GAP_PERSISTS reason in
    # the coaching queue (queue_scoring.py), judged over windows of gap_window_days (gap_evaluation.py)
    gap_persists_sessions: int = Field(default=3, ge=1, le=100)
    gap_window_days: int = Field(default=28, ge=1, le=180)
    # indicators gone off track (and back) in their running period are looked for this often
    # (alerts/indicators.py: indicator.off_track / indicator.back_on_track)
    indicator_alert_seconds: float = 600.0
    # xAPI (services/metrics/xapi/): the homePage of the account a stored statement's authority is (the API key,
    # by its id), and the most statements one GET answers (a `limit` of 0 or above it means this)
    xapi_authority_home_page: str = "https://uplift.invalid/api-keys"
    xapi_max_limit: int = 500
