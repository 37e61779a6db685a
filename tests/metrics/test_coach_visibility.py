"""Every coach sees what they coach: a coach assignment in force (mirrored from the coaching service) opens the
seller's figures to the coach — only the metrics of the behaviours in its scope, every metric when unscoped —
and closes them when it ends; team roll-ups stay with the reporting tree."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from common.auth import issue_person_token
from tests.conftest import JWT_SECRET, Stack, Tenant
from tests.metrics.test_scorecards import put

BASE = "http://uplift/api/metrics"



def token(tenant: Tenant, person: uuid.UUID, *roles: str) -> str:
    return issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=person, roles=list(roles))


async def test_an_assigned_coach_reads_the_figures_of_their_scope_while_assigned(stack: Stack, tenant: Tenant,
                                                                               metrics: httpx.AsyncClient) -> None:
    today = datetime.now(UTC).date()
    manager, seller, other, engineer, peer = (uuid.uuid4() for _ in range(5))
    await put(metrics, "people", [{"id": str(p), "version": 1, "name": f"P{n}", "roles": ["seller"]}
                                  for n, p in enumerate((manager, seller, other, engineer, peer))])
    await put(metrics, "reporting-lines", [
        {"id": str(uuid.uuid4()), "version": 1, "person_id": str(p), "manager_id": str(manager),
         "valid_from": "2020-01-01"} for p in (seller, other)])
    await put(metrics, "behaviors", [
        {"id": str(uuid.uuid4()), "version": 1, "key": key, "name": key, "status": "active", "audience": ["seller"],
         "indicators": [{"id": str(uuid.uuid4()), "metric_key": metric, "kind": "activity", "target": 3,
                         "period": "week"}]}
        for key, metric in (("discovery", "calls"), ("exec-meetings", "meetings"))])
    se_assignment = {"id": str(uuid.uuid4()), "version": 1, "coach_id": str(engineer), "seller_id": str(seller),
                     "kind": "sales_engineer", "scope": ["discovery"],
                     "starts_on": (today - timedelta(days=10)).isoformat()}
    await put(metrics, "coach-assignments", [
        se_assignment,
        {"id": str(uuid.uuid4()), "version": 1, "coach_id": str(peer), "seller_id": str(seller), "kind": "peer",
         "scope": [], "starts_on": today.isoformat()},
        {"id": str(uuid.uuid4()), "version": 1, "coach_id": str(peer), "seller_id": str(other), "kind": "peer",
         "scope": [], "starts_on": (today + timedelta(days=1)).isoformat()},  # not yet in force
    ])
    window = {"from": (today - timedelta(days=6)).isoformat(), "to": today.isoformat()}

    async def status(credential: str, path: str, **params: Any) -> int:
        async with stack.client(credential) as client:
            return (await client.get(f"{BASE}/v1/{path}", params={**window, **params})).status_code

    se = token(tenant, engineer, "seller")
    assert await status(se, "series", metric="calls", person_id=str(seller), grain="week") == 200
    assert await status(se, "evidence", metric="calls", person_id=str(seller)) == 200
    assert await status(se, "series", metric="meetings", person_id=str(seller), grain="week") == 403
    assert await status(se, "evidence", metric="meetings", person_id=str(seller)) == 403
    assert await status(se, "series", metric="calls", person_id=str(other), grain="week") == 403
    assert await status(se, "series", metric="calls", team_of=str(seller), grain="week") == 403
    async with stack.client(se) as client:
        card = (await client.get(f"{BASE}/v1/scorecard", params={"person_id": str(seller)})).json()
        assert [b["key"] for b in card["behaviors"]] == ["discovery"]
        assert (await client.get(f"{BASE}/v1/scorecard", params={"team_of": str(seller)})).status_code == 403
        cards = (await client.get(f"{BASE}/v1/scorecards",
                                  params={"person_ids": [str(seller), str(other)]})).json()
        assert [(c["person_id"], [b["key"] for b in c["behaviors"]]) for c in cards] == [(str(seller), ["discovery"])]
        batch = (await client.get(f"{BASE}/v1/series", params={
            "metric": "meetings", "person_ids": [str(seller)], "grain": "week", **window})).json()
        assert batch["items"] == []
    # the manager still sees everything of their team
    boss = token(tenant, manager, "manager")
    assert await status(boss, "series", metric="meetings", person_id=str(seller), grain="week") == 200
    async with stack.client(boss) as client:
        card = (await client.get(f"{BASE}/v1/scorecard", params={"person_id": str(seller)})).json()
        assert sorted(b["key"] for b in card["behaviors"]) == ["discovery", "exec-meetings"]

    pe = token(tenant, peer, "seller")
    assert await status(pe, "series", metric="meetings", person_id=str(seller), grain="week") == 200
    assert await status(pe, "series", metric="calls", person_id=str(other), grain="week") == 403

    # an assignment is in force on its last day; ended yesterday, the engineer is refused from today
    await put(metrics, "coach-assignments", [{**se_assignment, "version": 2, "ends_on": today.isoformat()}])
    assert await status(se, "series", metric="calls", person_id=str(seller), grain="week") == 200
    await put(metrics, "coach-assignments", [{**se_assignment, "version": 3,
                                              "ends_on": (today - timedelta(days=1)).isoformat()}])
    assert await status(se, "series", metric="calls", person_id=str(seller), grain="week") == 403
    assert await status(se, "scorecard", person_id=str(seller)) == 403


