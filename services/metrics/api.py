"""REST handlers of the metrics service: thin, the rules live in the modules they call."""

from fastapi import APIRouter

from common.db import SessionDep
from services.metrics import readmodel
from services.metrics.deps import ActivityWriter, CompletionWriter, ReadModel
from services.metrics.ingest import ACTIVITIES, COMPLETIONS, ingest
from services.metrics.schemas import Batch, BatchResult, InternalBatch, UpsertResult

router = APIRouter(prefix="/v1")


@router.post("/activities", tags=["ingest"])
async def push_activities(body: Batch, principal: ActivityWriter, session: SessionDep) -> BatchResult:
    """Up to 5,000 CRM activities; each item's outcome is reported (created, updated, duplicate,
    conflict, rejected). Honours `Idempotency-Key`."""
    return await ingest(session, principal.tenant_id, ACTIVITIES, body.items)


@router.post("/completions", tags=["ingest"])
async def push_completions(body: Batch, principal: CompletionWriter, session: SessionDep) -> BatchResult:
    """Up to 5,000 LMS completions, reported per item like activities."""
    return await ingest(session, principal.tenant_id, COMPLETIONS, body.items)


# ---- read model: internal, written by the other services' events (scope metrics:internal) ------------

@router.put("/internal/people", tags=["internal"])
async def put_people(body: InternalBatch, svc: ReadModel) -> UpsertResult:
    """Up to 1,000 people with their full set of external ids; ordered by each item's `version`."""
    return await svc.upsert(readmodel.PEOPLE, body.items)


@router.put("/internal/reporting-lines", tags=["internal"])
async def put_reporting_lines(body: InternalBatch, svc: ReadModel) -> UpsertResult:
    return await svc.upsert(readmodel.REPORTING_LINES, body.items)


@router.put("/internal/behaviors", tags=["internal"])
async def put_behaviors(body: InternalBatch, svc: ReadModel) -> UpsertResult:
    """Behaviours with their full set of indicators (replaced with the behaviour)."""
    return await svc.upsert(readmodel.BEHAVIORS, body.items)


@router.put("/internal/sessions", tags=["internal"])
async def put_sessions(body: InternalBatch, svc: ReadModel) -> UpsertResult:
    return await svc.upsert(readmodel.SESSIONS, body.items)


@router.put("/internal/programme-participants", tags=["internal"])
async def put_participants(body: InternalBatch, svc: ReadModel) -> UpsertResult:
    return await svc.upsert(readmodel.PARTICIPANTS, body.items)
