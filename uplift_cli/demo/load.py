"""Push a plan through Uplift's public APIs (REST through the gateway) into one tenant.

A tenant is seeded once: the load refuses a tenant that already has people or objectives (`AlreadySeeded`),
before writing anything. Re-running on a fresh tenant gives the same org and history.

Order: the org and what it wants to change; the metrics read model of them; then the conversations (coaching
database) and the evidence (metrics database) side by side, as they touch different databases; then waiting for
the sessions to reach the metrics read model; last, the reviews of goals due before this week, with the outcome
their figures give (load_reviews.py).
"""

import asyncio
import time
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

import httpx

from uplift_cli.demo.api import Api, DemoLoadError
from uplift_cli.demo.load_metrics import load_aliases, load_evidence, settle
from uplift_cli.demo.load_org import Ids, load_alignment, load_behaviors, load_people, load_relationships
from uplift_cli.demo.load_reviews import load_reviews
from uplift_cli.demo.load_sessions import SessionLoader
from uplift_cli.demo.plan import Plan


class AlreadySeeded(DemoLoadError):
    """The tenant already holds data: the demo is loaded into empty tenants only."""


@dataclass
class LoadReport:
    tenant_id: str
    summary: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)  # per step, and "total"
    calls: int = 0
    ids: Ids = field(default_factory=Ids)


async def ensure_empty(api: Api) -> None:
    people = await api.get("coaching/v1/people", limit=1)
    objectives = await api.get("behaviors/v1/objectives", limit=1)
    if people["items"] or objectives["items"]:
        raise AlreadySeeded("This tenant already holds people or objectives; the demo is loaded into an empty "
                            "tenant only, and nothing was changed. Seed another tenant (uplift seed-demo "
                            "--tenant-name NAME).")


async def load_demo(client: httpx.AsyncClient, plan: Plan, *, tenant_id: uuid.UUID | str,
                    jwt_secret: str | None) -> LoadReport:
    """`client` reaches the gateway (base URL without /api) with the tenant's admin key as its default
    credential; `jwt_secret` signs the people's own tokens (the secret the services verify them with)."""
    api = Api(client, tenant_id=uuid.UUID(str(tenant_id)), jwt_secret=jwt_secret)
    report = LoadReport(tenant_id=str(tenant_id), summary=plan.summary())
    ids = report.ids
    started = time.perf_counter()

    async def step(name: str, work: Awaitable[Any]) -> Any:
        t = time.perf_counter()
        result = await work
        report.seconds[name] = round(time.perf_counter() - t, 2)
        return result

    await ensure_empty(api)
    await step("people", load_people(api, plan, ids))
    await step("aliases", load_aliases(api))
    await step("behaviors", load_behaviors(api, plan, ids))
    await step("relationships", load_relationships(api, plan, ids))
    await step("alignment", load_alignment(api, plan, ids))
    sessions = SessionLoader(api, plan, ids)
    await asyncio.gather(step("sessions", sessions.load()), step("evidence", load_evidence(api, plan, ids)))
    await step("events", settle(api, plan, ids))
    await step("reviews", load_reviews(api, sessions.agreed, plan.today, sessions.who))
    report.seconds["total"] = round(time.perf_counter() - started, 2)
    report.calls = api.calls
    return report
