"""The daily accrual of expected programme sessions (cadence_facts.py): as days pass without any event, every
pair in its programme expects 1 / cadence_days more each day. Every `cadence_accrual_seconds` the job looks
for tenants whose accrual day is before today (or who have none yet) and, one transaction per tenant under its
cadence lock, adds the expected facts of the days since and moves the day to today. Idempotent: a run that
finds nothing to do changes nothing, and two runs never add a day twice."""

from collections.abc import Callable
from datetime import date

from common.db import Database, utcnow
from common.periodic import Periodic
from services.metrics.cadence_facts import CadenceFacts
from services.metrics.cadence_repository import CadenceRepository, tenants_to_accrue
from services.metrics.definitions import tenant_metrics
from services.metrics.repository import DailyRepository, DefinitionRepository, EvidenceRepository

BATCH = 50  # tenants per tick; the loop goes again at once while a tick is full


class CadenceAccrual:
    def __init__(self, db: Database, *, every: float, today: Callable[[], date] = lambda: utcnow().date()) -> None:
        self.db = db
        self.today = today
        self._loop = Periodic("metrics:cadence-accrual", self.run_once, every, until_idle=lambda n: n == BATCH)

    async def run_once(self) -> int:
        """Accrue up to BATCH tenants through today; how many were looked at."""
        today = self.today()
        async with self.db.sessions() as s:
            tenants = (await tenants_to_accrue(s, today))[:BATCH]
        for tenant in tenants:
            async with self.db.sessions() as s:
                cadence = CadenceRepository(s, tenant)
                await cadence.lock()
                metrics = await tenant_metrics(DefinitionRepository(s, tenant))
                await CadenceFacts(EvidenceRepository(s, tenant), cadence, DailyRepository(s, tenant), metrics,
                                   today).accrue()
                await s.commit()
        return len(tenants)

    async def start(self) -> None:
        await self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
