"""DataLoaders, one per access path; each batch is one REST call (`?ids=a&ids=b`), re-keyed here."""

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from common.ids import parse_uuid

if TYPE_CHECKING:
    from gateway.context import Context

BATCH = 200


def _chunks(keys: Sequence[str]) -> list[list[str]]:
    return [list(keys[i:i + BATCH]) for i in range(0, len(keys), BATCH)]


def _valid(keys: Sequence[str], param: str) -> list[str]:
    """Leave out keys the service would reject as a whole batch; they resolve to nothing."""
    if param.endswith("ids"):
        return [k for k in keys if parse_uuid(k) is not None]
    return [k for k in keys if 0 < len(k) <= 64]


def _canonical(key: str, param: str) -> str:
    """Ids match in any spelling (`ABC…` and `abc…` name the same UUID)."""
    parsed = parse_uuid(key) if param.endswith("ids") else None
    return str(parsed) if parsed else key


class Loaders:
    def __init__(self, ctx: "Context") -> None:
        self.ctx = ctx
        self.behavior = DataLoader(self._by("/v1/behaviors", "ids", "id"))
        self.behavior_by_key = DataLoader(self._by("/v1/behaviors", "keys", "key"))
        self.objective = DataLoader(self._by("/v1/objectives", "ids", "id"))
        self.versions = DataLoader(self._grouped("/v1/behavior-versions", "behavior_ids", "behavior_id"))
        self.scenarios = DataLoader(self._grouped("/v1/scenarios", "behavior_ids", "behavior_id"))

    def _by(self, path: str, param: str, field: str) -> Callable[[list[str]], Awaitable[list[Any]]]:
        async def load(keys: list[str]) -> list[Any]:
            found: dict[str, Any] = {}
            for chunk in _chunks(_valid(keys, param)):
                page = await self.ctx.call("behaviors", "GET", path, params={param: chunk, "limit": len(chunk)})
                found.update((str(item[field]), item) for item in page["items"])
            return [found.get(_canonical(k, param)) for k in keys]

        return load

    def _grouped(self, path: str, param: str, field: str) -> Callable[[list[str]], Awaitable[list[Any]]]:
        async def load(keys: list[str]) -> list[Any]:
            groups: dict[str, list[Any]] = defaultdict(list)
            for chunk in _chunks(_valid(keys, param)):
                for item in await self.ctx.call("behaviors", "GET", path, params={param: chunk}):
                    groups[str(item[field])].append(item)
            return [groups.get(_canonical(k, param), []) for k in keys]

        return load
