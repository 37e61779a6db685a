"""REST handlers of the metrics service."""

from fastapi import APIRouter

from common.db import SessionDep
from services.metrics.deps import ActivityWriter, CompletionWriter
from services.metrics.ingest import ACTIVITIES, COMPLETIONS, ingest
from services.metrics.schemas import Batch, BatchResult

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
