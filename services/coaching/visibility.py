"""Who may see and do what in the coaching service — decided here only; every handler asks this module.

Callers. Every credential is checked at the door first (`require`: `coaching:read` for reads, `coaching:write`
for writes, `webhooks:read` / `webhooks:write` for webhook subscriptions). Then:
- "who sees everything": API keys (integrations, tenant-wide within their scopes) and people with the admin or
  enablement role;
- any other person (seller, manager, leader). Their reporting tree is everyone under them today (`Org.team`,
  read at most once per request, whatever their role); their role matters only where a rule says so.
Everything is within the caller's tenant; nothing of another tenant is ever seen.

Directory (people, external ids, reporting lines, managers, reports, trees):
- read: every caller (who reports to whom is organisational information);
- write (create, change, external ids, set a manager, bulk upsert): who sees everything; everyone else 403.

Coach assignments and who coaches whom, programmes and their pairs:
- read: every caller (who coaches whom is organisational information, like the directory);
- create or end an assignment: who sees everything, or a person with its seller in their tree today;
- create a programme: who sees everything, or a manager or leader, who owns what they create (owner_id is
  them or left out);
- change or delete a programme, add or remove its pairs: who sees everything, or its owner;
- coaching links: unless the caller sees everything, a pair added to a programme must be one the coach coaches
  on the programme's behaviours (422), and changed behaviours must still be coached by every current pair (409).

Programme health (one, or a batch): who sees everything, the owner, a coach of one of its pairs, or a person with
one of its participants in their tree today; everyone else 403 (a batch leaves those programmes out). A seller
does not read the health of a programme they take part in.

Activity reports: who sees everything, for the tenant or any manager's tree; a manager or leader for their own
tree (the team under themselves, or under someone in their tree today); everyone else 403.

Sessions, actions, goals and ratings — seeing (every read; lists filter in SQL, a hidden row reads as 404):
- who sees everything sees all of them;
- any other person sees the rows where they are the seller or the coach (for actions also the owner), and the
  rows whose seller or coach is in their tree today: a manager sees the conversations of their people, whether
  held with them or by them. A coach assigned to a seller sees the sessions they hold, not the seller's others;
- private coach notes: only the session's own coach and who sees everything read them; a seller never does, a
  manager only on the sessions they hold themselves.
Sessions, actions, goals and ratings — doing (visible first, then 403 when the caller's part does not allow it):
- schedule: as its coach (or who sees everything, naming any coach); unless the caller sees everything the coach
  must coach the seller on the focus behaviours on that day (422), also on rescheduling and a next session;
- reschedule, complete, no-show: the session's coach (or who sees everything);
- cancel: the coach or the seller (or who sees everything);
- update an action: its owner, the session's coach or seller (or who sees everything);
- rate: the session's seller only, with their own sign-in (an API key cannot speak for them);
- propose a goal: as its coach (or who sees everything, naming the coach); the coach must coach the seller today
  unless the caller sees everything (422);
- agree to a goal: its seller or coach, each for themselves (nobody else, not even who sees everything);
- revise a goal: its seller or coach (their agreement comes with it), or who sees everything;
- review a goal (record the outcome of its agreed terms): its coach, a manager of its seller (the seller in their
  reporting tree today), or who sees everything — never the seller alone.

Webhook subscriptions: the tenant's, for credentials with the `webhooks:*` scopes (admins, keys given them);
no rule beyond the scope.
"""

import uuid
from collections.abc import Sequence
from typing import Literal

from sqlalchemy import ColumnElement, false, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from common.auth import Principal
from common.db import utcnow
from common.errors import Forbidden
from services.coaching.models import Action, Goal, Programme, ProgrammePair, Session
from services.coaching.org import Org

MANAGING_ROLES = ("manager", "leader")
Party = Literal["seller", "coach"]


class Visibility:
    """One caller's rights for one request (see the module's docstring for the rules)."""

    def __init__(self, principal: Principal, session: AsyncSession) -> None:
        self.principal = principal
        self.tenant_id = principal.tenant_id
        self.org = Org(session, principal.tenant_id)
        self.everything = principal.sees_everything
        self.person_id = principal.person_id
        self._team: frozenset[uuid.UUID] | None = None

    # ---- the caller ---------------------------------------------------------------------------
    def is_person(self, person_id: uuid.UUID | None) -> bool:
        return self.person_id is not None and person_id == self.person_id

    async def team(self) -> frozenset[uuid.UUID]:
        """Everyone in the caller's reporting tree today (empty for API keys and people without reports);
        one tree query per request, however many rows are checked."""
        if self._team is None:
            self._team = (frozenset() if self.person_id is None
                          else frozenset(await self.org.team(self.person_id, utcnow().date())))
        return self._team

    async def manages_any(self, person_ids: Sequence[uuid.UUID]) -> bool:
        """The caller has one of these people in their reporting tree today."""
        if self.person_id is None or not person_ids:
            return False
        team = await self.team()
        return any(p in team for p in person_ids)

    @property
    def needs_coaching_links(self) -> bool:
        """Whether the caller's writes must respect who coaches whom (everyone but who sees everything)."""
        return not self.everything

    # ---- directory ----------------------------------------------------------------------------
    def check_directory_write(self) -> None:
        if not self.everything:
            raise Forbidden("Only admins, enablement and integration keys change the directory.")

    # ---- coach assignments and programmes -----------------------------------------------------
    async def check_assign(self, seller_id: uuid.UUID) -> None:
        if self.everything or await self.manages_any([seller_id]):
            return
        raise Forbidden("Only the seller's managers (as of today), enablement or admin may change their coaches.")

    def check_create_programme(self, owner_id: uuid.UUID | None) -> None:
        if self.everything:
            return
        if not self.principal.has_role(*MANAGING_ROLES):
            raise Forbidden("Only managers, leaders, enablement or admin may create programmes.")
        if not self.is_person(owner_id):
            raise Forbidden("A programme you create is yours: owner_id must be you.")

    def check_own(self, programme: Programme) -> None:
        if self.everything or self.is_person(programme.owner_id):
            return
        raise Forbidden("Only the programme's owner, enablement or admin may change it.")

    async def sees_health(self, programme: Programme, pairs: Sequence[ProgrammePair]) -> bool:
        if self.everything or self.is_person(programme.owner_id):
            return True
        if any(self.is_person(p.coach_id) for p in pairs):
            return True
        return await self.manages_any([p.seller_id for p in pairs])

    async def check_health(self, programme: Programme, pairs: Sequence[ProgrammePair]) -> None:
        if not await self.sees_health(programme, pairs):
            raise Forbidden("Programme health is for its owner, its coaches, its participants' managers, "
                            "enablement and admin.")

    async def report_root(self, manager_id: uuid.UUID | None) -> uuid.UUID | None:
        """The manager whose tree an activity report covers (None: the whole tenant), or 403."""
        if self.everything:
            return manager_id
        if self.person_id is None or not self.principal.has_role(*MANAGING_ROLES):
            raise Forbidden("Coaching activity reports are for managers (their own tree), enablement and admin.")
        if manager_id is None or manager_id == self.person_id:
            return self.person_id
        if await self.manages_any([manager_id]):
            return manager_id
        raise Forbidden("A manager sees the coaching activity of their own reporting tree only.")

    # ---- sessions, actions, goals: seeing (SQL filters, None meaning "no filter") --------------
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
            members = sorted(team)
            terms += [col.in_(members) for col in tree]
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

    # ---- sessions, actions, goals: doing ------------------------------------------------------
    def check_schedule(self, coach_id: uuid.UUID) -> None:
        if not self.everything and not self.is_person(coach_id):
            raise Forbidden("A person may schedule a session only as its coach.")

    def check_run(self, session: Session, verb: str) -> None:
        """Reschedule, complete, mark a no-show: the session's coach (or who sees everything)."""
        if not (self.everything or self.is_person(session.coach_id)):
            raise Forbidden(f"Only the session's coach may {verb} it.")

    def check_cancel(self, session: Session) -> None:
        if not (self.everything or self.is_person(session.coach_id) or self.is_person(session.seller_id)):
            raise Forbidden("Only the session's coach or seller may cancel it.")

    def check_update_action(self, action: Action) -> None:
        if not (self.everything or any(self.is_person(p) for p in (action.owner_id, action.coach_id,
                                                                   action.seller_id))):
            raise Forbidden("Only the action's owner, the session's coach or its seller may update it.")

    def check_rate(self, session: Session) -> None:
        if not self.is_person(session.seller_id):
            raise Forbidden("Only the session's seller may rate it, with their own sign-in.")

    def check_propose_goal(self, coach_id: uuid.UUID | None) -> None:
        """`coach_id` as named in the request (None: the caller)."""
        if not self.everything and coach_id not in (None, self.person_id):
            raise Forbidden("A person may propose a goal only as its coach.")

    def party_of(self, goal: Goal) -> Party | None:
        """The side of the goal the calling person is on, if any."""
        if self.is_person(goal.seller_id):
            return "seller"
        if self.is_person(goal.coach_id):
            return "coach"
        return None

    def check_agree(self, goal: Goal) -> Party:
        party = self.party_of(goal)
        if party is None:
            raise Forbidden("Only the goal's seller or coach can agree to it, each for themselves.")
        return party

    async def check_review(self, goal: Goal) -> None:
        if not (self.everything or self.is_person(goal.coach_id) or await self.manages_any([goal.seller_id])):
            raise Forbidden("A goal is reviewed by its coach, a manager of its seller, enablement or admin.")

    def check_revise(self, goal: Goal) -> Party | None:
        """The caller's side of the goal (None for who sees everything without one), or 403."""
        party = self.party_of(goal)
        if party is None and not self.everything:
            raise Forbidden("Only the goal's seller or coach can revise it.")
        return party
