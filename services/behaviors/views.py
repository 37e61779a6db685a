"""The read path of behaviours (GET by id or key, the list): each answer is one Core statement on one
connection, the behaviours with their published and draft versions and those versions' indicators, rendered
straight from the rows into the wire schemas: no ORM identity map, no lazy or select-in loads, no transaction
(a single statement reads one snapshot by itself, so the connection runs in autocommit: no BEGIN, no COMMIT).

The statement's shape is the same for every request of a kind; SQLAlchemy compiles it once and caches it (the
values are bound parameters). The tenant filter is applied here, as in repository.py."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from common.errors import NotFound
from services.behaviors.models import Behavior, BehaviorVersion, Indicator
from services.behaviors.repository import AUDIENCE_BITS
from services.behaviors.schemas import BehaviorOut, IndicatorOut, VersionOut

_b = Behavior.__table__
_v = BehaviorVersion.__table__
_i = Indicator.__table__

_HEAD = ("id", "key", "status", "current_version", "draft_version", "created_at", "updated_at", "published_at",
         "retired_at")
_VERSION = ("id", "number", "state", "name", "description", "rationale", "objective_id", "audience", "category",
            "stage", "priority", "owner_id", "responsible", "rubric", "created_at", "published_at")
_INDICATOR = ("id", "metric_key", "kind", "target", "comparator", "period")


def _with_versions(heads: Any) -> Select[Any]:
    """`heads` (a subquery of behaviours) joined to their head versions and those versions' indicators."""
    return (select(*(heads.c[c].label(f"b_{c}") for c in _HEAD), *(_v.c[c].label(f"v_{c}") for c in _VERSION),
                   *(_i.c[c].label(f"i_{c}") for c in _INDICATOR))
            .select_from(heads)
            .join(_v, and_(_v.c.behavior_id == heads.c.id, _v.c.tenant_id == heads.c.tenant_id,
                           or_(_v.c.number == heads.c.current_version, _v.c.number == heads.c.draft_version)))
            .outerjoin(_i, _i.c.version_id == _v.c.id)
            .order_by(heads.c.id, _v.c.number, _i.c.position))


def _render(rows: Sequence[Any]) -> list[BehaviorOut]:
    """Rows ordered by behaviour, version number and indicator position → one BehaviorOut per behaviour."""
    heads: dict[uuid.UUID, Any] = {}
    versions: dict[tuple[uuid.UUID, int], dict[str, Any]] = {}
    for r in rows:
        m = r._mapping
        bid = m["b_id"]
        heads.setdefault(bid, m)
        key = (bid, m["v_number"])
        version = versions.get(key)
        if version is None:
            version = {c: m[f"v_{c}"] for c in _VERSION if c != "id"}
            version["behavior_id"] = bid
            version["indicators"] = []
            versions[key] = version
        if m["i_id"] is not None:
            version["indicators"].append(IndicatorOut(**{c: m[f"i_{c}"] for c in _INDICATOR}))
    out = []
    for bid, m in heads.items():
        current, draft = m["b_current_version"], m["b_draft_version"]
        effective = versions[(bid, current or draft or 0)]
        pending = versions.get((bid, draft)) if current and draft else None
        out.append(BehaviorOut(id=bid, key=m["b_key"], status=m["b_status"], version=current, draft_version=draft,
                               content=VersionOut(**effective), draft=VersionOut(**pending) if pending else None,
                               created_at=m["b_created_at"], updated_at=m["b_updated_at"],
                               published_at=m["b_published_at"], retired_at=m["b_retired_at"]))
    return out


class BehaviorViews:
    def __init__(self, conn: AsyncConnection, tenant_id: uuid.UUID) -> None:
        self.conn = conn
        self.tenant_id = tenant_id

    async def _one(self, where: Any) -> BehaviorOut | None:
        heads = select(_b).where(_b.c.tenant_id == self.tenant_id, where).subquery()
        found = _render((await self.conn.execute(_with_versions(heads))).all())
        return found[0] if found else None

    async def get(self, behavior_id: uuid.UUID) -> BehaviorOut:
        found = await self._one(_b.c.id == behavior_id)
        if found is None:
            raise NotFound(f"Behaviour {behavior_id} does not exist.")
        return found

    async def by_key(self, key: str) -> BehaviorOut:
        found = await self._one(_b.c.key == key)
        if found is None:
            raise NotFound(f"No behaviour has the key '{key}'.")
        return found

    async def page(self, *, ids: Sequence[uuid.UUID] | None, keys: Sequence[str] | None, status: str | None,
                   audience: str | None, objective_id: uuid.UUID | None, category: str | None,
                   after: uuid.UUID | None, limit: int) -> list[BehaviorOut]:
        """Up to limit + 1 behaviours in id order after `after` (the extra one tells that there is more)."""
        heads = select(_b).where(_b.c.tenant_id == self.tenant_id)
        if ids is not None:
            heads = heads.where(_b.c.id.in_(ids))
        if keys is not None:
            heads = heads.where(_b.c.key.in_(keys))
        if status is not None:
            heads = heads.where(_b.c.status == status)
        if audience is not None:
            heads = heads.where(_b.c.audience_mask.op("&")(AUDIENCE_BITS[audience]) != 0)
        if objective_id is not None:
            heads = heads.where(_b.c.objective_id == objective_id)
        if category is not None:
            heads = heads.where(_b.c.category == category)
        if after is not None:
            heads = heads.where(_b.c.id > after)
        heads = heads.order_by(_b.c.id).limit(limit + 1)
        return _render((await self.conn.execute(_with_versions(heads.subquery()))).all())
