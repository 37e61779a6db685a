"""Webhooks end to end inside one process: subscriptions over REST, domain events fanned out to deliveries,
deliveries signed and POSTed to a real local HTTP server, retries with backoff on a settable clock, the
delivery log, disabling after a failure streak, and action.overdue and goal.review_due from the sweeps."""

import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

from common.auth import issue_person_token
from services.coaching.sessions.overdue import OverdueSweeper
from services.coaching.sessions.review_due import ReviewDueSweeper
from tests.coaching.webhooks.helpers import completed_session, deliverer, log_of, logged, subscribe
from tests.conftest import JWT_SECRET


async def test_subscriptions_over_rest(hooks, dev_stack, rx):
    c, tenant = hooks
    sub = await subscribe(c, rx.url, "action.created", "session.completed")
    assert sub["secret"].startswith("whsec_") and sub["active"] is True
    listed = (await c.get("/v1/webhooks")).json()
    assert [s["id"] for s in listed] == [sub["id"]] and listed[0]["secret"] is None  # shown once
    patched = (await c.patch(f"/v1/webhooks/{sub['id']}", json={"event_types": ["goal.agreed"]})).json()
    assert patched["event_types"] == ["goal.agreed"]
    rotated = (await c.post(f"/v1/webhooks/{sub['id']}/rotate-secret")).json()
    assert rotated["secret"] not in (None, sub["secret"])
    for body in ({"url": rx.url, "event_types": ["nope"]}, {"url": rx.url, "event_types": []},
                 {"url": "ftp://x.example.com/h", "event_types": ["goal.agreed"]},
                 {"url": rx.url, "event_types": ["goal.agreed", "goal.agreed"]}):
        r = await c.post("/v1/webhooks", json=body)
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", body
    reader = await dev_stack.key(tenant, "coaching:read")
    async with dev_stack.client(reader) as other:
        other.base_url = httpx.URL("http://uplift/api/coaching")
        assert (await other.get("/v1/webhooks")).status_code == 403
    other_tenant = await dev_stack.tenant("globex")
    async with dev_stack.client(other_tenant.api_key) as other:
        other.base_url = httpx.URL("http://uplift/api/coaching")
        assert (await other.get(f"/v1/webhooks/{sub['id']}")).status_code == 404
    assert (await c.delete(f"/v1/webhooks/{sub['id']}")).status_code == 204
    assert (await c.get(f"/v1/webhooks/{sub['id']}")).status_code == 404


async def test_outside_development_only_public_https_targets(coaching):
    for url, code in (("http://crm.example.com/hook", "scheme"), ("https://127.0.0.1/hook", "private_address"),
                      ("https://localhost:8443/hook", "private_address")):
        r = await coaching.post("/v1/webhooks", json={"url": url, "event_types": ["action.created"]})
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "body.url" and r.json()["errors"][0]["code"] == code


async def test_events_are_delivered_signed_once(hooks, dev_stack, rx):
    c, _ = hooks
    sub = await subscribe(c, rx.url, "action.created", "session.completed")
    session = await completed_session(c)
    await logged(c, sub, 2)
    sent = deliverer(dev_stack, lambda: datetime.now(UTC))
    try:
        assert await sent.run_once() == 2
        assert await sent.run_once() == 0  # nothing left: delivered once
    finally:
        await sent.stop()
    by_type = {json.loads(r.body)["type"]: r for r in rx.received}
    assert set(by_type) == {"action.created", "session.completed"}
    for kind, r in by_type.items():
        payload = Webhook(sub["secret"]).verify(r.body, r.headers)  # the reference library verifies
        assert payload["id"] == r.headers["webhook-id"] and payload["type"] == kind
    assert json.loads(by_type["action.created"].body)["data"]["description"] == "Book a CFO meeting"
    assert json.loads(by_type["session.completed"].body)["data"]["id"] == session["id"]
    log = await log_of(c, sub)
    assert {(d["status"], d["attempts"], d["last_status_code"]) for d in log} == {("delivered", 1, 200)}


async def test_retries_back_off_and_succeed(hooks, dev_stack, rx):
    c, _ = hooks
    sub = await subscribe(c, rx.url, "action.created")
    await completed_session(c)
    await logged(c, sub, 1)
    rx.statuses = [500, 503]
    now = [datetime.now(UTC)]
    sent = deliverer(dev_stack, lambda: now[0])
    try:
        assert await sent.run_once() == 1
        [d] = await log_of(c, sub)
        assert (d["status"], d["attempts"], d["last_error"]) == ("pending", 1, "HTTP 500")
        wait = datetime.fromisoformat(d["next_attempt_at"]) - now[0]
        assert timedelta(seconds=10) <= wait <= timedelta(seconds=12)  # 10 s, up to 20% jitter
        assert await sent.run_once() == 0  # not due yet
        now[0] += timedelta(seconds=13)
        assert await sent.run_once() == 1
        [d] = await log_of(c, sub)
        wait = datetime.fromisoformat(d["next_attempt_at"]) - now[0]
        assert (d["attempts"], d["last_error"]) == (2, "HTTP 503") and timedelta(seconds=20) <= wait <= timedelta(
            seconds=24)
        now[0] += timedelta(seconds=25)
        assert await sent.run_once() == 1
    finally:
        await sent.stop()
    [d] = await log_of(c, sub)
    assert (d["status"], d["attempts"], d["last_status_code"]) == ("delivered", 3, 200)
    assert len(rx.received) == 3 and len({r.headers["webhook-id"] for r in rx.received}) == 1  # the same message
    assert (await c.get(f"/v1/webhooks/{sub['id']}")).json()["failure_streak"] == 0


async def test_a_long_failure_streak_disables_the_subscription(hooks, dev_stack, rx):
    c, _ = hooks
    sub = await subscribe(c, rx.url, "action.created", "session.completed")
    await completed_session(c)
    await completed_session(c)
    await logged(c, sub, 4)
    rx.statuses = [500] * 50
    now = [datetime.now(UTC)]
    sent = deliverer(dev_stack, lambda: now[0], disable_after=6)
    try:
        for _ in range(3):
            await sent.run_once()
            now[0] += timedelta(hours=2)
    finally:
        await sent.stop()
    state = (await c.get(f"/v1/webhooks/{sub['id']}")).json()
    assert state["active"] is False and state["failure_streak"] >= 6
    assert state["disabled_reason"] == f"disabled after {state['failure_streak']} failed attempts in a row"
    assert {d["status"] for d in await log_of(c, sub)} == {"failed"}
    # re-enabled by its owner: the streak starts again
    state = (await c.patch(f"/v1/webhooks/{sub['id']}", json={"active": True})).json()
    assert (state["active"], state["failure_streak"], state["disabled_reason"]) == (True, 0, None)


async def test_overdue_actions_are_announced_once(hooks, dev_stack, rx):
    c, _ = hooks
    sub = await subscribe(c, rx.url, "action.overdue")
    await completed_session(c, due=datetime.now(UTC) - timedelta(days=1))
    await completed_session(c)  # due next week: not overdue
    db = dev_stack.local.services["coaching"].state.db
    sweeper = OverdueSweeper(db, every=3600)
    assert await sweeper.run_once() == 1
    assert await sweeper.run_once() == 0
    await logged(c, sub, 1)
    sent = deliverer(dev_stack, lambda: datetime.now(UTC))
    try:
        assert await sent.run_once() == 1
    finally:
        await sent.stop()
    [r] = rx.received
    body = Webhook(sub["secret"]).verify(r.body, r.headers)
    assert (body["type"], body["data"]["description"]) == ("action.overdue", "Book a CFO meeting")


async def test_a_goal_due_for_review_is_announced_once_per_agreed_revision(hooks, dev_stack, rx):
    c, tenant = hooks
    sub = await subscribe(c, rx.url, "goal.review_due")
    coach = (await c.post("/v1/people", json={"name": "Omar", "roles": ["manager"]})).json()
    seller = (await c.post("/v1/people", json={"name": "Sam"})).json()
    review_on = datetime.now(UTC).date() + timedelta(days=10)
    r = await c.post("/v1/goals", json={"seller_id": seller["id"], "coach_id": coach["id"], "metric_key": "meetings",
                                        "kind": "activity", "target": 3, "period": "week",
                                        "review_on": review_on.isoformat()})
    goal = r.json()
    token = issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=uuid.UUID(seller["id"]), roles=["seller"])
    async with dev_stack.client(token) as sam:
        assert (await sam.post(f"/api/coaching/v1/goals/{goal['id']}/agree")).status_code == 200
    db = dev_stack.local.services["coaching"].state.db
    assert await ReviewDueSweeper(db, every=3600, today=lambda: review_on - timedelta(days=1)).run_once() == 0
    assert await ReviewDueSweeper(db, every=3600, today=lambda: review_on).run_once() == 1
    assert await ReviewDueSweeper(db, every=3600, today=lambda: review_on + timedelta(days=1)).run_once() == 0
    await logged(c, sub, 1)
    sent = deliverer(dev_stack, lambda: datetime.now(UTC))
    try:
        assert await sent.run_once() == 1
    finally:
        await sent.stop()
    [received] = rx.received
    body = Webhook(sub["secret"]).verify(received.body, received.headers)
    assert body["type"] == "goal.review_due"
    assert {k: body["data"][k] for k in ("id", "revision", "seller_id", "coach_id", "metric_key", "target",
                                         "review_on")} == {
        "id": goal["id"], "revision": 1, "seller_id": seller["id"], "coach_id": coach["id"], "metric_key": "meetings",
        "target": 3, "review_on": review_on.isoformat()}
    assert len(await log_of(c, sub)) == 1


def test_event_types_cover_the_issue() -> None:
    from services.coaching.webhooks.fanout import TYPES

    assert {"action.created", "action.overdue", "session.completed", "goal.agreed", "goal.review_due",
            "behavior.published"} <= set(TYPES.values())


async def test_a_delivery_is_logged_by_its_urls_origin_only(hooks, dev_stack, rx, caplog):
    """A subscriber's URL path (and query) may itself be a secret (a chat tool's incoming-webhook URL)."""
    caplog.set_level(logging.DEBUG)
    c, _ = hooks
    token = "T0-B0-s3cretPathToken"
    await subscribe(c, f"{rx.url}/{token}?key=qs-{token}", "session.completed")
    sub = (await c.get("/v1/webhooks")).json()[0]
    await completed_session(c)
    await logged(c, sub, 1)
    sent = deliverer(dev_stack, lambda: datetime.now(UTC))
    try:
        assert await sent.run_once() == 1
    finally:
        await sent.stop()
    assert rx.received[0].path.endswith(token)  # delivered to the full URL
    lines = [r.getMessage() for r in caplog.records if r.name == "httpx" and "127.0.0.1" in r.getMessage()]
    assert lines == [f'HTTP Request: POST http://127.0.0.1:{rx.port} "HTTP/1.1 200 OK"']
    assert token not in caplog.text


async def test_a_gap_is_announced_when_opened_and_when_closed(hooks, dev_stack, rx):
    c, _ = hooks
    sub = await subscribe(c, rx.url, "gap.opened", "gap.closed")
    coach = (await c.post("/v1/people", json={"name": "Omar", "roles": ["manager"]})).json()
    seller = (await c.post("/v1/people", json={"name": "Sam"})).json()

    async def held(days_ago: int, **completion: object) -> dict[str, Any]:
        at = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()
        s = (await c.post("/v1/sessions", json={"coach_id": coach["id"], "seller_id": seller["id"],
                                                "scheduled_at": at})).json()
        r = await c.post(f"/v1/sessions/{s['id']}/complete", json={"held_at": at, **completion})
        assert r.status_code == 200, r.text
        return dict(r.json())

    first = await held(10, gaps=[{"behavior_key": "exec-meetings", "description": "No CFO meetings",
                                  "root_cause": "skills"}])
    gap = first["gaps"][0]
    second = await held(3)
    r = await c.post(f"/v1/gaps/{gap['id']}/close", json={"session_id": second["id"], "outcome": "resolved"})
    assert r.status_code == 200, r.text
    assert (await c.post(f"/v1/gaps/{gap['id']}/close", json={"session_id": second["id"],
                                                               "outcome": "resolved"})).status_code == 200  # no-op
    await logged(c, sub, 2)
    sent = deliverer(dev_stack, lambda: datetime.now(UTC))
    try:
        assert await sent.run_once() == 2
        assert await sent.run_once() == 0
    finally:
        await sent.stop()
    by_type = {json.loads(r.body)["type"]: json.loads(r.body)["data"] for r in rx.received}
    assert set(by_type) == {"gap.opened", "gap.closed"}
    assert by_type["gap.opened"]["id"] == by_type["gap.closed"]["id"] == gap["id"]
    assert (by_type["gap.opened"]["status"], by_type["gap.opened"]["version"]) == ("open", 1)
    closed = by_type["gap.closed"]
    assert (closed["status"], closed["outcome"], closed["version"]) == ("closed", "resolved", 2)
    assert closed["closed_session_id"] == second["id"]
    assert len(await log_of(c, sub)) == 2  # the repeated closure announced nothing
