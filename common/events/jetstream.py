"""NATS JetStream transport (`UPLIFT_BROKER_URL=nats://...`).

One stream (default `UPLIFT`) holds subjects `<prefix>.<topic>` (default `uplift.coaching.person.upserted`);
the tenant travels in the envelope, not the subject. Each publish carries the event id as `Nats-Msg-Id`,
so a re-send within `duplicate_window` (the relay after a crash) is dropped by the server. Each
subscription is a durable pull consumer with explicit acks: ack after the handler returned, nak with a
growing delay when it raised, term after `max_deliver` deliveries. A subscriber that was down resumes
from its consumer's position; a new durable starts from the oldest event the stream keeps (`max_age`).
"""

import asyncio
import logging
from collections.abc import Sequence

import nats
import nats.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError
from pydantic import ValidationError

from common.events.bus import Handler, Retry, check_subscription, matches
from common.events.envelope import Event
from common.redact import redact_text, redact_url

log = logging.getLogger("uplift.events")


class JetStreamBus:
    def __init__(self, url: str, *, stream: str = "UPLIFT", prefix: str = "uplift", retry: Retry | None = None,
                 duplicate_window: float = 900.0, max_age: float = 7 * 86400.0, ack_wait: float = 30.0,
                 batch: int = 50, poll: float = 1.0, connect_timeout: float = 2.0, name: str = "uplift") -> None:
        self.url, self.stream, self.prefix, self.name = url, stream, prefix, name
        self.retry = retry or Retry(delays=(1.0, 5.0, 30.0, 60.0))
        self.duplicate_window, self.max_age, self.ack_wait = duplicate_window, max_age, ack_wait
        self.batch, self.poll, self.connect_timeout = batch, poll, connect_timeout
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = asyncio.Event()
        self.empty_fetches = 0  # fetches that found nothing to deliver (how an idle pull consumer waits)

    def subject(self, topic: str) -> str:
        return f"{self.prefix}.{topic}"

    async def start(self) -> None:
        """Connect and create (or bring up to date) the stream. Raises when the server can't be reached."""
        if self._js is not None:
            return
        try:  # reconnects forever once connected; the first connection gets 2 x connect_timeout
            async with asyncio.timeout(2 * self.connect_timeout):
                nc = await nats.connect(self.url, name=self.name, connect_timeout=max(1, int(self.connect_timeout)),
                                        max_reconnect_attempts=-1, reconnect_time_wait=0.5, error_cb=self._log_error)
        except Exception as exc:
            # no credentials of the URL in the message (it is logged): hosts and the error, redacted
            raise ConnectionError(redact_text(f"NATS at {redact_url(self.url)} is unreachable: {exc!r}",
                                              self.url)) from None
        js = nc.jetstream()
        config = StreamConfig(name=self.stream, subjects=[f"{self.prefix}.>"], storage=StorageType.FILE,
                              duplicate_window=self.duplicate_window, max_age=self.max_age)
        try:
            await js.add_stream(config)
        except BadRequestError as exc:
            if exc.err_code != 10058:  # "stream name already in use with a different configuration"
                raise
            await js.update_stream(config)
        self._nc, self._js = nc, js
        self._closing.clear()

    @property
    def js(self) -> JetStreamContext:
        if self._js is None:
            raise RuntimeError("JetStreamBus.start() was not called")
        return self._js

    async def publish(self, event: Event) -> None:
        ack = await self.js.publish(self.subject(event.topic), event.to_json(), stream=self.stream,
                                    headers={"Nats-Msg-Id": str(event.id)})
        if ack.duplicate:
            log.info("event %s was already in %s (duplicate dropped)", event.id, self.stream)

    async def subscribe(self, durable: str, topics: Sequence[str], handler: Handler) -> None:
        topics = check_subscription(durable, topics)
        # One filter subject (servers before 2.10 take no list): the topic itself, or the widest common
        # prefix of several, the rest filtered here (non-matching events are acked unseen).
        filter_subject = self.subject(topics[0]) if len(topics) == 1 else self.subject(_common_prefix(topics))
        await self.js.add_consumer(self.stream, ConsumerConfig(
            durable_name=durable, ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL,
            filter_subject=filter_subject, max_deliver=self.retry.max_deliver, ack_wait=self.ack_wait))
        sub = await self.js.pull_subscribe_bind(durable=durable, stream=self.stream)
        self._tasks.append(asyncio.create_task(self._pull(sub, durable, topics, handler), name=f"events:{durable}"))

    async def _pull(self, sub: JetStreamContext.PullSubscription, durable: str, topics: tuple[str, ...],
                    handler: Handler) -> None:
        while not self._closing.is_set():
            try:
                messages = await sub.fetch(self.batch, timeout=self.poll)
            except TimeoutError:  # nats-py's errors.TimeoutError, or a plain asyncio.TimeoutError when the
                messages = []  # server's "no messages" came back right at the deadline: both mean idle
            except Exception:
                log.warning("fetch for %s failed; retrying", durable, exc_info=True)
                await asyncio.sleep(self.poll)
                continue
            if not messages:
                self.empty_fetches += 1
                continue
            for msg in messages:
                try:
                    await self._handle(msg, durable, topics, handler)
                except Exception:  # the ack itself failed: the server redelivers after ack_wait
                    log.warning("ack for %s failed", durable, exc_info=True)

    async def _handle(self, msg: Msg, durable: str, topics: tuple[str, ...], handler: Handler) -> None:
        try:
            event = Event.from_json(msg.data)
        except ValidationError:
            log.error("undecodable message on %s (stream seq %s) dropped by %s", msg.subject,
                      msg.metadata.sequence.stream, durable)
            await msg.term()
            return
        if not any(matches(t, event.topic) for t in topics):
            await msg.ack()
            return
        try:
            await handler(event)
        except Exception:
            delivered = msg.metadata.num_delivered
            if delivered >= self.retry.max_deliver:
                log.exception("event %s (%s) given up by %s after %d deliveries", event.id, event.topic, durable,
                              delivered)
                await msg.term()
            else:
                log.warning("event %s (%s) failed in %s (delivery %d), retrying", event.id, event.topic, durable,
                            delivered, exc_info=True)
                await msg.nak(delay=self.retry.delay(delivered))
            return
        await msg.ack()

    async def _log_error(self, exc: Exception) -> None:
        log.warning("NATS: %s", redact_text(repr(exc), self.url))

    async def close(self) -> None:
        """Let every pull loop finish its current batch (at most `poll` seconds idle), then disconnect."""
        self._closing.set()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._nc is not None and not self._nc.is_closed:
            await self._nc.close()  # flushes the last acks
        self._nc = self._js = None


def _common_prefix(topics: Sequence[str]) -> str:
    """The widest `a.b.>` covering every topic (a `>` needs at least one word after the prefix)."""
    words: list[str] = []
    for parts in zip(*(t.split(".") for t in topics), strict=False):
        if len(set(parts)) != 1 or parts[0] in ("*", ">"):
            break
        words.append(parts[0])
    shortest = min(len(t.split(".")) for t in topics)
    return ".".join([*words[: shortest - 1], ">"])

