"""xAPI statements: storing over HTTP against raw COPY, and an agent query over 1M statements against 10k, in one
run on the local PostgreSQL.

    .venv/bin/python bench/xapi.py [--batches 50] [--small 10000] [--big 1000000] [--pg postgresql://…/postgres]

Starts the metrics service as its own process (bench/ingest.py's Server) on scratch databases.
1. POSTs generated statements over HTTP in batches of 100 with the tenant's API key (the service validates
   each, sets stored/authority, writes the statement and the agents and activities it names, and turns the
   completions among them into training evidence), and COPYs the same rows into scratch tables of the same
   shape, in turn batch by batch (so both meet the same load on a shared machine). Prints statements/s for both
   and their ratio (aim: ≥ 0.2).
2. Loads `--small` statements of many learners straight into the tables (one INSERT … SELECT over
   generate_series per 200k: the rows the API would store, JSON, agents and activities included), times
   `GET /statements?agent=…&limit=50` for one learner (50 statements of their own, the oldest of all), loads up
   to `--big` (the learner's stay 50) and times the same GET with the planner's statistics as the API leaves
   them (it never ANALYZEs these tables; this server's autovacuum is off), then again after ANALYZE. Prints the
   medians and the ratios big ÷ small (aim: ≤ 3).
"""

import argparse
import asyncio
import base64
import json
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
from httpx_aiohttp import AiohttpTransport

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ingest import Server
from services.metrics.xapi.shaping import ifi, key

BATCH = 100
VERBS = [f"http://adlnet.gov/expapi/verbs/{v}" for v in ("experienced", "attempted", "completed", "passed")]
START = datetime(2026, 6, 1, tzinfo=UTC)


def statement(n: int, learner: int) -> dict[str, Any]:
    return {"id": str(uuid.UUID(int=n, version=4)),
            "actor": {"objectType": "Agent", "account": {"homePage": "https://lms.example.com", "name": f"u{learner}"}},
            "verb": {"id": VERBS[n % len(VERBS)], "display": {"en-US": VERBS[n % len(VERBS)].rsplit("/", 1)[1]}},
            "object": {"id": f"https://lms.example.com/course/{n % 300}",
                       "definition": {"name": {"en-US": f"Course {n % 300}"}}},
            "result": {"score": {"scaled": (n % 100) / 100}, "duration": "PT12M"},
            "context": {"registration": str(uuid.UUID(int=(1 << 61) | n // 10, version=4)),
                        "contextActivities": {"parent": [{"id": f"https://lms.example.com/program/{n % 7}"}]}},
            "timestamp": (START + timedelta(minutes=n)).isoformat().replace("+00:00", "Z")}


def rows(tenant: uuid.UUID, statements: list[dict[str, Any]], stored: datetime
         ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rows the service writes for these statements (statement, agents, activities)."""
    authority = {"objectType": "Agent", "account": {"homePage": "https://uplift.invalid/api-keys", "name": "k"}}
    out, agents, activities = [], [], []
    for st in statements:
        sid = uuid.UUID(st["id"])
        whole = {**st, "stored": stored.isoformat(), "authority": authority, "version": "1.0.0"}
        out.append((tenant, sid, stored, key(st["verb"]["id"]), uuid.UUID(st["context"]["registration"]), None,
                    False, False, "0" * 64, json.dumps(whole)))
        actor = ifi(st["actor"])
        assert actor is not None
        agents.append((tenant, sid, key(actor), False, stored))
        agents.append((tenant, sid, key(ifi(authority) or ""), True, stored))
        activities.append((tenant, sid, key(st["object"]["id"]), False, stored))
        activities.append((tenant, sid, key(st["context"]["contextActivities"]["parent"][0]["id"]), True, stored))
    return out, agents, activities


STATEMENT_COLUMNS = ["tenant_id", "id", "stored", "verb_key", "registration", "ref_id", "voiding", "voided",
                     "content_hash", "statement"]
LINK_COLUMNS = {"xapi_statement_agents": ["tenant_id", "statement_id", "ifi_key", "related", "stored"],
                "xapi_statement_activities": ["tenant_id", "statement_id", "activity_key", "related", "stored"]}


async def copy(conn: Any, suffix: str, tenant: uuid.UUID, statements: list[dict[str, Any]]) -> None:
    stored = datetime.now(UTC)
    statement_rows, agent_rows, activity_rows = rows(tenant, statements, stored)
    await conn.copy_records_to_table(f"xapi_statements{suffix}", records=statement_rows, columns=STATEMENT_COLUMNS)
    for table, records in (("xapi_statement_agents", agent_rows), ("xapi_statement_activities", activity_rows)):
        await conn.copy_records_to_table(f"{table}{suffix}", records=records, columns=LINK_COLUMNS[table])


def basic(credential: dict[str, Any]) -> str:
    return "Basic " + base64.b64encode(f"{credential['id']}:{credential['api_key']}".encode()).decode()


async def storing(server: Server, creds: dict[str, str], batches: int) -> tuple[float, float]:
    """Seconds POSTing the batches and COPYing the same rows, batch by batch in turn (POST one, COPY it, ...), so
    both meet the same load on a shared machine."""
    statements = [statement(n, n % 500) for n in range(batches * BATCH)]
    bodies = [json.dumps(statements[b * BATCH:(b + 1) * BATCH]).encode() for b in range(batches)]
    headers = {"authorization": f"Bearer {creds['api_key']}", "content-type": "application/json",
               "x-experience-api-version": "1.0.3"}
    conn = await asyncpg.connect(server.dsn)
    for table in ("xapi_statements", *LINK_COLUMNS):
        await conn.execute(f"CREATE TABLE {table}_copy (LIKE {table} INCLUDING ALL)")
    tenant = uuid.UUID(creds["tenant_id"])
    http_seconds = copy_seconds = 0.0
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=120,
                                 transport=AiohttpTransport()) as client:
        warm = await client.post("/xapi/statements", json=[statement(10**9 + n, 1) for n in range(BATCH)])
        warm.raise_for_status()
        for b, body in enumerate(bodies):
            t0 = time.perf_counter()
            r = await client.post("/xapi/statements", content=body)
            r.raise_for_status()
            t1 = time.perf_counter()
            await copy(conn, "_copy", tenant, statements[b * BATCH:(b + 1) * BATCH])
            t2 = time.perf_counter()
            http_seconds += t1 - t0
            copy_seconds += t2 - t1
    await conn.close()
    return http_seconds, copy_seconds


async def _median_get(client: httpx.AsyncClient, agent: dict[str, Any], runs: int = 30) -> float:
    params = {"agent": json.dumps(agent), "limit": "50"}
    seconds = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = await client.get("/xapi/statements", params=params)
        seconds.append(time.perf_counter() - t0)
        r.raise_for_status()
        assert len(r.json()["statements"]) == 50
    return statistics.median(seconds)


# The rows the API stores for `statement(n, learner)`-like statements, made by the database: n in [$2, $3), the
# learner u<n mod $4> (u-target for n < 50), stored $5 + n ms.
LOAD = """
WITH v AS (
    SELECT n, md5('xapi-bench-' || n)::uuid AS id, $5::timestamptz + n * interval '1 millisecond' AS stored,
           'http://adlnet.gov/expapi/verbs/'
               || (ARRAY['experienced', 'attempted', 'completed', 'passed'])[n % 4 + 1] AS verb,
           CASE WHEN n < 50 THEN 'u-target' ELSE 'u' || (n % $4) END AS learner,
           md5('xapi-bench-registration-' || (n / 10))::uuid AS registration
    FROM generate_series($2::int, $3::int - 1) AS n
), statements AS (
    INSERT INTO xapi_statements (tenant_id, id, stored, verb_key, registration, ref_id, voiding, voided,
                                 content_hash, statement)
    SELECT $1, id, stored, encode(sha256(convert_to(verb, 'UTF8')), 'hex'), registration, NULL, false, false,
           repeat('0', 64), jsonb_build_object(
               'id', id,
               'actor', jsonb_build_object('objectType', 'Agent', 'account',
                                           jsonb_build_object('homePage', 'https://lms.example.com', 'name', learner)),
               'verb', jsonb_build_object('id', verb, 'display', jsonb_build_object('en-US', split_part(verb, '/', 6))),
               'object', jsonb_build_object(
                   'id', 'https://lms.example.com/course/' || (n % 300),
                   'definition', jsonb_build_object('name', jsonb_build_object('en-US', 'Course ' || (n % 300)))),
               'result', jsonb_build_object('score', jsonb_build_object('scaled', ((n % 100) / 100.0)::float8),
                                            'duration', 'PT12M'),
               'context', jsonb_build_object(
                   'registration', registration,
                   'contextActivities', jsonb_build_object('parent', jsonb_build_array(
                       jsonb_build_object('id', 'https://lms.example.com/program/' || (n % 7))))),
               'timestamp', to_char(stored AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               'stored', to_char(stored AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               'authority', jsonb_build_object(
                   'objectType', 'Agent',
                   'account', jsonb_build_object('homePage', 'https://uplift.invalid/api-keys', 'name', 'k')),
               'version', '1.0.0')
    FROM v
), agents AS (
    INSERT INTO xapi_statement_agents (tenant_id, statement_id, ifi_key, related, stored)
    SELECT $1, id, encode(sha256(convert_to(k, 'UTF8')), 'hex'), r, stored
    FROM v, LATERAL (VALUES ('account|https://lms.example.com|' || learner, false),
                            ('account|https://uplift.invalid/api-keys|k', true)) AS l(k, r)
)
INSERT INTO xapi_statement_activities (tenant_id, statement_id, activity_key, related, stored)
SELECT $1, id, encode(sha256(convert_to(k, 'UTF8')), 'hex'), r, stored
FROM v, LATERAL (VALUES ('https://lms.example.com/course/' || (n % 300), false),
                        ('https://lms.example.com/program/' || (n % 7), true)) AS l(k, r)
"""


async def load(conn: Any, tenant: uuid.UUID, first: int, last: int, learners: int) -> None:
    step = 200_000
    for start in range(first, last, step):
        await conn.execute(LOAD, tenant, start, min(last, start + step), learners, START)
        print(f"  {min(last, start + step)} statements", file=sys.stderr)


async def querying(server: Server, creds: dict[str, str], small: int, big: int) -> tuple[float, float, float]:
    """Medians of the agent GET: at `small`, at `big` with the statistics as the API leaves them, after ANALYZE."""
    tenant = uuid.UUID(creds["tenant_id"])
    learner = {"objectType": "Agent", "account": {"homePage": "https://lms.example.com", "name": "u-target"}}
    conn = await asyncpg.connect(server.dsn)
    await conn.execute("TRUNCATE xapi_statements, xapi_statement_agents, xapi_statement_activities")
    await load(conn, tenant, 0, small, 5000)
    headers = {"authorization": f"Bearer {creds['api_key']}", "x-experience-api-version": "1.0.3"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=120,
                                 transport=AiohttpTransport()) as client:
        small_seconds = await _median_get(client, learner)
        await load(conn, tenant, small, big, 50_000)
        big_seconds = await _median_get(client, learner)
        await conn.execute("ANALYZE xapi_statements, xapi_statement_agents, xapi_statement_activities")
        analysed_seconds = await _median_get(client, learner)
    await conn.close()
    return small_seconds, big_seconds, analysed_seconds


def main(batches: int, small: int, big: int, pg: str) -> None:
    server = Server(pg)
    try:
        creds = server.start()
        http_seconds, copy_seconds = asyncio.run(storing(server, creds, batches))
        small_seconds, big_seconds, analysed_seconds = asyncio.run(querying(server, creds, small, big))
    finally:
        server.stop()
    n = batches * BATCH
    print(f"statements stored:             {n}")
    print(f"HTTP POST (batches of 100):    {n / http_seconds:10.0f} statements/s")
    print(f"raw asyncpg COPY, same rows:   {n / copy_seconds:10.0f} statements/s")
    print(f"ratio POST / COPY:             {copy_seconds / http_seconds:10.2f}   (aim ≥ 0.2)")
    print(f"GET agent filter, {small:>9} statements:               {small_seconds * 1000:8.1f} ms (median)")
    print(f"GET agent filter, {big:>9} statements:               {big_seconds * 1000:8.1f} ms (median)")
    print(f"GET agent filter, {big:>9} statements, after ANALYZE: {analysed_seconds * 1000:8.1f} ms (median)")
    print(f"ratio {big} / {small}:                  {big_seconds / small_seconds:10.2f}   (aim ≤ 3)")
    print(f"ratio {big} after ANALYZE / {small}:    {analysed_seconds / small_seconds:10.2f}   (aim ≤ 3)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=50)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    main(args.batches, args.small, args.big, args.pg)
