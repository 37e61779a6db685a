"""The coaching service's rule table (services/coaching/visibility.py), end to end over HTTP through the gateway,
for each kind of caller, on a small org:

    leader
    ├── m1 (manager) ── s1, s2
    └── m2 (manager) ── s3
    se (a seller by role) coaches s1 on `discovery` by assignment; enab is enablement.

Sessions: se↔s1 and m1↔s1 and m2↔s3 (held, with private notes), se→s1 (scheduled). A programme (no owner) pairs
se with s1. Every caller acts on s1's side of things.
"""

import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.coaching.conftest import BASE
from tests.coaching.sessions.helpers import Db, World, at, build_world, held, ids, problem, schedule
from tests.conftest import Stack, Tenant
from tests.sql_statements import statements_of_this_task

NOTES = "For me only"  # the private notes `held` records
ALL = "all"  # every one of the listed sessions

CALLERS = ("admin", "enablement", "api_key", "manager_in_tree", "manager_not_in_tree", "assigned_coach",
           "seller_themself", "another_seller")

# expected outcome of each operation, per caller:
# session_read: (status, private notes shown?); session_list: which sessions; the others: HTTP status
RULES: dict[str, dict[str, Any]] = {
    "admin": dict(session_read=(200, True), session_list=ALL, reschedule=200, cancel=200, rate=403,
                  assignment_create=201, health=200, health_batch=True, report=200, directory_write=200),
    "enablement": dict(session_read=(200, True), session_list=ALL, reschedule=200, cancel=200, rate=403,
                       assignment_create=201, health=200, health_batch=True, report=200, directory_write=200),
    "api_key": dict(session_read=(200, True), session_list=ALL, reschedule=200, cancel=200, rate=403,
                    assignment_create=201, health=200, health_batch=True, report=200, directory_write=200),
    "manager_in_tree": dict(session_read=(200, False), session_list={"se_s1", "m1_s1"}, reschedule=403,
                            cancel=403, rate=403, assignment_create=201, health=200, health_batch=True,
                            report=200, directory_write=403),
    "manager_not_in_tree": dict(session_read=(404, None), session_list={"m2_s3"}, reschedule=404, cancel=404,
                                rate=404, assignment_create=403, health=403, health_batch=False, report=403,
                                directory_write=403),
    "assigned_coach": dict(session_read=(200, True), session_list={"se_s1"}, reschedule=200, cancel=200,
                           rate=403, assignment_create=403, health=200, health_batch=True, report=403,
                           directory_write=403),
    "seller_themself": dict(session_read=(200, False), session_list={"se_s1", "m1_s1"}, reschedule=403,
                            cancel=200, rate=201, assignment_create=403, health=403, health_batch=False,
                            report=403, directory_write=403),
    "another_seller": dict(session_read=(404, None), session_list=set(), reschedule=404, cancel=404, rate=404,
                           assignment_create=403, health=403, health_batch=False, report=403,
                           directory_write=403),
}

Client = Callable[[], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def db(stack: Stack, tenant: Tenant) -> Db:
    return Db(stack, tenant)


@pytest.fixture
async def world(db: Db) -> World:
    return await build_world(db)


def caller_of(kind: str, stack: Stack, tenant: Tenant, world: World,
              as_person: Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]) -> Client:
    people: dict[str, tuple[uuid.UUID, str]] = {
        "admin": (world.out, "admin"), "enablement": (world.enab, "enablement"),
        "manager_in_tree": (world.m1, "manager"), "manager_not_in_tree": (world.m2, "manager"),
        "assigned_coach": (world.se, "seller"), "seller_themself": (world.s1, "seller"),
        "another_seller": (world.s2, "seller")}
    if kind in people:
        person, role = people[kind]
        return lambda: as_person(person, role)

    @asynccontextmanager
    async def integration() -> AsyncIterator[httpx.AsyncClient]:
        key = await stack.key(tenant, "coaching:read", "coaching:write")  # an integration, not an admin key
        async with stack.client(key) as client:
            client.base_url = httpx.URL(BASE)
            yield client

    return integration


async def _planted(coaching: httpx.AsyncClient, db: Db, world: World,
                   as_person: Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]) -> dict[str, str]:
    async with as_person(world.se) as se:
        se_s1 = (await held(se, world.se, world.s1))["id"]
    async with as_person(world.m1, "manager") as m1:
        m1_s1 = (await held(m1, world.m1, world.s1))["id"]
    async with as_person(world.m2, "manager") as m2:
        m2_s3 = (await held(m2, world.m2, world.s3))["id"]
    planned = (await schedule(coaching, world.se, world.s1))["id"]
    programme = str(await db.programme([(world.se, world.s1)]))
    trainer = str(await db.person("Tia", "seller"))
    return dict(se_s1=se_s1, m1_s1=m1_s1, m2_s3=m2_s3, planned=planned, programme=programme, trainer=trainer)


def _status(r: httpx.Response, expected: int) -> None:
    if expected >= 400:
        problem(r, expected)
    else:
        assert r.status_code == expected, r.text


@pytest.mark.parametrize("kind", CALLERS)
async def test_the_rule_table(kind, stack, tenant, coaching, db, world, as_person):
    rules = RULES[kind]
    rows = await _planted(coaching, db, world, as_person)
    held_ids = {name: rows[name] for name in ("se_s1", "m1_s1", "m2_s3")}
    async with caller_of(kind, stack, tenant, world, as_person)() as c:
        # a session read: 404 when hidden; private notes only for its coach and who sees everything
        status, notes = rules["session_read"]
        r = await c.get(f"/v1/sessions/{rows['se_s1']}")
        _status(r, status)
        if status == 200:
            assert r.json()["private_notes"] == (NOTES if notes else None)

        # a session list, filtered in SQL the same way
        listed = (await c.get("/v1/sessions", params={"status": "completed"})).json()
        want = set(held_ids) if rules["session_list"] == ALL else rules["session_list"]
        assert ids(listed) == {held_ids[n] for n in want}

        # writes on a session: reschedule (its coach), cancel (its coach or seller), rate (its seller only)
        _status(await c.patch(f"/v1/sessions/{rows['planned']}", json={"scheduled_at": at(2)}), rules["reschedule"])
        _status(await c.post(f"/v1/sessions/{rows['planned']}/cancel", json={"reason": "moved"}), rules["cancel"])
        rating = {"relevant": 4, "developmental": 4, "motivational": 5, "comment": "useful"}
        _status(await c.put(f"/v1/sessions/{rows['se_s1']}/rating", json=rating), rules["rate"])

        # an assignment create on s1
        r = await c.post("/v1/coach-assignments", json={"coach_id": rows["trainer"], "seller_id": str(world.s1),
                                                        "kind": "trainer", "scope": ["negotiation"]})
        _status(r, rules["assignment_create"])

        # programme health, one and in a batch (a batch leaves out what the caller may not see)
        r = await c.get(f"/v1/programmes/{rows['programme']}/health")
        _status(r, rules["health"])
        batch = (await c.get("/v1/programme-health", params={"programme_ids": [rows["programme"]]})).json()
        assert [h["programme_id"] for h in batch] == ([rows["programme"]] if rules["health_batch"] else [])

        # the activity report of m1's tree (s1's line)
        r = await c.get("/v1/reports/coaching-activity", params={"manager_id": str(world.m1)})
        _status(r, rules["report"])
        if r.status_code == 200:
            body = r.json()
            assert body["manager_id"] == str(world.m1)
            assert {row["person_id"] for row in body["rows"]} == {str(world.m1), str(world.se)}

        # a directory write
        _status(await c.patch(f"/v1/people/{world.s1}", json={"title": "Account executive"}),
                rules["directory_write"])

        # the directory and who coaches whom are open to every caller
        assert (await c.get(f"/v1/people/{world.s1}")).status_code == 200
        assert (await c.get(f"/v1/people/{world.m1}/tree")).status_code == 200
        assert (await c.get(f"/v1/people/{world.s1}/coaches")).status_code == 200


async def test_a_manager_reads_their_own_tree_only_and_the_role_matters_for_reports(as_person, world):
    """Without manager_id a manager's report covers their own tree; a person with reports but without the
    manager or leader role reads their people's sessions (no role needed) but not the report."""
    async with as_person(world.m2, "manager") as m2:
        assert (await m2.get("/v1/reports/coaching-activity")).json()["manager_id"] == str(world.m2)
    async with as_person(world.leader, "leader") as leader:
        r = await leader.get("/v1/reports/coaching-activity", params={"manager_id": str(world.m1)})
        assert r.status_code == 200, r.text
    async with as_person(world.m1, "manager") as m1:
        session = await held(m1, world.m1, world.s1)
    async with as_person(world.m1, "seller") as m1_without_role:
        assert (await m1_without_role.get(f"/v1/sessions/{session['id']}")).status_code == 200
        problem(await m1_without_role.get("/v1/reports/coaching-activity"), 403)


async def test_the_tree_is_read_once_per_request(stack, coaching, db, world, as_person):
    """However many programmes or rows a request checks, the caller's reporting tree is one query."""
    engine = stack.local.services["coaching"].state.db.engine.sync_engine
    programmes = [str(await db.programme([(world.m1, s)])) for s in (world.s1, world.s2)]
    programmes.append(str(await db.programme([(world.m2, world.s3)])))

    async def tree_queries(c: httpx.AsyncClient, path: str, **params: Any) -> int:
        with statements_of_this_task(engine, lambda s: re.search(r"RECURSIVE\s+tree\b", s) is not None) as trees:
            r = await c.get(path, params=params)
        assert r.status_code == 200, r.text
        return len(trees)

    async with as_person(world.leader, "leader") as leader:
        assert await tree_queries(leader, "/v1/programme-health", programme_ids=programmes) == 1
        assert await tree_queries(leader, "/v1/sessions") == 1
        assert await tree_queries(leader, "/v1/reports/coaching-activity", manager_id=str(world.m1)) == 1


def test_access_is_decided_in_one_module():
    """No other module of the coaching service refuses (403) or reads a caller's roles: visibility.py does."""
    root = Path(__file__).resolve().parents[2] / "services" / "coaching"
    pattern = re.compile(r"\bForbidden\b|sees_everything|has_role|principal\.(roles|kind|person_id)")
    offenders = [f"{path.relative_to(root)}:{n}" for path in sorted(root.rglob("*.py"))
                 if path.relative_to(root) != Path("visibility.py")
                 for n, line in enumerate(path.read_text().splitlines(), 1) if pattern.search(line)]
    assert offenders == []
