"""Webhook subscriptions: the rules. Every query is tenant-scoped here (the repository role is small enough
to live with the rules); never commits."""

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import utcnow
from common.errors import Conflict, InvalidInput, NotFound
from common.ids import new_id
from common.pagination import Page, PageParams, build_page
from common.repository import TenantRepository
from services.coaching.webhooks import policy, signing
from services.coaching.webhooks.models import WebhookDelivery, WebhookSubscription
from services.coaching.webhooks.schemas import DeliveryOut, SubscriptionIn, SubscriptionOut, SubscriptionPatch

MAX_SUBSCRIPTIONS = 25


def out(sub: WebhookSubscription, *, with_secret: bool = False) -> SubscriptionOut:
    return SubscriptionOut(id=sub.id, url=sub.url, event_types=sub.event_types, description=sub.description,
                           active=sub.active, disabled_reason=sub.disabled_reason, failure_streak=sub.failure_streak,
                           created_at=sub.created_at, updated_at=sub.updated_at,
                           secret=sub.secret if with_secret else None)


class WebhooksService(TenantRepository):
    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID, *, development: bool) -> None:
        super().__init__(session, tenant_id)
        self.development = development

    async def _url(self, url: str) -> None:
        try:
            await policy.check(url, self.development)
        except policy.UrlRefused as exc:
            raise InvalidInput(str(exc), errors=[{"field": "body.url", "message": str(exc), "code": exc.code}]) \
                from None

    async def _get(self, subscription_id: uuid.UUID) -> WebhookSubscription:
        found = (await self.s.execute(select(WebhookSubscription).where(
            WebhookSubscription.tenant_id == self.tenant_id, WebhookSubscription.id == subscription_id))
        ).scalar_one_or_none()
        if found is None:
            raise NotFound(f"Webhook subscription {subscription_id} does not exist.")
        return found

    async def create(self, body: SubscriptionIn) -> SubscriptionOut:
        await self._url(body.url)
        count = (await self.s.execute(select(func.count()).select_from(WebhookSubscription).where(
            WebhookSubscription.tenant_id == self.tenant_id))).scalar_one()
        if count >= MAX_SUBSCRIPTIONS:
            raise Conflict(f"A tenant has at most {MAX_SUBSCRIPTIONS} webhook subscriptions.")
        now = utcnow()
        sub = WebhookSubscription(id=new_id(), tenant_id=self.tenant_id, url=body.url, event_types=body.event_types,
                                  description=body.description, secret=signing.new_secret(), active=True,
                                  disabled_reason=None, failure_streak=0, created_at=now, updated_at=now)
        self.add(sub)
        await self.flush()
        return out(sub, with_secret=True)

    async def list(self) -> list[SubscriptionOut]:
        rows = (await self.s.execute(select(WebhookSubscription).where(
            WebhookSubscription.tenant_id == self.tenant_id).order_by(WebhookSubscription.id))).scalars()
        return [out(r) for r in rows]

    async def get(self, subscription_id: uuid.UUID) -> SubscriptionOut:
        return out(await self._get(subscription_id))

    async def update(self, subscription_id: uuid.UUID, body: SubscriptionPatch) -> SubscriptionOut:
        sub = await self._get(subscription_id)
        if body.url is not None:
            await self._url(body.url)
            sub.url = body.url
        if body.event_types is not None:
            sub.event_types = list(body.event_types)
        if body.description is not None:
            sub.description = body.description
        if body.active is not None:
            if body.active and not sub.active:
                sub.failure_streak, sub.disabled_reason = 0, None
            sub.active = body.active
        sub.updated_at = utcnow()
        return out(sub)

    async def rotate(self, subscription_id: uuid.UUID) -> SubscriptionOut:
        sub = await self._get(subscription_id)
        sub.secret, sub.updated_at = signing.new_secret(), utcnow()
        return out(sub, with_secret=True)

    async def delete(self, subscription_id: uuid.UUID) -> None:
        await self.s.delete(await self._get(subscription_id))

    async def deliveries(self, subscription_id: uuid.UUID, page: PageParams) -> Page[DeliveryOut]:
        await self._get(subscription_id)
        stmt = (select(WebhookDelivery).where(WebhookDelivery.tenant_id == self.tenant_id,
                                              WebhookDelivery.subscription_id == subscription_id)
                .order_by(WebhookDelivery.id.desc()).limit(page.limit + 1))
        if page.after is not None:
            stmt = stmt.where(WebhookDelivery.id < page.after)
        rows = [DeliveryOut(id=d.id, event_id=d.event_id, event_type=d.event_type, status=d.status,
                            attempts=d.attempts, next_attempt_at=d.next_attempt_at if d.status == "pending" else None,
                            last_status_code=d.last_status_code, last_error=d.last_error, created_at=d.created_at,
                            delivered_at=d.delivered_at) for d in (await self.s.execute(stmt)).scalars()]
        return build_page(rows, page.limit, lambda d: d.id)
