"""DataLoaders, one per access path; each batch is one REST call per service (`?ids=a&ids=b`), re-keyed here.

Keys are an id, or `(id, day)` / `(id, filters)` tuples for paths that take a day or filters: a batch is
split by those extra values (one call each — they come from the query's arguments, not from list sizes)
and by chunks of 200 ids.

Loaders of things many objects of one answer point to (an objective, a metric) hold the service's model, validated
once per request, not once per object that refers to it (`shown` takes the model instance as it is); the others
hold the JSON, which some resolvers read as it is.
"""

import re
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from strawberry.dataloader import DataLoader

from common.ids import parse_uuid
from services.behaviors.schemas import ObjectiveOut
from services.metrics.schemas import MetricOut

if TYPE_CHECKING:
    from gateway.context import Context

BATCH = 200
MAX_PAGES = 10  # a grouped, paginated path follows at most this many cursors per batch (2,000 rows)

Filters = tuple[tuple[str, Any], ...]  # query parameters as a hashable key part, e.g. (("as_of", "2026-01-01"),)
Load = Callable[[list[Any]], Awaitable[list[Any]]]


def _chunks(keys: Sequence[str]) -> list[list[str]]:
    return [list(keys[i:i + BATCH]) for i in range(0, len(keys), BATCH)]


# A UUID as the services write it: such a key is valid and canonical as it is, with no uuid.UUID built (two per
# key and batch were ~3% of a 50-item list query's CPU)
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _valid(keys: Sequence[str], param: str) -> list[str]:
    """Leave out keys the service would reject as a whole batch; they resolve to nothing."""
    if param.endswith(("ids", "_id")):
        return [k for k in keys if _CANONICAL_UUID.fullmatch(k) or parse_uuid(k) is not None]
    return [k for k in keys if 0 < len(k) <= 64]


def _canonical(key: str, param: str) -> str:
    """Ids match in any spelling (`ABC…` and `abc…` name the same UUID)."""
    if not param.endswith(("ids", "_id")) or _CANONICAL_UUID.fullmatch(key):
        return key
    parsed = parse_uuid(key)
    return str(parsed) if parsed else key


def _split(keys: list[Any]) -> dict[Filters, list[str]]:
    """`id` or `(id, filters)` keys → ids per distinct filters."""
    groups: dict[Filters, list[str]] = defaultdict(list)
    for key in keys:
        ident, filters = (key, ()) if isinstance(key, str) else key
        groups[filters].append(ident)
    return groups


def _filters_of(key: Any) -> Filters:
    return () if isinstance(key, str) else key[1]


def _id_of(key: Any) -> str:
    return key if isinstance(key, str) else key[0]


def _validated(model: type[BaseModel], load: Load) -> Load:
    """`load` (one item or None per key) with each item validated into `model`, once per request."""
    async def load_models(keys: list[Any]) -> list[Any]:
        return [None if item is None else model.model_validate(item) for item in await load(keys)]

    return load_models


def filters(**params: Any) -> Filters:
    """Query parameters as a loader key part; None values are left out."""
    return tuple(sorted((k, v) for k, v in params.items() if v is not None))


class _Loader:
    """A DataLoader made on first use, once per `Loaders` (so per request): a query touches one or two of the
    access paths, and building all of them for every request cost ~18% of a one-object query's CPU."""

    def __init__(self, build: Callable[["Loaders"], Load]) -> None:
        self.build = build
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: "Loaders", owner: type | None = None) -> DataLoader[Any, Any]:
        made: DataLoader[Any, Any] = DataLoader(self.build(obj))
        obj.__dict__[self.name] = made  # later reads find the instance's own attribute, not this descriptor
        return made


class Loaders:
    # behaviors
    behavior = _Loader(lambda s: s._by("behaviors", "/v1/behaviors", "ids", "id"))
    behavior_by_key = _Loader(lambda s: s._by("behaviors", "/v1/behaviors", "keys", "key"))
    objective = _Loader(lambda s: _validated(ObjectiveOut, s._by("behaviors", "/v1/objectives", "ids", "id")))
    versions = _Loader(lambda s: s._grouped("behaviors", "/v1/behavior-versions", "behavior_ids", "behavior_id"))
    scenarios = _Loader(lambda s: s._grouped("behaviors", "/v1/scenarios", "behavior_ids", "behavior_id"))
    # coaching: the directory
    person = _Loader(lambda s: s._by("coaching", "/v1/people", "ids", "id"))
    manager = _Loader(lambda s: s._one_per("coaching", "/v1/managers", "person_ids", "person_id"))
    reports = _Loader(lambda s: s._grouped("coaching", "/v1/reports", "manager_ids", "manager_id"))
    # coaching: relationships
    coaches = _Loader(lambda s: s._grouped("coaching", "/v1/coaches", "seller_ids", "seller_id"))
    coachees = _Loader(lambda s: s._grouped("coaching", "/v1/coachees", "coach_ids", "coach_id"))
    programme = _Loader(lambda s: s._by("coaching", "/v1/programmes", "ids", "id"))
    health = _Loader(lambda s: s._one_per("coaching", "/v1/programme-health", "programme_ids", "programme_id"))
    # coaching: sessions and their parts
    session = _Loader(lambda s: s._by("coaching", "/v1/sessions", "ids", "id"))
    sessions_of_seller = _Loader(lambda s: s._pages("coaching", "/v1/sessions", "seller_id", "seller_id"))
    sessions_of_coach = _Loader(lambda s: s._pages("coaching", "/v1/sessions", "coach_id", "coach_id"))
    goals_of_seller = _Loader(lambda s: s._pages("coaching", "/v1/goals", "seller_id", "seller_id"))
    goal = _Loader(lambda s: s._by("coaching", "/v1/goals", "ids", "id"))
    actions_of_seller = _Loader(lambda s: s._pages("coaching", "/v1/actions", "seller_id", "seller_id"))
    # metrics
    metric = _Loader(lambda s: _validated(MetricOut, s._by("metrics", "/v1/metrics", "keys", "key")))
    series = _Loader(lambda s: s._series)
    scorecard = _Loader(lambda s: s._one_per("metrics", "/v1/scorecards", "person_ids", "person_id"))
    goal_progress = _Loader(lambda s: s._one_per("metrics", "/v1/goal-progress", "goal_ids", "goal_id"))
    gap_evaluation = _Loader(lambda s: s._one_per("metrics", "/v1/gap-evaluations", "gap_ids", "gap_id"))
    coaching_queue = _Loader(lambda s: s._one_per("metrics", "/v1/coaching-queues", "coach_ids", "coach_id"))

    def __init__(self, ctx: "Context") -> None:
        self.ctx = ctx

    async def _series(self, keys: list[Any]) -> list[Any]:
        """Series of several people per (metric, grain, from, to): one `person_ids` call each."""
        found: dict[tuple[Filters, str], Any] = {}
        for extra, ids in _split(keys).items():
            for chunk in _chunks(_valid(ids, "person_ids")):
                page = await self.ctx.call("metrics", "GET", "/v1/series", params={"person_ids": chunk, **dict(extra)})
                for item in page["items"]:
                    found[(extra, str(item["person_id"]))] = item
        return [found.get((_filters_of(k), _canonical(_id_of(k), "person_ids"))) for k in keys]

    def _by(self, service: str, path: str, param: str, field: str) -> Load:
        """One item per key, from a paginated list filtered by `param`."""
        async def load(keys: list[str]) -> list[Any]:
            found: dict[str, Any] = {}
            for chunk in _chunks(_valid(keys, param)):
                page = await self.ctx.call(service, "GET", path, params={param: chunk, "limit": len(chunk)})
                found.update((str(item[field]), item) for item in page["items"])
            return [found.get(_canonical(k, param)) for k in keys]

        return load

    def _one_per(self, service: str, path: str, param: str, field: str) -> Load:
        """One item per `(id, filters)` key, from a plain list answer."""
        async def load(keys: list[Any]) -> list[Any]:
            found: dict[tuple[Filters, str], Any] = {}
            for extra, ids in _split(keys).items():
                for chunk in _chunks(_valid(ids, param)):
                    for item in await self.ctx.call(service, "GET", path, params={param: chunk, **dict(extra)}):
                        found[(extra, str(item[field]))] = item
            return [found.get((_filters_of(k), _canonical(_id_of(k), param))) for k in keys]

        return load

    def _grouped(self, service: str, path: str, param: str, field: str) -> Load:
        """Several items per key (`id` or `(id, filters)`), from a plain list answer."""
        async def load(keys: list[Any]) -> list[Any]:
            groups: dict[tuple[Filters, str], list[Any]] = defaultdict(list)
            for extra, ids in _split(keys).items():
                for chunk in _chunks(_valid(ids, param)):
                    for item in await self.ctx.call(service, "GET", path, params={param: chunk, **dict(extra)}):
                        groups[(extra, str(item[field]))].append(item)
            return [groups.get((_filters_of(k), _canonical(_id_of(k), param)), []) for k in keys]

        return load

    def _pages(self, service: str, path: str, param: str, field: str) -> Load:
        """Several items per key from a paginated list: the cursor is followed (at most MAX_PAGES pages), so
        the calls grow with the rows found, never with the number of keys."""
        async def load(keys: list[Any]) -> list[Any]:
            groups: dict[tuple[Filters, str], list[Any]] = defaultdict(list)
            for extra, ids in _split(keys).items():
                for chunk in _chunks(_valid(ids, param)):
                    cursor: str | None = None
                    for _ in range(MAX_PAGES):
                        params: dict[str, Any] = {param: chunk, "limit": BATCH, **dict(extra)}
                        if cursor:
                            params["cursor"] = cursor
                        page = await self.ctx.call(service, "GET", path, params=params)
                        for item in page["items"]:
                            groups[(extra, str(item[field]))].append(item)
                        cursor = page["next_cursor"]
                        if not cursor:
                            break
            return [groups.get((_filters_of(k), _canonical(_id_of(k), param)), []) for k in keys]

        return load
