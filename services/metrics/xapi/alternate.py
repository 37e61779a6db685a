"""The Alternate Request Syntax of xAPI 1.0.3 (Communication §1.3), for clients that can only POST forms:
`POST /xapi/statements?method=PUT|GET|HEAD|POST` with an `application/x-www-form-urlencoded` body whose fields
are the headers (Authorization, X-Experience-API-Version, Content-Type, …), the parameters, and `content` (the
request body). The request is rewritten into the one it stands for before anything else sees it. xAPI 2.0
removed it: a form that asks for 2.0 — or names no 1.0.x version — is a 400, as is `method` with anything
else in the query string."""

import json
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.db import utcnow
from services.metrics.xapi.formats import render_timestamp
from services.metrics.xapi.versions import CONSISTENT_THROUGH, HEADER, Version, request_version

METHODS = frozenset({"GET", "HEAD", "PUT", "POST"})
HEADERS = frozenset({"authorization", "x-experience-api-version", "content-type", "content-length",
                     "if-match", "if-none-match", "accept-language"})
FORM = "application/x-www-form-urlencoded"


class AlternateSyntaxMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].startswith("/xapi/")
                or b"method=" not in scope.get("query_string", b"")):
            await self.app(scope, receive, send)
            return
        query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        if [k for k, _ in query] != ["method"] or query[0][1] not in METHODS:
            await _bad(send, "The alternate request syntax takes only `method` (GET, HEAD, PUT or POST) in the query.")
            return
        content_type = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"content-type"), "")
        if content_type.split(";", 1)[0].strip().lower() != FORM:
            await _bad(send, f"The alternate request syntax sends a {FORM} body.")
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await _bad(send, "The form is too large.", status=413)
                return
            if not message.get("more_body"):
                break
        try:
            fields = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
        except (UnicodeDecodeError, ValueError):
            await _bad(send, "The form is not application/x-www-form-urlencoded UTF-8.")
            return
        headers = [(k, v) for k, v in scope["headers"] if k not in (b"content-type", b"content-length")]
        params: list[tuple[str, str]] = []
        content = b""
        for name, value in fields:
            if name.lower() in HEADERS:
                headers = [(k, v) for k, v in headers if k != name.lower().encode()]
                headers.append((name.lower().encode("latin-1"), value.encode("utf-8")))
            elif name == "content":
                content = value.encode("utf-8")
            else:
                params.append((name, value))
        asked = next((v.decode() for k, v in headers if k == b"x-experience-api-version"), None)
        if request_version(asked) is not Version.V1:
            await _bad(send, "The alternate request syntax exists in xAPI 1.0.x only (2.0 removed it).")
            return
        headers.append((b"content-length", str(len(content)).encode()))
        inner = {**scope, "method": query[0][1], "headers": headers,
                 "query_string": urlencode(params).encode("latin-1")}
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": content, "more_body": False}

        await self.app(inner, replay, send)


async def _bad(send: Send, detail: str, *, status: int = 400) -> None:
    body = json.dumps({"type": "/problems/xapi-bad-request", "title": "Bad request", "status": status,
                       "detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(body)).encode()),
                            (HEADER.lower().encode(), Version.V1.value.encode()),
                            (CONSISTENT_THROUGH.lower().encode(), render_timestamp(utcnow()).encode())]})
    await send({"type": "http.response.body", "body": body})
