"""The Statements and About resources (xAPI Communication §2.1, §2.8, §3.3), every route (gateway, direct) at
every version (1.0.x, 2.0.0). Each test names the requirement(s) of the ADL LRS conformance list it checks."""

import asyncio
import json
import uuid
from datetime import datetime

import httpx

from services.metrics.xapi.formats import parse_timestamp
from tests.conftest import Stack, Tenant
from tests.metrics.xapi.conftest import ROUTES, Lrs, open_lrs, statement, transport

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def consistent_through(r: httpx.Response) -> datetime:
    value = r.headers["x-experience-api-consistent-through"]
    moment = parse_timestamp(value, zone_required=True)
    assert moment is not None, value
    return moment


async def test_put_stores_with_204_and_the_lrs_sets_stored_authority_and_version(lrs: Lrs) -> None:
    """XAPI-00143, -00144 (PUT with statementId → 204), -00156 (GET by statementId), -00023/-00097 (stored set by
    the LRS), -00099 (authority set), -00333 (the version header), -00153/-00160 (Consistent-Through, ISO 8601),
    -00152 (not before any returned `stored`)."""
    sid = str(uuid.uuid4())
    sent = statement(stored="2001-01-01T00:00:00Z", authority={"mbox": "mailto:mallory@example.com"})
    r = await lrs.client.put("/statements", params={"statementId": sid}, json=sent)
    assert r.status_code == 204, r.text
    assert r.headers["x-experience-api-version"] == lrs.applied
    assert "x-experience-api-consistent-through" in r.headers
    got = await lrs.client.get("/statements", params={"statementId": sid})
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("application/json")
    body = got.json()
    assert body["id"] == sid
    assert body["stored"] != "2001-01-01T00:00:00Z"
    assert body["authority"] == {"objectType": "Agent", "account": {"homePage": "https://uplift.invalid/api-keys",
                                                                    "name": str(lrs.key_id)}}
    assert body["version"] == ("2.0.0" if lrs.applied == "2.0.0" else "1.0.0")
    stored = parse_timestamp(body["stored"])
    assert stored is not None and consistent_through(got) >= stored
    assert got.headers["last-modified"]


async def test_post_returns_the_ids_in_order_and_makes_missing_ones(lrs: Lrs) -> None:
    """XAPI-00146, -00147 (POST → 200 with the ids), -00026 (the LRS makes a missing id)."""
    given = str(uuid.uuid4())
    r = await lrs.client.post("/statements", json=[statement(id=given), statement()])
    assert r.status_code == 200, r.text
    ids = r.json()
    assert ids[0] == given and len(ids) == 2 and uuid.UUID(ids[1])
    one = await lrs.client.post("/statements", json=statement())
    assert one.status_code == 200 and len(one.json()) == 1
    for sid in [*ids, *one.json()]:
        assert (await lrs.client.get("/statements", params={"statementId": sid})).status_code == 200


async def test_same_id_other_content_is_a_conflict_and_nothing_changes(lrs: Lrs) -> None:
    """XAPI-00142: a statement id already stored is never modified; other content → 409 (Communication §2.1.1),
    the same content (its immutability exceptions aside, Data §2.3.1) → accepted, nothing changes."""
    sid = str(uuid.uuid4())
    assert (await lrs.client.put("/statements", params={"statementId": sid}, json=statement())).status_code == 204
    before = (await lrs.client.get("/statements", params={"statementId": sid})).json()
    other = statement(verb={"id": "http://adlnet.gov/expapi/verbs/failed"})
    r = await lrs.client.put("/statements", params={"statementId": sid}, json=other)
    assert r.status_code == 409, r.text
    assert "x-experience-api-consistent-through" in r.headers
    batch = await lrs.client.post("/statements", json=[statement(), {**other, "id": sid}])
    assert batch.status_code == 409
    same = statement(verb={"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"fr-FR": "terminé"}},
                     timestamp="2026-11-30T11:00:00+01:00")
    assert (await lrs.client.put("/statements", params={"statementId": sid}, json=same)).status_code == 204
    again = await lrs.client.post("/statements", json={**same, "id": sid})
    assert again.status_code == 200 and again.json() == [sid]
    assert (await lrs.client.get("/statements", params={"statementId": sid})).json() == before
    listed = (await lrs.client.get("/statements")).json()["statements"]
    assert len(listed) == 1  # the batch that conflicted wrote none of its statements


async def test_put_without_statement_id_or_with_another_id_is_refused(lrs: Lrs) -> None:
    """XAPI-00145 (a PUT without statementId → 400), Communication §2.1.1 (the body's id must match)."""
    r = await lrs.client.put("/statements", json=statement())
    assert r.status_code == 400
    assert "x-experience-api-consistent-through" in r.headers
    assert r.headers["x-experience-api-version"] == lrs.applied
    mismatch = await lrs.client.put("/statements", params={"statementId": str(uuid.uuid4())},
                                    json=statement(id=str(uuid.uuid4())))
    assert mismatch.status_code == 400


async def test_the_version_header_is_required_except_by_about(lrs: Lrs) -> None:
    """XAPI-00321, -00331 (no header, or not 1.0/1.0.x/2.0.0 → 400), XAPI-00315..-00319 (About: an array of
    versions, 200, no credential needed, any version header)."""
    for value in (None, "0.95", "1.1.0", "2.1.0", "garbage"):
        headers = {"authorization": lrs.client.headers["authorization"]}
        if value is not None:
            headers["x-experience-api-version"] = value
        async with httpx.AsyncClient(transport=lrs.client._transport, base_url=ROUTES[lrs.route],
                                     headers=headers) as other:
            r = await other.get("/statements")
        assert r.status_code == 400, (value, r.text)
        assert r.headers["x-experience-api-version"]
        assert "x-experience-api-consistent-through" in r.headers
    if lrs.version == "1.0.0":
        one = await lrs.client.get("/statements", headers={"x-experience-api-version": "1.0"})
        assert one.status_code == 200 and one.headers["x-experience-api-version"] == "1.0.3"
    async with httpx.AsyncClient(transport=lrs.client._transport, base_url=ROUTES[lrs.route]) as anonymous:
        about = await anonymous.get("/about")
    assert about.status_code == 200, about.text
    assert about.json() == {"version": ["1.0.3", "2.0.0"]}
    assert about.headers["x-experience-api-version"]


async def test_credentials_are_checked(stack: Stack, tenant: Tenant, lrs: Lrs) -> None:
    """Communication §4: missing or bad credentials → 401, a credential without the permission → 403; a bearer
    key works next to Basic."""
    async with httpx.AsyncClient(transport=lrs.client._transport, base_url=ROUTES[lrs.route],
                                 headers={"x-experience-api-version": lrs.version}) as anonymous:
        assert (await anonymous.get("/statements")).status_code == 401
        wrong = await anonymous.get("/statements", headers={"authorization": "Basic " + "Zm9vOmJhcg=="})
        assert wrong.status_code == 401
        assert "x-experience-api-consistent-through" in wrong.headers
        bearer = await stack.key(tenant, "xapi:read")
        ok = await anonymous.get("/statements", headers={"authorization": f"Bearer {bearer}"})
        assert ok.status_code == 200
        refused = await anonymous.post("/statements", json=statement(),
                                       headers={"authorization": f"Bearer {bearer}"})
        assert refused.status_code == 403
    assert (await lrs.client.get("/statements")).status_code == 200
    await stack.identity.revoke_key(lrs.key_id)  # Basic checks the key like a bearer key: revoked is refused
    assert (await lrs.client.get("/statements")).status_code == 401


async def test_voiding(lrs: Lrs) -> None:
    """XAPI-00018 (a voided statement is not found by statementId), -00155/-00157/-00163 (only by
    voidedStatementId), -00162 (statements targeting it are still returned), -00016 (a voiding statement is not
    voided), -00017 (a voiding statement's object is a StatementRef)."""
    target = str(uuid.uuid4())
    referrer = statement(verb={"id": "http://adlnet.gov/expapi/verbs/experienced"},
                         object={"objectType": "StatementRef", "id": target})
    voiding_id = str(uuid.uuid4())
    voiding = statement(id=voiding_id, verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target})
    assert (await lrs.client.post("/statements", json=[statement(id=target), referrer])).status_code == 200
    assert (await lrs.client.post("/statements", json=voiding)).status_code == 200
    assert (await lrs.client.get("/statements", params={"statementId": target})).status_code == 404
    by_voided = await lrs.client.get("/statements", params={"voidedStatementId": target})
    assert by_voided.status_code == 200 and by_voided.json()["id"] == target
    listed = (await lrs.client.get("/statements")).json()["statements"]
    assert target not in [s["id"] for s in listed]
    assert len(listed) == 2  # the referrer and the voiding statement
    void_the_voiding = statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": voiding_id})
    assert (await lrs.client.post("/statements", json=void_the_voiding)).status_code == 200
    assert (await lrs.client.get("/statements", params={"statementId": voiding_id})).status_code == 200
    not_a_ref = statement(verb={"id": VOIDED})
    assert (await lrs.client.post("/statements", json=not_a_ref)).status_code == 400
    missing_target = statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": str(uuid.uuid4())})
    assert (await lrs.client.post("/statements", json=missing_target)).status_code == 200


async def test_a_statement_voided_before_it_arrives_is_voided(lrs: Lrs) -> None:
    """Data §2.3.2: voided iff the LRS holds a voiding statement targeting it, whatever came first."""
    target = str(uuid.uuid4())
    voiding = statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target})
    assert (await lrs.client.post("/statements", json=voiding)).status_code == 200
    assert (await lrs.client.put("/statements", params={"statementId": target}, json=statement())).status_code == 204
    assert (await lrs.client.get("/statements", params={"statementId": target})).status_code == 404
    assert (await lrs.client.get("/statements", params={"voidedStatementId": target})).status_code == 200


async def test_statement_id_goes_with_format_and_attachments_only(lrs: Lrs) -> None:
    """XAPI-00150, -00151; XAPI-00012 (parameter values validated like statement values); Communication §2.1.3
    (unknown or wrongly cased parameters refused)."""
    sid = str(uuid.uuid4())
    await lrs.client.put("/statements", params={"statementId": sid}, json=statement())
    for extra in ({"verb": "http://adlnet.gov/expapi/verbs/completed"}, {"limit": "1"}, {"ascending": "true"}):
        for name in ("statementId", "voidedStatementId"):
            r = await lrs.client.get("/statements", params={name: sid, **extra})
            assert r.status_code == 400, (name, extra)
    both = await lrs.client.get("/statements", params={"statementId": sid, "voidedStatementId": sid})
    assert both.status_code == 400
    ok = await lrs.client.get("/statements", params={"statementId": sid, "format": "ids", "attachments": "false"})
    assert ok.status_code == 200
    for bad in ({"statementid": sid}, {"Verb": "http://x.example/v"}, {"verb": "not an iri"},
                {"registration": "123"}, {"since": "yesterday"}, {"limit": "-1"}, {"format": "Exact"},
                {"ascending": "yes"}, {"agent": '{"name": "no ifi"}'}, {"agent": "not json"}, {"unknown": "1"}):
        assert (await lrs.client.get("/statements", params=bad)).status_code == 400, bad


async def test_an_empty_result_is_200(lrs: Lrs) -> None:
    """XAPI-00149, -00154."""
    r = await lrs.client.get("/statements", params={"verb": "https://nothing.example/verb"})
    assert r.status_code == 200
    assert r.json() == {"statements": [], "more": ""}


async def test_another_tenant_sees_nothing(stack: Stack, lrs: Lrs) -> None:
    """Every query is scoped to the credential's tenant (the same id may be stored by two tenants)."""
    sid = str(uuid.uuid4())
    await lrs.client.put("/statements", params={"statementId": sid}, json=statement())
    other = await stack.tenant("other")
    theirs = await open_lrs(stack, other, lrs.route, lrs.version, ("xapi:write",))
    async with theirs.client:
        assert (await theirs.client.get("/statements", params={"statementId": sid})).status_code == 404
        assert (await theirs.client.get("/statements")).json()["statements"] == []
        different = statement(verb={"id": "http://adlnet.gov/expapi/verbs/failed"})
        assert (await theirs.client.put("/statements", params={"statementId": sid},
                                        json=different)).status_code == 204


async def test_head_answers_like_get_without_a_body(lrs: Lrs) -> None:
    """Communication §1.1 (HEAD on every resource, with Content-Length)."""
    await lrs.client.post("/statements", json=[statement(), statement()])
    got = await lrs.client.get("/statements")
    head = await lrs.client.head("/statements")
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) == len(got.content)
    assert head.headers["x-experience-api-version"] == lrs.applied


async def test_direct_and_gateway_see_the_same_store(stack: Stack, tenant: Tenant) -> None:
    """The resource is one: a statement put directly is read through the gateway."""
    direct = await open_lrs(stack, tenant, "direct", "1.0.3")
    gateway = await open_lrs(stack, tenant, "gateway", "2.0.0", ("xapi:read",))
    async with direct.client, gateway.client:
        sid = str(uuid.uuid4())
        assert (await direct.client.put("/statements", params={"statementId": sid},
                                        json=statement())).status_code == 204
        assert (await gateway.client.get("/statements", params={"statementId": sid})).json()["id"] == sid
    assert transport(stack, "gateway") is not None


async def test_the_same_statement_sent_twice_at_once_is_stored_once(lrs: Lrs) -> None:
    """XAPI-00142 under concurrency: two requests storing one id race on the primary key; the loser is judged
    again against the winner's row (the same content: accepted, nothing changes; other content: 409)."""
    sid = str(uuid.uuid4())
    same = await asyncio.gather(*(lrs.client.put("/statements", params={"statementId": sid}, json=statement())
                                  for _ in range(4)))
    assert [r.status_code for r in same] == [204] * 4, [r.text for r in same]
    other = str(uuid.uuid4())
    mixed = await asyncio.gather(
        lrs.client.put("/statements", params={"statementId": other}, json=statement()),
        lrs.client.put("/statements", params={"statementId": other},
                       json=statement(verb={"id": "http://adlnet.gov/expapi/verbs/failed"})))
    assert sorted(r.status_code for r in mixed) == [204, 409]
    assert len((await lrs.client.get("/statements")).json()["statements"]) == 2


async def test_the_alternate_request_syntax_of_1_0_3(lrs: Lrs) -> None:
    """XAPI-00148 (a POST holding a GET answers like the GET), Communication §1.3 (method in the query, headers
    and parameters and content in the form); xAPI 2.0 removed it: refused at 2.0."""
    sid = str(uuid.uuid4())
    form = {"Authorization": lrs.client.headers["authorization"], "X-Experience-API-Version": lrs.version,
            "Content-Type": "application/json", "statementId": sid, "content": json.dumps(statement())}
    async with httpx.AsyncClient(transport=lrs.client._transport, base_url=ROUTES[lrs.route]) as bare:
        put = await bare.post("/statements", params={"method": "PUT"}, data=form)
        got = await bare.post("/statements", params={"method": "GET"}, data={
            k: v for k, v in form.items() if k not in ("content", "Content-Type")})
        extra = await bare.post("/statements", params={"method": "GET", "statementId": sid}, data=form)
    if lrs.applied == "2.0.0":
        assert (put.status_code, got.status_code) == (400, 400)
        return
    assert put.status_code == 204, put.text
    assert got.status_code == 200 and got.json()["id"] == sid
    assert got.headers["x-experience-api-version"] == "1.0.3"
    assert extra.status_code == 400
