"""Per-request GraphQL context: the caller's credential, the clients and fresh DataLoaders."""

from functools import cached_property
from typing import Any

from strawberry.fastapi import BaseContext

from gateway.clients import ServiceClients
from gateway.loaders import Loaders


class Context(BaseContext):
    def __init__(self, clients: ServiceClients, credential: str | None) -> None:
        super().__init__()
        self.clients = clients
        self.credential = credential

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self)

    async def call(self, service: str, method: str, path: str, *, params: Any = None, json: Any = None) -> Any:
        return await self.clients.call(service, method, path, credential=self.credential, params=params, json=json)
