"""Agreed actions: status open | done | dropped, and who is behind.

An action is overdue when it is open and its due date is before today (UTC). Done and dropped set
`closed_at`; reopening (back to open) is allowed and clears it. Description and due date change only
while open. The owner, the session's coach and its seller may update an action (or who sees everything).
"""

import uuid
from collections.abc import Sequence

from common.db import utcnow
from common.errors import Conflict, NotFound
from common.pagination import Page, PageParams, build_page
from services.coaching import events
from services.coaching.models import Action
from services.coaching.org import Org
from services.coaching.sessions.context import Context, error, invalid
from services.coaching.sessions.render import action_out
from services.coaching.sessions.schemas import ActionOut, ActionUpdate


class ActionsService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.repo = ctx.repo
        self.vis = ctx.vis

    async def _visible(self, action_id: uuid.UUID, *, for_update: bool = False) -> Action:
        action = await self.repo.action(action_id, await self.vis.actions(), for_update=for_update)
        if action is None:
            raise NotFound(f"Action {action_id} does not exist.")
        return action

    async def get(self, action_id: uuid.UUID) -> ActionOut:
        return action_out(await self._visible(action_id), utcnow().date())

    async def find(self, *, ids: Sequence[uuid.UUID] | None, seller_ids: Sequence[uuid.UUID] | None,
                   coach_ids: Sequence[uuid.UUID] | None, owner_ids: Sequence[uuid.UUID] | None,
                   team_of: uuid.UUID | None, session_id: uuid.UUID | None, status: str | None,
                   overdue: bool | None, page: PageParams) -> Page[ActionOut]:
        today = utcnow().date()
        team = None if team_of is None else await Org(self.repo.s, self.repo.tenant_id).team(team_of, today)
        rows = await self.repo.actions(await self.vis.actions(), ids=ids, seller_ids=seller_ids,
                                       coach_ids=coach_ids, owner_ids=owner_ids, team=team, session_id=session_id,
                                       status=status, overdue=overdue, today=today, after=page.after,
                                       limit=page.limit)
        return build_page([action_out(a, today) for a in rows], page.limit, lambda a: a.id)

    async def update(self, action_id: uuid.UUID, patch: ActionUpdate) -> ActionOut:
        action = await self._visible(action_id, for_update=True)
        self.vis.check_update_action(action)
        changes = patch.model_dump(exclude_unset=True)
        nulls = [error(f, f"{f} cannot be null", "not_null") for f, v in changes.items() if v is None]
        if nulls:
            raise invalid(nulls)
        now = utcnow()
        edits = {f: v for f, v in changes.items() if f != "status" and getattr(action, f) != v}
        if edits and action.status != "open" and changes.get("status") != "open":
            raise Conflict(f"The action is {action.status}; reopen it before changing its description or due date.")
        for field, value in edits.items():
            setattr(action, field, value)
        status = changes.get("status", action.status)
        changed = status != action.status
        if changed:
            action.status = status
            action.closed_at = None if status == "open" else now
        if edits or "status" in changes:
            action.updated_at = now
        if edits or changed:
            action.version += 1
            await events.action_updated(self.repo.s, action)
        await self.repo.flush()
        return action_out(action, now.date())
