"""Storage that scales (issue 14): an agent query reads what the agent's statements need, whatever the tenant holds
and whatever the planner believes (PostgreSQL only: EXPLAIN (ANALYZE, BUFFERS)).

The statements a `GET /statements?agent=…` runs are captured as the service sends them, then run again under
EXPLAIN (ANALYZE, BUFFERS): with N statements in the tenant and with 10 x N, never analysed (autovacuum off for the
tables, as Uplift leaves them), then after ANALYZE, and then by a planner that takes sorting for dear (enable_sort
off: it answers ORDER BY … LIMIT by walking an index in order wherever the query lets it). The agent's statements
are the oldest of all. Before the query was driven from the agent's link rows (repository.py, `_driven`), a
planner without statistics walked every statement by `stored` looking for statements referring to the agent's
(bench/xapi.py: 1M statements, ~5 s); at this test's sizes it happens only with sorting taken for dear, where
the old query read 3,782 buffers against 395 (measured when this test was written)."""

import json
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import text

from tests.conftest import Stack, Tenant
from tests.dbs import backend
from tests.metrics.xapi.conftest import open_lrs
from tests.sql_statements import shared_buffers, statements_of_this_task

pytestmark = pytest.mark.skipif(backend() != "postgresql", reason="EXPLAIN (ANALYZE, BUFFERS) is PostgreSQL's")

TABLES = ("xapi_statements", "xapi_statement_agents", "xapi_statement_activities")
LEARNER = {"objectType": "Agent", "account": {"homePage": "https://lms.example.com", "name": "u-target"}}
OWN = 20  # the learner's statements, the oldest of all

# Statements n in [first, last) as the API stores them (the JSON shortened), the learner's for n < OWN, the others'
# spread over 500 learners; each names its actor and an authority, and one course.
LOAD = """
WITH v AS (
    SELECT n, md5(CAST(:tenant AS text) || n)::uuid AS id,
           CAST(:start AS timestamptz) + n * interval '1 second' AS stored,
           CASE WHEN n < :own THEN 'u-target' ELSE 'u' || (n % 500) END AS learner
    FROM generate_series(CAST(:first AS int), CAST(:last AS int) - 1) AS n
), s AS (
    INSERT INTO xapi_statements (tenant_id, id, stored, verb_key, registration, ref_id, voiding, voided,
                                 content_hash, statement)
    SELECT CAST(:tenant AS uuid), id, stored, repeat('v', 64), NULL, NULL, false, false, repeat('0', 64),
           jsonb_build_object('id', id, 'actor', jsonb_build_object(
               'objectType', 'Agent',
               'account', jsonb_build_object('homePage', 'https://lms.example.com', 'name', learner)),
               'verb', jsonb_build_object('id', 'http://adlnet.gov/expapi/verbs/experienced'),
               'object', jsonb_build_object('id', 'https://lms.example.com/course/' || (n % 30)),
               'stored', to_char(stored AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               'timestamp', to_char(stored AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               'version', '1.0.0')
    FROM v
), a AS (
    INSERT INTO xapi_statement_agents (tenant_id, statement_id, ifi_key, related, stored)
    SELECT CAST(:tenant AS uuid), id, encode(sha256(convert_to(k, 'UTF8')), 'hex'), r, stored
    FROM v, LATERAL (VALUES ('account|https://lms.example.com|' || learner, false),
                            ('account|https://uplift.invalid/api-keys|k', true)) AS l(k, r)
)
INSERT INTO xapi_statement_activities (tenant_id, statement_id, activity_key, related, stored)
SELECT CAST(:tenant AS uuid), id, encode(sha256(convert_to('https://lms.example.com/course/' || (n % 30), 'UTF8')),
                                          'hex'), false, stored
FROM v"""


async def _load(stack: Stack, tenant: Tenant, first: int, last: int) -> None:
    db = stack.local.services["metrics"].state.db
    async with db.engine.begin() as conn:
        await conn.execute(text(LOAD), {"tenant": str(tenant.id), "start": datetime(2026, 6, 1, tzinfo=UTC),
                                        "own": OWN, "first": first, "last": last})


def _xapi_select(statement: str) -> bool:
    return "xapi_statement" in statement and statement.lstrip().upper().startswith(("SELECT", "WITH"))


async def _buffers(stack: Stack, client: httpx.AsyncClient, *, sorting: bool = True) -> int:
    """Shared buffers (hit + read) of the statements of the learner's GET (their OWN statements, one page)."""
    db = stack.local.services["metrics"].state.db
    with statements_of_this_task(db.engine.sync_engine, _xapi_select) as captured:
        r = await client.get("/statements", params={"agent": json.dumps(LEARNER), "limit": str(OWN)})
    assert r.status_code == 200, r.text
    assert len(r.json()["statements"]) == OWN
    assert captured, "the GET read no statements"
    async with db.engine.begin() as conn:
        if not sorting:
            await conn.execute(text("SET LOCAL enable_sort = off"))
        return await shared_buffers(conn, captured)


async def test_an_agent_query_reads_the_same_buffers_with_ten_times_the_statements(
        stack: Stack, tenant: Tenant) -> None:
    db = stack.local.services["metrics"].state.db
    async with db.engine.begin() as conn:
        for table in TABLES:
            await conn.execute(text(f"ALTER TABLE {table} SET (autovacuum_enabled = false)"))
    lrs = await open_lrs(stack, tenant, "direct", "1.0.3", scopes=("xapi:read",))
    try:
        async with lrs.client:
            await _load(stack, tenant, 0, 2_000)
            small = await _buffers(stack, lrs.client)
            await _load(stack, tenant, 2_000, 20_000)
            large = await _buffers(stack, lrs.client)
            assert large <= small * 5 // 4 + 20, (small, large)  # ten times the statements are not read
            async with db.engine.begin() as conn:
                await conn.execute(text(f"ANALYZE {', '.join(TABLES)}"))
            analysed = await _buffers(stack, lrs.client)
            assert analysed <= small * 5 // 4 + 20, (small, analysed)
            unsorted = await _buffers(stack, lrs.client, sorting=False)
            assert unsorted <= small * 5 // 4 + 20, (small, unsorted)
    finally:
        async with db.engine.begin() as conn:
            for table in TABLES:
                await conn.execute(text(f"ALTER TABLE {table} RESET (autovacuum_enabled)"))
