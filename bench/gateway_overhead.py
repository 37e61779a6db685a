"""How much the gateway costs: the same list of behaviours fetched three ways, in one process.

    .venv/bin/python bench/gateway_overhead.py [--items 50] [--seconds 3]

Baseline: REST straight to the behaviors service app. Compared: REST through the gateway's
/api/behaviors proxy, and GraphQL (list + nested objective/scenarios/versions via DataLoaders).
All over in-process ASGI transports on SQLite, so the ratios isolate our own code's cost; machines
here are noisy, so only the ratios printed at the end mean anything.
"""

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx

from bench.in_process import gateway_and

QUERY = """{ behaviors(first: %d) { items { key name status indicators { metricKey target }
  objective { name } scenarios { title } versions { number } } } }"""


async def rate(label: str, call: Callable[[], Awaitable[httpx.Response]], seconds: float) -> float:
    for _ in range(5):
        (await call()).raise_for_status()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        (await call()).raise_for_status()
        n += 1
    per_second = n / (time.perf_counter() - start)
    print(f"{label:<42} {per_second:8.1f} req/s")
    return per_second


async def main(items: int, seconds: float) -> None:
    async with gateway_and("behaviors") as (gateway, direct):
        objective = (await direct.post("/v1/objectives", json={"name": "Sell to the C-suite"})).json()["id"]
        for i in range(items):
            b = (await direct.post("/v1/behaviors", json={
                "key": f"behavior-{i}", "name": f"Behaviour {i}", "audience": ["seller"], "objective_id": objective,
                "indicators": [{"metric_key": "meetings", "kind": "activity", "target": 3}]})).json()
            scenario = {"title": "Opening", "root_causes": ["skills"]}
            await direct.post(f"/v1/behaviors/{b['id']}/scenarios", json=scenario)
            await direct.post(f"/v1/behaviors/{b['id']}/publish")

        base = await rate(f"REST direct to the service ({items} items)",
                          lambda: direct.get("/v1/behaviors", params={"limit": items}), seconds)
        proxied = await rate("REST through the gateway proxy",
                             lambda: gateway.get("/api/behaviors/v1/behaviors", params={"limit": items}), seconds)
        graphql = await rate("GraphQL with nested loaders (4 REST calls)",
                             lambda: gateway.post("/graphql", json={"query": QUERY % items}), seconds)
        print(f"\nratio proxy / direct:   {proxied / base:.2f}")
        print(f"ratio graphql / direct: {graphql / base:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    asyncio.run(main(args.items, args.seconds))
