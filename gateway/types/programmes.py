"""GraphQL types of coaching programmes, their health, and the coaching-activity report."""

from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from gateway.context import Context
from gateway.loaders import filters
from gateway.types.behaviors import Objective
from gateway.types.coaching_enums import ActivityGrouping
from gateway.types.people import Person, people_of, person_of
from gateway.types.shapes import presents, shown
from services.coaching.relationships import schemas

Ctx = Info[Context, None]


# Fields the service marks deprecated (GraphQL too), read without pydantic's DeprecationWarning on access.
def _cadence_kept_pct(root: strawberry.Parent[schemas.ActivityRow]) -> float | None:
    value: float | None = root.__dict__["cadence_kept_pct"]
    return value


def _sessions_with_actions_pct(root: strawberry.Parent[schemas.ActivityRow]) -> float | None:
    value: float | None = root.__dict__["sessions_with_actions_pct"]
    return value


@presents(schemas.PairOut)
@strawberry.type(description="A coach-seller pair of a programme; `leftOn` set once it left.")
class ProgrammePair:
    id: strawberry.ID
    programme_id: strawberry.ID
    coach_id: strawberry.ID
    seller_id: strawberry.ID
    joined_on: date
    left_on: date | None

    coach: Person | None = person_of("coach_id")
    seller: Person | None = person_of("seller_id")


@presents(schemas.PairHealth)
@strawberry.type
class PairHealth:
    pair_id: strawberry.ID
    coach_id: strawberry.ID
    seller_id: strawberry.ID
    joined_on: date
    left_on: date | None
    days_in_window: int = strawberry.field(description="Days the pair was in the programme within [from, to], count.")
    sessions_held: int = strawberry.field(description="Sessions the pair held in the programme within the window, "
                                                      "count.")
    sessions_expected: int = strawberry.field(description="floor(daysInWindow / cadenceDays), count.")
    ratio_kept: float | None = strawberry.field(description="Share of the expected sessions held, 0-1 (may pass 1 "
                                                            "when more were held); null when none was expected.")
    in_all_last_28_days: bool
    held_last_28_days: int = strawberry.field(description="Sessions the pair held in the last 28 days, count.")
    planned_last_28_days: float | None = strawberry.field(description="Sessions the cadence plans in 28 days (28 / "
                                                                      "cadenceDays); null when not judged.")
    fizzling: bool | None = strawberry.field(description="Null when the pair is not judged (not in the "
                                                         "programme for all of the last 28 days).")


@presents(schemas.ProgrammeHealth)
@strawberry.type(description="Sessions held vs expected over a window, per pair and overall, and whether the "
                             "programme is fizzling (see `formula`).")
class ProgrammeHealth:
    programme_id: strawberry.ID
    from_: date = strawberry.field(name="from")
    to: date
    cadence_days: int = strawberry.field(description="One session every N days per pair, days.")
    sessions_held: int = strawberry.field(description="Sessions held in the programme within [from, to], count.")
    sessions_expected: int = strawberry.field(description="Sessions the cadence expected of the pairs within "
                                                          "[from, to], count.")
    ratio_kept: float | None = strawberry.field(description="Share of the expected sessions held, 0-1 "
                                                            "(sessionsHeld / sessionsExpected, may pass 1); null "
                                                            "when none was expected.")
    last_28_days_from: date
    last_28_days_to: date
    pairs_judged_last_28_days: int = strawberry.field(description="Pairs in the programme for all of the last 28 "
                                                                  "days (those judged for fizzling), count.")
    held_last_28_days: int = strawberry.field(description="Sessions the judged pairs held in the last 28 days, "
                                                          "count.")
    planned_last_28_days: float = strawberry.field(description="Sessions the cadence plans for the judged pairs in "
                                                               "28 days, count (may be fractional).")
    fizzling: bool
    formula: str
    pairs: list[PairHealth]


@presents(schemas.ProgrammeOut)
@strawberry.type
class Programme:
    id: strawberry.ID
    name: str
    objective_id: strawberry.ID | None
    behavior_keys: list[str]
    owner_id: strawberry.ID | None
    cadence_days: int = strawberry.field(description="One session every N days per coach-seller pair.")
    starts_on: date
    ends_on: date | None
    pairs: list[ProgrammePair] = strawberry.field(description="Every pair, past ones included.")
    coach_ids: list[strawberry.ID]
    participant_ids: list[strawberry.ID]
    created_at: datetime
    updated_at: datetime

    @strawberry.field
    async def objective(self, info: Ctx) -> Objective | None:
        if self.objective_id is None:
            return None
        found = await info.context.loaders.objective.load(str(self.objective_id))
        return shown(Objective, found) if found else None

    owner: Person | None = person_of("owner_id")
    coaches: list[Person] = people_of("coach_ids", "Coaches of the pairs that have not left.")
    participants: list[Person] = people_of("participant_ids", "Sellers of the pairs that have not left.")

    @strawberry.field(description="Health over [from, to] (default: the programme's start, or 28 days back, to "
                                  "today).")
    async def health(self, info: Ctx, from_: Annotated[date | None, strawberry.argument(name="from")] = None,
                     to: date | None = None) -> ProgrammeHealth | None:
        found = await info.context.loaders.health.load(
            (str(self.id), filters(**{"from": from_.isoformat() if from_ else None,
                                      "to": to.isoformat() if to else None})))
        return shown(ProgrammeHealth, found) if found else None


async def programme_by_id(info: Ctx, programme_id: Any) -> Programme | None:
    if programme_id is None:
        return None
    found = await info.context.loaders.programme.load(str(programme_id))
    return shown(Programme, found) if found else None


@strawberry.type
class ProgrammeConnection:
    items: list[Programme]
    next_cursor: str | None


@presents(schemas.RatingAverages)
@strawberry.type
class RatingAverages:
    relevant: float | None = strawberry.field(description="Mean 'relevant' rating, 1-5; null without ratings.")
    developmental: float | None = strawberry.field(description="Mean 'developmental' rating, 1-5; null without "
                                                               "ratings.")
    motivational: float | None = strawberry.field(description="Mean 'motivational' rating, 1-5; null without "
                                                              "ratings.")


@presents(schemas.ActivityRow)
@strawberry.type(description="One coach (groupBy COACH) or one team (TEAM: everyone under the manager on `to`).")
class CoachingActivityRow:
    person_id: strawberry.ID
    name: str | None
    team_size: int | None = strawberry.field(description="TEAM: people under the manager on `to`, count; null for "
                                                         "COACH.")
    sessions_held: int = strawberry.field(description="Completed sessions held in the window, count.")
    programme_sessions_held: int = strawberry.field(description="Of those, held in a programme by one of the row's "
                                                                "pairs while in it, count.")
    programme_sessions_expected: int = strawberry.field(description="Sessions the row's programme pairs' cadences "
                                                                    "expected in the window, count.")
    cadence_kept: float | None = strawberry.field(
        description="Share of the expected programme sessions held in the window, 0-1 "
                    "(programmeSessionsHeld / programmeSessionsExpected); null without programme pairs or when "
                    "nothing was expected yet.")
    cadence_kept_pct: float | None = strawberry.field(
        resolver=_cadence_kept_pct, description="The same share as cadenceKept, in percent (0-100).",
        deprecation_reason="Use cadenceKept: every share is 0-1 (this is cadenceKept x 100).")
    rated_sessions: int = strawberry.field(description="Sessions held in the window that the seller rated, count.")
    average_rating: RatingAverages
    sessions_with_actions: int = strawberry.field(description="Sessions held in the window with at least one agreed "
                                                              "action, count.")
    sessions_with_actions_share: float | None = strawberry.field(
        description="Share of the sessions held with at least one agreed action, 0-1; null without sessions.")
    sessions_with_actions_pct: float | None = strawberry.field(
        resolver=_sessions_with_actions_pct,
        description="The same share as sessionsWithActionsShare, in percent (0-100).",
        deprecation_reason="Use sessionsWithActionsShare: every share is 0-1 (this is it x 100).")
    open_actions: int = strawberry.field(description="Actions open now that were agreed before the window's end, "
                                                     "count.")
    overdue_actions: int = strawberry.field(description="Open actions due before `to`, count.")

    person: Person | None = person_of("person_id", "The coach, or the team's manager.")


@strawberry.type
class Definition:
    name: str
    meaning: str


def _definitions(root: strawberry.Parent[schemas.ActivityReport]) -> list[Definition]:
    return [Definition(name=k, meaning=v) for k, v in root.definitions.items()]


@presents(schemas.ActivityReport)
@strawberry.type
class CoachingActivity:
    group_by: ActivityGrouping
    from_: date = strawberry.field(name="from")
    to: date
    manager_id: strawberry.ID | None
    definitions: list[Definition] = strawberry.field(resolver=_definitions)
    rows: list[CoachingActivityRow]
