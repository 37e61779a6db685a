"""Who may do what with coaching relationships. Reads of assignments and programmes are open to
every caller of the tenant (who coaches whom is organisational information, like the directory);
the rules below decide writes, programme health and activity reports.

- Coach assignments (create, end): callers who see everything (API keys, admin, enablement), or a
  person who has the assignment's seller in their reporting tree today.
- Programmes: create — who sees everything, or a manager or leader, who owns what they create;
  change, delete, add or remove pairs — who sees everything, or the programme's owner.
- Programme health: who sees everything, the owner, a coach of one of its pairs, or a person with one
  of its participants in their reporting tree today.
- Activity reports: who sees everything, for anyone; a manager or leader for their own tree (the team
  under themselves or under someone in their tree today); everyone else 403.
"""

import uuid
from collections.abc import Sequence

from common.auth import Principal
from common.db import utcnow
from common.errors import Forbidden
from services.coaching.models import Programme, ProgrammePair
from services.coaching.relationships.repository import Repository

MANAGING_ROLES = ("manager", "leader")


class Caller:
    def __init__(self, principal: Principal, repo: Repository) -> None:
        self.principal = principal
        self.repo = repo
        self.everything = principal.sees_everything
        self.person_id = principal.person_id
        self._team: set[uuid.UUID] | None = None

    def is_person(self, person_id: uuid.UUID | None) -> bool:
        return self.person_id is not None and person_id == self.person_id

    async def manages_any(self, person_ids: Sequence[uuid.UUID]) -> bool:
        """The caller has one of these people in their reporting tree today."""
        if self.person_id is None or not person_ids:
            return False
        if self._team is None:  # one tree query per request, however many programmes are checked
            self._team = set(await self.repo.org.team(self.person_id, utcnow().date()))
        return any(p in self._team for p in person_ids)

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

    async def check_health(self, programme: Programme, pairs: Sequence[ProgrammePair]) -> None:
        if self.everything or self.is_person(programme.owner_id):
            return
        if any(self.is_person(p.coach_id) for p in pairs):
            return
        if await self.manages_any([p.seller_id for p in pairs]):
            return
        raise Forbidden("Programme health is for its owner, its coaches, its participants' managers, "
                        "enablement and admin.")

    async def report_root(self, manager_id: uuid.UUID | None) -> uuid.UUID | None:
        """The manager whose tree the report covers (None: the whole tenant), or 403."""
        if self.everything:
            return manager_id
        if self.person_id is None or not self.principal.has_role(*MANAGING_ROLES):
            raise Forbidden("Coaching activity reports are for managers (their own tree), enablement and admin.")
        if manager_id is None or manager_id == self.person_id:
            return self.person_id
        if await self.manages_any([manager_id]):
            return manager_id
        raise Forbidden("A manager sees the coaching activity of their own reporting tree only.")
