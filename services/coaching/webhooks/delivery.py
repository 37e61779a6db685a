"""Delivering webhook deliveries: due ones are taken in batches (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so
several workers never send the same one), POSTed signed, and recorded.

- 2xx: delivered; the subscription's failure streak resets.
- Anything else (status, timeout, refused URL): attempt n failed; the next one waits
  RETRY_BASE x 2^(n-1) (capped at RETRY_CAP) with up to 20% jitter; after MAX_ATTEMPTS the delivery is failed.
- Every failed attempt adds to the subscription's failure streak; at DISABLE_AFTER the subscription is
  disabled (with the reason) and its pending deliveries fail — a long-dead receiver stops costing anything.
  Re-enabling it (PATCH active=true) resets the streak.
"""

import asyncio
import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select, update

from common.db import Database, utcnow
from common.periodic import Periodic
from services.coaching.webhooks import policy, signing
from services.coaching.webhooks.models import WebhookDelivery, WebhookSubscription

log = logging.getLogger("uplift.webhooks")

RETRY_BASE = timedelta(seconds=10)
RETRY_CAP = timedelta(hours=1)
MAX_ATTEMPTS = 8
DISABLE_AFTER = 50
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def backoff(attempt: int, jitter: float) -> timedelta:
    """The wait after failed attempt `attempt` (1-based); `jitter` in [0, 1) adds up to 20%."""
    wait: timedelta = min(RETRY_CAP, RETRY_BASE * (2 ** (attempt - 1)))
    return wait * (1 + 0.2 * jitter)


class Deliverer:
    def __init__(self, db: Database, *, development: bool, client: httpx.AsyncClient | None = None,
                 clock: Callable[[], datetime] = utcnow, batch: int = 20, poll: float = 1.0,
                 disable_after: int = DISABLE_AFTER) -> None:
        self.db = db
        self.development = development
        self.client = client or httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False)
        self.clock = clock
        self.batch = batch
        self.poll = poll
        self.disable_after = disable_after
        self._loop = Periodic("webhooks:deliver", self.run_once, poll)
        self._rng = random.Random()

    async def run_once(self) -> int:
        """Attempt the due deliveries of one batch; how many were attempted."""
        now = self.clock()
        async with self.db.sessions() as s:
            stmt = (select(WebhookDelivery)
                    .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
                    .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(self.batch))
            if s.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            due = list((await s.execute(stmt)).scalars())
            if not due:
                return 0
            subs = {sub.id: sub for sub in (await s.execute(select(WebhookSubscription).where(
                WebhookSubscription.id.in_({d.subscription_id for d in due})))).scalars()}
            await asyncio.gather(*(self._attempt(d, subs[d.subscription_id], now) for d in due))
            for sub in subs.values():
                if sub.active and sub.failure_streak >= self.disable_after:
                    sub.active, sub.updated_at = False, now
                    sub.disabled_reason = f"disabled after {sub.failure_streak} failed attempts in a row"
                    await s.execute(update(WebhookDelivery).where(
                        WebhookDelivery.subscription_id == sub.id, WebhookDelivery.status == "pending").values(
                        status="failed", last_error="the subscription was disabled"))
                    log.warning("webhooks: subscription %s disabled after %d failures", sub.id, sub.failure_streak)
            await s.commit()
        return len(due)

    async def _attempt(self, d: WebhookDelivery, sub: WebhookSubscription, now: datetime) -> None:
        if not sub.active:
            d.status, d.last_error = "failed", "the subscription is disabled"
            return
        d.attempts += 1
        try:
            await policy.check(sub.url, self.development)
            response = await self.client.post(sub.url, content=d.body.encode(),
                                              headers=signing.headers(sub.secret, str(d.event_id), now, d.body))
            d.last_status_code, d.last_error = response.status_code, None
            ok = 200 <= response.status_code < 300
            if not ok:
                d.last_error = f"HTTP {response.status_code}"
        except policy.UrlRefused as exc:
            ok, d.last_status_code, d.last_error = False, None, f"refused: {exc}"
        except httpx.HTTPError as exc:
            ok, d.last_status_code, d.last_error = False, None, f"{type(exc).__name__}: {exc}"[:500]
        if ok:
            d.status, d.delivered_at = "delivered", now
            sub.failure_streak = 0
            return
        sub.failure_streak += 1
        if d.attempts >= MAX_ATTEMPTS:
            d.status = "failed"
        else:
            d.next_attempt_at = now + backoff(d.attempts, self._rng.random())

    async def start(self) -> None:
        await self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
        await self.client.aclose()
