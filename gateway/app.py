"""The gateway: GraphQL over the services, their REST under /api/<service>/, no business data."""

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx
from fastapi import Depends, FastAPI, Request

from common import logsafety
from common.bodylimit import BodyLimitMiddleware
from common.errors import Unauthorized, install_error_handlers
from common.http import service_client
from common.jsonbody import JsonBodyMiddleware
from common.requestid import RequestIdMiddleware
from gateway.clients import SERVICES, ServiceClients
from gateway.context import Context
from gateway.graphiql import assets_router
from gateway.graphiql_assets import default_dir
from gateway.graphql_http import GatewayGraphQLRouter
from gateway.proxy import router as proxy_router
from gateway.schema import build_schema
from gateway.settings import GatewaySettings


def _credential(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        return header
    key = request.headers.get("x-api-key")
    return f"Bearer {key}" if key else None


async def _context(request: Request) -> Context:
    credential = _credential(request)
    if credential is None and request.method == "POST":
        raise Unauthorized("Send an API key or a bearer token in the Authorization header.")
    return Context(request.app.state.clients, credential)


def create_app(settings: GatewaySettings | None = None, *,
               clients: Mapping[str, httpx.AsyncClient] | None = None) -> FastAPI:
    """`clients` lets the all-in-one process (and tests) hand in ASGI-transport clients."""
    s = settings or GatewaySettings()
    logsafety.install()
    timeout = httpx.Timeout(s.request_timeout_seconds, connect=2.0)
    built = dict(clients) if clients is not None else {
        name: service_client(name, base_url=getattr(s, f"{name}_url"), timeout=timeout) for name in SERVICES}
    service_clients = ServiceClients(built, s)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await service_clients.aclose()

    dev = s.environment == "development"
    app = FastAPI(title="Uplift gateway", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.settings = s
    app.state.clients = service_clients
    app.add_middleware(JsonBodyMiddleware)  # /graphql and the REST proxy: 415 before reading the body
    app.add_middleware(BodyLimitMiddleware, max_bytes=s.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    install_error_handlers(app)

    async def context_getter(ctx: Context = Depends(_context)) -> Context:
        return ctx

    graphiql_dir = s.graphiql_dir or default_dir()
    graphql = GatewayGraphQLRouter(
        build_schema(s), context_getter=context_getter, graphql_ide="graphiql" if dev else None,
        allow_queries_via_get=dev, graphiql_dir=graphiql_dir)
    app.include_router(graphql, prefix="/graphql")
    if dev:  # GraphiQL's own files, served from this origin (gateway/graphiql.py)
        app.include_router(assets_router(graphiql_dir))
    app.include_router(proxy_router)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "gateway"}

    return app
