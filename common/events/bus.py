"""Transports: how a published event reaches the handlers subscribed to its topic.

Both transports give the same contract: at-least-once delivery to every durable subscription whose topic
patterns match, a failing handler retried after growing delays up to `max_deliver` deliveries in all, then
given up with an ERROR log naming the event and the subscription. Handlers must therefore be idempotent
(see inbox.py) and order-safe per entity (compare `entity_version`).
"""

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from common.events.envelope import Event

log = logging.getLogger("uplift.events")

Handler = Callable[[Event], Awaitable[None]]
DURABLE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class Transport(Protocol):
    async def start(self) -> None: ...

    async def publish(self, event: Event) -> None:
        """Return only once the event is safely handed over (delivered in-process, stored by the broker)."""

    async def subscribe(self, durable: str, topics: Sequence[str], handler: Handler) -> None:
        """Deliver events whose topic matches one of `topics` (NATS wildcards: `*` one word, `>` the rest)
        to `handler`. `durable` names the subscriber (e.g. "metrics-people"): its position survives restarts
        on a broker, and replicas sharing the name share the work."""

    async def close(self) -> None: ...


@dataclass(frozen=True)
class Retry:
    """How often and after how long a failing handler gets the event again."""

    max_deliver: int = 5
    delays: tuple[float, ...] = (0.1, 0.5, 2.0, 5.0)  # before the 2nd, 3rd, ... delivery; the last repeats

    def delay(self, delivered: int) -> float:
        return self.delays[min(delivered, len(self.delays)) - 1] if self.delays else 0.0


def matches(pattern: str, topic: str) -> bool:
    """NATS subject matching: `*` matches one word, a final `>` one or more."""
    want, have = pattern.split("."), topic.split(".")
    for i, word in enumerate(want):
        if word == ">":
            return len(have) > i
        if i >= len(have) or (word != "*" and word != have[i]):
            return False
    return len(want) == len(have)


def check_subscription(durable: str, topics: Sequence[str]) -> tuple[str, ...]:
    if not DURABLE_PATTERN.match(durable):
        raise ValueError(f"durable name {durable!r}: letters, digits, '_' or '-' only, at most 64")
    if not topics or any(not re.fullmatch(r"([a-z0-9_-]+|\*)(\.([a-z0-9_-]+|\*))*(\.>)?|>", t) for t in topics):
        raise ValueError(f"topics {list(topics)!r}: dot-separated lower-case words, '*' or a final '>'")
    return tuple(topics)


async def deliver(handler: Handler, event: Event, durable: str, retry: Retry) -> bool:
    """In-process delivery with the transport contract's retries; False when given up."""
    for delivered in range(1, retry.max_deliver + 1):
        try:
            await handler(event)
            return True
        except Exception:
            if delivered >= retry.max_deliver:
                log.exception("event %s (%s) given up by %s after %d deliveries",
                              event.id, event.topic, durable, delivered)
                return False
            log.warning("event %s (%s) failed in %s (delivery %d), retrying", event.id, event.topic, durable,
                        delivered, exc_info=True)
            await asyncio.sleep(retry.delay(delivered))
    return False


class InProcessBus:
    """The embedded default (`make run`): no broker. `publish` awaits every matching handler, with
    retries, before it returns — so the relay marks an outbox row published only once it was handled
    (or given up). Subscriptions live as long as the process and nothing is kept for a subscriber that
    comes later, so publishing waits until `start()`: whoever assembles the process subscribes every
    service first, then starts the bus."""

    def __init__(self, retry: Retry | None = None) -> None:
        self.retry = retry or Retry(delays=(0.05, 0.2, 1.0, 2.0))
        self._subscriptions: dict[str, tuple[tuple[str, ...], Handler]] = {}
        self._open = asyncio.Event()

    async def start(self) -> None:
        self._open.set()

    async def publish(self, event: Event) -> None:
        while not self._open.is_set():
            try:
                await asyncio.wait_for(self._open.wait(), 5.0)
            except TimeoutError:
                log.warning("InProcessBus not started: event %s waits", event.id)
        for durable, (topics, handler) in list(self._subscriptions.items()):
            if any(matches(t, event.topic) for t in topics):
                await deliver(handler, event, durable, self.retry)

    async def subscribe(self, durable: str, topics: Sequence[str], handler: Handler) -> None:
        self._subscriptions[durable] = (check_subscription(durable, topics), handler)

    async def close(self) -> None:
        self._open.clear()
        self._subscriptions.clear()
