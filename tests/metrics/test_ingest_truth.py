"""Ingest tells the truth: `pending` with its reason, unknown people rejected, per-tenant source aliases,
the listing of unattributed evidence, plausibility rules."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from services.metrics.models import Activity, Completion, MetricDaily
from tests.conftest import GraphQL, Stack, Tenant
from tests.metrics.conftest import MetricsDb, learn_people


def activity(external_id: str, **over: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"external_id": external_id, "source": "salesforce", "type": "meeting",
                            "user_id": "005A", "occurred_at": "2026-10-05T14:00:00Z",
                            "source_updated_at": "2026-10-05T15:00:00Z"}
    item.update(over)
    return {k: v for k, v in item.items() if v is not None}


def completion(external_id: str, **over: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"external_id": external_id, "lms": "cornerstone", "user_id": "u-1",
                            "course_id": "exec-101", "course_title": "Selling to executives", "status": "passed",
                            "completed_at": "2026-09-30T10:00:00Z"}
    item.update(over)
    return {k: v for k, v in item.items() if v is not None}


def person(pid: uuid.UUID, version: int = 1, **over: Any) -> dict[str, Any]:
    return {"id": str(pid), "version": version, "name": "Ana", **over}


async def push(client: httpx.AsyncClient, path: str, *items: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    r = await client.post(f"{prefix}/v1/{path}", json={"items": list(items)})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def people(client: httpx.AsyncClient, *items: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    r = await client.put(f"{prefix}/v1/internal/people", json={"items": list(items)})
    assert r.status_code == 200, r.text
    return dict(r.json())


def outcomes(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(i["status"], i["reason"]) for i in body["items"]]


async def owners(mdb: MetricsDb) -> dict[str, uuid.UUID | None]:
    rows = await mdb.all(select(Activity.external_id, Activity.person_id))
    rows += await mdb.all(select(Completion.external_id, Completion.person_id))
    return dict(rows)


async def daily_sum(mdb: MetricsDb, person_id: uuid.UUID, metric: str) -> float:
    rows = await mdb.scalars(select(func.sum(MetricDaily.num)).where(MetricDaily.person_id == person_id,
                                                                     MetricDaily.metric_key == metric))
    return float(rows[0] or 0)


# ---- pending -----------------------------------------------------------------------------------

async def test_evidence_for_nobody_is_pending_with_its_reason_and_counted(metrics: httpx.AsyncClient,
                                                                          mdb: MetricsDb) -> None:
    ana = uuid.uuid4()
    await people(metrics, person(ana, email="ana@example.com", external_ids={"salesforce": "005A"}))
    body = await push(metrics, "activities", activity("a1"), activity("a2", user_id="005B"),
                      activity("a3", source="hubspot"))
    assert (body["created"], body["pending"], body["rejected"]) == (1, 2, 0)
    assert outcomes(body) == [("created", None), ("pending", "no person with salesforce user id 005B"),
                              ("pending", "no person with hubspot user id 005A")]
    assert all(i["id"] for i in body["items"])  # stored: ids to refer to
    assert await owners(mdb) == {"a1": ana, "a2": None, "a3": None}

    replay = await push(metrics, "activities", activity("a2", user_id="005B"))
    assert outcomes(replay) == [("duplicate", "unchanged, still pending: no person with salesforce user id 005B")]
    edit = await push(metrics, "activities", activity("a2", user_id="005B", type="call",
                                                      source_updated_at="2026-10-06T00:00:00Z"))
    assert outcomes(edit) == [("pending", "no person with salesforce user id 005B")]
    stale = await push(metrics, "activities", activity("a2", user_id="005B", type="demo"))
    assert stale["items"][0]["status"] == "conflict" and "counts for nobody" in stale["items"][0]["reason"]

    body = await push(metrics, "completions", completion("c1", user_id=None, email="Bob@Example.com"),
                      completion("c2", user_id=None, email="ana@example.com"))
    assert outcomes(body) == [("pending", "no person with email bob@example.com"), ("created", None)]

    # learnt later: attributed (and counted) as before
    ben = uuid.uuid4()
    assert (await people(metrics, person(ben, external_ids={"salesforce": "005B"})))["resolved"] == 1
    assert (await owners(mdb))["a2"] == ben
    assert await daily_sum(mdb, ben, "calls") == 1


async def test_an_unknown_or_deleted_person_id_is_rejected_and_nothing_is_stored(metrics: httpx.AsyncClient,
                                                                                 mdb: MetricsDb) -> None:
    known, gone, stranger = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await people(metrics, person(known), person(gone))
    await people(metrics, person(gone, 2, deleted=True))
    body = await push(metrics, "activities", activity("p1", user_id=None, person_id=str(known)),
                      activity("p2", user_id=None, person_id=str(stranger)),
                      activity("p3", user_id=None, person_id=str(gone)))
    assert (body["created"], body["rejected"]) == (1, 2)
    assert [i["status"] for i in body["items"]] == ["created", "rejected", "rejected"]
    assert body["items"][1]["errors"] == [{"field": "person_id", "code": "unknown_person",
                                           "message": f"no person with id {stranger} in this tenant's directory"}]
    assert body["items"][1]["reason"] == f"person_id: no person with id {stranger} in this tenant's directory"
    assert body["items"][2]["errors"][0]["message"] == f"the person {gone} was deleted from this tenant's directory"
    assert body["items"][1]["id"] is None
    completions = await push(metrics, "completions", completion("c1", user_id=None, person_id=str(stranger)))
    assert completions["rejected"] == 1
    assert await owners(mdb) == {"p1": known}


async def test_a_person_of_another_tenant_is_unknown_here(metrics: httpx.AsyncClient, stack: Stack) -> None:
    theirs = uuid.uuid4()
    other = await stack.tenant("other", scopes=("admin", "metrics:internal"))  # writes the read model
    async with stack.client(other.api_key) as client:
        await learn_people(client, theirs, prefix="/api/metrics")
        assert (await push(client, "activities", activity("x", user_id=None, person_id=str(theirs)),
                           prefix="/api/metrics"))["created"] == 1
    assert (await push(metrics, "activities", activity("x", user_id=None, person_id=str(theirs))))["rejected"] == 1


# ---- source aliases ----------------------------------------------------------------------------

async def test_an_alias_resolves_a_source_against_another_and_attributes_what_was_pending(
        metrics: httpx.AsyncClient, mdb: MetricsDb) -> None:
    ana, ben = uuid.uuid4(), uuid.uuid4()
    await people(metrics, person(ana, external_ids={"crm": "005A", "salesforce": "005B"}),
                 person(ben, external_ids={"crm": "005B"}))
    body = await push(metrics, "activities", activity("a1"), activity("a2", user_id="005B"),
                      activity("a3", user_id="005C"))
    assert [i["status"] for i in body["items"]] == ["pending", "created", "pending"]  # against salesforce ids
    assert (await owners(mdb))["a2"] == ana

    r = await metrics.put("/v1/source-aliases/salesforce", json={"target": "crm"})
    assert r.status_code == 200, r.text
    assert {k: r.json()[k] for k in ("source", "target", "attributed")} == {
        "source": "salesforce", "target": "crm", "attributed": 1}
    assert await owners(mdb) == {"a1": ana, "a2": ana, "a3": None}  # attributed stays where it was
    assert await daily_sum(mdb, ana, "meetings") == 2

    # new items resolve against crm only now
    body = await push(metrics, "activities", activity("a4", user_id="005B"), activity("a5", user_id="005D"))
    assert outcomes(body) == [
        ("created", None), ("pending", "no person with crm user id 005D (salesforce user ids resolve against crm)")]
    assert (await owners(mdb))["a4"] == ben
    listed = (await metrics.get("/v1/source-aliases")).json()
    assert [(a["source"], a["target"]) for a in listed["items"]] == [("salesforce", "crm")]

    # a person learnt later with a crm id gets the salesforce evidence naming it
    cid = uuid.uuid4()
    assert (await people(metrics, person(cid, external_ids={"crm": "005C"})))["resolved"] == 1
    # ... and a salesforce id no longer resolves salesforce evidence
    assert (await people(metrics, person(uuid.uuid4(), external_ids={"salesforce": "005D"})))["resolved"] == 0
    assert (await owners(mdb))["a3"] == cid and (await owners(mdb))["a5"] is None

    # completions resolve through aliases too
    await metrics.put("/v1/source-aliases/cornerstone", json={"target": "lms"})
    await people(metrics, person(uuid.uuid4(), external_ids={"lms": "u-1"}))
    assert (await push(metrics, "completions", completion("c1")))["created"] == 1

    # removing: the source resolves against itself again (what is pending and now resolves is attributed);
    # attributed evidence stays
    dee = uuid.uuid4()
    await people(metrics, person(dee, external_ids={"salesforce": "005E"}))
    await push(metrics, "activities", activity("a6", user_id="005E"))
    assert (await owners(mdb))["a6"] is None
    assert (await metrics.delete("/v1/source-aliases/salesforce")).status_code == 204
    assert (await metrics.delete("/v1/source-aliases/salesforce")).status_code == 404
    assert (await owners(mdb))["a1"] == ana and (await owners(mdb))["a6"] == dee
    body = await push(metrics, "activities", activity("a7", user_id="005E"))
    assert body["created"] == 1


async def test_alias_writes_are_checked_scoped_and_per_tenant(metrics: httpx.AsyncClient, stack: Stack,
                                                              tenant: Tenant) -> None:
    same = await metrics.put("/v1/source-aliases/crm", json={"target": "crm"})
    assert same.status_code == 422 and same.headers["content-type"] == "application/problem+json"
    assert same.json()["errors"][0]["field"] == "body.target"
    for path, body in (("/v1/source-aliases/Sales Force", {"target": "crm"}),
                       ("/v1/source-aliases/salesforce", {"target": "CRM"}),
                       ("/v1/source-aliases/salesforce", {"target": "crm", "extra": 1}),
                       ("/v1/source-aliases/salesforce", {})):
        assert (await metrics.put(path, json=body)).status_code == 422, (path, body)
    assert (await metrics.put("/v1/source-aliases/salesforce", json={"target": "crm"})).status_code == 200
    again = await metrics.put("/v1/source-aliases/salesforce", json={"target": "crm"})
    assert again.status_code == 200 and again.json()["attributed"] == 0

    crm = await stack.key(tenant, "activities:write")
    async with stack.client(crm) as client:
        assert (await client.get("/api/metrics/v1/source-aliases")).status_code == 200
        no = await client.put("/api/metrics/v1/source-aliases/hubspot", json={"target": "crm"})
        assert no.status_code == 403
        assert (await client.delete("/api/metrics/v1/source-aliases/salesforce")).status_code == 403
    reader = await stack.key(tenant, "metrics:read")
    async with stack.client(reader) as client:
        assert (await client.get("/api/metrics/v1/source-aliases")).status_code == 403

    other = await stack.tenant("other", scopes=("admin", "metrics:internal"))  # writes the read model
    async with stack.client(other.api_key) as client:
        assert (await client.get("/api/metrics/v1/source-aliases")).json()["items"] == []
        assert (await client.delete("/api/metrics/v1/source-aliases/salesforce")).status_code == 404
        who = uuid.uuid4()
        await people(client, person(who, external_ids={"crm": "005A"}), prefix="/api/metrics")
        # this tenant has no alias: salesforce resolves against salesforce here
        assert (await push(client, "activities", activity("a1"), prefix="/api/metrics"))["pending"] == 1
    assert [a["source"] for a in (await metrics.get("/v1/source-aliases")).json()["items"]] == ["salesforce"]


# ---- the pending listing -----------------------------------------------------------------------

async def recount(mdb: MetricsDb, tenant_id: uuid.UUID) -> dict[tuple[str, str, str | None, str | None], int]:
    """Unattributed rows counted one by one in Python."""
    keys = [("activities", source, user, None) for source, user, owner in await mdb.all(
        select(Activity.source, Activity.source_user_id, Activity.person_id).where(Activity.tenant_id == tenant_id))
        if owner is None]
    keys += [("completions", source, user, email) for source, user, email, owner in await mdb.all(
        select(Completion.source, Completion.source_user_id, Completion.email, Completion.person_id)
        .where(Completion.tenant_id == tenant_id)) if owner is None]
    out: dict[tuple[str, str, str | None, str | None], int] = {}
    for key in keys:
        out[key] = out.get(key, 0) + 1
    return out


async def listing(client: httpx.AsyncClient, prefix: str = "", **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        r = await client.get(f"{prefix}/v1/pending-evidence", params={**params, **({"cursor": cursor} if cursor
                                                                                  else {})})
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items


async def test_the_pending_listing_counts_what_a_recount_finds(metrics: httpx.AsyncClient, mdb: MetricsDb,
                                                               tenant: Tenant) -> None:
    ana = uuid.uuid4()
    await people(metrics, person(ana, external_ids={"salesforce": "005A"}))
    await push(metrics, "activities", *[activity(f"s{i}", user_id=f"005{i % 4}") for i in range(12)],
               activity("h1", source="hubspot", user_id="h-1"), activity("h2", source="hubspot", user_id="h-1"),
               activity("ok", user_id="005A"))
    await push(metrics, "completions", completion("c1"), completion("c2"),
               completion("c3", user_id=None, email="nobody@example.com"), completion("c4", lms="docebo"))
    first = await metrics.get("/v1/pending-evidence")
    assert first.status_code == 200

    items = await listing(metrics, limit=2)
    expected = await recount(mdb, tenant.id)
    assert {(i["kind"], i["source"], i["user_id"], i["email"]): i["count"] for i in items} == expected
    assert len(items) == len(expected) == 8
    assert [(i["kind"], i["source"], i["user_id"] or "", i["email"] or "") for i in items] == sorted(
        (k, s, u or "", e or "") for k, s, u, e in expected)  # kind, source, user id order; pages don't overlap
    hub = next(i for i in items if i["source"] == "hubspot")
    assert (hub["count"], hub["resolves_against"], hub["reason"]) == (
        2, "hubspot", "no person with hubspot user id h-1")
    assert hub["first_seen"] <= hub["last_seen"]
    by_mail = next(i for i in items if i["email"])
    assert (by_mail["user_id"], by_mail["resolves_against"], by_mail["reason"]) == (
        None, None, "no person with email nobody@example.com")

    assert {i["kind"] for i in await listing(metrics, kind="completions")} == {"completions"}
    assert {i["source"] for i in await listing(metrics, source="hubspot")} == {"hubspot"}

    # aliases change what the reason says; learning people shrinks the listing
    await metrics.put("/v1/source-aliases/hubspot", json={"target": "crm"})
    hub = next(i for i in await listing(metrics, source="hubspot"))
    assert (hub["resolves_against"], hub["reason"]) == (
        "crm", "no person with crm user id h-1 (hubspot user ids resolve against crm)")
    await people(metrics, person(uuid.uuid4(), external_ids={"crm": "h-1", "salesforce": "0051"}))
    after = await listing(metrics)
    assert {(i["kind"], i["source"], i["user_id"], i["email"]): i["count"] for i in after} == await recount(
        mdb, tenant.id)
    assert len(after) == 6

    bad = await metrics.get("/v1/pending-evidence", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.cursor"
    assert (await metrics.get("/v1/pending-evidence", params={"kind": "calls"})).status_code == 422
    assert (await metrics.get("/v1/pending-evidence", params={"limit": 0})).status_code == 422


async def test_the_pending_listing_is_tenant_scoped_and_by_the_kinds_a_key_pushes(
        metrics: httpx.AsyncClient, stack: Stack, tenant: Tenant) -> None:
    await push(metrics, "activities", activity("a1"))
    await push(metrics, "completions", completion("c1"))
    other = await stack.tenant("other", scopes=("admin", "metrics:internal"))
    async with stack.client(other.api_key) as client:
        assert await listing(client, prefix="/api/metrics") == []
        await push(client, "activities", activity("a9", user_id="zzz"), prefix="/api/metrics")
        assert [i["user_id"] for i in await listing(client, prefix="/api/metrics")] == ["zzz"]
    assert {i["user_id"] for i in await listing(metrics)} == {"005A", "u-1"}

    crm = await stack.key(tenant, "activities:write")
    async with stack.client(crm) as client:
        assert [i["kind"] for i in await listing(client, prefix="/api/metrics")] == ["activities"]
        no = await client.get("/api/metrics/v1/pending-evidence", params={"kind": "completions"})
        assert no.status_code == 403
    reader = await stack.key(tenant, "metrics:read")
    async with stack.client(reader) as client:
        assert (await client.get("/api/metrics/v1/pending-evidence")).status_code == 403


# ---- plausibility ------------------------------------------------------------------------------

async def test_implausible_items_are_rejected_with_their_reasons(metrics: httpx.AsyncClient, stack: Stack,
                                                                 mdb: MetricsDb) -> None:
    await people(metrics, person(uuid.uuid4(), external_ids={"salesforce": "005A", "cornerstone": "u-1"}))
    now = datetime.now(UTC)
    soon, later = (now + timedelta(hours=20)).isoformat(), (now + timedelta(days=1, hours=1)).isoformat()
    body = await push(
        metrics, "activities",
        activity("ok-soon", occurred_at=soon),
        activity("future", occurred_at=later),
        activity("ancient", occurred_at="1999-12-31T23:59:59Z"),
        activity("horizon", occurred_at="2000-01-01T00:00:00Z"),
        activity("negative", type="opportunity_won", amount=-10.0, currency="EUR"),
        activity("refund", type="refund", amount=-10.0, currency="EUR"),
        activity("custom-refund", type="license_refund", amount=-5.0),
        activity("zero", type="opportunity_won", amount=0.0),
        activity("both", type="demo", amount=-1.0, occurred_at="1970-01-01T00:00:00Z"))
    statuses = {i["external_id"]: i["status"] for i in body["items"]}
    assert statuses == {"ok-soon": "created", "future": "rejected", "ancient": "rejected", "horizon": "created",
                        "negative": "rejected", "refund": "created", "custom-refund": "created", "zero": "created",
                        "both": "rejected"}
    errors = {i["external_id"]: [(e["field"], e["code"]) for e in i["errors"]] for i in body["items"]}
    assert errors["future"] == [("occurred_at", "too_far_ahead")]
    assert errors["ancient"] == [("occurred_at", "before_horizon")]
    assert errors["negative"] == [("amount", "negative_amount")]
    assert errors["both"] == [("occurred_at", "before_horizon"), ("amount", "negative_amount")]
    reason = next(i["reason"] for i in body["items"] if i["external_id"] == "ancient")
    assert reason.startswith("occurred_at: is before the evidence horizon 2000-01-01")
    assert "opportunity_won" in next(i["reason"] for i in body["items"] if i["external_id"] == "negative")
    stored = set(await mdb.scalars(select(Activity.external_id)))
    assert stored == {"ok-soon", "horizon", "refund", "custom-refund", "zero"}

    c = await push(metrics, "completions", completion("c-future", completed_at=later),
                   completion("c-old", completed_at="1990-01-01T00:00:00Z"), completion("c-ok"))
    assert [i["status"] for i in c["items"]] == ["rejected", "rejected", "created"]
    assert [i["errors"][0]["field"] for i in c["items"][:2]] == ["completed_at", "completed_at"]

    # the horizon is a setting of the metrics service
    stack.local.services["metrics"].state.settings.evidence_horizon = date(2020, 1, 1)
    moved = await push(metrics, "activities", activity("old", occurred_at="2019-12-31T00:00:00Z"),
                       activity("new", occurred_at="2020-01-01T00:00:00Z"))
    assert [i["status"] for i in moved["items"]] == ["rejected", "created"]
    assert "2020-01-01" in moved["items"][0]["reason"]


# ---- GraphQL -----------------------------------------------------------------------------------

PENDING = """query($kind: EvidenceSource, $first: Int!, $after: String) {
  pendingEvidence(kind: $kind, first: $first, after: $after) {
    items { kind source userId email resolvesAgainst count firstSeen lastSeen reason } nextCursor } }"""
SET_ALIAS = """mutation($source: String!, $target: String!) { setSourceAlias(source: $source, target: $target) {
  __typename ... on SourceAliasSet { alias { source target updatedAt } attributed }
  ... on ValidationProblem { fields { field code } } ... on Forbidden { message } } }"""
REMOVE_ALIAS = """mutation($source: String!) { removeSourceAlias(source: $source) {
  __typename ... on Deleted { id } ... on NotFound { message } } }"""


async def test_graphql_lists_pending_evidence_and_manages_aliases(metrics: httpx.AsyncClient, gql: GraphQL,
                                                                  stack: Stack, tenant: Tenant) -> None:
    ana = uuid.uuid4()
    await people(metrics, person(ana, external_ids={"crm": "005A"}))
    await push(metrics, "activities", activity("a1"), activity("a2"), activity("a3", user_id="005B"))
    await push(metrics, "completions", completion("c1"))

    seen: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await gql(PENDING, first=1, after=after))["pendingEvidence"]
        seen += page["items"]
        after = page["nextCursor"]
        if after is None:
            break
    assert [(p["kind"], p["source"], p["userId"], p["count"]) for p in seen] == [
        ("ACTIVITIES", "salesforce", "005A", 2), ("ACTIVITIES", "salesforce", "005B", 1),
        ("COMPLETIONS", "cornerstone", "u-1", 1)]
    assert seen[0]["reason"] == "no person with salesforce user id 005A" and seen[0]["resolvesAgainst"] == "salesforce"
    only = (await gql(PENDING, kind="COMPLETIONS", first=10))["pendingEvidence"]["items"]
    assert [p["source"] for p in only] == ["cornerstone"]

    set_ = (await gql(SET_ALIAS, source="salesforce", target="crm"))["setSourceAlias"]
    assert set_["__typename"] == "SourceAliasSet" and set_["attributed"] == 2
    assert (set_["alias"]["source"], set_["alias"]["target"]) == ("salesforce", "crm")
    assert (await gql("{ sourceAliases { source target } }"))["sourceAliases"] == [
        {"source": "salesforce", "target": "crm"}]
    bad = (await gql(SET_ALIAS, source="salesforce", target="salesforce"))["setSourceAlias"]
    assert bad == {"__typename": "ValidationProblem", "fields": [{"field": "target", "code": "same_source"}]}
    odd = (await gql(SET_ALIAS, source="sales/force", target="crm"))["setSourceAlias"]
    assert odd["__typename"] in ("ValidationProblem", "NotFound"), odd
    left = (await gql(PENDING, first=10))["pendingEvidence"]["items"]
    assert [(p["userId"], p["resolvesAgainst"]) for p in left] == [("005B", "crm"), ("u-1", "cornerstone")]

    assert (await gql(REMOVE_ALIAS, source="salesforce"))["removeSourceAlias"] == {
        "__typename": "Deleted", "id": "salesforce"}
    assert (await gql(REMOVE_ALIAS, source="salesforce"))["removeSourceAlias"]["__typename"] == "NotFound"

    crm = await stack.key(tenant, "activities:write")
    async with stack.client(crm) as client:
        limited = GraphQL(client)
        assert [p["kind"] for p in (await limited(PENDING, first=10))["pendingEvidence"]["items"]] == ["ACTIVITIES"]
        denied = (await limited(SET_ALIAS, source="hubspot", target="crm"))["setSourceAlias"]
        assert denied["__typename"] == "Forbidden"
