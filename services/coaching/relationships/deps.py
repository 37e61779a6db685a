"""Request-scoped wiring: credential → tenant-scoped repository and caller → the area's services."""

from typing import Annotated

from fastapi import Depends

from common.db import SessionDep
from services.coaching.deps import Reader, Writer
from services.coaching.relationships.access import Caller
from services.coaching.relationships.assignments import AssignmentsService
from services.coaching.relationships.health import HealthService
from services.coaching.relationships.programmes import ProgrammesService
from services.coaching.relationships.reports import ReportsService
from services.coaching.relationships.repository import Repository


def _reading(principal: Reader, session: SessionDep) -> Caller:
    return Caller(principal, Repository(session, principal.tenant_id))


def _writing(principal: Writer, session: SessionDep) -> Caller:
    return Caller(principal, Repository(session, principal.tenant_id))


ReadCaller = Annotated[Caller, Depends(_reading)]
WriteCaller = Annotated[Caller, Depends(_writing)]


def _assignments_r(c: ReadCaller) -> AssignmentsService:
    return AssignmentsService(c.repo, c)


def _assignments_w(c: WriteCaller) -> AssignmentsService:
    return AssignmentsService(c.repo, c)


def _programmes_r(c: ReadCaller) -> ProgrammesService:
    return ProgrammesService(c.repo, c)


def _programmes_w(c: WriteCaller) -> ProgrammesService:
    return ProgrammesService(c.repo, c)


def _health(c: ReadCaller) -> HealthService:
    return HealthService(c.repo, c)


def _reports(c: ReadCaller) -> ReportsService:
    return ReportsService(c)


ReadAssignments = Annotated[AssignmentsService, Depends(_assignments_r)]
WriteAssignments = Annotated[AssignmentsService, Depends(_assignments_w)]
ReadProgrammes = Annotated[ProgrammesService, Depends(_programmes_r)]
WriteProgrammes = Annotated[ProgrammesService, Depends(_programmes_w)]
Health = Annotated[HealthService, Depends(_health)]
Reports = Annotated[ReportsService, Depends(_reports)]
