"""Service-to-service HTTP clients: one pooled httpx client per service, same code in both modes.

In the all-in-one process the transport is `httpx.ASGITransport` onto the in-process app; as
separate processes it is the aiohttp transport (httpx's own pool stalls under concurrency).

httpx's ASGITransport asks on every request whether it runs under trio by importing `sniffio`, which Uplift does
not install: each failed import walks every import finder again (~0.4 ms here, a third of an in-process
GraphQL call). `_remember_sniffio_absent` records the absence once (`sys.modules["sniffio"] = None`, Python's own
marker for a module known not to import), so the same import fails at once with the same ImportError.
"""

import importlib.util
import sys

import httpx
from httpx_aiohttp import AiohttpTransport
from starlette.types import ASGIApp

from common.requestid import current_request_id

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=2.0)


async def _forward_request_id(request: httpx.Request) -> None:
    rid = current_request_id()
    if rid and "x-request-id" not in request.headers:
        request.headers["x-request-id"] = rid


def _remember_sniffio_absent() -> None:
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


def service_client(name: str, *, base_url: str | None = None, app: ASGIApp | None = None,
                   timeout: httpx.Timeout = DEFAULT_TIMEOUT, max_connections: int = 100) -> httpx.AsyncClient:
    if (base_url is None) == (app is None):
        raise ValueError(f"service {name}: give exactly one of base_url or app")
    transport: httpx.AsyncBaseTransport
    if app is not None:
        _remember_sniffio_absent()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        base_url = f"http://{name}"
    else:
        transport = AiohttpTransport(limits=httpx.Limits(max_connections=max_connections,
                                                         max_keepalive_connections=max_connections))
    return httpx.AsyncClient(base_url=base_url or "", transport=transport, timeout=timeout,
                             event_hooks={"request": [_forward_request_id]})
