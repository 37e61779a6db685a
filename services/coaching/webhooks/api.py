"""REST handlers of webhook subscriptions (`webhooks:read` / `webhooks:write`; admin keys have both)."""

import uuid
from typing import Annotated

from fastapi import Depends, Request, Response

from common.auth import Principal, require
from common.db import SessionDep
from common.pagination import Page, PageParams, page_params
from common.routing import service_router
from services.coaching.webhooks.schemas import DeliveryOut, SubscriptionIn, SubscriptionOut, SubscriptionPatch
from services.coaching.webhooks.service import WebhooksService

router = service_router("/v1/webhooks", tags=["webhooks"])
Paging = Annotated[PageParams, Depends(page_params)]


def _service(request: Request, principal: Principal, session: SessionDep) -> WebhooksService:
    return WebhooksService(session, principal.tenant_id,
                           development=request.app.state.settings.environment == "development")


async def _reader(request: Request, principal: Annotated[Principal, Depends(require("webhooks:read"))],
            session: SessionDep) -> WebhooksService:
    return _service(request, principal, session)


async def _writer(request: Request, principal: Annotated[Principal, Depends(require("webhooks:write"))],
            session: SessionDep) -> WebhooksService:
    return _service(request, principal, session)


Reader = Annotated[WebhooksService, Depends(_reader)]
Writer = Annotated[WebhooksService, Depends(_writer)]


@router.post("", status_code=201)
async def create(body: SubscriptionIn, svc: Writer, response: Response) -> SubscriptionOut:
    """Subscribe a URL to event types. The answer carries the signing `secret` — the only time it is shown."""
    out = await svc.create(body)
    response.headers["Location"] = f"/v1/webhooks/{out.id}"
    return out


@router.get("")
async def list_subscriptions(svc: Reader) -> list[SubscriptionOut]:
    return await svc.list()


@router.get("/{subscription_id}")
async def get(subscription_id: uuid.UUID, svc: Reader) -> SubscriptionOut:
    return await svc.get(subscription_id)


@router.patch("/{subscription_id}")
async def update(subscription_id: uuid.UUID, body: SubscriptionPatch, svc: Writer) -> SubscriptionOut:
    return await svc.update(subscription_id, body)


@router.delete("/{subscription_id}", status_code=204)
async def delete(subscription_id: uuid.UUID, svc: Writer) -> None:
    await svc.delete(subscription_id)


@router.post("/{subscription_id}/rotate-secret")
async def rotate_secret(subscription_id: uuid.UUID, svc: Writer) -> SubscriptionOut:
    """A new signing secret (shown in the answer); the old one stops signing at once."""
    return await svc.rotate(subscription_id)


@router.get("/{subscription_id}/deliveries")
async def deliveries(subscription_id: uuid.UUID, svc: Reader, paging: Paging) -> Page[DeliveryOut]:
    """The delivery log, newest first: status, attempts, the last answer or error, the next attempt."""
    return await svc.deliveries(subscription_id, paging)
