"""Sessions: schedule, reschedule, cancel, no-show, and reading them. Completion is in `completion.py`.

States: scheduled → completed | cancelled | no_show; nothing leaves those three (409).
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

from common.db import utcnow
from common.errors import Conflict, NotFound
from common.ids import new_id
from common.pagination import Page, PageParams, encode_cursor
from services.coaching import events
from services.coaching.models import Person, Session
from services.coaching.sessions.context import Context, FieldError, error, invalid
from services.coaching.sessions.render import sessions_out
from services.coaching.sessions.schemas import CancelIn, ScenarioRef, SessionCreate, SessionOut, SessionUpdate


def day_of(at: datetime) -> date:
    return at.astimezone(UTC).date()


def state_name(status: str) -> str:
    return {"no_show": "a no-show"}.get(status, status)


def scenario_errors(scenario: ScenarioRef | None, focus_keys: Sequence[str], field: str) -> list[FieldError]:
    if scenario is not None and scenario.behavior_key not in focus_keys:
        return [error(f"{field}.behavior_key",
                      f"The scenario's behaviour '{scenario.behavior_key}' must be one of the focus keys.",
                      "not_in_focus")]
    return []


class SessionsService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.repo = ctx.repo
        self.vis = ctx.vis
        self.tenant_id = ctx.repo.tenant_id

    # ---- reading ------------------------------------------------------------------------------
    async def visible(self, session_id: uuid.UUID, *, for_update: bool = False) -> Session:
        """The session if the caller may see it; 404 otherwise (hidden reads like missing)."""
        s = await self.repo.session(session_id, await self.vis.sessions(), for_update=for_update)
        if s is None:
            raise NotFound(f"Session {session_id} does not exist.")
        return s

    async def out(self, s: Session) -> SessionOut:
        return (await sessions_out(self.repo, self.vis, [s], utcnow().date()))[0]

    async def get(self, session_id: uuid.UUID) -> SessionOut:
        return await self.out(await self.visible(session_id))

    async def find(self, *, ids: Sequence[uuid.UUID] | None, seller_ids: Sequence[uuid.UUID] | None,
                   coach_ids: Sequence[uuid.UUID] | None, programme_id: uuid.UUID | None, status: str | None,
                   scheduled_from: datetime | None, scheduled_to: datetime | None,
                   page: PageParams) -> Page[SessionOut]:
        rows = await self.repo.sessions(await self.vis.sessions(), ids=ids, seller_ids=seller_ids,
                                        coach_ids=coach_ids, programme_id=programme_id, status=status,
                                        scheduled_from=scheduled_from, scheduled_to=scheduled_to,
                                        after=page.after, limit=page.limit)
        shown = rows[:page.limit]
        items = await sessions_out(self.repo, self.vis, shown, utcnow().date())
        cursor = encode_cursor(shown[-1].id) if len(rows) > page.limit else None
        return Page[SessionOut](items=items, next_cursor=cursor)

    # ---- scheduling ---------------------------------------------------------------------------
    async def _parties(self, coach_id: uuid.UUID, seller_id: uuid.UUID,
                       programme_id: uuid.UUID | None) -> tuple[Person, Person]:
        people, errors = await self.ctx.people({"coach_id": coach_id, "seller_id": seller_id})
        if coach_id == seller_id:
            errors.append(error("seller_id", "A person cannot coach themselves.", "self"))
        if programme_id is not None:
            if await self.repo.programme(programme_id) is None:
                errors.append(error("programme_id", f"Programme {programme_id} does not exist."))
            elif not errors and not await self.repo.in_programme(programme_id, coach_id, seller_id):
                errors.append(error("programme_id", "The coach and the seller are not a pair of this programme.",
                                    "not_in_programme"))
        if errors:
            raise invalid(errors)
        return people[coach_id], people[seller_id]

    async def schedule(self, data: SessionCreate) -> SessionOut:
        self.vis.check_schedule(data.coach_id)
        coach, seller = await self._parties(data.coach_id, data.seller_id, data.programme_id)
        errors = scenario_errors(data.scenario, data.focus_keys, "scenario")
        errors += await self.ctx.coaching_link(coach, seller, data.focus_keys, day_of(data.scheduled_at),
                                               seller_field="seller_id", keys_field="focus_keys")
        if errors:
            raise invalid(errors)
        s = self.new_session(coach_id=coach.id, seller_id=seller.id, programme_id=data.programme_id,
                             scheduled_at=data.scheduled_at, duration_minutes=data.duration_minutes,
                             focus_keys=data.focus_keys, scenario=data.scenario)
        self.repo.add(s)
        await self.repo.flush()
        await events.session_changed(self.repo.s, events.SESSION_SCHEDULED, s)
        return await self.out(s)

    def new_session(self, *, coach_id: uuid.UUID, seller_id: uuid.UUID, programme_id: uuid.UUID | None,
                    scheduled_at: datetime, duration_minutes: int, focus_keys: list[str],
                    scenario: ScenarioRef | None) -> Session:
        now = utcnow()
        return Session(id=new_id(), tenant_id=self.tenant_id, coach_id=coach_id, seller_id=seller_id,
                       programme_id=programme_id, status="scheduled", scheduled_at=scheduled_at, held_at=None,
                       duration_minutes=duration_minutes, focus_keys=list(focus_keys),
                       scenario_behavior_key=scenario.behavior_key if scenario else None,
                       scenario_id=scenario.scenario_id if scenario else None, notes="", private_notes="",
                       cancel_reason=None, next_session_id=None, version=1, created_at=now, updated_at=now)

    async def managed(self, session_id: uuid.UUID, verb: str, done: str) -> Session:
        """A visible session the caller may run (its coach, or who sees everything), still scheduled."""
        s = await self.visible(session_id, for_update=True)
        self.vis.check_run(s, verb)
        self.still_scheduled(s, done)
        return s

    @staticmethod
    def still_scheduled(s: Session, done: str) -> None:
        if s.status != "scheduled":
            raise Conflict(f"The session is {state_name(s.status)}; only a scheduled session can be {done}.")

    async def update(self, session_id: uuid.UUID, patch: SessionUpdate) -> SessionOut:
        s = await self.managed(session_id, "reschedule", "rescheduled")
        changes = patch.model_dump(exclude_unset=True)
        errors = [error(f, f"{f} cannot be null", "not_null")
                  for f in ("scheduled_at", "duration_minutes", "focus_keys") if f in changes and changes[f] is None]
        if errors:
            raise invalid(errors)
        scheduled_at = patch.scheduled_at or s.scheduled_at
        focus_keys = patch.focus_keys if patch.focus_keys is not None else s.focus_keys
        if "scenario" in changes:
            scenario = patch.scenario
        elif s.scenario_behavior_key and s.scenario_id:
            scenario = ScenarioRef(behavior_key=s.scenario_behavior_key, scenario_id=s.scenario_id)
        else:
            scenario = None
        errors = scenario_errors(scenario, focus_keys, "scenario")
        if "scheduled_at" in changes or "focus_keys" in changes:
            people, _ = await self.ctx.people({"coach_id": s.coach_id, "seller_id": s.seller_id})
            errors += await self.ctx.coaching_link(people[s.coach_id], people[s.seller_id], focus_keys,
                                                   day_of(scheduled_at), seller_field="scheduled_at",
                                                   keys_field="focus_keys")
        if errors:
            raise invalid(errors)
        s.scheduled_at, s.focus_keys = scheduled_at, list(focus_keys)
        if patch.duration_minutes is not None:
            s.duration_minutes = patch.duration_minutes
        s.scenario_behavior_key = scenario.behavior_key if scenario else None
        s.scenario_id = scenario.scenario_id if scenario else None
        s.updated_at = utcnow()
        s.version += 1
        await self.repo.flush()
        await events.session_changed(self.repo.s, events.SESSION_RESCHEDULED, s)
        return await self.out(s)

    async def cancel(self, session_id: uuid.UUID, data: CancelIn) -> SessionOut:
        s = await self.visible(session_id, for_update=True)
        self.vis.check_cancel(s)
        self.still_scheduled(s, "cancelled")
        s.status, s.cancel_reason, s.updated_at = "cancelled", data.reason, utcnow()
        s.version += 1
        await self.repo.flush()
        await events.session_changed(self.repo.s, events.SESSION_CANCELLED, s)
        return await self.out(s)

    async def no_show(self, session_id: uuid.UUID) -> SessionOut:
        s = await self.managed(session_id, "mark as a no-show", "marked a no-show")
        now = utcnow()
        if s.scheduled_at > now:
            raise Conflict("The session has not started yet; it can be a no-show only once its time has come.")
        s.status, s.updated_at = "no_show", now
        s.version += 1
        await self.repo.flush()
        await events.session_changed(self.repo.s, events.SESSION_NO_SHOW, s)
        return await self.out(s)
