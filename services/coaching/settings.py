from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class CoachingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="UPLIFT_COACHING_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./var/coaching.db"
    # webhooks: deliveries are attempted in the background (tests drive them by hand); overdue actions are
    # looked for every so often and announced once (action.overdue); so are goals due for review (goal.review_due)
    webhooks_deliver: bool = True
    # one attempt may take this long in all (connect, TLS, request, answer); connecting alone this long
    webhooks_timeout_seconds: float = Field(default=10.0, gt=0)
    webhooks_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    # a replica claims due deliveries for this long (another replica skips them meanwhile); a claimer that dies
    # lets them go when it runs out. Longer than the timeout, so a live claimer always records its outcome first.
    webhooks_claim_seconds: float = Field(default=60.0, gt=0)
    webhooks_batch: int = Field(default=20, ge=1, le=500)  # deliveries claimed (and sent side by side) at once
    webhooks_poll_seconds: float = Field(default=1.0, gt=0)  # the wait when nothing was due
    overdue_sweep_seconds: float = 600.0
    review_due_sweep_seconds: float = 600.0
    # programmes (and pairs) that start fizzling or recover are looked for this often (programme.fizzling / .recovered)
    fizzle_sweep_seconds: float = 600.0

    @model_validator(mode="after")
    def _claim_outlasts_an_attempt(self) -> "CoachingSettings":
        if self.webhooks_claim_seconds <= self.webhooks_timeout_seconds:
            raise ValueError("webhooks_claim_seconds must be longer than webhooks_timeout_seconds (a claim must "
                             "outlast the attempt it covers, or another replica could send it again)")
        return self
