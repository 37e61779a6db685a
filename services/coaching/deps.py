"""Request-scoped wiring shared by the coaching areas: the caller, and what they may see and do."""

from typing import Annotated

from fastapi import Depends

from common.auth import Principal, require
from common.db import SessionDep
from services.coaching.visibility import Visibility

Reader = Annotated[Principal, Depends(require("coaching:read"))]
Writer = Annotated[Principal, Depends(require("coaching:write"))]


async def _reading(principal: Reader, session: SessionDep) -> Visibility:
    return Visibility(principal, session)


async def _writing(principal: Writer, session: SessionDep) -> Visibility:
    return Visibility(principal, session)


ReadVisibility = Annotated[Visibility, Depends(_reading)]
WriteVisibility = Annotated[Visibility, Depends(_writing)]
