"""Queries and mutations of webhook subscriptions (REST under /api/coaching/v1/webhooks does the same)."""

from functools import partial
from typing import Annotated

import strawberry

from gateway.resolvers.common import Ctx, DeleteResult, deleted, get_or_none, page_params, seg, typed
from gateway.types.common import Conflict, Forbidden, NotFound, ValidationProblem
from gateway.types.inputs import to_body
from gateway.types.shapes import shown, shown_all
from gateway.types.webhooks import (
    WebhookDelivery,
    WebhookDeliveryConnection,
    WebhookInput,
    WebhookPatch,
    WebhookSubscription,
)

WebhookResult = Annotated[WebhookSubscription | ValidationProblem | NotFound | Conflict | Forbidden,
                          strawberry.union("WebhookResult")]


@strawberry.type
class WebhooksQuery:
    @strawberry.field(description="The tenant's webhook subscriptions.")
    async def webhooks(self, info: Ctx) -> list[WebhookSubscription]:
        return shown_all(WebhookSubscription, await info.context.call("coaching", "GET", "/v1/webhooks"))

    @strawberry.field(description="One webhook subscription by id; null when not found.")
    async def webhook(self, info: Ctx, id: strawberry.ID) -> WebhookSubscription | None:
        found = await get_or_none(info.context.call("coaching", "GET", f"/v1/webhooks/{seg(id)}"))
        return shown(WebhookSubscription, found) if found else None

    @strawberry.field(description="A subscription's delivery log, newest first.")
    async def webhook_deliveries(self, info: Ctx, id: strawberry.ID, first: int = 50,
                                 after: str | None = None) -> WebhookDeliveryConnection:
        page = await info.context.call("coaching", "GET", f"/v1/webhooks/{seg(id)}/deliveries",
                                       params=page_params(first, after))
        return WebhookDeliveryConnection(items=shown_all(WebhookDelivery, page["items"]),
                                         next_cursor=page["next_cursor"])


@strawberry.type
class WebhooksMutation:
    @strawberry.mutation(description="Subscribe a URL; the answer carries the signing secret, shown only now.")
    async def create_webhook(self, info: Ctx, input: WebhookInput) -> WebhookResult:
        return await typed(lambda: info.context.call("coaching", "POST", "/v1/webhooks", json=to_body(input)),
                           partial(shown, WebhookSubscription))

    @strawberry.mutation(description="Change a webhook subscription (active: true re-enables a disabled one).")
    async def update_webhook(self, info: Ctx, id: strawberry.ID, input: WebhookPatch) -> WebhookResult:
        return await typed(lambda: info.context.call("coaching", "PATCH", f"/v1/webhooks/{seg(id)}",
                                                     json=to_body(input)), partial(shown, WebhookSubscription))

    @strawberry.mutation(description="A new signing secret, in the answer; the old one stops signing at once.")
    async def rotate_webhook_secret(self, info: Ctx, id: strawberry.ID) -> WebhookResult:
        return await typed(lambda: info.context.call("coaching", "POST", f"/v1/webhooks/{seg(id)}/rotate-secret"),
                           partial(shown, WebhookSubscription))

    @strawberry.mutation(description="Delete a webhook subscription and its delivery log.")
    async def delete_webhook(self, info: Ctx, id: strawberry.ID) -> DeleteResult:
        return await typed(lambda: info.context.call("coaching", "DELETE", f"/v1/webhooks/{seg(id)}"), deleted(id))
