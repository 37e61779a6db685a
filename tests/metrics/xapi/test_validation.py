"""Strict validation (xAPI Data §2.2, §2.4, §4): each case breaks one rule of the ADL LRS conformance list and
must be refused with 400, at both versions, with nothing stored — in a batch too (the request is atomic)."""

import json
import uuid
from typing import Any

import pytest

from tests.metrics.xapi.conftest import Lrs, statement

AGENT = {"objectType": "Agent", "mbox": "mailto:ann@example.com"}
ACTIVITY = "https://lms.example.com/course/101"


def _with(path: str, value: Any) -> dict[str, Any]:
    """The sample statement with one property (a dotted path) set; `...` removes it."""
    st = statement()
    *parents, last = path.split(".")
    node = st
    for p in parents:
        node = node.setdefault(p, {})
    if value is ...:
        node.pop(last, None)
    else:
        node[last] = value
    return st


BAD: list[tuple[str, dict[str, Any]]] = [
    ("XAPI-00001 null", _with("actor.name", None)),
    ("XAPI-00001 empty object", _with("result", {})),
    ("XAPI-00003 no actor", _with("actor", ...)),
    ("XAPI-00004 no verb", _with("verb", ...)),
    ("XAPI-00005 no object", _with("object", ...)),
    ("XAPI-00006 wrong type", _with("result", {"success": "true"})),
    ("XAPI-00006 number as string", _with("result", {"score": {"scaled": "0.5"}})),
    ("XAPI-00006 bool as number", _with("result", {"completion": 1})),
    ("XAPI-00007 empty IRI", _with("verb.id", "")),
    ("XAPI-00007 bad mailto", _with("actor.mbox", "ann@example.com")),
    ("XAPI-00008 key case", _with("verb", {"ID": "http://adlnet.gov/expapi/verbs/completed"})),
    ("XAPI-00009 enum case", _with("actor.objectType", "agent")),
    ("XAPI-00010 unknown key", _with("foo", "bar")),
    ("XAPI-00011 IRI without scheme", _with("object.id", "lms.example.com/course/101")),
    ("XAPI-00013 language tag", _with("verb.display", {"not a tag": "completed"})),
    ("XAPI-00022 timestamp", _with("timestamp", "30/11/2026")),
    ("XAPI-00022 negative zero offset", _with("timestamp", "2026-11-30T10:00:00-00:00")),
    ("XAPI-00027 id not a UUID", _with("id", "not-a-uuid")),
    ("XAPI-00028 id not a string", _with("id", 12)),
    ("XAPI-00029 UUID not in standard form", _with("id", uuid.uuid4().hex)),
    ("XAPI-00031 actor objectType", _with("actor.objectType", "Activity")),
    ("XAPI-00034 two IFIs", _with("actor", {**AGENT, "openid": "https://id.example.com/ann"})),
    ("XAPI-00034 no IFI", _with("actor", {"objectType": "Agent", "name": "Ann"})),
    ("XAPI-00036 member not an Agent", _with("actor", {"objectType": "Group", "member": [{"name": "x"}]})),
    ("XAPI-00037 group without IFI or members", _with("actor", {"objectType": "Group", "name": "Team"})),
    ("XAPI-00039 mbox_sha1sum", _with("actor", {"mbox_sha1sum": "xyz"})),
    ("XAPI-00042 account without homePage", _with("actor", {"account": {"name": "42"}})),
    ("XAPI-00042 homePage not an IRL", _with("actor", {"account": {"homePage": "moodle", "name": "42"}})),
    ("XAPI-00043 account name not a string", _with("actor", {"account": {"homePage": "https://m.example",
                                                                         "name": 42}})),
    ("XAPI-00044 verb without id", _with("verb", {"display": {"en-US": "completed"}})),
    ("XAPI-00046 object objectType", _with("object", {"objectType": "Course", "id": ACTIVITY})),
    ("XAPI-00047 activity without id", _with("object", {"objectType": "Activity"})),
    ("XAPI-00049 interactionType", _with("object.definition", {"interactionType": "essay"})),
    ("XAPI-00058 duplicate component ids", _with("object.definition", {
        "interactionType": "choice", "choices": [{"id": "a"}, {"id": "a"}]})),
    ("XAPI-00064 correctResponsesPattern without interactionType", _with("object.definition", {
        "correctResponsesPattern": ["a"]})),
    ("XAPI-00065 agent object without objectType", _with("object", {"mbox": "mailto:bob@example.com"})),
    ("XAPI-00067 SubStatement with authority", _with("object", {
        "objectType": "SubStatement", "actor": AGENT, "verb": {"id": "http://x.example/v"},
        "object": {"id": ACTIVITY}, "authority": AGENT})),
    ("XAPI-00071 nested SubStatement", _with("object", {
        "objectType": "SubStatement", "actor": AGENT, "verb": {"id": "http://x.example/v"},
        "object": {"objectType": "SubStatement", "actor": AGENT, "verb": {"id": "http://x.example/v"},
                   "object": {"id": ACTIVITY}}})),
    ("XAPI-00072 StatementRef id", _with("object", {"objectType": "StatementRef", "id": "nope"})),
    ("XAPI-00077 duration", _with("result", {"duration": "1 hour"})),
    ("XAPI-00080 max below min", _with("result", {"score": {"min": 10, "max": 5}})),
    ("XAPI-00082 raw above max", _with("result", {"score": {"raw": 11, "min": 0, "max": 10}})),
    ("XAPI-00083 scaled above 1", _with("result", {"score": {"scaled": 1.5}})),
    ("XAPI-00084 revision on a non-Activity", _with("object", {"objectType": "Agent", **{
        k: v for k, v in AGENT.items() if k != "objectType"}}) | {"context": {"revision": "2"}}),
    ("XAPI-00087 registration", _with("context", {"registration": "abc"})),
    ("XAPI-00088 team not a Group", _with("context", {"team": AGENT})),
    ("XAPI-00091 context language", _with("context", {"language": "english please"})),
    ("XAPI-00093 contextActivities key", _with("context", {"contextActivities": {"parents": [{"id": ACTIVITY}]}})),
    ("XAPI-00095 empty contextActivities", _with("context", {"contextActivities": {}})),
    ("XAPI-00100 authority group of three", _with("authority", {"objectType": "Group", "member": [
        {"mbox": f"mailto:{n}@example.com"} for n in "abc"]})),
    ("XAPI-00101 statement version", _with("version", "0.9")),
    ("XAPI-00102 attachment length", _with("attachments", [{
        "usageType": "http://x.example/u", "display": {"en": "a"}, "contentType": "text/plain", "length": "3",
        "sha2": "a" * 64, "fileUrl": "https://x.example/a"}])),
    ("XAPI-00106 attachment without display", _with("attachments", [{
        "usageType": "http://x.example/u", "contentType": "text/plain", "length": 3, "sha2": "a" * 64}])),
    ("contextAgents needs relevantTypes to be IRIs", _with("context", {"contextAgents": [{
        "objectType": "contextAgent", "agent": AGENT, "relevantTypes": []}]})),
]


@pytest.mark.parametrize(("rule", "bad"), BAD, ids=[r for r, _ in BAD])
async def test_a_statement_breaking_a_rule_is_refused_whole(xapi: Lrs, rule: str, bad: dict[str, Any]) -> None:
    r = await xapi.client.post("/statements", json=[statement(), bad])
    assert r.status_code == 400, (rule, r.text)
    assert "x-experience-api-consistent-through" in r.headers
    put = await xapi.client.put("/statements", params={"statementId": str(uuid.uuid4())}, json=bad)
    assert put.status_code == 400, (rule, put.text)
    assert (await xapi.client.get("/statements")).json()["statements"] == []


async def test_the_valid_sample_and_its_variants_are_taken(xapi: Lrs) -> None:
    """The counterparts of the cases above: what the rules allow is stored (XAPI-00096: a single context
    activity comes back in an array)."""
    group = {"objectType": "Group", "name": "Team", "member": [AGENT, {"account": {
        "homePage": "https://moodle.example.com", "name": "42"}}]}
    good = [
        statement(),
        statement(actor=group),
        statement(result={"score": {"scaled": -1, "raw": 0, "min": 0, "max": 10}, "success": False,
                          "completion": True, "duration": "PT1H30M5.25S", "extensions": {
                              "https://x.example/ext": None}}),
        statement(context={"registration": str(uuid.uuid4()), "instructor": AGENT, "team": group,
                           "contextActivities": {"grouping": [{"id": ACTIVITY}]}, "revision": "2",
                           "platform": "Moodle", "language": "en-GB", "extensions": {}}),
        statement(object={"objectType": "SubStatement", "actor": AGENT, "verb": {"id": "http://x.example/v"},
                          "object": {"id": ACTIVITY}}),
        statement(timestamp="2026-11-30T10:00:00+01:00", version="1.0.3"),
    ]
    if xapi.applied == "1.0.3":
        good.append(statement(context={"contextActivities": {"parent": {"id": ACTIVITY}}}))
    r = await xapi.client.post("/statements", json=good)
    assert r.status_code == 200, r.text
    if xapi.applied == "1.0.3":
        back = (await xapi.client.get("/statements", params={"statementId": r.json()[-1]})).json()
        assert back["context"]["contextActivities"]["parent"] == [{"id": ACTIVITY}]


async def test_context_agents_and_groups_are_2_0_only(xapi: Lrs) -> None:
    """IEEE 9274.1.1 adds context.contextAgents / contextGroups; at 1.0.3 they are unknown properties
    (XAPI-00010)."""
    st = statement(context={"contextAgents": [{"objectType": "contextAgent", "agent": AGENT,
                                               "relevantTypes": ["https://x.example/types/coach"]}],
                            "contextGroups": [{"objectType": "contextGroup", "group": {
                                "objectType": "Group", "member": [AGENT]}}]})
    r = await xapi.client.post("/statements", json=st)
    assert r.status_code == (200 if xapi.applied == "2.0.0" else 400), r.text


async def test_2_0_takes_only_zoned_timestamps_and_gives_them_back_in_utc(xapi: Lrs) -> None:
    """2.0: timestamps are RFC 3339 (with an offset) and a non-UTC one is converted, not refused; 1.0.3 keeps
    the timestamp as sent."""
    zoned = await xapi.client.post("/statements", json=statement(timestamp="2026-11-30T11:00:00.123+01:00"))
    assert zoned.status_code == 200
    back = (await xapi.client.get("/statements", params={"statementId": zoned.json()[0]})).json()
    if xapi.applied == "2.0.0":
        assert back["timestamp"] == "2026-11-30T10:00:00.123000Z"
    else:
        assert back["timestamp"] == "2026-11-30T11:00:00.123+01:00"
    plain = await xapi.client.post("/statements", json=statement(timestamp="2026-11-30T11:00:00"))
    assert plain.status_code == (400 if xapi.applied == "2.0.0" else 200)


async def test_duplicate_ids_in_a_batch_and_duplicate_keys_are_refused(xapi: Lrs) -> None:
    """Communication §2.1.2 (the same id twice in one batch), XAPI-00021 (a property twice in one object)."""
    sid = str(uuid.uuid4())
    twice = await xapi.client.post("/statements", json=[statement(id=sid), statement(id=sid)])
    assert twice.status_code == 400
    raw = json.dumps(statement()).replace('"verb":', '"verb": {"id": "http://x.example/v"}, "verb":', 1)
    dup = await xapi.client.post("/statements", content=raw, headers={"content-type": "application/json"})
    assert dup.status_code == 400, dup.text
    assert (await xapi.client.get("/statements")).json()["statements"] == []


async def test_bodies_that_are_not_json_statements_are_400(xapi: Lrs) -> None:
    """Communication §3.2: a content type that does not match the body, or a body that is not JSON → 400 (not
    Uplift's 415), with xAPI's headers."""
    for content, ctype in ((b"{}", "text/plain"), (b"not json", "application/json"), (b"[]", "application/json"),
                           (b"42", "application/json"), (b'{"x": NaN}', "application/json"),
                           (b'{"actor": "\\u0000"}', "application/json")):
        r = await xapi.client.post("/statements", content=content, headers={"content-type": ctype})
        assert r.status_code == 400, (content, ctype, r.text)
        assert r.headers["x-experience-api-version"] == xapi.applied
