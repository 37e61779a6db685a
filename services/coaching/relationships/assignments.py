"""Coach assignments — coaching is a role, not a title — and who coaches whom on a day."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import date

from common.db import utcnow
from common.errors import Conflict, InvalidInput, NotFound
from common.ids import new_id
from common.pagination import Page, PageParams, build_page
from services.coaching import events
from services.coaching.models import CoachAssignment, Person
from services.coaching.relationships.coaches import CoachLink
from services.coaching.relationships.repository import Repository
from services.coaching.relationships.schemas import AssignmentCreate, AssignmentOut, CoachLinkOut
from services.coaching.visibility import Visibility


def field_error(field: str, message: str, code: str) -> InvalidInput:
    """A rule on one body field, located like request validation errors (`body.<field>`)."""
    return InvalidInput(message, errors=[{"field": f"body.{field}", "message": message, "code": code}])


def check_people(found: dict[uuid.UUID, Person], refs: Iterable[tuple[str, uuid.UUID]]) -> None:
    """422 naming every field whose person is unknown in the tenant or no longer active."""
    errors = []
    for field, person_id in refs:
        person = found.get(person_id)
        if person is None:
            errors.append({"field": f"body.{field}", "message": f"no person {person_id} in this tenant",
                           "code": "reference"})
        elif not person.active:
            errors.append({"field": f"body.{field}", "message": f"person {person_id} is not active",
                           "code": "inactive"})
    if errors:
        raise InvalidInput("Unknown or inactive people.", errors=errors)


def assignment_out(a: CoachAssignment) -> AssignmentOut:
    return AssignmentOut.model_validate(a, from_attributes=True)


def link_out(link: CoachLink, as_of: date) -> CoachLinkOut:
    return CoachLinkOut(coach_id=link.coach_id, seller_id=link.seller_id, kind=link.kind,
                        scope=list(link.scope), assignment_id=link.assignment_id,
                        implicit=link.assignment_id is None, as_of=as_of)


def _links_out(groups: dict[uuid.UUID, list[CoachLink]], as_of: date) -> list[CoachLinkOut]:
    links = [link for group in groups.values() for link in group]
    links.sort(key=lambda x: (str(x.seller_id), str(x.coach_id), x.assignment_id is not None, str(x.assignment_id)))
    return [link_out(link, as_of) for link in links]


def scopes_overlap(a: Sequence[str], b: Sequence[str]) -> bool:
    return not a or not b or bool(set(a) & set(b))


class AssignmentsService:
    def __init__(self, repo: Repository, vis: Visibility) -> None:
        self.repo = repo
        self.tenant_id = repo.tenant_id
        self.vis = vis

    async def create(self, data: AssignmentCreate) -> AssignmentOut:
        today = utcnow().date()
        starts_on = data.starts_on or today
        if data.ends_on is not None and data.ends_on < starts_on:
            raise field_error("ends_on", "ends_on must not be before starts_on", "value_error")
        if data.coach_id == data.seller_id:
            raise field_error("coach_id", "a person cannot coach themselves", "self_coaching")
        # Locking both people serialises concurrent assignments of the same pair (PostgreSQL).
        found = await self.repo.people([data.coach_id, data.seller_id], for_update=True)
        check_people(found, [("coach_id", data.coach_id), ("seller_id", data.seller_id)])
        await self.vis.check_assign(data.seller_id)
        for other in await self.repo.overlapping_assignments(data.coach_id, data.seller_id, starts_on, data.ends_on):
            if scopes_overlap(other.scope, data.scope):
                raise Conflict(f"Assignment {other.id} already links this coach and seller over an overlapping "
                               "period and scope; end it or choose another period or scope.")
        row = CoachAssignment(id=new_id(), tenant_id=self.tenant_id, coach_id=data.coach_id, seller_id=data.seller_id,
                              kind=data.kind, scope=list(data.scope), starts_on=starts_on, ends_on=data.ends_on,
                              created_at=utcnow(), version=1)
        self.repo.add(row)
        await events.assignment_changed(self.repo.s, events.ASSIGNMENT_CREATED, row)
        return assignment_out(row)

    async def _assignment(self, assignment_id: uuid.UUID, *, for_update: bool = False) -> CoachAssignment:
        row = await self.repo.assignment(assignment_id, for_update=for_update)
        if row is None:
            raise NotFound(f"Coach assignment {assignment_id} does not exist.")
        return row

    async def end(self, assignment_id: uuid.UUID, ends_on: date | None) -> AssignmentOut:
        """Set the last day in force. An end may be set or brought forward, never pushed later (a new
        assignment does that, so the history of who coached whom stays as it was)."""
        row = await self._assignment(assignment_id, for_update=True)
        await self.vis.check_assign(row.seller_id)
        ends_on = ends_on or utcnow().date()
        if ends_on < row.starts_on:
            raise field_error("ends_on", f"the assignment starts on {row.starts_on}; it cannot end before",
                              "value_error")
        if row.ends_on is not None and ends_on >= row.ends_on:
            raise Conflict(f"The assignment already ends on {row.ends_on}; an end can only be brought forward.")
        row.ends_on = ends_on
        row.version += 1
        await events.assignment_changed(self.repo.s, events.ASSIGNMENT_ENDED, row)
        return assignment_out(row)

    async def get(self, assignment_id: uuid.UUID) -> AssignmentOut:
        return assignment_out(await self._assignment(assignment_id))

    async def list_assignments(self, *, ids: Sequence[uuid.UUID] | None, coach_id: uuid.UUID | None,
                               seller_id: uuid.UUID | None, active_on: date | None,
                               page: PageParams) -> Page[AssignmentOut]:
        rows = await self.repo.assignments(ids=ids, coach_id=coach_id, seller_id=seller_id, active_on=active_on,
                                           after=page.after, limit=page.limit)
        return build_page([assignment_out(a) for a in rows], page.limit, lambda a: a.id)

    async def _person(self, person_id: uuid.UUID) -> None:
        if not await self.repo.person_exists(person_id):
            raise NotFound(f"Person {person_id} does not exist.")

    async def coaches(self, seller_ids: Sequence[uuid.UUID], as_of: date | None) -> list[CoachLinkOut]:
        day = as_of or utcnow().date()
        return _links_out(await self.repo.coaches_of(list(dict.fromkeys(seller_ids)), day), day)

    async def coachees(self, coach_ids: Sequence[uuid.UUID], as_of: date | None) -> list[CoachLinkOut]:
        day = as_of or utcnow().date()
        return _links_out(await self.repo.coachees_of(list(dict.fromkeys(coach_ids)), day), day)

    async def coaches_of_person(self, person_id: uuid.UUID, as_of: date | None) -> list[CoachLinkOut]:
        await self._person(person_id)
        return await self.coaches([person_id], as_of)

    async def coachees_of_person(self, person_id: uuid.UUID, as_of: date | None) -> list[CoachLinkOut]:
        await self._person(person_id)
        return await self.coachees([person_id], as_of)
