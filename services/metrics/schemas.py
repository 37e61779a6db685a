"""Wire shapes of the metrics service. Pure pydantic: the gateway and clients may import this."""

import math
import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

import pydantic_core
from pydantic import (
    AwareDatetime,
    BaseModel,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
    field_validator,
    model_validator,
)

from common.validation import Envelope, Input, Moment, distinct, employment_in_order

Source = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=128)]
ActivityType = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,47}$")]
KNOWN_ACTIVITY_TYPES = ("call", "email", "meeting", "demo", "proposal", "visit", "opportunity_created",
                        "stage_change", "opportunity_won", "opportunity_lost")
MAX_BATCH = 5000
MAX_ATTRIBUTES_BYTES = 4096
ItemStatus = Literal["created", "updated", "pending", "duplicate", "conflict", "rejected"]


def _finite(v: float | None) -> float | None:
    if v is not None and (not math.isfinite(v) or abs(v) > 1e12):
        raise ValueError("must be a finite number of at most 1e12")
    return v


class ActivityIn(Input):
    """One CRM activity. Name the person by Uplift id (`person_id`) or by the source's user id (`user_id`)."""

    external_id: ExternalId
    source: Source
    type: ActivityType  # one of KNOWN_ACTIVITY_TYPES or a custom type
    person_id: uuid.UUID | None = None
    user_id: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    occurred_at: AwareDatetime
    amount: float | None = None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    source_updated_at: AwareDatetime

    _amount = field_validator("amount")(_finite)

    @field_validator("attributes")
    @classmethod
    def _small(cls, v: dict[str, Any]) -> dict[str, Any]:
        if len(pydantic_core.to_json(v)) > MAX_ATTRIBUTES_BYTES:
            raise ValueError(f"attributes must serialise to at most {MAX_ATTRIBUTES_BYTES} bytes")
        return v

    @model_validator(mode="after")
    def _who(self) -> "ActivityIn":
        if (self.person_id is None) == (self.user_id is None):
            raise ValueError("give exactly one of person_id or user_id")
        if self.currency is not None and self.amount is None:
            raise ValueError("currency needs an amount")
        return self


class CompletionIn(Input):
    """One LMS completion. Name the person by Uplift id, the LMS's user id, or email."""

    external_id: ExternalId
    lms: Source
    person_id: uuid.UUID | None = None
    user_id: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$", max_length=254)] | None = None
    course_id: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    course_title: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    status: Literal["completed", "passed", "failed"]
    score: float | None = Field(default=None, ge=0, le=1)
    completed_at: AwareDatetime
    source_updated_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _who(self) -> "CompletionIn":
        if sum(x is not None for x in (self.person_id, self.user_id, self.email)) != 1:
            raise ValueError("give exactly one of person_id, user_id or email")
        return self


class Batch(Envelope):
    """Items are validated one by one, so one bad item is reported instead of failing the batch."""

    items: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH)


class ItemResult(BaseModel):
    """`pending`: stored (new or changed) but counted for nobody yet, `reason` says why. A `duplicate` or
    `conflict` of a stored record still pending carries that reason too; a `rejected` item's reason sums up
    its `errors`."""

    index: int
    external_id: str | None
    status: ItemStatus
    id: uuid.UUID | None = None
    reason: str | None = None
    errors: list[dict[str, str]] = Field(default_factory=list)


class BatchResult(BaseModel):
    created: int
    updated: int
    pending: int
    duplicate: int
    conflict: int
    rejected: int
    items: list[ItemResult]


class ActivityOut(BaseModel):
    id: uuid.UUID
    source: str
    external_id: str
    type: str
    person_id: uuid.UUID | None
    user_id: str | None
    occurred_at: datetime
    amount: float | None
    currency: str | None
    attributes: dict[str, Any]
    source_updated_at: datetime
    received_at: datetime
    updated_at: datetime


# ---- which external ids evidence resolves against; what is still unattributed ---------------------

MAX_SOURCE_ALIASES = 100


class SourceAliasIn(Input):
    """The external-id source that this evidence source's user ids resolve against (e.g. `crm`)."""

    target: Source


class SourceAliasOut(BaseModel):
    source: str
    target: str
    updated_at: datetime


class SourceAliasSet(SourceAliasOut):
    attributed: int  # pending activities and completions this alias gave to a person when it was set


class PendingEvidenceOut(BaseModel):
    """Stored evidence counted for nobody yet, grouped by the evidence source and the user id (or, for a
    completion named by email, the email) it names. `resolves_against` is the external-id source that user id
    is looked up under (the source itself, or its alias); times are when such items were first received and
    last stored or changed."""

    kind: Literal["activities", "completions"]
    source: str
    user_id: str | None
    email: str | None
    resolves_against: str | None
    count: int
    first_seen: datetime
    last_seen: datetime
    reason: str


# ---- read model (internal write API) ----------------------------------------------------------

MAX_INTERNAL_BATCH = 1000
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=254,
                                         pattern=r"^[^@\s]+@[^@\s]+$")]
MetricKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
METRIC_REF_PATTERN = r"^[a-z][a-z0-9_]{1,63}(:[a-z][a-z0-9_.-]{1,63})?$"
# a metric as indicators and goals name it: a key, or a family's member (`observed_level:<behaviour key>`)
MetricRef = Annotated[str, StringConstraints(pattern=METRIC_REF_PATTERN, max_length=64)]
BehaviorKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.-]{1,63}$")]
Role = Literal["seller", "manager", "leader", "enablement", "admin"]
AudienceRole = Literal["seller", "manager", "leader"]
Rating = Annotated[int, Field(ge=1, le=5)]
UpsertStatus = Literal["created", "updated", "unchanged", "rejected"]


class Versioned(Input):
    """What every read-model item carries: the owning service's id and a version that only grows.
    An item whose version is not above the stored one changes nothing (replays and late arrivals are safe).
    `deleted` keeps a tombstone, so an older replay cannot bring the entity back."""

    id: uuid.UUID
    version: int = Field(ge=0, le=2**63 - 1)
    deleted: bool = False


class PersonItem(Versioned):
    """`external_ids` is the person's full set (source → id); it replaces the previous set."""

    name: Name
    email: Email | None = None
    roles: list[Role] = Field(default_factory=list, max_length=5)
    active: bool = True
    manager_is_coach: bool = True  # their manager of the day coaches them (the coaching service's implicit link)
    hired_on: date | None = None  # employed on the days hired_on <= d <= left_on (open ends when null)
    left_on: date | None = None
    external_ids: dict[Source, ExternalId] = Field(default_factory=dict, max_length=20)

    _roles = field_validator("roles")(distinct)
    _employment = model_validator(mode="after")(employment_in_order)


class ReportingLineItem(Versioned):
    """`person_id` reports to `manager_id` on the days valid_from <= d < valid_to (open when null)."""

    person_id: uuid.UUID
    manager_id: uuid.UUID
    valid_from: date
    valid_to: date | None = None

    @model_validator(mode="after")
    def _sane(self) -> "ReportingLineItem":
        if self.person_id == self.manager_id:
            raise ValueError("a person cannot report to themself")
        if self.valid_to is not None and self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from")
        return self


class IndicatorItem(Input):
    id: uuid.UUID
    metric_key: MetricRef
    kind: Literal["activity", "proficiency"]
    target: float
    comparator: Literal["gte", "lte"] = "gte"
    period: Literal["week", "month", "quarter"] = "week"

    _target = field_validator("target")(_finite)


class BehaviorItem(Versioned):
    key: BehaviorKey
    name: Name
    status: Literal["draft", "active", "retired"]
    audience: list[AudienceRole] = Field(max_length=3)
    priority: int = Field(default=3, ge=1, le=5)  # 1 highest … 5
    indicators: list[IndicatorItem] = Field(default_factory=list, max_length=50)

    _audience = field_validator("audience")(distinct)

    @field_validator("indicators")
    @classmethod
    def _distinct_ids(cls, v: list[IndicatorItem]) -> list[IndicatorItem]:
        if len({i.id for i in v}) != len(v):
            raise ValueError("indicator ids must not repeat")
        return v


class ObservationItem(Input):
    """A rubric observation of the conversation: the level the coach observed on a behaviour."""

    behavior_key: BehaviorKey
    level: int = Field(ge=1, le=10)


class SessionItem(Versioned):
    coach_id: uuid.UUID
    seller_id: uuid.UUID
    programme_id: uuid.UUID | None = None
    status: Literal["scheduled", "completed", "cancelled", "no_show"]
    scheduled_at: AwareDatetime
    held_at: AwareDatetime | None = None
    relevant: Rating | None = None
    developmental: Rating | None = None
    motivational: Rating | None = None
    has_agreed_action: bool = False
    focus_keys: list[BehaviorKey] = Field(default_factory=list, max_length=50)  # the behaviours it was about
    observations: list[ObservationItem] = Field(default_factory=list, max_length=50)  # counted once completed

    @model_validator(mode="after")
    def _held(self) -> "SessionItem":
        if self.status == "completed" and self.held_at is None:
            raise ValueError("a completed session needs held_at")
        return self


class ActionItem(Versioned):
    """An action agreed in a coaching session (`closed_at`: when it was done or dropped)."""

    session_id: uuid.UUID
    coach_id: uuid.UUID
    seller_id: uuid.UUID
    owner_id: uuid.UUID
    due_on: date
    status: Literal["open", "done", "dropped"]
    created_at: AwareDatetime
    closed_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _closed(self) -> "ActionItem":
        if (self.status == "open") != (self.closed_at is None):
            raise ValueError("closed_at is set exactly when the action is done or dropped")
        return self


class GapItem(Versioned):
    """A gap named in a coaching session (version 1 opened, 2 closed): `opened_at` is when the session that named it
    was held; `closed_at`, when the later session that closed it was held, is set exactly when it is closed, with an
    outcome."""

    session_id: uuid.UUID
    seller_id: uuid.UUID
    coach_id: uuid.UUID | None = None
    behavior_key: BehaviorKey
    root_cause: Literal["environment", "commitment", "capacity", "skills", "knowledge"]
    opened_at: Moment
    status: Literal["open", "closed"] = "open"
    outcome: Literal["resolved", "persists", "no_longer_relevant"] | None = None
    closed_session_id: uuid.UUID | None = None
    closed_at: Moment | None = None

    @model_validator(mode="after")
    def _closed(self) -> "GapItem":
        if (self.status == "closed") != (self.closed_at is not None and self.outcome is not None):
            raise ValueError("a closed gap has an outcome and closed_at; an open one neither")
        return self


class GoalItem(Versioned):
    """A goal's latest agreed revision (version = the revision) and when the goal was first agreed."""

    coach_id: uuid.UUID
    seller_id: uuid.UUID
    session_id: uuid.UUID | None = None
    metric_key: MetricRef
    kind: Literal["activity", "proficiency"]
    target: float = Field(allow_inf_nan=False)
    period: Literal["week", "month", "quarter"]
    review_on: date
    agreed_at: AwareDatetime
    first_agreed_at: AwareDatetime

    @model_validator(mode="after")
    def _first(self) -> "GoalItem":
        if self.first_agreed_at > self.agreed_at:
            raise ValueError("first_agreed_at must not be after agreed_at")
        return self


class GoalReviewItem(Versioned):
    """A goal's agreed revision reviewed (its outcome): the goal is no longer due for review until a later
    revision is agreed."""

    goal_id: uuid.UUID
    revision: int = Field(ge=1)
    outcome: Literal["achieved", "missed", "carried_over"]
    reviewed_at: AwareDatetime


CoachKind = Literal["manager", "trainer", "sales_engineer", "product_marketer", "presales", "peer", "leader"]


class AssignmentItem(Versioned):
    """A coach assigned to a seller on the days starts_on <= d <= ends_on (open when null), on the behaviours
    in `scope` (every behaviour when empty)."""

    coach_id: uuid.UUID
    seller_id: uuid.UUID
    kind: CoachKind
    scope: list[BehaviorKey] = Field(default_factory=list, max_length=50)
    starts_on: date
    ends_on: date | None = None

    @model_validator(mode="after")
    def _period(self) -> "AssignmentItem":
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValueError("ends_on must not be before starts_on")
        return self


class ProgrammeItem(Versioned):
    """A coaching programme: a session expected every `cadence_days` per pair, from starts_on to ends_on."""

    name: Name
    owner_id: uuid.UUID | None = None
    behavior_keys: list[BehaviorKey] = Field(default_factory=list, max_length=50)
    cadence_days: int = Field(ge=1, le=366)
    starts_on: date
    ends_on: date | None = None

    @model_validator(mode="after")
    def _period(self) -> "ProgrammeItem":
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValueError("ends_on must not be before starts_on")
        return self


class ParticipantItem(Versioned):
    """A programme pair: `person_id` (the seller) coached by `coach_id` in the programme on the days
    joined_on <= d < left_on (open when null)."""

    programme_id: uuid.UUID
    person_id: uuid.UUID
    coach_id: uuid.UUID | None = None
    joined_on: date
    left_on: date | None = None

    @model_validator(mode="after")
    def _sane(self) -> "ParticipantItem":
        if self.left_on is not None and self.left_on <= self.joined_on:
            raise ValueError("left_on must be after joined_on")
        return self


class InternalBatch(Envelope):
    """Items are validated one by one, so one bad item is reported instead of failing the batch."""

    items: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_INTERNAL_BATCH)


class UpsertItemResult(BaseModel):
    index: int
    id: uuid.UUID | None
    status: UpsertStatus
    errors: list[dict[str, str]] = Field(default_factory=list)


class UpsertResult(BaseModel):
    created: int
    updated: int
    unchanged: int
    rejected: int
    resolved: int = 0  # people only: pending activities and completions now counted for them
    items: list[UpsertItemResult]


# ---- metric definitions -----------------------------------------------------------------------

MetricKind = Literal["activity", "proficiency"]
Aggregation = Literal["count", "sum", "average", "ratio"]
EvidenceSource = Literal["activities", "completions", "coaching"]
AttributeName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
FilterScalar = StrictBool | StrictInt | StrictFloat | Annotated[StrictStr, StringConstraints(max_length=200)]
FilterValue = FilterScalar | Annotated[list[FilterScalar], Field(min_length=1, max_length=50)]
COMPLETION_STATUSES = ("completed", "passed", "failed")
COACHING_TYPES = ("session_planned", "session_held", "session_cancelled", "session_no_show", "session_rated",
                  "action_due", "goal_agreed", "session_received", "own_action_due", "programme_session_held",
                  "session_expected", "behavior_observed")  # see coaching_facts.py, cadence_facts.py
COACHING_ATTRIBUTES = ("session_id", "programme_id", "behavior_keys", "has_agreed_action", "relevant",
                       "developmental", "motivational", "action_id", "status", "goal_id", "metric_key", "kind",
                       "period", "pair_id", "cadence_days", "behavior_key", "level")  # see coaching_facts.py, …
COACHING_FIELDS = ("attributes.relevant", "attributes.developmental", "attributes.motivational",
                   "attributes.level")
MAX_DEFINED_METRICS = 200


class MetricCreate(Input):
    """A tenant's own metric.

    - activity: `count` or `sum` (of `field`) over events whose type is one of `types` and that pass `filters`;
    - proficiency: `average` (of `field`) over such events, or `ratio` of two metrics (`numerator` an activity
      metric, `denominator` a count).
    Filters map an attribute to a value (equality) or a list of values (one of). For completions the types are
    statuses (completed, passed, failed), the only filter is `course_id` and the field is `score`. For coaching
    evidence the types and attributes are those of coaching facts (COACHING_TYPES, COACHING_ATTRIBUTES: e.g.
    `session_held` filtered by `programme_id` or `behavior_keys`), the field `amount` (an action done on time:
    1, else 0; an expected programme session: 1 / cadence_days) or a rating (`attributes.relevant`,
    `.developmental`, `.motivational`)."""

    key: MetricKey
    name: Name
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    kind: MetricKind
    aggregation: Aggregation
    source: EvidenceSource = "activities"
    types: list[ActivityType] = Field(default_factory=list, max_length=20)
    filters: dict[AttributeName, FilterValue] = Field(default_factory=dict, max_length=10)
    field: Annotated[str, StringConstraints(pattern=r"^(amount|score|attributes\.[a-z][a-z0-9_]{0,63})$")] | None = None
    numerator: MetricKey | None = None
    denominator: MetricKey | None = None

    _types = field_validator("types")(distinct)

    @field_validator("filters")
    @classmethod
    def _finite_filters(cls, v: dict[str, Any]) -> dict[str, Any]:
        for value in v.values():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, float) and not math.isfinite(item):
                    raise ValueError("filter values must be finite numbers")
        return v

    @model_validator(mode="after")
    def _shape(self) -> "MetricCreate":
        ratio = self.aggregation == "ratio"
        if self.kind == "activity" and self.aggregation not in ("count", "sum"):
            raise ValueError("an activity metric is a count or a sum")
        if self.kind == "proficiency" and self.aggregation not in ("ratio", "average"):
            raise ValueError("a proficiency metric is a ratio or an average")
        if ratio:
            if self.numerator is None or self.denominator is None:
                raise ValueError("a ratio needs a numerator and a denominator metric")
            if self.types or self.filters or self.field or self.source != "activities":
                raise ValueError("a ratio takes only numerator and denominator (their metrics say what they count)")
            return self
        if self.numerator is not None or self.denominator is not None:
            raise ValueError("only a ratio has a numerator and a denominator")
        if not self.types:
            raise ValueError("name the event types this metric counts (types)")
        if (self.aggregation == "count") != (self.field is None):
            raise ValueError("a count takes no field; a sum or an average needs one")
        if self.source == "completions":
            if set(self.types) - set(COMPLETION_STATUSES):
                raise ValueError("completion types are statuses: completed, passed, failed")
            if set(self.filters) - {"course_id"}:
                raise ValueError("completions can only be filtered by course_id")
            if self.field not in (None, "score"):
                raise ValueError("the numeric field of a completion is score")
        elif self.source == "coaching":
            if set(self.types) - set(COACHING_TYPES):
                raise ValueError(f"coaching types are: {', '.join(COACHING_TYPES)}")
            if set(self.filters) - set(COACHING_ATTRIBUTES):
                raise ValueError(f"coaching evidence can be filtered by: {', '.join(COACHING_ATTRIBUTES)}")
            if self.field not in (None, "amount", *COACHING_FIELDS):
                raise ValueError(f"the numeric fields of coaching evidence are: amount, {', '.join(COACHING_FIELDS)}")
        elif self.field == "score":
            raise ValueError("score is a completion's field; activities have amount or attributes.<name>")
        return self


class MetricOut(BaseModel):
    key: str
    name: str
    description: str
    kind: MetricKind
    aggregation: Aggregation
    source: EvidenceSource
    types: list[str]
    filters: dict[str, list[Any]]
    field: str | None
    numerator: str | None
    denominator: str | None
    unit: str  # what a value counts: e.g. "events", "sessions", "share 0-1", "rating 1-5", "mean of amount"
    builtin: bool
    created_at: datetime | None


# ---- queries ----------------------------------------------------------------------------------

Grain = Literal["day", "week", "month"]


class SeriesOut(BaseModel):
    """A metric per period as lists of scalars, one entry per period start.

    `values` is what the metric says for the period (a count or sum; an average or ratio, null when there is
    nothing to divide by); `numerators` and `denominators` are the sums it was made of (denominators null for
    counts and sums). A team roll-up sums its members' parts before dividing; `members` says how many people
    were in the team at each period's start."""

    metric: str
    grain: Grain
    person_id: uuid.UUID | None = None
    team_of: uuid.UUID | None = None
    starts: list[date]
    values: list[float | None]
    numerators: list[float]
    denominators: list[float | None]
    members: list[int] | None = None


class SeriesBatch(BaseModel):
    """One series per person asked, in the order asked."""

    items: list[SeriesOut]


class EvidenceOut(BaseModel):
    """A source event behind a value. For a completion, `type` is its status, `occurred_at` when it was
    completed, `amount` its score and `attributes` its course. For coaching evidence, `source` is `coaching`,
    `external_id` the session, action or goal (also named in `attributes`), `type` the fact (e.g.
    `session_held`) and `amount` 1/0 for an action done on time or not."""

    id: uuid.UUID
    kind: Literal["activity", "completion", "coaching"]
    source: str
    external_id: str
    type: str
    occurred_at: datetime
    amount: float | None
    attributes: dict[str, Any]
    counts_in: list[str]  # which of the metric's stored parts this event adds to
