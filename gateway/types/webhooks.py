"""GraphQL types of webhook subscriptions (the coaching service) and their delivery log."""

from datetime import datetime
from enum import Enum

import strawberry

from gateway.types.shapes import presents
from services.coaching.webhooks.schemas import DeliveryOut, SubscriptionOut


@strawberry.enum
class WebhookEventType(Enum):
    ACTION_CREATED = "action.created"
    ACTION_OVERDUE = "action.overdue"
    SESSION_COMPLETED = "session.completed"
    GOAL_AGREED = "goal.agreed"
    GOAL_REVIEW_DUE = "goal.review_due"
    GAP_OPENED = "gap.opened"
    GAP_CLOSED = "gap.closed"
    BEHAVIOR_PUBLISHED = "behavior.published"
    BEHAVIOR_REVISED = "behavior.revised"
    BEHAVIOR_RETIRED = "behavior.retired"
    PERSON_UPSERTED = "person.upserted"
    PROGRAMME_FIZZLING = "programme.fizzling"
    PROGRAMME_RECOVERED = "programme.recovered"
    INDICATOR_OFF_TRACK = "indicator.off_track"
    INDICATOR_BACK_ON_TRACK = "indicator.back_on_track"


@presents(SubscriptionOut)
@strawberry.type(description="A URL that receives signed events (Standard Webhooks: webhook-id, webhook-timestamp, "
                             "webhook-signature). `secret` is only given when created or rotated.")
class WebhookSubscription:
    id: strawberry.ID
    url: str
    event_types: list[WebhookEventType]
    description: str
    active: bool
    disabled_reason: str | None
    failure_streak: int = strawberry.field(description="Failed delivery attempts in a row, count (50 disable the "
                                                       "subscription).")
    secret: str | None
    created_at: datetime
    updated_at: datetime


@presents(DeliveryOut)
@strawberry.type
class WebhookDelivery:
    id: strawberry.ID
    event_id: strawberry.ID
    event_type: str
    status: str
    attempts: int = strawberry.field(description="Delivery attempts made, count.")
    next_attempt_at: datetime | None
    last_status_code: int | None = strawberry.field(description="The HTTP status of the last attempt's answer; "
                                                                "null without one.")
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


@strawberry.type
class WebhookDeliveryConnection:
    items: list[WebhookDelivery]
    next_cursor: str | None


@strawberry.input
class WebhookInput:
    url: str
    event_types: list[WebhookEventType]
    description: str | None = strawberry.UNSET


@strawberry.input(description="Only the fields given change; active: true re-enables a disabled subscription.")
class WebhookPatch:
    url: str | None = strawberry.UNSET
    event_types: list[WebhookEventType] | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET
