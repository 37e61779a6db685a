"""Announcing programmes that fizzle: `programme.fizzling` when a programme, or a pair in it, starts fizzling, and
`programme.recovered` when it no longer does — each change announced once (common/sweep.py).

Fizzling is programme health's own notion (health.py, cadence.py), judged on the 28 days ending on the sweep's
day, as `GET /v1/programmes/{id}/health` shows it that day. A sweep every `fizzle_sweep_seconds`, per tenant with
programmes running that day: their health is computed in a constant number of queries; a programme is a subject,
and so is each pair judged (a pair that joined or left within the 28 days is not judged and keeps its last
state; so does a programme once it has ended). The state last announced is kept per subject in
`programme_alerts`, and changed only by a conditional write in the transaction that records the event — a first
INSERT … ON CONFLICT DO NOTHING, or an UPDATE of the rows still in the other state — so two sweepers, a second
sweep or a restart never announce one change twice. A subject never announced fizzling has no row: its first
healthy judgement announces nothing."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from common.sweep import Sweep, insert_new, mark
from services.coaching import events
from services.coaching.models import Programme, ProgrammeAlert
from services.coaching.relationships import cadence
from services.coaching.relationships.health import health_figures
from services.coaching.relationships.repository import Repository


@dataclass(frozen=True)
class Judged:
    """A programme (pair None) or a pair, and whether it fizzles on the day; `figures` go into the payload."""

    tenant_id: uuid.UUID
    programme_id: uuid.UUID
    pair_id: uuid.UUID | None
    fizzling: bool
    figures: dict[str, Any]

    @property
    def id(self) -> uuid.UUID:
        return self.pair_id or self.programme_id


Announced = tuple[Judged, int]  # with the version it was announced as


def running_on(day: date) -> Any:
    return and_(Programme.starts_on <= day, or_(Programme.ends_on.is_(None), Programme.ends_on >= day))


class FizzleSweeper(Sweep[uuid.UUID, Judged, Announced]):
    name = "coaching:fizzle"

    def more(self, announced: int) -> bool:
        return False  # one run covers every tenant

    async def units(self, today: date) -> Sequence[uuid.UUID]:
        async with self.db.sessions() as s:
            stmt = select(Programme.tenant_id).where(running_on(today)).distinct().order_by(Programme.tenant_id)
            return list((await s.execute(stmt)).scalars())

    async def find(self, session: AsyncSession, unit: uuid.UUID, today: date) -> Sequence[Judged]:
        repo = Repository(session, unit)
        programmes = (await session.execute(select(Programme).where(Programme.tenant_id == unit, running_on(today))
                                            .order_by(Programme.id))).scalars().all()
        ids = [p.id for p in programmes]
        pairs = await repo.pairs(ids)
        held = await repo.held_by_pair(ids, (today, today), cadence.fizzle_window(today))
        found: list[Judged] = []
        for p in programmes:
            h = health_figures(p, [x for x in pairs if x.programme_id == p.id], held, today, today)
            common = {"programme_id": p.id, "on": today, "last_28_days_from": h.last_28_days_from,
                      "last_28_days_to": h.last_28_days_to, "cadence_days": p.cadence_days}
            found.append(Judged(unit, p.id, None, h.fizzling, {
                **common, "id": p.id, "pair_id": None, "coach_id": None, "seller_id": None,
                "held_last_28_days": h.held_last_28_days, "planned_last_28_days": h.planned_last_28_days,
                "pairs_judged_last_28_days": h.pairs_judged_last_28_days,
                "pairs_fizzling": sum(bool(r.fizzling) for r in h.pairs)}))
            found += [Judged(unit, p.id, r.pair_id, r.fizzling, {
                **common, "id": r.pair_id, "pair_id": r.pair_id, "coach_id": r.coach_id, "seller_id": r.seller_id,
                "held_last_28_days": r.held_last_28_days, "planned_last_28_days": r.planned_last_28_days,
                "pairs_judged_last_28_days": None, "pairs_fizzling": None})
                for r in h.pairs if r.fizzling is not None]
        return found

    async def take(self, session: AsyncSession, found: Sequence[Judged], today: date) -> Sequence[Announced]:
        fizzling = {j.id: j for j in found if j.fizzling}
        healthy = {j.id: j for j in found if not j.fizzling}
        first = await insert_new(session, ProgrammeAlert, [
            {"id": j.id, "tenant_id": j.tenant_id, "programme_id": j.programme_id, "pair_id": j.pair_id,
             "fizzling": True, "version": 1, "changed_on": today} for j in fizzling.values()])
        tenant = found[0].tenant_id
        flip = {"version": ProgrammeAlert.version + 1, "changed_on": today}
        again = await mark(session, ProgrammeAlert, [i for i in fizzling if i not in first],
                           unmarked=and_(ProgrammeAlert.tenant_id == tenant, ProgrammeAlert.fizzling.is_(False)),
                           values={**flip, "fizzling": True}, returning=[ProgrammeAlert.version])
        recovered = await mark(session, ProgrammeAlert, list(healthy),
                               unmarked=and_(ProgrammeAlert.tenant_id == tenant, ProgrammeAlert.fizzling.is_(True)),
                               values={**flip, "fizzling": False}, returning=[ProgrammeAlert.version])
        return ([(fizzling[i], 1) for i in first] + [(fizzling[i], v) for i, v in again]
                + [(healthy[i], v) for i, v in recovered])

    async def announce(self, session: AsyncSession, taken: Sequence[Announced], today: date) -> None:
        await events.programme_alerts(session, sorted(
            ((j.tenant_id, events.PROGRAMME_FIZZLING if j.fizzling else events.PROGRAMME_RECOVERED, version,
              j.figures) for j, version in taken), key=lambda a: str(a[3]["id"])))
