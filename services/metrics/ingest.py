"""Batched, idempotent ingest of evidence (CRM activities, LMS completions).

Each item is validated on its own; a bad item is `rejected` with its reasons and the good ones go on.
Items are idempotent by (tenant, source, external id):
- same content as stored → `duplicate`, nothing changes;
- different content with a newer `source_updated_at` → `updated` (the source edited its record);
- different content otherwise → `conflict`, nothing changes.
Items are judged in order, so a later item of the same batch is judged against an earlier one.
Each written row counts for the person it names, resolved through the read model (`resolution.py`);
the content hash covers what the source sent, not the resolution. A row written for nobody yet (its user id
or email names no known person) is reported `pending` instead of created/updated, with the reason; an item
naming a `person_id` the read model does not hold (or holds deleted) is `rejected`, as is an implausible one
(`plausibility.py`): such items are not stored.
The daily aggregates move with the rows (`aggregates.py`): the batch's change is tallied here and applied
in one statement; on PostgreSQL the new rows' share of the metrics SQL states exactly is counted by the
database in that statement (`daily_sql.py`).
The whole batch is written with a constant number of bulk statements in the request's one transaction.

This is the hot path (`bench/ingest.py`): items are validated as one list when they are all valid, rows are
the content dicts completed in place, ids come straight from uuid_utils, the response is plain dicts, and
the cyclic garbage collector waits until the batch is done (`gc_paused`).
"""

import asyncio
import gc
import hashlib
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from typing import Any, TypeVar

import pydantic_core
import uuid_utils
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import JSON, String, Table, any_, bindparam, insert, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import utcnow
from common.errors import printable
from common.validation import looked_at_whole
from services.metrics.aggregates import EVIDENCE, Event, Tally
from services.metrics.batches import item_errors, read_items
from services.metrics.catalogue import EvidenceSource
from services.metrics.daily_sql import counted, new_rows, sql_countable
from services.metrics.definitions import tenant_metrics
from services.metrics.models import Activity, Completion
from services.metrics.plausibility import Plausibility
from services.metrics.repository import DailyRepository, DefinitionRepository, EvidenceRepository
from services.metrics.resolution import UserKey, lookup, resolves_against, unattributed_reason
from services.metrics.schemas import ActivityIn, CompletionIn

LOOKUP_CHUNK = 1000
RACE_ATTEMPTS = 3  # judging a batch again after a concurrent batch stored one of its records first
STEP = 250  # items between turns of the event loop while a database call runs alongside
DEFAULT_HORIZON = date(2000, 1, 1)  # the metrics setting `evidence_horizon` passes the configured one
T = TypeVar("T")
U = TypeVar("U")
STATUSES = ("created", "updated", "pending", "duplicate", "conflict", "rejected")


@dataclass(frozen=True)
class Kind:
    source: EvidenceSource
    table: Table
    schema: type[BaseModel]
    content: Callable[[Any], dict[str, Any]]  # the stored columns that make up "the same content"
    source_of: Callable[[Any], str]
    names: Callable[[Any], tuple[UserKey | None, str | None]]  # the user id and (lower-cased) email it names
    time_field: str  # when it happened: checked by the plausibility rules

    @property
    def event(self) -> Callable[[Mapping[Any, Any]], Event]:
        """What a stored row is to the metrics."""
        return EVIDENCE[self.source].event

    @property
    def event_columns(self) -> tuple[str, ...]:
        return EVIDENCE[self.source].columns

    def items(self) -> TypeAdapter[list[Any]]:
        return _ADAPTERS[self.source]


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


ACTIVITIES = Kind("activities", Activity.__table__, ActivityIn, _activity,  # type: ignore[arg-type]
                  lambda i: i.source, _activity_names, "occurred_at")
COMPLETIONS = Kind("completions", Completion.__table__, CompletionIn, _completion,  # type: ignore[arg-type]
                   lambda i: i.lms, _completion_names, "completed_at")
_ADAPTERS: dict[EvidenceSource, TypeAdapter[list[Any]]] = {
    "activities": TypeAdapter(list[ActivityIn]), "completions": TypeAdapter(list[CompletionIn])}


_FLAT = frozenset({str, int, float, bool, type(None)})


def content_hash(content: dict[str, Any]) -> str:
    """Stable across the key order of `attributes` (a CRM may send them in any order); the other keys
    come in the fixed order of `Kind.content`. (The sorted attributes stand in for the sent ones only while
    the content is encoded.) Flat attributes — the usual ones — are looked at and sorted in a few C calls
    (already in order: encoded as they are); only nested ones are walked in Python."""
    attributes = content.get("attributes")
    if not attributes:
        return hashlib.sha256(pydantic_core.to_json(content)).hexdigest()
    if _FLAT.issuperset(map(type, attributes.values())):
        keys = list(attributes)
        if keys == sorted(keys):
            return hashlib.sha256(pydantic_core.to_json(content)).hexdigest()
        content["attributes"] = dict(sorted(attributes.items()))
    else:
        content["attributes"] = _sorted(attributes)
    try:
        return hashlib.sha256(pydantic_core.to_json(content)).hexdigest()
    finally:
        content["attributes"] = attributes


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        if not any(isinstance(v, dict | list) for v in value.values()):  # flat
            return dict(sorted(value.items()))
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


@dataclass
class _Known:
    id: Any  # uuid.UUID, or uuid_utils.UUID for a row this batch creates
    hash: str
    updated_at: datetime | None
    pending: dict[str, Any] | None  # the row to insert or the update to run, when this batch wrote it
    person_id: Any  # whom the stored (or to be stored) row counts for; None while unattributed


def _validate(kind: Kind, raw_items: Sequence[Any], results: list[dict[str, Any] | None]) -> list[tuple[int, Any]]:
    """All items at once when all are valid (the usual batch); one by one otherwise, to report each."""
    try:
        with looked_at_whole(raw_items):
            return list(enumerate(kind.items().validate_python(raw_items)))
    except ValidationError:
        pass
    parsed: list[tuple[int, Any]] = []
    for index, raw in enumerate(raw_items):
        try:
            parsed.append((index, kind.schema.model_validate(raw)))
        except ValidationError as exc:
            external_id = raw.get("external_id") if isinstance(raw, dict) else None
            results[index] = _rejected(index, printable(external_id) if isinstance(external_id, str) else None,
                                       item_errors(exc))
    return parsed


def _rejected(index: int, external_id: str | None, errors: list[dict[str, str]]) -> dict[str, Any]:
    reason = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return {"index": index, "external_id": external_id, "status": "rejected", "id": None, "reason": reason,
            "errors": errors}


def _plausible(kind: Kind, parsed: list[tuple[int, Any]], rules: Plausibility,
               results: list[dict[str, Any] | None]) -> list[tuple[int, Any]]:
    """The items that pass the plausibility rules; the others are rejected with their reasons."""
    kept: list[tuple[int, Any]] = []
    for index, item in parsed:
        problems = rules.problems(item, kind.time_field)
        if problems:
            results[index] = _rejected(index, item.external_id, problems)
        else:
            kept.append((index, item))
    return kept


async def _known_people(repo: EvidenceRepository, parsed: list[tuple[int, Any]],
                        results: list[dict[str, Any] | None]) -> list[tuple[int, Any]]:
    """The items naming no `person_id`, or one the read model holds (not deleted), in one query; the others
    are rejected."""
    given = {item.person_id for _, item in parsed if item.person_id is not None}
    if not given:
        return parsed
    known = await repo.people_known(list(given))
    if all(known.get(p) is False for p in given):
        return parsed
    kept: list[tuple[int, Any]] = []
    for index, item in parsed:
        deleted = known.get(item.person_id) if item.person_id is not None else False
        if deleted is False:
            kept.append((index, item))
            continue
        message = (f"the person {item.person_id} was deleted from this tenant's directory" if deleted else
                   f"no person with id {item.person_id} in this tenant's directory")
        results[index] = _rejected(index, item.external_id, [{"field": "person_id", "message": message,
                                                              "code": "unknown_person"}])
    return kept


async def _insert(s: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """New rows in bulk: COPY on PostgreSQL (inside the request's transaction), executemany elsewhere.
    The rows are not changed (the aggregates' tally reads them meanwhile): JSON goes under `_json_<column>`."""
    if s.get_bind().dialect.name != "postgresql":
        await s.execute(insert(table), [{**row, "id": uuid.UUID(bytes=row["id"].bytes)} for row in rows])
        return
    columns = [c.name for c in table.columns]
    json_columns = [c.name for c in table.columns if isinstance(c.type, JSON)]
    for column in json_columns:
        for row in rows:
            row[f"_json_{column}"] = pydantic_core.to_json(row[column]).decode()
    records = list(map(itemgetter(*(f"_json_{c}" if c in json_columns else c for c in columns)), rows))
    connection = await s.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    await driver.copy_records_to_table(table.name, records=records, columns=columns)


async def _existing(s: AsyncSession, table: Table, tenant_id: uuid.UUID,
                    keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], _Known]:
    """What is stored under the batch's (source, external id) pairs. On PostgreSQL the rows found are locked
    (FOR NO KEY UPDATE, in id order): a concurrent supersede of the same record waits, so an item is judged —
    and its old contribution to the aggregates taken away — against the row as last committed."""
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
    for source in sorted(by_source):
        ids = by_source[source]
        # PostgreSQL: one `= ANY(array)` parameter (a 1,000-value IN list costs far more to bind and plan).
        chunks = [ids] if postgres else [ids[i:i + LOOKUP_CHUNK] for i in range(0, len(ids), LOOKUP_CHUNK)]
        for chunk in chunks:
            match = (c.external_id == any_(bindparam("external_ids", chunk, type_=ARRAY(String)))
                     if postgres else c.external_id.in_(chunk))
            stmt = (select(c.id, c.external_id, c.content_hash, c.source_updated_at, c.person_id)
                    .where(c.tenant_id == tenant_id, c.source == source, match)
                    .order_by(c.id).with_for_update(key_share=True))
            for row in (await s.execute(stmt)).all():
                found[(source, row.external_id)] = _Known(row.id, row.content_hash, row.source_updated_at, None,
                                                          row.person_id)
    return found


async def _previous(s: AsyncSession, kind: Kind, tenant_id: uuid.UUID,
                    ids: Sequence[uuid.UUID]) -> list[Mapping[str, Any]]:
    """The stored content of the rows about to be superseded, as their contributions need taking away."""
    c = kind.table.c
    out: list[Mapping[str, Any]] = []
    for i in range(0, len(ids), LOOKUP_CHUNK):
        stmt = select(*(c[name] for name in kind.event_columns)).where(
            c.tenant_id == tenant_id, c.id.in_(ids[i:i + LOOKUP_CHUNK]))
        out.extend(dict(m) for m in (await s.execute(stmt)).mappings())
    return out


_pauses = 0


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a batch is processed.

    A 5,000-item batch allocates some 100,000 containers that all live until the batch ends, so the collector
    runs again and again — each older-generation pass walking every object of the process — and frees
    nothing: it cost a third of the batch's time and made it vary twofold. Reference counting still frees
    as usual; the collector resumes when the last overlapping batch ends (a counter, since batches of one
    event loop interleave) and anything cyclic left over is collected then."""
    global _pauses
    if _pauses == 0 and not gc.isenabled():
        yield  # someone else turned it off; leave it to them
        return
    _pauses += 1
    gc.disable()
    try:
        yield
    finally:
        _pauses -= 1
        if _pauses == 0:
            gc.enable()


async def ingest(s: AsyncSession, tenant_id: uuid.UUID, kind: Kind, body: bytes, *,
                 horizon: date = DEFAULT_HORIZON) -> dict[str, Any]:
    """The request body `{"items": [...]}` in; the batch's outcome out, as a plain dict in the shape of
    `schemas.BatchResult`.

    PostgreSQL: a batch that stores a record a concurrent batch has just stored too (a retry while the first
    try runs, two sync workers, two replicas) loses on the unique (tenant, source, external id) once the other
    commits; it is rolled back to a savepoint and judged again, now against the other's rows (so its items
    become duplicates, updates or conflicts instead of failing the batch). SQLite writes one batch at a time."""
    return await ingest_items(s, tenant_id, kind, read_items(body), horizon=horizon)


async def ingest_items(s: AsyncSession, tenant_id: uuid.UUID, kind: Kind, items: Sequence[Any], *,
                       horizon: date = DEFAULT_HORIZON) -> dict[str, Any]:
    """`ingest` of items already read (the xAPI statements' completions, services/metrics/xapi/evidence.py)."""
    with gc_paused():
        for attempt in range(1, RACE_ATTEMPTS + 1):
            try:
                async with s.begin_nested():
                    return await _ingest(s, tenant_id, kind, items, horizon)
            except Exception as exc:
                if attempt == RACE_ATTEMPTS or not _unique_violation(exc):
                    raise
    raise AssertionError("unreachable")


def _unique_violation(exc: BaseException) -> bool:
    """A unique constraint refused the write (SQLSTATE 23505), whether raised through SQLAlchemy or by the
    driver's COPY."""
    seen: BaseException | None = exc
    while seen is not None:
        if getattr(seen, "sqlstate", None) == "23505":
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


async def _alongside(io: Awaitable[T], cpu: Iterator[None]) -> T:
    """Run a database call while Python works: `cpu` yields every few hundred items, and each yield gives the
    event loop a turn, so the call's statement goes out and the database works on it on another core. The
    session is used by `io` alone until it is awaited, also when `cpu` fails."""
    task = asyncio.ensure_future(io)
    try:
        for _ in cpu:
            await asyncio.sleep(0)
    except BaseException:
        await asyncio.gather(task, return_exceptions=True)
        raise
    return await task


def _every(n: int, items: Iterable[U]) -> Iterator[U | None]:
    """The items, with a None after every n of them (where `_alongside` lets the event loop run)."""
    for i, item in enumerate(items, 1):
        yield item
        if i % n == 0:
            yield None


async def _ingest(s: AsyncSession, tenant_id: uuid.UUID, kind: Kind, raw_items: Sequence[Any],
                  horizon: date) -> dict[str, Any]:
    results: list[dict[str, Any] | None] = [None] * len(raw_items)
    now = utcnow()
    parsed = _plausible(kind, _validate(kind, raw_items, results), Plausibility(now, horizon), results)

    repo = EvidenceRepository(s, tenant_id)
    await repo.lock(exclusive=False)
    metrics = await tenant_metrics(DefinitionRepository(s, tenant_id))
    parsed = await _known_people(repo, parsed, results)
    aliases = await repo.aliases()
    names = [kind.names(item) for _, item in parsed]
    if aliases:  # a user id is looked up under the external-id source its source resolves against
        names = [((resolves_against(aliases, u[0]), u[1]) if u is not None else None, e) for u, e in names]
    people = await lookup(repo, (u for u, _ in names if u is not None), (e for _, e in names if e is not None))

    # Content and hashes are computed while the database looks the batch's external ids up.
    contents: list[tuple[dict[str, Any], str]] = []

    def hashing() -> Iterator[None]:
        for item in _every(STEP, (kind.content(i) for _, i in parsed)):
            if item is None:
                yield
            else:
                contents.append((item, content_hash(item)))

    known = await _alongside(_existing(s, kind.table, tenant_id,
                                       [(kind.source_of(i), i.external_id) for _, i in parsed]), hashing())

    inserts: list[dict[str, Any]] = []
    updates: dict[uuid.UUID, dict[str, Any]] = {}
    for (index, item), (user, email), (row, digest) in zip(parsed, names, contents, strict=True):
        # From here on `row` is what gets stored: the resolved person, the lower-cased email.
        row["person_id"] = item.person_id if item.person_id is not None else people.person(None, user, email)
        if email is not None:
            row["email"] = email
        stamp: datetime | None = item.source_updated_at
        key = (row["source"], item.external_id)
        seen = known.get(key)
        reason: str | None = None
        if seen is None:
            row.update(id=uuid_utils.uuid7(), tenant_id=tenant_id, content_hash=digest, source_updated_at=stamp,
                       received_at=now, updated_at=now)
            inserts.append(row)
            seen = known[key] = _Known(row["id"], digest, stamp, row, row["person_id"])
            status = "created"
        elif seen.hash == digest:
            status = "duplicate"
        elif stamp is not None and (seen.updated_at is None or stamp > seen.updated_at):
            row.update(content_hash=digest, source_updated_at=stamp, updated_at=now)
            if seen.pending is not None:  # written earlier in this batch: change that write
                seen.pending.update(row)
            else:
                row["id"] = seen.id
                seen.pending = updates[seen.id] = row
            seen.hash, seen.updated_at, seen.person_id = digest, stamp, row["person_id"]
            status = "updated"
        else:
            status = "conflict"
        if seen.person_id is None:  # stored for nobody yet
            if status == "conflict":
                reason = "unchanged, and the stored record counts for nobody yet (see the pending evidence listing)"
            else:
                reason = unattributed_reason(aliases, row["source"], row["source_user_id"], row.get("email"),
                                             people.shared_emails)
                if status == "duplicate":
                    reason = f"unchanged, still pending: {reason}"
                else:
                    status = "pending"
        results[index] = {"index": index, "external_id": item.external_id, "status": status, "id": str(seen.id),
                          "reason": reason, "errors": []}

    # The aggregates' change is tallied while the rows are written; then applied in one statement. On
    # PostgreSQL the new rows' contributions to the metrics SQL states exactly are counted by the database in
    # that statement instead (daily_sql.py); superseded rows and the other metrics are tallied here.
    previous = await _previous(s, kind, tenant_id, list(updates)) if updates else []
    tally = Tally.of(metrics, kind.source)
    postgres = s.get_bind().dialect.name == "postgresql"
    in_sql = [m for m in metrics.stored(kind.source) if sql_countable(kind.source, m)] if postgres else []
    fresh = Tally([m for m in metrics.stored(kind.source) if m not in in_sql],
                  metrics.families(kind.source)) if postgres else tally  # what Python tallies of new rows

    def tallying() -> Iterator[None]:
        for old in _every(STEP, previous):
            if old is None:
                yield
            else:
                tally.event(kind.event(old), -1.0)
        for row in _every(STEP, updates.values()):
            if row is None:
                yield
            else:
                tally.event(kind.event(row))
        if fresh.by_type or fresh.families_by_type:
            for row in _every(STEP, inserts):
                if row is None:
                    yield
                else:
                    fresh.event(kind.event(row))

    await _alongside(_write(s, kind.table, tenant_id, inserts, list(updates.values())), tallying())
    daily = DailyRepository(s, tenant_id)
    if postgres:
        new = counted(new_rows(kind.source, tenant_id, [row["id"] for row in inserts]), kind.source,
                      in_sql) if inserts and in_sql else []
        await daily.merge(tally.rows() + fresh.rows(), new)
    else:
        await daily.apply(tally.rows())

    counts = dict.fromkeys(STATUSES, 0)
    for r in results:
        counts[r["status"]] += 1  # type: ignore[index]
    return {**counts, "items": results}


async def _write(s: AsyncSession, table: Table, tenant_id: uuid.UUID, inserts: list[dict[str, Any]],
                 updates: list[dict[str, Any]]) -> None:
    if inserts:
        await _insert(s, table, inserts)
    if updates:
        c = table.c
        columns = [k for k in updates[0] if k != "id"]
        stmt = (update(table).where(c.id == bindparam("b_id"), c.tenant_id == tenant_id)
                .values({col: bindparam(f"b_{col}") for col in columns}))
        await s.execute(stmt, [{f"b_{k}": v for k, v in u.items()} for u in updates])
