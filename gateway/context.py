"""Per-request GraphQL context: the caller's credential, the clients and fresh DataLoaders."""

from functools import cached_property
from typing import Any

from gateway.clients import ServiceClients
from gateway.loaders import Loaders


class Context:
    def __init__(self, clients: ServiceClients, credential: str | None) -> None:
        self.clients = clients
        self.credential = credential

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self)

    async def call(self, service: str, method: str, path: str, *, params: Any = None, json: Any = None) -> Any:
        return await self.clients.call(service, method, path, credential=self.credential, params=params, json=json)
