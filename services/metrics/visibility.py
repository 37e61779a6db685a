"""Whose figures a caller may read.

API keys (with metrics:read) and people with the admin or enablement role: everyone in the tenant. Any other
person: themself, and — with the manager or leader role — everyone in their reporting tree today, from the
read model. A team roll-up may be asked for anyone the caller may see (its members today are within the
caller's tree; members it had in earlier periods are counted in the team's totals, not shown one by one).
"""

import uuid
from collections.abc import Iterable
from datetime import date

from common.auth import Principal
from common.errors import Forbidden
from services.metrics.org import Org
from services.metrics.repository import QueryRepository

MANAGING_ROLES = ("manager", "leader")


class Visibility:
    def __init__(self, principal: Principal, queries: QueryRepository, today: date) -> None:
        self.principal = principal
        self.queries = queries
        self.today = today
        self._seen: frozenset[uuid.UUID] | None = None

    async def _visible(self) -> frozenset[uuid.UUID]:
        if self._seen is None:
            me = self.principal.person_id
            assert me is not None
            team: frozenset[uuid.UUID] = frozenset()
            if self.principal.has_role(*MANAGING_ROLES):
                team = Org(await self.queries.subtree_lines(me, self.today, self.today)).team(me, self.today)
            self._seen = team | {me}
        return self._seen

    async def visible(self, people: Iterable[uuid.UUID]) -> list[uuid.UUID]:
        """The ones the caller may see, in the order given (for batches, which leave the others out)."""
        if self.principal.sees_everything:
            return list(people)
        seen = await self._visible()
        return [p for p in people if p in seen]

    async def check(self, people: Iterable[uuid.UUID]) -> None:
        if self.principal.sees_everything:
            return
        hidden = [p for p in people if p not in await self._visible()]
        if hidden:
            raise Forbidden(f"You may see your own figures and, as a manager or leader, those of your reporting "
                            f"tree; not those of {', '.join(str(p) for p in hidden[:5])}.")
