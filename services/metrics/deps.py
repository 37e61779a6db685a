"""Credentials of the metrics service and the request-scoped wiring: credential → tenant-scoped repository →
service. Integrations push with their own scopes; the read model is written with `metrics:internal`."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from common.auth import Authenticator, Principal, require
from common.db import SessionDep, utcnow
from common.errors import Forbidden
from services.metrics.cadence_repository import CadenceRepository
from services.metrics.definitions import DefinitionsService, tenant_metrics
from services.metrics.evidence import EvidenceService
from services.metrics.pending import KINDS, PendingService
from services.metrics.readmodel import ReadModelService
from services.metrics.repository import (
    DailyRepository,
    DefinitionRepository,
    EvidenceRepository,
    PendingRepository,
    QueryRepository,
    SourceAliasRepository,
)
from services.metrics.schemas import EvidenceSource
from services.metrics.series import SeriesService
from services.metrics.source_aliases import SourceAliasService
from services.metrics.visibility import Visibility


def _any_of(*scopes: str) -> Callable[[Request], Awaitable[Principal]]:
    async def dependency(request: Request) -> Principal:
        auth: Authenticator = request.app.state.auth
        principal = await auth.authenticate(request)
        if not any(principal.allows(scope) for scope in scopes):
            raise Forbidden(f"This credential needs one of the scopes: {', '.join(scopes)}.")
        return principal

    return dependency


ActivityWriter = Annotated[Principal, Depends(_any_of("activities:write", "metrics:write"))]
CompletionWriter = Annotated[Principal, Depends(_any_of("completions:write", "metrics:write"))]
Reader = Annotated[Principal, Depends(_any_of("metrics:read"))]
Writer = Annotated[Principal, Depends(require("metrics:write"))]
Internal = Annotated[Principal, Depends(require("metrics:internal"))]
Integration = Annotated[Principal, Depends(_any_of("metrics:write", "activities:write", "completions:write"))]
WRITES: dict[EvidenceSource, tuple[str, str]] = {"activities": ("activities:write", "metrics:write"),
                                                 "completions": ("completions:write", "metrics:write")}


def pushable(principal: Principal) -> list[EvidenceSource]:
    """The kinds of evidence this credential may push (and so see pending)."""
    return [k for k in KINDS if any(principal.allows(scope) for scope in WRITES[k])]


async def _read_model(principal: Internal, session: SessionDep) -> ReadModelService:
    tenant = principal.tenant_id
    return ReadModelService(EvidenceRepository(session, tenant), DefinitionRepository(session, tenant),
                            DailyRepository(session, tenant), CadenceRepository(session, tenant))


ReadModel = Annotated[ReadModelService, Depends(_read_model)]


def _definitions(principal: Principal, session: SessionDep) -> DefinitionsService:
    tenant = principal.tenant_id
    return DefinitionsService(DefinitionRepository(session, tenant), EvidenceRepository(session, tenant),
                              DailyRepository(session, tenant))


async def _definitions_reader(principal: Reader, session: SessionDep) -> DefinitionsService:
    return _definitions(principal, session)


async def _definitions_writer(principal: Writer, session: SessionDep) -> DefinitionsService:
    return _definitions(principal, session)


DefinitionsReader = Annotated[DefinitionsService, Depends(_definitions_reader)]
DefinitionsWriter = Annotated[DefinitionsService, Depends(_definitions_writer)]


async def _series(principal: Reader, session: SessionDep) -> SeriesService:
    queries = QueryRepository(session, principal.tenant_id)
    metrics = await tenant_metrics(DefinitionRepository(session, principal.tenant_id))
    return SeriesService(queries, metrics, Visibility(principal, queries, utcnow().date()))


async def _evidence(principal: Reader, session: SessionDep) -> EvidenceService:
    queries = QueryRepository(session, principal.tenant_id)
    metrics = await tenant_metrics(DefinitionRepository(session, principal.tenant_id))
    return EvidenceService(queries, metrics, Visibility(principal, queries, utcnow().date()))


Series = Annotated[SeriesService, Depends(_series)]
Evidence = Annotated[EvidenceService, Depends(_evidence)]


def _aliases(principal: Principal, session: SessionDep) -> SourceAliasService:
    tenant = principal.tenant_id
    return SourceAliasService(SourceAliasRepository(session, tenant), EvidenceRepository(session, tenant),
                              DefinitionRepository(session, tenant), DailyRepository(session, tenant))


async def _aliases_reader(principal: Integration, session: SessionDep) -> SourceAliasService:
    return _aliases(principal, session)


async def _aliases_writer(principal: Writer, session: SessionDep) -> SourceAliasService:
    return _aliases(principal, session)


async def _pending(principal: Integration, session: SessionDep) -> tuple[PendingService, list[EvidenceSource]]:
    tenant = principal.tenant_id
    return PendingService(PendingRepository(session, tenant), EvidenceRepository(session, tenant)), pushable(principal)


AliasesReader = Annotated[SourceAliasService, Depends(_aliases_reader)]
AliasesWriter = Annotated[SourceAliasService, Depends(_aliases_writer)]
Pending = Annotated[tuple[PendingService, list[EvidenceSource]], Depends(_pending)]
