"""Request-scoped wiring: credential → tenant-scoped repository → service."""

from typing import Annotated

from fastapi import Depends, Request

from common.auth import Principal, require
from common.db import SessionDep
from services.behaviors.repository import Repository
from services.behaviors.service import BehaviorsService
from services.behaviors.views import BehaviorViews

Reader = Annotated[Principal, Depends(require("behaviors:read"))]
Writer = Annotated[Principal, Depends(require("behaviors:write"))]


async def _reader(principal: Reader, session: SessionDep) -> BehaviorsService:
    return BehaviorsService(Repository(session, principal.tenant_id), principal.subject)


async def _writer(principal: Writer, session: SessionDep) -> BehaviorsService:
    return BehaviorsService(Repository(session, principal.tenant_id), principal.subject)


def views(request: Request, principal: Principal) -> BehaviorViews:
    """The read path for the caller's tenant, built in the handler: a dependency of its own would be one more for
    FastAPI to solve on every read."""
    return BehaviorViews(request.app.state.db, principal.tenant_id)


ReadService = Annotated[BehaviorsService, Depends(_reader)]
WriteService = Annotated[BehaviorsService, Depends(_writer)]
