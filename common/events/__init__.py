"""Events between services: a transactional outbox, a relay, transports (in-process or NATS JetStream),
and an idempotent inbox. See README.md beside this file."""

from common.events.bus import Handler, InProcessBus, Retry, Transport
from common.events.envelope import Event
from common.events.inbox import consume_once, inbox_handler, inbox_table
from common.events.outbox import outbox_table, record, record_all
from common.events.relay import Relay

__all__ = [
    "Event", "Handler", "InProcessBus", "Relay", "Retry", "Transport", "consume_once", "inbox_handler",
    "inbox_table", "outbox_table", "record", "record_all",
]
