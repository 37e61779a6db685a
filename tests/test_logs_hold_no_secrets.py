"""Secrets and personal data never reach a log. A full flow at DEBUG — people with e-mails (REST, bulk,
GraphQL), looked up and searched by e-mail, webhooks with their signing secrets (created, re-keyed), API keys
and a person's token, a duplicate refused, a conflicting insert that raises an integrity error in the
database, client mistakes in GraphQL — and then every log record, formatted with its traceback, is searched
for each secret and e-mail the flow used. On SQLite and PostgreSQL."""

import logging
import secrets
import uuid
from urllib.parse import quote, quote_plus

import httpx
import pytest

from common.auth import issue_person_token
from services.coaching.directory.repository import DirectoryRepository
from tests.conftest import JWT_SECRET, Stack, Tenant

COACHING = "http://uplift/api/coaching"


def _email(name: str) -> str:
    return f"{name}.{secrets.token_hex(4)}@private.example.com"


class Secrets:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def add(self, what: str, value: str) -> str:
        self.values[what] = value
        return value


async def _flow(stack: Stack, tenant: Tenant, monkeypatch: pytest.MonkeyPatch, seen: Secrets) -> None:
    seen.add("admin key", tenant.api_key)
    seen.add("JWT secret", JWT_SECRET)
    writer = seen.add("scoped key", await stack.key(tenant, "coaching:write", "webhooks:write"))
    async with stack.client(writer) as c:
        c.base_url = httpx.URL(COACHING)
        ann = (await c.post("/v1/people", json={"name": "Ann", "email": seen.add("ann", _email("ann")),
                                                "roles": ["manager"]})).json()
        r = await c.post("/v1/people/bulk", json={"source": "crm", "items": [
            {"external_id": "crm-1", "name": "Bo", "email": seen.add("bo", _email("bo"))},
            {"external_id": "crm-2", "name": "Cy", "email": seen.add("cy", _email("cy"))}]})
        assert r.status_code == 200, r.text
        duplicate = await c.post("/v1/people", json={"name": "Ann again", "email": seen.values["ann"]})
        assert duplicate.status_code == 409, duplicate.text
        searched = await c.get("/v1/people", params={"q": seen.values["bo"]})
        assert searched.status_code == 200 and searched.json()["items"], searched.text
        found = await c.get("/v1/people/by-external-id", params={"source": "email", "external_ids": seen.values["cy"]})
        assert found.status_code == 200 and found.json(), found.text

        hook_token = seen.add("webhook URL token", secrets.token_urlsafe(16))
        hook = await c.post("/v1/webhooks", json={"url": f"https://93.184.215.14/services/{hook_token}",
                                                   "event_types": ["person.upserted"]})
        assert hook.status_code == 201, hook.text
        seen.add("webhook secret", hook.json()["secret"])
        rotated = await c.post(f"/v1/webhooks/{hook.json()['id']}/rotate-secret")
        seen.add("rotated webhook secret", rotated.json()["secret"])

        # the other request of a race: the e-mail check passed, then the row was taken (fault injection)
        async def not_taken(self: DirectoryRepository, email: str, except_id: uuid.UUID | None = None) -> bool:
            return False

        with monkeypatch.context() as m:
            m.setattr(DirectoryRepository, "email_taken", not_taken)
            raced = await c.post("/v1/people", json={"name": "Racer", "email": seen.values["ann"]})
        assert raced.status_code == 409, raced.text
        assert raced.json()["detail"] == "The change conflicts with existing data."

    token = seen.add("person token", issue_person_token(JWT_SECRET, tenant_id=tenant.id,
                                                         person_id=uuid.UUID(ann["id"]), roles=["manager"]))
    async with stack.client(token) as g:
        r = await g.post("/graphql", json={
            "query": 'query($e: String!) { person(source: "email", externalId: $e) { name } }',
            "variables": {"e": seen.values["bo"]}})
        assert r.status_code == 200, r.text
    async with stack.client(tenant.api_key) as g:
        dee = seen.add("dee", _email("dee"))
        r = await g.post("/graphql", json={
            "query": 'mutation($e: String) { createPerson(input: {name: "Dee", email: $e}) { __typename } }',
            "variables": {"e": dee}})
        assert r.json()["data"]["createPerson"]["__typename"] == "Person", r.text
        r = await g.post("/graphql", json={  # refused: the service's answer names the e-mail
            "query": 'mutation($e: String) { createPerson(input: {name: "Dee 2", email: $e}) { __typename } }',
            "variables": {"e": dee}})
        assert r.status_code == 200 and "errors" not in r.json(), r.text
        r = await g.post("/graphql", json={  # a client mistake whose message quotes the value
            "query": "query($f: Int!) { people(first: $f) { items { id } } }", "variables": {"f": dee}})
        assert r.json()["errors"], r.text


def _forms(value: str) -> set[str]:
    """A value as a log may hold it: as is, and percent-encoded as in a URL (`@` is `%40` in a query)."""
    return {value, quote(value, safe=""), quote_plus(value)}


async def test_no_secret_or_email_of_a_full_flow_is_logged(stack, tenant, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    seen = Secrets()
    await _flow(stack, tenant, monkeypatch, seen)
    assert len(caplog.records) > 20  # the flow was logged, at DEBUG too
    assert any(r.name == "uplift.errors" and "integrity error" in r.getMessage() for r in caplog.records)
    leaks = []
    for record in caplog.records:
        text = "\n".join([caplog.handler.format(record), repr(record.args), record.stack_info or ""])
        leaks += [f"{what} in {record.name} {record.levelname}: {text[:300]}"
                  for what, value in seen.values.items() if any(form in text for form in _forms(value))]
    assert leaks == []

