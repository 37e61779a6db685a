"""met0007 backfills metric_daily from evidence stored before it, with the catalogue and each tenant's
definitions; met0010 the coaching metrics from the sessions stored before it — on SQLite, and on PostgreSQL
when UPLIFT_TEST_DATABASE_URL is set."""

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import column, insert, select, table, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from common.migrations import downgrade, upgrade
from services.metrics.models import Activity, CoachingSession, Completion, MetricDaily, MetricDefinition
from tests.dbs import PG_URL


async def _admin(sql: str) -> None:
    engine = create_async_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(sql))
    await engine.dispose()


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    if not PG_URL:
        yield f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
        return
    name = f"uplift_d{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _run(url: str, fn: Any) -> Any:
    async def go() -> Any:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            result = await fn(conn)
        await engine.dispose()
        return result

    return asyncio.run(go())


def test_evidence_stored_before_the_aggregates_is_counted(url: str) -> None:
    upgrade("metrics", url, "met0006")
    tenant, other, ana, ben = (uuid.uuid4() for _ in range(4))
    now = datetime(2026, 1, 1, tzinfo=UTC)

    def act(n: int, t: uuid.UUID, person: uuid.UUID | None, type_: str, day: int, **over: Any) -> dict[str, Any]:
        return {"id": uuid.uuid4(), "tenant_id": t, "source": "salesforce", "external_id": f"a{n}", "type": type_,
                "person_id": person, "source_user_id": None if person else "u9", "amount": None, "currency": None,
                "occurred_at": datetime(2026, 2, day, 23, 0, tzinfo=UTC), "attributes": {"level": "vp"},
                "source_updated_at": now, "content_hash": "0" * 64, "received_at": now, "updated_at": now, **over}

    activities = [act(1, tenant, ana, "call", 3), act(2, tenant, ana, "call", 3), act(3, tenant, ana, "meeting", 4),
                  act(4, tenant, ben, "opportunity_won", 4, amount=100.0), act(5, tenant, ben, "opportunity_won", 4),
                  act(6, tenant, None, "call", 5), act(7, other, ana, "meeting", 4)]
    completion = {"id": uuid.uuid4(), "tenant_id": tenant, "source": "lms", "external_id": "c1", "person_id": ben,
                  "source_user_id": None, "email": None, "course_id": "x", "course_title": "X", "status": "passed",
                  "score": 0.5, "completed_at": datetime(2026, 2, 6, tzinfo=UTC), "source_updated_at": None,
                  "content_hash": "0" * 64, "received_at": now, "updated_at": now}
    vp_meetings = {"tenant_id": other, "key": "vp_meetings", "name": "VP meetings", "description": "",
                   "kind": "activity", "aggregation": "count", "source": "activities", "types": ["meeting"],
                   "filters": {"level": ["vp"]}, "field": None, "numerator": None, "denominator": None,
                   "created_at": now}

    async def seed(conn: Any) -> None:
        await conn.execute(insert(Activity), activities)
        await conn.execute(insert(Completion), [completion])
        await conn.execute(insert(MetricDefinition), [vp_meetings])

    _run(url, seed)
    upgrade("metrics", url)

    async def read(conn: Any) -> list[Any]:
        return list((await conn.execute(select(MetricDaily.tenant_id, MetricDaily.person_id, MetricDaily.metric_key,
                                               MetricDaily.day, MetricDaily.num, MetricDaily.den))).all())

    got = {(t, p, k, d): (n, e) for t, p, k, d, n, e in _run(url, read)}
    feb = lambda day: date(2026, 2, day)  # noqa: E731
    assert got == {
        (tenant, ana, "calls", feb(3)): (2.0, 0.0),
        (tenant, ana, "meetings", feb(4)): (1.0, 0.0),
        (tenant, ben, "wins", feb(4)): (2.0, 0.0),
        (tenant, ben, "closed_opportunities", feb(4)): (2.0, 0.0),
        (tenant, ben, "won_amount", feb(4)): (100.0, 0.0),
        (tenant, ben, "avg_deal_size", feb(4)): (100.0, 1.0),
        (tenant, ben, "training_completions", feb(6)): (1.0, 0.0),
        (other, ana, "meetings", feb(4)): (1.0, 0.0),
        (other, ana, "vp_meetings", feb(4)): (1.0, 0.0),
    }


def test_sessions_stored_before_coaching_metrics_are_counted(url: str) -> None:
    """met0010: sessions the read model held before coaching facts existed become facts and coaching figures
    (and a downgrade takes the figures away again)."""
    upgrade("metrics", url, "met0009")
    tenant, coach, seller = (uuid.uuid4() for _ in range(3))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    columns = ("tenant_id", "id", "coach_id", "seller_id", "programme_id", "status", "scheduled_at", "held_at",
               "relevant", "developmental", "motivational", "has_agreed_action", "deleted", "version", "updated_at")
    typed = CoachingSession.__table__.c  # the columns as met0009 has them (focus_keys came with met0010)
    sessions = table("coaching_sessions", *(column(c, typed[c].type) for c in columns))

    def session(status: str, day: int, *, rated: bool = False, deleted: bool = False) -> dict[str, Any]:
        at = datetime(2026, 3, day, 9, tzinfo=UTC)
        return {"tenant_id": tenant, "id": uuid.uuid4(), "coach_id": coach, "seller_id": seller, "programme_id": None,
                "status": status, "scheduled_at": at, "held_at": at if status == "completed" else None,
                "relevant": 4 if rated else None, "developmental": 3 if rated else None,
                "motivational": 5 if rated else None, "has_agreed_action": rated, "deleted": deleted, "version": 2,
                "updated_at": now}

    async def seed(conn: Any) -> None:
        await conn.execute(insert(sessions), [session("completed", 2, rated=True), session("completed", 2),
                                              session("cancelled", 3), session("completed", 4, deleted=True)])

    _run(url, seed)
    upgrade("metrics", url)

    async def read(conn: Any) -> Any:
        rows = (await conn.execute(select(MetricDaily.person_id, MetricDaily.metric_key, MetricDaily.day,
                                          MetricDaily.num, MetricDaily.den))).all()
        return {(p, k, d): (n, e) for p, k, d, n, e in rows}

    assert _run(url, read) == {
        (coach, "coaching_sessions_planned", date(2026, 3, 2)): (2.0, 0.0),
        (coach, "coaching_sessions_planned", date(2026, 3, 3)): (1.0, 0.0),
        (coach, "coaching_sessions_held", date(2026, 3, 2)): (2.0, 0.0),
        (seller, "coaching_sessions_received", date(2026, 3, 2)): (2.0, 0.0),
        (coach, "coaching_sessions_cancelled", date(2026, 3, 3)): (1.0, 0.0),
        (coach, "coaching_sessions_with_action", date(2026, 3, 2)): (1.0, 0.0),
        (coach, "coaching_rating_relevant", date(2026, 3, 2)): (4.0, 1.0),
        (coach, "coaching_rating_developmental", date(2026, 3, 2)): (3.0, 1.0),
        (coach, "coaching_rating_motivational", date(2026, 3, 2)): (5.0, 1.0),
    }
    downgrade("metrics", url, "met0009")
    assert _run(url, read) == {}
