"""The base of every service's repositories: bound to one tenant, so every row written is checked."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


class TenantRepository:
    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        self.s = session
        self.tenant_id = tenant_id

    def add(self, *rows: Any) -> None:
        for row in rows:
            assert row.tenant_id == self.tenant_id, "row of another tenant"
            self.s.add(row)

    async def flush(self) -> None:
        await self.s.flush()

    async def delete(self, row: Any) -> None:
        assert row.tenant_id == self.tenant_id, "row of another tenant"
        await self.s.delete(row)
