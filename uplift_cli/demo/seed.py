"""Seeding a tenant of a running all-in-one stack: for `uplift seed-demo` (in the foreground) and for the first
start of `uplift serve` (in the background, after startup, so the server answers at once).

Credentials of the seeded tenant are kept in a JSON file (`./var/demo-credentials.json`) with `seeded_at`;
a file without it means the demo still has to be seeded.
"""

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from common.identity.store import IdentityStore
from common.requestid import current_request_id
from services.coaching.relationships.fizzle_alerts import FizzleSweeper
from uplift_cli.demo.constants import SEED
from uplift_cli.demo.load import AlreadySeeded, LoadReport, load_demo
from uplift_cli.demo.plan import build_plan

log = logging.getLogger("uplift.demo")
Credentials = dict[str, Any]
BASE_URL = "http://uplift"
REQUEST_ID = "demo-seed"  # every seeding request carries it (and so do the services' logs of it)


class QuietSeeding(logging.Filter):
    """Keeps the seeding's few thousand request lines out of the server's log."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        ours = len(args) > 1 and str(args[1]).startswith(BASE_URL)
        return not ours and current_request_id() != REQUEST_ID


@dataclass
class Seeded:
    credentials: Credentials
    report: LoadReport


def read_credentials(path: Path) -> Credentials | None:
    return json.loads(path.read_text()) if path.exists() else None


def write_credentials(path: Path, credentials: Credentials) -> None:
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(credentials, indent=2))
    path.chmod(0o600)


async def new_tenant(identity: IdentityStore, name: str, *, reuse: bool) -> Credentials:
    """A tenant (the one of that name when `reuse`, else a new one) and a fresh admin key for it."""
    tenant_id = (await identity.find_tenant(name) if reuse else None) or await identity.create_tenant(name)
    key = await identity.create_key(tenant_id, "demo-admin", ["admin"])
    return {"tenant_id": str(tenant_id), "tenant_name": name, "api_key": key.api_key, "key_id": str(key.id)}


async def announce_fizzling(services: Mapping[str, FastAPI]) -> int:
    """The demo's history ends now, with a programme fizzling: one sweep of the coaching service announces it
    (programme.fizzling for the programme and its quiet pairs) at once, rather than at the sweep's next round
    (`UPLIFT_COACHING_FIZZLE_SWEEP_SECONDS`). Idempotent like any sweep."""
    return await FizzleSweeper(services["coaching"].state.db, every=3600).run_once()


async def seed(app: FastAPI, credentials: Credentials, *, jwt_secret: str | None, scale: float = 1.0,
               now: datetime | None = None, services: Mapping[str, FastAPI] | None = None) -> Seeded:
    """Load the demo into the tenant of `credentials` through the app's own APIs (raises AlreadySeeded); its
    evidence runs up to `now` (default: this moment). With the in-process `services`, the fizzling programme is
    announced at once (`announce_fizzling`)."""
    moment = now or datetime.now(UTC)
    plan = await asyncio.to_thread(build_plan, moment, scale=scale)
    headers = {"authorization": f"Bearer {credentials['api_key']}", "x-request-id": REQUEST_ID}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL, timeout=300,
                                 headers=headers) as client:
        report = await load_demo(client, plan, tenant_id=uuid.UUID(credentials["tenant_id"]), jwt_secret=jwt_secret)
    if services is not None:
        await announce_fizzling(services)
    done = {**credentials, "seeded_at": datetime.now(UTC).isoformat(timespec="seconds"), "seed": SEED,
            "today": plan.today.isoformat(), "anchored_at": plan.now.isoformat(timespec="seconds"),
            "scale": scale, "seconds": report.seconds["total"]}
    return Seeded(done, report)


def seed_after_startup(app: FastAPI, identity: IdentityStore, credentials: Credentials, *, jwt_secret: str | None,
                       save: Callable[[Credentials], None], services: Mapping[str, FastAPI] | None = None) -> None:
    """Seed the demo tenant in the background once the server has started (the first start in development).
    A tenant that already holds data (an interrupted seed, or the user's own) is left alone: a fresh tenant
    is seeded instead, and its credentials replace the saved ones."""
    inner = app.router.lifespan_context

    async def run() -> None:
        quiet = QuietSeeding()
        logging.getLogger("httpx").addFilter(quiet)
        try:
            await seed_and_save()
        finally:
            logging.getLogger("httpx").removeFilter(quiet)

    async def seed_and_save() -> None:
        log.info("Seeding the demo org into tenant %s in the background (about half a minute); the server "
                 "already answers, the data fills in meanwhile.", credentials["tenant_id"])
        try:
            try:
                done = await seed(app, credentials, jwt_secret=jwt_secret, services=services)
            except AlreadySeeded:
                log.warning("Tenant %s already holds data; seeding the demo into a new tenant instead.",
                            credentials["tenant_id"])
                done = await seed(app, await new_tenant(identity, "demo", reuse=False), jwt_secret=jwt_secret,
                                  services=services)
        except Exception:
            log.exception("Seeding the demo org failed; run `uplift seed-demo --tenant-name demo2` to try again.")
            return
        save(done.credentials)
        log.info("Demo org ready in %.1f s (%d API calls): tenant %s, API key %s", done.report.seconds["total"],
                 done.report.calls, done.credentials["tenant_id"], done.credentials["api_key"])

    @asynccontextmanager
    async def lifespan(gateway: FastAPI) -> AsyncIterator[None]:
        async with inner(gateway):
            task = asyncio.create_task(run())
            yield
            if not task.done():
                task.cancel()
                log.warning("The server stopped while seeding the demo; the next start seeds a fresh tenant.")
            await asyncio.gather(task, return_exceptions=True)

    app.router.lifespan_context = lifespan
