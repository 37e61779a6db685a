"""What every service app shares: state, middleware, problem+json errors, health endpoints."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from sqlalchemy import Table, text

from common.auth import Authenticator
from common.bodylimit import BodyLimitMiddleware
from common.db import Database
from common.errors import ServiceUnavailable, install_error_handlers
from common.idempotency import IdempotencyMiddleware
from common.identity.store import IdentityStore
from common.requestid import RequestIdMiddleware
from common.settings import ServiceSettings


def build_service_app(*, name: str, settings: ServiceSettings, routers: Sequence[APIRouter],
                      idempotency: Table, identity: IdentityStore | None = None) -> FastAPI:
    """`idempotency` is the service's `idempotency_keys` table (see common.idempotency)."""
    db = Database(settings.database_url, pool_size=settings.database_pool_size)
    owns_identity = identity is None
    identity_store = identity or IdentityStore(Database(settings.identity_database_url),
                                               cache_seconds=settings.api_key_cache_seconds)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await db.dispose()
        if owns_identity:
            await identity_store.db.dispose()

    dev = settings.environment != "production"
    app = FastAPI(title=f"Uplift {name}", lifespan=lifespan, docs_url="/docs" if dev else None,
                  redoc_url=None, openapi_url="/openapi.json" if dev else None)
    app.state.settings = settings
    app.state.db = db
    app.state.identity = identity_store
    app.state.auth = Authenticator(settings, identity_store)
    app.add_middleware(IdempotencyMiddleware, db=db, table=idempotency)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    install_error_handlers(app)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": name}

    @app.get("/readyz", tags=["health"])
    async def readyz() -> dict[str, str]:
        try:
            async with db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:  # any driver error means not ready
            raise ServiceUnavailable(f"database unreachable: {type(exc).__name__}") from None
        return {"status": "ready", "service": name}

    for router in routers:
        app.include_router(router)
    return app
