"""Request-scoped wiring of the sessions area: credential → tenant-scoped repository and the caller's visibility."""

from typing import Annotated

from fastapi import Depends

from common.db import SessionDep
from services.coaching.deps import ReadVisibility, WriteVisibility
from services.coaching.sessions.context import Context
from services.coaching.sessions.repository import Repository


async def _reading(vis: ReadVisibility, session: SessionDep) -> Context:
    return Context(Repository(session, vis.tenant_id), vis)


async def _writing(vis: WriteVisibility, session: SessionDep) -> Context:
    return Context(Repository(session, vis.tenant_id), vis)


Reading = Annotated[Context, Depends(_reading)]
Writing = Annotated[Context, Depends(_writing)]
