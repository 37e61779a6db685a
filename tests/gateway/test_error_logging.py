"""GraphQL errors are logged by whose mistake they are: a client's at INFO (never WARNING or ERROR, never
with a traceback, never with the message, which may echo the caller's input), a service down at WARNING,
only an unexpected failure at ERROR with its traceback (gateway/error_logging.py)."""

import logging

import httpx
import pytest

from tests.gateway.helpers import errors_of
from tests.gateway.test_security import failing, nested, stub_gateway

EMAIL = "ann.private@example.com"


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def _at_least(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [f"{r.name} {r.levelname}: {r.getMessage()}" for r in caplog.records if r.levelno >= level]


def _gateway_lines(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "uplift.gateway"]


CLIENT_MISTAKES = [
    ("syntax", "{ behaviors { items { id } ", {}, "GRAPHQL_PARSE_FAILED"),
    ("unknown field", "{ nope }", {}, "GRAPHQL_VALIDATION_FAILED"),
    ("unknown argument", "{ behaviors(color: 1) { items { id } } }", {}, "GRAPHQL_VALIDATION_FAILED"),
    ("variable type", "query($f: Int!) { objectives(first: $f) { items { id } } }", {"f": EMAIL},
     "BAD_USER_INPUT"),
    ("missing variable", "query($f: Int!) { objectives(first: $f) { items { id } } }", {}, "BAD_USER_INPUT"),
    ("bad date", 'query($on: Date!) { queue(on: $on) { date } }', {"on": "0001-01-01"},
     "GRAPHQL_VALIDATION_FAILED"),
    ("too deep", nested(30), {}, "GRAPHQL_VALIDATION_FAILED"),
    ("refused argument", '{ actions(teamOf: "nope") { items { id } } }', {}, "BAD_USER_INPUT"),
    ("service refusal", '{ objectives(after: "not-a-cursor") { items { id } } }', {}, "BAD_REQUEST"),
]


@pytest.mark.parametrize(("query", "variables", "code"), [m[1:] for m in CLIENT_MISTAKES],
                         ids=[m[0] for m in CLIENT_MISTAKES])
async def test_client_mistakes_are_info_lines_without_traceback_or_input(gql, logs, query, variables, code):
    r = await gql.client.post("/graphql", json={"query": query, "variables": variables})
    assert r.json().get("errors"), r.text
    assert _at_least(logs, logging.WARNING) == []
    lines = _gateway_lines(logs)
    assert lines and all(level == logging.INFO for level, _ in lines), lines
    assert any(code in message for _, message in lines), lines
    assert all(r.exc_info is None for r in logs.records if r.name.startswith(("uplift", "strawberry")))
    assert EMAIL not in logs.text


async def test_a_forbidden_query_is_an_info_line(stack, tenant, logs):
    async with stack.client(await stack.key(tenant, "behaviors:read")) as client:
        [error] = errors_of(await client.post("/graphql", json={"query": "{ webhooks { id } }"}))
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert _at_least(logs, logging.WARNING) == []
    assert _gateway_lines(logs) == [(logging.INFO, "graphql webhooks: FORBIDDEN (DownstreamError)")]


async def test_a_service_down_is_a_warning_without_traceback(logs):
    async with stub_gateway(failing(httpx.ConnectError("refused"))) as client:
        errors_of(await client.post("/graphql", json={"query": "{ behaviors { items { id } } }"}))
    assert _at_least(logs, logging.ERROR) == []
    assert _gateway_lines(logs) == [
        (logging.WARNING, "graphql behaviors: The behaviors service is unavailable (ConnectError).")]


async def test_only_an_unexpected_failure_is_an_error_with_its_traceback(logs):
    async with stub_gateway(failing(json={"items": [{"unexpected": True}], "next_cursor": None})) as client:
        [error] = errors_of(await client.post("/graphql", json={"query": "{ behaviors { items { id } } }"}))
    assert error["message"] == "Unexpected error."
    errors = [r for r in logs.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, _at_least(logs, logging.ERROR)
    assert errors[0].name == "uplift.gateway" and errors[0].exc_info is not None
    assert errors[0].getMessage().startswith("graphql behaviors: unexpected ")
