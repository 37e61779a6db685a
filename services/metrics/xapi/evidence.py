"""Statements that mean a training completion become training evidence (filled in by the evidence step)."""

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.metrics.xapi.shaping import Prepared


class EvidenceListener:
    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID, *, horizon: date) -> None:
        self.s = session
        self.tenant_id = tenant_id
        self.horizon = horizon

    async def stored(self, prepared: Sequence[Prepared]) -> None:
        return None

    async def voided(self, ids: Sequence[uuid.UUID]) -> None:
        return None
