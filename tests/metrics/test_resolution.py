"""Person resolution: at ingest by person id, user id (per source) or email; pending evidence is kept and
attributed when the read model learns who it belongs to; replays after resolution stay duplicates."""

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from services.metrics.models import Activity, Completion
from tests.conftest import Stack
from tests.metrics.conftest import BASE, MetricsDb
from tests.sql_statements import statements_of_this_task


def activity(external_id: str, **over: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"external_id": external_id, "source": "salesforce", "type": "call", "user_id": "005A",
                            "occurred_at": "2026-10-05T14:00:00Z", "source_updated_at": "2026-10-05T15:00:00Z"}
    item.update(over)
    return item


def completion(external_id: str, **over: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"external_id": external_id, "lms": "cornerstone", "course_id": "exec-101",
                            "course_title": "Selling to executives", "status": "passed",
                            "completed_at": "2026-09-30T10:00:00Z"}
    item.update(over)
    return item


def person(pid: uuid.UUID, version: int = 1, **over: Any) -> dict[str, Any]:
    return {"id": str(pid), "version": version, "name": "Ana", **over}


async def push(client: httpx.AsyncClient, path: str, *items: dict[str, Any]) -> dict[str, Any]:
    r = await client.post(f"/v1/{path}", json={"items": list(items)})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def people(client: httpx.AsyncClient, *items: dict[str, Any]) -> dict[str, Any]:
    r = await client.put("/v1/internal/people", json={"items": list(items)})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def owners(mdb: MetricsDb) -> dict[str, uuid.UUID | None]:
    rows = await mdb.all(select(Activity.external_id, Activity.person_id))
    rows += await mdb.all(select(Completion.external_id, Completion.person_id))
    return dict(rows)


async def test_pending_activities_are_attributed_when_the_person_is_learnt(
        metrics: httpx.AsyncClient, mdb: MetricsDb) -> None:
    ana, ben, given = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await people(metrics, person(given))
    await push(metrics, "activities", activity("a1"), activity("a2", user_id="005B"),
               activity("a3", source="hubspot", user_id="005A"), activity("a4", user_id=None, person_id=str(given)))
    assert await owners(mdb) == {"a1": None, "a2": None, "a3": None, "a4": given}

    body = await people(metrics, person(ana, external_ids={"salesforce": "005A"}))
    assert body["resolved"] == 1
    assert await owners(mdb) == {"a1": ana, "a2": None, "a3": None, "a4": given}

    # Known now: resolved at ingest. The same user id under another source is someone else's.
    await push(metrics, "activities", activity("a5"))
    body = await people(metrics, person(ben, external_ids={"salesforce": "005B", "hubspot": "005A"}))
    assert body["resolved"] == 2
    assert await owners(mdb) == {"a1": ana, "a2": ben, "a3": ben, "a4": given, "a5": ana}

    # A replay after resolution is still the same content.
    replay = await push(metrics, "activities", activity("a1"), activity("a2", user_id="005B"))
    assert [i["status"] for i in replay["items"]] == ["duplicate", "duplicate"]
    # Nothing pending any more: a newer version of the person resolves nothing.
    assert (await people(metrics, person(ana, 2, external_ids={"salesforce": "005A"})))["resolved"] == 0


async def test_a_superseded_item_is_resolved_for_its_new_content(metrics: httpx.AsyncClient, mdb: MetricsDb) -> None:
    ana = uuid.uuid4()
    await people(metrics, person(ana, external_ids={"salesforce": "005A"}))
    await push(metrics, "activities", activity("s1"))
    assert await owners(mdb) == {"s1": ana}
    edited = activity("s1", user_id="005Z", source_updated_at="2026-10-06T00:00:00Z")
    assert (await push(metrics, "activities", edited))["pending"] == 1  # changed, and now for nobody
    assert await owners(mdb) == {"s1": None}


async def test_completions_resolve_by_lms_user_id_and_by_email(metrics: httpx.AsyncClient, mdb: MetricsDb) -> None:
    ana, ben = uuid.uuid4(), uuid.uuid4()
    await people(metrics, person(ana, email="ana@example.com"))
    await push(metrics, "completions", completion("c1", email="ANA@Example.com"),
               completion("c2", user_id="u-ben"), completion("c3", email="ben@example.com"),
               completion("c4", lms="docebo", user_id="u-ben"))
    assert await owners(mdb) == {"c1": ana, "c2": None, "c3": None, "c4": None}
    body = await people(metrics, person(ben, email="Ben@Example.com", external_ids={"cornerstone": "u-ben"}))
    assert body["resolved"] == 2
    assert await owners(mdb) == {"c1": ana, "c2": ben, "c3": ben, "c4": None}
    assert await mdb.scalars(select(Completion.email).where(Completion.external_id == "c1")) == ["ana@example.com"]
    replay = await push(metrics, "completions", completion("c1", email="ANA@Example.com"))
    assert replay["duplicate"] == 1


async def test_another_tenants_directory_resolves_nothing(stack: Stack, metrics: httpx.AsyncClient,
                                                          mdb: MetricsDb) -> None:
    await push(metrics, "activities", activity("t1"))
    other = await stack.tenant("globex", scopes=("admin", "metrics:internal"))
    async with stack.client(other.api_key) as client:
        client.base_url = httpx.URL(BASE)
        body = await people(client, person(uuid.uuid4(), external_ids={"salesforce": "005A"}))
    assert body["resolved"] == 0
    assert await owners(mdb) == {"t1": None}


async def test_a_deleted_person_takes_no_pending_evidence(metrics: httpx.AsyncClient, mdb: MetricsDb) -> None:
    await push(metrics, "activities", activity("d1"))
    body = await people(metrics, person(uuid.uuid4(), deleted=True, external_ids={"salesforce": "005A"}))
    assert body["resolved"] == 0 and await owners(mdb) == {"d1": None}


async def test_statements_per_batch_do_not_grow_with_its_size(stack: Stack, metrics: httpx.AsyncClient) -> None:
    engine = stack.local.services["metrics"].state.db.engine.sync_engine

    async def run(n: int, tag: str, statements: list[tuple[str, Any]]) -> tuple[int, int]:
        users = [f"{tag}-u{i}" for i in range(n)]
        known = [person(uuid.uuid4(), external_ids={"salesforce": u}) for u in users[: n // 2]]
        await people(metrics, *known)
        statements.clear()
        await push(metrics, "activities", *[activity(f"{tag}-{i}", user_id=u) for i, u in enumerate(users)])
        ingest = len(statements)
        statements.clear()
        late = [person(uuid.uuid4(), external_ids={"salesforce": u}) for u in users[n // 2:]]
        assert (await people(metrics, *late))["resolved"] == n - n // 2
        return ingest, len(statements)

    with statements_of_this_task(engine) as statements:
        small, large = await run(4, "s", statements), await run(400, "l", statements)
    assert small == large and small[0] > 0 and small[1] > 0
