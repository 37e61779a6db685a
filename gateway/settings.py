from pydantic_settings import BaseSettings, SettingsConfigDict

from common.settings import Environment


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="UPLIFT_GATEWAY_", extra="ignore")

    environment: Environment = "development"
    behaviors_url: str = "http://127.0.0.1:8001"
    coaching_url: str = "http://127.0.0.1:8002"
    metrics_url: str = "http://127.0.0.1:8003"
    request_timeout_seconds: float = 10.0
    max_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 2000
    max_body_bytes: int = 20_000_000  # ingest batches pass through the REST proxy
