"""A thin client of Uplift's public REST (through the gateway): the admin key by default, or a person's own
bearer token when the rules want that person to act (a coach runs their sessions, a seller rates them)."""

import uuid
from datetime import timedelta
from typing import Any

import httpx

from common.auth import issue_person_token


class DemoLoadError(RuntimeError):
    """A call of the demo load was refused; the message names the call and the service's answer."""


class Api:
    def __init__(self, client: httpx.AsyncClient, *, tenant_id: uuid.UUID, jwt_secret: str | None) -> None:
        self.client = client
        self.tenant_id = tenant_id
        self.jwt_secret = jwt_secret
        self.calls = 0
        self._tokens: dict[str, str] = {}

    def token(self, person_id: str, roles: tuple[str, ...]) -> str:
        if self.jwt_secret is None:
            raise DemoLoadError("People's actions need the JWT secret the services verify tokens with.")
        if person_id not in self._tokens:
            self._tokens[person_id] = issue_person_token(
                self.jwt_secret, tenant_id=self.tenant_id, person_id=uuid.UUID(person_id), roles=list(roles),
                ttl=timedelta(hours=2))
        return self._tokens[person_id]

    async def call(self, method: str, path: str, body: Any = None, *, params: Any = None,
                   as_person: tuple[str, tuple[str, ...]] | None = None) -> Any:
        """`path` is under /api/, e.g. "coaching/v1/people"; `as_person` = (person id, token roles)."""
        headers = {"authorization": f"Bearer {self.token(*as_person)}"} if as_person else None
        response = await self.client.request(method, f"/api/{path}", json=body, params=params, headers=headers)
        self.calls += 1
        if response.status_code >= 400:
            raise DemoLoadError(f"{method} /api/{path} answered {response.status_code}: {response.text[:500]}")
        return response.json() if response.content else None

    async def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return await self.call("POST", path, body, **kw)

    async def put(self, path: str, body: Any = None, **kw: Any) -> Any:
        return await self.call("PUT", path, body, **kw)

    async def patch(self, path: str, body: Any = None, **kw: Any) -> Any:
        return await self.call("PATCH", path, body, **kw)

    async def get(self, path: str, **params: Any) -> Any:
        return await self.call("GET", path, params=params)

    async def pages(self, path: str, **params: Any) -> list[Any]:
        """Every item of a keyset-paged list."""
        items: list[Any] = []
        cursor = None
        while True:
            page = await self.get(path, limit=200, **params, **({"cursor": cursor} if cursor else {}))
            items += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return items

    async def batch(self, path: str, items: list[dict[str, Any]], size: int, *, method: str = "POST") -> list[Any]:
        """Push items in batches; any item not accepted (rejected, conflict) fails the load with its errors."""
        results = []
        for start in range(0, len(items), size):
            result = await self.call(method, path, {"items": items[start:start + size]})
            bad = [i for i in result["items"] if i["status"] in ("rejected", "conflict")]
            if bad:
                raise DemoLoadError(f"{method} /api/{path}: {len(bad)} item(s) not accepted, e.g. {bad[0]}")
            results.append(result)
        return results
