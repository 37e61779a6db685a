"""Announcing indicators that go off track: `indicator.off_track` once per person, indicator and period when the
period's status turns off track, and `indicator.back_on_track` once when, after that, it is on track again
(at risk in between announces nothing; a period's second fall is not announced again).

What is judged is exactly the person's scorecard (scorecards.py, periods.py) for the indicator's own period (week,
month or quarter) holding the last whole day — yesterday, on the sweep's day — as it stood at that day's end:
activity targets pro rata over the days elapsed through yesterday. Judging whole days keeps today's unfinished
evidence from putting every seller off track at midnight on the first day of each week; a period's last day is
judged the day after it ends.

A sweep every `indicator_alert_seconds` (common/sweep.py), per tenant with active behaviours and per chunk of
its active people, one transaction each: the scorecards, then the conditional writes — off track is an INSERT …
ON CONFLICT DO NOTHING of the occurrence's `indicator_alerts` row (its id is derived from tenant, person,
indicator and period start, so every sweeper names it alike), back on track an UPDATE of that row while
`back_on_track_on` is unset — and the events of exactly what was written, into the metrics outbox. Two sweepers,
a second sweep or a restart never announce one twice. A behaviour revised mid-period whose indicators get new
ids starts their periods afresh."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from common.sweep import Sweep, insert_new, mark
from services.metrics.alerts import events
from services.metrics.analysis_repository import AnalysisRepository
from services.metrics.definitions import tenant_metrics
from services.metrics.models import Behavior, IndicatorAlert
from services.metrics.periods import period_of
from services.metrics.repository import DefinitionRepository
from services.metrics.scorecards import ScorecardService

CHUNK = 200  # people judged in one transaction
NAMESPACE = uuid.UUID("6f6b8f57-3c1e-4f55-9a59-2f1d2c7a0b11")  # of occurrence ids (uuid5)


def occurrence_id(tenant_id: uuid.UUID, person_id: uuid.UUID, indicator_id: uuid.UUID, period_start: date) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{tenant_id}/{person_id}/{indicator_id}/{period_start.isoformat()}")


@dataclass(frozen=True)
class Judged:
    id: uuid.UUID
    tenant_id: uuid.UUID
    off_track: bool  # else on track
    figures: dict[str, Any]


Unit = tuple[uuid.UUID, tuple[uuid.UUID, ...]]  # a tenant and some of its people
Announced = tuple[Judged, str]  # with its topic


class IndicatorAlertSweeper(Sweep[Unit, Judged, Announced]):
    name = "metrics:indicator-alerts"

    def more(self, announced: int) -> bool:
        return False  # one run covers every tenant

    async def units(self, today: date) -> Sequence[Unit]:
        out: list[Unit] = []
        async with self.db.sessions() as s:
            tenants = (await s.execute(select(Behavior.tenant_id).where(
                Behavior.status == "active", Behavior.deleted.is_(False)).distinct().order_by(Behavior.tenant_id)
            )).scalars().all()
            for tenant in tenants:
                people = await AnalysisRepository(s, tenant).everyone()
                out += [(tenant, tuple(people[i:i + CHUNK])) for i in range(0, len(people), CHUNK)]
        return out

    async def find(self, session: AsyncSession, unit: Unit, today: date) -> Sequence[Judged]:
        tenant, people = unit
        day = today - timedelta(days=1)  # the last whole day
        repo = AnalysisRepository(session, tenant)
        kinds = sorted({i.period for _, inds in await repo.active_behaviors() for i in inds})
        cards = ScorecardService(repo, await tenant_metrics(DefinitionRepository(session, tenant)), today=day)
        found: list[Judged] = []
        for kind in kinds:
            period = period_of(day, kind)  # type: ignore[arg-type]
            for card in await cards.scorecards(people, kind=kind, on=day):  # type: ignore[arg-type]
                assert card.person_id is not None
                for behavior in card.behaviors:
                    for i in behavior.indicators:
                        if i.indicator_period != kind or i.status not in ("off_track", "on_track"):
                            continue
                        oid = occurrence_id(tenant, card.person_id, i.indicator_id, period.start)
                        found.append(Judged(oid, tenant, i.status == "off_track", {
                            "id": oid, "person_id": card.person_id, "behavior_id": behavior.id,
                            "behavior_key": behavior.key, "indicator_id": i.indicator_id, "metric_key": i.metric_key,
                            "kind": i.kind, "comparator": i.comparator, "target": i.target,
                            "indicator_period": kind, "period_start": period.start, "period_end": period.end,
                            "on": day, "elapsed_days": card.period.elapsed_days, "expected": i.expected,
                            "actual": i.actual, "status": i.status}))
        return found

    async def take(self, session: AsyncSession, found: Sequence[Judged], today: date) -> Sequence[Announced]:
        off = {j.id: j for j in found if j.off_track}
        on = {j.id: j for j in found if not j.off_track}
        first = await insert_new(session, IndicatorAlert, [
            {"id": j.id, "tenant_id": j.tenant_id, "person_id": j.figures["person_id"],
             "indicator_id": j.figures["indicator_id"], "period": j.figures["indicator_period"],
             "period_start": j.figures["period_start"], "off_track_on": j.figures["on"], "version": 1}
            for j in off.values()])
        back = await mark(session, IndicatorAlert, list(on),
                          unmarked=and_(IndicatorAlert.tenant_id == found[0].tenant_id,
                                        IndicatorAlert.back_on_track_on.is_(None)),
                          values={"back_on_track_on": today - timedelta(days=1), "version": 2})
        return ([(off[i], events.INDICATOR_OFF_TRACK) for i in sorted(first)]
                + [(on[row.id], events.INDICATOR_BACK_ON_TRACK) for row in back])

    async def announce(self, session: AsyncSession, taken: Sequence[Announced], today: date) -> None:
        await events.indicator_alerts(session, [(j.tenant_id, topic, j.figures) for j, topic in taken])
