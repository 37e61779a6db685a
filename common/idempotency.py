"""`Idempotency-Key` on POST: a retried request with the same key and payload gets the first answer again
(applied by common/edge.py; any other request passes untouched).

Keys are scoped to the caller's credential (a hash of it) and remembered for 24 hours in the
service's own database (`idempotency_keys`, declared by `idempotency_table`). A key reused with a
different method, path, query or body is a 422; a retry while the first is still running is a 409
with Retry-After. Server errors (5xx) and authentication failures are not remembered, so they can be
retried. The record is written after the request's own transaction committed: should the process die
in between, a retry runs again — the window is the time between a commit and the next statement.
"""

import hashlib
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import Column, Integer, LargeBinary, MetaData, String, Table, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.db import Database, JSONType, UTCDateTime, utcnow

HEADER = b"idempotency-key"
KEEP = timedelta(hours=24)
IN_FLIGHT = timedelta(seconds=60)
REPLAYED_HEADERS = (b"content-type", b"location")


def idempotency_table(metadata: MetaData) -> Table:
    return Table(
        "idempotency_keys", metadata,
        Column("scope", String(64), primary_key=True),  # sha256 of the credential
        Column("key", String(255), primary_key=True),
        Column("fingerprint", String(64), nullable=False),
        Column("status", Integer, nullable=True),  # null while the first request runs
        Column("headers", JSONType, nullable=True),
        Column("body", LargeBinary, nullable=True),
        Column("created_at", UTCDateTime, nullable=False),
    )


def _problem(status: int, slug: str, title: str, detail: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = json.dumps({"type": f"/problems/{slug}", "title": title, "status": status, "detail": detail}).encode()
    return status, [(b"content-type", b"application/problem+json")], body


class Idempotency:
    """Applied by common/edge.py to a POST that carries an `Idempotency-Key` and a credential."""

    def __init__(self, db: Database, table: Table) -> None:
        self.db = db
        self.t = table

    async def __call__(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send, key: bytes,
                       credential: bytes) -> None:
        if not 1 <= len(key) <= 255:
            await self._send(send, *_problem(422, "validation-error", "Request validation failed",
                                             "Idempotency-Key must be 1 to 255 characters."))
            return
        body, more = await _read_body(receive)
        ident = {"scope": hashlib.sha256(credential).hexdigest(), "key": key.decode("latin-1")}
        fingerprint = hashlib.sha256(b"\n".join(
            [scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body])).hexdigest()
        claimed = await self._claim(ident, fingerprint)
        if claimed is not None:
            await self._send(send, *claimed)
            return

        captured: dict[str, Any] = {"status": 500, "headers": [], "body": bytearray()}

        async def replay_body() -> Message:
            nonlocal more
            if more is not None:
                message, more = more, None
                return message
            return await receive()

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"], captured["headers"] = message["status"], message.get("headers", [])
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            await send(message)

        try:
            await app(scope, replay_body, capture)
        finally:
            await self._settle(ident, captured)

    async def _claim(self, ident: dict[str, str],
                     fingerprint: str) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        """Record the key as in flight; or say why not (a replay, a conflict, a mismatch)."""
        now = utcnow()
        where = and_(self.t.c.scope == ident["scope"], self.t.c.key == ident["key"])
        async with self.db.sessions.begin() as s:
            row = (await s.execute(select(self.t).where(where))).mappings().first()
            if row is not None and row["created_at"] < now - KEEP:
                await s.execute(delete(self.t).where(where))
                row = None
            if row is None:
                try:
                    async with s.begin_nested():
                        await s.execute(insert(self.t).values(**ident, fingerprint=fingerprint, created_at=now))
                    return None
                except IntegrityError:
                    row = (await s.execute(select(self.t).where(where))).mappings().first()
            if row is None:
                return None
            if row["fingerprint"] != fingerprint:
                return _problem(422, "idempotency-key-reused", "Idempotency-Key reused",
                                "This Idempotency-Key was used with a different request.")
            if row["status"] is None:
                if row["created_at"] < now - IN_FLIGHT:  # the first attempt died: take over, once
                    taken = await s.execute(update(self.t).where(
                        where, self.t.c.status.is_(None), self.t.c.created_at == row["created_at"]
                    ).values(created_at=now))
                    if taken.rowcount == 1:  # type: ignore[attr-defined]
                        return None
                    # else another retry (at another replica, say) took it over first: it runs now
                status, hdrs, body = _problem(409, "request-in-progress", "Request in progress",
                                              "A request with this Idempotency-Key is still running; retry shortly.")
                return status, [*hdrs, (b"retry-after", b"1")], body
            replay = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in row["headers"] or []]
            return row["status"], [*replay, (b"idempotent-replayed", b"true")], row["body"] or b""

    async def _settle(self, ident: dict[str, str], captured: dict[str, Any]) -> None:
        where = and_(self.t.c.scope == ident["scope"], self.t.c.key == ident["key"])
        status = captured["status"]
        async with self.db.sessions.begin() as s:
            if status >= 500 or status in (401, 403):
                await s.execute(delete(self.t).where(where))  # not an answer worth repeating
                return
            kept = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in captured["headers"]
                    if k.lower() in REPLAYED_HEADERS]
            await s.execute(update(self.t).where(where).values(status=status, headers=kept,
                                                               body=bytes(captured["body"])))

    @staticmethod
    async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Receive) -> tuple[bytes, Message | None]:
    """The whole body (already capped by the edge, common/edge.py) and the message to replay it as."""
    chunks = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return bytes(chunks), message
        chunks += message.get("body", b"")
        if not message.get("more_body", False):
            break
    return bytes(chunks), {"type": "http.request", "body": bytes(chunks), "more_body": False}
