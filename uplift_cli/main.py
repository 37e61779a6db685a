"""`uplift`: serve, migrate, tenants, API keys, dev tokens, the GraphQL SDL."""

import asyncio
import json
import os
import secrets
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import uvicorn

from common.auth import PERSON_ROLES, issue_person_token
from common.db import Database
from common.errors import AppError
from common.identity.store import IdentityStore
from common.migrations import HISTORIES, upgrade
from common.people_tokens import StartupRefused
from common.requestid import configure_logging
from common.settings import ServiceSettings
from services.behaviors.settings import BehaviorsSettings
from services.coaching.settings import CoachingSettings
from services.metrics.settings import MetricsSettings

app = typer.Typer(help="Uplift: behaviours, coaching and measured impact.", no_args_is_help=True)
tenant_app = typer.Typer(help="Tenants.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys for integrations.", no_args_is_help=True)
token_app = typer.Typer(help="Bearer tokens for people (development and tests).", no_args_is_help=True)
schema_app = typer.Typer(help="The gateway's GraphQL schema.", no_args_is_help=True)
app.add_typer(tenant_app, name="tenant")
app.add_typer(apikey_app, name="apikey")
app.add_typer(token_app, name="token")
app.add_typer(schema_app, name="schema")

VAR = Path("var")
DEMO_CREDENTIALS = VAR / "demo-credentials.json"
SERVICE_SETTINGS: dict[str, type[ServiceSettings]] = {
    "behaviors": BehaviorsSettings, "coaching": CoachingSettings, "metrics": MetricsSettings}
PARTS = (*SERVICE_SETTINGS, "gateway")


def _urls() -> dict[str, str]:
    urls = {name: cls().database_url for name, cls in SERVICE_SETTINGS.items()}
    urls["identity"] = ServiceSettings().identity_database_url
    return urls


def _identity() -> IdentityStore:
    url = _urls()["identity"]
    upgrade("identity", url)
    return IdentityStore(Database(url))


def _fail(err: AppError) -> None:
    typer.echo(f"error: {err.detail}", err=True)
    raise typer.Exit(2)


def _dev_jwt_secret() -> str:
    """Development only: a secret kept under ./var/ so tokens survive restarts."""
    if os.environ.get("UPLIFT_JWT_SECRET"):
        return os.environ["UPLIFT_JWT_SECRET"]
    path = VAR / "jwt-secret"
    if not path.exists():
        VAR.mkdir(exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


@app.command()
def migrate(service: Annotated[str | None, typer.Option(help="identity, behaviors, coaching or metrics")] = None
            ) -> None:
    """Upgrade every service's database to the newest schema (or one service's)."""
    urls = _urls()
    for history in HISTORIES if service is None else (service,):
        if history not in urls:
            raise typer.BadParameter(f"unknown service {history!r}")
        upgrade(history, urls[history])
        typer.echo(f"{history}: at head")


@app.command()
def serve(
    service: Annotated[str | None, typer.Option(help="run one part: behaviors, coaching, metrics or gateway")] = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    migrate_first: Annotated[bool, typer.Option("--migrate/--no-migrate")] = True,
    demo: Annotated[bool, typer.Option("--demo/--no-demo", help="seed the demo org on the first start "
                                                                "(development, all-in-one)")] = True,
) -> None:
    """Serve everything in one process (default) or one part as its own process. Outside development nothing
    is created (no tenant, no key, nothing under ./var); production refuses to start without a key for
    people's tokens (UPLIFT_JWT_SECRET or UPLIFT_JWT_PUBLIC_KEY) unless UPLIFT_JWT_DISABLED=true."""
    configure_logging(os.environ.get("UPLIFT_LOG_LEVEL", "INFO"))
    if service is None:
        _serve_all(host, port, migrate_first, demo)
        return
    if service not in PARTS:
        raise typer.BadParameter(f"--service must be one of {', '.join(PARTS)}")
    if service == "gateway":
        from gateway.app import create_app as create_gateway

        uvicorn.run(create_gateway(), host=host, port=port, log_level="warning")
        return
    from uplift_cli.local import create_service

    # Its own events: a JetStreamBus when UPLIFT_BROKER_URL is set (run by the service's lifespan); without a
    # broker the service still works and its events wait in its outbox.
    service_app = _refused_or(lambda: create_service(service))  # before migrating: a refused start changes nothing
    if migrate_first:
        upgrade(service, _urls()[service])
    uvicorn.run(service_app, host=host, port=port, log_level="warning")


T = TypeVar("T")


def _refused_or(build: Callable[[], T]) -> T:
    """`build()`, or a clear message and exit status 2 when the configuration must not start."""
    try:
        return build()
    except StartupRefused as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None


def _environment() -> str:
    return os.environ.get("UPLIFT_ENVIRONMENT", "development")


def _serve_all(host: str, port: int, migrate_first: bool, seed_demo: bool) -> None:
    from uplift_cli.demo.seed import seed_after_startup, write_credentials
    from uplift_cli.local import build_local

    urls = _urls()
    environment = _environment()
    development = environment == "development"
    tokens_off = ServiceSettings().jwt_disabled  # then the services ignore any secret (common/people_tokens.py)
    jwt_secret = _dev_jwt_secret() if development else os.environ.get("UPLIFT_JWT_SECRET")
    stack = _refused_or(lambda: build_local(urls, environment=environment, jwt_secret=jwt_secret))
    if migrate_first:
        for history in HISTORIES:
            upgrade(history, urls[history])
    base = f"http://{host}:{port}"
    where = (f"  GraphQL:   {base}/graphql\n"
             f"  REST:      {base}/api/behaviors/v1/behaviors  (also /api/coaching/..., /api/metrics/...)\n")
    if not development:  # nothing is created, printed or written: tenants and keys come from the CLI
        typer.echo(f"\nUplift is running ({environment}).\n{where}"
                   "  No tenant or API key is created outside development. Create a tenant and its admin key\n"
                   "  (printed once) with\n    uplift tenant create <name>\n  and more keys with\n"
                   "    uplift apikey create --tenant <tenant id> --scopes <scopes> --name <what it is for>\n")
        uvicorn.run(stack.app, host=host, port=port, log_level="warning")
        return
    demo = _ensure_demo(stack.identity)
    seeding = seed_demo and not tokens_off and not demo.get("seeded_at")  # the demo signs people's tokens
    if seeding:  # the first start: the demo org loads through the APIs once the server is up
        seed_after_startup(stack.app, stack.identity, demo, jwt_secret=jwt_secret,
                           save=lambda done: write_credentials(DEMO_CREDENTIALS, done), services=stack.services)
    note = "  demo org:  seeding in the background; the log says when it is ready\n" if seeding else ""
    typer.echo(f"\nUplift is running.\n{where}  tenant:    {demo['tenant_id']}\n"
               f"  API key:   {demo['api_key']}\n  try:       curl -H 'Authorization: Bearer {demo['api_key']}' "
               f"{base}/api/behaviors/v1/behaviors\n{note}")
    uvicorn.run(stack.app, host=host, port=port, log_level="warning")


def _ensure_demo(identity: IdentityStore) -> dict[str, Any]:
    """First start: a demo tenant and an admin key, remembered under ./var/ (development only); the demo org
    is seeded into it afterwards (`seeded_at` in the file once done)."""
    path = DEMO_CREDENTIALS
    saved: dict[str, Any] | None = json.loads(path.read_text()) if path.exists() else None

    async def run() -> dict[str, Any]:
        try:
            if saved and await identity.verify(saved["api_key"]) is not None:
                return saved
            tenant_id = await identity.find_tenant("demo") or await identity.create_tenant("demo")
            key = await identity.create_key(tenant_id, "demo-admin", ["admin"])
            return {"tenant_id": str(tenant_id), "api_key": key.api_key}
        finally:
            await identity.db.dispose()

    result = asyncio.run(run())
    if result != saved:
        VAR.mkdir(exist_ok=True)
        path.write_text(json.dumps(result, indent=2))
        path.chmod(0o600)
    return result


@app.command("seed-demo")
def seed_demo(
    tenant_name: Annotated[str, typer.Option(help="the tenant to seed: created, or reused when it is empty")] = "demo",
    scale: Annotated[float, typer.Option(min=0.01, max=1.0, help="thin the high-volume CRM activity "
                                                                 "(calls, e-mails, meetings below C-level)")] = 1.0,
) -> None:
    """Load the demo org (people, behaviours, coaching history, CRM and LMS evidence) into a tenant through the
    APIs; a tenant that already holds data is refused. Prints its admin key; in development also keeps the
    credentials in ./var/demo-credentials.json (elsewhere nothing is written)."""
    from uplift_cli.demo.api import DemoLoadError
    from uplift_cli.demo.load import AlreadySeeded
    from uplift_cli.demo.seed import Seeded, new_tenant, seed, write_credentials
    from uplift_cli.local import build_local

    urls = _urls()
    for history in HISTORIES:
        upgrade(history, urls[history])
    environment = _environment()
    jwt_secret = _dev_jwt_secret() if environment == "development" else os.environ.get("UPLIFT_JWT_SECRET")
    if not jwt_secret:
        typer.echo("error: seed-demo signs people's tokens: set UPLIFT_JWT_SECRET (outside development).", err=True)
        raise typer.Exit(2)
    stack = build_local(urls, environment=environment, jwt_secret=jwt_secret)

    async def run() -> Seeded:
        async with stack.app.router.lifespan_context(stack.app):
            credentials = await new_tenant(stack.identity, tenant_name, reuse=True)
            try:
                return await seed(stack.app, credentials, jwt_secret=jwt_secret, scale=scale,
                                  services=stack.services)
            except AlreadySeeded:
                await stack.identity.revoke_key(uuid.UUID(credentials["key_id"]))
                raise

    try:
        done = asyncio.run(run())
    except AlreadySeeded as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    except AppError as err:
        _fail(err)
        raise
    except DemoLoadError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    if environment == "development":  # elsewhere the key is printed once, below, and kept nowhere
        write_credentials(DEMO_CREDENTIALS, done.credentials)
    typer.echo(json.dumps({"tenant_id": done.credentials["tenant_id"], "api_key": done.credentials["api_key"],
                           "seconds": done.report.seconds, "api_calls": done.report.calls,
                           "loaded": done.report.summary}, indent=2))


@tenant_app.command("create")
def tenant_create(name: str) -> None:
    """Create a tenant and its first admin key; prints JSON {tenant_id, api_key}. The admin key lacks
    metrics:internal (granted only when named: `uplift apikey create --scopes metrics:internal`)."""

    identity = _identity()

    async def run() -> dict[str, str]:
        try:
            tenant_id = await identity.create_tenant(name)
            key = await identity.create_key(tenant_id, "admin", ["admin"])
            return {"tenant_id": str(tenant_id), "api_key": key.api_key}
        finally:
            await identity.db.dispose()

    try:
        typer.echo(json.dumps(asyncio.run(run())))
    except AppError as err:
        _fail(err)


@apikey_app.command("create")
def apikey_create(
    tenant: Annotated[uuid.UUID, typer.Option(help="tenant id")],
    scopes: Annotated[str, typer.Option(help="comma-separated, e.g. behaviors:read,activities:write; `admin` is "
                                             "everything in the tenant except metrics:internal (the read model "
                                             "deciding who a manager sees), granted only when named")],
    name: Annotated[str, typer.Option(help="what the key is for, e.g. crm-plugin")],
) -> None:
    """Issue an API key; the key is shown once, only its hash is stored. A key with an xAPI scope also shows
    the HTTP Basic user name and password an LMS sends to the xAPI endpoint (its id and its secret)."""

    identity = _identity()

    async def run() -> dict[str, object]:
        try:
            key = await identity.create_key(tenant, name, [s.strip() for s in scopes.split(",") if s.strip()])
            out: dict[str, object] = {"id": str(key.id), "tenant_id": str(key.tenant_id), "api_key": key.api_key,
                                      "prefix": key.prefix, "scopes": list(key.scopes)}
            if any(s.startswith("xapi:") for s in key.scopes):
                out["xapi_basic"] = {"username": str(key.id), "password": key.api_key.split("_", 2)[2]}
            return out
        finally:
            await identity.db.dispose()

    try:
        typer.echo(json.dumps(asyncio.run(run())))
    except AppError as err:
        _fail(err)


@apikey_app.command("revoke")
def apikey_revoke(key_id: uuid.UUID) -> None:
    """Revoke an API key (every service stops accepting it within a few seconds)."""

    identity = _identity()

    async def run() -> None:
        try:
            await identity.revoke_key(key_id)
        finally:
            await identity.db.dispose()

    try:
        asyncio.run(run())
    except AppError as err:
        _fail(err)
    typer.echo(json.dumps({"id": str(key_id), "revoked": True}))


@token_app.command("issue")
def token_issue(
    tenant: Annotated[uuid.UUID, typer.Option(help="tenant id")],
    person: Annotated[uuid.UUID, typer.Option(help="person id")],
    roles: Annotated[str, typer.Option(help=f"comma-separated: {', '.join(PERSON_ROLES)}")] = "seller",
    hours: int = 8,
) -> None:
    """A signed bearer token for a person (HS256 with UPLIFT_JWT_SECRET, or in development the ./var secret)."""
    from datetime import timedelta

    role_list = [r.strip() for r in roles.split(",") if r.strip()]
    bad = [r for r in role_list if r not in PERSON_ROLES]
    if bad:
        raise typer.BadParameter(f"unknown roles: {', '.join(bad)}")
    if _environment() != "development" and not os.environ.get("UPLIFT_JWT_SECRET"):  # never a ./var secret there
        typer.echo("error: outside development tokens are signed with UPLIFT_JWT_SECRET: set it.", err=True)
        raise typer.Exit(2)
    typer.echo(issue_person_token(_dev_jwt_secret(), tenant_id=tenant, person_id=person, roles=role_list,
                                  ttl=timedelta(hours=hours)))


@schema_app.command("export")
def schema_export(out: Annotated[Path | None, typer.Option(help="write here instead of stdout")] = None) -> None:
    """Print the GraphQL SDL (what gateway/schema.graphql holds)."""
    from gateway.schema import schema

    sdl = schema.as_str() + "\n"
    if out:
        out.write_text(sdl)
    else:
        typer.echo(sdl, nl=False)


if __name__ == "__main__":
    app()
