"""Wire shapes of coaching sessions, their parts, actions, goals and ratings. Pure pydantic."""

import math
import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints, field_validator, model_validator

from common.validation import Input, distinct

SessionStatus = Literal["scheduled", "completed", "cancelled", "no_show"]
RootCause = Literal["environment", "commitment", "capacity", "skills", "knowledge"]
GapStatus = Literal["open", "closed"]
GapOutcome = Literal["resolved", "persists", "no_longer_relevant"]
ActionStatus = Literal["open", "done", "dropped"]
ReviewOutcome = Literal["achieved", "missed", "carried_over"]
GoalKind = Literal["activity", "proficiency"]
Period = Literal["week", "month", "quarter"]
Party = Literal["seller", "coach"]

BehaviorKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.-]{1,63}$")]
# a metric's key, or a member of a metric family: `observed_level:<behaviour key>` (64 characters at most)
MetricKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}(:[a-z][a-z0-9_.-]{1,63})?$",
                                             max_length=64)]
Notes = Annotated[str, StringConstraints(max_length=20_000)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Comment = Annotated[str, StringConstraints(max_length=2000)]
Minutes = Annotated[int, Field(ge=1, le=600)]
Score = Annotated[int, Field(ge=1, le=5)]

MAX_FOCUS = 20
MAX_OBSERVATIONS = 50
MAX_GAPS = 20
MAX_ACTIONS = 30
MAX_GOALS = 10


def _finite_target(v: float | None) -> float | None:
    if v is not None and (not math.isfinite(v) or v < 0 or v > 1e12):
        raise ValueError("target must be a finite number between 0 and 1e12")
    return v


# ---- sessions ---------------------------------------------------------------------------------

class ScenarioRef(Input):
    """A behaviour's coaching scenario (kept by value: it lives in the behaviors service)."""

    behavior_key: BehaviorKey
    scenario_id: uuid.UUID


class SessionCreate(Input):
    coach_id: uuid.UUID
    seller_id: uuid.UUID
    programme_id: uuid.UUID | None = None
    scheduled_at: AwareDatetime
    duration_minutes: Minutes = 30
    focus_keys: list[BehaviorKey] = Field(default_factory=list, max_length=MAX_FOCUS)
    scenario: ScenarioRef | None = None

    _focus = field_validator("focus_keys")(distinct)


class SessionUpdate(Input):
    """Reschedule or refocus a session that is still scheduled."""

    scheduled_at: AwareDatetime | None = None
    duration_minutes: Minutes | None = None
    focus_keys: list[BehaviorKey] | None = Field(default=None, max_length=MAX_FOCUS)
    scenario: ScenarioRef | None = None

    _focus = field_validator("focus_keys")(distinct)


class CancelIn(Input):
    reason: Reason


class ObservationIn(Input):
    behavior_key: BehaviorKey
    level: int = Field(ge=1, le=10)
    evidence: Annotated[str, StringConstraints(max_length=5000)] = ""


class GapIn(Input):
    behavior_key: BehaviorKey
    description: Text
    root_cause: RootCause


class GapClosureIn(Input):
    """Closing a gap opened in an earlier session of this seller, in the session being completed."""

    gap_id: uuid.UUID
    outcome: GapOutcome
    note: Comment = ""


class GapClose(Input):
    """Closing an open gap in a later completed session of its seller (`session_id`), by that session's coach.
    Idempotent: the same session and outcome again changes nothing; another is a conflict."""

    session_id: uuid.UUID
    outcome: GapOutcome
    note: Comment = ""


class ActionIn(Input):
    """`gap_index` points into this request's `gaps`; `gap_id` at a gap recorded earlier for the seller."""

    description: Text
    owner_id: uuid.UUID
    due_on: date
    gap_index: int | None = Field(default=None, ge=0, lt=MAX_GAPS)
    gap_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _one_gap(self) -> "ActionIn":
        if self.gap_index is not None and self.gap_id is not None:
            raise ValueError("give gap_index or gap_id, not both")
        return self


class GoalTerms(Input):
    metric_key: MetricKey
    kind: GoalKind
    target: float
    period: Period
    review_on: date

    _finite = field_validator("target")(_finite_target)


class NextSessionIn(Input):
    scheduled_at: AwareDatetime
    duration_minutes: Minutes | None = None  # default: this session's planned duration
    focus_keys: list[BehaviorKey] | None = Field(default=None, max_length=MAX_FOCUS)  # default: this session's

    _focus = field_validator("focus_keys")(distinct)


class CompletionIn(Input):
    held_at: AwareDatetime | None = None  # default: now
    duration_minutes: Minutes | None = None  # default: the planned duration
    notes: Notes = ""
    private_notes: Notes = ""
    observations: list[ObservationIn] = Field(default_factory=list, max_length=MAX_OBSERVATIONS)
    gaps: list[GapIn] = Field(default_factory=list, max_length=MAX_GAPS)
    actions: list[ActionIn] = Field(default_factory=list, max_length=MAX_ACTIONS)
    goals: list[GoalTerms] = Field(default_factory=list, max_length=MAX_GOALS)
    next_session: NextSessionIn | None = None
    gap_closures: list[GapClosureIn] = Field(default_factory=list, max_length=MAX_GAPS)

    @field_validator("gap_closures")
    @classmethod
    def _one_closure_per_gap(cls, v: list[GapClosureIn]) -> list[GapClosureIn]:
        if len({c.gap_id for c in v}) != len(v):
            raise ValueError("close each gap once")
        return v


class ObservationOut(BaseModel):
    id: uuid.UUID
    behavior_key: str
    level: int
    evidence: str


class GapOut(BaseModel):
    """A gap named in session `session_id`: `open` until closed in a later session (`closed_session_id`) with an
    outcome, by `closed_by` (null when an API key closed it) at `closed_at`."""

    id: uuid.UUID
    session_id: uuid.UUID
    seller_id: uuid.UUID
    behavior_key: str
    description: str
    root_cause: RootCause
    created_at: datetime
    status: GapStatus = "open"
    outcome: GapOutcome | None = None
    closed_session_id: uuid.UUID | None = None
    closed_by: uuid.UUID | None = None
    closed_at: datetime | None = None
    closing_note: str = ""


class ActionOut(BaseModel):
    id: uuid.UUID
    session_id: uuid.UUID
    seller_id: uuid.UUID
    coach_id: uuid.UUID
    owner_id: uuid.UUID
    gap_id: uuid.UUID | None
    description: str
    due_on: date
    status: ActionStatus
    overdue: bool  # open and due before today (UTC)
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class GoalRevisionOut(BaseModel):
    revision: int
    metric_key: str
    kind: GoalKind
    target: float
    period: Period
    review_on: date
    proposed_by: uuid.UUID | None
    seller_agreed_at: datetime | None
    coach_agreed_at: datetime | None
    agreed: bool
    created_at: datetime


class GoalReviewOut(BaseModel):
    """The review of one agreed revision (`revision`): its outcome, and for `carried_over` the revision the
    goal was carried into; `reviewed_by` is the person (null when an API key recorded it)."""

    id: uuid.UUID
    goal_id: uuid.UUID
    revision: int
    outcome: ReviewOutcome
    carried_into: int | None
    reviewed_by: uuid.UUID | None
    note: str
    reviewed_at: datetime


class GoalOut(BaseModel):
    """`agreed` is true only when the seller and the coach both agreed to the current revision;
    `current` holds those terms; `revisions` is the whole history, oldest first. `agreed_revision` is the
    latest revision both agreed to (the terms in force: measured and reviewed); `due_for_review` (today, UTC):
    its review day has come and it has no review yet; `reviews` oldest first."""

    id: uuid.UUID
    seller_id: uuid.UUID
    coach_id: uuid.UUID
    session_id: uuid.UUID | None
    current_revision: int
    agreed: bool
    current: GoalRevisionOut
    revisions: list[GoalRevisionOut]
    agreed_revision: int | None = None
    due_for_review: bool = False
    reviews: list[GoalReviewOut] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime


class RatingIn(Input):
    relevant: Score
    developmental: Score
    motivational: Score
    comment: Comment = ""


class RatingOut(BaseModel):
    session_id: uuid.UUID
    seller_id: uuid.UUID
    relevant: int
    developmental: int
    motivational: int
    comment: str
    created_at: datetime
    updated_at: datetime
    changeable_until: datetime


class ScenarioOut(BaseModel):
    behavior_key: str
    scenario_id: uuid.UUID


class SessionOut(BaseModel):
    """A session with its parts. `private_notes` is null when the caller may not read them
    (anyone but the session's coach, enablement, admin and API keys)."""

    id: uuid.UUID
    coach_id: uuid.UUID
    seller_id: uuid.UUID
    programme_id: uuid.UUID | None
    status: SessionStatus
    scheduled_at: datetime
    held_at: datetime | None
    duration_minutes: int | None
    focus_keys: list[str]
    scenario: ScenarioOut | None
    notes: str
    private_notes: str | None
    cancel_reason: str | None
    next_session_id: uuid.UUID | None
    observations: list[ObservationOut]
    gaps: list[GapOut]
    actions: list[ActionOut]
    goals: list[GoalOut]
    rating: RatingOut | None
    created_at: datetime
    updated_at: datetime


# ---- actions and goals ------------------------------------------------------------------------

class ActionUpdate(Input):
    status: ActionStatus | None = None
    description: Text | None = None
    due_on: date | None = None


class GoalCreate(GoalTerms):
    seller_id: uuid.UUID
    coach_id: uuid.UUID | None = None  # default: the caller (a person)
    session_id: uuid.UUID | None = None


class GoalRevise(GoalTerms):
    pass


class GoalReviewIn(Input):
    """The outcome of the goal's terms in force (its agreed revision). `carried_over` links a later revision:
    `carry_into` proposes one with new terms (agreed by the reviewer when they are the seller or the coach),
    or, without it, the goal's current revision (proposed before) must be later than the agreed one.
    `revision` (optional) guards against reviewing terms that changed meanwhile."""

    outcome: ReviewOutcome
    note: Comment = ""
    revision: int | None = Field(default=None, ge=1)
    carry_into: GoalTerms | None = None

    @model_validator(mode="after")
    def _carry_only_when_carried_over(self) -> "GoalReviewIn":
        if self.carry_into is not None and self.outcome != "carried_over":
            raise ValueError("carry_into is for the outcome carried_over only")
        return self


class GoalAgree(Input):
    """`revision` (optional) guards against agreeing to terms that changed meanwhile."""

    revision: int | None = Field(default=None, ge=1)
