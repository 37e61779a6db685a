"""Wire shapes of the behaviors service. Pure pydantic: the gateway and clients may import this."""

import math
import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from common.validation import Input, distinct

AudienceRole = Literal["seller", "manager", "leader"]
Category = Literal["selling", "coaching"]
Function = Literal["sales_leadership", "enablement", "training", "sales_ops", "marketing", "hr"]
RootCause = Literal["environment", "commitment", "capacity", "skills", "knowledge"]
IndicatorKind = Literal["activity", "proficiency"]
Comparator = Literal["gte", "lte"]
Period = Literal["week", "month", "quarter"]
BehaviorStatus = Literal["draft", "active", "retired"]
ObjectiveStatus = Literal["planned", "active", "achieved", "abandoned"]
View = Literal["view_1", "view_2"]

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=5000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.-]{1,63}$")]
# a metric's key, or a member of a metric family: `observed_level:<behaviour key>` (64 characters at most)
MetricKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}(:[a-z][a-z0-9_.-]{1,63})?$",
                                             max_length=64)]
Stage = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


# ---- objectives -------------------------------------------------------------------------------

class ObjectiveCreate(Input):
    name: Name
    description: LongText = ""
    owner_id: uuid.UUID | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    status: ObjectiveStatus = "planned"

    @model_validator(mode="after")
    def _frame(self) -> "ObjectiveCreate":
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("ends_on must not be before starts_on")
        return self


class ObjectiveUpdate(Input):
    name: Name | None = None
    description: LongText | None = None
    owner_id: uuid.UUID | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    status: ObjectiveStatus | None = None


class ObjectiveOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    owner_id: uuid.UUID | None
    starts_on: date | None
    ends_on: date | None
    status: ObjectiveStatus
    created_at: datetime
    updated_at: datetime


# ---- behaviours -------------------------------------------------------------------------------

class RubricLevel(Input):
    level: int = Field(ge=1, le=10)
    name: Name
    descriptor: LongText


class Responsible(Input):
    person_id: uuid.UUID
    function: Function


class RubricLevelOut(BaseModel):
    """A rubric level as stored: answered as it is, not checked again like an input."""

    level: int
    name: str
    descriptor: str


class ResponsibleOut(BaseModel):
    person_id: uuid.UUID
    function: Function


def _finite_target(v: float | None) -> float | None:
    if v is not None and (not math.isfinite(v) or v < 0 or v > 1e12):
        raise ValueError("target must be a finite number between 0 and 1e12")
    return v


class IndicatorIn(Input):
    metric_key: MetricKey
    kind: IndicatorKind
    target: float
    comparator: Comparator = "gte"
    period: Period = "week"

    _finite = field_validator("target")(_finite_target)


class IndicatorUpdate(Input):
    metric_key: MetricKey | None = None
    kind: IndicatorKind | None = None
    target: float | None = None
    comparator: Comparator | None = None
    period: Period | None = None

    _finite = field_validator("target")(_finite_target)


class IndicatorOut(BaseModel):
    id: uuid.UUID
    metric_key: str
    kind: IndicatorKind
    target: float
    comparator: Comparator
    period: Period


def _rubric_in_order(levels: list[RubricLevel] | None) -> list[RubricLevel] | None:
    if levels and [lv.level for lv in levels] != list(range(1, len(levels) + 1)):
        raise ValueError("rubric levels must be numbered 1, 2, 3 ... in order")
    return levels


class BehaviorContent(Input):
    """The versioned part of a behaviour."""

    name: Name
    description: LongText = ""
    rationale: LongText = ""
    objective_id: uuid.UUID | None = None
    audience: list[AudienceRole] = Field(min_length=1, max_length=3)
    category: Category = "selling"
    stage: Stage | None = None
    priority: int = Field(default=3, ge=1, le=5)
    owner_id: uuid.UUID | None = None
    responsible: list[Responsible] = Field(default_factory=list, max_length=20)
    rubric: list[RubricLevel] = Field(default_factory=list, max_length=10)

    _levels = field_validator("rubric")(_rubric_in_order)
    _aud = field_validator("audience")(distinct)


class BehaviorCreate(BehaviorContent):
    key: Key
    indicators: list[IndicatorIn] = Field(default_factory=list, max_length=20)


class BehaviorUpdate(Input):
    """Partial change of content. On an active behaviour this opens (or edits) the next draft version."""

    name: Name | None = None
    description: LongText | None = None
    rationale: LongText | None = None
    objective_id: uuid.UUID | None = None
    audience: list[AudienceRole] | None = Field(default=None, min_length=1, max_length=3)
    category: Category | None = None
    stage: Stage | None = None
    priority: int | None = Field(default=None, ge=1, le=5)
    owner_id: uuid.UUID | None = None
    responsible: list[Responsible] | None = Field(default=None, max_length=20)
    rubric: list[RubricLevel] | None = Field(default=None, max_length=10)

    _levels = field_validator("rubric")(_rubric_in_order)
    _aud = field_validator("audience")(distinct)


class VersionOut(BaseModel):
    behavior_id: uuid.UUID
    number: int
    state: Literal["draft", "published"]
    name: str
    description: str
    rationale: str
    objective_id: uuid.UUID | None
    audience: list[AudienceRole]
    category: Category
    stage: str | None
    priority: int
    owner_id: uuid.UUID | None
    responsible: list[ResponsibleOut]
    rubric: list[RubricLevelOut]
    indicators: list[IndicatorOut]
    created_at: datetime
    published_at: datetime | None


class BehaviorOut(BaseModel):
    """A behaviour as it stands: `content` is the published version, or the draft if it was never
    published; `draft` is a pending revision of an active behaviour, published or discarded next."""

    id: uuid.UUID
    key: str
    status: BehaviorStatus
    version: int | None
    draft_version: int | None
    content: VersionOut
    draft: VersionOut | None = None  # a pending revision of an active behaviour
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    retired_at: datetime | None


# ---- scenarios --------------------------------------------------------------------------------

class ScenarioIn(Input):
    title: Name
    situation: LongText = ""
    opening_questions: list[ShortText] = Field(default_factory=list, max_length=20)
    signs_of_proficiency: list[ShortText] = Field(default_factory=list, max_length=20)
    root_causes: list[RootCause] = Field(default_factory=list, max_length=5)

    _rc = field_validator("root_causes")(distinct)


class ScenarioUpdate(Input):
    title: Name | None = None
    situation: LongText | None = None
    opening_questions: list[ShortText] | None = Field(default=None, max_length=20)
    signs_of_proficiency: list[ShortText] | None = Field(default=None, max_length=20)
    root_causes: list[RootCause] | None = Field(default=None, max_length=5)

    _rc = field_validator("root_causes")(distinct)


class ScenarioOut(BaseModel):
    id: uuid.UUID
    behavior_id: uuid.UUID
    title: str
    situation: str
    opening_questions: list[str]
    signs_of_proficiency: list[str]
    root_causes: list[RootCause]
    created_at: datetime
    updated_at: datetime


# ---- alignment assessments --------------------------------------------------------------------

class Statement(BaseModel):
    number: int
    topic: str
    view_1: str
    view_2: str


class AssessmentCreate(Input):
    title: Name
    objective_id: uuid.UUID | None = None


class AssessmentOut(BaseModel):
    id: uuid.UUID
    title: str
    template: str
    objective_id: uuid.UUID | None
    status: Literal["open", "closed"]
    statements: list[Statement]
    created_at: datetime
    closed_at: datetime | None


class ResponseIn(Input):
    function: Function
    answers: list[View] = Field(min_length=7, max_length=7)


class ResponseOut(BaseModel):
    respondent: str
    function: Function
    answers: list[View]
    updated_at: datetime


class FunctionSplit(BaseModel):
    function: Function
    respondents: int
    view_2_share: float  # share of this function's answers that chose View 2
    consensus: float  # 1 = everyone in the function chose the same view; 0 = an even split


class StatementAlignment(BaseModel):
    number: int
    topic: str
    score: float | None  # 1 - mean |p_f - p_g| over pairs of functions; None with fewer than two
    functions: list[FunctionSplit]


class FunctionAlignment(BaseModel):
    function: Function
    respondents: int
    view_2_share: float
    score: float | None  # 1 - mean distance of this function from every other, over all statements


class AlignmentReport(BaseModel):
    assessment_id: uuid.UUID
    respondents: int
    overall: float | None
    statements: list[StatementAlignment]
    functions: list[FunctionAlignment]
    note: str | None = None
