"""Read-model queries of gaps (gap evaluations, the gap summary, the coaching queue's GAP_PERSISTS). One statement
per question for any number of gaps or people; every statement is filtered by the repository's tenant."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from common.repository import TenantRepository
from services.metrics.models import CoachingGap, CoachingSession, ReportingLine
from services.metrics.org import Line

CHUNK = 500


class GapRepository(TenantRepository):
    async def gaps(self, ids: Sequence[uuid.UUID]) -> list[CoachingGap]:
        """Gaps by id, in the order asked; unknown or removed ones left out."""
        found: dict[uuid.UUID, CoachingGap] = {}
        wanted = sorted(set(ids))
        for i in range(0, len(wanted), CHUNK):
            stmt = select(CoachingGap).where(CoachingGap.tenant_id == self.tenant_id,
                                             CoachingGap.id.in_(wanted[i:i + CHUNK]), CoachingGap.deleted.is_(False))
            found.update((g.id, g) for g in (await self.s.execute(stmt)).scalars())
        return [found[i] for i in dict.fromkeys(ids) if i in found]

    async def opened_between(self, start: datetime, end: datetime) -> list[CoachingGap]:
        """Gaps opened in [start, end), oldest first."""
        g = CoachingGap
        stmt = select(g).where(g.tenant_id == self.tenant_id, g.deleted.is_(False), g.opened_at >= start,
                               g.opened_at < end)
        return list((await self.s.execute(stmt.order_by(g.opened_at, g.id))).scalars())

    async def open_gaps(self, seller_ids: Sequence[uuid.UUID]) -> list[CoachingGap]:
        """The open gaps of these sellers, oldest first."""
        out: list[CoachingGap] = []
        wanted = sorted(set(seller_ids))
        g = CoachingGap
        for i in range(0, len(wanted), CHUNK):
            stmt = select(g).where(g.tenant_id == self.tenant_id, g.deleted.is_(False), g.status == "open",
                                   g.seller_id.in_(wanted[i:i + CHUNK]))
            out += (await self.s.execute(stmt)).scalars()
        return sorted(out, key=lambda x: (x.opened_at, x.id))

    async def held_since(self, seller_ids: Sequence[uuid.UUID], since: datetime) -> list[tuple[uuid.UUID, datetime]]:
        """(seller, held_at) of the completed sessions of these sellers held at or after `since`, with any coach."""
        out: list[tuple[uuid.UUID, datetime]] = []
        wanted = sorted(set(seller_ids))
        s = CoachingSession
        for i in range(0, len(wanted), CHUNK):
            stmt = select(s.seller_id, s.held_at).where(
                s.tenant_id == self.tenant_id, s.deleted.is_(False), s.status == "completed",
                s.seller_id.in_(wanted[i:i + CHUNK]), s.held_at >= since)
            out += [(seller, held) for seller, held in (await self.s.execute(stmt)).all() if held is not None]
        return out

    async def lines_of(self, people: Sequence[uuid.UUID]) -> list[Line]:
        """Every reporting line (not deleted) of these people, as reports."""
        out: list[Line] = []
        wanted = sorted(set(people))
        rl = ReportingLine
        for i in range(0, len(wanted), CHUNK):
            stmt = select(rl.person_id, rl.manager_id, rl.valid_from, rl.valid_to).where(
                rl.tenant_id == self.tenant_id, rl.deleted.is_(False), rl.person_id.in_(wanted[i:i + CHUNK]))
            out += [Line(*row) for row in (await self.s.execute(stmt)).all()]
        return out
