"""From domain events to webhook deliveries: a consumer of the coaching, behaviors and metrics topics writes, in the
same transaction as its inbox claim, one pending delivery per active subscription of the tenant that asked
for the event's type. The body is what is signed and sent:
`{"id": <event id>, "type": "action.created", "timestamp": <when it happened>, "data": <the event's payload>}`.
The id is the `webhook-id` header too, so receivers can dedupe; a redelivered event changes nothing (unique
(subscription, event))."""

import pydantic_core
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import utcnow
from common.events import Event
from common.ids import new_id
from services.coaching.webhooks.models import WebhookDelivery, WebhookSubscription

# internal topic -> the webhook event type subscribers ask for
TYPES = {
    "coaching.action.created": "action.created",
    "coaching.action.overdue": "action.overdue",
    "coaching.session.completed": "session.completed",
    "coaching.goal.agreed": "goal.agreed",
    "coaching.goal.review_due": "goal.review_due",
    "coaching.gap.opened": "gap.opened",
    "coaching.gap.closed": "gap.closed",
    "coaching.person.upserted": "person.upserted",
    "coaching.programme.fizzling": "programme.fizzling",
    "coaching.programme.recovered": "programme.recovered",
    "metrics.indicator.off_track": "indicator.off_track",
    "metrics.indicator.back_on_track": "indicator.back_on_track",
    "behaviors.behavior.published": "behavior.published",
    "behaviors.behavior.revised": "behavior.revised",
    "behaviors.behavior.retired": "behavior.retired",
}
TOPICS = tuple(TYPES)


def body_of(event: Event, event_type: str) -> str:
    return pydantic_core.to_json({"id": str(event.id), "type": event_type, "timestamp": event.occurred_at,
                                  "data": event.payload}).decode()


async def fan_out(session: AsyncSession, event: Event) -> None:
    event_type = TYPES.get(event.topic)
    if event_type is None:
        return
    subs = (await session.execute(select(WebhookSubscription).where(
        WebhookSubscription.tenant_id == event.tenant_id, WebhookSubscription.active.is_(True)))).scalars()
    wanted = [sub for sub in subs if event_type in sub.event_types]
    if not wanted:
        return
    seen = set((await session.execute(select(WebhookDelivery.subscription_id).where(
        WebhookDelivery.tenant_id == event.tenant_id, WebhookDelivery.event_id == event.id))).scalars())
    now, body = utcnow(), body_of(event, event_type)
    for sub in wanted:
        if sub.id not in seen:
            session.add(WebhookDelivery(id=new_id(), tenant_id=event.tenant_id, subscription_id=sub.id,
                                        event_id=event.id, event_type=event_type, body=body, status="pending",
                                        attempts=0, next_attempt_at=now, created_at=now))
