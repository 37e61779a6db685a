"""REST of every service under the gateway's base URL: /api/<service>/<path>, forwarded as is."""

import json
from urllib.parse import quote

import httpx
from fastapi import APIRouter, Request, Response

from common.errors import PROBLEM_JSON, AppError, NotFound, ServiceUnavailable
from gateway.clients import SERVICES, ServiceClients

router = APIRouter()


class UriTooLong(AppError):
    status, slug, title = 414, "uri-too-long", "URI too long"


FORWARD_REQUEST = ("authorization", "x-api-key", "content-type", "accept", "idempotency-key", "if-match",
                   "accept-language", "x-experience-api-version")
FORWARD_RESPONSE = ("content-type", "location", "etag", "retry-after", "www-authenticate", "idempotent-replayed",
                    "allow", "last-modified", "x-experience-api-version", "x-experience-api-consistent-through")


@router.api_route("/api/{service}/{path:path}", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
                  include_in_schema=False)
async def forward(service: str, path: str, request: Request) -> Response:
    if service not in SERVICES:
        raise NotFound(f"No service named '{service}'; known: {', '.join(SERVICES)}.")
    clients: ServiceClients = request.app.state.clients
    headers = {k: v for k, v in request.headers.items() if k in FORWARD_REQUEST}
    headers["x-forwarded-prefix"] = f"/api/{service}"  # where the caller sees the service (links it gives back)
    target = _service_path(request, service, path)
    limit = request.app.state.settings.max_url_bytes
    if len(target) + len(request.scope.get("query_string", b"")) + 1 > limit:
        raise UriTooLong(f"The path and query string are over the {limit} bytes a service is sent.")
    try:
        upstream = await clients.client(service).request(
            request.method, target, params=list(request.query_params.multi_items()), headers=headers,
            content=await request.body())
    except httpx.InvalidURL as exc:  # not a URL a service can be sent: the caller's mistake, not an outage
        raise AppError(f"The request cannot be forwarded: {exc}.") from None
    except Exception as exc:  # network failure of the service behind
        raise ServiceUnavailable(f"The {service} service is unavailable ({type(exc).__name__}).") from None
    out_headers = {k: v for k, v in upstream.headers.items() if k in FORWARD_RESPONSE}
    if "location" in out_headers and out_headers["location"].startswith("/"):
        out_headers["location"] = f"/api/{service}{out_headers['location']}"
    content = upstream.content
    if request.method == "HEAD" and "content-length" in upstream.headers:
        out_headers["content-length"] = upstream.headers["content-length"]
    if out_headers.get("content-type") == PROBLEM_JSON:
        content = _prefix_instance(content, f"/api/{service}")
    return Response(content=content, status_code=upstream.status_code, headers=out_headers)


def _service_path(request: Request, service: str, path: str) -> str:
    """The path under /api/<service>/ as the caller encoded it, so the service sees the same characters (a
    percent-encoded control character stays encoded, instead of making an URL no client would send)."""
    raw: bytes | None = request.scope.get("raw_path")
    prefix = f"/api/{service}/".encode()
    if raw is not None and raw.startswith(prefix):
        return "/" + raw[len(prefix):].decode("latin-1")
    return "/" + quote(path, safe="/:@!$&'()*+,;=~")


def _prefix_instance(content: bytes, prefix: str) -> bytes:
    """A problem's `instance` names the path the caller used, not the service's internal one."""
    try:
        problem = json.loads(content)
    except ValueError:
        return content
    if isinstance(problem, dict) and str(problem.get("instance", "")).startswith("/"):
        problem["instance"] = prefix + problem["instance"]
        return json.dumps(problem).encode()
    return content
