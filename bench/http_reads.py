"""Reads over real HTTP, separate processes on PostgreSQL: what GraphQL costs over REST, and what the behaviors
service costs over a bare FastAPI + asyncpg endpoint.

    .venv/bin/python -m bench.http_reads [--seconds 4] [--rounds 3]

One cluster (behaviors and the gateway as `uplift serve` processes, plus bench/bare_app.py) on scratch
databases, 50 published behaviours with an objective, an indicator and a scenario each. Every round drives each
request for `seconds` with 8 concurrent clients and counts the requests per CPU second of the server processes
that answered it (read from /proc: the gateway and the service for GraphQL, the service alone for REST, the bare
app alone for the floor). The load generator, the database and every other program on the machine are left
out, so the ratios hold on a shared machine; requests per wall second are kept in the results too.
"""

import argparse
import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import httpx

from bench.load import Request, drive
from bench.processes import Cluster, free_port, wait_healthy
from bench.report import Figure, print_figures

ITEMS = 50
ONE = "query One($id: ID!) { behavior(id: $id) { key name status } }"
LIST = ("{ behaviors(first: " + str(ITEMS) + ") { items { key name status indicators { metricKey target }"
        " objective { name } scenarios { title } } } }")


def seed(base: str, headers: dict[str, str]) -> list[str]:
    with httpx.Client(base_url=base, headers=headers, timeout=30) as c:
        objective = c.post("/v1/objectives", json={"name": "Sell to the C-suite"}).json()["id"]
        ids = []
        for i in range(ITEMS):
            r = c.post("/v1/behaviors", json={
                "key": f"behavior-{i}", "name": f"Behaviour {i}", "audience": ["seller"], "objective_id": objective,
                "indicators": [{"metric_key": "meetings", "kind": "activity", "target": 3}]})
            r.raise_for_status()
            b = r.json()["id"]
            c.post(f"/v1/behaviors/{b}/scenarios", json={"title": "Opening", "root_causes": ["skills"]}) \
                .raise_for_status()
            c.post(f"/v1/behaviors/{b}/publish").raise_for_status()
            ids.append(b)
    return ids


class Bare:
    """bench/bare_app.py as its own uvicorn process on the behaviors database."""

    def __init__(self, dsn: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--port", str(self.port), "--log-level",
             "warning"], env={**os.environ, "BENCH_BARE_DSN": dsn}, stdout=subprocess.DEVNULL, stderr=sys.stderr)
        wait_healthy(self.url, self.proc, "bare app")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def measure(seconds: float, rounds: int) -> list[Figure]:
    from bench.processes import cpu_seconds

    single = Figure("graphql_single", "GraphQL behavior(id){key name status} ÷ REST GET direct", "≥ 0.5",
                    lambda m: m >= 0.5)
    listed = Figure("graphql_list_50", "GraphQL 50 behaviours + indicators/scenarios/objective ÷ REST list of 50",
                    "≥ 0.4", lambda m: m >= 0.4)
    floor = Figure("rest_vs_bare", "behaviors REST GET by id ÷ bare FastAPI+asyncpg SELECT", "≥ 0.5",
                   lambda m: m >= 0.5)
    with Cluster() as cluster:
        creds = cluster.start("behaviors", "gateway")
        auth = {"authorization": f"Bearer {creds['api_key']}"}
        ids = seed(cluster.url("behaviors"), auth)
        bare = Bare(cluster.dsns["behaviors"])
        try:
            beh, gw = cluster.url("behaviors"), cluster.url("gateway")
            requests = {
                "rest_one": (Request("GET", f"{beh}/v1/behaviors/{ids[7]}", auth), ("behaviors",)),
                "bare_one": (Request("GET", f"{bare.url}/v1/behaviors/{ids[7]}?tenant={creds['tenant_id']}"), ()),
                "graphql_one": (Request("POST", f"{gw}/graphql", auth, {"query": ONE, "variables": {"id": ids[7]}}),
                                ("behaviors", "gateway")),
                "rest_list": (Request("GET", f"{beh}/v1/behaviors?limit={ITEMS}", auth), ("behaviors",)),
                "graphql_list": (Request("POST", f"{gw}/graphql", auth, {"query": LIST}), ("behaviors", "gateway")),
            }
            checks: dict[str, Callable[[Any], None]] = {
                "graphql_one": lambda body: _no_errors(body, lambda d: d["behavior"]["key"] == "behavior-7"),
                "graphql_list": lambda body: _no_errors(body, lambda d: len(d["behaviors"]["items"]) == ITEMS),
                "rest_list": lambda body: _check(len(body["items"]) == ITEMS, body),
            }
            for i in range(rounds):
                rate: dict[str, float] = {}
                wall: dict[str, float] = {}
                for name, (request, parts) in requests.items():
                    def used(parts: tuple[str, ...] = parts) -> float:
                        return cluster.cpu(*parts) if parts else cpu_seconds(bare.proc.pid)
                    before = used()
                    load = asyncio.run(drive(request, seconds=seconds, check=checks.get(name)))
                    rate[name] = load.count / max(used() - before, 1e-9)
                    wall[name] = load.count / load.wall
                print(f"round {i + 1}: " + "  ".join(f"{k} {v:.0f}/cpu-s ({wall[k]:.0f}/s)" for k, v in rate.items()),
                      file=sys.stderr)
                single.add(rate["graphql_one"] / rate["rest_one"],
                           wall=wall["graphql_one"] / wall["rest_one"], rates=rate)
                listed.add(rate["graphql_list"] / rate["rest_list"], wall=wall["graphql_list"] / wall["rest_list"])
                floor.add(rate["rest_one"] / rate["bare_one"], wall=wall["rest_one"] / wall["bare_one"])
        finally:
            bare.close()
    return [single, listed, floor]


def _check(ok: bool, body: Any) -> None:
    if not ok:
        raise RuntimeError(f"unexpected answer: {str(body)[:300]}")


def _no_errors(body: Any, ok: Callable[[Any], bool]) -> None:
    _check("errors" not in body and ok(body["data"]), body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print_figures(measure(args.seconds, args.rounds))


if __name__ == "__main__":
    main()
