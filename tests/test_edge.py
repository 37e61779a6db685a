"""The door every request passes (common/edge.py), on its own: the order of its refusals and what reaches the app.
The refusals themselves are covered where they matter (test_kernel, test_json_bodies, test_idempotency)."""

from collections.abc import AsyncIterator

import httpx
from starlette.types import Receive, Scope, Send

from common.edge import EdgeMiddleware
from common.requestid import current_request_id

CAP = 1000


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers with the body it read and the request id it ran under."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"x-seen-request-id", (current_request_id() or "").encode())]})
    await send({"type": "http.response.body", "body": body})


def client() -> httpx.AsyncClient:
    edge = EdgeMiddleware(echo, max_bytes=CAP, json_exempt=("/raw/",))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=edge), base_url="http://edge")


def chunks(total: int) -> AsyncIterator[bytes]:
    async def gen() -> AsyncIterator[bytes]:
        for _ in range(total // 100):
            yield b"x" * 100

    return gen()


async def test_a_streamed_body_over_the_cap_is_413_whatever_its_type():
    async with client() as c:
        r = await c.post("/things", content=chunks(CAP + 100), headers={"content-type": "text/plain"})
        assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
        assert len(r.headers["x-request-id"]) == 32


async def test_a_streamed_body_within_the_cap_is_checked_for_json_then_replayed_whole():
    async with client() as c:
        r = await c.post("/things", content=chunks(500), headers={"content-type": "text/plain",
                                                                  "x-request-id": "req-1"})
        assert r.status_code == 415 and r.headers["x-request-id"] == "req-1"
        r = await c.post("/things", content=chunks(500), headers={"content-type": "application/json"})
        assert r.status_code == 200 and r.content == b"x" * 500
        r = await c.post("/raw/things", content=chunks(500), headers={"content-type": "text/plain"})
        assert r.status_code == 200 and r.content == b"x" * 500


async def test_a_read_passes_with_its_request_id_in_context_and_on_the_answer():
    async with client() as c:
        r = await c.get("/things", headers={"x-request-id": "abc-123"})
        assert r.status_code == 200 and r.content == b""
        assert r.headers["x-request-id"] == r.headers["x-seen-request-id"] == "abc-123"
        r = await c.get("/things", headers={"x-request-id": "not valid!"})
        assert r.headers["x-request-id"] == r.headers["x-seen-request-id"] != "not valid!"


async def test_a_declared_length_is_judged_before_anything_is_read():
    async with client() as c:
        assert (await c.post("/things", content=b"x" * (CAP + 1),
                             headers={"content-type": "application/json"})).status_code == 413
        assert (await c.post("/things", content=b"{}", headers={"content-type": "application/json",
                                                                "content-length": "2x"})).status_code == 413
        r = await c.post("/things", content=b"{}", headers={"content-type": "application/json"})
        assert r.status_code == 200 and r.content == b"{}"
