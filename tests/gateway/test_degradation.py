"""Degradation: per-call timeouts, bounded retries of reads only, a circuit breaker per service, partial data.

The services are the real in-process apps; only the fault is fake: one service's transport is wrapped by
`Faulty`, which fails, delays or blocks the requests it is told to and passes the others to the real app.
The breaker runs on a settable clock; backoff sleeps are recorded, not slept. A timeout is tested with a
fault that never answers, so the budget is what ends the call however busy the machine is.
"""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from common.http import service_client
from gateway.clients import CircuitBreaker, ServiceClients
from gateway.settings import GatewaySettings
from tests.conftest import Stack
from tests.gateway.coaching_docs import create_person
from tests.gateway.helpers import add_scenario, create_behavior, errors_of
from tests.timing import patience


class AnswerLost:
    """The request reaches the service (which acts on it), then the answer never comes back."""


# raise it / answer with that status / delay, then pass / wait for the event, then pass / AnswerLost / pass
Fault = BaseException | int | float | asyncio.Event | AnswerLost | None


class Faulty(httpx.AsyncBaseTransport):
    """Wraps a real transport. Each request takes the next planned fault (then `always`, then none)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, *plan: Fault, always: Fault = None) -> None:
        self.inner = inner
        self.plan = list(plan)
        self.always = always
        self.sent: list[httpx.Request] = []  # every request that reached "the network"
        self.held = asyncio.Event()  # a request is waiting at an event of the plan
        self.acted: list[asyncio.Future[httpx.Response]] = []  # requests the service got whose answer was lost

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        fault = self.plan.pop(0) if self.plan else self.always
        if isinstance(fault, BaseException):
            raise fault
        if isinstance(fault, int):
            return httpx.Response(fault, json={"title": "planned"})
        if isinstance(fault, float):
            await asyncio.sleep(fault)
        if isinstance(fault, asyncio.Event):
            self.held.set()
            await fault.wait()
        if isinstance(fault, AnswerLost):  # the service finishes it, whenever the caller gives up
            acted = asyncio.ensure_future(self.inner.handle_async_request(request))
            self.acted.append(acted)
            await asyncio.shield(acted)
            await asyncio.Event().wait()
        return await self.inner.handle_async_request(request)

    @property
    def paths(self) -> list[tuple[str, str]]:
        return [(r.method, r.url.path) for r in self.sent]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Harness:
    """The stack's gateway with one service's transport made faulty and its own degradation settings."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.clock = Clock()
        self.sleeps: list[float] = []
        self.opened: list[httpx.AsyncClient] = []

    async def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def degrade(self, service: str, *plan: Fault, always: Fault = None, **settings: Any) -> Faulty:
        real = httpx.ASGITransport(app=self.stack.local.services[service], raise_app_exceptions=False)
        faulty = Faulty(real, *plan, always=always)
        client = httpx.AsyncClient(transport=faulty, base_url=f"http://{service}")
        self.opened.append(client)
        self.install({**self.stack.app.state.clients.clients, service: client}, **settings)
        return faulty

    def install(self, clients: dict[str, httpx.AsyncClient], **settings: Any) -> ServiceClients:
        service_clients = ServiceClients(clients, GatewaySettings(environment="test", **settings),
                                         clock=self.clock, sleep=self._sleep)
        self.stack.app.state.clients = service_clients  # the GraphQL context reads it per request
        return service_clients

    @property
    def breakers(self) -> dict[str, CircuitBreaker]:
        clients: ServiceClients = self.stack.app.state.clients
        return clients.breakers


@pytest.fixture
async def harness(stack: Stack) -> AsyncIterator[Harness]:
    original = stack.app.state.clients
    h = Harness(stack)
    yield h
    stack.app.state.clients = original
    for client in h.opened:
        await client.aclose()


PEOPLE = "{ people { items { name } } }"


def unavailable(error: dict[str, Any], service: str, reason: str) -> None:
    assert error["message"] == f"The {service} service is unavailable ({reason}).", error
    assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE", "service": service}, error


# ---- timeouts ---------------------------------------------------------------------------------

async def test_a_slow_service_times_out_naming_it(harness, gql):
    coaching = harness.degrade("coaching", always=asyncio.Event(), timeout_seconds=0.2)  # never answers
    [error] = errors_of(await gql.raw(PEOPLE))
    unavailable(error, "coaching", "timed out after 0.2 s")
    assert error["path"] == ["people"]
    assert len(coaching.sent) == 1  # the budget was spent: no retry after it


async def test_read_timeout_on_a_real_socket_is_per_attempt_and_retried(harness, gql):
    """A server that accepts and never answers, reached over the network transport (aiohttp): the read
    timeout given per call ends each attempt, and the GET is tried 1 + retries times within the budget."""
    accepted: list[asyncio.StreamWriter] = []

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = service_client("coaching", base_url=f"http://127.0.0.1:{port}")
    try:
        harness.install({**harness.stack.app.state.clients.clients, "coaching": client},
                        read_timeout_seconds=0.1, timeout_seconds=patience(30.0), retries=2)
        [error] = errors_of(await gql.raw(PEOPLE))
        unavailable(error, "coaching", "timed out: ReadTimeout")
        assert len(accepted) == 3
        assert len(harness.sleeps) == 2
        server.close()
        for writer in accepted:
            writer.close()
        await server.wait_closed()
        [error] = errors_of(await gql.raw(PEOPLE))  # nobody listens now: refused, not "timed out"
        unavailable(error, "coaching", "ConnectError")
    finally:
        await client.aclose()
        for writer in accepted:
            writer.close()
        server.close()


# ---- retries ----------------------------------------------------------------------------------

async def test_a_get_is_retried_and_succeeds_on_the_second_try(harness, gql):
    await create_person(gql, "Ada")
    coaching = harness.degrade("coaching", httpx.ConnectError("refused"))
    data = await gql(PEOPLE)
    assert data == {"people": {"items": [{"name": "Ada"}]}}
    assert coaching.paths == [("GET", "/v1/people")] * 2
    [delay] = harness.sleeps
    assert 0.025 <= delay <= 0.05  # retry_backoff_seconds * 2**0 * jitter in [0.5, 1]


async def test_transient_failures_are_retried_with_growing_backoff(harness, gql):
    await create_person(gql, "Ada")
    coaching = harness.degrade("coaching", 503, 502, None, httpx.ReadTimeout("slow"),
                               httpx.RemoteProtocolError("closed"))
    for _ in range(2):  # 503, 502, answer; then a read timeout, a dropped connection, answer
        assert (await gql(PEOPLE))["people"]["items"] == [{"name": "Ada"}]
    assert len(coaching.sent) == 6
    for first, second in (harness.sleeps[:2], harness.sleeps[2:]):
        assert 0.025 <= first <= 0.05 and 0.05 <= second <= 0.1


async def test_retries_are_bounded(harness, gql):
    coaching = harness.degrade("coaching", always=httpx.ConnectError("refused"), retries=2)
    [error] = errors_of(await gql.raw(PEOPLE))
    unavailable(error, "coaching", "ConnectError")
    assert len(coaching.sent) == 3 and len(harness.sleeps) == 2


async def test_answers_that_a_retry_cannot_change_are_not_retried(harness, gql):
    coaching = harness.degrade("coaching", 500, 404, 409)
    for code in ("SERVICE_ERROR", "NOT_FOUND", "CONFLICT"):
        [error] = errors_of(await gql.raw(PEOPLE))
        assert error["extensions"]["code"] == code
    assert len(coaching.sent) == 3 and harness.sleeps == []


CREATE = 'mutation { createPerson(input: {name: "Bea", roles: [SELLER]}) { __typename ... on Person { id } } }'


async def test_a_write_is_never_retried(harness, gql):
    coaching = harness.degrade("coaching", httpx.ConnectError("refused"), 503)
    for _ in range(2):
        [error] = errors_of(await gql.raw(CREATE))
        assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE", "service": "coaching"}
        assert error["path"] == ["createPerson"]
    assert coaching.paths == [("POST", "/v1/people")] * 2
    assert harness.sleeps == []


async def test_a_write_whose_answer_was_lost_is_not_repeated(harness, gql):
    """Why writes are never retried: the service may have done it. Here the answer is lost after the
    service committed; the caller hears 'timed out', and the person exists once, not twice."""
    coaching = harness.degrade("coaching", AnswerLost(), timeout_seconds=0.3)
    [error] = errors_of(await gql.raw(CREATE))
    unavailable(error, "coaching", "timed out after 0.3 s")
    assert len(coaching.sent) == 1
    await asyncio.gather(*coaching.acted)  # however long the service took to do it
    harness.degrade("coaching")  # no fault, the suite's budget: the read must not race 0.3 s
    assert (await gql('{ people(q: "Bea") { items { name } } }'))["people"]["items"] == [{"name": "Bea"}]


# ---- circuit breaker --------------------------------------------------------------------------

BREAKER = {"retries": 0, "breaker_failures": 3, "breaker_window_seconds": 10.0, "breaker_cooldown_seconds": 30.0}


async def test_the_breaker_opens_fails_fast_half_opens_and_closes(harness, gql):
    await create_person(gql, "Ada")
    coaching = harness.degrade("coaching", always=httpx.ConnectError("refused"), **BREAKER)
    for second in range(3):  # three failures within the window (at 0, 1 and 2 s): open at 2 s
        harness.clock.now += min(second, 1)
        unavailable(errors_of(await gql.raw(PEOPLE))[0], "coaching", "ConnectError")
    assert state(harness.breakers["coaching"]) == "open"
    assert len(coaching.sent) == 3

    # open: calls fail fast, nothing reaches the network
    for _ in range(5):
        unavailable(errors_of(await gql.raw(PEOPLE))[0], "coaching", "circuit open")
    harness.clock.now += 29
    unavailable(errors_of(await gql.raw(PEOPLE))[0], "coaching", "circuit open")
    assert len(coaching.sent) == 3
    assert state(harness.breakers["behaviors"]) == "closed"  # one circuit per service

    # after the cool-down: one trial call; the service is back, so it closes
    coaching.always = None
    harness.clock.now += 1
    assert (await gql(PEOPLE))["people"]["items"] == [{"name": "Ada"}]
    assert state(harness.breakers["coaching"]) == "closed"
    assert (await gql(PEOPLE))["people"]["items"] == [{"name": "Ada"}]
    assert len(coaching.sent) == 5


async def test_a_failed_trial_opens_the_circuit_again(harness, gql):
    coaching = harness.degrade("coaching", always=503, **BREAKER)
    for _ in range(3):
        errors_of(await gql.raw(PEOPLE))
    harness.clock.now += 30
    unavailable(errors_of(await gql.raw(PEOPLE))[0], "coaching", "HTTP 503")  # the trial, failing
    assert state(harness.breakers["coaching"]) == "open" and len(coaching.sent) == 4
    harness.clock.now += 29  # a fresh cool-down started with the failed trial
    unavailable(errors_of(await gql.raw(PEOPLE))[0], "coaching", "circuit open")
    assert len(coaching.sent) == 4


async def test_half_open_lets_exactly_one_trial_through(harness, gql):
    await create_person(gql, "Ada")
    gate = asyncio.Event()
    coaching = harness.degrade("coaching", 503, 503, 503, gate, **BREAKER)
    for _ in range(3):
        errors_of(await gql.raw(PEOPLE))
    harness.clock.now += 30
    trial = asyncio.create_task(gql.raw(PEOPLE))
    await coaching.held.wait()  # the trial is in flight, held at the gate
    unavailable(errors_of(await gql.raw(PEOPLE))[0], "coaching", "circuit open")
    gate.set()
    assert (await trial).json() == {"data": {"people": {"items": [{"name": "Ada"}]}}}
    assert state(harness.breakers["coaching"]) == "closed" and len(coaching.sent) == 4


async def test_retries_stop_when_the_circuit_opens(harness, gql):
    coaching = harness.degrade("coaching", always=httpx.ConnectError("refused"),
                               **{**BREAKER, "retries": 5, "breaker_failures": 2})
    [error] = errors_of(await gql.raw(PEOPLE))
    unavailable(error, "coaching", "ConnectError")  # the real cause, not "circuit open"
    assert len(coaching.sent) == 2


def state(breaker: CircuitBreaker) -> str:
    return breaker.state


def test_breaker_counts_consecutive_failures_within_the_window():
    clock = Clock()
    breaker = CircuitBreaker("coaching", failures=3, window=10.0, cooldown=30.0, clock=clock)
    for step in (0, 6, 6):  # three failures, but the first and the third are 12 s apart
        clock.now += step
        breaker.failed()
    assert state(breaker) == "closed"
    clock.now += 1
    breaker.failed()  # the last three within 10 s: at 6, 12 and 13
    assert state(breaker) == "open" and not breaker.allow()
    clock.now += 29.9
    assert not breaker.allow()
    clock.now += 0.1
    assert breaker.allow() and state(breaker) == "half-open" and not breaker.allow()
    breaker.abandoned()  # the trial was cancelled: another may go
    assert breaker.allow()
    breaker.succeeded()
    assert state(breaker) == "closed"
    breaker.failed()
    breaker.failed()
    breaker.succeeded()  # a success in between: no longer consecutive
    breaker.failed()
    assert state(breaker) == "closed"


# ---- partial data -----------------------------------------------------------------------------

async def test_one_service_down_leaves_the_others_data(harness, gql):
    await create_behavior(gql, "exec-meetings")
    harness.degrade("coaching", always=httpx.ConnectError("refused"), retries=0)
    body = (await gql.raw("{ behaviors { items { key } } people { items { name } } }")).json()
    assert body["data"] == {"behaviors": {"items": [{"key": "exec-meetings"}]}, "people": None}
    [error] = body["errors"]
    unavailable(error, "coaching", "ConnectError")
    assert error["path"] == ["people"]


async def test_a_failing_list_field_is_null_with_its_error_and_the_rest_stays(harness, gql):
    behavior = await create_behavior(gql, "exec-meetings")
    await add_scenario(gql, behavior["id"], "The CFO call")
    # the list answers, then the behaviors service goes away before the scenarios batch
    harness.degrade("behaviors", None, always=httpx.ConnectError("refused"), retries=0)
    body = (await gql.raw("{ behaviors { items { key scenarios { title } } } }")).json()
    assert body["data"] == {"behaviors": {"items": [{"key": "exec-meetings", "scenarios": None}]}}
    [error] = body["errors"]
    unavailable(error, "behaviors", "ConnectError")
    assert error["path"] == ["behaviors", "items", 0, "scenarios"]


async def test_a_nested_field_of_another_service_fails_alone(harness, gql):
    await create_person(gql, "Ada")
    await create_person(gql, "Bo")
    harness.degrade("metrics", always=httpx.ConnectError("refused"), retries=0)
    body = (await gql.raw("{ people { items { name scorecard { personId } } } }")).json()
    assert body["data"] == {"people": {"items": [{"name": "Ada", "scorecard": None},
                                                 {"name": "Bo", "scorecard": None}]}}
    assert [e["path"] for e in body["errors"]] == [["people", "items", i, "scorecard"] for i in (0, 1)]
    for error in body["errors"]:
        unavailable(error, "metrics", "ConnectError")


async def test_a_failed_mutation_keeps_the_result_of_the_one_before(harness, gql):
    harness.degrade("coaching", always=httpx.ConnectError("refused"))
    body = (await gql.raw("""mutation { createObjective(input: {name: "Win the C-suite"}) {
        __typename ... on Objective { name } } createPerson(input: {name: "Bea", roles: [SELLER]}) {
        __typename } }""")).json()
    assert body["data"] == {"createObjective": {"__typename": "Objective", "name": "Win the C-suite"},
                            "createPerson": None}
    [error] = body["errors"]
    unavailable(error, "coaching", "ConnectError")


def _non_null_fields(sdl: str, type_name: str) -> list[str]:
    """The fields of `type_name` in the SDL whose type ends in '!' (non-null)."""
    body = sdl.split(f"type {type_name} {{", 1)[1].split("\n}", 1)[0]
    return [line.strip() for line in body.splitlines()
            if line.strip() and not line.strip().startswith(('"', "#")) and line.rstrip().endswith("!")]


def test_every_root_field_is_nullable():
    """So that one service's failure nulls its own fields, never the whole answer (docs/degradation.md)."""
    from gateway.schema import schema

    sdl = schema.as_str()
    assert _non_null_fields(sdl, "Query") == []
    assert _non_null_fields(sdl, "Mutation") == []
