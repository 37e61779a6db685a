"""The all-in-one process: every service in-process behind the gateway, over ASGI transports.

The gateway's clients get `httpx.ASGITransport` onto each service app; nothing else differs from
separate processes. ASGI transports don't run a sub-app's lifespan, so we enter each one here.

Events: ONE transport for every service — the in-process bus, or NATS JetStream when `UPLIFT_BROKER_URL`
is `nats://…` — handed to each app before its lifespan runs. The lifespan below starts the transport,
enters the services' lifespans, subscribes their consumers and starts one relay per outbox; on the way
out the relays stop, then the transport closes, then the services let go of their databases.
"""

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from sqlalchemy import func, select

from common.db import Database
from common.events import InProcessBus, Transport
from common.http import service_client
from common.identity.store import IdentityStore
from common.people_tokens import announce_people_tokens, check_people_tokens
from common.service_app import EventRuntime, broker_transport
from common.settings import ServiceSettings
from gateway.app import create_app as create_gateway
from gateway.settings import GatewaySettings
from services.behaviors.app import create_app as create_behaviors
from services.behaviors.settings import BehaviorsSettings
from services.coaching.app import create_app as create_coaching
from services.coaching.settings import CoachingSettings
from services.metrics.app import create_app as create_metrics
from services.metrics.settings import MetricsSettings

FACTORIES: dict[str, Callable[..., FastAPI]] = {
    "behaviors": create_behaviors, "coaching": create_coaching, "metrics": create_metrics}
SETTINGS: dict[str, type[ServiceSettings]] = {
    "behaviors": BehaviorsSettings, "coaching": CoachingSettings, "metrics": MetricsSettings}


def create_service(name: str, settings: ServiceSettings | None = None, *,
                   identity: IdentityStore | None = None) -> FastAPI:
    """One service app with its events wired (the same in both modes)."""
    return FACTORIES[name](settings or SETTINGS[name](), identity=identity)


@dataclass
class LocalStack:
    identity: IdentityStore
    services: dict[str, FastAPI]
    app: FastAPI  # the gateway, owning the services' lifespans
    transport: Transport  # events between the services

    async def unpublished(self) -> int:
        """Events still waiting in the services' outboxes. The in-process bus marks a row published only once
        every subscriber handled it, so 0 means every read model has caught up with what the services hold."""
        waiting = 0
        for app in self.services.values():
            outbox = app.state.events.outbox
            if outbox is not None:
                async with app.state.db.sessions() as session:
                    waiting += (await session.execute(select(func.count()).select_from(outbox).where(
                        outbox.c.published_at.is_(None)))).scalar_one()
        return int(waiting)


def build_local(urls: Mapping[str, str], *, transport: Transport | None = None, **common: Any) -> LocalStack:
    """`urls` maps identity/behaviors/coaching/metrics to database URLs; `common` are shared settings
    (environment, jwt_secret, broker_url, ...). `transport` replaces the one the settings choose (tests pass a
    JetStreamBus on a stream of their own); the stack starts and closes it either way."""
    shared = {"identity_database_url": urls["identity"], **common}
    base = ServiceSettings(**shared)
    check_people_tokens(base, "uplift")  # before any service: one message for the whole process
    identity = IdentityStore(Database(urls["identity"]), cache_seconds=base.api_key_cache_seconds)
    services = {name: create_service(name, SETTINGS[name](database_url=urls[name], **shared), identity=identity)
                for name in FACTORIES}
    if transport is None:
        transport = broker_transport(base, "local") if base.broker_url else InProcessBus()
    for service_app in services.values():
        service_app.state.events.transport = transport
        service_app.state.assembled = True
    events = EventRuntime(transport, list(services.values()))
    clients = {name: service_client(name, app=app) for name, app in services.items()}
    gateway_settings = GatewaySettings(environment=common.get("environment", "development"))
    app = create_gateway(gateway_settings, clients=clients)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(gateway: FastAPI) -> AsyncIterator[None]:
        announce_people_tokens(base, "uplift")  # once for every service in this process
        async with AsyncExitStack() as stack:
            for service_app in services.values():
                await stack.enter_async_context(service_app.router.lifespan_context(service_app))
            await events.start()
            stack.push_async_callback(events.stop)  # before the services' lifespans end
            await stack.enter_async_context(inner(gateway))
            yield
        await identity.db.dispose()

    app.router.lifespan_context = lifespan
    return LocalStack(identity=identity, services=services, app=app, transport=transport)
