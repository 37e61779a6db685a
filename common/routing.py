"""A service's routers and how their routes join the service app.

FastAPI's `include_router` (0.163) keeps an included router as one route that resolves its routes lazily and is
matched twice per request (once to select it, once to find the route inside it), with the app's own dependencies
joined in at that point. A service's router instead carries the shared dependency itself (`service_router`: every
query parameter and the path checked first, common/validation.py, as on the app's own routes), so its routes are
complete as declared and go straight into the app's route table (`add_routes`): one match per request, the same
routes in the same order, the same OpenAPI document."""

from typing import Any

from fastapi import APIRouter, Depends, FastAPI

from common.validation import check_request


def service_router(prefix: str, **options: Any) -> APIRouter:
    return APIRouter(prefix=prefix, dependencies=[Depends(check_request)], **options)


def add_routes(app: FastAPI, router: APIRouter) -> None:
    """`router`'s routes at the end of `app`'s table; a router not made by `service_router` is refused (its routes
    would skip the shared check)."""
    if not any(d.dependency is check_request for d in router.dependencies):
        raise ValueError(f"router {router.prefix!r} does not check requests: make it with service_router()")
    app.router.routes.extend(router.routes)
