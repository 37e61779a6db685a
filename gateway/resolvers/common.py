"""What every domain's resolvers share: id segments, typed write results, paging arguments."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry.types import Info

from common.ids import parse_uuid
from gateway.clients import DownstreamError
from gateway.context import Context
from gateway.types.common import (
    Conflict,
    Deleted,
    Forbidden,
    InvalidArgument,
    NotFound,
    Problem,
    ValidationProblem,
    invalid_argument,
    problem_from,
)

T = TypeVar("T")
Ctx = Info[Context, None]
MAX_PAGE = 200

DeleteResult = Annotated[Deleted | NotFound | Conflict | Forbidden | ValidationProblem,
                         strawberry.union("DeleteResult")]


def seg(value: strawberry.ID, argument: str = "id") -> str:
    """An id as one REST path segment; anything but a UUID is refused before it reaches a path."""
    parsed = parse_uuid(str(value))
    if parsed is None:
        raise InvalidArgument(argument, f"{argument} is not a valid id.", "invalid_id")
    return str(parsed)


async def typed(call: Callable[[], Awaitable[Any]], build: Callable[[Any], T]) -> T | Problem:
    """Run a write (`call` builds the request lazily); expected failures become union members, not errors."""
    try:
        return build(await call())
    except InvalidArgument as err:
        return invalid_argument(err)
    except DownstreamError as err:
        return problem_from(err)


async def get_or_none(call: Awaitable[Any]) -> Any:
    """A read of one thing: not found (or not a valid id, for the service) is null, not an error."""
    try:
        return await call
    except DownstreamError as err:
        if err.status in (404, 422):
            return None
        raise


def page_params(first: int, after: str | None, **filters: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": max(1, min(first, MAX_PAGE))}
    if after:
        params["cursor"] = after
    for name, value in filters.items():
        if value is not None:
            params[name] = value.value if hasattr(value, "value") else value
    return params


def deleted(id: strawberry.ID) -> Callable[[Any], Deleted]:
    return lambda _: Deleted(id=id)
