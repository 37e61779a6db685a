"""Request-scoped wiring: credential → tenant-scoped repository and the caller's visibility → the area's services."""

from typing import Annotated

from fastapi import Depends

from common.db import SessionDep
from services.coaching.deps import ReadVisibility, WriteVisibility
from services.coaching.relationships.assignments import AssignmentsService
from services.coaching.relationships.health import HealthService
from services.coaching.relationships.programmes import ProgrammesService
from services.coaching.relationships.reports import ReportsService
from services.coaching.relationships.repository import Repository


async def _assignments_r(vis: ReadVisibility, session: SessionDep) -> AssignmentsService:
    return AssignmentsService(Repository(session, vis.tenant_id), vis)


async def _assignments_w(vis: WriteVisibility, session: SessionDep) -> AssignmentsService:
    return AssignmentsService(Repository(session, vis.tenant_id), vis)


async def _programmes_r(vis: ReadVisibility, session: SessionDep) -> ProgrammesService:
    return ProgrammesService(Repository(session, vis.tenant_id), vis)


async def _programmes_w(vis: WriteVisibility, session: SessionDep) -> ProgrammesService:
    return ProgrammesService(Repository(session, vis.tenant_id), vis)


async def _health(vis: ReadVisibility, session: SessionDep) -> HealthService:
    return HealthService(Repository(session, vis.tenant_id), vis)


async def _reports(vis: ReadVisibility, session: SessionDep) -> ReportsService:
    return ReportsService(Repository(session, vis.tenant_id), vis)


ReadAssignments = Annotated[AssignmentsService, Depends(_assignments_r)]
WriteAssignments = Annotated[AssignmentsService, Depends(_assignments_w)]
ReadProgrammes = Annotated[ProgrammesService, Depends(_programmes_r)]
WriteProgrammes = Annotated[ProgrammesService, Depends(_programmes_w)]
Health = Annotated[HealthService, Depends(_health)]
Reports = Annotated[ReportsService, Depends(_reports)]
