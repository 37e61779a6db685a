"""docs/api.md §7's ingest example, run as written (path, headers, body) against the demo's org and aliases:
the activity is attributed to the person the docs name, and the docs' `pending` variant is answered with the
reason the docs show. (tests/test_demo.py runs the same example against the fully loaded demo.)"""

import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from services.metrics.models import Activity
from tests.conftest import Stack, Tenant
from tests.metrics.conftest import MetricsDb
from uplift_cli.demo.api import Api
from uplift_cli.demo.constants import SEED
from uplift_cli.demo.load_metrics import load_aliases
from uplift_cli.demo.org import build_org

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


@dataclass
class Example:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    answer: dict[str, Any]  # the documented answer's counts and first item's status
    person: str  # whom the docs say it counts for in the demo
    pending_user_id: str  # the docs' pending variant: its user id and reason
    pending_reason: str


def docs_example() -> Example:
    text = DOCS.read_text()
    section = text[text.index("## 7. Ingest"):text.index("## 8. ")]
    block = section[section.index("```sh") + 5:]
    block = block[:block.index("```")]
    url = re.search(r"curl -s -X POST (\S+)", block)
    body = re.search(r"-d '(.*?)'\n", block, re.S)
    assert url and body, block
    headers = {k.lower(): v for k, v in re.findall(r"-H '([^:]+): ([^']+)'", block)}
    answer_text = "".join(line.lstrip("# ").strip() + " " for line in block.splitlines() if line.startswith("#"))
    answer = json.loads(answer_text.replace("…", ""))
    person = re.search(r"this counts for ([A-Z][a-z]+ [A-Z][a-z]+), whose CRM user id is `([^`]+)`", section)
    reason = re.search(r'"reason": "(no person with crm user id (\S+) [^"]*)"', section)
    assert person and reason, "the section names the demo person and shows the pending reason"
    assert person.group(2) in body.group(1)
    return Example(path=url.group(1).removeprefix("http://127.0.0.1:8000"), headers=headers,
                   body=json.loads(body.group(1)), answer=answer, person=person.group(1),
                   pending_user_id=reason.group(2), pending_reason=reason.group(1))


async def run_example(client: httpx.AsyncClient, example: Example) -> dict[str, Any]:
    r = await client.post(example.path, json=example.body, headers=example.headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def check_answer(body: dict[str, Any], example: Example) -> None:
    assert {k: body[k] for k in ("created", "updated", "pending", "duplicate", "conflict", "rejected")} == {
        k: example.answer[k] for k in ("created", "updated", "pending", "duplicate", "conflict", "rejected")}
    item = body["items"][0]
    assert (item["status"], item["reason"], item["errors"]) == ("created", None, []), item


async def test_the_docs_example_is_attributed_in_the_demo_org_and_its_pending_variant_says_why(
        stack: Stack, tenant: Tenant, mdb: MetricsDb) -> None:
    example = docs_example()
    org = build_org(SEED, datetime.now(UTC).date())
    ids = {p.key: uuid.uuid4() for p in org.people}
    async with stack.client(await stack.key(tenant, "admin", "metrics:internal")) as client:
        # the demo org as the directory's events leave it in the metrics read model, and the demo's aliases
        r = await client.put("/api/metrics/v1/internal/people", json={"items": [
            {"id": str(ids[p.key]), "version": 1, "name": p.name, "email": p.email, "external_ids": p.external_ids()}
            for p in org.people]})
        assert r.status_code == 200 and r.json()["created"] == len(org.people), r.text
        await load_aliases(Api(client, tenant_id=tenant.id, jwt_secret=None))

        body = await run_example(client, example)
        check_answer(body, example)
        who = next(p for p in org.people if p.name == example.person)
        stored = await mdb.all(select(Activity.external_id, Activity.person_id))
        assert stored == [(example.body["items"][0]["external_id"], ids[who.key])]

        other = {**example.body["items"][0], "external_id": "00T2", "user_id": example.pending_user_id}
        pending = await run_example(client, Example(**{**example.__dict__, "body": {"items": [other]},
                                                       "headers": {}}))
        assert pending["pending"] == 1
        assert (pending["items"][0]["status"], pending["items"][0]["reason"]) == ("pending", example.pending_reason)
