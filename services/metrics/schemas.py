"""Wire shapes of the metrics service. Pure pydantic: the gateway and clients may import this."""

import math
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import pydantic_core
from pydantic import AwareDatetime, BaseModel, Field, StringConstraints, field_validator, model_validator

from common.validation import Input

Source = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=128)]
ActivityType = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,47}$")]
KNOWN_ACTIVITY_TYPES = ("call", "email", "meeting", "demo", "proposal", "visit", "opportunity_created",
                        "stage_change", "opportunity_won", "opportunity_lost")
MAX_BATCH = 5000
MAX_ATTRIBUTES_BYTES = 4096
ItemStatus = Literal["created", "updated", "duplicate", "conflict", "rejected"]


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


class Batch(Input):
    """Items are validated one by one, so one bad item is reported instead of failing the batch."""

    items: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH)


class ItemResult(BaseModel):
    index: int
    external_id: str | None
    status: ItemStatus
    id: uuid.UUID | None = None
    errors: list[dict[str, str]] = Field(default_factory=list)


class BatchResult(BaseModel):
    created: int
    updated: int
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
