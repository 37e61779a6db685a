"""Batched, idempotent ingest of evidence (CRM activities, LMS completions).

Each item is validated on its own; a bad item is `rejected` with its reasons and the good ones go on.
Items are idempotent by (tenant, source, external id):
- same content as stored → `duplicate`, nothing changes;
- different content with a newer `source_updated_at` → `updated` (the source edited its record);
- different content otherwise → `conflict`, nothing changes.
Items are judged in order, so a later item of the same batch is judged against an earlier one.
Each written row counts for the person it names, resolved through the read model (`resolution.py`);
the content hash covers what the source sent, not the resolution.
The whole batch is written with a constant number of bulk statements in the request's one transaction.
"""

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pydantic_core
from pydantic import BaseModel, ValidationError
from sqlalchemy import JSON, String, Table, any_, bindparam, insert, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import utcnow
from common.ids import new_id
from services.metrics.batches import item_errors
from services.metrics.models import Activity, Completion
from services.metrics.repository import EvidenceRepository
from services.metrics.resolution import UserKey, lookup
from services.metrics.schemas import ActivityIn, BatchResult, CompletionIn, ItemResult

LOOKUP_CHUNK = 1000


@dataclass(frozen=True)
class Kind:
    table: Table
    schema: type[BaseModel]
    content: Callable[[Any], dict[str, Any]]  # the stored columns that make up "the same content"
    source_of: Callable[[Any], str]
    names: Callable[[Any], tuple[UserKey | None, str | None]]  # the user id and (lower-cased) email it names


def _activity(item: ActivityIn) -> dict[str, Any]:
    return {"source": item.source, "external_id": item.external_id, "type": item.type, "person_id": item.person_id,
            "source_user_id": item.user_id, "occurred_at": item.occurred_at, "amount": item.amount,
            "currency": item.currency, "attributes": item.attributes}


def _completion(item: CompletionIn) -> dict[str, Any]:
    return {"source": item.lms, "external_id": item.external_id, "person_id": item.person_id,
            "source_user_id": item.user_id, "email": item.email, "course_id": item.course_id,
            "course_title": item.course_title, "status": item.status, "score": item.score,
            "completed_at": item.completed_at}


def _activity_names(item: ActivityIn) -> tuple[UserKey | None, str | None]:
    return ((item.source, item.user_id) if item.user_id is not None else None), None


def _completion_names(item: CompletionIn) -> tuple[UserKey | None, str | None]:
    return (((item.lms, item.user_id) if item.user_id is not None else None),
            item.email.lower() if item.email is not None else None)


ACTIVITIES = Kind(Activity.__table__, ActivityIn, _activity, lambda i: i.source,  # type: ignore[arg-type]
                  _activity_names)
COMPLETIONS = Kind(Completion.__table__, CompletionIn, _completion, lambda i: i.lms,  # type: ignore[arg-type]
                   _completion_names)


def content_hash(content: dict[str, Any]) -> str:
    """Stable across the key order of `attributes` (a CRM may send them in any order); the other keys
    come in the fixed order of `Kind.content`."""
    if "attributes" in content:
        content = {**content, "attributes": _sorted(content["attributes"])}
    return hashlib.sha256(pydantic_core.to_json(content)).hexdigest()


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


@dataclass
class _Known:
    id: uuid.UUID
    hash: str
    updated_at: datetime | None
    pending: dict[str, Any] | None  # the row to insert or the update to run, when this batch wrote it


async def _insert(s: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """New rows in bulk: COPY on PostgreSQL (inside the request's transaction), executemany elsewhere."""
    if s.get_bind().dialect.name != "postgresql":
        await s.execute(insert(table), rows)
        return
    columns = [c.name for c in table.columns]
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    records = [tuple(pydantic_core.to_json(row.get(col)).decode() if col in json_columns else row.get(col)
                     for col in columns) for row in rows]
    connection = await s.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    await driver.copy_records_to_table(table.name, records=records, columns=columns)


async def _existing(s: AsyncSession, table: Table, tenant_id: uuid.UUID,
                    keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], _Known]:
    by_source: dict[str, list[str]] = {}
    for source, external_id in keys:
        by_source.setdefault(source, []).append(external_id)
    found: dict[tuple[str, str], _Known] = {}
    c = table.c
    postgres = s.get_bind().dialect.name == "postgresql"
    if postgres:
        # asyncpg prepares statements; after five runs PostgreSQL may switch this lookup to a generic plan
        # that ignores the array's size and scans the tenant's rows — each batch then costs what history
        # holds (bench/ingest.py showed it from the sixth batch on). Plan each run for its own array.
        await s.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    for source, ids in by_source.items():
        # PostgreSQL: one `= ANY(array)` parameter (a 1,000-value IN list costs far more to bind and plan).
        chunks = [ids] if postgres else [ids[i:i + LOOKUP_CHUNK] for i in range(0, len(ids), LOOKUP_CHUNK)]
        for chunk in chunks:
            match = (c.external_id == any_(bindparam("external_ids", chunk, type_=ARRAY(String)))
                     if postgres else c.external_id.in_(chunk))
            stmt = select(c.id, c.external_id, c.content_hash, c.source_updated_at).where(
                c.tenant_id == tenant_id, c.source == source, match)
            for row in (await s.execute(stmt)).all():
                found[(source, row.external_id)] = _Known(row.id, row.content_hash, row.source_updated_at, None)
    return found


async def ingest(s: AsyncSession, tenant_id: uuid.UUID, kind: Kind,
                 raw_items: Sequence[dict[str, Any]]) -> BatchResult:
    results: list[ItemResult] = []
    parsed: list[tuple[int, Any]] = []
    for index, raw in enumerate(raw_items):
        external_id = raw.get("external_id") if isinstance(raw.get("external_id"), str) else None
        try:
            parsed.append((index, kind.schema.model_validate(raw)))
        except ValidationError as exc:
            results.append(ItemResult(index=index, external_id=external_id, status="rejected", errors=item_errors(exc)))

    repo = EvidenceRepository(s, tenant_id)
    await repo.lock(exclusive=False)
    names = [kind.names(item) for _, item in parsed]
    people = await lookup(repo, (u for u, _ in names if u is not None), (e for _, e in names if e is not None))
    known = await _existing(s, kind.table, tenant_id, [(kind.source_of(i), i.external_id) for _, i in parsed])
    now = utcnow()
    inserts: list[dict[str, Any]] = []
    updates: dict[uuid.UUID, dict[str, Any]] = {}
    for (index, item), (user, email) in zip(parsed, names, strict=True):
        content = kind.content(item)
        digest = content_hash(content)
        stored = {**content, "person_id": people.person(item.person_id, user, email)}
        if email is not None:
            stored["email"] = email
        stamp: datetime | None = item.source_updated_at
        key = (content["source"], item.external_id)
        seen = known.get(key)
        if seen is None:
            row = {**stored, "id": new_id(), "tenant_id": tenant_id, "content_hash": digest,
                   "source_updated_at": stamp, "received_at": now, "updated_at": now}
            inserts.append(row)
            known[key] = _Known(row["id"], digest, stamp, row)
            status = "created"
        elif seen.hash == digest:
            status = "duplicate"
        elif stamp is not None and (seen.updated_at is None or stamp > seen.updated_at):
            change = {**stored, "content_hash": digest, "source_updated_at": stamp, "updated_at": now}
            if seen.pending is not None:  # written earlier in this batch: change that write
                seen.pending.update(change)
            else:
                seen.pending = updates[seen.id] = {"id": seen.id, **change}
            seen.hash, seen.updated_at = digest, stamp
            status = "updated"
        else:
            status = "conflict"
        results.append(ItemResult(index=index, external_id=item.external_id, status=status, id=known[key].id))

    if inserts:
        await _insert(s, kind.table, inserts)
    if updates:
        c = kind.table.c
        columns = [k for k in next(iter(updates.values())) if k != "id"]
        stmt = (update(kind.table).where(c.id == bindparam("b_id"), c.tenant_id == tenant_id)
                .values({col: bindparam(f"b_{col}") for col in columns}))
        await s.execute(stmt, [{f"b_{k}": v for k, v in u.items()} for u in updates.values()])

    results.sort(key=lambda r: r.index)
    counts = {k: sum(r.status == k for r in results) for k in ("created", "updated", "duplicate", "conflict",
                                                              "rejected")}
    return BatchResult(items=results, **counts)

