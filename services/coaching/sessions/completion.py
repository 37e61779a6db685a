"""Completing a session: the conversation's record in one request and one transaction.

Every item is checked before anything is written; any problem is a 422 listing all of them by field
(`body.actions.2.owner_id`), and nothing is recorded. The request's session dependency commits once.
"""

import uuid
from datetime import datetime, timedelta

from common.db import utcnow
from common.ids import new_id
from services.coaching import events
from services.coaching.models import Action, Gap, Observation, Session
from services.coaching.sessions.context import Context, FieldError, error, invalid
from services.coaching.sessions.gaps import ClosuresInCompletion
from services.coaching.sessions.goals import GoalsService
from services.coaching.sessions.schemas import CompletionIn, SessionOut
from services.coaching.sessions.service import SessionsService, day_of

CLOCK_SKEW = timedelta(minutes=5)


class Completion:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.repo = ctx.repo
        self.sessions = SessionsService(ctx)
        self.goals = GoalsService(ctx)
        self.closures = ClosuresInCompletion(ctx)

    async def complete(self, session_id: uuid.UUID, data: CompletionIn) -> SessionOut:
        s = await self.sessions.visible(session_id, for_update=True)
        self.ctx.vis.check_run(s, "complete")
        self.sessions.still_scheduled(s, "completed")
        now = utcnow()
        held_at = data.held_at or now
        errors = await self._check(s, data, held_at, now)
        errors += await self.closures.check(s, data.gap_closures, held_at)
        if errors:
            raise invalid(errors, f"{len(errors)} problem(s) in the completion; nothing was recorded.")
        following, observations = self._write(s, data, held_at, now)
        await self.repo.flush()
        gaps = self._gaps(s, data, now)
        self.repo.add(*gaps)
        await self.repo.flush()
        actions = self._actions(s, data, [g.id for g in gaps], now)
        self.repo.add(*actions)
        new_goals = [self.goals.add(seller_id=s.seller_id, coach_id=s.coach_id, session_id=s.id, terms=t, now=now)
                     for t in data.goals]
        self.repo.add(*(goal for goal, _ in new_goals))
        await self.repo.flush()
        self.repo.add(*(revision for _, revision in new_goals))
        await self.repo.flush()
        await events.session_changed(self.repo.s, events.SESSION_COMPLETED, s, has_agreed_action=bool(actions),
                                     observations=observations)
        await events.completion_recorded(self.repo.s, s, gaps, actions)
        await self.closures.write(s, data.gap_closures, now)
        if following is not None:
            await events.session_changed(self.repo.s, events.SESSION_SCHEDULED, following)
        return await self.sessions.out(s)

    async def _check(self, s: Session, data: CompletionIn, held_at: datetime, now: datetime) -> list[FieldError]:
        errors: list[FieldError] = []
        held_day = day_of(held_at)
        if held_at > now + CLOCK_SKEW:
            errors.append(error("held_at", "A session cannot be held in the future.", "future"))
        _, person_errors = await self.ctx.people({f"actions.{i}.owner_id": a.owner_id
                                                  for i, a in enumerate(data.actions)})
        errors += person_errors
        earlier = await self.repo.gaps_by_id([a.gap_id for a in data.actions if a.gap_id is not None])
        for i, a in enumerate(data.actions):
            if a.gap_index is not None and a.gap_index >= len(data.gaps):
                errors.append(error(f"actions.{i}.gap_index",
                                    f"There is no gap {a.gap_index} in this request ({len(data.gaps)} given).",
                                    "out_of_range"))
            if a.gap_id is not None:
                gap = earlier.get(a.gap_id)
                if gap is None or gap.seller_id != s.seller_id:
                    errors.append(error(f"actions.{i}.gap_id", f"The seller has no gap {a.gap_id}."))
            if a.due_on < held_day:
                errors.append(error(f"actions.{i}.due_on", "An action cannot be due before the session was held.",
                                    "before_session"))
        for i, g in enumerate(data.goals):
            if g.review_on < held_day:
                errors.append(error(f"goals.{i}.review_on", "A goal cannot be reviewed before the session was held.",
                                    "before_session"))
        if data.next_session is not None:
            nxt = data.next_session
            if nxt.scheduled_at <= held_at:
                errors.append(error("next_session.scheduled_at", "The next session must come after this one.",
                                    "not_after"))
            people, _ = await self.ctx.people({"coach_id": s.coach_id, "seller_id": s.seller_id})
            keys = nxt.focus_keys if nxt.focus_keys is not None else s.focus_keys
            errors += await self.ctx.coaching_link(people[s.coach_id], people[s.seller_id], keys,
                                                   day_of(nxt.scheduled_at),
                                                   seller_field="next_session.scheduled_at",
                                                   keys_field="next_session.focus_keys")
        return errors

    def _write(self, s: Session, data: CompletionIn, held_at: datetime,
               now: datetime) -> tuple[Session | None, list[Observation]]:
        """The completion's own rows; returns the next session when one is scheduled with it, and the
        observations."""
        planned = s.duration_minutes or 30
        s.status, s.held_at, s.updated_at = "completed", held_at, now
        s.version += 1
        s.duration_minutes = data.duration_minutes or planned
        s.notes, s.private_notes = data.notes, data.private_notes
        observations = [Observation(id=new_id(), tenant_id=s.tenant_id, session_id=s.id, behavior_key=o.behavior_key,
                                    level=o.level, evidence=o.evidence) for o in data.observations]
        self.repo.add(*observations)
        if data.next_session is not None:
            nxt = data.next_session
            following = self.sessions.new_session(
                coach_id=s.coach_id, seller_id=s.seller_id, programme_id=s.programme_id,
                scheduled_at=nxt.scheduled_at, duration_minutes=nxt.duration_minutes or planned,
                focus_keys=nxt.focus_keys if nxt.focus_keys is not None else s.focus_keys, scenario=None)
            self.repo.add(following)
            s.next_session_id = following.id
            return following, observations
        return None, observations

    def _gaps(self, s: Session, data: CompletionIn, now: datetime) -> list[Gap]:
        return [Gap(id=new_id(), tenant_id=s.tenant_id, session_id=s.id, seller_id=s.seller_id,
                    behavior_key=g.behavior_key, description=g.description, root_cause=g.root_cause, created_at=now)
                for g in data.gaps]

    def _actions(self, s: Session, data: CompletionIn, gap_ids: list[uuid.UUID], now: datetime) -> list[Action]:
        return [Action(id=new_id(), tenant_id=s.tenant_id, session_id=s.id, seller_id=s.seller_id,
                       coach_id=s.coach_id, owner_id=a.owner_id,
                       gap_id=gap_ids[a.gap_index] if a.gap_index is not None else a.gap_id,
                       description=a.description, due_on=a.due_on, status="open", created_at=now, updated_at=now,
                       closed_at=None, version=1)
                for a in data.actions]
