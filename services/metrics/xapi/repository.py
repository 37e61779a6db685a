"""Every query of the xAPI statements, filtered by the repository's tenant. A batch is written with a constant
number of SQL statements whatever its size: on PostgreSQL one (pg_write.py), elsewhere one per step, ids looked
up and rows inserted in chunks of CHUNK."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, insert, or_, select, true, union, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from common.repository import TenantRepository
from services.metrics.models import XapiAttachment, XapiStatement, XapiStatementActivity, XapiStatementAgent
from services.metrics.xapi import pg_write
from services.metrics.xapi.pg_write import Written
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
        write does it. PostgreSQL: nothing (a race on an id is settled by the primary key, see pg_write.py)."""
        if self.s.get_bind().dialect.name != "postgresql":
            await self.s.execute(update(XapiStatement).where(XapiStatement.tenant_id == self.tenant_id, false())
                                 .values(voided=XapiStatement.voided))

    async def write(self, prepared: Sequence[Prepared], stored: datetime) -> Written:
        """Store the statements of `prepared` not stored yet, with their agents and activities; mark voided those
        a voiding statement (stored, or new in this batch) targets, and void the stored statements the new
        voiding statements target. When an id is already stored with other content, what is written does not
        matter: the request's transaction is rolled back (on SQLite nothing is written then). PostgreSQL: one
        SQL statement (pg_write.py). Elsewhere one per step, in a savepoint: a write that loses a race on an id
        is rolled back to it and judged again against the other's row."""
        if self.s.get_bind().dialect.name == "postgresql":
            return await pg_write.write(self.s, self.tenant_id, prepared, stored)
        for attempt in range(1, pg_write.RACE_ATTEMPTS + 1):
            try:
                async with self.s.begin_nested():
                    return await self._write_steps(prepared, stored)
            except IntegrityError:
                if attempt == pg_write.RACE_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    async def _write_steps(self, prepared: Sequence[Prepared], stored: datetime) -> Written:
        known = await self.known([p.id for p in prepared])
        out = Written({i: (k.content_hash, k.voiding) for i, k in known.items()}, set(), set(), [])
        if any(p.id in known and known[p.id].content_hash != p.content_hash for p in prepared):
            return out
        new = [p for p in prepared if p.id not in known]
        if not new:
            return out
        voided = await self.voided_by_stored([p.id for p in new])
        voided |= {p.ref_id for p in new if p.voiding and p.ref_id is not None}
        await self.insert(new, stored, voided)
        out.inserted = {p.id for p in new}
        out.inserted_voided = {p.id for p in new if p.id in voided and not p.voiding}
        targets = [p.ref_id for p in new if p.voiding and p.ref_id is not None]
        out.voided_now = await self.void(targets) if targets else []
        return out

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

    def _links(self, f: Filters) -> tuple[Any, list[ColumnElement[bool]]] | None:
        """The link rows a query is driven from: the agent's (else the activity's), with their conditions; None
        when neither is asked for (the statements' own indexes then serve the verb and registration)."""
        if f.agent is not None:
            agent = aliased(XapiStatementAgent)
            where = [agent.tenant_id == self.tenant_id, agent.ifi_key == f.agent]
            return agent, where if f.related_agents else [*where, agent.related.is_(false())]
        if f.activity is not None:
            activity = aliased(XapiStatementActivity)
            where = [activity.tenant_id == self.tenant_id, activity.activity_key == f.activity]
            return activity, where if f.related_activities else [*where, activity.related.is_(false())]
        return None

    def _content(self, s: Any, f: Filters, *, driven: bool) -> list[ColumnElement[bool]]:
        """The content filters on statement alias `s` (`driven`: but the one the link rows already apply)."""
        where: list[ColumnElement[bool]] = []
        if f.verb is not None:
            where.append(s.verb_key == f.verb)
        if f.registration is not None:
            where.append(s.registration == f.registration)
        if f.agent is not None and not driven:
            agents = select(XapiStatementAgent.statement_id).where(
                XapiStatementAgent.tenant_id == self.tenant_id, XapiStatementAgent.ifi_key == f.agent)
            if not f.related_agents:
                agents = agents.where(XapiStatementAgent.related.is_(false()))
            where.append(s.id.in_(agents))
        if f.activity is not None and (f.agent is not None or not driven):
            a = XapiStatementActivity
            activities = select(a.statement_id).where(a.tenant_id == self.tenant_id, a.statement_id == s.id,
                                                      a.activity_key == f.activity)
            if not f.related_activities:
                activities = activities.where(a.related.is_(false()))
            where.append(activities.exists())
        return where

    def _window(self, stored: Any, id_: Any, f: Filters) -> list[ColumnElement[bool]]:
        """The time filters and the cursor on these (stored, id) columns."""
        where: list[ColumnElement[bool]] = []
        if f.since is not None:
            where.append(stored > f.since)
        if f.until is not None:
            where.append(stored <= f.until)
        if f.after is not None:
            at, last = f.after
            if f.ascending:
                where.append(or_(stored > at, and_(stored == at, id_ > last)))
            else:
                where.append(or_(stored < at, and_(stored == at, id_ < last)))
        return where

    @staticmethod
    def _order(stored: Any, id_: Any, f: Filters) -> tuple[Any, Any]:
        return (stored.asc(), id_.asc()) if f.ascending else (stored.desc(), id_.desc())

    async def query(self, f: Filters, limit: int) -> list[tuple[uuid.UUID, datetime, dict[str, Any]]]:
        """Statements not voided matching `f`, newest stored first (or oldest with `ascending`), at most `limit`.
        A statement whose object is a StatementRef also matches when its target does (Communication §2.1.3,
        one level deep); the time filters and the cursor apply to the statement itself.

        The statements matching the content filters and those referring to a match are two queries, each
        limited, merged. With an agent (or activity) filter both are driven from its link rows, in the order of
        their index on (tenant, key, stored): the direct matches walk that index and stop at `limit`; the
        referring statements are looked up per matching statement by `ref_id`. On PostgreSQL each lookup is a
        LATERAL subquery with a LIMIT (or OFFSET 0) and no order of its own, which the planner can neither
        flatten nor turn around nor answer by walking `stored`, so the plan is the same whatever its statistics
        say (without statistics it once walked every statement by `stored` looking for referrers: seconds at
        1M). The cost follows what matches, not what the tenant
        holds (bench/xapi.py)."""
        s = XapiStatement
        links = self._links(f)
        if links is None and not self._content(s, f, driven=False):
            stmt = self._page(s, f, [], limit).add_columns(s.statement)
            return [(r.id, r.stored, r.statement) for r in (await self.s.execute(stmt)).all()]
        if links is None:
            direct: Select[Any, Any] = self._page(s, f, self._content(s, f, driven=False), limit)
            target = aliased(XapiStatement)
            targets = select(target.id.label("id")).where(target.tenant_id == self.tenant_id,
                                                          *self._content(target, f, driven=False))
            referring = aliased(XapiStatement)
            refs: Select[Any, Any] = self._page(referring, f, [referring.ref_id.in_(targets)], limit)
        else:
            direct, refs = self._driven(f, links, limit)
        parts = [p.subquery() for p in (direct, refs)]
        both = union(*(select(p.c.id, p.c.stored) for p in parts)).subquery()
        stmt = (select(s.id, s.stored, s.statement).join(both, s.id == both.c.id)
                .where(s.tenant_id == self.tenant_id).order_by(*self._order(both.c.stored, both.c.id, f))
                .limit(limit))
        return [(r.id, r.stored, r.statement) for r in (await self.s.execute(stmt)).all()]

    def _driven(self, f: Filters, links: tuple[Any, list[ColumnElement[bool]]], limit: int
                ) -> tuple[Select[Any, Any], Select[Any, Any]]:
        """(direct matches, referring statements) as (id, stored), each in order and limited, driven from the
        link rows `links`."""
        link, on_link = links
        lateral = self.s.get_bind().dialect.name == "postgresql"
        s: Any = aliased(XapiStatement)
        target: Any = aliased(XapiStatement)
        referring: Any = aliased(XapiStatement)
        # The direct matches: the link rows in index order, each kept if its statement is not voided and meets
        # the other filters (the link's `stored` is its statement's).
        own = [s.tenant_id == self.tenant_id, s.id == link.statement_id, s.voided.is_(false()),
               *self._content(s, f, driven=True)]
        direct: Select[Any, Any] = (
            select(link.statement_id.label("id"), link.stored.label("stored")).select_from(link)
            .where(*on_link, *self._window(link.stored, link.statement_id, f))
            .order_by(*self._order(link.stored, link.statement_id, f)).limit(limit))
        if lateral:
            direct = direct.join(select(s.id).where(*own).limit(1).lateral(), true())
        else:
            direct = direct.join(s, and_(*own))
        if f.related_agents if f.agent is not None else f.related_activities:
            direct = direct.distinct()  # one statement may name the agent (activity) both directly and related
        # The referring statements: per matching statement, those whose StatementRef points at it.
        others = self._content(target, f, driven=True)
        matching = select(link.statement_id.label("id")).where(*on_link)
        if others:
            matching = matching.join(target, and_(target.tenant_id == self.tenant_id,
                                                  target.id == link.statement_id, *others))
        found = matching.distinct().subquery()
        to_it = [referring.tenant_id == self.tenant_id, referring.ref_id == found.c.id,
                 referring.voided.is_(false()), *self._window(referring.stored, referring.id, f)]
        refs: Select[Any, Any]
        if lateral:
            # No order inside (nothing to walk `stored` for); OFFSET 0 keeps the subquery whole (not flattened).
            each = select(referring.id.label("id"), referring.stored.label("stored")).where(*to_it).offset(0).lateral()
            refs = (select(each.c.id, each.c.stored).select_from(found).join(each, true())
                    .order_by(*self._order(each.c.stored, each.c.id, f)).limit(limit))
        else:
            refs = (select(referring.id.label("id"), referring.stored.label("stored")).select_from(found)
                    .join(referring, and_(*to_it))
                    .order_by(*self._order(referring.stored, referring.id, f)).limit(limit))
        return direct, refs

    def _page(self, s: Any, f: Filters, where: list[ColumnElement[bool]], limit: int) -> Select[Any, Any]:
        """The ids and `stored` of statement alias `s` matching `where`, not voided, within the time filters and
        after the cursor, in order, at most `limit`."""
        where = [s.tenant_id == self.tenant_id, s.voided.is_(false()), *where, *self._window(s.stored, s.id, f)]
        return select(s.id, s.stored).where(*where).order_by(*self._order(s.stored, s.id, f)).limit(limit)
