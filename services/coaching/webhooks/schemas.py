"""Wire shapes of webhook subscriptions and their delivery log. Pure pydantic."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator

from common.validation import Input, distinct

# What a subscriber can ask for, and the internal topics each comes from (see fanout.py).
EventType = Literal["action.created", "action.overdue", "session.completed", "goal.agreed", "goal.review_due",
                    "gap.opened", "gap.closed", "behavior.published", "behavior.revised", "behavior.retired",
                    "person.upserted", "programme.fizzling", "programme.recovered", "indicator.off_track",
                    "indicator.back_on_track"]
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=2000)]
Description = Annotated[str, StringConstraints(max_length=500)]


class SubscriptionIn(Input):
    url: Url
    event_types: list[EventType] = Field(min_length=1, max_length=20)
    description: Description = ""

    _types = field_validator("event_types")(distinct)


class SubscriptionPatch(Input):
    url: Url | None = None
    event_types: list[EventType] | None = Field(default=None, min_length=1, max_length=20)
    description: Description | None = None
    active: bool | None = None  # true re-enables a subscription disabled after failures (the streak resets)

    _types = field_validator("event_types")(distinct)


class SubscriptionOut(BaseModel):
    id: uuid.UUID
    url: str
    event_types: list[str]
    description: str
    active: bool
    disabled_reason: str | None
    failure_streak: int
    created_at: datetime
    updated_at: datetime
    secret: str | None = None  # only when created or rotated


class DeliveryOut(BaseModel):
    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
