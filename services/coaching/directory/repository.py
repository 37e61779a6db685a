"""Every directory query, each filtered by the repository's tenant."""

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, String, cast, func, or_, select

from common.repository import TenantRepository
from services.coaching.models import ExternalId, Person, ReportingLine


class DirectoryRepository(TenantRepository):

    def _people(self) -> Select[Person]:
        return select(Person).where(Person.tenant_id == self.tenant_id)

    async def person(self, person_id: uuid.UUID, *, for_update: bool = False) -> Person | None:
        """`for_update`: the row locked until the transaction ends (writers bump its version under it)."""
        stmt = self._people().where(Person.id == person_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def people_by_ids(self, ids: Sequence[uuid.UUID], *, for_update: bool = False) -> dict[uuid.UUID, Person]:
        if not ids:
            return {}
        stmt = self._people().where(Person.id.in_(ids))
        if for_update:  # in id order, so two writers locking overlapping sets cannot deadlock
            stmt = stmt.order_by(Person.id).with_for_update()
        rows = (await self.s.execute(stmt)).scalars()
        return {p.id: p for p in rows}

    async def people_by_emails(self, emails: Sequence[str]) -> dict[str, Person]:
        if not emails:
            return {}
        rows = (await self.s.execute(self._people().where(Person.email.in_(emails)))).scalars()
        return {p.email: p for p in rows if p.email}

    async def people(self, *, ids: Sequence[uuid.UUID] | None, role: str | None, active: bool | None,
                     q: str | None, after: uuid.UUID | None, limit: int) -> list[Person]:
        stmt = self._people()
        if ids is not None:
            stmt = stmt.where(Person.id.in_(ids))
        if active is not None:
            stmt = stmt.where(Person.active.is_(active))
        if q:
            pattern = f"%{q.lower()}%"
            stmt = stmt.where(or_(func.lower(Person.name).like(pattern), func.lower(Person.email).like(pattern)))
        if role is not None:  # roles is a JSON list of fixed words: its text holds `"role"` on both backends
            stmt = stmt.where(cast(Person.roles, String).like(f'%"{role}"%'))
        if after is not None:
            stmt = stmt.where(Person.id > after)
        return list((await self.s.execute(stmt.order_by(Person.id).limit(limit + 1))).scalars())

    async def email_taken(self, email: str, except_id: uuid.UUID | None = None) -> bool:
        stmt = select(Person.id).where(Person.tenant_id == self.tenant_id, Person.email == email)
        found = (await self.s.execute(stmt)).scalars().all()
        return any(pid != except_id for pid in found)

    # ---- external ids
    async def external_ids(self, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, str]]:
        out: dict[uuid.UUID, dict[str, str]] = {pid: {} for pid in person_ids}
        if not person_ids:
            return out
        stmt = select(ExternalId).where(ExternalId.tenant_id == self.tenant_id, ExternalId.person_id.in_(person_ids))
        for e in (await self.s.execute(stmt)).scalars():
            out[e.person_id][e.source] = e.external_id
        return out

    async def external_id(self, source: str, external_id: str) -> ExternalId | None:
        stmt = select(ExternalId).where(ExternalId.tenant_id == self.tenant_id, ExternalId.source == source,
                                        ExternalId.external_id == external_id)
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def external_id_of(self, person_id: uuid.UUID, source: str) -> ExternalId | None:
        stmt = select(ExternalId).where(ExternalId.tenant_id == self.tenant_id, ExternalId.person_id == person_id,
                                        ExternalId.source == source)
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def find_by_external(self, source: str, external_ids: Sequence[str]) -> dict[str, uuid.UUID]:
        if not external_ids:
            return {}
        stmt = select(ExternalId.external_id, ExternalId.person_id).where(
            ExternalId.tenant_id == self.tenant_id, ExternalId.source == source,
            ExternalId.external_id.in_(external_ids))
        return {ext: pid for ext, pid in (await self.s.execute(stmt)).all()}

    # ---- reporting lines
    async def lines_of(self, person_id: uuid.UUID) -> list[ReportingLine]:
        stmt = (select(ReportingLine)
                .where(ReportingLine.tenant_id == self.tenant_id, ReportingLine.person_id == person_id)
                .order_by(ReportingLine.valid_from))
        return list((await self.s.execute(stmt)).scalars())

    async def later_starts(self, after: date, limit: int = 100) -> list[date]:
        """Days after `after` on which some line of the tenant starts (where a cycle could appear)."""
        stmt = (select(ReportingLine.valid_from).distinct()
                .where(ReportingLine.tenant_id == self.tenant_id, ReportingLine.valid_from > after)
                .order_by(ReportingLine.valid_from).limit(limit))
        return list((await self.s.execute(stmt)).scalars())
