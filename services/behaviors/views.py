"""The read path of behaviours (GET by id or key, the list), of the objectives list, and of the versions and the
scenarios of behaviours: each answer is one Core statement on one connection (a behaviour comes with its
published and draft versions and those versions' indicators), rendered straight from the rows into the wire
schemas: no ORM identity map, no lazy or select-in loads, no transaction (a single statement reads one snapshot
by itself, so the connection runs in autocommit: no BEGIN, no COMMIT).

The statements are built once (one per combination of list filters) with bound parameters, so a request neither
builds nor compiles SQL: SQLAlchemy finds the compiled form by the statement's memoised cache key. The tenant
filter is applied here, as in repository.py."""

import functools
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, or_, select

from common.db import Database
from common.errors import NotFound
from services.behaviors.models import Behavior, BehaviorVersion, Indicator, Objective, Scenario
from services.behaviors.repository import AUDIENCE_BITS
from services.behaviors.schemas import BehaviorOut, IndicatorOut, ObjectiveOut, ScenarioOut, VersionOut

_b = Behavior.__table__
_v = BehaviorVersion.__table__
_i = Indicator.__table__
_o = Objective.__table__
_s = Scenario.__table__

_HEAD = ("id", "key", "status", "current_version", "draft_version", "created_at", "updated_at", "published_at",
         "retired_at")
_VERSION = ("id", "number", "state", "name", "description", "rationale", "objective_id", "audience", "category",
            "stage", "priority", "owner_id", "responsible", "rubric", "created_at", "published_at")
_INDICATOR = ("id", "metric_key", "kind", "target", "comparator", "period")
_OBJECTIVE = tuple(ObjectiveOut.model_fields)
_SCENARIO = tuple(ScenarioOut.model_fields)


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


_BY_ID = _with_versions(select(_b).where(_b.c.tenant_id == bindparam("tenant"),
                                         _b.c.id == bindparam("id")).subquery())
_BY_KEY = _with_versions(select(_b).where(_b.c.tenant_id == bindparam("tenant"),
                                          _b.c.key == bindparam("key")).subquery())
FILTERS = ("ids", "keys", "status", "audience", "objective_id", "category", "after")


@functools.cache
def _page_statement(given: tuple[str, ...]) -> Select[Any]:
    """The list statement for the filters given (bound parameters named after them, plus tenant and limit)."""
    heads = select(_b).where(_b.c.tenant_id == bindparam("tenant"))
    conditions: dict[str, Callable[[], ColumnElement[bool]]] = {
        "ids": lambda: _b.c.id.in_(bindparam("ids", expanding=True)),
        "keys": lambda: _b.c.key.in_(bindparam("keys", expanding=True)),
        "status": lambda: _b.c.status == bindparam("status"),
        "audience": lambda: _b.c.audience_mask.op("&")(bindparam("audience")) != 0,
        "objective_id": lambda: _b.c.objective_id == bindparam("objective_id"),
        "category": lambda: _b.c.category == bindparam("category"),
        "after": lambda: _b.c.id > bindparam("after"),
    }
    for name in given:
        heads = heads.where(conditions[name]())
    return _with_versions(heads.order_by(_b.c.id).limit(bindparam("limit")).subquery())


@functools.cache
def _objectives_statement(given: tuple[str, ...]) -> Select[Any]:
    """The objectives list for the filters given (`ids`, `status`, `after`), in id order, `limit` rows."""
    conditions: dict[str, Callable[[], ColumnElement[bool]]] = {
        "ids": lambda: _o.c.id.in_(bindparam("ids", expanding=True)),
        "status": lambda: _o.c.status == bindparam("status"),
        "after": lambda: _o.c.id > bindparam("after"),
    }
    statement = select(*(_o.c[c] for c in _OBJECTIVE)).where(_o.c.tenant_id == bindparam("tenant"))
    for name in given:
        statement = statement.where(conditions[name]())
    return statement.order_by(_o.c.id).limit(bindparam("limit"))


_SCENARIOS = (select(*(_s.c[c] for c in _SCENARIO))
              .where(_s.c.tenant_id == bindparam("tenant"), _s.c.behavior_id.in_(bindparam("ids", expanding=True)))
              .order_by(_s.c.behavior_id, _s.c.id))


_VERSIONS = (select(_v.c.behavior_id.label("v_behavior_id"), *(_v.c[c].label(f"v_{c}") for c in _VERSION),
                    *(_i.c[c].label(f"i_{c}") for c in _INDICATOR))
             .outerjoin(_i, _i.c.version_id == _v.c.id)
             .where(_v.c.tenant_id == bindparam("tenant"), _v.c.behavior_id.in_(bindparam("ids", expanding=True)))
             .order_by(_v.c.behavior_id, _v.c.number, _i.c.position))


def _render_versions(rows: Sequence[Any]) -> list[VersionOut]:
    """Rows ordered by behaviour, version number and indicator position → one VersionOut per version."""
    versions: dict[uuid.UUID, dict[str, Any]] = {}
    for r in rows:
        m = r._mapping
        version = versions.get(m["v_id"])
        if version is None:
            version = {c: m[f"v_{c}"] for c in _VERSION if c != "id"}
            version["behavior_id"] = m["v_behavior_id"]
            version["indicators"] = []
            versions[m["v_id"]] = version
        if m["i_id"] is not None:
            version["indicators"].append(IndicatorOut(**{c: m[f"i_{c}"] for c in _INDICATOR}))
    return [VersionOut(**v) for v in versions.values()]


class BehaviorViews:
    def __init__(self, db: Database, tenant_id: uuid.UUID) -> None:
        self.db = db
        self.tenant_id = tenant_id

    async def get(self, behavior_id: uuid.UUID) -> BehaviorOut:
        found = _render(await self.db.read(_BY_ID, {"tenant": self.tenant_id, "id": behavior_id}))
        if not found:
            raise NotFound(f"Behaviour {behavior_id} does not exist.")
        return found[0]

    async def by_key(self, key: str) -> BehaviorOut:
        found = _render(await self.db.read(_BY_KEY, {"tenant": self.tenant_id, "key": key}))
        if not found:
            raise NotFound(f"No behaviour has the key '{key}'.")
        return found[0]

    async def page(self, *, ids: Sequence[uuid.UUID] | None, keys: Sequence[str] | None, status: str | None,
                   audience: str | None, objective_id: uuid.UUID | None, category: str | None,
                   after: uuid.UUID | None, limit: int) -> list[BehaviorOut]:
        """Up to limit + 1 behaviours in id order after `after` (the extra one tells that there is more)."""
        values: dict[str, Any] = {"ids": ids, "keys": keys, "status": status, "objective_id": objective_id,
                                  "category": category, "after": after,
                                  "audience": None if audience is None else AUDIENCE_BITS[audience]}
        given = {k: v for k, v in values.items() if v is not None}
        statement = _page_statement(tuple(k for k in FILTERS if k in given))
        params = {**given, "tenant": self.tenant_id, "limit": limit + 1}
        return _render(await self.db.read(statement, params))

    async def objectives(self, *, ids: Sequence[uuid.UUID] | None, status: str | None, after: uuid.UUID | None,
                         limit: int) -> list[ObjectiveOut]:
        """Up to limit + 1 objectives in id order after `after` (the extra one tells that there is more)."""
        given = {k: v for k, v in (("ids", ids), ("status", status), ("after", after)) if v is not None}
        statement = _objectives_statement(tuple(given))
        rows = await self.db.read(statement, {**given, "tenant": self.tenant_id, "limit": limit + 1})
        return [ObjectiveOut(**r._mapping) for r in rows]

    async def scenarios(self, behavior_ids: Sequence[uuid.UUID]) -> list[ScenarioOut]:
        """The scenarios of these behaviours, by behaviour then id."""
        rows = await self.db.read(_SCENARIOS, {"tenant": self.tenant_id, "ids": behavior_ids})
        return [ScenarioOut(**r._mapping) for r in rows]

    async def versions(self, behavior_ids: Sequence[uuid.UUID]) -> list[VersionOut]:
        """Every version of these behaviours with its indicators, by behaviour then number."""
        return _render_versions(await self.db.read(_VERSIONS, {"tenant": self.tenant_id, "ids": behavior_ids}))
