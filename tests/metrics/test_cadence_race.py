"""Cadence kept under concurrency (PostgreSQL; SQLite runs one writer at a time): a session written while its
pair's write is not committed yet waits for the tenant's cadence lock, then sees the pair — so the session
held in the programme counts, where without the lock each transaction would have missed the other's row."""

import asyncio
import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.metrics import readmodel
from services.metrics.cadence_repository import CadenceRepository
from services.metrics.models import MetricDaily
from services.metrics.readmodel import Entity, ReadModelService
from services.metrics.repository import DailyRepository, DefinitionRepository, EvidenceRepository
from tests.events_wiring.conftest import eventually


def service(s: AsyncSession, tenant: uuid.UUID) -> ReadModelService:
    return ReadModelService(EvidenceRepository(s, tenant), DefinitionRepository(s, tenant), DailyRepository(s, tenant),
                            CadenceRepository(s, tenant))


async def _upsert(db: Any, tenant: uuid.UUID, entity: Entity, items: list[dict[str, Any]]) -> None:
    async with db.sessions() as s:
        assert (await service(s, tenant).upsert(entity, items)).rejected == 0
        await s.commit()


async def test_a_session_written_while_its_pair_is_uncommitted_waits_and_counts(stack: Any) -> None:
    db = stack.local.services["metrics"].state.db
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite runs one writer at a time")
    tenant, coach, seller, programme, pair, sid = (uuid.uuid4() for _ in range(6))
    today = datetime.now(UTC).date()
    held = datetime.combine(today - timedelta(days=1), time(10), UTC)
    await _upsert(db, tenant, readmodel.PROGRAMMES, [{
        "id": str(programme), "version": 1, "name": "Weekly", "cadence_days": 7,
        "starts_on": (today - timedelta(days=30)).isoformat()}])
    waiting = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = :c "
                   "AND objid = :o AND objsubid = 2")
    lock = {"c": 0x0CADE, "o": int.from_bytes(tenant.bytes[:4], "big")}
    async with db.sessions() as first:
        await service(first, tenant).upsert(readmodel.PARTICIPANTS, [{
            "id": str(pair), "version": 1, "programme_id": str(programme), "person_id": str(seller),
            "coach_id": str(coach), "joined_on": (today - timedelta(days=10)).isoformat()}])
        second = asyncio.create_task(_upsert(db, tenant, readmodel.SESSIONS, [{
            "id": str(sid), "version": 1, "coach_id": str(coach), "seller_id": str(seller),
            "programme_id": str(programme), "status": "completed", "scheduled_at": held.isoformat(),
            "held_at": held.isoformat()}]))

        async def blocked_or_done() -> bool:
            if second.done():
                return True
            async with db.sessions() as s:
                return int((await s.execute(waiting, lock)).scalar_one()) > 0

        await eventually(blocked_or_done)
        assert not second.done(), "the session's write did not wait for the pair's"
        await first.commit()
    await second
    async with db.sessions() as s:
        m = MetricDaily
        rows = (await s.execute(select(m.metric_key, m.day, m.num).where(
            m.tenant_id == tenant, m.person_id == coach))).all()
    figures = {(k, d): n for k, d, n in rows}
    assert figures[("coaching_programme_sessions_held", held.date())] == 1.0
    assert abs(sum(n for (k, _), n in figures.items() if k == "coaching_sessions_expected") - 11 / 7) < 1e-9
