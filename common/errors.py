"""Typed errors and their RFC 9457 problem+json rendering."""

import contextlib
import logging
import re
import traceback
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("uplift.errors")

PROBLEM_JSON = "application/problem+json"
QUOTED = re.compile(r'"[^"]*"|\'[^\']*\'')


class AppError(Exception):
    """An expected failure; services raise these, the API layer renders them."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str, *, errors: Sequence[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors or [])


class InvalidInput(AppError):
    status, slug, title = 422, "validation-error", "Request validation failed"


class Unauthorized(AppError):
    status, slug, title = 401, "unauthorized", "Authentication required"


class Forbidden(AppError):
    status, slug, title = 403, "forbidden", "Not allowed"


class NotFound(AppError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(AppError):
    status, slug, title = 409, "conflict", "Conflict"


class ServiceUnavailable(AppError):
    status, slug, title = 503, "service-unavailable", "Service unavailable"


_SLUGS = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
          409: "conflict", 413: "payload-too-large", 415: "unsupported-media-type", 422: "validation-error"}


def problem(status: int, title: str, detail: str, *, slug: str | None = None, instance: str | None = None,
            errors: Sequence[dict[str, Any]] | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{slug or _SLUGS.get(status, 'error')}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = list(errors)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def printable(text: str) -> str:
    """`text` as it can be echoed in a JSON answer: a lone surrogate (not encodable in UTF-8) becomes U+FFFD."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    return text


def field_name(loc: Sequence[Any]) -> str:
    """A validation error's location as the dotted field name problem+json lists."""
    return printable(".".join(str(p) for p in loc))


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [{"field": field_name(err.get("loc", ())), "message": err.get("msg", "invalid"),
             "code": err.get("type", "invalid")} for err in exc.errors()]


def db_error_summary(exc: DBAPIError) -> str:
    """What a log may say about a database error: the driver's error class, SQLSTATE and the first line
    of its message (which names the constraint or columns, never values) — not the statement, nor its
    parameters, nor PostgreSQL's DETAIL (the row's values: e-mails, secrets)."""
    orig = exc.orig
    driver = orig.__cause__ if orig is not None and orig.__cause__ is not None else orig
    name = type(driver).__name__ if driver is not None else type(exc).__name__
    sqlstate = getattr(driver, "sqlstate", None) or getattr(orig, "sqlstate", None)
    first = str(orig.args[0] if orig is not None and orig.args else "").splitlines()[:1]
    if not isinstance(exc, IntegrityError):  # other messages quote the value ('invalid input syntax … "x"')
        first = [QUOTED.sub("…", line) for line in first]
    return " ".join([name + (f" [{sqlstate}]" if sqlstate else "") + ":", *first])


LOGGED = "_uplift_logged"


def mark_logged(exc: BaseException) -> None:
    """Say that `exc` was logged here (common.logsafety drops the server's second, unfiltered, log of it)."""
    with contextlib.suppress(AttributeError, TypeError):
        setattr(exc, LOGGED, True)


def install_error_handlers(app: FastAPI) -> None:
    async def app_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AppError)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return problem(exc.status, exc.title, exc.detail, slug=exc.slug, instance=request.url.path,
                       errors=exc.errors, headers=headers)

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = _field_errors(exc)
        return problem(422, "Request validation failed", f"{len(errors)} invalid field(s)",
                       instance=request.url.path, errors=errors)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        title = {400: "Bad request", 404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
        return problem(exc.status_code, title, str(exc.detail), instance=request.url.path,
                       headers=getattr(exc, "headers", None))

    async def integrity_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, IntegrityError)
        log.info("integrity error on %s: %s", request.url.path, db_error_summary(exc))
        return problem(409, "Conflict", "The change conflicts with existing data.", instance=request.url.path)

    async def lost_race(request: Request, exc: Exception) -> JSONResponse:
        """Another request deleted (or changed) the row between this one reading and writing it; the
        transaction is rolled back, so nothing of this request is written."""
        log.info("concurrent change on %s: %s", request.url.path, type(exc).__name__)
        if isinstance(exc, ObjectDeletedError):
            return problem(404, "Not found", "It was deleted by another request meanwhile; nothing was written.",
                           instance=request.url.path)
        return problem(409, "Conflict", "It was changed or deleted by another request meanwhile; nothing was "
                       "written. Read it again before retrying.", instance=request.url.path)

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, DBAPIError):  # where it failed, not what the statement or the row held
            frames = "".join(traceback.format_tb(exc.__traceback__))
            log.error("unhandled database error on %s: %s\n%s", request.url.path, db_error_summary(exc), frames)
        else:
            log.exception("unhandled error on %s", request.url.path)
        mark_logged(exc)  # Starlette re-raises it to the server, whose own log of it is then dropped
        return problem(500, "Internal error", "An unexpected error occurred.", slug="internal",
                       instance=request.url.path)

    app.add_exception_handler(AppError, app_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(IntegrityError, integrity_error)
    app.add_exception_handler(StaleDataError, lost_race)
    app.add_exception_handler(ObjectDeletedError, lost_race)
    app.add_exception_handler(Exception, unexpected)
