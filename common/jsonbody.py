"""Refuse a write whose body is not JSON with 415 problem+json, before anything reads it.

A POST, PUT, PATCH or DELETE that carries a body (a `Content-Length` over 0, or a `Transfer-Encoding`) must
say `Content-Type: application/json` or a `…+json` type (parameters such as `charset=utf-8` allowed); any
other type, or none, is a 415 with `Accept-Post` / `Accept-Patch` naming what is taken. A write without a
body (`POST …/publish`) passes whatever its headers say. Every service app and the gateway (its /graphql
and REST proxy) apply it (common/edge.py). Exempt are the paths under the prefixes given (`json_exempt`): the
xAPI resources (services/metrics/xapi/), which take multipart/mixed too and answer a wrong type with xAPI's 400.
"""

import json

from starlette.types import Scope, Send

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ACCEPTED = "application/json"


def is_json(content_type: str) -> bool:
    """`application/json` or `application/<anything>+json`, with or without parameters, in any case."""
    media = content_type.split(";", 1)[0].strip().lower()
    kind, _, subtype = media.partition("/")
    return kind == "application" and (subtype == "json" or (subtype.endswith("+json") and len(subtype) > 5))


def has_body(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"transfer-encoding":
            return True
        if name == b"content-length" and value.strip() not in (b"0", b""):
            return True
    return False


async def refuse_unless_json(scope: Scope, send: Send, content_type: bytes | None) -> bool:
    """For a write that carries a body: send the 415 and say True when its Content-Type (the first one given) is
    not JSON."""
    if content_type is not None and is_json(content_type.decode("latin-1")):
        return False
    said = "no Content-Type" if content_type is None else f"Content-Type {content_type.decode('latin-1')[:100]!r}"
    body = json.dumps({"type": "/problems/unsupported-media-type", "title": "Unsupported media type",
                       "status": 415, "detail": f"The request body must be JSON (Content-Type: {ACCEPTED}); "
                                                f"it came with {said}.",
                       "instance": scope.get("path", "")}).encode()
    headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
    if scope["method"] in ("POST", "PATCH"):
        headers.append((f"accept-{scope['method'].lower()}".encode(), ACCEPTED.encode()))
    await send({"type": "http.response.start", "status": 415, "headers": headers})
    await send({"type": "http.response.body", "body": body})
    return True
