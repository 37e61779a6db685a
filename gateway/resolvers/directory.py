"""Queries and mutations of people, reporting lines and coach assignments (the coaching service)."""

from datetime import date
from functools import partial
from typing import Annotated
from urllib.parse import quote

import strawberry

from gateway.resolvers.common import Ctx, DeleteResult, deleted, get_or_none, page_params, seg, typed
from gateway.types.coaching_enums import PersonRole
from gateway.types.coaching_inputs import CoachAssignmentInput, PersonInput, PersonPatch, person_body
from gateway.types.common import BadQueryInput, Conflict, Forbidden, NotFound, ValidationProblem
from gateway.types.inputs import to_body
from gateway.types.people import (
    CoachAssignment,
    CoachAssignmentConnection,
    ManagerOnDay,
    Person,
    PersonConnection,
)
from gateway.types.shapes import shown, shown_all

PersonResult = Annotated[Person | ValidationProblem | NotFound | Conflict | Forbidden,
                         strawberry.union("PersonResult")]
ManagerChangeResult = Annotated[ManagerOnDay | ValidationProblem | NotFound | Conflict | Forbidden,
                                strawberry.union("ManagerChangeResult")]
CoachAssignmentResult = Annotated[CoachAssignment | ValidationProblem | NotFound | Conflict | Forbidden,
                                  strawberry.union("CoachAssignmentResult")]


@strawberry.type
class DirectoryQuery:
    @strawberry.field(description="People the caller may see; `q` matches name or email.")
    async def people(self, info: Ctx, role: PersonRole | None = None, active: bool | None = None,
                     q: str | None = None, first: int = 50, after: str | None = None) -> PersonConnection:
        page = await info.context.call("coaching", "GET", "/v1/people",
                                       params=page_params(first, after, role=role, active=active, q=q))
        return PersonConnection(items=shown_all(Person, page["items"]), next_cursor=page["next_cursor"])

    @strawberry.field(description="A person by id, or by an id in another system (`source`: crm, lms, hris, "
                                  "any name, or `email`).")
    async def person(self, info: Ctx, id: strawberry.ID | None = None, source: str | None = None,
                     external_id: str | None = None) -> Person | None:
        if id is not None:
            if source is not None or external_id is not None:
                raise BadQueryInput("Give either id, or source and externalId.")
            found = await get_or_none(info.context.loaders.person.load(str(id)))
            return shown(Person, found) if found else None
        if source is None or external_id is None:
            raise BadQueryInput("Give either id, or source and externalId.")
        matches = await get_or_none(info.context.call("coaching", "GET", "/v1/people/by-external-id",
                                                      params={"source": source, "external_ids": [external_id]}))
        return shown(Person, matches[0]["person"]) if matches else None

    @strawberry.field(description="Coach assignments, filtered; `activeOn` keeps those in force on that day.")
    async def coach_assignments(self, info: Ctx, coach_id: strawberry.ID | None = None,
                                seller_id: strawberry.ID | None = None, active_on: date | None = None,
                                first: int = 50, after: str | None = None) -> CoachAssignmentConnection:
        params = page_params(first, after, coach_id=coach_id, seller_id=seller_id, active_on=active_on)
        page = await get_or_none(info.context.call("coaching", "GET", "/v1/coach-assignments", params=params))
        if page is None:
            raise BadQueryInput("coachId and sellerId must be valid ids.")
        return CoachAssignmentConnection(items=shown_all(CoachAssignment, page["items"]),
                                         next_cursor=page["next_cursor"])


@strawberry.type
class DirectoryMutation:
    @strawberry.mutation(description="Add a person to the directory.")
    async def create_person(self, info: Ctx, input: PersonInput) -> PersonResult:
        return await typed(lambda: info.context.call("coaching", "POST", "/v1/people", json=person_body(input)),
                           partial(shown, Person))

    @strawberry.mutation(description="Change some fields of a person.")
    async def update_person(self, info: Ctx, id: strawberry.ID, input: PersonPatch) -> PersonResult:
        return await typed(lambda: info.context.call("coaching", "PATCH", f"/v1/people/{seg(id)}",
                                                     json=to_body(input)), partial(shown, Person))

    @strawberry.mutation(description="Set (or replace) the person's id in another system.")
    async def set_external_id(self, info: Ctx, person_id: strawberry.ID, source: str,
                              external_id: str) -> PersonResult:
        return await typed(lambda: info.context.call(
            "coaching", "PUT", f"/v1/people/{seg(person_id, 'personId')}/external-ids/{quote(source, safe='')}",
            json={"external_id": external_id}), partial(shown, Person))

    @strawberry.mutation(description="Remove a person's id in an external system (source).")
    async def remove_external_id(self, info: Ctx, person_id: strawberry.ID, source: str) -> DeleteResult:
        return await typed(lambda: info.context.call(
            "coaching", "DELETE", f"/v1/people/{seg(person_id, 'personId')}/external-ids/{quote(source, safe='')}"),
            deleted(person_id))

    @strawberry.mutation(description="From `effective` on, the person reports to `managerId` (null: nobody). "
                                     "Closes the line then in force, never rewrites history, refuses cycles.")
    async def set_manager(self, info: Ctx, person_id: strawberry.ID, manager_id: strawberry.ID | None,
                          effective: date) -> ManagerChangeResult:
        return await typed(lambda: info.context.call(
            "coaching", "PUT", f"/v1/people/{seg(person_id, 'personId')}/manager",
            json={"manager_id": seg(manager_id, "managerId") if manager_id is not None else None,
                  "effective": effective.isoformat()}), partial(shown, ManagerOnDay))

    @strawberry.mutation(description="Make someone a coach of a seller (optionally only for some behaviours).")
    async def create_coach_assignment(self, info: Ctx, input: CoachAssignmentInput) -> CoachAssignmentResult:
        return await typed(lambda: info.context.call("coaching", "POST", "/v1/coach-assignments",
                                                     json=to_body(input)), partial(shown, CoachAssignment))

    @strawberry.mutation(description="End an assignment; `endsOn` is its last day (default today).")
    async def end_coach_assignment(self, info: Ctx, id: strawberry.ID,
                                   ends_on: date | None = None) -> CoachAssignmentResult:
        body = {"ends_on": ends_on.isoformat()} if ends_on else {}
        return await typed(lambda: info.context.call("coaching", "POST", f"/v1/coach-assignments/{seg(id)}/end",
                                                     json=body), partial(shown, CoachAssignment))
