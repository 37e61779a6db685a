"""Who may see and do what with sessions, actions, goals and ratings.

Seeing (every read; lists filter in SQL, a hidden row reads as 404):
- API keys act tenant-wide within their scopes; people with the enablement or admin role see all.
- Any other person sees the rows where they are the seller or the coach (for actions also the owner),
  and the rows whose seller or coach is in their reporting tree today (`Org.team`): a manager sees
  the conversations of their people, whether held with them or by them.
- Private coach notes: only the session's own coach and those who see everything read them; a
  seller never does, a manager only on the sessions they hold themselves.

Doing (visible first, then 403 when the role in that row does not allow it):
- schedule, reschedule, complete, no-show: the session's coach (or who sees everything);
- cancel: the coach or the seller (or who sees everything);
- update an action: its owner, the session's coach or seller (or who sees everything);
- rate: the session's seller only, with their own token;
- agree to a goal: the goal's seller or coach, each for themselves;
- propose a goal or revise one: its coach (propose), its seller or coach (revise), or who sees everything;
- review a goal (record its outcome): its coach, a manager of its seller (the seller in their reporting tree
  today), or who sees everything — never the seller alone.
"""

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, false, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from common.auth import Principal
from common.db import utcnow
from services.coaching.models import Action, Goal, Session
from services.coaching.org import Org


class Access:
    def __init__(self, s: AsyncSession, tenant_id: uuid.UUID, principal: Principal) -> None:
        self.s = s
        self.tenant_id = tenant_id
        self.principal = principal
        self.everything = principal.sees_everything
        self.person_id = principal.person_id
        self._team: list[uuid.UUID] | None = None

    async def team(self) -> list[uuid.UUID]:
        """Everyone in the caller's reporting tree today (empty for API keys and people without reports)."""
        if self._team is None:
            self._team = ([] if self.person_id is None
                          else await Org(self.s, self.tenant_id).team(self.person_id, utcnow().date()))
        return self._team

    # ---- seeing: SQL filters, None meaning "no filter"
    async def _clause(self, personal: Sequence[InstrumentedAttribute[uuid.UUID]],
                      tree: Sequence[InstrumentedAttribute[uuid.UUID]]) -> ColumnElement[bool] | None:
        if self.everything:
            return None
        if self.person_id is None:
            return false()
        me = self.person_id
        terms: list[ColumnElement[bool]] = [col == me for col in personal]
        team = await self.team()
        if team:
            terms += [col.in_(team) for col in tree]
        return or_(*terms)

    async def sessions(self) -> ColumnElement[bool] | None:
        return await self._clause([Session.seller_id, Session.coach_id], [Session.seller_id, Session.coach_id])

    async def actions(self) -> ColumnElement[bool] | None:
        return await self._clause([Action.seller_id, Action.coach_id, Action.owner_id],
                                  [Action.seller_id, Action.coach_id])

    async def goals(self) -> ColumnElement[bool] | None:
        return await self._clause([Goal.seller_id, Goal.coach_id], [Goal.seller_id, Goal.coach_id])

    def reads_private_notes(self, session: Session) -> bool:
        return self.everything or session.coach_id == self.person_id

    # ---- doing
    def is_person(self, person_id: uuid.UUID) -> bool:
        return self.person_id is not None and self.person_id == person_id

    def manages(self, session: Session) -> bool:
        return self.everything or self.is_person(session.coach_id)

    def may_cancel(self, session: Session) -> bool:
        return self.manages(session) or self.is_person(session.seller_id)

    def may_update_action(self, action: Action) -> bool:
        return self.everything or any(self.is_person(p) for p in (action.owner_id, action.coach_id, action.seller_id))

    async def may_review(self, goal: Goal) -> bool:
        return self.everything or self.is_person(goal.coach_id) or goal.seller_id in await self.team()

    def party_of(self, goal: Goal) -> str | None:
        """The side of the goal the calling person is on, if any."""
        if self.is_person(goal.seller_id):
            return "seller"
        if self.is_person(goal.coach_id):
            return "coach"
        return None
