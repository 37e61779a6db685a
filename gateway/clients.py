"""The gateway's view of the services: one pooled client each, errors turned into typed exceptions."""

from collections.abc import Mapping
from typing import Any

import httpx

SERVICES = ("behaviors", "coaching", "metrics")


class DownstreamError(Exception):
    """A service answered with a problem (4xx): an expected failure the schema can type."""

    def __init__(self, service: str, status: int, problem: dict[str, Any]) -> None:
        super().__init__(problem.get("detail") or problem.get("title") or f"{service} answered {status}")
        self.service = service
        self.status = status
        self.problem = problem
        code = {401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT"}.get(status, "BAD_REQUEST")
        self.extensions = {"code": code, "service": service, "status": status}


class ServiceUnavailableError(Exception):
    """A service could not be reached, timed out, or said it is unavailable (502/503/504)."""

    code = "SERVICE_UNAVAILABLE"

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(self.describe(service, reason))
        self.service = service
        self.extensions = {"code": self.code, "service": service}

    @staticmethod
    def describe(service: str, reason: str) -> str:
        return f"The {service} service is unavailable ({reason})."


class ServiceFailedError(ServiceUnavailableError):
    """A service answered with an internal error (500): reachable, but broken for this request."""

    code = "SERVICE_ERROR"

    @staticmethod
    def describe(service: str, reason: str) -> str:
        return f"The {service} service failed ({reason})."


class ServiceClients:
    def __init__(self, clients: Mapping[str, httpx.AsyncClient]) -> None:
        self.clients = dict(clients)

    async def aclose(self) -> None:
        for client in self.clients.values():
            await client.aclose()

    def client(self, service: str) -> httpx.AsyncClient:
        return self.clients[service]

    async def call(self, service: str, method: str, path: str, *, credential: str | None,
                   params: Any = None, json: Any = None) -> Any:
        headers = {"authorization": credential} if credential else {}
        try:
            response = await self.clients[service].request(method, path, params=params, json=json, headers=headers)
        except httpx.HTTPError as exc:
            raise ServiceUnavailableError(service, type(exc).__name__) from None
        if response.status_code in (502, 503, 504):
            raise ServiceUnavailableError(service, f"HTTP {response.status_code}")
        if response.status_code >= 500:
            raise ServiceFailedError(service, f"HTTP {response.status_code}")
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"detail": response.text[:200]}
            raise DownstreamError(service, response.status_code, problem if isinstance(problem, dict) else {})
        if response.status_code == 204:
            return None
        return response.json()
