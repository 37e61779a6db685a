"""What every request passes at the door of a service (and of the gateway), as one pure ASGI layer, in this order:

1. its request id (common/requestid.py): `X-Request-ID` taken or made, in the logs' context and on the answer;
2. the body cap (common/bodylimit.py): 413 for a declared or streamed body over `max_bytes`;
3. JSON-only writes (common/jsonbody.py): 415 for a write whose body is not JSON, outside `json_exempt`;
4. `Idempotency-Key` (common/idempotency.py; services only): a retried POST gets the first answer again.

One layer and one pass over the headers instead of four middlewares each walking them: a request skips what
does not apply to it (a GET carries no body to cap, check or remember, so it costs a header scan and the
request id). What each step refuses, and how, is defined in its own module.
"""

from starlette.types import ASGIApp, Receive, Scope, Send

from common.bodylimit import declared_too_large, read_capped, reject, replaying
from common.idempotency import Idempotency
from common.jsonbody import WRITES, has_body, refuse_unless_json
from common.requestid import request_id, request_id_var, sending_request_id


class EdgeMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int, json_exempt: tuple[str, ...] = (),
                 idempotency: Idempotency | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.json_exempt = json_exempt
        self.idempotency = idempotency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = length = content_type = key = authorization = api_key = None
        streamed = False
        for name, value in scope["headers"]:  # the first of a repeated header, but the last for idempotency's
            if name == b"x-request-id":
                rid = rid if rid is not None else value
            elif name == b"content-length":
                length = length if length is not None else value
            elif name == b"transfer-encoding":
                streamed = True
            elif name == b"content-type":
                content_type = content_type if content_type is not None else value
            elif name == b"idempotency-key":
                key = value
            elif name == b"authorization":
                authorization = value
            elif name == b"x-api-key":
                api_key = value
        request = request_id(rid)
        token = request_id_var.set(request)
        send = sending_request_id(send, request)
        try:
            if length is not None:
                if declared_too_large(length, self.max_bytes):
                    await reject(send, self.max_bytes)
                    return
            elif streamed:
                body = await read_capped(receive, self.max_bytes)
                if body is True:
                    await reject(send, self.max_bytes)
                    return
                if body is False:
                    return  # the client went away
                assert isinstance(body, bytes)
                receive = replaying(body, receive)
            method = scope["method"]
            if method in WRITES and has_body(scope["headers"]) \
                    and not (self.json_exempt and scope["path"].startswith(self.json_exempt)) \
                    and await refuse_unless_json(scope, send, content_type):
                return
            credential = authorization or api_key
            if self.idempotency is not None and method == "POST" and key is not None and credential is not None:
                await self.idempotency(self.app, scope, receive, send, key, credential)
                return
            await self.app(scope, receive, send)
        finally:
            request_id_var.reset(token)
