"""The Statements resource's rules: a request's statements are validated whole, then stored in one go with the
properties the LRS sets; an id already stored with other content is a conflict and nothing is written
(Communication §2.1.1-2.1.2); voiding per Data §2.3.2. Never commits (the request's session does)."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from common.db import utcnow
from common.errors import Conflict, NotFound
from services.metrics.xapi.errors import XapiBadRequest
from services.metrics.xapi.multipart import Part
from services.metrics.xapi.repository import Filters, XapiRepository
from services.metrics.xapi.shaping import Prepared, prepare
from services.metrics.xapi.validation import StatementInvalid, Validator
from services.metrics.xapi.versions import Version


class StatementListener(Protocol):
    """What else happens when statements are stored or voided, in the same transaction (training evidence)."""

    async def stored(self, prepared: Sequence[Prepared]) -> None: ...

    async def voided(self, statements: Sequence[dict[str, Any]]) -> None: ...


def now_ms() -> datetime:
    """`stored` to the millisecond, as it is given back, so `since`/`until` compare what the caller saw."""
    now = utcnow()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _check_attachments(statements: Sequence[dict[str, Any]], parts: dict[str, Part]) -> None:
    """Every attachment without a fileUrl comes as a part, and every part is an attachment of a statement
    (Communication §1.5.2)."""
    named = {a["sha2"].lower(): a for st in statements for a in st.get("attachments", [])}
    for sha2, attachment in named.items():
        if "fileUrl" not in attachment and sha2 not in parts:
            raise XapiBadRequest(f"The attachment {sha2} has no fileUrl, so it comes as a part of a multipart/mixed "
                                 "request with that X-Experience-API-Hash.")
    for sha2 in parts:
        if sha2 not in named:
            raise XapiBadRequest(f"The part with X-Experience-API-Hash {sha2} is no statement's attachment.")


class StatementsService:
    def __init__(self, repo: XapiRepository, version: Version, authority: dict[str, Any],
                 listener: StatementListener | None = None) -> None:
        self.repo = repo
        self.version = version
        self.authority = authority
        self.listener = listener

    def _validate(self, statements: Sequence[Any]) -> None:
        validator = Validator(self.version)
        seen: set[str] = set()
        for i, statement in enumerate(statements):
            where = "statement" if len(statements) == 1 else f"statements[{i}]"
            try:
                validator.statement(statement, where)
            except StatementInvalid as exc:
                raise XapiBadRequest(f"{exc.path} {exc.message}.",
                                     errors=[{"field": exc.path, "message": exc.message, "code": "invalid"}]
                                     ) from None
            sid = statement.get("id")
            if sid is not None:
                if sid.lower() in seen:
                    raise XapiBadRequest(f"{where}.id {sid} appears twice in this request.")
                seen.add(sid.lower())

    async def store(self, statements: list[Any], *, statement_id: uuid.UUID | None = None,
                    attachments: dict[str, Part] | None = None) -> list[uuid.UUID]:
        """Store these statements (all or none); their ids in order. `statement_id` is a PUT's parameter;
        `attachments` the parts of a multipart request by hash (None: a JSON request)."""
        if not statements:
            raise XapiBadRequest("Send at least one statement.")
        self._validate(statements)
        _check_attachments(statements, attachments or {})
        if statement_id is not None:
            given = statements[0].get("id")
            if given is not None and uuid.UUID(given) != statement_id:
                raise XapiBadRequest("The statement's id differs from the statementId parameter.")
            statements[0]["id"] = str(statement_id)
        await self.repo.writing()
        stored = now_ms()
        prepared = [prepare(s, stored=stored, authority=self.authority, version=self.version) for s in statements]
        await self._write(prepared, stored, attachments)
        return [p.id for p in prepared]

    async def _write(self, prepared: list[Prepared], stored: datetime,
                     attachments: dict[str, Part] | None) -> None:
        written = await self.repo.write(prepared, stored)
        for p in prepared:
            seen = written.known.get(p.id)
            if seen is not None and seen[0] != p.content_hash:  # the request's rollback takes back the rest
                raise Conflict(f"Statement {p.id} is already stored with other content; nothing was changed.")
        if not written.inserted:
            return
        if attachments:
            await self.repo.insert_attachments([(h, p.content_type, p.content) for h, p in attachments.items()])
        if self.listener is not None:
            await self.listener.stored([p for p in prepared if p.id in written.inserted and not p.voiding
                                        and p.id not in written.inserted_voided])
            if written.voided_now:
                await self.listener.voided(written.voided_now)

    async def one(self, statement_id: uuid.UUID, *, voided: bool) -> tuple[dict[str, Any], datetime]:
        row = await self.repo.one(statement_id, voided=voided)
        if row is None:
            kind = "voided statement" if voided else "statement (or it is voided)"
            raise NotFound(f"No {kind} with id {statement_id}.")
        return row.statement, row.stored

    async def attachments(self, statements: Sequence[dict[str, Any]]) -> list[tuple[str, str, bytes]]:
        """The stored attachments these statements name, each once."""
        wanted = list(dict.fromkeys(a["sha2"].lower() for st in statements for a in st.get("attachments", [])))
        return await self.repo.attachments(wanted) if wanted else []

    async def query(self, filters: Filters, limit: int) -> list[tuple[uuid.UUID, datetime, dict[str, Any]]]:
        return await self.repo.query(filters, limit)
