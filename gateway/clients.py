"""The gateway's view of the services: one pooled client each, errors turned into typed exceptions.

Every call GraphQL makes goes through `ServiceClients.call`, which bounds it in time, retries idempotent
reads a little, and keeps a circuit breaker per service (docs/degradation.md says why and how).
"""

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal

import httpx
import pydantic_core

from gateway.reads import query_string, read_request, send
from gateway.settings import GatewaySettings

SERVICES = ("behaviors", "coaching", "metrics")
READS = frozenset({"GET", "HEAD", "OPTIONS"})  # the only methods ever sent twice
TRANSIENT_STATUS = frozenset({502, 503, 504})
TRANSIENT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)

log = logging.getLogger("gateway.clients")


class DownstreamError(Exception):
    """A service answered with a problem (4xx): an expected failure the schema can type."""

    def __init__(self, service: str, status: int, problem: dict[str, Any]) -> None:
        super().__init__(problem.get("detail") or problem.get("title") or f"{service} answered {status}")
        self.service = service
        self.status = status
        self.problem = problem
        code = {401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT"}.get(status, "BAD_REQUEST")
        self.extensions = {"code": code, "service": service, "status": status}


class RequestTooLongError(DownstreamError):
    """The arguments would make a URL to a service longer than `max_url_bytes`: refused before it is sent,
    as a bad request of the caller's (a mutation answers it as a ValidationProblem, a query a GraphQL error)."""

    def __init__(self, service: str, size: int, limit: int) -> None:
        message = (f"The arguments make a request to the {service} service with a {size}-byte URL, over the "
                   f"{limit} bytes allowed: shorten the string arguments or ask for fewer items at once.")
        super().__init__(service, 400, {"title": "Bad request", "detail": message,
                                        "errors": [{"field": "arguments", "message": message, "code": "too_long"}]})


class ServiceUnavailableError(Exception):
    """A service could not be reached, timed out, said it is unavailable (502/503/504), or its circuit is open.

    `retryable`: whether sending the same read again may help (a refused connection may; a circuit open won't).
    """

    code = "SERVICE_UNAVAILABLE"

    def __init__(self, service: str, reason: str, *, retryable: bool = False) -> None:
        super().__init__(self.describe(service, reason))
        self.service = service
        self.reason = reason
        self.retryable = retryable
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


class CircuitBreaker:
    """One service's circuit: closed → open when the last `failures` calls all failed within `window`
    seconds (a success in between starts the count again) → after `cooldown` seconds half-open, letting
    exactly one trial call through → closed when it succeeds, open again (a fresh cool-down) when it fails.

    Single event loop, no awaits inside: the state changes need no lock. `clock` is settable for tests.
    """

    def __init__(self, name: str, *, failures: int, window: float, cooldown: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.failures = failures
        self.window = window
        self.cooldown = cooldown
        self.clock = clock
        self.state: Literal["closed", "open", "half-open"] = "closed"
        self._recent: deque[float] = deque(maxlen=failures)  # when the latest consecutive failures happened
        self._opened_at = 0.0
        self._trial = False  # the half-open trial call is in flight

    def allow(self) -> bool:
        """May a call go out now? In half-open, True once: the caller is the trial."""
        if self.state == "closed":
            return True
        if self.state == "open":
            if self.clock() - self._opened_at < self.cooldown:
                return False
            self.state, self._trial = "half-open", False
            log.info("circuit of %s half-open: one trial call", self.name)
        if self._trial:
            return False
        self._trial = True
        return True

    def succeeded(self) -> None:
        if self.state == "open":  # a call let through before the circuit opened, answering late: no evidence
            return
        if self.state == "half-open":
            log.warning("circuit of %s closed: the service answers again", self.name)
        self.state, self._trial = "closed", False
        self._recent.clear()

    def failed(self) -> None:
        now = self.clock()
        if self.state == "half-open":
            self._open(now)
        elif self.state == "closed":
            self._recent.append(now)
            if len(self._recent) == self.failures and now - self._recent[0] <= self.window:
                self._open(now)

    def abandoned(self) -> None:
        """A call let through ended without an answer either way (cancelled): free the trial slot."""
        self._trial = False

    def _open(self, now: float) -> None:
        log.warning("circuit of %s open for %g s (%s)", self.name, self.cooldown,
                    "the trial call failed" if self.state == "half-open" else f"{self.failures} failures")
        self.state, self._opened_at, self._trial = "open", now, False
        self._recent.clear()


def _unreachable(service: str, exc: httpx.HTTPError) -> ServiceUnavailableError:
    name = type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        if exc.__cause__ is None or isinstance(exc.__cause__, TimeoutError):
            return ServiceUnavailableError(service, f"timed out: {name}", retryable=True)
        name = "ConnectError"  # httpx-aiohttp 0.2 maps every aiohttp connection error, refused too, to ConnectTimeout
    return ServiceUnavailableError(service, name, retryable=isinstance(exc, TRANSIENT_ERRORS))


class ServiceClients:
    """`clock`, `sleep` and `jitter` (0 ≤ x < 1) are there for tests: a settable clock, no real sleeps."""

    def __init__(self, clients: Mapping[str, httpx.AsyncClient], settings: GatewaySettings | None = None, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 jitter: Callable[[], float] = random.random) -> None:
        s = settings or GatewaySettings()
        self.clients = dict(clients)
        self.settings = s
        self.timeout = httpx.Timeout(connect=s.connect_timeout_seconds, read=s.read_timeout_seconds,
                                     write=s.read_timeout_seconds, pool=s.connect_timeout_seconds)
        self._timeout = self.timeout.as_dict()
        self.breakers = {name: CircuitBreaker(name, failures=s.breaker_failures, window=s.breaker_window_seconds,
                                              cooldown=s.breaker_cooldown_seconds, clock=clock)
                         for name in self.clients}
        self._sleep = sleep
        self._jitter = jitter

    async def aclose(self) -> None:
        for client in self.clients.values():
            await client.aclose()

    def client(self, service: str) -> httpx.AsyncClient:
        return self.clients[service]

    async def call(self, service: str, method: str, path: str, *, credential: str | None,
                   params: Any = None, json: Any = None) -> Any:
        """One downstream call within `timeout_seconds` in all; a GET is tried up to `retries` more times
        on a transient failure. Raises ServiceUnavailableError, ServiceFailedError or DownstreamError (a
        RequestTooLongError before sending anything)."""
        query = query_string(params)  # as httpx would encode it (gateway/reads.py)
        if query:
            size = len(path) + 1 + len(query)
            if size > self.settings.max_url_bytes:
                raise RequestTooLongError(service, size, self.settings.max_url_bytes)
        headers = {"authorization": credential} if credential else {}
        breaker = self.breakers[service]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.timeout_seconds
        attempts = 1 + (self.settings.retries if method.upper() in READS else 0)
        error: ServiceUnavailableError | None = None
        for attempt in range(attempts):
            if error is not None:  # a retry: only after a transient failure, and only within the budget
                delay = self.settings.retry_backoff_seconds * 2 ** (attempt - 1) * (0.5 + self._jitter() / 2)
                if not error.retryable or loop.time() + delay >= deadline:
                    break
                await self._sleep(delay)
            if not breaker.allow():
                error = error or ServiceUnavailableError(service, "circuit open")
                break
            try:
                response = await self._attempt(service, breaker, deadline, method, path, query, params=params,
                                               json=json, headers=headers)
            except ServiceUnavailableError as exc:
                error = exc
                continue
            return self._answer(service, response)
        assert error is not None
        raise error

    async def _attempt(self, service: str, breaker: CircuitBreaker, deadline: float, method: str, path: str,
                       query: str, **request: Any) -> httpx.Response:
        """One request, its outcome told to the breaker; a failure to get an answer is ServiceUnavailableError."""
        failure: ServiceUnavailableError
        try:
            async with asyncio.timeout_at(deadline) as budget:
                response = await self._send(self.clients[service], method, path, query, **request)
        except TimeoutError:
            spent = f" after {self.settings.timeout_seconds:g} s" if budget.expired() else ""
            failure = ServiceUnavailableError(service, f"timed out{spent}", retryable=True)
        except httpx.HTTPError as exc:
            failure = _unreachable(service, exc)
        except BaseException:
            breaker.abandoned()
            raise
        else:
            if response.status_code not in TRANSIENT_STATUS:
                breaker.succeeded()  # any answer, a 500 too: the service is there (docs/degradation.md)
                return response
            failure = ServiceUnavailableError(service, f"HTTP {response.status_code}", retryable=True)
        breaker.failed()
        raise failure

    async def _send(self, client: httpx.AsyncClient, method: str, path: str, query: str, *, params: Any,
                    json: Any, headers: dict[str, str]) -> httpx.Response:
        """A read with a plain path goes the short way (gateway/reads.py); anything else through the client."""
        if method.upper() == "GET" and json is None:
            request = read_request(client, path, query, headers, self._timeout)
            if request is not None:
                return await send(client, request)
        return await client.request(method, path, timeout=self.timeout, params=params, json=json, headers=headers)

    @staticmethod
    def _answer(service: str, response: httpx.Response) -> Any:
        if response.status_code >= 500:
            raise ServiceFailedError(service, f"HTTP {response.status_code}")
        if response.status_code >= 400:
            try:
                problem = pydantic_core.from_json(response.content)
            except ValueError:
                problem = {"detail": response.text[:200]}
            raise DownstreamError(service, response.status_code, problem if isinstance(problem, dict) else {})
        if response.status_code == 204:
            return None
        # pydantic-core's parser (Rust, keys interned) rather than json.loads: ~3x faster on a list of 50
        return pydantic_core.from_json(response.content)
