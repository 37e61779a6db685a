"""Wire shapes of coaching relationships: assignments, programmes, their health, activity reports.

Pure pydantic: the gateway and clients may import this.
"""

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from common.validation import Input, distinct

CoachKind = Literal["manager", "trainer", "sales_engineer", "product_marketer", "presales", "peer", "leader"]
GroupBy = Literal["coach", "team"]

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
BehaviorKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.-]{1,63}$")]

MAX_KEYS = 50
MAX_CADENCE_DAYS = 365


# ---- coach assignments ------------------------------------------------------------------------

class AssignmentCreate(Input):
    """`ends_on` is the last day the assignment is in force (inclusive); open-ended when null."""

    coach_id: uuid.UUID
    seller_id: uuid.UUID
    kind: CoachKind
    scope: list[BehaviorKey] = Field(default_factory=list, max_length=MAX_KEYS)  # empty = every behaviour
    starts_on: date | None = None  # default: today
    ends_on: date | None = None

    _scope = field_validator("scope")(distinct)


class AssignmentEnd(Input):
    ends_on: date | None = None  # the last day in force; default: today


class AssignmentOut(BaseModel):
    id: uuid.UUID
    coach_id: uuid.UUID
    seller_id: uuid.UUID
    kind: CoachKind
    scope: list[str]
    starts_on: date
    ends_on: date | None
    created_at: datetime


class CoachLinkOut(BaseModel):
    """One coach-seller link in force on `as_of`: an assignment, or the seller's manager (`implicit`)."""

    coach_id: uuid.UUID
    seller_id: uuid.UUID
    kind: CoachKind
    scope: list[str]  # behaviour keys; empty = every behaviour
    assignment_id: uuid.UUID | None  # null for the implicit manager link
    implicit: bool
    as_of: date


# ---- programmes -------------------------------------------------------------------------------

def _period(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise ValueError("ends_on must not be before starts_on")


class ProgrammeCreate(Input):
    name: Name
    objective_id: uuid.UUID | None = None  # a behaviors-service objective, kept by value
    behavior_keys: list[BehaviorKey] = Field(min_length=1, max_length=MAX_KEYS)  # the behaviours it targets
    owner_id: uuid.UUID | None = None  # default: the calling person
    cadence_days: int = Field(ge=1, le=MAX_CADENCE_DAYS)  # one session every N days per pair
    starts_on: date
    ends_on: date | None = None  # the programme's last day (inclusive)

    _keys = field_validator("behavior_keys")(distinct)

    @model_validator(mode="after")
    def _frame(self) -> "ProgrammeCreate":
        _period(self.starts_on, self.ends_on)
        return self


class ProgrammeUpdate(Input):
    name: Name | None = None
    objective_id: uuid.UUID | None = None
    behavior_keys: list[BehaviorKey] | None = Field(default=None, min_length=1, max_length=MAX_KEYS)
    owner_id: uuid.UUID | None = None
    cadence_days: int | None = Field(default=None, ge=1, le=MAX_CADENCE_DAYS)
    starts_on: date | None = None
    ends_on: date | None = None

    _keys = field_validator("behavior_keys")(distinct)


class PairCreate(Input):
    coach_id: uuid.UUID
    seller_id: uuid.UUID
    joined_on: date | None = None  # default: today, or the programme's start if later


class PairOut(BaseModel):
    """In the programme on the days joined_on <= d < left_on (left_on exclusive; open when null)."""

    id: uuid.UUID
    programme_id: uuid.UUID
    coach_id: uuid.UUID
    seller_id: uuid.UUID
    joined_on: date
    left_on: date | None


class ProgrammeOut(BaseModel):
    id: uuid.UUID
    name: str
    objective_id: uuid.UUID | None
    behavior_keys: list[str]
    owner_id: uuid.UUID | None
    cadence_days: int
    starts_on: date
    ends_on: date | None
    pairs: list[PairOut]  # every pair, past ones included
    coach_ids: list[uuid.UUID]  # coaches of the pairs that have not left
    participant_ids: list[uuid.UUID]  # sellers of the pairs that have not left
    created_at: datetime
    updated_at: datetime


# ---- programme health -------------------------------------------------------------------------

class PairHealth(BaseModel):
    pair_id: uuid.UUID
    coach_id: uuid.UUID
    seller_id: uuid.UUID
    joined_on: date
    left_on: date | None
    days_in_window: int  # days of [from, to] the pair was in the programme (clipped to its period)
    sessions_held: int
    sessions_expected: int  # floor(days_in_window / cadence_days)
    ratio_kept: float | None  # sessions_held / sessions_expected; null when nothing was expected
    in_all_last_28_days: bool  # only such pairs are judged for fizzling
    held_last_28_days: int
    planned_last_28_days: float | None  # 28 / cadence_days when judged, else null
    fizzling: bool | None  # held_last_28_days < 0.5 * planned_last_28_days; null when not judged


class ProgrammeHealth(BaseModel):
    programme_id: uuid.UUID
    from_: date = Field(alias="from")
    to: date
    cadence_days: int
    sessions_held: int
    sessions_expected: int  # the sum of the pairs' sessions_expected
    ratio_kept: float | None
    last_28_days_from: date  # to - 27
    last_28_days_to: date  # = to
    pairs_judged_last_28_days: int
    held_last_28_days: int  # held by the judged pairs over those days
    planned_last_28_days: float  # 28 / cadence_days * pairs_judged_last_28_days
    fizzling: bool  # held_last_28_days < 0.5 * planned_last_28_days (false when no pair is judged)
    formula: str
    pairs: list[PairHealth]

    model_config = ConfigDict(populate_by_name=True)


# ---- coaching activity reports ----------------------------------------------------------------

class RatingAverages(BaseModel):
    relevant: float | None
    developmental: float | None
    motivational: float | None


class ActivityRow(BaseModel):
    """One coach (group_by=coach) or one team (group_by=team: everyone under `person_id` on `to`)."""

    person_id: uuid.UUID  # the coach, or the team's manager
    name: str | None
    team_size: int | None  # group_by=team only
    sessions_held: int
    programme_sessions_held: int
    programme_sessions_expected: int
    cadence_kept: float | None = Field(description="Share of expected programme sessions held, 0-1; null without "
                                                   "programme pairs (or nothing expected yet).")
    cadence_kept_pct: float | None = Field(deprecated="Use cadence_kept (0-1); this is the same share x 100.",
                                           description="Deprecated: cadence_kept x 100 (0-100).")
    rated_sessions: int
    average_rating: RatingAverages
    sessions_with_actions: int
    sessions_with_actions_share: float | None = Field(description="Share of the sessions held with at least one "
                                                                  "agreed action, 0-1; null without sessions.")
    sessions_with_actions_pct: float | None = Field(
        deprecated="Use sessions_with_actions_share (0-1); this is the same share x 100.",
        description="Deprecated: sessions_with_actions_share x 100 (0-100).")
    open_actions: int
    overdue_actions: int


class ActivityReport(BaseModel):
    group_by: GroupBy
    from_: date = Field(alias="from")
    to: date
    manager_id: uuid.UUID | None
    definitions: dict[str, str]
    rows: list[ActivityRow]

    model_config = ConfigDict(populate_by_name=True)
