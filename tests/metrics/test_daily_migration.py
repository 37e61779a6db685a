"""met0007 backfills metric_daily from evidence stored before it, with the catalogue and each tenant's
definitions — on SQLite, and on PostgreSQL when UPLIFT_TEST_DATABASE_URL is set."""

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from common.migrations import upgrade
from services.metrics.models import Activity, Completion, MetricDaily, MetricDefinition
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
