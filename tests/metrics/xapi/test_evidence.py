"""Statements become training evidence (issue 14, "done when"): a Moodle-style `completed` (account actor,
version 1.0.0) and a cmi5 `passed` with a scaled score become completions on the learner's scorecard; replaying
changes nothing; voiding withdraws exactly; an unknown learner waits pending and is attributed when learnt."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from services.metrics.models import Completion, MetricDaily
from services.metrics.xapi.evidence import completion_item, home_page_source, mailto_sha1
from tests.conftest import Stack, Tenant
from tests.metrics.conftest import MetricsDb
from tests.metrics.xapi.conftest import open_lrs
from tests.sql_statements import statements_of_this_task

MOODLE = "https://moodle.acme.com"
COURSE = "https://moodle.acme.com/course/view.php?id=101"
CMI5_AU = "https://content.example.com/exec-conversations/au/1"
ADL = "http://adlnet.gov/expapi/verbs/"
WHEN = (datetime.now(UTC) - timedelta(hours=2)).isoformat().replace("+00:00", "Z")


def moodle_completed(user: str) -> dict[str, Any]:
    """What Moodle's logstore_xapi sends for course_completed."""
    return {"actor": {"objectType": "Agent", "name": "Ana Lima", "account": {"homePage": MOODLE, "name": user}},
            "verb": {"id": f"{ADL}completed", "display": {"en": "completed"}},
            "object": {"objectType": "Activity", "id": COURSE, "definition": {
                "type": "http://id.tincanapi.com/activitytype/lms/course",
                "name": {"en": "Executive conversations"}}},
            "timestamp": WHEN,
            "context": {"platform": "Moodle", "language": "en",
                        "contextActivities": {"category": [{"id": "http://moodle.org", "definition": {
                            "type": "http://id.tincanapi.com/activitytype/source", "name": {"en": "Moodle"}}}]}}}


def cmi5_passed(email: str) -> dict[str, Any]:
    return {"actor": {"objectType": "Agent", "mbox": f"mailto:{email}"},
            "verb": {"id": f"{ADL}passed", "display": {"en-US": "passed"}},
            "object": {"id": CMI5_AU, "definition": {"name": {"de-DE": "Führungsgespräche", "en-US": "Exec talks"}}},
            "result": {"score": {"scaled": 0.85}, "success": True, "duration": "PT25M"},
            "context": {"registration": str(uuid.uuid4()),
                        "contextActivities": {"category": [
                            {"id": "https://w3id.org/xapi/cmi5/context/categories/cmi5"},
                            {"id": "https://w3id.org/xapi/cmi5/context/categories/moveon"}]},
                        "extensions": {"https://w3id.org/xapi/cmi5/context/extensions/sessionid": "s-1"}},
            "timestamp": WHEN}


@pytest.fixture
async def internal(stack: Stack, tenant: Tenant) -> Any:
    async with stack.client(await stack.key(tenant, "admin", "metrics:internal")) as client:
        client.base_url = httpx.URL("http://uplift/api/metrics")
        yield client


async def _learn(client: httpx.AsyncClient, pid: uuid.UUID, **over: Any) -> None:
    r = await client.put("/v1/internal/people", json={"items": [
        {"id": str(pid), "version": 1, "name": "Ana", "roles": ["seller"], **over}]})
    assert r.status_code == 200, r.text


async def _training_behavior(client: httpx.AsyncClient) -> None:
    r = await client.put("/v1/internal/behaviors", json={"items": [{
        "id": str(uuid.uuid4()), "version": 1, "key": "train", "name": "Take the training", "status": "active",
        "audience": ["seller"], "indicators": [{"id": str(uuid.uuid4()), "metric_key": "training_completions",
                                                "kind": "activity", "target": 1, "period": "month"}]}]})
    assert r.status_code == 200 and r.json()["rejected"] == 0, r.text


async def _on_scorecard(client: httpx.AsyncClient, pid: uuid.UUID) -> float | None:
    r = await client.get("/v1/scorecard", params={"person_id": str(pid), "period": "last_7_days"})
    assert r.status_code == 200, r.text
    [behavior] = r.json()["behaviors"]
    [indicator] = behavior["indicators"]
    actual: float | None = indicator["actual"]
    return actual


async def _daily_total(mdb: MetricsDb, pid: uuid.UUID) -> float:
    rows = await mdb.scalars(select(func.coalesce(func.sum(MetricDaily.num), 0)).where(
        MetricDaily.person_id == pid, MetricDaily.metric_key == "training_completions"))
    return float(rows[0])


async def test_moodle_and_cmi5_statements_become_completions_and_voiding_withdraws_them(
        stack: Stack, tenant: Tenant, internal: httpx.AsyncClient, mdb: MetricsDb) -> None:
    ana = uuid.uuid4()
    await _learn(internal, ana, email="ana@acme.com", external_ids={"lms": "42"})
    await _training_behavior(internal)
    alias = await internal.put(f"/v1/source-aliases/{home_page_source(MOODLE)}", json={"target": "lms"})
    assert alias.status_code == 200, alias.text
    moodle = await open_lrs(stack, tenant, "gateway", "1.0.0")
    cmi5 = await open_lrs(stack, tenant, "direct", "2.0.0")
    async with moodle.client, cmi5.client:
        done = await moodle.client.post("/statements", json=moodle_completed("42"))
        assert done.status_code == 200, done.text
        sent = cmi5_passed("ANA@acme.com")
        passed = await cmi5.client.post("/statements", json=sent)
        assert passed.status_code == 200, passed.text
        rows = {r.external_id: r for r in await mdb.scalars(select(Completion))}
        done_id, passed_id = done.json()[0], passed.json()[0]
        assert set(rows) == {done_id, passed_id}  # the completion names its statement (lineage)
        assert (rows[done_id].person_id, rows[done_id].status, rows[done_id].course_id,
                rows[done_id].course_title, rows[done_id].score) == (ana, "completed", COURSE,
                                                                      "Executive conversations", None)
        assert (rows[passed_id].person_id, rows[passed_id].status, rows[passed_id].score,
                rows[passed_id].course_title) == (ana, "passed", 0.85, "Exec talks")
        assert await _on_scorecard(internal, ana) == 2
        assert await _daily_total(mdb, ana) == 2

        # a replay (same ids, same content) changes nothing
        assert (await moodle.client.put("/statements", params={"statementId": done_id},
                                        json=moodle_completed("42"))).status_code == 204
        replay = await cmi5.client.post("/statements", json={**sent, "id": passed_id})
        assert replay.status_code == 200 and replay.json() == [passed_id]
        assert len(await mdb.scalars(select(Completion))) == 2
        assert await _daily_total(mdb, ana) == 2

        voiding = {"actor": {"mbox": "mailto:admin@acme.com"}, "verb": {"id": f"{ADL}voided"},
                   "object": {"objectType": "StatementRef", "id": passed_id}}
        assert (await cmi5.client.post("/statements", json=voiding)).status_code == 200
        assert [r.external_id for r in await mdb.scalars(select(Completion))] == [done_id]
        assert await _on_scorecard(internal, ana) == 1
        assert await _daily_total(mdb, ana) == 1


async def test_an_unknown_learner_waits_pending_and_counts_once_learnt(
        stack: Stack, tenant: Tenant, internal: httpx.AsyncClient, mdb: MetricsDb) -> None:
    await _training_behavior(internal)
    lrs = await open_lrs(stack, tenant, "gateway", "1.0.3")
    async with lrs.client:
        sid = (await lrs.client.post("/statements", json=moodle_completed("77"))).json()[0]
    [row] = await mdb.scalars(select(Completion))
    assert (row.external_id, row.person_id, row.source, row.source_user_id) == (sid, None, "moodle-acme-com", "77")
    pending = await internal.get("/v1/pending-evidence", params={"kind": "completions"})
    assert pending.status_code == 200 and "77" in pending.text, pending.text
    bea = uuid.uuid4()
    await _learn(internal, bea, external_ids={"moodle-acme-com": "77"})
    [row] = await mdb.scalars(select(Completion))
    assert row.person_id == bea
    assert await _on_scorecard(internal, bea) == 1


def test_which_statements_are_completions() -> None:
    """The mapping itself: verbs, results that contradict them, learners that cannot be named, scores."""
    base = cmi5_passed("a@b.c") | {"id": str(uuid.uuid4())}
    assert completion_item(base)["status"] == "passed"  # type: ignore[index]
    assert completion_item(base | {"result": {"success": False}})["status"] == "failed"  # type: ignore[index]
    waived = base | {"verb": {"id": "https://w3id.org/xapi/adl/verbs/waived"}, "result": {
        "success": True, "completion": True}}
    assert completion_item(waived)["status"] == "passed"  # type: ignore[index]
    not_done = base | {"verb": {"id": f"{ADL}completed"}, "result": {"completion": False}}
    assert completion_item(not_done) is None
    assert completion_item(base | {"verb": {"id": f"{ADL}attempted"}}) is None
    assert completion_item(base | {"actor": {"openid": "https://id.example/ana"}}) is None
    hashed = base | {"actor": {"mbox_sha1sum": mailto_sha1("ana@acme.com")}}
    known = {mailto_sha1("ana@acme.com"): "ana@acme.com"}
    assert completion_item(hashed, known)["email"] == "ana@acme.com"  # type: ignore[index]
    assert completion_item(hashed, {}) is None  # a hash of nobody known names no learner
    raw = base | {"result": {"score": {"raw": 30, "min": 10, "max": 50}}}
    assert completion_item(raw)["score"] == 0.5  # type: ignore[index]
    assert completion_item(base | {"result": {"score": {"scaled": -0.5}}})["score"] is None  # type: ignore[index]
    assert home_page_source("https://Moodle.ACME.com/") == "moodle-acme-com"
    assert len(home_page_source("https://" + "x" * 80 + ".example.com")) == 32


async def test_an_mbox_sha1sum_names_the_known_person_whose_mailto_hashes_to_it(
        stack: Stack, tenant: Tenant, internal: httpx.AsyncClient, mdb: MetricsDb) -> None:
    ana = uuid.uuid4()
    await _learn(internal, ana, email="ana@acme.com")
    lrs = await open_lrs(stack, tenant, "direct", "2.0.0")
    async with lrs.client:
        hashed = {**cmi5_passed("x@y.z"), "actor": {"mbox_sha1sum": mailto_sha1("ana@acme.com")}}
        nobody = {**cmi5_passed("x@y.z"), "actor": {"mbox_sha1sum": mailto_sha1("ghost@acme.com")}}
        ids = (await lrs.client.post("/statements", json=[hashed, nobody])).json()
    rows = await mdb.all(select(Completion.external_id, Completion.person_id, Completion.email))
    assert rows == [(ids[0], ana, "ana@acme.com")]


async def test_sql_statements_per_request_do_not_grow_with_the_batch(
        stack: Stack, tenant: Tenant, internal: httpx.AsyncClient) -> None:
    """Storage that scales (issue 14): a POST of 100 statements — completions among them, a voiding one too —
    costs the same number of SQL statements as a POST of 5."""
    await _learn(internal, uuid.uuid4(), email="ana@acme.com")
    engine = stack.local.services["metrics"].state.db.engine.sync_engine
    lrs = await open_lrs(stack, tenant, "direct", "1.0.3")

    async def post(n: int, seen: list[tuple[str, Any]]) -> int:
        first = [cmi5_passed("ana@acme.com") if i % 2 else moodle_completed(str(i)) for i in range(n)]
        ids = (await lrs.client.post("/statements", json=first)).json()
        batch = [cmi5_passed("ana@acme.com") for _ in range(n - 1)]
        batch.append({"actor": {"mbox": "mailto:admin@acme.com"}, "verb": {"id": f"{ADL}voided"},
                      "object": {"objectType": "StatementRef", "id": ids[1]}})
        seen.clear()
        r = await lrs.client.post("/statements", json=batch)
        assert r.status_code == 200, r.text
        return len(seen)

    async with lrs.client:
        with statements_of_this_task(engine) as seen:
            small, large = await post(5, seen), await post(100, seen)
    assert small == large and small > 0
