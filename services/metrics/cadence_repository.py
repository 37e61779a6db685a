"""What cadence kept reads and writes (cadence_facts.py): programmes, their pairs and sessions as mirrored,
the expected-session facts of pairs, the cadence lock and each tenant's accrual day. Every statement is
filtered by (or writes) the repository's tenant, except `tenants_to_accrue` (the daily job's one look across
tenants)."""

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, false, func, or_, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import utcnow
from common.repository import TenantRepository
from services.metrics.models import (
    CadenceAccrualDay,
    CoachingFact,
    CoachingProgramme,
    CoachingSession,
    MetricDefinition,
    ProgrammeParticipant,
)

CHUNK = 1000
_LOCK_CLASS = 0x0CADE  # the first key of the two-key advisory lock (a key space apart from the tenant lock's)


def _chunks(values: Sequence[Any]) -> list[Sequence[Any]]:
    return [values[i:i + CHUNK] for i in range(0, len(values), CHUNK)]


class CadenceRepository(TenantRepository):
    async def lock(self) -> None:
        """Serialise, per tenant, every write that programme cadence facts depend on (sessions, pairs,
        programmes as mirrored, and the daily accrual), taken before any of their rows is written: each then
        reads the others' committed state, and none waits on a row another holds while it waits for this.
        PostgreSQL: a transaction-scoped advisory lock on (class, tenant). SQLite: a no-op write takes the
        database's one write lock for the transaction."""
        if self.s.get_bind().dialect.name != "postgresql":
            await self.s.execute(update(MetricDefinition).where(MetricDefinition.tenant_id == self.tenant_id,
                                                                false()).values(key=MetricDefinition.key))
            return
        key = int.from_bytes(self.tenant_id.bytes[:4], "big", signed=True)
        await self.s.execute(select(func.pg_advisory_xact_lock(_LOCK_CLASS, key)))

    # ---- the mirror
    async def programmes(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
        p = CoachingProgramme.__table__.c
        out: dict[uuid.UUID, dict[str, Any]] = {}
        for chunk in _chunks(sorted(set(ids))):
            stmt = select(p.id, p.cadence_days, p.starts_on, p.ends_on, p.behavior_keys, p.deleted).where(
                p.tenant_id == self.tenant_id, p.id.in_(chunk))
            out.update({r.id: dict(r._mapping) for r in (await self.s.execute(stmt)).all()})
        return out

    async def pairs(self, *, ids: Sequence[uuid.UUID] = (),
                    programme_ids: Sequence[uuid.UUID] = ()) -> list[dict[str, Any]]:
        """Pairs with these ids or of these programmes (tombstones included)."""
        c = ProgrammeParticipant.__table__.c
        out: dict[uuid.UUID, dict[str, Any]] = {}
        for column, values in ((c.id, ids), (c.programme_id, programme_ids)):
            for chunk in _chunks(sorted(set(values))):
                stmt = select(c.id, c.programme_id, c.person_id, c.coach_id, c.joined_on, c.left_on,
                              c.deleted).where(c.tenant_id == self.tenant_id, column.in_(chunk))
                out.update({r.id: dict(r._mapping) for r in (await self.s.execute(stmt)).all()})
        return list(out.values())

    async def live_pairs(self, after: date | None, through: date) -> list[dict[str, Any]]:
        """Pairs (not deleted) that may be in their programme on a day of (after, through]."""
        c = ProgrammeParticipant.__table__.c
        stmt = select(c.id, c.programme_id, c.person_id, c.coach_id, c.joined_on, c.left_on, c.deleted).where(
            c.tenant_id == self.tenant_id, c.deleted.is_(False), c.coach_id.is_not(None), c.joined_on <= through)
        if after is not None:
            stmt = stmt.where(or_(c.left_on.is_(None), c.left_on > after))
        return [dict(r._mapping) for r in (await self.s.execute(stmt)).all()]

    async def session_ids(self, programme_ids: Sequence[uuid.UUID],
                          seller_ids: Sequence[uuid.UUID] | None = None) -> list[uuid.UUID]:
        """Sessions of these programmes (with one of these sellers, when given)."""
        s = CoachingSession
        out: list[uuid.UUID] = []
        for chunk in _chunks(sorted(set(programme_ids))):
            stmt = select(s.id).where(s.tenant_id == self.tenant_id, s.programme_id.in_(chunk))
            if seller_ids is not None:
                stmt = stmt.where(s.seller_id.in_(sorted(set(seller_ids))))
            out.extend((await self.s.execute(stmt)).scalars())
        return out

    async def programme_session_ids(self) -> list[uuid.UUID]:
        s = CoachingSession
        stmt = select(s.id).where(s.tenant_id == self.tenant_id, s.programme_id.is_not(None))
        return list((await self.s.execute(stmt)).scalars())

    # ---- expected-session facts
    async def facts(self, entity_ids: Sequence[uuid.UUID], type_: str) -> list[dict[str, Any]]:
        f = CoachingFact.__table__.c
        out: list[dict[str, Any]] = []
        for chunk in _chunks(sorted(set(entity_ids))):
            stmt = select(f.id, f.entity_id, f.person_id, f.type, f.at, f.attributes, f.amount).where(
                f.tenant_id == self.tenant_id, f.entity_id.in_(chunk), f.type == type_)
            out.extend(dict(r._mapping) for r in (await self.s.execute(stmt)).all())
        return out

    async def delete_facts(self, ids: Sequence[uuid.UUID]) -> None:
        f = CoachingFact.__table__.c
        for chunk in _chunks(list(ids)):
            await self.s.execute(delete(CoachingFact).where(f.tenant_id == self.tenant_id, f.id.in_(chunk)))

    async def insert_missing_facts(self, facts: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
        """Insert the facts whose id is not stored yet; the ids inserted (`ON CONFLICT DO NOTHING … RETURNING`)."""
        table = CoachingFact.__table__
        dialect: Any = pg_insert if self.s.get_bind().dialect.name == "postgresql" else sqlite.insert
        out: set[uuid.UUID] = set()
        for chunk in _chunks(list(facts)):
            stmt = dialect(table).on_conflict_do_nothing(index_elements=["tenant_id", "id"]).returning(table.c.id)
            result = await self.s.execute(stmt, [{**f, "tenant_id": self.tenant_id} for f in chunk])
            out.update(result.scalars())
        return out

    # ---- the accrual day
    async def accrued_through(self) -> date | None:
        stmt = select(CadenceAccrualDay.through).where(CadenceAccrualDay.tenant_id == self.tenant_id)
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def set_accrued_through(self, day: date) -> None:
        values = {"tenant_id": self.tenant_id, "through": day, "updated_at": utcnow()}
        dialect: Any = pg_insert if self.s.get_bind().dialect.name == "postgresql" else sqlite.insert
        stmt = dialect(CadenceAccrualDay).values(values)
        stmt = stmt.on_conflict_do_update(index_elements=["tenant_id"],
                                          set_={"through": day, "updated_at": values["updated_at"]})
        await self.s.execute(stmt)


async def tenants_to_accrue(s: AsyncSession, today: date) -> list[uuid.UUID]:
    """Tenants with programmes whose expected sessions are not accrued through `today` (the daily job's list)."""
    p, a = CoachingProgramme, CadenceAccrualDay
    stmt = (select(p.tenant_id).distinct().outerjoin(a, a.tenant_id == p.tenant_id)
            .where(or_(a.through.is_(None), a.through < today)))
    return sorted((await s.execute(stmt)).scalars(), key=lambda t: t.bytes)
