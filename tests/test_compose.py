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


def test_compose_runs_two_replicas_of_every_part_behind_one_entry_point() -> None:
    """docs/scaling.md: two of each service and of the gateway; only the load balancer publishes a port (a
    fixed host port cannot be shared by replicas), and it proxies to the gateway service by name."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    for part in PARTS:
        assert services[part]["deploy"]["replicas"] >= 2, part
        assert "ports" not in services[part], f"{part} is replicated: only the load balancer publishes a port"
        assert "container_name" not in services[part], f"{part} is replicated: containers need their own names"
    lb = services["lb"]
    assert lb["ports"] == ["8000:8000"]
    config_file, mounted_at = lb["volumes"][0].split(":")[:2]
    assert mounted_at == "/etc/nginx/nginx.conf"
    config = (ROOT / config_file).read_text()
    assert "server gateway:8000 resolve;" in config and "proxy_pass http://gateway;" in config
    assert "listen 8000;" in config
