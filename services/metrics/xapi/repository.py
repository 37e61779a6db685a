"""Every query of the xAPI statements, filtered by the repository's tenant. A batch is written with a constant
number of statements whatever its size (ids looked up and rows inserted in chunks of CHUNK)."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, insert, or_, select, true, union, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSessionTransaction
from sqlalchemy.orm import aliased

from common.repository import TenantRepository
from services.metrics.models import XapiAttachment, XapiStatement, XapiStatementActivity, XapiStatementAgent
from services.metrics.xapi.shaping import Prepared

CHUNK = 1000


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), CHUNK):
        yield values[i:i + CHUNK]


@dataclass(frozen=True)
class Known:
    content_hash: str
    voiding: bool


@dataclass(frozen=True)
class Filters:
    """What a statement query asks for; keys are the SHA-256 of IFIs and activity ids (shaping.key)."""

    agent: str | None = None
    verb: str | None = None
    activity: str | None = None
    registration: uuid.UUID | None = None
    related_agents: bool = False
    related_activities: bool = False
    since: datetime | None = None
    until: datetime | None = None
    ascending: bool = False
    after: tuple[datetime, uuid.UUID] | None = None  # the cursor: the last (stored, id) already given

    @property
    def matches_content(self) -> bool:
        return any(v is not None for v in (self.agent, self.verb, self.activity, self.registration))


class XapiRepository(TenantRepository):
    async def writing(self) -> None:
        """SQLite: take the database's one write lock before reading what a write depends on (a transaction that
        read first and writes second fails with "database is locked" when another wrote meanwhile); a no-op
        write does it. PostgreSQL: nothing (a race on an id is settled by the primary key, see the service)."""
        if self.s.get_bind().dialect.name != "postgresql":
            await self.s.execute(update(XapiStatement).where(XapiStatement.tenant_id == self.tenant_id, false())
                                 .values(voided=XapiStatement.voided))

    def savepoint(self) -> AsyncSessionTransaction:
        """A nested transaction: a write that loses a race is rolled back to it and judged again."""
        return self.s.begin_nested()

    async def known(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Known]:
        found: dict[uuid.UUID, Known] = {}
        for chunk in _chunks(ids):
            stmt = select(XapiStatement.id, XapiStatement.content_hash, XapiStatement.voiding).where(
                XapiStatement.tenant_id == self.tenant_id, XapiStatement.id.in_(chunk))
            found.update((r.id, Known(r.content_hash, r.voiding)) for r in (await self.s.execute(stmt)).all())
        return found

    async def voided_by_stored(self, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """Which of these ids a stored voiding statement already targets."""
        out: set[uuid.UUID] = set()
        for chunk in _chunks(ids):
            stmt = select(XapiStatement.ref_id).where(
                XapiStatement.tenant_id == self.tenant_id, XapiStatement.voiding.is_(true()),
                XapiStatement.ref_id.in_(chunk))
            out.update(r for r in (await self.s.execute(stmt)).scalars() if r is not None)
        return out

    async def insert(self, prepared: Sequence[Prepared], stored: datetime, voided: set[uuid.UUID]) -> None:
        t = self.tenant_id
        rows = [{"tenant_id": t, "id": p.id, "stored": stored, "verb_key": p.verb_key, "registration": p.registration,
                 "ref_id": p.ref_id, "voiding": p.voiding, "voided": p.id in voided and not p.voiding,
                 "content_hash": p.content_hash, "statement": p.statement} for p in prepared]
        agents = [{"tenant_id": t, "statement_id": p.id, "ifi_key": k, "related": r, "stored": stored}
                  for p in prepared for k, r in p.agents]
        activities = [{"tenant_id": t, "statement_id": p.id, "activity_key": k, "related": r, "stored": stored}
                      for p in prepared for k, r in p.activities]
        for table, values in ((XapiStatement, rows), (XapiStatementAgent, agents),
                              (XapiStatementActivity, activities)):
            for chunk in _chunks(values):
                await self.s.execute(insert(table), list(chunk))

    async def insert_attachments(self, rows: Sequence[tuple[str, str, bytes]]) -> None:
        """Keep these contents (sha2, type, bytes) once per tenant: a content already kept is left as it is."""
        values = [{"tenant_id": self.tenant_id, "sha2": h, "content_type": t[:255], "content": c} for h, t, c in rows]
        dialect = self.s.get_bind().dialect.name
        stmt = (pg_insert(XapiAttachment) if dialect == "postgresql" else sqlite_insert(XapiAttachment))
        await self.s.execute(stmt.on_conflict_do_nothing(index_elements=["tenant_id", "sha2"]), values)

    async def attachments(self, sha2s: Sequence[str]) -> list[tuple[str, str, bytes]]:
        out: list[tuple[str, str, bytes]] = []
        for chunk in _chunks(sha2s):
            stmt = select(XapiAttachment.sha2, XapiAttachment.content_type, XapiAttachment.content).where(
                XapiAttachment.tenant_id == self.tenant_id, XapiAttachment.sha2.in_(chunk))
            out.extend((r.sha2, r.content_type, r.content) for r in (await self.s.execute(stmt)).all())
        return out

    async def void(self, targets: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
        """Mark these statements voided (a voiding statement is never voided); the statements voided now."""
        out: list[dict[str, Any]] = []
        for chunk in _chunks(targets):
            stmt = (update(XapiStatement)
                    .where(XapiStatement.tenant_id == self.tenant_id, XapiStatement.id.in_(chunk),
                           XapiStatement.voiding.is_(false()), XapiStatement.voided.is_(false()))
                    .values(voided=True).returning(XapiStatement.statement))
            out.extend((await self.s.execute(stmt)).scalars())
        return out

    async def one(self, statement_id: uuid.UUID, *, voided: bool) -> XapiStatement | None:
        stmt = select(XapiStatement).where(XapiStatement.tenant_id == self.tenant_id,
                                           XapiStatement.id == statement_id, XapiStatement.voided.is_(voided))
        return (await self.s.execute(stmt)).scalar_one_or_none()

    def _content(self, s: Any, f: Filters) -> list[ColumnElement[bool]]:
        """The non-time filters on statement alias `s`."""
        where: list[ColumnElement[bool]] = []
        if f.verb is not None:
            where.append(s.verb_key == f.verb)
        if f.registration is not None:
            where.append(s.registration == f.registration)
        if f.agent is not None:
            agents = select(XapiStatementAgent.statement_id).where(
                XapiStatementAgent.tenant_id == self.tenant_id, XapiStatementAgent.ifi_key == f.agent)
            if not f.related_agents:
                agents = agents.where(XapiStatementAgent.related.is_(false()))
            where.append(s.id.in_(agents))
        if f.activity is not None:
            activities = select(XapiStatementActivity.statement_id).where(
                XapiStatementActivity.tenant_id == self.tenant_id, XapiStatementActivity.activity_key == f.activity)
            if not f.related_activities:
                activities = activities.where(XapiStatementActivity.related.is_(false()))
            where.append(s.id.in_(activities))
        return where

    async def query(self, f: Filters, limit: int) -> list[tuple[uuid.UUID, datetime, dict[str, Any]]]:
        """Statements not voided matching `f`, newest stored first (or oldest with `ascending`), at most `limit`.
        A statement whose object is a StatementRef also matches when its target does (Communication §2.1.3,
        one level deep); the time filters and the cursor apply to the statement itself.

        With content filters, the statements matching them and those referring to a match are two queries each
        limited on its own index (an OR of the two would make the database walk every statement by `stored`),
        merged: the cost follows what matches, not what the tenant holds (bench/xapi.py)."""
        s = XapiStatement
        content = self._content(s, f)
        if not content:
            stmt = self._page(s, f, [], limit).add_columns(s.statement)
            return [(r.id, r.stored, r.statement) for r in (await self.s.execute(stmt)).all()]
        target = aliased(XapiStatement)
        targets = select(target.id).where(target.tenant_id == self.tenant_id, *self._content(target, f))
        direct = self._page(s, f, content, limit).subquery()
        referring = aliased(XapiStatement)
        refs = self._page(referring, f, [referring.ref_id.in_(targets)], limit).subquery()
        both = union(select(direct.c.id, direct.c.stored), select(refs.c.id, refs.c.stored)).subquery()
        order = ((both.c.stored.asc(), both.c.id.asc()) if f.ascending
                 else (both.c.stored.desc(), both.c.id.desc()))
        stmt = (select(s.id, s.stored, s.statement).join(both, and_(s.id == both.c.id))
                .where(s.tenant_id == self.tenant_id).order_by(*order).limit(limit))
        return [(r.id, r.stored, r.statement) for r in (await self.s.execute(stmt)).all()]

    def _page(self, s: Any, f: Filters, where: list[ColumnElement[bool]], limit: int) -> Select[Any]:
        """The ids and `stored` of statement alias `s` matching `where`, not voided, within the time filters and
        after the cursor, in order, at most `limit`."""
        where = [s.tenant_id == self.tenant_id, s.voided.is_(false()), *where]
        if f.since is not None:
            where.append(s.stored > f.since)
        if f.until is not None:
            where.append(s.stored <= f.until)
        if f.after is not None:
            at, last = f.after
            if f.ascending:
                where.append(or_(s.stored > at, and_(s.stored == at, s.id > last)))
            else:
                where.append(or_(s.stored < at, and_(s.stored == at, s.id < last)))
        order = (s.stored.asc(), s.id.asc()) if f.ascending else (s.stored.desc(), s.id.desc())
        return select(s.id, s.stored).where(*where).order_by(*order).limit(limit)
