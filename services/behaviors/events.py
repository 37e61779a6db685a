"""The behaviors service's domain events, recorded into its outbox in the caller's transaction.

A behaviour is published (its first version), revised (a later version published) or retired; each event
carries what others judge people by — key, name, status, audience and indicators — plus the rest of the
published content's headline. Drafts are not published: nobody is measured against a draft.

`entity_version` = twice the published version number, + 1 once retired. The lifecycle only moves forward
(publishing raises the number; a retired behaviour never changes again), so it only grows.
"""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.events import record
from services.behaviors.models import Outbox
from services.behaviors.schemas import BehaviorOut

BEHAVIOR_PUBLISHED = "behaviors.behavior.published"
BEHAVIOR_REVISED = "behaviors.behavior.revised"
BEHAVIOR_RETIRED = "behaviors.behavior.retired"


def entity_version(b: BehaviorOut) -> int:
    return 2 * (b.version or 0) + (1 if b.status == "retired" else 0)


def behavior_payload(b: BehaviorOut) -> dict[str, Any]:
    c = b.content  # the published version
    return {"id": b.id, "key": b.key, "status": b.status, "version": b.version, "name": c.name,
            "audience": list(c.audience), "indicators": [i.model_dump() for i in c.indicators],
            "objective_id": c.objective_id, "category": c.category, "stage": c.stage, "priority": c.priority,
            "published_at": b.published_at, "retired_at": b.retired_at}


async def behavior_changed(session: AsyncSession, tenant_id: uuid.UUID, topic: str, b: BehaviorOut) -> None:
    await record(session, Outbox, tenant_id=tenant_id, topic=topic, entity_id=b.id, entity_version=entity_version(b),
                 payload=behavior_payload(b))
