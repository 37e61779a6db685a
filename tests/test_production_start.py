"""Production is safe by default (`uplift serve`, uplift_cli/main.py; common/people_tokens.py): outside development
nothing is created, printed or written under ./var; production refuses to start without a key for people's
tokens unless UPLIFT_JWT_DISABLED=true, which is said once at startup. Development keeps the demo tenant and key.

The CLI runs as real processes here (as docker-compose starts it); the rest in-process."""

import logging
import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from common.auth import issue_person_token
from common.db import Database
from common.identity.store import IdentityStore
from common.people_tokens import StartupRefused
from common.settings import ServiceSettings
from services.metrics.settings import MetricsSettings
from tests.conftest import JWT_SECRET
from tests.dbs import PG_URL
from tests.e2e.processes import UPLIFT, free_port, wait_healthy
from tests.timing import patience
from uplift_cli.local import FACTORIES, SETTINGS, build_local, create_service

OFF = "people's bearer tokens are OFF"


def _env(urls: dict[str, str], **extra: str) -> dict[str, str]:
    """The test process's environment without any Uplift setting that decides the outcome, the databases given."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("UPLIFT_ENVIRONMENT", "UPLIFT_JWT_SECRET", "UPLIFT_JWT_PUBLIC_KEY", "UPLIFT_JWT_DISABLED",
                        "UPLIFT_BROKER_URL")}
    env.update({"UPLIFT_IDENTITY_DATABASE_URL": urls["identity"], "UPLIFT_LOG_LEVEL": "WARNING"})
    for name in SETTINGS:
        env[f"UPLIFT_{name.upper()}_DATABASE_URL"] = urls[name]
    env.update(extra)
    return env


class Served:
    """`uplift serve ...` running in `cwd`; its output (stdout and stderr) once stopped."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = cwd.parent / f"{cwd.name}.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([UPLIFT, "serve", *args, "--port", str(self.port)], env=env, cwd=cwd,
                                         stdout=log, stderr=subprocess.STDOUT)

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=patience(10.0))
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.log.read_text(errors="replace")


Serve = Callable[[list[str], dict[str, str]], Served]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    started: list[Served] = []

    def start(args: list[str], env: dict[str, str]) -> Served:
        cwd = tmp_path / f"run{len(started)}"
        cwd.mkdir()
        served = Served(args, env, cwd)
        started.append(served)
        wait_healthy(served.url, served.proc, served.log)
        return served

    yield start
    for served in started:  # before the databases are cleaned
        served.stop()


async def _tenants(url: str) -> list[str]:
    identity = IdentityStore(Database(url))
    try:
        return [name for name in ("demo",) if await identity.find_tenant(name) is not None]
    finally:
        await identity.db.dispose()


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([UPLIFT, *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=patience(120.0))  # seeding the demo: ~1 min idle, 4-6 under load


# ---- no demo tenant, key or ./var outside development ---------------------------------------------------------


@pytest.mark.parametrize("environment", ["production", "test"])
async def test_outside_development_serve_creates_prints_and_writes_nothing(serve, db_urls, tmp_path, environment):
    served = serve([], _env(db_urls, UPLIFT_ENVIRONMENT=environment, UPLIFT_JWT_SECRET=JWT_SECRET))
    async with httpx.AsyncClient(timeout=patience(5.0)) as client:
        assert (await client.get(f"{served.url}/api/behaviors/v1/behaviors")).status_code == 401
    out = served.stop()
    assert "upl_" not in out and "API key:" not in out, out
    assert f"Uplift is running ({environment})" in out and "uplift tenant create <name>" in out, out
    assert "uplift apikey create" in out, out
    assert not (tmp_path / "run0" / "var").exists()
    assert await _tenants(db_urls["identity"]) == []


async def test_development_serve_still_creates_the_demo_tenant_and_prints_its_key(serve, db_urls, tmp_path):
    served = serve(["--no-demo"], _env(db_urls, UPLIFT_ENVIRONMENT="development"))
    out = served.stop()
    var = tmp_path / "run0" / "var"
    key = (var / "demo-credentials.json").read_text().split('"api_key": "')[1].split('"')[0]
    assert key.startswith("upl_") and f"API key:   {key}" in out, out
    assert (var / "jwt-secret").exists()
    assert await _tenants(db_urls["identity"]) == ["demo"]


# ---- production needs a key for people's tokens, or says loudly that they are off -------------------------------


@pytest.mark.parametrize("part", [None, "behaviors", "coaching", "metrics"])
def test_production_without_a_jwt_key_refuses_to_start(db_urls, tmp_path, part):
    args = ["serve", "--port", str(free_port())] + (["--service", part] if part else [])
    done = _run(args, _env(db_urls, UPLIFT_ENVIRONMENT="production"), tmp_path)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "production needs a key to verify people's bearer tokens" in done.stderr, done.stderr
    assert "UPLIFT_JWT_SECRET" in done.stderr and "UPLIFT_JWT_DISABLED=true" in done.stderr
    assert "Traceback" not in done.stderr and "Uplift is running" not in done.stdout
    assert not (tmp_path / "var").exists()


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_each_service_app_refuses_production_without_a_jwt_key(db_urls, name):
    def settings(**key: Any) -> ServiceSettings:
        return SETTINGS[name](database_url=db_urls[name], identity_database_url=db_urls["identity"],
                              environment="production", **{"jwt_secret": None, "jwt_public_key": None, **key})

    with pytest.raises(StartupRefused, match=f"^{name}: production needs a key"):
        create_service(name, settings())
    for key in ({"jwt_secret": JWT_SECRET}, {"jwt_public_key": "-----BEGIN PUBLIC KEY-----"}, {"jwt_disabled": True}):
        create_service(name, settings(**key))  # each one starts


def test_production_with_tokens_disabled_starts_and_says_so_once(serve, db_urls):
    served = serve([], _env(db_urls, UPLIFT_ENVIRONMENT="production", UPLIFT_JWT_DISABLED="true"))
    token = issue_person_token(JWT_SECRET, tenant_id=uuid.uuid4(), person_id=uuid.uuid4(), roles=["admin"])
    r = httpx.get(f"{served.url}/api/behaviors/v1/behaviors", headers={"authorization": f"Bearer {token}"},
                  timeout=patience(5.0))
    assert r.status_code == 401 and "turned off" in r.json()["detail"], r.text
    out = served.stop()
    assert out.count(OFF) == 1 and "WARNING" in out.split(OFF)[0].splitlines()[-1], out


async def test_a_lone_service_with_tokens_disabled_says_so_once(db_urls, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.WARNING, logger="uplift.auth")
    settings = MetricsSettings(database_url=db_urls["metrics"], identity_database_url=db_urls["identity"],
                               environment="production", jwt_secret=JWT_SECRET, jwt_disabled=True)
    app = create_service("metrics", settings)
    async with app.router.lifespan_context(app):
        pass
    said = [r for r in caplog.records if OFF in r.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.WARNING
    assert said[0].getMessage().startswith("metrics: ") and "the configured JWT key is ignored" in said[0].getMessage()


async def test_the_all_in_one_with_tokens_disabled_says_so_once_and_refuses_tokens(db_urls, caplog):
    caplog.set_level(logging.WARNING, logger="uplift.auth")
    local = build_local(db_urls, environment="production", jwt_secret=None, jwt_disabled=True,
                        api_key_cache_seconds=0.0)
    async with local.app.router.lifespan_context(local.app):
        tenant = await local.identity.create_tenant("acme")
        key = (await local.identity.create_key(tenant, "test", ["admin"])).api_key
        token = issue_person_token(JWT_SECRET, tenant_id=tenant, person_id=uuid.uuid4(), roles=["admin"])
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=local.app), base_url="http://uplift") as c:
            r = await c.get("/api/behaviors/v1/behaviors", headers={"authorization": f"Bearer {token}"})
            assert r.status_code == 401, r.text
            assert r.json()["detail"] == "Bearer tokens for people are turned off on this service; send an API key."
            r = await c.get("/api/behaviors/v1/behaviors", headers={"authorization": f"Bearer {key}"})
            assert r.status_code == 200, r.text
    assert [r.getMessage().split(":")[0] for r in caplog.records if OFF in r.getMessage()] == ["uplift"]


def test_token_issue_outside_development_needs_the_secret_and_writes_nothing(tmp_path):
    env = {**_env({"identity": "sqlite+aiosqlite:///x.db", **dict.fromkeys(SETTINGS, "sqlite+aiosqlite:///x.db")}),
           "UPLIFT_ENVIRONMENT": "production"}
    args = ["token", "issue", "--tenant", str(uuid.uuid4()), "--person", str(uuid.uuid4())]
    done = _run(args, env, tmp_path)
    assert done.returncode == 2 and "UPLIFT_JWT_SECRET" in done.stderr, (done.stdout, done.stderr)
    assert not (tmp_path / "var").exists()
    done = _run(args, {**env, "UPLIFT_JWT_SECRET": JWT_SECRET}, tmp_path)
    assert done.returncode == 0 and done.stdout.count(".") == 2, done.stderr


@pytest.mark.skipif(bool(PG_URL), reason="where the CLI writes does not depend on the database, and seeding a "
                                         "tenant takes a minute; tests/test_demo.py loads the demo on PostgreSQL")
async def test_seed_demo_outside_development_prints_its_key_and_writes_nothing(db_urls, tmp_path):
    env = _env(db_urls, UPLIFT_ENVIRONMENT="production", UPLIFT_JWT_SECRET=JWT_SECRET)
    done = _run(["seed-demo", "--tenant-name", "showroom", "--scale", "0.01"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert '"api_key": "upl_' in done.stdout
    assert not (tmp_path / "var").exists()
