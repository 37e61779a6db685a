"""Queries of the read model. Every statement is filtered by (or writes) the repository's tenant."""

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, select, tuple_, update

from common.repository import TenantRepository
from services.metrics.models import Person, PersonExternalId

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

    async def update_rows(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        """One executemany of `UPDATE … WHERE tenant_id = :tenant AND id = :id`; all rows carry the same keys."""
        if not rows:
            return
        columns = [k for k in rows[0] if k != "id"]
        stmt = (update(table).where(table.c.tenant_id == self.tenant_id, table.c.id == bindparam("b_id"))
                .values({col: bindparam(f"b_{col}") for col in columns}))
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
