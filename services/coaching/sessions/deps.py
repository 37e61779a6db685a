"""Request-scoped wiring of the sessions area: credential → tenant-scoped repository and the caller's access."""

from typing import Annotated

from fastapi import Depends

from common.db import SessionDep
from services.coaching.deps import Reader, Writer
from services.coaching.sessions.access import Access
from services.coaching.sessions.context import Context
from services.coaching.sessions.repository import Repository


def _reading(principal: Reader, session: SessionDep) -> Context:
    return Context(Repository(session, principal.tenant_id), Access(session, principal.tenant_id, principal))


def _writing(principal: Writer, session: SessionDep) -> Context:
    return Context(Repository(session, principal.tenant_id), Access(session, principal.tenant_id, principal))


Reading = Annotated[Context, Depends(_reading)]
Writing = Annotated[Context, Depends(_writing)]
