"""Aggregate reads that do not depend on planner statistics (PostgreSQL only).

- A scorecard reads the same number of buffers whatever the history before its window;
- a backfill analyses what it loaded;
- a service says at start when autovacuum is off.

The statements a person's scorecard runs against metric_daily are captured as the service sends them, then run
again under EXPLAIN (ANALYZE, BUFFERS): once with N history rows in the tenant and once with 10 x N, never analysed
(autovacuum off for the table), then once more after ANALYZE with statistics of the large table. Before the
statements were shaped for it (services/metrics/daily_ranges.py) the same test read 251 then 517 buffers (the
person's whole key range, every metric and day, filtered); now 160 and 162."""

import logging
import uuid

import httpx
import pytest
from sqlalchemy import text

from services.metrics.app import create_app
from services.metrics.settings import MetricsSettings
from tests.conftest import JWT_SECRET, Stack, Tenant
from tests.dbs import backend
from tests.metrics import test_scorecards as scorecards
from tests.metrics.test_definitions import definition
from tests.sql_statements import shared_buffers, statements_of_this_task

pytestmark = pytest.mark.skipif(backend() != "postgresql", reason="EXPLAIN (ANALYZE, BUFFERS) is PostgreSQL's")

KEYS = ["meetings", "emails", "calls", "demos", "wins", "closed_opportunities", "proposals", "opportunities"]
OTHERS = 40  # people besides the org's, so that the tenant's rows are many more than one person's


def _daily_select(statement: str) -> bool:
    return "metric_daily" in statement and statement.lstrip().upper().startswith("SELECT")


async def _history(stack: Stack, tenant: Tenant, people: list[uuid.UUID], days: int) -> None:
    """Rows for every person and metric on every day of the `days` before today (already there: kept), in
    day order as ingest writes them: a person's history is spread over the table's pages."""
    db = stack.local.services["metrics"].state.db
    async with db.engine.begin() as conn:
        await conn.execute(text("""
            INSERT INTO metric_daily (tenant_id, person_id, metric_key, day, num, den)
            SELECT :tenant, p, k, CAST(:today AS date) - d, 1, 0
            FROM unnest(CAST(:people AS uuid[])) AS p, unnest(CAST(:keys AS text[])) AS k,
                 generate_series(1, :days) AS d
            ORDER BY d DESC, p, k
            ON CONFLICT DO NOTHING"""), {"tenant": tenant.id, "today": scorecards.TODAY, "people": people,
                                         "keys": KEYS, "days": days})


async def _buffers(stack: Stack, metrics: httpx.AsyncClient, person: uuid.UUID) -> int:
    """Shared buffers (hit + read) of every metric_daily statement of one person's monthly scorecard."""
    db = stack.local.services["metrics"].state.db
    with statements_of_this_task(db.engine.sync_engine, _daily_select) as captured:
        r = await metrics.get("/v1/scorecard", params={"person_id": str(person), "period": "month",
                                                       "on": scorecards.TODAY.isoformat()})
    assert r.status_code == 200, r.text
    assert captured, "the scorecard read no metric_daily"
    async with db.engine.connect() as conn:
        return await shared_buffers(conn, captured)


async def test_a_scorecard_reads_the_same_buffers_with_ten_times_the_history(stack, tenant, metrics):
    scorecards.set_dates()
    org = await scorecards.build(metrics)
    db = stack.local.services["metrics"].state.db
    async with db.engine.begin() as conn:
        await conn.execute(text("ALTER TABLE metric_daily SET (autovacuum_enabled = false)"))
    try:
        people = [*org.roles, *(uuid.uuid4() for _ in range(OTHERS))]
        person = org.sellers[0]
        await _history(stack, tenant, people, 120)
        small = await _buffers(stack, metrics, person)
        await _history(stack, tenant, people, 1200)
        large = await _buffers(stack, metrics, person)
        async with db.engine.begin() as conn:
            rows = (await conn.execute(text("SELECT count(*) FROM metric_daily WHERE tenant_id = :t"),
                                       {"t": tenant.id})).scalar_one()
            assert rows >= len(people) * len(KEYS) * 1200
        assert large <= small * 5 // 4 + 20, (small, large)  # the same order: ten times the history is not read
        async with db.engine.begin() as conn:
            await conn.execute(text("ANALYZE metric_daily"))
        analysed = await _buffers(stack, metrics, person)
        assert analysed <= small * 5 // 4 + 20, (small, analysed)
    finally:
        async with db.engine.begin() as conn:
            await conn.execute(text("ALTER TABLE metric_daily RESET (autovacuum_enabled)"))



async def _reltuples(stack: Stack) -> float:
    db = stack.local.services["metrics"].state.db
    async with db.engine.connect() as conn:
        return float((await conn.execute(text(
            "SELECT reltuples FROM pg_class WHERE oid = 'metric_daily'::regclass"))).scalar_one())


async def test_a_backfill_leaves_the_planner_fresh_statistics(stack, tenant, metrics):
    """Creating a stored metric backfills metric_daily and analyses it: a server without autovacuum would
    otherwise plan with the statistics of whenever the table was last analysed (here: empty)."""
    scorecards.set_dates()
    db = stack.local.services["metrics"].state.db
    async with db.engine.begin() as conn:
        await conn.execute(text("ALTER TABLE metric_daily SET (autovacuum_enabled = false)"))
        await conn.execute(text("ANALYZE metric_daily"))
    try:
        assert await _reltuples(stack) == 0
        people = [uuid.uuid4() for _ in range(10)]
        await _history(stack, tenant, people, 50)  # 10 x 8 x 50 rows, not analysed
        assert await _reltuples(stack) == 0
        r = await metrics.post("/v1/metrics", json=definition("new_logo_meetings"))
        assert r.status_code == 201, r.text
        assert await _reltuples(stack) == len(people) * len(KEYS) * 50
    finally:
        async with db.engine.begin() as conn:
            await conn.execute(text("ALTER TABLE metric_daily RESET (autovacuum_enabled)"))


async def test_a_service_says_at_start_when_autovacuum_is_off(db_urls, caplog):
    app = create_app(MetricsSettings(database_url=db_urls["metrics"], identity_database_url=db_urls["identity"],
                                     environment="test", jwt_secret=JWT_SECRET))
    async with app.state.db.engine.connect() as conn:
        off = (await conn.execute(text("SHOW autovacuum"))).scalar_one() == "off"
    caplog.set_level(logging.WARNING, logger="uplift.db")
    async with app.router.lifespan_context(app):
        pass
    said = [r for r in caplog.records if r.name == "uplift.db" and "autovacuum is off" in r.getMessage()]
    assert len(said) == (1 if off else 0), said
    assert all(r.levelno == logging.WARNING and r.getMessage().startswith("metrics: ") for r in said)
