"""The gateway: GraphQL over the services, their REST under /api/<service>/, no business data."""

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from starlette.routing import Route

from common import heap, logsafety
from common.edge import EdgeMiddleware
from common.errors import install_error_handlers
from common.http import service_client
from gateway.clients import SERVICES, ServiceClients
from gateway.graphiql import assets_router
from gateway.graphiql_assets import default_dir
from gateway.graphql_http import GatewayGraphQL
from gateway.proxy import router as proxy_router
from gateway.schema import build_schema
from gateway.settings import GatewaySettings


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
        heap.settle()  # built and imported: what lives now lives as long as the process (common/heap.py)
        yield
        await service_clients.aclose()

    dev = s.environment == "development"
    # FastAPI's native OpenTelemetry off: Uplift configures no OpenTelemetry provider, and asking on every request
    # whether one is configured was ~2% of a one-object GraphQL query's CPU
    app = FastAPI(title="Uplift gateway", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None, telemetry={"tracing": False, "metrics": False, "logs": False})
    app.state.settings = s
    app.state.clients = service_clients
    # request id, body cap, and for /graphql and the REST proxy 415 before reading the body (the xAPI resources
    # read their own media types): one layer (common/edge.py)
    app.add_middleware(EdgeMiddleware, max_bytes=s.max_body_bytes, json_exempt=("/api/metrics/xapi/",))
    install_error_handlers(app)

    graphiql_dir = s.graphiql_dir or default_dir()
    app.state.schema = build_schema(s)
    graphql = GatewayGraphQL(app.state.schema, graphiql_dir=graphiql_dir,
                             graphql_ide="graphiql" if dev else None, allow_queries_via_get=dev)
    route = Route("/graphql", graphql, methods=["GET", "POST"], include_in_schema=False)
    route.methods = {"GET", "POST"}  # not HEAD (Starlette adds it to GET): refused with 405 like any other method
    app.router.routes.append(route)  # a plain route: no FastAPI dependency solving per request
    if dev:  # GraphiQL's own files, served from this origin (gateway/graphiql.py)
        app.include_router(assets_router(graphiql_dir))
    app.include_router(proxy_router)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "gateway"}

    return app
