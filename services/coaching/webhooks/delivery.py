"""Delivering webhook deliveries, safe with any number of coaching replicas. No transaction is open while a
receiver is called:

1. Claim (one short transaction): due pending deliveries whose claim is free are stamped with this attempt's
   token and `claimed_until` = now + the claim time (PostgreSQL picks them `FOR UPDATE SKIP LOCKED`; on both
   databases the stamping UPDATE re-checks that the claim is still free, so two workers never both win one).
   A worker that dies holding claims lets them go when `claimed_until` passes.
2. Send (no transaction): each claimed delivery is POSTed signed through the pinned client (transport.py),
   side by side, each bounded by the timeout.
3. Record (one short transaction per delivery): the outcome is written only if the claim is still this
   attempt's; the subscription's row is locked first (the same order everywhere, so recorders never deadlock).

Outcomes:
- 2xx: delivered; the subscription's failure streak resets.
- Anything else (status, timeout, refused URL, or an unexpected error such as a payload that cannot be signed):
  attempt n failed; the next one waits RETRY_BASE x 2^(n-1) (capped at RETRY_CAP) with up to 20% jitter; after
  MAX_ATTEMPTS the delivery is failed. One delivery's error never holds back the rest of its batch.
- Every failed attempt adds to the subscription's failure streak; at `disable_after` the subscription is
  disabled (with the reason) and its pending deliveries fail — a long-dead receiver stops costing anything.
  Re-enabling it (PATCH active=true) resets the streak.
"""

import asyncio
import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from ssl import SSLContext
from typing import Any

import httpx
from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import Database, utcnow
from common.logsafety import origin_only
from common.periodic import Periodic
from services.coaching.settings import CoachingSettings
from services.coaching.webhooks import policy, signing
from services.coaching.webhooks.models import WebhookDelivery, WebhookSubscription
from services.coaching.webhooks.transport import pinned_client

log = logging.getLogger("uplift.webhooks")

RETRY_BASE = timedelta(seconds=10)
RETRY_CAP = timedelta(hours=1)
MAX_ATTEMPTS = 8
DISABLE_AFTER = 50


def backoff(attempt: int, jitter: float) -> timedelta:
    """The wait after failed attempt `attempt` (1-based); `jitter` in [0, 1) adds up to 20%."""
    wait: timedelta = min(RETRY_CAP, RETRY_BASE * (2 ** (attempt - 1)))
    return wait * (1 + 0.2 * jitter)


@dataclass(frozen=True)
class DeliveryConfig:
    development: bool
    timeout: float = 10.0  # one attempt in all
    connect_timeout: float = 5.0
    claim: timedelta = timedelta(seconds=60)
    batch: int = 20
    poll: float = 1.0
    max_attempts: int = MAX_ATTEMPTS
    disable_after: int = DISABLE_AFTER

    def __post_init__(self) -> None:
        if self.claim.total_seconds() <= self.timeout:
            raise ValueError("a claim must last longer than the attempt it covers")

    @classmethod
    def of(cls, s: CoachingSettings, **overrides: Any) -> "DeliveryConfig":
        return replace(cls(development=s.environment == "development", timeout=s.webhooks_timeout_seconds,
                           connect_timeout=s.webhooks_connect_timeout_seconds,
                           claim=timedelta(seconds=s.webhooks_claim_seconds), batch=s.webhooks_batch,
                           poll=s.webhooks_poll_seconds), **overrides)


@dataclass(frozen=True)
class Claimed:
    """A delivery claimed for one attempt, with what sending it needs."""

    id: uuid.UUID
    subscription_id: uuid.UUID
    event_id: uuid.UUID
    body: str
    attempts: int
    url: str
    secret: str


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str | None = None


class Deliverer:
    def __init__(self, db: Database, config: DeliveryConfig, *, clock: Callable[[], datetime] = utcnow,
                 verify: SSLContext | bool = True) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.client = pinned_client(development=config.development, verify=verify, max_connections=config.batch,
                                    timeout=httpx.Timeout(config.timeout, connect=config.connect_timeout))
        self._loop = Periodic("webhooks:deliver", self.run_once, config.poll)
        self._rng = random.Random()
        self._in_flight: set[asyncio.Future[list[None]]] = set()

    async def run_once(self) -> int:
        """Claim a batch of due deliveries, attempt them, record each outcome; how many were claimed."""
        token, claimed, skipped = await self.claim(self.clock())
        if claimed:
            # shielded: stopping the loop mid-send lets the batch finish and record (stop() waits for it), so a
            # replica shut down gracefully leaves nothing for another to send again
            batch = asyncio.ensure_future(asyncio.gather(*(self._deliver(c, token) for c in claimed)))
            self._in_flight.add(batch)
            batch.add_done_callback(self._in_flight.discard)
            await asyncio.shield(batch)
        return len(claimed) + skipped

    # ---- 1. claim
    async def claim(self, now: datetime) -> tuple[uuid.UUID, list[Claimed], int]:
        """Claim up to a batch of due deliveries for this attempt: (its token, what to send, how many were failed
        at once because their subscription is disabled)."""
        d, sub = WebhookDelivery, WebhookSubscription
        token = uuid.uuid4()
        due = and_(d.status == "pending", d.next_attempt_at <= now,
                   or_(d.claimed_until.is_(None), d.claimed_until <= now))
        async with self.db.sessions() as s, s.begin():
            pick = select(d.id).where(due).order_by(d.next_attempt_at, d.id).limit(self.config.batch)
            if _postgres(s):
                pick = pick.with_for_update(skip_locked=True)
            ids = list((await s.execute(pick)).scalars())
            if not ids:
                return token, [], 0
            await s.execute(update(d).where(d.id.in_(ids), due).values(claimed_until=now + self.config.claim,
                                                                         claim_token=token)
                            .execution_options(synchronize_session=False))
            rows = (await s.execute(select(d.id, d.subscription_id, d.event_id, d.body, d.attempts, sub.url,
                                           sub.secret, sub.active)
                                    .join(sub, sub.id == d.subscription_id).where(d.claim_token == token))).all()
            disabled = [r.id for r in rows if not r.active]
            if disabled:
                await s.execute(update(d).where(d.id.in_(disabled)).values(
                    status="failed", last_error="the subscription is disabled", claimed_until=None, claim_token=None)
                    .execution_options(synchronize_session=False))
        return token, [Claimed(r.id, r.subscription_id, r.event_id, r.body, r.attempts, r.url, r.secret)
                       for r in rows if r.active], len(disabled)

    async def _deliver(self, c: Claimed, token: uuid.UUID) -> None:
        outcome = await self.attempt(c)
        try:
            await self.record(c, token, outcome)
        except Exception:  # the claim runs out and the delivery is attempted again
            log.exception("webhooks: recording the outcome of delivery %s failed", c.id)

    # ---- 2. send (no transaction open)
    async def attempt(self, c: Claimed) -> Outcome:
        """POST one delivery; never raises (an unexpected error is this delivery's failed attempt)."""
        try:
            host, _ = policy.shape(c.url, self.config.development)
            if policy.is_literal(host) and not self.config.development:
                policy.refuse_unless_public(host, [host])  # names are checked at the connection (transport.py)
            headers = signing.headers(c.secret, str(c.event_id), self.clock(), c.body)
            async with asyncio.timeout(self.config.timeout):  # logged by origin: a URL's path may be a secret
                with origin_only():
                    async with self.client.stream("POST", c.url, content=c.body.encode(),
                                                  headers=headers) as response:
                        code = response.status_code  # the answer's body is not read
            ok = 200 <= code < 300
            return Outcome(ok, code, None if ok else f"HTTP {code}")
        except policy.UrlRefused as exc:
            return Outcome(False, error=f"refused: {exc}"[:500])
        except TimeoutError:
            return Outcome(False, error=f"no answer within {self.config.timeout:g} s")
        except httpx.HTTPError as exc:
            return Outcome(False, error=f"{type(exc).__name__}: {exc}"[:500])
        except Exception as exc:
            log.exception("webhooks: delivery %s failed unexpectedly", c.id)
            return Outcome(False, error=f"internal error ({type(exc).__name__}); the delivery is retried")

    # ---- 3. record
    async def record(self, c: Claimed, token: uuid.UUID, outcome: Outcome) -> None:
        d, sub = WebhookDelivery, WebhookSubscription
        now = self.clock()
        async with self.db.sessions() as s, s.begin():
            active_of = select(sub.active).where(sub.id == c.subscription_id)
            if _postgres(s):
                active_of = active_of.with_for_update()  # the subscription first, then the delivery
            active = (await s.execute(active_of)).scalar_one_or_none()
            if active is None:
                return  # the subscription (and its deliveries) was deleted meanwhile
            attempts = c.attempts + 1
            values: dict[str, Any] = {"attempts": attempts, "last_status_code": outcome.status_code,
                                      "last_error": outcome.error, "claimed_until": None, "claim_token": None}
            if outcome.ok:
                values.update(status="delivered", delivered_at=now)
            elif not active:
                values.update(status="failed", last_error=f"{outcome.error}; the subscription is disabled"[:500])
            elif attempts >= self.config.max_attempts:
                values.update(status="failed")
            else:
                values.update(next_attempt_at=now + backoff(attempts, self._rng.random()))
            mine = (await s.execute(update(d).where(d.id == c.id, d.claim_token == token).values(**values)
                                    .returning(d.id).execution_options(synchronize_session=False))).first()
            if mine is None:
                log.warning("webhooks: delivery %s was claimed again before its outcome was recorded", c.id)
                return
            if outcome.ok:
                await s.execute(update(sub).where(sub.id == c.subscription_id).values(failure_streak=0))
            elif active:
                await self._count_failure(s, c.subscription_id, now)

    async def _count_failure(self, s: AsyncSession, subscription_id: uuid.UUID, now: datetime) -> None:
        d, sub = WebhookDelivery, WebhookSubscription
        streak = (await s.execute(update(sub).where(sub.id == subscription_id, sub.active.is_(True))
                                  .values(failure_streak=sub.failure_streak + 1).returning(sub.failure_streak)
                                  .execution_options(synchronize_session=False))).scalar_one_or_none()
        if streak is None or streak < self.config.disable_after:
            return
        await s.execute(update(sub).where(sub.id == subscription_id).values(
            active=False, updated_at=now, disabled_reason=f"disabled after {streak} failed attempts in a row"))
        # the ones another attempt holds record themselves (failed: the subscription is disabled)
        await s.execute(update(d).where(d.subscription_id == subscription_id, d.status == "pending",
                                        or_(d.claimed_until.is_(None), d.claimed_until <= now))
                        .values(status="failed", last_error="the subscription was disabled")
                        .execution_options(synchronize_session=False))
        log.warning("webhooks: subscription %s disabled after %d failures", subscription_id, streak)

    async def start(self) -> None:
        await self._loop.start()

    async def stop(self) -> None:
        """Claim nothing more; let the attempts under way end (each is bounded by the timeout) and record them."""
        await self._loop.stop()
        if self._in_flight:
            await asyncio.wait(set(self._in_flight))
        await self.client.aclose()


def _postgres(s: AsyncSession) -> bool:
    return s.get_bind().dialect.name == "postgresql"
