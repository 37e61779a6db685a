"""A read-model write that loses a race: another transaction stored the same entity after this one read
what was stored. The stale read is injected (the only fake); the database does the rest."""

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from services.metrics import readmodel
from services.metrics.cadence_repository import CadenceRepository
from services.metrics.models import Person, PersonExternalId
from services.metrics.readmodel import ReadModelService
from services.metrics.repository import DailyRepository, DefinitionRepository, EvidenceRepository


def person(pid: uuid.UUID, version: int, name: str, crm: str) -> dict[str, Any]:
    return {"id": str(pid), "version": version, "name": name, "roles": ["seller"], "external_ids": {"crm": crm}}


async def _upsert(db: Any, tenant: uuid.UUID, items: list[dict[str, Any]], *, stale: bool = False) -> Any:
    async with db.sessions() as s:
        repo = EvidenceRepository(s, tenant)
        if stale:  # what was stored when this transaction looked: nothing yet
            async def nothing(table: Any, ids: Any) -> dict[uuid.UUID, int]:
                repo.versions = real  # type: ignore[method-assign]
                return {}
            real = repo.versions
            repo.versions = nothing  # type: ignore[method-assign]
        out = await ReadModelService(repo, DefinitionRepository(s, tenant), DailyRepository(s, tenant),
                                     CadenceRepository(s, tenant)).upsert(
            readmodel.PEOPLE, items)
        await s.commit()
        return out


@pytest.mark.parametrize(("late_version", "status", "name", "crm"), [(1, "unchanged", "Newer", "B"),
                                                                      (3, "updated", "Latest", "C")])
async def test_a_write_that_lost_the_race(stack, late_version, status, name, crm):
    db = stack.local.services["metrics"].state.db
    tenant, pid = uuid.uuid4(), uuid.uuid4()
    assert (await _upsert(db, tenant, [person(pid, 2, "Newer", "B")])).created == 1
    out = await _upsert(db, tenant, [person(pid, late_version, "Latest" if late_version == 3 else "Older",
                                            "C" if late_version == 3 else "A")], stale=True)
    assert [i.status for i in out.items] == [status]
    async with db.sessions() as s:
        stored = (await s.execute(select(Person).where(Person.tenant_id == tenant))).scalar_one()
        ids = (await s.execute(select(PersonExternalId.external_id).where(
            PersonExternalId.tenant_id == tenant))).scalars().all()
    assert (stored.name, stored.version, list(ids)) == (name, max(2, late_version), [crm])
