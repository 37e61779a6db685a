"""What GraphQL costs for one object: `behavior(id) { key name status }` through the gateway against a REST
GET of the same behaviour straight to the behaviors service, in one process.

    .venv/bin/python bench/gateway_graphql.py [--seconds 2] [--rounds 3]

Both run over in-process ASGI transports on SQLite (the gateway then calls the service through its own
in-process client, as `uplift serve` does), alternating round by round, so the ratio isolates the gateway's
own cost per request: reading the body, parsing and validating the document, the context, executing the
resolver, the one downstream call and encoding the answer. Rates are requests per second of this process's
CPU time (`time.process_time`, every thread: aiosqlite's included), not of wall time: the machine is shared,
and wall time measured the other processes as much as this one. Only the ratios (min / median / max over the
rounds) printed at the end mean anything. Aim (issue 13): median ≥ 0.5.
"""

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

import httpx

from bench.in_process import gateway_and

QUERY = "query One($id: ID!) { behavior(id: $id) { key name status } }"


async def rate(call: Callable[[], Awaitable[httpx.Response]], seconds: float) -> float:
    for _ in range(20):  # warm: caches, pools, the key cache
        (await call()).raise_for_status()
    n, start = 0, time.process_time()
    while time.process_time() - start < seconds:
        (await call()).raise_for_status()
        n += 1
    return n / (time.process_time() - start)


async def measure(seconds: float, rounds: int) -> list[float]:
    """The ratio GraphQL ÷ REST direct, once per round."""
    ratios: list[float] = []
    async with gateway_and("behaviors") as (gateway, direct):
        created = await direct.post("/v1/behaviors", json={
            "key": "bench", "name": "Bench behaviour", "audience": ["seller"],
            "indicators": [{"metric_key": "meetings", "kind": "activity", "target": 3}]})
        behavior_id = created.json()["id"]
        body = {"query": QUERY, "variables": {"id": behavior_id}}
        check = (await gateway.post("/graphql", json=body)).json()
        expected = {"key": "bench", "name": "Bench behaviour", "status": "DRAFT"}
        assert check == {"data": {"behavior": expected}}, check

        async def rest() -> httpx.Response:
            return await direct.get(f"/v1/behaviors/{behavior_id}")

        async def graphql() -> httpx.Response:
            return await gateway.post("/graphql", json=body)

        for i in range(rounds):
            base = await rate(rest, seconds)
            compared = await rate(graphql, seconds)
            ratios.append(compared / base)
            print(f"round {i + 1}: REST direct {base:8.1f} req/CPU-s   GraphQL behavior(id) "
                  f"{compared:8.1f} req/CPU-s   ratio {compared / base:.2f}")
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ratios = asyncio.run(measure(args.seconds, args.rounds))
    print(f"\nGraphQL behavior(id){{key name status}} ÷ REST GET direct: min {min(ratios):.2f} / "
          f"median {statistics.median(ratios):.2f} / max {max(ratios):.2f}  (aim ≥ 0.5)")


if __name__ == "__main__":
    main()
