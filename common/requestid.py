"""Request ids: taken from `X-Request-ID` or made (common/edge.py), put in logs and forwarded on downstream calls."""

import contextvars
import logging
import re

from starlette.types import Message, Send

from common.ids import new_id_hex

HEADER = "x-request-id"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return request_id_var.get()


def request_id(incoming: bytes | None) -> str:
    """The id a request goes by: its `X-Request-ID` if that is a sane token, else a new one."""
    if incoming is not None:
        rid = incoming.decode("latin-1")
        if _VALID.match(rid):
            return rid
    return new_id_hex()


def sending_request_id(send: Send, rid: str) -> Send:
    """`send` with the request id added to the response's headers."""
    header = (b"x-request-id", rid.encode())

    async def send_with_id(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", ()), header]
        await send(message)

    return send_with_id


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdLogFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
