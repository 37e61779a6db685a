"""GraphQL types of the coaching directory and coach relationships: people, reporting lines, coaches."""

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from gateway.context import Context
from gateway.loaders import filters
from gateway.types.coaching_enums import CoachKind, PersonRole, SessionStatus
from gateway.types.periods import ScorecardPeriod
from gateway.types.shapes import presents, shown, shown_all
from services.coaching.directory.schemas import ManagerOut, PersonOut
from services.coaching.relationships.schemas import AssignmentOut, CoachLinkOut

if TYPE_CHECKING:
    from gateway.types.metrics import Grain, Series
    from gateway.types.queue import CoachingQueueResult
    from gateway.types.scorecards import Scorecard
    from gateway.types.sessions import Action, Goal, Session

Ctx = Info[Context, None]
LazySession = Annotated["Session", strawberry.lazy("gateway.types.sessions")]
LazyAction = Annotated["Action", strawberry.lazy("gateway.types.sessions")]
LazyGoal = Annotated["Goal", strawberry.lazy("gateway.types.sessions")]
LazyScorecard = Annotated["Scorecard", strawberry.lazy("gateway.types.scorecards")]
LazySeries = Annotated["Series", strawberry.lazy("gateway.types.metrics")]
LazyQueueResult = Annotated["CoachingQueueResult", strawberry.lazy("gateway.types.queue")]
LazyGrain = Annotated["Grain", strawberry.lazy("gateway.types.metrics")]


@strawberry.type
class ExternalId:
    source: str
    external_id: str


def _external_ids(root: strawberry.Parent[PersonOut]) -> list[ExternalId]:
    return [ExternalId(source=k, external_id=v) for k, v in sorted(root.external_ids.items())]


def _day(as_of: date | None) -> str | None:
    return as_of.isoformat() if as_of else None


async def person_by_id(info: Ctx, person_id: Any) -> "Person | None":
    if person_id is None:
        return None
    found = await info.context.loaders.person.load(str(person_id))
    return shown(Person, found) if found else None


async def people_by_ids(info: Ctx, ids: list[Any]) -> "list[Person]":
    found = await info.context.loaders.person.load_many([str(i) for i in ids])
    return shown_all(Person, (p for p in found if p))


def person_of(attribute: str, description: str | None = None) -> Any:
    """A field resolving the person whose id the parent holds in `attribute` (through the person loader)."""
    async def resolve(root: Any, info: Ctx) -> "Person | None":
        return await person_by_id(info, getattr(root, attribute))

    return strawberry.field(resolver=resolve, description=description)


def people_of(attribute: str, description: str | None = None) -> Any:
    """A field resolving the people whose ids the parent holds in the list `attribute`, in one batch."""
    async def resolve(root: Any, info: Ctx) -> "list[Person]":
        return await people_by_ids(info, list(getattr(root, attribute)))

    return strawberry.field(resolver=resolve, description=description)


@presents(PersonOut)
@strawberry.type
class Person:
    id: strawberry.ID
    name: str
    email: str | None
    title: str
    roles: list[PersonRole]
    active: bool
    manager_is_coach: bool = strawberry.field(description="Whether their manager counts as their coach.")
    hired_on: date | None = strawberry.field(description="The first day employed (null: not recorded).")
    left_on: date | None = strawberry.field(description="The last day employed (null: still employed). Impact "
                                                        "counts a person only while employed (docs/impact.md).")
    external_ids: list[ExternalId] = strawberry.field(resolver=_external_ids)
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="Their manager on a day (default today).")
    async def manager(self, info: Ctx, as_of: date | None = None) -> "Person | None":
        line = await info.context.loaders.manager.load((str(self.id), filters(as_of=_day(as_of))))
        return await person_by_id(info, line["manager_id"] if line else None)

    @strawberry.field(description="Their direct reports on a day (default today).")
    async def reports(self, info: Ctx, as_of: date | None = None) -> "list[Person]":
        entries = await info.context.loaders.reports.load((str(self.id), filters(as_of=_day(as_of))))
        return await people_by_ids(info, [e["person_id"] for e in entries])

    @strawberry.field(description="Who coaches them on a day (default today): assignments and, unless turned "
                                  "off, their manager.")
    async def coaches(self, info: Ctx, as_of: date | None = None) -> "list[CoachLink]":
        links = await info.context.loaders.coaches.load((str(self.id), filters(as_of=_day(as_of))))
        return shown_all(CoachLink, links)

    @strawberry.field(description="Whom they coach on a day (default today).")
    async def coachees(self, info: Ctx, as_of: date | None = None) -> "list[CoachLink]":
        links = await info.context.loaders.coachees.load((str(self.id), filters(as_of=_day(as_of))))
        return shown_all(CoachLink, links)

    @strawberry.field(description="Their coaching sessions as the seller (as the coach with asCoach: true), "
                                  "oldest first; only those the caller may see.")
    async def sessions(self, info: Ctx, as_coach: bool = False,
                       status: SessionStatus | None = None) -> list[LazySession]:
        from gateway.types.sessions import Session

        loader = info.context.loaders.sessions_of_coach if as_coach else info.context.loaders.sessions_of_seller
        rows = await loader.load((str(self.id), filters(status=status.value if status else None)))
        return shown_all(Session, rows)

    @strawberry.field(description="Their goals as the seller; agreed: true for mutually agreed ones only.")
    async def goals(self, info: Ctx, agreed: bool | None = None) -> list[LazyGoal]:
        from gateway.types.sessions import Goal

        rows = await info.context.loaders.goals_of_seller.load((str(self.id), filters(agreed=agreed)))
        return shown_all(Goal, rows)

    @strawberry.field(description="Their open actions as the seller; overdueOnly: true for those past due.")
    async def open_actions(self, info: Ctx, overdue_only: bool = False) -> list[LazyAction]:
        from gateway.types.sessions import Action

        rows = await info.context.loaders.actions_of_seller.load(
            (str(self.id), filters(status="open", overdue=True if overdue_only else None)))
        return shown_all(Action, rows)

    @strawberry.field(description="Their scorecard for the week, month or quarter holding `on` (default today), "
                                  "or the last 7, 28 or 90 days ending on it; null when the caller may not see it.")
    async def scorecard(self, info: Ctx, period: ScorecardPeriod = ScorecardPeriod.WEEK,
                        on: date | None = None) -> LazyScorecard | None:
        from gateway.types.scorecards import Scorecard

        found = await info.context.loaders.scorecard.load(
            (str(self.id), filters(period=period.value, on=_day(on))))
        return shown(Scorecard, found) if found else None

    @strawberry.field(description="A metric of theirs per day, week or month over [from, to] (lists of scalars); "
                                  "null when the caller may not see it. A list of people is one call per metric.")
    async def series(self, info: Ctx, metric: str, from_: Annotated[date, strawberry.argument(name="from")],
                     to: date, grain: LazyGrain | None = None) -> LazySeries | None:
        from gateway.types.metrics import Series

        found = await info.context.loaders.series.load((str(self.id), filters(
            metric=metric, grain=grain.value if grain else "week", **{"from": from_.isoformat(),
                                                                     "to": to.isoformat()})))
        return shown(Series, found) if found else None

    @strawberry.field(description="The sellers they coach, ranked by whom to coach next (see Query.coachingQueue).")
    async def coaching_queue(self, info: Ctx, on: date | None = None, first: int = 20,
                             period: ScorecardPeriod = ScorecardPeriod.LAST_28_DAYS) -> LazyQueueResult:
        from gateway.resolvers.queue import queue_of

        return await queue_of(info, self.id, on, first, period)


@strawberry.type
class PersonConnection:
    items: list[Person]
    next_cursor: str | None


@presents(ManagerOut)
@strawberry.type(description="A person's manager on a day, as set by setManager.")
class ManagerOnDay:
    person_id: strawberry.ID
    manager_id: strawberry.ID | None
    as_of: date

    person: Person | None = person_of("person_id")
    manager: Person | None = person_of("manager_id")


@presents(CoachLinkOut)
@strawberry.type(description="One coach of one seller on a day. `implicit`: the seller's manager, no assignment.")
class CoachLink:
    coach_id: strawberry.ID
    seller_id: strawberry.ID
    kind: CoachKind
    scope: list[str] = strawberry.field(description="Behaviour keys; empty means every behaviour.")
    assignment_id: strawberry.ID | None
    implicit: bool
    as_of: date

    coach: Person | None = person_of("coach_id")
    seller: Person | None = person_of("seller_id")


@presents(AssignmentOut)
@strawberry.type
class CoachAssignment:
    id: strawberry.ID
    coach_id: strawberry.ID
    seller_id: strawberry.ID
    kind: CoachKind
    scope: list[str]
    starts_on: date
    ends_on: date | None
    created_at: datetime

    coach: Person | None = person_of("coach_id")
    seller: Person | None = person_of("seller_id")


@strawberry.type
class CoachAssignmentConnection:
    items: list[CoachAssignment]
    next_cursor: str | None
