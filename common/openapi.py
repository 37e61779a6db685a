"""What every service's OpenAPI says about failures: each operation lists the statuses it can answer with,
as RFC 9457 `application/problem+json` with one `Problem` schema (common/errors.py renders them).

The statuses are derived from the route, in one place (`failure_statuses`):
- 401 and 403 where a dependency resolves the caller (anything that returns a `Principal`);
- 404 where the path names something (path parameters);
- 409 on writes (POST, PUT, PATCH, DELETE: a duplicate, a state change not allowed now, a request with the
  same Idempotency-Key still running);
- 400, 413 and 415 where there is a request body (unreadable, e.g. not UTF-8; over the size cap; not
  `application/json`, common/jsonbody.py);
- 422 where there is input to validate (parameters or a body; also a reused Idempotency-Key);
- anything a route declares itself with `responses=problems(...)` (e.g. 503 on /readyz).
Success responses keep the media type and schema FastAPI derives from each handler's return type.
"""

import inspect
from collections.abc import Callable, Iterator
from typing import Any, get_type_hints

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from pydantic import BaseModel, Field

from common.auth import Principal
from common.errors import PROBLEM_JSON

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

DESCRIPTIONS: dict[int, str] = {
    400: "The request body could not be read (e.g. it is not UTF-8).",
    401: "No credential, or one that is unknown, revoked or expired (`WWW-Authenticate: Bearer`).",
    403: "The credential lacks the scope, or the person may not see or change this.",
    404: "What the path names does not exist in this tenant (or is not visible to the caller).",
    409: "Conflicts with the current state: a duplicate, a change not allowed in this state, or a request with "
         "the same Idempotency-Key still running (`Retry-After`).",
    413: "The request body is over the size cap.",
    415: "The request body is not JSON: its Content-Type is not `application/json` (or `application/…+json`), "
         "or it has none (`Accept-Post` / `Accept-Patch` say what is taken).",
    422: "Invalid input: `errors[]` names each field (`body.…`, `query.…`, `path.…`), or a rule the service "
         "checks; also an Idempotency-Key reused with a different request.",
    503: "A dependency (the database) cannot be reached; retry later.",
}


class FieldError(BaseModel):
    """One invalid field of a 422."""

    field: str = Field(description="where: `body.…`, `query.…`, `path.…`")
    message: str
    code: str = Field(description="machine-readable reason, e.g. `missing`, `string_too_long`, `reference`")


class Problem(BaseModel):
    """RFC 9457 problem details: every REST error has this shape."""

    type: str = Field(description="`/problems/<slug>`, e.g. `/problems/not-found`")
    title: str
    status: int = Field(description="the HTTP status, repeated")
    detail: str = Field(description="what went wrong, for a person")
    instance: str | None = Field(default=None, description="the path that was called")
    errors: list[FieldError] | None = Field(default=None, description="the invalid fields (validation only)")


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route that can fail in a way the rules in this module do not derive."""
    return {status: {"description": DESCRIPTIONS.get(status, "Failure.")} for status in statuses}


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def _returns_principal(call: Callable[..., Any] | None) -> bool:
    if not (inspect.isfunction(call) or inspect.ismethod(call)):
        return False
    try:
        return get_type_hints(call).get("return") is Principal
    except (NameError, TypeError):
        return False


def authenticates(route: RouteContext) -> bool:
    return any(_returns_principal(d.call) for d in _dependants(route.dependant))


def failure_statuses(route: RouteContext, method: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses of one operation (see the module's docstring)."""
    statuses = {int(code) for code in operation.get("responses", {}) if code.isdigit() and int(code) >= 400}
    parameters = operation.get("parameters", [])
    body = operation.get("requestBody")
    if authenticates(route):
        statuses |= {401, 403}
    if any(p.get("in") == "path" for p in parameters):
        statuses.add(404)
    if method in WRITES:
        statuses.add(409)
    if body is not None:
        statuses |= {400, 413}
        if "application/json" in body.get("content", {}):
            statuses.add(415)
    if parameters or body is not None:
        statuses.add(422)
    return statuses


def _problem_response(status: int, existing: dict[str, Any] | None) -> dict[str, Any]:
    description = DESCRIPTIONS.get(status, "Failure.")
    if existing and existing.get("description") not in (None, "Validation Error", "Additional Response"):
        description = existing["description"]
    out: dict[str, Any] = {"description": description,
                           "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    if status == 401:
        out["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "`Bearer`"}}
    return out


SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer",
               "description": "An API key (`upl_…`) or a person's JWT: `Authorization: Bearer <credential>`."},
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "An API key (`upl_…`)."},
}


def document(spec: dict[str, Any], routes: list[RouteContext]) -> None:
    """Rewrite `spec` (FastAPI's) in place: every operation's failures as problem+json, security declared."""
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem_schema.pop("$defs", {}))
    schemas["Problem"] = problem_schema
    components["securitySchemes"] = SECURITY_SCHEMES
    for route in routes:
        if not route.include_in_schema or route.path_format is None:
            continue
        for method in route.methods or ():
            operation = spec["paths"].get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status in sorted(failure_statuses(route, method, operation)):
                responses[str(status)] = _problem_response(status, responses.get(str(status)))
            if authenticates(route):
                operation["security"] = [{"bearer": []}, {"apiKey": []}]


def install_openapi(app: FastAPI) -> None:
    """Make `app.openapi()` answer the documented spec (built once, like FastAPI's own)."""
    generate = app.openapi
    done: list[int] = []

    def openapi() -> dict[str, Any]:
        spec = generate()
        if id(spec) not in done:
            document(spec, [r for r in iter_route_contexts(app.routes) if isinstance(r.original_route, APIRoute)])
            done.append(id(spec))
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
