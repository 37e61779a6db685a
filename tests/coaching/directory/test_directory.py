"""The directory through REST: people, external ids, bulk sync, effective-dated reporting lines."""

import uuid
from typing import Any

import httpx


async def person(client: httpx.AsyncClient, name: str, **extra: Any) -> str:
    r = await client.post("/v1/people", json={"name": name, **extra})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def manage(client: httpx.AsyncClient, who: str, manager: str | None, effective: str) -> httpx.Response:
    return await client.put(f"/v1/people/{who}/manager", json={"manager_id": manager, "effective": effective})


async def test_people_crud_validation_and_uniqueness(coaching):
    r = await coaching.post("/v1/people", json={"name": "Ana", "email": "Ana@Example.com", "roles": ["seller"],
                                                "external_ids": {"crm": "005A"}})
    assert r.status_code == 201 and r.headers["location"].endswith(r.json()["id"])
    ana = r.json()
    assert (ana["email"], ana["external_ids"], ana["active"]) == ("ana@example.com", {"crm": "005A"}, True)
    dup = await coaching.post("/v1/people", json={"name": "Other", "email": "ana@example.com"})
    assert dup.status_code == 409
    dup_ext = await coaching.post("/v1/people", json={"name": "Other", "external_ids": {"crm": "005A"}})
    assert dup_ext.status_code == 409
    bad = await coaching.post("/v1/people", json={"name": "", "roles": ["wizard"], "extra": 1})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"body.name", "body.roles.0", "body.extra"}
    r = await coaching.patch(f"/v1/people/{ana['id']}", json={"title": "AE", "roles": ["seller", "manager"]})
    assert r.status_code == 200 and r.json()["title"] == "AE"
    assert (await coaching.patch(f"/v1/people/{ana['id']}", json={"name": None})).status_code == 422
    listed = (await coaching.get("/v1/people", params={"role": "manager"})).json()["items"]
    assert [p["id"] for p in listed] == [ana["id"]]
    found = (await coaching.get("/v1/people", params={"q": "ana"})).json()["items"]
    assert [p["id"] for p in found] == [ana["id"]]
    assert (await coaching.get(f"/v1/people/{uuid.uuid4()}")).status_code == 404


async def test_external_ids_and_lookups(coaching):
    ana = await person(coaching, "Ana", email="ana@example.com")
    bo = await person(coaching, "Bo")
    r = await coaching.put(f"/v1/people/{ana}/external-ids/lms", json={"external_id": "u-1"})
    assert r.json()["external_ids"] == {"lms": "u-1"}
    assert (await coaching.put(f"/v1/people/{bo}/external-ids/lms", json={"external_id": "u-1"})).status_code == 409
    assert (await coaching.put(f"/v1/people/{ana}/external-ids/BAD", json={"external_id": "x"})).status_code == 422
    found = (await coaching.get("/v1/people/by-external-id",
                                params={"source": "lms", "external_ids": ["u-1", "nobody"]})).json()
    assert [(m["external_id"], m["person"]["id"]) for m in found] == [("u-1", ana)]
    by_mail = (await coaching.get("/v1/people/by-external-id",
                                  params={"source": "email", "external_ids": ["ANA@example.com"]})).json()
    assert [m["person"]["id"] for m in by_mail] == [ana]
    assert (await coaching.delete(f"/v1/people/{ana}/external-ids/lms")).status_code == 204
    assert (await coaching.delete(f"/v1/people/{ana}/external-ids/lms")).status_code == 404


async def test_a_reorg_keeps_history_and_answers_as_of_any_day(coaching):
    m1, m2, ana, bo = [await person(coaching, n) for n in ("M1", "M2", "Ana", "Bo")]
    assert (await manage(coaching, ana, m1, "2026-01-01")).status_code == 200
    assert (await manage(coaching, bo, ana, "2026-01-01")).status_code == 200
    assert (await manage(coaching, ana, m2, "2026-03-01")).status_code == 200  # the reorg

    async def manager(day: str) -> str | None:
        return (await coaching.get(f"/v1/people/{ana}/manager", params={"as_of": day})).json()["manager_id"]

    assert [await manager(d) for d in ("2025-12-31", "2026-02-28", "2026-03-01")] == [None, m1, m2]
    tree_before = (await coaching.get(f"/v1/people/{m1}/tree", params={"as_of": "2026-02-01"})).json()
    assert [(t["person_id"], t["depth"]) for t in tree_before] == [(ana, 1), (bo, 2)]
    assert (await coaching.get(f"/v1/people/{m1}/tree", params={"as_of": "2026-03-02"})).json() == []
    reports = (await coaching.get(f"/v1/people/{m2}/reports", params={"as_of": "2026-03-02"})).json()
    assert [r["person_id"] for r in reports] == [ana]
    history = (await coaching.get(f"/v1/people/{ana}/reporting-lines")).json()
    assert [(h["manager_id"], h["valid_from"], h["valid_to"]) for h in history] == [
        (m1, "2026-01-01", "2026-03-01"), (m2, "2026-03-01", None)]
    rewrite = await manage(coaching, ana, m1, "2026-02-01")
    assert rewrite.status_code == 409 and "History is not rewritten" in rewrite.json()["detail"]
    same = await manage(coaching, ana, m2, "2026-04-01")
    assert same.status_code == 200 and len((await coaching.get(f"/v1/people/{ana}/reporting-lines")).json()) == 2
    batch = (await coaching.get("/v1/managers", params={"person_ids": [ana, bo, m1], "as_of": "2026-02-01"})).json()
    assert [(b["person_id"], b["manager_id"]) for b in batch] == [(ana, m1), (bo, ana), (m1, None)]
    assert (await manage(coaching, ana, None, "2026-05-01")).status_code == 200
    assert await manager("2026-05-02") is None


async def test_cycles_and_bad_managers_are_refused(coaching):
    a, b, c = [await person(coaching, n) for n in ("A", "B", "C")]
    await manage(coaching, b, a, "2026-01-01")
    await manage(coaching, c, b, "2026-01-01")
    assert (await manage(coaching, a, a, "2026-02-01")).status_code == 409
    deep = await manage(coaching, a, c, "2026-02-01")
    assert deep.status_code == 409 and "cycle" in deep.json()["detail"]
    future = await person(coaching, "D")
    await manage(coaching, future, a, "2026-06-01")  # D will report to A from June
    later = await manage(coaching, a, future, "2026-02-01")  # fine in February, a cycle from June
    assert later.status_code == 409
    missing = await manage(coaching, a, str(uuid.uuid4()), "2026-02-01")
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "body.manager_id"
    gone = await person(coaching, "Gone", active=False)
    assert (await manage(coaching, a, gone, "2026-02-01")).status_code == 422


async def test_bulk_upsert_is_idempotent_and_reports_each_item(coaching):
    items: list[dict[str, Any]] = [{"external_id": "h1", "name": "Lead", "roles": ["manager"]},
             {"external_id": "h2", "name": "Ana", "email": "ana@example.com", "manager_external_id": "h1"},
             {"external_id": "h3", "name": "Bo", "manager_external_id": "nobody"},
             {"external_id": "h4", "name": ""},
             {"external_id": "h2", "name": "Ana again"}]
    response = await coaching.post("/v1/people/bulk", json={"source": "hris", "items": items})
    assert response.status_code == 200, response.text
    first = response.json()
    assert [(i["external_id"], i["status"]) for i in first["items"]] == [
        ("h1", "created"), ("h2", "created"), ("h3", "rejected"), ("h4", "rejected"), ("h2", "rejected")]
    assert (first["created"], first["rejected"]) == (2, 3)
    lead, ana = first["items"][0]["person_id"], first["items"][1]["person_id"]
    assert (await coaching.get(f"/v1/people/{ana}/manager")).json()["manager_id"] == lead
    again = (await coaching.post("/v1/people/bulk", json={"source": "hris", "items": items[:2]})).json()
    assert [i["status"] for i in again["items"]] == ["unchanged", "unchanged"]
    changed = (await coaching.post("/v1/people/bulk", json={"source": "hris", "items": [
        {**items[1], "name": "Ana Lima"}]})).json()
    assert changed["items"][0]["status"] == "updated"
    assert (await coaching.get(f"/v1/people/{ana}")).json()["name"] == "Ana Lima"
    too_many = await coaching.post("/v1/people/bulk", json={"source": "hris", "items": [{}] * 1001})
    assert too_many.status_code == 422


async def test_directory_writes_need_admin_or_enablement_and_tenants_are_apart(coaching, as_person, stack):
    ana = await person(coaching, "Ana")
    async with as_person(ana, "seller") as seller:
        assert (await seller.get(f"/v1/people/{ana}")).status_code == 200
        assert (await seller.post("/v1/people", json={"name": "X"})).status_code == 403
    async with as_person(ana, "enablement") as enablement:
        assert (await enablement.post("/v1/people", json={"name": "X"})).status_code == 201
    other = await stack.tenant("other")
    async with stack.client(other.api_key) as client:
        assert (await client.get(f"/api/coaching/v1/people/{ana}")).status_code == 404
        assert (await client.put(f"/api/coaching/v1/people/{ana}/manager",
                                 json={"manager_id": None, "effective": "2026-01-01"})).status_code == 404
