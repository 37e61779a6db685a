"""Storing a batch of statements on PostgreSQL in one SQL statement, whatever the batch's size: the statements, the
agents and the activities they name go to the server as arrays (unnest), and one statement with data-modifying
CTEs reads which ids are already stored (and with what content), inserts the others with their links, marks them
voided where a voiding statement (stored, or in the batch) targets them, and voids the stored statements the
batch's new voiding statements target. What it read comes back; the service judges conflicts on it, and the
request's transaction is rolled back when one id is already stored with other content (nothing changes).

Every part reads the snapshot taken before the statement: the UPDATE does not see the rows inserted beside it, so
a target in the same batch is voided by the INSERT and a stored one by the UPDATE. An id a concurrent request
inserts first is skipped (ON CONFLICT DO NOTHING waits for that request's end): it is neither known nor inserted,
and the statement runs again, now seeing the other's row, so the batch is judged against it. No savepoint is
needed for that, so none is taken. repository.py keeps the portable path (a statement per step) for SQLite.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pydantic_core
from sqlalchemy import column, text
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import JSONType
from services.metrics.xapi.shaping import Prepared

_WRITE = text("""
WITH incoming AS (
    SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:verb_keys AS text[]), CAST(:registrations AS uuid[]),
                         CAST(:ref_ids AS uuid[]), CAST(:voidings AS boolean[]), CAST(:hashes AS text[]),
                         CAST(:statements AS text[]))
        AS i(id, verb_key, registration, ref_id, voiding, content_hash, statement)
), known AS (
    SELECT x.id, x.content_hash, x.voiding FROM xapi_statements x
    WHERE x.tenant_id = CAST(:tenant AS uuid) AND x.id = ANY(CAST(:ids AS uuid[]))
), inserted AS (
    INSERT INTO xapi_statements (tenant_id, id, stored, verb_key, registration, ref_id, voiding, voided,
                                 content_hash, statement)
    SELECT CAST(:tenant AS uuid), i.id, CAST(:stored AS timestamptz), i.verb_key, i.registration, i.ref_id, i.voiding,
           NOT i.voiding AND (
               EXISTS (SELECT 1 FROM xapi_statements v
                       WHERE v.tenant_id = CAST(:tenant AS uuid) AND v.ref_id = i.id AND v.voiding)
               OR EXISTS (SELECT 1 FROM incoming v WHERE v.ref_id = i.id AND v.voiding)),
           i.content_hash, CAST(i.statement AS jsonb)
    FROM incoming i WHERE NOT EXISTS (SELECT 1 FROM known k WHERE k.id = i.id)
    ON CONFLICT (tenant_id, id) DO NOTHING
    RETURNING id, voided, voiding, ref_id
), agents AS (
    INSERT INTO xapi_statement_agents (tenant_id, statement_id, ifi_key, related, stored)
    SELECT CAST(:tenant AS uuid), a.statement_id, a.ifi_key, a.related, CAST(:stored AS timestamptz)
    FROM unnest(CAST(:agent_ids AS uuid[]), CAST(:agent_keys AS text[]), CAST(:agent_related AS boolean[]))
        AS a(statement_id, ifi_key, related)
    WHERE a.statement_id IN (SELECT id FROM inserted)
), activities AS (
    INSERT INTO xapi_statement_activities (tenant_id, statement_id, activity_key, related, stored)
    SELECT CAST(:tenant AS uuid), a.statement_id, a.activity_key, a.related, CAST(:stored AS timestamptz)
    FROM unnest(CAST(:activity_ids AS uuid[]), CAST(:activity_keys AS text[]),
                CAST(:activity_related AS boolean[]))
        AS a(statement_id, activity_key, related)
    WHERE a.statement_id IN (SELECT id FROM inserted)
), voided_now AS (
    UPDATE xapi_statements x SET voided = true
    WHERE x.tenant_id = CAST(:tenant AS uuid) AND NOT x.voiding AND NOT x.voided
      AND x.id IN (SELECT ref_id FROM inserted WHERE voiding AND ref_id IS NOT NULL)
    RETURNING x.id, x.statement
)
SELECT 'known' AS kind, id, content_hash, voiding AS flag, NULL::jsonb AS statement FROM known
UNION ALL SELECT 'inserted', id, NULL, voided, NULL FROM inserted
UNION ALL SELECT 'voided', id, NULL, NULL, statement FROM voided_now
""").columns(column("kind"), column("id"), column("content_hash"), column("flag"), column("statement", JSONType))


@dataclass
class Written:
    """What a write found and did: the ids stored before it with their content hash and whether they void
    (`known`), the ids it inserted and which of those it inserted voided, the stored statements it voided."""

    known: dict[uuid.UUID, tuple[str, bool]]
    inserted: set[uuid.UUID]
    inserted_voided: set[uuid.UUID]
    voided_now: list[dict[str, Any]]


RACE_ATTEMPTS = 3


class Raced(RuntimeError):
    """Concurrent requests kept inserting ids of this batch first, RACE_ATTEMPTS times in a row."""


async def write(session: AsyncSession, tenant_id: uuid.UUID, prepared: Sequence[Prepared],
                stored: datetime) -> Written:
    """Write the batch, again while concurrent requests insert some of its ids first (what an earlier round
    inserted is then known, with this batch's own content)."""
    params = _params(tenant_id, prepared, stored)
    out = Written({}, set(), set(), [])
    for _ in range(RACE_ATTEMPTS):
        round_ = await _round(session, params)
        out.known = {i: k for i, k in round_.known.items() if i not in out.inserted}
        out.inserted |= round_.inserted
        out.inserted_voided |= round_.inserted_voided
        out.voided_now.extend(round_.voided_now)
        if all(p.id in out.known or p.id in out.inserted for p in prepared):
            return out
    raise Raced(f"Concurrent requests stored ids of this batch first {RACE_ATTEMPTS} times in a row.")


def _params(tenant_id: uuid.UUID, prepared: Sequence[Prepared], stored: datetime) -> dict[str, Any]:
    agents = [(p.id, k, r) for p in prepared for k, r in sorted(p.agents)]
    activities = [(p.id, k, r) for p in prepared for k, r in sorted(p.activities)]
    return {
        "tenant": tenant_id, "stored": stored,
        "ids": [p.id for p in prepared], "verb_keys": [p.verb_key for p in prepared],
        "registrations": [p.registration for p in prepared], "ref_ids": [p.ref_id for p in prepared],
        "voidings": [p.voiding for p in prepared], "hashes": [p.content_hash for p in prepared],
        "statements": [pydantic_core.to_json(p.statement).decode() for p in prepared],
        "agent_ids": [a[0] for a in agents], "agent_keys": [a[1] for a in agents],
        "agent_related": [a[2] for a in agents],
        "activity_ids": [a[0] for a in activities], "activity_keys": [a[1] for a in activities],
        "activity_related": [a[2] for a in activities]}


async def _round(session: AsyncSession, params: dict[str, Any]) -> Written:
    out = Written({}, set(), set(), [])
    for row in (await session.execute(_WRITE, params)).all():
        if row.kind == "known":
            out.known[row.id] = (row.content_hash, row.flag)
        elif row.kind == "inserted":
            out.inserted.add(row.id)
            if row.flag:
                out.inserted_voided.add(row.id)
        else:
            out.voided_now.append(row.statement)
    return out
