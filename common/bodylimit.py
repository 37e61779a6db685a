"""Reject request bodies over a size cap with 413 problem+json, before anything parses them (applied by
common/edge.py).

A declared Content-Length is checked up front. A body without one (chunked: `Transfer-Encoding`) is read into
memory up to the cap and replayed to the app, so an endless stream never reaches a parser. A request with
neither header has no body (HTTP/1.1, RFC 9112 §6.3) and passes untouched.
"""

import json

from starlette.types import Message, Receive, Send


def declared_too_large(length: bytes, max_bytes: int) -> bool:
    """Whether a Content-Length is not a plain number of bytes, or is over the cap."""
    return not length.isdigit() or int(length) > max_bytes


async def read_capped(receive: Receive, max_bytes: int) -> bytes | bool:
    """The whole body of a request without a Content-Length; True when it grew over the cap, False when the
    client went away before its end."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return False
        body += message.get("body", b"")
        if len(body) > max_bytes:
            return True
        if not message.get("more_body", False):
            return bytes(body)


def replaying(body: bytes, receive: Receive) -> Receive:
    """`receive` that first hands out `body` as the whole request body, then whatever comes next."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def reject(send: Send, max_bytes: int) -> None:
    body = json.dumps({"type": "/problems/payload-too-large", "title": "Payload too large", "status": 413,
                       "detail": f"The request body exceeds {max_bytes} bytes."}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
