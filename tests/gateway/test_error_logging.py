"""Expected GraphQL failures are a warning line each; only unexpected ones are logged as errors."""

import logging

import pytest


async def test_expected_failures_are_warnings_not_tracebacks(gql, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.WARNING)
    body = (await gql.raw('{ actions(teamOf: "nope") { items { id } } }')).json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
    warnings = [r.getMessage() for r in caplog.records if r.name == "uplift.gateway"]
    assert warnings == ["graphql actions: Every id argument must be a valid id."]
