"""The metrics service's own events, recorded into its outbox in the caller's transaction (the relay publishes
them; coaching's webhook fan-out turns them into deliveries). Payloads carry ids and figures.

- `metrics.indicator.off_track` / `metrics.indicator.back_on_track`: entity = the occurrence (a person's indicator
  in one period, `indicator_alerts.id`); entity_version 1 off track, 2 back on track — each once per period."""

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.events import Event, record_all
from services.metrics.models import Outbox

INDICATOR_OFF_TRACK = "metrics.indicator.off_track"
INDICATOR_BACK_ON_TRACK = "metrics.indicator.back_on_track"
VERSIONS = {INDICATOR_OFF_TRACK: 1, INDICATOR_BACK_ON_TRACK: 2}


async def indicator_alerts(session: AsyncSession, alerts: Iterable[tuple[uuid.UUID, str, dict[str, Any]]]) -> None:
    """(tenant, topic, payload) each; the payload's `id` is the occurrence's."""
    await record_all(session, Outbox, [
        Event.new(tenant_id=tenant, topic=topic, entity_id=payload["id"], entity_version=VERSIONS[topic],
                  payload={**payload, "version": VERSIONS[topic]}) for tenant, topic, payload in alerts])
