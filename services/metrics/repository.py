"""Every query of the read model and of stored evidence outside the ingest hot path. Each statement is
filtered by (or writes) the repository's tenant."""

import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    Float,
    Row,
    Select,
    String,
    Table,
    Uuid,
    and_,
    bindparam,
    delete,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert

from common.repository import TenantRepository
from services.metrics.daily_ranges import range_rows
from services.metrics.models import (
    Activity,
    Behavior,
    BehaviorIndicator,
    CoachAssignment,
    CoachingFact,
    CoachingGoal,
    Completion,
    MetricDaily,
    MetricDefinition,
    Person,
    PersonExternalId,
    ReportingLine,
    SourceAlias,
)
from services.metrics.org import Line

AnyRow = Row[*tuple[Any, ...]]
STREAM_CHUNK = 5000
CHUNK = 1000  # ids per IN list (SQLite binds at most 32,766 parameters per statement)


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), CHUNK):
        yield values[i:i + CHUNK]


class ReadModelRepository(TenantRepository):
    """Generic batch reads and writes over the read-model tables (each keyed by (tenant_id, id))."""

    async def versions(self, table: Table, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        out: dict[uuid.UUID, int] = {}
        for chunk in _chunks(ids):
            stmt = select(table.c.id, table.c.version).where(table.c.tenant_id == self.tenant_id,
                                                             table.c.id.in_(chunk))
            out.update({row.id: row.version for row in (await self.s.execute(stmt)).all()})
        return out

    async def insert_rows(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.s.execute(insert(table), [{**row, "tenant_id": self.tenant_id} for row in rows])

    async def insert_new(self, table: Table, rows: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
        """Insert rows keyed by (tenant_id, id), skipping ids another transaction inserted meanwhile; the ids
        actually inserted (`ON CONFLICT DO NOTHING … RETURNING id`, on both backends)."""
        if not rows:
            return set()
        dialect = pg_insert if self.s.get_bind().dialect.name == "postgresql" else sqlite.insert
        stmt = dialect(table).on_conflict_do_nothing(index_elements=["tenant_id", "id"]).returning(table.c.id)
        result = await self.s.execute(stmt, [{**row, "tenant_id": self.tenant_id} for row in rows])
        return set(result.scalars())

    async def update_rows(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        """One executemany of `UPDATE … WHERE tenant_id = :tenant AND id = :id [AND version < :version]`; all
        rows carry the same keys."""
        if not rows:
            return
        columns = [k for k in rows[0] if k != "id"]
        stmt = update(table).where(table.c.tenant_id == self.tenant_id, table.c.id == bindparam("b_id"))
        if "version" in columns:  # never over a newer version another transaction committed meanwhile
            stmt = stmt.where(table.c.version < bindparam("b_version"))
        stmt = stmt.values({col: bindparam(f"b_{col}") for col in columns})
        await self.s.execute(stmt, [{f"b_{k}": v for k, v in row.items()} for row in rows])

    async def delete_children(self, table: Table, parent_column: str, parent_ids: Sequence[uuid.UUID]) -> None:
        for chunk in _chunks(parent_ids):
            await self.s.execute(delete(table).where(table.c.tenant_id == self.tenant_id,
                                                     table.c[parent_column].in_(chunk)))

    # ---- who holds an external id or an email
    async def external_id_holders(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], uuid.UUID]:
        out: dict[tuple[str, str], uuid.UUID] = {}
        x = PersonExternalId
        for chunk in _chunks(keys):
            stmt = select(x.source, x.external_id, x.person_id).where(
                x.tenant_id == self.tenant_id, tuple_(x.source, x.external_id).in_(list(chunk)))
            out.update({(r.source, r.external_id): r.person_id for r in (await self.s.execute(stmt)).all()})
        return out

    async def email_holders(self, emails: Sequence[str]) -> dict[str, set[uuid.UUID]]:
        """People (not deleted) by lower-cased email."""
        out: dict[str, set[uuid.UUID]] = {}
        for chunk in _chunks(emails):
            stmt = select(Person.email, Person.id).where(Person.tenant_id == self.tenant_id,
                                                         Person.email.in_(chunk), Person.deleted.is_(False))
            for email, person_id in (await self.s.execute(stmt)).all():
                if email is not None:
                    out.setdefault(email, set()).add(person_id)
        return out


class EvidenceRepository(ReadModelRepository):
    """Stored activities and completions, read and re-attributed in bulk."""

    async def lock(self, *, exclusive: bool) -> None:
        """PostgreSQL: a transaction-scoped advisory lock per tenant. Ingest takes it shared (batches run side
        by side); whatever changes who evidence counts for — people learnt by the read model, metrics defined
        or removed — takes it exclusive, so neither misses rows the other has not committed yet.
        SQLite: the driver runs reads outside a transaction until the first write, so a batch could look people
        up, miss one being learnt, and store its evidence as pending after the learner looked for pending rows.
        A no-op write first takes the database's one write lock for the whole transaction instead."""
        if self.s.get_bind().dialect.name != "postgresql":
            await self.s.execute(update(MetricDefinition).where(MetricDefinition.tenant_id == self.tenant_id,
                                                                false()).values(key=MetricDefinition.key))
            return
        key = int.from_bytes(self.tenant_id.bytes[:8], "big", signed=True)
        fn = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
        await self.s.execute(select(fn(key)))

    async def people_known(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, bool]:
        """Which of these person ids the read model holds, each with whether it is deleted."""
        out: dict[uuid.UUID, bool] = {}
        for chunk in _chunks(ids):
            stmt = select(Person.id, Person.deleted).where(Person.tenant_id == self.tenant_id, Person.id.in_(chunk))
            out.update({r.id: r.deleted for r in (await self.s.execute(stmt)).all()})
        return out

    async def aliases(self) -> dict[str, str]:
        """The tenant's source aliases (evidence source → external-id source); a small table, one query."""
        stmt = select(SourceAlias.source, SourceAlias.target).where(SourceAlias.tenant_id == self.tenant_id)
        return {r.source: r.target for r in (await self.s.execute(stmt)).all()}

    async def pending_user_ids(self, source: str) -> list[str]:
        """The user ids that unattributed activities and completions of this source name."""
        found: set[str] = set()
        for model in (Activity, Completion):
            stmt = select(model.source_user_id).distinct().where(
                model.tenant_id == self.tenant_id, model.person_id.is_(None), model.source == source,
                model.source_user_id.is_not(None))
            found.update(u for u in (await self.s.execute(stmt)).scalars() if u is not None)
        return sorted(found)

    async def pending_activities(self, keys: Sequence[tuple[str, str]]) -> list[AnyRow]:
        """Unattributed activities naming one of these (source, user id)."""
        a = Activity
        out: list[AnyRow] = []
        for chunk in _chunks(keys):
            stmt = select(a.id, a.source, a.source_user_id, a.type, a.occurred_at, a.amount, a.attributes).where(
                a.tenant_id == self.tenant_id, a.person_id.is_(None),
                tuple_(a.source, a.source_user_id).in_(list(chunk)))
            out.extend((await self.s.execute(stmt)).all())
        return out

    async def pending_completions(self, keys: Sequence[tuple[str, str]], emails: Sequence[str]) -> list[AnyRow]:
        """Unattributed completions naming one of these (LMS, user id) or emails."""
        c = Completion
        columns = (c.id, c.source, c.source_user_id, c.email, c.course_id, c.status, c.score, c.completed_at)
        found: dict[uuid.UUID, AnyRow] = {}
        for chunk in _chunks(keys):
            stmt = select(*columns).where(c.tenant_id == self.tenant_id, c.person_id.is_(None),
                                          tuple_(c.source, c.source_user_id).in_(list(chunk)))
            found.update({r.id: r for r in (await self.s.execute(stmt)).all()})
        for chunk in _chunks(emails):
            stmt = select(*columns).where(c.tenant_id == self.tenant_id, c.person_id.is_(None), c.email.in_(chunk))
            found.update({r.id: r for r in (await self.s.execute(stmt)).all()})
        return list(found.values())

    async def events(self, table: Table, columns: Sequence[str], type_column: str,
                     types: Sequence[str]) -> AsyncIterator[Sequence[AnyRow]]:
        """Attributed evidence of these types, streamed in partitions (a server-side cursor on PostgreSQL)."""
        c = table.c
        stmt = (select(*(c[name] for name in columns))
                .where(c.tenant_id == self.tenant_id, c.person_id.is_not(None), c[type_column].in_(types))
                .execution_options(yield_per=STREAM_CHUNK))
        result = await self.s.stream(stmt)
        async for partition in result.partitions():
            yield partition

    async def attribute(self, table: Table, people: dict[uuid.UUID, uuid.UUID]) -> None:
        """Set the person of still unattributed rows (row id → person id), one executemany."""
        if not people:
            return
        stmt = (update(table).where(table.c.tenant_id == self.tenant_id, table.c.id == bindparam("b_id"),
                                    table.c.person_id.is_(None))
                .values(person_id=bindparam("b_person")))
        await self.s.execute(stmt, [{"b_id": row, "b_person": person} for row, person in people.items()])

    # ---- coaching facts (coaching_facts.py)
    async def lock_rows(self, table: Table, ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
        """These read-model rows as stored, locked until commit (PostgreSQL `FOR UPDATE`, taken in the given
        order; SQLite: the transaction already holds the database's write lock)."""
        out: list[dict[str, Any]] = []
        for chunk in _chunks(ids):
            stmt = select(table).where(table.c.tenant_id == self.tenant_id, table.c.id.in_(chunk))
            stmt = stmt.order_by(table.c.id)
            if self.s.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update()
            out.extend(dict(r._mapping) for r in (await self.s.execute(stmt)).all())
        return out

    async def delete_facts(self, entity_ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
        """Delete the facts of these entities; the deleted facts (`DELETE … RETURNING`, both backends)."""
        f = CoachingFact.__table__.c
        out: list[dict[str, Any]] = []
        for chunk in _chunks(entity_ids):
            stmt = (delete(CoachingFact).where(f.tenant_id == self.tenant_id, f.entity_id.in_(chunk))
                    .returning(f.person_id, f.type, f.at, f.attributes, f.amount))
            out.extend(dict(r._mapping) for r in (await self.s.execute(stmt)).all())
        return out

    async def insert_facts(self, facts: Sequence[dict[str, Any]]) -> None:
        await self.insert_rows(CoachingFact.__table__, facts)  # type: ignore[arg-type]


class DefinitionRepository(TenantRepository):
    """The tenant's own metric definitions."""

    async def defined(self, keys: Sequence[str] | None = None) -> list[MetricDefinition]:
        stmt = select(MetricDefinition).where(MetricDefinition.tenant_id == self.tenant_id)
        if keys is not None:
            stmt = stmt.where(MetricDefinition.key.in_(keys))
        return list((await self.s.execute(stmt.order_by(MetricDefinition.key))).scalars())

    async def definition(self, key: str) -> MetricDefinition | None:
        stmt = select(MetricDefinition).where(MetricDefinition.tenant_id == self.tenant_id,
                                              MetricDefinition.key == key)
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def count(self) -> int:
        stmt = select(func.count()).select_from(MetricDefinition).where(MetricDefinition.tenant_id == self.tenant_id)
        return int((await self.s.execute(stmt)).scalar_one())

    async def active_behavior_keys(self) -> list[str]:
        """The keys of the read model's active behaviours (whose families' members the metric list shows)."""
        stmt = (select(Behavior.key).distinct()
                .where(Behavior.tenant_id == self.tenant_id, Behavior.status == "active", Behavior.deleted.is_(False))
                .order_by(Behavior.key))
        return list((await self.s.execute(stmt)).scalars())


DailyRow = tuple[uuid.UUID, str, date, float, float]  # person, metric key, day, num, den

_ADD_DAILY_PG = text("""
    INSERT INTO metric_daily (tenant_id, person_id, metric_key, day, num, den)
    SELECT :tenant_id, * FROM unnest(CAST(:people AS uuid[]), CAST(:keys AS text[]), CAST(:days AS date[]),
                                     CAST(:nums AS float8[]), CAST(:dens AS float8[]))
    ON CONFLICT (tenant_id, person_id, metric_key, day)
    DO UPDATE SET num = metric_daily.num + excluded.num, den = metric_daily.den + excluded.den""")


class DailyRepository(TenantRepository):
    """metric_daily: per person, metric and day (num, den)."""

    async def apply(self, rows: Sequence[DailyRow]) -> None:
        """Add the changes to what is stored, in one statement: PostgreSQL binds five arrays (`unnest`), SQLite
        runs one executemany; both `ON CONFLICT DO UPDATE SET num = num + excluded.num, …`."""
        if not rows:
            return
        if self.s.get_bind().dialect.name == "postgresql":
            people, keys, days, nums, dens = (list(column) for column in zip(*rows, strict=True))
            await self.s.execute(_ADD_DAILY_PG, {"tenant_id": self.tenant_id, "people": people, "keys": keys,
                                                 "days": days, "nums": nums, "dens": dens})
            return
        stmt = sqlite.insert(MetricDaily)
        stmt = stmt.on_conflict_do_update(
            index_elements=["tenant_id", "person_id", "metric_key", "day"],
            set_={"num": MetricDaily.num + stmt.excluded.num, "den": MetricDaily.den + stmt.excluded.den})
        await self.s.execute(stmt, [{"tenant_id": self.tenant_id, "person_id": p, "metric_key": k, "day": d,
                                     "num": n, "den": e} for p, k, d, n, e in rows])

    async def merge(self, rows: Sequence[DailyRow], counted: Sequence[Select[Any]]) -> None:
        """PostgreSQL: add `rows` and what the `counted` SELECTs yield (person_id, metric_key, day, num, den; see
        daily_sql.py) to what is stored, in one `INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE SET num = num +
        excluded.num, …`: cells whose change sums to zero are left alone (as `Tally.rows` leaves them out), and the
        cells are written in the same key order as `apply` writes them (person, metric key by code point, day),
        so concurrent writers never deadlock."""
        parts = list(counted)
        if rows:
            people, keys, days, nums, dens = (list(column) for column in zip(*rows, strict=True))
            given = func.unnest(bindparam("people", people, type_=ARRAY(Uuid)),
                                bindparam("keys", keys, type_=ARRAY(String)),
                                bindparam("days", days, type_=ARRAY(Date)),
                                bindparam("nums", nums, type_=ARRAY(Float)),
                                bindparam("dens", dens, type_=ARRAY(Float))).table_valued(
                "person_id", "metric_key", "day", "num", "den").render_derived()
            parts.append(select(given.c.person_id, given.c.metric_key, given.c.day, given.c.num, given.c.den))
        if not parts:
            return
        change = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("change")
        num, den = func.sum(change.c.num), func.sum(change.c.den)
        key = change.c.metric_key.collate("C")  # grouped and ordered alike: one sort serves both
        total = (select(literal(self.tenant_id, Uuid), change.c.person_id, key, change.c.day, num, den)
                 .group_by(change.c.person_id, key, change.c.day)
                 .having(or_(num != 0, den != 0))
                 .order_by(change.c.person_id, key, change.c.day))
        stmt = pg_insert(MetricDaily).from_select(["tenant_id", "person_id", "metric_key", "day", "num", "den"], total)
        stmt = stmt.on_conflict_do_update(
            index_elements=["tenant_id", "person_id", "metric_key", "day"],
            set_={"num": MetricDaily.num + stmt.excluded.num, "den": MetricDaily.den + stmt.excluded.den})
        await self.s.execute(stmt)

    async def analyze(self) -> None:
        """After a bulk load (a backfill): fresh planner statistics for metric_daily on PostgreSQL, which a server
        with autovacuum off would otherwise never have. The window reads do not depend on them
        (daily_ranges.py); other plans over the table do. Inside the transaction: ANALYZE counts its own
        uncommitted rows, and its lock does not block reads or writes of the table."""
        if self.s.get_bind().dialect.name == "postgresql":
            await self.s.execute(text("ANALYZE metric_daily"))

    async def remove_metric(self, key: str) -> None:
        await self.s.execute(delete(MetricDaily).where(MetricDaily.tenant_id == self.tenant_id,
                                                       MetricDaily.metric_key == key))


class QueryRepository(TenantRepository):
    """What series, evidence and visibility read."""

    async def daily(self, keys: Sequence[str], people: Sequence[uuid.UUID], first: date,
                    last: date) -> list[DailyRow]:
        """metric_daily rows of these metrics and people over [first, last]: primary-key ranges only, whatever
        the planner knows (daily_ranges.py)."""
        if not keys or not people or last < first:
            return []
        return await range_rows(self.s, self.tenant_id, sorted(set(people)), sorted(set(keys)), first, last)

    async def subtree_lines(self, manager_id: uuid.UUID, first: date, last: date) -> list[Line]:
        """Every line that could place someone under `manager_id` on some day of [first, last]: the lines in
        force at any time of the window from the manager down, one recursive query (the set of lines is finite,
        so the UNION ends even on cyclic data)."""
        rl = ReportingLine

        def overlaps() -> Any:
            return and_(rl.tenant_id == self.tenant_id, rl.deleted.is_(False), rl.valid_from <= last,
                        or_(rl.valid_to.is_(None), rl.valid_to > first))

        columns = (rl.id, rl.person_id, rl.manager_id, rl.valid_from, rl.valid_to)
        base = select(*columns).where(overlaps(), rl.manager_id == manager_id).cte("subtree", recursive=True)
        step = select(*columns).join(base, rl.manager_id == base.c.person_id).where(overlaps())
        tree = base.union(step)
        rows = (await self.s.execute(select(tree.c.person_id, tree.c.manager_id, tree.c.valid_from,
                                            tree.c.valid_to))).all()
        return [Line(*row) for row in rows]

    async def assignments_in_force(self, coach_id: uuid.UUID, on: date) -> list[tuple[uuid.UUID, list[str]]]:
        """(seller, scope) of the coach's assignments in force on the day (scope: behaviour keys; empty = all)."""
        a = CoachAssignment
        stmt = select(a.seller_id, a.scope).where(
            a.tenant_id == self.tenant_id, a.coach_id == coach_id, a.deleted.is_(False), a.starts_on <= on,
            or_(a.ends_on.is_(None), a.ends_on >= on))
        return [(seller, list(scope)) for seller, scope in (await self.s.execute(stmt)).all()]

    async def indicator_metrics(self, behavior_keys: Sequence[str]) -> dict[str, set[str]]:
        """The metrics of the indicators of the active behaviours with these keys."""
        b, i = Behavior, BehaviorIndicator
        stmt = (select(b.key, i.metric_key).join(i, and_(i.tenant_id == b.tenant_id, i.behavior_id == b.id))
                .where(b.tenant_id == self.tenant_id, b.key.in_(list(behavior_keys)), b.status == "active",
                       b.deleted.is_(False)))
        out: dict[str, set[str]] = {}
        for key, metric in (await self.s.execute(stmt)).all():
            out.setdefault(key, set()).add(metric)
        return out

    async def knows_person(self, person_id: uuid.UUID) -> bool:
        stmt = select(Person.id).where(Person.tenant_id == self.tenant_id, Person.id == person_id,
                                       Person.deleted.is_(False))
        return (await self.s.execute(stmt)).first() is not None

    async def coaching_goals(self, ids: Sequence[uuid.UUID]) -> list[CoachingGoal]:
        """Agreed goals (their latest agreed terms) by id, in the order asked; unknown or removed ones left out."""
        if not ids:
            return []
        stmt = select(CoachingGoal).where(CoachingGoal.tenant_id == self.tenant_id,
                                          CoachingGoal.id.in_(set(ids)), CoachingGoal.deleted.is_(False))
        found = {g.id: g for g in (await self.s.execute(stmt)).scalars()}
        return [found[i] for i in dict.fromkeys(ids) if i in found]

    async def evidence(self, table: Table, person_id: uuid.UUID, type_column: str, types: Sequence[str],
                       time_column: str, start: datetime, end: datetime, after: uuid.UUID | None,
                       limit: int) -> list[AnyRow]:
        """A person's evidence of these types with start <= time < end, in id order after `after`."""
        c = table.c
        stmt = select(table).where(c.tenant_id == self.tenant_id, c.person_id == person_id,
                                   c[type_column].in_(list(types)), c[time_column] >= start, c[time_column] < end)
        if after is not None:
            stmt = stmt.where(c.id > after)
        return list((await self.s.execute(stmt.order_by(c.id).limit(limit))).all())


class SourceAliasRepository(TenantRepository):
    """The tenant's source aliases (source_aliases.py)."""

    async def all(self) -> list[SourceAlias]:
        stmt = select(SourceAlias).where(SourceAlias.tenant_id == self.tenant_id).order_by(SourceAlias.source)
        return list((await self.s.execute(stmt)).scalars())

    async def get(self, source: str) -> SourceAlias | None:
        stmt = select(SourceAlias).where(SourceAlias.tenant_id == self.tenant_id, SourceAlias.source == source)
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def count(self) -> int:
        stmt = select(func.count()).select_from(SourceAlias).where(SourceAlias.tenant_id == self.tenant_id)
        return int((await self.s.execute(stmt)).scalar_one())


PendingKey = tuple[str, str, str, str]  # (kind, source, user id or "", email or "")
GroupRow = tuple[str, str | None, str | None, int, datetime, datetime]  # source, user id, email, count, first, last


class PendingRepository(TenantRepository):
    """Unattributed evidence grouped by what it names (pending.py)."""

    async def groups(self, kind: str, source: str | None, after: PendingKey | None,
                     limit: int) -> list[GroupRow]:
        """Up to `limit` groups of one kind's unattributed rows by (source, user id, email), in key order after
        `after`: (source, user id, email, count, first received, last stored or changed). The partial indexes
        on unattributed rows serve the filter."""
        completions = kind == "completions"
        model: Any = Completion if completions else Activity
        keys = [model.source, func.coalesce(model.source_user_id, "")]
        columns = [model.source, model.source_user_id]
        if completions:
            keys.append(func.coalesce(model.email, ""))
            columns.append(model.email)
        stmt = select(*columns, func.count(), func.min(model.received_at), func.max(model.updated_at)).where(
            model.tenant_id == self.tenant_id, model.person_id.is_(None))
        if source is not None:
            stmt = stmt.where(model.source == source)
        if after is not None and after[0] == kind:
            stmt = stmt.where(tuple_(*keys) > tuple_(*after[1:1 + len(keys)]))
        stmt = stmt.group_by(*columns).order_by(*keys).limit(limit)
        out: list[GroupRow] = []
        for row in (await self.s.execute(stmt)).all():
            r: tuple[Any, ...] = tuple(row)
            if not completions:
                r = (*r[:2], None, *r[2:])
            out.append((r[0], r[1], r[2], int(r[3]), r[4], r[5]))
        return out
