"""docker-compose.yml can't run here (no Docker engine); this keeps it honest against the code:
every part it starts exists, and every UPLIFT_* variable it sets is one our settings read."""

from pathlib import Path

import yaml

from common.settings import ServiceSettings
from gateway.settings import GatewaySettings
from services.behaviors.settings import BehaviorsSettings
from services.coaching.settings import CoachingSettings
from services.metrics.settings import MetricsSettings
from uplift_cli.main import PARTS

ROOT = Path(__file__).resolve().parent.parent


def _known_variables() -> set[str]:
    names = {f"UPLIFT_{f.upper()}" for f in ServiceSettings.model_fields}
    for cls in (BehaviorsSettings, CoachingSettings, MetricsSettings, GatewaySettings):
        prefix = cls.model_config.get("env_prefix", "")
        names |= {f"{prefix}{f}".upper() for f in cls.model_fields}
    return names


def test_compose_runs_every_part_with_real_settings() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    serve = ["uplift", "serve", "--service"]
    started = {s["command"][3] for s in services.values() if s.get("command", [])[:3] == serve}
    assert started == set(PARTS)
    known = _known_variables()
    for name, service in services.items():
        for variable in service.get("environment", {}):
            if variable.startswith("UPLIFT_"):
                assert variable in known, f"{name} sets {variable}, which no settings class reads"
    gateway_env = services["gateway"]["environment"]
    for part in ("behaviors", "coaching", "metrics"):
        assert gateway_env[f"UPLIFT_GATEWAY_{part.upper()}_URL"] == f"http://{part}:8000"


def test_every_service_database_is_created() -> None:
    init = (ROOT / "docker" / "postgres-init.sql").read_text()
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    env = compose["x-uplift"]["environment"]
    for variable, url in env.items():
        if variable.endswith("DATABASE_URL"):
            assert f"CREATE DATABASE {url.rsplit('/', 1)[1]};" in init
