"""REST handlers of the directory: people, ids elsewhere, reporting lines as of any day."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import Depends, Path, Query, Response
from starlette.convertors import StringConvertor, register_url_convertor

from common.db import SessionDep, utcnow
from common.pagination import Page, PageParams, page_params
from common.routing import service_router
from common.validation import Day
from services.coaching.deps import ReadVisibility, WriteVisibility
from services.coaching.directory.repository import DirectoryRepository
from services.coaching.directory.schemas import (
    BulkResult,
    BulkUpsert,
    ExternalIdIn,
    ManagerChange,
    ManagerOut,
    MatchOut,
    PersonIn,
    PersonOut,
    PersonPatch,
    ReportingLineOut,
    Role,
    TreeEntry,
)
from services.coaching.directory.service import DirectoryService

router = service_router("/v1", tags=["directory"])
Paging = Annotated[PageParams, Depends(page_params)]
Ids = Annotated[list[uuid.UUID], Query(min_length=1, max_length=200)]
SourcePath = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]
AsOf = Annotated[Day | None, Query(description="the day to answer for; today when left out")]


class _PersonId(StringConvertor):
    """`/people/bulk` and `/people/by-external-id` are not person ids: another method on them is a 405 (with
    `Allow`), not a 422 from the `/people/{person_id}` routes; a malformed id stays a 422."""

    regex = r"(?!(?:bulk|by-external-id)$)[^/]+"


register_url_convertor("person_id", _PersonId())


async def _reader(vis: ReadVisibility, session: SessionDep) -> DirectoryService:
    return DirectoryService(DirectoryRepository(session, vis.tenant_id), vis)


async def _writer(vis: WriteVisibility, session: SessionDep) -> DirectoryService:
    return DirectoryService(DirectoryRepository(session, vis.tenant_id), vis)


ReadService = Annotated[DirectoryService, Depends(_reader)]
WriteService = Annotated[DirectoryService, Depends(_writer)]


def _day(as_of: date | None) -> date:
    return as_of or utcnow().date()


@router.post("/people", status_code=201)
async def create_person(body: PersonIn, svc: WriteService, response: Response) -> PersonOut:
    out = await svc.create(body)
    response.headers["Location"] = f"/v1/people/{out.id}"
    return out


@router.get("/people")
async def list_people(svc: ReadService, paging: Paging,
                      ids: Annotated[list[uuid.UUID] | None, Query(max_length=200)] = None,
                      role: Role | None = None, active: bool | None = None,
                      q: Annotated[str | None, Query(max_length=100)] = None) -> Page[PersonOut]:
    return await svc.list_people(ids=ids, role=role, active=active, q=q, page=paging)


@router.get("/people/by-external-id")
async def people_by_external_id(
    svc: ReadService, source: Annotated[str, Query(pattern=r"^[a-z][a-z0-9_-]{0,31}$")],
    external_ids: Annotated[list[str], Query(min_length=1, max_length=200)],
) -> list[MatchOut]:
    """People known by ids of another system (`source=crm`, `lms`, `hris` …; `source=email` matches emails)."""
    return await svc.by_external(source, external_ids)


@router.post("/people/bulk")
async def bulk_upsert(body: BulkUpsert, svc: WriteService) -> BulkResult:
    """Up to 1,000 people keyed by their id in `source`; idempotent; each item reported."""
    return await svc.bulk_upsert(body)


@router.get("/people/{person_id:person_id}")
async def get_person(person_id: uuid.UUID, svc: ReadService) -> PersonOut:
    return await svc.get(person_id)


@router.patch("/people/{person_id:person_id}")
async def update_person(person_id: uuid.UUID, body: PersonPatch, svc: WriteService) -> PersonOut:
    return await svc.update(person_id, body)


@router.put("/people/{person_id}/external-ids/{source}")
async def set_external_id(person_id: uuid.UUID, source: SourcePath, body: ExternalIdIn,
                          svc: WriteService) -> PersonOut:
    return await svc.set_external_id(person_id, source, body.external_id)


@router.delete("/people/{person_id}/external-ids/{source}", status_code=204)
async def remove_external_id(person_id: uuid.UUID, source: SourcePath, svc: WriteService) -> None:
    await svc.remove_external_id(person_id, source)


@router.put("/people/{person_id}/manager")
async def set_manager(person_id: uuid.UUID, body: ManagerChange, svc: WriteService) -> ManagerOut:
    """From `effective` on, report to `manager_id` (null: to nobody). Closes the line in force then;
    never rewrites earlier history; refuses cycles."""
    return await svc.set_manager(person_id, body)


@router.get("/people/{person_id}/manager")
async def get_manager(person_id: uuid.UUID, svc: ReadService, as_of: AsOf = None) -> ManagerOut:
    return await svc.manager(person_id, _day(as_of))


@router.get("/people/{person_id}/reports")
async def get_reports(person_id: uuid.UUID, svc: ReadService, as_of: AsOf = None) -> list[TreeEntry]:
    await svc.get(person_id)
    return await svc.reports([person_id], _day(as_of))


@router.get("/people/{person_id}/tree")
async def get_tree(person_id: uuid.UUID, svc: ReadService, as_of: AsOf = None) -> list[TreeEntry]:
    return await svc.tree(person_id, _day(as_of))


@router.get("/people/{person_id}/reporting-lines")
async def reporting_history(person_id: uuid.UUID, svc: ReadService) -> list[ReportingLineOut]:
    return await svc.history(person_id)


@router.get("/managers")
async def managers_of(svc: ReadService, person_ids: Ids, as_of: AsOf = None) -> list[ManagerOut]:
    """Batch: each person's manager on a day (for the gateway's loaders)."""
    return await svc.managers(person_ids, _day(as_of))


@router.get("/reports")
async def reports_of(svc: ReadService, manager_ids: Ids, as_of: AsOf = None) -> list[TreeEntry]:
    """Batch: each manager's direct reports on a day."""
    return await svc.reports(manager_ids, _day(as_of))
