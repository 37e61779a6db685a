"""Keyset pagination: an opaque cursor over time-ordered UUIDv7 ids and a capped limit."""

import base64
import binascii
import uuid
from collections.abc import Callable
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from common.errors import InvalidInput

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(last_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(last_id.bytes).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> uuid.UUID | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return uuid.UUID(bytes=raw)
    except (binascii.Error, ValueError):
        raise InvalidInput("The cursor is not valid.", errors=[{"field": "query.cursor", "message": "malformed cursor",
                                                               "code": "cursor"}]) from None


class PageParams(BaseModel):
    after: uuid.UUID | None
    limit: int


async def page_params(
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> PageParams:
    return PageParams(after=decode_cursor(cursor), limit=limit)


def build_page(items: list[T], limit: int, id_of: Callable[[T], uuid.UUID]) -> Page[T]:
    """`items` was fetched with limit + 1 rows; the extra row only tells that there is more."""
    more = len(items) > limit
    items = items[:limit]
    return Page[T](items=items, next_cursor=encode_cursor(id_of(items[-1])) if more and items else None)
