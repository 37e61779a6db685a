"""What libraries would write to logs that must not reach them (personal data, secrets), cut where they log.

- aiosqlite logs every statement with its parameters at DEBUG (e-mails, webhook secrets, key hashes): those
  records are dropped. (SQLAlchemy's own statement logs hide parameters: `hide_parameters` in common/db.py.)
- httpx logs each request's URL at INFO. Its query string (a search term, an e-mail used as an external id)
  and userinfo are dropped; method, host, path and status stay. Inside `origin_only()` (webhook deliveries,
  whose URL path may itself be a subscriber's secret) only scheme, host and port stay.
- uvicorn logs every exception an app raised ("Exception in ASGI application", with its traceback); Starlette
  re-raises a 500's exception after our handler logged it (common/errors.py: a database error by class,
  SQLSTATE and stack only). That second, unfiltered, log of an exception already logged is dropped.
`install()` is idempotent; every service app and the gateway call it when built.
"""

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from urllib.parse import urlsplit

from common.errors import LOGGED

_origin_only: ContextVar[bool] = ContextVar("uplift_log_origin_only", default=False)


@contextlib.contextmanager
def origin_only() -> Iterator[None]:
    """Requests logged inside show only their URL's scheme, host and port."""
    token = _origin_only.set(True)
    try:
        yield
    finally:
        _origin_only.reset(token)


def loggable_url(url: str, *, origin: bool = False) -> str:
    """`url` without userinfo and query string (and fragment); with `origin`, without its path as well."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<unparsable URL>"
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    path = "" if origin else parts.path
    query = "?…" if parts.query and not origin else ""
    return f"{parts.scheme}://{netloc}{path}{query}"


class DropDebug(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


class RequestLineUrls(logging.Filter):
    """httpx's `HTTP Request: <method> <url> "<version> <status> <reason>"` with the URL made loggable."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 2 and str(record.msg).startswith("HTTP Request"):
            record.args = (args[0], loggable_url(str(args[1]), origin=_origin_only.get()), *args[2:])
        return True


class LoggedOnce(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not getattr(exc, LOGGED, False)


FILTERS: dict[str, type[logging.Filter]] = {"aiosqlite": DropDebug, "httpx": RequestLineUrls,
                                            "uvicorn.error": LoggedOnce}


def install() -> None:
    for name, kind in FILTERS.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in logger.filters):
            logger.addFilter(kind())
