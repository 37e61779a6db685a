"""The read model's internal write API: version order, idempotent replays, external-id and email claims,
child sets replaced with their parent, per-item outcomes, scope and tenancy."""

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from common.auth import PERSON_ROLES, issue_person_token
from services.metrics.models import (
    Behavior,
    BehaviorIndicator,
    CoachingSession,
    Person,
    PersonExternalId,
    ProgrammeParticipant,
    ReportingLine,
)
from tests.conftest import JWT_SECRET, Stack, Tenant
from tests.metrics.conftest import BASE, MetricsDb


def person(pid: uuid.UUID, version: int = 1, **over: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"id": str(pid), "version": version, "name": "Ana", "roles": ["seller"]}
    item.update(over)
    return item


async def put(client: httpx.AsyncClient, path: str, *items: dict[str, Any]) -> dict[str, Any]:
    r = await client.put(f"/v1/internal/{path}", json={"items": list(items)})
    assert r.status_code == 200, r.text
    return dict(r.json())


def statuses(body: dict[str, Any]) -> list[str]:
    return [i["status"] for i in body["items"]]


async def external_ids(mdb: MetricsDb) -> dict[tuple[str, str], uuid.UUID]:
    rows = await mdb.all(select(PersonExternalId.source, PersonExternalId.external_id, PersonExternalId.person_id))
    return {(s, e): p for s, e, p in rows}


async def test_versions_order_writes_and_replays_change_nothing(metrics: httpx.AsyncClient, mdb: MetricsDb) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    first = await put(metrics, "people", person(a, 1, email="Ana@Example.COM", external_ids={"salesforce": "005A"}),
                      person(b, 1, name="Ben"))
    assert statuses(first) == ["created", "created"]
    assert (first["created"], first["updated"], first["unchanged"], first["rejected"]) == (2, 0, 0, 0)
    assert [i["id"] for i in first["items"]] == [str(a), str(b)]
    assert await external_ids(mdb) == {("salesforce", "005A"): a}

    replay = await put(metrics, "people", person(a, 1, email="Ana@Example.COM", external_ids={"salesforce": "005A"}))
    assert statuses(replay) == ["unchanged"]
    older = await put(metrics, "people", person(a, 0, name="Old name", external_ids={}))
    assert statuses(older) == ["unchanged"]
    newer = await put(metrics, "people", person(a, 5, name="Ana Lopez", external_ids={"hubspot": "h-1", "lms": "u1"}))
    assert statuses(newer) == ["updated"]

    rows = {p.id: p for p in await mdb.scalars(select(Person))}
    assert (rows[a].name, rows[a].email, rows[a].version, rows[a].roles) == ("Ana Lopez", None, 5, ["seller"])
    assert await external_ids(mdb) == {("hubspot", "h-1"): a, ("lms", "u1"): a}


async def test_items_of_one_batch_are_judged_in_order(metrics: httpx.AsyncClient, mdb: MetricsDb) -> None:
    a = uuid.uuid4()
    body = await put(metrics, "people", person(a, 1), person(a, 3, name="Three"), person(a, 2, name="Two"))
    assert statuses(body) == ["created", "updated", "unchanged"]
    stored = await mdb.all(select(Person.name, Person.version))
    assert stored == [("Three", 3)]


async def test_an_external_id_held_by_another_person_rejects_that_item_only(
        metrics: httpx.AsyncClient, mdb: MetricsDb) -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await put(metrics, "people", person(a, 1, external_ids={"salesforce": "005A"}))
    body = await put(metrics, "people", person(b, 1, external_ids={"salesforce": "005A"}),
                     person(c, 1, external_ids={"salesforce": "005C"}))
    assert statuses(body) == ["rejected", "created"]
    assert body["items"][0]["errors"] == [{"field": "external_ids.salesforce", "code": "taken",
                                           "message": "another person has the salesforce id 005A"}]
    assert {p.id for p in await mdb.scalars(select(Person))} == {a, c}

    swap = await put(metrics, "people", person(a, 2, external_ids={"salesforce": "005C"}),
                     person(c, 2, external_ids={"salesforce": "005A"}))
    assert statuses(swap) == ["updated", "updated"]
    assert await external_ids(mdb) == {("salesforce", "005C"): a, ("salesforce", "005A"): c}

    # The same id claimed twice in one batch: the first claimant gets it.
    d, e = uuid.uuid4(), uuid.uuid4()
    twice = await put(metrics, "people", person(d, 1, external_ids={"hubspot": "x"}),
                      person(e, 1, external_ids={"hubspot": "x"}))
    assert statuses(twice) == ["created", "rejected"]


async def test_a_rejected_person_keeps_their_ids_so_a_claimant_of_them_is_rejected_too(
        metrics: httpx.AsyncClient, mdb: MetricsDb) -> None:
    a, c, e = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await put(metrics, "people", person(a, 1, external_ids={"salesforce": "005A"}),
              person(e, 1, email="eve@example.com"))
    # c claims a's id (a gives it up in this batch) — but a's item is rejected for eve's email, so a keeps it.
    body = await put(metrics, "people", person(c, 1, external_ids={"salesforce": "005A"}),
                     person(a, 2, email="EVE@example.com", external_ids={"salesforce": "005Z"}))
    assert statuses(body) == ["rejected", "rejected"]
    assert body["items"][1]["errors"][0]["field"] == "email"
    assert body["items"][0]["errors"][0]["field"] == "external_ids.salesforce"
    assert await external_ids(mdb) == {("salesforce", "005A"): a}
    # a's version was not taken: the same version retried later, once the clash is gone, is written.
    assert statuses(await put(metrics, "people", person(a, 2, email="ana@example.com"))) == ["updated"]


async def test_a_deleted_person_gives_up_their_claims(metrics: httpx.AsyncClient, mdb: MetricsDb) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    await put(metrics, "people", person(a, 1, email="a@example.com", external_ids={"salesforce": "1"}))
    assert statuses(await put(metrics, "people", person(a, 2, deleted=True))) == ["updated"]
    assert await external_ids(mdb) == {}
    assert statuses(await put(metrics, "people", person(a, 1, external_ids={"salesforce": "1"}))) == ["unchanged"]
    body = await put(metrics, "people", person(b, 1, email="A@example.com", external_ids={"salesforce": "1"}))
    assert statuses(body) == ["created"]
    assert (await mdb.all(select(Person.deleted).where(Person.id == a))) == [(True,)]


async def test_invalid_items_are_rejected_with_their_fields(metrics: httpx.AsyncClient, mdb: MetricsDb) -> None:
    good = person(uuid.uuid4())
    bad = [{"id": "not-a-uuid", "version": 1, "name": "X"}, person(uuid.uuid4(), -1),
           person(uuid.uuid4(), roles=["seller", "seller"]), person(uuid.uuid4(), colour="red"),
           person(uuid.uuid4(), email="no-at-sign"), person(uuid.uuid4(), external_ids={"Bad Source": "1"}),
           {"version": 1, "name": "no id"}]
    body = await put(metrics, "people", good, *bad)
    assert statuses(body) == ["created"] + ["rejected"] * len(bad)
    fields = [{e["field"] for e in i["errors"]} for i in body["items"][1:]]
    assert fields[:7] == [{"id"}, {"version"}, {"roles"}, {"colour"}, {"email"}, {"external_ids.Bad Source.[key]"},
                          {"id"}]
    assert body["items"][1]["id"] is None and body["items"][2]["id"] == bad[1]["id"]
    assert len(await mdb.scalars(select(Person))) == 1


async def test_envelope_errors_and_scope(stack: Stack, tenant: Tenant, metrics: httpx.AsyncClient) -> None:
    body: dict[str, Any]
    for body in ({"items": []}, {"items": [{}] * 1001}, {"items": [{}], "extra": 1}, {"things": []}):
        r = await metrics.put("/v1/internal/people", json=body)
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", r.text
    item = person(uuid.uuid4())
    reader = await stack.key(tenant, "metrics:read", "metrics:write")
    async with stack.client(reader) as client:
        r = await client.put(f"{BASE}/v1/internal/people", json={"items": [item]})
        assert r.status_code == 403 and r.json()["detail"] == "This credential lacks the 'metrics:internal' scope."
    # `metrics:internal` decides who a manager may see: only a key that names it writes; no wildcard, admin key
    # or role implies it (common/auth.py Principal.allows)
    for scopes in (("metrics:*",), ("admin",), ("admin", "metrics:*", "metrics:write")):
        async with stack.client(await stack.key(tenant, *scopes)) as client:
            r = await client.put(f"{BASE}/v1/internal/people", json={"items": [item]})
            assert r.status_code == 403, (scopes, r.text)
            assert r.json()["detail"] == "This credential lacks the 'metrics:internal' scope."
    internal = await stack.key(tenant, "metrics:internal")
    async with stack.client(internal) as client:
        r = await client.put(f"{BASE}/v1/internal/people", json={"items": [item]})
        assert r.status_code == 200 and statuses(r.json()) == ["created"]
    async with stack.client() as client:
        assert (await client.put(f"{BASE}/v1/internal/people", json={"items": [item]})).status_code == 401
    for role in PERSON_ROLES:  # admin included
        token = issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=uuid.uuid4(), roles=[role])
        async with stack.client(token) as client:
            r = await client.put(f"{BASE}/v1/internal/people", json={"items": [item]})
            assert r.status_code == 403, (role, r.text)


async def test_tenants_are_kept_apart(stack: Stack, metrics: httpx.AsyncClient, mdb: MetricsDb) -> None:
    a = uuid.uuid4()
    await put(metrics, "people", person(a, 3, name="Mine", external_ids={"salesforce": "1"}))
    other = await stack.tenant("globex", scopes=("admin", "metrics:internal"))
    async with stack.client(other.api_key) as client:
        client.base_url = httpx.URL(BASE)
        body = await put(client, "people", person(a, 1, name="Theirs", external_ids={"salesforce": "1"}))
    assert statuses(body) == ["created"]
    rows = {(p.tenant_id, p.name, p.version) for p in await mdb.scalars(select(Person))}
    assert len(rows) == 2 and {(n, v) for _, n, v in rows} == {("Mine", 3), ("Theirs", 1)}
    assert len(await external_ids(mdb)) == 1 and len(await mdb.all(select(PersonExternalId.tenant_id))) == 2


async def test_reporting_lines(metrics: httpx.AsyncClient, mdb: MetricsDb) -> None:
    line, p, m = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    item = {"id": str(line), "version": 1, "person_id": str(p), "manager_id": str(m), "valid_from": "2026-01-01"}
    bad = [{**item, "id": str(uuid.uuid4()), "valid_to": "2026-01-01"},
           {**item, "id": str(uuid.uuid4()), "manager_id": str(p)},
           {**item, "id": str(uuid.uuid4()), "valid_from": "January"}]
    assert statuses(await put(metrics, "reporting-lines", item, *bad)) == ["created"] + ["rejected"] * 3
    closed = {**item, "version": 2, "valid_to": "2026-03-01"}
    assert statuses(await put(metrics, "reporting-lines", closed, item)) == ["updated", "unchanged"]
    stored = await mdb.all(select(ReportingLine.valid_from, ReportingLine.valid_to, ReportingLine.version))
    assert [(str(f), str(t), v) for f, t, v in stored] == [("2026-01-01", "2026-03-01", 2)]


async def test_behaviors_replace_their_indicators(metrics: httpx.AsyncClient, mdb: MetricsDb) -> None:
    bid, i1, i2 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    ind = {"id": str(i1), "metric_key": "c_level_meetings", "kind": "activity", "target": 3, "comparator": "gte",
           "period": "week"}
    item = {"id": str(bid), "version": 1, "key": "exec-access", "name": "Meet executives", "status": "active",
            "audience": ["seller"], "indicators": [ind]}
    bad = [{**item, "id": str(uuid.uuid4()), "indicators": [ind, ind]},
           {**item, "id": str(uuid.uuid4()), "audience": ["ceo"]},
           {**item, "id": str(uuid.uuid4()), "indicators": [{**ind, "target": "many"}]},
           {**item, "id": str(uuid.uuid4()), "status": "published"}]
    assert statuses(await put(metrics, "behaviors", item, *bad)) == ["created"] + ["rejected"] * 4
    newer = {**item, "version": 2, "status": "retired",
             "indicators": [{**ind, "id": str(i2), "metric_key": "win_rate", "kind": "proficiency", "target": 0.3}]}
    assert statuses(await put(metrics, "behaviors", newer)) == ["updated"]
    assert statuses(await put(metrics, "behaviors", item)) == ["unchanged"]
    assert await mdb.all(select(Behavior.status, Behavior.audience)) == [("retired", ["seller"])]
    assert await mdb.all(select(BehaviorIndicator.id, BehaviorIndicator.metric_key, BehaviorIndicator.target)) == [
        (i2, "win_rate", 0.3)]


async def test_sessions_and_programme_participants(metrics: httpx.AsyncClient, mdb: MetricsDb) -> None:
    sid, coach, seller = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    session = {"id": str(sid), "version": 1, "coach_id": str(coach), "seller_id": str(seller),
               "status": "scheduled", "scheduled_at": "2026-05-04T10:00:00Z"}
    bad = [{**session, "id": str(uuid.uuid4()), "status": "completed"},
           {**session, "id": str(uuid.uuid4()), "relevant": 6},
           {**session, "id": str(uuid.uuid4()), "scheduled_at": "2026-05-04T10:00:00"}]
    assert statuses(await put(metrics, "sessions", session, *bad)) == ["created"] + ["rejected"] * 3
    done = {**session, "version": 2, "status": "completed", "held_at": "2026-05-04T10:05:00Z", "relevant": 5,
            "developmental": 4, "motivational": 3, "has_agreed_action": True}
    assert statuses(await put(metrics, "sessions", done)) == ["updated"]
    stored = await mdb.all(select(CoachingSession.status, CoachingSession.relevant, CoachingSession.has_agreed_action,
                                  CoachingSession.held_at))
    assert [(s, r, a, h.isoformat()) for s, r, a, h in stored] == [("completed", 5, True, "2026-05-04T10:05:00+00:00")]

    part = {"id": str(uuid.uuid4()), "version": 7, "programme_id": str(uuid.uuid4()), "person_id": str(seller),
            "joined_on": "2026-05-01"}
    body = await put(metrics, "programme-participants", part, {**part, "id": str(uuid.uuid4()),
                                                               "left_on": "2026-04-01"})
    assert statuses(body) == ["created", "rejected"]
    left = {**part, "version": 8, "left_on": "2026-06-01"}
    assert statuses(await put(metrics, "programme-participants", left)) == ["updated"]
    assert [str(d) for d in await mdb.scalars(select(ProgrammeParticipant.left_on))] == ["2026-06-01"]
