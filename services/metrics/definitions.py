"""Metric definitions: the built-in catalogue plus each tenant's own. Raises typed errors; never commits.

A tenant-defined key may not clash with the catalogue, a family (`observed_level`) or an existing definition (409).
A family's members (`observed_level:<behaviour key>`) are read like built-in metrics; the list shows one per active
behaviour of the read model. A ratio's
numerator must be an activity metric (count or sum) and its denominator a count (422 otherwise: dividing
by a sum or an average has no stable meaning). Built-in metrics cannot be deleted, nor can a metric another
definition divides by or into (409).

Creating a stored metric backfills its daily aggregates from the evidence already held, in the same
transaction; deleting one removes them. Both hold the tenant's evidence lock exclusively, so no ingest batch
can slip between the backfill and the first batch that counts the new metric itself.
"""

from collections.abc import Sequence

from common.db import utcnow
from common.errors import Conflict, InvalidInput, NotFound
from common.pagination import Page
from services.metrics.aggregates import EVIDENCE, Tally
from services.metrics.catalogue import CATALOGUE, FAMILIES, Metric, Metrics, family_member, unit_of
from services.metrics.models import MetricDefinition
from services.metrics.repository import DailyRepository, DefinitionRepository, EvidenceRepository
from services.metrics.schemas import MAX_DEFINED_METRICS, MetricCreate, MetricOut


def to_metric(d: MetricDefinition) -> Metric:
    return Metric(key=d.key, name=d.name, kind=d.kind, aggregation=d.aggregation,  # type: ignore[arg-type]
                  source=d.source, types=tuple(d.types),  # type: ignore[arg-type]
                  filters=tuple((name, tuple(values)) for name, values in d.filters.items()),  # type: ignore[arg-type]
                  field=d.field, numerator=d.numerator, denominator=d.denominator, description=d.description,
                  builtin=False, created_at=d.created_at)


def metric_out(m: Metric) -> MetricOut:
    return MetricOut(key=m.key, name=m.name, description=m.description, kind=m.kind, aggregation=m.aggregation,
                     source=m.source, types=list(m.types), filters={k: list(v) for k, v in m.filters},
                     field=m.field, numerator=m.numerator, denominator=m.denominator, unit=unit_of(m),
                     builtin=m.builtin, created_at=m.created_at)


def _invalid(field: str, message: str, code: str) -> InvalidInput:
    return InvalidInput(message, errors=[{"field": f"body.{field}", "message": message, "code": code}])


async def tenant_metrics(repo: DefinitionRepository) -> Metrics:
    """The catalogue and the tenant's own definitions, in one query."""
    return Metrics.of(to_metric(d) for d in await repo.defined())


BACKFILL_FLUSH = 50_000  # tallied cells applied at a time (sums add up, so partial tallies are exact)


class DefinitionsService:
    def __init__(self, repo: DefinitionRepository, evidence: EvidenceRepository, daily: DailyRepository) -> None:
        self.repo = repo
        self.evidence = evidence
        self.daily = daily

    async def metrics(self) -> Metrics:
        return await tenant_metrics(self.repo)

    async def list(self, keys: Sequence[str] | None) -> Page[MetricOut]:
        """Bounded: the catalogue, each family's members for the active behaviours (or those asked for), plus at
        most MAX_DEFINED_METRICS of the tenant's own."""
        builtin = [m for m in CATALOGUE.values() if keys is None or m.key in keys]
        if keys is None:
            behaviors = await self.repo.active_behavior_keys()
            members = [f.member(b) for f in FAMILIES.values() for b in behaviors if f.member_key(b) is not None]
        else:
            members = [m for k in dict.fromkeys(keys) if (m := family_member(k)) is not None]
        defined = [to_metric(d) for d in await self.repo.defined(keys)]
        return Page[MetricOut](items=[metric_out(m) for m in [*builtin, *members, *defined]])

    async def get(self, key: str) -> MetricOut:
        return metric_out(await self.metric(key))

    async def metric(self, key: str) -> Metric:
        if key in CATALOGUE:
            return CATALOGUE[key]
        member = family_member(key)
        if member is not None:
            return member
        found = await self.repo.definition(key)
        if found is None:
            raise NotFound(f"There is no metric {key!r}.")
        return to_metric(found)

    async def create(self, data: MetricCreate) -> Metric:
        await self.evidence.lock(exclusive=True)
        if data.key in CATALOGUE or data.key in FAMILIES:
            raise Conflict(f"{data.key!r} is a built-in metric; choose another key.")
        if await self.repo.definition(data.key) is not None:
            raise Conflict(f"A metric {data.key!r} is already defined.")
        if await self.repo.count() >= MAX_DEFINED_METRICS:
            raise Conflict(f"A tenant defines at most {MAX_DEFINED_METRICS} metrics; delete one first.")
        if data.aggregation == "ratio":
            await self._check_ratio(data)
        filters = {name: value if isinstance(value, list) else [value] for name, value in data.filters.items()}
        row = MetricDefinition(tenant_id=self.repo.tenant_id, key=data.key, name=data.name,
                               description=data.description, kind=data.kind, aggregation=data.aggregation,
                               source=data.source, types=list(data.types), filters=filters, field=data.field,
                               numerator=data.numerator, denominator=data.denominator, created_at=utcnow())
        self.repo.add(row)
        await self.repo.flush()
        metric = to_metric(row)
        if metric.stored:
            await self._backfill(metric)
        return metric

    async def _backfill(self, metric: Metric) -> None:
        source = EVIDENCE[metric.source]
        tally = Tally([metric])
        async for rows in self.evidence.events(source.table, source.columns, source.type_column, metric.types):
            for row in rows:
                tally.event(source.event(row._mapping))
            if len(tally.cells) >= BACKFILL_FLUSH:
                await self.daily.apply(tally.rows())
                tally = Tally([metric])
        await self.daily.apply(tally.rows())
        await self.daily.analyze()

    async def _check_ratio(self, data: MetricCreate) -> None:
        metrics = (await self.metrics()).by_key
        numerator, denominator = metrics.get(data.numerator or ""), metrics.get(data.denominator or "")
        if numerator is None:
            raise _invalid("numerator", f"There is no metric {data.numerator!r}.", "unknown_metric")
        if denominator is None:
            raise _invalid("denominator", f"There is no metric {data.denominator!r}.", "unknown_metric")
        if numerator.kind != "activity":
            raise _invalid("numerator", f"The numerator must be an activity metric; {numerator.key!r} is a "
                           f"{numerator.aggregation}.", "not_an_activity")
        if denominator.aggregation != "count":
            raise _invalid("denominator", f"A ratio divides by a count; {denominator.key!r} is a "
                           f"{denominator.aggregation}.", "not_a_count")

    async def delete(self, key: str) -> Metric:
        await self.evidence.lock(exclusive=True)
        if key in CATALOGUE or family_member(key) is not None:
            raise Conflict(f"{key!r} is a built-in metric and cannot be deleted.")
        found = await self.repo.definition(key)
        if found is None:
            raise NotFound(f"There is no metric {key!r}.")
        users = [d.key for d in await self.repo.defined() if key in (d.numerator, d.denominator)]
        if users:
            raise Conflict(f"{key!r} is part of {', '.join(users)}; delete those first.")
        await self.repo.delete(found)
        await self.daily.remove_metric(key)
        await self.repo.flush()
        return to_metric(found)
