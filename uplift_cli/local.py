"""The all-in-one process: every service in-process behind the gateway, over ASGI transports.

The gateway's clients get `httpx.ASGITransport` onto each service app; nothing else differs from
separate processes. ASGI transports don't run a sub-app's lifespan, so we enter each one here.
"""

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from common.db import Database
from common.http import service_client
from common.identity.store import IdentityStore
from common.settings import ServiceSettings
from gateway.app import create_app as create_gateway
from gateway.settings import GatewaySettings
from services.behaviors.app import create_app as create_behaviors
from services.behaviors.settings import BehaviorsSettings
from services.coaching.app import create_app as create_coaching
from services.coaching.settings import CoachingSettings
from services.metrics.app import create_app as create_metrics
from services.metrics.settings import MetricsSettings


@dataclass
class LocalStack:
    identity: IdentityStore
    services: dict[str, FastAPI]
    app: FastAPI  # the gateway, owning the services' lifespans


def build_local(urls: Mapping[str, str], **common: Any) -> LocalStack:
    """`urls` maps identity/behaviors/coaching/metrics to database URLs; `common` are shared settings
    (environment, jwt_secret, ...)."""
    shared = {"identity_database_url": urls["identity"], **common}
    identity = IdentityStore(Database(urls["identity"]),
                             cache_seconds=ServiceSettings(**shared).api_key_cache_seconds)
    services = {
        "behaviors": create_behaviors(BehaviorsSettings(database_url=urls["behaviors"], **shared), identity=identity),
        "coaching": create_coaching(CoachingSettings(database_url=urls["coaching"], **shared), identity=identity),
        "metrics": create_metrics(MetricsSettings(database_url=urls["metrics"], **shared), identity=identity),
    }
    clients = {name: service_client(name, app=app) for name, app in services.items()}
    gateway_settings = GatewaySettings(environment=common.get("environment", "development"))
    app = create_gateway(gateway_settings, clients=clients)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(gateway: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for service_app in services.values():
                await stack.enter_async_context(service_app.router.lifespan_context(service_app))
            await stack.enter_async_context(inner(gateway))
            yield
        await identity.db.dispose()

    app.router.lifespan_context = lifespan
    return LocalStack(identity=identity, services=services, app=app)
