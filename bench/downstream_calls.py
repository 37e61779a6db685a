"""Downstream calls per GraphQL query must not grow with the list: the same query over 5 and over 40 people
(each with a scorecard, a manager and coaches), the calls the gateway makes to the services counted for each.

    .venv/bin/python -m bench.downstream_calls [--rounds 3]

In one process (the all-in-one app on SQLite: the gateway's clients are the same code as over the network,
and their request hooks count every call). Each round builds two tenants (5 and 40 sellers, a manager each
and a trainer assigned to every seller, two behaviours), lets the events reach the metrics read model, and
asks each tenant the same query. The figure is calls(40) ÷ calls(5): it must be 1.
"""

import argparse
import asyncio
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.report import Figure, print_figures
from common.migrations import HISTORIES, upgrade
from uplift_cli.local import LocalStack, build_local

QUERY = """{ people(first: 100, role: SELLER) { items { name manager { name }
  coaches { kind coach { name } } scorecard(period: MONTH) { behaviors { key indicators { status } } } } } }"""


async def settled(local: LocalStack) -> None:
    """Until no outbox holds an unpublished event (the in-process bus publishes once every consumer is done)."""
    while True:
        if not await local.unpublished():
            return
        await asyncio.sleep(0.05)


async def org(local: LocalStack, name: str, sellers: int) -> httpx.AsyncClient:
    tenant = await local.identity.create_tenant(name)
    key = (await local.identity.create_key(tenant, "bench", ["admin"])).api_key
    auth = {"authorization": f"Bearer {key}"}
    coaching = httpx.AsyncClient(transport=httpx.ASGITransport(app=local.services["coaching"]),
                                 base_url="http://coaching", headers=auth)
    behaviors = httpx.AsyncClient(transport=httpx.ASGITransport(app=local.services["behaviors"]),
                                  base_url="http://behaviors", headers=auth)
    start = (datetime.now(UTC).date() - timedelta(days=60)).isoformat()

    async def person(label: str, roles: list[str]) -> str:
        r = await coaching.post("/v1/people", json={"name": label, "roles": roles})
        r.raise_for_status()
        return str(r.json()["id"])

    manager = await person("Manager", ["manager"])
    trainer = await person("Trainer", ["enablement"])
    for n in range(sellers):
        seller = await person(f"Seller {n}", ["seller"])
        (await coaching.put(f"/v1/people/{seller}/manager", json={"manager_id": manager, "effective": start})) \
            .raise_for_status()
        (await coaching.post("/v1/coach-assignments", json={"coach_id": trainer, "seller_id": seller,
                                                            "kind": "trainer", "starts_on": start})).raise_for_status()
    for key, metric in (("exec-meetings", "meetings"), ("calls", "calls")):
        b = (await behaviors.post("/v1/behaviors", json={
            "key": key, "name": key, "audience": ["seller"],
            "indicators": [{"metric_key": metric, "kind": "activity", "target": 3}]})).json()["id"]
        (await behaviors.post(f"/v1/behaviors/{b}/publish")).raise_for_status()
    await coaching.aclose()
    await behaviors.aclose()
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=local.app), base_url="http://gw", headers=auth)


async def measure(rounds: int) -> list[Figure]:
    figure = Figure("downstream_calls", "downstream calls per GraphQL query, 40 people ÷ 5 people", "= 1",
                    lambda m: m == 1)
    tmp = Path(tempfile.mkdtemp())
    urls = {h: f"sqlite+aiosqlite:///{tmp / h}.db" for h in HISTORIES}
    for h, url in urls.items():
        await asyncio.to_thread(upgrade, h, url)
    local = build_local(urls, environment="test", jwt_secret="bench-secret-bench-secret-bench-secret-1234")
    calls: list[httpx.Request] = []

    async def count(request: httpx.Request) -> None:
        calls.append(request)

    for client in local.app.state.clients.clients.values():
        client.event_hooks["request"].append(count)
    async with local.app.router.lifespan_context(local.app):
        gateways = {n: await org(local, f"bench-{n}", n) for n in (5, 40)}
        await settled(local)
        for i in range(rounds):
            made: dict[int, list[str]] = {}
            for n, gateway in gateways.items():
                calls.clear()
                r = await gateway.post("/graphql", json={"query": QUERY})
                body: dict[str, Any] = r.json()
                assert "errors" not in body, body
                people = body["data"]["people"]["items"]
                assert len(people) == n and all(p["manager"] and p["coaches"] and p["scorecard"] for p in people), \
                    people[:2]
                made[n] = sorted(f"{c.method} {c.url.host}{c.url.path}" for c in calls)
            print(f"round {i + 1}: 5 people {len(made[5])} calls, 40 people {len(made[40])} calls: {made[40]}",
                  file=sys.stderr)
            figure.add(len(made[40]) / len(made[5]), calls_5=made[5], calls_40=made[40])
        for gateway in gateways.values():
            await gateway.aclose()
    return [figure]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print_figures(asyncio.run(measure(args.rounds)))


if __name__ == "__main__":
    main()
