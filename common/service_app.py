"""What every service app shares: state, middleware, problem+json errors, health endpoints, events."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol

from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncSession

from common import heap, logsafety
from common.auth import Authenticator
from common.db import Database
from common.edge import EdgeMiddleware
from common.errors import ServiceUnavailable, install_error_handlers
from common.events import Event, Relay, Transport, inbox_handler
from common.events.jetstream import JetStreamBus
from common.idempotency import Idempotency
from common.identity.store import IdentityStore
from common.openapi import install_openapi, problems
from common.people_tokens import announce_people_tokens, check_people_tokens
from common.routing import add_routes
from common.settings import ServiceSettings
from common.validation import check_request

log = logging.getLogger("uplift.events")


@dataclass(frozen=True)
class Consumer:
    """One durable subscription of a service: `apply(session, event)` runs in one transaction with the
    inbox claim (an event id seen twice changes nothing)."""

    durable: str
    topics: tuple[str, ...]
    apply: Callable[[AsyncSession, Event], Awaitable[None]]


@dataclass
class ServiceEvents:
    """A service's part in events: the outbox it records into, the inbox and consumers it applies events with.
    `transport` is set by an assembler that runs events for several services (the all-in-one process); left
    unset, the service's lifespan runs its own when `broker_url` is set."""

    outbox: Table | None = None
    inbox: Table | None = None
    consumers: list[Consumer] = field(default_factory=list)
    transport: Transport | None = None

    @property
    def active(self) -> bool:
        return self.outbox is not None or bool(self.consumers)


class EventRuntime:
    """Runs events for one or more service apps on one transport: whoever creates the transport starts it,
    subscribes the apps' consumers, runs one relay per outbox, and on the way out stops the relays before
    closing the transport. A broker that cannot be reached at start is retried in the background (with
    backoff) while the services work: their events wait in their outboxes and leave once it is there."""

    def __init__(self, transport: Transport, apps: Sequence[FastAPI], *, retry_max: float = 30.0) -> None:
        self.transport = transport
        self.apps = list(apps)
        self.relays: list[Relay] = []
        self.retry_max = retry_max
        self._connecting: asyncio.Task[None] | None = None

    async def start(self) -> None:
        try:
            await self.transport.start()
        except ConnectionError as exc:
            log.warning("events: %s; retrying in the background, events wait in the outboxes", exc)
            self._connecting = asyncio.create_task(self._connect_later(), name="events:connect")
            return
        await self._wire()

    async def _connect_later(self) -> None:
        delay = 1.0
        while True:
            await asyncio.sleep(delay)
            try:
                await self.transport.start()
            except ConnectionError:
                delay = min(self.retry_max, delay * 2)
                continue
            log.warning("events: broker reached, relaying and consuming now")
            await self._wire()
            return

    async def _wire(self) -> None:
        for app in self.apps:
            events: ServiceEvents = app.state.events
            db: Database = app.state.db
            for c in events.consumers:
                assert events.inbox is not None, "a service with consumers declares an inbox"
                await self.transport.subscribe(c.durable, c.topics, inbox_handler(db, events.inbox, c.durable,
                                                                                  c.apply))
        for app in self.apps:  # relays only once every consumer listens
            if app.state.events.outbox is not None:
                relay = Relay(app.state.db, app.state.events.outbox, self.transport)
                self.relays.append(relay)
                await relay.start()

    async def stop(self) -> None:
        if self._connecting is not None:
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connecting
            self._connecting = None
        for relay in self.relays:
            await relay.stop()
        self.relays.clear()
        await self.transport.close()


def broker_transport(settings: ServiceSettings, name: str) -> Transport:
    return JetStreamBus(settings.broker_url, stream=settings.broker_stream, prefix=settings.broker_subject_prefix,
                        ack_wait=settings.broker_ack_wait_seconds, name=f"uplift-{name}")


class Worker(Protocol):
    """Background work a service runs while it is up (webhook deliveries, sweeps)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


AUTOVACUUM_OFF = ("autovacuum is off on its PostgreSQL server, so tables are analysed only where Uplift does it "
                  "after bulk loads; turn autovacuum on, or run ANALYZE after loading data by other means")


def build_service_app(*, name: str, settings: ServiceSettings, routers: Sequence[APIRouter],
                      idempotency: Table, identity: IdentityStore | None = None,
                      events: ServiceEvents | None = None,
                      workers: Sequence[Callable[[FastAPI], Worker]] = (),
                      json_exempt: tuple[str, ...] = ()) -> FastAPI:
    """`idempotency` is the service's `idempotency_keys` table (see common.idempotency); `events` its outbox
    and consumers (see common/events/README.md); `workers` build background work started with the app and
    stopped before its database closes; `json_exempt` the path prefixes that read their own media types
    (common/jsonbody.py). Refuses (StartupRefused) a production without a key for people's
    tokens (common/people_tokens.py)."""
    check_people_tokens(settings, name)
    logsafety.install()
    db = Database(settings.database_url, pool_size=settings.database_pool_size)
    owns_identity = identity is None
    identity_store = identity or IdentityStore(Database(settings.identity_database_url),
                                               cache_seconds=settings.api_key_cache_seconds)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not app.state.assembled:  # a process of its own (the all-in-one says it once for all)
            announce_people_tokens(settings, name)
        service_events: ServiceEvents = app.state.events
        runtime: EventRuntime | None = None
        if service_events.transport is None and service_events.active:  # no assembler runs our events
            if settings.broker_url:
                runtime = EventRuntime(broker_transport(settings, name), [app])
                await runtime.start()
            else:
                log.warning("%s: UPLIFT_BROKER_URL is not set; its events stay in its outbox (and it consumes "
                            "none) until a broker is configured", name)
        if await db.autovacuum_off():
            logging.getLogger("uplift.db").warning("%s: %s", name, AUTOVACUUM_OFF)
        running = [make(app) for make in workers]
        for worker in running:
            await worker.start()
        heap.settle()  # started: what lives now lives as long as the process (common/heap.py)
        try:
            yield
        finally:
            for worker in reversed(running):
                await worker.stop()
            if runtime is not None:
                await runtime.stop()
            await db.dispose()
            if owns_identity:
                await identity_store.db.dispose()

    dev = settings.environment != "production"
    telemetry = settings.opentelemetry
    app = FastAPI(title=f"Uplift {name}", lifespan=lifespan, docs_url="/docs" if dev else None,
                  redoc_url=None, openapi_url="/openapi.json" if dev else None,
                  dependencies=[Depends(check_request)],
                  telemetry={"tracing": telemetry, "metrics": telemetry, "logs": telemetry})
    app.state.settings = settings
    app.state.db = db
    app.state.identity = identity_store
    app.state.auth = Authenticator(settings, identity_store)
    app.state.events = events or ServiceEvents()
    app.state.assembled = False  # True when an assembler (uplift_cli/local.py) runs it with others in one process
    # request id, body cap, 415 before a key is recorded or a body parsed, Idempotency-Key: one layer (common/edge.py)
    app.add_middleware(EdgeMiddleware, max_bytes=settings.max_body_bytes, json_exempt=json_exempt,
                       idempotency=Idempotency(db, idempotency))
    install_error_handlers(app)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": name}

    @app.get("/readyz", tags=["health"], responses=problems(503))
    async def readyz() -> dict[str, str | list[str]]:
        """Ready when the database answers; `warnings` names what works but should be fixed by an operator."""
        try:
            async with db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:  # any driver error means not ready
            raise ServiceUnavailable(f"database unreachable: {type(exc).__name__}") from None
        warnings = [AUTOVACUUM_OFF] if await db.autovacuum_off() else []
        return {"status": "ready", "service": name, "warnings": warnings}

    for router in routers:  # straight into the app's table (common/routing.py)
        add_routes(app, router)
    install_openapi(app)
    return app
