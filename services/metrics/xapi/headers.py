"""xAPI's headers on every answer under /xapi/, whoever made it (a handler, the credential check, an error
handler): `X-Experience-API-Version` on every response (Communication §3.3, XAPI-00333) and
`X-Experience-API-Consistent-Through` on every Statements response, errors too (XAPI-00153). A 422 (Uplift's
code for a query parameter it cannot store) is xAPI's 400 here."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.db import utcnow
from services.metrics.xapi.formats import render_timestamp
from services.metrics.xapi.versions import CONSISTENT_THROUGH, HEADER, LATEST, request_version

PREFIX = "/xapi/"


class XapiHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        asked = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-experience-api-version"), None)
        version = request_version(asked)
        statements = scope["path"].rstrip("/").endswith("/statements")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers[HEADER] = version.value if version is not None else LATEST
                if statements:
                    headers[CONSISTENT_THROUGH] = render_timestamp(utcnow())
                if message["status"] == 422:
                    message["status"] = 400
            await send(message)

        await self.app(scope, receive, with_headers)
